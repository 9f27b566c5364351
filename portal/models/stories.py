"""Stories by staff for candidates, and their revisions."""

# No `from __future__ import annotations` here: SQLModel resolves relationship types from
# real annotations, and string unions such as "X | None" defeat it.
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
from sqlmodel import Field, Relationship, SQLModel

from portal.models.base import (
    enum_field,
    new_public_id,
    text_field,
    utc_field,
    utcnow,
)

if TYPE_CHECKING:
    from portal.models.people import User
    from portal.models.pictures import Image


class StoryStatus(StrEnum):
    """Where the author's working copy stands. Whether a version is online is separate
    (``Story.live_number``): a published story can have a new revision in review."""

    DRAFT = "draft"  # being written, or withdrawn from review
    SUBMITTED = "submitted"  # waiting for HR
    CHANGES_REQUESTED = "changes_requested"  # HR sent it back with a note
    REJECTED = "rejected"  # HR said no; read-only for the author
    PUBLISHED = "published"  # the working copy is the version online
    UNPUBLISHED = "unpublished"  # HR took it offline; the author may edit and submit again
    ARCHIVED = "archived"  # retired by HR: kept, shown to no candidate


class Story(SQLModel, table=True):
    """A culture story by a member of staff. Its text lives in numbered revisions: the
    author edits the working one while the live one (if any) stays online."""

    __tablename__ = "stories"
    __table_args__ = (
        sa.UniqueConstraint("author_id", "idempotency_key", name="uq_stories_idempotency"),
    )

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = text_field(32, default_factory=new_public_id, unique=True)
    author_id: int = Field(foreign_key="users.id", index=True)
    # Given at the first publication and never changed after, so shared links keep working.
    slug: str | None = text_field(100, default=None, nullable=True, unique=True)
    status: StoryStatus = enum_field(StoryStatus, default=StoryStatus.DRAFT, index=True)
    working_number: int = 1
    # The revision candidates read; None while nothing is online.
    live_number: int | None = None
    # HR's last note to the author (changes asked for, or why it was not accepted).
    review_note: str = Field(default="", sa_type=sa.Text)
    first_published_at: datetime | None = utc_field(default=None, nullable=True)
    created_at: datetime = utc_field(default_factory=utcnow)
    updated_at: datetime = utc_field(default_factory=utcnow)
    # The key of the "new story" form that created it: a double POST makes one story.
    idempotency_key: str | None = text_field(64, default=None, nullable=True)
    # Raised on every change: two people saving at once cannot overwrite each other unseen.
    version: int = 1

    author: "User" = Relationship(sa_relationship_kwargs={"lazy": "raise"})


class StoryRevision(SQLModel, table=True):
    __tablename__ = "story_revisions"
    __table_args__ = (sa.UniqueConstraint("story_id", "number", name="uq_story_revisions_number"),)

    id: int | None = Field(default=None, primary_key=True)
    story_id: int = Field(foreign_key="stories.id", index=True, ondelete="CASCADE")
    number: int = 1
    title: str = text_field(200)
    teaser: str = text_field(300, default="")
    body: str = Field(default="", sa_type=sa.Text)
    # Counted when saved, for the reading time (not on every page view).
    words: int = 0
    language: str = text_field(5, default="nl")
    department: str = text_field(200, default="")
    team: str = text_field(100, default="")
    themes: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    image_id: int | None = Field(default=None, foreign_key="images.id", nullable=True)
    image_alt: str = text_field(300, default="")
    created_at: datetime = utc_field(default_factory=utcnow)
    updated_at: datetime = utc_field(default_factory=utcnow)
    submitted_at: datetime | None = utc_field(default=None, nullable=True)
    reviewed_at: datetime | None = utc_field(default=None, nullable=True)
    reviewer_id: int | None = Field(default=None, foreign_key="users.id", nullable=True)
    review_note: str = Field(default="", sa_type=sa.Text)
    published_at: datetime | None = utc_field(default=None, nullable=True)

    image: Optional["Image"] = Relationship(sa_relationship_kwargs={"lazy": "raise"})
