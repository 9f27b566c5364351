"""Where processed pictures are kept: an interface, and a local-disk implementation of it.

Code that stores pictures depends on ``Storage`` only, so an object store (S3 and the like) can
replace ``LocalStorage`` later without touching callers. Keys are relative, slash-separated
names such as ``images/<public_id>/<width>.jpg``.

``LocalStorage`` treats every key as untrusted: a key is checked against a strict pattern and
the resulting path must lie inside the root, so no key can reach another file on the disk.
Writes go to a temporary file in the same directory that is then renamed over the target, so a
reader sees the old picture or the new one, never half a file. Disk work runs in a worker
thread so it never blocks the event loop.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

import anyio.to_thread

MAX_KEY_LENGTH = 200

# Directory segments of letters, digits, "_" and "-", then one "name.ext". No dots in the
# segments means no "." or ".." segment; no ":" or "\" means no drive letters or Windows
# separators; it cannot start with "/". This is what prevents path traversal.
_KEY = re.compile(r"(?:[A-Za-z0-9_-]+/)*[A-Za-z0-9_-]+\.[A-Za-z0-9]{1,10}")


class Storage(Protocol):
    async def save(self, key: str, data: bytes) -> None: ...

    async def load(self, key: str) -> bytes | None:
        """The stored bytes, or None when nothing is stored under ``key``."""
        ...

    async def delete(self, key: str) -> None:
        """Remove ``key``; removing a missing key is not an error."""
        ...


def check_key(key: str) -> str:
    """Return ``key`` if it is a valid storage key, else raise ``ValueError``."""
    # fullmatch, not match with "$": "$" would also accept a trailing newline.
    if len(key) > MAX_KEY_LENGTH or not _KEY.fullmatch(key):
        raise ValueError(f"invalid storage key: {key[:MAX_KEY_LENGTH]!r}")
    return key


class LocalStorage:
    """Files under ``root``, one per key."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        """The file for ``key``; raises ``ValueError`` for a bad key or one escaping the root."""
        check_key(key)
        # Second line of defence: a symlink inside the root could still lead elsewhere.
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError(f"storage key leaves the storage root: {key!r}")
        return path

    async def save(self, key: str, data: bytes) -> None:
        check_key(key)  # fail in the caller's task, before a thread is used
        await anyio.to_thread.run_sync(self._save, key, data)

    async def load(self, key: str) -> bytes | None:
        check_key(key)
        return await anyio.to_thread.run_sync(self._load, key)

    async def delete(self, key: str) -> None:
        check_key(key)
        await anyio.to_thread.run_sync(self._delete, key)

    def _save(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(temp_name, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp_name)
            raise

    def _load(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None

    def _delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)
