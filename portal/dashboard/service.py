"""HR's dashboard: the coming two weeks of visits and how ready each candidate is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager, joinedload
from sqlmodel import col

from portal.dashboard.deliveries import Failures, failures_and_stories_waiting
from portal.models import (
    Attendance,
    PoolConsent,
    User,
    Visit,
    VisitPreferences,
    VisitStatus,
    rel,
)
from portal.privacy.retention import Rules
from portal.questions import service as questions

# Today and the fourteen days after it.
DAYS_AHEAD = 14
# A visit this many working days away with no question yet is flagged.
QUIET_WORKING_DAYS = 3


@dataclass(frozen=True)
class Row:
    """One visit and its readiness. Preferences come as facts only (answered or not,
    attendance): diet and accessibility text never reaches the overview."""

    visit: Visit
    attendance: Attendance
    preferences_answered: bool
    asked: int
    waiting: int
    # Scheduled, no question yet, and within QUIET_WORKING_DAYS working days.
    quiet: bool
    # The candidate told us today, on the day of the visit, that they run late.
    late_today: bool

    @property
    def cancelled(self) -> bool:
        return self.visit.status == VisitStatus.CANCELLED


@dataclass(frozen=True)
class Erasing:
    """A visit whose candidate is erased within DAYS_AHEAD days (all their visits are
    listed, each with the candidate's erasure day), so HR can set an outcome first."""

    visit: Visit
    on: datetime  # midday of the erasure day, in the default zone (for the date filter)


@dataclass(frozen=True)
class Dashboard:
    rows: list[Row]
    # Midday of the window's last day, in the default zone (for "until Tuesday 15 …").
    until: datetime
    not_invited: int  # scheduled visits in the window whose candidate has no invitation yet
    overdue: int  # open questions older than the wait, across all visits
    stories_waiting: int
    wait_hours: int
    failed_emails: Failures  # e-mails that reached their last try
    erasing: list[Erasing]


async def hr_dashboard(
    db: AsyncSession,
    *,
    actor: User,
    now: datetime,
    zone: str,
    wait_hours: int,
    rules: Rules | None = None,
) -> Dashboard | None:
    """The dashboard in four queries whatever the number of visits or failed e-mails;
    None for anyone but HR.

    ``zone`` decides where "today" starts (PORTAL_DEFAULT_TIMEZONE); each visit's own
    times are shown in its own zone by the template.
    """
    if not actor.role.is_hr:
        return None
    tz = ZoneInfo(zone)
    today = now.astimezone(tz).date()
    last_day = today + timedelta(days=DAYS_AHEAD)
    start = datetime.combine(today, time(), tzinfo=tz)
    end = datetime.combine(last_day + timedelta(days=1), time(), tzinfo=tz)

    # "Answered" means the preferences row exists. Only the candidate saving their one
    # preferences form writes it (portal.preferences.service._locked_row), and that form
    # asks diet and accessibility beside attendance: saving it with both empty is the
    # answer "nothing to tell". (The visit page's summary calls such a row "Not answered
    # yet."; there it is about the content.) Only facts are selected, never the text: it
    # can reveal health or religion, and the overview has no need of it.
    answered = col(VisitPreferences.visit_id).is_not(None)
    query = (
        sa.select(Visit, col(VisitPreferences.attendance), answered)
        .outerjoin(VisitPreferences, col(VisitPreferences.visit_id) == col(Visit.id))
        .options(joinedload(rel(Visit.candidate)), joinedload(rel(Visit.location)))
        .where(col(Visit.starts_at) >= start, col(Visit.starts_at) < end)
        .order_by(col(Visit.starts_at), col(Visit.id))
    )
    found = (await db.execute(query)).all()
    counts = await questions.readiness(
        db,
        visit_ids=[visit.id for visit, _a, _p in found if visit.id is not None],
        waited_since=now - timedelta(hours=wait_hours),
    )
    failed, stories_waiting = await failures_and_stories_waiting(db)
    erasing = await _erasing(db, rules=rules or Rules(zone=zone), today=today, last_day=last_day)
    soon = questions.working_days_ahead(today, QUIET_WORKING_DAYS)
    rows = [
        _row(visit, attendance, bool(has_prefs), counts=counts, soon=soon, now=now)
        for visit, attendance, has_prefs in found
    ]
    return Dashboard(
        rows=rows,
        until=datetime.combine(last_day, time(12), tzinfo=tz),
        not_invited=sum(1 for r in rows if not r.cancelled and r.visit.invited_at is None),
        overdue=counts.overdue,
        stories_waiting=stories_waiting,
        wait_hours=wait_hours,
        failed_emails=failed,
        erasing=erasing,
    )


async def _erasing(db: AsyncSession, *, rules: Rules, today: date, last_day: date) -> list[Erasing]:
    """The fourth query: visits of the candidates erased by ``last_day`` (other visits than
    the window's, mostly past ones, so it cannot share the first query)."""
    query = (
        sa.select(Visit, col(PoolConsent.until))
        .join(User, col(User.id) == col(Visit.candidate_id))
        .outerjoin(PoolConsent, col(PoolConsent.user_id) == col(User.id))
        .options(contains_eager(rel(Visit.candidate)))
        .where(rules.due_by(last_day))
        .order_by(col(Visit.candidate_id), col(Visit.starts_at))
    )
    by_candidate: dict[int, list[Visit]] = {}
    consent_until: dict[int, date | None] = {}
    for visit, until in (await db.execute(query)).unique():
        by_candidate.setdefault(visit.candidate_id, []).append(visit)
        consent_until[visit.candidate_id] = until
    found = [
        # Already due: the daily job erases them at its next run.
        Erasing(
            visit,
            rules.midnight(max(today, rules.erasure_day(visits, consent_until[candidate])))
            + timedelta(hours=12),
        )
        for candidate, visits in by_candidate.items()
        for visit in visits
    ]
    return sorted(found, key=lambda e: (e.on, e.visit.candidate_id, e.visit.starts_at))


def _row(
    visit: Visit,
    attendance: Attendance | None,
    answered: bool,
    *,
    counts: questions.Readiness,
    soon: date,
    now: datetime,
) -> Row:
    scheduled = visit.status == VisitStatus.SCHEDULED
    zone = ZoneInfo(visit.timezone)
    day = visit.starts_at.astimezone(zone).date()
    visit_id: int = visit.id  # type: ignore[assignment]  # a loaded row always has its id
    asked = counts.asked.get(visit_id, 0)
    told = visit.running_late_at
    return Row(
        visit=visit,
        attendance=attendance or Attendance.UNANSWERED,
        preferences_answered=answered,
        asked=asked,
        waiting=counts.waiting.get(visit_id, 0),
        quiet=scheduled and asked == 0 and day <= soon,
        # "Running late" is news on the visit's day only (in the visit's own zone).
        late_today=scheduled
        and told is not None
        and now.astimezone(zone).date() == day == told.astimezone(zone).date(),
    )
