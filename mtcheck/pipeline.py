"""Composes the stages for ``mtcheck check``: load -> segment -> detect -> rewrite -> compare.

Components that are expensive to start (the LanguageTool server, the models) are created
once per run and shared by every document; a stage that is switched off is never built.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from mtcheck.config import Settings
from mtcheck.errors import InputError
from mtcheck.fsutil import read_regular_file, shown_name
from mtcheck.gate import BASELINE_FILENAME
from mtcheck.load import DEFAULT_MAX_BYTES
from mtcheck.services.factory import build_services
from mtcheck.types import Document, DocumentResult, Sentence

if TYPE_CHECKING:
    from mtcheck.compare import Comparer
    from mtcheck.detect import Detector
    from mtcheck.rewrite import Rewriter

DOCUMENT_SUFFIXES = (".txt", ".text", ".md", ".markdown", ".html", ".htm")
# An input denser in sentences than one per this many bytes of --max-bytes (a list of one-word
# lines, generated text) is refused: news copy has about 170 bytes per sentence, and the limit
# bounds the memory findings and reports take whatever the input holds.
MIN_BYTES_PER_SENTENCE = 20
IGNORE_FILENAME = ".mtcheckignore"
IGNORE_FILE_LIMIT = 1_000_000  # bytes: patterns, not data

Progress = Callable[[str], None]


@dataclass(frozen=True)
class CheckOptions:
    input_format: str = "auto"
    max_bytes: int = DEFAULT_MAX_BYTES
    rewrite: bool = True
    reference: str | None = None
    # The Russian original of the (one) input: its sentences go into the rewrite prompts.
    source: str | None = None
    languagetool: bool = True
    languagetool_url: str | None = None
    backend: str | None = None
    model_overrides: dict[str, str] = field(default_factory=dict)
    jobs: int = 1
    # A bad input (empty, binary, undecodable...) becomes an error entry and the run goes on:
    # True/False, or None for "when there are several inputs". A single bad file stops the run.
    keep_going: bool | None = None


def max_sentences(max_bytes: int) -> int:
    """The most sentences one input may hold under ``--max-bytes`` (never fewer than 1,000)."""
    return max(1000, max_bytes // MIN_BYTES_PER_SENTENCE)


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

_HEAD_BYTES = 16384
_TAIL_BYTES = 4096
_HTML_PAGE = re.compile(r"\A\s*(?:<!doctype html[^>]*>\s*)?<html\b", re.I)
_HTML_REPORT = re.compile(r"<meta\s+name=[\"']generator[\"']\s+content=[\"']mtcheck\b", re.I)
_JSON_REPORT = re.compile(r'\A\s*\{\s*"schema"\s*:\s*"mtcheck/report"')
_SARIF_LOG = re.compile(r'"runs"\s*:\s*\[\s*\{\s*"tool"\s*:\s*\{\s*"driver"\s*:\s*\{\s*"name"\s*:\s*"mtcheck"')
_JUNIT_REPORT = re.compile(r'\A\s*(?:<\?xml[^>]*>\s*)?<testsuites\b[^>]*\bname="mtcheck"')
_GITHUB_LINE = re.compile(r"::(?:error|warning|notice) [^:\n]*\btitle=mtcheck%3A")
_TEXT_SUMMARY = re.compile(r"^mtcheck: \d+ documents?, \d+ sentences, \d+ flagged \(\d+ error, \d+ warning, \d+ info\)")
_JSONL_FINDING = {"path", "index", "start", "end", "text", "kind", "score", "flagged", "severity", "fingerprint"}


def mtcheck_output(path: str | Path) -> str | None:
    """What kind of mtcheck output the file is ("HTML report", "JSON report", ...), by its content; None for anything else.

    Recognised: the HTML report (its generator meta tag), ``--format json`` (schema
    ``mtcheck/report``), SARIF (driver ``mtcheck``), JUnit (``<testsuites name="mtcheck">``),
    JSON lines (finding and error records), GitHub annotations (``title=mtcheck:``), the text
    report (its closing summary line) and a baseline (``{"version": .., "findings": [{"fingerprint"...``).
    """
    try:
        with open(path, "rb") as handle:
            head = handle.read(_HEAD_BYTES)
            tail = b""
            if len(head) == _HEAD_BYTES:
                handle.seek(0, 2)
                handle.seek(max(_HEAD_BYTES, handle.tell() - _TAIL_BYTES))
                tail = handle.read()
    except OSError:
        return None  # loading the file reports the problem
    text = head.decode("utf-8", "replace").lstrip("\ufeff")
    if _HTML_PAGE.match(text) and _HTML_REPORT.search(text.split("</head>", 1)[0][:8192]):
        return "HTML report"  # the generator meta tag in the page's head
    if _JSON_REPORT.match(text):
        return "JSON report"
    if text.lstrip().startswith("{"):
        if _SARIF_LOG.search(text):
            return "SARIF log"
        first = text.lstrip().split("\n", 1)[0]
        try:
            record = json.loads(first)
        except ValueError:
            record = None
        if isinstance(record, dict):
            if _JSONL_FINDING <= set(record) or (record.get("kind") == "error" and {"path", "message"} <= set(record)):
                return "JSON lines"
        if re.match(r'\s*\{\s*"version"\s*:\s*\d+\s*,\s*"findings"\s*:\s*\[\s*(?:\]|\{\s*"fingerprint")', text):
            return "baseline"
    if _JUNIT_REPORT.match(text):
        return "JUnit report"
    lines = [line for line in text.splitlines() if line.strip()]
    if lines and all(_GITHUB_LINE.match(line) for line in lines[:20]):
        return "GitHub annotations"
    ending = (tail.decode("utf-8", "replace") if tail else text).rstrip().rsplit("\n", 1)[-1]
    if _TEXT_SUMMARY.match(ending):
        return "text report"
    return None


class Pipeline:
    def __init__(self, settings: Settings, options: CheckOptions, progress: Progress | None = None):
        self.settings = settings
        self.options = options
        self.progress = progress or (lambda message: None)
        self.services = build_services(settings, languagetool=options.languagetool, languagetool_url=options.languagetool_url,
                                       backend=options.backend, progress=self.progress)
        self._detector: Detector | None = None
        self._rewriter: Rewriter | None = None
        self._comparer: Comparer | None = None
        self._reference: tuple[Document, tuple[Sentence, ...]] | None = None
        self._source: Document | None = None
        self._building = threading.RLock()  # with --jobs, the first document's thread builds each component

    # -- components, built on first use (by the first thread that needs them) -------------------
    @property
    def detector(self) -> Detector:
        with self._building:
            if self._detector is None:
                from mtcheck.detect import Detector

                self.services.languagetool  # noqa: B018 (a server that cannot start fails before any model loads)
                self._detector = Detector(self.settings, services=self.services)
            return self._detector

    @property
    def rewriter(self) -> Rewriter:
        with self._building:
            if self._rewriter is None:
                from mtcheck.rewrite import Rewriter

                self._rewriter = Rewriter(self.settings, self.detector, services=self.services)
            return self._rewriter

    @property
    def comparer(self) -> Comparer:
        with self._building:
            if self._comparer is None:
                from mtcheck.compare import Comparer

                self._comparer = Comparer(self.settings, embedder=self.services.embedder)
            return self._comparer

    def reference(self) -> tuple[Document, tuple[Sentence, ...]] | None:
        if self.options.reference is None:
            return None
        with self._building:
            if self._reference is None:
                from mtcheck.load import load_document

                doc = load_document(self.options.reference, self.options.input_format, max_bytes=self.options.max_bytes)
                self._reference = (doc, self.segment(doc))
            return self._reference

    def source(self) -> Document | None:
        if self.options.source is None:
            return None
        with self._building:
            if self._source is None:
                from mtcheck.load import load_document

                self._source = load_document(self.options.source, "auto", max_bytes=self.options.max_bytes)
            return self._source

    # -- the run ---------------------------------------------------------------------------
    def segment(self, document: Document) -> tuple[Sentence, ...]:
        """The document's sentences; ``InputError`` past ``max_sentences(max_bytes)``."""
        from mtcheck.segment import segment

        sentences = segment(document)
        limit = max_sentences(self.options.max_bytes)
        if len(sentences) > limit:
            name = "standard input" if document.path == "-" else document.path
            raise InputError(
                f"{name} has {len(sentences):,} sentences, more than the {limit:,} checked in one input "
                f"(one per {MIN_BYTES_PER_SENTENCE} bytes of --max-bytes)",
                fix=f"split it, or raise --max-bytes to {len(sentences) * MIN_BYTES_PER_SENTENCE}",
            )
        return sentences

    def load(self, path: str) -> tuple[Document, tuple[Sentence, ...]]:
        from mtcheck.load import load_document

        document = load_document(path, self.options.input_format, max_bytes=self.options.max_bytes)
        sentences = self.segment(document)
        if not any(s.kind == "prose" for s in sentences):
            self.progress(f"{path}: no prose sentences to check")
        return document, sentences

    def check_document(self, document: Document, sentences: tuple[Sentence, ...]) -> DocumentResult:
        from mtcheck.gate import fingerprint

        total = sum(1 for s in sentences if s.kind == "prose")
        self.progress(f"{document.path}: detecting ({total:,} sentences)")

        def detected(done: int, of: int) -> None:
            if done < of:  # a long input: say how far the batches have come
                self.progress(f"{document.path}: detecting, {done:,} of {of:,} sentences ({100 * done // max(of, 1)}%)")

        detection = self.detector.detect(document, sentences, progress=detected)
        findings = tuple(
            dataclasses.replace(f, fingerprint=fingerprint(document.path, f.sentence.text)) for f in detection.findings
        )
        reference = self.reference()
        hints = None
        if reference is not None:
            hints = self.comparer.term_hints(sentences, reference[1])
        if self.options.rewrite and any(f.flagged for f in findings):
            self.progress(f"{document.path}: rewriting {sum(f.flagged for f in findings)} flagged sentences")
            source = self.source()
            sources = None
            if source is not None:
                from mtcheck.rewrite.source import source_sentences

                sources = source_sentences(sentences, source.text)
            findings = self.rewriter.rewrite(document, sentences, findings, hints=hints, sources=sources)
        comparison = None
        if reference is not None:
            self.progress(f"{document.path}: comparing with {reference[0].path}")
            findings, comparison = self.comparer.compare(sentences, findings, reference[1])
        return DocumentResult(document=document, findings=tuple(findings), score=detection.score, comparison=comparison)

    def run(self, paths: list[str]) -> list[DocumentResult]:
        """One result per path, in order. With ``keep_going`` (default: several paths) an input
        that cannot be loaded becomes an error entry (``DocumentResult.error``) and the others are
        still checked; otherwise its ``InputError`` ends the run, before any model is started.

        Inputs are streamed: each is loaded, segmented and checked in turn (``jobs`` at a time),
        so only the documents being checked and the results so far are held in memory."""
        if self.options.source is not None and len(paths) != 1:
            raise InputError(f"--source is the Russian original of one article; {len(paths)} inputs were given",
                             fix="check the article on its own with its --source")
        keep_going = self.options.keep_going if self.options.keep_going is not None else len(paths) > 1
        if not keep_going and len(paths) > 1:
            from mtcheck.load import load_document

            for path in paths:  # every input must load before any model starts; read each, keep none
                self.segment(load_document(path, self.options.input_format, max_bytes=self.options.max_bytes))

        def one(path: str) -> DocumentResult:
            try:
                document, sentences = self.load(path)
            except InputError as err:
                if not keep_going:
                    raise
                self.progress(f"{path}: not checked: {err}")
                return DocumentResult.failed(shown_name(path), str(err))
            self.reference()  # a bad reference or source fails before the first model starts
            self.source()
            return self.check_document(document, sentences)

        if self.options.jobs > 1 and len(paths) > 1:
            with ThreadPoolExecutor(max_workers=self.options.jobs) as pool:
                return list(pool.map(one, paths))
        return [one(path) for path in paths]
