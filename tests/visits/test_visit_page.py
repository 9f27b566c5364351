"""The candidate's visit: what they see, what they never see, and what it costs."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from tests.visits.conftest import visit_for


def test_candidate_home_shows_the_visit_with_agenda_in_order(client, run, people, login_as):
    visit_for(
        run,
        people["candidate"],
        items=3,
        interviewers=[people["noor"]],
        start=datetime(2026, 12, 3, 8, 30, tzinfo=UTC),
    )
    login_as(people["candidate"])
    page = client.get("/").text
    assert "Backend developer" in page
    assert page.index("Gesprek 1") < page.index("Gesprek 2") < page.index("Gesprek 3")
    assert "Noor Bakker" in page and "Engineering manager" in page
    # 08:30 UTC is 09:30 in Amsterdam in December, and the zone is named.
    assert "09:30" in page and "Midden-Europese standaardtijd" in page
    assert "donderdag 3 december 2026" in page


def test_english_page(client, run, people, login_as):
    visit_for(run, people["candidate"], start=datetime(2026, 12, 3, 8, 30, tzinfo=UTC))
    login_as(people["candidate"])
    client.post("/language", data={"locale": "en", "csrf_token": _csrf(client)})
    page = client.get("/").text
    assert '<html lang="en">' in page
    assert "Thursday, December 3, 2026" in page and "Central European Standard Time" in page
    assert "9:30" in page


def _csrf(client):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)


def test_internal_items_and_hidden_staff_never_reach_the_candidate(client, run, people, login_as):
    visit = visit_for(
        run,
        people["candidate"],
        items=2,
        hidden_items=1,
        interviewers=[people["noor"], people["hidden"]],
    )
    login_as(people["candidate"])
    for path in ("/", f"/visit/{visit.public_id}"):
        page = client.get(path).text
        assert "Interne debrief" not in page and "Round 1" not in page
        assert "Jeroen Smit" not in page
        assert "Noor Bakker" in page


def test_hr_sees_internal_items(client, run, people, login_as):
    visit = visit_for(run, people["candidate"], items=2, hidden_items=1)
    login_as(people["hr"])
    page = client.get(f"/visit/{visit.public_id}").text
    assert "Interne debrief" in page


def test_candidate_gets_404_for_another_candidates_visit(client, run, people, login_as):
    theirs = visit_for(run, people["other"])
    mine = visit_for(run, people["candidate"])
    login_as(people["candidate"])
    assert client.get(f"/visit/{mine.public_id}").status_code == 200
    response = client.get(f"/visit/{theirs.public_id}")
    assert response.status_code == 404
    assert "Lotte" not in response.text
    assert client.get("/visit/does-not-exist").status_code == 404


def test_employee_gets_404_for_a_visit_page(client, run, people, login_as):
    visit = visit_for(run, people["candidate"], interviewers=[people["noor"]])
    login_as(people["noor"])
    assert client.get(f"/visit/{visit.public_id}").status_code == 404
    dashboard = client.get("/").text
    assert "Sam" in dashboard and "de Vries" not in dashboard  # first name only


def test_cancelled_visit_says_so(client, run, people, login_as):
    visit_for(run, people["candidate"], status="cancelled")
    login_as(people["candidate"])
    page = client.get("/").text
    assert "geannuleerd" in page or "cancelled" in page


def test_no_visit_yet(client, people, login_as):
    login_as(people["candidate"])
    response = client.get("/")
    assert response.status_code == 200


def test_names_are_escaped(client, run, make_user, login_as):
    candidate = make_user(name="<script>alert(1)</script> Ünal Çelik")
    visit_for(run, candidate, position='Dev "><img src=x onerror=alert(1)>')
    login_as(candidate)
    page = client.get("/").text
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;img src=x" in page


@pytest.mark.parametrize(("items", "interviewers", "stories"), [(2, 1, 0), (20, 6, 12)])
def test_visit_page_costs_the_same_queries_whatever_its_size(
    client, run, make_user, people, login_as, count_queries, items, interviewers, stories
):
    from tests.factories import create_story

    staff = [make_user(role="employee") for _ in range(interviewers)] + [people["hidden"]]
    visit = visit_for(
        run, people["candidate"], items=items, interviewers=staff, host_id=people["hr"].id
    )

    async def write(db):
        for n in range(stories):
            await create_story(db, author=staff[n % len(staff)], title=f"Verhaal {n}")

    run(write)
    login_as(people["candidate"])
    # Session lookup, the visit (with place, host and answers), its agenda, the agenda's
    # people, what ranking needs of the stories online, and (when there are any) the three
    # chosen, whole: five or six, whatever the number of items, people and stories.
    expected = 6 if stories else 5
    with count_queries() as queries:
        page = client.get(f"/visit/{visit.public_id}")
        assert page.status_code == 200
    assert len(queries) == expected, queries
    assert page.text.count('class="story-card"') == min(stories, 3)
    with count_queries() as home_queries:
        assert client.get("/").status_code == 200
    assert len(home_queries) == expected, home_queries
    client.cookies.clear()
    login_as(people["hr"])
    # HR sees no story cards on a visit page: one query fewer.
    with count_queries() as hr_queries:
        assert client.get(f"/visit/{visit.public_id}").status_code == 200
    assert len(hr_queries) == 4, hr_queries
