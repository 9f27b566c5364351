"""Rows for tests, written straight through the ORM."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from portal.models import AgendaItem, AgendaKind, Location, Role, StaffProfile, User, Visit

_seq = itertools.count(1)


async def create_user(
    db: AsyncSession,
    *,
    role: str = "candidate",
    email: str | None = None,
    name: str | None = None,
    locale: str | None = None,
    is_active: bool = True,
    job_title: str = "Engineer",
    visible: bool = True,
) -> User:
    n = next(_seq)
    user = User(
        email=email or f"person{n}@example.org",
        name=name or f"Person {n} Jansen",
        role=Role(role),
        locale=locale,
        is_active=is_active,
    )
    if user.role.is_staff:
        user.profile = StaffProfile(
            job_title=job_title, department="Engineering", visible_to_candidates=visible
        )
    db.add(user)
    await db.flush()
    return user


async def create_visit(
    db: AsyncSession,
    *,
    candidate: User,
    items: int = 3,
    interviewers: list[User] | None = None,
    start: datetime | None = None,
    hidden_items: int = 0,
    **fields: Any,
) -> Visit:
    start = start or datetime(2026, 12, 3, 8, 30, tzinfo=UTC)
    location = Location(name=f"Kantoor {next(_seq)}", address="Catharijnesingel 1, 3511 GA Utrecht")
    visit = Visit(
        candidate_id=candidate.id,  # type: ignore[arg-type]
        position=fields.pop("position", "Backend developer"),
        department=fields.pop("department", "Engineering"),
        starts_at=start,
        ends_at=start + timedelta(minutes=45 * max(1, items + hidden_items)),
        location=location,
        **fields,
    )
    visit.agenda = []
    for i in range(items + hidden_items):
        item = AgendaItem(
            position=i,
            starts_at=start + timedelta(minutes=45 * i),
            ends_at=start + timedelta(minutes=45 * i + 40),
            kind=AgendaKind.INTERVIEW,
            title=f"Gesprek {i + 1}" if i < items else f"Interne debrief {i + 1}",
            internal_title=f"Round {i + 1}",
            visible_to_candidate=i < items,
        )
        item.interviewers = list(interviewers or [])
        visit.agenda.append(item)
    db.add(visit)
    await db.flush()
    return visit
