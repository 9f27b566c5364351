"""Erase my data: a confirmation step, then the candidate is withdrawn, HR is told without
any personal data, everything is erased at once and the candidate is signed out."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from portal.models import Question, User, Visit, VisitPreferences
from tests.conftest import get_csrf
from tests.privacy.test_export import build

PAGE = "/me/privacy"


def post(client: Any, **fields: str) -> Any:
    return client.post(PAGE, data={"csrf_token": get_csrf(client, PAGE), **fields})


async def _left(db: Any) -> dict[str, int]:
    counts = {}
    for model in (User, Visit, VisitPreferences, Question):
        counts[model.__name__] = int(await db.scalar(sa.select(sa.func.count()).select_from(model)))
    return counts


def test_the_first_post_only_asks_to_confirm(client, app, run, login_as):
    mine = run(lambda db: build(db, app, tag="Mine"))
    login_as(mine["candidate"])
    before = run(_left)
    page = post(client, intent="erase")
    assert page.status_code == 200
    assert 'name="confirm" value="yes" required' in page.text
    assert 'name="intent" value="erase"' in page.text
    assert run(_left) == before
    assert client.get(PAGE).status_code == 200  # still signed in


def test_confirmed_erasure_erases_signs_out_and_tells_hr(client, app, run, login_as, deliver):
    mine = run(lambda db: build(db, app, tag="Mine"))
    run(lambda db: build(db, app, tag="Theirs"))

    async def hosted_by_hr(db: Any) -> None:
        await db.execute(sa.update(Visit).values(host_id=mine["hr"].id))

    run(hosted_by_hr)
    login_as(mine["candidate"])
    before = run(_left)
    response = post(client, intent="erase", confirm="yes")
    assert response.status_code == 303
    assert response.headers["location"] == "/privacy?erased=1"
    assert "Max-Age=0" in response.headers["set-cookie"]
    # The candidate, their visit, answers and question: gone. The other candidate stays.
    assert run(_left) == {name: count - 1 for name, count in before.items()}
    notice = client.get("/privacy?erased=1", headers={"Accept-Language": "en"})
    assert "Your data is erased" in notice.text
    # Signed out: the page now sends them to sign in.
    assert client.get(PAGE).status_code in (302, 303)
    # Their visit's host (HR) hears, and only they: a link, nothing personal.
    [mail] = deliver()
    assert mail.recipient == mine["hr"].email
    for secret in ("Cand Mine", "mine@example.org", "Position Mine", "Diet Mine"):
        assert secret not in mail.text and secret not in mail.html
    assert "http://testserver/hr/visits" in mail.text
    assert "http://testserver/privacy" in mail.text


def test_without_an_hr_host_all_of_hr_hears(client, app, run, login_as, deliver):
    mine = run(lambda db: build(db, app, tag="Mine"))
    theirs = run(lambda db: build(db, app, tag="Theirs"))
    login_as(mine["candidate"])
    post(client, intent="erase", confirm="yes")
    assert sorted(m.recipient for m in deliver()) == sorted([mine["hr"].email, theirs["hr"].email])


def test_after_erasure_the_address_is_unknown(client, app, run, login_as, deliver):
    mine = run(lambda db: build(db, app, tag="Mine"))
    login_as(mine["candidate"])
    post(client, intent="erase", confirm="yes")
    client.cookies.clear()
    pages = []
    for email in ("mine@example.org", "nobody@example.org"):
        client.cookies.clear()
        csrf = get_csrf(client)
        response = client.post("/login", data={"email": email, "csrf_token": csrf})
        pages.append((response.status_code, re.sub(r'value="[^"]{40,}"', "", response.text)))
    assert pages[0] == pages[1]
    assert "mine@example.org" not in [m.recipient for m in deliver()]


def test_a_bad_intent_erases_nothing(client, app, run, login_as):
    mine = run(lambda db: build(db, app, tag="Mine"))
    login_as(mine["candidate"])
    before = run(_left)
    assert post(client, intent="other", confirm="yes").status_code == 422
    assert run(_left) == before


def test_staff_cannot_use_it(client, make_user, login_as, run):
    for role in ("employee", "hr"):
        client.cookies.clear()
        user = make_user(role)
        login_as(user)
        csrf = get_csrf(client, "/privacy")
        response = client.post(PAGE, data={"csrf_token": csrf, "intent": "erase", "confirm": "yes"})
        assert response.status_code == 404
    assert run(_left)["User"] == 2
