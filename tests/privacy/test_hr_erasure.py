"""HR erases a candidate at once, for a request that came by mail or phone."""

from __future__ import annotations

import sqlalchemy as sa

from portal.models import AuditEvent, User, Visit
from tests.conftest import get_csrf
from tests.factories import create_user, create_visit


def _setup(run):
    async def go(db):
        hr = await create_user(db, role="hr", name="Fatima El Amrani")
        sam = await create_user(db, name="Sam de Vries", email="sam.erase@example.org")
        visit = await create_visit(db, candidate=sam)
        other = await create_user(db, name="Lotte Mulder")
        kept = await create_visit(db, candidate=other)
        return hr, sam, visit, kept

    return run(go)


def _erase(client, visit, **fields):
    path = f"/hr/visits/{visit.public_id}"
    data = {"csrf_token": get_csrf(client, path), **fields}
    return client.post(f"{path}/erase-candidate", data=data)


def test_hr_erases_a_candidate_after_ticking_the_box(client, run, login_as):
    hr, sam, visit, kept = _setup(run)
    login_as(hr)
    refused = _erase(client, visit)
    assert refused.status_code == 422 and "Vink het vakje aan" in refused.text
    done = _erase(client, visit, confirm="yes")
    assert done.status_code == 303 and done.headers["location"] == "/hr/visits?done=erased"
    assert (
        "De kandidaat en alles over hen zijn gewist." in client.get(done.headers["location"]).text
    )

    async def left(db):
        users = [u.email for u in await db.scalars(sa.select(User))]
        visits = [v.public_id for v in await db.scalars(sa.select(Visit))]
        events = list(await db.scalars(sa.select(AuditEvent)))
        return users, visits, events

    users, visits, events = run(left)
    assert sam.email not in users and visit.public_id not in visits
    assert kept.public_id in visits  # another candidate's visit is untouched
    by_hr = [e for e in events if e.action == "privacy.erased_by_hr"]
    assert len(by_hr) == 1 and by_hr[0].actor_id == hr.id
    assert all(sam.email not in str(e.details) and sam.name not in str(e.details) for e in events)
    # The visit is gone: its page and a second erasure answer 404, not 500.
    assert client.get(f"/hr/visits/{visit.public_id}").status_code == 404


def test_only_hr_may_erase(client, run, login_as):
    _hr, sam, visit, _kept = _setup(run)

    async def employee(db):
        return await create_user(db, role="employee", name="Noor Bakker")

    login_as(run(employee))
    data = {"csrf_token": get_csrf(client, "/"), "confirm": "yes"}
    answer = client.post(f"/hr/visits/{visit.public_id}/erase-candidate", data=data)
    assert answer.status_code == 404

    async def still(db):
        return await db.get(User, sam.id)

    assert run(still) is not None
