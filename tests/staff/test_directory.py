"""HR's staff directory and accounts: finding people, creating them, roles, deactivation."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import col

from portal.app import create_app
from portal.auth import sessions
from portal.models import AuditEvent, Role, StaffProfile, Story, User
from tests.conftest import get_csrf
from tests.factories import create_story, create_user

# ---- helpers shared with the other people tests ------------------------------------------


@pytest.fixture(scope="module")
def compiled() -> dict[str, Any]:
    return {}


@pytest.fixture
def app(settings: Any, clock: Any, mailbox: Any, compiled: dict[str, Any]) -> Any:
    """The app of tests/conftest.py, sharing its compiled templates with the other tests of
    the module: compiling them again for each test would take a good part of its time."""
    return shared_templates(create_app(settings, clock=clock, email_backend=mailbox), compiled)


def shared_templates(app: Any, compiled: dict[str, Any]) -> Any:
    app.state.templates = compiled.setdefault("templates", app.state.templates)
    return app


def make_people(run: Any) -> dict[str, User]:
    """Staff of every role (reading the portal in English) and a candidate."""

    async def setup(db: Any) -> dict[str, User]:
        return {
            "admin": await create_user(db, role="admin", name="Anna Admiraal", locale="en"),
            "hr": await create_user(db, role="hr", name="Fatima El Amrani", locale="en"),
            "employee": await create_user(
                db, role="employee", name="Noor Bakker", email="noor@example.org", locale="en"
            ),
            "candidate": await create_user(
                db, name="Sam de Vries", email="sam@example.net", locale="en"
            ),
        }

    return run(setup)  # type: ignore[no-any-return]


@pytest.fixture
def people(run: Any) -> dict[str, User]:
    return make_people(run)


def load_user(run: Any, public_id: str) -> User:
    async def get(db: Any) -> User:
        query = (
            sa.select(User)
            .options(sa.orm.selectinload(User.profile))  # type: ignore[arg-type]
            .where(col(User.public_id) == public_id)
        )
        return (await db.scalars(query)).one()  # type: ignore[no-any-return]

    return run(get)  # type: ignore[no-any-return]


def user_by_email(run: Any, email: str) -> User | None:
    async def get(db: Any) -> User | None:
        query = (
            sa.select(User)
            .options(sa.orm.selectinload(User.profile))  # type: ignore[arg-type]
            .where(col(User.email) == email)
        )
        return (await db.scalars(query)).first()  # type: ignore[no-any-return]

    return run(get)  # type: ignore[no-any-return]


def count_users(run: Any) -> int:
    async def get(db: Any) -> int:
        return int(await db.scalar(sa.select(sa.func.count()).select_from(User)) or 0)

    return run(get)  # type: ignore[no-any-return]


def audit_events(run: Any, action: str) -> list[AuditEvent]:
    async def get(db: Any) -> list[AuditEvent]:
        query = sa.select(AuditEvent).where(col(AuditEvent.action) == action)
        return list(await db.scalars(query.order_by(col(AuditEvent.id))))

    return run(get)  # type: ignore[no-any-return]


def rows(page: str) -> list[str]:
    """The names in the directory table, in order."""
    return re.findall(r'<th scope="row"><a href="/hr/people/[^"]+">([^<]+)</a></th>', page)


def post(client: Any, path: str, page: str, **fields: Any) -> Any:
    """A form post as the browser sends it, with the CSRF token of ``page``."""
    return client.post(path, data={"csrf_token": get_csrf(client, page), **fields})


# ---- the directory -------------------------------------------------------------------------


def test_hr_see_every_member_of_staff_and_no_candidate(client, login_as, people):
    login_as(people["hr"])
    page = client.get("/hr/people")
    assert page.status_code == 200
    assert rows(page.text) == ["Anna Admiraal", "Fatima El Amrani", "Noor Bakker"]
    assert "noor@example.org" in page.text and "Engineer" in page.text
    assert "Sam de Vries" not in page.text and "sam@example.net" not in page.text
    assert "<caption>" in page.text and '<th scope="col">' in page.text
    assert 'href="/hr/people/new"' in page.text


def test_search_finds_name_or_e_mail_whatever_the_case(client, login_as, people):
    login_as(people["hr"])
    assert rows(client.get("/hr/people", params={"q": "BAKKER"}).text) == ["Noor Bakker"]
    assert rows(client.get("/hr/people", params={"q": "Noor@Example"}).text) == ["Noor Bakker"]
    # A wildcard is a character like any other, not "anything".
    page = client.get("/hr/people", params={"q": "%"}).text
    assert rows(page) == [] and "No colleagues match this search." in page
    # Candidates stay out even when they match.
    assert rows(client.get("/hr/people", params={"q": "sam"}).text) == []


def test_filters_on_role_and_on_whether_the_account_is_active(client, run, login_as, people):
    run(lambda db: create_user(db, role="employee", name="Oud Collega", is_active=False))
    login_as(people["hr"])
    assert rows(client.get("/hr/people?role=hr").text) == ["Fatima El Amrani"]
    assert rows(client.get("/hr/people?role=admin").text) == ["Anna Admiraal"]
    assert rows(client.get("/hr/people?active=0").text) == ["Oud Collega"]
    assert "Oud Collega" not in rows(client.get("/hr/people?active=1").text)
    assert rows(client.get("/hr/people?role=employee&active=1").text) == ["Noor Bakker"]
    # Unknown filter values are ignored rather than refused.
    assert len(rows(client.get("/hr/people?role=candidate&active=maybe").text)) == 4


def test_fifty_people_a_page(client, run, login_as, people):
    async def many(db: Any) -> None:
        for n in range(60):
            await create_user(db, role="employee", name=f"Zz Collega {n:02d}")

    run(many)
    login_as(people["hr"])
    first = client.get("/hr/people?q=zz").text
    assert len(rows(first)) == 50 and rows(first)[0] == "Zz Collega 00"
    assert "Colleagues found: 60" in first
    assert 'href="/hr/people?q=zz&amp;page=2"' in first
    second = client.get("/hr/people?q=zz&page=2").text
    assert rows(second) == [f"Zz Collega {n}" for n in range(50, 60)]
    assert 'href="/hr/people?q=zz"' in second  # back to the first page
    assert rows(client.get("/hr/people?q=zz&page=9").text) == []


def test_the_directory_costs_the_same_queries_for_3_or_60_people(
    client, run, login_as, people, count_queries
):
    login_as(people["hr"])
    client.get("/hr/people")  # warm up
    with count_queries() as few:
        assert client.get("/hr/people").status_code == 200

    async def many(db: Any) -> None:
        for n in range(57):
            await create_user(db, role="employee", name=f"Collega {n}")

    run(many)
    with count_queries() as lots:
        page = client.get("/hr/people")
    assert page.status_code == 200 and len(rows(page.text)) == 50
    assert len(lots) == len(few) <= 4


def test_htmx_search_gets_the_results_only(client, login_as, people):
    login_as(people["hr"])
    response = client.get("/hr/people?q=noor", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text and rows(response.text) == ["Noor Bakker"]
    assert "HX-Request" in response.headers["vary"]
    # A history restore gets the whole page.
    restore = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    assert "<html" in client.get("/hr/people?q=noor", headers=restore).text


# ---- creating accounts ---------------------------------------------------------------------

NEW = {
    "name": "  Daan   Verhoeven ",
    "email": " Daan.Verhoeven@Example.org ",
    "role": "employee",
    "job_title": "Designer",
    "department": "Product",
}


def test_hr_create_an_employee_with_a_profile(client, run, login_as, people, clock):
    login_as(people["hr"])
    response = post(client, "/hr/people", "/hr/people/new", **NEW)
    assert response.status_code == 303
    daan = user_by_email(run, "daan.verhoeven@example.org")
    assert daan is not None and daan.name == "Daan Verhoeven" and daan.role is Role.EMPLOYEE
    assert daan.profile is not None
    assert (daan.profile.job_title, daan.profile.department) == ("Designer", "Product")
    assert response.headers["location"] == f"/hr/people/{daan.public_id}?done=created"
    assert "The account is ready" in client.get(response.headers["location"]).text

    (event,) = audit_events(run, "account.created")
    assert event.actor_id == people["hr"].id and event.subject_id == daan.public_id
    assert event.details == {"role": "employee"}  # no personal data in the details
    assert event.at == clock.now


@pytest.mark.parametrize("role", ["hr", "admin"])
def test_hr_cannot_create_hr_or_admin_accounts(client, run, login_as, people, role):
    login_as(people["hr"])
    before = count_users(run)
    response = post(client, "/hr/people", "/hr/people/new", **{**NEW, "role": role})
    assert response.status_code == 422
    assert "Only an administrator can create HR or administrator accounts" in response.text
    assert 'id="error-summary"' in response.text and 'href="#field-role"' in response.text
    assert 'value="Daan Verhoeven"' in response.text  # what they typed is kept
    assert count_users(run) == before
    assert user_by_email(run, "daan.verhoeven@example.org") is None
    assert audit_events(run, "account.created") == []


def test_hr_are_offered_the_employee_role_only(client, login_as, people):
    login_as(people["hr"])
    page = client.get("/hr/people/new").text
    assert '<option value="employee"' in page
    assert '<option value="hr"' not in page and '<option value="admin"' not in page
    login_as(people["admin"])
    page = client.get("/hr/people/new").text
    assert '<option value="hr"' in page and '<option value="admin"' in page


@pytest.mark.parametrize("role", ["hr", "admin"])
def test_an_admin_creates_hr_and_admin_accounts(client, run, login_as, people, role):
    login_as(people["admin"])
    response = post(client, "/hr/people", "/hr/people/new", **{**NEW, "role": role})
    assert response.status_code == 303
    daan = user_by_email(run, "daan.verhoeven@example.org")
    assert daan is not None and daan.role is Role(role) and daan.profile is not None
    assert audit_events(run, "account.created")[0].details == {"role": role}


def test_a_candidate_role_is_never_given_here(client, run, login_as, people):
    login_as(people["admin"])
    before = count_users(run)
    response = post(client, "/hr/people", "/hr/people/new", **{**NEW, "role": "candidate"})
    assert response.status_code == 422 and 'href="#field-role"' in response.text
    assert count_users(run) == before


def test_an_address_of_a_colleague_is_refused(client, run, login_as, people):
    login_as(people["hr"])
    before = count_users(run)
    response = post(client, "/hr/people", "/hr/people/new", **{**NEW, "email": "NOOR@example.org"})
    assert response.status_code == 422
    assert "already has an account" in response.text and "Noor Bakker" in response.text
    assert count_users(run) == before


def test_an_address_of_a_candidate_is_refused_saying_so(client, run, login_as, people):
    login_as(people["hr"])
    before = count_users(run)
    response = post(client, "/hr/people", "/hr/people/new", **{**NEW, "email": "sam@example.net"})
    assert response.status_code == 422
    assert "already has an account: it belongs to the candidate Sam de Vries" in response.text
    assert count_users(run) == before
    assert load_user(run, people["candidate"].public_id).role is Role.CANDIDATE


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"email": "not-an-address"}, "email"),
        ({"email": ""}, "email"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"job_title": "x" * 201}, "job_title"),
    ],
)
def test_bad_input_gets_the_form_back_with_a_message_per_field(
    client, run, login_as, people, fields, field
):
    login_as(people["hr"])
    before = count_users(run)
    response = post(client, "/hr/people", "/hr/people/new", **{**NEW, **fields})
    assert response.status_code == 422
    assert f'href="#field-{field}"' in response.text
    assert f'id="field-{field}"' in response.text
    assert 'aria-invalid="true"' in response.text and f'aria-describedby="{field}-error"' in (
        response.text
    )
    assert count_users(run) == before


# ---- roles ----------------------------------------------------------------------------------


def test_an_admin_changes_a_role_and_it_is_audited(client, run, login_as, people):
    noor = people["employee"]
    login_as(people["admin"])
    page = f"/hr/people/{noor.public_id}"
    response = post(client, f"{page}/role", page, role="hr")
    assert response.status_code == 303 and response.headers["location"] == f"{page}?done=role"
    assert load_user(run, noor.public_id).role is Role.HR
    (event,) = audit_events(run, "account.role_changed")
    assert event.subject_id == noor.public_id and event.actor_id == people["admin"].id
    assert event.details == {"from": "employee", "to": "hr"}


def test_hr_see_no_role_form_and_a_role_post_by_them_is_not_found(client, run, login_as, people):
    noor = people["employee"]
    page = f"/hr/people/{noor.public_id}"
    login_as(people["admin"])
    assert f'action="{page}/role"' in client.get(page).text
    login_as(people["hr"])
    assert f'action="{page}/role"' not in client.get(page).text
    assert post(client, f"{page}/role", page, role="admin").status_code == 404
    assert (
        post(client, f"/hr/people/{people['hr'].public_id}/role", page, role="admin").status_code
        == 404
    )
    assert load_user(run, noor.public_id).role is Role.EMPLOYEE
    assert load_user(run, people["hr"].public_id).role is Role.HR
    assert audit_events(run, "account.role_changed") == []


def test_the_last_active_admin_keeps_their_role(client, run, login_as, people):
    admin = people["admin"]
    # A deactivated admin does not count.
    run(lambda db: create_user(db, role="admin", name="Oud Admin", is_active=False))
    login_as(admin)
    page = f"/hr/people/{admin.public_id}"
    response = post(client, f"{page}/role", page, role="hr")
    assert response.status_code == 422
    assert "Anna Admiraal is the last active administrator" in response.text
    assert 'aria-describedby="role-hint role-error"' in response.text
    assert load_user(run, admin.public_id).role is Role.ADMIN
    assert audit_events(run, "account.role_changed") == []


def test_with_a_second_admin_an_admin_may_step_down(client, run, login_as, people):
    run(lambda db: create_user(db, role="admin", name="Bram Beheer"))
    admin = people["admin"]
    login_as(admin)
    page = f"/hr/people/{admin.public_id}"
    response = post(client, f"{page}/role", page, role="employee")
    # No longer HR: back to the start page, not to a page they may not open now.
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert load_user(run, admin.public_id).role is Role.EMPLOYEE
    assert client.get("/hr/people").status_code == 404


def test_roles_are_employee_hr_or_admin_only(client, run, login_as, people):
    noor = people["employee"]
    login_as(people["admin"])
    page = f"/hr/people/{noor.public_id}"
    for role in ("candidate", "owner", ""):
        assert post(client, f"{page}/role", page, role=role).status_code == 422
    assert load_user(run, noor.public_id).role is Role.EMPLOYEE
    # A candidate is not staff: their id is unknown here.
    sam = f"/hr/people/{people['candidate'].public_id}"
    assert post(client, f"{sam}/role", page, role="employee").status_code == 404
    assert load_user(run, people["candidate"].public_id).role is Role.CANDIDATE


# ---- deactivating and reactivating ----------------------------------------------------------


def signed_in(client: Any, other_browser: Any, session_id: str) -> bool:
    """Whether a browser holding this session cookie is still signed in."""
    with other_browser() as browser:
        browser.cookies.set(sessions.cookie_name(client.app.state.settings), session_id)
        return browser.get("/me/profile").status_code == 200  # type: ignore[no-any-return]


def test_deactivation_signs_them_out_everywhere_and_keeps_their_stories(
    client, run, login_as, other_browser, people
):
    noor = people["employee"]
    story = run(lambda db: create_story(db, author=noor))
    phone = login_as(noor)
    laptop = login_as(noor)
    assert signed_in(client, other_browser, phone) and signed_in(client, other_browser, laptop)

    login_as(people["hr"])
    page = f"/hr/people/{noor.public_id}"
    response = post(client, f"{page}/deactivate", page)
    assert (
        response.status_code == 303 and response.headers["location"] == f"{page}?done=deactivated"
    )
    assert not load_user(run, noor.public_id).is_active
    assert not signed_in(client, other_browser, phone)
    assert not signed_in(client, other_browser, laptop)
    assert run(lambda db: db.get(Story, story.id)) is not None
    assert "Deactivated" in client.get(page).text
    (event,) = audit_events(run, "account.deactivated")
    assert event.subject_id == noor.public_id and event.actor_id == people["hr"].id


def test_reactivation_lets_them_sign_in_again(client, run, login_as, other_browser, people):
    noor = people["employee"]
    login_as(people["hr"])
    page = f"/hr/people/{noor.public_id}"
    post(client, f"{page}/deactivate", page)
    assert f'action="{page}/reactivate"' in client.get(page).text
    response = post(client, f"{page}/reactivate", page)
    assert (
        response.status_code == 303 and response.headers["location"] == f"{page}?done=reactivated"
    )
    assert load_user(run, noor.public_id).is_active
    assert signed_in(client, other_browser, login_as(noor))
    assert [e.subject_id for e in audit_events(run, "account.reactivated")] == [noor.public_id]


@pytest.mark.parametrize("target", ["hr2", "admin"])
def test_only_admins_deactivate_hr_or_admin_accounts(client, run, login_as, people, target):
    person = (
        people["admin"]
        if target == "admin"
        else run(lambda db: create_user(db, role="hr", name="Yusuf Demir"))
    )
    page = f"/hr/people/{person.public_id}"
    login_as(people["hr"])
    assert f'action="{page}/deactivate"' not in client.get(page).text
    assert post(client, f"{page}/deactivate", page).status_code == 404
    assert load_user(run, person.public_id).is_active
    if target == "hr2":
        login_as(people["admin"])
        assert post(client, f"{page}/deactivate", page).status_code == 303
        assert not load_user(run, person.public_id).is_active
        login_as(people["hr"])
        assert post(client, f"{page}/reactivate", page).status_code == 404
        assert not load_user(run, person.public_id).is_active


@pytest.mark.parametrize("role", ["hr", "admin"])
def test_nobody_deactivates_themselves(client, run, login_as, people, role):
    me = people[role]
    login_as(me)
    page = f"/hr/people/{me.public_id}"
    response = post(client, f"{page}/deactivate", page)
    assert response.status_code == 422
    assert "You cannot deactivate your own account" in response.text
    assert load_user(run, me.public_id).is_active
    assert audit_events(run, "account.deactivated") == []


def test_hr_edit_pages_show_staff_only(client, login_as, people):
    login_as(people["hr"])
    assert client.get(f"/hr/people/{people['employee'].public_id}").status_code == 200
    assert client.get(f"/hr/people/{people['candidate'].public_id}").status_code == 404
    assert client.get("/hr/people/does-not-exist").status_code == 404


def test_staff_without_a_profile_get_one(client, run, login_as, people):
    async def bare(db: Any) -> User:
        user = User(email="kaal@example.org", name="Kaal Profiel", role=Role.EMPLOYEE)
        db.add(user)
        await db.flush()
        return user

    bare_user = run(bare)
    login_as(people["hr"])
    assert client.get(f"/hr/people/{bare_user.public_id}").status_code == 200
    profile = run(lambda db: db.get(StaffProfile, bare_user.id))
    assert profile is not None
