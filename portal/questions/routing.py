"""Routing a question to a colleague: their draft, and HR's approval or return."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload
from sqlmodel import col

from portal.mail.mailer import Mailer
from portal.models import Question, QuestionStatus, Role, StaffProfile, User, Visit, rel
from portal.questions.lifecycle import OPEN_STATUSES, advance

# Staff, written so the planner can use the partial index ix_users_staff_name: the same
# words as its WHERE, with the literal role (a bound parameter proves nothing at planning).
IS_STAFF = col(User.role) != sa.literal_column(f"'{Role.CANDIDATE.value}'")


@dataclass(frozen=True)
class Colleague:
    public_id: str
    name: str
    job_title: str
    department: str


async def colleagues(db: AsyncSession) -> list[Colleague]:
    """Everyone a question can be routed to: active staff, by name (one query, of the
    columns the form shows only)."""
    rows = await db.execute(
        sa.select(
            col(User.public_id),
            col(User.name),
            sa.func.coalesce(col(StaffProfile.job_title), ""),
            sa.func.coalesce(col(StaffProfile.department), ""),
        )
        .outerjoin(StaffProfile, col(StaffProfile.user_id) == col(User.id))
        .where(IS_STAFF, col(User.is_active).is_(True))
        .order_by(col(User.name), col(User.id))
    )
    return [Colleague(*row) for row in rows.all()]


async def route(
    db: AsyncSession,
    *,
    actor: User,
    question: Question,
    assignee_id: str,
    note: str,
    version: int,
    mailer: Mailer,
    now: datetime,
) -> bool:
    """Hand a question to a colleague with an internal note; False if they can't take it."""
    assignee: User | None = await db.scalar(
        sa.select(User).where(
            col(User.public_id) == assignee_id,
            col(User.role) != Role.CANDIDATE,
            col(User.is_active).is_(True),
        )
    )
    if assignee is None:
        return False
    await advance(
        db,
        question,
        actor=actor,
        action="question.routed",
        details={"to": assignee.public_id},
        allowed=OPEN_STATUSES,
        now=now,
        version=version,
        status=QuestionStatus.ROUTED,
        assignee_id=assignee.id,
        internal_note=note,
        return_note="",
    )
    await _tell_colleague(
        db,
        question=question,
        colleague=assignee,
        returned=False,
        mailer=mailer,
        now=now,
    )
    return True


async def _tell_colleague(
    db: AsyncSession,
    *,
    question: Question,
    colleague: User,
    returned: bool,
    mailer: Mailer,
    now: datetime,
) -> None:
    await mailer.queue(
        db,
        "question_routed",
        to=colleague,
        context={
            "name": colleague.name,
            "returned": returned,
            "position": question.visit.position,
            "link": mailer.link("/me/questions"),
        },
        now=now,
    )


async def routed_to(db: AsyncSession, *, actor: User) -> list[Question]:
    """The questions waiting for ``actor``'s draft, soonest visit first (one query).

    The colleague sees the candidate's first name, the position and the date: no more
    about the candidate than answering needs.
    """
    if not actor.role.is_staff:
        return []
    rows = await db.scalars(
        sa.select(Question)
        .options(joinedload(rel(Question.visit)), joinedload(rel(Question.candidate)))
        .join(rel(Question.visit))
        .where(
            col(Question.assignee_id) == actor.id,
            col(Question.status).in_([QuestionStatus.ROUTED, QuestionStatus.DRAFTED]),
        )
        .order_by(col(Visit.starts_at), col(Question.id))
    )
    return list(rows.unique())


async def assigned_question(db: AsyncSession, *, actor: User, public_id: str) -> Question | None:
    found: Question | None = (
        await db.scalars(
            sa.select(Question)
            .options(joinedload(rel(Question.visit)))
            .where(col(Question.public_id) == public_id, col(Question.assignee_id) == actor.id)
        )
    ).first()
    return found


async def submit_draft(
    db: AsyncSession,
    *,
    actor: User,
    question: Question,
    draft: str,
    version: int,
    now: datetime,
) -> None:
    """The colleague's draft goes to HR for approval (HR may still edit it)."""
    await advance(
        db,
        question,
        actor=actor,
        action="question.drafted",
        allowed=(QuestionStatus.ROUTED, QuestionStatus.DRAFTED),
        now=now,
        version=version,
        also=[col(Question.assignee_id) == actor.id],
        draft=draft,
        status=QuestionStatus.DRAFTED,
    )


async def send_back(
    db: AsyncSession,
    *,
    actor: User,
    question: Question,
    note: str,
    version: int,
    mailer: Mailer,
    now: datetime,
) -> None:
    """HR returns a draft to its author with a note."""
    await advance(
        db,
        question,
        actor=actor,
        action="question.sent_back",
        allowed=(QuestionStatus.DRAFTED,),
        now=now,
        version=version,
        status=QuestionStatus.ROUTED,
        return_note=note,
    )
    # The version matched, so the assignee is still the one this page was loaded with.
    colleague = await db.get(User, question.assignee_id) if question.assignee_id else None
    if colleague is not None and colleague.is_active:
        await _tell_colleague(
            db,
            question=question,
            colleague=colleague,
            returned=True,
            mailer=mailer,
            now=now,
        )
