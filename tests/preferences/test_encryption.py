"""Diet, accessibility, the reason and the note are encrypted at rest (AVG art. 9): the
database, and on SQLite its file, never holds them in plain text."""

from __future__ import annotations

import html
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from starlette.testclient import TestClient

from portal.app import create_app
from portal.auth import sessions
from portal.jobs import housekeeping
from portal.maintenance import purge_expired
from portal.models import VisitPreferences
from portal.preferences.sealed import SEALED, looks_sealed
from tests.conftest import SECRET, make_settings
from tests.preferences.conftest import ANSWERS, post, revealed, url

NEW_SECRET = "a-new-secret-key-after-rotation-0123456789"


def marked() -> tuple[str, dict[str, str]]:
    """Answers that each carry one unique marker, so a hit can't be a coincidence."""
    marker = f"mrk{secrets.token_hex(8)}"
    return marker, {
        **ANSWERS,
        "attendance": "reschedule",
        "reschedule_reason": f"Funeral {marker}",
        "diet": f"Kosher {marker}",
        "accessibility": f"Wheelchair {marker}",
        "note": f"Note {marker}",
    }


async def _raw(db: Any, visit_id: int) -> dict[str, str]:
    row = (
        await db.execute(
            sa.text(
                "SELECT reschedule_reason, diet, accessibility, note"
                " FROM visit_preferences WHERE visit_id = :id"
            ),
            {"id": visit_id},
        )
    ).one()
    return dict(zip(SEALED, row, strict=True))


def raw(run: Any, visit: Any) -> dict[str, str]:
    """The columns as a plain SQL select sees them (as a dump would)."""
    return run(lambda db: _raw(db, visit.id))


def file_bytes(client: Any) -> bytes:
    """The SQLite file (and what is left of its WAL) after a checkpoint; b"" elsewhere."""
    st = client.app.state
    if st.dialect != "sqlite":
        return b""

    async def checkpoint() -> None:
        async with st.engine.connect() as conn:
            await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    client.portal.call(checkpoint)
    path = Path(st.settings.sqlite_path())
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def write_raw(run: Any, visit: Any, **values: str) -> None:
    """Store answers the way the portal did before encryption: as plain text."""

    async def go(db: Any) -> None:
        # Through the model, which has no encryption of its own: what the old code wrote.
        await db.execute(
            sa.insert(VisitPreferences).values(
                visit_id=visit.id, updated_at=visit.starts_at - timedelta(days=3), **values
            )
        )

    run(go)


def test_saved_answers_are_not_in_the_database_in_plain_text(client, visit, as_candidate, run):
    marker, answers = marked()
    assert post(client, visit, **answers).status_code == 303
    stored = raw(run, visit)
    assert all(looks_sealed(value) for value in stored.values()), stored
    assert not any(marker in value for value in stored.values())
    assert marker.encode() not in file_bytes(client)
    # …and the candidate still reads them back on their form.
    page = html.unescape(client.get(url(visit)).text)
    assert f">Kosher {marker}</textarea>" in page and f">Note {marker}</textarea>" in page


def test_the_file_search_would_find_plain_text(client, visit, run):
    """The byte search above can fail: a plain-text answer is found by it."""
    marker = f"mrk{secrets.token_hex(8)}"
    write_raw(run, visit, reschedule_reason="", diet=marker, accessibility="", note="")
    assert raw(run, visit)["diet"] == marker
    if client.app.state.dialect == "sqlite":
        assert marker.encode() in file_bytes(client)


def test_an_empty_answer_stays_empty_not_an_encrypted_empty_string(
    client, visit, as_candidate, run
):
    post(client, visit, attendance="confirmed", diet="Vegan")
    stored = raw(run, visit)
    assert looks_sealed(stored["diet"])
    assert stored["accessibility"] == stored["note"] == stored["reschedule_reason"] == ""


def test_hr_reads_the_answers_on_the_visit_page(client, visit, as_candidate, run, login_as, people):
    marker, answers = marked()
    post(client, visit, **answers)
    client.cookies.clear()
    login_as(people["host"])
    page = client.get(f"/visit/{visit.public_id}").text
    assert f"Kosher {marker}" in page and f"Wheelchair {marker}" in page
    assert f"Funeral {marker}" in page and f"Note {marker}" in page


def test_mails_about_changed_answers_never_hold_them(
    client, visit, as_candidate, deliver, after_quiet
):
    marker, answers = marked()
    post(client, visit, **answers)
    assert after_quiet() == 1
    sent = deliver()
    assert sent
    for mail in sent:
        assert marker not in mail.subject + mail.text + mail.html


def test_legacy_plain_text_is_read_and_sealed_by_the_housekeeping(
    client, visit, run, login_as, people
):
    marker = f"mrk{secrets.token_hex(8)}"
    write_raw(run, visit, reschedule_reason="", diet=f"Halal {marker}", accessibility="", note="Hi")
    login_as(people["host"])
    assert f"Halal {marker}" in client.get(f"/visit/{visit.public_id}").text
    client.portal.call(lambda: housekeeping(client.app.state))
    stored = raw(run, visit)
    assert looks_sealed(stored["diet"]) and looks_sealed(stored["note"])
    assert stored["accessibility"] == ""
    assert marker.encode() not in file_bytes(client)
    page = client.get(f"/visit/{visit.public_id}").text
    assert f"Halal {marker}" in page
    # A second pass finds nothing left to do and changes nothing.
    client.portal.call(lambda: housekeeping(client.app.state))
    assert raw(run, visit) == stored


def test_legacy_plain_text_is_sealed_when_the_candidate_saves(client, visit, as_candidate, run):
    write_raw(run, visit, reschedule_reason="", diet="Halal", accessibility="", note="")
    page = client.get(url(visit)).text
    assert ">Halal</textarea>" in page
    # The same answers again: nothing changed for HR, but the row is sealed now.
    post(client, visit, attendance="confirmed", diet="Halal")
    assert looks_sealed(raw(run, visit)["diet"])
    assert revealed(client, run, visit).diet == "Halal"


def test_blanking_after_retention_still_works(client, visit, as_candidate, run, clock):
    _, answers = marked()
    post(client, visit, **answers)
    clock.now = visit.ends_at + timedelta(days=8)
    counts = client.portal.call(
        lambda: purge_expired(client.app.state.db, now=clock.now, retention_days=7)
    )
    assert counts["visit_preferences"] == 1
    assert raw(run, visit) == dict.fromkeys(SEALED, "")
    # Nothing to seal in blanked answers: the housekeeping keeps them empty.
    client.portal.call(lambda: housekeeping(client.app.state))
    assert raw(run, visit) == dict.fromkeys(SEALED, "")


def _restarted(settings: Any, clock: Any, mailbox: Any, **overrides: Any) -> Any:
    """The same database behind a fresh app, as after a restart with other settings."""
    values = {**settings.model_dump(), **overrides}
    values.pop("database_url")
    return create_app(
        make_settings(settings.database_url, **values), clock=clock, email_backend=mailbox
    )


def _login(other: TestClient, user: Any, clock: Any) -> None:
    st = other.app.state  # type: ignore[attr-defined]

    async def create() -> str:
        async with st.db() as db, db.begin():
            return await sessions.create(
                db, keyring=st.keyring, settings=st.settings, user=user, now=clock()
            )

    other.cookies.set(sessions.cookie_name(st.settings), other.portal.call(create))  # type: ignore[union-attr]


def test_a_new_secret_key_reads_old_answers_and_reseals_them_on_save(
    client, visit, as_candidate, run, settings, clock, mailbox, people
):
    marker, answers = marked()
    post(client, visit, **answers)
    before = raw(run, visit)
    app = _restarted(settings, clock, mailbox, secret_key=NEW_SECRET, old_secret_keys=SECRET)
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as after:
        _login(after, people["candidate"], clock)
        page = html.unescape(after.get(url(visit)).text)
        assert f">Kosher {marker}</textarea>" in page
        assert not app.state.keyring.answer_is_current(before["diet"])
        # Saving (even the same answers) seals everything under the new key.
        values = {**answers, "csrf_token": _csrf(page)}
        assert after.post(url(visit), data=values).status_code == 303
        now_stored = raw(run, visit)
        assert all(app.state.keyring.answer_is_current(v) for v in now_stored.values()), now_stored
    # Without the old key in PORTAL_OLD_SECRET_KEYS the old tokens could not be read:
    # the current key alone opens the new ones.
    only_new = _restarted(settings, clock, mailbox, secret_key=NEW_SECRET, old_secret_keys="")
    assert only_new.state.keyring.open_answer(now_stored["diet"]) == f"Kosher {marker}"
    assert only_new.state.keyring.open_answer(before["diet"]) is None


def test_without_the_old_key_old_answers_are_not_shown_as_tokens(
    client, visit, as_candidate, run, settings, clock, mailbox, people
):
    marker, answers = marked()
    post(client, visit, **answers)
    app = _restarted(settings, clock, mailbox, secret_key=NEW_SECRET)
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as after:
        _login(after, people["host"], clock)
        page = after.get(f"/visit/{visit.public_id}").text
        assert page.count("gAAAAA") == 0 and marker not in page
        # The housekeeping leaves tokens it cannot open alone (the key may come back).
        stored = raw(run, visit)
        after.portal.call(lambda: housekeeping(app.state))  # type: ignore[union-attr]
        assert raw(run, visit) == stored


def _csrf(page: str) -> str:
    from tests.conftest import csrf_from

    return csrf_from(page)
