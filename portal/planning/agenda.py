"""The agenda builder: items added, changed, removed and reordered, and the colleagues
who can be booked for them.

Every change goes through ``claim``: one conditional UPDATE that raises the visit's
version only if it is still the version the coordinator's page showed. Two people editing
the same agenda therefore cannot overwrite each other: the second is shown the agenda as
it is now. A change the candidate can see raises the item's iCalendar SEQUENCE and
schedules one change notice for when editing has stopped (``notices.mark_changed``).
Copies and templates are in ``agenda_templates``, what a coordinator should check in
``agenda_warnings``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from portal import audit
from portal.calendar import tombstones
from portal.db import Conflict, update_if
from portal.models import AgendaItem, AgendaKind, Role, StaffProfile, User, Visit
from portal.planning.forms import ItemForm
from portal.visits import notices

SEEN = ("starts_at", "ends_at", "title", "room", "description", "kind", "visible_to_candidate")


def day_of(visit: Visit) -> date:
    return visit.starts_at.astimezone(ZoneInfo(visit.timezone)).date()


async def claim(db: AsyncSession, visit: Visit, version: int, now: datetime) -> None:
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
    await claim(db, visit, form.version, now)
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
    await claim(db, visit, form.version, now)
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
    await claim(db, visit, version, now)
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
    await claim(db, visit, version, now)
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
