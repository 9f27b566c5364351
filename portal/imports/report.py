"""What an import did: the counts it reports, the audit events it leaves, and the list
of recent imports HR sees."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from portal import audit
from portal.logs import request_id_var
from portal.models import AuditEvent, User, Visit


@dataclass
class Report:
    created: dict[str, int] = field(default_factory=lambda: {"staff": 0, "visits": 0})
    updated: dict[str, int] = field(default_factory=lambda: {"staff": 0, "visits": 0})
    # Existing visits whose candidate-facing programme changed.
    changed: list[Visit] = field(default_factory=list)
    # Every visit the file created or changed (public id → changed fields; None: created),
    # so that each visit's own history shows the import.
    touched: dict[str, list[str] | None] = field(default_factory=dict)
    notified: int = 0
    # Existing visits that the file gave to another candidate (see visits.hand_over).
    handed_over: int = 0


async def record(
    db: AsyncSession,
    report: Report,
    *,
    now: datetime,
    actor_id: int | None,
    details: dict[str, Any] | None,
) -> None:
    """The audit events of an import: one per visit it touched, and one for the whole."""
    if report.touched:
        # One row per visit, in one statement: a visit's history shows the import too.
        await db.execute(
            sa.insert(AuditEvent),
            [
                {
                    "at": now,
                    "actor_id": actor_id,
                    "action": "visit.imported",
                    "subject_type": "visit",
                    "subject_id": public_id,
                    "request_id": request_id_var.get(),
                    "details": {"fields": fields} if fields is not None else {"created": True},
                }
                for public_id, fields in report.touched.items()
            ],
        )
    audit.record(
        db,
        action="import.applied",
        now=now,
        actor_id=actor_id,
        details={
            "created": report.created,
            "updated": report.updated,
            "notified": report.notified,
            "handed_over": report.handed_over,
            **(details or {}),
        },
    )


@dataclass(frozen=True)
class PastImport:
    at: datetime
    actor: str
    details: dict[str, Any]


async def recent_imports(
    db: AsyncSession, *, limit: int = 10, actor_id: int | None = None
) -> list[PastImport]:
    """The latest imports, newest first (one query); ``actor_id``: only that person's."""
    query = (
        sa.select(AuditEvent, col(User.name))
        .outerjoin(User, col(User.id) == col(AuditEvent.actor_id))
        .where(col(AuditEvent.action) == "import.applied")
        .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
        .limit(limit)
    )
    if actor_id is not None:
        query = query.where(col(AuditEvent.actor_id) == actor_id)
    return [
        PastImport(at=event.at, actor=name or "", details=event.details)
        for event, name in (await db.execute(query)).all()
    ]
