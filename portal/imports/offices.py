"""The offices an import file's visits take place at, matched to the known locations by
name (see schema.office_key)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from portal.imports.schema import ImportFile, office_key
from portal.models import Location


async def write_offices(
    db: AsyncSession, data: ImportFile
) -> tuple[dict[str, Location], list[Location]]:
    """The file's offices by office_key (created when new), and the existing ones whose
    address changed.

    Only what the file gives is written: an office's arrival notes kept in the workspace
    survive a file (or a CSV, which has no column for them) that leaves them out.
    """
    wanted = {office_key(v.location.name): v.location for v in data.visits if v.location}
    names = [loc.name for loc in wanted.values()]
    # lower() in SQL knows only ASCII (SQLite); the exact names are asked for as well, and
    # the match itself is made in Python.
    rows = await db.scalars(
        sa.select(Location).where(
            sa.or_(
                col(Location.name).in_(names),
                sa.func.lower(col(Location.name)).in_([n.lower() for n in names]),
            )
        )
    )
    found: dict[str, Location] = {}
    for loc in sorted(rows, key=lambda row: row.name not in names):  # exact matches first
        found.setdefault(office_key(loc.name), loc)
    moved: list[Location] = []
    for key, loc_in in wanted.items():
        known = found.get(key)
        if known is None:
            found[key] = Location(
                name=loc_in.name, address=loc_in.address, arrival_notes=loc_in.arrival_notes
            )
            db.add(found[key])
            continue
        loc = known
        given = loc_in.model_fields_set
        if "address" in given and loc.address != loc_in.address:
            loc.address = loc_in.address
            moved.append(loc)
        if "arrival_notes" in given and loc.arrival_notes != loc_in.arrival_notes:
            loc.arrival_notes = loc_in.arrival_notes
    return found, moved
