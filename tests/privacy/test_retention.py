"""The retention clock: a candidate is erased four weeks after their procedure ended."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from portal.models import AuditEvent, Outcome, User, Visit
from portal.privacy.retention import Rules, due_candidates, run_retention
from tests.conftest import get_csrf
from tests.factories import create_visit
from tests.privacy.test_erasure import EMAIL, MARKER, NAME, _everything, build_candidate


def retention(client: Any, clock: Any, *, dry_run: bool = False) -> Any:
    state = client.app.state
    return client.portal.call(
        lambda: run_retention(state.db, clock(), dry_run, rules=Rules.of(state.settings))
    )


def candidates(run: Any) -> list[str]:
    async def names(db: Any) -> list[str]:
        return list(await db.scalars(sa.select(User.name).where(User.role == "candidate")))

    result: list[str] = run(names)
    return result


def set_outcome(client: Any, run: Any, public_id: str, outcome: str, day: str = "") -> None:
    path = f"/hr/visits/{public_id}"

    async def version(db: Any) -> int:
        return int(await db.scalar(sa.select(Visit.version).where(Visit.public_id == public_id)))

    data = {
        "csrf_token": get_csrf(client, path),
        "version": str(run(version)),
        "outcome": outcome,
        "decided_on": day,
    }
    response = client.post(f"{path}/outcome", data=data)
    assert response.status_code == 303 and "done=outcome" in response.headers["location"]


def test_a_whole_life_ends_four_weeks_after_the_outcome(client, run, login_as, clock):
    """Invited, answered, asked and answered, rejected; four weeks on, erased."""
    people = build_candidate(client, run, login_as)  # visit on 2026-12-03
    clock.now = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
    login_as(people["hr"])
    set_outcome(client, run, people["visit"].public_id, "rejected")  # decided today, 12-10
    clock.now = datetime(2027, 1, 6, 9, 0, tzinfo=UTC)  # 27 days on: not yet
    assert not retention(client, clock)
    assert NAME in candidates(run)
    clock.now = datetime(2027, 1, 7, 9, 0, tzinfo=UTC)  # four weeks on
    counts = retention(client, clock)
    assert counts["candidates"] == 1 and counts["visits"] == 1 and counts["questions"] == 1
    dump = run(_everything)
    for needle in (NAME, EMAIL, MARKER):
        assert needle not in dump
    # Once more finds no one.
    assert not retention(client, clock)


def test_a_visit_without_outcome_ends_26_weeks_after_its_date(client, run, make_user, clock):
    candidate = make_user(name="Olaf Onbeslist")
    run(lambda db: create_visit(db, candidate=candidate))  # 2026-12-03
    # Ended 2027-06-03; erased four weeks after that, on 2027-07-01.
    clock.now = datetime(2027, 6, 30, 12, 0, tzinfo=UTC)
    assert not retention(client, clock)
    clock.now = datetime(2027, 7, 1, 9, 0, tzinfo=UTC)
    assert retention(client, clock)["candidates"] == 1
    assert candidates(run) == []


def test_nothing_is_erased_while_another_visit_is_open(client, run, make_user, clock):
    candidate = make_user(name="Twan Tweemaal")

    async def two_visits(db: Any) -> None:
        await create_visit(
            db, candidate=candidate, outcome=Outcome.REJECTED, decided_on=date(2026, 12, 4)
        )
        await create_visit(db, candidate=candidate, start=datetime(2027, 2, 1, 9, tzinfo=UTC))

    run(two_visits)
    clock.now = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
    assert not retention(client, clock)
    assert candidates(run) == ["Twan Tweemaal"]


def test_a_changed_outcome_moves_the_erasure(client, run, make_user, login_as, clock):
    hr = make_user("hr")
    candidate = make_user(name="Wim Wisselaar")
    visit = run(lambda db: create_visit(db, candidate=candidate))
    login_as(hr)
    set_outcome(client, run, visit.public_id, "rejected", "2026-12-01")
    clock.now = datetime(2026, 12, 20, 9, 0, tzinfo=UTC)
    login_as(hr)
    # Reconsidered: hired after all, decided today.
    set_outcome(client, run, visit.public_id, "hired", "")
    clock.now = datetime(2026, 12, 29, 9, 0, tzinfo=UTC)  # four weeks after the first day
    assert not retention(client, clock)
    clock.now = datetime(2027, 1, 17, 9, 0, tzinfo=UTC)  # four weeks after the second
    assert retention(client, clock)["candidates"] == 1
    assert candidates(run) == []


def test_a_dry_run_counts_and_erases_nothing(client, run, make_user, clock):
    candidate = make_user(name="Dirk Droog")
    run(
        lambda db: create_visit(
            db, candidate=candidate, outcome=Outcome.WITHDRAWN, decided_on=date(2026, 10, 1)
        )
    )
    counts = retention(client, clock, dry_run=True)
    assert counts["candidates"] == 1 and counts["visits"] == 1
    assert candidates(run) == ["Dirk Droog"]

    async def runs(db: Any) -> list[AuditEvent]:
        query = sa.select(AuditEvent).where(AuditEvent.action == "privacy.retention_run")
        return list(await db.scalars(query))

    assert run(runs) == []  # only real runs are recorded
    retention(client, clock)
    (event,) = run(runs)
    assert event.details["candidates"] == 1 and "Dirk" not in str(event.details)


def test_staff_and_recent_candidates_are_never_due(client, run, make_user, clock):
    make_user("employee", name="Noor Bakker")
    make_user(name="Nieuwe Kandidaat")  # no visit yet, account made today
    clock.advance(weeks=3)
    assert not retention(client, clock)
    clock.advance(weeks=2)  # an account with no visit counts from the day it was made

    async def due(db: Any) -> list[int]:
        return await due_candidates(db, clock(), rules=Rules())

    assert len(run(due)) == 1
    assert retention(client, clock)["candidates"] == 1
    assert "Noor Bakker" in run(_everything)


def test_the_settings_set_the_weeks(client, run, make_user, clock):
    candidate = make_user(name="Korte Termijn")

    async def decided(db: Any) -> None:
        await create_visit(
            db, candidate=candidate, outcome=Outcome.HIRED, decided_on=date(2026, 11, 20)
        )

    run(decided)
    state = client.app.state

    def go(weeks: int) -> Any:
        rules = Rules(weeks=weeks, undecided_weeks=26, zone="Europe/Amsterdam")
        return client.portal.call(lambda: run_retention(state.db, clock(), False, rules=rules))

    assert not go(2)  # 11 days since the decision
    assert go(1)["candidates"] == 1


def test_the_worker_runs_the_retention_job_daily(client, run, make_user, clock):
    from portal.jobs import default_jobs, retention

    assert any(every == timedelta(days=1) and job is retention for every, job in default_jobs())
    candidate = make_user(name="Werker Weg")
    run(
        lambda db: create_visit(
            db, candidate=candidate, outcome=Outcome.HIRED, decided_on=date(2026, 10, 1)
        )
    )
    client.portal.call(lambda: retention(client.app.state))
    assert candidates(run) == []
