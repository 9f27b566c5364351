"""The visit as an iCalendar file: what it holds, for whom, and what it costs."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from portal.imports.service import import_bytes
from portal.models import AgendaItem, AgendaTombstone, User, new_public_id
from tests.calendar.conftest import visit_for

AMSTERDAM = "Europe/Amsterdam"


@pytest.fixture
def people(make_user):
    """This file's people: those of conftest.py, another candidate, and a colleague hidden
    from candidates."""
    return {
        "candidate": make_user(name="Sam de Vries", locale="nl"),
        "other": make_user(name="Lotte Mulder"),
        "noor": make_user(role="employee", name="Noor Bakker", job_title="Engineering manager"),
        "hidden": make_user(role="employee", name="Jeroen Smit", job_title="CTO", visible=False),
        "hr": make_user(role="hr", name="Fatima El Amrani"),
    }


def ics_path(visit):
    return f"/visit/{visit.public_id}/calendar.ics"


def download(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.text
    return response.content, Calendar.from_ical(response.content)


def test_candidate_gets_a_valid_calendar_in_the_visits_zone(client, run, people, login_as):
    """One event per item, times as Amsterdam wall clock with a VTIMEZONE, every field set."""
    visit = visit_for(
        run,
        people["candidate"],
        items=3,
        interviewers=[people["noor"]],
        start=datetime(2026, 12, 3, 8, 30, tzinfo=UTC),
    )
    login_as(people["candidate"])
    response = client.get(ics_path(visit))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="visit-2026-12-03.ics"'
    assert response.headers["cache-control"] == "no-store"

    cal = Calendar.from_ical(response.content)
    assert cal["METHOD"] == "PUBLISH"
    assert "Candidate visit portal" in cal["PRODID"]
    assert "Backend developer" in cal["X-WR-CALNAME"]
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == [AMSTERDAM]
    assert not cal.get_missing_tzids()

    events = cal.walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == ["Gesprek 1", "Gesprek 2", "Gesprek 3"]
    first = events[0]
    assert first["DTSTART"].params["TZID"] == AMSTERDAM
    assert first["DTEND"].params["TZID"] == AMSTERDAM
    # 08:30 UTC in December is 09:30 in Amsterdam.
    assert b"DTSTART;TZID=Europe/Amsterdam:20261203T093000" in response.content
    assert first.start == datetime(2026, 12, 3, 8, 30, tzinfo=UTC)
    assert first.end == datetime(2026, 12, 3, 9, 10, tzinfo=UTC)
    assert first["DTSTAMP"].dt == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    assert first["UID"].endswith("@testserver")
    assert first["SEQUENCE"] == 0
    assert first["STATUS"] == "CONFIRMED"
    assert first["URL"] == f"http://testserver/visit/{visit.public_id}"
    assert first["LOCATION"].startswith("Kantoor ")
    assert "Catharijnesingel 1, 3511 GA Utrecht" in first["LOCATION"]
    assert "Noor Bakker, Engineering manager" in first["DESCRIPTION"]
    assert len({e["UID"] for e in events}) == 3


def test_room_and_description_are_in_the_event(client, run, people, login_as):
    visit = visit_for(run, people["candidate"], items=1, interviewers=[people["noor"]])

    async def furnish(db):
        item = await db.scalar(sa.select(AgendaItem).where(AgendaItem.visit_id == visit.id))
        item.room, item.description = "Zaal Dom", "Neem je laptop mee."

    run(furnish)
    login_as(people["candidate"])
    _raw, cal = download(client, ics_path(visit))
    (event,) = cal.walk("VEVENT")
    assert event["LOCATION"].endswith("Catharijnesingel 1, 3511 GA Utrecht, Zaal Dom")
    assert event["DESCRIPTION"] == "Neem je laptop mee.\n\nNoor Bakker, Engineering manager"


def test_internal_items_and_hidden_staff_never_reach_the_candidate(client, run, people, login_as):
    visit = visit_for(
        run,
        people["candidate"],
        items=2,
        hidden_items=1,
        interviewers=[people["noor"], people["hidden"]],
    )
    hidden_uid = run(
        lambda db: db.scalar(
            sa.select(AgendaItem.public_id).where(
                AgendaItem.visit_id == visit.id, AgendaItem.visible_to_candidate.is_(False)
            )
        )
    )
    login_as(people["candidate"])
    raw, cal = download(client, ics_path(visit))
    assert len(cal.walk("VEVENT")) == 2
    for secret in ("Interne debrief", "Round", "Jeroen Smit", "CTO", hidden_uid):
        assert secret.encode() not in raw, secret
    assert b"Noor Bakker" in raw


def test_hr_gets_every_item_but_never_an_internal_title(client, run, people, login_as):
    visit = visit_for(
        run, people["candidate"], items=2, hidden_items=1, interviewers=[people["hidden"]]
    )
    login_as(people["hr"])
    raw, cal = download(client, ics_path(visit))
    summaries = [str(e["SUMMARY"]) for e in cal.walk("VEVENT")]
    assert summaries == ["Gesprek 1", "Gesprek 2", "Interne debrief 3"]
    assert b"Round" not in raw
    # HR may see staff hidden from candidates.
    assert "Jeroen Smit, CTO" in cal.walk("VEVENT")[0]["DESCRIPTION"]


@pytest.mark.parametrize("who", ["other", "noor"])
def test_others_get_404(client, run, people, login_as, who):
    """Another candidate, and an employee even when they take part in the visit."""
    visit = visit_for(run, people["candidate"], interviewers=[people["noor"]])
    login_as(people[who])
    response = client.get(ics_path(visit))
    assert response.status_code == 404
    assert "BEGIN:VCALENDAR" not in response.text and "Sam" not in response.text


def test_unknown_visit_gets_404(client, people, login_as):
    login_as(people["hr"])
    assert client.get("/visit/does-not-exist/calendar.ics").status_code == 404


def test_signed_out_is_sent_to_sign_in(client, run, people):
    visit = visit_for(run, people["candidate"])
    response = client.get(ics_path(visit))
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")
    assert b"BEGIN:VCALENDAR" not in response.content


def test_link_uses_the_configured_base_url_not_the_host_header(client, run, people, login_as):
    visit = visit_for(run, people["candidate"], items=1)
    login_as(people["candidate"])
    response = client.get(ics_path(visit), headers={"Host": "evil.example"})
    assert response.status_code == 200
    assert b"evil.example" not in response.content
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert event["URL"] == f"http://testserver/visit/{visit.public_id}"
    assert event["UID"].endswith("@testserver")


def test_cancelled_visit_cancels_every_event(client, run, people, login_as):
    visit = visit_for(run, people["candidate"], items=2, status="cancelled")
    login_as(people["candidate"])
    _raw, cal = download(client, ics_path(visit))
    statuses = [e["STATUS"] for e in cal.walk("VEVENT")]
    assert statuses == ["CANCELLED", "CANCELLED"]


def test_empty_agenda_keeps_the_day_as_one_event(client, run, people, login_as):
    """No item the reader may see: one event for the whole visit, so the day stays put."""
    visit = visit_for(
        run,
        people["candidate"],
        items=0,
        hidden_items=1,
        start=datetime(2026, 12, 3, 8, 30, tzinfo=UTC),
    )
    login_as(people["candidate"])
    raw, cal = download(client, ics_path(visit))
    (event,) = cal.walk("VEVENT")
    assert event.start == visit.starts_at and event.end == visit.ends_at
    assert event["DTSTART"].params["TZID"] == AMSTERDAM
    assert str(event["SUMMARY"]) == "Backend developer"
    assert event["UID"] == f"{visit.public_id}@testserver"
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == [AMSTERDAM]
    assert b"Interne debrief" not in raw


def test_names_in_any_script_survive(client, run, make_user, login_as):
    candidate = make_user(name="Zoë Çelik")
    colleague = make_user(role="employee", name="王芳", job_title="Ingénieure")
    visit = visit_for(
        run, candidate, items=1, interviewers=[colleague], position='Développeuse "senior"'
    )

    async def retitle(db):
        item = await db.scalar(sa.select(AgendaItem).where(AgendaItem.visit_id == visit.id))
        item.title = "Lunch; met Zoë, in de kantine"

    run(retitle)
    login_as(candidate)
    response = client.get(ics_path(visit))
    # The filename comes from the date, never from the position's text.
    assert response.headers["content-disposition"] == 'attachment; filename="visit-2026-12-03.ics"'
    raw = response.content
    assert "王芳".encode() in raw
    cal = Calendar.from_ical(raw)
    (event,) = cal.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Lunch; met Zoë, in de kantine"
    assert "王芳, Ingénieure" in event["DESCRIPTION"]
    assert 'Développeuse "senior"' in cal["X-WR-CALNAME"]


def test_query_count_does_not_grow_with_the_agenda(client, run, people, login_as, count_queries):
    interviewers = [people["noor"], people["hidden"]]
    small = visit_for(run, people["candidate"], items=2, interviewers=interviewers)
    large = visit_for(run, people["candidate"], items=20, interviewers=interviewers)
    past = visit_for(
        run,
        people["candidate"],
        items=20,
        interviewers=interviewers,
        start=datetime(2026, 11, 3, 8, 30, tzinfo=UTC),
    )

    async def remove_ten(db):
        for visit in (large, past):
            rows = await db.scalars(
                sa.select(AgendaItem).where(AgendaItem.visit_id == visit.id).limit(10)
            )
            for item in rows:
                db.add(
                    AgendaTombstone(
                        visit_id=visit.id,
                        item_public_id=new_public_id(),
                        title=item.title,
                        starts_at=item.starts_at,
                        ends_at=item.ends_at,
                        sequence=1,
                    )
                )

    run(remove_ten)
    login_as(people["candidate"])
    counts = []
    for visit, n in ((small, 2), (large, 30), (past, 20)):
        with count_queries() as queries:
            _raw, cal = download(client, ics_path(visit))
        assert len(cal.walk("VEVENT")) == n
        counts.append(len(queries))
    # Session lookup, the visit, its agenda, the agenda's people; and, until the visit is
    # over, the removed items it still cancels (one indexed query on visit_id: get_visit's
    # query is the visits module's and has no relationship to join them on, and calendar
    # apps fetch this file now and then, not on every page view).
    assert counts == [5, 5, 4], counts


# ---- through the import: stable UIDs, rising SEQUENCE, daylight saving ------------------

IMPORT = {
    "staff": [
        {"email": "noor@example.com", "name": "Noor Bakker", "role": "employee"},
    ],
    "visits": [
        {
            "external_id": "ats-1",
            "candidate": {"email": "sam@example.org", "name": "Sam de Vries"},
            "position": "Backend developer",
            "timezone": AMSTERDAM,
            "location": {"name": "Kantoor Utrecht", "address": "Catharijnesingel 1"},
            "agenda": [
                {
                    "external_id": "ats-1-1",
                    "starts_at": "2026-12-03T09:30",
                    "ends_at": "2026-12-03T10:15",
                    "kind": "interview",
                    "title": "Kennismaking",
                    "room": "Zaal Dom",
                    "interviewers": ["noor@example.com"],
                },
                {
                    "external_id": "ats-1-2",
                    "starts_at": "2026-12-03T10:30",
                    "ends_at": "2026-12-03T11:00",
                    "kind": "lunch",
                    "title": "Lunch",
                },
            ],
        }
    ],
}


def do_import(run, data):
    now = datetime(2026, 11, 25, tzinfo=UTC)
    run(lambda db: import_bytes(db, json.dumps(data), now=now))


def imported_candidate(run):
    return run(lambda db: db.scalar(sa.select(User).where(User.email == "sam@example.org")))


def visit_path(run):
    from portal.models import Visit

    public_id = run(lambda db: db.scalar(sa.select(Visit.public_id)))
    return f"/visit/{public_id}/calendar.ics"


def by_uid(cal):
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def test_uids_are_stable_and_a_change_raises_the_sequence(client, run, clock, login_as):
    do_import(run, IMPORT)
    login_as(imported_candidate(run))
    path = visit_path(run)
    _raw, first = download(client, path)
    clock.advance(hours=1)
    _raw, again = download(client, path)
    assert list(by_uid(first)) == list(by_uid(again))
    assert [e["SEQUENCE"] for e in again.walk("VEVENT")] == [0, 0]

    changed = copy.deepcopy(IMPORT)
    changed["visits"][0]["agenda"][0]["room"] = "Zaal Neude"
    do_import(run, changed)
    _raw, after = download(client, path)
    assert list(by_uid(after)) == list(by_uid(first))
    moved, untouched = after.walk("VEVENT")
    assert moved["UID"] == first.walk("VEVENT")[0]["UID"]
    assert moved["SEQUENCE"] == 1 and "Zaal Neude" in moved["LOCATION"]
    assert untouched["SEQUENCE"] == 0
    assert moved["DTSTAMP"].dt == clock.now


def test_a_day_across_the_spring_clock_change(client, run, login_as):
    """01:30 is still winter time (+01:00), 03:30 already summer time (+02:00)."""
    data = copy.deepcopy(IMPORT)
    agenda = data["visits"][0]["agenda"]
    agenda[0]["starts_at"], agenda[0]["ends_at"] = "2027-03-28T01:30", "2027-03-28T01:55"
    agenda[1]["starts_at"], agenda[1]["ends_at"] = "2027-03-28T03:30", "2027-03-28T04:00"
    do_import(run, data)
    login_as(imported_candidate(run))
    raw, cal = download(client, visit_path(run))
    assert b"DTSTART;TZID=Europe/Amsterdam:20270328T013000" in raw
    assert b"DTSTART;TZID=Europe/Amsterdam:20270328T033000" in raw
    early, late = cal.walk("VEVENT")
    assert early.start.utcoffset() == timedelta(hours=1)
    assert late.start.utcoffset() == timedelta(hours=2)
    assert early.start == datetime(2027, 3, 28, 0, 30, tzinfo=UTC)
    assert late.start == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    # The file's own VTIMEZONE names that change, so a client need not know the zone.
    (zone,) = cal.walk("VTIMEZONE")
    spring = [
        d for d in zone.walk("DAYLIGHT") if d["DTSTART"].dt.date().isoformat() == "2027-03-28"
    ]
    assert len(spring) == 1
    assert spring[0]["TZOFFSETFROM"].td == timedelta(hours=1)
    assert spring[0]["TZOFFSETTO"].td == timedelta(hours=2)
