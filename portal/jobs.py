"""What the worker does besides delivering e-mail, and how often."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from portal.mail.outbox import Job
from portal.maintenance import purge_expired
from portal.preferences.sealed import seal_legacy
from portal.preferences.service import run_preference_notices
from portal.privacy.retention import Rules, run_retention
from portal.visits.notices import run_change_notices, run_reminders


async def housekeeping(state: Any) -> None:
    await purge_expired(state.db, now=state.clock(), retention_days=state.settings.retention_days)
    # Answers stored before they were encrypted (or under an earlier key): sealed now, so no
    # plain text stays in the database however long ago it was written.
    await seal_legacy(state.db, keyring=state.keyring)


async def retention(state: Any) -> None:
    await run_retention(state.db, state.clock(), rules=Rules.of(state.settings))


def default_jobs() -> list[tuple[timedelta, Job]]:
    return [
        (timedelta(minutes=1), run_reminders),
        (timedelta(minutes=1), run_change_notices),
        (timedelta(minutes=1), run_preference_notices),
        (timedelta(hours=1), housekeeping),
        # Erases candidates whose procedure ended PORTAL_RETENTION_WEEKS ago.
        (timedelta(days=1), retention),
    ]
