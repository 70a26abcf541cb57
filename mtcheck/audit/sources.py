"""What an audit reads: a directory tree of articles or a JSON-lines file, as ``ArticleRef`` s.

A reference says where an article's text is (a file, or one line of the JSON-lines file by byte
offset) without holding it, so the driver keeps only ids and metadata in memory however large the
archive; a worker reads the text itself. Ids are stable: the path relative to the tree, or the
line's ``id``. The scan also computes the source's content fingerprint, which the manifest records
so that a resume never mixes two versions of an archive.

JSON-lines: one article per line, ``{"id": ..., "text": ..., "url"?, "date"?, "source"?}``; a line
that is not a JSON object, an article without an id or text, or an id used twice is an
``InputError`` naming the line. In a tree, an article's source is its top folder (the tree's own
name for files at the top) and its date is read from the path (``2024/05/03/story.html``,
``2024-05-story.txt``, ``20240503.md``), when there is one.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Iterable

from mtcheck.errors import InputError
from mtcheck.fsutil import name_is_text, shown_name
from mtcheck.jsonl import json_object

JSONL_SUFFIXES = (".jsonl", ".ndjson")
UNKNOWN_MONTH = "unknown"
EMPTY_DIGEST = hashlib.sha256(b"").hexdigest()
_META_FIELDS = ("url", "date", "source")
# A date in a path: 2024-05-03, 2024/05/03, 2024_05, 2024.05 (the day optional), or 20240503.
_PATH_DATE = re.compile(
    r"(?<!\d)((?:19|20)\d\d)[-/_.](0[1-9]|1[0-2])(?:[-/_.](0[1-9]|[12]\d|3[01]))?(?!\d)"
    r"|(?<!\d)((?:19|20)\d\d)(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?!\d)"
)
_ISO_MONTH = re.compile(r"\A\s*((?:1[89]|2\d)\d\d)[-/.](0[1-9]|1[0-2])(?!\d)")


@dataclass(frozen=True)
class ArticleRef:
    """Where one article is, and what is known of it before it is read."""

    id: str
    path: str  # the article's file (tree), or the JSON-lines file
    offset: int = -1  # JSON-lines: byte offset of the article's line; -1: the whole file is the article
    length: int = 0  # JSON-lines: the line's length in bytes
    line: int = 0  # JSON-lines: the line number, for messages
    source: str = ""
    date: str | None = None
    url: str | None = None
    shard: int = 0
    refused: str = ""  # why the scan already knows it cannot be checked (a file name that is not UTF-8)

    @property
    def month(self) -> str:
        return month_of(self.date)

    def to_row(self) -> dict[str, Any]:
        """A flat dict (a Ray Data row, a pickled task)."""
        return asdict(self)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "ArticleRef":
        return cls(
            id=str(row["id"]), path=str(row["path"]), offset=int(row["offset"]), length=int(row["length"]),
            line=int(row["line"]), source=str(row["source"]), date=_optional(row.get("date")),
            url=_optional(row.get("url")), shard=int(row["shard"]), refused=str(row.get("refused") or ""),
        )


def _optional(value: Any) -> str | None:
    if value is None:
        return None
    try:  # a missing value in a Ray Data batch may come back as NaN
        if value != value:
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


@dataclass(frozen=True)
class SourceIndex:
    kind: str  # "tree" | "jsonl"
    path: str  # resolved
    fingerprint: str  # sha256 over the articles' ids and contents
    refs: tuple[ArticleRef, ...]


def month_of(date: str | None) -> str:
    """``YYYY-MM`` of an ISO-like date (``2024-05-03``, ``2024-05-03T10:00Z``, ``2024/05``), else "unknown"."""
    if not date:
        return UNKNOWN_MONTH
    m = _ISO_MONTH.match(date)
    return f"{m.group(1)}-{m.group(2)}" if m else UNKNOWN_MONTH


def date_in_path(relative: str) -> str | None:
    """The last date written in a relative path (folders, then the name), as ``YYYY-MM[-DD]``."""
    found = None
    for m in _PATH_DATE.finditer(relative):
        year, month, day = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (m.group(4), m.group(5), m.group(6))
        found = f"{year}-{month}" + (f"-{day}" if day else "")
    return found


def scan_source(source: str | Path, *, exclude: Iterable[str] = (), skip: Path | None = None, follow_links: bool = False,
                skipped: list[str] | None = None) -> SourceIndex:
    """Every article of ``source`` in a stable order (a tree: sorted paths; JSON lines: line order).

    ``skip`` is a folder inside a tree whose files are never articles (the audit's own output).
    A tree's symbolic links that lead out of it are skipped (and appended to ``skipped``) unless
    ``follow_links``, as ``mtcheck check`` does. A JSON-lines source must be a regular file: a
    FIFO or a device has no content to fingerprint, so a resume could not tell what it audited.
    """
    path = Path(source)
    if not path.exists():
        raise InputError(f"{shown_name(source)}: no such file or directory")
    if not name_is_text(path.resolve()):  # the manifest and every record name it
        raise InputError(f"{shown_name(path.resolve())}: the name is not valid UTF-8", fix="rename it")
    if path.is_dir():
        return _scan_tree(path, exclude, skip, follow_links, skipped)
    if path.suffix.lower() not in JSONL_SUFFIXES:
        raise InputError(f"{shown_name(source)}: not a directory of articles or a JSON-lines file (.jsonl, one article per line)")
    if not path.is_file():
        raise InputError(f"{shown_name(source)}: not a regular file (a FIFO, device or socket cannot be audited or resumed)",
                         fix="save the feed to a file first")
    return _scan_jsonl(path)


def _scan_tree(root: Path, exclude: Iterable[str], skip: Path | None, follow_links: bool = False,
               skipped: list[str] | None = None) -> SourceIndex:
    from mtcheck.inputs import expand_paths

    files = expand_paths([str(root)], exclude=exclude, follow_links=follow_links, skipped=skipped)
    if skip is not None:
        skip = skip.resolve()
        files = [f for f in files if not Path(f).resolve().is_relative_to(skip)]
        if not files:
            raise InputError(f"{root}: no articles outside the audit's output folder {skip}")
    top = root.resolve().name or "articles"
    digest = hashlib.sha256(b"mtcheck/audit tree\n")
    refs = []
    for name in files:
        # A name that is not UTF-8 is kept under its escaped form, as an error entry: it could be
        # read, but no shard, CSV or terminal could say which file it was.
        refused = "" if name_is_text(name) else f"{shown_name(name)}: the file name is not valid UTF-8 (rename the file)"
        relative = shown_name(Path(name).relative_to(root).as_posix())
        parts = relative.split("/")
        try:
            with open(name, "rb") as handle:  # in pieces: a file may be far larger than memory
                content = hashlib.file_digest(handle, "sha256").hexdigest()
        except OSError:
            content = EMPTY_DIGEST  # the worker reports why it cannot be read, as that article's error
        digest.update(f"{relative}\0{content}\n".encode())
        refs.append(ArticleRef(id=relative, path=shown_name(name), source=parts[0] if len(parts) > 1 else top,
                               date=date_in_path(relative), refused=refused))
    return SourceIndex("tree", str(root.resolve()), digest.hexdigest(), tuple(refs))


def _scan_jsonl(path: Path) -> SourceIndex:
    digest = hashlib.sha256(b"mtcheck/audit jsonl\n")
    refs: list[ArticleRef] = []
    seen: dict[str, int] = {}
    default_source = path.stem
    try:
        handle = path.open("rb")
    except OSError as err:
        raise InputError(f"{path}: cannot read: {err.strerror or err}") from None
    with handle:
        offset = 0
        for n, raw in enumerate(handle, 1):
            start, offset = offset, offset + len(raw)
            digest.update(raw)
            row = parse_line(raw, path, n)
            if row is None:
                continue
            ident = row["id"]
            if ident in seen:
                raise InputError(f"{path}:{n}: id {ident!r} is used again (first on line {seen[ident]}); every article needs its own id")
            seen[ident] = n
            refs.append(ArticleRef(
                id=ident, path=str(path.resolve()), offset=start, length=len(raw), line=n,
                source=row.get("source") or default_source, date=row.get("date"), url=row.get("url"),
            ))
    if not refs:
        raise InputError(f"{path}: no articles (the file has no JSON lines)")
    return SourceIndex("jsonl", str(path.resolve()), digest.hexdigest(), tuple(refs))


def parse_line(raw: bytes, path: str | Path, n: int) -> dict[str, Any] | None:
    """One JSON-lines article checked: ``id`` (a string, or an integer made one), ``text`` (a
    string) and optional string ``url``/``date``/``source``; None for a blank line."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path}:{n}: not UTF-8 text") from None
    if n == 1:
        line = line.removeprefix("\ufeff")
    row = json_object(line, path, n)
    if row is None:
        return None
    ident = row.get("id")
    if isinstance(ident, bool) or not isinstance(ident, (str, int)) or not str(ident).strip():
        raise InputError(f"{path}:{n}: no \"id\" (a string or an integer; every article needs one)")
    if not isinstance(row.get("text"), str):
        raise InputError(f"{path}:{n}: no \"text\" string")
    for key in _META_FIELDS:
        if row.get(key) is not None and not isinstance(row[key], str):
            raise InputError(f"{path}:{n}: \"{key}\" must be a string")
    row["id"] = str(ident)
    return row


def select_sample(refs: tuple[ArticleRef, ...], n: int | None) -> tuple[ArticleRef, ...]:
    """``n`` articles spread over the whole source, the same ones every time (smallest hash of
    the id), kept in source order; all of them when ``n`` is None or not smaller."""
    if n is None or n >= len(refs):
        return refs
    chosen = set(sorted(range(len(refs)), key=lambda i: hashlib.sha256(refs[i].id.encode()).digest())[:n])
    return tuple(r for i, r in enumerate(refs) if i in chosen)


def assign_shards(refs: tuple[ArticleRef, ...], shard_size: int) -> tuple[ArticleRef, ...]:
    """Shard ``k`` holds the articles ``k * shard_size`` up to ``(k + 1) * shard_size`` (source order)."""
    return tuple(replace(r, shard=i // shard_size) for i, r in enumerate(refs))


def shard_ids(refs: Iterable[ArticleRef]) -> dict[int, list[str]]:
    """The ids each shard must hold, in order."""
    out: dict[int, list[str]] = {}
    for ref in refs:
        out.setdefault(ref.shard, []).append(ref.id)
    return out


def read_text(ref: ArticleRef) -> str:
    """A JSON-lines article's text, read by the worker from its line."""
    try:
        with open(ref.path, "rb") as handle:
            handle.seek(ref.offset)
            raw = handle.read(ref.length)
    except OSError as err:
        raise InputError(f"{ref.path}:{ref.line}: cannot read: {err.strerror or err}") from None
    row = parse_line(raw, ref.path, ref.line)
    if row is None or row["id"] != ref.id:
        raise InputError(f"{ref.path}:{ref.line}: the file changed since the audit started (id {ref.id!r} is no longer there)")
    return row["text"]
