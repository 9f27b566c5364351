"""What the worker does besides delivering e-mail, and how often."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from portal.mail.outbox import Job
from portal.maintenance import purge_expired
from portal.preferences.service import run_preference_notices
from portal.visits.notices import run_change_notices, run_reminders


async def housekeeping(state: Any) -> None:
    await purge_expired(state.db, now=state.clock(), retention_days=state.settings.retention_days)


def default_jobs() -> list[tuple[timedelta, Job]]:
    return [
        (timedelta(minutes=1), run_reminders),
        (timedelta(minutes=1), run_change_notices),
        (timedelta(minutes=1), run_preference_notices),
        (timedelta(hours=1), housekeeping),
    ]
