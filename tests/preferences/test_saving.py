"""Saving and changing answers: with and without JavaScript, checked field by field."""

from __future__ import annotations

import html
from datetime import UTC, datetime

import pytest

from portal.models import Attendance, TravelMode
from tests.factories import create_visit
from tests.preferences.conftest import ANSWERS, post, queued, revealed, url

HX = {"HX-Request": "true"}


def test_plain_post_saves_and_redirects_to_the_form(client, visit, as_candidate, run):
    response = post(client, visit, **ANSWERS)
    assert response.status_code == 303
    assert response.headers["location"] == f"{url(visit)}?saved=1"
    prefs = revealed(client, run, visit)
    assert prefs.attendance is Attendance.CONFIRMED
    assert prefs.diet == "Vegetarian, no nuts please"
    assert prefs.accessibility == "Step-free entrance"
    assert prefs.travel_mode is TravelMode.CAR
    assert prefs.needs_parking is True and prefs.wants_travel_reimbursement is False
    assert prefs.note == "Looking forward to it"


def test_form_after_saving_says_saved_and_shows_the_answers(client, visit, as_candidate):
    post(client, visit, **ANSWERS)
    page = client.get(f"{url(visit)}?saved=1").text
    assert "Saved — HR can see your answers." in page
    assert ">Vegetarian, no nuts please</textarea>" in page
    assert 'value="confirmed" checked' in page and 'value="car" checked' in page
    assert 'name="needs_parking" value="yes" checked' in page
    assert 'name="wants_travel_reimbursement" value="yes" aria' in page  # not ticked


def test_form_without_saved_flag_shows_no_saved_message(client, visit, as_candidate):
    assert "Saved — HR" not in client.get(url(visit)).text


def test_changing_answers_replaces_them(client, visit, as_candidate, run, clock):
    post(client, visit, **ANSWERS)
    first = revealed(client, run, visit).updated_at
    clock.advance(hours=1)
    response = post(client, visit, attendance="confirmed", diet="Vegan", travel_mode="bicycle")
    assert response.status_code == 303
    prefs = revealed(client, run, visit)
    assert prefs.diet == "Vegan" and prefs.travel_mode is TravelMode.BICYCLE
    # Fields left out of the post are cleared: an unticked box sends nothing.
    assert prefs.needs_parking is False and prefs.accessibility == "" and prefs.note == ""
    assert prefs.updated_at > first


def test_an_empty_form_is_accepted(client, visit, as_candidate, run):
    response = post(client, visit)
    assert response.status_code == 303
    prefs = revealed(client, run, visit)
    assert prefs.attendance is Attendance.UNANSWERED and prefs.travel_mode is TravelMode.UNSAID


@pytest.mark.parametrize(
    ("field", "limit"),
    [("diet", 1000), ("accessibility", 1000), ("reschedule_reason", 2000), ("note", 2000)],
)
def test_over_long_text_is_refused_beside_the_field_and_kept(
    client, visit, as_candidate, run, field, limit
):
    text = "x" * limit + "<b>y</b>"
    fields = {**ANSWERS, "attendance": "reschedule", "reschedule_reason": "Ill", field: text}
    response = post(client, visit, **fields)
    assert response.status_code == 422
    page = response.text
    assert f'id="{field}-error"' in page
    assert f"Please shorten this to {limit:,} characters at most; it is {limit + 8:,} now." in page
    assert f'aria-describedby="{field}-hint {field}-error" aria-invalid="true"' in page
    assert html.escape(text) in page and "<b>y</b>" not in page  # kept, and escaped
    assert ">Vegetarian, no nuts please</textarea>" in page or field == "diet"
    assert revealed(client, run, visit) is None and queued(run) == []


def test_text_at_the_limit_is_accepted_counting_a_line_break_as_one(
    client, visit, as_candidate, run
):
    text = ("x" * 9 + "\r\n") * 99 + "x" * 10  # 1,099 sent, 1,000 once CRLF is one break
    response = post(client, visit, diet=text)
    assert response.status_code == 303
    assert len(revealed(client, run, visit).diet) == 1000


def test_control_characters_are_dropped_not_stored(client, visit, as_candidate, run):
    response = post(client, visit, diet="Gluten\x00free\x07", note="Tab\there")
    assert response.status_code == 303
    prefs = revealed(client, run, visit)
    assert prefs.diet == "Glutenfree" and prefs.note == "Tab\there"


def test_reschedule_needs_a_reason(client, visit, as_candidate, run):
    response = post(client, visit, attendance="reschedule", reschedule_reason="   ", diet="Halal")
    assert response.status_code == 422
    assert 'id="reschedule_reason-error"' in response.text
    assert "Tell us why you need to reschedule" in response.text
    assert 'value="reschedule" checked' in response.text and ">Halal</textarea>" in response.text
    assert revealed(client, run, visit) is None


def test_reschedule_with_a_reason_is_saved(client, visit, as_candidate, run):
    response = post(client, visit, attendance="reschedule", reschedule_reason="A funeral")
    assert response.status_code == 303
    prefs = revealed(client, run, visit)
    assert prefs.attendance is Attendance.RESCHEDULE and prefs.reschedule_reason == "A funeral"


def test_a_reason_without_rescheduling_is_not_kept(client, visit, as_candidate, run):
    post(client, visit, attendance="confirmed", reschedule_reason="Changed my mind")
    assert revealed(client, run, visit).reschedule_reason == ""


@pytest.mark.parametrize(("field", "value"), [("attendance", "maybe"), ("travel_mode", "jetpack")])
def test_unknown_choice_is_refused_beside_the_field(client, visit, as_candidate, run, field, value):
    response = post(client, visit, **{**ANSWERS, field: value})
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text and "Choose one of the options." in response.text
    assert revealed(client, run, visit) is None


def test_injected_fields_are_ignored(client, visit, people, as_candidate, run):
    other = run(lambda db: create_visit(db, candidate=people["other"]))
    response = post(
        client,
        visit,
        **ANSWERS,
        visit_id=str(other.id),
        erased_at="2020-01-01T00:00:00+00:00",
        updated_at="2020-01-01T00:00:00+00:00",
        candidate_id=str(people["other"].id),
    )
    assert response.status_code == 303
    prefs = revealed(client, run, visit)
    assert prefs.erased_at is None
    assert prefs.updated_at == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    assert revealed(client, run, other) is None


# ---- htmx on top -----------------------------------------------------------------------


def test_form_carries_htmx_attributes_and_a_plain_action(client, visit, as_candidate):
    page = client.get(url(visit)).text
    assert f'hx-post="{url(visit)}"' in page and 'hx-target="#preferences"' in page
    assert f'action="{url(visit)}"' in page and 'name="csrf_token"' in page


def test_htmx_post_gets_the_form_fragment_with_the_saved_message(client, visit, as_candidate, run):
    response = post(client, visit, headers=HX, **ANSWERS)
    assert response.status_code == 200
    assert "<html" not in response.text and '<div id="preferences">' in response.text
    assert "Saved — HR can see your answers." in response.text
    assert ">Vegetarian, no nuts please</textarea>" in response.text
    assert "HX-Request" in response.headers["vary"]
    assert revealed(client, run, visit).diet == "Vegetarian, no nuts please"


def test_htmx_post_with_an_error_gets_the_fragment_with_422(client, visit, as_candidate):
    response = post(client, visit, headers=HX, attendance="reschedule")
    assert response.status_code == 422
    assert "<html" not in response.text and 'id="reschedule_reason-error"' in response.text


# ---- locked once the visit starts, and for a cancelled visit ------------------------------


def test_after_the_start_the_answers_are_read_only(client, visit, as_candidate, run, clock):
    post(client, visit, **ANSWERS)
    clock.now = visit.starts_at
    page = client.get(url(visit)).text
    assert "Your visit has started, so your answers can no longer be changed" in page
    assert "Vegetarian, no nuts please" in page
    assert "<textarea" not in page and f'action="{url(visit)}"' not in page


def test_post_after_the_start_is_refused_with_409(client, visit, as_candidate, run, clock):
    post(client, visit, **ANSWERS)
    before = len(queued(run))
    clock.now = visit.starts_at
    response = post(client, visit, **{**ANSWERS, "diet": "Vegan"})
    assert response.status_code == 409
    assert "Your answers were not saved." in response.text
    assert "Your visit has started" in response.text
    assert revealed(client, run, visit).diet == "Vegetarian, no nuts please"
    assert len(queued(run)) == before


def test_post_after_the_start_is_refused_even_when_invalid(client, visit, as_candidate, clock):
    clock.now = visit.starts_at
    response = post(client, visit, attendance="reschedule")
    assert response.status_code == 409


def test_htmx_post_after_the_start_asks_for_a_reload(client, visit, as_candidate, clock):
    clock.now = visit.starts_at
    response = post(client, visit, headers=HX, **ANSWERS)
    assert response.status_code == 409 and response.headers["HX-Refresh"] == "true"


def test_a_minute_before_the_start_answers_can_still_change(client, visit, as_candidate, clock):
    clock.now = visit.starts_at.replace(minute=29)
    assert post(client, visit, **ANSWERS).status_code == 303


def test_cancelled_visit_has_nothing_to_answer(client, people, login_as, run):
    visit = run(lambda db: create_visit(db, candidate=people["candidate"], status="cancelled"))
    login_as(people["candidate"])
    page = client.get(url(visit))
    assert page.status_code == 200
    assert "This visit has been cancelled, so there is nothing to answer." in page.text
    assert "<textarea" not in page.text
    response = post(client, visit, **ANSWERS)
    assert response.status_code == 409
    assert "Your answers were not saved." in response.text and "cancelled" in response.text
    assert revealed(client, run, visit) is None and queued(run) == []
