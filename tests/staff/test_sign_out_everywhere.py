"""HR signs a colleague out everywhere without deactivating them (``/hr/people/{id}``)."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import col

from portal.auth.service import sign_out_everywhere
from portal.models import AuditEvent, SignInToken, UserSession
from tests.auth.test_sign_in import ask_link, code_in, confirm, link_token
from tests.conftest import get_csrf
from tests.factories import create_user

EMAIL = "noor@example.org"


@pytest.fixture
def people(run: Any) -> dict[str, Any]:
    async def setup(db: Any) -> dict[str, Any]:
        return {
            "admin": await create_user(db, role="admin", name="Anna Admiraal", locale="en"),
            "hr": await create_user(db, role="hr", name="Fatima El Amrani", locale="en"),
            "colleague_hr": await create_user(db, role="hr", name="Joost Hendriks"),
            "employee": await create_user(
                db, role="employee", name="Noor Bakker", email=EMAIL, locale="en"
            ),
            "other": await create_user(db, role="employee", name="Daan Visser"),
            "candidate": await create_user(db, name="Sam de Vries", email="sam@example.net"),
        }

    return run(setup)  # type: ignore[no-any-return]


def alive(client: Any, session_id: str) -> bool:
    """Whether a copied session cookie still opens the portal (without keeping it)."""
    saved = dict(client.cookies.items())
    client.cookies.clear()
    client.cookies.set("portal_session", session_id)
    try:
        response = client.get("/")
        return not response.headers.get("location", "").startswith("/login")
    finally:
        client.cookies.clear()
        for name, value in saved.items():
            client.cookies.set(name, value)


def sign_out(client: Any, public_id: str) -> Any:
    page = f"/hr/people/{public_id}"
    return client.post(f"{page}/sign-out-everywhere", data={"csrf_token": get_csrf(client, page)})


async def _events(db: Any, action: str) -> list[AuditEvent]:
    return list(await db.scalars(sa.select(AuditEvent).where(col(AuditEvent.action) == action)))


def test_hr_signs_a_colleague_out_everywhere(client, other_browser, people, login_as, deliver, run):
    employee = people["employee"]
    # Noor asked for a sign-in e-mail in one browser and is signed in on two devices.
    ask_link(client, EMAIL)
    mail = deliver()[-1]
    waiting = dict(client.cookies.items())
    laptop, phone = login_as(employee), login_as(employee)
    other = login_as(people["other"])

    client.cookies.clear()
    hr_session = login_as(people["hr"])
    response = sign_out(client, employee.public_id)
    assert response.status_code == 303
    assert response.headers["location"] == f"/hr/people/{employee.public_id}?done=signed_out"
    page = client.get(response.headers["location"])
    assert "signed out everywhere" in page.text

    assert not alive(client, laptop) and not alive(client, phone)
    assert alive(client, other) and alive(client, hr_session)
    # The link and the code in the e-mail they had no longer sign in.
    with other_browser() as browser:
        for name, value in waiting.items():
            browser.cookies.set(name, value)
        code = browser.post(
            "/login/confirm", data={"code": code_in(mail), "csrf_token": get_csrf(browser)}
        )
        assert code.status_code == 422
        assert confirm(browser, link_token(mail)).status_code == 400
        # The account stays active: a fresh e-mail signs them in.
        ask_link(browser, EMAIL)
        assert confirm(browser, link_token(deliver()[-1])).status_code == 303

    [event] = run(lambda db: _events(db, "account.signed_out_everywhere"))
    assert event.actor_id == people["hr"].id and event.subject_id == employee.public_id
    assert event.request_id and event.request_id != "-"


@pytest.mark.parametrize(
    ("actor", "target"),
    [
        ("hr", "colleague_hr"),  # HR manage employees only, as for deactivation
        ("hr", "admin"),
        ("hr", "candidate"),  # candidates are signed out from their visit's page
        ("employee", "other"),
        ("candidate", "employee"),
    ],
)
def test_who_may_not_sign_someone_out_gets_404(client, people, login_as, actor, target):
    victim = people[target]
    session_id = login_as(victim)
    client.cookies.clear()
    login_as(people[actor])
    token = get_csrf(client, "/")
    response = client.post(
        f"/hr/people/{victim.public_id}/sign-out-everywhere", data={"csrf_token": token}
    )
    assert response.status_code == 404
    assert alive(client, session_id)


def test_unknown_person_is_404(client, people, login_as):
    login_as(people["hr"])
    token = get_csrf(client, "/")
    response = client.post("/hr/people/nobody/sign-out-everywhere", data={"csrf_token": token})
    assert response.status_code == 404


def test_administrators_may_sign_out_hr(client, people, login_as):
    session_id = login_as(people["colleague_hr"])
    client.cookies.clear()
    login_as(people["admin"])
    assert sign_out(client, people["colleague_hr"].public_id).status_code == 303
    assert not alive(client, session_id)


def test_sign_out_needs_a_csrf_token(client, people, login_as):
    session_id = login_as(people["employee"])
    client.cookies.clear()
    login_as(people["hr"])
    response = client.post(f"/hr/people/{people['employee'].public_id}/sign-out-everywhere")
    assert response.status_code == 403
    assert alive(client, session_id)


def test_the_button_shows_only_where_hr_may_use_it(client, people, login_as):
    login_as(people["hr"])
    own = client.get(f"/hr/people/{people['employee'].public_id}")
    assert f'action="/hr/people/{people["employee"].public_id}/sign-out-everywhere"' in own.text
    other = client.get(f"/hr/people/{people['colleague_hr'].public_id}")
    assert "sign-out-everywhere" not in other.text


def test_service_signs_a_candidate_out_everywhere(client, people, login_as, deliver, run):
    """The function HR's visit page uses for candidates: sessions and links of one person."""
    candidate, employee = people["candidate"], people["employee"]
    ask_link(client, "sam@example.net")
    ask_link(client, EMAIL)
    deliver()
    sessions = login_as(candidate), login_as(employee)
    clock = client.app.state.clock

    async def act(db: Any) -> None:
        await sign_out_everywhere(db, user_id=candidate.id, now=clock())

    run(act)
    assert not alive(client, sessions[0]) and alive(client, sessions[1])

    async def rows(db: Any) -> dict[str, list[Any]]:
        tokens = await db.execute(sa.select(SignInToken.user_id, SignInToken.used_at))
        live = await db.execute(
            sa.select(UserSession.user_id).where(col(UserSession.revoked_at).is_(None))
        )
        return {"tokens": list(tokens), "sessions": [r[0] for r in live]}

    state = run(rows)
    assert {(uid, used is None) for uid, used in state["tokens"]} == {
        (candidate.id, False),
        (employee.id, True),
    }
    assert state["sessions"] == [employee.id]
