"""Audit events: who did what, when (with the request id to find the log lines)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from portal.logs import request_id_var
from portal.models import AuditEvent, User


def record(
    db: AsyncSession,
    *,
    action: str,
    now: datetime,
    actor_id: int | None = None,
    subject_type: str = "",
    subject_id: str = "",
    details: dict[str, Any] | None = None,
) -> None:
    """Add an event to the caller's transaction. Never pass a token or a message body."""
    db.add(
        AuditEvent(
            at=now,
            actor_id=actor_id,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            request_id=request_id_var.get(),
            details=details or {},
        )
    )


class Subject(Protocol):
    """A row an event is about: it has a public id and a table name."""

    public_id: str
    __tablename__: ClassVar[Any]


def about(
    db: AsyncSession,
    subject: Subject,
    *,
    action: str,
    now: datetime,
    actor: User | None,
    details: dict[str, Any] | None = None,
) -> None:
    """An event about one row (a visit, a question, a story, a person): its kind is the
    row's table in the singular ("visits" → "visit", "stories" → "story")."""
    record(
        db,
        action=action,
        now=now,
        actor_id=actor.id if actor else None,
        subject_type=_singular(str(subject.__tablename__)),
        subject_id=subject.public_id,
        details=details,
    )


def _singular(table: str) -> str:
    return table[:-3] + "y" if table.endswith("ies") else table.removesuffix("s")
