"""A culture story from the first draft to a candidate's phone, in a real browser.

Noor (an employee, at a desk) writes a story with a cover picture, watches the live preview,
saves a draft and sends it for review; Fatima (HR, at a desk) asks for a change; Noor is told
by e-mail (read at the SMTP server), reads the note and sends a fixed version; Fatima
publishes it; Sam (a candidate visiting Engineering tomorrow, on a phone, in Dutch) finds it
first among the stories on his visit page, reads it, and filters the list of stories by theme.
Every page on the way is checked with axe-core.

Elements are found by id, name and address rather than by their words where possible: the
Dutch catalog for stories is still being written.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from portal.demo import CANDIDATE, EMPLOYEE, HR
from portal.demo_stories import STORIES
from tests.browser.pages import (
    STORY_CHANGES_ASKED,
    STORY_ONLINE,
    assert_accessible,
    assert_no_horizontal_scroll,
    in_any_language,
    load_pictures,
    open_menu,
    screenshot,
    sign_in_with_link,
    t,
    texts_of,
)

pytestmark = pytest.mark.browser

TITLE = "Mijn eerste release bij het Laadplatform"
TEASER = "Drie weken na mijn start ging mijn eerste release live. Wat ik leerde, en wie hielp."
BODY = """Drie weken na mijn eerste werkdag ging mijn eerste release live. Ik was zenuwachtig,
maar het team had alles zo geregeld dat ik het meeste zelf kon doen.

## Wat we bouwden

We maakten een manier om laadpalen **veilig** bij te werken, zonder dat een klant er iets van
merkt. Het plan had drie delen:

- een volgorde per regio
- een knop om terug te gaan
- een dashboard voor wie dienst heeft

Meer over het team lees je op [onze website](https://www.example.org/laadplatform)."""
FIX = "Een regio is bij ons een groep van ongeveer vijfhonderd laadpalen."
ALT = "Illustratie: een gele zon boven een groene heuvel met drie blauwe laadpalen."
THEMES = ("onboarding", "learning")
NOTE = "Mooi verhaal! Leg nog uit wat een regio is: niet iedere kandidaat weet dat."
STORY_ID = r"[A-Za-z0-9_-]+"


def cover_picture(folder: Path) -> Path:
    """A PNG as a phone or a drawing program would give it: 1200 × 700, a few shapes."""
    image = Image.new("RGB", (1200, 700), "#9CC9E8")
    draw = ImageDraw.Draw(image)
    draw.ellipse((820, 80, 1020, 280), fill="#F6C945")
    draw.polygon([(0, 520), (300, 380), (700, 460), (1200, 360), (1200, 700), (0, 700)], "#3E7D4F")
    for left in (180, 420, 660):
        draw.rectangle((left, 380, left + 60, 620), fill="#1F4E8C")
        draw.rectangle((left + 15, 410, left + 45, 450), fill="#E6F1FA")
    path = folder / "eerste-release.png"
    image.save(path)
    return path


def open_from_nav(page: Any, path: str) -> None:
    open_menu(page)  # on a phone the links are in the menu
    page.locator(f'header nav a[href="{path}"]').click()
    page.wait_for_url(re.compile(rf"{re.escape(path)}(\?.*)?$"))


def button(page: Any, intent: str) -> Any:
    return page.locator(f'#story-form button[name="intent"][value="{intent}"]')


def assert_picture(img: Any, alt: str) -> None:
    """A picture from the image pipeline: srcset of stored widths, width, height and alt."""
    expect(img).to_have_attribute("alt", alt)
    srcset = img.get_attribute("srcset") or ""
    entries = [entry.strip().split(" ") for entry in srcset.split(",")]
    assert len(entries) >= 2, srcset
    for url, descriptor in entries:
        assert re.fullmatch(r"/media/[A-Za-z0-9_-]+/\d+\.jpg", url), srcset
        assert re.fullmatch(r"\d+w", descriptor), srcset
    assert int(img.get_attribute("width")) > 0
    assert int(img.get_attribute("height")) > 0


def tab_order(page: Any, start: str, until: str, limit: int = 30) -> list[str]:
    """Focus ``start`` and press Tab until ``until`` has focus: what got focus, in order.

    An element is named by its id, else by name=value (the theme boxes, the buttons).
    """
    page.locator(start).focus()
    seen: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        name = page.evaluate(
            """() => { const e = document.activeElement;
                 return e.id || `${e.getAttribute("name")}=${e.getAttribute("value")}`; }"""
        )
        seen.append(name)
        if name == until:
            break
    return seen


def story_cards(container: Any) -> Any:
    return container.locator("article.story-card")


def card_titles(page: Any) -> list[str]:
    return [
        " ".join(text.split())
        for text in page.locator("#results article.story-card :is(h2, h3, h4)").all_inner_texts()
    ]


def published_with(theme: str) -> set[str]:
    """The demo's stories online with ``theme``."""
    return {s["title"] for s in STORIES if s["state"] == "published" and theme in s["themes"]}


# ---- the whole way -----------------------------------------------------------------------


def test_story_from_draft_to_the_candidates_visit_page(open_page, live_server, inbox, tmp_path):
    picture = cover_picture(tmp_path)
    noor, fatima, sam = open_page("desktop"), open_page("desktop"), open_page("phone")
    for page, email in ((noor, EMPLOYEE), (fatima, HR), (sam, CANDIDATE)):
        sign_in_with_link(page, inbox, live_server, "nl", email)
    expect(noor.locator("html")).to_have_attribute("lang", "nl")

    # ---- Noor writes ----------------------------------------------------------------------
    open_from_nav(noor, "/me/stories")
    assert_accessible(noor, "the employee's stories")
    noor.locator('main a[href="/me/stories/new"]').click()
    noor.wait_for_url(f"{live_server.url}/me/stories/new")
    expect(noor.locator("#field-department")).to_have_value("Engineering")  # her own
    assert_accessible(noor, "the story form, empty")

    # The keyboard reaches every field and then the three buttons, in the order they are read.
    order = tab_order(noor, "#field-title", until="intent=submit")
    wanted = [
        "field-teaser",
        "field-body",
        "field-language",
        "field-cover",
        "field-image_alt",
        "intent=save",
        "intent=preview",
        "intent=submit",
    ]
    assert all(name in order for name in wanted), order
    assert [name for name in order if name in wanted] == wanted, order
    assert order[:2] == ["field-teaser", "field-body"], order

    # A title of spaces only (the browser's "required" lets it through): the page comes back
    # with a summary of the errors and the field marked.
    noor.locator("#field-title").fill("   ")
    with noor.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith("/me/stories")
    ) as posted:
        button(noor, "save").click()
    assert posted.value.status == 422
    summary = noor.locator("#error-summary")
    expect(summary).to_have_attribute("role", "alert")
    expect(summary.locator('a[href="#field-title"]')).to_have_text(
        t("nl", "Give your story a title.")
    )
    title = noor.locator("#field-title")
    expect(title).to_have_attribute("aria-invalid", "true")
    expect(title).to_have_attribute("aria-describedby", "title-error")
    expect(noor.locator("#title-error")).to_have_text(t("nl", "Give your story a title."))
    assert_accessible(noor, "the story form with an error")

    # Now for real. The body is typed: the live preview follows, rendered as candidates see it.
    title.fill(TITLE)
    noor.locator("#field-language").select_option("nl")
    noor.locator("#field-department").fill("Engineering")
    noor.locator("#field-team").fill("Laadplatform")
    for theme in THEMES:
        noor.locator(f'#field-themes input[name="themes"][value="{theme}"]').check()
    noor.locator("#field-cover").set_input_files(picture)
    noor.locator("#field-image_alt").fill(ALT)
    body = noor.locator("#field-body")
    body.fill(BODY[:-1])
    body.press_sequentially(BODY[-1])
    preview = noor.locator("#preview-body")
    expect(preview.locator(".preview-title")).to_have_text(TITLE)
    expect(preview.locator(".prose h2")).to_have_text("Wat we bouwden")
    expect(preview.locator(".prose strong")).to_have_text("veilig")
    expect(preview.locator(".prose ul > li")).to_have_count(3)
    expect(preview.locator(".prose a")).to_have_attribute(
        "href", "https://www.example.org/laadplatform"
    )
    expect(preview.locator(".story-preview")).to_have_attribute("lang", "nl")

    # "Preview" brings the preview up to date too, without typing (set the teaser quietly).
    noor.locator("#field-teaser").evaluate("(el, text) => { el.value = text; }", TEASER)
    expect(preview.locator(".lead")).to_have_count(0)
    with noor.expect_response(lambda r: r.url.endswith("/me/stories/preview")) as previewed:
        button(noor, "preview").click()
    assert previewed.value.status == 200
    expect(preview.locator(".lead")).to_have_text(TEASER)
    assert noor.url == f"{live_server.url}/me/stories"  # htmx: still the same page
    assert_accessible(noor, "the story form, filled in, with the preview")

    # Save the draft: the picture went through the pipeline and is shown, described.
    button(noor, "save").click()
    noor.wait_for_url(re.compile(rf"/me/stories/{STORY_ID}\?done=saved$"))
    story_path = re.sub(r"\?.*$", "", noor.url.removeprefix(live_server.url))
    expect(noor.locator("main [role=status]")).to_have_text(t("nl", "Your story is saved."))
    cover = noor.locator(".current-cover img")
    assert_picture(cover, ALT)
    expect(noor.locator("#field-title")).to_have_value(TITLE)
    expect(noor.locator("#field-teaser")).to_have_value(TEASER)
    expect(noor.locator("#field-image_alt")).to_have_value(ALT)
    for theme in THEMES:
        expect(noor.locator(f'input[name="themes"][value="{theme}"]')).to_be_checked()
    expect(noor.locator("#preview-body .prose h2")).to_have_text("Wat we bouwden")
    assert_no_horizontal_scroll(noor)
    assert_accessible(noor, "the saved draft")
    screenshot(noor, "story-editor-desktop-nl")

    button(noor, "submit").click()
    noor.wait_for_url(f"{live_server.url}{story_path}?done=submitted")
    expect(noor.locator("main [role=status]")).to_have_text(
        t("nl", "Thank you: HR will read your story and let you know.")
    )
    expect(noor.locator(".story-state dd").first).to_have_text(t("nl", "Waiting for review"))
    expect(noor.locator("#story-form")).to_have_count(0)  # HR is reading it: no changes now
    assert_accessible(noor, "the story sent for review")

    # ---- Fatima asks for a change ---------------------------------------------------------
    open_from_nav(fatima, "/hr/stories")
    queue = fatima.locator("#queue-title + ol.review-queue")
    waiting = queue.locator("li", has=fatima.get_by_role("link", name=TITLE, exact=True))
    expect(waiting).to_contain_text("Noor Bakker")
    expect(waiting).to_contain_text("Engineering")
    assert_accessible(fatima, "HR's stories with one waiting")
    waiting.get_by_role("link", name=TITLE, exact=True).click()
    fatima.wait_for_url(re.compile(rf"/hr/stories/{STORY_ID}$"))
    review_path = fatima.url.removeprefix(live_server.url)
    assert review_path.rsplit("/", 1)[1] == story_path.rsplit("/", 1)[1]
    expect(fatima.locator("main h1")).to_have_text(TITLE)
    text = fatima.locator("article.story")
    expect(text).to_have_attribute("lang", "nl")
    expect(text.locator(".prose h2")).to_have_text("Wat we bouwden")
    assert_picture(text.locator("img.story-cover"), ALT)
    assert_no_horizontal_scroll(fatima)
    assert_accessible(fatima, "HR's review of the story")
    screenshot(fatima, "hr-story-review-desktop-nl")

    changes = fatima.locator('form[action$="/request-changes"]')
    changes.locator("#note").fill(NOTE)
    mark = inbox.mark()
    changes.locator("button[type=submit]:not([formaction])").click()
    fatima.wait_for_url(f"{live_server.url}{review_path}?done=changes")
    expect(fatima.locator("main [role=status]")).to_have_text(
        t("nl", "The author has been asked for changes.")
    )
    assert_accessible(fatima, "HR's review after asking for changes")

    # ---- Noor is told, reads the note and fixes the story --------------------------------
    told = inbox.wait_for(EMPLOYEE, since=mark, subjects=in_any_language(STORY_CHANGES_ASKED))
    assert told.rcpt_tos == [EMPLOYEE]
    mail = texts_of(told)
    link = f"{live_server.url}{story_path}"
    assert link in mail
    assert TITLE in mail
    assert NOTE not in mail  # the note stays in the portal

    noor.goto(link)
    note = noor.locator("section[aria-labelledby=note-title]")
    expect(note.locator("h2")).to_have_text(t("nl", "HR asks for changes"))
    expect(note.locator("p")).to_have_text(NOTE)
    expect(noor.locator(".story-state dd").first).to_have_text(t("nl", "Changes requested"))
    assert_accessible(noor, "the story with HR's note")
    fixed = BODY.replace("- een volgorde per regio", f"- een volgorde per regio. {FIX}")
    noor.locator("#field-body").fill(fixed)
    button(noor, "submit").click()
    noor.wait_for_url(f"{live_server.url}{story_path}?done=submitted")
    expect(noor.locator(".story-state dd").first).to_have_text(t("nl", "Waiting for review"))

    # ---- Fatima publishes -----------------------------------------------------------------
    fatima.goto(review_path)
    expect(fatima.locator("article.story .prose")).to_contain_text(FIX)
    mark = inbox.mark()
    fatima.locator('form[action$="/publish"] button[type=submit]').click()
    fatima.wait_for_url(f"{live_server.url}{review_path}?done=published")
    expect(fatima.locator("main [role=status]")).to_have_text(t("nl", "The story is online."))
    online = fatima.locator('main dl.facts a[href^="/stories/"]')
    slug_path = online.get_attribute("href")
    assert slug_path and re.fullmatch(r"/stories/[a-z0-9-]+", slug_path), slug_path
    assert_accessible(fatima, "HR's review of the published story")
    told = inbox.wait_for(EMPLOYEE, since=mark, subjects=in_any_language(STORY_ONLINE))
    assert link in texts_of(told)

    # ---- Sam sees it first, on his phone, in Dutch ----------------------------------------
    sam.goto("/")
    expect(sam.locator("html")).to_have_attribute("lang", "nl")
    visit = sam.locator("main section.visit")
    first = assert_story_first(sam, visit)
    assert_no_horizontal_scroll(sam)
    assert_accessible(sam, "the candidate's start page with the stories")

    visit_id = (visit.locator("h2").first.get_attribute("id") or "").removeprefix("visit-")
    visit_id = visit_id.removesuffix("-title")
    sam.goto(f"/visit/{visit_id}")
    first = assert_story_first(sam, sam.locator("main section.visit"))
    load_pictures(sam)
    assert_no_horizontal_scroll(sam)
    assert_accessible(sam, "the candidate's visit page with the stories")

    first.locator(":is(h3, h4) a").click()
    sam.wait_for_url(f"{live_server.url}{slug_path}")
    story = sam.locator("main article.story")
    expect(story).to_have_attribute("lang", "nl")
    expect(story.locator("h1")).to_have_text(TITLE)
    expect(story.locator(".lead")).to_have_text(TEASER)
    author = story.locator(".story-byline").get_by_role("link", name="Noor Bakker", exact=True)
    expect(author).to_have_attribute("href", re.compile(r"^/people/[A-Za-z0-9_-]+$"))
    assert_picture(story.locator("img.story-cover"), ALT)
    prose = story.locator(".prose")
    expect(prose.locator("h2")).to_have_text("Wat we bouwden")
    expect(prose.locator("strong")).to_have_text("veilig")
    expect(prose.locator("ul > li")).to_have_count(3)
    expect(prose.locator("ul > li").first).to_contain_text(FIX)
    expect(prose.locator("a")).to_have_attribute("href", "https://www.example.org/laadplatform")
    assert "**" not in prose.inner_text() and "##" not in prose.inner_text()
    for theme in THEMES:
        expect(story.locator(f'.story-tags a[href="/stories?theme={theme}"]')).to_have_count(1)
    assert NOTE not in sam.content()  # HR's note is for the author only
    assert_no_horizontal_scroll(sam)
    assert_accessible(sam, "the story on the candidate's phone")
    screenshot(sam, "story-phone-nl")

    # The author's name leads to her bio.
    author.click()
    sam.wait_for_url(re.compile(r"/people/[A-Za-z0-9_-]+$"))
    expect(sam.locator("main h1")).to_contain_text("Noor Bakker")

    # ---- all stories, and the theme filter ------------------------------------------------
    open_from_nav(sam, "/stories")
    expect(sam.locator("#for-you + p + .story-grid article.story-card").first).to_contain_text(
        TITLE
    )
    assert_no_horizontal_scroll(sam)
    assert_accessible(sam, "the stories on the candidate's phone")
    screenshot(sam, "stories-phone-nl")

    sam.evaluate("window.stillTheSamePage = true")
    for theme, expected in (
        ("onboarding", published_with("onboarding") | {TITLE}),
        ("hybrid_work", published_with("hybrid_work")),
    ):
        with sam.expect_response(lambda r, theme=theme: f"theme={theme}" in r.url) as filtered:
            sam.locator("#theme").select_option(theme)
        assert filtered.value.request.all_headers().get("hx-request") == "true"
        sam.wait_for_url(re.compile(rf"/stories\?(.*&)?theme={theme}(&.*)?$"))
        expect(sam.locator("#theme")).to_have_value(theme)
        expect(story_cards(sam.locator("#results"))).to_have_count(len(expected))
        assert set(card_titles(sam)) == expected, theme
        assert sam.evaluate("window.stillTheSamePage") is True  # swapped, not reloaded
    assert TITLE not in card_titles(sam)
    assert_no_horizontal_scroll(sam)
    assert_accessible(sam, "the stories filtered by a theme")


def assert_story_first(page: Any, visit: Any) -> Any:
    """The stories on a visit: after their heading, the new story first, in Dutch."""
    grid = visit.locator(":scope > h3 + .story-grid")
    expect(grid).to_have_count(1)
    heading = grid.evaluate("el => el.previousElementSibling.textContent")
    assert " ".join(heading.split()) == t("nl", "Stories from your future colleagues")
    first = story_cards(grid).first
    expect(first.locator("h4")).to_have_text(TITLE)
    expect(first.locator("h4 a")).to_have_attribute("href", re.compile(r"^/stories/[a-z0-9-]+$"))
    expect(first).to_have_attribute("lang", "nl")
    expect(first.locator(".teaser")).to_have_text(TEASER)
    expect(first.locator(".story-meta")).to_contain_text("Noor Bakker")
    assert_picture(first.locator("img.story-cover"), ALT)
    return first
