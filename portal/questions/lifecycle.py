"""What every change to a question goes through: its open states, and one conditional
UPDATE that lets two people changing it at once never overwrite each other."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload
from sqlmodel import col

from portal import audit
from portal.db import Conflict, update_if
from portal.models import Question, QuestionStatus, User, rel

OPEN_STATUSES = (QuestionStatus.RECEIVED, QuestionStatus.ROUTED, QuestionStatus.DRAFTED)


async def advance(
    db: AsyncSession,
    question: Question,
    *,
    actor: User,
    action: str,
    allowed: Iterable[QuestionStatus],
    now: datetime,
    version: int | None = None,
    also: Iterable[Any] = (),
    details: dict[str, Any] | None = None,
    **values: Any,
) -> None:
    """Change a question only from an ``allowed`` state and, when given, the ``version`` the
    person saw: one conditional UPDATE, so of two people changing it at once one wins and
    the other gets Conflict (and can be told, with nothing overwritten). The change is
    recorded as the audit event ``action``."""
    conditions = [col(Question.id) == question.id, col(Question.status).in_(list(allowed)), *also]
    if version is not None:
        conditions.append(col(Question.version) == version)
    if not await update_if(db, Question, *conditions, now=now, **values):
        raise Conflict
    audit.about(db, question, action=action, now=now, actor=actor, details=details)


def with_people() -> sa.Select[Question]:
    """Questions with the visit and everyone a page names beside them, in the same query."""
    return sa.select(Question).options(
        joinedload(rel(Question.visit)),
        joinedload(rel(Question.candidate)),
        joinedload(rel(Question.answered_by)).joinedload(rel(User.profile)),
        joinedload(rel(Question.assignee)),
    )
