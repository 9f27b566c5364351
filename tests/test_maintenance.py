"""Expired tokens, dead sessions and old counters are deleted."""

from __future__ import annotations

import sqlalchemy as sa

from portal.maintenance import purge_expired
from portal.models import SignInToken, UserSession
from tests.auth.test_sign_in import ask_link


async def _count(db, model):
    return await db.scalar(sa.select(sa.func.count()).select_from(model))


def test_purge_removes_what_has_expired_and_keeps_what_lives(
    client, make_user, login_as, run, clock, deliver
):
    make_user(email="sam@example.org")
    ask_link(client, "sam@example.org")
    deliver()
    login_as(make_user())
    st = client.app.state
    purge = lambda: client.portal.call(lambda: purge_expired(st.db, now=clock()))  # noqa: E731
    assert purge()["sign_in_tokens"] == 0
    assert run(lambda db: _count(db, SignInToken)) == 1
    clock.advance(days=2)
    counts = purge()
    assert counts["sign_in_tokens"] == 1 and counts["rate_limit_hits"] >= 1
    assert run(lambda db: _count(db, UserSession)) == 1  # a candidate session lives 30 days
    clock.advance(days=31)
    assert purge()["sessions"] == 1


def test_a_failed_emails_content_is_erased_after_the_retention_days(client, run, clock):
    """Kept so that HR can send it again, then erased: the row stays listed for HR."""
    from portal.mail.backends import Message
    from portal.mail.delivery import deliver_due
    from portal.mail.outbox import enqueue
    from portal.models import OutboxEmail, OutboxStatus

    class Refusing:
        async def send(self, message: Message) -> None:
            raise OSError("550 refused")

    st = client.app.state

    async def queue(db):
        for recipient in ("failed@example.org", "waiting@example.org"):
            await enqueue(
                db,
                keyring=st.keyring,
                base_url="http://testserver",
                kind="invitation",
                recipient=recipient,
                subject="Your visit",
                text="t",
                html="h",
                now=clock(),
            )

    run(queue)
    # The first fails for good; the second is still waiting (one e-mail in this pass).
    client.portal.call(
        lambda: deliver_due(
            st.db,
            backend=Refusing(),
            keyring=st.keyring,
            mail_from=st.settings.mail_from,
            max_attempts=1,
            dialect=st.dialect,
            now=clock(),
            batch=1,
        )
    )

    async def rows(db):
        found = await db.scalars(sa.select(OutboxEmail).order_by(OutboxEmail.id))
        return {row.recipient: (row.status, row.payload is not None) for row in found}

    purge = lambda: client.portal.call(  # noqa: E731
        lambda: purge_expired(st.db, now=clock(), retention_days=7)
    )
    clock.advance(days=6, hours=23)
    assert purge()["failed_email_contents"] == 0
    assert run(rows)["failed@example.org"] == (OutboxStatus.FAILED, True)
    clock.advance(hours=2)
    assert purge()["failed_email_contents"] == 1
    assert run(rows) == {
        "failed@example.org": (OutboxStatus.FAILED, False),
        "waiting@example.org": (OutboxStatus.PENDING, True),
    }
