"""Sending the outbox: one message at a time, each under a lease of its own.

A worker claims a message right before it sends it; the send may not outlive the lease
(past it another worker may take the message); the row is marked sent in its own commit
as soon as the server took it. After ``max_attempts`` tries the e-mail is marked failed,
and HR can send it again (portal.dashboard.deliveries).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from portal.mail.backends import EmailBackend, Message
from portal.models import OutboxEmail, OutboxStatus
from portal.security import Keyring

log = logging.getLogger("portal.mail")

LEASE = timedelta(minutes=5)
# A send may take this share of its lease; the rest leaves time to record the outcome.
SEND_SHARE = 0.8
# E-mails one pass of the worker sends at most (then it runs its periodic jobs).
BATCH = 20
# Kinds whose content is dead soon after it was written: not kept for a second try.
EXPIRES_SOON = frozenset({"sign_in"})


@dataclass
class Claimed:
    id: int
    kind: str
    recipient: str
    message_id: str
    payload: bytes | None
    attempts: int


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, … capped at an hour."""
    return timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))


def lease_for(smtp_timeout_seconds: float) -> timedelta:
    """The lease for one message: LEASE, or longer when the SMTP time-out is long.

    A send is about eight exchanges with the server (connect, EHLO, STARTTLS, EHLO, AUTH,
    MAIL, RCPT, DATA), each allowed the time-out; the send may use SEND_SHARE of the lease.
    """
    needed = timedelta(seconds=8 * smtp_timeout_seconds / SEND_SHARE)
    return max(LEASE, needed)


async def claim(
    factory: Any, *, now: datetime, dialect: str, lease: timedelta = LEASE, limit: int = 1
) -> list[Claimed]:
    """Take due e-mails under a lease, so two workers never send the same one.

    The worker takes one at a time, right before sending it: a message claimed in a batch
    would wait its turn while its lease ran out, and another worker would send it too.
    """
    due = (
        sa.select(col(OutboxEmail.id))
        .where(
            col(OutboxEmail.status) == OutboxStatus.PENDING,
            col(OutboxEmail.next_attempt_at) <= now,
            sa.or_(col(OutboxEmail.claimed_until).is_(None), col(OutboxEmail.claimed_until) < now),
        )
        .order_by(col(OutboxEmail.id))
        .limit(limit)
    )
    if dialect == "postgresql":
        due = due.with_for_update(skip_locked=True)
    stmt = (
        sa.update(OutboxEmail)
        .where(col(OutboxEmail.id).in_(due.scalar_subquery()))
        .values(claimed_until=now + lease, attempts=col(OutboxEmail.attempts) + 1)
        .returning(
            col(OutboxEmail.id),
            col(OutboxEmail.kind),
            col(OutboxEmail.recipient),
            col(OutboxEmail.message_id),
            col(OutboxEmail.payload),
            col(OutboxEmail.attempts),
        )
    )
    async with factory() as db, db.begin():
        rows = (await db.execute(stmt)).all()
    return [Claimed(*row) for row in rows]


async def deliver_due(
    factory: Any,
    *,
    backend: EmailBackend,
    keyring: Keyring,
    mail_from: str,
    max_attempts: int,
    dialect: str,
    now: datetime | None = None,
    clock: Callable[[], datetime] | None = None,
    lease: timedelta = LEASE,
    batch: int = BATCH,
) -> int:
    """Send up to ``batch`` due e-mails, one at a time; returns how many were sent.

    Each message is claimed right before it is sent, under a lease of its own, and marked
    sent in its own commit as soon as the server took it. The worker passes its ``clock``,
    so leases and stamps follow the real time of each message; a test may freeze ``now``.
    """
    if clock is None:
        if now is None:
            raise TypeError("deliver_due needs now or clock")
        frozen = now
        clock = lambda: frozen  # noqa: E731
    sent = 0
    for _ in range(batch):
        claimed = await claim(factory, now=clock(), dialect=dialect, lease=lease)
        if not claimed:
            break
        delivered = await _deliver(
            factory,
            claimed[0],
            backend=backend,
            keyring=keyring,
            mail_from=mail_from,
            max_attempts=max_attempts,
            clock=clock,
            within=lease.total_seconds() * SEND_SHARE,
        )
        sent += delivered
    return sent


async def _deliver(
    factory: Any,
    item: Claimed,
    *,
    backend: EmailBackend,
    keyring: Keyring,
    mail_from: str,
    max_attempts: int,
    clock: Callable[[], datetime],
    within: float,
) -> bool:
    """Send one claimed e-mail and record the outcome; True when the server took it."""
    raw = keyring.decrypt(item.payload) if item.payload else None
    if raw is None:
        # Nothing to send, now or later: give up at once, and keep nothing to send again.
        error = "payload unreadable (key changed?)"
        await _give_up(factory, item, at=clock(), error=error, keep=False)
        return False
    data = json.loads(raw)
    message = Message(
        sender=mail_from,
        recipient=item.recipient,
        subject=data["subject"],
        text=data["text"],
        html=data["html"],
        message_id=item.message_id,
    )
    try:
        # The send may not outlive the lease: past it another worker may take the message
        # and send it as well. Cut short, it counts as a failed try.
        async with asyncio.timeout(within):
            await backend.send(message)
    except Exception as exc:  # any failure of the transport: try again later
        error = f"{type(exc).__name__}: {str(exc)[:300]}"
        # The log gets the kind of failure only: a server's refusal quotes the address.
        log.warning(
            "outbox %s (%s): delivery failed (try %s): %s",
            item.id,
            item.kind,
            item.attempts,
            _reason(exc),
        )
        if item.attempts >= max_attempts:
            await _give_up(
                factory, item, at=clock(), error=error, keep=item.kind not in EXPIRES_SOON
            )
        else:
            await _retry(factory, item.id, at=clock() + backoff(item.attempts), error=error)
        return False
    await _mark_sent(factory, item.id, at=clock())
    return True


def _reason(exc: BaseException) -> str:
    """The type of a failure and the SMTP reply code, if any: never the server's text."""
    code = getattr(exc, "code", None)
    return f"{type(exc).__name__} {code}" if isinstance(code, int) else type(exc).__name__


async def _mark_sent(factory: Any, item_id: int, *, at: datetime) -> None:
    # Unconditional: the server took the message, whatever else happened to the row.
    async with factory() as db, db.begin():
        await db.execute(
            sa.update(OutboxEmail)
            .where(col(OutboxEmail.id) == item_id)
            .values(
                status=OutboxStatus.SENT,
                sent_at=at,
                last_error="",
                claimed_until=None,
                payload=None,  # delivered: keep no copy of the message
            )
        )


async def _give_up(factory: Any, item: Claimed, *, at: datetime, error: str, keep: bool) -> None:
    """Mark the e-mail failed; HR sees it on the dashboard and may send it again.

    With ``keep`` its content stays (encrypted) for that, until the housekeeping erases it
    after PORTAL_RETENTION_DAYS; a sign-in link (it expires in minutes) or an unreadable
    copy is erased at once. ``next_attempt_at`` keeps when it was last tried: nothing
    will try it again.
    """
    async with factory() as db, db.begin():
        await db.execute(
            sa.update(OutboxEmail)
            # A late failure never overrides a delivery another worker recorded.
            .where(col(OutboxEmail.id) == item.id, col(OutboxEmail.status) == OutboxStatus.PENDING)
            .values(
                status=OutboxStatus.FAILED,
                next_attempt_at=at,
                last_error=error,
                claimed_until=None,
                **({} if keep else {"payload": None}),
            )
        )


async def _retry(factory: Any, item_id: int, *, at: datetime, error: str) -> None:
    async with factory() as db, db.begin():
        await db.execute(
            sa.update(OutboxEmail)
            .where(col(OutboxEmail.id) == item_id, col(OutboxEmail.status) == OutboxStatus.PENDING)
            .values(next_attempt_at=at, claimed_until=None, last_error=error)
        )


async def send_again(db: AsyncSession, *, email_id: int, now: datetime) -> str | None:
    """Make a failed e-mail due again with a fresh count of tries (its Message-ID stays);
    its kind, or None when it is not a failed e-mail whose content is still there."""
    row = (
        await db.execute(
            sa.update(OutboxEmail)
            .where(
                col(OutboxEmail.id) == email_id,
                col(OutboxEmail.status) == OutboxStatus.FAILED,
                col(OutboxEmail.payload).is_not(None),
            )
            .values(
                status=OutboxStatus.PENDING,
                attempts=0,
                next_attempt_at=now,
                claimed_until=None,
                last_error="",
            )
            .returning(col(OutboxEmail.kind))
        )
    ).first()
    return None if row is None else str(row[0])
