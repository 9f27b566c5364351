"""Stories as each actor may see them, and the way every change to them is made.

An author sees and edits only their own stories; HR sees all of them; everyone signed in
reads only what is online (see ``reader``). Each change is one conditional UPDATE on the
story's allowed states and the version the person saw (``portal.db.update_if``), and is
recorded as an audit event: a ``Move`` does both. The changes themselves are in
``writing`` (the author's) and ``review`` (HR's decisions).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from slugify import slugify
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from portal import audit
from portal.db import Conflict, update_if
from portal.models import Image, Story, StoryRevision, StoryStatus, User

# States in which the author may change the text.
EDITABLE = (
    StoryStatus.DRAFT,
    StoryStatus.CHANGES_REQUESTED,
    StoryStatus.UNPUBLISHED,
    StoryStatus.PUBLISHED,
)
SUBMITTABLE = (StoryStatus.DRAFT, StoryStatus.CHANGES_REQUESTED, StoryStatus.UNPUBLISHED)
QUEUE_LIMIT = 300


@dataclass
class StoryView:
    """A story with its working revision and, when one is online, the live revision."""

    story: Story
    working: StoryRevision
    live: StoryRevision | None
    author: User
    image: Image | None  # the working revision's picture
    live_image: Image | None

    @property
    def online(self) -> bool:
        return self.story.live_number is not None

    @property
    def pending_revision(self) -> bool:
        """Online, with a newer revision the author is working on or HR is reviewing."""
        return self.online and self.story.working_number != self.story.live_number

    @property
    def editable(self) -> bool:
        return self.story.status in EDITABLE

    @property
    def submittable(self) -> bool:
        return self.story.status in SUBMITTABLE or self.story.status == StoryStatus.PUBLISHED


def _any(attribute: object) -> Any:
    """An attribute of an aliased entity, for SQL expressions (typed loosely on purpose)."""
    return attribute


def _views() -> Any:
    """Story, working and live revision, author and both pictures: one query."""
    w = aliased(StoryRevision, name="working")
    live = aliased(StoryRevision, name="live")
    w_image = aliased(Image, name="w_image")
    l_image = aliased(Image, name="l_image")
    return (
        sa.select(Story, w, live, User, w_image, l_image)
        .join(
            w,
            sa.and_(_any(w.story_id) == col(Story.id), _any(w.number) == col(Story.working_number)),
        )
        .outerjoin(
            live,
            sa.and_(
                _any(live.story_id) == col(Story.id), _any(live.number) == col(Story.live_number)
            ),
        )
        .join(User, col(User.id) == col(Story.author_id))
        .outerjoin(w_image, _any(w_image.id) == _any(w.image_id))
        .outerjoin(l_image, _any(l_image.id) == _any(live.image_id))
    )


async def _fetch(db: AsyncSession, stmt: Any) -> list[StoryView]:
    # populate_existing: after a refused change, a reload must show what is stored now.
    rows = await db.execute(stmt.execution_options(populate_existing=True))
    return [StoryView(*row) for row in rows.all()]


async def my_stories(db: AsyncSession, *, actor: User) -> list[StoryView]:
    """The author's own stories, most recently changed first."""
    return await _fetch(
        db,
        _views()
        .where(col(Story.author_id) == actor.id)
        .order_by(col(Story.updated_at).desc(), col(Story.id).desc()),
    )


async def own_story(db: AsyncSession, *, actor: User, public_id: str) -> StoryView | None:
    """One of the actor's own stories; None for anyone else's (answered 404)."""
    views = await _fetch(
        db,
        _views().where(col(Story.public_id) == public_id, col(Story.author_id) == actor.id),
    )
    return views[0] if views else None


async def hr_story(db: AsyncSession, *, actor: User, public_id: str) -> StoryView | None:
    if not actor.role.is_hr:
        return None
    views = await _fetch(db, _views().where(col(Story.public_id) == public_id))
    return views[0] if views else None


async def hr_stories(db: AsyncSession, *, actor: User) -> list[StoryView] | None:
    """Every story for HR: the review queue first (oldest waiting first), then the rest."""
    if not actor.role.is_hr:
        return None
    waiting = sa.case((col(Story.status) == StoryStatus.SUBMITTED, 0), else_=1)
    return await _fetch(
        db,
        _views()
        .order_by(waiting, col(Story.updated_at).desc(), col(Story.id).desc())
        .limit(QUEUE_LIMIT),
    )


async def count_waiting(db: AsyncSession) -> int:
    total = await db.scalar(
        sa.select(sa.func.count())
        .select_from(Story)
        .where(col(Story.status) == StoryStatus.SUBMITTED)
    )
    return int(total or 0)


@dataclass(frozen=True)
class Move:
    """Someone changing a story: who, on the story as they saw it, and when.

    ``version`` is the version the person saw; None where the check was made already in
    the same transaction (``writing.submit`` right after ``writing.save``).
    """

    db: AsyncSession
    actor: User
    view: StoryView
    version: int | None
    now: datetime

    @property
    def story(self) -> Story:
        return self.view.story

    async def advance(
        self, *, allowed: Iterable[StoryStatus], also: Iterable[Any] = (), **values: Any
    ) -> None:
        """Set ``values`` if the story is in an ``allowed`` state (and meets ``also``) at the
        version seen; else raise ``Conflict``: someone changed it first."""
        story = self.story
        conditions = [col(Story.id) == story.id, col(Story.status).in_(list(allowed)), *also]
        if self.version is not None:
            conditions.append(col(Story.version) == self.version)
        if not await update_if(self.db, Story, *conditions, now=self.now, **values):
            raise Conflict

    def record(self, action: str, details: dict[str, Any] | None = None) -> None:
        audit.about(
            self.db, self.story, actor=self.actor, action=action, now=self.now, details=details
        )

    async def apply(
        self,
        action: str,
        allowed: Iterable[StoryStatus],
        *,
        also: Iterable[Any] = (),
        **values: Any,
    ) -> None:
        """``advance``, then ``record`` the ``action``: the whole of most changes."""
        await self.advance(allowed=allowed, also=also, **values)
        self.record(action)


# ---- slugs ------------------------------------------------------------------------------
# Given at the first publication (``review.publish``); portal/demo_stories.py uses them too.


def slug_base(title: str) -> str:
    return slugify(title, max_length=80, word_boundary=True) or "story"


async def free_slug(db: AsyncSession, title: str) -> str:
    """The title as a slug, numbered when another story has it already ("…-2")."""
    base = slug_base(title)
    taken = set(
        await db.scalars(
            sa.select(col(Story.slug)).where(
                sa.or_(col(Story.slug) == base, col(Story.slug).like(f"{base}-%"))
            )
        )
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"
