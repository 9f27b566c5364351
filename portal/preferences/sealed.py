"""Diet, accessibility, the reason to reschedule and the note, encrypted at rest.

They can reveal health or religion (GDPR art. 9): the columns hold Fernet tokens under a
key derived from the secret key (``Keyring.seal_answer``), so a database dump, a backup or
the SQLite file never shows them. They are opened only to show them to HR or to the
candidate themselves (``reveal``); an HR read is logged (``record_read``).

Rows written before encryption hold plain text: a value that is not a Fernet token is
read as such, and sealed at the next save or by the hourly housekeeping (``seal_legacy``).
An empty answer stays "" (not an encrypted empty string), so "answered or not" and the
retention blanking need no key.
"""

from __future__ import annotations

import base64
import binascii
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from portal import audit
from portal.models import Attendance, AuditEvent, TravelMode, User, VisitPreferences
from portal.security import Keyring

log = logging.getLogger("portal.preferences")

SEALED = ("reschedule_reason", "diet", "accessibility", "note")
READ_ACTION = "preferences.read"
# Version byte, timestamp, IV, at least one AES block, HMAC (the Fernet spec).
_TOKEN_MIN_BYTES = 1 + 8 + 16 + 16 + 32


def looks_sealed(stored: str) -> bool:
    """Whether ``stored`` has the shape of a Fernet token (not whether we can open it)."""
    if not stored.startswith("gAAAAA"):
        return False
    try:
        raw = base64.urlsafe_b64decode(stored.encode("ascii"))
    except (binascii.Error, ValueError, UnicodeError):
        return False
    return len(raw) >= _TOKEN_MIN_BYTES and (len(raw) - 57) % 16 == 0


def seal(keyring: Keyring, text: str) -> str:
    return keyring.seal_answer(text) if text else ""


def unseal(keyring: Keyring, stored: str) -> str:
    """The answer in plain text: opened, or a legacy plain-text value as it is."""
    if not stored:
        return ""
    opened = keyring.open_answer(stored)
    if opened is not None:
        return opened
    if looks_sealed(stored):
        # Sealed under a key we no longer have: show nothing rather than the token, and
        # say where to look. The stored value is left alone until the candidate saves.
        log.warning("an answer cannot be decrypted: is PORTAL_OLD_SECRET_KEYS missing a key?")
        return ""
    return stored


def needs_sealing(keyring: Keyring, stored: str) -> bool:
    """Plain text, or sealed under an earlier key: to be (re)sealed under the current one."""
    if not stored:
        return False
    if keyring.answer_is_current(stored):
        return False
    return keyring.open_answer(stored) is not None or not looks_sealed(stored)


@dataclass(frozen=True)
class Revealed:
    """A VisitPreferences row with its answers in plain text, for a page only (never saved)."""

    visit_id: int
    attendance: Attendance
    reschedule_reason: str
    diet: str
    accessibility: str
    travel_mode: TravelMode
    needs_parking: bool
    wants_travel_reimbursement: bool
    note: str
    updated_at: datetime
    erased_at: datetime | None

    @property
    def has_sealed_text(self) -> bool:
        return any(getattr(self, name) for name in SEALED)


def reveal(keyring: Keyring, prefs: VisitPreferences | None) -> Revealed | None:
    return None if prefs is None else open_row(keyring, prefs)


def open_row(keyring: Keyring, prefs: VisitPreferences) -> Revealed:
    return Revealed(
        visit_id=prefs.visit_id,
        attendance=prefs.attendance,
        reschedule_reason=unseal(keyring, prefs.reschedule_reason),
        diet=unseal(keyring, prefs.diet),
        accessibility=unseal(keyring, prefs.accessibility),
        travel_mode=prefs.travel_mode,
        needs_parking=prefs.needs_parking,
        wants_travel_reimbursement=prefs.wants_travel_reimbursement,
        note=unseal(keyring, prefs.note),
        updated_at=prefs.updated_at,
        erased_at=prefs.erased_at,
    )


def seal_into(keyring: Keyring, prefs: VisitPreferences, texts: dict[str, str]) -> None:
    """Write the four answers to the row, each sealed afresh under the current key."""
    for name in SEALED:
        setattr(prefs, name, seal(keyring, texts[name]))


def reveal_for(
    db: AsyncSession,
    *,
    keyring: Keyring,
    reader: User,
    candidate_id: int,
    visit_public_id: str,
    prefs: VisitPreferences | None,
    now: datetime,
) -> Revealed | None:
    """The answers for a page ``reader`` is about to see, with the read logged when the
    reader is not the candidate and there is written text to see (one event per view).

    Who may see them at all is the caller's check; this only opens and records.
    """
    shown = reveal(keyring, prefs)
    if shown is not None and shown.has_sealed_text and reader.id != candidate_id:
        record_read(db, reader=reader, visit_public_id=visit_public_id, now=now)
    return shown


def record_read(db: AsyncSession, *, reader: User, visit_public_id: str, now: datetime) -> None:
    # Who and when, never what: the event is the AVG art. 15 answer to "who saw my data".
    audit.record(
        db,
        action=READ_ACTION,
        now=now,
        actor_id=reader.id,
        subject_type="visit",
        subject_id=visit_public_id,
    )


@dataclass(frozen=True)
class Read:
    at: datetime
    reader: str
    visit: str
    role: str = ""  # the reader's role ("" when their account is gone)


async def read_log(db: AsyncSession, *, visit_ids: list[str], limit: int | None = 50) -> list[Read]:
    """Who opened these visits' answers and when, newest first (one query).

    Takes several visits so a candidate's export can ask for all of theirs at once;
    ``limit=None`` gives every read (the export's answer to "who saw my data").
    """
    if not visit_ids:
        return []
    rows = await db.execute(
        sa.select(col(AuditEvent.at), col(User.name), col(AuditEvent.subject_id), col(User.role))
        .outerjoin(User, col(User.id) == col(AuditEvent.actor_id))
        .where(
            col(AuditEvent.action) == READ_ACTION,
            col(AuditEvent.subject_type) == "visit",
            col(AuditEvent.subject_id).in_(visit_ids),
        )
        .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
        .limit(limit)
    )
    return [
        Read(at, name or "", visit, role.value if role else "")
        for at, name, visit, role in rows.all()
    ]


async def seal_legacy(factory: Any, *, keyring: Keyring, batch: int = 500) -> int:
    """Seal every answer still in plain text (or under an earlier key); how many rows.

    For the hourly housekeeping: rows written before encryption must not stay readable in
    a dump. Each row is updated only if it still holds what was read (a save meanwhile
    wins), so this can run beside the web app and a second worker.
    """
    sealed = 0
    last = 0
    while True:
        async with factory() as db, db.begin():
            rows = (
                await db.execute(
                    sa.select(
                        col(VisitPreferences.visit_id),
                        *(col(getattr(VisitPreferences, n)) for n in SEALED),
                    )
                    .where(col(VisitPreferences.visit_id) > last)
                    .order_by(col(VisitPreferences.visit_id))
                    .limit(batch)
                )
            ).all()
            for visit_id, *values in rows:
                stored = dict(zip(SEALED, values, strict=True))
                if not any(needs_sealing(keyring, v) for v in stored.values()):
                    continue
                fresh = {
                    n: seal(keyring, unseal(keyring, v)) if needs_sealing(keyring, v) else v
                    for n, v in stored.items()
                }
                done = await db.execute(
                    sa.update(VisitPreferences)
                    .where(
                        col(VisitPreferences.visit_id) == visit_id,
                        *(col(getattr(VisitPreferences, n)) == v for n, v in stored.items()),
                    )
                    .values(**fresh)
                    .execution_options(synchronize_session=False)
                )
                sealed += done.rowcount
        if len(rows) < batch:
            return sealed
        last = rows[-1][0]
