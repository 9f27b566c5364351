"""Offices: kept once and picked for each visit, so one change reaches every visit there.

A visit's page, its e-mails and its calendar file all read the office from this table, so
changing it here is enough for what is shown. Calendar apps are different: they keep their
own copy of each event and only take a new one whose SEQUENCE is higher, so a change of
name or address raises the SEQUENCE of every upcoming event at the office.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from portal import audit
from portal.db import Conflict as RowConflict
from portal.models import AgendaItem, Location, User, Visit, VisitStatus

# What the calendar file shows of an office (LOCATION); the arrival notes are only on the
# visit page, so changing them needs no new SEQUENCE.
IN_CALENDAR = ("name", "address")
FIELDS = ("name", "address", "arrival_notes")


class NameTaken(Exception):
    """Another office has this name already (offices are matched on it by the import)."""


class Conflict(RowConflict):
    """The office changed after the form was shown; ``location`` holds it as it is now, so
    the editor can show it beside what the person typed."""

    def __init__(self, location: Location) -> None:
        super().__init__("the office changed meanwhile")
        self.location = location


@dataclass(frozen=True)
class LocationView:
    location: Location
    # Scheduled visits at the office that have not ended yet.
    upcoming: int


@dataclass(frozen=True)
class Saved:
    changed: bool
    # The upcoming visits that show the new details.
    upcoming: int
    # Name or address changed: their calendar events were given a new SEQUENCE.
    calendars: bool


def fingerprint(location: Location) -> str:
    """A digest of the office as the form showed it.

    Locations carry no version column; comparing this digest on save tells whether someone
    else changed the office in between, without a migration.
    """
    values = json.dumps([getattr(location, key) for key in FIELDS], ensure_ascii=False)
    return hashlib.sha256(values.encode()).hexdigest()


def _upcoming_at(location_ids: Any, now: datetime) -> Any:
    """The visits at these offices that have not ended and are not cancelled."""
    return sa.and_(
        col(Visit.location_id).in_(location_ids),
        col(Visit.status) == VisitStatus.SCHEDULED,
        col(Visit.ends_at) > now,
    )


def _with_upcoming(now: datetime) -> Any:
    """Offices with their number of upcoming visits, in one query however many there are."""
    upcoming = sa.func.count(col(Visit.id))
    return (
        sa.select(Location, upcoming)
        .outerjoin(
            Visit,
            sa.and_(
                col(Visit.location_id) == col(Location.id),
                col(Visit.status) == VisitStatus.SCHEDULED,
                col(Visit.ends_at) > now,
            ),
        )
        .group_by(col(Location.id))
    )


async def list_locations(db: AsyncSession, *, now: datetime) -> list[LocationView]:
    """Every office, by name, with its number of upcoming visits."""
    query = _with_upcoming(now).order_by(sa.func.lower(col(Location.name)), col(Location.name))
    return [LocationView(loc, count) for loc, count in (await db.execute(query)).all()]


async def all_locations(db: AsyncSession) -> list[Location]:
    """Every office by name: the choices when a visit's office is picked."""
    query = sa.select(Location).order_by(sa.func.lower(col(Location.name)), col(Location.name))
    return list(await db.scalars(query))


async def get_location(db: AsyncSession, *, public_id: str, now: datetime) -> LocationView | None:
    query = _with_upcoming(now).where(col(Location.public_id) == public_id)
    row = (await db.execute(query)).first()
    return LocationView(row[0], row[1]) if row else None


async def _check_name(db: AsyncSession, name: str, *, other_than: int | None = None) -> None:
    # Case does not make two offices: "kantoor utrecht" is the same place to a person, and
    # the import matches offices on their name whatever its case.
    query = sa.select(col(Location.id)).where(
        sa.or_(
            sa.func.lower(col(Location.name)) == name.lower(),
            col(Location.name) == name,
        )
    )
    if other_than is not None:
        query = query.where(col(Location.id) != other_than)
    if (await db.execute(query.limit(1))).first() is not None:
        raise NameTaken


async def create_location(
    db: AsyncSession, *, actor: User, values: dict[str, str], now: datetime
) -> Location:
    """A new office; raises NameTaken when the name is in use."""
    await _check_name(db, values["name"])
    location = Location(
        name=values["name"], address=values["address"], arrival_notes=values["arrival_notes"]
    )
    try:
        # A savepoint: a name taken by a simultaneous request leaves this transaction usable.
        async with db.begin_nested():
            db.add(location)
            await db.flush()
    except IntegrityError as exc:
        raise NameTaken from exc
    audit.record(
        db,
        action="location.created",
        now=now,
        actor_id=actor.id,
        subject_type="location",
        subject_id=location.public_id,
    )
    return location


async def save_location(
    db: AsyncSession,
    *,
    actor: User,
    location: Location,
    values: dict[str, str],
    seen: str,
    now: datetime,
) -> Saved:
    """Change an office as the person saw it (``seen``: its fingerprint then).

    Raises Conflict when it changed in between and NameTaken when the new name is in use.
    """
    if seen != fingerprint(location):
        raise Conflict(location)
    changed = [key for key in FIELDS if values[key] != getattr(location, key)]
    if not changed:
        upcoming = await count_upcoming(db, location_ids=[location.id], now=now)
        return Saved(changed=False, upcoming=upcoming, calendars=False)
    if "name" in changed:
        await _check_name(db, values["name"], other_than=location.id)
    # One conditional UPDATE on the values the fingerprint was made of: of two people
    # saving at once, one wins and the other is told (nothing is silently overwritten).
    try:
        async with db.begin_nested():
            won = await db.execute(
                sa.update(Location)
                .where(
                    col(Location.id) == location.id,
                    *(getattr(Location, key) == getattr(location, key) for key in FIELDS),
                )
                .values(**values)
                .returning(col(Location.id))
            )
            if won.first() is None:
                raise _Lost
    except IntegrityError as exc:
        raise NameTaken from exc
    except _Lost:
        await db.refresh(location)
        raise Conflict(location) from None
    await db.refresh(location)
    calendars = any(key in changed for key in IN_CALENDAR)
    if calendars:
        upcoming = await bump_upcoming(db, location_ids=[location.id], now=now)
    else:
        upcoming = await count_upcoming(db, location_ids=[location.id], now=now)
    audit.record(
        db,
        action="location.updated",
        now=now,
        actor_id=actor.id,
        subject_type="location",
        subject_id=location.public_id,
        # Which fields, not their text: the notes can be long (and the log is not a backup).
        details={"fields": changed, "upcoming_visits": upcoming, "calendars": calendars},
    )
    return Saved(changed=True, upcoming=upcoming, calendars=calendars)


class _Lost(Exception):
    pass


async def count_upcoming(
    db: AsyncSession, *, location_ids: Iterable[int | None], now: datetime
) -> int:
    query = sa.select(sa.func.count()).select_from(Visit)
    return int(await db.scalar(query.where(_upcoming_at(list(location_ids), now))) or 0)


async def bump_upcoming(
    db: AsyncSession, *, location_ids: Iterable[int | None], now: datetime
) -> int:
    """Tell calendars that the place of every upcoming visit at these offices changed.

    Every agenda item of those visits gets SEQUENCE + 1 (one UPDATE, however many visits),
    and each visit a new version (the whole-day event of a visit without an agenda uses
    it as its SEQUENCE). Returns how many visits that was. Rows already loaded in the
    session are not refreshed: call this before loading the visits it touches.
    """
    ids = [i for i in location_ids if i is not None]
    if not ids:
        return 0
    upcoming = sa.select(col(Visit.id)).where(_upcoming_at(ids, now))
    await db.execute(
        sa.update(AgendaItem)
        .where(col(AgendaItem.visit_id).in_(upcoming))
        .values(sequence=col(AgendaItem.sequence) + 1)
        .execution_options(synchronize_session=False)
    )
    bumped = await db.execute(
        sa.update(Visit)
        .where(_upcoming_at(ids, now))
        .values(version=col(Visit.version) + 1, updated_at=now)
        .returning(col(Visit.id))
        .execution_options(synchronize_session=False)
    )
    return len(bumped.all())
