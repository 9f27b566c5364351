"""HR's decisions on stories: publish, ask for changes, reject, and keep what is online.

A decision on the revision under review is written on that revision (who decided, when,
with which note), and the author is told by e-mail through the Mailer.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from portal.mail.mailer import Mailer
from portal.models import Story, StoryRevision, StoryStatus
from portal.stories.service import Move, free_slug, slug_base

# Every state a story may be taken offline or archived from.
NOT_ARCHIVED = [s for s in StoryStatus if s != StoryStatus.ARCHIVED]


async def publish(move: Move, *, mailer: Mailer) -> None:
    """Put the revision under review online. The slug is given once, at the first
    publication, and kept: links to the story keep working after later edits."""
    story = move.story
    values: dict[str, Any] = {
        "status": StoryStatus.PUBLISHED,
        "live_number": story.working_number,
        "review_note": "",
        "first_published_at": sa.func.coalesce(col(Story.first_published_at), move.now),
    }
    if story.slug is None:
        await _first_publication(move, values)
    else:
        await move.advance(allowed=[StoryStatus.SUBMITTED], **values)
    await _mark_reviewed(move, note="", published_at=move.now)
    move.record("story.published", details={"revision": story.working_number})
    await _tell_author(move, outcome="published", mailer=mailer)


async def _first_publication(move: Move, values: dict[str, Any]) -> None:
    title = move.view.working.title
    values["slug"] = await free_slug(move.db, title)
    try:
        # A savepoint: when another story took the same slug at the same moment, the
        # unique constraint says so and we take a random suffix instead of failing.
        async with move.db.begin_nested():
            await move.advance(allowed=[StoryStatus.SUBMITTED], **values)
    except IntegrityError:
        values["slug"] = f"{slug_base(title)}-{secrets.token_hex(3)}"
        await move.advance(allowed=[StoryStatus.SUBMITTED], **values)


async def request_changes(move: Move, *, note: str, mailer: Mailer) -> None:
    await move.advance(
        allowed=[StoryStatus.SUBMITTED], status=StoryStatus.CHANGES_REQUESTED, review_note=note
    )
    await _mark_reviewed(move, note=note)
    move.record("story.changes_requested")
    await _tell_author(move, outcome="changes", mailer=mailer)


async def reject(move: Move, *, note: str, mailer: Mailer) -> None:
    """Say no to the revision under review. A story that is online stays online with its
    published text; the rejected revision is kept in the history with the note."""
    values: dict[str, Any] = (
        {"status": StoryStatus.PUBLISHED, "working_number": move.story.live_number}
        if move.view.online
        else {"status": StoryStatus.REJECTED}
    )
    await move.advance(allowed=[StoryStatus.SUBMITTED], review_note=note, **values)
    await _mark_reviewed(move, note=note)
    move.record("story.rejected")
    await _tell_author(move, outcome="rejected", mailer=mailer)


async def unpublish(move: Move) -> None:
    """Take the story offline. The author may edit it and send it for review again."""
    story = move.story
    status = StoryStatus.UNPUBLISHED if story.status == StoryStatus.PUBLISHED else story.status
    await move.apply(
        "story.unpublished",
        NOT_ARCHIVED,
        also=[col(Story.live_number).is_not(None)],
        live_number=None,
        status=status,
    )


async def archive(move: Move) -> None:
    """Retire a story (for instance when its author left): kept, shown to no candidate."""
    await move.apply("story.archived", NOT_ARCHIVED, live_number=None, status=StoryStatus.ARCHIVED)


async def restore(move: Move) -> None:
    """Bring an archived story back as unpublished (it needs a new review to go online)."""
    await move.apply("story.restored", [StoryStatus.ARCHIVED], status=StoryStatus.UNPUBLISHED)


async def _mark_reviewed(move: Move, *, note: str, published_at: datetime | None = None) -> None:
    values: dict[str, Any] = {
        "reviewed_at": move.now,
        "reviewer_id": move.actor.id,
        "review_note": note,
    }
    if published_at is not None:
        values["published_at"] = published_at
    await move.db.execute(
        sa.update(StoryRevision)
        .where(col(StoryRevision.id) == move.view.working.id)
        .values(**values)
    )


async def _tell_author(move: Move, *, outcome: str, mailer: Mailer) -> None:
    """E-mail the author what HR decided. The note itself stays in the portal."""
    view = move.view
    if not view.author.is_active:
        return
    await mailer.queue(
        move.db,
        "story_reviewed",
        to=view.author,
        context={
            "name": view.author.name,
            "title": view.working.title,
            "outcome": outcome,
            "link": mailer.link(f"/me/stories/{view.story.public_id}"),
        },
        now=move.now,
    )
