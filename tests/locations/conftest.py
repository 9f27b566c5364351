"""People, offices and visits shared by the office tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import col

from portal.models import AgendaItem, Location, Visit, VisitStatus
from tests.factories import create_visit

# The clock fixture's "now" (2026-12-01 09:00 UTC): visits are placed around it.
SOON = datetime(2026, 12, 3, 8, 30, tzinfo=UTC)
LAST_MONTH = datetime(2026, 11, 2, 8, 30, tzinfo=UTC)


@pytest.fixture
def people(make_user: Any) -> dict[str, Any]:
    return {
        "hr": make_user(role="hr", name="Fatima El Amrani", locale="en"),
        "admin": make_user(role="admin", name="Yusuf Demir"),
        "employee": make_user(role="employee", name="Noor Bakker"),
        "candidate": make_user(name="Sam de Vries"),
    }


async def add_location(db: Any, name: str = "Kantoor Utrecht", **kw: Any) -> Location:
    location = Location(
        name=name,
        address=kw.pop("address", "Catharijnesingel 1, 3511 GA Utrecht"),
        arrival_notes=kw.pop("arrival_notes", "Meld je bij de **receptie**."),
    )
    db.add(location)
    await db.flush()
    return location


async def visit_at(
    db: Any,
    location: Location,
    candidate: Any,
    *,
    start: datetime = SOON,
    status: VisitStatus = VisitStatus.SCHEDULED,
    items: int = 2,
) -> Visit:
    """A visit at ``location`` (the factory makes an office of its own; it is replaced)."""
    visit = await create_visit(db, candidate=candidate, items=items, start=start, status=status)
    own = visit.location_id
    visit.location_id = location.id
    await db.flush()
    await db.execute(sa.delete(Location).where(col(Location.id) == own))
    return visit


async def sequences(db: Any, visit: Visit) -> list[int]:
    rows = await db.scalars(
        sa.select(col(AgendaItem.sequence))
        .where(col(AgendaItem.visit_id) == visit.id)
        .order_by(col(AgendaItem.position))
    )
    return list(rows)


async def version(db: Any, visit: Visit) -> int:
    return int(await db.scalar(sa.select(col(Visit.version)).where(col(Visit.id) == visit.id)))


def soon(days: int = 0) -> datetime:
    return SOON + timedelta(days=days)
