"""An employee's start page. Its route is portal.visits' ``/``, the candidate's home too,
which hands a member of staff to ``start_page``."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload
from sqlmodel import col
from starlette.requests import Request
from starlette.responses import Response

from portal.models import AgendaInterviewer, AgendaItem, User, Visit, rel
from portal.web import now, render


async def upcoming_for_staff(db: AsyncSession, *, actor: User, now: datetime) -> list[Visit]:
    """HR: every coming visit. An employee: the coming visits they take part in."""
    query = (
        sa.select(Visit)
        .options(joinedload(rel(Visit.candidate)), joinedload(rel(Visit.location)))
        .where(col(Visit.ends_at) >= now)
        .order_by(col(Visit.starts_at))
        .limit(100)
    )
    if not actor.role.is_hr:
        mine = (
            sa.select(col(AgendaItem.visit_id))
            .join(AgendaInterviewer, col(AgendaInterviewer.agenda_item_id) == AgendaItem.id)
            .where(col(AgendaInterviewer.user_id) == actor.id)
        )
        query = query.where(col(Visit.id).in_(mine))
    return list((await db.scalars(query)).unique())


async def start_page(request: Request, db: AsyncSession, user: User) -> Response:
    """An employee's start page: the coming visits they take part in (HR have /hr)."""
    visits = await upcoming_for_staff(db, actor=user, now=now(request))
    return render(request, "staff/home.html", {"visits": visits})
