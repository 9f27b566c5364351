"""Audit events: who did what, when (with the request id to find the log lines)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from portal.logs import request_id_var
from portal.models import AuditEvent


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
