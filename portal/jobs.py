"""What the worker does besides delivering e-mail, and how often."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from portal.mail.outbox import Job
from portal.maintenance import purge_expired
from portal.preferences.sealed import seal_legacy
from portal.preferences.service import run_preference_notices
from portal.privacy.consent import send_renewals
from portal.privacy.retention import Rules, run_retention
from portal.visits.notices import run_change_notices, run_reminders


async def housekeeping(state: Any) -> None:
    await purge_expired(state.db, now=state.clock(), retention_days=state.settings.retention_days)
    # Answers stored before they were encrypted (or under an earlier key): sealed now, so no
    # plain text stays in the database however long ago it was written.
    await seal_legacy(state.db, keyring=state.keyring)


async def retention(state: Any) -> None:
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
