"""The building blocks of every table: UTC timestamps, enums as text, public ids."""

# No `from __future__ import annotations` here: SQLModel resolves relationship types from
# real annotations, and string unions such as "X | None" defeat it.
import secrets
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

# Constraint names that Alembic can find again on every database.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_public_id() -> str:
    """A random, URL-safe id (128 bits): nothing to count or guess."""
    return secrets.token_urlsafe(16)


def rel(attribute: object) -> QueryableAttribute[Any]:
    """A relationship as SQLAlchemy sees it on the class (``Visit.agenda``), for joins and
    loader options: what ``sqlmodel.col`` is to columns. SQLModel types a relationship as
    the related object(s), which is right on an instance only."""
    if not isinstance(attribute, QueryableAttribute):
        raise TypeError(f"not a mapped attribute: {attribute!r}")
    return attribute


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC that always comes back time-zone aware."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        # SQLite keeps no offset; store the UTC wall clock.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class EnumText(TypeDecorator[StrEnum]):
    """A StrEnum kept as its plain value in a VARCHAR column (no database enum types to
    migrate), handed back as the enum member."""

    impl = sa.String
    cache_ok = True

    def __init__(self, enum_cls: type[StrEnum], length: int = 20) -> None:
        super().__init__(length)
        self.enum_cls = enum_cls

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> str | None:
        return None if value is None else self.enum_cls(value).value

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> StrEnum | None:
        return None if value is None else self.enum_cls(value)


def enum_field(enum_cls: type[StrEnum], **kw: Any) -> Any:
    return Field(sa_type=EnumText(enum_cls), **kw)


def utc_field(**kw: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kw)


def text_field(length: int, **kw: Any) -> Any:
    return Field(sa_type=sa.String(length), **kw)
