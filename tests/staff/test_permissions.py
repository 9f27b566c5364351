"""Every role against every staff-directory and own-profile route.

What a role may not do answers 404 and changes nothing; signed-out visitors are sent to
sign in. Each route is tried so that the allowed role really succeeds: "ok" means the
change was made, not merely that a page answered.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import col

from portal.app import create_app
from portal.models import Role, StaffProfile, User
from tests.conftest import get_csrf
from tests.factories import create_user

pytestmark = pytest.mark.one_database

ROLES = ["admin", "hr", "employee", "candidate"]
OK = "ok"
HR: dict[str, Any] = {"admin": OK, "hr": OK, "employee": 404, "candidate": 404}
ADMIN: dict[str, Any] = {"admin": OK, "hr": 404, "employee": 404, "candidate": 404}
STAFF: dict[str, Any] = {"admin": OK, "hr": OK, "employee": OK, "candidate": 404}

MATRIX: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/hr/people"): HR,
    ("POST", "/hr/people"): HR,  # creating an employee
    ("GET", "/hr/people/new"): HR,
    ("GET", "/hr/people/{id}"): HR,
    ("POST", "/hr/people/{id}"): HR,
    ("POST", "/hr/people/{id}/role"): ADMIN,
    ("POST", "/hr/people/{id}/deactivate"): HR,  # an employee
    ("POST", "/hr/people/{id}/reactivate"): HR,  # an employee
    ("POST", "/hr/people/{id}/sign-out-everywhere"): HR,  # an employee
    ("GET", "/me/profile"): STAFF,
    ("POST", "/me/profile"): STAFF,
    ("POST", "/me/profile/preview"): STAFF,
    ("POST", "/me/profile/visibility"): STAFF,
}
SUCCESS = {key: 303 if key[0] == "POST" else 200 for key in MATRIX}
SUCCESS[("POST", "/me/profile/preview")] = 200


@pytest.fixture(scope="module")
def compiled() -> dict[str, Any]:
    return {}


@pytest.fixture
def app(settings: Any, clock: Any, mailbox: Any, compiled: dict[str, Any]) -> Any:
    """The app of tests/conftest.py, sharing compiled templates across the many cases here."""
    app = create_app(settings, clock=clock, email_backend=mailbox)
    app.state.templates = compiled.setdefault("templates", app.state.templates)
    return app


def people_routes(app: Any) -> set[tuple[str, str]]:
    return {
        (method, route.path)
        for route in app.routes
        for method in (getattr(route, "methods", None) or [])
        if method != "HEAD" and route.path.startswith(("/hr/people", "/me/profile"))
    }


def test_the_matrix_covers_exactly_the_people_routes(app):
    assert people_routes(app) == set(MATRIX)


@pytest.fixture
def cast(run: Any) -> dict[str, User]:
    async def setup(db: Any) -> dict[str, User]:
        return {
            "admin": await create_user(db, role="admin", name="Anna Admiraal"),
            "hr": await create_user(db, role="hr", name="Fatima El Amrani"),
            "employee": await create_user(db, role="employee", name="Noor Bakker"),
            "candidate": await create_user(db, name="Sam de Vries"),
            # The person HR act on: an employee (inactive for the reactivate route).
            "target": await create_user(db, role="employee", name="Daan Doelwit"),
        }

    return run(setup)  # type: ignore[no-any-return]


async def _state(db: Any, user_id: int) -> tuple[Any, ...]:
    user = await db.get(User, user_id, populate_existing=True)
    profile = await db.get(StaffProfile, user_id, populate_existing=True)
    return (
        user.role,
        user.is_active,
        profile.bio if profile else None,
        profile.visible_to_candidates if profile else None,
        profile.updated_at if profile else None,
    )


def state_of(run: Any, user: User) -> tuple[Any, ...]:
    return run(lambda db: _state(db, user.id))  # type: ignore[no-any-return]


def count_users(run: Any) -> int:
    return int(run(lambda db: db.scalar(sa.select(sa.func.count(col(User.id))))) or 0)


def csrf_for(client: Any, session_id: str) -> str:
    return client.app.state.keyring.csrf_token("session:" + session_id)  # type: ignore[no-any-return]


def post_data(key: tuple[str, str], token: str, version: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"csrf_token": token}
    if key == ("POST", "/hr/people"):
        data.update(name="Nieuwe Collega", email="nieuw@example.org", role="employee")
    elif key[1] in ("/hr/people/{id}", "/me/profile", "/me/profile/preview"):
        data.update(
            version=version.isoformat() if version else "", name="Daan Doelwit", bio="Nieuwe bio"
        )
    elif key[1] == "/hr/people/{id}/role":
        data.update(role="hr")
    elif key[1] == "/me/profile/visibility":
        data.update(visible="0")
    return data


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path"), sorted(MATRIX))
def test_role_against_route(client, run, login_as, cast, role, method, path):
    key = (method, path)
    actor, target = cast[role], cast["target"]
    if path.endswith("/reactivate"):
        run(
            lambda db: db.execute(
                sa.update(User).where(col(User.id) == target.id).values(is_active=False)
            )
        )
    # The person whose state the route would change: the target, or the actor themselves.
    subject = target if "{id}" in path else actor
    before, users_before = state_of(run, subject), count_users(run)

    session_id = login_as(actor)
    url = path.replace("{id}", target.public_id)
    if method == "GET":
        response = client.get(url)
    else:
        version = before[4]
        response = client.post(url, data=post_data(key, csrf_for(client, session_id), version))

    expected = MATRIX[key][role]
    after = state_of(run, subject)
    if expected != OK:
        assert response.status_code == expected, response.text[:500]
        assert after == before and count_users(run) == users_before  # nothing changed
        assert "Daan Doelwit" not in response.text and "nieuw@example.org" not in response.text
        return
    assert response.status_code == SUCCESS[key], response.text[:1000]
    changed = {
        ("POST", "/hr/people"): lambda: count_users(run) == users_before + 1,
        ("POST", "/hr/people/{id}"): lambda: after[2] == "Nieuwe bio",
        ("POST", "/hr/people/{id}/role"): lambda: after[0] is Role.HR,
        ("POST", "/hr/people/{id}/deactivate"): lambda: after[1] is False,
        ("POST", "/hr/people/{id}/reactivate"): lambda: after[1] is True,
        ("POST", "/me/profile"): lambda: after[2] == "Nieuwe bio",
        ("POST", "/me/profile/visibility"): lambda: after[3] is False,
    }
    if key in changed:
        assert changed[key](), (before, after)
    else:  # pages and the preview change nothing
        assert after == before and count_users(run) == users_before
    if method == "GET" and "{id}" in path:
        assert "Daan Doelwit" in response.text


@pytest.mark.parametrize(("method", "path"), sorted(MATRIX))
def test_signed_out_visitors_are_sent_to_sign_in(client, run, cast, method, path):
    url = path.replace("{id}", cast["target"].public_id)
    users_before = count_users(run)
    if method == "GET":
        response = client.get(url)
    else:
        data = {"csrf_token": get_csrf(client), "role": "admin", "visible": "0", "bio": "x"}
        response = client.post(url, data=data)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
    assert count_users(run) == users_before
    assert state_of(run, cast["target"])[:2] == (Role.EMPLOYEE, True)
