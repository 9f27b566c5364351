"""The free-text answers are erased ``retention_days`` after the visit; the choices stay."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from portal.maintenance import purge_expired
from portal.models import Attendance, TravelMode
from tests.factories import create_visit
from tests.preferences.conftest import ANSWERS, post, revealed, url

REASON = {**ANSWERS, "attendance": "reschedule", "reschedule_reason": "A wedding"}


def purge(client, clock, **kw):
    st = client.app.state
    return client.portal.call(lambda: purge_expired(st.db, now=clock(), **kw))


def test_texts_are_kept_until_retention_days_after_the_visit(
    client, visit, as_candidate, run, clock
):
    post(client, visit, **REASON)
    clock.now = visit.ends_at + timedelta(days=7) - timedelta(seconds=1)
    assert purge(client, clock, retention_days=7)["visit_preferences"] == 0
    assert revealed(client, run, visit).diet == "Vegetarian, no nuts please"


def test_texts_are_erased_after_retention_days(client, visit, as_candidate, run, clock):
    post(client, visit, **REASON)
    clock.now = visit.ends_at + timedelta(days=7, seconds=1)
    assert purge(client, clock, retention_days=7)["visit_preferences"] == 1
    prefs = revealed(client, run, visit)
    assert (prefs.diet, prefs.accessibility, prefs.reschedule_reason, prefs.note) == ("",) * 4
    assert prefs.erased_at == clock.now
    # The choices say nothing about health or religion and stay for HR's records.
    assert prefs.attendance is Attendance.RESCHEDULE and prefs.travel_mode is TravelMode.CAR
    assert prefs.needs_parking is True
    # Done once: a later pass finds nothing left to erase and keeps the first date.
    clock.advance(days=1)
    assert purge(client, clock, retention_days=7)["visit_preferences"] == 0
    assert revealed(client, run, visit).erased_at == clock.now - timedelta(days=1)


def test_retention_days_is_honoured(client, visit, as_candidate, run, clock):
    post(client, visit, **ANSWERS)
    clock.now = visit.ends_at + timedelta(days=2, seconds=1)
    assert purge(client, clock)["visit_preferences"] == 0  # the default: 7 days
    assert purge(client, clock, retention_days=2)["visit_preferences"] == 1


def test_other_visits_answers_are_untouched(client, visit, people, login_as, run, clock):
    later = run(
        lambda db: create_visit(
            db, candidate=people["candidate"], start=visit.starts_at + timedelta(days=30)
        )
    )
    login_as(people["candidate"])
    post(client, visit, **ANSWERS)
    post(client, later, **ANSWERS)
    clock.now = visit.ends_at + timedelta(days=8)
    purge(client, clock, retention_days=7)
    assert (
        revealed(client, run, visit).diet == ""
        and revealed(client, run, later).diet == ANSWERS["diet"]
    )


def test_erased_answers_read_as_erased(client, visit, people, login_as, clock):
    login_as(people["candidate"])
    post(client, visit, **ANSWERS)
    clock.now = visit.ends_at + timedelta(days=8)
    purge(client, clock, retention_days=7)
    login_as(people["candidate"])  # the first session has timed out meanwhile
    page = client.get(url(visit)).text
    assert "Vegetarian" not in page and "The written answers were deleted on" in page


def test_housekeeping_passes_the_retention_setting(monkeypatch):
    """PORTAL_RETENTION_DAYS reaches the hourly purge that the worker runs."""
    from portal import jobs

    seen = {}

    async def fake_purge(factory, *, now, retention_days=7):
        seen["retention_days"] = retention_days

    async def fake_seal(factory, *, keyring):
        seen["sealed"] = True

    monkeypatch.setattr(jobs, "purge_expired", fake_purge)
    monkeypatch.setattr(jobs, "seal_legacy", fake_seal)
    state = SimpleNamespace(
        keyring=None,
        db=None,
        clock=lambda: datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
        settings=SimpleNamespace(retention_days=3),
    )
    asyncio.run(jobs.housekeeping(state))
    assert seen == {"retention_days": 3, "sealed": True}
