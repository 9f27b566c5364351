"""A file of a thousand visits: it finishes in seconds, a second run changes nothing, and
one bad row anywhere in it is named while nothing is written."""

from __future__ import annotations

import csv
import io
import json
import time
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from portal.imports.csv_format import HEADER
from portal.imports.service import ImportProblems, import_bytes
from portal.models import AgendaInterviewer, AgendaItem, Location, User, Visit
from tests.imports.test_import import _now

VISITS = 1000
ITEMS = 4
STAFF = 20
# Measured on the 2-core development machine: about 2 s for the first run on SQLite (and
# about 1.5 s for the second). The bound leaves room for slow CI runners, not for N+1.
LIMIT_SECONDS = 30


def staff() -> list[dict[str, Any]]:
    return [
        {
            "email": f"staff{n}@example.com",
            "name": f"Collega {n}",
            "role": "hr" if n == 0 else "employee",
        }
        for n in range(STAFF)
    ]


def visits() -> list[dict[str, Any]]:
    first = date(2027, 1, 4)
    result = []
    for v in range(VISITS):
        day = first + timedelta(days=v % 250)
        result.append(
            {
                "external_id": f"ats-{v}",
                "candidate": {"email": f"kandidaat{v}@example.org", "name": f"Kandidaat {v}"},
                "position": "Backend developer",
                "location": {"name": f"Kantoor {v % 3}", "address": f"Straat {v % 3}"},
                "host": "staff0@example.com",
                "agenda": [
                    {
                        "external_id": f"ats-{v}-{k}",
                        "starts_at": f"{day}T{9 + k:02d}:00",
                        "ends_at": f"{day}T{9 + k:02d}:45",
                        "kind": "interview",
                        "title": f"Gesprek {k + 1}",
                        "interviewers": [
                            f"staff{(v + k) % STAFF}@example.com",
                            f"staff{(v + k + 1) % STAFF}@example.com",
                        ],
                    }
                    for k in range(ITEMS)
                ],
            }
        )
    return result


def as_csv(data: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    for v in data:
        for item in v["agenda"]:
            row = {
                "visit_external_id": v["external_id"],
                "candidate_email": v["candidate"]["email"],
                "candidate_name": v["candidate"]["name"],
                "position": v["position"],
                "location_name": v["location"]["name"],
                "location_address": v["location"]["address"],
                "host": v["host"],
                "item_external_id": item["external_id"],
                "starts_at": item["starts_at"],
                "ends_at": item["ends_at"],
                "kind": item["kind"],
                "title": item["title"],
                "interviewers": ";".join(item["interviewers"]),
            }
            writer.writerow([row.get(name, "") for name in HEADER])
    return out.getvalue()


async def _everything(db: Any) -> list[Any]:
    """Every row the import writes, as plain values."""
    rows: list[Any] = []
    for model in (User, Location, Visit, AgendaItem):
        rows += [r.model_dump() for r in await db.scalars(sa.select(model))]
    rows += [tuple(r) for r in await db.execute(sa.select(AgendaInterviewer.__table__))]
    return rows


def timed(run: Any, raw: str, progress: list[str] | None = None) -> tuple[Any, float]:
    started = time.perf_counter()
    report = run(
        lambda db: import_bytes(
            db, raw, now=_now(), progress=None if progress is None else progress.append
        )
    )
    return report, time.perf_counter() - started


def test_a_thousand_visits_in_seconds_and_a_second_run_changes_nothing(client, run):
    raw = json.dumps({"staff": staff(), "visits": visits()})
    progress: list[str] = []
    report, seconds = timed(run, raw, progress)
    assert report.created == {"staff": STAFF, "visits": VISITS}
    assert seconds < LIMIT_SECONDS, f"{VISITS} visits took {seconds:.1f} s"
    assert progress == [
        f"checked {VISITS} visits, {VISITS * ITEMS} agenda items and {STAFF} staff (JSON)",
        "writing visits: 250/1000",
        "writing visits: 500/1000",
        "writing visits: 750/1000",
        "writing visits: 1000/1000",
    ]
    before = run(_everything)
    assert len(before) == STAFF + VISITS + 3 + VISITS + VISITS * ITEMS + VISITS * ITEMS * 2

    again, seconds = timed(run, raw)
    assert again.created == {"staff": 0, "visits": 0}
    assert again.updated == {"staff": STAFF, "visits": VISITS} and again.changed == []
    assert seconds < LIMIT_SECONDS
    assert run(_everything) == before


def test_the_same_thousand_visits_as_csv(client, run):
    run(lambda db: import_bytes(db, json.dumps({"staff": staff()}), now=_now()))
    report, seconds = timed(run, as_csv(visits()))
    assert report.created["visits"] == VISITS
    assert seconds < LIMIT_SECONDS, f"{VISITS} visits took {seconds:.1f} s"
    assert run(lambda db: db.scalar(sa.select(sa.func.count()).select_from(AgendaItem))) == (
        VISITS * ITEMS
    )


async def _written(db: Any) -> tuple[int, int]:
    count = sa.select(sa.func.count())
    return (
        int(await db.scalar(count.select_from(Visit)) or 0),
        int(await db.scalar(count.select_from(User)) or 0),
    )


@pytest.mark.parametrize("form", ["json", "csv"])
def test_one_bad_row_in_a_thousand_writes_nothing_and_is_named(client, run, form):
    """Visit 777's third item ends before it starts: only that row is named."""
    data = visits()
    data[777]["agenda"][2]["ends_at"] = data[777]["agenda"][2]["starts_at"].replace("T11", "T10")
    if form == "json":
        raw = json.dumps({"staff": staff(), "visits": data})
        expected = ["visits[777].agenda[2]: ends_at must be after starts_at"]
    else:
        run(lambda db: import_bytes(db, json.dumps({"staff": staff()}), now=_now()))
        raw = as_csv(data)
        # The header is line 1, then four rows per visit: visit 777's third item is
        # on line 1 + 777 * 4 + 3.
        expected = [f"line {1 + 777 * ITEMS + 3}: ends_at must be after starts_at"]
    before = run(_written)
    with pytest.raises(ImportProblems) as exc:
        run(lambda db: import_bytes(db, raw, now=_now()))
    assert exc.value.problems == expected
    assert run(_written) == before
