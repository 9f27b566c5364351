"""The candidate's own privacy page (/me/privacy) in a real browser, on a phone, in Dutch and
in English: downloading their data, giving and withdrawing the consent to be kept for
future vacancies, and erasing everything after a confirmation. Every page on the way is
checked with axe-core; screenshots of the page are taken here (see pages.screenshot).

Each test plans its own candidates (a visit ten days ahead, hosted by Fatima, so that no
reminder goes out and only she hears of an erasure): the demo's candidates are shared by
the whole session and are never erased here. What a test leaves is erased afterwards.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from portal.demo import CANDIDATE, HR, STAFF
from tests.browser.conftest import LATE_CANDIDATE, Inbox, LiveServer, in_thread
from tests.browser.pages import (
    assert_accessible,
    assert_no_horizontal_scroll,
    in_any_language,
    open_menu,
    rows,
    screenshot,
    sign_in_with_code,
    squash,
    t,
    texts_of,
)

pytestmark = pytest.mark.browser

languages = pytest.mark.parametrize("lang", ["nl", "en"])

STATEMENT = (
    "I agree that %(organisation)s keeps my name, e-mail address, visits and questions "
    "for one year from today, to contact me about future vacancies. I can withdraw this "
    "at any time on my privacy page; my data is then erased on the ordinary schedule."
)
CONSENT_GIVEN = "Thank you. We keep your data for one year from today."
CONSENT_WITHDRAWN = "Your consent is withdrawn. Your data is erased on the ordinary schedule."
TICK_THE_BOX = "Tick the box if you agree; otherwise nothing changes."
ERASED = "Your data is erased and you are signed out. Thank you for your interest."
WITHDREW = "A candidate withdrew and asked to be erased"
EXPORT_FORMAT = "candidate-portal-export"


# ---- the candidates ----------------------------------------------------------------------


@dataclass
class Candidate:
    email: str
    name: str
    position: str
    visit_id: str


def _plan(live_server: LiveServer, email: str, name: str, position: str, lang: str) -> str:
    """A candidate (reading in ``lang``) with one visit ten days ahead, Fatima their host,
    with an item hidden from them; the visit's public id."""
    import sqlalchemy as sa
    from sqlmodel import col

    from portal.db import make_engine, session_factory, transaction
    from portal.models import User
    from tests.factories import create_user, create_visit

    start = live_server.clock() + timedelta(days=10)

    async def go() -> str:
        engine = make_engine(live_server.settings.database_url)
        try:
            async with transaction(session_factory(engine)) as db:
                host = await db.scalar(sa.select(User).where(col(User.email) == HR))
                assert host is not None
                user = await create_user(db, email=email, name=name, locale=lang)
                visit = await create_visit(
                    db,
                    candidate=user,
                    start=start,
                    hidden_items=1,
                    position=position,
                    host_id=host.id,
                )
                return visit.public_id
        finally:
            await engine.dispose()

    public_id: str = in_thread(lambda: asyncio.run(go()))
    return public_id


def _erase(live_server: LiveServer, emails: list[str]) -> None:
    """Erase what is left of ``emails`` as the retention job would (no mail, no record)."""
    from portal.db import make_engine, session_factory, transaction
    from portal.privacy.erasure import erase_candidate

    left = [
        user_id
        for email in emails
        for (user_id,) in rows(live_server, "SELECT id FROM users WHERE email = ?", email)
    ]
    if not left:
        return

    async def go() -> None:
        engine = make_engine(live_server.settings.database_url)
        try:
            for user_id in left:
                async with transaction(session_factory(engine)) as db:
                    await erase_candidate(
                        db, user_id=user_id, now=live_server.clock(), reason="test", record=False
                    )
        finally:
            await engine.dispose()

    in_thread(lambda: asyncio.run(go()))


@pytest.fixture
def new_candidate(live_server: LiveServer, inbox: Inbox) -> Iterator[Callable[..., Candidate]]:
    """``new_candidate(name, position, lang)``: a candidate of this test's own, with a
    unique address (``mailbox`` and a random part). Afterwards they are erased (if the test
    did not) and their mails (the sign-in codes) leave the inbox's record, as Jamie's do in
    test_planning_flow.py."""
    made: list[str] = []

    def make(name: str, position: str, lang: str, *, mailbox: str = "") -> Candidate:
        mailbox = mailbox or f"{name.split()[0].lower()}.privacy"
        email = f"{mailbox}.{secrets.token_hex(4)}@example.org"
        made.append(email)
        visit_id = _plan(live_server, email, name, position, lang)
        return Candidate(email=email, name=name, position=position, visit_id=visit_id)

    yield make
    _erase(live_server, made)
    with inbox.changed:
        inbox.received[:] = [r for r in inbox.received if not set(made) & set(r.rcpt_tos)]


# ---- the page ------------------------------------------------------------------------------


def open_my_privacy(page: Any, lang: str) -> None:
    """From the header's "Your data" (on a phone it is in the menu)."""
    open_menu(page)
    page.locator("header").get_by_role("link", name=t(lang, "Your data"), exact=True).click()
    page.wait_for_url(re.compile(r"/me/privacy(\?.*)?$"))
    assert squash(page.locator("main h1").inner_text()) == t(lang, "Your data")


def sign_in_to_my_privacy(
    page: Any, inbox: Inbox, live_server: LiveServer, lang: str, who: Candidate
) -> None:
    sign_in_with_code(page, inbox, live_server, lang, who.email)
    assert page.locator("html").get_attribute("lang") == lang
    open_my_privacy(page, lang)


def fact(page: Any, label: str) -> str:
    """What the "what we hold" list says under ``label``."""
    facts = page.locator("main dl.facts")
    return squash(
        facts.locator("dt", has_text=label).locator("xpath=following-sibling::dd[1]").inner_text()
    )


def posts_to(page: Any) -> list[tuple[str, int]]:
    """Every POST the page makes from now on, as (path, status)."""
    posts: list[tuple[str, int]] = []
    page.on(
        "response",
        lambda r: (
            posts.append((re.sub(r"^https?://[^/]+", "", r.url), r.status))
            if r.request.method == "POST"
            else None
        ),
    )
    return posts


def consent_box(page: Any) -> Any:
    return page.locator('main input[type=checkbox][name="agree"]')


def notice(page: Any) -> Any:
    return page.locator("main p.notice[role=status]")


def stored_consent(live_server: LiveServer, who: Candidate) -> list[tuple[Any, ...]]:
    return rows(
        live_server,
        "SELECT c.text, c.locale FROM pool_consents c JOIN users u ON u.id = c.user_id"
        " WHERE u.email = ?",
        who.email,
    )


# ---- download ------------------------------------------------------------------------------


@languages
def test_downloading_my_data(open_page, live_server, inbox, new_candidate, lang):
    me = new_candidate("Robin Verbeek", "Data engineer", lang)
    other = new_candidate("Kim Brouwer", "Security officer", lang)
    page = open_page("phone", lang)
    sign_in_to_my_privacy(page, inbox, live_server, lang, me)
    assert fact(page, t(lang, "Name")) == me.name
    assert fact(page, t(lang, "E-mail address")) == me.email
    assert fact(page, t(lang, "Language")) == {"nl": "Nederlands", "en": "English"}[lang]
    assert me.position in fact(page, t(lang, "Visits"))
    assert_no_horizontal_scroll(page)

    with page.expect_download() as info:
        page.locator("main").get_by_role("link", name=t(lang, "Download my data")).click()
    download = info.value
    assert download.failure() is None
    # The file's name says nothing about whose it is.
    assert re.fullmatch(r"my-data-\d{4}-\d{2}-\d{2}\.json", download.suggested_filename)
    raw = Path(download.path()).read_text(encoding="utf-8")
    data = json.loads(raw)

    assert data["format"] == EXPORT_FORMAT
    assert data["account"]["email"] == me.email
    assert data["account"]["name"] == me.name
    assert data["account"]["locale"] == lang
    assert [v["id"] for v in data["visits"]] == [me.visit_id]
    [visit] = data["visits"]
    assert visit["position"] == me.position
    [fatima] = [s for s in STAFF if s["email"] == HR]
    assert visit["host"] == {"name": fatima["name"], "job_title": fatima["job_title"]}
    # Only the items the candidate sees: not the debrief, nor staff's own titles for them.
    assert [item["title"] for item in visit["agenda"]] == ["Gesprek 1", "Gesprek 2", "Gesprek 3"]
    for secret in ("Interne debrief", "Round 1"):
        assert secret not in raw, secret
    # Nothing of anyone else's: the other new candidate, nor the demo's.
    for theirs in (other.email, other.name, other.position, other.visit_id):
        assert theirs not in raw, theirs
    for demo in (CANDIDATE, LATE_CANDIDATE):
        assert demo not in raw, demo
    # Downloading left the page where it was.
    assert re.search(r"/me/privacy$", page.url), page.url


# ---- consent -------------------------------------------------------------------------------


@languages
def test_giving_and_withdrawing_consent(open_page, live_server, inbox, new_candidate, lang):
    me = new_candidate("Robin Verbeek", "Data engineer", lang)
    statement = t(lang, STATEMENT, organisation=live_server.settings.organisation_name)
    page = open_page("phone", lang)
    sign_in_to_my_privacy(page, inbox, live_server, lang, me)
    save = page.locator("main").get_by_role("button", name=t(lang, "Save my consent"))
    withdraw = page.locator("main").get_by_role("button", name=t(lang, "Withdraw my consent"))

    # Opt-in only: the box is not ticked for them.
    expect(consent_box(page)).not_to_be_checked()
    expect(consent_box(page)).not_to_have_attribute("aria-invalid", "true")
    label = page.locator("main label", has=page.locator('input[name="agree"]'))
    assert squash(label.inner_text()) == statement
    expect(withdraw).to_have_count(0)
    expect(notice(page)).to_have_count(0)
    assert_no_horizontal_scroll(page)
    assert_accessible(page, "the candidate's privacy page")
    screenshot(page, f"my-privacy-phone-{lang}")

    # Saved without ticking: the error beside the box, and nothing stored.
    posts = posts_to(page)
    save.click()
    error = page.locator("#agree-error")
    expect(error).to_have_text(t(lang, TICK_THE_BOX))
    assert posts == [("/me/privacy/consent", 422)]
    assert label.evaluate("l => l.nextElementSibling.id") == "agree-error"  # right below it
    expect(consent_box(page)).to_have_attribute("aria-invalid", "true")
    expect(consent_box(page)).to_have_attribute("aria-describedby", "agree-error")
    expect(consent_box(page)).not_to_be_checked()
    expect(error).to_be_visible()
    assert stored_consent(live_server, me) == []
    assert_no_horizontal_scroll(page)
    assert_accessible(page, "the privacy page with the consent error")

    # Ticked and saved: thanked, and the words they agreed to are shown as stored.
    consent_box(page).check()
    save.click()
    page.wait_for_url(re.compile(r"/me/privacy\?done=consent_given#consent$"))
    expect(notice(page)).to_have_text(t(lang, CONSENT_GIVEN))
    assert squash(page.locator("main blockquote.consent-text").inner_text()) == statement
    expect(withdraw).to_be_visible()
    expect(consent_box(page)).to_have_count(0)
    expect(page.locator("#agree-error")).to_have_count(0)
    assert stored_consent(live_server, me) == [(statement, lang)]
    assert_no_horizontal_scroll(page)
    assert_accessible(page, "the privacy page with consent given")

    # Withdrawn: told so, and the (unticked) box is back.
    withdraw.click()
    page.wait_for_url(re.compile(r"/me/privacy\?done=consent_withdrawn#consent$"))
    expect(notice(page)).to_have_text(t(lang, CONSENT_WITHDRAWN))
    expect(consent_box(page)).to_be_visible()
    expect(consent_box(page)).not_to_be_checked()
    expect(page.locator("main blockquote.consent-text")).to_have_count(0)
    expect(withdraw).to_have_count(0)
    assert stored_consent(live_server, me) == []


# ---- erasure -------------------------------------------------------------------------------


@languages
def test_erasing_my_data_after_confirming(open_page, live_server, inbox, new_candidate, lang):
    me = new_candidate("Robin Verbeek", "Data engineer", lang)
    page = open_page("phone", lang)
    sign_in_to_my_privacy(page, inbox, live_server, lang, me)
    still_there = ("SELECT COUNT(*) FROM users WHERE email = ?", me.email)
    confirm = page.locator('main input[type=checkbox][name="confirm"]')
    erase = page.locator("main").get_by_role("button", name=t(lang, "Erase my data"))

    # The first click only asks.
    erase.click()
    expect(page.locator("main h1")).to_have_text(t(lang, "Erase your data"))
    expect(confirm).not_to_be_checked()
    expect(confirm).to_have_attribute("required", "")
    assert rows(live_server, *still_there) == [(1,)]
    assert_no_horizontal_scroll(page)
    assert_accessible(page, "the erasure confirmation")
    screenshot(page, f"my-privacy-erase-phone-{lang}")

    # Nothing is erased yet: "keep my data" goes back to the page, which still opens.
    page.locator("main").get_by_role("link", name=t(lang, "Keep my data")).click()
    page.wait_for_url(re.compile(r"/me/privacy$"))
    assert squash(page.locator("main h1").inner_text()) == t(lang, "Your data")
    assert fact(page, t(lang, "E-mail address")) == me.email

    # Confirming without the box ticked sends nothing (the browser asks for the tick).
    erase.click()
    expect(page.locator("main h1")).to_have_text(t(lang, "Erase your data"))
    posts = posts_to(page)
    erase.click()
    assert confirm.evaluate("box => box.validity.valueMissing") is True
    page.wait_for_timeout(200)
    assert posts == []
    assert rows(live_server, *still_there) == [(1,)]

    # Ticked and confirmed: erased and signed out, on the privacy notice.
    mark = inbox.mark()
    confirm.check()
    erase.click()
    page.wait_for_url(re.compile(r"/privacy\?erased=1$"))
    expect(page.locator("main [role=status]")).to_have_text(t(lang, ERASED))
    assert page.locator("html").get_attribute("lang") == lang
    assert_no_horizontal_scroll(page)

    # Gone: the account, the visit, the consent; the page sends the browser to sign in.
    assert rows(live_server, *still_there) == [(0,)]
    assert rows(live_server, "SELECT id FROM visits WHERE public_id = ?", me.visit_id) == []
    assert stored_consent(live_server, me) == []
    page.goto("/me/privacy")
    assert re.search(r"/login\?next=%2Fme%2Fprivacy$", page.url), page.url
    expect(page.locator("#email")).to_be_visible()

    # Fatima, the host, is told that a candidate withdrew: without who.
    mail = inbox.wait_for(HR, since=mark, subjects=set(in_any_language(WITHDREW)))
    assert mail.rcpt_tos == [HR]
    body = texts_of(mail)
    for secret in (me.name, me.email, me.position):
        assert secret not in body, secret


# ---- the layout ----------------------------------------------------------------------------


def test_a_long_address_fits_on_a_phone(open_page, live_server, inbox, new_candidate):
    """An address with nowhere to break a line (no space, no hyphen) wraps in its box."""
    me = new_candidate(
        "Alexandra van den Berg-Hoogstraten",
        "Senior data platform engineer",
        "nl",
        mailbox="alexandravandenberghoogstraten",
    )
    page = open_page("phone", "nl")
    sign_in_to_my_privacy(page, inbox, live_server, "nl", me)
    assert fact(page, t("nl", "E-mail address")) == me.email
    assert_no_horizontal_scroll(page)
