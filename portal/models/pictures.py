"""Pictures: an upload, re-encoded into a few widths (the files live in the storage)."""

# No `from __future__ import annotations` here: SQLModel resolves annotations itself.
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from portal.models.base import new_public_id, text_field, utc_field, utcnow


class Image(SQLModel, table=True):
    """An uploaded picture, re-encoded into a few widths (the files live in the storage).

    The original upload is never kept: only the JPEGs the image pipeline wrote, without
    any metadata (a phone photo's GPS position would say where someone lives).
    """

    __tablename__ = "images"

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = text_field(32, default_factory=new_public_id, unique=True)
    owner_id: int = Field(foreign_key="users.id", index=True)
    # Width and height of the largest variant; the others keep its aspect ratio.
    width: int
    height: int
    widths: list[int] = Field(default_factory=list, sa_type=sa.JSON)
    # SHA-256 of the bytes uploaded: importing the same photo twice stores it once.
    source_digest: str = text_field(64, default="")
    created_at: datetime = utc_field(default_factory=utcnow)
