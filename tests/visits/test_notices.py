"""Reminders and change notices go out once, whatever the number of workers."""

from __future__ import annotations

import asyncio
import copy
import json
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from portal.models import OutboxEmail, Visit
from portal.visits.notices import notify_changed, queue_due_reminders
from tests.factories import create_visit

START = datetime(2026, 12, 3, 8, 30, tzinfo=UTC)


def reminders(client, now):
    st = client.app.state
    return client.portal.call(lambda: queue_due_reminders(st.db, mailer=st.mailer, now=now))


INVITED = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def test_reminder_two_days_ahead_once(client, run, make_user, deliver):
    candidate = make_user(name="Sam de Vries", locale="en")
    run(
        lambda db: create_visit(
            db, candidate=candidate, items=2, hidden_items=1, start=START, invited_at=INVITED
        )
    )
    assert reminders(client, START - timedelta(days=3)) == 0  # too early
    assert reminders(client, START - timedelta(days=2)) == 1
    assert reminders(client, START - timedelta(days=1)) == 0  # already sent
    [mail] = deliver()
    assert mail.subject == "Your visit on Thursday, December 3, 2026"
    assert "Gesprek 1" in mail.text and "Gesprek 2" in mail.text
    assert "Interne debrief" not in mail.text and "Interne debrief" not in mail.html
    assert "http://testserver/visit/" in mail.text


def test_two_workers_racing_queue_one_reminder(client, run, make_user):
    candidate = make_user()
    run(lambda db: create_visit(db, candidate=candidate, start=START, invited_at=INVITED))
    st = client.app.state
    now = START - timedelta(days=1)

    async def race():
        async def one():
            return await queue_due_reminders(st.db, mailer=st.mailer, now=now)

        return await asyncio.gather(one(), one(), return_exceptions=True)

    results = client.portal.call(race)
    assert sum(r for r in results if isinstance(r, int)) == 1
    count = run(lambda db: db.scalar(sa.select(sa.func.count()).select_from(OutboxEmail)))
    assert count == 1


def test_no_reminder_for_cancelled_or_past_visits(client, run, make_user):
    first, second = make_user(), make_user()
    run(
        lambda db: create_visit(
            db, candidate=first, start=START, status="cancelled", invited_at=INVITED
        )
    )
    run(
        lambda db: create_visit(
            db, candidate=second, start=START - timedelta(days=5), invited_at=INVITED
        )
    )
    assert reminders(client, START - timedelta(days=1)) == 0


def outbox_kinds(run):
    rows = run(lambda db: db.execute(sa.select(OutboxEmail.kind, OutboxEmail.recipient)))
    return sorted(tuple(row) for row in rows.all())


def test_the_worker_reminds_only_candidates_who_know_their_visit(client, run, make_user, clock):
    """A visit made for tomorrow and not yet invited gets no reminder from the worker's
    minutely pass; once the candidate is invited (or has signed in) the next pass sends it."""
    from portal.jobs import run_reminders
    from portal.worker import Worker

    tomorrow = clock.now + timedelta(days=1)
    planned, invited, signed_in = (
        make_user(email=f"{who}@example.org") for who in ("planned", "invited", "signed-in")
    )
    run(lambda db: create_visit(db, candidate=planned, items=0, start=tomorrow))
    run(lambda db: create_visit(db, candidate=invited, start=tomorrow, invited_at=INVITED))
    run(
        lambda db: create_visit(db, candidate=signed_in, start=tomorrow, first_signed_in_at=INVITED)
    )
    worker = Worker(client.app.state, jobs=[(timedelta(minutes=1), run_reminders)])
    client.portal.call(worker.run_jobs)
    assert outbox_kinds(run) == [
        ("reminder", "invited@example.org"),
        ("reminder", "signed-in@example.org"),
    ]

    # HR invites the planned visit's candidate: the next minutely pass reminds them too.
    run(
        lambda db: db.execute(
            sa.update(Visit).where(Visit.candidate_id == planned.id).values(invited_at=clock.now)
        )
    )
    clock.advance(minutes=1)
    client.portal.call(worker.run_jobs)
    assert ("reminder", "planned@example.org") in outbox_kinds(run)
    assert len(outbox_kinds(run)) == 3


IMPORT = {
    "staff": [{"email": "noor@example.com", "name": "Noor Bakker", "role": "employee"}],
    "visits": [
        {
            "external_id": "v1",
            "position": "Backend developer",
            "candidate": {"email": "sam@example.org", "name": "Sam de Vries", "locale": "nl"},
            "agenda": [
                {
                    "external_id": "a",
                    "starts_at": "2026-12-03T09:30",
                    "ends_at": "2026-12-03T10:15",
                    "kind": "interview",
                    "title": "Kennismaking",
                    "interviewers": ["noor@example.com"],
                },
                {
                    "external_id": "b",
                    "starts_at": "2026-12-03T15:00",
                    "ends_at": "2026-12-03T15:30",
                    "kind": "other",
                    "title": "Debrief",
                    "visible_to_candidate": False,
                },
            ],
        }
    ],
}


def import_and_notify(client, data):
    from portal.imports.service import import_bytes

    st = client.app.state

    async def go():
        async with st.db() as db, db.begin():
            report = await import_bytes(db, json.dumps(data), now=st.clock())
            return await notify_changed(
                db,
                report.changed,
                mailer=st.mailer,
                now=st.clock(),
            )

    return client.portal.call(go)


def test_change_notice_after_the_candidate_signed_in(client, run, deliver):
    assert import_and_notify(client, IMPORT) == 0  # new visit: nothing to tell yet
    run(
        lambda db: db.execute(
            sa.update(Visit).values(first_signed_in_at=datetime(2026, 11, 30, tzinfo=UTC))
        )
    )
    moved = copy.deepcopy(IMPORT)
    moved["visits"][0]["agenda"][0]["starts_at"] = "2026-12-03T10:00"
    moved["visits"][0]["agenda"][0]["ends_at"] = "2026-12-03T10:45"
    assert import_and_notify(client, moved) == 1
    assert import_and_notify(client, moved) == 0  # the same file again changes nothing
    [mail] = deliver()
    assert mail.recipient == "sam@example.org"
    assert "gewijzigd" in mail.subject
    assert "10:00" in mail.text and "Debrief" not in mail.text


def test_changes_to_internal_items_tell_the_candidate_nothing(client, run, deliver):
    import_and_notify(client, IMPORT)
    run(
        lambda db: db.execute(
            sa.update(Visit).values(first_signed_in_at=datetime(2026, 11, 30, tzinfo=UTC))
        )
    )
    internal = copy.deepcopy(IMPORT)
    internal["visits"][0]["agenda"][1]["starts_at"] = "2026-12-03T16:00"
    internal["visits"][0]["agenda"][1]["ends_at"] = "2026-12-03T16:30"
    assert import_and_notify(client, internal) == 0
    assert deliver() == []
