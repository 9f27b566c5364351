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

* **Memory is bounded.** Pillow keeps a decoded picture in up to 4 bytes a pixel, so a
  40-megapixel picture costs 160 MB however small its file. JPEGs are decoded at a reduced size
  (``draft``); other formats cannot be, so their pixels are turned into the working picture a
  strip at a time, reduced by whole factors when the variants allow, and without full-size
  copies for flattening or turning. One picture is processed at a time per process, and freed
  memory is handed back to the operating system afterwards.

``process_image`` is a synchronous, CPU-bound function: call it through
``anyio.to_thread.run_sync`` from request handlers (``portal.media.service`` does).
"""

from __future__ import annotations

import ctypes
import math
import platform
import struct
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO

from babel.numbers import format_decimal
from PIL import Image, UnidentifiedImageError

from portal.i18n import get_locale
from portal.i18n import gettext as _

#: The decoders Pillow may use. MPO is what Pillow calls a JPEG carrying extra images (some
#: phones store a depth map or a preview that way); its first image is an ordinary JPEG.
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
_OPENED_AS = frozenset({*ACCEPTED_FORMATS, "MPO"})

JPEG_QUALITY = 82
ORIENTATION = 0x0112
_SIDEWAYS = frozenset({5, 6, 7, 8})  # orientations that swap width and height
#: The turn that makes a picture upright, per EXIF orientation (as ``ImageOps.exif_transpose``).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
# Where the rows [first, end) of a picture land once it is turned: across (as columns) or
# down, and counted from the far end or not. Used to turn a picture strip by strip.
_LANDING = {
    Image.Transpose.FLIP_LEFT_RIGHT: (False, False),
    Image.Transpose.ROTATE_180: (False, True),
    Image.Transpose.FLIP_TOP_BOTTOM: (False, True),
    Image.Transpose.TRANSPOSE: (True, False),
    Image.Transpose.ROTATE_270: (True, True),
    Image.Transpose.TRANSVERSE: (True, True),
    Image.Transpose.ROTATE_90: (True, False),
}
#: Shrink by whole factors (cheap) while the picture stays this many times larger than the
#: target, then Lanczos does the rest: what ``resize(reducing_gap=...)`` does for each variant.
REDUCING_GAP = 3.0
#: Pixels flattened at a time: a strip of a few megabytes rather than a full-size copy.
_STRIP_PIXELS = 1 << 20
_GREY = frozenset({"1", "L", "LA", "La"})
_ONE_AT_A_TIME = threading.Lock()  # see process_image
_SVG_SNIFF_BYTES = 1024
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")

# Errors that mean "these bytes do not decode into a picture". Pillow raises OSError for broken
# or truncated data, SyntaxError from several header parsers, ValueError for impossible values,
# EOFError when a frame ends early and struct.error when a header is cut short.
_UNREADABLE: tuple[type[Exception], ...] = (
    UnidentifiedImageError,
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

    # One picture at a time: a decoded picture takes up to 4 bytes a pixel whatever its file
    # size, so overlapping uploads multiply that (seven at once took gigabytes). A thread lock,
    # as this runs in worker threads (and directly, for the demo data); the async callers in
    # portal.media.service also queue for a thread of their own so waiting costs no thread.
    with _ONE_AT_A_TIME:
        try:
            return _process(data, max_pixels=max_pixels, widths=widths, min_width=min_width)
        finally:
            _give_back_memory()


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


def _process(
    data: bytes, *, max_pixels: int, widths: tuple[int, ...], min_width: int
) -> list[Variant]:
    # The filter makes Pillow's bomb warning an exception we can catch. Warning filters are
    # process-wide and catch_warnings is not thread-safe: when other code in another thread
    # uses it at the same moment, one may restore the other's copy of the filters. At worst
    # this one filter stays in place, or a bomb warning is only logged; our own max_pixels
    # check, and Pillow's error at twice its limit, still refuse the picture before decoding.
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
    try:
        return [Variant(w, h, _encode(picture, (w, h))) for w, h in sizes]
    finally:
        picture.close()  # free the pixels now, not when the last reference goes


def _decode(
    data: bytes, *, max_pixels: int, widths: tuple[int, ...], min_width: int
) -> tuple[Image.Image, list[tuple[int, int]]]:
    """The working picture, upright and in RGB or L, and the sizes of its variants."""
    with Image.open(BytesIO(data), formats=ACCEPTED_FORMATS) as img:
        if img.format not in _OPENED_AS:
            raise UnidentifiedImageError(f"unexpected format {img.format!r}")
        # Only the header has been read so far: refuse huge pictures before decoding them.
        width, height = img.size
        if width * height > max_pixels:
            raise _too_many_pixels(max_pixels)

        orientation = img.getexif().get(ORIENTATION, 1)
        sideways = orientation in _SIDEWAYS
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
        largest = (largest_height, largest_width) if sideways else (largest_width, largest_height)
        img.draft(None, largest)
        img.load()
        # Leaving the block closes img; the working picture has pixels of its own or shares
        # them, and img's decoder buffers (two full canvases for WebP) go with img.
        return _working_copy(img, largest, _UPRIGHT.get(orientation)), sizes


def _working_copy(
    img: Image.Image, largest: tuple[int, int], turn: Image.Transpose | None
) -> Image.Image:
    """The decoded picture upright, in RGB (L when grey), and reduced by a whole factor while
    it stays ``REDUCING_GAP`` times as large as ``largest``: without a second full-size copy
    when it can be used as it is, with one at most otherwise."""
    factor = max(1, int(min(img.width / largest[0], img.height / largest[1]) / REDUCING_GAP))
    mode = "L" if img.mode in _GREY or img.mode.startswith("I") else "RGB"
    if img.mode == mode and turn is None and not img.has_transparency_data:
        # Nothing to convert: reduce, or share the decoded pixels instead of copying them
        # (_new wraps them in a plain Image, as Pillow itself does throughout).
        return img.reduce(factor) if factor > 1 else img._new(img.im)
    # Converting or turning the whole picture at once would hold it two to four times at full
    # size (RGBA, the white to lay it on, the result); strip by strip only the result is full
    # size. Strips are a whole number of factors high, so reducing them one by one gives the
    # very pixels that reducing the whole picture would.
    width, height = math.ceil(img.width / factor), math.ceil(img.height / factor)
    on_x, from_end = (False, False) if turn is None else _LANDING[turn]
    out = Image.new(mode, (height, width) if on_x else (width, height))
    rows = max(1, _STRIP_PIXELS // (img.width * factor)) * factor
    for top in range(0, img.height, rows):
        strip = _flatten(img.crop((0, top, img.width, min(top + rows, img.height))), mode)
        if factor > 1:
            strip = strip.reduce(factor)
        first = top // factor
        offset = height - first - strip.height if from_end else first
        if turn is not None:
            strip = strip.transpose(turn)
        out.paste(strip, (offset, 0) if on_x else (0, offset))
    return out


def _flatten(img: Image.Image, mode: str) -> Image.Image:
    """A copy in ``mode`` ("RGB" or "L"): 16-bit grey scaled to 8 bits, transparency laid on
    white, CMYK converted."""
    if img.mode.startswith("I"):
        # "I;16" holds 0..65535; a plain conversion would clip nearly everything to white.
        img = img.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if img.has_transparency_data:
        layer = img.convert("RGBA")
        white = Image.new("RGBA", layer.size, (255, 255, 255, 255))
        white.alpha_composite(layer)
        img = white
    return img.convert(mode)


def _encode(picture: Image.Image, size: tuple[int, int]) -> bytes:
    """One variant of ``size``, as a JPEG carrying nothing but its pixels."""
    resized = picture
    if picture.size != size:
        resized = picture.resize(size, Image.Resampling.LANCZOS, reducing_gap=REDUCING_GAP)
    # Copy the pixels into a new image so no metadata can come along: resize() and convert()
    # keep .info (EXIF, ICC profile, XMP, comment), and the JPEG writer reads the comment from it.
    clean = Image.new("RGB", size)
    clean.paste(resized)
    out = BytesIO()
    clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue()


def _find_malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None where the C library is another one."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the C library already loaded, none other
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


_malloc_trim = _find_malloc_trim()


def _give_back_memory() -> None:
    """Hand the memory the last picture used back to the operating system.

    glibc keeps freed blocks for reuse in the arena of the thread that freed them, and each
    picture may run in another worker thread. Measured with seven 40-megapixel uploads one
    at a time (tests/media/test_memory.py): without trimming the process peaked near 1 GB
    and kept about 800 MB afterwards; with it, the peak of one picture (about 210 MB) and a
    few MB kept. A trim takes up to 0.2 s after such a picture, next to seconds of decoding.
    gc.collect() changed nothing (pixels are not held in reference cycles) and is not called.
    """
    if _malloc_trim is not None:
        _malloc_trim(0)


def _too_many_pixels(max_pixels: int) -> ImageRejected:
    return ImageRejected(
        "too_many_pixels",
        _("The picture has more than %(mp)s megapixels. Please choose a smaller one.")
        % {"mp": _number(max_pixels / 1_000_000)},
    )


def _number(value: float) -> str:
    """At most one decimal, in the reader's language: "8", "0.5" or "0,5"."""
    return format_decimal(value, format="#,##0.#", locale=get_locale())
