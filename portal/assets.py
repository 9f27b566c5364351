"""What a browser downloads besides the pages: ``/static`` and response compression.

Each file under static/ is read, hashed and compressed once per process, at start-up.
``/static/<name>.<hash>.<ext>`` never changes under its name, so browsers keep it a year
without asking again (a repeat visit fetches the page alone); the plain name stays served,
revalidated on every use, for whatever links it by that name. Templates get the hashed
path from ``url_for('static', path=...)`` (``portal.web.Paths``).
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import brotli
import zstandard
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette_compress import CompressMiddleware

IMMUTABLE = b"public, max-age=31536000, immutable"
REVALIDATE = b"no-cache"
HASH_LENGTH = 12  # hex digits of SHA-256: a collision between two versions is no concern

# Types whose files compress; images other than SVG, fonts (WOFF2) and archives already are.
_TEXT_TYPES = frozenset(
    {"image/svg+xml", "application/json", "application/manifest+json", "application/xml"}
)
# Named here rather than left to the platform's mime.types: .js must be text/javascript.
_TYPES = {
    ".css": "text/css",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".svg": "image/svg+xml",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".ico": "image/x-icon",
    ".png": "image/png",
    ".woff2": "font/woff2",
}


def _compressors() -> tuple[tuple[str, Callable[[bytes], bytes]], ...]:
    # The strongest settings: paid once at start-up, saved on every download.
    return (
        ("br", lambda data: brotli.compress(data, quality=11)),
        ("zstd", lambda data: zstandard.ZstdCompressor(level=19).compress(data)),
        ("gzip", lambda data: gzip.compress(data, compresslevel=9, mtime=0)),
    )


@dataclass(frozen=True, slots=True)
class Asset:
    """One file of static/, with its compressed forms (smallest first)."""

    name: str
    hashed_name: str
    media_type: str
    etag: bytes
    identity: bytes
    encoded: tuple[tuple[str, bytes], ...]

    def pick(self, accepted: frozenset[str]) -> tuple[str | None, bytes]:
        """The smallest form the browser accepts: (Content-Encoding or None, body)."""
        for encoding, body in self.encoded:
            if encoding in accepted:
                return encoding, body
        return None, self.identity


def hashed(name: str, digest: str) -> str:
    """``vendor/pico/pico.min.css`` -> ``vendor/pico/pico.min.<digest>.css``."""
    path = PurePosixPath(name)
    if not path.suffix:
        return f"{name}.{digest}"
    return str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))


def _media_type(path: Path) -> str:
    found = _TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0]
    media_type = found or "text/plain"  # LICENSE and the like; nosniff keeps it text
    return f"{media_type}; charset=utf-8" if media_type.startswith("text/") else media_type


def _asset(root: Path, path: Path) -> Asset:
    data = path.read_bytes()
    name = path.relative_to(root).as_posix()
    digest = hashlib.sha256(data).hexdigest()[:HASH_LENGTH]
    media_type = _media_type(path)
    encoded: list[tuple[str, bytes]] = []
    if media_type.startswith("text/") or media_type in _TEXT_TYPES:
        for encoding, compress in _compressors():
            body = compress(data)
            if len(body) < len(data):
                encoded.append((encoding, body))
    encoded.sort(key=lambda pair: len(pair[1]))
    return Asset(
        name=name,
        hashed_name=hashed(name, digest),
        media_type=media_type,
        # Weak: the same tag for every encoding of the same bytes, so a browser holding
        # any of them gets its 304 (RFC 9110 8.8.1 allows it for If-None-Match).
        etag=f'W/"{digest}"'.encode(),
        identity=data,
        encoded=tuple(encoded),
    )


@functools.cache
def scan(directory: Path) -> dict[str, tuple[Asset, bool]]:
    """Every file under ``directory`` by the names it is served under: (asset, immutable).

    Once per directory and process: the test suite builds hundreds of apps. Hidden files
    and anything a link leads out of the directory to are left out.
    """
    root = directory.resolve()
    found: dict[str, tuple[Asset, bool]] = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue
        if not path.resolve().is_relative_to(root):
            continue
        asset = _asset(root, path)
        found[asset.name] = (asset, False)
        found.setdefault(asset.hashed_name, (asset, True))
    return found


@functools.lru_cache(maxsize=64)
def accepted_encodings(header: str) -> frozenset[str]:
    """The content codings an Accept-Encoding header allows (``q=0`` refuses one).

    Only the browser's yes or no counts; among the codings it allows, the smallest body
    wins (RFC 9110 12.5.3 leaves the choice to the server). Few distinct headers exist,
    so the answers are cached.
    """
    allowed: set[str] = set()
    refused: set[str] = set()
    anything = False
    for item in header.lower().split(","):
        coding, _, params = item.partition(";")
        coding = coding.strip()
        if not coding:
            continue
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if not quality > 0:  # also refuses NaN
            refused.add(coding)
        elif coding == "*":
            anything = True
        else:
            allowed.add(coding)
    if anything:
        allowed |= {"br", "zstd", "gzip"} - refused
    return frozenset(allowed - refused)


def _matches(header: str, etag: bytes) -> bool:
    """If-None-Match, compared weakly (RFC 9110 13.1.2)."""
    tag = etag.decode().removeprefix("W/")
    for candidate in header.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == tag:
            return True
    return False


def _name(scope: Scope) -> str:
    """The path below the mount point (which Mount puts in root_path, not path_params)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :].removeprefix("/") if path.startswith(root + "/") else ""


class StaticAssets:
    """The ASGI app behind ``Mount("/static", ...)``.

    A request only looks its name up in a dict made at start-up: no path is ever joined
    or opened, so ``..``, encoded separators, backslashes and NUL cannot reach the file
    system; whatever is not a file of static/ is 404.
    """

    def __init__(self, directory: Path) -> None:
        self._files = scan(Path(directory))

    def url_path(self, name: str) -> str:
        """The immutable path of ``name``; the plain path for a name static/ lacks."""
        found = self._files.get(name)
        served = found[0].hashed_name if found is not None else name.lstrip("/")
        return "/static/" + served

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] not in ("GET", "HEAD"):
            raise HTTPException(status_code=405, headers={"Allow": "GET, HEAD"})
        found = self._files.get(_name(scope))
        if found is None:
            raise HTTPException(status_code=404)
        asset, immutable = found
        accept = b",".join(v for k, v in scope["headers"] if k == b"accept-encoding")
        encoding, body = asset.pick(accepted_encodings(accept.decode("latin-1")))
        headers = [
            (b"cache-control", IMMUTABLE if immutable else REVALIDATE),
            (b"etag", asset.etag),
        ]
        if asset.encoded:
            headers.append((b"vary", b"Accept-Encoding"))
        if_none_match = b",".join(v for k, v in scope["headers"] if k == b"if-none-match")
        if if_none_match and _matches(if_none_match.decode("latin-1"), asset.etag):
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        headers += [
            (b"content-type", asset.media_type.encode()),
            (b"content-length", str(len(body)).encode()),
        ]
        if encoding is not None:
            headers.append((b"content-encoding", encoding.encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        head = scope["method"] == "HEAD"
        await send({"type": "http.response.body", "body": b"" if head else body})


class Compression:
    """Pages and other answers compressed on the fly by starlette-compress (zstd, brotli
    or gzip, whichever the browser takes; bodies under 500 bytes stay as they are).

    /static is left alone (it is compressed ahead, above) and so is /media (JPEG does not
    compress; it would only cost time).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.compress = CompressMiddleware(app)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith(("/static/", "/media/")):
            await self.compress(scope, receive, send)
        else:
            await self.app(scope, receive, send)
