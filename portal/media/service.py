"""Pictures as rows and files: storing a processed upload, and who may fetch it."""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import partial

import anyio
import sqlalchemy as sa
from anyio.lowlevel import RunVar
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from portal.config import Settings
from portal.models import Image, StaffProfile, Story, StoryRevision, StoryStatus, User
from portal.pictures.images import Variant, process_image
from portal.pictures.storage import Storage

COVER_WIDTHS = (480, 960, 1600)
COVER_MIN_WIDTH = 320
# A portrait is shown small (an avatar, a profile page); three sizes cover sharp screens.
PHOTO_WIDTHS = (128, 256, 512)
PHOTO_MIN_WIDTH = 64


# The pipeline's own place in line, one per event loop (a RunVar, like anyio's default thread
# limiter): process_image runs one picture at a time anyway, and uploads that wait for their
# turn wait here, in the event loop, rather than each holding one of the worker threads that
# every other blocking call (reading pictures from disk, for instance) shares.
_PIPELINE: RunVar[anyio.CapacityLimiter] = RunVar("portal_image_pipeline")


def key_for(image_public_id: str, width: int) -> str:
    return f"images/{image_public_id}/{width}.jpg"


async def process_cover(data: bytes, settings: Settings) -> list[Variant]:
    """Check and re-encode an upload off the event loop (raises ImageRejected)."""
    return await _run_pipeline(data, settings, widths=COVER_WIDTHS, min_width=COVER_MIN_WIDTH)


async def process_photo(data: bytes, settings: Settings) -> list[Variant]:
    """The same checks for a portrait, in the sizes portraits are shown at."""
    return await _run_pipeline(data, settings, widths=PHOTO_WIDTHS, min_width=PHOTO_MIN_WIDTH)


async def _run_pipeline(
    data: bytes, settings: Settings, *, widths: tuple[int, ...], min_width: int
) -> list[Variant]:
    work = partial(
        process_image,
        data,
        max_bytes=settings.max_upload_bytes,
        max_pixels=settings.max_image_pixels,
        widths=widths,
        min_width=min_width,
    )
    return await anyio.to_thread.run_sync(work, limiter=_pipeline_limiter())


def _pipeline_limiter() -> anyio.CapacityLimiter:
    limiter = _PIPELINE.get(None)
    if limiter is None:
        limiter = anyio.CapacityLimiter(1)
        _PIPELINE.set(limiter)
    return limiter


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def store(
    db: AsyncSession,
    storage: Storage,
    *,
    owner: User,
    variants: list[Variant],
    now: datetime,
    source_digest: str = "",
) -> Image:
    """Write the files, then the row (in the caller's transaction).

    A file written for a transaction that then fails is an orphan on disk, never a row
    pointing at a missing file.
    """
    largest = variants[-1]
    image = Image(
        owner_id=owner.id or 0,
        width=largest.width,
        height=largest.height,
        widths=[v.width for v in variants],
        source_digest=source_digest,
        created_at=now,
    )
    for variant in variants:
        await storage.save(key_for(image.public_id, variant.width), variant.data)
    db.add(image)
    await db.flush()
    return image


async def visible_image(db: AsyncSession, *, actor: User, public_id: str) -> Image | None:
    """The picture when ``actor`` may see it: HR always, the uploader always, anyone signed
    in when it is the cover of a story that is online or the photo of a colleague who is
    visible to candidates. Anything else answers 404, like any other resource."""
    image: Image | None = await db.scalar(sa.select(Image).where(col(Image.public_id) == public_id))
    if image is None:
        return None
    if actor.role.is_hr or image.owner_id == actor.id:
        return image
    online_cover = (
        sa.select(col(StoryRevision.id))
        .join(
            Story,
            sa.and_(
                col(Story.id) == col(StoryRevision.story_id),
                col(Story.live_number) == col(StoryRevision.number),
            ),
        )
        .where(col(StoryRevision.image_id) == image.id, col(Story.status) != StoryStatus.ARCHIVED)
    )
    shown_photo = (
        sa.select(col(StaffProfile.user_id))
        .join(User, col(User.id) == col(StaffProfile.user_id))
        .where(
            col(StaffProfile.photo_id) == image.id,
            col(StaffProfile.visible_to_candidates),
            col(User.is_active),
        )
    )
    allowed = await db.scalar(sa.select(sa.or_(sa.exists(online_cover), sa.exists(shown_photo))))
    return image if allowed else None
