"""Questions ahead of the visit, the candidate's side: asking, changing and withdrawing
their own questions.

HR's inbox and answers are in inbox, routing to a colleague in routing, the dashboard's
counts in counts; every change goes through lifecycle.advance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from portal import audit
from portal.models import (
    Question,
    QuestionStatus,
    Role,
    StaffProfile,
    User,
    Visit,
    VisitStatus,
)
from portal.questions.counts import working_days_ahead as working_days_ahead
from portal.questions.lifecycle import OPEN_STATUSES, advance, with_people
from portal.scope import visits_visible_to
from portal.visits.service import lock_visit

MAX_QUESTION = 2000
# Questions one candidate may ask for one visit (withdrawn ones not counted): far more
# than anyone asks, few enough that a script cannot fill HR's inbox.
MAX_PER_VISIT = 30


class QuotaExceeded(Exception):
    pass


@dataclass
class Asked:
    question: Question
    # False when the same form came again (a double click, a retry): nothing new was made.
    created: bool


async def candidate_questions(db: AsyncSession, *, actor: User) -> list[Question]:
    """A candidate's own questions, newest first (one query)."""
    rows = await db.scalars(
        with_people()
        .where(
            col(Question.candidate_id) == actor.id, col(Question.status) != QuestionStatus.WITHDRAWN
        )
        .order_by(col(Question.created_at).desc(), col(Question.id).desc())
    )
    return list(rows.unique())


async def askable_visit(db: AsyncSession, *, actor: User, now: datetime) -> Visit | None:
    """The visit a new question belongs to: the candidate's next one that is not cancelled."""
    if actor.role is not Role.CANDIDATE:
        return None
    visit: Visit | None = await db.scalar(
        visits_visible_to(actor)
        .where(col(Visit.status) == VisitStatus.SCHEDULED, col(Visit.ends_at) > now)
        .order_by(col(Visit.starts_at))
        .limit(1)
    )
    return visit


async def ask(
    db: AsyncSession,
    *,
    actor: User,
    visit: Visit,
    body: str,
    ask_in_person: bool,
    idempotency_key: str,
    now: datetime,
) -> Asked:
    """Record a question once per form: a replay of the same key returns the first one.

    The quota holds under concurrency: the visit's row is locked first, so of forty
    questions sent at once each counts only after the one before it is stored.
    """
    # Count-then-insert alone lets parallel requests all count 29 and all insert; a lock
    # on the visit row (rather than a table lock or SERIALIZABLE retries) queues only the
    # requests about this one visit and works alike on PostgreSQL and SQLite.
    await lock_visit(db, visit_id=visit.id)  # type: ignore[arg-type]  # a loaded row has its id
    existing = await _by_key(db, actor=actor, key=idempotency_key)
    if existing is not None:
        return Asked(existing, created=False)
    asked = await db.scalar(
        sa.select(sa.func.count())
        .select_from(Question)
        .where(
            col(Question.visit_id) == visit.id,
            col(Question.candidate_id) == actor.id,
            col(Question.status) != QuestionStatus.WITHDRAWN,
        )
    )
    if int(asked or 0) >= MAX_PER_VISIT:
        raise QuotaExceeded
    question = Question(
        visit_id=visit.id,  # type: ignore[arg-type]  # a loaded row always has its id
        candidate_id=actor.id,  # type: ignore[arg-type]
        idempotency_key=idempotency_key,
        body=body,
        ask_in_person=ask_in_person,
        created_at=now,
        updated_at=now,
    )
    try:
        async with db.begin_nested():
            db.add(question)
            await db.flush()
    except IntegrityError:
        # Two copies of the same form raced: the other one won, hand back its question.
        won = await _by_key(db, actor=actor, key=idempotency_key)
        if won is None:
            raise
        return Asked(won, created=False)
    audit.about(db, question, action="question.asked", now=now, actor=actor)
    return Asked(question, created=True)


async def _by_key(db: AsyncSession, *, actor: User, key: str) -> Question | None:
    found: Question | None = await db.scalar(
        sa.select(Question).where(
            col(Question.candidate_id) == actor.id, col(Question.idempotency_key) == key
        )
    )
    return found


async def own_question(db: AsyncSession, *, actor: User, public_id: str) -> Question | None:
    """One of the candidate's own questions (None for anyone else's: they answer 404)."""
    if actor.role is not Role.CANDIDATE:
        return None
    found: Question | None = await db.scalar(
        sa.select(Question).where(
            col(Question.public_id) == public_id, col(Question.candidate_id) == actor.id
        )
    )
    return found


async def edit(
    db: AsyncSession,
    *,
    actor: User,
    question: Question,
    body: str,
    ask_in_person: bool,
    version: int,
    now: datetime,
) -> None:
    """Change an unanswered question; raises Conflict when it was answered or changed meanwhile."""
    await advance(
        db,
        question,
        actor=actor,
        action="question.edited",
        allowed=OPEN_STATUSES,
        now=now,
        version=version,
        body=body,
        ask_in_person=ask_in_person,
    )


async def withdraw(db: AsyncSession, *, actor: User, question: Question, now: datetime) -> None:
    await advance(
        db,
        question,
        actor=actor,
        action="question.withdrawn",
        allowed=OPEN_STATUSES,
        now=now,
        status=QuestionStatus.WITHDRAWN,
    )


def answerer_visible(question: Question) -> bool:
    """Whether the candidate may follow a link to the answerer's bio."""
    person = question.answered_by
    profile: StaffProfile | None = person.profile if person else None
    return bool(person and person.is_active and profile and profile.visible_to_candidates)
