"""The candidate's visit day in a real browser: the programme and the people, the calendar
file, the answers for HR (with htmx and without JavaScript), and the day itself with
"running late". Every page is checked with axe-core, on a phone and on a desktop, in Dutch
and in English; e-mail is read at the SMTP server, as the host would get it.

The live server's clock stands at 10:20 in Amsterdam (see conftest.py): Sam's visit is
tomorrow, Lotte's is under way, in its second item.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from icalendar import Calendar
from playwright.sync_api import expect

from portal.config import LOCALES
from portal.demo import CANDIDATE, HR, STAFF, ZONE
from tests.browser.conftest import LATE_CANDIDATE, VIEWPORTS, Inbox, LiveServer
from tests.browser.pages import (
    QUESTION_FOR_YOU,
    SIGN_IN_SUBJECT,
    STORY_CHANGES_ASKED,
    STORY_ONLINE,
    assert_accessible,
    assert_no_horizontal_scroll,
    assert_nothing_hidden,
    clock,
    demo_visit,
    expected_agenda,
    expected_people,
    hidden_from_candidate,
    in_any_language,
    read_agenda,
    screenshot,
    sign_in_with_code,
    squash,
    switch_language,
    t,
    texts_of,
    visible_items,
)

pytestmark = pytest.mark.browser

viewports = pytest.mark.parametrize("viewport", list(VIEWPORTS))
languages = pytest.mark.parametrize("lang", ["nl", "en"])

PREFERENCES_CHANGED = "%(name)s changed their answers for their visit"
RUNNING_LATE = "%(name)s is running late"


def sign_in(
    page: Any, inbox: Inbox, live_server: LiveServer, lang: str, email: str = CANDIDATE
) -> None:
    """Sign in by code and read on in ``lang`` (the demo's candidates start in Dutch)."""
    sign_in_with_code(page, inbox, live_server, lang, email)
    if lang != "nl":
        switch_language(page, lang)


def assert_nothing_hidden_in(text: str, live_server: LiveServer) -> None:
    for secret in hidden_from_candidate(live_server.today):
        assert secret not in text, secret


def reset_preferences(live_server: LiveServer) -> None:
    live_server.sql(
        "DELETE FROM visit_preferences WHERE visit_id IN "
        "(SELECT id FROM visits WHERE external_id = 'demo-sam')"
    )


# ---- the programme and the people --------------------------------------------------


_READ_PEOPLE = """cards => cards.map(card => {
  const text = (el) => (el ? el.innerText : null);
  const all = (selector) => [...card.querySelectorAll(selector)].map((el) => el.innerText);
  return {
    name: text(card.querySelector("h4 a")),
    href: card.querySelector("h4 a").getAttribute("href"),
    pronouns: text(card.querySelector(".pronouns")),
    role: text(card.querySelector(".role")),
    excerpt: text(card.querySelector(".bio-excerpt")),
    meets: all(".meets-item"),
    links: all(".person-links a"),
  };
})"""


def read_people(page: Any) -> list[dict[str, Any]]:
    """The "who you will meet" cards as the page shows them."""
    cards: list[dict[str, Any]] = page.locator(".people-grid > article.person-card").evaluate_all(
        _READ_PEOPLE
    )
    for card in cards:
        for key in ("name", "pronouns", "role", "excerpt"):
            card[key] = squash(card[key]) if card[key] is not None else None
        for key in ("meets", "links"):
            card[key] = [squash(text) for text in card[key]]
    return cards


def plain(markdown: str) -> str:
    return squash(markdown.replace("**", ""))


def assert_people_cards(page: Any, live_server: LiveServer, lang: str) -> None:
    expected = expected_people(live_server.today)
    cards = read_people(page)
    assert [c["name"] for c in cards] == [e["person"]["name"] for e in expected]
    for card, want in zip(cards, expected, strict=True):
        person = want["person"]
        first_name = person["name"].split()[0]
        pronouns = f"({person['pronouns']})" if person.get("pronouns") else None
        assert card["pronouns"] == pronouns
        assert card["role"] == f"{person['job_title']} · {person['department']}"
        assert card["meets"] == want["items"]
        links = [t(lang, "Read more about %(name)s", name=first_name)]
        if person.get("linkedin_url"):  # the hidden words tell a screen reader's user too
            links.append(f"LinkedIn ({t(lang, 'opens in a new tab')})")
        assert card["links"] == links
        # The bio's start as plain text (no Markdown marks), cut at a word with "…".
        excerpt, bio = card["excerpt"], plain(person["bio"])
        assert excerpt == bio or (excerpt.endswith("…") and bio.startswith(excerpt[:-1]))
    # A name in the programme and the name on the card lead to the same page.
    in_agenda = dict(
        page.locator("ol.agenda .people a").evaluate_all(
            "links => links.map(a => [a.innerText.trim(), a.getAttribute('href')])"
        )
    )
    for card in cards:
        assert re.fullmatch(r"/people/[A-Za-z0-9_-]+", card["href"]), card["href"]
        assert in_agenda[card["name"]] == card["href"]


def assert_full_day(page: Any, live_server: LiveServer, lang: str) -> None:
    headings = [squash(h) for h in page.locator("main section.visit > h3").all_inner_texts()]
    stories = "Stories from your future colleagues"
    assert headings == [t(lang, m) for m in ("Programme", "Who you will meet", stories)]
    assert read_agenda(page) == expected_agenda(lang, live_server.today)
    assert_people_cards(page, live_server, lang)
    # "Getting there" sits with the place, folded, before the programme (test_first_screen.py).
    there = page.locator("section.visit details.getting-there")
    expect(there.locator("> summary")).to_have_text(t(lang, "Getting there"))
    there.locator("> summary").click()
    arrival = there.locator(".prose")
    expect(arrival.locator("li")).to_have_count(4)
    assert arrival.locator("li strong").first.inner_text() == "Met de trein:"
    assert "**" not in arrival.inner_text()
    actions = page.locator(".visit-actions")
    for label in ("Add to my calendar", "Diet, access and travel"):
        expect(actions.get_by_role("button", name=t(lang, label))).to_be_visible()
    # Tomorrow is not today: no "now and next", no running late.
    assert page.locator("section.today").count() == 0
    assert_nothing_hidden(page, live_server.today)


@viewports
@languages
def test_reading_the_programme_and_a_bio(open_page, live_server, inbox, viewport, lang):
    page = open_page(viewport, lang)
    sign_in(page, inbox, live_server, lang)
    assert_full_day(page, live_server, lang)
    assert_no_horizontal_scroll(page)
    # axe has checked this page already (test_sign_in_flow.py::test_pages_pass_axe).

    # The host's name in the first item of the programme opens her whole bio.
    [fatima] = [s for s in STAFF if s["email"] == HR]
    page.locator("ol.agenda > li").first.get_by_role("link", name=fatima["name"]).click()
    page.wait_for_url(re.compile(r"/people/[A-Za-z0-9_-]+$"))
    profile = page.locator("main article.profile")
    assert squash(profile.locator("h1").inner_text()) == f"{fatima['name']} (zij/haar)"
    assert squash(profile.locator(".role").inner_text()) == "Recruiter · People & Culture"
    paragraphs = [squash(p) for p in profile.locator(".prose > p").all_inner_texts()]
    assert paragraphs == [plain(p) for p in fatima["bio"].split("\n\n")]
    # Markdown rendered: the bold words are bold, and no asterisks are left.
    assert profile.locator(".prose strong").all_inner_texts() == ["eerlijke gesprekken"]
    assert "*" not in profile.inner_text()
    assert_nothing_hidden(page, live_server.today)
    assert_no_horizontal_scroll(page)
    assert_accessible(page, "a person's page")
    if (viewport, lang) == ("phone", "nl"):
        screenshot(page, "person-phone-nl")

    page.go_back()
    page.wait_for_url(f"{live_server.url}/")
    assert squash(page.locator("main h1").inner_text()) == t(lang, "Hello %(name)s", name="Sam")
    assert read_agenda(page) == expected_agenda(lang, live_server.today)


# ---- the calendar file ---------------------------------------------------------------


@viewports
def test_downloading_the_calendar_file(open_page, live_server, inbox, viewport):
    page = open_page(viewport)
    sign_in(page, inbox, live_server, "nl")
    with page.expect_download() as info:
        page.locator(".visit-actions").get_by_role("button", name="Zet in mijn agenda").click()
    download = info.value
    assert download.failure() is None
    assert download.suggested_filename.endswith(".ics")
    raw = Path(download.path()).read_bytes()

    calendar = Calendar.from_ical(raw)
    [timezone] = calendar.walk("VTIMEZONE")
    assert str(timezone["TZID"]) == ZONE
    events = sorted(calendar.walk("VEVENT"), key=lambda e: e.decoded("DTSTART"))
    items = visible_items(CANDIDATE, live_server.today)
    assert len(items) == 7
    assert [str(e["SUMMARY"]) for e in events] == [i["title"] for i in items]
    zone = ZoneInfo(ZONE)
    for event, item in zip(events, items, strict=True):
        for key in ("DTSTART", "DTEND"):
            assert event[key].params["TZID"] == ZONE
        assert event.decoded("DTSTART") == datetime.fromisoformat(item["starts_at"]).replace(
            tzinfo=zone
        )
        assert event.decoded("DTEND") == datetime.fromisoformat(item["ends_at"]).replace(
            tzinfo=zone
        )
    assert len({str(e["UID"]) for e in events}) == len(events)
    assert_nothing_hidden_in(raw.decode(), live_server)
    # Downloading left the page where it was.
    assert page.url == f"{live_server.url}/"


# ---- the answers for HR --------------------------------------------------------------


def open_preferences(page: Any, lang: str) -> None:
    page.locator(".visit-actions").get_by_role(
        "button", name=t(lang, "Diet, access and travel")
    ).click()
    page.wait_for_url(re.compile(r"/visit/[A-Za-z0-9_-]+/preferences$"))
    assert squash(page.locator("main h1").inner_text()) == t(lang, "Your answers for HR")


def save(page: Any, lang: str) -> None:
    page.locator("#preferences").get_by_role("button", name=t(lang, "Save my answers")).click()


def assert_answers(page: Any, *, diet: str) -> None:
    expect(page.locator("#attendance-confirmed")).to_be_checked()
    expect(page.locator("#attendance-reschedule")).not_to_be_checked()
    expect(page.locator("#diet")).to_have_value(diet)
    expect(page.locator("#travel-public_transport")).to_be_checked()
    expect(page.locator("#needs_parking")).not_to_be_checked()
    expect(page.locator("#wants_travel_reimbursement")).not_to_be_checked()


def saved_notice(page: Any, lang: str) -> Any:
    return page.locator(
        "#preferences [role=status]", has_text=t(lang, "Saved — HR can see your answers.")
    )


def quiet_period_over(live_server: LiveServer) -> None:
    """HR hears of changed answers once they have rested for a while: end that wait now
    and run the worker's job (it runs once a minute) here; the worker delivers the mail."""
    import asyncio

    from portal.app import create_app
    from portal.jobs import run_preference_notices
    from tests.browser.conftest import in_thread

    due = live_server.clock().astimezone(ZoneInfo("UTC")) - timedelta(seconds=1)
    live_server.sql(
        "UPDATE visits SET preferences_notice_due_at = ? "
        "WHERE preferences_notice_due_at IS NOT NULL",
        due.replace(tzinfo=None).isoformat(sep=" "),
    )
    app = create_app(live_server.settings, clock=live_server.clock)

    async def run() -> None:
        try:
            await run_preference_notices(app.state)
        finally:
            await app.state.engine.dispose()

    in_thread(lambda: asyncio.run(run()))


def hr_is_told(inbox: Inbox, mark: int, *secrets: str) -> None:
    """HR hears that Sam's answers changed, and the mail holds none of them."""
    mail = inbox.wait_for(
        HR, since=mark, subjects=in_any_language(PREFERENCES_CHANGED, name="Sam de Vries")
    )
    assert mail.rcpt_tos == [HR]
    body = texts_of(mail)
    assert "/visit/" in body
    for secret in secrets:
        assert secret not in body, secret


@viewports
@languages
def test_answering_and_changing_preferences(open_page, live_server, inbox, viewport, lang):
    reset_preferences(live_server)
    page = open_page(viewport, lang)
    sign_in(page, inbox, live_server, lang)
    open_preferences(page, lang)
    form_url = page.url
    for field in ("#attendance-confirmed", "#attendance-reschedule", "#travel-public_transport"):
        expect(page.locator(field)).not_to_be_checked()
    expect(page.locator("#diet")).to_have_value("")
    assert_nothing_hidden(page, live_server.today)
    assert_no_horizontal_scroll(page)
    assert_accessible(page, "the empty preferences form")

    # Two mistakes: a reschedule without a reason, and a diet that is far too long.
    page.locator("#attendance-reschedule").check()
    page.locator("#diet").fill("x" * 1001)
    save(page, lang)
    summary = page.locator("#preferences [role=alert]")
    expect(summary).to_contain_text(
        t(lang, "Some answers need another look. Nothing was saved yet.")
    )
    expect(summary.locator("li")).to_have_count(2)
    expect(summary).to_be_focused()
    expect(page.locator("#reschedule_reason")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#diet")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#diet-error")).to_be_visible()
    expect(page.locator("#diet")).to_have_value("x" * 1001)  # what was typed is kept
    assert_no_horizontal_scroll(page)
    assert_accessible(page, "the preferences form with errors")

    # Answered properly; htmx swaps the form in place (the page itself stays).
    diet = "Vegetarisch, geen noten"
    page.evaluate("window.stillTheSamePage = true")
    page.locator("#attendance-confirmed").check()
    page.locator("#diet").fill(diet)
    page.locator("#travel-public_transport").check()
    expect(page.locator("#needs_parking")).not_to_be_checked()
    mark = inbox.mark()
    save(page, lang)
    expect(saved_notice(page, lang)).to_be_visible()
    expect(saved_notice(page, lang)).to_be_focused()  # read out, with the form below it
    assert page.evaluate("window.stillTheSamePage") is True
    assert page.url == form_url
    expect(page.locator("#preferences [role=alert]")).to_have_count(0)
    assert_answers(page, diet=diet)
    assert_no_horizontal_scroll(page)
    assert_accessible(page, "the preferences form after saving")
    if (viewport, lang) == ("phone", "nl"):
        screenshot(page, "preferences-phone-nl")
    quiet_period_over(live_server)
    hr_is_told(inbox, mark, diet)

    # The answers are kept.
    page.reload()
    assert_answers(page, diet=diet)
    expect(saved_notice(page, lang)).to_have_count(0)

    # Changed once more: HR is told again, again without the answers.
    new_diet = "Veganistisch"
    page.locator("#diet").fill(new_diet)
    mark = inbox.mark()
    save(page, lang)
    expect(saved_notice(page, lang)).to_be_visible()
    quiet_period_over(live_server)
    hr_is_told(inbox, mark, diet, new_diet)
    page.reload()
    assert_answers(page, diet=new_diet)


@viewports
def test_preferences_form_works_without_javascript(open_page, live_server, inbox, viewport):
    reset_preferences(live_server)
    page = open_page(viewport, java_script_enabled=False)
    sign_in(page, inbox, live_server, "nl")
    open_preferences(page, "nl")
    form_url = page.url
    posts: list[tuple[str, int]] = []
    page.on(
        "response",
        lambda r: posts.append((r.url, r.status)) if r.request.method == "POST" else None,
    )

    diet = "Halal"
    page.locator("#attendance-confirmed").check()
    page.locator("#diet").fill(diet)
    page.locator("#travel-public_transport").check()
    save(page, "nl")
    page.wait_for_url(f"{form_url}?saved=1")
    assert posts == [(form_url, 303)]
    expect(saved_notice(page, "nl")).to_be_visible()
    assert squash(page.locator("main h1").inner_text()) == t("nl", "Your answers for HR")
    assert_answers(page, diet=diet)


# ---- the day itself --------------------------------------------------------------------


def assert_now_and_next(page: Any, live_server: LiveServer, lang: str) -> None:
    """At 10:20 the talk with the manager is on (until 11:00); the assignment is next."""
    items = visible_items(LATE_CANDIDATE, live_server.today)
    current, upcoming = items[1], items[2]
    today = page.locator("main section.today")
    assert squash(today.locator("h3").inner_text()) == t(lang, "Today")
    lines = [squash(p) for p in today.locator("> p:not(.notice)").all_inner_texts()]
    until = t(lang, "until %(time)s", time=clock(current["ends_at"], lang))
    assert lines == [
        squash(f"{t(lang, 'Now')}: {current['title']} ({until}), {current['room']}"),
        squash(
            f"{t(lang, 'Next')}: {upcoming['title']}, {clock(upcoming['starts_at'], lang)}, "
            f"{upcoming['room']}"
        ),
    ]
    now_items = page.locator("ol.agenda > li.is-now")
    expect(now_items).to_have_count(1)
    assert squash(now_items.locator("h4").inner_text()) == current["title"]
    # Not by colour alone: a screen reader hears which item is on now.
    expect(page.locator("ol.agenda > li[aria-current]")).to_have_count(1)
    expect(now_items).to_have_attribute("aria-current", "time")


@viewports
@languages
def test_the_day_itself_and_running_late(open_page, live_server, inbox, viewport, lang):
    live_server.sql(
        "UPDATE visits SET running_late_at = NULL, running_late_minutes = NULL, "
        "late_notice_at = NULL "
        "WHERE external_id = 'demo-lotte'"
    )
    page = open_page(viewport, lang)
    sign_in(page, inbox, live_server, lang, LATE_CANDIDATE)
    assert squash(page.locator("main h1").inner_text()) == t(lang, "Hello %(name)s", name="Lotte")
    assert (
        page.locator("main h2").first.inner_text()
        == demo_visit(LATE_CANDIDATE, live_server.today)["position"]
    )
    assert_now_and_next(page, live_server, lang)
    assert read_agenda(page) == expected_agenda(lang, live_server.today, LATE_CANDIDATE)
    assert_nothing_hidden(page, live_server.today, LATE_CANDIDATE)
    today = page.locator("main section.today")
    expect(today.locator(".notice")).to_have_count(0)
    assert_no_horizontal_scroll(page)
    assert_accessible(page, "the day-of view")

    minutes = today.get_by_label(t(lang, "Running late? About how many minutes (optional)"))
    minutes.fill("10")
    mark = inbox.mark()
    today.get_by_role("button", name=t(lang, "Let %(name)s know", name="Fatima")).click()
    confirmation = t(
        lang, "You told us you are running about %(minutes)s minutes late.", minutes=10
    )
    expect(page.locator("main section.today [role=status]")).to_have_text(confirmation)
    assert page.url == f"{live_server.url}/"
    assert_now_and_next(page, live_server, lang)

    mail = inbox.wait_for(
        HR, since=mark, subjects=in_any_language(RUNNING_LATE, name="Lotte Mulder")
    )
    assert mail.rcpt_tos == [HR]
    assert re.search(r"\b10\b", mail.text), mail.text
    assert_no_horizontal_scroll(page)
    assert_accessible(page, "the day-of view after running late")
    if (viewport, lang) == ("phone", "nl"):
        screenshot(page, "today-phone-nl")


# ---- the reminder --------------------------------------------------------------------


def test_the_reminder_goes_to_tomorrows_candidate_only(live_server, inbox):
    """The worker reminds Sam unasked once HR has invited him; Lotte's visit has begun and
    Ahmed's is long past."""
    # Reminders go only to candidates who were invited or signed in (Sam has signed in when
    # the other tests ran first; this makes the test stand on its own). The worker looks
    # each minute.
    live_server.sql(
        "UPDATE visits SET invited_at = CURRENT_TIMESTAMP WHERE invited_at IS NULL AND "
        "candidate_id = (SELECT id FROM users WHERE email = ?)",
        CANDIDATE,
    )
    tomorrow = live_server.today + timedelta(days=1)
    subjects = {
        t(lang, "Your visit on %(date)s", date=format_date(tomorrow, format="full", locale=lang))
        for lang in LOCALES
    }
    reminder = inbox.wait_for(CANDIDATE, since=0, subjects=subjects, timeout=75)
    assert f"{live_server.url}/visit/" in reminder.text
    for item in visible_items(CANDIDATE, live_server.today):
        assert item["title"] in reminder.text
    assert_nothing_hidden_in(texts_of(reminder), live_server)
    # Not a reminder: sign-in links, the question HR routed to Noor (test_questions_flow.py)
    # and HR's decisions on her story (test_stories_flow.py).
    not_reminders = {
        subject
        for message in (SIGN_IN_SUBJECT, QUESTION_FOR_YOU, STORY_CHANGES_ASKED, STORY_ONLINE)
        for subject in in_any_language(message)
    }
    others = [
        (r.rcpt_tos, r.message["Subject"])
        for r in inbox.received
        if CANDIDATE not in r.rcpt_tos
        and HR not in r.rcpt_tos
        and r.message["Subject"] not in not_reminders
    ]
    assert others == []
