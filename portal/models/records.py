"""What the portal keeps for its own work: the e-mail outbox, the audit trail and the
rate-limit counters."""

# No `from __future__ import annotations` here: SQLModel resolves relationship types from
# real annotations, and string unions such as "X | None" defeat it.
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from portal.models.base import (
    enum_field,
    text_field,
    utc_field,
    utcnow,
)


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class OutboxEmail(SQLModel, table=True):
    """An e-mail written in the same transaction as the change that causes it.

    The message is encrypted with a key derived from the secret key, because a sign-in
    mail carries a live link; after delivery the payload is erased.
    """

    __tablename__ = "outbox_emails"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = text_field(50)
    recipient: str = text_field(320)
    message_id: str = text_field(200, unique=True)
    payload: bytes | None = Field(default=None, sa_type=sa.LargeBinary, nullable=True)
    status: OutboxStatus = enum_field(OutboxStatus, default=OutboxStatus.PENDING, index=True)
    attempts: int = 0
    next_attempt_at: datetime = utc_field(default_factory=utcnow, index=True)
    claimed_until: datetime | None = utc_field(default=None, nullable=True)
    last_error: str = text_field(500, default="")
    # Set for e-mail that must go out once only (a reminder, a change notice).
    dedupe_key: str | None = text_field(200, default=None, nullable=True, unique=True)
    created_at: datetime = utc_field(default_factory=utcnow)
    sent_at: datetime | None = utc_field(default=None, nullable=True)


class AuditEvent(SQLModel, table=True):
    """Who did what, when. Never a token or a message body."""

    __tablename__ = "audit_events"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = utc_field(default_factory=utcnow, index=True)
    actor_id: int | None = Field(default=None, foreign_key="users.id", nullable=True)
    action: str = text_field(80, index=True)
    subject_type: str = text_field(50, default="")
    subject_id: str = text_field(64, default="")
    request_id: str = text_field(64, default="")
    details: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)


class RateLimitHit(SQLModel, table=True):
    """A fixed-window counter, shared by every app process through the database."""

    __tablename__ = "rate_limit_hits"

    # The bucket (a hash, never an address in clear) and the window's number.
    key: str = text_field(128, primary_key=True)
    count: int = 0
    expires_at: datetime = utc_field(index=True)
