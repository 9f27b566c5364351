"""HR signs a visit's candidate out everywhere, without deactivating them."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from portal.models import AuditEvent, SignInToken, User
from tests.conftest import get_csrf
from tests.planning.conftest import new_visit, visit_id


def _one(run: Any, model: Any, *where: Any) -> Any:
    return run(lambda db: db.scalar(sa.select(model).where(*where)))


def _sign_out(client: Any, public_id: str) -> Any:
    csrf = get_csrf(client, f"/hr/visits/{public_id}")
    return client.post(f"/hr/visits/{public_id}/sign-out", data={"csrf_token": csrf})


def test_hr_signs_the_candidate_out_of_every_session_and_link(
    client, run, make_user, login_as, deliver, other_browser
):
    hr = make_user(role="hr", name="Fatima El Amrani", locale="en")
    login_as(hr)
    public_id = visit_id(new_visit(client))
    csrf = get_csrf(client, f"/hr/visits/{public_id}")
    client.post(f"/hr/visits/{public_id}/invite", data={"csrf_token": csrf})
    link = next(w for w in deliver()[-1].text.split() if "/login/confirm?token=" in w)
    sam = _one(run, User, col(User.email) == "sam@example.org")
    with other_browser() as phone:
        login_as(sam)
        assert phone.get(f"/visit/{public_id}").status_code == 200
        phone_cookies = dict(phone.cookies.items())

    page = client.get(f"/hr/visits/{public_id}").text
    assert f'action="/hr/visits/{public_id}/sign-out"' in page
    response = _sign_out(client, public_id)
    assert response.status_code == 303
    assert response.headers["location"] == f"/hr/visits/{public_id}?done=signed_out"
    assert "The candidate is signed out everywhere" in client.get(response.headers["location"]).text
    assert "signed the candidate out everywhere" in client.get(f"/hr/visits/{public_id}").text

    with other_browser() as phone:
        for name, value in phone_cookies.items():
            phone.cookies.set(name, value)
        signed_out = phone.get(f"/visit/{public_id}")
        assert signed_out.status_code == 303 and signed_out.headers["location"].startswith("/login")
        phone.cookies.clear()
        token = link.split("token=")[1]
        path = f"/login/confirm?token={token}"
        confirm = phone.post(
            "/login/confirm", data={"csrf_token": get_csrf(phone, path), "token": token}
        )
        assert confirm.status_code != 303  # the invitation no longer signs in
    unused = run(
        lambda db: db.scalar(
            sa.select(sa.func.count())
            .select_from(SignInToken)
            .where(col(SignInToken.used_at).is_(None))
        )
    )
    assert unused == 0
    assert _one(run, User, col(User.id) == sam.id).is_active  # not deactivated
    event = _one(run, AuditEvent, col(AuditEvent.action) == "visit.candidate_signed_out")
    assert event.actor_id == hr.id and event.subject_id == public_id


def test_the_candidate_can_sign_in_again_afterwards(client, run, make_user, login_as):
    login_as(make_user(role="hr", locale="en"))
    public_id = visit_id(new_visit(client))
    _sign_out(client, public_id)
    client.cookies.clear()
    csrf = get_csrf(client, "/login")
    asked = client.post("/login", data={"email": "sam@example.org", "csrf_token": csrf})
    assert asked.status_code in (200, 303)
    unused = run(
        lambda db: db.scalar(
            sa.select(sa.func.count())
            .select_from(SignInToken)
            .where(col(SignInToken.used_at).is_(None))
        )
    )
    assert unused == 1
