"""When a candidate's data is erased, and the job that erases it.

A visit has ended on the day its outcome was decided (``Visit.decided_on``); a visit with
no outcome counts as ended PORTAL_RETENTION_UNDECIDED_WEEKS after its date. A candidate is
due for erasure once all their visits have ended and PORTAL_RETENTION_WEEKS have passed
since the last of those ends (the Dutch DPA and the NVP Sollicitatiecode: four weeks after
the procedure). A candidate account without visits counts from the day it was made. A
candidate who agreed to be kept for future vacancies (``portal.privacy.consent``) is kept
until their consent's last day has passed, whichever comes later.

Days are counted in PORTAL_DEFAULT_TIMEZONE, the zone of HR's "today".
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from portal import audit
from portal.db import lock_row, transaction
from portal.models import PoolConsent, Role, User, Visit
from portal.privacy.erasure import NotACandidate, erase_candidate

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rules:
    """The retention settings (PORTAL_RETENTION_WEEKS, _UNDECIDED_WEEKS, DEFAULT_TIMEZONE)."""

    weeks: int = 4
    undecided_weeks: int = 26
    zone: str = "Europe/Amsterdam"

    @classmethod
    def of(cls, settings: Any) -> Rules:
        return cls(
            weeks=settings.retention_weeks,
            undecided_weeks=settings.retention_undecided_weeks,
            zone=settings.default_timezone,
        )

    def today(self, now: datetime) -> date:
        return now.astimezone(ZoneInfo(self.zone)).date()

    def midnight(self, day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=ZoneInfo(self.zone))

    def visit_end(self, visit: Visit) -> date:
        """The day this visit's procedure ended, or will count as ended."""
        if visit.outcome is not None and visit.decided_on is not None:
            return visit.decided_on
        day = visit.starts_at.astimezone(ZoneInfo(self.zone)).date()
        return day + timedelta(weeks=self.undecided_weeks)

    def erasure_day(self, visits: Iterable[Visit], consent_until: date | None = None) -> date:
        """The day a candidate with these (all their) visits is erased; with a consent to be
        kept, not before the day after its last day."""
        day = max(self.visit_end(v) for v in visits) + timedelta(weeks=self.weeks)
        return day if consent_until is None else max(day, consent_until + timedelta(days=1))

    def due_by(self, day: date) -> sa.ColumnElement[bool]:
        """Candidates (rows of ``users``) erased on or before ``day``: the SQL form of
        ``erasure_day``, so the job and the dashboard agree."""
        ended_by = day - timedelta(weeks=self.weeks)
        undecided_before = self.midnight(
            ended_by - timedelta(weeks=self.undecided_weeks) + timedelta(days=1)
        )
        # Its own alias: the caller may select from visits too (the dashboard does).
        v: Any = aliased(Visit)  # typed Any: sqlmodel's col() does not take an alias
        visit_ended = sa.or_(
            sa.and_(v.outcome.is_not(None), v.decided_on <= ended_by),
            sa.and_(v.outcome.is_(None), v.starts_at < undecided_before),
        )
        theirs = v.candidate_id == col(User.id)
        still_open = sa.exists().where(theirs, sa.not_(visit_ended)).correlate(User)
        has_visits = sa.exists().where(theirs).correlate(User)
        # Consent for longer: kept up to and including the consent's last day.
        consents = sa.exists().where(
            col(PoolConsent.user_id) == col(User.id), col(PoolConsent.until) >= day
        )
        return sa.and_(
            col(User.role) == Role.CANDIDATE,
            sa.not_(still_open),
            sa.not_(consents.correlate(User)),
            sa.or_(has_visits, col(User.created_at) < self.midnight(ended_by + timedelta(days=1))),
        )


async def due_candidates(
    db: AsyncSession, now: datetime, *, rules: Rules | None = None, among: list[int] | None = None
) -> list[int]:
    """The ids of the candidates due for erasure now (optionally only ``among`` these)."""
    rules = rules or Rules()
    query = sa.select(col(User.id)).where(rules.due_by(rules.today(now))).order_by(col(User.id))
    if among is not None:
        query = query.where(col(User.id).in_(among))
    return list(await db.scalars(query))


async def run_retention(
    factory: Any, now: datetime, dry_run: bool = False, *, rules: Rules | None = None
) -> Counter[str]:
    """Erase every candidate who is due; the counts per kind (never names).

    Each candidate goes in their own transaction, checked again under its lock: a
    candidate HR gave a new visit meanwhile is kept, and a run racing another erasure
    finds nothing left. A dry run does the same work and rolls every transaction back.
    A real run writes one audit event with the counts.
    """
    rules = rules or Rules()
    async with transaction(factory) as db:
        due = await due_candidates(db, now, rules=rules)
    totals: Counter[str] = Counter()
    for user_id in due:
        async with factory() as db, db.begin() as tx:
            await lock_row(db, User, user_id)
            if not await due_candidates(db, now, rules=rules, among=[user_id]):
                continue  # changed meanwhile: a new visit, an outcome moved
            try:
                totals += await erase_candidate(
                    db, user_id=user_id, now=now, reason="retention", record=False
                )
            except NotACandidate:
                log.warning("retention: user %s holds staff data; not erased", user_id)
                totals["refused"] += 1
            if dry_run:
                await tx.rollback()
    if not dry_run:
        async with transaction(factory) as db:
            audit.record(db, action="privacy.retention_run", now=now, details=dict(totals))
    log.info("retention%s: %s", " (dry run)" if dry_run else "", dict(totals))
    return totals
