"""Offices in import files: matched on their name, and a changed address reaches calendars."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import col

from portal.imports.service import ImportProblems, import_bytes
from portal.models import Location, Visit
from tests.imports.test_import import BASE, _now
from tests.locations.conftest import add_location, sequences, visit_at


def do_import(run: Any, data: dict[str, Any]) -> Any:
    return run(lambda db: import_bytes(db, json.dumps(data), now=_now()))


async def _offices(db: Any) -> list[Location]:
    return list(await db.scalars(sa.select(Location).order_by(col(Location.id))))


def test_a_new_address_in_a_file_reaches_every_upcoming_visit_there(client, run, people):
    """Also the visits HR planned by hand at that office, which the file does not name."""
    do_import(run, BASE)
    office = run(_offices)[0]
    by_hand = run(lambda db: visit_at(db, office, people["candidate"]))
    imported = run(_imported)
    moved = copy.deepcopy(BASE)
    moved["visits"][0]["location"]["address"] = "Stationsplein 9, 3511 ED Utrecht"
    do_import(run, moved)
    assert run(lambda db: sequences(db, by_hand)) == [1, 1]
    assert run(lambda db: sequences(db, imported)) == [1, 1]
    # Importing the same file again changes nothing more.
    do_import(run, moved)
    assert run(lambda db: sequences(db, by_hand)) == [1, 1]
    assert run(lambda db: sequences(db, imported)) == [1, 1]


async def _imported(db: Any) -> Visit:
    found: Visit = (
        await db.scalars(sa.select(Visit).where(col(Visit.external_id) == "ats-4711"))
    ).one()
    return found


def test_notes_written_in_the_workspace_survive_a_file_without_them(client, run):
    run(lambda db: add_location(db, "Kantoor Utrecht", arrival_notes="Deurcode 4711"))
    data = copy.deepcopy(BASE)
    del data["visits"][0]["location"]["arrival_notes"]
    do_import(run, data)
    offices = run(_offices)
    assert [(o.name, o.arrival_notes) for o in offices] == [("Kantoor Utrecht", "Deurcode 4711")]


def test_offices_match_whatever_the_case(client, run):
    run(lambda db: add_location(db, "Kantoor Utrecht"))
    data = copy.deepcopy(BASE)
    data["visits"][0]["location"]["name"] = "KANTOOR utrecht"
    do_import(run, data)
    assert [o.name for o in run(_offices)] == ["Kantoor Utrecht"]


def test_one_office_with_two_addresses_in_a_file_is_refused(client, run):
    data = copy.deepcopy(BASE)
    second = copy.deepcopy(data["visits"][0])
    second["external_id"] = "ats-4712"
    second["location"]["address"] = "Ergens anders 1"
    data["visits"].append(second)
    with pytest.raises(ImportProblems) as exc:
        do_import(run, data)
    assert exc.value.problems == [
        "visits[1].location.address: differs from visits[0].location.address "
        "for the same office 'Kantoor Utrecht'"
    ]
    assert run(_offices) == []
