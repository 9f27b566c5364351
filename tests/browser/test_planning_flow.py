"""HR plans a visit and the candidate sees it, in a real browser, two people at once.

Fatima (HR, at a desk, in Dutch) signs in by the e-mailed link, goes from her dashboard to
the visits, plans a new visit for Jamie (a new candidate) with the demo's four-item
template, and sends the invitation. The invitation is read at the SMTP server: the date,
the four titles and a sign-in link. Jamie (on a phone, in English) opens the link and sees
exactly that programme. Fatima then swaps two items and changes a room with the keyboard
alone (htmx swaps the agenda; focus stays put; the visit's version follows out of band),
and Jamie, reloading, sees the new order. Every page on the way is checked with axe-core.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from babel.dates import format_date
from playwright.sync_api import expect

from portal.demo import HR, STAFF, TEMPLATE, TEMPLATE_PEOPLE
from tests.browser.conftest import Inbox, LiveServer
from tests.browser.pages import (
    KIND_LABELS,
    assert_accessible,
    assert_no_horizontal_scroll,
    clock,
    link_in,
    open_menu,
    read_agenda,
    screenshot,
    sign_in_with_link,
    squash,
    t,
    texts_of,
    wait_until,
)

pytestmark = pytest.mark.browser

JAMIE = "jamie.test@example.org"
JAMIE_NAME = "Jamie Test"
POSITION = "Platform engineer"
OFFICE = "Kantoor Utrecht"
NEW_ROOM = "Zaal Neude"
INVITATION_SUBJECT = "Your visit on %(date)s: everything in one place"
TITLES = [item["title"] for item in TEMPLATE["items"]]


class Findings:
    """Checks that should not stop the walk (axe-core, where focus lands): each failure is
    noted and the flow goes on, so one run reports every finding; ``done`` asserts none."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def accessible(self, page: Any, what: str) -> None:
        try:
            assert_accessible(page, what)
        except AssertionError as failed:
            self.found.append(str(failed))

    def check(self, ok: bool, message: str) -> None:
        if not ok:
            self.found.append(message)

    def done(self) -> None:
        assert not self.found, "\n\n".join(self.found)


def open_from_nav(page: Any, path: str) -> None:
    open_menu(page)  # on a phone the links are in the menu
    page.locator(f'header nav a[href="{path}"]').click()
    page.wait_for_url(re.compile(rf"{re.escape(path)}(\?.*)?$"))


def builder_titles(page: Any) -> Any:
    return page.locator("#agenda .builder-list > li .item-title")


def focused(page: Any) -> str:
    """The focused element, named by its id, else by its tag and words."""
    name: str = page.evaluate(
        """() => { const e = document.activeElement;
             if (!e || e === document.body) return "body";
             const text = e.textContent.replace(/\\s+/g, " ").trim();
             return e.id ? `#${e.id}` : `${e.tagName.toLowerCase()}:${text}`; }"""
    )
    return name


def tab_until(page: Any, selector: str, limit: int = 40) -> list[str]:
    """Press Tab until the element matching ``selector`` has focus: what got focus, in order."""
    seen: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        seen.append(focused(page))
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return seen
    raise AssertionError(f"Tab never reached {selector} in {limit} presses: {seen}")


def expected_programme(day: date, lang: str) -> list[dict[str, Any]]:
    """The template's items on ``day``, as the candidate's page shows them, in order."""
    staff = {s["email"]: s for s in STAFF}
    first = int(TEMPLATE["day_start"][:2]) * 60 + int(TEMPLATE["day_start"][3:])

    def at(minutes: int) -> str:
        hours, mins = divmod(first + minutes, 60)
        return clock(f"{day.isoformat()}T{hours:02d}:{mins:02d}", lang)

    programme = []
    for item, emails in zip(TEMPLATE["items"], TEMPLATE_PEOPLE, strict=True):
        people = sorted(
            (staff[e] for e in emails if staff[e]["visible_to_candidates"]),
            key=lambda s: s["name"],
        )
        programme.append(
            {
                "when": squash(f"{at(item['start'])} – {at(item['end'])}"),
                "kind": t(lang, KIND_LABELS[item["kind"]]),
                "title": item["title"],
                "room": f"{t(lang, 'Room')}: {item['room']}",
                "people": [(p["name"], p["job_title"]) for p in people],
            }
        )
    return programme


def candidate_titles(page: Any) -> list[str]:
    return [squash(text) for text in page.locator("ol.agenda > li h4").all_inner_texts()]


@pytest.fixture
def jamie_leaves_no_mail_behind(live_server: LiveServer, inbox: Inbox) -> Iterator[None]:
    """test_visit_day.py checks that over the whole session the worker mailed no one but
    the demo's people: afterwards, Jamie's visit owes no change notice (it would go out ten
    minutes after the last edit, in the middle of later tests) and Jamie's mails leave the
    inbox's record."""
    yield
    live_server.sql(
        "UPDATE visits SET change_notice_due_at = NULL"
        " WHERE candidate_id IN (SELECT id FROM users WHERE email = ?)",
        JAMIE,
    )
    with inbox.changed:
        inbox.received[:] = [r for r in inbox.received if JAMIE not in r.rcpt_tos]


# ---- the whole way -----------------------------------------------------------------------


@pytest.mark.usefixtures("jamie_leaves_no_mail_behind")
def test_hr_plans_a_visit_and_the_candidate_sees_it(open_page, live_server: LiveServer, inbox):
    day = live_server.today + timedelta(days=4)
    findings = Findings()
    fatima = open_page("desktop")
    sign_in_with_link(fatima, inbox, live_server, "nl", HR)

    # ---- the dashboard, the visits, a new visit -------------------------------------------
    assert fatima.url == f"{live_server.url}/hr"
    expect(fatima.locator("main h1")).to_have_text(t("nl", "Visits in the coming two weeks"))
    expect(fatima.locator('header nav a[href="/hr"]')).to_have_attribute("aria-current", "page")
    assert_no_horizontal_scroll(fatima)
    findings.accessible(fatima, "HR's dashboard")

    open_from_nav(fatima, "/hr/visits")
    expect(fatima.locator("main h1")).to_have_text(t("nl", "Visits"))
    findings.accessible(fatima, "HR's list of visits")

    fatima.locator('main a[href="/hr/visits/new"]').click()
    fatima.wait_for_url(f"{live_server.url}/hr/visits/new")
    expect(fatima.locator("main h1")).to_have_text(t("nl", "Plan a new visit"))
    findings.accessible(fatima, "the new visit form")
    # The fields' own attributes reach the browser as written (the suggestions come from
    # their datalists; the limits hold while typing).
    for field, name, value in (
        ("candidate_name", "maxlength", "200"),
        ("candidate_name", "autocomplete", "off"),
        ("candidate_email", "autocomplete", "off"),
        ("position", "maxlength", "200"),
        ("department", "list", "departments"),
        ("timezone", "list", "zones"),
    ):
        got = fatima.locator(f"#field-{field}").get_attribute(name)
        findings.check(got == value, f'#field-{field} has {name}="{got}", not "{value}"')

    fatima.locator("#field-candidate_name").fill(JAMIE_NAME)
    fatima.locator("#field-candidate_email").fill(JAMIE)
    fatima.locator("#field-candidate_locale").select_option("en")
    fatima.locator("#field-position").fill(POSITION)
    fatima.locator("#field-department").fill("Engineering")
    fatima.locator("#field-day").fill(day.isoformat())
    fatima.locator("#field-start").fill("09:30")
    fatima.locator("#field-end").fill("15:00")
    expect(fatima.locator("#field-timezone")).to_have_value("Europe/Amsterdam")
    fatima.locator("#field-location").select_option(label=OFFICE)
    fatima.locator("#field-host").select_option(label="Fatima El Amrani")
    template = fatima.locator("#field-template option", has_text=TEMPLATE["name"])
    fatima.locator("#field-template").select_option(template.get_attribute("value"))
    fatima.locator("main form").get_by_role("button", name=t("nl", "Save the visit")).click()

    # ---- the workspace: the template's four items, in order -------------------------------
    fatima.wait_for_url(re.compile(r"/hr/visits/[A-Za-z0-9_-]+\?done=created$"))
    workspace = re.sub(r"\?.*$", "", fatima.url.removeprefix(live_server.url))
    visit_id = workspace.rsplit("/", 1)[1]
    expect(fatima.locator("main h1")).to_contain_text(JAMIE_NAME)
    expect(fatima.locator("main > p.notice[role=status]")).to_have_text(
        t("nl", "The visit is saved. Now plan its programme and invite the candidate.")
    )
    expect(builder_titles(fatima)).to_have_text(TITLES)
    items = [
        (fatima.locator("#agenda .builder-list > li").nth(n).get_attribute("id") or "")
        for n in range(len(TITLES))
    ]
    assert all(re.fullmatch(r"item-[A-Za-z0-9_-]+", i) for i in items), items
    item_ids = [i.removeprefix("item-") for i in items]
    assert_no_horizontal_scroll(fatima)
    findings.accessible(fatima, "the new visit's workspace")

    # ---- the invitation, at the SMTP server -----------------------------------------------
    mark = inbox.mark()
    invite = fatima.locator("section[aria-labelledby=invite-title]")
    invite.get_by_role("button", name=t("nl", "Send the invitation")).click()
    fatima.wait_for_url(f"{live_server.url}{workspace}?done=invited")
    expect(fatima.locator("main > p.notice[role=status]")).to_have_text(
        t("nl", "The invitation is on its way.")
    )
    # The button now sends it again (beside it: "sign the candidate out everywhere").
    expect(
        invite.get_by_role("button", name=t("nl", "Send the invitation"), exact=True)
    ).to_have_count(0)
    expect(invite.get_by_role("button", name=t("nl", "Send the invitation again"))).to_be_visible()
    findings.accessible(fatima, "the workspace after the invitation")

    long_date = format_date(day, format="full", locale="en")
    subject = t("en", INVITATION_SUBJECT, date=long_date)
    invitation = inbox.wait_for(JAMIE, since=mark, subjects={subject})
    assert invitation.rcpt_tos == [JAMIE]
    mail = texts_of(invitation)
    assert long_date in invitation.text, invitation.text
    positions = [invitation.text.find(title) for title in TITLES]
    assert all(p >= 0 for p in positions), (positions, invitation.text)
    assert positions == sorted(positions), f"titles out of order:\n{invitation.text}"
    assert "Ronde 2" not in mail  # internal titles stay inside
    link = link_in(invitation, live_server)

    # ---- Jamie signs in by the link and sees exactly that programme -----------------------
    jamie = open_page("phone", "en")
    jamie.goto(link)
    expect(jamie.locator("main h1")).to_have_text(t("en", "Welcome"))
    findings.accessible(jamie, "the sign-in confirmation")
    jamie.locator("main").get_by_role("button", name=t("en", "Continue")).click()
    jamie.wait_for_url(f"{live_server.url}/visit/{visit_id}")
    expect(jamie.locator("html")).to_have_attribute("lang", "en")
    expect(jamie.locator("main section.visit h2").first).to_have_text(POSITION)
    assert read_agenda(jamie) == expected_programme(day, "en")
    assert_no_horizontal_scroll(jamie)
    findings.accessible(jamie, "the candidate's new visit")

    # ---- Fatima swaps items 2 and 3 with the keyboard alone -------------------------------
    fatima.goto(workspace)
    fatima.evaluate("window.stillTheSamePage = true")
    version = int(fatima.locator("#visit-version").input_value())
    fatima.keyboard.press("Tab")
    expect(fatima.locator("a.skip-link")).to_be_focused()
    fatima.keyboard.press("Enter")  # "Skip to content"
    expect(fatima.locator("main")).to_be_focused()
    later = f"#down-{item_ids[1]}"
    path = tab_until(fatima, later)
    # The item's own buttons in reading order: first "Earlier", then "Later".
    assert path[-2:] == [f"#up-{item_ids[1]}", later], path
    expect(fatima.locator(later)).to_contain_text(t("nl", "Later"))
    expect(fatima.locator(later)).to_have_accessible_name(
        re.compile(rf"^{re.escape(t('nl', 'Later'))}\s*: {re.escape(TITLES[1])}$")
    )
    move = f"/hr/visits/{visit_id}/items/{item_ids[1]}/move"
    with fatima.expect_response(lambda r: r.url.endswith(move)) as moved:
        fatima.keyboard.press("Enter")
    assert moved.value.status == 200
    assert moved.value.request.headers.get("hx-request") == "true"  # htmx, not a page load
    swapped = [TITLES[0], TITLES[2], TITLES[1], TITLES[3]]
    expect(builder_titles(fatima)).to_have_text(swapped)
    assert fatima.evaluate("window.stillTheSamePage") is True  # swapped, not reloaded
    # htmx gives focus back to the element with the same id: the moved item's button.
    expect(fatima.locator(later)).to_be_focused()
    # The details form's version came along out of band (one input, the new value).
    expect(fatima.locator("#visit-version")).to_have_count(1)
    expect(fatima.locator("#visit-version")).to_have_value(str(version + 1))
    expect(fatima.locator("#visit-version")).to_have_attribute("form", "visit-form")
    for form_version in fatima.locator("#agenda input[name=version]").all():
        expect(form_version).to_have_value(str(version + 1))
    findings.accessible(fatima, "the workspace after moving an item")

    # ---- ... and changes the moved item's room, still by keyboard -------------------------
    item = fatima.locator(f"#item-{item_ids[1]}")
    path = tab_until(fatima, f"#item-{item_ids[1]} summary")
    assert path[-2] == f"button:{t('nl', 'Remove')}: {TITLES[1]}", path
    details = item.locator("details")
    expect(details).not_to_have_attribute("open", "")
    fatima.keyboard.press("Enter")
    expect(details).to_have_attribute("open", "")
    room = item.locator(f'[id="{item_ids[1]}-room"]')
    expect(room).to_have_value("Zaal Dom")
    tab_until(fatima, f'[id="{item_ids[1]}-room"]')
    findings.accessible(fatima, "the workspace with an item's form open")
    fatima.keyboard.press("ControlOrMeta+A")
    fatima.keyboard.type(NEW_ROOM)
    expect(room).to_have_value(NEW_ROOM)
    save = f"#item-{item_ids[1]} form.item-form > button[type=submit]"
    tab_until(fatima, save)
    expect(fatima.locator(save)).to_have_text(t("nl", "Save this item"))
    saved = f"/hr/visits/{visit_id}/items/{item_ids[1]}"
    with fatima.expect_response(lambda r: r.url.endswith(saved)) as posted:
        fatima.keyboard.press("Enter")
    assert posted.value.status == 200
    expect(item.locator(".what p.muted")).to_contain_text(NEW_ROOM)
    # A keyboard user keeps their place: focus stays with the item just saved (not on the
    # page's <body>, from where the next Tab jumps past the whole programme).
    in_item = "id => !!document.activeElement.closest(`#item-${id}`)"
    # htmx swaps, settles (20 ms) and then moves focus: give it a moment.
    if not wait_until(fatima, in_item, item_ids[1], timeout=2.0):
        findings.check(
            False,
            f"after saving an item with the keyboard, focus is on {focused(fatima)}, "
            f"not in the saved item (#item-{item_ids[1]})",
        )
    expect(builder_titles(fatima)).to_have_text(swapped)
    expect(fatima.locator("#visit-version")).to_have_value(str(version + 2))
    assert fatima.evaluate("window.stillTheSamePage") is True  # swapped, not reloaded
    assert_no_horizontal_scroll(fatima)
    findings.accessible(fatima, "the workspace after changing an item")
    screenshot(fatima, "hr-visit-desktop-nl")

    # ---- Jamie reloads: the new order, the new room ---------------------------------------
    jamie.reload()
    assert candidate_titles(jamie) == swapped
    shown = {entry["title"]: entry for entry in read_agenda(jamie)}
    assert shown[TITLES[1]]["room"] == f"{t('en', 'Room')}: {NEW_ROOM}"
    # The swap: item 3 takes item 2's start; item 2 follows after the same 15-minute gap.
    assert shown[TITLES[2]]["when"] == squash(
        f"{clock(f'{day}T10:00', 'en')} – {clock(f'{day}T11:15', 'en')}"
    )
    assert shown[TITLES[1]]["when"] == squash(
        f"{clock(f'{day}T11:30', 'en')} – {clock(f'{day}T12:30', 'en')}"
    )
    findings.accessible(jamie, "the candidate's visit after the changes")

    # ---- Fatima's dashboard: invited and signed in ----------------------------------------
    open_from_nav(fatima, "/hr")
    row = fatima.locator(f"#visit-{visit_id}")
    expect(row.locator("th")).to_have_text(JAMIE_NAME)
    expect(row.locator(".readiness")).to_contain_text(t("nl", "Signed in"))
    assert_no_horizontal_scroll(fatima)
    findings.accessible(fatima, "HR's dashboard with the new visit")
    screenshot(fatima, "hr-dashboard-desktop-nl")
    findings.done()
