"""The worker: delivers the outbox (portal.mail.delivery) and runs the periodic jobs
(portal.jobs). ``portal serve`` runs one in-process; ``portal worker`` runs one alone."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from portal.logs import log_exception
from portal.mail.delivery import deliver_due, lease_for
from portal.state import AppState

log = logging.getLogger("portal.mail")

Job = Callable[[AppState], Awaitable[object]]


class Worker:
    """Delivers the outbox: woken after a commit that queued mail, else every few seconds.

    It also runs periodic ``jobs`` ((every, job) pairs such as reminders and housekeeping);
    each job is safe to run in several workers at once.
    """

    def __init__(
        self,
        app_state: AppState,
        *,
        interval: float = 5.0,
        jobs: list[tuple[timedelta, Job]] | None = None,
        lease: timedelta | None = None,
    ) -> None:
        self.state = app_state
        self.interval = interval
        self.lease = lease  # None: lease_for the SMTP time-out in the settings
        self.wake = asyncio.Event()
        self.jobs = jobs or []
        self.last_run: dict[int, datetime] = {}

    async def run(self) -> None:
        while True:
            try:
                await self.run_once()
                await self.run_jobs()
            except Exception:
                log_exception(log, "outbox worker pass failed")
            try:
                await asyncio.wait_for(self.wake.wait(), timeout=self.interval)
            except TimeoutError:
                pass
            self.wake.clear()

    async def run_jobs(self) -> None:
        now = self.state.clock()
        for n, (every, job) in enumerate(self.jobs):
            last = self.last_run.get(n)
            if last is None or now - last >= every:
                self.last_run[n] = now
                try:
                    await job(self.state)
                except Exception:
                    log_exception(log, "periodic job %s failed", getattr(job, "__name__", n))

    async def run_once(self) -> int:
        s = self.state
        return await deliver_due(
            s.db,
            backend=s.email_backend,
            keyring=s.keyring,
            mail_from=s.settings.mail_from,
            max_attempts=s.settings.outbox_max_attempts,
            clock=s.clock,
            dialect=s.dialect,
            lease=self.lease or lease_for(s.settings.smtp_timeout_seconds),
        )
