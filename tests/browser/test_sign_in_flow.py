"""The sign-in walking skeleton in a real browser, on a phone and on a desktop.

A live server (see conftest.py) mails through a real SMTP server; the tests read the link
and the code out of what arrives, as a candidate would. Every page on the way is checked
with axe-core. Screenshots of the candidate's home are taken here (see pages.screenshot).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from babel.dates import format_date

from portal.auth.sessions import cookie_name
from portal.config import LOCALES
from portal.demo import CANDIDATE
from tests.browser.conftest import VIEWPORTS, LiveServer
from tests.browser.pages import (
    SIGN_IN_SUBJECT,
    ask_for_mail,
    assert_accessible,
    assert_no_horizontal_scroll,
    assert_nothing_hidden,
    expected_agenda,
    link_in,
    open_menu,
    read_agenda,
    screenshot,
    sign_in_with_code,
    squash,
    switch_language,
    t,
)

pytestmark = pytest.mark.browser

viewports = pytest.mark.parametrize("viewport", list(VIEWPORTS))


def visit_day(live_server: LiveServer) -> date:
    """Sam's visit is tomorrow."""
    return live_server.today + timedelta(days=1)


def assert_candidate_home(page: Any, live_server: LiveServer, lang: str) -> None:
    assert page.url == f"{live_server.url}/"
    assert page.locator("html").get_attribute("lang") == lang
    assert squash(page.locator("main h1").inner_text()) == t(lang, "Hello %(name)s", name="Sam")
    assert page.locator("main h2").first.inner_text() == "Backend developer"
    full_date = format_date(visit_day(live_server), format="full", locale=lang)
    assert squash(page.locator(".visit-when").inner_text()).count(full_date) == 1
    assert read_agenda(page) == expected_agenda(lang, live_server.today)
    assert "Debrief interviewers" not in page.locator("body").inner_text()
    assert_nothing_hidden(page, live_server.today)


# ---- the tests -------------------------------------------------------------------------


@viewports
def test_sign_in_by_link(open_page, live_server, inbox, viewport):
    page = open_page(viewport)
    mail = ask_for_mail(page, inbox, "nl")

    assert mail.rcpt_tos == [CANDIDATE]
    assert mail.message["To"] == CANDIDATE
    assert mail.message["From"] == live_server.settings.mail_from
    assert mail.message["Subject"] in {t(lang, SIGN_IN_SUBJECT) for lang in LOCALES}
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
    # The README's pictures of the candidate's home: taken here only.
    screenshot(page, f"visit-{viewport}-nl")

    open_menu(page)  # on a phone "Sign out" is in the menu: its words are compared below
    dutch = page.locator("body").inner_text()

    switch_language(page, "en")
    assert_candidate_home(page, live_server, "en")
    assert_no_horizontal_scroll(page)
    screenshot(page, f"visit-{viewport}-en")  # before the menu is opened below
    header = page.locator("header")
    open_menu(page)  # on a phone "Sign out" is in the menu
    assert header.get_by_role("button", name="Sign out").is_visible()
    assert header.get_by_role("button", name="Nederlands").is_visible()
    assert header.get_by_role("button", name="English").count() == 0
    assert page.locator("main h3").first.inner_text() == "Programme"
    english = page.locator("body").inner_text()
    # The date always changes (Babel); the page's own words as far as the Dutch catalog goes.
    changes = {
        format_date(visit_day(live_server), format="full", locale="nl"): format_date(
            visit_day(live_server), format="full", locale="en"
        )
    }
    for message in (
        "Sign out",
        "Programme",
        "Who you will meet",
        "Getting there",
        "Add to my calendar",
        "Diet, access and travel",
        "Date",
        "Time",
        "Your host",
        "Here is your next visit.",
    ):
        if t("nl", message) != message:
            changes[t("nl", message)] = message
    for nl_text, en_text in changes.items():
        assert nl_text in dutch and nl_text not in english, nl_text
        assert en_text in english, en_text

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

    open_menu(page)  # on a phone "Sign out" is in the menu
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

    response = page.goto("/privacy")
    assert response is not None and response.status == 200
    assert page.locator("html").get_attribute("lang") == lang
    assert_accessible(page, "the privacy notice")
    assert_no_horizontal_scroll(page)

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

    response = page.goto("/me/privacy")
    assert response is not None and response.status == 200
    assert_accessible(page, "the candidate's privacy page")
    assert_no_horizontal_scroll(page)
    page.locator("main").get_by_role("button", name=t(lang, "Erase my data")).click()
    page.wait_for_selector('input[name="confirm"]')
    assert_accessible(page, "the erasure confirmation")
