"""HR's upload form: the same files as ``portal import``, checked whole, safe to repeat."""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import col

from portal.app import create_app
from portal.models import AuditEvent, Visit
from tests.conftest import get_csrf, make_settings
from tests.imports.test_csv import LUNCH, ROW, table
from tests.imports.test_import import BASE, _counts

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def hr(make_user: Any, login_as: Any) -> Any:
    user = make_user(role="hr", name="Fatima El Amrani", locale="en")
    login_as(user)
    return user


def upload(client: Any, content: bytes | str, name: str = "visits.json") -> Any:
    raw = content.encode() if isinstance(content, str) else content
    return client.post(
        "/hr/import",
        data={"csrf_token": get_csrf(client, "/hr/import")},
        files={"file": (name, raw, "application/octet-stream")},
    )


def test_the_form(client, hr):
    page = client.get("/hr/import")
    assert page.status_code == 200
    text = page.text
    assert 'enctype="multipart/form-data"' in text and 'name="csrf_token"' in text
    assert '<label for="field-file">' in text and 'id="field-file"' in text
    assert 'accept=".json,.csv,application/json,text/csv"' in text
    assert "visit_external_id,candidate_email" in text  # the CSV columns are listed
    assert "Nothing has been imported yet." in text


def test_upload_json_then_again_updates_without_duplicates(client, run, hr):
    raw = (EXAMPLES / "import.json").read_bytes()
    first = upload(client, raw)
    assert first.status_code == 303 and first.headers["location"] == "/hr/import?done=1"
    report = client.get(first.headers["location"]).text
    assert "Visits: 1 new, 0 updated" in report and "Staff: 2 new, 0 updated" in report
    assert run(_counts) == (4, 1, 2)  # HR, two staff, the candidate

    second = upload(client, raw)
    assert second.status_code == 303
    report = client.get(second.headers["location"]).text
    assert "Visits: 0 new, 1 updated" in report and "Staff: 0 new, 2 updated" in report
    assert run(_counts) == (4, 1, 2)

    events = run(
        lambda db: db.scalars(
            sa.select(AuditEvent)
            .where(col(AuditEvent.action) == "import.applied")
            .order_by(col(AuditEvent.id))
        )
    )
    events = list(events)
    assert [e.actor_id for e in events] == [hr.id, hr.id]
    assert events[0].details["format"] == "json" and events[0].details["source"] == "upload"
    assert events[0].details["file"] == "visits.json"
    # Both show in the history, newest first.
    assert report.count("Fatima El Amrani") >= 2


def test_a_csv_is_recognised_by_its_content_not_its_name(client, run, hr):
    upload(client, json.dumps({"staff": BASE["staff"]}), name="staff.csv")  # JSON, named .csv
    response = upload(client, table(ROW, LUNCH), name="export.txt")
    assert response.status_code == 303
    assert "Visits: 1 new, 0 updated" in client.get(response.headers["location"]).text
    assert run(_counts) == (4, 1, 2)


def test_one_bad_row_writes_nothing_and_is_named(client, run, hr):
    upload(client, json.dumps({"staff": BASE["staff"]}))
    before = run(_counts)
    response = upload(client, table(ROW, {**LUNCH, "kind": "party"}), name="export.csv")
    assert response.status_code == 422
    text = response.text
    assert 'role="alert"' in text and "Nothing was imported." in text
    assert "line 3, column kind: Input should be" in text
    assert "export.csv" in text
    assert 'href="#field-file"' in text and 'aria-invalid="true"' in text
    assert run(_counts) == before


def test_every_problem_of_a_json_file_is_listed_with_its_path(client, run, hr):
    broken = copy.deepcopy(BASE)
    broken["visits"][0]["agenda"][0]["kind"] = "party"
    broken["visits"][0]["<b>colour</b>"] = "blue"
    response = upload(client, json.dumps(broken))
    assert response.status_code == 422
    assert "visits[0].agenda[0].kind" in response.text
    # Problems are text: markup in a key name is shown, never run.
    assert "visits[0].&lt;b&gt;colour&lt;/b&gt;: unknown key" in response.text
    assert run(_counts) == (1, 0, 0)


def test_photos_cannot_come_with_an_upload(client, run, hr):
    data = copy.deepcopy(BASE)
    data["staff"][0]["photo"] = "noor.jpg"
    response = upload(client, json.dumps(data))
    assert response.status_code == 422
    assert "staff[0].photo: photos can only be imported from a file" in response.text
    assert run(_counts) == (1, 0, 0)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "Choose a file to import."),
        ({"file": ("empty.csv", b"  \n", "text/csv")}, "This file is empty."),
        ({"file": ("", b"", "application/octet-stream")}, "Choose a file to import."),
    ],
)
def test_no_file_or_an_empty_one(client, hr, files, message):
    response = client.post(
        "/hr/import", data={"csrf_token": get_csrf(client, "/hr/import")}, files=files or None
    )
    assert response.status_code == 422
    assert message in response.text


def test_a_file_over_the_limit_is_refused_plainly(database_url, tmp_path, clock, mailbox):
    """Above the upload limit (but within the body limit that lets the form arrive)."""
    from starlette.testclient import TestClient

    from portal.auth import sessions
    from tests.factories import create_user

    settings = make_settings(database_url, media_dir=tmp_path / "media", max_upload_bytes=65536)
    app = create_app(settings, clock=clock, email_backend=mailbox)
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:

        async def sign_in() -> str:
            async with app.state.db() as db, db.begin():
                user = await create_user(db, role="hr", locale="en")
                return await sessions.create(
                    db, keyring=app.state.keyring, settings=settings, user=user, now=clock()
                )

        client.cookies.set(sessions.cookie_name(settings), client.portal.call(sign_in))
        response = upload(client, json.dumps(BASE) + " " * 65536)
    assert response.status_code == 422
    assert "This file is larger than 0.1 MB" in response.text


def test_candidates_who_know_their_visit_are_told_of_a_change(client, run, hr, deliver):
    upload(client, json.dumps(BASE))
    run(
        lambda db: db.execute(
            sa.update(Visit).values(first_signed_in_at=datetime(2026, 11, 30, tzinfo=UTC))
        )
    )
    moved = copy.deepcopy(BASE)
    moved["visits"][0]["agenda"][0]["room"] = "Zaal Neude"
    response = upload(client, json.dumps(moved))
    report = client.get(response.headers["location"]).text
    assert re.search(r"programme changed: 1\b", report)
    [mail] = deliver()
    assert mail.recipient == "sam@example.org"
    # The same file again tells nobody twice.
    report = client.get(upload(client, json.dumps(moved)).headers["location"]).text
    assert re.search(r"programme changed: 0\b", report)


def test_the_page_costs_the_same_queries_however_long_the_history(client, run, hr, count_queries):
    upload(client, json.dumps(BASE))
    with count_queries() as few:
        client.get("/hr/import")
    for _ in range(12):
        upload(client, json.dumps(BASE))
    with count_queries() as many:
        page = client.get("/hr/import")
    assert page.text.count('scope="row"') == 10  # the latest ten
    assert len(many) == len(few)
