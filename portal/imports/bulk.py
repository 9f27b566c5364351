"""Reads and writes of many rows at once: a file of thousands of visits costs a few
statements per batch, not one per row."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from portal.models import AgendaItem, Visit

# Values in one IN (...) list: a file of any size is looked up a chunk at a time.
CHUNK = 500


def chunks(values: list[str]) -> Iterable[list[str]]:
    for i in range(0, len(values), CHUNK):
        yield values[i : i + CHUNK]


async def insert_returning_ids(
    db: AsyncSession, model: type[Visit] | type[AgendaItem], rows: list[dict[str, Any]]
) -> dict[str, int]:
    """Insert ``rows`` in bulk; their new ids by public id."""
    if not rows:
        return {}
    result = await db.execute(sa.insert(model).returning(col(model.id), col(model.public_id)), rows)
    # Typed "int | None" (the model's id before insert); after an INSERT it is always set.
    return {public_id: row_id for row_id, public_id in result.all() if row_id is not None}
