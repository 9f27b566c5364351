"""HR sets one outcome for several visits at once, from the visit list."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from portal.models import AuditEvent, Outcome, Visit
from portal.privacy.erasure import erase_candidate
from tests.conftest import get_csrf
from tests.factories import create_user, create_visit

LIST = "/hr/visits?since=2026-11-01"
EN = {"Accept-Language": "en"}


def setup(run: Any, login_as: Any, count: int = 3) -> tuple[Any, list[str]]:
    async def go(db: Any) -> tuple[Any, list[str]]:
        hr = await create_user(db, role="hr")
        ids = []
        for n in range(count):
            candidate = await create_user(db, name=f"Bulk Kandidaat {n}")
            visit = await create_visit(
                db, candidate=candidate, start=datetime(2026, 11, 20 + n, 9, tzinfo=UTC)
            )
            ids.append(visit.public_id)
        return hr, ids

    hr, ids = run(go)
    login_as(hr)
    return hr, ids


def outcomes(run: Any) -> dict[str, tuple[Any, Any]]:
    async def get(db: Any) -> dict[str, tuple[Any, Any]]:
        rows = await db.execute(sa.select(Visit.public_id, Visit.outcome, Visit.decided_on))
        return {pid: (outcome, day) for pid, outcome, day in rows}

    found: dict[str, tuple[Any, Any]] = run(get)
    return found


def post(client: Any, visits: list[str], **fields: Any) -> Any:
    data = {"csrf_token": get_csrf(client, LIST), "visits": visits, **fields}
    return client.post("/hr/visits/outcomes", data=data, headers=EN)


def test_the_list_has_a_box_per_visit_and_the_outcome_form(client, run, login_as):
    _hr, ids = setup(run, login_as)
    page = client.get(LIST, headers=EN)
    for pid in ids:
        assert f'name="visits" value="{pid}" form="bulk-outcomes"' in page.text
    assert 'aria-label="Select the visit of Bulk Kandidaat 0"' in page.text
    assert 'id="bulk-outcomes"' in page.text and "Not decided" in page.text
    # The filters travel with the form, so HR comes back to the same list.
    assert '<input type="hidden" name="since" value="2026-11-01">' in page.text


def test_one_outcome_for_the_ticked_visits(client, run, login_as, clock):
    _hr, ids = setup(run, login_as)
    response = post(
        client, ids[:2], outcome="rejected", decided_on="2026-11-30", since="2026-11-01"
    )
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/hr/visits?since=2026-11-01&done=outcomes&changed=2&gone=0")
    found = outcomes(run)
    assert found[ids[0]] == (Outcome.REJECTED, date(2026, 11, 30))
    assert found[ids[1]] == (Outcome.REJECTED, date(2026, 11, 30))
    assert found[ids[2]] == (None, None)
    page = client.get(location, headers=EN)
    assert "The outcome is saved for 2 visits." in page.text
    assert page.text.count("Rejected <small>2026-11-30</small>") == 2

    async def events(db: Any) -> int:
        query = sa.select(sa.func.count()).where(AuditEvent.action == "visit.outcome_set")
        return int(await db.scalar(query))

    assert run(events) == 2
    # The same again changes nothing; a blank day is today; blank outcome clears.
    again = post(client, ids[:2], outcome="rejected", decided_on="2026-11-30")
    assert "changed=0" in again.headers["location"]
    post(client, ids, outcome="hired", decided_on="")
    assert {v for v in outcomes(run).values()} == {(Outcome.HIRED, date(2026, 12, 1))}
    post(client, ids[2:], outcome="", decided_on="")
    assert outcomes(run)[ids[2]] == (None, None)


def test_a_visit_open_elsewhere_is_told_it_changed(client, run, login_as):
    _hr, ids = setup(run, login_as, count=1)
    path = f"/hr/visits/{ids[0]}"
    page = client.get(path)
    version = re.search(r'name="version" value="(\d+)"', page.text)
    assert version
    post(client, ids, outcome="withdrawn", decided_on="2026-11-29")
    response = client.post(
        f"{path}/outcome",
        data={
            "csrf_token": get_csrf(client, path),
            "version": version.group(1),
            "outcome": "hired",
            "decided_on": "",
        },
        headers=EN,
    )
    assert response.status_code == 409
    assert "changed this visit meanwhile" in response.text
    assert outcomes(run)[ids[0]] == (Outcome.WITHDRAWN, date(2026, 11, 29))


def test_bad_input_is_refused_beside_the_field(client, run, login_as):
    _hr, ids = setup(run, login_as)
    nothing = post(client, [], outcome="rejected", since="2026-11-01")
    assert nothing.status_code == 422
    assert "Tick the visits to set the outcome for." in nothing.text
    assert "Bulk Kandidaat 0" in nothing.text  # the list is shown again
    wrong = post(client, ids[:1], outcome="promoted", since="2026-11-01")
    assert wrong.status_code == 422
    assert 'aria-invalid="true" aria-describedby="bulk-outcome-error"' in wrong.text
    # The ticked box stays ticked.
    assert f'value="{ids[0]}" form="bulk-outcomes" id="pick-{ids[0]}"' in wrong.text
    assert re.search(rf'id="pick-{ids[0]}"[^>]*checked', wrong.text)
    for day in ("2026-12-02", "2026-13-01", "٢٠٢٦-١١-٣٠", "2026-11-30\x00"):
        late = post(client, ids[:1], outcome="hired", decided_on=day)
        assert late.status_code == 422, day
        assert "today or earlier" in late.text
    # Not an id at all: as for an unknown visit.
    assert post(client, ["../x"], outcome="hired").status_code == 404
    assert set(outcomes(run).values()) == {(None, None)}


def test_erased_and_unknown_visits_are_counted_not_an_error(client, run, login_as, clock):
    _hr, ids = setup(run, login_as)

    async def erase_first(db: Any) -> None:
        visit = (await db.scalars(sa.select(Visit).where(Visit.public_id == ids[0]))).one()
        await erase_candidate(db, user_id=visit.candidate_id, now=clock(), reason="test")

    run(erase_first)
    response = post(client, [*ids, "NoSuchVisitAtAll"], outcome="rejected")
    assert "changed=2&gone=2" in response.headers["location"]
    page = client.get(response.headers["location"], headers=EN)
    assert "2 visits were no longer there" in page.text


def test_only_hr_may_and_at_most_a_hundred_at_once(client, run, login_as, make_user):
    _hr, ids = setup(run, login_as, count=1)
    many = [f"Fake{n:04d}" for n in range(150)]
    response = post(client, [*many, ids[0]], outcome="hired")
    # A crafted form with more than a page and a bit: the form parser refuses it.
    assert response.status_code in (400, 413)
    assert outcomes(run)[ids[0]] == (None, None)
    login_as(make_user(role="employee"))
    assert post(client, ids, outcome="hired").status_code == 404
    login_as(make_user())
    assert post(client, ids, outcome="hired").status_code == 404
    assert outcomes(run)[ids[0]] == (None, None)
