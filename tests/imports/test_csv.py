"""The CSV format: one row per agenda item, read into the same checks as JSON."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import col

from portal.imports.csv_format import HEADER
from portal.imports.service import ImportProblems, import_bytes, read
from portal.models import AgendaItem, Location, User, Visit
from tests.imports.test_import import BASE, _counts, _now

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "import.csv"

ROW = {
    "visit_external_id": "ats-4711",
    "candidate_email": "sam@example.org",
    "candidate_name": "Sam de Vries",
    "candidate_locale": "nl",
    "position": "Backend developer",
    "department": "Engineering",
    "timezone": "Europe/Amsterdam",
    "location_name": "Kantoor Utrecht",
    "location_address": "Catharijnesingel 1, 3511 GA Utrecht",
    "host": "hr@example.com",
    "item_external_id": "ats-4711-1",
    "starts_at": "2026-12-03T09:30",
    "ends_at": "2026-12-03T10:15",
    "kind": "interview",
    "title": "Kennismaking met het team",
    "internal_title": "Round 1",
    "room": "Zaal Dom",
    "description": "Koffie",
    "visible_to_candidate": "yes",
    "interviewers": "noor@example.com",
}
LUNCH = {
    **ROW,
    "item_external_id": "",
    "starts_at": "2026-12-03T10:30+01:00",
    "ends_at": "2026-12-03T11:00+01:00",
    "kind": "lunch",
    "title": "Lunch",
    "internal_title": "",
    "room": "",
    "description": "",
    "visible_to_candidate": "",
    "interviewers": "",
}


def table(*rows: dict[str, str], delimiter: str = ",", header: tuple[str, ...] = HEADER) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name, "") for name in header])
    return out.getvalue()


def problems_of(raw: str | bytes) -> list[str]:
    with pytest.raises(ImportProblems) as exc:
        read(raw)
    return exc.value.problems


@pytest.fixture
def staff(run: Any) -> None:
    """The hosts and interviewers (a CSV names them, it cannot bring them)."""
    run(lambda db: import_bytes(db, json.dumps({"staff": BASE["staff"]}), now=_now()))


def do_import(run: Any, raw: str | bytes) -> Any:
    return run(lambda db: import_bytes(db, raw, now=_now()))


async def _snapshot(db: Any, models: tuple[Any, ...] = (User, Visit, AgendaItem, Location)) -> Any:
    rows = []
    for model in models:
        rows += [r.model_dump() for r in await db.scalars(sa.select(model))]
    return rows


def test_a_csv_makes_the_same_visit_as_the_json_file(client, run, staff):
    """BASE's visit written as two rows: the same visit, items, times and interviewers."""
    report = do_import(run, table(ROW, LUNCH))
    assert report.created == {"staff": 0, "visits": 1}
    assert run(_counts) == (3, 1, 2)

    async def items(db: Any) -> list[tuple[Any, ...]]:
        rows = await db.scalars(sa.select(AgendaItem).order_by(col(AgendaItem.position)))
        return [
            (i.external_id, i.starts_at.hour, i.kind, i.title, i.visible_to_candidate) for i in rows
        ]

    assert run(items) == [
        ("ats-4711-1", 8, "interview", "Kennismaking met het team", True),
        (None, 9, "lunch", "Lunch", True),
    ]
    # The JSON file of the same visit finds it and changes nothing in it (it brings the
    # office's arrival notes, which a CSV has no column for).
    before = run(lambda db: _snapshot(db, (Visit, AgendaItem)))
    json_report = do_import(run, json.dumps(BASE))
    assert json_report.created["visits"] == 0 and json_report.changed == []
    assert run(lambda db: _snapshot(db, (Visit, AgendaItem))) == before


def test_importing_a_csv_twice_changes_nothing(client, run, staff):
    raw = table(ROW, LUNCH)
    do_import(run, raw)
    before = run(_snapshot)
    report = do_import(run, raw)
    assert report.created == {"staff": 0, "visits": 0}
    assert report.updated["visits"] == 1
    assert run(_snapshot) == before


def test_dutch_excel_semicolons_bom_and_crlf(client, run, staff):
    """ "CSV UTF-8" from a Dutch Excel: ';' between values, a BOM, CRLF, a trailing ';'."""
    text = table(ROW, LUNCH, delimiter=";").replace("\n", ";\r\n")
    raw = b"\xef\xbb\xbf" + text.encode()
    assert read(raw).format == "csv"
    assert do_import(run, raw).created["visits"] == 1


def test_the_example_file_imports(client, run, staff):
    report = do_import(run, EXAMPLE.read_bytes())
    assert report.created["visits"] == 2
    assert run(_counts) == (4, 2, 6)


def test_the_format_is_decided_by_the_content(client):
    assert read(json.dumps(BASE).encode()).format == "json"
    assert read(table(ROW)).format == "csv"
    assert read(b"\xef\xbb\xbf" + json.dumps(BASE).encode()).format == "json"


def test_neither_json_nor_our_csv_is_told_so():
    (problem,) = problems_of("naam,adres\nSam,Utrecht\n")
    assert problem.startswith("line 1: this is neither a JSON object nor a CSV file")
    assert "visit_external_id" in problem
    assert problems_of("{broken")[0].startswith("not valid JSON")
    assert problems_of(b"\xff\xfe\x00") == [
        "(file): not UTF-8 text (byte 0); save the file as UTF-8"
    ]


def test_missing_and_unknown_columns_are_named():
    header = (*(n for n in HEADER if n not in ("room", "kind")), "colour")
    assert problems_of(table(ROW, header=header)) == [
        "line 1: unknown column 'colour'",
        "line 1: missing column(s): kind, room",
    ]


def test_a_bad_value_is_named_by_line_and_column(client, run, staff):
    problems = problems_of(table(ROW, {**LUNCH, "kind": "party", "candidate_locale": "nl"}))
    assert len(problems) == 1
    assert problems[0].startswith("line 3, column kind: Input should be 'interview'")


def test_problems_found_in_the_database_are_named_by_line_too(client, run, staff):
    """An unknown interviewer is only known once the portal's staff are looked up."""
    stranger = {**LUNCH, "interviewers": "noor@example.com; stranger@example.com"}
    with pytest.raises(ImportProblems) as exc:
        do_import(run, table(ROW, stranger))
    assert exc.value.problems == [
        "line 3, column interviewers: stranger@example.com is not a member of staff "
        '(add them under "staff")'
    ]
    assert run(_counts) == (2, 0, 0)  # the two staff from the fixture, nothing else


def test_rows_of_one_visit_must_agree_and_both_lines_are_named():
    problems = problems_of(table(ROW, {**LUNCH, "position": "Frontend developer"}))
    assert problems == [
        "line 3, column position: 'Frontend developer' differs from line 2 "
        "('Backend developer'); every row of visit 'ats-4711' must give the same position"
    ]


def test_a_value_holding_the_separator_must_be_quoted():
    text = table(ROW, LUNCH).replace(
        '"Catharijnesingel 1, 3511 GA Utrecht"', "Catharijnesingel 1, 3511 GA Utrecht", 1
    )
    assert problems_of(text) == [
        "line 2: 21 values where there are 20 columns "
        "(a value holding the separator must be in double quotes)"
    ]


def test_line_numbers_count_lines_not_rows():
    """A description over three lines: the next row starts on line 5, and is named so."""
    text = table({**ROW, "description": "Een\nlange\ntekst"}, {**LUNCH, "ends_at": "gisteren"})
    (problem,) = problems_of(text)
    assert problem.startswith("line 5, column ends_at:")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("yes", True),
        ("No", False),
        ("1", True),
        ("0", False),
        ("ja", True),
        ("nee", False),
        ("TRUE", True),
        ("false", False),
        ("", True),
    ],
)
def test_visible_to_candidate_values(value, expected):
    data = read(table({**ROW, "visible_to_candidate": value})).data
    assert data.visits[0].agenda[0].visible_to_candidate is expected


def test_an_unclear_visibility_is_a_problem():
    assert problems_of(table({**ROW, "visible_to_candidate": "misschien"})) == [
        "line 2, column visible_to_candidate: write yes or no (or leave it empty for yes), "
        "not 'misschien'"
    ]


def test_interviewers_are_separated_by_semicolons():
    row = {**ROW, "interviewers": " noor@example.com ;hr@example.com;; "}
    data = read(table(row, delimiter=";")).data
    assert data.visits[0].agenda[0].interviewers == ["noor@example.com", "hr@example.com"]


def test_two_items_with_one_id_name_both_lines():
    assert problems_of(table(ROW, {**ROW, "starts_at": "2026-12-03T11:00"})) == [
        "line 3, column item_external_id: 'ats-4711-1' is on line 2 already; "
        "each agenda item of a visit needs its own"
    ]


def test_an_empty_visit_id_and_an_address_without_office_are_problems():
    problems = problems_of(
        table({**ROW, "location_name": ""}, {**LUNCH, "visit_external_id": "", "location_name": ""})
    )
    assert problems == [
        "line 2, column location_address: give location_name too (offices are matched on "
        "their name)",
        "line 3, column visit_external_id: required (rows are grouped into visits on it)",
    ]


def test_a_header_without_rows_is_a_problem():
    assert problems_of(table()) == ["line 2: no rows: give one row per agenda item"]


def test_blank_rows_are_skipped(client, run, staff):
    text = table(ROW) + "\n,,,,\n" + table(LUNCH).split("\n", 1)[1] + ",,,\n"
    assert len(read(text).data.visits[0].agenda) == 2


def test_an_empty_address_keeps_the_office_as_it_is(client, run, staff):
    do_import(run, table(ROW))
    do_import(run, table({**ROW, "location_address": ""}))
    offices = run(lambda db: db.scalars(sa.select(Location)))
    assert [(o.name, o.address) for o in offices] == [
        ("Kantoor Utrecht", "Catharijnesingel 1, 3511 GA Utrecht")
    ]
