"""The local engine: a pool of worker processes on this machine (``--engine local``, the default).

Each process builds its ``AuditWorker`` once, in the pool's initialiser, then checks chunks of a
few articles; a bounded number of chunks is in flight, in source order, so shards finish in turn
and the driver holds only the records of the shards being checked. Processes are started with
``spawn`` (a fresh interpreter: no threads or model state copied from the driver). Ctrl-C reaches
only the driver (the workers ignore it), which stops the workers at once.

A worker process that dies (killed, out of memory) ends the run with exit 3; the shards already
written are kept, and running the same command again resumes. (The Ray engine retries instead.)
A worker never outlives its driver: killed with ``kill -9``, the driver cannot stop them, so
each worker asks Linux for a signal when its parent dies (``PR_SET_PDEATHSIG``) and, on any
system, watches its parent pid once a second.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Sequence

from mtcheck.audit.sources import ArticleRef
from mtcheck.audit.worker import AuditWorker, WorkerConfig
from mtcheck.errors import ComponentError
from mtcheck.services import egress

Emit = Callable[[int, dict[str, Any]], None]

_WORKER: AuditWorker | None = None


def _start_worker(config: WorkerConfig, threads: int, driver: int) -> None:
    global _WORKER
    exit_with_driver(driver)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the driver's to handle
    egress.announced_by_driver()  # the driver said where text goes, once for the run
    # The machine's cores shared out between the workers, as Ray does for its actors (unless set).
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, str(threads))
    _no_process_locks()
    _WORKER = AuditWorker(config)


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
DRIVER_WATCH_SECONDS = 1.0


def exit_with_driver(driver: int, *, parent_death_signal: bool = True) -> None:
    """End this worker when ``driver`` (its parent) dies, however it dies.

    A worker left behind holds about 1 GB and a core, its parent pid 1. Linux sends the signal
    asked for with ``prctl(PR_SET_PDEATHSIG)`` when the parent goes; a daemon thread also checks
    the parent pid every second, for other systems and for a parent that died before the signal
    was armed."""
    if parent_death_signal and sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # no prctl: the watch below still ends the worker
    if os.getppid() != driver:
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(DRIVER_WATCH_SECONDS)
            if os.getppid() != driver:
                os._exit(1)

    threading.Thread(target=watch, name="mtcheck-driver-watch", daemon=True).start()


def _no_process_locks() -> None:
    """tqdm (which sentence-transformers calls, bars off) makes a multiprocessing lock: a named
    semaphore the pool's resource tracker watches. A worker stopped by Ctrl-C cannot release it,
    and the tracker then warns about a leak at exit. A worker draws no bars: a thread lock will do."""
    try:
        from tqdm import tqdm  # type: ignore[import-untyped]  # no stubs installed (types-tqdm is not a dependency)
    except ImportError:
        return
    tqdm.set_lock(threading.RLock())


def _check_chunk(rows: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    assert _WORKER is not None, "the pool's initialiser builds the worker"
    return _WORKER.check([ArticleRef.from_row(r) for r in rows])


def chunks(refs: Sequence[ArticleRef], size: int) -> list[list[dict[str, Any]]]:
    """Consecutive runs of at most ``size`` articles, never across a shard boundary."""
    out: list[list[dict[str, Any]]] = []
    for ref in refs:
        if out and len(out[-1]) < size and out[-1][-1]["shard"] == ref.shard:
            out[-1].append(ref.to_row())
        else:
            out.append([ref.to_row()])
    return out


def run_local(refs: Sequence[ArticleRef], config: WorkerConfig, emit: Emit, *, workers: int, chunk_size: int) -> None:
    import multiprocessing

    todo = chunks(refs, chunk_size)
    if not todo:
        return
    workers = max(1, min(workers, len(todo)))
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_start_worker, initargs=(config, max(1, (os.cpu_count() or 1) // workers), os.getpid()))
    pending: set[Future] = set()
    queue = iter(todo)
    in_flight = 2 * workers
    finished = False
    try:
        for chunk in queue:
            pending.add(pool.submit(_check_chunk, chunk))
            if len(pending) >= in_flight:
                break
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                try:
                    results = future.result()
                except BrokenProcessPool:
                    raise ComponentError(
                        "a worker process died (killed, or out of memory); the shards written so far are kept",
                        fix="run the same command again to resume, with fewer --workers if memory ran out",
                    ) from None
                for shard, record in results:
                    emit(shard, record)
            for chunk in queue:
                pending.add(pool.submit(_check_chunk, chunk))
                if len(pending) >= in_flight:
                    break
        finished = True
    finally:
        if finished:
            pool.shutdown(wait=True)
        else:  # Ctrl-C or an error: stop the workers now, not after their current chunk
            _terminate(pool)


def _terminate(pool: ProcessPoolExecutor) -> None:
    # ProcessPoolExecutor has no public way to stop busy workers before Python 3.14
    # (terminate_workers); its process table is the ``_processes`` attribute.
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        try:
            process.terminate()
        except (OSError, ValueError, AttributeError):
            pass
    for process in processes:
        try:
            process.join(timeout=5)
            if process.is_alive():
                os.kill(process.pid, signal.SIGKILL)
        except (OSError, ValueError, AssertionError):
            pass
    # With its workers gone the pool's manager thread closes the queues (and their semaphores,
    # which would otherwise be reported as leaked at exit); wait for it.
    pool.shutdown(wait=True, cancel_futures=True)
