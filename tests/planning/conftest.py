"""People and helpers for the planning tests."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import get_csrf
from tests.factories import create_user


@pytest.fixture
def people(run: Any) -> dict[str, Any]:
    async def setup(db: Any) -> dict[str, Any]:
        return {
            "hr": await create_user(db, role="hr", name="Fatima El Amrani"),
            "hr2": await create_user(db, role="hr", name="Yusuf Demir"),
            "noor": await create_user(db, role="employee", name="Noor Bakker"),
            "daan": await create_user(db, role="employee", name="Daan Verhoeven"),
            "employee": await create_user(db, role="employee", name="Eline Jansen"),
            "candidate": await create_user(db, name="Lotte Mulder"),
        }

    result: dict[str, Any] = run(setup)
    return result


VISIT = {
    "candidate_name": "Sam de Vries",
    "candidate_email": "Sam@Example.org",
    "candidate_locale": "nl",
    "position": "Backend developer",
    "department": "Engineering",
    "day": "2026-12-10",
    "start": "09:30",
    "end": "15:00",
    "timezone": "Europe/Amsterdam",
}


def new_visit(client: Any, **fields: Any) -> Any:
    data = {"csrf_token": get_csrf(client, "/hr/visits/new"), **VISIT, **fields}
    return client.post("/hr/visits", data=data)


def visit_id(response: Any) -> str:
    match = re.search(r"/hr/visits/([A-Za-z0-9_-]+)", response.headers["location"])
    assert match, response.headers["location"]
    return match.group(1)


def version(client: Any, public_id: str) -> str:
    page = client.get(f"/hr/visits/{public_id}").text
    match = re.search(r'id="visit-version" name="version" value="(\d+)"', page)
    assert match
    return match.group(1)


def add_item(client: Any, public_id: str, **fields: Any) -> Any:
    data = {
        "csrf_token": get_csrf(client, f"/hr/visits/{public_id}"),
        "version": version(client, public_id),
        "start": "09:30",
        "end": "10:00",
        "kind": "interview",
        "title": "Kennismaking",
        "visible_to_candidate": "on",
        **fields,
    }
    return client.post(f"/hr/visits/{public_id}/items", data=data)
