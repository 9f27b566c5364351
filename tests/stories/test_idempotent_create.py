"""A double POST of "new story" makes one story; the story quota holds under a burst."""

from __future__ import annotations

import re

import sqlalchemy as sa

from portal.models import Story
from tests.conftest import csrf_from
from tests.parallel import post_in_parallel
from tests.stories.test_flow import BODY


def _stories(run):
    async def get(db):
        return list(await db.scalars(sa.select(Story)))

    return run(get)


def _form(client, **fields):
    page = client.get("/me/stories/new").text
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page)
    assert key, "the new-story form has no idempotency key"
    return {
        "csrf_token": csrf_from(page),
        "idempotency_key": key.group(1),
        "title": "Mijn eerste week",
        "body": BODY,
        "language": "nl",
        "intent": "save",
        **fields,
    }


def test_the_same_form_twice_makes_one_story(client, login_as, people, run):
    login_as(people["author"])
    body = _form(client)
    first = client.post("/me/stories", data=body)
    again = client.post("/me/stories", data=body)
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    assert len(_stories(run)) == 1


def test_a_double_click_at_once_makes_one_story(client, login_as, people, run):
    login_as(people["author"])
    answers = post_in_parallel(client, "/me/stories", [_form(client)] * 4)
    assert {a.status_code for a in answers} == {303}
    assert len({a.headers["location"] for a in answers}) == 1
    assert len(_stories(run)) == 1


def test_the_story_quota_holds_when_many_arrive_at_once(client, login_as, people, run, app):
    limit = app.state.settings.max_stories_per_author
    login_as(people["author"])
    forms = [_form(client, title=f"Verhaal {n}") for n in range(limit + 5)]
    answers = post_in_parallel(client, "/me/stories", forms)
    assert sorted({a.status_code for a in answers}) == [303, 422]
    assert len(_stories(run)) == limit
