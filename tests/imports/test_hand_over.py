"""A file that names another candidate for a known visit erases the earlier one's answers."""

from __future__ import annotations

import copy
import json
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from portal.models import AuditEvent, User, Visit, VisitPreferences
from portal.preferences.sealed import reveal
from tests.conftest import get_csrf
from tests.imports.test_import import BASE
from tests.imports.test_upload import upload

ANSWERS = {"attendance": "confirmed", "diet": "Halal", "accessibility": "Wheelchair user"}


def _with_candidate(email: str, name: str) -> bytes:
    data = copy.deepcopy(BASE)
    data["visits"][0]["candidate"] = {"email": email, "name": name, "locale": "en"}
    return json.dumps(data).encode()


def _one(run: Any, model: Any, *where: Any) -> Any:
    return run(lambda db: db.scalar(sa.select(model).where(*where)))


def _as(client: Any, login_as: Any, user: Any) -> None:
    client.cookies.clear()
    login_as(user)


def test_reimport_with_another_candidate_starts_the_visit_clean(client, run, make_user, login_as):
    hr = make_user(role="hr", name="Daan Visser", locale="en")
    _as(client, login_as, hr)
    assert upload(client, _with_candidate("sam@example.org", "Sam de Vries")).status_code == 303
    visit = _one(run, Visit, col(Visit.external_id) == "ats-4711")
    csrf = get_csrf(client, f"/hr/visits/{visit.public_id}")
    client.post(f"/hr/visits/{visit.public_id}/invite", data={"csrf_token": csrf})

    sam = _one(run, User, col(User.email) == "sam@example.org")
    _as(client, login_as, sam)
    path = f"/visit/{visit.public_id}/preferences"
    assert client.post(
        path, data={**ANSWERS, "csrf_token": get_csrf(client, path)}
    ).status_code == (303)

    _as(client, login_as, hr)
    again = upload(client, _with_candidate("lotte@example.org", "Lotte Mulder"))
    assert again.status_code == 303
    report = client.get(again.headers["location"]).text
    assert "Visits that now have another candidate: 1." in report

    visit = _one(run, Visit, col(Visit.external_id) == "ats-4711")
    assert visit.invited_at is None and visit.preferences_notice_due_at is None
    assert _one(run, VisitPreferences, col(VisitPreferences.visit_id) == visit.id) is None
    event = _one(run, AuditEvent, col(AuditEvent.action) == "visit.handed_over")
    assert event.details == {
        "answers_erased": True,
        "links_voided": 1,
        "questions_withdrawn": 0,
        "via": "import",
    }
    assert event.actor_id == hr.id and event.subject_id == visit.public_id
    assert "erased" in client.get(f"/hr/visits/{visit.public_id}").text  # in its history

    lotte = _one(run, User, col(User.email) == "lotte@example.org")
    _as(client, login_as, lotte)
    page = client.get(path)
    assert page.status_code == 200
    assert "Halal" not in page.text and "Wheelchair" not in page.text
    _as(client, login_as, sam)
    assert client.get(path).status_code == 404


def test_the_same_file_again_hands_nothing_over(client, run, make_user, login_as):
    _as(client, login_as, make_user(role="hr", locale="en"))
    raw = _with_candidate("sam@example.org", "Sam de Vries")
    upload(client, raw)
    visit = _one(run, Visit, col(Visit.external_id) == "ats-4711")
    sam = _one(run, User, col(User.email) == "sam@example.org")
    _as(client, login_as, sam)
    path = f"/visit/{visit.public_id}/preferences"
    client.post(path, data={**ANSWERS, "csrf_token": get_csrf(client, path)})
    _as(client, login_as, make_user(role="hr", locale="en"))
    report = client.get(upload(client, raw).headers["location"]).text
    assert "another candidate" not in report
    prefs = _one(run, VisitPreferences, col(VisitPreferences.visit_id) == visit.id)
    # The answers are stored encrypted (portal.preferences.sealed): open them to compare.
    assert reveal(client.app.state.keyring, prefs).diet == "Halal"
    assert _one(run, AuditEvent, col(AuditEvent.action) == "visit.handed_over") is None
