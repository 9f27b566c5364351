"""Erasing a candidate deletes everything personal about them, and nothing of staff."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel

from portal.models import (
    AgendaTombstone,
    AuditEvent,
    Question,
    QuestionStatus,
    User,
    Visit,
)
from portal.privacy.erasure import ERASED, HANDLED, NotACandidate, erase_candidate
from tests.conftest import get_csrf
from tests.factories import create_user, create_visit
from tests.questions.test_questions import ask

NAME = "Marieke Vergeetmenietje"
EMAIL = "marieke.vergeet@example.org"
MARKER = "Zwaluwstaart"  # in every kind of text about her


def build_candidate(client: Any, run: Any, login_as: Any, **visit_fields: Any) -> dict[str, Any]:
    """A candidate with a bit of everything: an invitation (token, e-mail, audit events), a
    session, preferences, a question with a colleague's draft, a note and an answer, an
    agenda with an interviewer, and a calendar tombstone."""

    async def setup(db: Any) -> dict[str, Any]:
        hr = await create_user(db, role="hr", name="Fatima El Amrani")
        colleague = await create_user(db, role="employee", name="Noor Bakker")
        candidate = await create_user(db, name=NAME, email=EMAIL)
        visit = await create_visit(
            db, candidate=candidate, interviewers=[colleague], host_id=hr.id, **visit_fields
        )
        db.add(
            AgendaTombstone(
                visit_id=visit.id,
                item_public_id="gone",
                title=f"Lunch met {NAME} {MARKER}",
                starts_at=visit.starts_at,
                ends_at=visit.ends_at,
            )
        )
        return {"hr": hr, "colleague": colleague, "candidate": candidate, "visit": visit}

    people = run(setup)
    visit = people["visit"]
    login_as(people["hr"])
    path = f"/hr/visits/{visit.public_id}"
    invited = client.post(f"{path}/invite", data={"csrf_token": get_csrf(client, path)})
    assert invited.status_code == 303
    login_as(people["candidate"])
    prefs = f"/visit/{visit.public_id}/preferences"
    saved = client.post(
        prefs,
        data={
            "csrf_token": get_csrf(client, prefs),
            "attendance": "confirmed",
            "diet": f"{MARKER} dieet",
            "accessibility": f"{MARKER} toegang",
            "travel_mode": "car",
            "note": f"{MARKER} notitie",
        },
    )
    assert saved.status_code == 303
    assert ask(client, f"Hoe is het team? {MARKER}").status_code == 303

    async def staff_work(db: Any) -> None:
        question = (await db.scalars(sa.select(Question))).one()
        question.draft = f"{MARKER} concept"
        question.internal_note = f"{MARKER} intern, over {NAME}"
        question.answer = f"{MARKER} antwoord"
        question.status = QuestionStatus.ANSWERED
        question.assignee_id = people["colleague"].id
        question.answered_by_id = people["colleague"].id
        # The colleague has left since: their answer goes with the candidate's data.
        colleague = await db.get(User, people["colleague"].id)
        colleague.is_active = False

    run(staff_work)
    return people


def erase(run: Any, user_id: int, clock: Any) -> Any:
    return run(lambda db: erase_candidate(db, user_id=user_id, now=clock(), reason="test"))


async def _everything(db: Any) -> str:
    """Every row of every table, as text."""
    dump = []
    for table in SQLModel.metadata.sorted_tables:
        dump += [repr(tuple(row)) for row in (await db.execute(sa.select(table))).all()]
    return "\n".join(dump)


def _sqlite_bytes(client: Any) -> bytes | None:
    url = client.app.state.settings.database_url
    if not url.startswith("sqlite"):
        return None

    async def checkpoint() -> None:
        async with client.app.state.engine.connect() as conn:
            await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    client.portal.call(checkpoint)
    path = Path(url.split("///", 1)[1])
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def test_an_erased_candidate_is_found_nowhere(client, run, login_as, clock):
    """Every table, and the SQLite file's bytes, hold neither name, address nor marker."""
    people = build_candidate(client, run, login_as)
    candidate, visit = people["candidate"], people["visit"]
    before = run(_everything)
    assert NAME in before and EMAIL in before and visit.public_id in before
    raw = _sqlite_bytes(client)
    assert raw is None or NAME.encode() in raw  # the search below can find her

    counts = erase(run, candidate.id, clock)

    assert counts["candidates"] == 1 and counts["visits"] == 1
    assert counts["questions"] == 1 and counts["preferences"] == 1
    assert counts["sign_in_tokens"] >= 1 and counts["sessions"] == 1 and counts["emails"] >= 1
    after = run(_everything)
    for needle in (NAME, EMAIL, MARKER, candidate.public_id, visit.public_id):
        assert needle not in after, needle
    raw = _sqlite_bytes(client)
    if raw is not None:
        for needle in (NAME, EMAIL, MARKER, candidate.public_id):
            assert needle.encode() not in raw, needle


def test_staff_and_the_audit_trail_stay(client, run, login_as, clock):
    people = build_candidate(client, run, login_as)
    erase(run, people["candidate"].id, clock)

    async def look(db: Any) -> tuple[list[User], list[AuditEvent]]:
        users = list(await db.scalars(sa.select(User).order_by(User.id)))
        events = list(await db.scalars(sa.select(AuditEvent)))
        return users, events

    users, events = run(look)
    assert [u.name for u in users] == ["Fatima El Amrani", "Noor Bakker"]
    actions = {e.action for e in events}
    assert {"visit.invited", "preferences.updated", "question.asked"} <= actions
    assert "privacy.candidate_erased" in actions
    scrubbed = [e for e in events if e.details.get("who") == ERASED and e.subject_type != "user"]
    assert scrubbed and all(e.subject_id == "" for e in scrubbed)
    # The candidate's own acts stay, by no one; HR's stay by HR.
    assert any(e.actor_id is None and e.action == "question.asked" for e in events)
    assert any(e.actor_id == people["hr"].id and e.action == "visit.invited" for e in events)


def test_erasing_twice_finds_nothing_the_second_time(client, run, login_as, clock):
    people = build_candidate(client, run, login_as)
    assert erase(run, people["candidate"].id, clock)
    assert not erase(run, people["candidate"].id, clock)


def test_two_erasures_at_once_erase_once(client, run, login_as, clock):
    people = build_candidate(client, run, login_as)
    factory = client.app.state.db

    async def one() -> Any:
        async with factory() as db, db.begin():
            return await erase_candidate(
                db, user_id=people["candidate"].id, now=clock(), reason="race"
            )

    async def both() -> list[Any]:
        return list(await asyncio.gather(one(), one()))

    results = client.portal.call(both)
    assert sorted(bool(r) for r in results) == [False, True]
    assert NAME not in run(_everything)


def test_staff_are_not_erased_as_candidates(client, run, login_as, clock):
    people = build_candidate(client, run, login_as)
    with pytest.raises(NotACandidate):
        erase(run, people["colleague"].id, clock)
    assert "Noor Bakker" in run(_everything)


def test_the_other_candidates_stay(client, run, login_as, clock, make_user):
    other = make_user(name="Lotte Mulder")
    run(lambda db: create_visit(db, candidate=other))
    people = build_candidate(client, run, login_as)
    erase(run, people["candidate"].id, clock)
    dump = run(_everything)
    assert "Lotte Mulder" in dump

    async def visits(db: Any) -> int:
        return len(list(await db.scalars(sa.select(Visit))))

    assert run(visits) == 1


def test_every_foreign_key_to_users_or_visits_is_handled():
    """A new table pointing at a person or a visit must be taught to the erasure."""
    found = {
        (table.name, fk.parent.name)
        for table in SQLModel.metadata.sorted_tables
        for fk in table.foreign_keys
        if fk.column.table.name in {"users", "visits"}
    }
    assert found == set(HANDLED)


def test_hr_saving_a_visit_whose_candidate_was_erased_gets_404(client, run, login_as, clock):
    """HR had the page open while the candidate was erased: no 500 on the next save."""
    people = build_candidate(client, run, login_as)
    login_as(people["hr"])
    path = f"/hr/visits/{people['visit'].public_id}"
    csrf = get_csrf(client, path)
    erase(run, people["candidate"].id, clock)
    clock.advance(minutes=1)
    for suffix, data in (
        ("/outcome", {"outcome": "hired", "version": "5"}),
        ("", {"position": "Backend developer", "version": "5"}),
        ("/cancel", {"version": "5"}),
        ("/invite", {}),
    ):
        response = client.post(path + suffix, data={"csrf_token": csrf, **data})
        assert response.status_code == 404, suffix
    assert client.get(path).status_code == 404


def test_a_deactivated_colleague_who_answered_keeps_their_own_data(client, run, login_as, clock):
    """Their answer to the candidate goes with the candidate; their account stays as it was."""
    people = build_candidate(client, run, login_as)
    colleague = people["colleague"]

    async def deactivate(db: Any) -> None:
        await db.execute(sa.update(User).where(User.id == colleague.id).values(is_active=False))
        await db.execute(
            sa.update(Question).values(
                answered_by_id=colleague.id, answer=f"{MARKER} antwoord", draft=""
            )
        )

    run(deactivate)
    erase(run, people["candidate"].id, clock)

    async def look(db: Any) -> tuple[Any, int]:
        user = await db.get(User, colleague.id)
        questions = await db.scalar(sa.select(sa.func.count()).select_from(Question))
        return user, int(questions)

    user, questions = run(look)
    assert questions == 0
    assert user is not None and user.name == "Noor Bakker" and user.is_active is False
    assert MARKER not in run(_everything)


def test_a_request_racing_the_retention_job_erases_once(client, run, login_as, clock):
    """The candidate presses "erase my data" while the daily job finds them due."""
    from datetime import date

    from portal.models import Outcome
    from portal.privacy.retention import Rules, run_retention

    people = build_candidate(client, run, login_as)

    async def decided_long_ago(db: Any) -> None:
        await db.execute(
            sa.update(Visit).values(outcome=Outcome.REJECTED, decided_on=date(2026, 10, 1))
        )

    run(decided_long_ago)
    factory = client.app.state.db

    async def request() -> Any:
        async with factory() as db, db.begin():
            return await erase_candidate(
                db, user_id=people["candidate"].id, now=clock(), reason="the candidate's request"
            )

    async def both() -> list[Any]:
        return list(await asyncio.gather(request(), run_retention(factory, clock(), rules=Rules())))

    by_request, by_job = client.portal.call(both)
    assert by_request.get("candidates", 0) + by_job.get("candidates", 0) == 1
    assert NAME not in run(_everything) and EMAIL not in run(_everything)
