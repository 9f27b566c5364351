"""Every time someone other than the candidate opens the answers, it is recorded (who,
when, which visit; never what), and HR sees that list on the visit's page."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from portal.models import AuditEvent
from portal.preferences.sealed import READ_ACTION, read_log
from tests.factories import create_visit
from tests.preferences.conftest import ANSWERS, post, url


async def _reads(db: Any) -> list[AuditEvent]:
    query = sa.select(AuditEvent).where(AuditEvent.action == READ_ACTION).order_by(AuditEvent.id)
    return list(await db.scalars(query))


def reads(run: Any) -> list[AuditEvent]:
    return run(_reads)


def answered(client: Any, visit: Any, login_as: Any, people: Any, **fields: str) -> None:
    login_as(people["candidate"])
    assert post(client, visit, **(fields or ANSWERS)).status_code == 303
    client.cookies.clear()


def test_hr_opening_the_answers_is_recorded_without_their_content(
    client, visit, run, login_as, people, clock
):
    answered(client, visit, login_as, people)
    login_as(people["host"])
    page = client.get(f"/visit/{visit.public_id}")
    assert "Vegetarian, no nuts please" in page.text
    [event] = reads(run)
    assert event.actor_id == people["host"].id
    assert (event.subject_type, event.subject_id) == ("visit", visit.public_id)
    assert event.at == clock.now and event.details == {}


def test_each_page_view_is_one_read_per_reader(client, visit, run, login_as, people, clock):
    answered(client, visit, login_as, people)
    login_as(people["host"])
    client.get(f"/visit/{visit.public_id}")
    clock.advance(minutes=5)
    client.get(f"/visit/{visit.public_id}")
    client.cookies.clear()
    login_as(people["admin"])
    client.get(f"/visit/{visit.public_id}")
    assert [e.actor_id for e in reads(run)] == [people["host"].id] * 2 + [people["admin"].id]


def test_the_candidate_reading_their_own_answers_is_not_recorded(
    client, visit, run, login_as, people
):
    answered(client, visit, login_as, people)
    login_as(people["candidate"])
    assert "Vegetarian, no nuts please" in client.get(url(visit)).text
    assert client.get(f"/visit/{visit.public_id}").status_code == 200
    assert reads(run) == []


def test_no_written_answers_no_read(client, visit, run, login_as, people):
    """Only attendance and travel: nothing special-category was shown, nothing to log."""
    answered(client, visit, login_as, people, attendance="confirmed", travel_mode="car")
    login_as(people["host"])
    assert "Will be there" in client.get(f"/visit/{visit.public_id}").text
    assert reads(run) == []


def test_others_cannot_open_them_and_leave_no_read(client, visit, run, login_as, people):
    answered(client, visit, login_as, people)
    for who in ("employee", "other"):
        client.cookies.clear()
        login_as(people[who])
        page = client.get(f"/visit/{visit.public_id}")
        assert "Vegetarian" not in page.text
        assert client.get(url(visit)).status_code == 404
    assert reads(run) == []


def test_hr_sees_who_read_the_answers_newest_first(client, visit, run, login_as, people, clock):
    answered(client, visit, login_as, people)
    login_as(people["host"])
    client.get(f"/visit/{visit.public_id}")
    clock.advance(hours=2)
    client.cookies.clear()
    login_as(people["admin"])
    client.get(f"/visit/{visit.public_id}")
    page = client.get(f"/hr/visits/{visit.public_id}").text
    section = page[page.index('id="answers-read-title"') : page.index('id="history-title"')]
    names = re.findall(r"</time> · ([^<]+)</li>", section)
    assert names == ["Eva de Boer", "Fatima El Amrani"]
    # The reads have their own list: the history does not repeat them.
    history = page[page.index('id="history-title"') :]
    assert READ_ACTION not in history


def test_hr_sees_nobody_yet_before_any_read(client, visit, login_as, people):
    login_as(people["host"])
    page = client.get(f"/hr/visits/{visit.public_id}").text
    section = page[page.index('id="answers-read-title"') : page.index('id="history-title"')]
    assert "Nobody yet." in section


def test_the_read_log_is_per_visit_for_a_candidates_export(
    client, visit, run, login_as, people, clock
):
    later = run(
        lambda db: create_visit(
            db,
            candidate=people["candidate"],
            host_id=people["host"].id,
            start=visit.starts_at.replace(day=10),
        )
    )
    other = run(lambda db: create_visit(db, candidate=people["other"]))
    for v, who in ((visit, "candidate"), (later, "candidate"), (other, "other")):
        login_as(people[who])
        post(client, v, **ANSWERS)
        client.cookies.clear()
    login_as(people["host"])
    for v in (visit, later, other):
        client.get(f"/visit/{v.public_id}")
        clock.advance(minutes=1)
    found = run(lambda db: read_log(db, visit_ids=[visit.public_id, later.public_id]))
    assert [r.visit for r in found] == [later.public_id, visit.public_id]
    assert {r.reader for r in found} == {"Fatima El Amrani"}


def test_hr_reading_the_answers_costs_one_query_more_the_read_event(
    client, visit, login_as, people, count_queries
):
    login_as(people["host"])
    with count_queries() as unanswered:
        assert client.get(f"/visit/{visit.public_id}").status_code == 200
    client.cookies.clear()
    answered(client, visit, login_as, people)
    login_as(people["host"])
    with count_queries() as read:
        assert client.get(f"/visit/{visit.public_id}").status_code == 200
    # The same page plus one INSERT of the read event; the answers come with the visit.
    assert len(read) == len(unanswered) + 1, read
    assert sum(q.lstrip().upper().startswith("INSERT") for q in read) == 1
