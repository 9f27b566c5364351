"""What the portal holds about one candidate: their privacy page and their data export.

The export is the AVG's right of access (art. 15) and to data portability (art. 20): one
JSON file with the account, the visits as the candidate sees them, the preferences
(decrypted), the questions with their published answers, their consent to be kept for
future vacancies (the words they agreed to), and who opened the special-category answers.
It holds nothing about anyone else: interviewers and answerers appear as the candidate saw
them (name and job title, and only those shown to candidates).

Left out on purpose: staff's working notes about a question (the internal note, the draft,
the note sent back with a draft, who it was assigned to) and agenda items hidden from the
candidate. They are staff's notes on the procedure; a request for them is answered by HR by
hand (see docs/privacy.md).

Every query is fixed in number, however many visits or questions a candidate has.

``erase_on_request`` is the other half of the candidate's page: "erase my data".
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload
from sqlmodel import col

from portal import audit
from portal.models import (
    AgendaItem,
    PoolConsent,
    Question,
    QuestionStatus,
    Role,
    User,
    Visit,
    VisitPreferences,
    rel,
)
from portal.preferences import sealed
from portal.privacy import consent as pool_consent
from portal.privacy.retention import Rules
from portal.security import Keyring

FORMAT = "candidate-portal-export"
VERSION = 1
EXPORTED = "candidate.exported"


@dataclass
class Holding:
    """Everything the portal holds about one candidate, loaded for a page or the export."""

    candidate: User
    visits: list[Visit]
    questions: list[Question]
    reads: list[sealed.Read] = field(default_factory=list)
    consent: PoolConsent | None = None

    def answered(self, visit: Visit) -> bool:
        """Whether the candidate gave any preferences answer for ``visit`` (never what)."""
        prefs = visit.preferences
        if prefs is None:
            return False
        return (
            prefs.attendance.value != "unanswered"
            or any(getattr(prefs, name) for name in sealed.SEALED)
            or bool(prefs.travel_mode.value)
            or prefs.needs_parking
            or prefs.wants_travel_reimbursement
        )


def erasure_day(holding: Holding, rules: Rules) -> date:
    """The day the candidate's data will be erased, by the retention rules as they stand."""
    until = holding.consent.until if holding.consent else None
    if holding.visits:
        return rules.erasure_day(holding.visits, until)
    # An account without visits counts from the day it was made (portal.privacy.retention).
    day = rules.today(holding.candidate.created_at) + timedelta(weeks=rules.weeks)
    return day if until is None else max(day, until + timedelta(days=1))


async def load(db: AsyncSession, *, candidate: User) -> Holding:
    """The candidate's visits (with the agenda as they see it), questions, consent and read
    log: six queries, whatever their number."""
    # Items hidden from the candidate (a debrief, an HR sync) are never even loaded.
    agenda = rel(Visit.agenda).and_(col(AgendaItem.visible_to_candidate).is_(True))
    visits = list(
        (
            await db.scalars(
                sa.select(Visit)
                .where(col(Visit.candidate_id) == candidate.id)
                .options(
                    joinedload(rel(Visit.location)),
                    joinedload(rel(Visit.preferences)),
                    joinedload(rel(Visit.host)).joinedload(rel(User.profile)),
                    selectinload(agenda)
                    .selectinload(rel(AgendaItem.interviewers))
                    .joinedload(rel(User.profile)),
                )
                .order_by(col(Visit.starts_at), col(Visit.id))
            )
        ).unique()
    )
    questions = list(
        (
            await db.scalars(
                sa.select(Question)
                .where(col(Question.candidate_id) == candidate.id)
                .options(
                    joinedload(rel(Question.visit)),
                    joinedload(rel(Question.answered_by)).joinedload(rel(User.profile)),
                )
                .order_by(col(Question.created_at), col(Question.id))
            )
        ).unique()
    )
    reads = await sealed.read_log(db, visit_ids=[v.public_id for v in visits], limit=None)
    consent = await pool_consent.of(db, candidate)
    return Holding(candidate, visits, questions, reads[::-1], consent)  # reads oldest first


async def candidate_of_visit(db: AsyncSession, *, actor: User, public_id: str) -> User | None:
    """The candidate of one visit, for HR only (None for anyone else, or no such visit)."""
    if not actor.role.is_hr:
        return None
    user: User | None = await db.scalar(
        sa.select(User)
        .join(Visit, col(Visit.candidate_id) == col(User.id))
        .where(col(Visit.public_id) == public_id, col(User.role) == Role.CANDIDATE)
    )
    return user


def record_export(db: AsyncSession, *, actor: User, candidate: User, now: datetime) -> None:
    # HR exporting someone's data is itself a processing step the candidate may ask about.
    audit.record(
        db,
        action=EXPORTED,
        now=now,
        actor_id=actor.id,
        subject_type="user",
        subject_id=candidate.public_id,
        details={"by": actor.name},
    )


# ---- the file ---------------------------------------------------------------------------


def _when(value: datetime | date | None) -> str | None:
    return None if value is None else value.isoformat()


def _person(user: User | None) -> dict[str, str] | None:
    """Someone on staff as a candidate sees them; None when they are not shown."""
    if user is None or not (user.is_active and user.profile and user.profile.visible_to_candidates):
        return None
    return {"name": user.name, "job_title": user.profile.job_title}


def _item(item: AgendaItem) -> dict[str, Any]:
    people = [_person(p) for p in item.interviewers]
    return {
        "starts_at": _when(item.starts_at),
        "ends_at": _when(item.ends_at),
        "kind": item.kind.value,
        "title": item.title,
        "room": item.room,
        "description": item.description,
        "interviewers": [p for p in people if p],
    }


def _preferences(keyring: Keyring, prefs: VisitPreferences | None) -> dict[str, Any] | None:
    shown = sealed.reveal(keyring, prefs)
    if shown is None:
        return None
    return {
        "attendance": shown.attendance.value,
        "reschedule_reason": shown.reschedule_reason,
        "diet": shown.diet,
        "accessibility": shown.accessibility,
        "travel_mode": shown.travel_mode.value,
        "needs_parking": shown.needs_parking,
        "wants_travel_reimbursement": shown.wants_travel_reimbursement,
        "note": shown.note,
        "updated_at": _when(shown.updated_at),
        "answers_erased_at": _when(shown.erased_at),
    }


def _visit(keyring: Keyring, visit: Visit) -> dict[str, Any]:
    location = visit.location
    return {
        "id": visit.public_id,
        "position": visit.position,
        "department": visit.department,
        "starts_at": _when(visit.starts_at),
        "ends_at": _when(visit.ends_at),
        "timezone": visit.timezone,
        "status": visit.status.value,
        "outcome": visit.outcome.value if visit.outcome else None,
        "decided_on": _when(visit.decided_on),
        "location": {"name": location.name, "address": location.address} if location else None,
        "arrival_notes": visit.arrival_notes,
        "host": _person(visit.host),
        "invited_at": _when(visit.invited_at),
        "first_signed_in_at": _when(visit.first_signed_in_at),
        "running_late_at": _when(visit.running_late_at),
        "running_late_minutes": visit.running_late_minutes,
        "agenda": [_item(item) for item in visit.agenda],
        "preferences": _preferences(keyring, visit.preferences),
    }


def _question(question: Question) -> dict[str, Any]:
    answered = question.status is QuestionStatus.ANSWERED
    by = question.answered_by if answered else None
    return {
        "visit": question.visit.public_id,
        "asked_at": _when(question.created_at),
        "question": question.body,
        "ask_in_person": question.ask_in_person,
        "status": question.status.value,
        # Only the published answer; drafts and internal notes are staff's working notes.
        "answer": question.answer if answered else None,
        "answered_at": _when(question.answered_at) if answered else None,
        # As the candidate's page shows it: the name, and the job title where there is one.
        "answered_by": (
            {"name": by.name, "job_title": by.profile.job_title if by.profile else ""}
            if by
            else None
        ),
    }


def _consent(consent: PoolConsent | None) -> dict[str, Any] | None:
    if consent is None:
        return None
    return {
        "given_at": _when(consent.given_at),
        "kept_until": _when(consent.until),
        "statement": consent.text,
        "language": consent.locale,
        "renewal_asked_at": _when(consent.renewal_sent_at),
    }


def document(holding: Holding, *, keyring: Keyring, rules: Rules, now: datetime) -> dict[str, Any]:
    """The export as a JSON-ready dict."""
    user = holding.candidate
    return {
        "format": FORMAT,
        "version": VERSION,
        "generated_at": _when(now),
        "account": {
            "name": user.name,
            "email": user.email,
            "locale": user.locale,
            "created_at": _when(user.created_at),
            "last_sign_in_at": _when(user.last_sign_in_at),
            "erasure_due_on": _when(erasure_day(holding, rules)),
        },
        "visits": [_visit(keyring, v) for v in holding.visits],
        "questions": [_question(q) for q in holding.questions],
        "consent_to_be_kept": _consent(holding.consent),
        "special_category_reads": [
            {"at": _when(r.at), "reader": r.reader, "role": r.role, "visit": r.visit}
            for r in holding.reads
        ],
    }


def dumps(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
