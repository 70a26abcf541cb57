"""Input discovery for ``check``, ``fix`` and ``audit``: which files a run reads.

Files named are read as given; a folder is searched recursively for articles, leaving out what
its ``.mtcheckignore`` or ``--exclude`` names (gitignore-style, :class:`IgnoreRules`), the baseline,
mtcheck's own outputs (recognised by their content: every output format says how to recognise
its own, see :func:`mtcheck_output`) and symbolic links leading out of the folder.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from mtcheck.errors import InputError
from mtcheck.fsutil import read_regular_file, shown_name
from mtcheck.gate import BASELINE_FILENAME, looks_like_baseline

DOCUMENT_SUFFIXES = (".txt", ".text", ".md", ".markdown", ".html", ".htm")
IGNORE_FILENAME = ".mtcheckignore"
IGNORE_FILE_LIMIT = 1_000_000  # bytes: patterns, not data


def expand_paths(paths: Iterable[str], exclude: Iterable[str] = (), *, follow_links: bool = False,
                 skipped: list[str] | None = None) -> list[str]:
    """Files as given; directories searched recursively for articles (sorted, stable).

    When a directory is expanded, files matching a ``.mtcheckignore`` in it or an ``exclude``
    glob (both gitignore-style, relative to that directory), the baseline file and mtcheck's own
    outputs (recognised by their content, see ``mtcheck_output``) are skipped. So is a symbolic
    link that leads out of the directory (its target is not the folder's to give: a runner's
    files, someone's home), unless ``follow_links``; each such link is appended to ``skipped``
    for the caller to report. A file named explicitly is always kept.
    """
    excluded = IgnoreRules.parse(exclude, "--exclude")
    out: list[str] = []
    for raw in paths:
        if raw == "-":
            out.append(raw)
            continue
        path = Path(raw)
        if path.is_dir():
            rules = IgnoreRules.read(path / IGNORE_FILENAME)
            candidates = sorted(
                str(p) for p in path.rglob("*") if p.is_file() and p.suffix.lower() in DOCUMENT_SUFFIXES
            )
            if not candidates:
                raise InputError(f"{raw}: directory contains no .txt, .md or .html files")
            inside = _inside(path) if not follow_links else None
            found = []
            for name in candidates:
                relative = Path(name).relative_to(path).as_posix()
                if Path(name).name == BASELINE_FILENAME or rules.ignores(relative) or excluded.ignores(relative):
                    continue
                if excluded.ignores(_display(name)):
                    continue
                if inside is not None and not inside(name):
                    if skipped is not None:
                        skipped.append(name)
                    continue
                if mtcheck_output(name):
                    continue
                found.append(name)
            if not found:
                raise InputError(
                    f"{raw}: every .txt, .md or .html file in the directory is excluded ({IGNORE_FILENAME}, --exclude), "
                    "an mtcheck report or a link out of the directory (--follow-links reads those)"
                )
            out.extend(found)
        else:
            out.append(raw)
    if not out:
        raise InputError("no input files given")
    return out


def skipped_links_message(skipped: list[str]) -> str:
    """The one warning line for links :func:`expand_paths` skipped."""
    shown = ", ".join(shown_name(name) for name in skipped[:3]) + (f" and {len(skipped) - 3} more" if len(skipped) > 3 else "")
    links = "symbolic link" if len(skipped) == 1 else "symbolic links"
    return f"skipped {len(skipped)} {links} leading out of the folder: {shown} (--follow-links reads them)"


def _inside(folder: Path) -> Callable[[str], bool]:
    """Whether a file found under ``folder`` really is in it: with every symbolic link on its way
    resolved (the file's own, or a linked folder's), it must still be inside the folder."""
    try:
        root = folder.resolve()
    except (OSError, RuntimeError):
        root = Path(os.path.abspath(folder))

    def inside(name: str) -> bool:
        try:
            return Path(name).resolve(strict=True).is_relative_to(root)
        except (OSError, RuntimeError):
            return False

    return inside


def _display(name: str) -> str:
    posix = Path(name).as_posix()
    while posix.startswith("./"):
        posix = posix[2:]
    return posix


# --------------------------------------------------------------------------- ignore files


def _glob_regex(pattern: str) -> str:
    """A gitignore glob as a regular expression over a ``/``-separated relative path."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        ch = pattern[i]
        if ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        elif ch == "[" and (close := pattern.find("]", i + 2)) > 0:
            body = pattern[i + 1 : close]
            if body[0] in "!^":
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = close + 1
            continue
        else:
            out.append(re.escape(ch))
        i += 1
    return "".join(out)


@dataclass(frozen=True)
class _Rule:
    regex: re.Pattern
    negated: bool
    directory_only: bool


@dataclass(frozen=True)
class IgnoreRules:
    """Gitignore-style patterns: ``#`` comments, ``!`` re-includes, a trailing ``/`` matches only
    directories, a pattern with a ``/`` in it is anchored to the directory, one without matches
    a name at any depth, ``*``/``?``/``[...]`` stop at ``/`` and ``**`` crosses directories.
    The last matching pattern decides; a file in an ignored directory is ignored."""

    rules: tuple[_Rule, ...] = ()

    @classmethod
    def parse(cls, lines: Iterable[str], source: str = "") -> "IgnoreRules":
        rules = []
        for line in lines:
            line = line.rstrip("\n\r")
            if not line.endswith("\\ "):
                line = line.rstrip()
            if not line.strip() or line.startswith("#"):
                continue
            negated = line.startswith("!")
            if negated or line.startswith("\\!") or line.startswith("\\#"):
                line = line[1:]
            directory_only = line.endswith("/")
            line = line.rstrip("/")
            if not line:
                continue
            anchored = "/" in line
            body = _glob_regex(line.lstrip("/"))
            try:
                regex = re.compile(("" if anchored else "(?:.*/)?") + body + r"\Z", re.S)
            except re.error as err:
                where = f" in {source}" if source else ""
                raise InputError(f"bad ignore pattern {line!r}{where}: {err}") from None
            rules.append(_Rule(regex, negated, directory_only))
        return cls(tuple(rules))

    @classmethod
    def read(cls, path: Path) -> "IgnoreRules":
        if not os.path.exists(path):  # none (or a dangling link): no rules
            return cls()
        data = read_regular_file(path, limit=IGNORE_FILE_LIMIT, what="the ignore file")  # a link to /dev/zero is refused
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise InputError(f"{path}: cannot read the ignore file: {err}") from None
        return cls.parse(text.splitlines(), str(path))

    def _decide(self, path: str, is_dir: bool) -> bool:
        ignored = False
        for rule in self.rules:
            if rule.directory_only and not is_dir:
                continue
            if rule.regex.match(path):
                ignored = not rule.negated
        return ignored

    def ignores(self, relative: str) -> bool:
        """Is the file at ``relative`` (``/``-separated) ignored, by its own name or a directory's?"""
        if not self.rules:
            return False
        parts = relative.split("/")
        for depth in range(1, len(parts)):
            if self._decide("/".join(parts[:depth]), is_dir=True):
                return True
        return self._decide(relative, is_dir=False)


# --------------------------------------------------------------------------- mtcheck's own outputs

HEAD_BYTES = 16384
TAIL_BYTES = 4096


def mtcheck_output(path: str | Path) -> str | None:
    """Which mtcheck output the file is, by its content: the name of the format that recognises it
    (``"html"``, ``"json"``...; see ``mtcheck.registry.FormatRegistry``), ``"baseline"`` for a
    baseline file, or None for anything else (an article)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(HEAD_BYTES)
            tail = b""
            if len(head) == HEAD_BYTES:
                handle.seek(0, 2)
                handle.seek(max(HEAD_BYTES, handle.tell() - TAIL_BYTES))
                tail = handle.read()
    except OSError:
        return None  # loading the file reports the problem
    text = head.decode("utf-8", "replace").lstrip("\ufeff")
    if tail:
        if b"\n" in tail[:-1]:
            tail = tail[tail.index(b"\n") + 1 :]  # whole lines only: a recogniser may check each line
        text += "\n" + tail.decode("utf-8", "replace")
    if looks_like_baseline(text):
        return "baseline"
    from mtcheck.report import own_output

    return own_output(text)
