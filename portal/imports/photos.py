"""Staff portraits named in an import file: read from the file's folder, checked whole
before anything is written, then stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from portal.config import Settings
from portal.imports.schema import ImportFile
from portal.media import service as media
from portal.models import StaffProfile, User
from portal.pictures.images import ImageRejected, Variant
from portal.pictures.storage import Storage

# E-mail → the source file's digest and its encoded sizes.
Portraits = dict[str, tuple[str, list[Variant]]]


@dataclass
class PhotoSource:
    """Where the portraits named in a file are read from (the file's folder) and stored."""

    folder: Path
    storage: Storage
    settings: Settings


async def read_photos(
    data: ImportFile, users: dict[str, User], photos: PhotoSource | None
) -> tuple[Portraits, list[str]]:
    """Read and check every portrait before anything is written.

    Returns the new portraits (e-mail → digest and encoded sizes) and the problems. A
    portrait whose bytes are those already stored for that person is left alone, so
    importing the same file twice changes nothing.
    """
    portraits: Portraits = {}
    problems: list[str] = []
    for n, staff in enumerate(data.staff):
        if staff.photo is None:
            continue
        where = f"staff[{n}].photo"
        if photos is None:
            problems.append(f"{where}: photos can only be imported from a file (portal import)")
            continue
        if Path(staff.photo).is_absolute():
            problems.append(f"{where}: give a path relative to the import file")
            continue
        try:
            raw = (photos.folder / staff.photo).read_bytes()
        except OSError as exc:
            problems.append(f"{where}: cannot read {staff.photo} ({exc.strerror or exc})")
            continue
        source_digest = media.digest(raw)
        known = users.get(staff.email)
        current = known.profile.photo if known is not None and known.profile else None
        if current is not None and current.source_digest == source_digest:
            continue
        try:
            variants = await media.process_photo(raw, photos.settings)
        except ImageRejected as exc:
            problems.append(f"{where}: {staff.photo}: {exc.message}")
            continue
        portraits[staff.email] = (source_digest, variants)
    return portraits, problems


async def store_portraits(
    db: AsyncSession,
    photos: PhotoSource,
    portraits: Portraits,
    users: dict[str, User],
    *,
    now: datetime,
) -> None:
    for email, (source_digest, variants) in portraits.items():
        user = users[email]
        image = await media.store(
            db,
            photos.storage,
            owner=user,
            variants=variants,
            now=now,
            source_digest=source_digest,
        )
        profile: StaffProfile | None = user.profile
        if profile is not None:  # every member of staff has one after upsert_staff
            profile.photo_id = image.id
