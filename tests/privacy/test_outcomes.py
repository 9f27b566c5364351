"""An outcome on every visit: HR sets it on the visit's page, the import can bring it."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from portal.imports.service import ImportProblems, import_bytes
from portal.models import AuditEvent, Outcome, Visit
from tests.conftest import get_csrf
from tests.factories import create_user, create_visit
from tests.imports.test_import import BASE


@pytest.fixture
def hr_and_visit(run: Any, login_as: Any) -> tuple[Any, str]:
    async def setup(db: Any) -> tuple[Any, str]:
        hr = await create_user(db, role="hr")
        candidate = await create_user(db, name="Sanne Outcome")
        visit = await create_visit(db, candidate=candidate)
        return hr, visit.public_id

    hr, public_id = run(setup)
    login_as(hr)
    return hr, public_id


def _visit(run: Any, public_id: str) -> Visit:
    async def get(db: Any) -> Visit:
        return (await db.scalars(sa.select(Visit).where(Visit.public_id == public_id))).one()

    result: Visit = run(get)
    return result


def _post(client: Any, public_id: str, run: Any, **fields: str) -> Any:
    path = f"/hr/visits/{public_id}"
    data = {
        "csrf_token": get_csrf(client, path),
        "version": str(_visit(run, public_id).version),
        **fields,
    }
    response = client.post(f"{path}/outcome", data=data)
    assert "/login" not in response.headers.get("location", "")
    return response


def test_hr_sets_an_outcome_decided_today_by_default(client, run, hr_and_visit, clock):
    """A blank day means today; the change is audited and answered with 303."""
    _hr, public_id = hr_and_visit
    response = _post(client, public_id, run, outcome="rejected", decided_on="")
    assert response.status_code == 303
    assert response.headers["location"].endswith("?done=outcome")
    visit = _visit(run, public_id)
    assert visit.outcome == Outcome.REJECTED
    assert visit.decided_on == date(2026, 12, 1)
    page = client.get(f"/hr/visits/{public_id}").text
    assert 'value="rejected" selected' in page

    async def events(db: Any) -> list[AuditEvent]:
        return list(
            await db.scalars(sa.select(AuditEvent).where(AuditEvent.action == "visit.outcome_set"))
        )

    (event,) = run(events)
    assert event.details == {"outcome": "rejected", "decided_on": "2026-12-01"}


def test_an_outcome_changed_later_moves_its_day(client, run, hr_and_visit, clock, login_as):
    hr, public_id = hr_and_visit
    assert (
        _post(client, public_id, run, outcome="withdrawn", decided_on="2026-11-20").status_code
        == 303
    )
    clock.advance(days=10)
    login_as(hr)  # ten days on, the first session has expired
    assert _post(client, public_id, run, outcome="hired", decided_on="").status_code == 303
    visit = _visit(run, public_id)
    assert (visit.outcome, visit.decided_on) == (Outcome.HIRED, date(2026, 12, 11))
    # Back to "not decided yet" clears the day too.
    assert _post(client, public_id, run, outcome="", decided_on="2026-12-11").status_code == 303
    visit = _visit(run, public_id)
    assert (visit.outcome, visit.decided_on) == (None, None)


@pytest.mark.parametrize(
    ("outcome", "day", "field"),
    [
        ("promoted", "", "outcome-error"),
        ("hired", "2026-12-02", "decided_on-error"),  # tomorrow: would postpone the erasure
        ("hired", "1-12-2026", "decided_on-error"),
        ("hired", "2026-02-30", "decided_on-error"),
    ],
)
def test_a_bad_outcome_is_refused_beside_its_field(client, run, hr_and_visit, outcome, day, field):
    _hr, public_id = hr_and_visit
    response = _post(client, public_id, run, outcome=outcome, decided_on=day)
    assert response.status_code == 422
    assert f'id="{field}"' in response.text
    assert _visit(run, public_id).outcome is None


def test_an_outcome_from_an_old_page_is_not_saved(client, run, hr_and_visit):
    _hr, public_id = hr_and_visit
    path = f"/hr/visits/{public_id}"
    data = {"csrf_token": get_csrf(client, path), "version": "0", "outcome": "hired"}
    response = client.post(f"{path}/outcome", data=data)
    assert response.status_code == 409
    assert _visit(run, public_id).outcome is None


def test_the_outcome_form_needs_hr(client, run, login_as, hr_and_visit, make_user):
    _hr, public_id = hr_and_visit
    login_as(make_user("employee"))
    path = f"/hr/visits/{public_id}/outcome"
    data = {"csrf_token": get_csrf(client, "/"), "version": "1", "outcome": "hired"}
    assert client.post(path, data=data).status_code == 404
    assert _visit(run, public_id).outcome is None


# ---- the import --------------------------------------------------------------------------


def _import(run: Any, data: dict[str, Any]) -> Any:
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    return run(lambda db: import_bytes(db, json.dumps(data), now=now))


def _imported(run: Any) -> Visit:
    async def get(db: Any) -> Visit:
        return (await db.scalars(sa.select(Visit).where(Visit.external_id == "ats-4711"))).one()

    result: Visit = run(get)
    return result


def test_the_import_takes_an_outcome_and_keeps_hrs_when_left_out(client, run):
    data = copy.deepcopy(BASE)
    data["visits"][0] |= {"outcome": "hired", "decided_on": "2026-11-28"}
    _import(run, data)
    visit = _imported(run)
    assert (visit.outcome, visit.decided_on) == (Outcome.HIRED, date(2026, 11, 28))
    # The same export without the fields leaves the outcome alone.
    _import(run, copy.deepcopy(BASE))
    assert _imported(run).outcome == Outcome.HIRED
    # null says "no outcome yet".
    data["visits"][0] |= {"outcome": None, "decided_on": None}
    _import(run, data)
    visit = _imported(run)
    assert (visit.outcome, visit.decided_on) == (None, None)


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"outcome": "hired"}, "give both or neither"),
        ({"decided_on": "2026-11-28"}, "give both or neither"),
        ({"outcome": "hired", "decided_on": "28-11-2026"}, "YYYY-MM-DD"),
        ({"outcome": "hired", "decided_on": 1764288000}, "visits[0].decided_on"),
        ({"outcome": "promoted", "decided_on": "2026-11-28"}, "visits[0].outcome"),
    ],
)
def test_the_import_refuses_a_half_or_garbled_outcome(client, run, fields, says):
    data = copy.deepcopy(BASE)
    data["visits"][0] |= fields
    with pytest.raises(ImportProblems) as refused:
        _import(run, data)
    assert says in str(refused.value)
