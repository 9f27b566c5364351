"""Routing: HR hands a question to a colleague, who drafts; HR approves or sends it back."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.models import Question
from tests.conftest import get_csrf
from tests.factories import create_visit


@pytest.fixture
def cast(make_user, run):
    sam = make_user(name="Sam de Vries", email="sam@example.org")
    run(lambda db: create_visit(db, candidate=sam, position="Backend developer"))
    return {
        "sam": sam,
        "hr": make_user(role="hr", name="Fatima El Amrani"),
        "noor": make_user(
            role="employee",
            name="Noor Bakker",
            email="noor@example.com",
            job_title="Engineering manager",
        ),
        "gone": make_user(role="employee", is_active=False),
    }


async def _question(db):
    return await db.scalar(sa.select(Question))


def ask(client, login_as, who, text):
    login_as(who)
    page = client.get("/questions").text
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
    client.post(
        "/questions",
        data={"body": text, "idempotency_key": key, "csrf_token": get_csrf(client, "/questions")},
    )
    client.cookies.clear()


def post(client, path, **data):
    return client.post(path, data={**data, "csrf_token": get_csrf(client, "/")})


def test_the_whole_loop(client, cast, login_as, run, deliver):
    ask(client, login_as, cast["sam"], "Waarom is de vorige collega vertrokken?")
    q = run(_question)
    login_as(cast["hr"])
    inbox = client.get("/hr/questions").text
    assert f'href="/hr/questions/{q.public_id}/route"' in inbox
    form = client.get(f"/hr/questions/{q.public_id}/route").text
    assert (
        f'<option value="{cast["noor"].public_id}">Noor Bakker, Engineering manager</option>'
        in form
    )
    assert cast["gone"].public_id not in form and cast["sam"].public_id not in form
    routed = post(
        client,
        f"/hr/questions/{q.public_id}/route",
        assignee=cast["noor"].public_id,
        note="Graag eerlijk maar kort",
        version="1",
    )
    assert routed.status_code == 303
    client.cookies.clear()
    assert [m.recipient for m in deliver()] == ["noor@example.com"]

    login_as(cast["noor"])
    page = client.get("/me/questions").text
    assert "Waarom is de vorige collega vertrokken?" in page and "Graag eerlijk maar kort" in page
    assert "Sam" in page and "de Vries" not in page and "sam@example.org" not in page
    assert (
        post(
            client, f"/me/questions/{q.public_id}/draft", draft="Ze is verhuisd.", version="2"
        ).status_code
        == 303
    )
    client.cookies.clear()

    login_as(cast["hr"])
    inbox = client.get("/hr/questions").text
    assert "Ze is verhuisd." in inbox  # the draft, ready to approve
    back = post(
        client, f"/hr/questions/{q.public_id}/send-back", note="Iets meer context?", version="3"
    )
    assert back.status_code == 303
    client.cookies.clear()
    login_as(cast["noor"])
    assert "Iets meer context?" in client.get("/me/questions").text
    post(
        client,
        f"/me/questions/{q.public_id}/draft",
        draft="Ze is naar Groningen verhuisd.",
        version="4",
    )
    client.cookies.clear()
    login_as(cast["hr"])
    assert (
        post(
            client,
            f"/hr/questions/{q.public_id}/answer",
            answer="Ze is naar Groningen verhuisd.",
            version="5",
        ).status_code
        == 303
    )
    client.cookies.clear()

    login_as(cast["sam"])
    page = client.get("/questions").text
    assert "Ze is naar Groningen verhuisd." in page
    assert "Noor Bakker" in page and "Engineering manager" in page  # who answered: the colleague
    assert "Graag eerlijk" not in page and "Iets meer context" not in page  # internal notes
    assert deliver()[-1].recipient == "sam@example.org"
    actions = run(_actions)
    for step in (
        "question.asked",
        "question.routed",
        "question.drafted",
        "question.sent_back",
        "question.answered",
    ):
        assert step in actions
    assert "Ze is verhuisd" not in repr(run(_details))  # no message bodies in the audit trail


async def _actions(db):
    from portal.models import AuditEvent

    return list(await db.scalars(sa.select(AuditEvent.action)))


async def _details(db):
    from portal.models import AuditEvent

    return list(await db.scalars(sa.select(AuditEvent.details)))


def test_routing_to_a_deactivated_colleague_is_refused(client, cast, login_as, run):
    ask(client, login_as, cast["sam"], "Een vraag")
    q = run(_question)
    login_as(cast["hr"])
    response = post(
        client, f"/hr/questions/{q.public_id}/route", assignee=cast["gone"].public_id, version="1"
    )
    assert response.status_code == 422
    assert run(_question).status == "received"


def test_colleagues_see_only_questions_routed_to_them(client, cast, make_user, login_as, run):
    ask(client, login_as, cast["sam"], "Een vraag")
    q = run(_question)
    login_as(cast["hr"])
    post(client, f"/hr/questions/{q.public_id}/route", assignee=cast["noor"].public_id, version="1")
    client.cookies.clear()
    login_as(make_user(role="employee"))
    assert "Een vraag" not in client.get("/me/questions").text
    assert (
        post(client, f"/me/questions/{q.public_id}/draft", draft="x", version="2").status_code
        == 404
    )
    for path in ("/route", "/send-back", "/answer"):
        assert post(client, f"/hr/questions/{q.public_id}{path}", version="2").status_code == 404
    client.cookies.clear()
    login_as(cast["sam"])
    assert client.get("/me/questions").status_code == 404


def test_a_draft_for_a_question_hr_answered_meanwhile_is_kept_and_refused(
    client, cast, login_as, run
):
    ask(client, login_as, cast["sam"], "Een vraag")
    q = run(_question)
    login_as(cast["hr"])
    post(client, f"/hr/questions/{q.public_id}/route", assignee=cast["noor"].public_id, version="1")
    post(client, f"/hr/questions/{q.public_id}/answer", answer="Al beantwoord.", version="2")
    client.cookies.clear()
    login_as(cast["noor"])
    response = post(client, f"/me/questions/{q.public_id}/draft", draft="Mijn concept", version="2")
    assert response.status_code == 409 and "Mijn concept" in response.text
    assert run(_question).answer == "Al beantwoord."
