"""The demo's stories: enough to show every screen, loaded once however often the demo runs."""

from __future__ import annotations

import json
import tomllib
from typing import Any, get_args, get_type_hints

import sqlalchemy as sa
from PIL import ImageColor

from portal.demo import STAFF, demo_data, today_in_zone
from portal.demo_stories import DATA_FILE, STORIES, Cover, StorySpec, seed_stories
from portal.imports.service import import_bytes
from portal.models import Image, Story, StoryRevision, StoryStatus
from portal.parsing import one_line
from portal.stories.forms import LANGUAGES, THEMES, StoryForm


def test_demo_stories_file_holds_complete_stories_by_demo_staff():
    """Read as the demo reads it: every story whole, in a known language, by a demo colleague."""
    raw = tomllib.loads(DATA_FILE.read_text(encoding="utf-8"))
    assert list(raw) == ["stories"]
    stories = raw["stories"]
    assert len(stories) == len(STORIES) >= 8
    staff = {person["email"]: person for person in STAFF}
    hints = get_type_hints(StorySpec)
    fields = set(hints) - {"cover"}  # cover: an optional table
    assert get_args(hints["language"]) == LANGUAGES
    states = get_args(hints["state"])
    assert set(states) <= set(StoryStatus)
    for story in stories:
        title = story.get("title")
        assert set(story) - {"cover"} == fields, title  # every field the demo reads, no typo
        assert isinstance(title, str) and title.strip(), story
        assert isinstance(story["body"], str) and story["body"].strip(), title
        assert story["teaser"].strip(), title
        assert story["language"] in LANGUAGES, title
        assert story["author"] in staff, title
        assert story["department"] == staff[story["author"]]["department"], title
        assert story["themes"] and set(story["themes"]) <= set(THEMES), title
        assert story["state"] in states, title
        # A note from HR exactly when HR sent the story back.
        assert bool(story["review_note"]) == (story["state"] == "changes_requested"), title
        assert isinstance(story["days_ago"], int) and story["days_ago"] >= 0, title
        cover = story.get("cover")
        if cover is not None:
            assert set(cover) == set(Cover.__annotations__), title
            for colour in (cover["sky_top"], cover["sky_bottom"], cover["land"]):
                ImageColor.getrgb(colour)  # raises on a colour the drawing cannot use
        # What an author's own story must pass before HR can read it.
        form = StoryForm(
            title=title,
            teaser=story["teaser"],
            body=story["body"],
            language=story["language"],
            department=story["department"],
            team=story["team"],
            themes=story["themes"],
            image_alt=cover["alt"] if cover else "",
        )
        assert form.validate(has_image=cover is not None) and form.check_ready(), form.errors
        for line in (title, story["teaser"], story["team"], form.image_alt):
            assert line == one_line(line), title
    # The demo matches stories on author and title, so each pair is there once.
    assert len({(s["author"], s["title"]) for s in stories}) == len(stories)
    assert [s["cover"] for s in STORIES] == [s.get("cover") for s in stories]


def test_demo_stories_are_varied_and_load_once(client, run, app, clock):
    async def load(db: Any) -> int:
        await import_bytes(db, json.dumps(demo_data(today_in_zone(clock()))), now=clock())
        return await seed_stories(db, app.state.storage, app.state.settings, now=clock())

    assert run(load) == len(STORIES)
    assert run(lambda db: seed_stories(db, app.state.storage, app.state.settings, now=clock())) == 0

    async def live(db: Any) -> list[StoryRevision]:
        rows = await db.scalars(
            sa.select(StoryRevision).join(
                Story,
                sa.and_(
                    Story.id == StoryRevision.story_id, Story.live_number == StoryRevision.number
                ),
            )
        )
        return list(rows)

    published = run(live)
    assert len(published) >= 6
    assert {r.department for r in published} == {"Engineering", "People & Culture"}
    assert {r.language for r in published} == {"nl", "en"}
    assert all(r.words >= 250 for r in published)
    covers = run(lambda db: db.scalar(sa.select(sa.func.count()).select_from(Image)))
    assert covers == 3
    # Every published story reads well enough to be shown: a slug, a teaser, themes.
    stories = run(lambda db: _stories(db))
    assert all(s.slug for s in stories if s.live_number)


async def _stories(db: Any) -> list[Story]:
    return list(await db.scalars(sa.select(Story)))
