"""E-mails that could not be delivered: listed on HR's dashboard, and sent again from there.

HR sees whom, which kind and when it was last tried; never the content, nor the server's
error text (a refusal quotes the address and sometimes more). The content stays encrypted
in the outbox so that it can be sent again, until the housekeeping erases it
(portal.maintenance, after PORTAL_RETENTION_DAYS).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from portal import audit
from portal.i18n import gettext as _
from portal.mail import delivery
from portal.models import OutboxEmail, OutboxStatus, User

# The most recent failures shown; the count says how many there are in all.
SHOWN = 20


def kind_label(kind: str) -> str:
    """What an e-mail of ``kind`` (its template's name) is, in the reader's language."""
    labels = {
        "sign_in": _("Sign-in link"),
        "invitation": _("Invitation to the visit"),
        "reminder": _("Reminder of the visit"),
        "agenda_changed": _("Programme changed"),
        "visit_cancelled": _("Visit cancelled"),
        "running_late": _("Candidate running late"),
        "preferences_changed": _("Candidate's answers changed"),
        "question_routed": _("Question for a colleague"),
        "question_answered": _("Answer to a question"),
        "story_reviewed": _("Review of a story"),
        "candidate_withdrew": _("A candidate withdrew"),
        "consent_renewal": _("Consent renewal"),
    }
    return labels.get(kind, _("Other e-mail"))


@dataclass(frozen=True)
class FailedEmail:
    id: int
    kind: str
    address: str
    name: str | None  # the account with that address, if there still is one
    last_tried: datetime
    can_send_again: bool  # its content is still there

    @property
    def label(self) -> str:
        return kind_label(self.kind)


@dataclass(frozen=True)
class Failures:
    shown: list[FailedEmail]
    total: int


async def failures_beside(db: AsyncSession, counts: sa.Subquery) -> tuple[Failures, sa.Row[Any]]:
    """The most recent failed e-mails and how many failed in all, with the one row of
    ``counts`` (the dashboard's other numbers): one query, for the dashboard counts its
    round trips.

    ``counts`` is the left side of an outer join, so its row comes back even when nothing
    failed.
    """
    failed = OutboxEmail
    query = (
        sa.select(
            counts,
            sa.func.count(col(failed.id)).over().label("failed_total"),
            col(failed.id).label("failed_id"),
            col(failed.kind),
            col(failed.recipient),
            col(User.name),
            col(failed.next_attempt_at),
            col(failed.payload).is_not(None).label("kept"),  # a fact, never the content
        )
        .select_from(counts)
        .outerjoin(failed, col(failed.status) == OutboxStatus.FAILED)
        .outerjoin(User, col(User.email) == col(failed.recipient))
        .order_by(col(failed.next_attempt_at).desc(), col(failed.id).desc())
        .limit(SHOWN)
    )
    rows = (await db.execute(query)).all()
    shown = [
        FailedEmail(
            id=row.failed_id,
            kind=row.kind,
            address=row.recipient,
            name=row.name,
            last_tried=row.next_attempt_at,
            can_send_again=bool(row.kept),
        )
        for row in rows
        if row.failed_id is not None
    ]
    return Failures(shown=shown, total=int(rows[0].failed_total or 0)), rows[0]


async def send_again(db: AsyncSession, *, actor: User, email_id: int, now: datetime) -> bool:
    """Queue a failed e-mail again (HR only); False when there is no such e-mail for them.

    A second click, or an e-mail whose content is gone, changes nothing but is no error.
    """
    if not actor.role.is_hr:
        return False
    kind = await delivery.send_again(db, email_id=email_id, now=now)
    if kind is None:
        found = await db.scalar(
            sa.select(col(OutboxEmail.id)).where(col(OutboxEmail.id) == email_id)
        )
        return found is not None
    # The kind only: the address and the content stay out of the audit trail.
    audit.record(
        db,
        action="email.sent_again",
        now=now,
        actor_id=actor.id,
        subject_type="outbox_email",
        subject_id=str(email_id),
        details={"kind": kind},
    )
    return True
