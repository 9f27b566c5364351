"""Delivery under stress: a slow SMTP server, two workers, a send that hangs, a worker killed.

Leases are shrunk to seconds (the worker and ``deliver_due`` take them as parameters) so
that what takes minutes in production takes seconds here, against a real SMTP server.
"""

from __future__ import annotations

import asyncio
import email
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email import policy
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from portal.mail.backends import Message, SMTPBackend
from portal.mail.delivery import deliver_due
from portal.mail.outbox import enqueue
from portal.models import OutboxEmail, OutboxStatus
from portal.worker import Worker
from tests.conftest import make_settings
from tests.mail.test_outbox import free_port


class SlowInbox:
    """An SMTP server that takes ``delay`` seconds to accept each message."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.received: list[tuple[datetime, email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.received.append((datetime.now(UTC), message))
        return "250 OK"


@pytest.fixture
def slow_smtp():
    """Start a slow SMTP server: ``slow_smtp(delay)`` gives (port, inbox)."""
    started = []

    def start(delay: float) -> tuple[int, SlowInbox]:
        inbox = SlowInbox(delay)
        controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
        controller.start()
        started.append(controller)
        return controller.port, inbox

    yield start
    for controller in started:
        controller.stop()


def queue(client, count: int, *, now: datetime, kind: str = "invitation") -> None:
    st = client.app.state

    async def add():
        async with st.db() as db, db.begin():
            for n in range(count):
                await enqueue(
                    db,
                    keyring=st.keyring,
                    base_url="http://testserver",
                    kind=kind,
                    recipient=f"candidate{n}@example.org",
                    subject=f"Message {n}",
                    text=f"Text {n}\n",
                    html=f"<p>Text {n}</p>",
                    now=now,
                )

    client.portal.call(add)


def outbox_rows(run) -> list[OutboxEmail]:
    async def load(db):
        return list(await db.scalars(sa.select(OutboxEmail).order_by(OutboxEmail.id)))

    rows: list[OutboxEmail] = run(load)
    return rows


def test_two_workers_and_a_slow_server_deliver_every_message_once(
    client, run, slow_smtp, database_url
):
    """Eight messages, a server taking 0.4 s for each, a lease of 2 s: a worker that
    claimed them all at once would still be sending when its lease ran out."""
    port, inbox = slow_smtp(0.4)
    settings = make_settings(database_url, smtp_host="127.0.0.1", smtp_port=port)
    queue(client, 8, now=datetime.now(UTC))
    st = client.app.state

    sent_by: Counter[int] = Counter()

    class Counted(SMTPBackend):
        def __init__(self, number: int) -> None:
            super().__init__(settings)
            self.number = number

        async def send(self, message: Message) -> None:
            await super().send(message)
            sent_by[self.number] += 1

    def worker(number: int) -> Worker:
        state = SimpleNamespace(
            db=st.db,
            email_backend=Counted(number),
            keyring=st.keyring,
            settings=settings,
            clock=lambda: datetime.now(UTC),  # real time: leases must run out for real
            dialect=st.dialect,
        )
        return Worker(state, interval=0.05, lease=timedelta(seconds=2))

    async def two_workers() -> float:
        """Run both until every row is sent, then a lease longer for sends in flight."""
        started = time.monotonic()
        drained = None
        tasks = [asyncio.create_task(worker(number).run()) for number in (1, 2)]
        try:
            while time.monotonic() - started < 20:
                await asyncio.sleep(0.1)
                async with st.db() as db:
                    pending = await db.scalar(
                        sa.select(sa.func.count())
                        .select_from(OutboxEmail)
                        .where(OutboxEmail.status != OutboxStatus.SENT)
                    )
                if pending:
                    continue
                drained = drained or time.monotonic() - started
                if time.monotonic() - started > drained + 2:
                    break
            assert drained is not None, "the outbox did not drain"
            return drained
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    client.portal.call(two_workers)
    rows = outbox_rows(run)
    ids = Counter(message["Message-ID"] for _at, message in inbox.received)
    assert sorted(ids.values()) == [1] * 8, ids  # each message once, none twice
    assert set(ids) == {row.message_id for row in rows}
    for row in rows:
        assert row.status is OutboxStatus.SENT and row.attempts == 1 and row.payload is None
    # Each is stamped when it went out, not when the worker's pass began.
    accepted = {message["Message-ID"]: at for at, message in inbox.received}
    for row in rows:
        assert row.sent_at is not None
        assert row.sent_at >= accepted[row.message_id] - timedelta(milliseconds=50)
    assert len({row.sent_at for row in rows}) == 8
    # Both take part, a message at a time each (it drains in about 8 × 0.4 s / 2).
    assert sent_by[1] and sent_by[2] and sent_by.total() == 8, sent_by


def test_a_send_that_outlives_its_lease_is_cut_short_and_tried_again(client, run, database_url):
    """A hung server may not hold a message past its lease, when another worker may take it."""

    class Hanging:
        async def send(self, message: Message) -> None:
            await asyncio.sleep(30)

    now = datetime.now(UTC)
    queue(client, 1, now=now)
    st = client.app.state
    started = time.monotonic()
    sent = client.portal.call(
        lambda: deliver_due(
            st.db,
            backend=Hanging(),
            keyring=st.keyring,
            mail_from=st.settings.mail_from,
            max_attempts=3,
            dialect=st.dialect,
            now=now,
            lease=timedelta(seconds=1),
        )
    )
    took = time.monotonic() - started
    assert sent == 0 and took < 2  # 0.8 s, the share of the lease a send may take; not 30
    [row] = outbox_rows(run)
    assert row.status is OutboxStatus.PENDING and row.attempts == 1
    assert row.last_error.startswith("TimeoutError") and row.claimed_until is None
    assert row.next_attempt_at == now + timedelta(seconds=30)  # back-off, then again


def test_a_worker_killed_after_the_server_accepted_sends_it_again_with_the_same_message_id(
    client, run, clock, slow_smtp, database_url
):
    """The documented duplicate of at-least-once delivery: the same Message-ID twice."""
    port, inbox = slow_smtp(0)
    smtp = SMTPBackend(make_settings(database_url, smtp_host="127.0.0.1", smtp_port=port))

    class Killed(BaseException):
        """The process dying between the server's 250 and the commit that says so."""

    class DiesAfterSending:
        async def send(self, message: Message) -> None:
            await smtp.send(message)
            raise Killed

    queue(client, 1, now=clock())
    st = client.app.state

    def deliver(backend) -> int:
        async def go() -> int:
            try:
                return await deliver_due(
                    st.db,
                    backend=backend,
                    keyring=st.keyring,
                    mail_from=st.settings.mail_from,
                    max_attempts=3,
                    dialect=st.dialect,
                    now=clock(),
                )
            except Killed:
                return -1

        result: int = client.portal.call(go)
        return result

    assert deliver(DiesAfterSending()) == -1
    assert deliver(smtp) == 0  # the dead worker's lease still holds
    clock.advance(minutes=6)
    assert deliver(smtp) == 1
    first, second = (message for _at, message in inbox.received)
    [row] = outbox_rows(run)
    assert first["Message-ID"] == second["Message-ID"] == row.message_id
    assert row.status is OutboxStatus.SENT and row.attempts == 2


def test_the_lease_covers_a_long_smtp_timeout():
    from portal.mail.delivery import LEASE, SEND_SHARE, lease_for

    assert lease_for(30) == LEASE
    # Eight exchanges of up to two minutes each must fit in the share a send may take.
    assert lease_for(120).total_seconds() * SEND_SHARE >= 8 * 120
