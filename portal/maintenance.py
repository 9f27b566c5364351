"""Housekeeping: what has served its purpose is deleted, not kept (GDPR art. 5(1)(e))."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from portal.models import (
    OutboxEmail,
    OutboxStatus,
    RateLimitHit,
    SignInToken,
    UserSession,
    Visit,
    VisitPreferences,
)

# Kept a little past expiry, so "this link has expired" can still be told apart from junk.
GRACE = timedelta(days=1)
OUTBOX_KEEP = timedelta(days=30)


async def purge_expired(factory: Any, *, now: datetime, retention_days: int = 7) -> dict[str, int]:
    """Delete expired sign-in tokens, dead sessions, old limit counters and sent mail, and
    erase the candidate's free-text answers ``retention_days`` after their visit ended and
    a failed e-mail's content ``retention_days`` after its last try."""
    kept = now - timedelta(days=retention_days)
    ended = sa.select(col(Visit.id)).where(col(Visit.ends_at) < kept)
    statements: dict[str, Any] = {
        "sign_in_tokens": sa.delete(SignInToken).where(col(SignInToken.expires_at) < now - GRACE),
        "sessions": sa.delete(UserSession).where(
            sa.or_(col(UserSession.expires_at) < now, col(UserSession.revoked_at) < now - GRACE)
        ),
        "rate_limit_hits": sa.delete(RateLimitHit).where(col(RateLimitHit.expires_at) < now),
        "outbox_emails": sa.delete(OutboxEmail).where(
            col(OutboxEmail.status).in_([OutboxStatus.SENT, OutboxStatus.FAILED]),
            col(OutboxEmail.created_at) < now - OUTBOX_KEEP,
        ),
        # A failed e-mail keeps its (encrypted) content so that HR can send it again, but
        # not for ever: it holds names, visit details and links. Its last try is in
        # next_attempt_at (portal.mail.outbox._give_up); the row stays listed for HR.
        "failed_email_contents": sa.update(OutboxEmail)
        .where(
            col(OutboxEmail.status) == OutboxStatus.FAILED,
            col(OutboxEmail.payload).is_not(None),
            col(OutboxEmail.next_attempt_at) < kept,
        )
        .values(payload=None),
        # Diet and accessibility can reveal health or religion (GDPR art. 9), and every
        # free text may: blanked once the visit is well past. The choices (attendance,
        # travel, parking) stay, as they say nothing of that kind.
        "visit_preferences": sa.update(VisitPreferences)
        .where(
            col(VisitPreferences.erased_at).is_(None),
            col(VisitPreferences.visit_id).in_(ended),
        )
        .values(diet="", accessibility="", reschedule_reason="", note="", erased_at=now),
    }
    counts = {}
    async with factory() as db, db.begin():
        for name, stmt in statements.items():
            counts[name] = (await db.execute(stmt)).rowcount
    return counts
