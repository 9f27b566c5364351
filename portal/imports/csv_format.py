"""The simple import format: a CSV file with one row per agenda item.

Rows with the same ``visit_external_id`` make one visit, in the order of the rows. The rows
become the same ``ImportFile`` as a JSON file and are checked by the same code; problems
are then named by line and column, as a person sees the file in a spreadsheet. A CSV has
no staff: hosts and interviewers must already be in the portal.

Spreadsheets differ in what they write: Excel adds a byte-order mark to "CSV UTF-8", and
a Dutch Excel separates values with ``;`` (the comma is the decimal sign there), so the
separator is taken from the header line.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from portal.imports.schema import ImportFile, ImportProblems, validate

VISIT_COLUMNS = (
    "visit_external_id",
    "candidate_email",
    "candidate_name",
    "candidate_locale",
    "position",
    "department",
    "timezone",
    "location_name",
    "location_address",
    "host",
)
ITEM_COLUMNS = (
    "item_external_id",
    "starts_at",
    "ends_at",
    "kind",
    "title",
    "internal_title",
    "room",
    "description",
    "visible_to_candidate",
    "interviewers",
)
HEADER = VISIT_COLUMNS + ITEM_COLUMNS
DELIMITERS = (",", ";", "\t")
YES = {"yes", "true", "1", "ja", "y"}
NO = {"no", "false", "0", "nee", "n"}

# A path in the checked ImportFile -> the column it came from.
_VISIT_FIELD = {
    "external_id": "visit_external_id",
    "candidate.email": "candidate_email",
    "candidate.name": "candidate_name",
    "candidate.locale": "candidate_locale",
    "candidate": "candidate_email",
    "position": "position",
    "department": "department",
    "timezone": "timezone",
    "location": "location_name",
    "location.name": "location_name",
    "location.address": "location_address",
    "host": "host",
}
_ITEM_FIELD = {"external_id": "item_external_id"}
# ASCII digits of a bounded length: a message may quote a value from the file ("office
# 'visits[٣]'"), and int() must never meet "٣" or a number of thousands of digits.
_PATH = re.compile(r"visits\[([0-9]{1,9})\]((?:\.[a-z_]+|\[[0-9]{1,9}\])*)")
_ITEM = re.compile(r"\.agenda\[([0-9]{1,9})\](?:\.([a-z_]+))?")


@dataclass
class _Visit:
    external_id: str
    line: int
    row: dict[str, str]
    items: list[tuple[int, dict[str, str]]] = field(default_factory=list)


def read_csv(text: str) -> tuple[ImportFile, Callable[[str], str]]:
    """The checked file and a function naming the line and column of a problem's path.

    Raises ImportProblems with every problem found, each naming its line (and column).
    """
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    header = _header(next(rows, []))
    problems: list[str] = []
    visits: dict[str, _Visit] = {}
    while True:
        line = rows.line_num + 1  # where this row starts (a quoted value may span lines)
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:
            raise ImportProblems([*problems, f"line {line}: {exc}"]) from exc
        if not any(value.strip() for value in row):
            continue  # blank rows, and the empty rows spreadsheets leave at the end
        record = _record(row, header, line, problems)
        if record is not None:
            _add(visits, record, line, problems)
    if not visits and not problems:
        problems.append("line 2: no rows: give one row per agenda item")
    ordered = list(visits.values())
    locate = _locator(ordered)
    try:
        data = validate({"visits": [_visit_data(v, problems) for v in ordered]})
    except ImportProblems as exc:
        raise ImportProblems(_by_line(problems + [locate(p) for p in exc.problems])) from exc
    if problems:
        raise ImportProblems(_by_line(problems))
    return data, locate


def _delimiter(text: str) -> str:
    """The separator that makes the most known column names of the first line."""
    first = text.split("\n", 1)[0]

    def known(delimiter: str) -> int:
        names = next(csv.reader([first], delimiter=delimiter), [])
        return sum(name.strip() in HEADER for name in names)

    return max(DELIMITERS, key=known)


def _header(names: list[str]) -> list[str]:
    names = [n.strip() for n in names]
    while names and not names[-1]:
        names.pop()  # a trailing separator (some spreadsheets write one on every line)
    if not set(names) & set(HEADER):
        raise ImportProblems(
            [
                "line 1: this is neither a JSON object nor a CSV file with the expected "
                f"header; the first line of a CSV file names the columns: {', '.join(HEADER)}"
            ]
        )
    problems = []
    for n, name in enumerate(names, start=1):
        if name not in HEADER:
            shown = repr(name) if name else f"number {n} (no name)"
            problems.append(f"line 1: unknown column {shown}")
        elif names.index(name) != n - 1:
            problems.append(f"line 1: column {name!r} appears twice")
    missing = [name for name in HEADER if name not in names]
    if missing:
        problems.append(f"line 1: missing column(s): {', '.join(missing)}")
    if problems:
        raise ImportProblems(problems)
    return names


def _record(
    row: list[str], header: list[str], line: int, problems: list[str]
) -> dict[str, str] | None:
    extra = row[len(header) :]
    if len(row) < len(header) or any(value.strip() for value in extra):
        problems.append(
            f"line {line}: {len(row)} values where there are {len(header)} columns "
            "(a value holding the separator must be in double quotes)"
        )
        return None
    return {name: value.strip() for name, value in zip(header, row, strict=False)}


def _add(visits: dict[str, _Visit], record: dict[str, str], line: int, problems: list[str]) -> None:
    external_id = record["visit_external_id"]
    if not external_id:
        problems.append(
            f"line {line}, column visit_external_id: required (rows are grouped into visits on it)"
        )
        return
    visit = visits.get(external_id)
    if visit is None:
        visit = visits[external_id] = _Visit(external_id, line, record)
    else:
        for name in VISIT_COLUMNS:
            if record[name] != visit.row[name]:
                problems.append(
                    f"line {line}, column {name}: {record[name]!r} differs from line "
                    f"{visit.line} ({visit.row[name]!r}); every row of visit "
                    f"{external_id!r} must give the same {name}"
                )
        item_id = record["item_external_id"]
        twin = next((n for n, r in visit.items if item_id and r["item_external_id"] == item_id), 0)
        if twin:
            problems.append(
                f"line {line}, column item_external_id: {item_id!r} is on line {twin} already; "
                "each agenda item of a visit needs its own"
            )
            return
    visit.items.append((line, record))


def _given(record: dict[str, str], **keys: str) -> dict[str, str]:
    """The optional values that are filled in: an empty cell means "not given"."""
    return {key: record[column] for key, column in keys.items() if record[column]}


def _visit_data(visit: _Visit, problems: list[str]) -> dict[str, Any]:
    row = visit.row
    locale = row["candidate_locale"].lower()
    data: dict[str, Any] = {
        "external_id": visit.external_id,
        "candidate": {
            "email": row["candidate_email"],
            "name": row["candidate_name"],
            **({"locale": locale} if locale else {}),
        },
        "position": row["position"],
        **_given(row, department="department", timezone="timezone", host="host"),
        "agenda": [_item_data(line, record, problems) for line, record in visit.items],
    }
    if row["location_name"]:
        # An empty address keeps the one the portal has (as a JSON file leaving it out).
        data["location"] = {"name": row["location_name"], **_given(row, address="location_address")}
    elif row["location_address"]:
        problems.append(
            f"line {visit.line}, column location_address: give location_name too "
            "(offices are matched on their name)"
        )
    return data


def _item_data(line: int, record: dict[str, str], problems: list[str]) -> dict[str, Any]:
    item: dict[str, Any] = {
        "starts_at": record["starts_at"],
        "ends_at": record["ends_at"],
        # "Interview" as well as "interview": a spreadsheet capitalises what it can.
        "kind": record["kind"].lower(),
        "title": record["title"],
        **_given(
            record,
            external_id="item_external_id",
            internal_title="internal_title",
            room="room",
            description="description",
        ),
    }
    visible = record["visible_to_candidate"].lower()
    if visible in YES:
        item["visible_to_candidate"] = True
    elif visible in NO:
        item["visible_to_candidate"] = False
    elif visible:
        problems.append(
            f"line {line}, column visible_to_candidate: write yes or no "
            f"(or leave it empty for yes), not {record['visible_to_candidate']!r}"
        )
    people = [email.strip() for email in record["interviewers"].split(";")]
    item["interviewers"] = [email for email in people if email]
    return item


def _locator(visits: list[_Visit]) -> Callable[[str], str]:
    """Turns "visits[2].agenda[1].kind: …" into "line 9, column kind: …"."""

    def place(match: re.Match[str]) -> tuple[int, str]:
        visit = visits[int(match[1])] if int(match[1]) < len(visits) else None
        if visit is None:
            return 0, ""
        rest = match[2]
        item = _ITEM.match(rest)
        if item:
            n = int(item[1])
            line = visit.items[n][0] if n < len(visit.items) else visit.line
            name = item[2] or ""
            return line, _ITEM_FIELD.get(name, name)
        return visit.line, _VISIT_FIELD.get(rest.lstrip(".").split("[")[0], "")

    def locate(problem: str) -> str:
        match = _PATH.match(problem)
        if match is None or not problem[match.end() :].startswith(": "):
            return problem
        line, column = place(match)
        if not line:
            return problem
        where = f"line {line}, column {column}" if column else f"line {line}"
        message = problem[match.end() + 2 :]
        # A path inside the message ("differs from visits[0].location.address") as well.
        message = _PATH.sub(lambda m: f"line {place(m)[0]}" if place(m)[0] else m[0], message)
        return f"{where}: {message}"

    return locate


def _by_line(problems: list[str]) -> list[str]:
    """In the order of the file, as a person goes through it (stable for equal lines)."""

    def line(problem: str) -> int:
        found = re.match(r"line ([0-9]{1,9})", problem)
        return int(found[1]) if found else 0

    return sorted(problems, key=line)
