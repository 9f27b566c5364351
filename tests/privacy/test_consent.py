"""Consent to be kept for future vacancies: opt-in, recorded with its words, withdrawable,
one renewal e-mail before the year ends, and erasure when nobody answers."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from portal.models import AuditEvent, OutboxEmail, Outcome, PoolConsent
from portal.privacy.consent import one_year_from
from tests.conftest import get_csrf
from tests.factories import create_visit
from tests.privacy.test_retention import candidates, retention

PAGE = "/me/privacy"
EN = {"Accept-Language": "en"}


def consent(client: Any, headers: dict[str, str] | None = None, **fields: str) -> Any:
    csrf = get_csrf(client, PAGE)
    return client.post(
        f"{PAGE}/consent", data={"csrf_token": csrf, **fields}, headers=headers or EN
    )


def consents(run: Any) -> list[PoolConsent]:
    async def rows(db: Any) -> list[PoolConsent]:
        return list(await db.scalars(sa.select(PoolConsent).order_by(PoolConsent.id)))

    found: list[PoolConsent] = run(rows)
    return found


def rejected_candidate(run: Any, make_user: Any, name: str = "Pia Pool") -> Any:
    """A candidate whose visit (3 December 2026) was decided on 10 December 2026: due for
    erasure on 7 January 2027 without consent."""
    candidate = make_user(name=name)
    run(
        lambda db: create_visit(
            db, candidate=candidate, outcome=Outcome.REJECTED, decided_on=date(2026, 12, 10)
        )
    )
    return candidate


def job(client: Any) -> None:
    """The worker's daily job: renewal e-mails first, then erasure."""
    from portal.jobs import retention as daily

    client.portal.call(lambda: daily(client.app.state))


def test_the_box_is_never_ticked_and_an_unticked_box_changes_nothing(
    client, make_user, login_as, run
):
    login_as(make_user())
    page = client.get(PAGE, headers=EN)
    [box] = re.findall(r'<input type="checkbox" name="agree"[^>]*>', page.text)
    assert "checked" not in box
    assert "for one year from today, to contact me about future vacancies" in page.text
    response = consent(client, intent="give")
    assert response.status_code == 422
    assert "Tick the box if you agree" in response.text
    assert 'aria-invalid="true" aria-describedby="agree-error"' in response.text
    for odd in ("on", "true", "YES", "yes\x00", ""):
        assert consent(client, intent="give", agree=odd).status_code == 422
    assert consent(client, intent="nonsense").status_code == 422
    assert consents(run) == []


def test_consent_is_stored_with_its_words_in_the_candidates_language(
    client, make_user, login_as, run, clock
):
    candidate = make_user(name="Nora Nederlands")
    login_as(candidate)
    response = consent(client, {"Accept-Language": "nl"}, intent="give", agree="yes")
    assert response.status_code == 303
    assert response.headers["location"] == f"{PAGE}?done=consent_given#consent"
    [row] = consents(run)
    assert row.locale == "nl"
    assert row.text.startswith("Ik ga ermee akkoord dat Zuiderlicht mijn naam")
    assert row.given_at == clock.now
    assert row.until == date(2027, 11, 30)  # a year from 1 December 2026, that day included
    page = client.get(response.headers["location"], headers={"Accept-Language": "nl"})
    assert "Dank je. We bewaren je gegevens één jaar vanaf vandaag." in page.text
    assert row.text in page.text
    assert "30 november 2027" in page.text
    assert "Mijn toestemming intrekken" in page.text
    # Not in the renewal window yet: no renew button, and no second box to tick.
    assert "Mijn gegevens nog een jaar bewaren" not in page.text
    assert 'name="agree" value="yes">' not in page.text

    async def events(db: Any) -> list[tuple[str, Any]]:
        rows = await db.execute(sa.select(AuditEvent.action, AuditEvent.actor_id))
        return [tuple(r) for r in rows if r[0].startswith("privacy.consent")]

    assert run(events) == [("privacy.consent_given", candidate.id)]


def test_consent_withdrawn_the_day_after_it_was_given(client, make_user, login_as, run, clock):
    """The ordinary schedule applies again: already past it, erased at the next run."""
    candidate = rejected_candidate(run, make_user)
    clock.now = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)
    login_as(candidate)
    consent(client, intent="give", agree="yes")
    clock.now = datetime(2027, 1, 8, 9, 0, tzinfo=UTC)  # past 7 January
    assert not retention(client, clock)  # kept: they agreed
    clock.now = datetime(2027, 1, 9, 9, 0, tzinfo=UTC)
    login_as(candidate)
    response = consent(client, intent="withdraw")
    assert response.headers["location"] == f"{PAGE}?done=consent_withdrawn#consent"
    page = client.get(response.headers["location"], headers=EN)
    assert "Your consent is withdrawn" in page.text
    assert consents(run) == []
    # Withdrawing twice is no error and records nothing more.
    assert consent(client, intent="withdraw").status_code == 303

    async def withdrawals(db: Any) -> int:
        query = sa.select(sa.func.count()).where(AuditEvent.action == "privacy.consent_withdrawn")
        return int(await db.scalar(query))

    assert run(withdrawals) == 1
    assert retention(client, clock)["candidates"] == 1
    assert candidates(run) == []


def test_a_year_a_renewal_email_and_erasure_without_answer(
    client, make_user, login_as, run, clock, deliver
):
    """The whole life with consent: given after the decision, kept past the four weeks,
    asked once 30 days before the year ends, erased the day after its last day."""
    candidate = rejected_candidate(run, make_user, name="Rens Renewal")
    clock.now = datetime(2026, 12, 12, 9, 0, tzinfo=UTC)
    login_as(candidate)
    consent(client, intent="give", agree="yes")
    [row] = consents(run)
    assert row.until == date(2027, 12, 11)
    client.cookies.clear()
    clock.now = datetime(2027, 1, 7, 9, 0, tzinfo=UTC)  # four weeks after the decision
    job(client)
    assert candidates(run) == ["Rens Renewal"]
    clock.now = datetime(2027, 11, 10, 9, 0, tzinfo=UTC)  # 31 days before the last day
    job(client)
    assert deliver() == []
    clock.now = datetime(2027, 11, 11, 9, 0, tzinfo=UTC)  # 30 days before: asked once
    job(client)
    job(client)
    [mail] = deliver()
    assert mail.recipient == candidate.email
    assert "http://testserver/me/privacy" in mail.text and "http://testserver/privacy" in mail.text
    assert "11 december 2027" in mail.text  # the candidate's language (nl, the default)
    # A link and a date, nothing about the procedure.
    assert "Position" not in mail.text and "Diet" not in mail.text
    clock.now = datetime(2027, 12, 11, 9, 0, tzinfo=UTC)  # the last day: still kept
    job(client)
    assert candidates(run) == ["Rens Renewal"]
    assert len(deliver()) == 1
    clock.now = datetime(2027, 12, 12, 9, 0, tzinfo=UTC)
    job(client)
    assert candidates(run) == []
    assert consents(run) == []


def test_renewing_in_the_window_keeps_another_year(client, make_user, login_as, run, clock):
    candidate = rejected_candidate(run, make_user)
    clock.now = datetime(2026, 12, 12, 9, 0, tzinfo=UTC)
    login_as(candidate)
    consent(client, intent="give", agree="yes")
    clock.now = datetime(2027, 11, 20, 9, 0, tzinfo=UTC)
    job(client)
    assert consents(run)[0].renewal_sent_at == clock.now
    login_as(candidate)
    page = client.get(PAGE, headers=EN)
    assert "Your consent ends soon." in page.text
    assert "Keep my data for another year" in page.text
    assert consent(client, intent="give", agree="yes").status_code == 303
    [row] = consents(run)
    assert row.until == date(2028, 11, 19) and row.renewal_sent_at is None
    # Last year's end passes: kept.
    clock.now = datetime(2027, 12, 20, 9, 0, tzinfo=UTC)
    assert not retention(client, clock)

    async def actions(db: Any) -> list[str]:
        rows = await db.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id))
        return [a for a in rows if a.startswith("privacy.consent")]

    assert run(actions) == ["privacy.consent_given", "privacy.consent_renewed"]


def test_consent_during_an_open_procedure_never_shortens_it(
    client, make_user, login_as, run, clock
):
    """Consent given before the visit: the later of the two dates counts."""
    candidate = make_user(name="Vroeg Vroeg")
    run(lambda db: create_visit(db, candidate=candidate))  # 3 December 2026, no outcome
    login_as(candidate)
    consent(client, intent="give", agree="yes")  # until 30 November 2027
    page = client.get(PAGE, headers=EN)
    # No outcome: 26 + 4 weeks after the visit (30 June 2027) is earlier; the consent wins.
    assert "erased on Wednesday, December 1, 2027" in page.text
    clock.now = datetime(2027, 7, 2, 9, 0, tzinfo=UTC)
    assert not retention(client, clock)
    clock.now = datetime(2027, 12, 1, 9, 0, tzinfo=UTC)
    assert retention(client, clock)["candidates"] == 1


def test_the_export_holds_the_consent(client, make_user, login_as, run):
    login_as(make_user())
    assert json.loads(client.get(f"{PAGE}/export").content)["consent_to_be_kept"] is None
    consent(client, intent="give", agree="yes")
    data = json.loads(client.get(f"{PAGE}/export").content)["consent_to_be_kept"]
    assert data["kept_until"] == "2027-11-30"
    assert data["language"] == "en"
    assert data["statement"].startswith("I agree that Zuiderlicht keeps my name")
    assert data["given_at"].startswith("2026-12-01")


def test_erasure_takes_the_consent_and_staff_have_none(client, make_user, login_as, run):
    candidate = make_user()
    login_as(candidate)
    consent(client, intent="give", agree="yes")
    login_as(make_user(role="hr"))
    assert consent(client, intent="give", agree="yes").status_code == 404
    login_as(candidate)
    page = client.post(
        PAGE, data={"csrf_token": get_csrf(client, PAGE), "intent": "erase", "confirm": "yes"}
    )
    assert page.status_code == 303
    assert consents(run) == []


def test_two_submits_at_once_keep_one_consent(client, make_user, login_as, run):
    from tests.parallel import post_in_parallel

    login_as(make_user())
    csrf = get_csrf(client, PAGE)
    data = {"csrf_token": csrf, "intent": "give", "agree": "yes"}
    responses = post_in_parallel(client, f"{PAGE}/consent", [data] * 6)
    assert [r.status_code for r in responses] == [303] * 6
    assert len(consents(run)) == 1


def test_one_year_from_handles_leap_days():
    assert one_year_from(date(2026, 12, 1)) == date(2027, 11, 30)
    assert one_year_from(date(2028, 2, 29)) == date(2029, 2, 28)
    assert one_year_from(date(2027, 3, 1)) == date(2028, 2, 29)


def test_the_renewal_email_is_sent_once_by_racing_workers(client, make_user, login_as, run, clock):
    import asyncio

    from portal.privacy.consent import send_renewals

    login_as(make_user())
    consent(client, intent="give", agree="yes")
    clock.now = datetime(2027, 11, 1, 9, 0, tzinfo=UTC)
    st = client.app.state

    async def both() -> list[int]:
        go = [send_renewals(st.db, mailer=st.mailer, now=clock()) for _ in range(4)]
        return list(await asyncio.gather(*go))

    assert sum(client.portal.call(both)) == 1

    async def mails(db: Any) -> int:
        count = sa.select(sa.func.count()).where(OutboxEmail.kind == "consent_renewal")
        return int(await db.scalar(count))

    assert run(mails) == 1


def test_hr_sees_on_the_visit_page_who_agreed_to_be_kept(client, make_user, login_as, run):
    candidate = make_user(name="Tom Talent")
    visit = run(lambda db: create_visit(db, candidate=candidate))
    hr = make_user(role="hr")
    login_as(hr)
    path = f"/hr/visits/{visit.public_id}"
    assert 'id="pool-consent"' not in client.get(path, headers=EN).text
    login_as(candidate)
    consent(client, intent="give", agree="yes")
    login_as(hr)
    page = client.get(path, headers=EN).text
    assert "Tom Talent agreed to be kept for future vacancies, until 2027-11-30" in page
