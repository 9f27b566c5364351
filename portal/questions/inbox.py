"""HR's side of questions: the inbox, and the answer HR publishes to the candidate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from portal.mail.mailer import Mailer
from portal.models import Question, QuestionStatus, User, Visit, rel
from portal.questions.lifecycle import OPEN_STATUSES, advance, with_people

MAX_ANSWER = 5000
PAGE_SIZE = 25


@dataclass
class InboxPage:
    questions: list[Question]
    page: int
    has_next: bool


@dataclass
class InboxFilter:
    """What HR narrowed the inbox to (from the query string; unknown values mean "all")."""

    status: str = "open"
    department: str = ""
    assignee: str = ""  # a colleague's public id, or "nobody"
    visit: str = ""  # a visit's public id
    page: int = 1


async def inbox(db: AsyncSession, *, actor: User, filters: InboxFilter) -> InboxPage | None:
    """HR's inbox: the soonest visit first, a page at a time (one query)."""
    if not actor.role.is_hr:
        return None
    query = with_people().join(rel(Question.visit))
    if filters.status == "open":
        query = query.where(col(Question.status).in_(OPEN_STATUSES))
    elif filters.status in {s.value for s in QuestionStatus}:
        query = query.where(col(Question.status) == QuestionStatus(filters.status))
    if filters.department:
        query = query.where(col(Visit.department) == filters.department)
    if filters.visit:
        query = query.where(col(Visit.public_id) == filters.visit)
    if filters.assignee == "nobody":
        query = query.where(col(Question.assignee_id).is_(None))
    elif filters.assignee:
        assignee = sa.select(col(User.id)).where(col(User.public_id) == filters.assignee)
        query = query.where(col(Question.assignee_id).in_(assignee.scalar_subquery()))
    query = query.order_by(col(Visit.starts_at), col(Question.created_at), col(Question.id))
    page = max(1, filters.page)
    rows = list(
        (await db.scalars(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1))).unique()
    )
    return InboxPage(rows[:PAGE_SIZE], page, len(rows) > PAGE_SIZE)


async def departments(db: AsyncSession) -> list[str]:
    """The departments that have visits, for the inbox's filter (one query)."""
    rows = await db.scalars(
        sa.select(col(Visit.department))
        .where(col(Visit.department) != "")
        .distinct()
        .order_by(col(Visit.department))
    )
    return list(rows)


async def hr_question(db: AsyncSession, *, actor: User, public_id: str) -> Question | None:
    if not actor.role.is_hr:
        return None
    found: Question | None = (
        await db.scalars(with_people().where(col(Question.public_id) == public_id))
    ).first()
    return found


async def publish_answer(
    db: AsyncSession,
    *,
    actor: User,
    question: Question,
    answer: str,
    version: int,
    mailer: Mailer,
    now: datetime,
) -> None:
    """HR publishes an answer: the candidate is told by e-mail, the text stays behind sign-in.

    Conditional on the version HR saw, so two HR people answering at once cannot
    overwrite each other: the second is told (Conflict) and nothing changes. Approving a
    colleague's draft publishes it under the colleague's name: they answered.
    """
    drafted = question.status == QuestionStatus.DRAFTED and question.assignee_id is not None
    author_id = question.assignee_id if drafted else actor.id
    await advance(
        db,
        question,
        actor=actor,
        action="question.answered",
        details={"approved_draft": drafted},
        allowed=OPEN_STATUSES,
        now=now,
        version=version,
        answer=answer,
        answered_by_id=author_id,
        answered_at=now,
        status=QuestionStatus.ANSWERED,
    )
    await mailer.queue(
        db,
        "question_answered",
        to=question.candidate,
        context={"name": question.candidate.name, "link": mailer.link("/questions")},
        now=now,
    )
