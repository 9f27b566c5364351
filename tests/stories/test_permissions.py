"""Every role against every story and picture route: what they may not see answers 404.

"author" wrote the stories, "employee" is another colleague, "hr" reviews, "candidate"
reads. Each story route is tried on a story in the state where the allowed role really
succeeds, so "ok" means the change was made, not merely that the page answered.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
import sqlalchemy as sa
from PIL import Image as PILImage
from sqlmodel import col

from portal.app import create_app
from portal.models import Image, Story, StoryRevision, StoryStatus
from tests.conftest import get_csrf
from tests.factories import create_story
from tests.stories.test_flow import BODY, hr_post

pytestmark = pytest.mark.one_database

TITLE = "Geheime verhaaltitel"
MEDIA = "/media/{id}/{width:int}.jpg"
ROLES = ["author", "employee", "hr", "candidate"]
# The people in the shared ``people`` fixture who play each role.
PERSON = {"author": "author", "employee": "colleague", "hr": "hr", "candidate": "candidate"}

OK = "ok"
STAFF: dict[str, Any] = {"author": OK, "employee": OK, "hr": OK, "candidate": 404}
OWNER: dict[str, Any] = {"author": OK, "employee": 404, "hr": 404, "candidate": 404}
HR: dict[str, Any] = {"author": 404, "employee": 404, "hr": OK, "candidate": 404}
EVERYONE: dict[str, Any] = dict.fromkeys(ROLES, OK)

# (method, path) → what each role gets; "ok" is the route's SUCCESS status below.
MATRIX: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/stories"): EVERYONE,
    ("GET", "/stories/{slug}"): EVERYONE,  # a published story
    ("GET", "/me/stories"): STAFF,  # HR are staff: they may write stories too
    ("POST", "/me/stories"): STAFF,
    ("GET", "/me/stories/new"): STAFF,
    ("POST", "/me/stories/preview"): STAFF,
    ("GET", "/me/stories/{id}"): OWNER,
    ("POST", "/me/stories/{id}"): OWNER,
    ("POST", "/me/stories/{id}/withdraw"): OWNER,
    ("POST", "/me/stories/{id}/discard"): OWNER,
    ("GET", "/hr/stories"): HR,
    ("GET", "/hr/stories/{id}"): HR,
    ("POST", "/hr/stories/{id}/publish"): HR,
    ("POST", "/hr/stories/{id}/request-changes"): HR,
    ("POST", "/hr/stories/{id}/reject"): HR,
    ("POST", "/hr/stories/{id}/unpublish"): HR,
    ("POST", "/hr/stories/{id}/archive"): HR,
    ("POST", "/hr/stories/{id}/restore"): HR,
    # The cover of the author's draft: the uploader and HR only (see the lifecycle test).
    ("GET", MEDIA): {"author": OK, "employee": 404, "hr": OK, "candidate": 404},
}

# What "ok" answers on each route: pages 200, changes a 303 to the page that shows them.
SUCCESS = {key: 303 if key[0] == "POST" else 200 for key in MATRIX}
SUCCESS[("POST", "/me/stories/preview")] = 200  # an htmx fragment, no redirect

# The story each {id} route is tried on: the state in which the allowed role succeeds.
TARGET = {
    ("GET", "/me/stories/{id}"): "draft",
    ("POST", "/me/stories/{id}"): "draft",
    ("POST", "/me/stories/{id}/withdraw"): "submitted",
    ("POST", "/me/stories/{id}/discard"): "pending",  # online, with a newer draft
    ("GET", "/hr/stories/{id}"): "submitted",
    ("POST", "/hr/stories/{id}/publish"): "submitted",
    ("POST", "/hr/stories/{id}/request-changes"): "submitted",
    ("POST", "/hr/stories/{id}/reject"): "submitted",
    ("POST", "/hr/stories/{id}/unpublish"): "published",
    ("POST", "/hr/stories/{id}/archive"): "published",
    ("POST", "/hr/stories/{id}/restore"): "archived",
}

# The story's status after the allowed role's change.
AFTER = {
    ("POST", "/me/stories/{id}"): StoryStatus.DRAFT,
    ("POST", "/me/stories/{id}/withdraw"): StoryStatus.DRAFT,
    ("POST", "/me/stories/{id}/discard"): StoryStatus.PUBLISHED,
    ("POST", "/hr/stories/{id}/publish"): StoryStatus.PUBLISHED,
    ("POST", "/hr/stories/{id}/request-changes"): StoryStatus.CHANGES_REQUESTED,
    ("POST", "/hr/stories/{id}/reject"): StoryStatus.REJECTED,
    ("POST", "/hr/stories/{id}/unpublish"): StoryStatus.UNPUBLISHED,
    ("POST", "/hr/stories/{id}/archive"): StoryStatus.ARCHIVED,
    ("POST", "/hr/stories/{id}/restore"): StoryStatus.UNPUBLISHED,
}


@pytest.fixture(scope="module")
def compiled() -> dict[str, Any]:
    return {}


@pytest.fixture
def app(settings: Any, clock: Any, mailbox: Any, compiled: dict[str, Any]) -> Any:
    """The app of tests/conftest.py, sharing its compiled templates with the other tests
    here: compiling them again for each of the many cases below would double their time."""
    app = create_app(settings, clock=clock, email_backend=mailbox)
    app.state.templates = compiled.setdefault("templates", app.state.templates)
    return app


def story_routes(app: Any) -> set[tuple[str, str]]:
    return {
        (method, route.path)
        for route in app.routes
        for method in (getattr(route, "methods", None) or [])
        if method != "HEAD" and ("stories" in route.path or route.path.startswith("/media"))
    }


def test_the_matrix_covers_every_story_and_picture_route(app):
    assert story_routes(app) == set(MATRIX)
    assert set(TARGET) == {key for key in MATRIX if "{id}" in key[1] and key[1] != MEDIA}
    assert set(AFTER) == {key for key in TARGET if key[0] == "POST"}


# ---- helpers -------------------------------------------------------------------------------


def png(size: tuple[int, int] = (800, 500), colour: Any = (30, 110, 90)) -> bytes:
    out = BytesIO()
    PILImage.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def story_fields(**fields: Any) -> dict[str, Any]:
    return {
        "title": TITLE,
        "teaser": "Over mijn eerste maanden.",
        "body": BODY,
        "language": "nl",
        "department": "Engineering",
        "intent": "save",
        **fields,
    }


def upload_cover(client: Any) -> str:
    """As the signed-in person: a draft with a real picture; the story's public id."""
    data = {"csrf_token": get_csrf(client, "/me/stories/new"), **story_fields()}
    data["image_alt"] = "Het team op het dakterras"
    files = {"cover": ("cover.png", png(), "image/png")}
    response = client.post("/me/stories", data=data, files=files)
    assert response.status_code == 303, response.text
    return response.headers["location"].split("?")[0].rsplit("/", 1)[1]


async def _one(db: Any, public_id: str) -> Story:
    result: Story = (
        await db.scalars(sa.select(Story).where(col(Story.public_id) == public_id))
    ).one()
    return result


def load(run: Any, public_id: str) -> Story:
    return run(lambda db: _one(db, public_id))  # type: ignore[no-any-return]


def cover_of(run: Any, public_id: str) -> Image:
    async def get(db: Any) -> Image:
        story = await _one(db, public_id)
        result: Image = (
            await db.scalars(
                sa.select(Image)
                .join(StoryRevision, col(StoryRevision.image_id) == col(Image.id))
                .where(
                    col(StoryRevision.story_id) == story.id,
                    col(StoryRevision.number) == story.working_number,
                )
            )
        ).one()
        return result

    return run(get)  # type: ignore[no-any-return]


def count_stories(run: Any) -> int:
    async def get(db: Any) -> int:
        return int(await db.scalar(sa.select(sa.func.count()).select_from(Story)) or 0)

    return run(get)  # type: ignore[no-any-return]


STATUS = {"pending": "published"}  # the states below that are not a StoryStatus


async def make_stories(db: Any, author: Any, *states: str) -> dict[str, Story]:
    """A story of ``author`` in each of ``states``, all with the same title.

    "pending" is online with revision 1 while the author works on revision 2.
    """
    stories = {
        state: await create_story(db, author=author, title=TITLE, status=STATUS.get(state, state))
        for state in states
    }
    if "pending" in stories:
        pending = stories["pending"]
        db.add(
            StoryRevision(story_id=pending.id or 0, number=2, title=TITLE + " (nieuw)", body=BODY)
        )
        pending.status = StoryStatus.DRAFT
        pending.working_number = 2
    # Stories that were online once keep their slug; give the others one too, so the
    # reader is shown to decide on what is online, not on whether a slug exists.
    for state, story in stories.items():
        if story.slug is None:
            story.slug = f"{state.replace('_', '-')}-verhaal"
    await db.flush()
    return stories


def csrf_for(client: Any, session_id: str) -> str:
    """The token every page of this session carries (without rendering one for it)."""
    return client.app.state.keyring.csrf_token("session:" + session_id)  # type: ignore[no-any-return]


def post_data(token: str, story: Story | None) -> dict[str, Any]:
    return {
        "csrf_token": token,
        "version": str(story.version) if story else "0",
        "note": "Graag de naam van de klant weglaten.",
        **story_fields(title="Bijgewerkte titel"),
    }


# ---- every role on every route -------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path"), sorted(MATRIX))
def test_role_against_route(client, run, login_as, people, role, method, path):
    key = (method, path)
    state = TARGET.get(key, "published")
    stories = run(lambda db: make_stories(db, people["author"], state))
    target = stories[state] if key in TARGET else None
    if path == MEDIA:
        login_as(people["author"])
        image = cover_of(run, upload_cover(client))
        url = f"/media/{image.public_id}/480.jpg"
    elif target is not None:
        url = path.replace("{id}", target.public_id)
    else:
        url = path.replace("{slug}", stories["published"].slug or "")
    before = count_stories(run)

    session_id = login_as(people[PERSON[role]])
    if method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, data=post_data(csrf_for(client, session_id), target))

    expected = MATRIX[key][role]
    if expected == OK:
        assert response.status_code == SUCCESS[key], response.text[:500]
    else:
        assert response.status_code == expected
        assert TITLE not in response.text  # nothing of the story leaks

    if path == MEDIA and expected == OK:
        assert response.headers["content-type"] == "image/jpeg"
        assert "private" in response.headers["cache-control"]
    if method == "GET" and expected == OK and (target is not None or "{slug}" in path):
        assert TITLE in response.text  # the allowed role really sees the story
    if target is not None and method == "POST":
        after = load(run, target.public_id)
        if expected == OK:
            assert after.status == AFTER[key]
            assert after.version == target.version + 1
        else:  # refused: nothing changed
            assert (after.status, after.version) == (target.status, target.version)
    if key == ("POST", "/me/stories"):
        assert count_stories(run) == before + (1 if expected == OK else 0)


@pytest.mark.parametrize(("method", "path"), sorted(MATRIX))
def test_signed_out_visitors_are_sent_to_sign_in(client, method, path):
    url = path.replace("{width:int}", "480").replace("{id}", "x").replace("{slug}", "x")
    if method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, data={"csrf_token": get_csrf(client)})
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


# ---- authors see only their own stories ----------------------------------------------------


def test_my_stories_lists_only_ones_own(client, run, login_as, people):
    run(lambda db: make_stories(db, people["author"], "draft", "published"))
    login_as(people["author"])
    assert TITLE in client.get("/me/stories").text
    for other in ("colleague", "hr"):
        login_as(people[other])
        page = client.get("/me/stories")
        assert page.status_code == 200 and TITLE not in page.text


def test_hr_write_their_own_stories_but_review_others_only_through_hr_pages(
    client, run, login_as, people
):
    login_as(people["hr"])
    data = {"csrf_token": get_csrf(client, "/me/stories/new"), **story_fields(title="Van HR")}
    response = client.post("/me/stories", data=data)
    assert response.status_code == 303
    public_id = response.headers["location"].split("?")[0].rsplit("/", 1)[1]
    page = client.get(f"/me/stories/{public_id}")
    assert page.status_code == 200 and "Van HR" in page.text

    # Another HR person reviews it on the HR page, but cannot open it as its author.
    login_as(people["hr2"])
    response = client.get(f"/me/stories/{public_id}")
    assert response.status_code == 404 and "Van HR" not in response.text
    assert client.get(f"/hr/stories/{public_id}").status_code == 200
    story = load(run, public_id)
    data = {"csrf_token": get_csrf(client, "/stories"), **story_fields(title="Overgenomen")}
    data["version"] = str(story.version)
    assert client.post(f"/me/stories/{public_id}", data=data).status_code == 404
    assert load(run, public_id).version == story.version

    # And the employee who wrote the other stories cannot open it either.
    login_as(people["author"])
    assert client.get(f"/me/stories/{public_id}").status_code == 404


# ---- the reader shows only what is online --------------------------------------------------

HIDDEN = ["draft", "submitted", "changes_requested", "rejected", "unpublished", "archived"]


@pytest.mark.parametrize("state", [*HIDDEN, "made-up"])
def test_a_story_that_is_not_online_is_not_found_by_its_slug_whoever_asks(
    client, run, login_as, people, state
):
    """Not even its author or HR: the reader shows what is online, nothing else."""
    stories = run(lambda db: make_stories(db, people["author"], *HIDDEN))
    slug = "bestaat-niet" if state == "made-up" else stories[state].slug
    for role in ROLES:
        login_as(people[PERSON[role]])
        response = client.get(f"/stories/{slug}")
        assert response.status_code == 404, role
        assert TITLE not in response.text, role


def test_the_story_list_shows_only_what_is_online(client, run, login_as, people):
    stories = run(lambda db: make_stories(db, people["author"], "published", "pending", *HIDDEN))
    online = {stories["published"].slug, stories["pending"].slug}
    login_as(people["candidate"])
    page = client.get("/stories")
    assert page.status_code == 200
    linked = {
        slug for slug in (s.slug for s in stories.values()) if f'/stories/{slug}"' in page.text
    }
    assert linked == online


def test_an_online_story_with_a_newer_draft_shows_the_published_text(client, run, login_as, people):
    stories = run(lambda db: make_stories(db, people["author"], "pending"))
    login_as(people["candidate"])
    page = client.get(f"/stories/{stories['pending'].slug}")
    assert page.status_code == 200
    assert TITLE in page.text and "(nieuw)" not in page.text


def test_an_archived_story_stays_hidden_whatever_its_live_number_says(
    client, run, login_as, people
):
    async def setup(db: Any) -> Story:
        story = await create_story(db, author=people["author"], title=TITLE)
        story.status = StoryStatus.ARCHIVED  # live_number is still 1
        await db.flush()
        return story

    story = run(setup)
    login_as(people["candidate"])
    response = client.get(f"/stories/{story.slug}")
    assert response.status_code == 404 and TITLE not in response.text
    assert TITLE not in client.get("/stories").text


# ---- pictures follow their story ------------------------------------------------------------


def test_a_cover_is_seen_by_whoever_may_read_its_story(client, run, login_as, people):
    login_as(people["author"])
    public_id = upload_cover(client)
    image = cover_of(run, public_id)
    url = f"/media/{image.public_id}/480.jpg"

    def status_for(*names: str) -> dict[str, int]:
        seen = {}
        for name in names:
            login_as(people[name])
            seen[name] = client.get(url).status_code
        return seen

    everyone = ("author", "hr", "colleague", "candidate")
    # A draft: its author and HR only.
    login_as(people["author"])
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert "private" in response.headers["cache-control"]
    assert PILImage.open(BytesIO(response.content)).size == (480, 300)
    assert status_for(*everyone) == {"author": 200, "hr": 200, "colleague": 404, "candidate": 404}

    # Sent for review (the picture kept), then published by HR: every reader.
    login_as(people["author"])
    story = load(run, public_id)
    data = {"csrf_token": get_csrf(client, "/me/stories/new"), **story_fields(intent="submit")}
    data.update(version=str(story.version), image_alt="Het team op het dakterras")
    assert client.post(f"/me/stories/{public_id}", data=data).status_code == 303
    assert status_for("colleague", "candidate") == {"colleague": 404, "candidate": 404}
    login_as(people["hr"])
    assert hr_post(client, load(run, public_id), "publish").status_code == 303
    assert status_for(*everyone) == dict.fromkeys(everyone, 200)

    # Archived: back to its author and HR.
    login_as(people["hr"])
    assert hr_post(client, load(run, public_id), "archive").status_code == 303
    assert status_for(*everyone) == {"author": 200, "hr": 200, "colleague": 404, "candidate": 404}


def test_a_width_that_is_not_stored_or_an_unknown_picture_is_not_found(
    client, run, login_as, people
):
    login_as(people["author"])
    image = cover_of(run, upload_cover(client))
    assert image.widths == [480, 800]
    for name in ("author", "hr"):
        login_as(people[name])
        assert client.get(f"/media/{image.public_id}/800.jpg").status_code == 200
        assert client.get(f"/media/{image.public_id}/123.jpg").status_code == 404
        assert client.get(f"/media/{image.public_id}/960.jpg").status_code == 404
        assert client.get(f"/media/{'x' * 22}/480.jpg").status_code == 404
        assert client.get("/media/bestaat-niet/480.jpg").status_code == 404
