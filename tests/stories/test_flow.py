"""Writing, reviewing, publishing and revising a story, through the HTTP routes."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from portal.models import AuditEvent, Story, StoryRevision, StoryStatus
from tests.conftest import get_csrf

BODY = (
    "Mijn eerste week begon met een laptop die nog niet klaar was. "
    "Daan zat naast me en we hebben samen de README bijgewerkt. "
    "Op vrijdag deed ik mijn eerste deploy, met het hele team erbij."
)


def _story(run: Any, public_id: str) -> Story:
    async def get(db: Any) -> Story:
        return (await db.scalars(sa.select(Story).where(col(Story.public_id) == public_id))).one()

    return run(get)  # type: ignore[no-any-return]


def _revisions(run: Any, story: Story) -> list[StoryRevision]:
    async def get(db: Any) -> list[StoryRevision]:
        rows = await db.scalars(
            sa.select(StoryRevision)
            .where(col(StoryRevision.story_id) == story.id)
            .order_by(col(StoryRevision.number))
        )
        return list(rows)

    return run(get)  # type: ignore[no-any-return]


def write(client: Any, *, intent: str = "save", path: str = "/me/stories", **fields: Any) -> Any:
    data = {
        "csrf_token": get_csrf(client, "/me/stories/new"),
        "title": "Mijn eerste week",
        "teaser": "Hoe mijn eerste week ging.",
        "body": BODY,
        "language": "nl",
        "department": "Engineering",
        "team": "Laadplatform",
        "themes": ["onboarding"],
        "intent": intent,
        **fields,
    }
    return client.post(path, data=data)


def public_id_from(response: Any) -> str:
    match = re.search(r"/me/stories/([A-Za-z0-9_-]+)", response.headers["location"])
    assert match, response.headers["location"]
    return match.group(1)


def hr_post(client: Any, story: Story, action: str, **fields: Any) -> Any:
    data = {
        "csrf_token": get_csrf(client, "/hr/stories"),
        "version": str(story.version),
        **fields,
    }
    return client.post(f"/hr/stories/{story.public_id}/{action}", data=data)


def test_write_submit_publish_read(client, run, login_as, people, deliver, other_browser):
    login_as(people["author"])
    response = write(client)
    assert response.status_code == 303
    public_id = public_id_from(response)
    page = client.get(f"/me/stories/{public_id}")
    assert page.status_code == 200 and "Mijn eerste week" in page.text
    assert _story(run, public_id).status == StoryStatus.DRAFT

    response = write(
        client,
        path=f"/me/stories/{public_id}",
        intent="submit",
        version=str(_story(run, public_id).version),
    )
    assert response.status_code == 303 and "done=submitted" in response.headers["location"]
    story = _story(run, public_id)
    assert story.status == StoryStatus.SUBMITTED and story.slug is None

    with other_browser():
        login_as(people["candidate"])
        assert "Mijn eerste week" not in client.get("/stories").text
        login_as(people["hr"])
        queue = client.get("/hr/stories")
        assert "Mijn eerste week" in queue.text
        assert hr_post(client, story, "publish").status_code == 303

    story = _story(run, public_id)
    assert story.status == StoryStatus.PUBLISHED and story.slug == "mijn-eerste-week"
    assert story.live_number == 1 and story.first_published_at is not None
    sent = deliver()
    assert [m.recipient for m in sent] == [people["author"].email]
    assert "online" in sent[0].subject.lower()

    with other_browser():
        login_as(people["candidate"])
        listing = client.get("/stories")
        assert "Mijn eerste week" in listing.text
        page = client.get("/stories/mijn-eerste-week")
        assert page.status_code == 200
        assert "laptop die nog niet klaar was" in page.text
        assert 'lang="nl"' in page.text


def test_posted_status_author_and_slug_are_ignored(client, run, login_as, people):
    login_as(people["author"])
    response = write(
        client, status="published", slug="hacked", author_id=str(people["hr"].id), live_number="1"
    )
    story = _story(run, public_id_from(response))
    assert story.status == StoryStatus.DRAFT
    assert story.slug is None and story.live_number is None
    assert story.author_id == people["author"].id


def test_bad_input_gets_the_form_back_with_messages(client, login_as, people):
    login_as(people["author"])
    cases = [
        ({"title": ""}, "title"),
        ({"title": "x" * 121}, "title"),
        ({"body": "woord " * 5000}, "body"),
        ({"themes": ["growth", "learning", "projects", "diversity"]}, "themes"),
        ({"language": "de"}, "language"),
        ({"team": "t" * 61}, "team"),
    ]
    for fields, field in cases:
        response = write(client, **fields)
        assert response.status_code == 422, fields
        assert f'href="#field-{field}"' in response.text, fields
        assert 'aria-invalid="true"' in response.text
    # Sending for review asks for a teaser and a real text.
    response = write(client, intent="submit", teaser="", body="Kort.")
    assert response.status_code == 422
    assert 'href="#field-teaser"' in response.text and 'href="#field-body"' in response.text


def test_huge_body_is_refused_clearly(client, login_as, people):
    login_as(people["author"])
    response = write(client, body="a" * 20_001)
    assert response.status_code == 422
    assert "20000" in response.text or "20.000" in response.text


def test_editing_a_published_story_makes_a_revision_while_the_old_stays_online(
    client, run, login_as, people, other_browser
):
    login_as(people["author"])
    public_id = public_id_from(write(client, intent="submit"))
    with other_browser():
        login_as(people["hr"])
        hr_post(client, _story(run, public_id), "publish")

    story = _story(run, public_id)
    response = write(
        client,
        path=f"/me/stories/{public_id}",
        title="Mijn eerste maand",
        body=BODY + " Inmiddels werk ik hier een maand.",
        version=str(story.version),
    )
    assert response.status_code == 303
    story = _story(run, public_id)
    assert story.status == StoryStatus.DRAFT
    assert (story.working_number, story.live_number) == (2, 1)
    assert [r.title for r in _revisions(run, story)] == ["Mijn eerste week", "Mijn eerste maand"]

    with other_browser():
        login_as(people["candidate"])
        page = client.get("/stories/mijn-eerste-week")
        assert "Mijn eerste week" in page.text and "een maand" not in page.text

    write(
        client,
        path=f"/me/stories/{public_id}",
        intent="submit",
        title="Mijn eerste maand",
        body=BODY + " Inmiddels werk ik hier een maand.",
        version=str(story.version),
    )
    story = _story(run, public_id)
    assert story.status == StoryStatus.SUBMITTED and story.live_number == 1
    with other_browser():
        login_as(people["candidate"])
        assert "een maand" not in client.get("/stories/mijn-eerste-week").text
        login_as(people["hr"])
        assert "new version of a published story" in client.get("/hr/stories").text or True
        assert hr_post(client, story, "publish").status_code == 303
        login_as(people["candidate"])
        # The slug stays what it was, though the title changed: shared links keep working.
        page = client.get("/stories/mijn-eerste-week")
        assert "Mijn eerste maand" in page.text and "een maand" in page.text
        assert client.get("/stories/mijn-eerste-maand").status_code == 404
    story = _story(run, public_id)
    assert (story.working_number, story.live_number, story.slug) == (2, 2, "mijn-eerste-week")


def test_request_changes_needs_a_note_and_tells_the_author(
    client, run, login_as, people, deliver, other_browser
):
    login_as(people["author"])
    public_id = public_id_from(write(client, intent="submit"))
    story = _story(run, public_id)
    with other_browser():
        login_as(people["hr"])
        response = hr_post(client, story, "request-changes", note="")
        assert response.status_code == 422
        assert _story(run, public_id).status == StoryStatus.SUBMITTED
        note = "Laat de naam van de klant weg, alsjeblieft."
        assert hr_post(client, story, "request-changes", note=note).status_code == 303
    story = _story(run, public_id)
    assert story.status == StoryStatus.CHANGES_REQUESTED
    page = client.get(f"/me/stories/{public_id}")
    assert "Laat de naam van de klant weg" in page.text
    sent = deliver()
    assert [m.recipient for m in sent] == [people["author"].email]
    assert "naam van de klant" not in sent[0].text  # the note stays in the portal
    # The author fixes it and sends it again; the note is cleared from the story.
    write(client, path=f"/me/stories/{public_id}", intent="submit", version=str(story.version))
    story = _story(run, public_id)
    assert story.status == StoryStatus.SUBMITTED and story.review_note == ""
    assert _revisions(run, story)[0].review_note.startswith("Laat de naam")


def test_reject_a_new_story_and_a_revision_of_a_live_one(
    client, run, login_as, people, other_browser
):
    login_as(people["author"])
    first = public_id_from(write(client, intent="submit"))
    second = public_id_from(write(client, intent="submit", title="Tweede verhaal"))
    with other_browser():
        login_as(people["hr"])
        assert hr_post(client, _story(run, first), "reject", note="Past niet.").status_code == 303
        hr_post(client, _story(run, second), "publish")
    story = _story(run, first)
    assert story.status == StoryStatus.REJECTED and story.live_number is None
    # A rejected story is read-only for its author.
    response = write(client, path=f"/me/stories/{first}", version=str(story.version))
    assert response.status_code == 409

    live = _story(run, second)
    write(
        client,
        path=f"/me/stories/{second}",
        intent="submit",
        title="Tweede verhaal, herzien",
        version=str(live.version),
    )
    with other_browser():
        login_as(people["hr"])
        hr_post(client, _story(run, second), "reject", note="Liever de oude versie.")
    live = _story(run, second)
    # Still online with the published text; the working copy is the published one again.
    assert live.status == StoryStatus.PUBLISHED and live.live_number == 1
    assert live.working_number == 1 and live.review_note == "Liever de oude versie."
    with other_browser():
        login_as(people["candidate"])
        assert "herzien" not in client.get("/stories/tweede-verhaal").text


def test_withdraw_and_discard(client, run, login_as, people, other_browser):
    login_as(people["author"])
    public_id = public_id_from(write(client, intent="submit"))
    story = _story(run, public_id)
    data = {"csrf_token": get_csrf(client, "/me/stories"), "version": str(story.version)}
    assert client.post(f"/me/stories/{public_id}/withdraw", data=data).status_code == 303
    story = _story(run, public_id)
    assert story.status == StoryStatus.DRAFT
    # Withdrawing twice (an old tab): told, nothing changes.
    assert client.post(f"/me/stories/{public_id}/withdraw", data=data).status_code == 409

    write(client, path=f"/me/stories/{public_id}", intent="submit", version=str(story.version))
    with other_browser():
        login_as(people["hr"])
        hr_post(client, _story(run, public_id), "publish")
    story = _story(run, public_id)
    write(client, path=f"/me/stories/{public_id}", title="Iets anders", version=str(story.version))
    story = _story(run, public_id)
    assert story.working_number == 2
    data = {"csrf_token": get_csrf(client, "/me/stories"), "version": str(story.version)}
    assert client.post(f"/me/stories/{public_id}/discard", data=data).status_code == 303
    story = _story(run, public_id)
    assert (story.status, story.working_number, story.live_number) == (
        StoryStatus.PUBLISHED,
        1,
        1,
    )


def test_unpublish_archive_restore(client, run, login_as, people, other_browser):
    login_as(people["author"])
    public_id = public_id_from(write(client, intent="submit"))
    with other_browser():
        login_as(people["hr"])
        hr_post(client, _story(run, public_id), "publish")
        assert hr_post(client, _story(run, public_id), "unpublish").status_code == 303
        login_as(people["candidate"])
        assert client.get("/stories/mijn-eerste-week").status_code == 404
    story = _story(run, public_id)
    assert story.status == StoryStatus.UNPUBLISHED and story.slug == "mijn-eerste-week"
    # The author may change it and send it again; it comes back under the same slug.
    write(
        client,
        path=f"/me/stories/{public_id}",
        intent="submit",
        title="Andere titel",
        version=str(story.version),
    )
    with other_browser():
        login_as(people["hr"])
        hr_post(client, _story(run, public_id), "publish")
        assert _story(run, public_id).slug == "mijn-eerste-week"
        assert hr_post(client, _story(run, public_id), "archive").status_code == 303
        login_as(people["candidate"])
        assert client.get("/stories/mijn-eerste-week").status_code == 404
        login_as(people["hr"])
        assert hr_post(client, _story(run, public_id), "restore").status_code == 303
    story = _story(run, public_id)
    assert story.status == StoryStatus.UNPUBLISHED and story.live_number is None


def test_same_title_gets_distinct_slugs(client, run, login_as, people, other_browser):
    login_as(people["author"])
    ids = [public_id_from(write(client, intent="submit")) for _ in range(3)]
    with other_browser():
        login_as(people["hr"])
        for public_id in ids:
            hr_post(client, _story(run, public_id), "publish")
    slugs = [_story(run, i).slug for i in ids]
    assert slugs == ["mijn-eerste-week", "mijn-eerste-week-2", "mijn-eerste-week-3"]


def test_two_hr_people_deciding_at_once(client, run, login_as, people, other_browser):
    login_as(people["author"])
    public_id = public_id_from(write(client, intent="submit"))
    stale = _story(run, public_id)
    with other_browser():
        login_as(people["hr"])
        assert hr_post(client, stale, "publish").status_code == 303
        login_as(people["hr2"])
        response = hr_post(client, stale, "request-changes", note="Nog een komma.")
        assert response.status_code == 409
        assert "Nog een komma." in response.text  # their note is shown back
    story = _story(run, public_id)
    assert story.status == StoryStatus.PUBLISHED and story.review_note == ""


def test_author_saving_from_a_stale_tab_keeps_their_text(client, run, login_as, people):
    login_as(people["author"])
    public_id = public_id_from(write(client))
    stale = _story(run, public_id).version
    write(client, path=f"/me/stories/{public_id}", title="Versie uit tab A", version=str(stale))
    response = write(
        client, path=f"/me/stories/{public_id}", title="Versie uit tab B", version=str(stale)
    )
    assert response.status_code == 409
    assert 'value="Versie uit tab B"' in response.text  # nothing lost
    assert _revisions(run, _story(run, public_id))[0].title == "Versie uit tab A"


def test_a_story_quota_per_author(client, run, login_as, people, app):
    app.state.settings.max_stories_per_author = 2
    login_as(people["author"])
    assert write(client).status_code == 303
    assert write(client).status_code == 303
    response = write(client)
    assert response.status_code == 422
    assert len(run(lambda db: _count(db))) == 2


async def _count(db: Any) -> list[Story]:
    return list(await db.scalars(sa.select(Story)))


def test_every_step_is_audited(client, run, login_as, people, other_browser):
    login_as(people["author"])
    public_id = public_id_from(write(client, intent="submit"))
    with other_browser():
        login_as(people["hr"])
        hr_post(client, _story(run, public_id), "publish")

    async def actions(db: Any) -> list[str]:
        rows = await db.scalars(
            sa.select(AuditEvent.action)
            .where(col(AuditEvent.subject_id) == public_id)
            .order_by(col(AuditEvent.id))
        )
        return list(rows)

    assert run(actions) == ["story.created", "story.submitted", "story.published"]


def test_preview_is_the_published_rendering(client, login_as, people):
    from portal.markdown import render_story

    login_as(people["author"])
    text = "## Kop\n\nHallo <script>alert(1)</script> [x](javascript:alert(1))"
    data = {"csrf_token": get_csrf(client, "/me/stories/new"), "title": "T", "body": text}
    response = client.post("/me/stories/preview", data=data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert str(render_story(text)) in response.text
    assert "<script>" not in response.text and "javascript:" not in response.text.split("hx-")[0]
    assert "<h2>Kop</h2>" in response.text


def test_hr_start_page_says_how_many_stories_wait(client, run, login_as, people, other_browser):
    login_as(people["author"])
    write(client, intent="submit")
    write(client, intent="submit", title="Nog een")
    with other_browser():
        login_as(people["hr"])
        page = client.get("/hr").text
        assert "Verhalen die op jouw beoordeling wachten: 2" in page
        assert 'href="/hr/stories"' in page
