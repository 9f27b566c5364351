"""HR's dashboard at /hr: the coming two weeks and how ready each candidate is."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from portal.models import (
    Attendance,
    Question,
    QuestionStatus,
    Visit,
    VisitPreferences,
    VisitStatus,
)
from tests.factories import create_story, create_user, create_visit

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # a Tuesday; 10:00 in Amsterdam


def add_visit(run, name: str, start: datetime, **fields: Any) -> Visit:
    async def go(db):
        candidate = await create_user(db, name=name)
        return await create_visit(db, candidate=candidate, start=start, items=1, **fields)

    visit: Visit = run(go)
    return visit


def add_question(db, visit: Visit, key: str, **fields: Any) -> None:
    db.add(
        Question(
            visit_id=visit.id,
            candidate_id=visit.candidate_id,
            idempotency_key=key,
            body="Is er parkeerplek?",
            **fields,
        )
    )


@pytest.fixture
def as_hr(make_user, login_as, clock):
    """Signed in as HR, reading English; the clock on Tuesday 1 December, 09:00 UTC."""
    clock.now = NOW
    login_as(make_user(role="hr", locale="en"))


def row(page: str, name: str) -> str:
    """The table row of the candidate called ``name``."""
    rows = [part.split("</tr>")[0] for part in page.split('<tr id="visit-')[1:]]
    found = [r for r in rows if f">{name}</a>" in r]
    assert len(found) == 1, f"{name} is not on the page"
    return found[0]


@pytest.mark.parametrize(
    ("role", "status"), [("hr", 200), ("admin", 200), ("employee", 404), ("candidate", 404)]
)
def test_only_hr_and_admins_see_the_dashboard(client, make_user, login_as, role, status):
    login_as(make_user(role=role))
    assert client.get("/hr").status_code == status


def test_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get("/hr")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fhr"


def test_shows_today_to_fourteen_days_ahead_soonest_first(client, run, as_hr):
    # Amsterdam is UTC+1 in December: its day starts at 23:00 UTC the day before.
    add_visit(run, "Gisteren Kandidaat", NOW - timedelta(days=1))
    add_visit(run, "Gisteravond Kandidaat", datetime(2026, 11, 30, 22, 30, tzinfo=UTC))
    add_visit(run, "Vannacht Kandidaat", datetime(2026, 11, 30, 23, 30, tzinfo=UTC))
    add_visit(run, "Veertien Kandidaat", NOW + timedelta(days=14))
    add_visit(run, "Vijftien Kandidaat", NOW + timedelta(days=15))
    add_visit(run, "Morgen Kandidaat", NOW + timedelta(days=1))
    page = client.get("/hr").text
    assert "Gisteren Kandidaat" not in page
    assert "Gisteravond Kandidaat" not in page
    assert "Vijftien Kandidaat" not in page
    shown = ["Vannacht Kandidaat", "Morgen Kandidaat", "Veertien Kandidaat"]
    assert [page.index(name) for name in shown] == sorted(page.index(name) for name in shown)
    assert "<caption>" in page and 'scope="row"' in page


def test_empty_window_says_so(client, as_hr):
    page = client.get("/hr").text
    assert "No visits in the coming two weeks." in page


def test_uninvited_visit_is_flagged_and_counted(client, run, as_hr):
    visit = add_visit(run, "Nieuwe Kandidaat", NOW + timedelta(days=8))
    page = client.get("/hr").text
    line = row(page, "Nieuwe Kandidaat")
    assert "Not invited yet" in line
    assert "Not signed in yet" in line
    assert "Attendance: no answer yet" in line
    assert "Diet and accessibility: no answer yet" in line
    assert f'href="/hr/visits/{visit.public_id}"' in page
    assert "Visits without an invitation: 1" in page


def test_invited_and_signed_in_visit(client, run, as_hr):
    add_visit(
        run,
        "Actieve Kandidaat",
        NOW + timedelta(days=8),
        invited_at=datetime(2026, 11, 28, 9, 0, tzinfo=UTC),
        first_signed_in_at=datetime(2026, 11, 29, 18, 0, tzinfo=UTC),
    )
    page = client.get("/hr").text
    line = row(page, "Actieve Kandidaat")
    assert "Invited Nov 28, 2026" in line
    assert "Not invited yet" not in line
    assert "Signed in" in line and "Not signed in yet" not in line
    assert "Visits without an invitation: 0" in page


@pytest.mark.parametrize(
    ("attendance", "text"),
    [
        (Attendance.CONFIRMED, "Attendance confirmed"),
        (Attendance.RESCHEDULE, "Asked to reschedule"),
        (Attendance.UNANSWERED, "Attendance: no answer yet"),
    ],
)
def test_attendance_as_the_candidate_answered(client, run, as_hr, attendance, text):
    visit = add_visit(run, "Antwoord Kandidaat", NOW + timedelta(days=8))

    async def answer(db):
        db.add(VisitPreferences(visit_id=visit.id, attendance=attendance))

    run(answer)
    line = row(client.get("/hr").text, "Antwoord Kandidaat")
    assert text in line
    # Saving the form, even with nothing to tell, answers diet and accessibility.
    assert "Diet and accessibility answered" in line


def test_diet_and_accessibility_text_never_shown(client, run, as_hr):
    visit = add_visit(run, "Privé Kandidaat", NOW + timedelta(days=8))

    async def answer(db):
        db.add(
            VisitPreferences(
                visit_id=visit.id,
                diet="Halal, notenallergie",
                accessibility="Rolstoel, graag een rustige ruimte",
                reschedule_reason="Ziekenhuisafspraak",
                note="Persoonlijke noot",
            )
        )

    run(answer)
    page = client.get("/hr").text
    assert "Diet and accessibility answered" in row(page, "Privé Kandidaat")
    for secret in ("Halal", "notenallergie", "Rolstoel", "rustige", "Ziekenhuis", "noot"):
        assert secret not in page


def test_no_questions_flagged_only_within_three_working_days(client, run, as_hr):
    add_visit(run, "Vrijdag Kandidaat", datetime(2026, 12, 4, 9, 0, tzinfo=UTC))  # 3 working days
    add_visit(run, "Maandag Kandidaat", datetime(2026, 12, 7, 9, 0, tzinfo=UTC))  # 4 working days
    page = client.get("/hr").text
    assert "No questions yet" in row(page, "Vrijdag Kandidaat")
    later = row(page, "Maandag Kandidaat")
    assert "No questions yet" not in later
    assert "Questions asked: 0" in later


def test_questions_asked_and_waiting_link_to_the_inbox(client, run, as_hr):
    visit = add_visit(run, "Vragende Kandidaat", NOW + timedelta(days=2))

    async def ask(db):
        add_question(db, visit, "a")
        add_question(db, visit, "b", status=QuestionStatus.ROUTED)
        add_question(db, visit, "c", status=QuestionStatus.ANSWERED)
        add_question(db, visit, "d", status=QuestionStatus.WITHDRAWN)

    run(ask)
    line = row(client.get("/hr").text, "Vragende Kandidaat")
    assert "Questions asked: 3" in line
    assert "No questions yet" not in line
    assert f'href="/hr/questions?visit={visit.public_id}&amp;status=open"' in line
    assert "Waiting for an answer: 2" in line


def test_all_answered_shows_no_waiting_link(client, run, as_hr):
    visit = add_visit(run, "Tevreden Kandidaat", NOW + timedelta(days=2))

    async def ask(db):
        add_question(db, visit, "a", status=QuestionStatus.ANSWERED)

    run(ask)
    line = row(client.get("/hr").text, "Tevreden Kandidaat")
    assert "Questions asked: 1" in line
    assert "Waiting for an answer" not in line


def test_running_late_shown_on_the_day_only(client, run, as_hr):
    told = datetime(2026, 12, 1, 8, 40, tzinfo=UTC)  # 09:40 in Amsterdam
    add_visit(
        run,
        "Vandaag Kandidaat",
        NOW + timedelta(hours=1),
        running_late_at=told,
        running_late_minutes=15,
    )
    add_visit(run, "Stille Laatkomer", NOW + timedelta(hours=2), running_late_at=told)
    # Told today about a visit that is tomorrow (moved since): not "late" yet.
    add_visit(
        run,
        "Morgen Laatkomer",
        NOW + timedelta(days=1),
        running_late_at=told,
        running_late_minutes=5,
    )
    page = client.get("/hr").text
    assert "Running late, about 15 min, told at 9:40" in row(page, "Vandaag Kandidaat")
    assert "Running late, told at 9:40" in row(page, "Stille Laatkomer")
    assert "Running late" not in row(page, "Morgen Laatkomer")


def test_cancelled_visit_shown_without_flags(client, run, as_hr):
    add_visit(
        run,
        "Afgezegde Kandidaat",
        NOW + timedelta(days=1),
        status=VisitStatus.CANCELLED,
        running_late_at=NOW,
    )
    page = client.get("/hr").text
    line = row(page, "Afgezegde Kandidaat")
    assert "Visit cancelled" in line
    for flag in ("Not invited yet", "No questions yet", "Running late", "ready-warn"):
        assert flag not in line
    assert "Visits without an invitation: 0" in page


def test_attention_counts_link_to_questions_and_stories(client, run, as_hr, make_user):
    visit = add_visit(run, "Oude Vraag Kandidaat", NOW + timedelta(days=20))  # not listed

    async def setup(db):
        add_question(db, visit, "old", created_at=NOW - timedelta(hours=60))
        add_question(db, visit, "new", created_at=NOW - timedelta(hours=1))
        author = await create_user(db, role="employee")
        await create_story(db, author=author, status="submitted")
        await create_story(db, author=author, status="submitted")

    run(setup)
    page = client.get("/hr").text
    assert "Oude Vraag Kandidaat" not in page
    assert '<a href="/hr/questions">Questions waiting longer than 48 hours: 1</a>' in page
    assert '<a href="/hr/stories">Stories waiting for your review: 2</a>' in page


def test_each_candidate_links_to_the_visit_workspace(client, run, as_hr):
    visit = add_visit(run, "Bewerkbare Kandidaat", NOW + timedelta(days=3))
    page = client.get("/hr").text
    assert f'<a href="/hr/visits/{visit.public_id}">Bewerkbare Kandidaat</a>' in page


def test_hr_start_page_is_the_dashboard(client, as_hr):
    response = client.get("/")
    assert response.status_code == 303 and response.headers["location"] == "/hr"


def _fill(run, count: int) -> None:
    """``count`` visits over the fortnight; every third with answers, every other with questions."""

    async def go(db):
        for n in range(count):
            candidate = await create_user(db)
            visit = await create_visit(
                db, candidate=candidate, start=NOW + timedelta(hours=8 * n + 1), items=1
            )
            if n % 3 == 0:
                db.add(VisitPreferences(visit_id=visit.id, diet="Vegetarisch"))
            if n % 2 == 0:
                add_question(db, visit, f"q{n}")

    run(go)


def test_query_count_does_not_grow_with_the_visits(client, run, as_hr, count_queries):
    _fill(run, 2)
    with count_queries() as few:
        assert client.get("/hr").status_code == 200
    _fill(run, 38)
    with count_queries() as many:
        page = client.get("/hr").text
    assert page.count('<tr id="visit-') == 25  # the soonest; the list has the others
    assert "All 40 visits in the coming two weeks" in page
    # session; the counts (visits, not invited, questions waiting, stories) with the failed
    # e-mails (portal.dashboard.deliveries); the soonest visits with candidate, location,
    # answers and question counts; the visits of the candidates erased within two weeks
    assert len(few) == len(many) == 4, many


def test_query_count_does_not_grow_with_the_candidates_to_be_erased(
    client, run, as_hr, count_queries
):
    for n in range(2):
        add_visit(
            run, f"Vroeg {n}", NOW - timedelta(days=40), outcome="rejected", decided_on=DECIDED
        )
    with count_queries() as few:
        assert client.get("/hr").text.count('<tr id="erasing-') == 2
    for n in range(20):
        add_visit(run, f"Laat {n}", NOW - timedelta(days=40), outcome="hired", decided_on=DECIDED)
    with count_queries() as many:
        assert client.get("/hr").text.count('<tr id="erasing-') == 22
    assert len(few) == len(many) == 4


# Four weeks after this the candidate is erased: Tuesday 8 December, within the fortnight.
DECIDED = date(2026, 11, 10)


def test_candidates_erased_within_two_weeks_are_listed_with_the_day(client, run, as_hr):
    soon = add_visit(
        run, "Binnenkort Weg", NOW - timedelta(days=30), outcome="rejected", decided_on=DECIDED
    )
    add_visit(
        run,
        "Later Weg",
        NOW - timedelta(days=10),
        outcome="rejected",
        decided_on=date(2026, 11, 25),
    )
    # A visit with no outcome ends 26 weeks after its date: this one on 17 November, so
    # the candidate goes on 15 December, the fortnight's last day.
    undecided = add_visit(run, "Nooit Besloten", datetime(2026, 5, 19, 9, tzinfo=UTC))

    async def second_visit(db):
        # Two visits, one still open: not erased, so not listed.
        open_one = await create_user(db, name="Nog Bezig")
        await create_visit(
            db,
            candidate=open_one,
            start=NOW - timedelta(days=30),
            outcome="rejected",
            decided_on=DECIDED,
        )
        await create_visit(db, candidate=open_one, start=NOW + timedelta(days=20))

    run(second_visit)
    page = client.get("/hr").text
    section = page.split('id="erasing-heading"')[1].split("</section>")[0]
    assert "Binnenkort Weg" in section and "Nooit Besloten" in section
    assert "Later Weg" not in section and "Nog Bezig" not in section
    first = section.split(f'<tr id="erasing-{soon.public_id}">')[1].split("</tr>")[0]
    assert "Rejected" in first and '<time datetime="2026-12-08">' in first
    assert f'href="/hr/visits/{soon.public_id}#outcome"' in first
    last = section.split(f'<tr id="erasing-{undecided.public_id}">')[1].split("</tr>")[0]
    assert "Not decided yet" in last and '<time datetime="2026-12-15">' in last
    assert section.index("Binnenkort Weg") < section.index("Nooit Besloten")


def test_no_erasure_list_when_no_one_is_due(client, run, as_hr):
    add_visit(run, "Gewone Kandidaat", NOW + timedelta(days=3))
    assert 'id="erasing-heading"' not in client.get("/hr").text


def test_the_soonest_visits_are_shown_with_a_link_to_all_of_them(client, run, as_hr):
    _fill(run, 30)
    page = client.get("/hr").text
    rows = page.split('<tr id="visit-')[1:]
    assert len(rows) == 25
    assert "the first 25 of 30" in page
    # The visit list has the others, a page at a time in the same order.
    assert 'href="/hr/visits?since=2026-12-01&amp;until=2026-12-15"' in page
    assert "All 30 visits in the coming two weeks" in page


def test_a_quiet_fortnight_has_no_link_to_more(client, run, as_hr):
    _fill(run, 3)
    page = client.get("/hr").text
    assert page.count('<tr id="visit-') == 3
    assert "the first" not in page and "visits in the coming two weeks</a>" not in page


def test_the_soonest_erasures_are_shown_and_all_of_them_on_request(
    client, run, as_hr, count_queries
):
    for n in range(27):
        add_visit(run, f"Weg {n}", NOW - timedelta(days=40), outcome="hired", decided_on=DECIDED)
    with count_queries() as few:
        page = client.get("/hr").text
    assert page.count('<tr id="erasing-') == 25
    assert "The 25 soonest of 27" in page
    assert 'href="/hr?erasing=all#erasing-heading">Show all 27</a>' in page
    with count_queries() as all_of_them:
        page = client.get("/hr", params={"erasing": "all"}).text
    assert page.count('<tr id="erasing-') == 27
    assert "Show all" not in page and "Soonest first" in page
    assert len(few) == len(all_of_them) == 4
