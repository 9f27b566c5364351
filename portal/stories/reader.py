"""What readers see: stories that are online, the ones that matter to them first.

For a candidate that means stories from the department of their visit and by the people
they will meet, then the rest; within each group, stories in the reader's language come
first, newest first. Everything is loaded in one query and ranked in Python: the number
of stories online is small (capped at ``LIMIT``), and ranking needs no more round trips.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from portal.models import (
    AgendaInterviewer,
    AgendaItem,
    Image,
    Role,
    StaffProfile,
    Story,
    StoryRevision,
    StoryStatus,
    User,
    Visit,
    VisitStatus,
)
from portal.scope import visits_visible_to

LIMIT = 200
WORDS_PER_MINUTE = 200


def reading_minutes(words: int) -> int:
    """Shown with every story, and in the editor's and HR's previews: never "0 minutes"."""
    return max(1, math.ceil(words / WORDS_PER_MINUTE))


@dataclass
class Card:
    story: Story
    revision: StoryRevision
    author: User
    profile: StaffProfile | None
    image: Image | None
    photo: Image | None

    @property
    def author_visible(self) -> bool:
        """May candidates see this author's photo and bio? (They may withdraw at any time.)"""
        return bool(self.author.is_active and self.profile and self.profile.visible_to_candidates)

    @property
    def reading_minutes(self) -> int:
        return reading_minutes(self.revision.words)

    @property
    def published_at(self) -> datetime | None:
        return self.revision.published_at


@dataclass
class ReaderContext:
    """What makes a story relevant to this reader."""

    department: str = ""
    people: set[int] = field(default_factory=set)

    def relevant(self, card: Card) -> bool:
        same_department = bool(self.department) and (
            card.revision.department.casefold() == self.department.casefold()
        )
        return same_department or card.author.id in self.people


def _any(attribute: object) -> Any:
    return attribute


def _cards() -> Any:
    live = aliased(StoryRevision, name="live")
    cover = aliased(Image, name="cover")
    photo = aliased(Image, name="photo")
    return (
        sa.select(Story, live, User, StaffProfile, cover, photo)
        .join(
            live,
            sa.and_(
                _any(live.story_id) == col(Story.id), _any(live.number) == col(Story.live_number)
            ),
        )
        .join(User, col(User.id) == col(Story.author_id))
        .outerjoin(StaffProfile, col(StaffProfile.user_id) == col(User.id))
        .outerjoin(cover, _any(cover.id) == _any(live.image_id))
        .outerjoin(photo, _any(photo.id) == col(StaffProfile.photo_id))
        # Only what is online; an archived story never is, whatever its live number says.
        .where(col(Story.live_number).is_not(None), col(Story.status) != StoryStatus.ARCHIVED)
    )


async def live_cards(db: AsyncSession) -> list[Card]:
    rows = await db.execute(
        _cards().order_by(col(Story.first_published_at).desc(), col(Story.id).desc()).limit(LIMIT)
    )
    return [Card(*row) for row in rows.all()]


async def live_card(db: AsyncSession, *, slug: str) -> Card | None:
    row = (await db.execute(_cards().where(col(Story.slug) == slug))).first()
    return Card(*row) if row else None


async def context_for(db: AsyncSession, *, actor: User, now: datetime) -> ReaderContext:
    """A candidate's next visit (or their last one): its department and its people."""
    if actor.role is not Role.CANDIDATE:
        return ReaderContext()
    upcoming = sa.case((col(Visit.ends_at) >= now, 0), else_=1)
    visit = await db.scalar(
        visits_visible_to(actor)
        .where(col(Visit.status) == VisitStatus.SCHEDULED)
        .order_by(upcoming, sa.case((col(Visit.ends_at) >= now, col(Visit.starts_at))))
        .order_by(col(Visit.starts_at).desc())
        .limit(1)
    )
    if visit is None:
        return ReaderContext()
    people = await db.scalars(
        sa.select(col(AgendaInterviewer.user_id))
        .join(AgendaItem, col(AgendaItem.id) == col(AgendaInterviewer.agenda_item_id))
        .where(col(AgendaItem.visit_id) == visit.id, col(AgendaItem.visible_to_candidate))
    )
    return ReaderContext(department=visit.department, people=set(people))


def rank(cards: Iterable[Card], *, context: ReaderContext, locale: str) -> list[Card]:
    """Relevant stories first; then the reader's language; then the newest."""

    def key(card: Card) -> tuple[int, int, float]:
        published = card.published_at.timestamp() if card.published_at else 0.0
        return (
            0 if context.relevant(card) else 1,
            0 if card.revision.language == locale else 1,
            -published,
        )

    return sorted(cards, key=key)


def matches(card: Card, *, theme: str, team: str) -> bool:
    if theme and theme not in card.revision.themes:
        return False
    return not team or card.revision.team.casefold() == team.casefold()


def tags(cards: Iterable[Card]) -> tuple[list[str], list[str]]:
    """The themes and teams that occur, for the filter."""
    themes: set[str] = set()
    teams: dict[str, str] = {}
    for card in cards:
        themes.update(card.revision.themes)
        if card.revision.team:
            teams.setdefault(card.revision.team.casefold(), card.revision.team)
    return sorted(themes), sorted(teams.values(), key=str.casefold)


def for_visit(
    cards: Iterable[Card], *, department: str, people: Iterable[int], locale: str, count: int = 3
) -> list[Card]:
    """The few stories a visit page shows: the most relevant to that visit."""
    context = ReaderContext(department=department, people=set(people))
    return rank(cards, context=context, locale=locale)[:count]
