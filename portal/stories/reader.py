"""What readers see: stories that are online, the ones that matter to them first.

For a candidate that means stories from the department of their visit and by the people
they will meet, then the rest; within each group, stories in the reader's language come
first, newest first. Ranking happens in Python on what one query loads: the number of
stories online is small (capped at ``LIMIT``). /stories loads every card whole; the visit
page, which shows three, ranks on a few columns and then loads only those three.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, defer, undefer
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
        return self.is_relevant(department=card.revision.department, author_id=card.author.id)

    def is_relevant(self, *, department: str, author_id: int | None) -> bool:
        """From the department of the reader's visit, or by someone they will meet."""
        same_department = bool(self.department) and (
            department.casefold() == self.department.casefold()
        )
        return same_department or author_id in self.people


def _any(attribute: object) -> Any:
    return attribute


_LIVE = aliased(StoryRevision, name="live")
_ONLINE = sa.and_(
    _any(_LIVE.story_id) == col(Story.id), _any(_LIVE.number) == col(Story.live_number)
)
# Only what is online; an archived story never is, whatever its live number says.
_IS_LIVE = sa.and_(col(Story.live_number).is_not(None), col(Story.status) != StoryStatus.ARCHIVED)
_NEWEST = (col(Story.first_published_at).desc(), col(Story.id).desc())


def _cards_statement(*, with_body: bool) -> Any:
    cover = aliased(Image, name="cover")
    photo = aliased(Image, name="photo")
    return (
        sa.select(Story, _LIVE, User, StaffProfile, cover, photo)
        .join(_LIVE, _ONLINE)
        .join(User, col(User.id) == col(Story.author_id))
        .outerjoin(StaffProfile, col(StaffProfile.user_id) == col(User.id))
        .outerjoin(cover, _any(cover.id) == _any(_LIVE.image_id))
        .outerjoin(photo, _any(photo.id) == col(StaffProfile.photo_id))
        .where(_IS_LIVE)
        # A card shows a story's title, teaser and reading time, never its text: the body
        # (the largest column by far) stays in the database until someone reads the story.
        .options(undefer(_any(_LIVE.body)) if with_body else defer(_any(_LIVE.body)))
    )


# Built once: composing the statement cost more than running it. SQLAlchemy caches the
# compiled SQL by the statement's structure, so reusing one object is safe and free.
_CARDS = _cards_statement(with_body=False)
_ALL_CARDS = _CARDS.order_by(*_NEWEST).limit(LIMIT)
_CARDS_BY_ID = _CARDS.where(col(Story.id).in_(sa.bindparam("ids", expanding=True)))
_CARD_BY_SLUG = _cards_statement(with_body=True).where(col(Story.slug) == sa.bindparam("slug"))
# What ranking needs of each story online, and nothing else: the visit page picks three.
_FACTS = (
    sa.select(
        col(Story.id),
        _any(_LIVE.department),
        col(Story.author_id),
        _any(_LIVE.language),
        _any(_LIVE.published_at),
    )
    .join(_LIVE, _ONLINE)
    .where(_IS_LIVE)
    .order_by(*_NEWEST)
    .limit(LIMIT)
)


async def live_cards(db: AsyncSession) -> list[Card]:
    rows = await db.execute(_ALL_CARDS)
    return [Card(*row) for row in rows.all()]


async def live_card(db: AsyncSession, *, slug: str) -> Card | None:
    row = (await db.execute(_CARD_BY_SLUG, {"slug": slug})).first()
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


def _order(
    context: ReaderContext,
    locale: str,
    *,
    department: str,
    author_id: int | None,
    language: str,
    published_at: datetime | None,
) -> tuple[int, int, float]:
    """Relevant stories first; then the reader's language; then the newest."""
    relevant = context.is_relevant(department=department, author_id=author_id)
    published = published_at.timestamp() if published_at else 0.0
    return (0 if relevant else 1, 0 if language == locale else 1, -published)


def rank(cards: Iterable[Card], *, context: ReaderContext, locale: str) -> list[Card]:
    """Relevant stories first; then the reader's language; then the newest."""

    def key(card: Card) -> tuple[int, int, float]:
        return _order(
            context,
            locale,
            department=card.revision.department,
            author_id=card.author.id,
            language=card.revision.language,
            published_at=card.published_at,
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


async def for_visit(
    db: AsyncSession, *, department: str, people: Iterable[int], locale: str, count: int = 3
) -> list[Card]:
    """The few stories a visit page shows: the most relevant to that visit.

    Ranked as ``rank`` ranks whole cards, on the few columns ranking needs; then only the
    chosen stories are loaded whole (two light queries instead of every card online).
    """
    context = ReaderContext(department=department, people=set(people))
    facts = (await db.execute(_FACTS)).all()
    chosen = sorted(
        facts,
        key=lambda row: _order(
            context,
            locale,
            department=row[1],
            author_id=row[2],
            language=row[3],
            published_at=row[4],
        ),
    )[:count]
    if not chosen:
        return []
    ids = [row[0] for row in chosen]
    cards = {
        card.story.id: card
        for card in (Card(*row) for row in (await db.execute(_CARDS_BY_ID, {"ids": ids})).all())
    }
    return [cards[i] for i in ids if i in cards]
