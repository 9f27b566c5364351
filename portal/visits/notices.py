"""E-mail about a visit: the reminder two days ahead, changes, and "running late".

Each is queued in the outbox in the transaction that decides it, and each carries a
dedupe key (unique in the outbox), so however many app processes or workers run, and
however often they restart, one visit gets one reminder and one notice per change.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload
from sqlmodel import col

from portal.mail.mailer import Mailer
from portal.models import Role, User, Visit, VisitStatus, rel

log = logging.getLogger("portal.notices")

REMINDER_AHEAD = timedelta(days=2)
LATE_QUIET = timedelta(minutes=5)


async def hr_recipients(db: AsyncSession, visit: Visit) -> list[User]:
    """Who hears about a visit: its host, else every active HR person."""
    if visit.host is not None and visit.host.is_active:
        return [visit.host]
    rows = await db.scalars(
        sa.select(User).where(
            col(User.role).in_([Role.HR, Role.ADMIN]), col(User.is_active).is_(True)
        )
    )
    return list(rows)


def _candidate_context(visit: Visit, mailer: Mailer) -> dict[str, Any]:
    items = [i for i in visit.agenda if i.visible_to_candidate]
    return {
        "visit": visit,
        "items": items,
        "name": visit.candidate.name,
        "link": mailer.link(f"/visit/{visit.public_id}"),
        "zone": visit.timezone,
    }


def _visits_with_day() -> sa.Select[Visit]:
    return sa.select(Visit).options(
        joinedload(rel(Visit.candidate)),
        joinedload(rel(Visit.location)),
        selectinload(rel(Visit.agenda)),
    )


async def queue_due_reminders(factory: Any, *, mailer: Mailer, now: datetime) -> int:
    """Queue the reminder for every visit starting within two days that has none yet.

    Only for candidates who know about their visit (invited, or signed in), as with change
    notices: a visit HR is still planning has no programme to remind anyone of, and its
    candidate must not first hear of it from a reminder. Once invited, the next pass sends it.
    """
    queued = 0
    async with factory() as db, db.begin():
        due = await db.scalars(
            _visits_with_day().where(
                col(Visit.status) == VisitStatus.SCHEDULED,
                col(Visit.reminder_queued_at).is_(None),
                sa.or_(
                    col(Visit.invited_at).is_not(None), col(Visit.first_signed_in_at).is_not(None)
                ),
                col(Visit.starts_at) > now,
                col(Visit.starts_at) <= now + REMINDER_AHEAD,
            )
        )
        for visit in due.unique():
            # Claim it with a conditional update: a second worker's update finds no row.
            claimed = await db.execute(
                sa.update(Visit)
                .where(col(Visit.id) == visit.id, col(Visit.reminder_queued_at).is_(None))
                .values(reminder_queued_at=now)
                .returning(col(Visit.id))
            )
            if claimed.first() is None:
                continue
            await mailer.queue(
                db,
                "reminder",
                to=visit.candidate,
                context=_candidate_context(visit, mailer),
                now=now,
                dedupe_key=f"reminder:{visit.public_id}",
            )
            queued += 1
    return queued


async def queue_change_notice(
    db: AsyncSession,
    *,
    visit: Visit,
    mailer: Mailer,
    now: datetime,
) -> bool:
    """Tell the candidate their programme changed, once per version of the visit.

    Only once they know about the visit (invited, or signed in) and before it starts.
    ``visit`` must have its candidate and agenda loaded.
    """
    informed = visit.invited_at is not None or visit.first_signed_in_at is not None
    if not informed or visit.status != VisitStatus.SCHEDULED or visit.starts_at <= now:
        return False
    await mailer.queue(
        db,
        "agenda_changed",
        to=visit.candidate,
        context=_candidate_context(visit, mailer),
        now=now,
        dedupe_key=f"change:{visit.public_id}:{visit.version}",
    )
    return True


async def report_running_late(
    db: AsyncSession,
    *,
    visit: Visit,
    minutes: int | None,
    mailer: Mailer,
    now: datetime,
) -> bool:
    """Record that the candidate runs late and tell the host (or HR) straight away.

    Every press updates what HR's pages show; the e-mail goes at most once per
    ``LATE_QUIET`` per visit, whatever the estimate and however many presses arrive at
    once. Returns whether an e-mail was queued.
    """
    # Each statement below is atomic: of forty presses at once, the last one's estimate
    # stays, and exactly one finds the mail unclaimed (on PostgreSQL the others wait for
    # its row lock and then see the new stamp; on SQLite they wait for the write lock).
    await db.execute(
        sa.update(Visit)
        .where(col(Visit.id) == visit.id)
        .values(running_late_at=now, running_late_minutes=minutes)
        .execution_options(synchronize_session=False)
    )
    claimed = await db.execute(
        sa.update(Visit)
        .where(
            col(Visit.id) == visit.id,
            sa.or_(
                col(Visit.late_notice_at).is_(None), col(Visit.late_notice_at) <= now - LATE_QUIET
            ),
        )
        .values(late_notice_at=now)
        .returning(col(Visit.id))
        .execution_options(synchronize_session=False)
    )
    if claimed.first() is None:
        return False
    context = {
        "candidate": visit.candidate.name,
        "minutes": minutes,
        "position": visit.position,
        "link": mailer.link(f"/visit/{visit.public_id}"),
    }
    for person in await hr_recipients(db, visit):
        await mailer.queue(
            db,
            "running_late",
            to=person,
            context=context,
            now=now,
        )
    return True


async def notify_changed(
    db: AsyncSession,
    visits: list[Visit],
    *,
    mailer: Mailer,
    now: datetime,
) -> int:
    """Queue a change notice for each visit (see ``queue_change_notice``); returns how many."""
    told = 0
    for visit in visits:
        told += await queue_change_notice(db, visit=visit, mailer=mailer, now=now)
    return told


# How long an agenda must stay untouched before the candidate is told it changed.
CHANGE_QUIET = timedelta(minutes=10)


def mark_changed(visit: Visit, *, now: datetime) -> None:
    """Note that the candidate should hear about a change, once HR has finished editing."""
    visit.change_notice_due_at = now + CHANGE_QUIET


async def queue_due_change_notices(factory: Any, *, mailer: Mailer, now: datetime) -> int:
    """Tell candidates about changes that have been quiet for ``CHANGE_QUIET``."""
    told = 0
    async with factory() as db, db.begin():
        due = await db.scalars(
            _visits_with_day().where(
                col(Visit.change_notice_due_at).is_not(None),
                col(Visit.change_notice_due_at) <= now,
            )
        )
        for visit in due.unique():
            # Claim it: a second worker (or a new edit meanwhile) finds no matching row.
            claimed = await db.execute(
                sa.update(Visit)
                .where(
                    col(Visit.id) == visit.id,
                    col(Visit.change_notice_due_at) == visit.change_notice_due_at,
                )
                .values(change_notice_due_at=None)
                .returning(col(Visit.id))
            )
            if claimed.first() is None:
                continue
            told += await queue_change_notice(db, visit=visit, mailer=mailer, now=now)
    return told
