"""Visits as each actor may see them. Every query is scoped here, never in a handler."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.sql import Select
from sqlmodel import col

from portal.models import (
    AgendaInterviewer,
    AgendaItem,
    Role,
    StaffProfile,
    User,
    Visit,
    VisitStatus,
    rel,
)


@dataclass
class ItemView:
    item: AgendaItem
    # The people a reader may see: for candidates, only staff visible to candidates.
    people: list[User]


@dataclass
class PersonView:
    """Someone the reader will meet, with the parts of the day they take part in."""

    user: User
    items: list[AgendaItem]


@dataclass
class VisitView:
    visit: Visit
    items: list[ItemView]

    @property
    def cancelled(self) -> bool:
        return self.visit.status == VisitStatus.CANCELLED

    @property
    def people(self) -> list[PersonView]:
        """Everyone on the day, once each, in order of first appearance."""
        seen: dict[int, PersonView] = {}
        for entry in self.items:
            for person in entry.people:
                if person.id is not None:
                    seen.setdefault(person.id, PersonView(person, [])).items.append(entry.item)
        return list(seen.values())

    def is_today(self, now: datetime) -> bool:
        zone = ZoneInfo(self.visit.timezone)
        return not self.cancelled and (
            self.visit.starts_at.astimezone(zone).date() == now.astimezone(zone).date()
        )

    def current(self, now: datetime) -> ItemView | None:
        return next((e for e in self.items if e.item.starts_at <= now < e.item.ends_at), None)

    def upcoming(self, now: datetime) -> ItemView | None:
        return next((e for e in self.items if e.item.starts_at > now), None)


def visits_visible_to(actor: User) -> Select[Visit]:
    """The visits ``actor`` may open: a candidate their own, HR all, others none (yet)."""
    query = sa.select(Visit)
    if actor.role is Role.CANDIDATE:
        return query.where(col(Visit.candidate_id) == actor.id)
    if actor.role.is_hr:
        return query
    return query.where(sa.false())


def _with_day(query: Select[Visit], actor: User) -> Select[Visit]:
    """Load a visit's whole day in three round trips, whatever its size.

    The candidate's own answers come along in the first (they are theirs, and HR's).
    """
    agenda = rel(Visit.agenda)
    if actor.role is Role.CANDIDATE:
        # Internal items (a debrief, an HR sync) are never even loaded for a candidate.
        agenda = agenda.and_(col(AgendaItem.visible_to_candidate).is_(True))
    return query.options(
        joinedload(rel(Visit.location)),
        joinedload(rel(Visit.candidate)),
        joinedload(rel(Visit.preferences)),
        joinedload(rel(Visit.host)).joinedload(rel(User.profile)),
        selectinload(agenda)
        .selectinload(rel(AgendaItem.interviewers))
        .joinedload(rel(User.profile))
        .joinedload(rel(StaffProfile.photo)),
    )


def _view(visit: Visit, actor: User) -> VisitView:
    candidate = actor.role is Role.CANDIDATE
    items = [
        ItemView(
            item,
            [
                p
                for p in item.interviewers
                if not candidate or (p.is_active and p.profile and p.profile.visible_to_candidates)
            ],
        )
        for item in visit.agenda
    ]
    return VisitView(visit, items)


async def get_visit(db: AsyncSession, *, actor: User, public_id: str) -> VisitView | None:
    """One visit with its day, or None when it does not exist *for this actor*."""
    query = _with_day(visits_visible_to(actor), actor).where(col(Visit.public_id) == public_id)
    visit = (await db.scalars(query)).unique().first()
    return _view(visit, actor) if visit else None


async def candidate_visits(db: AsyncSession, *, actor: User, now: datetime) -> list[VisitView]:
    """A candidate's visits: upcoming ones first (soonest first), then past ones, newest first."""
    visits = list((await db.scalars(_with_day(visits_visible_to(actor), actor))).unique())
    upcoming = sorted((v for v in visits if v.ends_at >= now), key=lambda v: v.starts_at)
    past = sorted((v for v in visits if v.ends_at < now), key=lambda v: v.starts_at, reverse=True)
    return [_view(v, actor) for v in upcoming + past]


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


async def candidate_visit_for_update(
    db: AsyncSession, *, actor: User, public_id: str
) -> Visit | None:
    """The candidate's own visit, with what e-mail about it needs (host, HR fallback)."""
    if actor.role is not Role.CANDIDATE:
        return None
    query = (
        visits_visible_to(actor)
        .options(
            joinedload(rel(Visit.candidate)),
            joinedload(rel(Visit.host)).joinedload(rel(User.profile)),
        )
        .where(col(Visit.public_id) == public_id)
    )
    visit: Visit | None = (await db.scalars(query)).unique().first()
    return visit
