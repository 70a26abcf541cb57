"""Composes the stages for ``mtcheck check``: load -> segment -> detect -> rewrite -> compare.

Which files a run reads (folders, ignore rules, mtcheck's own reports) is mtcheck.inputs' job.
Components that are expensive to start (the LanguageTool server, the models) are created
once per run and shared by every document; a stage that is switched off is never built.
"""

from __future__ import annotations

import dataclasses
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from mtcheck.config import Settings
from mtcheck.errors import InputError
from mtcheck.fsutil import shown_name
from mtcheck.load import DEFAULT_MAX_BYTES
from mtcheck.services.factory import build_services
from mtcheck.types import Document, DocumentResult, Sentence

if TYPE_CHECKING:
    from mtcheck.compare import Comparer
    from mtcheck.detect import Detector
    from mtcheck.rewrite import Rewriter

# An input denser in sentences than one per this many bytes of --max-bytes (a list of one-word
# lines, generated text) is refused: news copy has about 170 bytes per sentence, and the limit
# bounds the memory findings and reports take whatever the input holds.
MIN_BYTES_PER_SENTENCE = 20

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
