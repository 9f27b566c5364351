"""Turn an uploaded picture into a few clean JPEGs, or refuse it with a reason a person can read.

Why it works the way it does:

* **Content, not names.** A file name or a browser's MIME type is whatever the uploader says it
  is. We look at the bytes: SVG is recognised by its text (and refused: it is a document that can
  carry scripts and links, not a picture), and Pillow may only try the four decoders we accept,
  so a crafted file never reaches the parsers of formats we do not need.
* **Decompression bombs.** A few kilobytes of PNG can declare 20000 × 20000 pixels, which would
  take gigabytes once decoded. ``Image.open`` reads only the header, so the pixel count is checked
  before any pixel is decoded. Pillow's own bomb guard (a warning above ``Image.MAX_IMAGE_PIXELS``,
  an error above twice that) is turned into a refusal as well, without touching that global.
  The effective limit is therefore the smaller of ``max_pixels`` and Pillow's limit.
* **Metadata is privacy.** A phone photo's EXIF holds the GPS position where it was taken, which
  for a staff photo is often someone's home, plus the camera's serial number and the time. We
  keep pixels only: EXIF, ICC profile, XMP and comments are all dropped. The EXIF orientation is
  applied to the pixels first, so the picture is still the right way up.
* **One format out.** Every variant is a progressive JPEG in RGB (transparency flattened onto
  white), so pages need no format negotiation and browsers can show a blurry version early.

``process_image`` is a pure, synchronous, CPU-bound function: call it through
``anyio.to_thread.run_sync`` from request handlers.
"""

from __future__ import annotations

import struct
import warnings
from dataclasses import dataclass
from io import BytesIO

from babel.numbers import format_decimal
from PIL import Image, ImageOps

from portal.i18n import get_locale
from portal.i18n import gettext as _

#: The decoders Pillow may use. MPO is what Pillow calls a JPEG carrying extra images (some
#: phones store a depth map or a preview that way); its first image is an ordinary JPEG.
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
_OPENED_AS = frozenset({*ACCEPTED_FORMATS, "MPO"})

JPEG_QUALITY = 82
ORIENTATION = 0x0112
_SIDEWAYS = frozenset({5, 6, 7, 8})  # orientations that swap width and height
_SVG_SNIFF_BYTES = 1024
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")

# Errors that mean "these bytes do not decode into a picture". Pillow raises OSError for broken
# or truncated data, SyntaxError from several header parsers, ValueError for impossible values,
# EOFError when a frame ends early and struct.error when a header is cut short.
_UNREADABLE: tuple[type[Exception], ...] = (
    Image.UnidentifiedImageError,
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    struct.error,
)


class ImageRejected(Exception):
    """An upload we will not take; .message is a sentence for the person who uploaded it."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        #: "empty", "too_big", "svg", "not_an_image", "too_many_pixels" or "too_small"
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class Variant:
    width: int
    height: int
    data: bytes  # the encoded JPEG


def process_image(
    data: bytes,
    *,
    max_bytes: int,
    max_pixels: int,
    widths: tuple[int, ...] = (480, 960, 1600),
    min_width: int = 1,
) -> list[Variant]:
    """Check an upload and return its JPEG variants, narrowest first.

    There is one variant per width in ``widths`` that the picture can fill, plus one at the
    picture's own width when it is narrower than the largest of ``widths``; nothing is ever
    enlarged. Raises ``ImageRejected`` for anything we will not take.
    """
    if not widths or min(widths) < 1:
        raise ValueError("widths must be a non-empty tuple of positive widths")
    if not data:
        raise ImageRejected("empty", _("The file is empty. Please choose a picture."))
    if len(data) > max_bytes:
        raise ImageRejected(
            "too_big",
            _("The picture is larger than %(mb)s MB. Please choose a smaller one.")
            % {"mb": _number(max_bytes / (1024 * 1024))},
        )
    if looks_like_svg(data):
        raise ImageRejected(
            "svg",
            _(
                "SVG drawings cannot be used here. "
                "Please export it as a PNG or JPEG and upload that instead."
            ),
        )

    # The filter makes Pillow's bomb warning an exception we can catch. Warning filters are
    # process-wide and catch_warnings is not thread-safe: when two uploads overlap, one may
    # restore the other's copy of the filters. At worst this one filter stays in place, or a
    # bomb warning is only logged; our own max_pixels check, and Pillow's error at twice its
    # limit, still refuse the picture before its pixels are decoded.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            picture, sizes = _decode(
                data, max_pixels=max_pixels, widths=widths, min_width=min_width
            )
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _too_many_pixels(max_pixels) from exc
        except _UNREADABLE as exc:
            raise ImageRejected(
                "not_an_image",
                _("This file is not a picture we can use. Please upload a JPEG, PNG, WebP or GIF."),
            ) from exc

    return [Variant(width, height, _encode(picture, (width, height))) for width, height in sizes]


def variant_sizes(size: tuple[int, int], widths: tuple[int, ...]) -> list[tuple[int, int]]:
    """The (width, height) of each variant for a picture of ``size``, narrowest first."""
    own_width, own_height = size
    largest = max(widths)
    chosen = {width for width in widths if width <= own_width}
    if own_width < largest:
        chosen.add(own_width)
    return [(width, max(1, round(own_height * width / own_width))) for width in sorted(chosen)]


def looks_like_svg(data: bytes) -> bool:
    """Whether the bytes are an SVG document (possibly after a BOM, an XML prolog or comments)."""
    head = data[: _SVG_SNIFF_BYTES + 8]
    for bom in _BOMS:
        if head.startswith(bom):
            head = head[len(bom) :]
            if bom != _BOMS[0]:  # UTF-16: drop the zero bytes so the ASCII markup shows
                head = head.replace(b"\x00", b"")
            break
    head = head.lstrip().lower()
    if head.startswith(b"<svg"):
        return True
    return head.startswith((b"<?xml", b"<!doctype", b"<!--")) and b"<svg" in head


def _decode(
    data: bytes, *, max_pixels: int, widths: tuple[int, ...], min_width: int
) -> tuple[Image.Image, list[tuple[int, int]]]:
    """The picture upright and in RGB, and the sizes of its variants."""
    with Image.open(BytesIO(data), formats=ACCEPTED_FORMATS) as img:
        if img.format not in _OPENED_AS:
            raise Image.UnidentifiedImageError(f"unexpected format {img.format!r}")
        # Only the header has been read so far: refuse huge pictures before decoding them.
        width, height = img.size
        if width * height > max_pixels:
            raise _too_many_pixels(max_pixels)

        sideways = img.getexif().get(ORIENTATION, 1) in _SIDEWAYS
        if sideways:
            width, height = height, width
        if width < min_width:
            raise ImageRejected(
                "too_small",
                _(
                    "The picture is %(width)s pixels wide; it needs to be at least "
                    "%(min_width)s pixels wide."
                )
                % {"width": width, "min_width": min_width},
            )

        sizes = variant_sizes((width, height), widths)
        # For JPEG, let the decoder scale down by 2, 4 or 8 while it stays at least as large as
        # the largest variant: a 48-megapixel phone photo then costs a fraction of the memory
        # and time. Variant sizes come from the header, so they do not depend on this shortcut.
        largest_width, largest_height = sizes[-1]
        img.draft(
            None,
            (largest_height, largest_width) if sideways else (largest_width, largest_height),
        )
        img.load()
        ImageOps.exif_transpose(img, in_place=True)
        return _flatten(img), sizes


def _flatten(img: Image.Image) -> Image.Image:
    """An RGB copy: 16-bit grey scaled to 8 bits, transparency laid on white, CMYK converted."""
    if img.mode.startswith("I"):
        # "I;16" holds 0..65535; a plain conversion would clip nearly everything to white.
        img = img.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if img.has_transparency_data:
        layer = img.convert("RGBA")
        white = Image.new("RGBA", layer.size, (255, 255, 255, 255))
        white.alpha_composite(layer)
        return white.convert("RGB")
    return img.convert("RGB")


def _encode(picture: Image.Image, size: tuple[int, int]) -> bytes:
    resized = picture
    if picture.size != size:
        # reducing_gap first shrinks by whole factors cheaply, then Lanczos does the rest.
        resized = picture.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    # Copy the pixels into a new image so no metadata can come along: resize() and convert()
    # keep .info (EXIF, ICC profile, XMP, comment), and the JPEG writer reads the comment from it.
    clean = Image.new("RGB", size)
    clean.paste(resized)
    out = BytesIO()
    clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue()


def _too_many_pixels(max_pixels: int) -> ImageRejected:
    return ImageRejected(
        "too_many_pixels",
        _("The picture has more than %(mp)s megapixels. Please choose a smaller one.")
        % {"mp": _number(max_pixels / 1_000_000)},
    )


def _number(value: float) -> str:
    """At most one decimal, in the reader's language: "8", "0.5" or "0,5"."""
    return format_decimal(value, format="#,##0.#", locale=get_locale())
