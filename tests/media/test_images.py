"""Uploaded pictures: what we accept, what we refuse, what we strip, and where we keep them.

Every test picture is made in memory with Pillow; the bombs are written by hand as PNG chunks
where Pillow would need gigabytes to draw them.
"""

from __future__ import annotations

import random
import struct
import time
import warnings
import zlib
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import anyio
import pytest
from PIL import Image, ImageCms

from portal import i18n
from portal.pictures import storage as storage_module
from portal.pictures.images import ImageRejected, Variant, looks_like_svg, process_image
from portal.pictures.storage import LocalStorage, Storage

MB = 1024 * 1024
LIMITS: dict[str, Any] = {"max_bytes": 8 * MB, "max_pixels": 40_000_000}
RED = (255, 0, 0)
BLUE = (0, 0, 255)
WHITE = (255, 255, 255)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    before = i18n.get_locale()
    i18n.set_locale("en")
    yield
    i18n.set_locale(before)


# --- making pictures ------------------------------------------------------------------------


def encode(img: Image.Image, fmt: str, **params: Any) -> bytes:
    out = BytesIO()
    img.save(out, format=fmt, **params)
    return out.getvalue()


def jpeg(size: tuple[int, int], colour: Any = (40, 120, 200), **params: Any) -> bytes:
    return encode(Image.new("RGB", size, colour), "JPEG", **params)


def png_bomb(width: int, height: int) -> bytes:
    """A valid 1-bit black PNG: a few hundred kilobytes that decode to width × height pixels.

    Fast level-1 compression; Pillow's own encoder would make it smaller but slower.
    """

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte, then the packed bits
    packer = zlib.compressobj(1)
    parts = [packer.compress(row * min(1000, height - start)) for start in range(0, height, 1000)]
    parts.append(packer.flush())
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", b"".join(parts))
        + chunk(b"IEND", b"")
    )


def decoded(variant: Variant) -> Image.Image:
    img = Image.open(BytesIO(variant.data))
    assert img.format == "JPEG"
    img.load()
    assert img.size == (variant.width, variant.height)
    assert img.mode == "RGB"
    return img


def near(actual: Any, expected: tuple[int, ...], tolerance: int = 16) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))


def rejected(data: bytes, **kwargs: Any) -> ImageRejected:
    with pytest.raises(ImageRejected) as info:
        process_image(data, **{**LIMITS, **kwargs})
    return info.value


def sizes(variants: list[Variant]) -> list[tuple[int, int]]:
    return [(v.width, v.height) for v in variants]


# --- sizes ------------------------------------------------------------------------------------


def test_a_large_jpeg_gives_three_widths_none_wider_than_the_source() -> None:
    variants = process_image(jpeg((2000, 1500)), **LIMITS)
    assert sizes(variants) == [(480, 360), (960, 720), (1600, 1200)]
    for variant in variants:
        img = decoded(variant)
        assert img.width <= 2000
        assert img.info.get("progressive") == 1


def test_a_picture_narrower_than_every_width_gives_one_variant_at_its_own_size() -> None:
    assert sizes(process_image(encode(Image.new("RGB", (300, 200)), "PNG"), **LIMITS)) == [
        (300, 200)
    ]


def test_a_picture_between_widths_also_gives_its_own_width() -> None:
    assert sizes(process_image(jpeg((1000, 750)), **LIMITS)) == [
        (480, 360),
        (960, 720),
        (1000, 750),
    ]


def test_a_picture_exactly_as_wide_as_the_largest_width_gives_it_once() -> None:
    assert sizes(process_image(jpeg((1600, 900)), **LIMITS)) == [
        (480, 270),
        (960, 540),
        (1600, 900),
    ]


def test_widths_are_sorted_without_duplicates_and_heights_never_reach_zero() -> None:
    variants = process_image(jpeg((3000, 2)), **LIMITS, widths=(960, 480, 960))
    assert sizes(variants) == [(480, 1), (960, 1)]


def test_a_big_phone_photo_is_scaled_while_decoding_but_sizes_stay_exact() -> None:
    # 4000 wide lets the JPEG decoder halve it; the sizes must still follow the header.
    variants = process_image(jpeg((4000, 3001)), **LIMITS)
    assert sizes(variants) == [(480, 360), (960, 720), (1600, 1200)]
    for variant in variants:
        decoded(variant)


@pytest.mark.parametrize("widths", [(), (0, 480)])
def test_widths_must_be_positive(widths: tuple[int, ...]) -> None:
    with pytest.raises(ValueError):
        process_image(jpeg((100, 100)), **LIMITS, widths=widths)


# --- metadata and orientation -----------------------------------------------------------------


def exif_with_gps(orientation: int) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (52.0, 22.0, 1.0), 3: "E", 4: (4.0, 53.0, 1.0)})
    return exif


def red_left_blue_right() -> Image.Image:
    img = Image.new("RGB", (200, 100), RED)
    img.paste(BLUE, (100, 0, 200, 100))
    return img


def srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def assert_no_metadata(variant: Variant) -> None:
    img = decoded(variant)
    assert len(img.getexif()) == 0
    for key in ("exif", "icc_profile", "comment", "xmp"):
        assert key not in img.info
    for marker in (b"Exif\x00\x00", b"ICC_PROFILE", b"http://ns.adobe.com/xap", b"PhoneMaker"):
        assert marker not in variant.data


def test_exif_gps_icc_xmp_and_comments_are_dropped_and_orientation_applied() -> None:
    source = encode(
        red_left_blue_right(),
        "JPEG",
        exif=exif_with_gps(orientation=6),
        icc_profile=srgb_profile(),
        comment=b"taken at home",
        xmp=b"<x:xmpmeta xmlns:x='adobe:ns:meta/'/>",
    )
    opened = Image.open(BytesIO(source))  # the source really carries all of it
    assert opened.getexif().get_ifd(0x8825)[1] == "N"
    assert {"icc_profile", "comment", "xmp"} <= set(opened.info)

    [variant] = process_image(source, **LIMITS)
    assert (variant.width, variant.height) == (100, 200)
    assert_no_metadata(variant)
    img = decoded(variant)
    # Orientation 6 means "turn 90° clockwise to view": the left (red) half ends up on top.
    assert near(img.getpixel((50, 20)), RED)
    assert near(img.getpixel((50, 180)), BLUE)


def test_png_exif_and_text_are_dropped() -> None:
    source = encode(
        red_left_blue_right(), "PNG", exif=exif_with_gps(orientation=1), icc_profile=srgb_profile()
    )
    [variant] = process_image(source, **LIMITS)
    assert (variant.width, variant.height) == (200, 100)
    assert_no_metadata(variant)


def test_min_width_applies_to_the_upright_picture() -> None:
    source = encode(red_left_blue_right(), "JPEG", exif=exif_with_gps(orientation=6))
    assert rejected(source, min_width=150).reason == "too_small"
    assert len(process_image(source, **LIMITS, min_width=100)) == 1


# --- modes and formats ------------------------------------------------------------------------


def test_transparency_is_flattened_onto_white() -> None:
    img = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    img.paste((255, 0, 0, 255), (50, 0, 100, 100))
    [variant] = process_image(encode(img, "PNG"), **LIMITS)
    out = decoded(variant)
    assert near(out.getpixel((10, 50)), WHITE)
    assert near(out.getpixel((90, 50)), RED)


def test_an_animated_gif_gives_its_first_frame() -> None:
    frames = [Image.new("RGB", (64, 64), colour) for colour in (RED, (0, 255, 0), BLUE)]
    source = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    assert Image.open(BytesIO(source)).n_frames == 3
    [variant] = process_image(source, **LIMITS)
    assert near(decoded(variant).getpixel((32, 32)), RED)


def test_a_palette_picture_with_a_transparent_index_works() -> None:
    img = Image.new("P", (64, 64), 1)
    img.putpalette([0, 0, 0, 255, 0, 0])
    img.paste(0, (0, 0, 32, 64))
    [variant] = process_image(encode(img, "PNG", transparency=0), **LIMITS)
    out = decoded(variant)
    assert near(out.getpixel((5, 32)), WHITE)
    assert near(out.getpixel((60, 32)), RED)


def test_a_cmyk_jpeg_works() -> None:
    source = encode(Image.new("CMYK", (64, 64), (0, 255, 255, 0)), "JPEG")
    [variant] = process_image(source, **LIMITS)
    assert near(decoded(variant).getpixel((32, 32)), RED)


def test_sixteen_bit_grey_is_scaled_not_clipped_to_white() -> None:
    img = Image.new("I;16", (64, 64), 32768)
    source = encode(img, "PNG")
    assert Image.open(BytesIO(source)).mode == "I;16"
    [variant] = process_image(source, **LIMITS)
    assert near(decoded(variant).getpixel((32, 32)), (128, 128, 128), tolerance=4)


@pytest.mark.parametrize("mode", ["1", "L", "LA", "RGB"])
def test_other_png_modes_work(mode: str) -> None:
    [variant] = process_image(encode(Image.new(mode, (40, 30)), "PNG"), **LIMITS)
    assert (variant.width, variant.height) == (40, 30)
    decoded(variant)


def test_a_multi_picture_jpeg_from_a_phone_gives_its_main_picture() -> None:
    # Pillow reports a JPEG with extra images (depth maps, previews) as "MPO".
    extra = [Image.new("RGB", (64, 48), BLUE)]
    source = encode(Image.new("RGB", (64, 48), RED), "MPO", save_all=True, append_images=extra)
    assert Image.open(BytesIO(source), formats=["JPEG"]).format == "MPO"
    [variant] = process_image(source, **LIMITS)
    assert near(decoded(variant).getpixel((32, 24)), RED)


def test_webp_works() -> None:
    [variant] = process_image(encode(Image.new("RGB", (64, 48), BLUE), "WEBP"), **LIMITS)
    assert near(decoded(variant).getpixel((32, 24)), BLUE)


def test_png_bytes_are_accepted_whatever_the_file_was_called() -> None:
    # The API never sees a name or a MIME type: these bytes are a PNG, so they are a PNG.
    assert len(process_image(encode(Image.new("RGB", (50, 50)), "PNG"), **LIMITS)) == 1


# --- refusals -------------------------------------------------------------------------------


NOT_IMAGES = {
    "text": b"Dear HR, here is my photo.\n",
    "random": random.Random(7).randbytes(4096),
    "html": b"<!DOCTYPE html><html><body><img src=x onerror=alert(1)></body></html>",
    "truncated_jpeg": (lambda full: full[: len(full) // 2])(
        encode(Image.effect_noise((256, 256), 64).convert("RGB"), "JPEG")
    ),
    "pdf": b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
    "bmp": encode(Image.new("RGB", (20, 20)), "BMP"),  # a picture, but not a format we take
    "tiff": encode(Image.new("RGB", (20, 20)), "TIFF"),
    "gzipped_svg": b"\x1f\x8b\x08\x00" + b"\x00" * 60,
}


@pytest.mark.parametrize("data", NOT_IMAGES.values(), ids=NOT_IMAGES.keys())
def test_things_that_are_not_pictures_are_refused(data: bytes) -> None:
    assert rejected(data).reason == "not_an_image"


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'
SVGS = {
    "plain": SVG,
    "prolog": b'<?xml version="1.0" encoding="UTF-8"?>\n' + SVG,
    "doctype": b'<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN">\n' + SVG,
    "comment": b"<!-- Generator: Adobe Illustrator -->\n" + SVG,
    "whitespace": b" \r\n\t" + SVG,
    "bom": b"\xef\xbb\xbf\n" + SVG,
    "utf16": "\ufeff<?xml version='1.0'?><svg/>".encode("utf-16-le"),
    "upper": b"<SVG></SVG>",
}


@pytest.mark.parametrize("data", SVGS.values(), ids=SVGS.keys())
def test_svg_is_refused_with_its_own_reason(data: bytes) -> None:
    problem = rejected(data)
    assert problem.reason == "svg"
    assert "PNG or JPEG" in problem.message


def test_xml_without_svg_is_not_called_svg() -> None:
    assert not looks_like_svg(b'<?xml version="1.0"?><rss/>')
    assert rejected(b'<?xml version="1.0"?><rss/>').reason == "not_an_image"


def test_empty_and_too_big() -> None:
    assert rejected(b"").reason == "empty"
    source = jpeg((64, 64))
    problem = rejected(source, max_bytes=len(source) - 1)
    assert problem.reason == "too_big"
    assert len(process_image(source, **{**LIMITS, "max_bytes": len(source)})) == 1
    assert "8 MB" in rejected(b"x" * (8 * MB + 1)).message


def test_our_own_pixel_limit_is_checked_before_decoding() -> None:
    source = jpeg((1000, 1000))
    assert rejected(source, max_pixels=999_999).reason == "too_many_pixels"
    assert len(process_image(source, **{**LIMITS, "max_pixels": 1_000_000})) == 3


def test_a_decompression_bomb_is_refused_without_decoding_it() -> None:
    # What Image.new("1", (20000, 20000)).save(..., "PNG") makes, without the 400 MB and the
    # seconds it takes Pillow to draw and compress it.
    source = png_bomb(20000, 20000)
    assert len(source) < 300_000  # 400 million pixels
    started = time.perf_counter()
    assert rejected(source, max_pixels=40_000_000).reason == "too_many_pixels"
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize(
    ("side", "max_pixels"),
    [
        (30000, 40_000_000),  # 900 MP: over twice Pillow's limit, an error inside Pillow
        (10000, 200_000_000),  # 100 MP: over Pillow's limit, a warning inside Pillow
    ],
)
def test_pillows_own_bomb_guard_refuses_and_no_warning_escapes(side: int, max_pixels: int) -> None:
    source = png_bomb(side, side)
    assert len(source) < 1_000_000
    pillow_limit = Image.MAX_IMAGE_PIXELS
    filters = list(warnings.filters)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        problem = rejected(source, max_pixels=max_pixels, max_bytes=10 * MB)
    assert problem.reason == "too_many_pixels"
    assert caught == []
    assert Image.MAX_IMAGE_PIXELS == pillow_limit
    assert warnings.filters == filters


def test_the_hand_made_bomb_is_a_real_png() -> None:
    img = Image.open(BytesIO(png_bomb(300, 200)))
    img.load()
    assert (img.format, img.size, img.mode) == ("PNG", (300, 200), "1")


def test_messages_are_sentences_with_their_numbers_filled_in() -> None:
    problems = [
        rejected(b""),
        rejected(b"x" * (MB // 2 + 1), max_bytes=MB // 2),
        rejected(SVG),
        rejected(b"hello"),
        rejected(png_bomb(10000, 5000)),  # 50 MP, refused by our own 40 MP limit
        rejected(jpeg((100, 100)), min_width=200),
    ]
    assert [p.reason for p in problems] == [
        "empty",
        "too_big",
        "svg",
        "not_an_image",
        "too_many_pixels",
        "too_small",
    ]
    for problem in problems:
        assert problem.message and "%(" not in problem.message
    assert "0.5 MB" in problems[1].message
    assert "40 megapixels" in problems[4].message
    assert "100 pixels wide" in problems[5].message and "200" in problems[5].message


def test_numbers_in_messages_follow_the_readers_language() -> None:
    i18n.set_locale("nl")  # the fixture puts English back
    assert "0,5" in rejected(b"x" * (MB // 2 + 1), max_bytes=MB // 2).message


# --- storage ----------------------------------------------------------------------------------


def test_storage_round_trip(tmp_path: Path) -> None:
    store: Storage = LocalStorage(tmp_path)

    async def scenario() -> None:
        key = "images/abc_DEF-123/960.jpg"
        assert await store.load(key) is None
        await store.save(key, b"first")
        assert await store.load(key) == b"first"
        await store.save(key, b"second")
        assert await store.load(key) == b"second"
        await store.delete(key)
        assert await store.load(key) is None
        await store.delete(key)  # deleting what is gone is fine

    anyio.run(scenario)


def test_overwriting_leaves_no_temporary_files(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path)

    async def scenario() -> None:
        for n in range(3):
            await store.save("images/x/480.jpg", b"v%d" % n)

    anyio.run(scenario)
    assert [p.name for p in (tmp_path / "images" / "x").iterdir()] == ["480.jpg"]
    assert (tmp_path / "images" / "x" / "480.jpg").read_bytes() == b"v2"


def test_a_failed_write_keeps_the_old_file_and_cleans_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = LocalStorage(tmp_path)
    anyio.run(store.save, "images/x/480.jpg", b"old")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(storage_module.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        anyio.run(store.save, "images/x/480.jpg", b"new")
    monkeypatch.undo()
    assert [p.name for p in (tmp_path / "images" / "x").iterdir()] == ["480.jpg"]
    assert anyio.run(store.load, "images/x/480.jpg") == b"old"


BAD_KEYS = [
    "../x.jpg",
    "/etc/passwd",
    "a/../../b.jpg",
    "a\\b.jpg",
    "images/x/1600.jpg/..",
    "",
    "images/" + "a" * 200 + "/1.jpg",
    "./x.jpg",
    "images//x.jpg",
    "images/x/",
    "images/x/1600",
    "images/x/.jpg",
    "images/x/1600.jpg\n",
    "C:/x.jpg",
    "images/x y/1.jpg",
]


@pytest.mark.parametrize("key", BAD_KEYS)
def test_bad_keys_are_refused(tmp_path: Path, key: str) -> None:
    store = LocalStorage(tmp_path / "root")
    for call in (store.load, store.delete):
        with pytest.raises(ValueError):
            anyio.run(call, key)
    with pytest.raises(ValueError):
        anyio.run(store.save, key, b"data")
    assert not (tmp_path / "root").exists()


def test_a_symlink_cannot_lead_out_of_the_root(tmp_path: Path) -> None:
    root = tmp_path / "root"
    outside = tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "images").symlink_to(outside, target_is_directory=True)
    store = LocalStorage(root)
    with pytest.raises(ValueError):
        anyio.run(store.save, "images/x.jpg", b"data")
    assert list(outside.iterdir()) == []
