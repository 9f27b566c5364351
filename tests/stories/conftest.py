"""Shared people for the story tests."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import create_user


@pytest.fixture
def people(run: Any) -> dict[str, Any]:
    async def setup(db: Any) -> dict[str, Any]:
        return {
            "author": await create_user(db, role="employee", name="Noor Bakker"),
            "colleague": await create_user(db, role="employee", name="Daan Verhoeven"),
            "hr": await create_user(db, role="hr", name="Fatima El Amrani"),
            "hr2": await create_user(db, role="hr", name="Yusuf Demir"),
            "candidate": await create_user(db, name="Sam de Vries"),
        }

    result: dict[str, Any] = run(setup)
    return result
