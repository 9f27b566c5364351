"""People, visits and helpers for the calendar tests."""

from __future__ import annotations

from typing import Any

import pytest
from icalendar import Calendar

from tests.conftest import get_csrf
from tests.factories import create_user, create_visit
from tests.planning.conftest import version


@pytest.fixture
def people(run: Any) -> dict[str, Any]:
    async def setup(db: Any) -> dict[str, Any]:
        return {
            "candidate": await create_user(db, name="Sam de Vries", locale="nl"),
            "noor": await create_user(
                db, role="employee", name="Noor Bakker", job_title="Engineering manager"
            ),
            "hr": await create_user(db, role="hr", name="Fatima El Amrani"),
        }

    result: dict[str, Any] = run(setup)
    return result


def visit_for(run: Any, candidate: Any, **kw: Any) -> Any:
    return run(lambda db: create_visit(db, candidate=candidate, **kw))


def download(client: Any, public_id: str) -> tuple[bytes, Calendar]:
    """The visit's .ics as the signed-in reader gets it: the raw bytes and the parsed file."""
    response = client.get(f"/visit/{public_id}/calendar.ics")
    assert response.status_code == 200, response.text
    return response.content, Calendar.from_ical(response.content)


def events_by_uid(cal: Calendar) -> dict[str, Any]:
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def hr_post(client: Any, public_id: str, path: str, **data: Any) -> Any:
    """POST a form of HR's visit page, with its CSRF token and the version it shows."""
    data = {
        "csrf_token": get_csrf(client, "/hr/visits"),
        "version": version(client, public_id),
        **data,
    }
    return client.post(f"/hr/visits/{public_id}{path}", data=data)
