"""The Ray engine (``--engine ray``): Ray Data over a local Ray instance, or a cluster (``--address``).

The articles' references become a Ray Data dataset; ``map_batches`` runs them through a pool of
actors of the callable class ``RayAuditWorker``, each building its ``AuditWorker`` (the models) once
in its constructor. Ray schedules the chunks, and when a worker process dies (killed, out of
memory, a node lost) it restarts the actor and retries the chunk: a retry, not the end of the
job. Records stream back to the driver, which writes the shards (see ``mtcheck.audit.run``), so
the output folder is only needed on the driver's machine; the source and the models must be at
the same paths on every node (a shared folder and the same install).

Without ``--address`` a local instance is started for the run (on the loopback interface only)
and stopped after it; with ``--address`` (``HOST:PORT`` of a cluster's head, ``ray://HOST:PORT``,
or ``auto``) the cluster is used and left running. When Ray is already initialised in the process
(tests), that instance is used as it is. Ray's own messages go to ``OUT/logs/ray.log``, not the
terminal.

``ray`` is imported only inside the functions of this module.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from mtcheck.audit.sources import ArticleRef
from mtcheck.audit.worker import AuditWorker, WorkerConfig, default_workers
from mtcheck.errors import ComponentError, InputError

Emit = Callable[[int, dict[str, Any]], None]

# A local instance started here listens on the loopback interface only (Ray would otherwise pick the
# machine's network address); read by Ray when it is imported.
LOOPBACK_ENV = ("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
MAX_BLOCKS = 5000
_ADDRESS = re.compile(r"\A(?:ray://)?(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})\Z")


def check_address(address: str) -> None:
    """``--address`` must be ``auto``, ``HOST:PORT`` or ``ray://HOST:PORT``."""
    if address == "auto":
        return
    m = _ADDRESS.match(address)
    if not m or not 0 < int(m.group(2)) < 65536:
        raise InputError(f"--address {address!r} is not a Ray cluster address (HOST:PORT, ray://HOST:PORT or auto)")


def probe(address: str, timeout: float = 5.0) -> None:
    """Fail at once on an address nothing listens on (Ray itself waits minutes, then exits the process)."""
    import socket

    check_address(address)
    if address == "auto":
        return
    m = _ADDRESS.match(address)
    assert m is not None
    host, port = m.group(1).strip("[]"), int(m.group(2))
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as err:
        raise ComponentError(f"no Ray cluster answers at {address}: {err.strerror or err}",
                             fix="start it (ray start --head) or fix --address") from None


@contextmanager
def _output_to(log: Path) -> Iterator[None]:
    """Send this process's stdout and stderr (Ray's C++ core writes there directly) to ``log``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = (os.dup(1), os.dup(2))
    target = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.dup2(target, 1)
        os.dup2(target, 2)
        yield
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, target):
            os.close(fd)


def worker_cpus(cpus: float, workers: int, nodes: int) -> int:
    """CPUs reserved for each actor. Ray sets an actor's OMP_NUM_THREADS (PyTorch's threads) to its
    CPUs, so on one machine the cores are shared out between the workers, as the local engine does:
    a single worker gets every core, not one. On a cluster an actor cannot span nodes: one each."""
    if nodes != 1:
        return 1
    return max(1, int(cpus) // max(1, workers))


class RayAuditWorker:
    """The callable class of ``map_batches``: one per actor, the models loaded in the constructor."""

    def __init__(self, config: WorkerConfig):
        self.worker = AuditWorker(config)

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        import numpy as np

        n = len(batch["id"])
        refs = [ArticleRef.from_row({key: values[i] for key, values in batch.items()}) for i in range(n)]
        results = self.worker.check(refs)
        return {
            "shard": np.array([shard for shard, _ in results], dtype=np.int64),
            "record": np.array([json.dumps(record, ensure_ascii=False) for _, record in results], dtype=object),
        }


def _quiet_ray_data(ray: Any) -> None:
    """No progress bars or execution banners (the audit draws its own), and none of the statistics
    Ray Data would collect for its dashboard: on a small machine they cost the workers CPU."""
    context = ray.data.DataContext.get_current()
    for name, value in (("enable_progress_bars", False), ("enable_operator_progress_bars", False),
                        ("print_on_execution_start", False), ("log_internal_stack_trace", False),
                        ("enable_auto_log_stats", False), ("enable_get_object_locations_for_metrics", False),
                        ("enable_stats_summary_collection", False), ("enable_per_node_metrics", False)):
        if hasattr(context, name):
            setattr(context, name, value)
    for name in ("ray", "ray.data"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _first_line(err: BaseException) -> str:
    text = " ".join(str(err).split("\n", 1)[0].split())
    return re.sub(r"\x1b\[[0-9;]*m", "", text)[:300] or type(err).__name__


def run_ray(refs: Sequence[ArticleRef], config: WorkerConfig, emit: Emit, *, workers: int | None, chunk_size: int,
            address: str | None, log: Path, on_start: Callable[[int], None] | None = None) -> int:
    """Check ``refs`` on Ray; returns the number of workers (actors) used."""
    if address is None:
        os.environ.setdefault(*LOOPBACK_ENV)
    else:
        check_address(address)
    with _output_to(log):
        import ray
        import ray.data

        started_here = False
        try:
            if not ray.is_initialized():
                options: dict[str, Any] = {"log_to_driver": False, "logging_level": logging.ERROR}
                if address is None:
                    options.update(num_cpus=max(os.cpu_count() or 1, workers or 0), include_dashboard=False)
                try:
                    ray.init(address=address, **options)
                except (Exception, SystemExit) as err:  # Ray exits the process when a cluster never answers
                    where = f"the Ray cluster at {address}" if address else "a local Ray instance"
                    raise ComponentError(f"cannot start or reach {where}: {_first_line(err)}", fix=f"see {log}") from None
                started_here = True
            _quiet_ray_data(ray)
            resources = ray.cluster_resources()
            if workers is None:
                workers = default_workers(resources.get("CPU", 1), resources.get("memory"))
            cpus = worker_cpus(resources.get("CPU", 1), workers, nodes=len(ray.nodes()))
            if on_start is not None:
                on_start(workers)
            if not refs:
                return workers
            blocks = max(1, min(MAX_BLOCKS, math.ceil(len(refs) / chunk_size)))
            dataset = ray.data.from_items([r.to_row() for r in refs], override_num_blocks=blocks)
            mapped = dataset.map_batches(
                RayAuditWorker, fn_constructor_kwargs={"config": config}, batch_size=chunk_size,
                compute=ray.data.ActorPoolStrategy(size=workers), num_cpus=cpus,
            )
            try:
                for batch in mapped.iter_batches(batch_size=None, batch_format="numpy", prefetch_batches=0):
                    for shard, record in zip(batch["shard"], batch["record"]):
                        emit(int(shard), json.loads(record))
            except ray.exceptions.RayError as err:
                raise ComponentError(f"the Ray job failed: {_first_line(err)}", fix=f"see {log}") from None
            return workers
        finally:
            if started_here:
                ray.shutdown()
