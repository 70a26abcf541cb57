"""Reading an input (a file or standard input) into a Document: size limit, format, blocks."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import BinaryIO

from mtcheck.errors import InputError
from mtcheck.fsutil import name_is_text, shown_name
from mtcheck.load.decoding import decode_bytes
from mtcheck.load.html_reader import html_blocks
from mtcheck.load.markdown_reader import markdown_blocks
from mtcheck.load.text_reader import line_blocks, text_blocks
from mtcheck.types import Document

INPUT_FORMATS = ("auto", "text", "markdown", "html", "lines")  # --input-format
# The largest input accepted by default (--max-bytes): what ``mtcheck check --no-rewrite`` finishes
# in about four minutes and well under 2 GB of memory on the 2-core target machine
# (benchmarks/bench_sizes.py; README, "Limits").
DEFAULT_MAX_BYTES = 1_000_000
_FORMAT_ALIASES = {"md": "markdown", "txt": "text", "htm": "html", "plain": "text"}
_EXTENSIONS = {".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html", ".xhtml": "html"}


def load_document(
    path: str,
    input_format: str = "auto",
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    stdin: BinaryIO | None = None,
) -> Document:
    """Read ``path`` ("-" for standard input, or ``stdin`` when given) into a Document."""
    fmt = _normalise_format(input_format)
    data = _read_stdin(stdin, max_bytes) if path == "-" else _read_file(path, max_bytes)
    return load_bytes(data, path, fmt)


def load_bytes(data: bytes, path: str, input_format: str = "auto") -> Document:
    """A Document from an input's bytes already read (a file, standard input, a feed's article
    encoded as UTF-8): one rule for every path in, so binary or empty text is refused alike."""
    fmt = _normalise_format(input_format)
    name = "standard input" if path == "-" else path
    text, encoding = decode_bytes(data, name)
    if not text.strip():
        what = "is empty" if not text else "contains only whitespace"
        raise InputError(f"{name}: {what}; there is nothing to check")
    return _build(path, text, encoding, fmt)


def load_text(text: str, path: str = "<text>", input_format: str = "text") -> Document:
    """A Document from a string already in memory (evaluation data, tests)."""
    fmt = _normalise_format(input_format)
    return _build(path, text.removeprefix("\ufeff"), "unicode", fmt)


# --------------------------------------------------------------------------- reading


def _normalise_format(input_format: str) -> str:
    fmt = _FORMAT_ALIASES.get(input_format.lower(), input_format.lower())
    if fmt not in INPUT_FORMATS:
        raise InputError(f"unknown input format {input_format!r} (choose from {', '.join(INPUT_FORMATS)})")
    return fmt


def _too_big(name: str, size: int | str, max_bytes: int) -> InputError:
    return InputError(
        f"{name} is {size} bytes, over the limit of {max_bytes:,} bytes; raise it with --max-bytes",
        fix=f"--max-bytes {size if isinstance(size, int) else max_bytes * 2}",
    )


def _read_file(path: str, max_bytes: int) -> bytes:
    if not name_is_text(path):  # it could be read, but never reported (JSON, CSV and terminals want text)
        raise InputError(f"{shown_name(path)}: the file name is not valid UTF-8", fix="rename the file")
    target = Path(path)
    try:
        if target.is_dir():
            raise InputError(f"{path}: is a directory, not a file")
        size = target.stat().st_size
        if target.is_file() and size > max_bytes:
            raise _too_big(path, size, max_bytes)
        with target.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except PermissionError:
        raise InputError(f"{path}: cannot read the file: permission denied") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a file") from None
    except OSError as err:
        raise InputError(f"{path}: cannot read the file: {err.strerror or err}") from None
    if len(data) > max_bytes:  # a pipe or special file that grew past its stat size
        raise _too_big(path, f"more than {max_bytes:,}", max_bytes)
    return data


def _read_stdin(stream: BinaryIO | None, max_bytes: int) -> bytes:
    source = stream if stream is not None else sys.stdin.buffer
    try:
        data = source.read(max_bytes + 1)
    except OSError as err:
        raise InputError(f"standard input: cannot read: {err.strerror or err}") from None
    if isinstance(data, str):  # a text stream handed in by a caller
        data = data.encode("utf-8")
    if len(data) > max_bytes:
        raise _too_big("standard input", f"more than {max_bytes:,}", max_bytes)
    return data


# --------------------------------------------------------------------------- documents


def _build(path: str, raw_text: str, encoding: str, fmt: str) -> Document:
    text = raw_text.replace("\r\n", "\n").replace("\r", "\n")
    if fmt == "auto":
        fmt = _sniff(path, text)
    if fmt == "html":
        try:
            blocks = html_blocks(text)
        except (AssertionError, ValueError, IndexError) as err:  # html.parser gives up on some broken markup
            raise InputError(f"{path}: cannot parse the HTML ({err}); try --input-format text") from None
    elif fmt == "markdown":
        blocks = markdown_blocks(text)
    elif fmt == "lines":
        blocks = line_blocks(text)
    else:
        blocks = text_blocks(text)
    return Document(path=path, text=text, format=fmt, encoding=encoding, blocks=tuple(blocks))


_HTML_START = re.compile(r"\A\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.I | re.S)
_HTML_BLOCK_TAG = re.compile(r"</?(?:p|div|br|li|ul|ol|h[1-6]|table|tr|td|blockquote|article|section|body|head|span|a)\b[^>]*>", re.I)


def _sniff(path: str, text: str) -> str:
    by_extension = _EXTENSIONS.get(os.path.splitext(path)[1].lower())
    if by_extension:
        return by_extension
    if _HTML_START.match(text):
        return "html"
    sample = text[:50000]
    tags = len(_HTML_BLOCK_TAG.findall(sample))
    if tags >= 5 and tags * 20 >= len(sample.split()):  # markup-dense, not prose mentioning a tag
        return "html"
    return "text"
