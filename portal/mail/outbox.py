"""The transactional outbox: e-mail is written with the change that causes it, then sent.

Delivery is at least once: a worker that dies after the SMTP server accepted a message
but before it marked the row sent will send it again after the lease runs out. The
Message-ID stays the same, so most mail clients show the duplicate once.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import make_msgid
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from portal import i18n
from portal.mail.backends import EmailBackend, Message
from portal.models import OutboxEmail, OutboxStatus
from portal.security import Keyring

log = logging.getLogger("portal.mail")

LEASE = timedelta(minutes=5)
BATCH = 20


def _strip_header(value: str) -> str:
    # CR and LF in a header would let a name or subject add headers of its own.
    return " ".join(value.replace("\r", " ").replace("\n", " ").split())


def render_email(
    templates: Any, name: str, locale: str, context: dict[str, Any]
) -> tuple[str, str, str]:
    """(subject, text, html) of ``templates/email/<name>.*`` in the recipient's language."""
    previous = i18n.get_locale()
    i18n.set_locale(locale)
    try:
        env = templates.env
        text_tpl = env.get_template(f"email/{name}.txt")
        subject = "".join(text_tpl.blocks["subject"](text_tpl.new_context(context))).strip()
        text = "".join(text_tpl.blocks["body"](text_tpl.new_context(context))).strip() + "\n"
        html = env.get_template(f"email/{name}.html").render(context)
    finally:
        i18n.set_locale(previous)
    return _strip_header(subject), text, html


async def enqueue(
    db: AsyncSession,
    *,
    keyring: Keyring,
    base_url: str,
    kind: str,
    recipient: str,
    subject: str,
    text: str,
    html: str,
    now: datetime,
    dedupe_key: str | None = None,
) -> None:
    """Add an e-mail to the outbox inside the caller's transaction.

    With a ``dedupe_key`` a second e-mail with the same key fails the transaction (the key
    is unique): that is how "send once" holds across processes.
    """
    payload = json.dumps({"subject": subject, "text": text, "html": html}).encode()
    db.add(
        OutboxEmail(
            kind=kind,
            recipient=_strip_header(recipient),
            message_id=make_msgid(domain=urlsplit(base_url).hostname or "localhost"),
            payload=keyring.encrypt(payload),
            created_at=now,
            next_attempt_at=now,
            dedupe_key=dedupe_key,
        )
    )


async def queue_email(
    db: AsyncSession,
    *,
    settings: Any,
    templates: Any,
    keyring: Keyring,
    name: str,
    recipient: Any,
    context: dict[str, Any],
    now: datetime,
    dedupe_key: str | None = None,
) -> None:
    """Render ``templates/email/<name>.*`` for ``recipient`` (a User) in their language and
    add it to the outbox in the caller's transaction."""
    subject, text, html = render_email(
        templates, name, recipient.locale or settings.default_locale, context
    )
    await enqueue(
        db,
        keyring=keyring,
        base_url=settings.base_url,
        kind=name,
        recipient=recipient.email,
        subject=subject,
        text=text,
        html=html,
        now=now,
        dedupe_key=dedupe_key,
    )


@dataclass
class Claimed:
    id: int
    recipient: str
    message_id: str
    payload: bytes | None
    attempts: int


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, … capped at an hour."""
    return timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))


async def claim(factory: Any, *, now: datetime, dialect: str) -> list[Claimed]:
    """Take a batch of due e-mails under a lease, so two workers never send the same one."""
    due = (
        sa.select(col(OutboxEmail.id))
        .where(
            col(OutboxEmail.status) == OutboxStatus.PENDING,
            col(OutboxEmail.next_attempt_at) <= now,
            sa.or_(col(OutboxEmail.claimed_until).is_(None), col(OutboxEmail.claimed_until) < now),
        )
        .order_by(col(OutboxEmail.id))
        .limit(BATCH)
    )
    if dialect == "postgresql":
        due = due.with_for_update(skip_locked=True)
    stmt = (
        sa.update(OutboxEmail)
        .where(col(OutboxEmail.id).in_(due.scalar_subquery()))
        .values(claimed_until=now + LEASE, attempts=col(OutboxEmail.attempts) + 1)
        .returning(
            col(OutboxEmail.id),
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
    now: datetime,
    dialect: str,
) -> int:
    """Send what is due; returns how many were sent."""
    sent = 0
    for item in await claim(factory, now=now, dialect=dialect):
        raw = keyring.decrypt(item.payload) if item.payload else None
        if raw is None:
            await _finish(factory, item.id, failed=True, error="payload unreadable (key changed?)")
            continue
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
            await backend.send(message)
        except Exception as exc:  # any failure of the transport: try again later
            error = f"{type(exc).__name__}: {str(exc)[:300]}"
            log.warning("outbox %s: delivery failed (try %s): %s", item.id, item.attempts, error)
            if item.attempts >= max_attempts:
                await _finish(factory, item.id, failed=True, error=error)
            else:
                await _retry(factory, item.id, at=now + backoff(item.attempts), error=error)
            continue
        await _finish(factory, item.id, failed=False, error="", sent_at=now)
        sent += 1
    return sent


async def _finish(
    factory: Any, item_id: int, *, failed: bool, error: str, sent_at: datetime | None = None
) -> None:
    async with factory() as db, db.begin():
        await db.execute(
            sa.update(OutboxEmail)
            .where(col(OutboxEmail.id) == item_id)
            .values(
                status=OutboxStatus.FAILED if failed else OutboxStatus.SENT,
                sent_at=sent_at,
                last_error=error,
                claimed_until=None,
                payload=None,  # delivered or given up: keep no copy of the message
            )
        )


async def _retry(factory: Any, item_id: int, *, at: datetime, error: str) -> None:
    async with factory() as db, db.begin():
        await db.execute(
            sa.update(OutboxEmail)
            .where(col(OutboxEmail.id) == item_id)
            .values(next_attempt_at=at, claimed_until=None, last_error=error)
        )


Job = Callable[[Any], Awaitable[object]]


class Worker:
    """Delivers the outbox: woken after a commit that queued mail, else every few seconds.

    It also runs periodic ``jobs`` ((every, job) pairs such as reminders and housekeeping);
    each job is safe to run in several workers at once.
    """

    def __init__(
        self,
        app_state: Any,
        *,
        interval: float = 5.0,
        jobs: list[tuple[timedelta, Job]] | None = None,
    ) -> None:
        self.state = app_state
        self.interval = interval
        self.wake = asyncio.Event()
        self.jobs = jobs or []
        self.last_run: dict[int, datetime] = {}

    async def run(self) -> None:
        while True:
            try:
                await self.run_once()
                await self.run_jobs()
            except Exception:
                log.exception("outbox worker pass failed")
            try:
                await asyncio.wait_for(self.wake.wait(), timeout=self.interval)
            except TimeoutError:
                pass
            self.wake.clear()

    async def run_jobs(self) -> None:
        now = self.state.clock()
        for n, (every, job) in enumerate(self.jobs):
            last = self.last_run.get(n)
            if last is None or now - last >= every:
                self.last_run[n] = now
                try:
                    await job(self.state)
                except Exception:
                    log.exception("periodic job %s failed", getattr(job, "__name__", n))

    async def run_once(self) -> int:
        s = self.state
        return await deliver_due(
            s.db,
            backend=s.email_backend,
            keyring=s.keyring,
            mail_from=s.settings.mail_from,
            max_attempts=s.settings.outbox_max_attempts,
            now=s.clock(),
            dialect=s.dialect,
        )
