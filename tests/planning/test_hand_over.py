"""When HR gives a visit to another candidate, nothing of the earlier person goes with it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import col

from portal.models import (
    AuditEvent,
    OutboxEmail,
    OutboxStatus,
    Question,
    QuestionStatus,
    SignInToken,
    TokenPurpose,
    User,
    Visit,
    VisitPreferences,
)
from portal.preferences.sealed import reveal
from portal.visits.notices import queue_due_reminders
from tests.conftest import get_csrf
from tests.planning.conftest import VISIT, new_visit, version, visit_id

ANSWERS = {
    "attendance": "confirmed",
    "diet": "Vegetarian, no nuts please",
    "accessibility": "Step-free entrance",
    "travel_mode": "car",
    "needs_parking": "yes",
    "note": "Looking forward to it",
}
# Within two days of the visit (2026-12-10 09:30 in Amsterdam): the reminder is due.
REMINDER_TIME = datetime(2026, 12, 9, 9, 0, tzinfo=UTC)


@pytest.fixture
def hr(make_user: Any) -> User:
    return make_user(role="hr", name="Fatima El Amrani", locale="en")  # type: ignore[no-any-return]


def _one(run: Any, model: Any, *where: Any) -> Any:
    return run(lambda db: db.scalar(sa.select(model).where(*where)))


def _visit(run: Any, public_id: str) -> Visit:
    return _one(run, Visit, col(Visit.public_id) == public_id)  # type: ignore[no-any-return]


def _user(run: Any, email: str) -> User:
    return _one(run, User, col(User.email) == email)  # type: ignore[no-any-return]


def _invite(client: Any, public_id: str) -> None:
    csrf = get_csrf(client, f"/hr/visits/{public_id}")
    assert client.post(f"/hr/visits/{public_id}/invite", data={"csrf_token": csrf}).status_code == (
        303
    )


def _reminders(client: Any) -> int:
    st = client.app.state
    queued: int = client.portal.call(
        lambda: queue_due_reminders(
            st.db,
            mailer=st.mailer,
            now=REMINDER_TIME,
        )
    )
    return queued


def _link_token(mail: Any) -> str:
    link = next(w for w in mail.text.split() if "/login/confirm?token=" in w)
    return link.split("token=")[1]


def _sign_in_with(client: Any, token: str) -> int:
    """Use an e-mailed link in a fresh browser; the status of the confirm POST."""
    client.cookies.clear()
    path = f"/login/confirm?token={token}"
    csrf = get_csrf(client, path)
    status: int = client.post(
        "/login/confirm", data={"csrf_token": csrf, "token": token}
    ).status_code
    return status


def _save(client: Any, public_id: str, **fields: str) -> Any:
    path = f"/visit/{public_id}/preferences"
    return client.post(path, data={**fields, "csrf_token": get_csrf(client, path)})


def _edit(client: Any, public_id: str, *, stale: str | None = None, **fields: str) -> Any:
    data = {
        "csrf_token": get_csrf(client, f"/hr/visits/{public_id}"),
        **VISIT,
        "version": stale or version(client, public_id),
        **fields,
    }
    return client.post(f"/hr/visits/{public_id}", data=data)


def _sam_answered(client: Any, run: Any, login_as: Any, hr: User, deliver: Any) -> str:
    """A visit for Sam, who was invited, signed in with the link, answered, got a reminder
    queued, and holds a second invitation link he has not used yet. Returns the visit's id."""
    login_as(hr)
    public_id = visit_id(new_visit(client))
    _invite(client, public_id)
    first = _link_token(deliver()[-1])
    _invite(client, public_id)  # sent again: this link stays unused
    assert _sign_in_with(client, first) == 303
    assert _save(client, public_id, **ANSWERS).status_code == 303
    assert _reminders(client) == 1  # queued for Sam, not delivered yet
    client.cookies.clear()
    login_as(hr)
    return public_id


def test_a_new_address_erases_the_earlier_candidates_answers_and_stamps(
    client, run, login_as, hr, deliver
):
    public_id = _sam_answered(client, run, login_as, hr, deliver)
    before = _visit(run, public_id)
    assert before.invited_at and before.first_signed_in_at and before.reminder_queued_at
    assert before.preferences_notice_due_at is not None

    saved = _edit(client, public_id, candidate_email="lotte@example.org", candidate_name="Lotte")
    assert saved.status_code == 303
    assert "done=handed_over_erased" in saved.headers["location"]
    page = client.get(saved.headers["location"]).text
    assert "the answers the earlier candidate gave" in page
    assert "gave the visit to another candidate (the earlier candidate's answers were" in page

    visit = _visit(run, public_id)
    assert visit.candidate_id == _user(run, "lotte@example.org").id
    for stamp in (
        "invited_at",
        "first_signed_in_at",
        "reminder_queued_at",
        "running_late_at",
        "running_late_minutes",
        "late_notice_at",
        "preferences_notice_due_at",
    ):
        assert getattr(visit, stamp) is None, stamp
    assert _one(run, VisitPreferences, col(VisitPreferences.visit_id) == visit.id) is None
    event = _one(run, AuditEvent, col(AuditEvent.action) == "visit.handed_over")
    assert event.subject_id == public_id and event.actor_id == hr.id
    assert event.details == {
        "answers_erased": True,
        "links_voided": 1,
        "questions_withdrawn": 0,
        "via": "form",
    }
    # The reminder written for Sam is not sent.
    assert _one(run, OutboxEmail, col(OutboxEmail.dedupe_key) == f"reminder:{public_id}") is None

    lotte, sam = _user(run, "lotte@example.org"), _user(run, "sam@example.org")
    client.cookies.clear()
    login_as(lotte)
    form = client.get(f"/visit/{public_id}/preferences")
    assert form.status_code == 200
    for answer in ("Vegetarian", "Step-free", "Looking forward"):
        assert answer not in form.text
    assert 'value="confirmed" checked' not in form.text
    client.cookies.clear()
    login_as(sam)
    assert client.get(f"/visit/{public_id}/preferences").status_code == 404
    assert client.get(f"/visit/{public_id}").status_code == 404


def test_the_earlier_candidates_unused_invitation_no_longer_signs_in(
    client, run, login_as, hr, deliver
):
    public_id = _sam_answered(client, run, login_as, hr, deliver)
    unused = _link_token(deliver()[-1])
    _edit(client, public_id, candidate_email="lotte@example.org", candidate_name="Lotte")
    sam = _user(run, "sam@example.org")
    invitations = run(
        lambda db: db.scalar(
            sa.select(sa.func.count())
            .select_from(SignInToken)
            .where(
                col(SignInToken.user_id) == sam.id,
                col(SignInToken.purpose) == TokenPurpose.INVITATION,
                col(SignInToken.used_at).is_(None),
            )
        )
    )
    assert invitations == 0
    assert _sign_in_with(client, unused) != 303
    assert sam.is_active  # the account itself stays


def test_the_new_candidate_gets_their_own_invitation_and_reminder(
    client, run, login_as, hr, deliver
):
    public_id = _sam_answered(client, run, login_as, hr, deliver)
    # Sam's reminder went out before HR corrected the address.
    run(
        lambda db: db.execute(
            sa.update(OutboxEmail)
            .where(col(OutboxEmail.kind) == "reminder")
            .values(status=OutboxStatus.SENT, payload=None)
        )
    )
    _edit(client, public_id, candidate_email="lotte@example.org", candidate_name="Lotte")
    assert _reminders(client) == 0  # Lotte has not been invited yet
    _invite(client, public_id)
    assert _reminders(client) == 1
    reminders = run(
        lambda db: db.scalars(
            sa.select(OutboxEmail)
            .where(col(OutboxEmail.kind) == "reminder")
            .order_by(col(OutboxEmail.id))
        )
    ).all()
    assert [m.recipient for m in reminders] == ["sam@example.org", "lotte@example.org"]
    assert _visit(run, public_id).invited_at is not None


def test_a_new_candidate_without_answers_to_erase_is_told_so(client, run, login_as, hr):
    login_as(hr)
    public_id = visit_id(new_visit(client))
    saved = _edit(client, public_id, candidate_email="lotte@example.org", candidate_name="Lotte")
    assert "done=handed_over" in saved.headers["location"]
    assert "erased" not in saved.headers["location"]
    page = client.get(saved.headers["location"]).text
    assert "The visit has a new candidate: send them the invitation." in page
    event = _one(run, AuditEvent, col(AuditEvent.action) == "visit.handed_over")
    assert event.details["answers_erased"] is False


def test_correcting_the_name_keeps_the_answers(client, run, login_as, hr, deliver):
    public_id = _sam_answered(client, run, login_as, hr, deliver)
    saved = _edit(client, public_id, candidate_name="Sam van Vries")
    assert saved.status_code == 303 and "done=saved" in saved.headers["location"]
    visit = _visit(run, public_id)
    prefs = _one(run, VisitPreferences, col(VisitPreferences.visit_id) == visit.id)
    # The answers are stored encrypted (portal.preferences.sealed): open them to compare.
    assert reveal(client.app.state.keyring, prefs).diet == "Vegetarian, no nuts please"
    assert visit.invited_at is not None and visit.first_signed_in_at is not None


def test_a_refused_save_erases_nothing(client, run, login_as, hr, deliver):
    """Saved over a newer version (another coordinator was quicker): nothing changes."""
    public_id = _sam_answered(client, run, login_as, hr, deliver)
    stale = version(client, public_id)
    _edit(client, public_id, position="Data engineer")
    refused = _edit(
        client, public_id, stale=stale, candidate_email="lotte@example.org", candidate_name="L"
    )
    assert refused.status_code == 409
    visit = _visit(run, public_id)
    assert visit.candidate_id == _user(run, "sam@example.org").id
    assert _one(run, VisitPreferences, col(VisitPreferences.visit_id) == visit.id) is not None
    assert visit.invited_at is not None


def test_the_earlier_candidates_open_questions_leave_with_them(client, run, login_as, hr, deliver):
    """Unanswered questions are withdrawn (not the new candidate's); answered ones stay."""
    public_id = _sam_answered(client, run, login_as, hr, deliver)
    sam = _user(run, "sam@example.org")
    client.cookies.clear()
    login_as(sam)
    for text in ("Is er parkeergelegenheid?", "Hoe laat begint de lunch?"):
        page = client.get("/questions").text
        key = re.search(r'name="idempotency_key" value="([^"]+)"', page)
        assert key
        data = {"body": text, "idempotency_key": key.group(1), "csrf_token": get_csrf(client)}
        assert client.post("/questions", data=data).status_code == 303
    run(
        lambda db: db.execute(
            sa.update(Question)
            .where(col(Question.body) == "Hoe laat begint de lunch?")
            .values(status=QuestionStatus.ANSWERED, answer="Om half een.")
        )
    )
    client.cookies.clear()
    login_as(hr)
    _edit(client, public_id, candidate_email="lotte@example.org", candidate_name="Lotte")

    statuses = dict(run(lambda db: db.execute(sa.select(Question.body, Question.status))).all())
    assert statuses == {
        "Is er parkeergelegenheid?": QuestionStatus.WITHDRAWN,
        "Hoe laat begint de lunch?": QuestionStatus.ANSWERED,
    }
    event = _one(run, AuditEvent, col(AuditEvent.action) == "visit.handed_over")
    assert event.details["questions_withdrawn"] == 1
    assert "parkeer" not in str(event.details)
    inbox = client.get("/hr/questions").text
    assert "Is er parkeergelegenheid?" not in inbox
    client.cookies.clear()
    login_as(_user(run, "lotte@example.org"))
    assert "lunch" not in client.get("/questions").text
