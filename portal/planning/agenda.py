"""The agenda builder: items added, changed, removed and reordered, templates, warnings.

Every change goes through ``_claim``: one conditional UPDATE that raises the visit's
version only if it is still the version the coordinator's page showed. Two people editing
the same agenda therefore cannot overwrite each other: the second is shown the agenda as
it is now. A change the candidate can see raises the item's iCalendar SEQUENCE and
schedules one change notice for when editing has stopped (``notices.mark_changed``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, selectinload
from sqlmodel import col

from portal import audit
from portal.calendar import tombstones
from portal.db import Conflict, update_if
from portal.models import (
    AgendaInterviewer,
    AgendaItem,
    AgendaKind,
    AgendaTemplate,
    Role,
    StaffProfile,
    User,
    Visit,
    VisitStatus,
    rel,
)
from portal.planning.forms import ItemForm, parse_time, wall_clock
from portal.visits import notices

SEEN = ("starts_at", "ends_at", "title", "room", "description", "kind", "visible_to_candidate")
LONG_GAP = timedelta(hours=1)


def day_of(visit: Visit) -> date:
    return visit.starts_at.astimezone(ZoneInfo(visit.timezone)).date()


async def _claim(db: AsyncSession, visit: Visit, version: int, now: datetime) -> None:
    if not await update_if(
        db, Visit, col(Visit.id) == visit.id, col(Visit.version) == version, now=now
    ):
        raise Conflict


async def staff_by_ids(db: AsyncSession, public_ids: list[str]) -> list[User]:
    if not public_ids:
        return []
    rows = await db.scalars(
        sa.select(User).where(col(User.public_id).in_(public_ids), col(User.role) != Role.CANDIDATE)
    )
    found = {u.public_id: u for u in rows}
    return [found[p] for p in public_ids if p in found]


async def search_staff(db: AsyncSession, text: str, *, limit: int = 8) -> list[User]:
    """Colleagues whose name, e-mail or job title matches (active ones only)."""
    text = text.strip().lower()
    if len(text) < 2:
        return []
    like = f"%{text}%"
    rows = await db.scalars(
        sa.select(User)
        .outerjoin(StaffProfile, col(StaffProfile.user_id) == col(User.id))
        .where(
            col(User.role) != Role.CANDIDATE,
            col(User.is_active),
            sa.or_(
                sa.func.lower(col(User.name)).like(like),
                col(User.email).like(like),
                sa.func.lower(col(StaffProfile.job_title)).like(like),
            ),
        )
        .order_by(col(User.name))
        .limit(limit)
    )
    return list(rows)


def _touch_visit_span(visit: Visit) -> None:
    """The visit covers its agenda: widen its start and end when items go outside."""
    if visit.agenda:
        visit.starts_at = min([visit.starts_at, *(i.starts_at for i in visit.agenda)])
        visit.ends_at = max([visit.ends_at, *(i.ends_at for i in visit.agenda)])


def _values(form: ItemForm) -> dict[str, Any]:
    return {
        "starts_at": form.starts_at,
        "ends_at": form.ends_at,
        "kind": AgendaKind(form.kind),
        "title": form.title,
        "internal_title": form.internal_title,
        "room": form.room,
        "description": form.description,
        "visible_to_candidate": form.visible_to_candidate,
    }


async def add_item(
    db: AsyncSession, *, actor: User, visit: Visit, form: ItemForm, now: datetime
) -> AgendaItem:
    await _claim(db, visit, form.version, now)
    people = await staff_by_ids(db, form.interviewers)
    item = AgendaItem(visit_id=visit.id or 0, position=len(visit.agenda), **_values(form))
    item.interviewers = people
    visit.agenda.append(item)
    _touch_visit_span(visit)
    if item.visible_to_candidate:
        notices.mark_changed(visit, now=now)
    await db.flush()
    audit.about(
        db,
        visit,
        actor=actor,
        action="agenda.item_added",
        now=now,
        details={"item": item.public_id, "title": item.title},
    )
    return item


async def save_item(
    db: AsyncSession, *, actor: User, visit: Visit, item: AgendaItem, form: ItemForm, now: datetime
) -> None:
    await _claim(db, visit, form.version, now)
    values = _values(form)
    people = await staff_by_ids(db, form.interviewers)
    # As the candidate saw it, before this change: what a tombstone keeps if it is hidden.
    was_seen = tombstones.seen_by_candidate([item])
    changed = [k for k, v in values.items() if getattr(item, k) != v]
    people_changed = {p.id for p in item.interviewers} != {p.id for p in people}
    seen_change = bool(set(changed) & set(SEEN)) or (people_changed and item.visible_to_candidate)
    for key in changed:
        setattr(item, key, values[key])
    if people_changed:
        item.interviewers = people
    if seen_change:
        # What a candidate's calendar shows changed: raise SEQUENCE so it updates.
        item.sequence += 1
        if item.visible_to_candidate or "visible_to_candidate" in changed:
            notices.mark_changed(visit, now=now)
    if "visible_to_candidate" in changed:
        # Made internal: the candidate's calendar must drop it. Shown again: a normal event.
        if item.visible_to_candidate:
            await tombstones.unbury(db, visit_id=visit.id or 0, items=[item])
        else:
            await tombstones.bury(db, visit_id=visit.id or 0, seen=was_seen, now=now)
    _touch_visit_span(visit)
    audit.about(
        db,
        visit,
        actor=actor,
        action="agenda.item_changed",
        now=now,
        details={
            "item": item.public_id,
            "fields": changed + (["interviewers"] if people_changed else []),
        },
    )


async def remove_item(
    db: AsyncSession, *, actor: User, visit: Visit, item: AgendaItem, version: int, now: datetime
) -> None:
    await _claim(db, visit, version, now)
    seen = tombstones.seen_by_candidate([item])
    visit.agenda.remove(item)
    await db.delete(item)
    # Gone from the file alone, it would stay in the candidate's calendar app.
    await tombstones.bury(db, visit_id=visit.id or 0, seen=seen, now=now)
    if item.visible_to_candidate:
        notices.mark_changed(visit, now=now)
    audit.about(
        db,
        visit,
        actor=actor,
        action="agenda.item_removed",
        now=now,
        details={"item": item.public_id, "title": item.title},
    )


async def move_item(
    db: AsyncSession,
    *,
    actor: User,
    visit: Visit,
    item: AgendaItem,
    direction: str,
    version: int,
    now: datetime,
) -> bool:
    """Swap an item with its neighbour: the pair keeps its start, each item its length.

    The programme is ordered by time, so moving an item means giving it the earlier slot.
    Returns False when there is no neighbour on that side.
    """
    items = sorted(visit.agenda, key=lambda i: (i.starts_at, i.position))
    index = items.index(item)
    other_index = index - 1 if direction == "up" else index + 1
    if not 0 <= other_index < len(items):
        return False
    await _claim(db, visit, version, now)
    first, second = sorted([item, items[other_index]], key=lambda i: (i.starts_at, i.position))
    gap = second.starts_at - first.ends_at
    start = first.starts_at
    second_length, first_length = second.ends_at - second.starts_at, first.ends_at - first.starts_at
    second.starts_at, second.ends_at = start, start + second_length
    first.starts_at = second.ends_at + max(gap, timedelta(0))
    first.ends_at = first.starts_at + first_length
    first.position, second.position = second.position, first.position
    for moved in (first, second):
        moved.sequence += 1
    if first.visible_to_candidate or second.visible_to_candidate:
        notices.mark_changed(visit, now=now)
    _touch_visit_span(visit)
    audit.about(
        db,
        visit,
        actor=actor,
        action="agenda.item_moved",
        now=now,
        details={"item": item.public_id, "direction": direction},
    )
    return True


# ---- templates and copies --------------------------------------------------------------


def _minutes(value: datetime, start: datetime) -> int:
    return int((value - start).total_seconds() // 60)


def as_template_items(visit: Visit) -> tuple[str, list[dict[str, Any]]]:
    """A visit's agenda as a template: the first item's wall-clock start and offsets."""
    items = sorted(visit.agenda, key=lambda i: (i.starts_at, i.position))
    if not items:
        return "09:30", []
    zone = ZoneInfo(visit.timezone)
    first = items[0].starts_at
    return first.astimezone(zone).strftime("%H:%M"), [
        {
            "start": _minutes(i.starts_at, first),
            "end": _minutes(i.ends_at, first),
            "kind": str(i.kind),
            "title": i.title,
            "internal_title": i.internal_title,
            "room": i.room,
            "description": i.description,
            "visible_to_candidate": i.visible_to_candidate,
            "interviewers": [p.public_id for p in i.interviewers],
        }
        for i in items
    ]


async def save_template(
    db: AsyncSession, *, actor: User, visit: Visit, name: str, department: str, now: datetime
) -> AgendaTemplate:
    day_start, items = as_template_items(visit)
    template = AgendaTemplate(
        name=name,
        department=department,
        day_start=day_start,
        items=items,
        created_by_id=actor.id,
        created_at=now,
        updated_at=now,
    )
    db.add(template)
    await db.flush()
    audit.about(
        db,
        visit,
        actor=actor,
        action="agenda.template_saved",
        now=now,
        details={"template": template.public_id, "name": name},
    )
    return template


async def templates(db: AsyncSession) -> list[AgendaTemplate]:
    rows = await db.scalars(
        sa.select(AgendaTemplate).order_by(col(AgendaTemplate.department), col(AgendaTemplate.name))
    )
    return list(rows)


async def template_by_id(db: AsyncSession, public_id: str) -> AgendaTemplate | None:
    found: AgendaTemplate | None = await db.scalar(
        sa.select(AgendaTemplate).where(col(AgendaTemplate.public_id) == public_id)
    )
    return found


async def earlier_visits(db: AsyncSession, visit: Visit, *, limit: int = 30) -> list[Visit]:
    """Visits with an agenda to copy from: the same department's first, newest first."""
    has_items = sa.exists().where(col(AgendaItem.visit_id) == col(Visit.id))
    same = sa.case((col(Visit.department) == visit.department, 0), else_=1)
    rows = await db.scalars(
        sa.select(Visit)
        .where(col(Visit.id) != visit.id, has_items)
        .order_by(same, col(Visit.starts_at).desc())
        .limit(limit)
    )
    return list(rows)


async def copy_into(
    db: AsyncSession,
    *,
    actor: User,
    visit: Visit,
    source: str,
    version: int,
    now: datetime,
) -> int | None:
    """Replace the agenda with a copy of a template or of another visit's agenda, on this
    visit's date. ``source`` is "template:<id>" or "visit:<id>". Returns the number of
    items, or None when the source does not exist."""
    kind, _sep, public_id = source.partition(":")
    if kind == "template":
        template = await template_by_id(db, public_id)
        if template is None:
            return None
        day_start, items = template.day_start, template.items
        label = template.name
    elif kind == "visit":
        other = (
            (
                await db.scalars(
                    sa.select(Visit)
                    .where(col(Visit.public_id) == public_id)
                    .options(
                        selectinload(rel(Visit.agenda)).selectinload(rel(AgendaItem.interviewers))
                    )
                )
            )
            .unique()
            .first()
        )
        if other is None:
            return None
        day_start, items = as_template_items(other)
        label = other.position
    else:
        return None
    await _claim(db, visit, version, now)
    zone, day = visit.timezone, day_of(visit)
    # A template's start that does not exist that day (clocks changing) falls back to 09:30.
    start = wall_clock(day, parse_time(day_start) or time(9, 30), zone) or wall_clock(
        day, time(9, 30), zone
    )
    if start is None:
        raise ValueError(f"09:30 does not exist on {day} in {zone}")
    people = await staff_by_ids(db, sorted({p for i in items for p in i.get("interviewers", [])}))
    by_id = {p.public_id: p for p in people if p.is_active}
    seen = tombstones.seen_by_candidate(visit.agenda)
    for old in list(visit.agenda):
        visit.agenda.remove(old)
        await db.delete(old)
    await db.flush()
    # The replaced items leave the candidate's calendar as cancelled events.
    await tombstones.bury(db, visit_id=visit.id or 0, seen=seen, now=now)
    for n, spec in enumerate(items):
        item = AgendaItem(
            visit_id=visit.id or 0,
            position=n,
            starts_at=start + timedelta(minutes=int(spec["start"])),
            ends_at=start + timedelta(minutes=int(spec["end"])),
            kind=AgendaKind(spec.get("kind", "other")),
            title=spec.get("title", "")[:200] or "—",
            internal_title=spec.get("internal_title", "")[:200],
            room=spec.get("room", "")[:200],
            description=spec.get("description", ""),
            visible_to_candidate=bool(spec.get("visible_to_candidate", True)),
        )
        item.interviewers = [by_id[p] for p in spec.get("interviewers", []) if p in by_id]
        visit.agenda.append(item)
    if items:
        first = min(i.starts_at for i in visit.agenda)
        last = max(i.ends_at for i in visit.agenda)
        visit.starts_at, visit.ends_at = first, last
    notices.mark_changed(visit, now=now)
    audit.about(
        db,
        visit,
        actor=actor,
        action="agenda.copied",
        now=now,
        details={"source": kind, "name": label, "items": len(items)},
    )
    return len(items)


# ---- warnings ---------------------------------------------------------------------------


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
    from portal.i18n import gettext as _

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
    from portal.i18n import gettext as _

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
    from portal.i18n import gettext as _

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
