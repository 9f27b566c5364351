"""The inbox's order and filters, page after page, whichever way the query is shaped.

The inbox finds open questions (and those of one colleague or one visit) first and sorts
them, and walks the visits in date order for every other filter (portal.questions.inbox).
Both shapes must give what one sort of everything would: soonest visit first, then the
oldest question, then the id.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from portal.models import Question, QuestionStatus
from portal.questions import inbox
from tests.factories import create_user, create_visit

START = datetime(2026, 12, 3, 8, 30, tzinfo=UTC)
ASKED = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
STATUSES = ["received", "routed", "drafted", "answered", "withdrawn"]


@pytest.fixture
def world(run):
    """Visits on four days (two at the same hour, one long past), in two departments, with
    questions of every status, some asked at the same moment, some with a colleague."""

    async def build(db):
        noor = await create_user(db, role="employee", name="Noor Bakker")
        sem = await create_user(db, role="employee", name="Sem Visser")
        starts = [START, START, START + timedelta(days=1), START - timedelta(days=300)]
        starts.append(START + timedelta(days=2))
        made = []
        for v, start in enumerate(starts):
            candidate = await create_user(db, name=f"Kandidaat {v}")
            department = "Sales" if v % 2 else "Engineering"
            visit = await create_visit(db, candidate=candidate, start=start, department=department)
            for n in range(7):
                number = len(made)
                status = STATUSES[(number * 3 + v) % len(STATUSES)]
                assignee = None
                if status in ("routed", "drafted"):
                    assignee = noor if number % 2 else sem
                elif status == "answered" and number % 3 == 0:
                    assignee = noor
                question = Question(
                    visit_id=visit.id,
                    candidate_id=candidate.id,
                    idempotency_key=f"k{number}",
                    body=f"Q{number}",
                    status=QuestionStatus(status),
                    assignee_id=assignee.id if assignee else None,
                    # Pairs asked at the same moment: the id decides between them.
                    created_at=ASKED + timedelta(hours=(n // 2) * 5 - v),
                )
                db.add(question)
                await db.flush()
                made.append(
                    {
                        "body": question.body,
                        "id": question.id,
                        "status": status,
                        "assignee": assignee.public_id if assignee else None,
                        "department": department,
                        "visit": visit.public_id,
                        "key": (start, question.created_at, question.id),
                    }
                )
        return made, noor, [v["visit"] for v in made[::7]]

    return run(build)


def expected(made, **f) -> list[str]:
    status = f.get("status", "open")
    chosen = [
        q
        for q in made
        if (
            (status == "open" and q["status"] in ("received", "routed", "drafted"))
            or q["status"] == status
            or status not in ["open", *STATUSES]
        )
        and (not f.get("department") or q["department"] == f["department"])
        and (not f.get("visit") or q["visit"] == f["visit"])
        and (
            not f.get("assignee")
            or (f["assignee"] == "nobody" and q["assignee"] is None)
            or q["assignee"] == f["assignee"]
        )
    ]
    return [q["body"] for q in sorted(chosen, key=lambda q: q["key"])]


def shown(client, **params) -> list[str]:
    """Every page of the inbox for ``params``, in order."""
    bodies: list[str] = []
    page = 1
    while True:
        html = client.get("/hr/questions", params={**params, "page": str(page)}).text
        bodies += re.findall(r'<blockquote class="question-body">(Q\d+)</blockquote>', html)
        if f"page={page + 1}" not in html:  # no "Next page" link
            return bodies
        page += 1


def test_every_filter_gives_the_order_of_one_sort_over_every_page(
    client, world, make_user, login_as, monkeypatch
):
    made, noor, visits = world
    monkeypatch.setattr(inbox, "PAGE_SIZE", 4)  # several pages, and a page break in a tie
    login_as(make_user(role="hr"))
    cases = [
        {},
        *({"status": s} for s in ["open", *STATUSES, "everything"]),
        {"department": "Sales"},
        {"status": "answered", "department": "Engineering"},
        {"assignee": "nobody"},
        {"status": "withdrawn", "assignee": "nobody"},
        {"assignee": noor.public_id},
        {"status": "answered", "assignee": noor.public_id},
        {"visit": visits[3]},
        {"status": "answered", "visit": visits[0]},
        {"status": "received", "department": "Sales", "assignee": "nobody"},
    ]
    for params in cases:
        want = expected(made, **params)
        assert want, params  # each case shows something
        assert shown(client, **params) == want, params
