"""Stories as each actor may see them, and every change to them.

An author sees and edits only their own stories; HR sees all of them; everyone signed in
reads only what is online (see ``reader``). Each change is one conditional UPDATE on the
story's allowed states and the version the person saw (``portal.db.update_if``), and is
recorded as an audit event.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from slugify import slugify
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from portal import audit
from portal.db import Conflict, lock_row, update_if
from portal.mail.mailer import Mailer
from portal.markdown import word_count
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


class QuotaExceeded(Exception):
    pass


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


async def _advance(
    db: AsyncSession,
    story: Story,
    *,
    allowed: Iterable[StoryStatus],
    version: int | None,
    now: datetime,
    also: Iterable[Any] = (),
    **values: Any,
) -> None:
    conditions = [col(Story.id) == story.id, col(Story.status).in_(list(allowed)), *also]
    if version is not None:
        conditions.append(col(Story.version) == version)
    if not await update_if(db, Story, *conditions, now=now, **values):
        raise Conflict


# ---- the author -----------------------------------------------------------------------


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


async def save(
    db: AsyncSession,
    *,
    actor: User,
    view: StoryView,
    values: dict[str, Any],
    image_id: int | None,
    version: int,
    now: datetime,
) -> None:
    """Save the author's text. Editing the version that is online starts a new revision:
    candidates keep reading the published one until HR approves the new one."""
    story = view.story
    content = {**values, "words": word_count(values["body"]), "image_id": image_id}
    if story.status == StoryStatus.PUBLISHED:
        highest = await db.scalar(
            sa.select(sa.func.max(StoryRevision.number)).where(
                col(StoryRevision.story_id) == story.id
            )
        )
        number = int(highest or 0) + 1
        await _advance(
            db,
            story,
            allowed=[StoryStatus.PUBLISHED],
            version=version,
            now=now,
            status=StoryStatus.DRAFT,
            working_number=number,
        )
        db.add(
            StoryRevision(
                story_id=story.id or 0, number=number, created_at=now, updated_at=now, **content
            )
        )
    else:
        number = story.working_number
        await _advance(
            db,
            story,
            allowed=[s for s in EDITABLE if s != StoryStatus.PUBLISHED],
            version=version,
            now=now,
        )
        await db.execute(
            sa.update(StoryRevision)
            .where(col(StoryRevision.id) == view.working.id)
            .values(**content, updated_at=now)
        )
    audit.about(db, story, actor=actor, action="story.saved", now=now, details={"revision": number})


async def submit(db: AsyncSession, *, actor: User, view: StoryView, now: datetime) -> None:
    """Send the working revision to HR. Called right after ``save`` in the same
    transaction, so the version check has already been made there."""
    story = view.story
    await _advance(
        db,
        story,
        allowed=SUBMITTABLE,
        version=None,
        now=now,
        status=StoryStatus.SUBMITTED,
        review_note="",
    )
    await db.execute(
        sa.update(StoryRevision)
        .where(
            col(StoryRevision.story_id) == story.id,
            col(StoryRevision.number)
            == sa.select(col(Story.working_number))
            .where(col(Story.id) == story.id)
            .scalar_subquery(),
        )
        .values(submitted_at=now)
    )
    audit.about(db, story, actor=actor, action="story.submitted", now=now)


async def withdraw(
    db: AsyncSession, *, actor: User, view: StoryView, version: int, now: datetime
) -> None:
    """Take a story back from review, to go on writing it."""
    await _advance(
        db,
        view.story,
        allowed=[StoryStatus.SUBMITTED],
        version=version,
        now=now,
        status=StoryStatus.DRAFT,
    )
    audit.about(db, view.story, actor=actor, action="story.withdrawn", now=now)


async def discard_changes(
    db: AsyncSession, *, actor: User, view: StoryView, version: int, now: datetime
) -> None:
    """Drop the new revision of a story that is online: back to the published text."""
    story = view.story
    await _advance(
        db,
        story,
        allowed=[StoryStatus.DRAFT, StoryStatus.CHANGES_REQUESTED],
        version=version,
        now=now,
        also=[col(Story.live_number).is_not(None)],
        status=StoryStatus.PUBLISHED,
        working_number=col(Story.live_number),
        review_note="",
    )
    audit.about(db, story, actor=actor, action="story.changes_discarded", now=now)


# ---- HR ---------------------------------------------------------------------------------


def _slug_base(title: str) -> str:
    return slugify(title, max_length=80, word_boundary=True) or "story"


async def free_slug(db: AsyncSession, title: str) -> str:
    """The title as a slug, numbered when another story has it already ("…-2")."""
    base = _slug_base(title)
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


async def publish(
    db: AsyncSession,
    *,
    actor: User,
    view: StoryView,
    version: int,
    now: datetime,
    mailer: Mailer,
) -> None:
    """Put the revision under review online. The slug is given once, at the first
    publication, and kept: links to the story keep working after later edits."""
    story = view.story
    values: dict[str, Any] = {
        "status": StoryStatus.PUBLISHED,
        "live_number": story.working_number,
        "review_note": "",
        "first_published_at": sa.func.coalesce(col(Story.first_published_at), now),
    }
    if story.slug is None:
        values["slug"] = await free_slug(db, view.working.title)
        try:
            # A savepoint: when another story took the same slug at the same moment, the
            # unique constraint says so and we take a random suffix instead of failing.
            async with db.begin_nested():
                await _advance(
                    db, story, allowed=[StoryStatus.SUBMITTED], version=version, now=now, **values
                )
        except IntegrityError:
            values["slug"] = f"{_slug_base(view.working.title)}-{secrets.token_hex(3)}"
            await _advance(
                db, story, allowed=[StoryStatus.SUBMITTED], version=version, now=now, **values
            )
    else:
        await _advance(
            db, story, allowed=[StoryStatus.SUBMITTED], version=version, now=now, **values
        )
    await _mark_reviewed(db, view, actor=actor, now=now, note="", published_at=now)
    audit.about(
        db,
        story,
        actor=actor,
        action="story.published",
        now=now,
        details={"revision": story.working_number},
    )
    await _tell_author(db, view, outcome="published", now=now, mailer=mailer)


async def request_changes(
    db: AsyncSession,
    *,
    actor: User,
    view: StoryView,
    note: str,
    version: int,
    now: datetime,
    mailer: Mailer,
) -> None:
    await _advance(
        db,
        view.story,
        allowed=[StoryStatus.SUBMITTED],
        version=version,
        now=now,
        status=StoryStatus.CHANGES_REQUESTED,
        review_note=note,
    )
    await _mark_reviewed(db, view, actor=actor, now=now, note=note)
    audit.about(db, view.story, actor=actor, action="story.changes_requested", now=now)
    await _tell_author(db, view, outcome="changes", now=now, mailer=mailer)


async def reject(
    db: AsyncSession,
    *,
    actor: User,
    view: StoryView,
    note: str,
    version: int,
    now: datetime,
    mailer: Mailer,
) -> None:
    """Say no to the revision under review. A story that is online stays online with its
    published text; the rejected revision is kept in the history with the note."""
    story = view.story
    values: dict[str, Any] = (
        {"status": StoryStatus.PUBLISHED, "working_number": story.live_number}
        if view.online
        else {"status": StoryStatus.REJECTED}
    )
    await _advance(
        db,
        story,
        allowed=[StoryStatus.SUBMITTED],
        version=version,
        now=now,
        review_note=note,
        **values,
    )
    await _mark_reviewed(db, view, actor=actor, now=now, note=note)
    audit.about(db, story, actor=actor, action="story.rejected", now=now)
    await _tell_author(db, view, outcome="rejected", now=now, mailer=mailer)


async def unpublish(
    db: AsyncSession, *, actor: User, view: StoryView, version: int, now: datetime
) -> None:
    """Take the story offline. The author may edit it and send it for review again."""
    story = view.story
    status = StoryStatus.UNPUBLISHED if story.status == StoryStatus.PUBLISHED else story.status
    await _advance(
        db,
        story,
        allowed=[s for s in StoryStatus if s != StoryStatus.ARCHIVED],
        version=version,
        now=now,
        also=[col(Story.live_number).is_not(None)],
        live_number=None,
        status=status,
    )
    audit.about(db, story, actor=actor, action="story.unpublished", now=now)


async def archive(
    db: AsyncSession, *, actor: User, view: StoryView, version: int, now: datetime
) -> None:
    """Retire a story (for instance when its author left): kept, shown to no candidate."""
    await _advance(
        db,
        view.story,
        allowed=[s for s in StoryStatus if s != StoryStatus.ARCHIVED],
        version=version,
        now=now,
        live_number=None,
        status=StoryStatus.ARCHIVED,
    )
    audit.about(db, view.story, actor=actor, action="story.archived", now=now)


async def restore(
    db: AsyncSession, *, actor: User, view: StoryView, version: int, now: datetime
) -> None:
    """Bring an archived story back as unpublished (it needs a new review to go online)."""
    await _advance(
        db,
        view.story,
        allowed=[StoryStatus.ARCHIVED],
        version=version,
        now=now,
        status=StoryStatus.UNPUBLISHED,
    )
    audit.about(db, view.story, actor=actor, action="story.restored", now=now)


async def _mark_reviewed(
    db: AsyncSession,
    view: StoryView,
    *,
    actor: User,
    now: datetime,
    note: str,
    published_at: datetime | None = None,
) -> None:
    values: dict[str, Any] = {"reviewed_at": now, "reviewer_id": actor.id, "review_note": note}
    if published_at is not None:
        values["published_at"] = published_at
    await db.execute(
        sa.update(StoryRevision).where(col(StoryRevision.id) == view.working.id).values(**values)
    )


async def _tell_author(
    db: AsyncSession, view: StoryView, *, outcome: str, now: datetime, mailer: Mailer
) -> None:
    """E-mail the author what HR decided. The note itself stays in the portal."""
    if not view.author.is_active:
        return
    await mailer.queue(
        db,
        "story_reviewed",
        to=view.author,
        context={
            "name": view.author.name,
            "title": view.working.title,
            "outcome": outcome,
            "link": mailer.link(f"/me/stories/{view.story.public_id}"),
        },
        now=now,
    )
