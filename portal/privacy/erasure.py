"""Erasing a candidate: everything personal about them is deleted, not flagged.

What goes: the account, their visits with everything hanging off them (preferences,
agenda items and their interviewer links, calendar tombstones), their questions with the
answers, drafts and internal notes staff wrote to them, sign-in tokens, sessions, their
consent to be kept, and the e-mail waiting for them or about their visits. Audit events
stay (who did what, when) but no longer say about whom: the candidate's id, their visits'
and questions' ids and the details are replaced by a marker. Rate-limit rows hold only
hashes and roll off by themselves. Staff rows are never touched. Saved agenda templates
are separate rows (no foreign key to a visit), so they stay.

HR's figures need no rows of an erased candidate: the dashboard counts visits still on
record only, so the visits are deleted as a whole rather than kept as anonymous shells.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from portal import audit
from portal.db import lock_row
from portal.models import (
    AgendaInterviewer,
    AgendaItem,
    AgendaTemplate,
    AgendaTombstone,
    AuditEvent,
    Image,
    OutboxEmail,
    PoolConsent,
    Question,
    SignInToken,
    StaffProfile,
    Story,
    StoryRevision,
    User,
    UserSession,
    Visit,
    VisitPreferences,
)

log = logging.getLogger(__name__)

# What an audit event says instead of whom it was about.
ERASED = "an erased candidate"

# Every foreign key to users or visits, and what erasure does with it. The tests compare
# this with the models: a new foreign key fails them until it is handled here.
HANDLED: dict[tuple[str, str], str] = {
    ("visits", "candidate_id"): "their visits are deleted",
    ("visits", "host_id"): "staff only; cleared should it name them",
    ("agenda_items", "visit_id"): "deleted with the visit",
    ("agenda_interviewers", "user_id"): "staff only; the visit's links are deleted with it",
    ("agenda_tombstones", "visit_id"): "deleted with the visit",
    ("agenda_templates", "created_by_id"): "staff only; cleared should it name them",
    ("visit_preferences", "visit_id"): "deleted with the visit",
    ("questions", "visit_id"): "deleted with the visit",
    ("questions", "candidate_id"): "deleted, answers and notes included",
    ("questions", "assignee_id"): "staff only; cleared should it name them",
    ("questions", "answered_by_id"): "staff only; cleared should it name them",
    ("sign_in_tokens", "user_id"): "deleted",
    ("sessions", "user_id"): "deleted",
    ("pool_consents", "user_id"): "deleted",
    ("audit_events", "actor_id"): "cleared; the event stays, scrubbed",
    ("staff_profiles", "user_id"): "staff only; a candidate has none (deleted should one exist)",
    ("story_revisions", "reviewer_id"): "staff only; cleared should it name them",
    ("images", "owner_id"): "staff only: a candidate who owns one is refused",
    ("stories", "author_id"): "staff only: a candidate who wrote one is refused",
}


class NotACandidate(Exception):
    """Staff (or an account that holds staff data) are not erased this way."""


def _ids(rows: Any) -> list[Any]:
    return [row[0] for row in rows]


async def erase_candidate(
    db: AsyncSession, *, user_id: int, now: datetime, reason: str, record: bool = True
) -> Counter[str]:
    """Delete everything personal about one candidate; the counts per kind (never names).

    Idempotent: a second run, or one racing this one, finds nothing and returns no counts.
    With ``record`` an audit event with the reason and the counts is written (the
    retention job writes one event per run instead). Raises NotACandidate for staff.
    """
    # Taken first: of two erasures at once the second waits here, then finds no one.
    await lock_row(db, User, user_id)
    user = await db.get(User, user_id, populate_existing=True)
    counts: Counter[str] = Counter()
    if user is None:
        return counts
    await _refuse_staff(db, user)
    visit_rows = (
        await db.execute(
            sa.select(col(Visit.id), col(Visit.public_id)).where(col(Visit.candidate_id) == user_id)
        )
    ).all()
    visit_ids = [row[0] for row in visit_rows]
    visit_pids = [row[1] for row in visit_rows]
    question_rows = (
        await db.execute(
            sa.select(col(Question.id), col(Question.public_id)).where(
                sa.or_(col(Question.candidate_id) == user_id, col(Question.visit_id).in_(visit_ids))
            )
        )
    ).all()
    question_ids = [row[0] for row in question_rows]

    counts["audit_events_scrubbed"] = await _scrub_audit(
        db, user=user, visit_pids=visit_pids, question_pids=[row[1] for row in question_rows]
    )
    about = [col(OutboxEmail.recipient) == user.email]
    # Reminders, change and preference notices carry the visit's id in their key.
    about += [col(OutboxEmail.dedupe_key).contains(pid, autoescape=True) for pid in visit_pids]
    counts["emails"] = await _delete(db, OutboxEmail, sa.or_(*about))
    counts["questions"] = await _delete(db, Question, col(Question.id).in_(question_ids))
    counts["preferences"] = await _delete(
        db, VisitPreferences, col(VisitPreferences.visit_id).in_(visit_ids)
    )
    await _delete(db, AgendaTombstone, col(AgendaTombstone.visit_id).in_(visit_ids))
    items = sa.select(col(AgendaItem.id)).where(col(AgendaItem.visit_id).in_(visit_ids))
    await _delete(db, AgendaInterviewer, col(AgendaInterviewer.agenda_item_id).in_(items))
    await _delete(db, AgendaItem, col(AgendaItem.visit_id).in_(visit_ids))
    counts["visits"] = await _delete(db, Visit, col(Visit.id).in_(visit_ids))
    await _clear_staff_references(db, user_id)
    counts["sign_in_tokens"] = await _delete(db, SignInToken, col(SignInToken.user_id) == user_id)
    counts["sessions"] = await _delete(db, UserSession, col(UserSession.user_id) == user_id)
    counts["consents"] = await _delete(db, PoolConsent, col(PoolConsent.user_id) == user_id)
    counts["candidates"] = await _delete(db, User, col(User.id) == user_id)
    db.expunge(user)
    counts = +counts  # drop the zeros
    if record:
        audit.record(
            db,
            action="privacy.candidate_erased",
            now=now,
            subject_type="user",
            subject_id="",
            details={"reason": reason, "who": ERASED, **counts},
        )
    log.info("erased a candidate (%s): %s", reason, dict(counts))
    return counts


async def _refuse_staff(db: AsyncSession, user: User) -> None:
    if user.role.is_staff:
        raise NotACandidate
    for column in (col(Image.owner_id), col(Story.author_id)):
        if (await db.execute(sa.select(column).where(column == user.id).limit(1))).first():
            raise NotACandidate


async def _scrub_audit(
    db: AsyncSession, *, user: User, visit_pids: list[str], question_pids: list[str]
) -> int:
    """The events stay, but no longer say about or by whom: their ids and details go."""
    about = sa.or_(
        col(AuditEvent.actor_id) == user.id,
        sa.and_(
            col(AuditEvent.subject_type) == "user", col(AuditEvent.subject_id) == user.public_id
        ),
        sa.and_(
            col(AuditEvent.subject_type) == "visit", col(AuditEvent.subject_id).in_(visit_pids)
        ),
        sa.and_(
            col(AuditEvent.subject_type) == "question",
            col(AuditEvent.subject_id).in_(question_pids),
        ),
    )
    result = await db.execute(
        sa.update(AuditEvent)
        .where(about)
        .values(
            actor_id=sa.case(
                (col(AuditEvent.actor_id) == user.id, None), else_=col(AuditEvent.actor_id)
            ),
            subject_id="",
            details={"who": ERASED},
        )
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def _clear_staff_references(db: AsyncSession, user_id: int) -> None:
    """Columns that name staff only: they match nothing for a candidate, unless the account
    was staff once. Cleared all the same, so the account row can go."""
    for model, name in (
        (Visit, "host_id"),
        (AgendaTemplate, "created_by_id"),
        (Question, "assignee_id"),
        (Question, "answered_by_id"),
        (StoryRevision, "reviewer_id"),
    ):
        await db.execute(
            sa.update(model)
            .where(getattr(model, name) == user_id)
            .values({name: None})
            .execution_options(synchronize_session=False)
        )
    await _delete(db, AgendaInterviewer, col(AgendaInterviewer.user_id) == user_id)
    await _delete(db, StaffProfile, col(StaffProfile.user_id) == user_id)


async def _delete(db: AsyncSession, model: Any, condition: Any) -> int:
    result = await db.execute(
        sa.delete(model).where(condition).execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
