"""Questions a candidate asks before their visit, and their answers."""

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
    from portal.models.visits import Visit


class QuestionStatus(StrEnum):
    RECEIVED = "received"  # waiting for HR
    ROUTED = "routed"  # with a colleague, who drafts an answer
    DRAFTED = "drafted"  # the colleague's draft waits for HR's approval
    ANSWERED = "answered"  # published to the candidate
    WITHDRAWN = "withdrawn"  # the candidate took it back


class Question(SQLModel, table=True):
    """A candidate's question ahead of their visit, and the answer HR publishes.

    The draft, internal note and assignee are for staff only; the candidate sees the
    question, its status and the published answer.
    """

    __tablename__ = "questions"
    __table_args__ = (
        # A double click or a retried POST carries the same key: one question, not two.
        sa.UniqueConstraint("candidate_id", "idempotency_key", name="uq_questions_idempotency"),
        # A visit's questions by status: the inbox walking the visits in date order, the
        # dashboard's counts per visit (and, by its first column, the foreign key).
        sa.Index("ix_questions_visit_status", "visit_id", "status", "created_at"),
        # The open questions, for the inbox (also those with nobody or one colleague) and
        # the dashboard's count of those waiting too long; holding the visit, the date and
        # the id, the inbox sorts them without reading the table.
        sa.Index(
            "ix_questions_status_assignee",
            "status",
            "assignee_id",
            "visit_id",
            "created_at",
            "id",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = text_field(32, default_factory=new_public_id, unique=True)
    visit_id: int = Field(foreign_key="visits.id", ondelete="CASCADE")
    candidate_id: int = Field(foreign_key="users.id", index=True)
    idempotency_key: str = text_field(64)
    body: str = Field(sa_type=sa.Text)
    ask_in_person: bool = False
    status: QuestionStatus = enum_field(QuestionStatus, default=QuestionStatus.RECEIVED)
    assignee_id: int | None = Field(default=None, foreign_key="users.id", nullable=True, index=True)
    internal_note: str = Field(default="", sa_type=sa.Text)
    draft: str = Field(default="", sa_type=sa.Text)
    return_note: str = Field(default="", sa_type=sa.Text)
    answer: str = Field(default="", sa_type=sa.Text)
    answered_by_id: int | None = Field(default=None, foreign_key="users.id", nullable=True)
    created_at: datetime = utc_field(default_factory=utcnow)
    updated_at: datetime = utc_field(default_factory=utcnow)
    answered_at: datetime | None = utc_field(default=None, nullable=True)
    # Raised on every change: two people saving at once cannot overwrite each other unseen.
    version: int = 1

    visit: "Visit" = Relationship(sa_relationship_kwargs={"lazy": "raise"})
    candidate: "User" = Relationship(
        sa_relationship_kwargs={"foreign_keys": "Question.candidate_id", "lazy": "raise"}
    )
    assignee: Optional["User"] = Relationship(
        sa_relationship_kwargs={"foreign_keys": "Question.assignee_id", "lazy": "raise"}
    )
    answered_by: Optional["User"] = Relationship(
        sa_relationship_kwargs={"foreign_keys": "Question.answered_by_id", "lazy": "raise"}
    )
