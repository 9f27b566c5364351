"""Programmes to start from: a visit's agenda saved as a template, and a template or an
earlier visit's agenda copied into a visit, on that visit's date."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlmodel import col

from portal import audit
from portal.calendar import tombstones
from portal.models import AgendaItem, AgendaKind, AgendaTemplate, User, Visit, rel
from portal.planning.agenda import claim, day_of, staff_by_ids
from portal.planning.forms import parse_time, wall_clock
from portal.visits import notices


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


async def delete_template(
    db: AsyncSession, *, actor: User, template: AgendaTemplate, now: datetime
) -> None:
    await db.delete(template)
    audit.record(
        db,
        action="agenda.template_deleted",
        now=now,
        actor_id=actor.id,
        subject_type="agenda_template",
        subject_id=template.public_id,
        details={"name": template.name},
    )


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
    found = await _source(db, kind, public_id)
    if found is None:
        return None
    day_start, items, label = found
    await claim(db, visit, version, now)
    start = _start_on(visit, day_start)
    await _replace_agenda(db, visit, start, items, now=now)
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


async def _source(
    db: AsyncSession, kind: str, public_id: str
) -> tuple[str, list[dict[str, Any]], str] | None:
    """A template's or a visit's programme: its start, its items as in a template, and
    its name for the record; None when there is no such template or visit."""
    if kind == "template":
        template = await template_by_id(db, public_id)
        if template is None:
            return None
        return template.day_start, template.items, template.name
    if kind == "visit":
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
        return day_start, items, other.position
    return None


def _start_on(visit: Visit, day_start: str) -> datetime:
    zone, day = visit.timezone, day_of(visit)
    # A template's start that does not exist that day (clocks changing) falls back to 09:30.
    start = wall_clock(day, parse_time(day_start) or time(9, 30), zone) or wall_clock(
        day, time(9, 30), zone
    )
    if start is None:
        raise ValueError(f"09:30 does not exist on {day} in {zone}")
    return start


async def _replace_agenda(
    db: AsyncSession, visit: Visit, start: datetime, items: list[dict[str, Any]], *, now: datetime
) -> None:
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
