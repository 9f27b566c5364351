"""Question counts for HR's dashboard: what each visit was asked, and what still waits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from portal.models import Question, QuestionStatus
from portal.questions.lifecycle import OPEN_STATUSES


@dataclass
class Readiness:
    """Per visit: questions asked, and those still waiting for an answer."""

    asked: dict[int, int]
    waiting: dict[int, int]
    overdue: int  # open questions older than the configured wait, across all visits


async def readiness(db: AsyncSession, *, visit_ids: list[int], waited_since: datetime) -> Readiness:
    """Question counts for the HR dashboard, in one query whatever the number of visits."""
    open_ = col(Question.status).in_(OPEN_STATUSES)
    counts = (
        sa.select(
            col(Question.visit_id),
            sa.func.count(),
            sa.func.sum(sa.case((open_, 1), else_=0)),
            sa.func.sum(
                sa.case((sa.and_(open_, col(Question.created_at) < waited_since), 1), else_=0)
            ),
        )
        .where(
            col(Question.status) != QuestionStatus.WITHDRAWN,
            # Only the dashboard's visits, and old open questions anywhere: not all history.
            sa.or_(
                col(Question.visit_id).in_(visit_ids),
                sa.and_(open_, col(Question.created_at) < waited_since),
            ),
        )
        .group_by(col(Question.visit_id))
    )
    asked: dict[int, int] = {}
    waiting: dict[int, int] = {}
    overdue = 0
    for visit_id, total, open_count, late in (await db.execute(counts)).all():
        overdue += int(late or 0)
        if visit_id in visit_ids:
            asked[visit_id], waiting[visit_id] = int(total), int(open_count or 0)
    return Readiness(asked, waiting, overdue)


def working_days_ahead(today: date, days: int) -> date:
    """The date ``days`` working days (Monday to Friday) after ``today``."""
    current, counted = today, 0
    while counted < days:
        current += timedelta(days=1)
        if current.weekday() < 5:
            counted += 1
    return current
