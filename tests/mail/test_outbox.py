"""The outbox: written with the change, delivered by SMTP, retried, never leaking the link."""

from __future__ import annotations

import email
import socket
import time
from email import policy

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from portal.mail.backends import SMTPBackend
from portal.mail.delivery import deliver_due
from portal.models import OutboxEmail, OutboxStatus
from tests.auth.test_sign_in import ask_link, link_token
from tests.conftest import make_settings


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def send_all(client, backend, *, max_attempts=3):
    st = client.app.state
    return client.portal.call(
        lambda: deliver_due(
            st.db,
            backend=backend,
            keyring=st.keyring,
            mail_from=st.settings.mail_from,
            max_attempts=max_attempts,
            now=st.clock(),
            dialect=st.dialect,
        )
    )


async def _outbox(db):
    return list(await db.scalars(sa.select(OutboxEmail)))


def test_sign_in_mail_arrives_over_smtp_in_the_recipients_language(
    client, make_user, run, smtp_server, database_url
):
    controller, inbox = smtp_server
    make_user(email="sam@example.org", name="Sam de Vries", locale="en")
    ask_link(client, "sam@example.org")
    backend = SMTPBackend(
        make_settings(database_url, smtp_host="127.0.0.1", smtp_port=controller.port)
    )
    assert send_all(client, backend) == 1
    [msg] = inbox.messages
    assert msg["To"] == "sam@example.org"
    assert msg["Subject"] == "Your sign-in link for the candidate portal"
    assert msg["Message-ID"]
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "Hello Sam de Vries" in text and "/login/confirm?token=" in text
    assert "/login/confirm?token=" in html
    [row] = run(_outbox)
    assert row.status is OutboxStatus.SENT and row.payload is None  # no copy kept after delivery
    assert row.message_id == msg["Message-ID"]


def test_dutch_is_the_default_language_of_mail(client, make_user, deliver):
    make_user(email="sam@example.org")
    ask_link(client, "sam@example.org")
    [mail] = deliver()
    assert mail.subject == "Je inloglink voor het kandidatenportaal"


def test_outbox_row_does_not_hold_the_link_in_clear(client, make_user, run):
    make_user(email="sam@example.org")
    ask_link(client, "sam@example.org")
    [row] = run(_outbox)
    assert b"login/confirm" not in row.payload and b"token=" not in row.payload


def test_failed_delivery_is_retried_with_backoff_then_marked_failed(
    client, make_user, run, clock, database_url
):
    make_user(email="sam@example.org")
    ask_link(client, "sam@example.org")
    dead = SMTPBackend(
        make_settings(
            database_url, smtp_host="127.0.0.1", smtp_port=free_port(), smtp_timeout_seconds=2
        )
    )
    assert send_all(client, dead) == 0
    [row] = run(_outbox)
    assert row.status is OutboxStatus.PENDING and row.attempts == 1 and row.last_error
    assert send_all(client, dead) == 0  # not due yet: backing off
    assert run(_outbox)[0].attempts == 1
    for _ in range(2):
        clock.advance(hours=1)
        send_all(client, dead)
    [row] = run(_outbox)
    # Given up; a sign-in link (it expires in minutes) keeps no copy for a second try.
    assert row.status is OutboxStatus.FAILED and row.attempts == 3 and row.payload is None


def test_a_claimed_message_is_not_sent_twice(client, make_user, run):
    """Two workers: the second finds nothing to claim while the first holds the lease."""
    from portal.mail.delivery import claim

    make_user(email="sam@example.org")
    ask_link(client, "sam@example.org")
    st = client.app.state
    first = client.portal.call(lambda: claim(st.db, now=st.clock(), dialect=st.dialect))
    second = client.portal.call(lambda: claim(st.db, now=st.clock(), dialect=st.dialect))
    assert len(first) == 1 and second == []


def test_an_abandoned_claim_is_taken_again_after_the_lease(client, make_user, clock):
    from portal.mail.delivery import claim

    make_user(email="sam@example.org")
    ask_link(client, "sam@example.org")
    st = client.app.state
    client.portal.call(lambda: claim(st.db, now=st.clock(), dialect=st.dialect))
    clock.advance(minutes=6)
    again = client.portal.call(lambda: claim(st.db, now=st.clock(), dialect=st.dialect))
    assert len(again) == 1 and again[0].attempts == 2


def test_header_injection_is_stripped(client, run):
    from portal.mail.outbox import enqueue

    st = client.app.state

    async def add(db):
        await enqueue(
            db,
            keyring=st.keyring,
            base_url="http://testserver",
            kind="test",
            recipient="a@example.org\r\nBcc: evil@example.org",
            subject="Hi\r\nBcc: x",
            text="t",
            html="h",
            now=st.clock(),
        )

    run(add)
    [row] = run(_outbox)
    assert "\n" not in row.recipient and "\r" not in row.recipient


def test_in_process_worker_delivers_soon_after_commit(database_url, tmp_path):
    from starlette.testclient import TestClient

    from portal.app import create_app
    from tests.conftest import RecordingBackend, get_csrf
    from tests.factories import create_user

    mailbox = RecordingBackend()
    app = create_app(make_settings(database_url, run_worker=True), email_backend=mailbox)
    with TestClient(app, base_url="http://testserver") as c:

        async def seed():
            async with app.state.db() as db, db.begin():
                await create_user(db, email="sam@example.org")

        c.portal.call(seed)
        c.post("/login", data={"email": "sam@example.org", "csrf_token": get_csrf(c)})
        deadline = time.monotonic() + 5
        while not mailbox.sent and time.monotonic() < deadline:
            time.sleep(0.05)
    assert len(mailbox.sent) == 1
    assert link_token(mailbox.sent[0])


def test_worker_runs_each_periodic_job_on_its_own_schedule():
    import asyncio
    from datetime import UTC, datetime, timedelta
    from types import SimpleNamespace

    from portal.worker import Worker

    now = [datetime(2026, 12, 1, 9, 0, tzinfo=UTC)]
    calls = []

    async def minutely(state):
        calls.append("minute")

    async def hourly(state):
        calls.append("hour")

    async def broken(state):
        raise RuntimeError("one failing job must not stop the others")

    worker = Worker(
        SimpleNamespace(clock=lambda: now[0]),
        jobs=[
            (timedelta(minutes=1), minutely),
            (timedelta(hours=1), broken),
            (timedelta(hours=1), hourly),
        ],
    )
    for step in (0, 30, 30, 60):
        now[0] += timedelta(seconds=step)
        asyncio.run(worker.run_jobs())
    assert calls == ["minute", "hour", "minute", "minute"]
