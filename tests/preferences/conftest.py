"""People, a visit and a way to post the preferences form, shared by these tests."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from portal.models import AuditEvent, OutboxEmail, VisitPreferences
from portal.preferences.sealed import Revealed, reveal
from tests.conftest import get_csrf
from tests.factories import create_visit


@pytest.fixture
def people(make_user):
    return {
        "candidate": make_user(name="Sam de Vries", locale="en"),
        "other": make_user(name="Lotte Mulder", locale="en"),
        "employee": make_user(role="employee", name="Noor Bakker", locale="en"),
        "host": make_user(
            role="hr", name="Fatima El Amrani", email="fatima@example.com", locale="en"
        ),
        "hr": make_user(role="hr", name="Daan Visser", email="daan@example.com"),
        "admin": make_user(role="admin", name="Eva de Boer", email="eva@example.com", locale="en"),
    }


@pytest.fixture
def visit(run, people):
    """Sam's visit, hosted by Fatima (HR): starts 2026-12-03 08:30 UTC, the clock says 12-01."""
    return run(
        lambda db: create_visit(db, candidate=people["candidate"], host_id=people["host"].id)
    )


@pytest.fixture
def as_candidate(login_as, people):
    login_as(people["candidate"])


def url(visit: Any) -> str:
    return f"/visit/{visit.public_id}/preferences"


ANSWERS = {
    "attendance": "confirmed",
    "reschedule_reason": "",
    "diet": "Vegetarian, no nuts please",
    "accessibility": "Step-free entrance",
    "travel_mode": "car",
    "needs_parking": "yes",
    "note": "Looking forward to it",
}


def post(client: Any, visit: Any, *, csrf: bool = True, headers: dict | None = None, **fields: str):
    """Post the form like a browser without JavaScript (no HX-* header unless given)."""
    data = {**fields}
    if csrf:
        data["csrf_token"] = get_csrf(client, url(visit))
    return client.post(url(visit), data=data, headers=headers or {})


async def _prefs(db, visit_id):
    return await db.scalar(sa.select(VisitPreferences).where(VisitPreferences.visit_id == visit_id))


def stored(run, visit) -> VisitPreferences | None:
    return run(lambda db: _prefs(db, visit.id))


def revealed(client: Any, run, visit) -> Revealed | None:
    """The stored answers, opened with the app's keyring (the row itself holds tokens)."""
    return reveal(client.app.state.keyring, stored(run, visit))


async def _outbox(db):
    return list(await db.scalars(sa.select(OutboxEmail).order_by(OutboxEmail.id)))


def queued(run) -> list[OutboxEmail]:
    return run(_outbox)


async def _audit(db):
    return list(
        await db.scalars(sa.select(AuditEvent).where(AuditEvent.action == "preferences.updated"))
    )


def audited(run) -> list[AuditEvent]:
    return run(_audit)


@pytest.fixture
def after_quiet(client, clock):
    """Let the answers rest past the quiet period, then run the worker's job once.

    Returns the number of visits HR was told about.
    """
    from portal.jobs import run_preference_notices
    from portal.preferences.service import NOTICE_QUIET

    def go() -> int:
        clock.now += NOTICE_QUIET
        st = client.app.state
        told: int = client.portal.call(lambda: run_preference_notices(st))
        return told

    return go
