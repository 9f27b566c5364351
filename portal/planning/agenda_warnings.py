"""What a coordinator should look at in a visit's agenda (nothing is blocked)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from portal.i18n import gettext as _
from portal.models import AgendaInterviewer, AgendaItem, AgendaKind, Visit, VisitStatus

LONG_GAP = timedelta(hours=1)


@dataclass
class Warning:
    item_id: str  # the item it is about, so the page can point at it
    message: str


async def warnings(db: AsyncSession, visit: Visit) -> list[Warning]:
    """What a coordinator should look at (nothing is blocked): overlaps, long gaps, an
    interviewer in two places at once (here or in another visit), an interview without an
    interviewer, a deactivated interviewer. One query for the other visits' bookings."""
    items = sorted(visit.agenda, key=lambda i: (i.starts_at, i.position))
    zone = ZoneInfo(visit.timezone)
    found = _sequence_warnings(items, zone) + _people_warnings(items)
    found += await _booked_elsewhere(db, visit, items, zone)
    return found


def _sequence_warnings(items: list[AgendaItem], zone: ZoneInfo) -> list[Warning]:
    found = []
    for before, after in itertools.pairwise(items):
        if after.starts_at < before.ends_at:
            message = _("“%(a)s” and “%(b)s” overlap.") % {"a": before.title, "b": after.title}
            found.append(Warning(after.public_id, message))
        elif after.starts_at - before.ends_at > LONG_GAP:
            message = _("There is a gap of more than an hour before “%(b)s” (from %(start)s).") % {
                "b": after.title,
                "start": before.ends_at.astimezone(zone).strftime("%H:%M"),
            }
            found.append(Warning(after.public_id, message))
    return found


def _people_warnings(items: list[AgendaItem]) -> list[Warning]:
    found = []
    for n, item in enumerate(items):
        if item.kind == AgendaKind.INTERVIEW and not item.interviewers:
            message = _("“%(a)s” is an interview without an interviewer.") % {"a": item.title}
            found.append(Warning(item.public_id, message))
        for person in item.interviewers:
            if not person.is_active:
                message = _("%(name)s, in “%(a)s”, has been deactivated.") % {
                    "name": person.name,
                    "a": item.title,
                }
                found.append(Warning(item.public_id, message))
        for later in items[n + 1 :]:
            if later.starts_at >= item.ends_at:
                continue
            later_ids = {p.id for p in later.interviewers}
            for person in item.interviewers:
                if person.id in later_ids:
                    message = _("%(name)s is in “%(a)s” and “%(b)s” at the same time.") % {
                        "name": person.name,
                        "a": item.title,
                        "b": later.title,
                    }
                    found.append(Warning(later.public_id, message))
    return found


async def _booked_elsewhere(
    db: AsyncSession, visit: Visit, items: list[AgendaItem], zone: ZoneInfo
) -> list[Warning]:
    """The same people in another scheduled visit's item at an overlapping time."""
    people = {p.id: p.name for i in items for p in i.interviewers}
    if not people:
        return []
    other = aliased(AgendaItem, name="other_item")
    rows = await db.execute(
        sa.select(
            col(AgendaInterviewer.user_id),
            _any(other.starts_at),
            _any(other.ends_at),
            col(Visit.position),
        )
        .join(other, _any(other.id) == col(AgendaInterviewer.agenda_item_id))
        .join(Visit, col(Visit.id) == _any(other.visit_id))
        .where(
            col(AgendaInterviewer.user_id).in_(list(people)),
            _any(other.visit_id) != visit.id,
            col(Visit.status) == VisitStatus.SCHEDULED,
            _any(other.starts_at) < items[-1].ends_at,
            _any(other.ends_at) > items[0].starts_at,
        )
    )
    found = []
    for user_id, starts, ends, position in rows.all():
        for item in items:
            booked = user_id in {p.id for p in item.interviewers}
            if booked and starts < item.ends_at and ends > item.starts_at:
                message = _(
                    "%(name)s is also booked at %(start)s in another visit (%(position)s)."
                ) % {
                    "name": people[user_id],
                    "start": starts.astimezone(zone).strftime("%H:%M"),
                    "position": position,
                }
                found.append(Warning(item.public_id, message))
    return found


def _any(attribute: object) -> Any:
    """An aliased entity's attribute in an SQL expression (typed loosely on purpose)."""
    return attribute
