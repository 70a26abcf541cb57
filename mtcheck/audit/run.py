"""``run_audit``: scan the source, take the output folder, check the missing shards, summarise.

The driver (this process) never checks an article itself: it scans the source into references,
builds one ``Pipeline`` only to learn the detector's signature (and to start the managed
LanguageTool server once, before any worker asks for it), hands the missing shards' articles to
the engine, and writes each shard when the last of its records arrives. A record that arrives
twice (a retried chunk) is kept once; a shard is committed only with exactly its articles.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol

from mtcheck import console
from mtcheck.audit.shards import ShardStore, new_manifest, settings_key
from mtcheck.audit.sources import ArticleRef, assign_shards, scan_source, select_sample, shard_ids
from mtcheck.audit.summary import summarise, write_parquet, write_summary
from mtcheck.audit.worker import ABORT, WorkerConfig, build_pipeline, default_workers, peak_rss_mb, raise_abort, signature
from mtcheck.config import Settings
from mtcheck.errors import ComponentError, InputError
from mtcheck.inputs import skipped_links_message
from mtcheck.pipeline import CheckOptions
from mtcheck.services import egress

ENGINES = ("local", "ray")
DEFAULT_SHARD_SIZE = 100
DEFAULT_CHUNK_SIZE = 8  # articles a worker is handed at a time (the progress bar moves by about this much)
# Ray (--engine ray) and pyarrow (--parquet) are the `scale` extra: most audits need neither.
SCALE_INSTALL = "pip install 'mtcheck[scale]'"


@dataclass(frozen=True)
class AuditOptions:
    engine: str = "local"
    address: str | None = None
    workers: int | None = None  # None: the CPUs of this machine (local) or the cluster (ray), as far as memory allows
    sample: int | None = None
    shard_size: int = DEFAULT_SHARD_SIZE
    chunk_size: int = DEFAULT_CHUNK_SIZE
    doc_threshold: float = 0.5
    top: int = 50
    parquet: bool = False
    exclude: tuple[str, ...] = ()
    follow_links: bool = False  # read files that a tree's symbolic links lead to outside it
    factory: str | None = None  # a stand-in pipeline ("module:callable"), for tests


@dataclass
class AuditOutcome:
    out: Path
    articles: int
    shards: int
    resumed_articles: int
    checked_now: int
    errors: int
    flagged: int
    mean_score: float | None
    workers: int
    seconds: float
    files: list[Path] = field(default_factory=list)
    peak_rss_mb: dict[int, float] = field(default_factory=dict)  # worker pid -> peak RSS, this run


class Progress(Protocol):
    """What ``run_audit`` tells whoever watches (``mtcheck.audit.progress.AuditProgress`` on a terminal)."""

    def start(self, total: int, completed: int, description: str) -> None: ...
    def describe(self, description: str) -> None: ...
    def advance(self, n: int = 1) -> None: ...


class _Silent:
    def start(self, total: int, completed: int, description: str) -> None:
        pass

    def describe(self, description: str) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass


def check_engine(engine: str, address: str | None) -> None:
    """``--engine`` is one of ``ENGINES``, and ``--address`` goes only with Ray."""
    if engine not in ENGINES:
        raise InputError(f"unknown --engine {engine!r} (choose from {', '.join(ENGINES)})")
    if address is not None and engine != "ray":
        raise InputError("--address names a Ray cluster: use it with --engine ray")


def importable(module: str) -> bool:
    """Whether ``module`` is installed, without importing it (Ray reads settings when imported)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # ValueError: sys.modules holds None for it (its import is blocked)
        return False


def require_scale(options: AuditOptions) -> None:
    """``--engine ray`` needs Ray and ``--parquet`` pyarrow: the ``scale`` extra, not installed with mtcheck itself."""
    for needed, module, option in ((options.engine == "ray", "ray", "--engine ray"), (options.parquet, "pyarrow", "--parquet")):
        if needed and not importable(module):
            raise InputError(f"{option} needs {module}, which is not installed", fix=f"install it with: {SCALE_INSTALL}")


class _Receiver:
    """Takes the records the engine streams back: each article once (a retried chunk's are
    dropped), a shard committed as soon as its last record arrives."""

    def __init__(self, expected: dict[int, list[str]], store: ShardStore, done: set[int], progress: Progress,
                 on_shard: Callable[[int], None] | None):
        self.expected, self.store, self.done, self.progress, self.on_shard = expected, store, done, progress, on_shard
        self.received: dict[int, dict[str, dict[str, Any]]] = {}
        self.checked = 0
        self.first_at: float | None = None  # when the first record arrived: the workers were up
        self.rss: dict[int, float] = {}  # worker pid -> peak RSS

    def __call__(self, shard: int, record: dict[str, Any]) -> None:
        if shard == ABORT:
            raise_abort(record)
        ids = self.expected.get(shard)
        if ids is None or record.get("id") not in ids:
            raise ComponentError(f"a worker sent a record for article {record.get('id')!r}, which is not in shard {shard}")
        bucket = self.received.setdefault(shard, {})
        if record["id"] in bucket:
            return  # a retried chunk: the article is already in
        bucket[record["id"]] = record
        self.checked += 1
        if self.first_at is None:
            self.first_at = time.monotonic()
        worker = record.get("worker") or {}
        if "pid" in worker:
            self.rss[worker["pid"]] = max(self.rss.get(worker["pid"], 0.0), float(worker.get("peak_rss_mb") or 0.0))
        self.progress.advance(1)
        if len(bucket) == len(ids):
            self.store.commit(shard, [bucket[i] for i in ids])
            del self.received[shard]
            self.done.add(shard)
            if self.on_shard is not None:
                self.on_shard(shard)

    def run_log(self, status: str, engine: str, workers: int | None, began: float) -> dict[str, Any]:
        """The line ``ShardStore.log_run`` appends for this run."""
        ended = time.monotonic()
        seconds = ended - began
        steady = None  # after the first record: the workers' throughput without their start-up
        if self.first_at is not None and self.checked > 1 and ended > self.first_at:
            steady = round((self.checked - 1) / (ended - self.first_at), 3)
        return {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "status": status, "engine": engine, "workers": workers,
            "articles_checked": self.checked, "seconds": round(seconds, 2),
            "articles_per_s": round(self.checked / seconds, 3) if seconds > 0 and self.checked else None,
            "start_up_s": round(self.first_at - began, 2) if self.first_at is not None else None, "steady_articles_per_s": steady,
            "shards_done": len(self.done), "shards": len(self.expected), "peak_rss_mb": {str(k): v for k, v in sorted(self.rss.items())},
            "driver_peak_rss_mb": peak_rss_mb(),
        }


def _run_engine(todo: list[ArticleRef], config: WorkerConfig, receive: _Receiver, options: AuditOptions, out: Path,
                progress: Progress) -> int:
    """Check ``todo`` on the chosen engine; returns the number of workers it used."""
    if options.engine == "local":
        import os

        import psutil

        from mtcheck.audit.local import run_local

        workers = options.workers or default_workers(os.cpu_count() or 1, psutil.virtual_memory().available)
        progress.describe(f"checking ({min(workers, len(todo))} workers)")
        run_local(todo, config, receive, workers=workers, chunk_size=options.chunk_size)
        return workers
    from mtcheck.audit.ray_engine import run_ray

    def started(n: int) -> None:
        progress.describe(f"checking (Ray, {n} workers)")

    return run_ray(todo, config, receive, workers=options.workers, chunk_size=options.chunk_size, address=options.address,
                   log=out / "logs" / "ray.log", on_start=started)


def run_audit(source: str | Path, out: str | Path, settings: Settings, check_options: CheckOptions,
              options: AuditOptions = AuditOptions(), progress: Progress | None = None,
              on_shard: Callable[[int], None] | None = None) -> AuditOutcome:
    check_engine(options.engine, options.address)
    require_scale(options)
    if options.address is not None:
        from mtcheck.audit.ray_engine import probe

        probe(options.address)  # before any work: an unreachable cluster is a one-line error at once
    progress = progress or _Silent()
    began = time.monotonic()
    out = ShardStore.check_folder(out)
    skipped: list[str] = []
    index = scan_source(source, exclude=options.exclude, skip=out, follow_links=options.follow_links, skipped=skipped)
    if skipped:
        console.warning(skipped_links_message(skipped))
    refs = assign_shards(select_sample(index.refs, options.sample), options.shard_size)
    expected = shard_ids(refs)

    # The audit never fills the detection cache: one entry per article would be written, and
    # resuming is done by shards.
    settings = settings.with_overrides(cache=False)
    # Said once here for the whole run; the workers, which send the text, stay quiet.
    egress.announce_run(settings, languagetool=check_options.languagetool, languagetool_url=check_options.languagetool_url,
                        rewrite=check_options.rewrite, backend=check_options.backend)
    config = WorkerConfig(settings=settings, options=check_options, factory=options.factory)
    driver = build_pipeline(config)  # the detector's signature; starts the managed LanguageTool server once
    config = dataclasses.replace(config, signature=signature(driver, check_options.rewrite))
    del driver
    manifest = new_manifest(index, sample=options.sample, shard_size=options.shard_size, articles=len(refs), shards=len(expected),
                            settings=settings_key(settings, check_options), signature=config.signature or "")
    store = ShardStore(out)
    store.open(manifest)
    done = store.completed(expected)
    todo = [r for r in refs if r.shard not in done]
    resumed = len(refs) - len(todo)

    receive = _Receiver(expected, store, done, progress, on_shard)
    workers = options.workers
    status = "failed"
    engine_began = time.monotonic()
    progress.start(len(refs), resumed, "starting workers" if todo else "summarising")
    try:
        if todo:
            workers = _run_engine(todo, config, receive, options, out, progress)
        missing = sorted(set(expected) - done)
        if missing:
            raise ComponentError(f"the {options.engine} engine finished without {len(missing)} shards (first: {missing[0]})",
                                 fix="run the same command again to check them")
        status = "complete"
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    finally:
        try:
            store.log_run(receive.run_log(status, options.engine, workers, engine_began))
        except OSError:
            pass  # the run's own outcome (or error) matters more than its log line

    progress.describe("summarising")
    summary = summarise(store.records(), doc_threshold=options.doc_threshold, top=options.top)
    files = write_summary(summary, store.manifest, out)
    if options.parquet:
        parquet = out / "articles.parquet"
        write_parquet(store.records(), parquet)
        files.append(parquet)
    store.mark_complete()
    progress.describe("done")
    return AuditOutcome(
        out=out, articles=len(refs), shards=len(expected), resumed_articles=resumed, checked_now=receive.checked,
        errors=summary.total.errors, flagged=summary.total.flagged, mean_score=summary.total.mean_score,
        workers=workers or 0, seconds=time.monotonic() - began, files=files, peak_rss_mb=receive.rss,
    )
