"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import portal.models  # noqa: F401


def test_models_and_migrations_agree(client):
    engine = client.app.state.engine

    async def diff():
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), SQLModel.metadata
                )
            )

    assert client.portal.call(diff) == []


def test_upgrade_is_repeatable(client):
    from portal.db import upgrade

    client.portal.call(lambda: upgrade(client.app.state.engine))
