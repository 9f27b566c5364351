"""The day itself: now and next, and "running late" to the host."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from portal.models import Visit
from tests.conftest import get_csrf
from tests.factories import create_visit
from tests.parallel import post_in_parallel

DAY = datetime(2026, 12, 3, 8, 30, tzinfo=UTC)  # 09:30 in Amsterdam


def setup_today(run, make_user, clock, *, host=True):
    candidate = make_user(name="Sam de Vries")
    fatima = (
        make_user(role="hr", name="Fatima El Amrani", email="fatima@example.com") if host else None
    )
    visit = run(
        lambda db: create_visit(
            db, candidate=candidate, items=3, start=DAY, host_id=fatima.id if fatima else None
        )
    )
    clock.now = DAY + timedelta(minutes=50)  # during the second item (09:15 + 45 min)
    return candidate, fatima, visit


def test_day_view_shows_now_and_next(client, run, make_user, login_as, clock):
    candidate, _fatima, _visit = setup_today(run, make_user, clock)
    login_as(candidate)
    page = client.get("/").text
    assert "Vandaag" in page
    now_part = page.split("Nu")[1]
    assert "Gesprek 2" in now_part.split("Hierna")[0] and "Gesprek 3" in now_part


def test_day_view_is_absent_on_other_days(client, run, make_user, login_as, clock):
    candidate, _f, _v = setup_today(run, make_user, clock)
    clock.now = DAY - timedelta(days=1)
    login_as(candidate)
    assert 'name="minutes"' not in client.get("/").text


def test_running_late_tells_the_host_at_once(client, run, make_user, login_as, clock, deliver):
    candidate, _fatima, visit = setup_today(run, make_user, clock)
    login_as(candidate)
    response = client.post(
        f"/visit/{visit.public_id}/late",
        data={"minutes": "15", "csrf_token": get_csrf(client, "/")},
    )
    assert response.status_code == 303
    [mail] = deliver()
    assert mail.recipient == "fatima@example.com"
    assert "Sam de Vries" in mail.subject and "15" in mail.text
    stored = run(
        lambda db: db.scalar(sa.select(Visit.running_late_minutes).where(Visit.id == visit.id))
    )
    assert stored == 15
    assert "ongeveer 15 minuten" in client.get("/").text


def test_running_late_without_a_host_tells_every_hr_person(
    client, run, make_user, login_as, clock, deliver
):
    candidate, _f, visit = setup_today(run, make_user, clock, host=False)
    make_user(role="hr", email="hr1@example.com")
    make_user(role="admin", email="hr2@example.com")
    make_user(role="employee", email="emp@example.com")
    login_as(candidate)
    client.post(
        f"/visit/{visit.public_id}/late", data={"minutes": "", "csrf_token": get_csrf(client, "/")}
    )
    assert sorted(m.recipient for m in deliver()) == ["hr1@example.com", "hr2@example.com"]


def test_running_late_refuses_bad_minutes_and_other_days(
    client, run, make_user, login_as, clock, deliver
):
    candidate, _f, visit = setup_today(run, make_user, clock)
    login_as(candidate)
    bad = client.post(
        f"/visit/{visit.public_id}/late",
        data={"minutes": "lots", "csrf_token": get_csrf(client, "/")},
    )
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    clock.now = DAY + timedelta(days=1)
    late = client.post(
        f"/visit/{visit.public_id}/late", data={"minutes": "5", "csrf_token": get_csrf(client, "/")}
    )
    assert late.status_code == 409
    assert deliver() == []


def test_running_late_on_someone_elses_visit_is_404(client, run, make_user, login_as, clock):
    _c, _f, visit = setup_today(run, make_user, clock)
    login_as(make_user())
    response = client.post(
        f"/visit/{visit.public_id}/late", data={"csrf_token": get_csrf(client, "/")}
    )
    assert response.status_code == 404


def test_hr_sees_that_the_candidate_runs_late(client, run, make_user, login_as, clock):
    candidate, fatima, visit = setup_today(run, make_user, clock)
    login_as(candidate)
    client.post(
        f"/visit/{visit.public_id}/late",
        data={"minutes": "20", "csrf_token": get_csrf(client, "/")},
    )
    client.cookies.clear()
    login_as(fatima)
    page = client.get(f"/visit/{visit.public_id}").text
    assert "20" in page and ("te laat" in page or "late" in page)


def test_pressing_running_late_twice_tells_the_host_once(
    client, run, make_user, login_as, clock, deliver
):
    candidate, _fatima, visit = setup_today(run, make_user, clock)
    login_as(candidate)
    for _ in range(2):
        client.post(
            f"/visit/{visit.public_id}/late",
            data={
                "minutes": "15",
                "next": f"/visit/{visit.public_id}",
                "csrf_token": get_csrf(client, "/"),
            },
        )
    assert len(deliver()) == 1
    clock.advance(minutes=10)
    response = client.post(
        f"/visit/{visit.public_id}/late",
        data={
            "minutes": "30",
            "next": f"/visit/{visit.public_id}",
            "csrf_token": get_csrf(client, "/"),
        },
    )
    assert response.headers["location"] == f"/visit/{visit.public_id}"
    assert len(deliver()) == 2


def _late_minutes(run, visit):
    return run(
        lambda db: db.scalar(sa.select(Visit.running_late_minutes).where(Visit.id == visit.id))
    )


def test_a_new_estimate_within_five_minutes_updates_hr_but_sends_no_second_mail(
    client, run, make_user, login_as, clock, deliver
):
    candidate, _fatima, visit = setup_today(run, make_user, clock)
    login_as(candidate)
    path = f"/visit/{visit.public_id}/late"
    client.post(path, data={"minutes": "10", "csrf_token": get_csrf(client, "/")})
    clock.advance(minutes=4)
    client.post(path, data={"minutes": "25", "csrf_token": get_csrf(client, "/")})
    assert len(deliver()) == 1
    assert _late_minutes(run, visit) == 25  # what HR's pages show is the latest estimate
    clock.advance(minutes=1)  # five minutes after the mail
    client.post(path, data={"minutes": "40", "csrf_token": get_csrf(client, "/")})
    assert len(deliver()) == 2


def test_forty_parallel_presses_send_the_host_one_mail(
    client, run, make_user, login_as, clock, deliver
):
    """Forty presses at once, each with its own estimate: one mail, and the state updated."""
    candidate, _fatima, visit = setup_today(run, make_user, clock)
    login_as(candidate)
    csrf = get_csrf(client, "/")
    bodies = [{"minutes": str(n), "csrf_token": csrf} for n in range(1, 41)]
    responses = post_in_parallel(client, f"/visit/{visit.public_id}/late", bodies)
    assert [r.status_code for r in responses] == [303] * 40
    assert [m.recipient for m in deliver()] == ["fatima@example.com"]
    assert _late_minutes(run, visit) in range(1, 41)
    stamps = run(
        lambda db: db.execute(
            sa.select(Visit.running_late_at, Visit.late_notice_at).where(Visit.id == visit.id)
        )
    ).one()
    assert stamps == (clock.now, clock.now)
