"""Deactivating or reactivating an account voids its sign-in links, codes and sessions."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from portal.models import SignInToken, User
from tests.auth.test_sign_in import ask_link, code_in, confirm, link_token
from tests.conftest import get_csrf

EMAIL = "noor@example.org"


def hr_acts(client: Any, other_browser: Any, login_as: Any, hr: User, person: User, *actions: str):
    """HR, in a browser of their own, posts each action on the person's page."""
    with other_browser() as browser:
        login_as(hr)
        page = f"/hr/people/{person.public_id}"
        for action in actions:
            response = browser.post(
                f"{page}/{action}", data={"csrf_token": get_csrf(browser, page)}
            )
            assert response.status_code == 303, response.text[:300]


async def _tokens(db: Any, user_id: int) -> list[SignInToken]:
    return list(
        await db.scalars(
            sa.select(SignInToken)
            .where(col(SignInToken.user_id) == user_id)
            .execution_options(populate_existing=True)
        )
    )


def test_link_from_before_deactivation_does_not_sign_in_after_reactivation(
    client, other_browser, make_user, login_as, deliver, run
):
    person = make_user(role="employee", email=EMAIL)
    hr = make_user(role="hr")
    ask_link(client, EMAIL)
    mail = deliver()[-1]
    hr_acts(client, other_browser, login_as, hr, person, "deactivate", "reactivate")
    assert confirm(client, link_token(mail)).status_code == 400
    rows = run(lambda db: _tokens(db, person.id))
    assert rows and all(r.used_at is not None and r.code_hash is None for r in rows)


def test_code_from_before_deactivation_does_not_sign_in_after_reactivation(
    client, other_browser, make_user, login_as, deliver
):
    person = make_user(role="employee", email=EMAIL)
    hr = make_user(role="hr")
    ask_link(client, EMAIL)
    code = code_in(deliver()[-1])
    hr_acts(client, other_browser, login_as, hr, person, "deactivate", "reactivate")
    response = client.post("/login/confirm", data={"code": code, "csrf_token": get_csrf(client)})
    assert response.status_code == 422
    assert "portal_session" not in response.headers.get("set-cookie", "")


def test_reactivated_account_signs_in_with_a_fresh_link(
    client, other_browser, make_user, login_as, deliver
):
    person = make_user(role="employee", email=EMAIL)
    hr = make_user(role="hr")
    hr_acts(client, other_browser, login_as, hr, person, "deactivate", "reactivate")
    ask_link(client, EMAIL)
    assert confirm(client, link_token(deliver()[-1])).status_code == 303


def test_deactivation_ends_every_session_for_good(
    client, other_browser, make_user, login_as, deliver
):
    """Sessions in two browsers end at deactivation and stay dead after reactivation."""
    person = make_user(role="employee", email=EMAIL)
    hr = make_user(role="hr")
    first, second = login_as(person), login_as(person)
    hr_acts(client, other_browser, login_as, hr, person, "deactivate")
    for session_id in (first, second):
        client.cookies.set("portal_session", session_id)
        assert client.get("/").status_code == 303
    hr_acts(client, other_browser, login_as, hr, person, "reactivate")
    for session_id in (first, second):
        client.cookies.set("portal_session", session_id)
        assert client.get("/").status_code == 303


def test_reactivation_ends_sessions_of_an_account_closed_outside_the_portal(
    client, other_browser, make_user, login_as, run
):
    """An account switched off in the database directly (an operator, a script) kept its
    session rows; reactivating it must not bring them back to life."""
    person = make_user(role="employee", email=EMAIL)
    hr = make_user(role="hr")
    session_id = login_as(person)
    run(
        lambda db: db.execute(
            sa.update(User).where(col(User.id) == person.id).values(is_active=False)
        )
    )
    hr_acts(client, other_browser, login_as, hr, person, "reactivate")
    client.cookies.set("portal_session", session_id)
    assert client.get("/").status_code == 303
