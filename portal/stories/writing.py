"""The author's changes: a new draft, saving it, sending it to HR, taking it back."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from portal import audit
from portal.db import lock_row
from portal.markdown import word_count
from portal.models import Image, Story, StoryRevision, StoryStatus, User
from portal.stories.service import EDITABLE, SUBMITTABLE, Move


class QuotaExceeded(Exception):
    pass


async def made_by_form(db: AsyncSession, *, actor: User, key: str, limit: int) -> Story | None:
    """Before a new story is written: the story this form made already (a double POST), or
    None when a new one may be made. Raises ``QuotaExceeded`` at ``limit`` stories kept
    (archived ones not counted).

    The author's row is locked first, so of several posts at once each looks and counts
    only after the one before it has written: one story per form, and the quota holds.
    """
    await lock_row(db, User, actor.id or 0)
    earlier = await db.scalar(
        sa.select(Story).where(col(Story.author_id) == actor.id, col(Story.idempotency_key) == key)
    )
    if earlier is not None:
        return earlier
    kept = await db.scalar(
        sa.select(sa.func.count())
        .select_from(Story)
        .where(col(Story.author_id) == actor.id, col(Story.status) != StoryStatus.ARCHIVED)
    )
    if int(kept or 0) >= limit:
        raise QuotaExceeded
    return None


async def create(
    db: AsyncSession,
    *,
    actor: User,
    key: str,
    values: dict[str, Any],
    image: Image | None,
    now: datetime,
) -> Story:
    """A new draft, once ``made_by_form`` said one may be made."""
    story = Story(author_id=actor.id or 0, idempotency_key=key, created_at=now, updated_at=now)
    db.add(story)
    await db.flush()
    db.add(
        StoryRevision(
            story_id=story.id or 0,
            number=1,
            words=word_count(values["body"]),
            image_id=image.id if image else None,
            created_at=now,
            updated_at=now,
            **values,
        )
    )
    audit.about(db, story, actor=actor, action="story.created", now=now)
    return story


async def save(move: Move, *, values: dict[str, Any], image_id: int | None) -> None:
    """Save the author's text. Editing the version that is online starts a new revision:
    candidates keep reading the published one until HR approves the new one."""
    db, story, now = move.db, move.story, move.now
    content = {**values, "words": word_count(values["body"]), "image_id": image_id}
    if story.status == StoryStatus.PUBLISHED:
        highest = await db.scalar(
            sa.select(sa.func.max(StoryRevision.number)).where(
                col(StoryRevision.story_id) == story.id
            )
        )
        number = int(highest or 0) + 1
        await move.advance(
            allowed=[StoryStatus.PUBLISHED], status=StoryStatus.DRAFT, working_number=number
        )
        db.add(
            StoryRevision(
                story_id=story.id or 0, number=number, created_at=now, updated_at=now, **content
            )
        )
    else:
        number = story.working_number
        await move.advance(allowed=[s for s in EDITABLE if s != StoryStatus.PUBLISHED])
        await db.execute(
            sa.update(StoryRevision)
            .where(col(StoryRevision.id) == move.view.working.id)
            .values(**content, updated_at=now)
        )
    move.record("story.saved", details={"revision": number})


async def submit(move: Move) -> None:
    """Send the working revision to HR. Called right after ``save`` in the same
    transaction, so the version check has already been made there."""
    story = move.story
    await replace(move, version=None).advance(
        allowed=SUBMITTABLE, status=StoryStatus.SUBMITTED, review_note=""
    )
    await move.db.execute(
        sa.update(StoryRevision)
        .where(
            col(StoryRevision.story_id) == story.id,
            col(StoryRevision.number)
            == sa.select(col(Story.working_number))
            .where(col(Story.id) == story.id)
            .scalar_subquery(),
        )
        .values(submitted_at=move.now)
    )
    move.record("story.submitted")


async def withdraw(move: Move) -> None:
    """Take a story back from review, to go on writing it."""
    await move.apply("story.withdrawn", [StoryStatus.SUBMITTED], status=StoryStatus.DRAFT)


async def discard_changes(move: Move) -> None:
    """Drop the new revision of a story that is online: back to the published text."""
    await move.apply(
        "story.changes_discarded",
        [StoryStatus.DRAFT, StoryStatus.CHANGES_REQUESTED],
        also=[col(Story.live_number).is_not(None)],
        status=StoryStatus.PUBLISHED,
        working_number=col(Story.live_number),
        review_note="",
    )
