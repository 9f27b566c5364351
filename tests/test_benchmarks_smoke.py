"""The benchmark's data generator (benchmarks/generate.py), at a tiny scale on SQLite: it
makes what it promises, in every state, and the rows hang together. The load runner itself
needs wrk and runs in CI on its own (python -m benchmarks.run --quick)."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from benchmarks import databases
from benchmarks.generate import generate
from benchmarks.organisation import SHOWCASE, Sizes
from portal.models import QuestionStatus, Role, StoryStatus

SCALE = 0.005


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bench")
    url = databases.sqlite_url(folder / "bench.db")
    asyncio.run(generate(url, scale=SCALE, media_dir=folder / "media"))
    return folder


def rows(folder: Path, sql: str) -> list[Any]:
    with closing(sqlite3.connect(folder / "bench.db")) as db:
        return db.execute(sql).fetchall()


def one(folder: Path, sql: str) -> Any:
    return rows(folder, sql)[0][0]


def by_status(folder: Path, table: str) -> dict[str, int]:
    return dict(rows(folder, f"SELECT status, count(*) FROM {table} GROUP BY status"))  # noqa: S608


def test_every_count_is_the_scale_asked_for(generated):
    sizes = Sizes.at(SCALE)
    assert one(generated, "SELECT count(*) FROM visits") == sizes.visits
    assert sum(by_status(generated, "questions").values()) == sizes.questions
    assert sum(by_status(generated, "stories").values()) == sizes.stories
    roles = dict(rows(generated, "SELECT role, count(*) FROM users GROUP BY role"))
    assert roles[Role.HR] + roles[Role.ADMIN] == sizes.hr
    assert roles[Role.HR] + roles[Role.ADMIN] + roles[Role.EMPLOYEE] == sizes.staff
    # Most candidates come once; a few come back for a next round.
    assert sizes.visits * 0.8 <= roles[Role.CANDIDATE] <= sizes.visits


def test_questions_and_stories_are_in_every_state(generated):
    assert set(by_status(generated, "questions")) == {s.value for s in QuestionStatus}
    assert set(by_status(generated, "stories")) == {s.value for s in StoryStatus}


def test_agendas_have_four_to_ten_items_with_people(generated):
    low, high = rows(
        generated,
        "SELECT min(n), max(n) FROM (SELECT count(*) AS n FROM agenda_items GROUP BY visit_id)",
    )[0]
    assert 4 <= low <= high <= 10
    alone = one(
        generated,
        "SELECT count(*) FROM agenda_items WHERE kind != 'break' AND id NOT IN "
        "(SELECT agenda_item_id FROM agenda_interviewers)",
    )
    assert alone == 0


def test_rows_hang_together(generated):
    # A question is its visit's candidate's, every reference points at a row, and the
    # showcase visit the runner opens is there.
    mismatched = one(
        generated,
        "SELECT count(*) FROM questions q JOIN visits v ON v.id = q.visit_id "
        "WHERE q.candidate_id != v.candidate_id",
    )
    assert mismatched == 0
    assert one(generated, f"SELECT count(*) FROM visits WHERE external_id = '{SHOWCASE}'") == 1  # noqa: S608
    assert rows(generated, "PRAGMA foreign_key_check") == []


def test_staff_have_bios_and_some_photos_in_the_storage(generated):
    sizes = Sizes.at(SCALE)
    assert one(generated, "SELECT count(*) FROM staff_profiles WHERE bio != ''") == sizes.staff
    assert one(generated, "SELECT count(*) FROM staff_profiles WHERE photo_id IS NOT NULL") > 0
    stored = {path.parent.name for path in (generated / "media" / "images").glob("*/*.jpg")}
    assert stored == {public_id for (public_id,) in rows(generated, "SELECT public_id FROM images")}


def test_only_a_database_named_bench_is_ever_dropped():
    for name in ("test", "portal_test_1234", "portal"):
        with pytest.raises(ValueError, match="refusing"):
            databases.checked_name(f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}")
    assert databases.checked_name(databases.DEFAULT_POSTGRESQL_URL) == "bench"
