"""An item the candidate could see and no longer can is cancelled in their calendar.

A calendar app keeps an event that merely disappears from the next download; it drops one
published with the same UID, a higher SEQUENCE and STATUS:CANCELLED.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import sqlalchemy as sa

from portal.imports.service import import_bytes
from portal.models import AgendaItem, AgendaTombstone, User, Visit
from tests.calendar.conftest import download, events_by_uid, hr_post, visit_for

START = datetime(2026, 12, 3, 8, 30, tzinfo=UTC)  # 09:30 in Amsterdam


def item_ids(run, visit):
    """The visit's items' public ids, in programme order."""
    rows = run(
        lambda db: db.scalars(
            sa.select(AgendaItem.public_id)
            .where(AgendaItem.visit_id == visit.id)
            .order_by(AgendaItem.starts_at)
        )
    )
    return list(rows)


def tombstones(run):
    return list(run(lambda db: db.scalars(sa.select(AgendaTombstone))))


def item_form(**fields):
    """The second item of a factory visit (10:15–10:55), as HR's form posts it."""
    return {"start": "10:15", "end": "10:55", "kind": "interview", "title": "Gesprek 2", **fields}


def test_an_item_removed_in_the_agenda_builder_is_cancelled_until_the_visit_is_over(
    client, run, people, login_as, clock
):
    visit = visit_for(run, people["candidate"], items=3, interviewers=[people["noor"]], start=START)
    login_as(people["candidate"])
    _raw, before = download(client, visit.public_id)
    removed_id = item_ids(run, visit)[1]
    uid = next(u for u in events_by_uid(before) if u.startswith(removed_id))
    seen = events_by_uid(before)[uid]

    login_as(people["hr"])
    assert hr_post(client, visit.public_id, f"/items/{removed_id}/delete").status_code == 303

    login_as(people["candidate"])
    _raw, after = download(client, visit.public_id)
    events = events_by_uid(after)
    assert len(events) == 3
    cancelled = events[uid]
    assert cancelled["STATUS"] == "CANCELLED"
    assert cancelled["SEQUENCE"] > seen["SEQUENCE"]
    # What the candidate saw, and nothing more.
    assert str(cancelled["SUMMARY"]) == "Gesprek 2"
    assert (cancelled.start, cancelled.end) == (seen.start, seen.end)
    assert "DESCRIPTION" not in cancelled and "LOCATION" not in cancelled
    assert [e["STATUS"] for u, e in events.items() if u != uid] == ["CONFIRMED", "CONFIRMED"]

    # Once the visit is over no calendar needs telling: the cancellation is no longer sent.
    clock.now = visit.ends_at
    _raw, later = download(client, visit.public_id)
    assert uid not in events_by_uid(later)
    assert len(events_by_uid(later)) == 2


def test_an_item_made_internal_is_cancelled_and_comes_back_when_shown_again(
    client, run, people, login_as
):
    visit = visit_for(run, people["candidate"], items=3, start=START)
    item = item_ids(run, visit)[1]
    login_as(people["candidate"])
    _raw, first = download(client, visit.public_id)
    uid = next(u for u in events_by_uid(first) if u.startswith(item))
    shown = events_by_uid(first)[uid]["SEQUENCE"]

    login_as(people["hr"])
    # No "visible_to_candidate" in the form: the box is unticked (made internal), and the
    # candidate-facing title changes at the same time.
    response = hr_post(
        client, visit.public_id, f"/items/{item}", **item_form(title="Gesprek met de CTO")
    )
    assert response.status_code == 303
    # HR's own file still has the item as it is, not a cancellation.
    _raw, hr_file = download(client, visit.public_id)
    assert hr_file.walk("VEVENT")[1]["STATUS"] == "CONFIRMED"
    assert [str(e["UID"]) for e in hr_file.walk("VEVENT")].count(uid) == 1

    login_as(people["candidate"])
    raw, hidden = download(client, visit.public_id)
    cancelled = events_by_uid(hidden)[uid]
    assert cancelled["STATUS"] == "CANCELLED"
    assert cancelled["SEQUENCE"] > shown
    # The title the candidate saw, never the one given while it was made internal.
    assert str(cancelled["SUMMARY"]) == "Gesprek 2"
    assert b"CTO" not in raw

    login_as(people["hr"])
    response = hr_post(
        client,
        visit.public_id,
        f"/items/{item}",
        **item_form(title="Gesprek met de CTO", visible_to_candidate="on"),
    )
    assert response.status_code == 303
    login_as(people["candidate"])
    _raw, again = download(client, visit.public_id)
    back = [e for e in again.walk("VEVENT") if str(e["UID"]) == uid]
    assert len(back) == 1  # the event itself, no cancellation beside it
    assert back[0]["STATUS"] == "CONFIRMED"
    assert str(back[0]["SUMMARY"]) == "Gesprek met de CTO"
    # Higher than the cancellation, or the calendar would keep it cancelled.
    assert back[0]["SEQUENCE"] > cancelled["SEQUENCE"]
    assert tombstones(run) == []


def test_an_internal_item_removed_leaves_no_trace_for_the_candidate(client, run, people, login_as):
    visit = visit_for(run, people["candidate"], items=2, hidden_items=1, start=START)
    internal = item_ids(run, visit)[2]
    login_as(people["hr"])
    assert hr_post(client, visit.public_id, f"/items/{internal}/delete").status_code == 303
    assert tombstones(run) == []
    login_as(people["candidate"])
    raw, cal = download(client, visit.public_id)
    assert internal.encode() not in raw
    assert [e["STATUS"] for e in cal.walk("VEVENT")] == ["CONFIRMED", "CONFIRMED"]


def test_a_copied_agenda_cancels_the_items_it_replaced(client, run, people, login_as, make_user):
    earlier = datetime(2026, 11, 3, 8, 30, tzinfo=UTC)
    source = visit_for(run, make_user(), items=1, start=earlier)
    visit = visit_for(run, people["candidate"], items=2, hidden_items=1, start=START)
    old_visible, old_internal = item_ids(run, visit)[:2], item_ids(run, visit)[2]
    login_as(people["hr"])
    response = hr_post(client, visit.public_id, "/copy", source=f"visit:{source.public_id}")
    assert response.status_code == 303
    login_as(people["candidate"])
    raw, cal = download(client, visit.public_id)
    statuses = {u.split("@")[0]: str(e["STATUS"]) for u, e in events_by_uid(cal).items()}
    (new,) = item_ids(run, visit)
    assert statuses == {new: "CONFIRMED", **dict.fromkeys(old_visible, "CANCELLED")}
    assert old_internal.encode() not in raw


# ---- through a re-import --------------------------------------------------------------

IMPORT = {
    "visits": [
        {
            "external_id": "ats-1",
            "candidate": {"email": "sam@example.org", "name": "Sam de Vries"},
            "position": "Backend developer",
            "timezone": "Europe/Amsterdam",
            "agenda": [
                {
                    "external_id": f"ats-1-{n}",
                    "starts_at": f"2026-12-03T{9 + n}:00",
                    "ends_at": f"2026-12-03T{9 + n}:45",
                    "kind": "other",
                    "title": f"Onderdeel {n}",
                }
                for n in (1, 2, 3)
            ],
        }
    ],
}


def do_import(run, data):
    run(lambda db: import_bytes(db, json.dumps(data), now=datetime(2026, 11, 25, tzinfo=UTC)))


def test_items_a_reimport_drops_or_hides_are_cancelled(client, run, login_as):
    do_import(run, IMPORT)
    candidate = run(lambda db: db.scalar(sa.select(User).where(User.email == "sam@example.org")))
    visit = run(lambda db: db.scalar(sa.select(Visit)))
    first, second, third = item_ids(run, visit)
    login_as(candidate)
    _raw, before = download(client, visit.public_id)
    sequences = {u.split("@")[0]: e["SEQUENCE"] for u, e in events_by_uid(before).items()}

    changed = copy.deepcopy(IMPORT)
    agenda = changed["visits"][0]["agenda"]
    agenda[1]["visible_to_candidate"] = False  # the second made internal
    del agenda[2]  # the third no longer in the file
    do_import(run, changed)
    _raw, after = download(client, visit.public_id)
    events = {u.split("@")[0]: e for u, e in events_by_uid(after).items()}
    assert {k: str(e["STATUS"]) for k, e in events.items()} == {
        first: "CONFIRMED",
        second: "CANCELLED",
        third: "CANCELLED",
    }
    assert str(events[third]["SUMMARY"]) == "Onderdeel 3"
    for gone in (second, third):
        assert events[gone]["SEQUENCE"] > sequences[gone]
    cancelled_at = events[second]["SEQUENCE"]

    # The same file again changes nothing.
    do_import(run, changed)
    assert download(client, visit.public_id)[0].count(b"STATUS:CANCELLED") == 2

    # The first file again: the second item is shown again (the third comes back as a new
    # item, with a new UID, so its cancellation stays).
    do_import(run, IMPORT)
    _raw, restored = download(client, visit.public_id)
    events = {u.split("@")[0]: e for u, e in events_by_uid(restored).items()}
    assert str(events[second]["STATUS"]) == "CONFIRMED"
    assert events[second]["SEQUENCE"] > cancelled_at
    assert str(events[third]["STATUS"]) == "CANCELLED"
    assert len(events) == 4
