"""Offices kept once: the list, a new office, and changes that reach every upcoming visit."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from icalendar import Calendar
from sqlmodel import col

from portal.models import AuditEvent, Location, VisitStatus
from tests.conftest import get_csrf
from tests.locations.conftest import LAST_MONTH, add_location, sequences, soon, version, visit_at


def fingerprint_on(page: str) -> str:
    found = re.search(r'name="fingerprint" value="([^"]*)"', page)
    assert found, "no fingerprint field on the page"
    return found[1]


def save(client: Any, office: Location, **fields: str) -> Any:
    """Post the office's form as a browser without JavaScript would: what the page showed,
    with ``fields`` changed."""
    page = client.get(f"/hr/locations/{office.public_id}").text
    data = {
        "csrf_token": get_csrf(client, f"/hr/locations/{office.public_id}"),
        "fingerprint": fingerprint_on(page),
        "name": office.name,
        "address": office.address,
        "arrival_notes": office.arrival_notes,
        "intent": "save",
        **fields,
    }
    return client.post(f"/hr/locations/{office.public_id}", data=data)


async def _office(db: Any, public_id: str) -> Location:
    found: Location = (
        await db.scalars(sa.select(Location).where(col(Location.public_id) == public_id))
    ).one()
    return found


async def _audit(db: Any, action: str) -> list[AuditEvent]:
    return list(await db.scalars(sa.select(AuditEvent).where(col(AuditEvent.action) == action)))


# ---- the list ---------------------------------------------------------------------------


def test_list_counts_only_upcoming_scheduled_visits(client, run, people, login_as):
    """Past and cancelled visits are not "upcoming"; an office without visits shows 0."""

    async def setup(db: Any) -> None:
        utrecht = await add_location(db, "Kantoor Utrecht")
        await add_location(db, "Kantoor Amsterdam", address="Dam 1")
        for days in (0, 1):
            await visit_at(db, utrecht, people["candidate"], start=soon(days))
        await visit_at(db, utrecht, people["candidate"], start=LAST_MONTH)
        await visit_at(db, utrecht, people["candidate"], status=VisitStatus.CANCELLED)

    run(setup)
    login_as(people["hr"])
    page = client.get("/hr/locations")
    assert page.status_code == 200
    rows = re.findall(
        r"<tr>\s*<th scope=\"row\"><a [^>]*>([^<]+)</a></th>.*?<td>(\d+)</td>", page.text, re.S
    )
    assert rows == [("Kantoor Amsterdam", "0"), ("Kantoor Utrecht", "2")]
    assert "<caption" in page.text and 'scope="col"' in page.text


def test_list_costs_the_same_queries_for_2_and_30_offices(
    client, run, people, login_as, count_queries
):
    login_as(people["hr"])

    async def offices(db: Any, start: int, end: int) -> None:
        for n in range(start, end):
            office = await add_location(db, f"Kantoor {n:02d}")
            await visit_at(db, office, people["candidate"])

    run(lambda db: offices(db, 0, 2))
    with count_queries() as few:
        assert client.get("/hr/locations").status_code == 200
    run(lambda db: offices(db, 2, 30))
    with count_queries() as many:
        page = client.get("/hr/locations")
    assert page.text.count('scope="row"') == 30
    assert len(many) == len(few), many


# ---- a new office -----------------------------------------------------------------------


def test_hr_adds_an_office(client, run, people, login_as):
    login_as(people["hr"])
    form = client.get("/hr/locations/new")
    assert form.status_code == 200
    assert 'for="field-name"' in form.text and 'name="csrf_token"' in form.text
    response = client.post(
        "/hr/locations",
        data={
            "csrf_token": get_csrf(client, "/hr/locations/new"),
            "name": "  Kantoor   Eindhoven ",
            "address": "Markt 1, 5611 EB Eindhoven",
            "arrival_notes": "Parkeren in **P1**.\r\n\r\nDeurcode 4711.",
            "intent": "save",
        },
    )
    assert response.status_code == 303
    public_id = response.headers["location"].split("?")[0].rsplit("/", 1)[1]
    office = run(lambda db: _office(db, public_id))
    assert office.name == "Kantoor Eindhoven"  # spaces squeezed: it is one line
    assert office.arrival_notes == "Parkeren in **P1**.\n\nDeurcode 4711."
    events = run(lambda db: _audit(db, "location.created"))
    assert [(e.actor_id, e.subject_id) for e in events] == [(people["hr"].id, public_id)]
    page = client.get(response.headers["location"])
    assert "The office is saved" in page.text
    # The preview is rendered Markdown, inside a container htmx leaves alone.
    assert re.search(r'<div class="prose" hx-disable><p>Parkeren in <strong>P1</strong>', page.text)


def test_missing_name_comes_back_with_the_text_kept(client, run, people, login_as):
    login_as(people["hr"])
    response = client.post(
        "/hr/locations",
        data={
            "csrf_token": get_csrf(client, "/hr/locations/new"),
            "name": " ",
            "address": "Markt 1",
            "arrival_notes": "Deurcode 4711",
        },
    )
    assert response.status_code == 422
    text = response.text
    assert 'role="alert"' in text and 'href="#field-name"' in text
    assert re.search(r'id="field-name"[^>]*aria-describedby="name-hint name-error"', text)
    assert re.search(r'id="field-name"[^>]*aria-invalid="true"', text)
    assert 'value="Markt 1"' in text and "Deurcode 4711</textarea>" in text
    assert run(lambda db: db.scalar(sa.select(sa.func.count()).select_from(Location))) == 0


def test_overlong_fields_are_refused_with_the_limit(client, run, people, login_as):
    login_as(people["hr"])
    response = client.post(
        "/hr/locations",
        data={
            "csrf_token": get_csrf(client, "/hr/locations/new"),
            "name": "N" * 201,
            "address": "A" * 501,
            "arrival_notes": "x" * 10_001,
        },
    )
    assert response.status_code == 422
    for field in ("name", "address", "arrival_notes"):
        assert f'href="#field-{field}"' in response.text
    assert "10000" in response.text and "10001" in response.text


def test_a_name_in_use_is_refused_whatever_its_case(client, run, people, login_as):
    run(lambda db: add_location(db, "Kantoor Utrecht"))
    login_as(people["hr"])
    response = client.post(
        "/hr/locations",
        data={"csrf_token": get_csrf(client, "/hr/locations/new"), "name": "kantoor utrecht"},
    )
    assert response.status_code == 422
    assert 'href="#field-name"' in response.text
    assert run(lambda db: db.scalar(sa.select(sa.func.count()).select_from(Location))) == 1


def test_renaming_onto_another_office_is_refused(client, run, people, login_as):
    run(lambda db: add_location(db, "Kantoor Amsterdam", address="Dam 1"))
    office = run(lambda db: add_location(db, "Kantoor Utrecht"))
    login_as(people["hr"])
    response = save(client, office, name="Kantoor Amsterdam")
    assert response.status_code == 422
    assert run(lambda db: _office(db, office.public_id)).name == "Kantoor Utrecht"


# ---- changes reach every upcoming visit --------------------------------------------------


def test_a_new_address_reaches_calendars_of_upcoming_visits_only(client, run, people, login_as):
    """Every item of an upcoming visit there gets a new SEQUENCE in one go; past, cancelled
    and other offices' visits are left alone."""

    async def setup(db: Any) -> dict[str, Any]:
        office = await add_location(db)
        other = await add_location(db, "Kantoor Amsterdam", address="Dam 1")
        return {
            "office": office,
            "upcoming": [
                await visit_at(db, office, people["candidate"], start=soon(d)) for d in (0, 1)
            ],
            "past": await visit_at(db, office, people["candidate"], start=LAST_MONTH),
            "cancelled": await visit_at(
                db, office, people["candidate"], status=VisitStatus.CANCELLED
            ),
            "elsewhere": await visit_at(db, other, people["candidate"]),
        }

    s = run(setup)
    login_as(people["hr"])
    response = save(client, s["office"], address="Stationsplein 9, 3511 ED Utrecht")
    assert response.status_code == 303
    assert response.headers["location"].endswith("?done=moved&visits=2")
    for visit in s["upcoming"]:
        assert run(lambda db, v=visit: sequences(db, v)) == [1, 1]
        assert run(lambda db, v=visit: version(db, v)) == 2
    for key in ("past", "cancelled", "elsewhere"):
        assert run(lambda db, v=s[key]: sequences(db, v)) == [0, 0], key
        assert run(lambda db, v=s[key]: version(db, v)) == 1, key
    page = client.get(response.headers["location"])
    assert ": 2." in page.text
    events = run(lambda db: _audit(db, "location.updated"))
    assert events[0].details == {"fields": ["address"], "upcoming_visits": 2, "calendars": True}

    # The calendar file carries the new place, with the new SEQUENCE.
    ics = client.get(f"/visit/{s['upcoming'][0].public_id}/calendar.ics")
    event = next(iter(Calendar.from_ical(ics.content).walk("VEVENT")))
    assert "Stationsplein 9" in str(event["LOCATION"]) and int(event["SEQUENCE"]) == 1
    # And so does the visit page.
    assert "Stationsplein 9" in client.get(f"/visit/{s['upcoming'][0].public_id}").text


def test_new_arrival_notes_need_no_new_sequence(client, run, people, login_as):
    """The notes are not in the calendar event: calendars have nothing to update."""

    async def setup(db: Any) -> Any:
        office = await add_location(db)
        return office, await visit_at(db, office, people["candidate"])

    office, visit = run(setup)
    login_as(people["hr"])
    response = save(client, office, arrival_notes="De deurcode is **2468**.")
    assert response.headers["location"].endswith("?done=saved&visits=1")
    assert run(lambda db: sequences(db, visit)) == [0, 0]
    assert run(lambda db: _office(db, office.public_id)).arrival_notes == "De deurcode is **2468**."
    # The candidate's page shows the new notes straight away.
    assert "<strong>2468</strong>" in client.get(f"/visit/{visit.public_id}").text


def test_saving_without_changes_changes_nothing(client, run, people, login_as):
    async def setup(db: Any) -> Any:
        office = await add_location(db)
        return office, await visit_at(db, office, people["candidate"])

    office, visit = run(setup)
    login_as(people["hr"])
    response = save(client, office)
    assert response.headers["location"].endswith("?done=unchanged&visits=1")
    assert run(lambda db: sequences(db, visit)) == [0, 0]
    assert run(lambda db: _audit(db, "location.updated")) == []


def test_a_change_made_meanwhile_is_not_overwritten(client, run, people, login_as):
    """The page's fingerprint no longer matches: 409, the typed text kept, what was saved
    meanwhile shown; saving again from that page replaces it on purpose."""
    office = run(lambda db: add_location(db))
    login_as(people["hr"])
    page = client.get(f"/hr/locations/{office.public_id}").text
    stale = fingerprint_on(page)

    async def colleague(db: Any) -> None:
        (await _office(db, office.public_id)).arrival_notes = "Bel aan bij de zijdeur."

    run(colleague)
    data = {
        "csrf_token": get_csrf(client, f"/hr/locations/{office.public_id}"),
        "fingerprint": stale,
        "name": office.name,
        "address": office.address,
        "arrival_notes": "Mijn nieuwe tekst",
    }
    response = client.post(f"/hr/locations/{office.public_id}", data=data)
    assert response.status_code == 409
    assert "Mijn nieuwe tekst</textarea>" in response.text
    assert "Bel aan bij de zijdeur." in response.text  # what the colleague saved
    assert run(lambda db: _office(db, office.public_id)).arrival_notes == "Bel aan bij de zijdeur."

    again = {**data, "fingerprint": fingerprint_on(response.text)}
    assert client.post(f"/hr/locations/{office.public_id}", data=again).status_code == 303
    assert run(lambda db: _office(db, office.public_id)).arrival_notes == "Mijn nieuwe tekst"


def test_a_missing_fingerprint_counts_as_a_conflict(client, run, people, login_as):
    office = run(lambda db: add_location(db))
    login_as(people["hr"])
    data = {
        "csrf_token": get_csrf(client, f"/hr/locations/{office.public_id}"),
        "name": "Iets anders",
    }
    assert client.post(f"/hr/locations/{office.public_id}", data=data).status_code == 409
    assert run(lambda db: _office(db, office.public_id)).name == "Kantoor Utrecht"


# ---- the preview --------------------------------------------------------------------------


def test_preview_without_javascript_shows_the_page_and_saves_nothing(client, run, people, login_as):
    office = run(lambda db: add_location(db))
    login_as(people["hr"])
    response = save(client, office, arrival_notes="Neem de **lift**.", intent="preview")
    assert response.status_code == 200
    assert "<html" in response.text and "<strong>lift</strong>" in response.text
    assert run(lambda db: _office(db, office.public_id)).arrival_notes != "Neem de **lift**."


def test_live_preview_answers_the_fragment_and_strips_markup(client, run, people, login_as):
    login_as(people["hr"])
    response = client.post(
        "/hr/locations",
        data={
            "csrf_token": get_csrf(client, "/hr/locations/new"),
            "name": "",
            "arrival_notes": (
                'Hallo <script>alert(1)</script> [x](javascript:alert(1)) <b hx-get="/x">b</b>'
            ),
            "intent": "preview",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "<html" not in response.text and "<h1" not in response.text
    assert "hx-disable" in response.text
    # Raw HTML is shown as text, never as elements; the link is not made.
    assert "<script" not in response.text and 'href="javascript' not in response.text
    assert "<b hx-get" not in response.text
    assert run(lambda db: db.scalar(sa.select(sa.func.count()).select_from(Location))) == 0
