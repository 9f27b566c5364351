"""Questions ahead of the visit, the whole loop in a real browser, three people at once.

Sam (the candidate, on a phone) asks; Fatima (HR, at a desk) routes the question to Noor
with a note only staff read; Noor drafts an answer; Fatima edits it a little and publishes
it; Sam is told by e-mail (without the answer) and reads it in the portal, under Noor's
name. E-mail is read at the SMTP server; every page on the way is checked with axe-core.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from portal.demo import CANDIDATE, EMPLOYEE, HR
from tests.browser.conftest import Inbox, LiveServer
from tests.browser.pages import (
    QUESTION_FOR_YOU,
    assert_accessible,
    assert_no_horizontal_scroll,
    in_any_language,
    open_menu,
    screenshot,
    sign_in_with_code,
    squash,
    switch_language,
    t,
    texts_of,
)

pytestmark = pytest.mark.browser

QUESTION = "Hoe ziet het eerste jaar eruit voor een nieuwe backend developer?"
NOTE = "Graag eerlijk, en noem de buddy"
DRAFT = "Je begint met een buddy en krijgt drie maanden om in te werken."
ANSWER = DRAFT + " Na een half jaar kies je zelf een eigen project."
ANSWERED = "Your question has been answered"


def forget_sams_questions(live_server: LiveServer) -> None:
    live_server.sql(
        "DELETE FROM questions WHERE candidate_id = (SELECT id FROM users WHERE email = ?)",
        CANDIDATE,
    )


def open_from_nav(page: Any, name: str, path: str) -> None:
    open_menu(page)  # on a phone the links are in the menu
    page.locator("header").get_by_role("link", name=name, exact=True).click()
    page.wait_for_url(re.compile(rf"{re.escape(path)}(\?.*)?$"))


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


def send_question(page: Any, lang: str = "nl") -> None:
    page.locator("main").get_by_role("button", name=t(lang, "Send my question")).click()


def assert_empty_error(page: Any, lang: str) -> None:
    body = page.locator("#question-body")
    expect(page.locator("#question-error")).to_have_text(t(lang, "Write your question."))
    expect(body).to_have_attribute("aria-invalid", "true")
    expect(body).to_have_attribute("aria-describedby", "question-hint question-error")
    expect(page.locator("main .question-list")).to_have_count(0)


def asked(page: Any, lang: str = "nl") -> Any:
    """The thank-you notice after asking."""
    return page.locator(
        "#questions [role=status]", has_text=t(lang, "Thank you: we have your question.")
    )


def sign_in(page: Any, inbox: Inbox, live_server: LiveServer, email: str, lang: str = "nl") -> None:
    """Sign in by code; an English browser gets /login in English, the account stays Dutch."""
    sign_in_with_code(page, inbox, live_server, lang, email)


# ---- the whole loop ----------------------------------------------------------------------


def test_a_question_goes_round_the_whole_loop(open_page, live_server, inbox):
    forget_sams_questions(live_server)
    sam, fatima, noor = open_page("phone"), open_page("desktop"), open_page("desktop")
    for page, email in ((sam, CANDIDATE), (fatima, HR), (noor, EMPLOYEE)):
        sign_in(page, inbox, live_server, email)

    # Sam: nothing asked yet.
    open_from_nav(sam, t("nl", "Your questions"), "/questions")
    expect(sam.locator("main h1")).to_have_text(t("nl", "Your questions"))
    expect(sam.locator("#questions")).to_contain_text(t("nl", "You have not asked anything yet."))
    assert_no_horizontal_scroll(sam)
    assert_accessible(sam, "the candidate's questions, none yet")

    # An empty question: htmx swaps the form back with the error, the page stays.
    sam.evaluate("window.stillTheSamePage = true")
    posts = posts_to(sam)
    send_question(sam)
    assert_empty_error(sam, "nl")
    assert posts == [("/questions", 422)]
    # The error right under the field, in the error colour; the hint after it stays a hint.
    colour = "el => getComputedStyle(el).color"
    error_colour = sam.locator("#question-error").evaluate(colour)
    assert sam.locator("#question-hint").evaluate(colour) != error_colour
    assert sam.locator("#question-body + small").get_attribute("id") == "question-error"
    assert_no_horizontal_scroll(sam)
    assert_accessible(sam, "the question form with an error")

    # A real question: swapped in place, the thank-you read out (focused), the list below.
    sam.locator("#question-body").fill(QUESTION)
    send_question(sam)
    expect(asked(sam)).to_be_visible()
    expect(asked(sam)).to_be_focused()
    assert posts == [("/questions", 422), ("/questions", 200)]
    assert sam.evaluate("window.stillTheSamePage") is True
    assert sam.url == f"{live_server.url}/questions"
    expect(sam.locator("#question-body")).to_have_value("")
    expect(sam.locator("#question-body")).not_to_have_attribute("aria-invalid", "true")
    question = sam.locator("main .question-list > li.question")
    expect(question).to_have_count(1)
    expect(question.locator(".question-body")).to_have_text(QUESTION)
    expect(question.locator(".question-status")).to_contain_text(t("nl", "Received"))
    item_id = question.get_attribute("id")
    assert item_id and re.fullmatch(r"q-[A-Za-z0-9_-]+", item_id), item_id
    assert_no_horizontal_scroll(sam)
    assert_accessible(sam, "the candidate's questions with one asked")

    # Fatima: the question in her inbox; she routes it to Noor with a note.
    open_from_nav(fatima, t("nl", "Questions"), "/hr/questions")
    expect(fatima.locator("main h1")).to_have_text(t("nl", "Questions from candidates"))
    in_inbox = fatima.locator(f"#{item_id}")
    expect(in_inbox.locator(".question-body")).to_have_text(QUESTION)
    expect(in_inbox.locator(".question-status")).to_contain_text("Sam de Vries")
    expect(in_inbox.locator(".routing")).to_have_count(0)
    assert_accessible(fatima, "HR's inbox with the question received")

    # The inbox links to the question's route page, which lists every colleague once.
    in_inbox.get_by_role("link", name=t("nl", "Route to a colleague")).click()
    fatima.wait_for_url(re.compile(r"/hr/questions/[A-Za-z0-9_-]+/route$"))
    expect(fatima.locator("main .question-body")).to_have_text(QUESTION)
    assert_accessible(fatima, "the route page of a question")
    assert_no_horizontal_scroll(fatima)
    colleague = fatima.get_by_label(t("nl", "Colleague"), exact=True)
    expect(colleague).to_be_visible()
    colleague.select_option(label="Noor Bakker, Engineering manager")
    fatima.get_by_label(t("nl", "Internal note (the candidate never sees it)")).fill(NOTE)
    mark = inbox.mark()
    fatima.get_by_role("button", name=t("nl", "Route"), exact=True).click()
    fatima.wait_for_url(f"{live_server.url}/hr/questions")
    routing = fatima.locator(f"#{item_id} .routing")
    expect(routing).to_contain_text(t("nl", "With %(name)s for a draft.", name="Noor Bakker"))
    expect(routing).to_contain_text(f"{t('nl', 'Internal note')}: {NOTE}")
    assert fatima.url == f"{live_server.url}/hr/questions"
    assert_accessible(fatima, "HR's inbox with the question routed")

    # Noor is told by e-mail: where to go, not who asked or what.
    told = inbox.wait_for(EMPLOYEE, since=mark, subjects=in_any_language(QUESTION_FOR_YOU))
    assert told.rcpt_tos == [EMPLOYEE]
    mail = texts_of(told)
    assert f"{live_server.url}/me/questions" in mail
    assert "Backend developer" in mail
    for secret in (QUESTION, NOTE, "de Vries", CANDIDATE):
        assert secret not in mail, secret

    # Noor: the question, the note, Sam's first name only; she sends a draft.
    open_from_nav(noor, t("nl", "Questions for you"), "/me/questions")
    expect(noor.locator("main h1")).to_have_text(t("nl", "Questions for you"))
    for_noor = noor.locator(f"#{item_id}")
    expect(for_noor.locator(".question-body")).to_have_text(QUESTION)
    expect(for_noor.locator(".question-status strong")).to_have_text("Sam")
    expect(for_noor).to_contain_text(f"{t('nl', 'Note from HR')}: {NOTE}")
    body, html = noor.locator("body").inner_text(), noor.content()
    for secret in ("de Vries", CANDIDATE):
        assert secret not in body and secret not in html, secret
    assert_accessible(noor, "a colleague's questions with one to draft")

    for_noor.get_by_label(t("nl", "Your draft answer")).fill(DRAFT)
    for_noor.get_by_role("button", name=t("nl", "Send the draft to HR")).click()
    noor.wait_for_url(f"{live_server.url}/me/questions?sent=1")
    expect(noor.locator("main [role=status]")).to_have_text(
        t("nl", "Thank you: HR will look at your draft.")
    )
    for_noor = noor.locator(f"#{item_id}")
    expect(for_noor.locator(".question-status")).to_contain_text(t("nl", "your draft is with HR"))
    expect(for_noor.get_by_label(t("nl", "Your draft answer"))).to_have_value(DRAFT)
    assert_accessible(noor, "a colleague's questions after sending the draft")

    # Fatima: the draft is in the answer field; she adds a sentence and publishes it.
    fatima.reload()
    in_inbox = fatima.locator(f"#{item_id}")
    expect(in_inbox.locator(".routing")).to_contain_text(
        t("nl", "Draft by %(name)s, waiting for your approval.", name="Noor Bakker")
    )
    answer = in_inbox.get_by_label(t("nl", "The draft (you may edit it before publishing)"))
    expect(answer).to_have_value(DRAFT)
    assert_no_horizontal_scroll(fatima)
    assert_accessible(fatima, "HR's inbox with a draft to approve")
    screenshot(fatima, "hr-questions-desktop-nl")

    answer.fill(ANSWER)
    mark = inbox.mark()
    in_inbox.get_by_role("button", name=t("nl", "Approve and publish")).click()
    expect(fatima.locator(f"#{item_id}")).to_have_count(0)  # answered: out of the open list
    fatima.goto("/hr/questions?status=answered")
    published = fatima.locator(f"#{item_id}")
    expect(published.locator(".answer-body")).to_have_text(ANSWER)
    expect(published.locator(".answerer")).to_have_text(
        t("nl", "Answered by %(name)s", name="Noor Bakker")
    )

    # Sam is told by e-mail, in Dutch, with a link and without the answer.
    told = inbox.wait_for(CANDIDATE, since=mark, subjects={t("nl", ANSWERED)})
    assert told.rcpt_tos == [CANDIDATE]
    mail = texts_of(told)
    assert f"{live_server.url}/questions" in mail
    for secret in (ANSWER, DRAFT, QUESTION, NOTE):
        assert secret not in mail, secret

    # Sam reads the answer, from Noor; the note is nowhere on the page.
    sam.reload()
    question = sam.locator(f"#{item_id}")
    expect(question.locator(".question-status")).to_contain_text(t("nl", "Answered"))
    expect(question.locator(".answer-body")).to_have_text(ANSWER)
    answerer = question.locator(".answerer")
    assert squash(answerer.inner_text()) == (
        f"{t('nl', 'Answer from')} Noor Bakker, Engineering manager"
    )
    expect(answerer.get_by_role("link", name="Noor Bakker")).to_have_attribute(
        "href", re.compile(r"^/people/[A-Za-z0-9_-]+$")
    )
    expect(question.locator("details")).to_have_count(0)  # answered: no more changes
    body, html = sam.locator("body").inner_text(), sam.content()
    for secret in (NOTE, t("nl", "Internal note"), t("nl", "Note from HR")):
        assert secret not in body and secret not in html, secret
    assert_no_horizontal_scroll(sam)
    assert_accessible(sam, "the candidate's questions with the answer")
    screenshot(sam, "questions-phone-nl")

    # The same page in English.
    switch_language(sam, "en")
    assert sam.url == f"{live_server.url}/questions"
    expect(sam.locator("main h1")).to_have_text("Your questions")
    question = sam.locator(f"#{item_id}")
    expect(question.locator(".question-status")).to_contain_text("Answered")
    assert squash(question.locator(".answerer").inner_text()) == (
        "Answer from Noor Bakker, Engineering manager"
    )
    assert NOTE not in sam.content()
    assert_no_horizontal_scroll(sam)
    assert_accessible(sam, "the candidate's questions with the answer, in English")


# ---- in English, and without JavaScript -------------------------------------------------


def test_asking_in_english(open_page, live_server, inbox):
    """The candidate's page before the answer, read in English (axe-core in the other words)."""
    forget_sams_questions(live_server)
    page = open_page("phone", "en")
    sign_in(page, inbox, live_server, CANDIDATE, "en")
    switch_language(page, "en")
    open_from_nav(page, "Your questions", "/questions")
    expect(page.locator("main h1")).to_have_text("Your questions")
    expect(page.locator("#questions")).to_contain_text("You have not asked anything yet.")
    assert_no_horizontal_scroll(page)
    assert_accessible(page, "the candidate's questions, none yet, in English")

    send_question(page, "en")
    assert_empty_error(page, "en")
    assert_accessible(page, "the question form with an error, in English")

    page.locator("#question-body").fill(QUESTION)
    page.get_by_label("I would rather ask this in person on the day").check()
    send_question(page, "en")
    expect(asked(page, "en")).to_have_text("Thank you: we have your question.")
    question = page.locator("main .question-list > li.question")
    expect(question.locator(".question-status")).to_contain_text("Received")
    expect(question.locator(".question-status")).to_contain_text("to ask in person")
    assert_no_horizontal_scroll(page)
    assert_accessible(page, "the candidate's questions with one asked, in English")


def test_asking_without_javascript(open_page, live_server, inbox):
    """A plain POST and a redirect. (axe-core and page.evaluate need JavaScript: the markup is
    the same as after htmx's swap, which the tests above check.)"""
    forget_sams_questions(live_server)
    page = open_page("phone", java_script_enabled=False)
    sign_in(page, inbox, live_server, CANDIDATE)
    open_from_nav(page, t("nl", "Your questions"), "/questions")
    expect(page.locator("main")).to_contain_text(t("nl", "You have not asked anything yet."))
    posts = posts_to(page)

    # An empty question: the whole page comes back with the error (422).
    send_question(page)
    assert_empty_error(page, "nl")
    assert posts == [("/questions", 422)]

    # A question: POST, redirect, the thank-you on the page it leads to.
    page.locator("#question-body").fill(QUESTION)
    send_question(page)
    page.wait_for_url(f"{live_server.url}/questions?asked=1")
    assert posts == [("/questions", 422), ("/questions", 303)]
    expect(asked(page)).to_have_text("Dank je: we hebben je vraag ontvangen.")
    question = page.locator("main .question-list > li.question")
    expect(question).to_have_count(1)
    expect(question.locator(".question-body")).to_have_text(QUESTION)
    expect(question.locator(".question-status")).to_contain_text(t("nl", "Received"))

    # Reloading does not ask again (a new form, a new key).
    page.reload()
    expect(page.locator("main .question-list > li.question")).to_have_count(1)
