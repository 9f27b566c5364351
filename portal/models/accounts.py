"""Signing in: magic links with their codes, and server-side sessions."""

# No `from __future__ import annotations` here: SQLModel resolves relationship types from
# real annotations, and string unions such as "X | None" defeat it.
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlmodel import Field, Relationship, SQLModel

from portal.models.base import (
    enum_field,
    text_field,
    utc_field,
    utcnow,
)

if TYPE_CHECKING:
    from portal.models.people import User


class TokenPurpose(StrEnum):
    SIGN_IN = "sign_in"
    INVITATION = "invitation"


class SignInToken(SQLModel, table=True):
    """A magic link and its one-time code. Only hashes are stored (a dump signs no one in)."""

    __tablename__ = "sign_in_tokens"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    purpose: TokenPurpose = enum_field(TokenPurpose)
    token_hash: str = text_field(64, unique=True)
    code_hash: str | None = text_field(64, default=None, nullable=True)
    # Hash of a cookie set in the browser that asked: the code works only there.
    browser_hash: str | None = text_field(64, default=None, nullable=True, index=True)
    next_path: str | None = text_field(500, default=None, nullable=True)
    code_attempts: int = 0
    created_at: datetime = utc_field(default_factory=utcnow)
    expires_at: datetime = utc_field(index=True)
    used_at: datetime | None = utc_field(default=None, nullable=True)


class UserSession(SQLModel, table=True):
    """A server-side session; the cookie holds a random id whose hash is stored here."""

    __tablename__ = "sessions"

    id: int | None = Field(default=None, primary_key=True)
    id_hash: str = text_field(64, unique=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    created_at: datetime = utc_field(default_factory=utcnow)
    last_seen_at: datetime = utc_field(default_factory=utcnow)
    expires_at: datetime = utc_field(index=True)
    revoked_at: datetime | None = utc_field(default=None, nullable=True)

    user: "User" = Relationship(sa_relationship_kwargs={"lazy": "raise"})
