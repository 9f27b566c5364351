"""What a person sees when a value is odd: the form again (422) with the message beside
the field, or a plain 400/404 page; never a server error, and nothing saved.

The corpus in tests/test_odd_inputs.py checks "never a 500" on every route; these tests
check the answer itself where the issue found a crash or a silent acceptance.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa

from portal.models import Location, Question, StaffProfile, Story, User, Visit
from tests.conftest import get_csrf
from tests.factories import create_visit

ONE_LINE = {
    "nl": "Houd dit op één regel: haal regeleinden en speciale tekens weg.",
    "en": "Keep this on one line: remove line breaks and special characters.",
}
INJECTED = "Developer\r\nBEGIN:VEVENT\r\nSUMMARY:Free money"


def error_beside(html: str, field_id: str) -> str:
    """The message shown beside a field (its ``…-error`` element)."""
    match = re.search(rf'id="{re.escape(field_id)}" class="field-error">([^<]*)<', html)
    assert match, f"no message beside {field_id}"
    return match.group(1)


def post(client: Any, path: str, page: str, **fields: Any) -> Any:
    return client.post(path, data={"csrf_token": get_csrf(client, page), **fields})


@pytest.fixture
def hr(make_user: Any, login_as: Any) -> Any:
    user = make_user(role="admin", name="Fatima El Amrani", locale="en")
    login_as(user)
    return user


VISIT = {
    "candidate_name": "Sam de Vries",
    "candidate_email": "sam@example.org",
    "candidate_locale": "nl",
    "position": "Backend developer",
    "department": "Engineering",
    "day": "2026-12-10",
    "start": "09:30",
    "end": "15:00",
    "timezone": "Europe/Amsterdam",
}


async def _visits(db: Any) -> list[Visit]:
    return list(await db.scalars(sa.select(Visit)))


# ---- one-line fields -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["candidate_name", "position", "department"])
def test_a_new_visit_refuses_a_line_break(client, run, hr, name):
    response = post(client, "/hr/visits", "/hr/visits/new", **{**VISIT, name: INJECTED})
    assert response.status_code == 422
    assert error_beside(response.text, f"{name}-error") == ONE_LINE["en"]
    assert run(_visits) == []


@pytest.mark.parametrize("name", ["title", "internal_title", "room"])
def test_an_agenda_item_refuses_a_line_break(client, run, hr, make_user, name):
    candidate = make_user()
    visit = run(lambda db: create_visit(db, candidate=candidate))
    page = f"/hr/visits/{visit.public_id}"
    fields = {"start": "14:00", "end": "14:30", "kind": "tour", "title": "Rondleiding"}
    response = post(client, f"{page}/items", page, version="1", **{**fields, name: INJECTED})
    assert response.status_code == 422
    assert error_beside(response.text, f"new-{name}-error") == ONE_LINE["en"]


@pytest.mark.parametrize("name", ["name", "address"])
def test_an_office_refuses_a_line_break(client, run, hr, name):
    fields = {"name": "Kantoor Zwolle", "address": "Stationsweg 1", name: INJECTED}
    response = post(client, "/hr/locations", "/hr/locations/new", **fields)
    assert response.status_code == 422
    assert error_beside(response.text, f"{name}-error") == ONE_LINE["en"]
    assert run(lambda db: db.scalar(sa.select(sa.func.count()).select_from(Location))) == 0


@pytest.mark.parametrize("name", ["name", "job_title", "department"])
def test_a_new_colleague_refuses_a_line_break(client, run, hr, name):
    fields = {"name": "Daan Visser", "email": "daan@example.org", "role": "employee"}
    response = post(client, "/hr/people", "/hr/people/new", **{**fields, name: INJECTED})
    assert response.status_code == 422
    assert error_beside(response.text, f"{name}-error") == ONE_LINE["en"]


@pytest.mark.parametrize("name", ["pronouns", "phone", "linkedin_url"])
def test_an_own_profile_refuses_a_line_break(client, run, make_user, login_as, name):
    login_as(make_user(role="employee", locale="en"))
    page = client.get("/me/profile").text
    version = re.search(r'name="version" value="([^"]+)"', page)
    assert version
    value = "https://www.linkedin.com/in/x\r\nx" if name == "linkedin_url" else "zij\r\nhaar"
    response = post(client, "/me/profile", "/me/profile", version=version[1], **{name: value})
    assert response.status_code == 422
    assert error_beside(response.text, f"{name}-error") == ONE_LINE["en"]
    saved = run(lambda db: db.scalar(sa.select(StaffProfile)))
    assert "\n" not in (getattr(saved, name) or "")


@pytest.mark.parametrize("name", ["title", "teaser", "department", "team", "image_alt"])
def test_a_story_refuses_a_line_break(client, run, make_user, login_as, name):
    login_as(make_user(role="employee", locale="en"))
    fields = {"title": "Mijn team", "language": "nl", "intent": "save", name: "Mijn\r\nteam"}
    response = post(client, "/me/stories", "/me/stories/new", **fields)
    assert response.status_code == 422
    field_id = "alt-error" if name == "image_alt" else f"{name}-error"
    assert error_beside(response.text, field_id) == ONE_LINE["en"]
    assert run(lambda db: db.scalar(sa.select(sa.func.count()).select_from(Story))) == 0


def test_the_message_is_dutch_for_a_dutch_reader(client, run, make_user, login_as):
    login_as(make_user(role="hr", locale="nl"))
    response = post(client, "/hr/visits", "/hr/visits/new", **{**VISIT, "position": INJECTED})
    assert error_beside(response.text, "position-error") == ONE_LINE["nl"]


# ---- dates and zones -------------------------------------------------------------------------


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1999-12-31", "2101-01-01"])
def test_a_visit_date_outside_the_window_is_refused_beside_the_field(client, run, hr, day):
    response = post(client, "/hr/visits", "/hr/visits/new", **{**VISIT, "day": day})
    assert response.status_code == 422
    assert (
        error_beside(response.text, "day-error") == "Choose a date from 2000-01-01 to 2100-12-31."
    )
    assert run(_visits) == []


def test_a_visit_saved_on_the_last_day_of_the_window_keeps_its_pages(
    client, run, hr, make_user, login_as
):
    response = post(client, "/hr/visits", "/hr/visits/new", **{**VISIT, "day": "2100-12-31"})
    assert response.status_code == 303
    visit = run(lambda db: db.scalar(sa.select(Visit)))
    candidate = run(lambda db: db.get(User, visit.candidate_id))
    login_as(candidate)
    assert client.get(f"/visit/{visit.public_id}/calendar.ics").status_code == 200
    assert client.get(f"/visit/{visit.public_id}/preferences").status_code == 200


@pytest.mark.parametrize("zone", ["localtime", "posixrules", "Factory", "../etc", "x" * 300])
def test_only_iana_time_zones_are_accepted(client, run, hr, zone):
    response = post(client, "/hr/visits", "/hr/visits/new", **{**VISIT, "timezone": zone})
    assert response.status_code == 422
    assert "Europe/Amsterdam" in error_beside(response.text, "timezone-error")
    assert run(_visits) == []


@pytest.mark.parametrize("until", ["9999-12-31", "0001-01-01", "2026-02-30", "²"])
def test_an_odd_date_filter_is_dropped_not_a_crash(client, hr, until):
    assert client.get("/hr/visits", params={"until": until}).status_code == 200


# ---- numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["²", "٣", "１２", "9" * 25, "9" * 4301, "-1"])
@pytest.mark.parametrize("path", ["/hr/visits", "/hr/questions", "/hr/people"])
def test_an_odd_page_number_shows_the_first_page(client, hr, path, page):
    assert client.get(path, params={"page": page}).status_code == 200


@pytest.mark.parametrize("version", ["²", "٣", "9" * 25, "9" * 4301])
def test_an_odd_version_is_an_old_page_not_a_crash(client, run, hr, make_user, version):
    candidate = make_user(email="sam@example.org")
    visit = run(lambda db: create_visit(db, candidate=candidate))
    page = f"/hr/visits/{visit.public_id}"
    response = post(client, page, page, **{**VISIT, "version": version})
    assert response.status_code == 409


@pytest.mark.parametrize("minutes", ["²", "٣", "１２", "9" * 25, "9" * 4301, "0", "241", "-1"])
def test_running_late_refuses_odd_minutes_with_the_message(
    client, run, make_user, login_as, clock, minutes
):
    candidate = make_user(locale="en")
    hour = clock().replace(hour=13, minute=0)
    visit = run(lambda db: create_visit(db, candidate=candidate, start=hour))
    login_as(candidate)
    response = post(client, f"/visit/{visit.public_id}/late", "/", minutes=minutes)
    assert response.status_code == 422
    assert "Enter a number of minutes from 1 to 240" in response.text


@pytest.mark.parametrize("raw", ["²", "9" * 25, "9" * 4301])
def test_an_odd_count_after_an_office_save_is_no_count(client, run, hr, raw):
    office = run(lambda db: _office(db))
    response = client.get(
        f"/hr/locations/{office.public_id}", params={"done": "saved", "visits": raw}
    )
    assert response.status_code == 200
    assert "There are no upcoming visits at this office." in response.text


async def _office(db: Any) -> Location:
    location = Location(name="Kantoor Utrecht", address="Catharijnesingel 1")
    db.add(location)
    await db.flush()
    return location


# ---- NUL and absurd ids ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/visit/{id}", "/visit/{id}/calendar.ics", "/visit/{id}/preferences", "/people/{id}"],
)
@pytest.mark.parametrize("odd", ["abc\x00def", "x" * 10_000])
def test_a_candidate_path_with_nul_or_an_absurd_id_is_not_found(
    client, run, make_user, login_as, path, odd
):
    login_as(make_user())
    response = client.get(path.replace("{id}", odd.replace("\x00", "%00")))
    assert response.status_code == 404


@pytest.mark.parametrize(
    "url", ["/hr/visits?q=a%00b", "/hr/questions?department=a%00b", "/hr/people?q=%00"]
)
def test_a_query_with_nul_is_a_bad_request(client, hr, url):
    response = client.get(url, headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "We could not understand that request." in response.text


def test_a_question_with_nul_is_saved_without_it(client, run, make_user, login_as):
    """Multi-line text drops control characters (PostgreSQL refuses NUL in text); an odd
    idempotency key is replaced by a fresh one."""
    candidate = make_user()
    run(lambda db: create_visit(db, candidate=candidate))
    login_as(candidate)
    body = {"body": "Is er\x00 parkeerplaats?", "idempotency_key": "a\x00b"}
    assert post(client, "/questions", "/questions", **body).status_code == 303
    question = run(lambda db: db.scalar(sa.select(Question)))
    assert question.body == "Is er parkeerplaats?"
    assert "\x00" not in question.idempotency_key
