"""Portraits in the import file: read next to it, through the image pipeline, once."""

from __future__ import annotations

import copy
import json
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from PIL import Image as PILImage

from portal.imports.service import ImportProblems, PhotoSource, import_bytes
from portal.models import Image, StaffProfile, User
from tests.imports.test_import import BASE, _now


def portrait(path: Path, colour: str = "#446688", size: tuple[int, int] = (600, 800)) -> None:
    out = BytesIO()
    exif = PILImage.Exif()
    exif[0x010F] = "PhoneMaker"  # Make: dropped with everything else
    PILImage.new("RGB", size, colour).save(out, format="JPEG", exif=exif)
    path.write_bytes(out.getvalue())


def with_photo(photo: str) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    data["staff"][0]["photo"] = photo
    return data


def do_import(run: Any, app: Any, data: dict[str, Any], folder: Path) -> Any:
    photos = PhotoSource(folder=folder, storage=app.state.storage, settings=app.state.settings)
    return run(lambda db: import_bytes(db, json.dumps(data), now=_now(), photos=photos))


async def _photo_of(db: Any, email: str) -> Image | None:
    return await db.scalar(
        sa.select(Image)
        .join(StaffProfile, StaffProfile.photo_id == Image.id)
        .join(User, User.id == StaffProfile.user_id)
        .where(User.email == email)
    )


async def _images(db: Any) -> int:
    return int(await db.scalar(sa.select(sa.func.count()).select_from(Image)) or 0)


def test_a_portrait_is_imported_resized_and_without_metadata(client, run, app, tmp_path):
    portrait(tmp_path / "noor.jpg")
    do_import(run, app, with_photo("noor.jpg"), tmp_path)
    image = run(lambda db: _photo_of(db, "noor@example.com"))
    assert image is not None and image.widths == [128, 256, 512]
    stored = app.state.settings.media_dir / "images" / image.public_id / "512.jpg"
    data = stored.read_bytes()
    assert b"PhoneMaker" not in data and not PILImage.open(BytesIO(data)).getexif()


def test_importing_the_same_portrait_twice_stores_it_once(client, run, app, tmp_path):
    portrait(tmp_path / "noor.jpg")
    do_import(run, app, with_photo("noor.jpg"), tmp_path)
    first = run(lambda db: _photo_of(db, "noor@example.com"))
    do_import(run, app, with_photo("noor.jpg"), tmp_path)
    assert run(_images) == 1
    assert run(lambda db: _photo_of(db, "noor@example.com")).id == first.id
    # A new portrait replaces it.
    portrait(tmp_path / "noor.jpg", colour="#884422")
    do_import(run, app, with_photo("noor.jpg"), tmp_path)
    assert run(lambda db: _photo_of(db, "noor@example.com")).id != first.id


@pytest.mark.parametrize(
    ("photo", "content", "expected"),
    [
        ("missing.jpg", None, "staff[0].photo: cannot read missing.jpg"),
        ("/etc/passwd", None, "staff[0].photo: give a path relative to the import file"),
        ("noor.jpg", b"not a picture at all", "staff[0].photo: noor.jpg:"),
        ("noor.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "staff[0].photo: noor.svg:"),
    ],
)
def test_a_bad_portrait_refuses_the_whole_file(
    client, run, app, tmp_path, photo, content, expected
):
    if content is not None:
        (tmp_path / photo).write_bytes(content)
    with pytest.raises(ImportProblems) as exc:
        do_import(run, app, with_photo(photo), tmp_path)
    assert any(p.startswith(expected) for p in exc.value.problems), exc.value.problems
    assert run(_images) == 0
    assert run(lambda db: db.scalar(sa.select(sa.func.count()).select_from(User))) == 0


def test_without_a_folder_photos_are_refused(client, run):
    with pytest.raises(ImportProblems) as exc:
        run(lambda db: import_bytes(db, json.dumps(with_photo("noor.jpg")), now=_now()))
    assert exc.value.problems == [
        "staff[0].photo: photos can only be imported from a file (portal import)"
    ]


def test_the_portrait_shows_on_the_persons_page(client, run, app, tmp_path, login_as):
    portrait(tmp_path / "noor.jpg")
    do_import(run, app, with_photo("noor.jpg"), tmp_path)
    image = run(lambda db: _photo_of(db, "noor@example.com"))
    noor = run(lambda db: db.scalar(sa.select(User).where(User.email == "noor@example.com")))
    hr = run(lambda db: db.scalar(sa.select(User).where(User.email == "hr@example.com")))
    login_as(hr)
    page = client.get(f"/people/{noor.public_id}").text
    assert f"/media/{image.public_id}/256.jpg 256w" in page
    assert client.get(f"/media/{image.public_id}/128.jpg").headers["content-type"] == "image/jpeg"
