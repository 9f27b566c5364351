"""Questions ahead of the visit: the candidate asks, HR answers, the candidate reads."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.models import Question
from tests.conftest import get_csrf
from tests.factories import create_visit


@pytest.fixture
def sam(make_user, run):
    candidate = make_user(name="Sam de Vries", email="sam@example.org")
    run(lambda db: create_visit(db, candidate=candidate))
    return candidate


def form_key(html: str) -> str:
    return re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)


def ask(client, body, key=None, **headers):
    page = client.get("/questions").text
    data = {
        "body": body,
        "idempotency_key": key or form_key(page),
        "csrf_token": get_csrf(client, "/questions"),
    }
    return client.post("/questions", data=data, headers=headers)


async def _questions(db):
    return list(await db.scalars(sa.select(Question)))


def test_candidate_asks_and_sees_the_question_received(client, sam, login_as, run):
    login_as(sam)
    response = ask(client, "Waarom is de vorige collega vertrokken?")
    assert response.status_code == 303
    page = client.get(response.headers["location"]).text
    assert "Waarom is de vorige collega vertrokken?" in page and "Ontvangen" in page
    assert len(run(_questions)) == 1


def test_the_same_form_twice_makes_one_question(client, sam, login_as, run):
    login_as(sam)
    key = form_key(client.get("/questions").text)
    assert ask(client, "Hoe ziet het eerste jaar eruit?", key=key).status_code == 303
    assert ask(client, "Hoe ziet het eerste jaar eruit?", key=key).status_code == 303
    assert len(run(_questions)) == 1


def test_htmx_post_returns_the_list_with_the_new_question(client, sam, login_as):
    login_as(sam)
    response = ask(client, "Welke opleidingen zijn er?", **{"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text and 'id="questions"' in response.text
    assert "Welke opleidingen zijn er?" in response.text


@pytest.mark.parametrize(("body", "message"), [("", "Schrijf je vraag"), ("x" * 2001, "2000")])
def test_bad_questions_come_back_with_a_message_and_the_text(
    client, sam, login_as, run, body, message
):
    login_as(sam)
    response = ask(client, body)
    assert response.status_code == 422
    assert message in response.text and 'aria-invalid="true"' in response.text
    if body:
        assert body in response.text
    assert run(_questions) == []


def test_markup_in_a_question_is_shown_as_text(client, sam, login_as):
    login_as(sam)
    ask(client, "<script>alert(1)</script> **vet**")
    page = client.get("/questions").text
    assert (
        "<script>alert(1)</script>" not in page
        and "&lt;script&gt;alert(1)&lt;/script&gt; **vet**" in page
    )


def answer(client, question, text, version=None):
    page = client.get("/hr/questions").text
    if version is None:
        version = re.search(
            rf'hr/questions/{question.public_id}/answer.*?name="version" value="(\d+)"', page, re.S
        ).group(1)
    return client.post(
        f"/hr/questions/{question.public_id}/answer",
        data={"answer": text, "version": version, "csrf_token": get_csrf(client, "/hr/questions")},
    )


def test_hr_answers_and_the_candidate_reads_it_and_gets_mail(
    client, sam, make_user, login_as, run, deliver
):
    login_as(sam)
    ask(client, "Hoe groot is het team?")
    [question] = run(_questions)
    client.cookies.clear()
    login_as(make_user(role="hr", name="Fatima El Amrani", job_title="Recruiter"))
    inbox = client.get("/hr/questions").text
    assert "Sam de Vries" in inbox and "Hoe groot is het team?" in inbox
    assert answer(client, question, "Zes ontwikkelaars en een product owner.").status_code == 303
    [mail] = deliver()
    assert mail.recipient == "sam@example.org" and "Zes ontwikkelaars" not in mail.text
    client.cookies.clear()
    login_as(sam)
    page = client.get("/questions").text
    assert "Zes ontwikkelaars en een product owner." in page and "Fatima El Amrani" in page
    assert "Beantwoord" in page


def test_two_hr_people_answering_at_once_one_wins_the_other_is_told(
    client, sam, make_user, login_as, run
):
    login_as(sam)
    ask(client, "Is er ruimte voor thuiswerken?")
    [question] = run(_questions)
    client.cookies.clear()
    login_as(make_user(role="hr"))
    assert answer(client, question, "Ja, twee dagen per week.", version="1").status_code == 303
    late = answer(client, question, "Ja, drie dagen.", version="1")
    assert late.status_code == 409
    assert "Ja, drie dagen." in late.text  # the loser's text is kept
    assert run(_questions)[0].answer == "Ja, twee dagen per week."


def test_editing_an_answered_question_is_refused_with_the_text_kept(
    client, sam, make_user, login_as, run
):
    login_as(sam)
    ask(client, "Wat verwacht je in het eerste jaar?")
    [question] = run(_questions)
    run(
        lambda db: db.execute(
            sa.update(Question).values(status="answered", answer="Veel.", version=2)
        )
    )
    response = client.post(
        f"/questions/{question.public_id}/edit",
        data={"body": "Nieuwe tekst", "version": "1", "csrf_token": get_csrf(client, "/questions")},
    )
    assert response.status_code == 409 and "Nieuwe tekst" in response.text


def test_withdraw_before_an_answer(client, sam, login_as, run):
    login_as(sam)
    ask(client, "Mag ik een collega bellen?")
    [question] = run(_questions)
    response = client.post(
        f"/questions/{question.public_id}/withdraw",
        data={"csrf_token": get_csrf(client, "/questions")},
    )
    assert response.status_code == 303
    assert "Mag ik een collega bellen?" not in client.get("/questions").text


def test_permissions(client, sam, make_user, login_as, run):
    login_as(sam)
    ask(client, "Een vraag")
    [question] = run(_questions)
    other = make_user()
    employee = make_user(role="employee")
    client.cookies.clear()
    login_as(other)
    token = get_csrf(client, "/")
    for path in (
        f"/questions/{question.public_id}/edit",
        f"/questions/{question.public_id}/withdraw",
    ):
        assert client.post(path, data={"body": "x", "csrf_token": token}).status_code == 404
    assert client.get("/hr/questions").status_code == 404
    assert "Een vraag" not in client.get("/questions").text
    client.cookies.clear()
    login_as(employee)
    assert client.get("/questions").status_code == 404
    assert client.get("/hr/questions").status_code == 404
    assert (
        client.post(
            f"/hr/questions/{question.public_id}/answer",
            data={"answer": "x", "csrf_token": get_csrf(client, "/")},
        ).status_code
        == 404
    )


def test_no_question_without_a_coming_visit(client, make_user, login_as, run):
    candidate = make_user()
    run(lambda db: create_visit(db, candidate=candidate, status="cancelled"))
    login_as(candidate)
    page = client.get("/questions").text
    assert 'name="body"' not in page
    response = client.post(
        "/questions",
        data={
            "body": "Hallo?",
            "idempotency_key": "k" * 20,
            "csrf_token": get_csrf(client, "/questions"),
        },
    )
    assert response.status_code == 409 and run(_questions) == []


@pytest.mark.parametrize("count", [3, 30])
def test_inbox_costs_the_same_queries_whatever_its_size(
    client, make_user, login_as, run, count_queries, count
):
    async def many(db):
        candidate_ids = []
        for n in range(count):
            from tests.factories import create_user

            person = await create_user(db)
            visit = await create_visit(db, candidate=person)
            db.add(
                Question(
                    visit_id=visit.id,
                    candidate_id=person.id,
                    idempotency_key=f"k{n}",
                    body=f"Vraag {n}",
                )
            )
            candidate_ids.append(person.id)
        return candidate_ids

    run(many)
    login_as(make_user(role="hr"))
    with count_queries() as queries:
        page = client.get("/hr/questions")
    assert page.status_code == 200
    # The session, the page of questions, and the filters' departments and colleagues.
    assert len(queries) <= 3, queries
    assert page.text.count('class="question"') == min(count, 25)
    assert page.text.count('/route"') == min(count, 25)  # a link each, not every colleague


def test_inbox_filters_by_status_department_assignee_and_visit(client, make_user, login_as, run):
    from tests.factories import create_user

    async def setup(db):
        noor = await create_user(db, role="employee", name="Noor Bakker")
        made = {}
        for n, department in enumerate(("Engineering", "Sales")):
            person = await create_user(db, name=f"Kandidaat {department}")
            visit = await create_visit(db, candidate=person, department=department)
            question = Question(
                visit_id=visit.id,
                candidate_id=person.id,
                idempotency_key=f"k{n}",
                body=f"Vraag over {department}",
                assignee_id=noor.id if department == "Sales" else None,
                status="routed" if department == "Sales" else "received",
            )
            db.add(question)
            made[department] = visit
        return noor, made

    noor, visits = run(setup)
    login_as(make_user(role="hr"))

    def shown(**params):
        text = client.get("/hr/questions", params=params).text
        return {d for d in ("Engineering", "Sales") if f"Vraag over {d}" in text}

    assert shown() == {"Engineering", "Sales"}
    assert shown(department="Sales") == {"Sales"}
    assert shown(assignee=noor.public_id) == {"Sales"}
    assert shown(assignee="nobody") == {"Engineering"}
    assert shown(status="routed") == {"Sales"}
    assert shown(status="answered") == set()
    assert shown(visit=visits["Engineering"].public_id) == {"Engineering"}
    assert (
        client.get("/hr/questions", params={"status": "<script>", "page": "x"}).status_code == 200
    )


def test_the_visit_page_leads_to_the_questions(client, sam, login_as):
    login_as(sam)
    page = client.get("/").text
    assert 'href="/questions"' in page and "Stel een vraag" in page


def test_a_quota_of_questions_per_visit(client, sam, login_as, run, monkeypatch):
    from portal.questions import service

    monkeypatch.setattr(service, "MAX_PER_VISIT", 2)
    login_as(sam)
    assert ask(client, "Eerste vraag?").status_code == 303
    assert ask(client, "Tweede vraag?").status_code == 303
    response = ask(client, "Derde vraag?")
    assert response.status_code == 422
    assert "Derde vraag?" in response.text  # the text stays in the form
    assert len(run(_questions)) == 2
