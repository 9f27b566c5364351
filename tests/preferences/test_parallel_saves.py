"""Fifteen saves at once make one "answers changed" e-mail to HR, not fifteen."""

from __future__ import annotations

import asyncio

from portal.jobs import default_jobs
from portal.preferences.service import NOTICE_QUIET, queue_due_preference_notices
from tests.conftest import get_csrf
from tests.parallel import post_in_parallel
from tests.preferences.conftest import ANSWERS, audited, queued, revealed, url


def test_fifteen_parallel_saves_send_hr_one_mail(
    client, visit, as_candidate, run, after_quiet, deliver
):
    csrf = get_csrf(client, url(visit))
    bodies = [{**ANSWERS, "diet": f"Vegetarian ({n})", "csrf_token": csrf} for n in range(15)]
    responses = post_in_parallel(client, url(visit), bodies)
    assert [r.status_code for r in responses] == [303] * 15
    assert queued(run) == []  # nothing yet: the candidate may still be changing things
    assert len(audited(run)) == 15  # every change is on record, by field name
    assert revealed(client, run, visit).diet.startswith("Vegetarian (")
    assert after_quiet() == 1
    assert after_quiet() == 0  # told once
    assert [m.recipient for m in deliver()] == ["fatima@example.com"]


def test_two_workers_at_once_queue_one_notice(client, visit, as_candidate, run, clock):
    client.post(url(visit), data={**ANSWERS, "csrf_token": get_csrf(client, url(visit))})
    clock.now += NOTICE_QUIET
    st = client.app.state

    async def race():
        async def one():
            return await queue_due_preference_notices(st.db, mailer=st.mailer, now=clock())

        return await asyncio.gather(one(), one(), return_exceptions=True)

    results = client.portal.call(race)
    assert sum(r for r in results if isinstance(r, int)) == 1
    assert len(queued(run)) == 1


def test_the_worker_runs_the_notice_job():
    names = {job.__name__ for _every, job in default_jobs()}
    assert "run_preference_notices" in names
