"""The one JSON-lines reader, for every stage, command and benchmark that reads ``.jsonl`` files."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator

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
    :class:`InputError` naming the file and the line: text that is not JSON, JSON nested deeper
    than the parser goes, a value that is not an object, and a string holding a lone surrogate
    (``"\\ud800"``: valid JSON, but not text, and no UTF-8 file can hold it, so a shard or
    report written from it would fail)."""
    if not line.strip():
        return None
    try:
        row = json.loads(line)
    except (ValueError, RecursionError):
        raise InputError(f"{path}:{n}: not a JSON line") from None
    if not isinstance(row, dict):
        raise InputError(f"{path}:{n}: not a JSON object")
    if _ESCAPED_SURROGATE.search(line):
        where = _lone_surrogate(row)
        if where is not None:
            raise InputError(f"{path}:{n}: {where} holds a lone surrogate escape (\\ud800-\\udfff), which is not text")
    return row


# Only a line with a \uD800-\uDFFF escape can decode to a lone surrogate (UTF-8 cannot carry one).
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


def _lone_surrogate(value: Any) -> str | None:
    """Where in a decoded JSON value a string holds a lone surrogate ("id", "text"...), else None."""
    stack: list[tuple[str, Any]] = [("the line", value)]
    while stack:  # not recursive: the value may be nested as deeply as the parser allowed
        where, item = stack.pop()
        if isinstance(item, str):
            if not _is_text(item):
                return where
        elif isinstance(item, dict):
            for key, inner in item.items():
                if not _is_text(key):
                    return "a key"
                stack.append((f'"{key[:40]}"' if where == "the line" else where, inner))
        elif isinstance(item, list):
            stack.extend((where, inner) for inner in item)
    return None


def _is_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def json_rows(path: str | Path, what: str = "JSON-lines") -> Iterator[dict]:
    """The objects of :func:`json_lines` without their line numbers."""
    for _, row in json_lines(path, what):
        yield row
