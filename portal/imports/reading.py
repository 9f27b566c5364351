"""Reading an import file: JSON or CSV, told apart by its content (never its name).

Both become the same ``ImportFile`` and go through the same checks, so the two formats
cannot drift apart.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from portal.imports import csv_format
from portal.imports.schema import ImportFile, ImportProblems, validate


@dataclass
class Parsed:
    """A checked file, its format, and how to name a place in it (a path, or a CSV line)."""

    data: ImportFile
    format: str
    locate: Callable[[str], str] = field(default=lambda problem: problem)


def _text(raw: bytes | str) -> str:
    if isinstance(raw, str):
        return raw.removeprefix("\ufeff")
    try:
        # utf-8-sig: Excel writes a byte-order mark before UTF-8 CSV (and some tools do
        # before JSON); it is not part of the content.
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportProblems(
            [f"(file): not UTF-8 text (byte {exc.start}); save the file as UTF-8"]
        ) from exc


def read(raw: bytes | str) -> Parsed:
    """Tell JSON from CSV by the content and check the whole file before anything is written.

    A file that starts like JSON (``{`` or ``[``) is read as JSON, so a broken JSON file
    gets JSON's error rather than a complaint about CSV columns; anything else is CSV.
    """
    text = _text(raw)
    if text.lstrip().startswith(("{", "[")):
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:
            # ValueError: JSON's own errors, and a number of more than 4,300 digits, which
            # int() refuses; RecursionError: arrays nested thousands deep.
            raise ImportProblems([f"not valid JSON: {str(exc)[:200]}"]) from exc
        return Parsed(validate(data), "json")
    data, locate = csv_format.read_csv(text)
    return Parsed(data, "csv", locate)


def parse(raw: bytes | str) -> ImportFile:
    """Validate the whole file (JSON or CSV) before anything is written."""
    return read(raw).data
