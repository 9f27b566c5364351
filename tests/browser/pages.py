"""What the browser tests share: the page's words, signing in, axe-core, screenshots."""

from __future__ import annotations

import os
import re
import sqlite3
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from axe_playwright_python.sync_playwright import Axe
from babel.dates import format_time
from playwright.sync_api import expect

from portal import i18n
from portal.config import LOCALES
from portal.demo import CANDIDATE, STAFF, ZONE, demo_data
from tests.browser.conftest import Inbox, LiveServer, Received

ROOT = Path(__file__).resolve().parents[2]
# Test runs write their pictures to an ignored folder; the README's pictures in
# docs/screenshots are refreshed on purpose, by naming that folder:
#   PORTAL_SCREENSHOTS=docs/screenshots pytest -n 0 -m browser tests/browser
SCREENSHOTS_ENV = "PORTAL_SCREENSHOTS"
DEFAULT_SCREENSHOTS = ROOT / "build" / "screenshots"
AXE = Axe()
SIGN_IN_SUBJECT = "Your sign-in link for the candidate portal"
# The mail to a colleague whom HR asks to draft an answer (test_questions_flow.py).
QUESTION_FOR_YOU = "A candidate's question for you"
# The mails to an author about HR's decision on their story (test_stories_flow.py).
STORY_CHANGES_ASKED = "HR asks for changes to your story"
STORY_ONLINE = "Your story is online"


def t(lang: str, message: str, **values: Any) -> str:
    """What the page shows for ``message`` in ``lang`` (English until a catalog has it)."""
    text = i18n.translations(lang).gettext(message)
    return text % values if values else text


def in_any_language(message: str, **values: Any) -> set[str]:
    """``message`` in every language: for e-mail, which goes out in the reader's."""
    return {t(lang, message, **values) for lang in LOCALES}


def texts_of(mail: Received) -> str:
    """Every text and HTML part of an e-mail, decoded."""
    return "\n".join(
        part.get_content() for part in mail.message.walk() if part.get_content_maintype() == "text"
    )


def squash(text: str) -> str:
    return " ".join(text.split())


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


def wait_until(page: Any, expression: str, arg: Any = None, timeout: float = 10.0) -> bool:
    """Poll ``expression`` (a JavaScript function of ``arg``) until it is true.

    Not Playwright's wait_for_function: that builds its predicate with eval inside the
    page, which our Content-Security-Policy (no unsafe-eval) refuses. page.evaluate is
    run by the browser's debugging protocol, which the policy does not cover.
    """
    deadline = time.monotonic() + timeout
    while True:
        if page.evaluate(expression, arg):
            return True
        if time.monotonic() > deadline:
            return False
        page.wait_for_timeout(50)


def load_pictures(page: Any) -> None:
    """Scroll each picture in ``main`` into view (they load lazily) and wait until all have
    loaded; then back to the top. Fails when a picture does not load."""
    for img in page.locator("main img").all():
        img.scroll_into_view_if_needed()
    loaded = (
        "() => [...document.querySelectorAll('main img')]"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    assert wait_until(page, loaded), f"a picture did not load on {page.url}"
    page.evaluate("window.scrollTo(0, 0)")


def screenshot_folder() -> Path:
    """Where screenshots go: ``$PORTAL_SCREENSHOTS`` (relative to the checkout), else
    build/screenshots, which git ignores, so running the tests changes no tracked file."""
    chosen = os.environ.get(SCREENSHOTS_ENV, "").strip()
    return ROOT / chosen if chosen else DEFAULT_SCREENSHOTS


def screenshot(page: Any, name: str) -> Path:
    """A full-page screenshot for reviewers and the README: <screenshot_folder()>/<name>.png
    (the path is returned)."""
    load_pictures(page)  # else pictures below the fold are blank on the screenshot
    folder = screenshot_folder()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    return path


def rows(live_server: LiveServer, statement: str, *params: Any) -> list[tuple[Any, ...]]:
    """A read behind the app's back (ids for addresses, not for what a page should show)."""
    conn = sqlite3.connect(f"file:{live_server.db_path}?mode=ro", uri=True, timeout=15)
    try:
        return conn.execute(statement, params).fetchall()
    finally:
        conn.close()


# ---- signing in ------------------------------------------------------------------------


def ask_for_mail(page: Any, inbox: Inbox, lang: str, email: str = CANDIDATE) -> Received:
    """Ask for a sign-in e-mail on /login and return it (not a reminder sent meanwhile)."""
    page.goto("/login")
    assert squash(page.locator("main h1").inner_text()) == t(lang, "Sign in")
    page.locator("#email").fill(email)
    mark = inbox.mark()
    page.locator("main").get_by_role("button", name=t(lang, "Send me a sign-in link")).click()
    expect(page.locator("main h1")).to_have_text(t(lang, "Check your inbox"))
    assert page.locator("#code").is_visible()
    return inbox.wait_for(email, since=mark, subjects=in_any_language(SIGN_IN_SUBJECT))


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


def start_page(email: str) -> str:
    """Where signing in leads (no ``next``): HR's start page is their dashboard, /hr."""
    role = next((s["role"] for s in STAFF if s["email"] == email), "candidate")
    return "/hr" if role in ("hr", "admin") else "/"


def sign_in_with_code(
    page: Any, inbox: Inbox, live_server: LiveServer, lang: str, email: str = CANDIDATE
) -> None:
    mail = ask_for_mail(page, inbox, lang, email)
    page.locator("#code").fill(code_in(mail, live_server))
    page.locator("main").get_by_role("button", name=t(lang, "Sign in with the code")).click()
    page.wait_for_url(f"{live_server.url}{start_page(email)}")


def sign_in_with_link(
    page: Any, inbox: Inbox, live_server: LiveServer, lang: str, email: str = CANDIDATE
) -> None:
    """Sign in by the e-mailed link: it opens a page with one button (test_sign_in_flow.py)."""
    mail = ask_for_mail(page, inbox, lang, email)
    page.goto(link_in(mail, live_server))
    page.locator("main").get_by_role("button").click()
    page.wait_for_url(f"{live_server.url}{start_page(email)}")


def open_menu(page: Any) -> bool:
    """Open the header's menu where its links are folded away (a phone); True if it was
    closed and is open now, False where the links show anyway (a desktop)."""
    menu = page.locator("header details.nav-menu")
    summary = menu.locator("> summary")
    if not menu.count() or not summary.is_visible() or menu.evaluate("d => d.open"):
        return False
    summary.click()
    expect(menu.get_by_role("link").first).to_be_visible()
    return True


def switch_language(page: Any, to: str) -> None:
    label = {"en": "English", "nl": "Nederlands"}[to]
    page.locator("header").get_by_role("button", name=label).click()
    expect(page.locator("html")).to_have_attribute("lang", to)
    page.wait_for_load_state()


# ---- the demo's visits, as a candidate should see them -------------------------------

KIND_LABELS = {
    "interview": "Interview",
    "lunch": "Lunch",
    "dinner": "Dinner",
    "tour": "Tour",
    "presentation": "Presentation",
    "assignment": "Assignment",
    "break": "Break",
    "other": "Other",
}


def demo_visit(email: str, today: date) -> dict[str, Any]:
    [visit] = [v for v in demo_data(today)["visits"] if v["candidate"]["email"] == email]
    return visit


def clock(value: str, lang: str) -> str:
    """A demo time ("2026-11-26T09:30", Amsterdam) as the page shows it in ``lang``."""
    zone = ZoneInfo(ZONE)
    moment = datetime.fromisoformat(value).replace(tzinfo=zone)
    return format_time(moment, format="short", tzinfo=zone, locale=lang)


def visible_items(email: str, today: date) -> list[dict[str, Any]]:
    """The agenda items of ``email``'s visit that a candidate may see, in order."""
    items = demo_visit(email, today)["agenda"]
    return [i for i in items if i.get("visible_to_candidate", True)]


def visible_people(item: dict[str, Any]) -> list[dict[str, Any]]:
    """An item's interviewers whom a candidate may see, by name (as the page lists them)."""
    staff = {s["email"]: s for s in STAFF}
    people = (staff[e] for e in item["interviewers"] if staff[e]["visible_to_candidates"])
    return sorted(people, key=lambda s: s["name"])


def expected_agenda(lang: str, today: date, email: str = CANDIDATE) -> list[dict[str, Any]]:
    """The programme: what each visible item shows, with its people, in order."""
    return [
        {
            "when": squash(f"{clock(item['starts_at'], lang)} – {clock(item['ends_at'], lang)}"),
            "kind": t(lang, KIND_LABELS[item["kind"]]),
            "title": item["title"],
            "room": t(lang, "Room") + ": " + item["room"] if item.get("room") else None,
            "people": [(p["name"], p["job_title"]) for p in visible_people(item)],
        }
        for item in visible_items(email, today)
    ]


def expected_people(today: date, email: str = CANDIDATE) -> list[dict[str, Any]]:
    """The "who you will meet" cards: each person once, in order of first appearance."""
    cards: dict[str, dict[str, Any]] = {}
    for item in visible_items(email, today):
        for person in visible_people(item):
            card = cards.setdefault(person["email"], {"person": person, "items": []})
            card["items"].append(item["title"])
    return list(cards.values())


def hidden_from_candidate(today: date, email: str = CANDIDATE) -> list[str]:
    """What only staff may see of the day: internal items and titles, hidden staff."""
    texts = [s["name"] for s in STAFF if not s["visible_to_candidates"]]
    texts += [s["email"] for s in STAFF if not s["visible_to_candidates"]]
    for item in demo_visit(email, today)["agenda"]:
        if item.get("internal_title"):
            texts.append(item["internal_title"])
        if not item.get("visible_to_candidate", True):
            texts.append(item["title"])
    return texts


_READ_AGENDA = """items => items.map(li => {
  const text = (el) => (el ? el.innerText : null);
  const kind = li.querySelector(".kind");
  const icon = kind.querySelector("svg.kind-icon");
  return {
    when: text(li.querySelector(".when")),
    icon: icon && icon.getAttribute("aria-hidden") === "true" && icon.getBBox().width > 0
      ? icon.dataset.icon : null,
    // textContent, not innerText: the label is upper-cased by CSS only.
    kind: kind.textContent,
    title: text(li.querySelector("h4")),
    room: text(li.querySelector(".room")),
    people: [...li.querySelectorAll(".people > li")].map(
      (p) => [text(p.querySelector("a strong")), text(p.querySelector("small"))]),
  };
})"""


def read_agenda(page: Any) -> list[dict[str, Any]]:
    """The programme as the page shows it (read in one go: it is long)."""
    items = []
    for raw in page.locator("ol.agenda > li").evaluate_all(_READ_AGENDA):
        assert raw["icon"], f"no kind icon (a drawn SVG, aria-hidden) in {raw}"
        items.append(
            {
                "when": squash(raw["when"]),
                "kind": squash(raw["kind"]),
                "title": squash(raw["title"]),
                "room": squash(raw["room"]) if raw["room"] is not None else None,
                "people": [(squash(name), squash(title)) for name, title in raw["people"]],
            }
        )
    return items


def assert_nothing_hidden(page: Any, today: date, email: str = CANDIDATE) -> None:
    """Neither the page's text nor its markup holds anything only staff may see."""
    body, html = page.locator("body").inner_text(), page.content()
    for secret in hidden_from_candidate(today, email):
        assert secret not in body, secret
        assert secret not in html, secret
