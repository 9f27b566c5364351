"""The import format: validated whole, safe to repeat, every problem named."""

from __future__ import annotations

import copy
import json

import pytest
import sqlalchemy as sa

from portal.imports.service import ImportProblems, import_bytes, parse
from portal.models import AgendaItem, User, Visit

BASE = {
    "staff": [
        {
            "email": "noor@example.com",
            "name": "Noor Bakker",
            "role": "employee",
            "job_title": "Engineering manager",
            "department": "Engineering",
            "pronouns": "zij/haar",
            "bio": "Hallo",
            "linkedin_url": "https://www.linkedin.com/in/x",
            "visible_to_candidates": True,
        },
        {
            "email": "hr@example.com",
            "name": "Fatima El Amrani",
            "role": "hr",
            "job_title": "Recruiter",
            "department": "People",
            "visible_to_candidates": True,
        },
    ],
    "visits": [
        {
            "external_id": "ats-4711",
            "candidate": {"email": "sam@example.org", "name": "Sam de Vries", "locale": "nl"},
            "position": "Backend developer",
            "department": "Engineering",
            "timezone": "Europe/Amsterdam",
            "location": {
                "name": "Kantoor Utrecht",
                "address": "Catharijnesingel 1, 3511 GA Utrecht",
                "arrival_notes": "Meld je bij de receptie.",
            },
            "host": "hr@example.com",
            "agenda": [
                {
                    "external_id": "ats-4711-1",
                    "starts_at": "2026-12-03T09:30",
                    "ends_at": "2026-12-03T10:15",
                    "kind": "interview",
                    "title": "Kennismaking met het team",
                    "internal_title": "Round 1",
                    "room": "Zaal Dom",
                    "description": "Koffie",
                    "visible_to_candidate": True,
                    "interviewers": ["noor@example.com"],
                },
                {
                    "starts_at": "2026-12-03T10:30+01:00",
                    "ends_at": "2026-12-03T11:00+01:00",
                    "kind": "lunch",
                    "title": "Lunch",
                    "visible_to_candidate": True,
                },
            ],
        },
    ],
}


def do_import(run, data):
    return run(lambda db: import_bytes(db, json.dumps(data), now=_now()))


def _now():
    from datetime import UTC, datetime

    return datetime(2026, 11, 25, tzinfo=UTC)


async def _counts(db):
    return tuple(
        [
            await db.scalar(sa.select(sa.func.count()).select_from(m))
            for m in (User, Visit, AgendaItem)
        ]
    )


def test_import_creates_people_visit_and_agenda(client, run):
    report = do_import(run, BASE)
    assert report.created == {"staff": 2, "visits": 1}
    assert run(_counts) == (3, 1, 2)

    async def check(db):
        visit = await db.scalar(sa.select(Visit))
        items = list(await db.scalars(sa.select(AgendaItem).order_by(AgendaItem.position)))
        return visit, items

    visit, items = run(check)
    # 09:30 wall clock in Amsterdam in December is 08:30 UTC.
    assert items[0].starts_at.hour == 8 and items[0].starts_at.minute == 30
    assert items[1].starts_at.hour == 9 and items[1].starts_at.minute == 30
    assert visit.starts_at == items[0].starts_at and visit.ends_at == items[1].ends_at


def test_importing_twice_changes_nothing(client, run):
    do_import(run, BASE)

    async def snapshot(db):
        rows = []
        for model in (User, Visit, AgendaItem):
            rows += [r.model_dump() for r in await db.scalars(sa.select(model))]
        return rows

    before = run(snapshot)
    report = do_import(run, BASE)
    assert report.created == {"staff": 0, "visits": 0}
    assert run(snapshot) == before


def test_reimport_updates_and_raises_calendar_sequence(client, run):
    do_import(run, BASE)
    changed = copy.deepcopy(BASE)
    changed["visits"][0]["agenda"][0]["room"] = "Zaal Neude"
    do_import(run, changed)
    seq = run(
        lambda db: db.scalar(
            sa.select(AgendaItem.sequence).where(AgendaItem.external_id == "ats-4711-1")
        )
    )
    assert seq == 1
    assert run(_counts) == (3, 1, 2)


def test_item_dropped_from_the_file_is_removed(client, run):
    do_import(run, BASE)
    shorter = copy.deepcopy(BASE)
    shorter["visits"][0]["agenda"].pop()
    do_import(run, shorter)
    assert run(_counts) == (3, 1, 1)


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d["visits"][0].update(colour="blue"), "visits[0].colour: unknown key"),
        (lambda d: d["visits"][0]["agenda"][0].update(kind="party"), "visits[0].agenda[0].kind"),
        (lambda d: d["visits"][0].update(timezone="Mars/Olympus"), "unknown time zone"),
        (
            lambda d: d["visits"][0]["agenda"][0].update(ends_at="2026-12-03T09:00"),
            "ends_at must be after starts_at",
        ),
        (
            lambda d: d["visits"][0]["agenda"][0].update(
                starts_at="2027-03-28T02:30", ends_at="2027-03-28T03:30"
            ),
            "does not exist",
        ),
        (
            lambda d: d["visits"][0]["candidate"].update(email="not-an-email"),
            "visits[0].candidate.email",
        ),
        (lambda d: d["visits"][0].update(host="stranger@example.com"), "is not a member of staff"),
        (
            lambda d: d["visits"][0]["candidate"].update(email="noor@example.com"),
            "belongs to a staff account",
        ),
        (lambda d: d["visits"].append(copy.deepcopy(d["visits"][0])), "appears more than once"),
        (lambda d: d["staff"][0].update(linkedin_url="javascript:alert(1)"), "https://"),
        (lambda d: d["visits"][0].update(agenda=[]), "give an agenda"),
    ],
)
def test_bad_files_are_refused_whole_with_the_path_named(client, run, mutate, expected):
    data = copy.deepcopy(BASE)
    mutate(data)
    with pytest.raises(ImportProblems) as exc:
        do_import(run, data)
    assert any(expected in p for p in exc.value.problems), exc.value.problems
    assert run(_counts) == (0, 0, 0)  # nothing written


def test_not_json_is_refused():
    with pytest.raises(ImportProblems, match="not valid JSON"):
        parse(b"{nope")


def test_example_file_in_the_repo_imports(client, run):
    from pathlib import Path

    raw = (Path(__file__).resolve().parents[2] / "examples" / "import.json").read_bytes()
    report = run(lambda db: import_bytes(db, raw, now=_now()))
    assert report.created["visits"] >= 1


def test_cancelling_a_visit_raises_every_items_sequence(client, run):
    do_import(run, BASE)
    cancelled = copy.deepcopy(BASE)
    cancelled["visits"][0]["status"] = "cancelled"
    do_import(run, cancelled)
    sequences = run(lambda db: _sequences(db))
    assert sequences == [1, 1]


async def _sequences(db):
    return list(await db.scalars(sa.select(AgendaItem.sequence).order_by(AgendaItem.position)))


def test_a_visits_history_shows_its_imports(client, run):
    from sqlmodel import col

    from portal.models import AuditEvent

    do_import(run, BASE)
    do_import(run, BASE)  # nothing changed: nothing recorded for the visit
    changed = copy.deepcopy(BASE)
    changed["visits"][0]["position"] = "Senior backend developer"
    do_import(run, changed)

    async def events(db):
        rows = await db.scalars(
            sa.select(AuditEvent)
            .where(col(AuditEvent.action) == "visit.imported")
            .order_by(col(AuditEvent.id))
        )
        return [e.details for e in rows]

    assert run(events) == [{"created": True}, {"fields": ["position"]}]
