"""The candidate's pages cost the same number of SQL statements whatever the data.

The visit page and /stories have their own tests (tests/visits/test_visit_page.py,
tests/stories/test_reader.py); these pin the other two pages the benchmark loads: the
candidate's questions and the page of a person on their agenda. Each page is loaded with
a little and with a lot behind it; the counts must be equal, and small.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal.models import Question, QuestionStatus
from tests.factories import create_visit

STATES = [
    QuestionStatus.RECEIVED,
    QuestionStatus.ROUTED,
    QuestionStatus.DRAFTED,
    QuestionStatus.ANSWERED,
    QuestionStatus.WITHDRAWN,
]


def _candidate_with(run, make_user, *, visits: int, questions: int, people: int):
    candidate = make_user(name="Sam de Vries")
    staff = [make_user(role="employee") for _ in range(people)]
    hr = make_user(role="hr")

    async def write(db):
        made = []
        for n in range(visits):
            start = datetime(2026, 12, 3, 8, 30, tzinfo=UTC) + timedelta(days=7 * n)
            made.append(
                await create_visit(
                    db, candidate=candidate, items=4, interviewers=staff, start=start
                )
            )
        for n in range(questions):
            status = STATES[n % len(STATES)]
            answered = status is QuestionStatus.ANSWERED
            db.add(
                Question(
                    visit_id=made[n % len(made)].id,
                    candidate_id=candidate.id,
                    idempotency_key=f"key-{n}",
                    body=f"Vraag {n}: hoe ziet een gewone werkdag eruit?",
                    status=status,
                    assignee_id=staff[0].id if status is QuestionStatus.ROUTED else None,
                    answer="Zo." if answered else "",
                    answered_by_id=hr.id if answered else None,
                    answered_at=datetime(2026, 12, 1, tzinfo=UTC) if answered else None,
                )
            )
        await db.flush()
        return made

    made = run(write)
    return candidate, staff, made


@pytest.mark.parametrize("path", ["/questions", "/people/{person}"])
def test_the_page_costs_the_same_queries_with_little_or_much_behind_it(
    client, run, make_user, login_as, count_queries, path
):
    counts = []
    for visits, questions, people in ((1, 1, 1), (4, 40, 8)):
        client.cookies.clear()
        candidate, staff, _made = _candidate_with(
            run, make_user, visits=visits, questions=questions, people=people
        )
        login_as(candidate)
        url = path.format(person=staff[0].public_id)
        assert client.get(url).status_code == 200  # warm: the first request may differ
        with count_queries() as queries:
            page = client.get(url)
        assert page.status_code == 200
        if path == "/questions":
            # Every question of theirs is listed but the withdrawn ones.
            shown = [n for n in range(questions) if f"Vraag {n}:" in page.text]
            assert shown == [n for n in range(questions) if STATES[n % 5] != "withdrawn"]
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 5, counts
