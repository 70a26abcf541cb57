"""The one JSON-lines reader, for every stage, command and benchmark that reads ``.jsonl`` files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from mtcheck.errors import InputError


def json_lines(path: str | Path, what: str = "JSON-lines") -> Iterator[tuple[int, dict]]:
    """(line number, object) for each non-blank line of a JSON-lines file.

    A missing or unreadable file or text that is not UTF-8 is an :class:`InputError` before any
    line is yielded (the file is read whole first); a line that is not JSON, or not a JSON
    object, is one naming the file and the line. ``what`` says which file it is, as in
    "no such judge sheet file".
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such {what} file")
    try:
        with path.open(encoding="utf-8") as fh:
            lines = list(fh)
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    except OSError as err:
        raise InputError(f"{path}: cannot read: {err.strerror or err}") from None
    for n, line in enumerate(lines, 1):
        row = json_object(line, path, n)
        if row is not None:
            yield n, row


def json_object(line: str, path: str | Path, n: int) -> dict | None:
    """Line ``n`` of ``path`` as a JSON object; None for a blank line. Anything else is an
    :class:`InputError` naming the file and the line."""
    if not line.strip():
        return None
    try:
        row = json.loads(line)
    except ValueError:
        raise InputError(f"{path}:{n}: not a JSON line") from None
    if not isinstance(row, dict):
        raise InputError(f"{path}:{n}: not a JSON object")
    return row


def json_rows(path: str | Path, what: str = "JSON-lines") -> Iterator[dict]:
    """The objects of :func:`json_lines` without their line numbers."""
    for _, row in json_lines(path, what):
        yield row
