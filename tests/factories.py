"""Rows for tests, written straight through the ORM."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from portal.models import (
    AgendaItem,
    AgendaKind,
    Location,
    Role,
    StaffProfile,
    Story,
    StoryRevision,
    StoryStatus,
    User,
    Visit,
)

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
    created_at: datetime | None = None,
) -> User:
    n = next(_seq)
    user = User(
        email=email or f"person{n}@example.org",
        name=name or f"Person {n} Jansen",
        role=Role(role),
        locale=locale,
        is_active=is_active,
    )
    if created_at is not None:
        user.created_at = created_at
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


async def create_story(
    db: AsyncSession,
    *,
    author: User,
    title: str = "Mijn eerste jaar",
    status: str = "published",
    department: str = "Engineering",
    language: str = "nl",
    body: str = "Een verhaal over het werk. " * 20,
    themes: list[str] | None = None,
    team: str = "",
    published_at: datetime | None = None,
) -> Story:
    """A story with one revision; ``published`` ones are online with a slug."""
    n = next(_seq)
    published_at = published_at or datetime(2026, 11, 1, 9, 0, tzinfo=UTC) + timedelta(hours=n)
    online = status == "published"
    story = Story(
        author_id=author.id,  # type: ignore[arg-type]
        status=StoryStatus(status),
        live_number=1 if online else None,
        slug=f"story-{n}" if online else None,
        first_published_at=published_at if online else None,
    )
    db.add(story)
    await db.flush()
    db.add(
        StoryRevision(
            story_id=story.id,  # type: ignore[arg-type]
            number=1,
            title=title,
            teaser="Over mijn team.",
            body=body,
            words=len(body.split()),
            language=language,
            department=department,
            team=team,
            themes=themes or [],
            published_at=published_at if online else None,
        )
    )
    await db.flush()
    return story
