"""A line break stored in a visit's text never starts a line of its own in the .ics file.

The rows are written straight to the database (as rows from before the forms refused
line breaks would be), so nothing but the calendar itself stands in the way.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from portal.models import AgendaItem, AgendaTombstone, Location, StaffProfile, User
from tests.calendar.conftest import visit_for

START = datetime(2026, 12, 3, 8, 30, tzinfo=UTC)
INJECTED = (
    "\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:injected@evil.example\r\nSUMMARY:Injected"
    "\nDTSTART:20261203T090000Z\rX-INJECTED:1\x85X-NEL:1\u2028X-LS:1\x0bX-VT:1\r\n"
)
MARKERS = (b"UID:injected", b"SUMMARY:Injected", b"X-INJECTED", b"X-NEL", b"X-LS", b"X-VT")


def store_injections(run, people, *, items):
    """A visit whose every text (and a removed item's) carries line breaks and a fake event."""
    visit = visit_for(
        run,
        people["candidate"],
        items=items,
        interviewers=[people["noor"]],
        start=START,
        position="Backend developer" + INJECTED,
    )

    async def spoil(db):
        for item in await db.scalars(sa.select(AgendaItem).where(AgendaItem.visit_id == visit.id)):
            item.title = "Gesprek" + INJECTED
            item.room = "Zaal Dom" + INJECTED
            item.description = "Neem je laptop mee." + INJECTED
        location = await db.get(Location, visit.location_id)
        location.name, location.address = "Kantoor" + INJECTED, "Catharijnesingel 1" + INJECTED
        noor = await db.get(User, people["noor"].id)
        noor.name = "Noor Bakker" + INJECTED
        profile = await db.get(StaffProfile, people["noor"].id)
        profile.job_title = "Engineering manager" + INJECTED
        db.add(
            AgendaTombstone(
                visit_id=visit.id,
                item_public_id="removed-item",
                title="Rondleiding" + INJECTED,
                starts_at=START + timedelta(hours=3),
                ends_at=START + timedelta(hours=4),
                sequence=1,
            )
        )

    run(spoil)
    return visit


def assert_no_injected_line(raw: bytes, *, events: int) -> None:
    # Unfold first (RFC 5545, 3.1): a long line continues on lines starting with a space.
    lines = raw.replace(b"\r\n ", b"").split(b"\r\n")
    assert lines.count(b"BEGIN:VEVENT") == lines.count(b"END:VEVENT") == events
    for line in lines:
        assert not line.startswith(MARKERS), line
    # Nothing but CRLF ends a line, and no other control character is left anywhere.
    assert b"\r" not in raw.replace(b"\r\n", b"")
    assert b"\n" not in raw.replace(b"\r\n", b"")
    text = raw.decode()
    assert not any(c in text for c in "\x0b\x85\u2028\u2029")
    cal = Calendar.from_ical(raw)
    assert len(cal.walk("VEVENT")) == events
    assert all(not str(e["UID"]).startswith("injected") for e in cal.walk("VEVENT"))


@pytest.mark.parametrize("items", [2, 0])
def test_line_breaks_in_stored_text_never_start_a_line(client, run, people, login_as, items):
    """Position, titles, room, place, description, people and a removed item's title."""
    visit = store_injections(run, people, items=items)
    login_as(people["candidate"])
    response = client.get(f"/visit/{visit.public_id}/calendar.ics")
    assert response.status_code == 200
    # The items (or the whole day when there are none) and the removed item's cancellation.
    assert_no_injected_line(response.content, events=max(items, 1) + 1)
    cal = Calendar.from_ical(response.content)
    first = cal.walk("VEVENT")[0]
    # Folded to one line, the text itself is kept.
    assert str(first["SUMMARY"]).startswith(
        ("Gesprek END:VEVENT BEGIN:VEVENT", "Backend developer")
    )
    assert "Backend developer END:VEVENT" in str(cal["X-WR-CALNAME"])
    if items:
        # A description keeps its own line breaks, escaped inside its one content line.
        assert str(first["DESCRIPTION"]).startswith("Neem je laptop mee.\nEND:VEVENT\n")
        assert "\r" not in str(first["DESCRIPTION"])


OPTIMISED = textwrap.dedent(
    """
    import asyncio, sys
    from datetime import datetime

    import sqlalchemy as sa

    from portal.calendar.service import visit_calendar
    from portal.db import make_engine, session_factory
    from portal.models import User

    try:
        assert False
    except AssertionError:
        sys.exit("asserts are on: run with python -O")

    async def main(url, user_id, visit_id):
        engine = make_engine(url)
        async with session_factory(engine)() as db:
            actor = await db.scalar(sa.select(User).where(User.public_id == user_id))
            ics = await visit_calendar(
                db,
                actor=actor,
                public_id=visit_id,
                now=datetime.fromisoformat("2026-12-01T09:00:00+00:00"),
                base_url="http://testserver",
                company_name="Zuiderlicht",
                page_url=lambda public_id: f"http://testserver/visit/{public_id}",
            )
        await engine.dispose()
        sys.stdout.buffer.write(ics.body)

    asyncio.run(main(*sys.argv[1:]))
    """
)


def test_the_calendar_does_not_rely_on_asserts(run, people, settings):
    """Under ``python -O`` (asserts removed, in the library too) the file is just as clean."""
    visit = store_injections(run, people, items=2)
    done = subprocess.run(
        [
            sys.executable,
            "-O",
            "-c",
            OPTIMISED,
            settings.database_url,
            people["candidate"].public_id,
            visit.public_id,
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert_no_injected_line(done.stdout, events=3)
    unfolded = done.stdout.replace(b"\r\n ", b"")
    assert b"\r\nSUMMARY:Gesprek END:VEVENT BEGIN:VEVENT UID:injected@evil.example" in unfolded
