"""HR's list of visits: found by candidate, position, department, dates and status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload
from sqlmodel import col

from portal.models import User, Visit, VisitStatus, rel

PAGE_SIZE = 25


@dataclass
class VisitFilter:
    q: str = ""
    status: str = ""  # "", "scheduled", "cancelled"
    since: date | None = None
    until: date | None = None
    page: int = 1


@dataclass
class VisitPage:
    visits: list[Visit]
    page: int
    has_next: bool


async def search(db: AsyncSession, *, actor: User, filters: VisitFilter) -> VisitPage | None:
    """Visits by candidate name or e-mail, position, dates and status: one query a page.
    Only HR gets a page (others get None, and the route answers 404)."""
    if not actor.role.is_hr:
        return None
    query = (
        sa.select(Visit)
        .join(User, col(User.id) == col(Visit.candidate_id))
        .options(joinedload(rel(Visit.candidate)), joinedload(rel(Visit.location)))
    )
    if filters.q:
        like = f"%{filters.q.lower()}%"
        query = query.where(
            sa.or_(
                sa.func.lower(col(User.name)).like(like),
                col(User.email).like(like),
                sa.func.lower(col(Visit.position)).like(like),
                sa.func.lower(col(Visit.department)).like(like),
            )
        )
    if filters.status in ("scheduled", "cancelled"):
        query = query.where(col(Visit.status) == VisitStatus(filters.status))
    if filters.since:
        query = query.where(col(Visit.ends_at) >= datetime.combine(filters.since, _midnight()))
    if filters.until:
        end = datetime.combine(filters.until + timedelta(days=1), _midnight())
        query = query.where(col(Visit.starts_at) < end)
    # Coming visits soonest first; with a date range or a search, in date order too.
    query = query.order_by(col(Visit.starts_at), col(Visit.id))
    offset = (max(filters.page, 1) - 1) * PAGE_SIZE
    rows = list((await db.scalars(query.offset(offset).limit(PAGE_SIZE + 1))).unique())
    return VisitPage(rows[:PAGE_SIZE], max(filters.page, 1), len(rows) > PAGE_SIZE)


def _midnight() -> time:
    return time(0, 0, tzinfo=UTC)
