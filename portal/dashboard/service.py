"""HR's dashboard: the coming two weeks of visits and how ready each candidate is."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, cast
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, joinedload
from sqlmodel import col

from portal.dashboard.deliveries import Failures, failures_beside
from portal.models import (
    Attendance,
    Outcome,
    PoolConsent,
    Story,
    StoryStatus,
    User,
    Visit,
    VisitPreferences,
    VisitStatus,
    rel,
)
from portal.privacy.retention import Rules
from portal.questions import counts as questions

# Today and the fourteen days after it.
DAYS_AHEAD = 14
# A visit this many working days away with no question yet is flagged.
QUIET_WORKING_DAYS = 3
# The soonest visits shown, and the soonest erasures: the page stays light however busy
# the fortnight. A count says how many there are, and a link leads to all of them.
SHOWN_VISITS = 25
SHOWN_ERASING = 25


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
    listed, each with the candidate's erasure day), so HR can set an outcome first. The
    columns the list shows, and those that decide when the visit ended."""

    public_id: str
    candidate_id: int
    name: str  # the candidate's
    position: str
    starts_at: datetime
    timezone: str
    outcome: Outcome | None
    decided_on: date | None
    on: datetime = datetime.min  # midday of the erasure day, in the default zone


@dataclass(frozen=True)
class Dashboard:
    rows: list[Row]  # the SHOWN_VISITS soonest
    visits_total: int  # in the window
    today: date
    last_day: date
    # Midday of the window's last day, in the default zone (for "until Tuesday 15 …").
    until: datetime
    not_invited: int  # scheduled visits in the window whose candidate has no invitation yet
    overdue: int  # open questions older than the wait, across all visits
    stories_waiting: int
    wait_hours: int
    failed_emails: Failures  # e-mails that reached their last try
    erasing: list[Erasing]  # the SHOWN_ERASING soonest, or all when asked for
    erasing_total: int


async def hr_dashboard(
    db: AsyncSession,
    *,
    actor: User,
    now: datetime,
    zone: str,
    wait_hours: int,
    rules: Rules | None = None,
    all_erasing: bool = False,
) -> Dashboard | None:
    """The dashboard in three queries whatever the number of visits, questions or failed
    e-mails; None for anyone but HR.

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
    window = (col(Visit.starts_at) >= start, col(Visit.starts_at) < end)

    failed, counts = await failures_beside(
        db, _counts(window, waited_since=now - timedelta(hours=wait_hours))
    )
    rows = await _rows(db, window, now=now, today=today)
    erasing = await _erasing(db, rules=rules or Rules(zone=zone), today=today, last_day=last_day)
    return Dashboard(
        rows=rows,
        visits_total=int(counts.in_window),
        today=today,
        last_day=last_day,
        until=datetime.combine(last_day, time(12), tzinfo=tz),
        not_invited=int(counts.not_invited),
        overdue=int(counts.overdue),
        stories_waiting=int(counts.stories_waiting),
        wait_hours=wait_hours,
        failed_emails=failed,
        erasing=erasing if all_erasing else erasing[:SHOWN_ERASING],
        erasing_total=len(erasing),
    )


def _counts(window: tuple[Any, ...], *, waited_since: datetime) -> sa.Subquery:
    """The dashboard's numbers, one row: visits in the window and those not invited yet,
    questions waiting too long, stories waiting for review ("waiting" is
    portal.stories.service.count_waiting's)."""

    def count(*where: Any, of: Any = Visit) -> sa.ScalarSelect[int]:
        return sa.select(sa.func.count()).select_from(of).where(*where).scalar_subquery()

    scheduled = col(Visit.status) == VisitStatus.SCHEDULED
    return sa.select(
        count(*window).label("in_window"),
        count(*window, scheduled, col(Visit.invited_at).is_(None)).label("not_invited"),
        questions.overdue(waited_since).label("overdue"),
        count(col(Story.status) == StoryStatus.SUBMITTED, of=Story).label("stories_waiting"),
    ).subquery("counts")


async def _rows(
    db: AsyncSession, window: tuple[Any, ...], *, now: datetime, today: date
) -> list[Row]:
    """The soonest visits of the window with their readiness, question counts included.

    "Answered" means the preferences row exists. Only the candidate saving their one
    preferences form writes it (portal.preferences.service._locked_row), and that form
    asks diet and accessibility beside attendance: saving it with both empty is the
    answer "nothing to tell". (The visit page's summary calls such a row "Not answered
    yet."; there it is about the content.) Only facts are selected, never the text: it
    can reveal health or religion, and the overview has no need of it.
    """
    answered = col(VisitPreferences.visit_id).is_not(None)
    query = (
        sa.select(
            Visit,
            col(VisitPreferences.attendance),
            answered,
            questions.asked(col(Visit.id)),
            questions.waiting(col(Visit.id)),
        )
        .outerjoin(VisitPreferences, col(VisitPreferences.visit_id) == col(Visit.id))
        .options(joinedload(rel(Visit.candidate)), joinedload(rel(Visit.location)))
        .where(*window)
        .order_by(col(Visit.starts_at), col(Visit.id))
        .limit(SHOWN_VISITS)
    )
    soon = questions.working_days_ahead(today, QUIET_WORKING_DAYS)
    return [
        _row(visit, attendance, bool(has_prefs), asked, waiting, soon=soon, now=now)
        for visit, attendance, has_prefs, asked, waiting in (await db.execute(query)).all()
    ]


@lru_cache(maxsize=8)
def _erasing_query(rules: Rules, last_day: date) -> sa.Select[Any]:
    """The visits of the candidates erased by ``last_day``, with their consent's last day.

    The rule (Rules.due_by) is tested once per candidate, in a subquery, not once per
    visit. Built once a day, not on every request: due_by makes an alias, which takes
    longer than the query.
    """
    due = sa.select(col(User.id)).where(rules.due_by(last_day))
    # Another alias of users for the name: due_by's subqueries name the users of ``due``.
    candidate: Any = aliased(User, name="candidate")
    return (
        sa.select(
            col(Visit.public_id),
            col(Visit.candidate_id),
            candidate.name,
            col(Visit.position),
            col(Visit.starts_at),
            col(Visit.timezone),
            col(Visit.outcome),
            col(Visit.decided_on),
            col(PoolConsent.until),
        )
        .join(candidate, candidate.id == col(Visit.candidate_id))
        .outerjoin(PoolConsent, col(PoolConsent.user_id) == col(Visit.candidate_id))
        .where(col(Visit.candidate_id).in_(due))
        .order_by(col(Visit.candidate_id), col(Visit.starts_at))
    )


async def _erasing(db: AsyncSession, *, rules: Rules, today: date, last_day: date) -> list[Erasing]:
    """The visits of the candidates erased by ``last_day``, soonest first (other visits
    than the window's, mostly past ones, so it cannot share the other queries).

    Its cost grows with the candidates kept, not the visits shown: the rule looks at
    every candidate. The retention itself bounds them (everyone else is erased). Rows,
    not ORM objects: loading a couple of hundred visits whole would cost more than the
    query.
    """
    by_candidate: dict[int, list[Erasing]] = {}
    consent_until: dict[int, date | None] = {}
    for *columns, until in (await db.execute(_erasing_query(rules, last_day))).all():
        row = Erasing(*columns)
        by_candidate.setdefault(row.candidate_id, []).append(row)
        consent_until[row.candidate_id] = until
    found: list[Erasing] = []
    for candidate_id, rows in by_candidate.items():
        # erasure_day reads what decides a visit's end: outcome, decided_on, starts_at.
        ended = cast(list[Visit], rows)
        day = max(today, rules.erasure_day(ended, consent_until[candidate_id]))
        # Already due (day is today): the daily job erases them at its next run.
        on = rules.midnight(day) + timedelta(hours=12)
        found.extend(replace(row, on=on) for row in rows)
    return sorted(found, key=lambda e: (e.on, e.candidate_id, e.starts_at))


def _row(
    visit: Visit,
    attendance: Attendance | None,
    answered: bool,
    asked: int,
    waiting: int,
    *,
    soon: date,
    now: datetime,
) -> Row:
    scheduled = visit.status == VisitStatus.SCHEDULED
    zone = ZoneInfo(visit.timezone)
    day = visit.starts_at.astimezone(zone).date()
    told = visit.running_late_at
    return Row(
        visit=visit,
        attendance=attendance or Attendance.UNANSWERED,
        preferences_answered=answered,
        asked=asked,
        waiting=waiting,
        quiet=scheduled and asked == 0 and day <= soon,
        # "Running late" is news on the visit's day only (in the visit's own zone).
        late_today=scheduled
        and told is not None
        and now.astimezone(zone).date() == day == told.astimezone(zone).date(),
    )
