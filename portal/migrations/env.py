"""Alembic environment: runs on the connection handed over by ``portal.db.upgrade``."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Literal, cast

import sqlalchemy as sa
from alembic import context
from sqlmodel import SQLModel

import portal.models  # noqa: F401  (registers every table on the metadata)

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext

target_metadata = SQLModel.metadata


def _render_item(type_: str, obj: object, autogen_context: AutogenContext) -> str | Literal[False]:
    # Our column types are plain SQL types underneath: write them as such in migrations.
    from portal.models import EnumText, UTCDateTime

    if type_ == "type" and isinstance(obj, EnumText):
        # TypeDecorator.__init__ puts an instance of the impl class in its place.
        return f"sa.String(length={cast(sa.String, obj.impl).length})"
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure_and_run(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_item=_render_item,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection)
        return
    # Called from the alembic command line: build an engine from the settings.
    from portal.config import Settings
    from portal.db import make_engine

    async def _run() -> None:
        engine = make_engine(Settings().database_url)
        async with engine.begin() as conn:
            await conn.run_sync(_configure_and_run)
        await engine.dispose()

    asyncio.run(_run())


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `portal db upgrade`")
_run_online()
