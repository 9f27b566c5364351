"""Imported values that would break a line, a date or a parser are refused, with their place.

A name, title or room goes into one-line places (a calendar file's lines, e-mail subjects,
lists): a line break there would start a line of its own (``\\r\\nBEGIN:VEVENT`` a new
calendar event). The file is refused whole, the field named; nothing is written.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.imports.service import ImportProblems, import_bytes, read
from portal.models import Visit
from tests.imports.test_csv import ROW, table
from tests.imports.test_import import BASE, _counts, _now
from tests.imports.test_upload import upload

BREAKS = ["Developer\r\nBEGIN:VEVENT", "Developer\nSUMMARY:x", "Dev\x00eloper", "Dev\u2028eloper"]

# Every one-line field of the JSON format, by where it is in the file.
ONE_LINE_FIELDS = [
    ("staff", 0, "name"),
    ("staff", 0, "job_title"),
    ("staff", 0, "department"),
    ("staff", 0, "pronouns"),
    ("staff", 0, "linkedin_url"),
    ("visits", 0, "external_id"),
    ("visits", 0, "position"),
    ("visits", 0, "department"),
    ("visits", 0, "candidate", "name"),
    ("visits", 0, "location", "name"),
    ("visits", 0, "location", "address"),
    ("visits", 0, "agenda", 0, "external_id"),
    ("visits", 0, "agenda", 0, "title"),
    ("visits", 0, "agenda", 0, "internal_title"),
    ("visits", 0, "agenda", 0, "room"),
]


def with_value(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    target: Any = data
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return data


def problems_of(raw: str) -> list[str]:
    with pytest.raises(ImportProblems) as exc:
        read(raw)
    return exc.value.problems


def place(path: tuple[Any, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


@pytest.mark.parametrize("path", ONE_LINE_FIELDS, ids=place)
@pytest.mark.parametrize("value", BREAKS, ids=["crlf", "lf", "nul", "u2028"])
def test_a_line_break_in_a_one_line_field_is_refused_with_its_place(path, value):
    if path[-1] == "linkedin_url":
        value = "https://www.linkedin.com/in/" + value
    problems = problems_of(json.dumps(with_value(path, value)))
    assert [p for p in problems if p.startswith(place(path) + ": ")], problems
    assert any("one line" in p for p in problems), problems


def test_an_injected_calendar_event_never_reaches_the_calendar(client, run, make_user, login_as):
    """The issue's case: the file is refused whole; the calendar keeps its own events."""
    run(lambda db: import_bytes(db, json.dumps(BASE), now=_now()))
    login_as(make_user(role="hr"))
    before = run(_counts)
    bad = with_value(("visits", 0, "position"), "Developer\r\nBEGIN:VEVENT\r\nSUMMARY:Free money")
    response = upload(client, json.dumps(bad))
    assert response.status_code == 422
    assert "visits[0].position" in response.text
    assert run(_counts) == before
    visit = run(lambda db: db.scalar(sa.select(Visit).options(selectinload(Visit.candidate))))
    assert visit.position == "Backend developer"
    login_as(visit.candidate)
    calendar = client.get(f"/visit/{visit.public_id}/calendar.ics")
    assert calendar.status_code == 200
    assert calendar.text.count("BEGIN:VEVENT") == 2 and "Free money" not in calendar.text


@pytest.mark.parametrize(
    "path",
    [("staff", 0, "bio"), ("visits", 0, "agenda", 0, "description")],
    ids=place,
)
def test_longer_text_keeps_its_line_breaks_but_not_control_characters(client, run, path):
    kept = json.dumps(with_value(path, "Eerst koffie.\r\n\r\nDan een rondleiding."))
    assert read(kept).data is not None
    problems = problems_of(json.dumps(with_value(path, "Koffie\x00\x1b[31m")))
    assert any(p.startswith(place(path) + ": ") and "control" in p for p in problems), problems


def test_a_csv_cell_with_a_line_break_is_refused_by_line_and_column():
    raw = table({**ROW, "position": "Developer\r\nBEGIN:VEVENT"})
    problems = problems_of(raw)
    assert any(p.startswith("line 2, column position: ") for p in problems), problems


def test_a_csv_description_may_span_lines():
    raw = table({**ROW, "description": "Koffie.\nDaarna de rondleiding."})
    assert read(raw).data.visits[0].agenda[0].description == "Koffie.\nDaarna de rondleiding."


# ---- other odd values ------------------------------------------------------------------------


@pytest.mark.parametrize("zone", ["localtime", "posixrules", "Factory", "../etc", "Europe/Nowhere"])
def test_only_iana_time_zones(zone):
    problems = problems_of(json.dumps(with_value(("visits", 0, "timezone"), zone)))
    assert any(p.startswith("visits[0].timezone: ") for p in problems), problems


@pytest.mark.parametrize("when", ["0001-01-01T09:00", "9999-12-31T09:00", "1999-12-31T23:00"])
def test_times_outside_the_window_are_refused(when):
    problems = problems_of(json.dumps(with_value(("visits", 0, "agenda", 0, "starts_at"), when)))
    assert any(
        p.startswith("visits[0].agenda[0].starts_at: ") and "2000-01-01" in p for p in problems
    ), problems


@pytest.mark.parametrize(
    "raw",
    [
        '{"visits": [], "staff": ' + "9" * 4301 + "}",  # int() refuses 4,301 digits
        "[" * 100_000 + "]" * 100_000,  # nested deeper than the parser goes
    ],
    ids=["4301-digits", "deep"],
)
def test_json_that_python_cannot_read_is_refused_not_crashed(client, make_user, login_as, raw):
    assert problems_of(raw)[0].startswith("not valid JSON")
    login_as(make_user(role="hr"))
    assert upload(client, raw).status_code == 422
