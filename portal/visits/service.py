"""Visits as each actor may see them. Every query is scoped here, never in a handler."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.sql import Select
from sqlmodel import col

from portal import audit
from portal.db import lock_row
from portal.models import (
    AgendaItem,
    AgendaTombstone,
    OutboxEmail,
    OutboxStatus,
    Question,
    QuestionStatus,
    Role,
    SignInToken,
    StaffProfile,
    TokenPurpose,
    User,
    Visit,
    VisitPreferences,
    VisitStatus,
    rel,
)
from portal.scope import visits_visible_to


@dataclass
class ItemView:
    item: AgendaItem
    # The people a reader may see: for candidates, only staff visible to candidates.
    people: list[User]


@dataclass
class PersonView:
    """Someone the reader will meet, with the parts of the day they take part in."""

    user: User
    items: list[AgendaItem]


@dataclass
class VisitView:
    visit: Visit
    items: list[ItemView]

    @property
    def cancelled(self) -> bool:
        return self.visit.status == VisitStatus.CANCELLED

    @property
    def people(self) -> list[PersonView]:
        """Everyone on the day, once each, in order of first appearance."""
        seen: dict[int, PersonView] = {}
        for entry in self.items:
            for person in entry.people:
                if person.id is not None:
                    seen.setdefault(person.id, PersonView(person, [])).items.append(entry.item)
        return list(seen.values())

    def is_today(self, now: datetime) -> bool:
        zone = ZoneInfo(self.visit.timezone)
        return not self.cancelled and (
            self.visit.starts_at.astimezone(zone).date() == now.astimezone(zone).date()
        )

    def current(self, now: datetime) -> ItemView | None:
        return next((e for e in self.items if e.item.starts_at <= now < e.item.ends_at), None)

    def upcoming(self, now: datetime) -> ItemView | None:
        return next((e for e in self.items if e.item.starts_at > now), None)


def _day_options(*, candidate: bool) -> tuple[Any, ...]:
    agenda = rel(Visit.agenda)
    if candidate:
        # Internal items (a debrief, an HR sync) are never even loaded for a candidate.
        agenda = agenda.and_(col(AgendaItem.visible_to_candidate).is_(True))
    return (
        joinedload(rel(Visit.location)),
        joinedload(rel(Visit.candidate)),
        joinedload(rel(Visit.preferences)),
        joinedload(rel(Visit.host)).joinedload(rel(User.profile)),
        selectinload(agenda)
        .selectinload(rel(AgendaItem.interviewers))
        .joinedload(rel(User.profile))
        .joinedload(rel(StaffProfile.photo)),
    )


# Built once per kind of reader: composing the loader options cost a tenth of the page.
_DAY_FOR_CANDIDATE = _day_options(candidate=True)
_DAY_FOR_STAFF = _day_options(candidate=False)


def _with_day(query: Select[Visit], actor: User) -> Select[Visit]:
    """Load a visit's whole day in three round trips, whatever its size.

    The candidate's own answers come along in the first (they are theirs, and HR's).
    """
    options = _DAY_FOR_CANDIDATE if actor.role is Role.CANDIDATE else _DAY_FOR_STAFF
    return query.options(*options)


def _view(visit: Visit, actor: User) -> VisitView:
    candidate = actor.role is Role.CANDIDATE
    items = [
        ItemView(
            item,
            [
                p
                for p in item.interviewers
                if not candidate or (p.is_active and p.profile and p.profile.visible_to_candidates)
            ],
        )
        for item in visit.agenda
    ]
    return VisitView(visit, items)


async def get_visit(db: AsyncSession, *, actor: User, public_id: str) -> VisitView | None:
    """One visit with its day, or None when it does not exist *for this actor*."""
    query = _with_day(visits_visible_to(actor), actor).where(col(Visit.public_id) == public_id)
    visit = (await db.scalars(query)).unique().first()
    return _view(visit, actor) if visit else None


async def candidate_visits(db: AsyncSession, *, actor: User, now: datetime) -> list[VisitView]:
    """A candidate's visits: upcoming ones first (soonest first), then past ones, newest first."""
    visits = list((await db.scalars(_with_day(visits_visible_to(actor), actor))).unique())
    upcoming = sorted((v for v in visits if v.ends_at >= now), key=lambda v: v.starts_at)
    past = sorted((v for v in visits if v.ends_at < now), key=lambda v: v.starts_at, reverse=True)
    return [_view(v, actor) for v in upcoming + past]


async def candidate_visit_for_update(
    db: AsyncSession, *, actor: User, public_id: str
) -> Visit | None:
    """The candidate's own visit, with what e-mail about it needs (host, HR fallback)."""
    if actor.role is not Role.CANDIDATE:
        return None
    query = (
        visits_visible_to(actor)
        .options(
            joinedload(rel(Visit.candidate)),
            joinedload(rel(Visit.host)).joinedload(rel(User.profile)),
        )
        .where(col(Visit.public_id) == public_id)
    )
    visit: Visit | None = (await db.scalars(query)).unique().first()
    return visit


async def lock_visit(db: AsyncSession, *, visit_id: int) -> None:
    """Hold the visit's row until the transaction ends (see ``portal.db.lock_row``): a
    second request for the same visit waits, then sees what the first one wrote."""
    await lock_row(db, Visit, visit_id)


@dataclass
class HandOver:
    """What was taken from a visit when it changed hands (never the answers themselves)."""

    answers_erased: bool
    links_voided: int
    questions_withdrawn: int


# What belongs to the person on a visit rather than to the visit: when the candidate
# changes, these start again as on a new visit.
PERSONAL_STAMPS: dict[str, Any] = {
    "invited_at": None,
    "first_signed_in_at": None,
    "reminder_queued_at": None,
    "running_late_at": None,
    "running_late_minutes": None,
    "late_notice_at": None,
    "preferences_notice_due_at": None,
}


async def hand_over(
    db: AsyncSession,
    *,
    visit: Visit,
    earlier_id: int,
    actor_id: int | None,
    now: datetime,
    via: str,
) -> HandOver | None:
    """Clear what the earlier candidate left on ``visit``, which now has another one.

    Call it in the transaction that changed ``visit.candidate_id`` (the visit form and the
    import both do); None when the candidate did not change. The earlier person's answers
    (diet and accessibility can be health data) are deleted, not hidden; the invitation and
    sign-in stamps, the reminder and "running late" start again, so the new candidate gets
    an invitation and a reminder of their own; the earlier person's unused invitation links
    to this visit stop working, their unanswered questions about it are withdrawn, and mail
    about it still waiting for them is not sent. Their account and sessions stay: they may
    have other visits, and they no longer see this one.
    """
    if visit.candidate_id == earlier_id:
        return None
    erased = await db.execute(
        sa.delete(VisitPreferences)
        .where(col(VisitPreferences.visit_id) == visit.id)
        .returning(col(VisitPreferences.visit_id))
    )
    answers_erased = erased.first() is not None
    # Deleted, not marked used: a used link offers a fresh one to the same page, which is
    # no longer theirs.
    voided = await db.execute(
        sa.delete(SignInToken)
        .where(
            col(SignInToken.user_id) == earlier_id,
            col(SignInToken.purpose) == TokenPurpose.INVITATION,
            col(SignInToken.used_at).is_(None),
            col(SignInToken.next_path) == f"/visit/{visit.public_id}",
        )
        .returning(col(SignInToken.id))
    )
    links_voided = len(voided.all())
    # Their questions that wait for an answer are about a visit that is no longer theirs;
    # HR's inbox and the visit's counts must not show them as the new candidate's. Answered
    # ones stay theirs to read.
    withdrawn = await db.execute(
        sa.update(Question)
        .where(
            col(Question.visit_id) == visit.id,
            col(Question.candidate_id) == earlier_id,
            col(Question.status).in_(
                [QuestionStatus.RECEIVED, QuestionStatus.ROUTED, QuestionStatus.DRAFTED]
            ),
        )
        .values(status=QuestionStatus.WITHDRAWN, updated_at=now, version=col(Question.version) + 1)
        .returning(col(Question.id))
        .execution_options(synchronize_session=False)
    )
    questions_withdrawn = len(withdrawn.all())
    await _forget_mail_about(db, visit)
    # Cancelled events kept for the earlier candidate's calendar app: that calendar can no
    # longer fetch this visit, and the new candidate never had those events.
    await db.execute(sa.delete(AgendaTombstone).where(col(AgendaTombstone.visit_id) == visit.id))
    for name, value in PERSONAL_STAMPS.items():
        setattr(visit, name, value)
    audit.record(
        db,
        action="visit.handed_over",
        now=now,
        actor_id=actor_id,
        subject_type="visit",
        subject_id=visit.public_id,
        # What was done, never what the earlier candidate had answered or who they are.
        details={
            "answers_erased": answers_erased,
            "links_voided": links_voided,
            "questions_withdrawn": questions_withdrawn,
            "via": via,
        },
    )
    return HandOver(answers_erased, links_voided, questions_withdrawn)


async def _forget_mail_about(db: AsyncSession, visit: Visit) -> None:
    """The reminder and change notices of ``visit`` were written for the earlier candidate:
    those still waiting are dropped, and the "send once" keys of those already sent are
    released, so that the new candidate's own reminder can be queued."""
    about = sa.or_(
        col(OutboxEmail.dedupe_key) == f"reminder:{visit.public_id}",
        col(OutboxEmail.dedupe_key).startswith(f"change:{visit.public_id}:", autoescape=True),
    )
    await db.execute(
        sa.delete(OutboxEmail).where(about, col(OutboxEmail.status) == OutboxStatus.PENDING)
    )
    await db.execute(
        sa.update(OutboxEmail)
        .where(about)
        .values(dedupe_key=None)
        .execution_options(synchronize_session=False)
    )
