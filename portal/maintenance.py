"""Housekeeping: what has served its purpose is deleted, not kept (GDPR art. 5(1)(e))."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from portal.models import OutboxEmail, OutboxStatus, RateLimitHit, SignInToken, UserSession

# Kept a little past expiry, so "this link has expired" can still be told apart from junk.
GRACE = timedelta(days=1)
OUTBOX_KEEP = timedelta(days=30)


async def purge_expired(factory: Any, *, now: datetime) -> dict[str, int]:
    """Delete expired sign-in tokens, dead sessions, old limit counters and sent mail."""
    statements = {
        "sign_in_tokens": sa.delete(SignInToken).where(SignInToken.expires_at < now - GRACE),  # type: ignore[arg-type]
        "sessions": sa.delete(UserSession).where(
            sa.or_(UserSession.expires_at < now, UserSession.revoked_at < now - GRACE)  # type: ignore[arg-type, operator]
        ),
        "rate_limit_hits": sa.delete(RateLimitHit).where(RateLimitHit.expires_at < now),  # type: ignore[arg-type]
        "outbox_emails": sa.delete(OutboxEmail).where(
            OutboxEmail.status.in_([OutboxStatus.SENT, OutboxStatus.FAILED]),  # type: ignore[attr-defined]
            OutboxEmail.created_at < now - OUTBOX_KEEP,  # type: ignore[arg-type]
        ),
    }
    counts = {}
    async with factory() as db, db.begin():
        for name, stmt in statements.items():
            counts[name] = (await db.execute(stmt)).rowcount
    return counts
