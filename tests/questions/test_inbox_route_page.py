"""Routing from the inbox: a link per question, and one page with every colleague."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.models import Question, QuestionStatus, StaffProfile
from tests.conftest import get_csrf
from tests.factories import create_user, create_visit


@pytest.fixture
def cast(run):
    async def build(db):
        sam = await create_user(db, name="Sam de Vries")
        visit = await create_visit(db, candidate=sam, department="Sales")
        people = {
            "sam": sam,
            "hr": await create_user(db, role="hr", name="Fatima El Amrani"),
            "anna": await create_user(db, role="employee", name="Anna Smit", job_title="Teamlead"),
            "noor": await create_user(db, role="employee", name="Noor Bakker"),
            "zoe": await create_user(db, role="employee", name="Zoë Jansen", job_title=""),
            "gone": await create_user(db, role="employee", name="Oud Collega", is_active=False),
        }
        # Noor works in the visit's department; Zoë in none.
        for key, department in (("noor", "Sales"), ("zoe", "")):
            profile = await db.get(StaffProfile, people[key].id)
            profile.department = department
        body = "Is er een lease-auto?"
        question = Question(visit_id=visit.id, candidate_id=sam.id, idempotency_key="k", body=body)
        db.add(question)
        await db.flush()
        return people, question

    return run(build)


def test_the_inbox_links_each_question_to_its_route_page_and_lists_no_colleagues(
    client, cast, login_as
):
    people, q = cast
    login_as(people["hr"])
    page = client.get("/hr/questions").text
    link = f'<a href="/hr/questions/{q.public_id}/route" aria-describedby="q-{q.public_id}-title">'
    assert link in page
    assert f'id="q-{q.public_id}-title"' in page  # what the link is about, for a screen reader
    assert 'name="assignee" required' not in page  # no list of colleagues per question
    # The filter still offers every active colleague, once.
    assert page.count(f'value="{people["anna"].public_id}"') == 1


def test_the_route_page_offers_every_active_colleague_the_visits_department_first(
    client, cast, login_as
):
    people, q = cast
    login_as(people["hr"])
    page = client.get(f"/hr/questions/{q.public_id}/route")
    assert page.status_code == 200
    html = page.text
    assert "Is er een lease-auto?" in html and "Sam de Vries" in html
    groups = re.findall(r'<optgroup label="([^"]+)">', html)
    assert groups == ["Sales", "Engineering", "Overig"]  # the visit's department first
    assert f'<option value="{people["anna"].public_id}">Anna Smit, Teamlead</option>' in html
    assert f'<option value="{people["zoe"].public_id}">Zoë Jansen</option>' in html
    assert people["gone"].public_id not in html and people["sam"].public_id not in html
    assert '<option value="">' in html  # nobody chosen for HR by default
    # One form, its fields labelled, posting where the inbox's forms always did.
    assert html.count(f'<form method="post" action="/hr/questions/{q.public_id}/route">') == 1
    assert '<label for="assignee">' in html and '<label for="note">' in html


def test_routing_from_the_page_hands_the_question_over_and_returns_to_the_inbox(
    client, cast, login_as, run
):
    people, q = cast
    login_as(people["hr"])
    csrf = get_csrf(client, f"/hr/questions/{q.public_id}/route")
    data = {"assignee": people["noor"].public_id, "note": "Kort graag", "version": "1"}
    response = client.post(f"/hr/questions/{q.public_id}/route", data={**data, "csrf_token": csrf})
    assert response.status_code == 303 and response.headers["location"] == "/hr/questions"
    routed = run(lambda db: db.scalar(sa.select(Question)))
    assert routed.status == QuestionStatus.ROUTED and routed.assignee_id == people["noor"].id
    # Back on the route page, the colleague and the note are where HR left them.
    html = client.get(f"/hr/questions/{q.public_id}/route").text
    assert f'<option value="{people["noor"].public_id}" selected>Noor Bakker' in html
    assert ">Kort graag</textarea>" in html


def test_a_colleague_who_left_is_refused_beside_the_list_with_the_note_kept(
    client, cast, login_as, run
):
    people, q = cast
    login_as(people["hr"])
    csrf = get_csrf(client, f"/hr/questions/{q.public_id}/route")
    data = {"assignee": people["gone"].public_id, "note": "Mijn notitie", "version": "1"}
    response = client.post(f"/hr/questions/{q.public_id}/route", data={**data, "csrf_token": csrf})
    assert response.status_code == 422
    html = response.text
    assert 'aria-invalid="true" aria-describedby="assignee-error"' in html
    assert 'id="assignee-error"' in html and "Kies een collega die nog actief is." in html
    assert ">Mijn notitie</textarea>" in html
    assert run(lambda db: db.scalar(sa.select(Question.status))) == QuestionStatus.RECEIVED


def test_an_answered_question_can_no_longer_be_routed(client, cast, login_as, run):
    people, q = cast

    async def answer(db):
        (await db.get(Question, q.id)).status = QuestionStatus.ANSWERED

    run(answer)
    login_as(people["hr"])
    html = client.get(f"/hr/questions/{q.public_id}/route").text
    assert "je kunt hem niet meer doorsturen" in html
    assert 'name="assignee"' not in html


def test_an_unknown_question_has_no_route_page(client, cast, login_as):
    people, _q = cast
    login_as(people["hr"])
    assert client.get("/hr/questions/nietbestaand/route").status_code == 404
