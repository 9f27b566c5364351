"""HR's busiest pages cost a fixed number of queries, whatever the amount of data.

The dashboard, the question inbox with each of its filters, a question's route page and
the visit search, first with a little data and then with ten times more of everything:
visits, questions of every status, colleagues, candidates due for erasure.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from portal.models import Question, QuestionStatus, User, Visit
from tests.factories import create_user, create_visit

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
STATUSES = list(QuestionStatus)
WITH_COLLEAGUE = (QuestionStatus.ROUTED, QuestionStatus.DRAFTED)

# The session (with its user) is the first query of each.
PAGES = {
    # the counts with the failed e-mails, the soonest visits, the erasures
    "/hr": 4,
    # the page of questions, then the filters' departments and colleagues
    "/hr/questions": 3,
    "/hr/questions?status=received": 3,
    "/hr/questions?status=routed": 3,
    "/hr/questions?status=drafted": 3,
    "/hr/questions?status=answered": 3,
    "/hr/questions?status=withdrawn": 3,
    "/hr/questions?status=everything": 3,
    "/hr/questions?department=Sales": 3,
    "/hr/questions?assignee=nobody": 3,
    "/hr/questions?assignee={colleague}": 3,
    "/hr/questions?visit={visit}": 3,
    "/hr/questions?page=2": 3,
    # the question with its people, the colleagues
    "/hr/questions/{question}/route": 3,
    # one page of visits with their candidates and offices
    "/hr/visits?q=jansen": 2,
    "/hr/visits?q={email}": 2,
}


def add(run, batch: int, size: int) -> dict[str, str]:
    """``size`` visits (in the coming fortnight and long ago) with questions of every
    status, a colleague per visit, and candidates whose data is erased soon."""

    async def go(db):
        colleague: User | None = None
        visit: Visit | None = None
        question: Question | None = None
        candidate: User | None = None
        for n in range(size):
            colleague = await create_user(db, role="employee", name=f"Collega {batch}-{n}")
            candidate = await create_user(db, name=f"Kandidaat {batch}-{n} Jansen")
            start = NOW + timedelta(hours=5 * n + 1) if n % 2 else NOW - timedelta(days=90 + n)
            department = "Sales" if n % 3 else "Engineering"
            visit = await create_visit(db, candidate=candidate, start=start, department=department)
            for k, status in enumerate(STATUSES * 2):
                question = Question(
                    visit_id=visit.id,
                    candidate_id=candidate.id,
                    idempotency_key=f"b{batch}-{n}-{k}",
                    body=f"Vraag {k}",
                    status=status,
                    # With a colleague: every draft, and half the others.
                    assignee_id=colleague.id if k % 2 or status in WITH_COLLEAGUE else None,
                    created_at=NOW - timedelta(days=k + 1),
                )
                db.add(question)
            gone = await create_user(db, name=f"Vertrekt {batch}-{n}")
            await create_visit(
                db,
                candidate=gone,
                start=NOW - timedelta(days=40),
                outcome="rejected",
                decided_on=date(2026, 11, 10),
            )
        await db.flush()
        assert colleague and visit and question and candidate
        return {
            "colleague": colleague.public_id,
            "visit": visit.public_id,
            "question": question.public_id,
            "email": candidate.email,
        }

    found: dict[str, str] = run(go)
    return found


@pytest.fixture
def hr(make_user, login_as, clock):
    clock.now = NOW
    login_as(make_user(role="hr"))


def test_each_hr_page_costs_the_same_queries_with_ten_times_the_data(
    client, run, hr, count_queries
):
    def counts(ids: dict[str, str]) -> dict[str, int]:
        seen = {}
        for page in PAGES:
            with count_queries() as queries:
                response = client.get(page.format(**ids))
            assert response.status_code == 200, page
            seen[page] = len(queries)
        return seen

    few = counts(add(run, 1, 3))
    many = counts(add(run, 2, 30))
    assert few == many == PAGES
