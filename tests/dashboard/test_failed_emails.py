"""E-mails that reached their last try: shown on HR's dashboard (whom, which kind, when;
never the content) and sent again from there."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import col

from portal import i18n
from portal.config import TEMPLATES_DIR
from portal.dashboard.deliveries import SHOWN, kind_label
from portal.mail.backends import Message
from portal.mail.delivery import deliver_due
from portal.mail.outbox import enqueue
from portal.models import AuditEvent, OutboxEmail, OutboxStatus
from tests.conftest import csrf_from

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # 10:00 in Amsterdam


class Refusing:
    """A server that refuses every message, quoting the address and the subject."""

    async def send(self, message: Message) -> None:
        raise OSError(f"550 5.1.1 <{message.recipient}> refused ({message.subject})")


@pytest.fixture
def as_hr(make_user, login_as, clock):
    """Signed in as HR, reading English; the clock on Tuesday 1 December, 09:00 UTC."""
    clock.now = NOW
    login_as(make_user(role="hr", locale="en"))


@pytest.fixture
def fail(client, run, clock):
    """Queue an e-mail and let its one and only try fail; returns the outbox row's id."""
    st = client.app.state

    def go(recipient: str, *, kind: str = "invitation", subject: str = "Your visit") -> int:
        async def add(db):
            await enqueue(
                db,
                keyring=st.keyring,
                base_url="http://testserver",
                kind=kind,
                recipient=recipient,
                subject=subject,
                text="Geheime inhoud van de uitnodiging\n",
                html="<p>Geheime inhoud van de uitnodiging</p>",
                now=clock(),
            )
            await db.flush()
            return await db.scalar(sa.select(sa.func.max(OutboxEmail.id)))

        email_id: int = run(add)
        client.portal.call(
            lambda: deliver_due(
                st.db,
                backend=Refusing(),
                keyring=st.keyring,
                mail_from=st.settings.mail_from,
                max_attempts=1,
                dialect=st.dialect,
                now=clock(),
            )
        )
        return email_id

    return go


def email_row(run, email_id: int) -> OutboxEmail:
    async def load(db):
        return await db.get(OutboxEmail, email_id)

    row: OutboxEmail = run(load)
    return row


def events(run) -> list[AuditEvent]:
    async def load(db):
        found = await db.scalars(
            sa.select(AuditEvent).where(col(AuditEvent.action) == "email.sent_again")
        )
        return list(found)

    found: list[AuditEvent] = run(load)
    return found


def send_again(client, email_id: int | str):
    csrf = csrf_from(client.get("/hr").text)
    return client.post(f"/hr/emails/{email_id}/send-again", data={"csrf_token": csrf})


def failed_section(page: str) -> str:
    start = page.index('<section aria-labelledby="failed-emails-heading">')
    return page[start : page.index("</section>", start)]


def test_a_failed_email_is_shown_with_whom_which_kind_and_when(
    client, make_user, as_hr, fail, clock
):
    make_user(email="sam@example.org", name="Sam de Vries")
    clock.advance(minutes=30)  # tried at 09:30 UTC, 10:30 in Amsterdam
    email_id = fail("sam@example.org")
    page = client.get("/hr").text
    assert '<a href="#failed-emails-heading">E-mails that could not be delivered: 1</a>' in page
    section = failed_section(page)
    assert "Sam de Vries <small>sam@example.org</small>" in section
    assert "<td>Invitation to the visit</td>" in section
    assert '<time datetime="2026-12-01T09:30:00+00:00">' in section
    assert "10:30" in section
    assert f'action="/hr/emails/{email_id}/send-again"' in section
    assert 'name="csrf_token"' in section


def test_an_address_without_an_account_is_shown_as_it_is(client, as_hr, fail):
    fail("nobody@example.org", kind="question_routed")
    section = failed_section(client.get("/hr").text)
    assert '<th scope="row" id=' in section and ">nobody@example.org</th>" in section
    assert "Question for a colleague" in section


def test_neither_the_content_nor_the_servers_answer_is_shown(client, make_user, as_hr, fail):
    make_user(email="sam@example.org", name="Sam de Vries")
    fail("sam@example.org", subject="Uitnodiging voor Sam: geheim onderwerp")
    page = client.get("/hr").text
    # "550 5.1.1", not "550" alone: a random token on the page may hold those three digits.
    for secret in ("geheim onderwerp", "Geheime inhoud", "550 5.1.1", "refused"):
        assert secret not in page


def test_with_nothing_failed_the_dashboard_says_so_and_lists_nothing(client, as_hr):
    page = client.get("/hr").text
    assert "<li>E-mails that could not be delivered: 0</li>" in page
    assert "failed-emails-heading" not in page


def test_sending_again_queues_it_with_fresh_tries_and_the_same_message_id(
    client, make_user, as_hr, fail, run, clock, deliver
):
    hr_page_user = make_user(email="sam@example.org", name="Sam de Vries")
    email_id = fail("sam@example.org", subject="Your visit on 8 December")
    before = email_row(run, email_id)
    assert before.status is OutboxStatus.FAILED and before.payload is not None  # kept for this
    clock.advance(hours=2)
    response = send_again(client, email_id)
    assert response.status_code == 303 and response.headers["location"] == "/hr"
    row = email_row(run, email_id)
    assert row.status is OutboxStatus.PENDING and row.attempts == 0
    assert row.next_attempt_at == clock() and row.last_error == ""
    [event] = events(run)
    assert event.subject_id == str(email_id) and event.details == {"kind": "invitation"}
    assert hr_page_user.email not in str(event.details)
    [mail] = deliver()
    assert mail.message_id == before.message_id and mail.subject == "Your visit on 8 December"
    assert mail.recipient == "sam@example.org"
    row = email_row(run, email_id)
    assert row.status is OutboxStatus.SENT and row.payload is None
    assert "E-mails that could not be delivered: 0" in client.get("/hr").text


def test_a_second_click_changes_nothing(client, as_hr, fail, run):
    email_id = fail("sam@example.org")
    assert send_again(client, email_id).status_code == 303
    assert send_again(client, email_id).status_code == 303
    assert len(events(run)) == 1
    assert email_row(run, email_id).status is OutboxStatus.PENDING


@pytest.mark.parametrize("email_id", ["999", "²", "1" * 30, "-1", "1.0"])
def test_sending_again_what_is_not_there_is_not_found(client, as_hr, fail, email_id):
    fail("sam@example.org")
    assert send_again(client, email_id).status_code == 404


@pytest.mark.parametrize("role", ["employee", "candidate"])
def test_only_hr_may_send_again(client, make_user, login_as, fail, run, role):
    email_id = fail("sam@example.org")
    login_as(make_user(role=role))
    csrf = csrf_from(client.get("/login", follow_redirects=True).text)
    response = client.post(f"/hr/emails/{email_id}/send-again", data={"csrf_token": csrf})
    assert response.status_code == 404
    assert email_row(run, email_id).status is OutboxStatus.FAILED
    assert events(run) == []


def test_sending_again_needs_the_csrf_token(client, as_hr, fail, run):
    email_id = fail("sam@example.org")
    response = client.post(f"/hr/emails/{email_id}/send-again", data={})
    assert response.status_code == 403
    assert email_row(run, email_id).status is OutboxStatus.FAILED


def test_a_sign_in_link_is_listed_but_never_sent_again(client, as_hr, fail, run):
    """It expires within minutes; its copy (a live link) is erased when it fails."""
    email_id = fail("sam@example.org", kind="sign_in")
    assert email_row(run, email_id).payload is None
    section = failed_section(client.get("/hr").text)
    assert "Sign-in link" in section
    assert "send-again" not in section
    assert "Cannot be sent again: its content has been erased." in section
    assert send_again(client, email_id).status_code == 303
    assert email_row(run, email_id).status is OutboxStatus.FAILED
    assert events(run) == []


def test_the_most_recent_failures_are_listed_with_the_count_of_all(client, as_hr, fail, clock):
    for n in range(SHOWN + 3):
        clock.advance(minutes=1)
        fail(f"person{n}@example.org")
    page = client.get("/hr").text
    assert "E-mails that could not be delivered: 23</a>" in page
    section = failed_section(page)
    assert section.count('<tr id="failed-email-') == SHOWN
    assert "The 20 most recent of 23, last tried first" in section
    assert "person22@example.org" in section and "person2@example.org" not in section
    assert section.index("person22@") < section.index("person21@")


def test_query_count_does_not_grow_with_failed_emails(client, as_hr, fail, count_queries):
    fail("first@example.org")
    with count_queries() as few:
        assert client.get("/hr").status_code == 200
    for n in range(SHOWN + 5):
        fail(f"person{n}@example.org")
    with count_queries() as many:
        assert client.get("/hr").text.count('<tr id="failed-email-') == SHOWN
    # session, the counts together with the failed e-mails, the visits, the candidates to
    # be erased soon
    assert len(few) == len(many) == 4, many


def email_kinds() -> list[str]:
    """Every kind of e-mail the portal sends: one per template under templates/email."""
    return sorted(p.stem for p in Path(TEMPLATES_DIR, "email").glob("*.txt") if p.stem[0] != "_")


@pytest.mark.parametrize("kind", email_kinds())
def test_every_kind_of_email_has_a_label_of_its_own_in_both_languages(kind):
    labels = {}
    for locale in ("en", "nl"):
        i18n.set_locale(locale)
        labels[locale] = kind_label(kind)
    i18n.set_locale("nl")
    assert labels["en"] != "Other e-mail", f"no label for {kind} in portal.dashboard.deliveries"
    assert labels["nl"] != labels["en"], f"the label of {kind} has no Dutch translation"
    others = {kind_label(k) for k in email_kinds() if k != kind}
    assert labels["nl"] not in others
