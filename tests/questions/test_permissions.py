"""Every role against every question route: what they may not see answers 404."""

from __future__ import annotations

import pytest

from portal.models import Question, QuestionStatus
from tests.conftest import get_csrf
from tests.factories import create_user, create_visit

pytestmark = pytest.mark.one_database

# (method, path) → the status each role gets. "owner" is the question's candidate,
# "assignee" the colleague it was routed to; 2xx/3xx collapse to "ok".
MATRIX = {
    ("GET", "/questions"): {
        "owner": "ok",
        "candidate": "ok",
        "assignee": 404,
        "employee": 404,
        "hr": 404,
    },
    ("POST", "/questions/{id}/edit"): {
        "owner": "ok",
        "candidate": 404,
        "assignee": 404,
        "employee": 404,
        "hr": 404,
    },
    ("POST", "/questions/{id}/withdraw"): {
        "owner": "ok",
        "candidate": 404,
        "assignee": 404,
        "employee": 404,
        "hr": 404,
    },
    ("GET", "/hr/questions"): {
        "owner": 404,
        "candidate": 404,
        "assignee": 404,
        "employee": 404,
        "hr": "ok",
    },
    ("POST", "/hr/questions/{id}/answer"): {
        "owner": 404,
        "candidate": 404,
        "assignee": 404,
        "employee": 404,
        "hr": "ok",
    },
    ("GET", "/hr/questions/{id}/route"): {
        "owner": 404,
        "candidate": 404,
        "assignee": 404,
        "employee": 404,
        "hr": "ok",
    },
    ("POST", "/hr/questions/{id}/route"): {
        "owner": 404,
        "candidate": 404,
        "assignee": 404,
        "employee": 404,
        "hr": "ok",
    },
    ("POST", "/hr/questions/{id}/send-back"): {
        "owner": 404,
        "candidate": 404,
        "assignee": 404,
        "employee": 404,
        "hr": "ok",
    },
    ("GET", "/me/questions"): {
        "owner": 404,
        "candidate": 404,
        "assignee": "ok",
        "employee": "ok",
        "hr": "ok",
    },
    ("POST", "/me/questions/{id}/draft"): {
        "owner": 404,
        "candidate": 404,
        "assignee": "ok",
        "employee": 404,
        "hr": 404,
    },
}


def test_the_matrix_covers_every_question_route(app):
    routes = {
        (method, route.path)
        for route in app.routes
        for method in (getattr(route, "methods", None) or [])
        if method != "HEAD" and "questions" in getattr(route, "path", "")
    }
    routes.discard(("POST", "/questions"))  # asking: covered by test_questions.py
    assert routes == set(MATRIX)


@pytest.mark.parametrize("role", ["owner", "candidate", "assignee", "employee", "hr"])
@pytest.mark.parametrize(("method", "path"), sorted(MATRIX))
def test_role_against_route(client, run, login_as, role, method, path):
    async def setup(db):
        owner = await create_user(db, name="Sam de Vries")
        other = await create_user(db)
        assignee = await create_user(db, role="employee")
        employee = await create_user(db, role="employee")
        hr = await create_user(db, role="hr")
        visit = await create_visit(db, candidate=owner)
        await create_visit(db, candidate=other)
        question = Question(
            visit_id=visit.id,
            candidate_id=owner.id,
            idempotency_key="k",
            body="Vraag",
            status=QuestionStatus.DRAFTED,
            assignee_id=assignee.id,
            draft="Concept",
        )
        db.add(question)
        await db.flush()
        people = {
            "owner": owner,
            "candidate": other,
            "assignee": assignee,
            "employee": employee,
            "hr": hr,
        }
        return people, question

    people, question = run(setup)
    login_as(people[role])
    url = path.replace("{id}", question.public_id)
    if method == "GET":
        response = client.get(url)
    else:
        data = {
            "csrf_token": get_csrf(client, "/"),
            "version": str(question.version),
            "body": "Nieuw",
            "answer": "Antwoord",
            "draft": "Concept 2",
            "note": "n",
            "assignee": people["employee"].public_id,
        }
        response = client.post(url, data=data)
    expected = MATRIX[(method, path)][role]
    if expected == "ok":
        assert response.status_code in (200, 303), response.status_code
    else:
        assert response.status_code == expected
        assert "Vraag" not in response.text  # nothing of the question leaks


@pytest.mark.parametrize(("method", "path"), sorted(MATRIX))
def test_signed_out_visitors_are_sent_to_sign_in(client, method, path):
    url = path.replace("{id}", "x")
    if method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, data={"csrf_token": get_csrf(client)})
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
