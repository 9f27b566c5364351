"""The sign-in walking skeleton in a real browser, on a phone and on a desktop.

A live server (see conftest.py) mails through a real SMTP server; the tests read the link
and the code out of what arrives, as a candidate would. Every page on the way is checked
with axe-core. Screenshots of the candidate's home go to docs/screenshots/.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from axe_playwright_python.sync_playwright import Axe
from babel.dates import format_date, format_time
from playwright.sync_api import expect

from portal import i18n
from portal.auth.sessions import cookie_name
from portal.config import LOCALES
from portal.demo import CANDIDATE, STAFF, ZONE, demo_data, today_in_zone
from portal.models import utcnow
from tests.browser.conftest import VIEWPORTS, Inbox, LiveServer, Received

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
AXE = Axe()
SUBJECT = "Your sign-in link for the candidate portal"

viewports = pytest.mark.parametrize("viewport", list(VIEWPORTS))


def t(lang: str, message: str, **values: Any) -> str:
    """What the page shows for ``message`` in ``lang`` (English until a catalog has it)."""
    text = i18n.translations(lang).gettext(message)
    return text % values if values else text


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(autouse=True)
def candidate_speaks_dutch(browser: Any, live_server: LiveServer) -> None:
    """The language switch stores the choice on the account: start every test from Dutch.

    (``browser`` first: without Chromium the test skips before a server starts.)
    """
    live_server.sql("UPDATE users SET locale = 'nl' WHERE email = ?", CANDIDATE)


# ---- what the candidate should see ---------------------------------------------------


def visit_day() -> date:
    return today_in_zone(utcnow()) + timedelta(days=1)


def expected_agenda(lang: str) -> list[dict[str, Any]]:
    """Sam's day from the demo data: the items a candidate may see, with their people."""
    staff = {s["email"]: s for s in STAFF}
    [visit] = [
        v
        for v in demo_data(today_in_zone(utcnow()))["visits"]
        if v["candidate"]["email"] == CANDIDATE
    ]
    zone = ZoneInfo(ZONE)

    def clock(value: str) -> str:
        moment = datetime.fromisoformat(value).replace(tzinfo=zone)
        return format_time(moment, format="short", tzinfo=zone, locale=lang)

    items = []
    for item in visit["agenda"]:
        if not item.get("visible_to_candidate", True):
            continue
        people = sorted(
            (staff[e] for e in item["interviewers"] if staff[e]["visible_to_candidates"]),
            key=lambda s: s["name"],
        )
        items.append(
            {
                "title": item["title"],
                "when": squash(f"{clock(item['starts_at'])} – {clock(item['ends_at'])}"),
                "people": [(p["name"], p["job_title"]) for p in people],
            }
        )
    return items


def hidden_from_candidate() -> list[str]:
    """Texts of Sam's day that only staff may see: internal items and titles, hidden staff."""
    [visit] = [
        v
        for v in demo_data(today_in_zone(utcnow()))["visits"]
        if v["candidate"]["email"] == CANDIDATE
    ]
    texts = [s["name"] for s in STAFF if not s["visible_to_candidates"]]
    for item in visit["agenda"]:
        if item.get("internal_title"):
            texts.append(item["internal_title"])
        if not item.get("visible_to_candidate", True):
            texts.append(item["title"])
    return texts


def read_agenda(page: Any) -> list[dict[str, Any]]:
    items = []
    for li in page.locator("ol.agenda > li").all():
        people = [
            (
                squash(person.locator("strong").inner_text()),
                squash(person.locator("small").inner_text()),
            )
            for person in li.locator(".people > li").all()
        ]
        items.append(
            {
                "title": squash(li.locator("h4").inner_text()),
                "when": squash(li.locator(".when").inner_text()),
                "people": people,
            }
        )
    return items


def assert_candidate_home(page: Any, live_server: LiveServer, lang: str) -> None:
    assert page.url == f"{live_server.url}/"
    assert page.locator("html").get_attribute("lang") == lang
    assert squash(page.locator("main h1").inner_text()) == t(lang, "Hello %(name)s", name="Sam")
    assert page.locator("main h2").first.inner_text() == "Backend developer"
    full_date = format_date(visit_day(), format="full", locale=lang)
    assert squash(page.locator(".facts").inner_text()).count(full_date) == 1
    assert read_agenda(page) == expected_agenda(lang)
    body = page.locator("body").inner_text()
    assert "Debrief interviewers" not in body
    for secret in hidden_from_candidate():
        assert secret not in body


def assert_no_horizontal_scroll(page: Any) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"


def assert_accessible(page: Any, what: str) -> None:
    results = AXE.run(page)
    violations = results.response["violations"]
    report = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n"
        + "\n".join(
            f"    {', '.join(map(str, n['target']))}: {n['html'][:160]}" for n in v["nodes"]
        )
        for v in violations
    )
    assert not violations, f"axe found violations on {what} ({page.url}):\n{report}"


# ---- sign-in steps ---------------------------------------------------------------------


def ask_for_mail(page: Any, inbox: Inbox, lang: str, email: str = CANDIDATE) -> Received:
    page.goto("/login")
    assert squash(page.locator("main h1").inner_text()) == t(lang, "Sign in")
    page.locator("#email").fill(email)
    mark = inbox.mark()
    page.locator("main").get_by_role("button", name=t(lang, "Send me a sign-in link")).click()
    expect(page.locator("main h1")).to_have_text(t(lang, "Check your inbox"))
    assert page.locator("#code").is_visible()
    return inbox.wait_for(email, since=mark)


def link_in(mail: Received, live_server: LiveServer) -> str:
    match = re.search(
        rf"{re.escape(live_server.url)}/login/confirm\?token=[A-Za-z0-9_\-]+", mail.text
    )
    assert match, f"no sign-in link in the e-mail:\n{mail.text}"
    return match.group(0)


def code_in(mail: Received, live_server: LiveServer) -> str:
    without_link = mail.text.replace(link_in(mail, live_server), "")
    match = re.search(r"(?<!\d)(\d{6})(?!\d)", without_link)
    assert match, f"no six-digit code in the e-mail:\n{mail.text}"
    return match.group(1)


def sign_in_with_code(page: Any, inbox: Inbox, live_server: LiveServer, lang: str) -> None:
    mail = ask_for_mail(page, inbox, lang)
    page.locator("#code").fill(code_in(mail, live_server))
    page.locator("main").get_by_role("button", name=t(lang, "Sign in with the code")).click()
    page.wait_for_url(f"{live_server.url}/")


def switch_language(page: Any, to: str) -> None:
    label = {"en": "English", "nl": "Nederlands"}[to]
    page.locator("header").get_by_role("button", name=label).click()
    expect(page.locator("html")).to_have_attribute("lang", to)
    page.wait_for_load_state()


# ---- the tests -------------------------------------------------------------------------


@viewports
def test_sign_in_by_link(open_page, live_server, inbox, viewport):
    page = open_page(viewport)
    mail = ask_for_mail(page, inbox, "nl")

    assert mail.rcpt_tos == [CANDIDATE]
    assert mail.message["To"] == CANDIDATE
    assert mail.message["From"] == live_server.settings.mail_from
    assert mail.message["Subject"] in {t(lang, SUBJECT) for lang in LOCALES}
    assert mail.message["Auto-Submitted"] == "auto-generated"
    assert mail.message["Message-ID"]
    link = link_in(mail, live_server)

    # Opening the link uses nothing (mail scanners open links too): one button, twice.
    for _ in range(2):
        page.goto(link)
        assert squash(page.locator("main h1").inner_text()) == t("nl", "Welcome")
        assert page.locator("main").get_by_role("button").count() == 1
    page.locator("main").get_by_role("button", name=t("nl", "Continue")).click()
    page.wait_for_url(f"{live_server.url}/")
    assert_candidate_home(page, live_server, "nl")

    # The link has done its work.
    page.goto(link)
    assert t("nl", "This sign-in link has already been used.") in page.locator("main").inner_text()
    assert_accessible(page, "the used-link page")


@viewports
def test_sign_in_by_code(open_page, live_server, inbox, viewport):
    page = open_page(viewport)
    sign_in_with_code(page, inbox, live_server, "nl")
    assert_candidate_home(page, live_server, "nl")


@viewports
def test_switch_language_and_screenshots(open_page, live_server, inbox, viewport):
    page = open_page(viewport)
    sign_in_with_code(page, inbox, live_server, "nl")
    assert_candidate_home(page, live_server, "nl")
    assert page.locator("header").get_by_role("button", name="English").is_visible()
    assert_no_horizontal_scroll(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"visit-{viewport}-nl.png", full_page=True)

    dutch = page.locator("body").inner_text()

    switch_language(page, "en")
    assert_candidate_home(page, live_server, "en")
    header = page.locator("header")
    assert header.get_by_role("button", name="Sign out").is_visible()
    assert header.get_by_role("button", name="Nederlands").is_visible()
    assert header.get_by_role("button", name="English").count() == 0
    assert page.locator("main h3").inner_text() == "Agenda"
    english = page.locator("body").inner_text()
    # The date always changes (Babel); the page's own words as far as the Dutch catalog goes.
    changes = {
        format_date(visit_day(), format="full", locale="nl"): format_date(
            visit_day(), format="full", locale="en"
        )
    }
    for message in ("Sign out", "Agenda", "Date", "Time", "Your host", "Here is your next visit."):
        if t("nl", message) != message:
            changes[t("nl", message)] = message
    for nl_text, en_text in changes.items():
        assert nl_text in dutch and nl_text not in english, nl_text
        assert en_text in english, en_text
    assert_no_horizontal_scroll(page)
    page.screenshot(path=SCREENSHOTS / f"visit-{viewport}-en.png", full_page=True)

    # The choice is the account's: it holds on the next page, and switches back.
    page.reload()
    assert page.locator("html").get_attribute("lang") == "en"
    switch_language(page, "nl")
    assert_candidate_home(page, live_server, "nl")


@viewports
def test_sign_out(open_page, live_server, inbox, viewport):
    page = open_page(viewport)
    sign_in_with_code(page, inbox, live_server, "nl")
    name = cookie_name(live_server.settings)
    [old_session] = [c for c in page.context.cookies() if c["name"] == name]

    page.locator("header").get_by_role("button", name=t("nl", "Sign out")).click()
    page.wait_for_url(re.compile(r"/login\?signed_out=1$"))
    assert t("nl", "You have been signed out.") in page.locator("main [role=status]").inner_text()
    assert page.locator("header").get_by_role("button", name=t("nl", "Sign out")).count() == 0
    assert not [c for c in page.context.cookies() if c["name"] == name]

    # The old session id, put back by hand, opens nothing any more.
    page.context.add_cookies(
        [{"name": name, "value": old_session["value"], "url": live_server.url}]
    )
    page.goto("/")
    assert re.search(r"/login\?next=%2F$", page.url), page.url
    assert page.locator("#email").is_visible()


@viewports
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_pages_pass_axe(open_page, live_server, inbox, viewport, lang):
    page = open_page(viewport, lang)

    page.goto("/login")
    assert page.locator("html").get_attribute("lang") == lang
    assert_accessible(page, "the login page")

    page.locator("#email").fill("not-an-address")
    page.locator("main").get_by_role("button", name=t(lang, "Send me a sign-in link")).click()
    page.wait_for_selector("#email-error")
    assert page.locator("#email").get_attribute("aria-invalid") == "true"
    assert_accessible(page, "the login form with an error")

    response = page.goto("/no-such-page")
    assert response is not None and response.status == 404
    assert_accessible(page, "the 404 page")

    mail = ask_for_mail(page, inbox, lang)
    assert_accessible(page, "the check-inbox page")

    page.goto(link_in(mail, live_server))
    assert_accessible(page, "the confirm page")
    page.locator("main").get_by_role("button").click()
    page.wait_for_url(f"{live_server.url}/")
    if lang != "nl":
        switch_language(page, lang)
    assert_candidate_home(page, live_server, lang)
    assert_accessible(page, "the candidate's home")
    assert_no_horizontal_scroll(page)
