"""Generate a realistic organisation in a fresh database, fast.

At ``--scale 1``: 10,000 visits over two years (the last a month ahead) with agendas of
4–10 items and their interviewers, 100,000 questions in every state, 500 staff with bios
and photos, 200 stories in every state, the candidates' answers, the invitations sent.
``--scale 0.01`` makes a small organisation for CI.

The schema comes from the portal's migrations; rows are built in memory
(benchmarks.organisation, benchmarks.content) and written in bulk, one prepared INSERT
run for all the rows of a table, in one transaction. Pictures go through the portal's own image
pipeline and storage: a few portraits and covers, shared by many people and stories.

Candidates whose retention period is over would have been erased by the daily job; here
they stay, with a consent to be kept (the talent pool), so the data is what a portal that
keeps two years of visits holds. On PostgreSQL the tables are vacuumed and analysed at the end, as
autovacuum would soon do.

    python -m benchmarks.generate --database-url sqlite+aiosqlite:///build/benchmarks/b.db
"""

from __future__ import annotations

import argparse
import asyncio
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlmodel import SQLModel

from benchmarks import content, databases, texts
from benchmarks.organisation import Organisation, Sizes
from portal.db import make_engine, upgrade
from portal.demo_stories import draw_cover
from portal.media import service as media
from portal.models import PoolConsent, utcnow
from portal.pictures.images import process_image
from portal.pictures.storage import LocalStorage
from portal.privacy.retention import Rules, due_candidates
from portal.security import Keyring

PHOTOS = 6
# Tables in the order their foreign keys allow.
ORDER = (
    "users",
    "images",
    "staff_profiles",
    "locations",
    "visits",
    "agenda_items",
    "agenda_interviewers",
    "visit_preferences",
    "questions",
    "stories",
    "story_revisions",
    "outbox_emails",
    "agenda_templates",
)


@dataclass
class Generated:
    sizes: Sizes
    counts: dict[str, int]
    seconds: float
    migrate_seconds: float


async def generate(
    url: str,
    *,
    scale: float = 1.0,
    media_dir: Path = databases.BUILD_DIR / "media",
    seed: int = 13,
    now: datetime | None = None,
) -> Generated:
    """Recreate the database at ``url`` and fill it (the database's name must start with
    ``bench`` on PostgreSQL: see benchmarks.databases)."""
    started = time.perf_counter()
    await databases.recreate(url)
    engine = make_engine(url)
    try:
        await upgrade(engine)
        migrated = time.perf_counter()
        org = Organisation(
            Sizes.at(scale),
            now=now or utcnow(),
            keyring=Keyring(databases.SECRET_KEY),
            seed=seed,
        )
        build(org, await pictures(LocalStorage(media_dir), org))
        async with engine.begin() as conn:
            for table in ORDER:
                await insert_many(conn, table, org.t.rows.get(table, []))
            await talent_pool(conn, org)
            if engine.dialect.name == "postgresql":
                await after_bulk_load(conn)
        if engine.dialect.name == "postgresql":
            # What autovacuum does soon after a bulk load in production (it is off on some
            # machines): the visibility map, so index-only scans need not visit the table,
            # and fresh statistics. VACUUM cannot run inside a transaction.
            async with engine.connect() as plain:
                auto = await plain.execution_options(isolation_level="AUTOCOMMIT")
                await auto.execute(sa.text("VACUUM ANALYZE"))
        counts = {table: org.t.count(table) for table in ORDER}
        counts["pool_consents"] = org.t.count("pool_consents")
        done = time.perf_counter()
    finally:
        await engine.dispose()
    return Generated(org.sizes, counts, done - started, migrated - started)


def build(org: Organisation, images: tuple[list[int], list[int]]) -> None:
    photos, covers = images
    org.staff(photos)
    org.locations()
    org.all_visits()
    org.failed_mails()
    content.questions(org)
    content.stories(org, covers)
    content.agenda_templates(org)


async def pictures(storage: LocalStorage, org: Organisation) -> tuple[list[int], list[int]]:
    """A few portraits and covers through the portal's pipeline, stored, with their rows
    (owned by the first member of staff, an HR person, who uploaded them). Returns the ids
    of the photos and of the covers."""
    made: dict[str, list[int]] = {"photo": [], "cover": []}
    sources: list[tuple[str, bytes]] = [("photo", texts.portrait(n)) for n in range(PHOTOS)]
    sources += [("cover", draw_cover(c, (1600, 900))) for c in texts.COVERS]
    for kind, data in sources:
        widths = media.PHOTO_WIDTHS if kind == "photo" else media.COVER_WIDTHS
        variants = process_image(data, max_bytes=8 << 20, max_pixels=40_000_000, widths=widths)
        public_id = org.public_id()
        for variant in variants:
            await storage.save(media.key_for(public_id, variant.width), variant.data)
        image_id = org.t.add(
            "images",
            {
                "id": org.t.count("images") + 1,
                "public_id": public_id,
                "owner_id": 1,
                "width": variants[-1].width,
                "height": variants[-1].height,
                "widths": [v.width for v in variants],
                "source_digest": media.digest(data),
                "created_at": org.ago(100, 400),
            },
        )
        made[kind].append(image_id)
    return made["photo"], made["cover"]


async def insert_many(conn: AsyncConnection, name: str, rows: list[dict[str, Any]]) -> None:
    """Rows through one prepared INSERT run for all of them (the driver's executemany).

    Measured at scale 0.3: 1.3 s on SQLite and 1.7 s on PostgreSQL, where multi-row
    ``INSERT … VALUES (…), (…)`` statements of 50 to 1,500 rows took 9–14 s (SQLAlchemy
    compiles each such statement anew, and binds every value through its types either way).
    """
    if rows:
        await conn.execute(sa.insert(SQLModel.metadata.tables[name]), rows)


async def talent_pool(conn: AsyncConnection, org: Organisation) -> None:
    """A consent to be kept for every candidate the retention job would have erased by now
    (portal.privacy.retention decides who), running out some time in the coming year."""
    async with AsyncSession(bind=conn) as db:
        due = await due_candidates(db, org.now, rules=Rules())
    rules = Rules()
    for user_id in due:
        until = org.today + timedelta(days=org.rng.randint(15, 330))
        org.t.add(
            "pool_consents",
            {
                "id": org.t.count("pool_consents") + 1,
                "user_id": user_id,
                "given_at": rules.midnight(until - timedelta(days=365)),
                "until": until,
                "text": texts.CONSENT,
                "locale": "nl",
                "renewal_sent_at": None,
            },
        )
    await insert_many(conn, PoolConsent.__tablename__, org.t.rows.get("pool_consents", []))


async def after_bulk_load(conn: AsyncConnection) -> None:
    """PostgreSQL: sequences past the ids written (VACUUM ANALYZE follows, outside the
    transaction)."""
    for table in SQLModel.metadata.sorted_tables:
        if "id" in table.c and table.c.id.primary_key and table.c.id.autoincrement:
            await conn.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608
                    f"(SELECT max(id) FROM {table.name}))"
                )
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.generate", description=__doc__)
    parser.add_argument(
        "--database-url",
        default=databases.sqlite_url(databases.BUILD_DIR / "bench.db"),
        help="SQLite file or PostgreSQL database (its name must start with 'bench'); "
        "whatever it holds is replaced",
    )
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 10,000 visits")
    parser.add_argument("--media-dir", type=Path, default=databases.BUILD_DIR / "media")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    done = asyncio.run(
        generate(args.database_url, scale=args.scale, media_dir=args.media_dir, seed=args.seed)
    )
    for table, count in done.counts.items():
        print(f"  {table:<22} {count:>9,}")
    print(f"generated in {done.seconds:.1f} s (of which migrations {done.migrate_seconds:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
