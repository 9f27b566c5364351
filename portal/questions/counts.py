"""Question counts for HR's dashboard: what each visit was asked, and what still waits.

Each is a scalar subquery for the dashboard's own queries to carry, so counting costs no
round trip of its own; the indexes on questions (visit, status) and (status, …) answer
them without reading the table.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from portal.models import Question, QuestionStatus
from portal.questions.lifecycle import OPEN_STATUSES


def asked(visit_id: Any) -> sa.ScalarSelect[int]:
    """The questions asked about the visit ``visit_id`` (a column), withdrawn ones not
    counted."""
    return (
        sa.select(sa.func.count())
        .where(
            col(Question.visit_id) == visit_id,
            col(Question.status) != QuestionStatus.WITHDRAWN,
        )
        .scalar_subquery()
    )


def waiting(visit_id: Any) -> sa.ScalarSelect[int]:
    """The questions about the visit ``visit_id`` (a column) still waiting for an answer."""
    return (
        sa.select(sa.func.count())
        .where(col(Question.visit_id) == visit_id, col(Question.status).in_(OPEN_STATUSES))
        .scalar_subquery()
    )


def overdue(waited_since: datetime) -> sa.ScalarSelect[int]:
    """Open questions asked before ``waited_since``, about any visit."""
    return (
        sa.select(sa.func.count())
        .where(col(Question.status).in_(OPEN_STATUSES), col(Question.created_at) < waited_since)
        .scalar_subquery()
    )


def working_days_ahead(today: date, days: int) -> date:
    """The date ``days`` working days (Monday to Friday) after ``today``."""
    current, counted = today, 0
    while counted < days:
        current += timedelta(days=1)
        if current.weekday() < 5:
            counted += 1
    return current
