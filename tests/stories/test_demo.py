"""The demo's stories: enough to show every screen, loaded once however often the demo runs."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from portal.demo import demo_data, today_in_zone
from portal.demo_stories import STORIES, seed_stories
from portal.imports.service import import_bytes
from portal.models import Image, Story, StoryRevision


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
