"""What a phone shows first, measured in Chromium at 390 × 844.

The candidate's day comes first: a header of one row, then the visit in one short line,
then the programme, all without scrolling, in Dutch and in English; on the day itself
"now" and "next" come before the programme. The header's links sit behind a menu that
works without JavaScript. HR's search forms keep a button of a normal shape, and the
agenda's icons are pictures that need no emoji font.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from portal.demo import CANDIDATE, HR
from tests.browser.conftest import LATE_CANDIDATE, VIEWPORTS, Inbox, LiveServer
from tests.browser.pages import (
    assert_accessible,
    assert_no_horizontal_scroll,
    open_menu,
    sign_in_with_link,
    squash,
    switch_language,
    t,
)

pytestmark = pytest.mark.browser

languages = pytest.mark.parametrize("lang", ["nl", "en"])
PHONE_HEIGHT = VIEWPORTS["phone"]["viewport"]["height"]

# The boxes of what can be seen in the header: the name, the links, the buttons, the menu.
_HEADER_BOXES = """header => [...header.querySelectorAll("a, button, summary")]
  .filter((el) => el.checkVisibility())
  .map((el) => { const r = el.getBoundingClientRect();
    return {text: el.innerText.trim(), top: r.top, bottom: r.bottom}; })"""


def sign_in(page: Any, inbox: Inbox, live_server: LiveServer, lang: str, email: str) -> None:
    # By the link: codes are limited per account, and the other browser tests use them.
    sign_in_with_link(page, inbox, live_server, lang, email)
    if lang != "nl":
        switch_language(page, lang)
    assert page.evaluate("window.scrollY") == 0


def bottom(page: Any, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown"
    return float(box["y"] + box["height"])


def assert_header_is_one_row(page: Any) -> None:
    boxes = page.locator("header.site-header").evaluate(_HEADER_BOXES)
    assert len(boxes) >= 2, boxes
    tops = [b["top"] for b in boxes]
    assert max(tops) - min(tops) < 16, f"the header wraps: {boxes}"
    assert max(b["bottom"] for b in boxes) < 80, f"the header is too tall: {boxes}"


@languages
def test_the_programme_starts_on_a_phones_first_screen(open_page, live_server, inbox, lang):
    page = open_page("phone", lang)
    sign_in(page, inbox, live_server, lang, CANDIDATE)
    assert_header_is_one_row(page)
    first = "ol.agenda > li:first-child"
    # The first item's time and title are on the first screen, not just its top edge.
    for part in (".when", "h4"):
        end = bottom(page, f"{first} {part}")
        assert end <= PHONE_HEIGHT, f"the first item's {part} ends at y={end:.0f}"
    # Date, time and place in one short line above it, before the programme.
    when = page.locator(".visit-when")
    assert when.locator("time").count() == 1
    assert bottom(page, ".visit-when") < bottom(page, first)
    assert_no_horizontal_scroll(page)


@languages
def test_now_and_next_come_first_on_the_day(open_page, live_server, inbox, lang):
    page = open_page("phone", lang)
    sign_in(page, inbox, live_server, lang, LATE_CANDIDATE)
    assert_header_is_one_row(page)
    today = page.locator("main section.today")
    lines = today.locator("> p:not(.notice)")
    expect(lines).to_have_count(2)
    assert squash(lines.nth(0).inner_text()).startswith(t(lang, "Now"))
    assert squash(lines.nth(1).inner_text()).startswith(t(lang, "Next"))
    end = bottom(page, "main section.today > p:not(.notice) >> nth=1")
    assert end <= PHONE_HEIGHT, f'"next" ends at y={end:.0f}'
    # Right under the visit's line: before the programme, not after it.
    assert bottom(page, "main section.today") < bottom(page, "ol.agenda")
    assert_no_horizontal_scroll(page)


def test_getting_there_sits_with_the_place(open_page, live_server, inbox):
    """Parking, reception and what to bring are one tap from the place, before the
    programme; nothing of the directions is lost on the way."""
    page = open_page("phone")
    sign_in(page, inbox, live_server, "nl", CANDIDATE)
    there = page.locator("details.getting-there")
    expect(there.locator("> summary")).to_contain_text(t("nl", "Getting there"))
    assert bottom(page, "details.getting-there > summary") < bottom(page, "ol.agenda")
    there.locator("> summary").click()
    notes = there.locator(".prose li")
    expect(notes).to_have_count(4)
    expect(notes.first).to_be_visible()
    expect(there).to_contain_text("Catharijnesingel 1")
    expect(there.get_by_role("link", name=re.compile(t("nl", "Show on the map")))).to_be_visible()
    assert_accessible(page, "the visit with its directions open")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_phone_menu_opens_with_and_without_javascript(
    open_page, live_server, inbox, javascript
):
    page = open_page("phone", java_script_enabled=javascript)
    sign_in(page, inbox, live_server, "nl", CANDIDATE)
    header = page.locator("header.site-header")
    link = header.get_by_role("link", name=t("nl", "Your questions"), exact=True)
    expect(link).to_be_hidden()
    # A disclosure button, as a screen reader announces it: named, collapsed, then open.
    summary = header.locator("details.nav-menu > summary")
    expect(summary).to_have_text(t("nl", "Menu"))
    summary.focus()
    page.keyboard.press("Enter")
    expect(link).to_be_visible()
    assert header.locator("details.nav-menu").evaluate("d => d.open") is True
    # The language stays outside the menu: one tap, open or closed.
    expect(header.get_by_role("button", name="English")).to_be_visible()
    link.click()
    page.wait_for_url(f"{live_server.url}/questions")
    expect(page.locator("main h1")).to_have_text(t("nl", "Your questions"))


def test_escape_closes_the_phone_menu(open_page, live_server, inbox):
    page = open_page("phone")
    sign_in(page, inbox, live_server, "nl", CANDIDATE)
    open_menu(page)
    menu = page.locator("header details.nav-menu")
    menu.get_by_role("link").first.focus()
    page.keyboard.press("Escape")
    assert menu.evaluate("d => d.open") is False
    expect(menu.locator("> summary")).to_be_focused()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_hr_search_buttons_keep_their_shape(open_page, live_server, inbox, viewport):
    page = open_page(viewport)
    sign_in_with_link(page, inbox, live_server, "nl", HR)
    for path in ("/hr/visits", "/hr/people"):
        page.goto(path)
        button = page.locator("main form").get_by_role("button", name=t("nl", "Search"))
        box = button.bounding_box()
        assert box is not None, path
        assert box["height"] < 60 and box["width"] > 60, f"{path}: the button is {box}"
        # Square corners like every other button: no half of a pill.
        radius = button.evaluate("b => getComputedStyle(b).borderTopRightRadius")
        assert radius == button.evaluate("b => getComputedStyle(b).borderTopLeftRadius")
        if viewport == "phone":
            assert_header_is_one_row(page)
        assert_no_horizontal_scroll(page)


_ICONS = """items => items.map((li) => {
  const icon = li.querySelector(".kind .kind-icon");
  const box = icon && icon.getBBox ? icon.getBBox() : {width: 0, height: 0};
  return {tag: icon ? icon.tagName.toLowerCase() : null,
          hidden: icon ? icon.getAttribute("aria-hidden") : null,
          text: icon ? icon.textContent : null,
          drawn: [box.width, box.height],
          rendered: icon ? icon.getBoundingClientRect().width : 0};
})"""


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_agenda_icons_are_drawn_without_an_emoji_font(open_page, live_server, inbox, viewport):
    """Each item's icon is an SVG drawing (an emoji shows as an empty box where no emoji
    font is installed), hidden from screen readers, a little bigger than the kind's word."""
    page = open_page(viewport)
    sign_in(page, inbox, live_server, "nl", CANDIDATE)
    icons = page.locator("ol.agenda > li").evaluate_all(_ICONS)
    assert icons, "no agenda items"
    for icon in icons:
        assert icon["tag"] == "svg" and icon["hidden"] == "true", icon
        assert icon["text"] == "", icon  # shapes, no characters
        assert min(icon["drawn"]) > 0, f"nothing drawn: {icon}"
        assert 10 <= icon["rendered"] <= 32, icon
