"""Agenda items a candidate could see and no longer can, kept so their calendars drop them.

A calendar app that imported the visit's file keeps an event that simply disappears from
the next download; it only removes one it is told is cancelled (RFC 5546: the same UID, a
higher SEQUENCE, STATUS:CANCELLED). So whenever an item the candidate could see is removed,
made internal, or replaced (agenda builder, copy, re-import), a tombstone keeps what the
candidate saw, and the calendar file publishes it as cancelled until the visit is over.
An item that becomes visible again loses its tombstone and is published as a normal event.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from portal.models import AgendaItem, AgendaTombstone, Visit


@dataclass(frozen=True)
class Seen:
    """An item as the candidate last saw it (taken before it is changed or deleted)."""

    public_id: str
    title: str
    starts_at: datetime
    ends_at: datetime
    sequence: int

    @classmethod
    def of(cls, item: AgendaItem) -> Seen:
        return cls(item.public_id, item.title, item.starts_at, item.ends_at, item.sequence)


def seen_by_candidate(items: Iterable[AgendaItem]) -> list[Seen]:
    """The items of ``items`` the candidate can see, as they see them now."""
    return [Seen.of(i) for i in items if i.visible_to_candidate]


async def bury(db: AsyncSession, *, visit_id: int, seen: list[Seen], now: datetime) -> None:
    """Keep a tombstone for each item the candidate saw and no longer can.

    Only the candidate-facing title and times are kept: never the internal title, room,
    description or people, so a tombstone tells no more than the candidate already knew.
    """
    if not seen:
        return
    ids = [s.public_id for s in seen]
    # An item hidden, shown and hidden again gets a fresh tombstone with its latest details.
    await db.execute(
        sa.delete(AgendaTombstone).where(
            col(AgendaTombstone.visit_id) == visit_id, col(AgendaTombstone.item_public_id).in_(ids)
        )
    )
    await db.execute(
        sa.insert(AgendaTombstone),
        [
            {
                "visit_id": visit_id,
                "item_public_id": s.public_id,
                "title": s.title,
                "starts_at": s.starts_at,
                "ends_at": s.ends_at,
                # Higher than the SEQUENCE of the event the candidate's calendar holds.
                "sequence": s.sequence + 1,
                "removed_at": now,
            }
            for s in seen
        ],
    )


async def unbury(db: AsyncSession, *, visit_id: int, items: list[AgendaItem]) -> None:
    """These items are visible to the candidate again: their events replace the cancellations."""
    if not items:
        return
    by_id = {i.public_id: i for i in items}
    rows = await db.execute(
        sa.delete(AgendaTombstone)
        .where(
            col(AgendaTombstone.visit_id) == visit_id,
            col(AgendaTombstone.item_public_id).in_(list(by_id)),
        )
        .returning(col(AgendaTombstone.item_public_id), col(AgendaTombstone.sequence))
    )
    for public_id, sequence in rows.all():
        item = by_id[public_id]
        if item.sequence <= sequence:
            # A calendar holding the cancellation takes the event back only when its
            # SEQUENCE is higher still.
            item.sequence = sequence + 1


@dataclass(frozen=True)
class Before:
    """A visit's agenda before a re-import: who the candidate was, what they saw, and
    every item's id."""

    candidate_id: int
    seen: list[Seen]
    ids: set[str]


def before_import(visits: Iterable[Visit]) -> dict[int, Before]:
    """Taken before a re-import changes the agendas (``visits`` with their agenda loaded)."""
    return {
        v.id: Before(v.candidate_id, seen_by_candidate(v.agenda), {i.public_id for i in v.agenda})
        for v in visits
        if v.id is not None
    }


async def sync_after_import(
    db: AsyncSession, visits: Iterable[Visit], before: dict[int, Before], *, now: datetime
) -> None:
    """After a re-import: bury what the candidate saw and no longer sees (an item dropped
    from the file, or made internal), unbury what they see again."""
    for visit in visits:
        earlier = before.get(visit.id) if visit.id is not None else None
        if visit.id is None or earlier is None or earlier.candidate_id != visit.candidate_id:
            # A visit handed to another candidate starts without tombstones (hand_over):
            # the new candidate's calendar never held the earlier one's events.
            continue
        visible = {i.public_id: i for i in visit.agenda if i.visible_to_candidate}
        gone = [s for s in earlier.seen if s.public_id not in visible]
        await bury(db, visit_id=visit.id, seen=gone, now=now)
        was_visible = {s.public_id for s in earlier.seen}
        # Only items that were there, hidden: a new item's public id has no tombstone.
        back = [
            item
            for public_id, item in visible.items()
            if public_id in earlier.ids and public_id not in was_visible
        ]
        await unbury(db, visit_id=visit.id, items=back)


async def to_publish(db: AsyncSession, *, visit: Visit, now: datetime) -> list[AgendaTombstone]:
    """The cancellations a calendar file carries: none once the visit is over (then no
    calendar needs telling any more, and no query is spent on them)."""
    if visit.ends_at <= now:
        return []
    rows = await db.scalars(
        sa.select(AgendaTombstone)
        .where(col(AgendaTombstone.visit_id) == visit.id)
        .order_by(col(AgendaTombstone.starts_at), col(AgendaTombstone.id))
    )
    return list(rows)
