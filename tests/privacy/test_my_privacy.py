"""/me/privacy: what the portal holds about a candidate, why, who sees it, and until when."""

from __future__ import annotations

import re

from tests.privacy.test_export import build

PAGE = "/me/privacy"


def test_the_page_shows_what_we_hold_without_the_answers(client, app, run, login_as):
    mine = run(lambda db: build(db, app, tag="Mine", visits=2))
    run(lambda db: build(db, app, tag="Theirs"))
    login_as(mine["candidate"])
    page = client.get(PAGE, headers={"Accept-Language": "en"})
    assert page.status_code == 200
    text = page.text
    assert "Cand Mine" in text and "mine@example.org" in text
    assert "Position Mine 0" in text and "Position Mine 1" in text
    for visit in mine["visits"]:
        assert f'href="/visit/{visit.public_id}/preferences"' in text
    # The answers themselves are on the preferences page only.
    assert "Diet Mine" not in text and "Question Mine" not in text
    assert re.search(r"<dd>2 · <a href=\"/questions\">", text)
    assert "Theirs" not in text
    assert 'href="/privacy"' in text and 'href="/me/privacy/export"' in text


def test_the_erasure_date_follows_the_retention_rules(client, make_user, login_as, run, app):
    """No visits: four weeks after the account was made (1 December 2026)."""
    login_as(make_user())
    page = client.get(PAGE, headers={"Accept-Language": "en"})
    assert "erased on Tuesday, December 29, 2026" in page.text


def test_a_visit_without_outcome_counts_26_weeks_then_4(client, app, run, login_as):
    mine = run(lambda db: build(db, app, tag="Mine"))
    login_as(mine["candidate"])
    page = client.get(PAGE, headers={"Accept-Language": "nl"})
    # Visit on 3 December 2026 + 26 weeks + 4 weeks = 1 July 2027.
    assert "donderdag 1 juli 2027" in page.text


def test_staff_get_404_and_visitors_are_sent_to_sign_in(client, make_user, login_as):
    response = client.get(PAGE)
    assert response.status_code in (302, 303)
    assert response.headers["location"].startswith("/login")
    for role in ("employee", "hr", "admin"):
        client.cookies.clear()
        login_as(make_user(role))
        assert client.get(PAGE).status_code == 404


def test_candidates_find_the_page_from_the_menu_and_the_notice(client, make_user, login_as):
    login_as(make_user())
    assert 'href="/me/privacy"' in client.get("/").text
    assert 'href="/me/privacy"' in client.get("/privacy").text


def test_the_page_is_in_dutch_too(client, make_user, login_as):
    login_as(make_user(locale="nl"))
    page = client.get(PAGE, headers={"Accept-Language": "nl"})
    assert "Je gegevens" in page.text and "Download mijn gegevens" in page.text
