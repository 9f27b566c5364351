"""HR's dashboard: who is unprepared, and what has waited too long."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from portal.models import Question
from portal.questions.service import working_days_ahead
from tests.factories import create_user, create_visit


def test_working_days_skip_the_weekend():
    friday = date(2026, 11, 27)
    assert working_days_ahead(friday, 3) == date(2026, 12, 2)  # Mon, Tue, Wed
    assert working_days_ahead(date(2026, 11, 24), 3) == date(2026, 11, 27)


def test_dashboard_flags_visits_without_questions_and_old_questions(
    client, make_user, login_as, run, clock, count_queries
):
    clock.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # a Tuesday

    async def setup(db):
        quiet = await create_user(db, name="Stille Kandidaat")
        curious = await create_user(db, name="Nieuwsgierige Kandidaat")
        later = await create_user(db, name="Latere Kandidaat")
        await create_visit(db, candidate=quiet, start=clock.now + timedelta(days=2))
        visit = await create_visit(db, candidate=curious, start=clock.now + timedelta(days=2))
        await create_visit(db, candidate=later, start=clock.now + timedelta(days=10))
        db.add(
            Question(
                visit_id=visit.id,
                candidate_id=curious.id,
                idempotency_key="a",
                body="?",
                created_at=clock.now - timedelta(hours=60),
            )
        )
        db.add(
            Question(
                visit_id=visit.id,
                candidate_id=curious.id,
                idempotency_key="b",
                body="?",
                created_at=clock.now - timedelta(hours=1),
            )
        )

    run(setup)
    login_as(make_user(role="hr"))
    with count_queries() as queries:
        page = client.get("/").text
    # session, visits, question counts (one for all), stories waiting for review
    assert len(queries) <= 5, queries
    rows = {
        name: page.split(name)[1].split("</tr>")[0]
        for name in ("Stille Kandidaat", "Nieuwsgierige Kandidaat", "Latere Kandidaat")
    }
    assert "Nog geen vragen" in rows["Stille Kandidaat"]
    assert "2 gesteld, 2 wachtend" in rows["Nieuwsgierige Kandidaat"]
    assert "Nog geen vragen" not in rows["Latere Kandidaat"]  # more than 3 working days away
    assert "1 open vraag/vragen wacht(en) langer dan 48 uur." in page
