"""Questions ahead of the visit: who may ask, see, answer and change what, and when."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload
from sqlmodel import col

from portal import audit
from portal.db import Conflict, update_if
from portal.mail.mailer import Mailer
from portal.models import (
    Question,
    QuestionStatus,
    Role,
    StaffProfile,
    User,
    Visit,
    VisitStatus,
    rel,
)
from portal.scope import visits_visible_to
from portal.visits.service import lock_visit

MAX_QUESTION = 2000
# Questions one candidate may ask for one visit (withdrawn ones not counted): far more
# than anyone asks, few enough that a script cannot fill HR's inbox.
MAX_PER_VISIT = 30
MAX_ANSWER = 5000
PAGE_SIZE = 25

OPEN_STATUSES = (QuestionStatus.RECEIVED, QuestionStatus.ROUTED, QuestionStatus.DRAFTED)


class QuotaExceeded(Exception):
    pass


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
    audit.record(
        db,
        action=action,
        now=now,
        actor_id=actor.id,
        subject_type="question",
        subject_id=question.public_id,
        details=details,
    )


@dataclass
class Asked:
    question: Question
    # False when the same form came again (a double click, a retry): nothing new was made.
    created: bool


def _with_people() -> sa.Select[Question]:
    return sa.select(Question).options(
        joinedload(rel(Question.visit)),
        joinedload(rel(Question.candidate)),
        joinedload(rel(Question.answered_by)).joinedload(rel(User.profile)),
        joinedload(rel(Question.assignee)),
    )


async def candidate_questions(db: AsyncSession, *, actor: User) -> list[Question]:
    """A candidate's own questions, newest first (one query)."""
    rows = await db.scalars(
        _with_people()
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
    audit.record(
        db,
        action="question.asked",
        now=now,
        actor_id=actor.id,
        subject_type="question",
        subject_id=question.public_id,
    )
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


# ---- HR ------------------------------------------------------------------------------


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
    query = _with_people().join(rel(Question.visit))
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


async def hr_question(db: AsyncSession, *, actor: User, public_id: str) -> Question | None:
    if not actor.role.is_hr:
        return None
    found: Question | None = (
        await db.scalars(_with_people().where(col(Question.public_id) == public_id))
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


def answerer_visible(question: Question) -> bool:
    """Whether the candidate may follow a link to the answerer's bio."""
    person = question.answered_by
    profile: StaffProfile | None = person.profile if person else None
    return bool(person and person.is_active and profile and profile.visible_to_candidates)


def working_days_ahead(today: date, days: int) -> date:
    """The date ``days`` working days (Monday to Friday) after ``today``."""
    current, counted = today, 0
    while counted < days:
        current += timedelta(days=1)
        if current.weekday() < 5:
            counted += 1
    return current
