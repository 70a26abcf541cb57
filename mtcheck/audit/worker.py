"""One audit worker: a ``Pipeline`` built once, then article after article into JSON records.

The engines build one ``AuditWorker`` per worker process (the process pool's initialiser, the Ray
actor's constructor), so the models load once per worker, not per article. It checks with
``Pipeline.check_document`` and ``gate.finish``, the code ``mtcheck check`` runs, so an article's
document score, flags and severities are the ones ``check`` gives for the same text.

A record (one JSON line of a shard)::

    {"id", "source", "date", "month", "url", "path", "format",
     "score",                      # document probability (full precision)
     "sentences", "flagged_sentences", "share", "ci95": [low, high],
     "severity": {"info", "warning", "error"},
     "reasons": [{"rule_id", "message", "count", "weight"}],   # the article's top reasons
     "findings": [{"index", "start", "end", "text", "score", "severity", "suppressed",
                   "reasons": [rule ids], "rewrite": text | null}],   # flagged sentences only
     "scores": [score of each prose sentence, 4 decimals],
     "error": null | the one-line reason it could not be checked,
     "seconds", "worker": {"pid", "peak_rss_mb"}}

An input the article itself is to blame for (empty, binary, too large) becomes a record with
``error`` set and the audit goes on; a component failing (a model, LanguageTool, the rewrite
server) stops the whole audit: the worker answers with an ``abort`` record instead.
"""

from __future__ import annotations

import importlib
import os
import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Iterator

from mtcheck.audit.sources import ArticleRef, read_text
from mtcheck.config import Settings
from mtcheck.errors import ComponentError, InputError, MtcheckError
from mtcheck.pipeline import CheckOptions
from mtcheck.types import Document, DocumentResult

TOP_REASONS = 5  # reasons kept per article
ABORT = -1  # the shard number of an abort record
# Reasons that say where the score came from, not what in the text reads as translated.
CONTEXT_SOURCES = ("document",)
WARM_UP_TEXT = "The talks ended on Monday without an agreement. As reports Reuters, the sides will meet again."


@dataclass(frozen=True)
class WorkerConfig:
    """Everything a worker needs, picklable: it travels to pool processes and Ray actors."""

    settings: Settings
    options: CheckOptions
    # "module:callable" building the pipeline from this config (tests use a fake); None: Pipeline.
    factory: str | None = None
    # The audit's signature (the driver's detector): a worker whose own differs refuses to work, so
    # a model retrained mid-audit or a cluster node with another install never mixes into the shards.
    signature: str | None = None


def signature(pipeline: Any, rewrite: bool) -> str:
    """mtcheck's version, the detector's signature and the rewrite prompt's version, as ``check`` reports them."""
    from mtcheck import __version__
    from mtcheck.rewrite.prompt import PROMPT_VERSION

    detector = getattr(pipeline, "detector", None)
    own = getattr(detector, "public_signature", None)
    detector_part = own() if callable(own) else f"stand-in:{type(pipeline).__name__}"
    return f"mtcheck:{__version__}|{detector_part}|prompt:{PROMPT_VERSION if rewrite else 'none'}"


def build_pipeline(config: WorkerConfig) -> Any:
    if config.factory:
        module, _, name = config.factory.partition(":")
        return getattr(importlib.import_module(module), name)(config)
    from mtcheck.pipeline import Pipeline

    return Pipeline(config.settings, config.options)


def abort_record(err: BaseException) -> dict[str, Any]:
    if isinstance(err, MtcheckError):
        return {"abort": {"message": err.message, "fix": err.fix, "exit_code": err.exit_code}}
    return {"abort": {"message": f"{type(err).__name__}: {err}", "fix": None, "exit_code": ComponentError.exit_code}}


def raise_abort(record: dict[str, Any]) -> None:
    """Raise, in the driver, the error a worker's abort record carries."""
    from mtcheck.errors import EXIT_INPUT

    info = record["abort"]
    kind = InputError if info.get("exit_code") == EXIT_INPUT else ComponentError
    raise kind(f"a worker stopped: {info['message']}", fix=info.get("fix"))


# Memory a worker needs at its peak (measured 1.5-1.6 GB over 2,000 articles: spaCy, MiniLM, SmolLM2, PyTorch), with room to spare.
WORKER_MEMORY = 2e9


def default_workers(cpus: float, memory: float | None) -> int:
    """As many workers as CPUs, but no more than the memory holds."""
    workers = int(cpus)
    if memory:
        workers = min(workers, int(memory // WORKER_MEMORY))
    return max(1, workers)


@contextmanager
def _one_at_a_time(name: str) -> Iterator[None]:
    """A lock shared by the processes of this machine (a file in the temporary folder)."""
    import fcntl
    import tempfile

    with open(Path(tempfile.gettempdir()) / f"mtcheck-{name}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def peak_rss_mb() -> float:
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # kilobytes on Linux


def release_freed_memory() -> bool:
    """Hand the heap's free pages back to the system (glibc's ``malloc_trim``); False where there is none.

    A long-lived worker's resident memory otherwise creeps up by about 1 MB an article (measured:
    1.0 GB to 2.0 GB over 2,000 articles) although Python's own objects do not grow: spaCy, PyTorch
    and llama.cpp free their buffers to glibc, whose arenas keep the pages. Trimmed after every
    chunk, a worker stayed at 1.1 GB over 300 articles instead of reaching 1.45 GB."""
    trim = _malloc_trim()
    if trim is None:
        return False  # not glibc (macOS, musl): nothing to do
    trim(0)
    return True


@lru_cache(maxsize=1)
def _malloc_trim() -> Any:
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        return getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
    except OSError:
        return None


class AuditWorker:
    def __init__(self, config: WorkerConfig, warm_up: bool = True):
        self.config = config
        self.failure: BaseException | None = None
        self.pid = os.getpid()
        try:
            self.pipeline = build_pipeline(config)
            # Building the detector starts the managed LanguageTool server when none runs: on a
            # cluster node the first worker starts it and the others, waiting here, find it running.
            managed = config.options.languagetool and not config.options.languagetool_url and config.factory is None
            with _one_at_a_time("languagetool-start") if managed else nullcontext():
                own = signature(self.pipeline, config.options.rewrite)
            if config.signature is not None and own != config.signature:
                raise ComponentError(
                    f"a worker's detector is not the audit's ({own}; the audit's: {config.signature}): the model or "
                    "mtcheck changed since the audit started, or a node has another install",
                    fix="install the same mtcheck and models everywhere, then run the command again",
                )
            if warm_up:
                self._warm_up()
        except MtcheckError as err:
            self.failure = err
        except Exception as err:  # noqa: BLE001 - reported to the driver as one line
            self.failure = err

    def _warm_up(self) -> None:
        """Load every detection model now, in the worker's start-up, not in its first article's time
        (a rewriter loads on the first flagged sentence: a server backend needs no loading)."""
        from mtcheck.load import load_text

        detector = getattr(self.pipeline, "detector", None)
        if detector is None:
            return
        document = load_text(WARM_UP_TEXT, path="warm-up")
        detector.detect(document, self.pipeline.segment(document))

    def check(self, refs: Iterable[ArticleRef]) -> list[tuple[int, dict[str, Any]]]:
        """``(shard, record)`` per article; a single ``(ABORT, abort record)`` when a component fails."""
        if self.failure is not None:
            return [(ABORT, abort_record(self.failure))]
        out = []
        try:
            for ref in refs:
                try:
                    out.append((ref.shard, self._check(ref)))
                except MtcheckError as err:  # a component failed: the audit stops, the shards so far are kept
                    return [(ABORT, abort_record(err))]
        finally:
            release_freed_memory()
        return out

    # -- one article ----------------------------------------------------------------------
    def _document(self, ref: ArticleRef, text: str | None) -> Document:
        from mtcheck.load import load_bytes, load_document

        options = self.config.options
        if ref.refused:
            raise InputError(ref.refused)
        if ref.offset < 0 and text is None:
            return load_document(ref.path, options.input_format, max_bytes=options.max_bytes)
        if text is None:
            text = read_text(ref)
        data = text.encode("utf-8")
        if len(data) > options.max_bytes:
            raise InputError(f"{ref.id} is {len(data)} bytes, over the limit of {options.max_bytes:,} bytes; raise it with --max-bytes")
        if not text.strip():
            raise InputError(f"{ref.id}: the text is empty; there is nothing to check")
        # The bytes a file or `check -` would have given: binary text is refused by the same rule.
        return load_bytes(data, ref.id, options.input_format)

    def _check(self, ref: ArticleRef, text: str | None = None) -> dict[str, Any]:
        from mtcheck.gate import FinishOptions, finish

        started = time.perf_counter()
        base: dict[str, Any] = {
            "id": ref.id, "source": ref.source, "date": ref.date, "month": ref.month, "url": ref.url,
            "path": ref.path if ref.offset < 0 else f"{ref.path}:{ref.line}",
        }
        try:
            document = self._document(ref, text)
            sentences = self.pipeline.segment(document)
            result = self.pipeline.check_document(document, sentences)
        except InputError as err:
            record = {**base, **empty_summary(), "error": " ".join(str(err).split())}
        except MtcheckError:
            raise
        except Exception as err:  # noqa: BLE001 - one odd article must not end an archive's audit
            record = {**base, **empty_summary(), "error": f"internal error: {type(err).__name__}: {err}"}
        else:
            # As `check` finishes a run: inline suppressions, the article's gate decision and the
            # severities it caps (the audit's own exit code does not depend on findings).
            (result,), _ = finish([result], FinishOptions.from_settings(self.config.settings))
            record = {**base, **summarise(result), "error": None}
        record["seconds"] = round(time.perf_counter() - started, 4)
        record["worker"] = {"pid": self.pid, "peak_rss_mb": peak_rss_mb()}
        return record


def empty_summary() -> dict[str, Any]:
    return {"format": None, "score": None, "sentences": 0, "flagged_sentences": 0, "share": 0.0, "ci95": [0.0, 1.0],
            "severity": {"info": 0, "warning": 0, "error": 0}, "reasons": [], "findings": [], "scores": []}


def summarise(result: DocumentResult) -> dict[str, Any]:
    """The record's fields for a checked document."""
    prose = [f for f in result.findings if f.sentence.kind == "prose"]
    flagged = [f for f in prose if f.flagged]
    share = result.translated
    reasons: dict[str, dict[str, Any]] = {}
    for finding in flagged:
        for reason in finding.reasons:
            if reason.source in CONTEXT_SOURCES:
                continue
            entry = reasons.setdefault(reason.rule_id, {"rule_id": reason.rule_id, "message": reason.message, "count": 0, "weight": 0.0})
            entry["count"] += 1
            entry["weight"] += max(reason.weight, 0.0)
    top = sorted(reasons.values(), key=lambda r: (-r["weight"], -r["count"], r["rule_id"]))[:TOP_REASONS]
    for entry in top:
        entry["weight"] = round(entry["weight"], 4)
    return {
        "format": result.document.format,
        "score": float(result.score),
        "sentences": len(prose),
        "flagged_sentences": len(flagged),
        "share": round(share.share, 4),
        "ci95": [round(share.low, 4), round(share.high, 4)],
        "severity": {level: sum(1 for f in flagged if f.severity == level) for level in ("info", "warning", "error")},
        "reasons": top,
        "findings": [
            {
                "index": f.sentence.index, "start": f.sentence.start, "end": f.sentence.end, "text": f.sentence.text,
                "score": float(f.score), "severity": f.severity, "suppressed": f.suppressed,
                "reasons": [r.rule_id for r in f.reasons],
                "rewrite": f.rewrite.text if f.rewrite is not None else None,
            }
            for f in flagged
        ],
        "scores": [round(float(f.score), 4) for f in prose],
    }
