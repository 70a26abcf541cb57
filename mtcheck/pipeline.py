"""Composes the stages for ``mtcheck check``: load -> segment -> detect -> rewrite -> compare.

Components that are expensive to start (the LanguageTool server, the models) are created
once per run and shared by every document; a stage that is switched off is never built.
"""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from mtcheck.config import Settings
from mtcheck.errors import InputError
from mtcheck.types import Document, DocumentResult, Sentence

DOCUMENT_SUFFIXES = (".txt", ".text", ".md", ".markdown", ".html", ".htm")

Progress = Callable[[str], None]


@dataclass(frozen=True)
class CheckOptions:
    input_format: str = "auto"
    max_bytes: int = 5_000_000
    rewrite: bool = True
    reference: str | None = None
    languagetool: bool = True
    languagetool_url: str | None = None
    backend: str | None = None
    model_overrides: dict[str, str] = field(default_factory=dict)
    jobs: int = 1


def expand_paths(paths: Iterable[str]) -> list[str]:
    """Files as given; directories searched recursively for articles (sorted, stable)."""
    out: list[str] = []
    for raw in paths:
        if raw == "-":
            out.append(raw)
            continue
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                str(p) for p in path.rglob("*") if p.is_file() and p.suffix.lower() in DOCUMENT_SUFFIXES
            )
            if not found:
                raise InputError(f"{raw}: directory contains no .txt, .md or .html files")
            out.extend(found)
        else:
            out.append(raw)
    if not out:
        raise InputError("no input files given")
    return out


class Pipeline:
    def __init__(self, settings: Settings, options: CheckOptions, progress: Progress | None = None):
        self.settings = settings
        self.options = options
        self.progress = progress or (lambda message: None)
        self.services: dict[str, object] = {}
        self._detector = None
        self._rewriter = None
        self._comparer = None
        self._reference: tuple[Document, tuple[Sentence, ...]] | None = None

    # -- components, built on first use -------------------------------------------------
    def _start_services(self) -> None:
        if self.options.languagetool and "languagetool" not in self.services:
            from mtcheck.services.languagetool import LanguageToolService

            self.progress("starting LanguageTool")
            service = LanguageToolService(self.settings, url=self.options.languagetool_url)
            service.ensure_running()
            self.services["languagetool"] = service

    @property
    def detector(self):
        if self._detector is None:
            from mtcheck.detect import Detector

            self._start_services()
            self._detector = Detector(self.settings, services=self.services)
        return self._detector

    @property
    def rewriter(self):
        if self._rewriter is None:
            from mtcheck.rewrite import Rewriter

            self._rewriter = Rewriter(self.settings, self.detector, services=self.services, backend=self.options.backend)
        return self._rewriter

    @property
    def comparer(self):
        if self._comparer is None:
            from mtcheck.compare import Comparer

            self._comparer = Comparer(self.settings)
        return self._comparer

    def reference(self) -> tuple[Document, tuple[Sentence, ...]] | None:
        if self.options.reference is None:
            return None
        if self._reference is None:
            from mtcheck.load import load_document
            from mtcheck.segment import segment

            doc = load_document(self.options.reference, self.options.input_format, max_bytes=self.options.max_bytes)
            self._reference = (doc, segment(doc))
        return self._reference

    # -- the run ---------------------------------------------------------------------------
    def load(self, path: str) -> tuple[Document, tuple[Sentence, ...]]:
        from mtcheck.load import load_document
        from mtcheck.segment import segment

        document = load_document(path, self.options.input_format, max_bytes=self.options.max_bytes)
        sentences = segment(document)
        if not any(s.kind == "prose" for s in sentences):
            self.progress(f"{path}: no prose sentences to check")
        return document, sentences

    def check_document(self, document: Document, sentences: tuple[Sentence, ...]) -> DocumentResult:
        from mtcheck.gate import fingerprint

        self.progress(f"{document.path}: detecting ({len(sentences)} sentences)")
        detection = self.detector.detect(document, sentences)
        findings = tuple(
            dataclasses.replace(f, fingerprint=fingerprint(document.path, f.sentence.text)) for f in detection.findings
        )
        reference = self.reference()
        hints = None
        if reference is not None:
            hints = self.comparer.term_hints(sentences, reference[1])
        if self.options.rewrite and any(f.flagged for f in findings):
            self.progress(f"{document.path}: rewriting {sum(f.flagged for f in findings)} flagged sentences")
            findings = self.rewriter.rewrite(document, sentences, findings, hints=hints)
        comparison = None
        if reference is not None:
            self.progress(f"{document.path}: comparing with {reference[0].path}")
            findings, comparison = self.comparer.compare(sentences, findings, reference[1])
        return DocumentResult(document=document, findings=tuple(findings), score=detection.score, comparison=comparison)

    def run(self, paths: list[str]) -> list[DocumentResult]:
        # Load everything first, so a bad input fails before any model is started.
        loaded = [self.load(p) for p in paths]
        self.reference()
        if self.options.jobs > 1 and len(loaded) > 1:
            _ = self.detector  # build shared components before the threads need them
            if self.options.rewrite:
                _ = self.rewriter
            with ThreadPoolExecutor(max_workers=self.options.jobs) as pool:
                return list(pool.map(lambda item: self.check_document(*item), loaded))
        return [self.check_document(doc, sents) for doc, sents in loaded]
