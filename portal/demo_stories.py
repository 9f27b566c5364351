"""Demo culture stories: fictional Zuiderlicht Energie employees write for candidates.

The stories themselves are data, in ``demo_data/stories.toml`` (which explains each field).
Six are published, one waits for HR's review and one came back with a request for changes,
so that each screen of the stories feature has something real-looking to show.
"""

import tomllib
from importlib.resources import files
from typing import Any, Literal, TypedDict, cast

DATA_FILE = files("portal") / "demo_data" / "stories.toml"


class Cover(TypedDict):
    """A simple drawing (sky gradient, low sun, strip of land) and the alt text describing it."""

    sky_top: str
    sky_bottom: str
    land: str
    alt: str


class StorySpec(TypedDict):
    author: str  # a demo staff member's e-mail
    title: str
    teaser: str
    body: str  # Markdown
    language: Literal["nl", "en"]
    department: str
    team: str
    themes: list[str]
    state: Literal["published", "submitted", "changes_requested", "draft"]
    review_note: str
    days_ago: int
    cover: Cover | None


def load_stories() -> list[StorySpec]:
    """The stories in ``DATA_FILE``, as the demo adds them."""
    raw = tomllib.loads(DATA_FILE.read_text(encoding="utf-8"))["stories"]
    # TOML has no null: a story without a [stories.cover] table has no picture.
    return [cast(StorySpec, {**story, "cover": story.get("cover")}) for story in raw]


STORIES: list[StorySpec] = load_stories()


def draw_cover(cover: Cover, size: tuple[int, int] = (1600, 900)) -> bytes:
    """The drawing a cover's ``alt`` text describes, as a PNG for the real image pipeline."""
    from io import BytesIO

    from PIL import Image, ImageColor, ImageDraw

    width, height = size
    top = ImageColor.getrgb(cover["sky_top"])
    bottom = ImageColor.getrgb(cover["sky_bottom"])
    picture = Image.new("RGB", size)
    draw = ImageDraw.Draw(picture)
    for y in range(height):
        t = y / (height - 1)
        colour = tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        draw.line([(0, y), (width, y)], fill=colour)
    land_top = height - height // 5
    radius = height // 7
    centre = (width // 4, land_top - radius // 3)
    draw.ellipse(
        [centre[0] - radius, centre[1] - radius, centre[0] + radius, centre[1] + radius],
        fill=(250, 236, 160),
    )
    draw.rectangle([0, land_top, width, height], fill=ImageColor.getrgb(cover["land"]))
    out = BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


async def seed_stories(db: Any, storage: Any, settings: Any, *, now: Any) -> int:
    """Add the demo stories that are not there yet (matched on author and title).

    They go in through the same image pipeline and models as real ones. Returns how many
    were added.
    """
    from datetime import timedelta

    import sqlalchemy as sa
    from sqlmodel import col

    from portal.markdown import word_count
    from portal.media import service as media
    from portal.models import Story, StoryRevision, StoryStatus, User
    from portal.pictures.images import process_image
    from portal.stories.service import free_slug

    emails = {s["author"] for s in STORIES}
    authors = {
        u.email: u for u in await db.scalars(sa.select(User).where(col(User.email).in_(emails)))
    }
    existing = set(
        (
            await db.execute(
                sa.select(col(Story.author_id), col(StoryRevision.title)).join(
                    StoryRevision, col(StoryRevision.story_id) == col(Story.id)
                )
            )
        ).all()
    )
    hr = await db.scalar(sa.select(User).where(col(User.role) == "hr").order_by(col(User.id)))
    added = 0
    for spec in STORIES:
        author = authors.get(spec["author"])
        if author is None or (author.id, spec["title"]) in existing:
            continue
        when = now - timedelta(days=spec["days_ago"])
        online = spec["state"] == "published"
        image = None
        if spec["cover"]:
            variants = process_image(
                draw_cover(spec["cover"]),
                max_bytes=settings.max_upload_bytes,
                max_pixels=settings.max_image_pixels,
                widths=media.COVER_WIDTHS,
            )
            image = await media.store(db, storage, owner=author, variants=variants, now=when)
        story = Story(
            author_id=author.id,
            status=StoryStatus(spec["state"]),
            live_number=1 if online else None,
            review_note=spec["review_note"],
            first_published_at=when if online else None,
            created_at=when,
            updated_at=when,
        )
        db.add(story)
        await db.flush()
        if online:
            story.slug = await free_slug(db, spec["title"])
        db.add(
            StoryRevision(
                story_id=story.id or 0,
                number=1,
                title=spec["title"],
                teaser=spec["teaser"],
                body=spec["body"],
                words=word_count(spec["body"]),
                language=spec["language"],
                department=spec["department"],
                team=spec["team"],
                themes=spec["themes"],
                image_id=image.id if image else None,
                image_alt=spec["cover"]["alt"] if spec["cover"] else "",
                created_at=when,
                updated_at=when,
                submitted_at=when if spec["state"] != "draft" else None,
                reviewed_at=when if spec["state"] in ("published", "changes_requested") else None,
                reviewer_id=hr.id if hr and spec["state"] != "submitted" else None,
                review_note=spec["review_note"],
                published_at=when if online else None,
            )
        )
        await db.flush()
        added += 1
    return added
