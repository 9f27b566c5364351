"""What the worker does besides delivering e-mail, and how often.

Each job gets the app's state (portal.state.AppState) and is safe to run in several
workers at once: the e-mail jobs claim rows and carry dedupe keys.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from portal.mail.mailer import Mailer
from portal.maintenance import purge_expired
from portal.preferences.sealed import seal_legacy
from portal.preferences.service import queue_due_preference_notices
from portal.privacy.consent import send_renewals
from portal.privacy.retention import Rules, run_retention
from portal.state import AppState
from portal.visits.notices import queue_due_change_notices, queue_due_reminders
from portal.worker import Job

log = logging.getLogger("portal.notices")


class QueueDue(Protocol):
    async def __call__(
        self, factory: async_sessionmaker[AsyncSession], *, mailer: Mailer, now: datetime
    ) -> int: ...


async def worker_pass(state: AppState, queue_due: QueueDue, what: str) -> int:
    """One pass of a ``queue_due_…`` job; a race lost to another worker (its dedupe key)
    is not an error."""
    try:
        return await queue_due(state.db, mailer=state.mailer, now=state.clock())
    except IntegrityError:
        log.info("%s already queued by another worker", what)
        return 0


async def run_reminders(state: AppState) -> int:
    return await worker_pass(state, queue_due_reminders, "reminder")


async def run_change_notices(state: AppState) -> int:
    return await worker_pass(state, queue_due_change_notices, "change notice")


async def run_preference_notices(state: AppState) -> int:
    return await worker_pass(state, queue_due_preference_notices, "preferences notice")


async def housekeeping(state: AppState) -> None:
    await purge_expired(state.db, now=state.clock(), retention_days=state.settings.retention_days)
    # Answers stored before they were encrypted (or under an earlier key): sealed now, so no
    # plain text stays in the database however long ago it was written.
    await seal_legacy(state.db, keyring=state.keyring)


async def retention(state: AppState) -> None:
    now = state.clock()
    # First ask whose consent to be kept runs out soon; then erase whoever is due.
    await send_renewals(state.db, mailer=state.mailer, now=now)
    await run_retention(state.db, now, rules=Rules.of(state.settings))


def default_jobs() -> list[tuple[timedelta, Job]]:
    return [
        (timedelta(minutes=1), run_reminders),
        (timedelta(minutes=1), run_change_notices),
        (timedelta(minutes=1), run_preference_notices),
        (timedelta(hours=1), housekeeping),
        # Erases candidates whose procedure ended PORTAL_RETENTION_WEEKS ago (or whose
        # consent to be kept ran out), after one renewal e-mail to those who consented.
        (timedelta(days=1), retention),
    ]
