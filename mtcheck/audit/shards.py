"""The audit's output folder: a manifest, shards committed atomically, and resume.

::

    OUT/manifest.json          what the audit is of: source fingerprint, selection, settings, detector
    OUT/shards/shard-000000.jsonl   one JSON record per article (see mtcheck.audit.worker)
    OUT/runs.jsonl             one line per run: engine, workers, articles checked, time
    OUT/summary.csv, top.csv, errors.csv, summary.html    (mtcheck.audit.summary)

A shard is written to a temporary file beside it and renamed into place once every one of its
articles is checked, so a shard file is either complete or absent: a crash or Ctrl-C loses only
the shards being checked. A re-run with the same manifest checks only the shards that are absent
(a shard file that does not hold exactly its articles is checked again); a manifest that differs
(another source, other settings, another detector) is refused rather than mixed with.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from pathlib import Path
from typing import Any, Iterable, Iterator

from mtcheck.audit.sources import SourceIndex
from mtcheck.config import Settings
from mtcheck.errors import InputError
from mtcheck.fsutil import atomic_write
from mtcheck.pipeline import CheckOptions

SCHEMA = "mtcheck/audit"
VERSION = 1
MANIFEST = "manifest.json"
SHARDS = "shards"
RUNS = "runs.jsonl"
# Keys of the configuration that say where a server is, not what it answers: they may change between runs.
_PLACE_KEYS = {"rewrite": ("base_url", "api_key_env", "timeout", "n_threads", "persist_prefix"),
               "languagetool": ("url", "mode", "port", "heap", "start_timeout", "request_timeout")}


def settings_key(settings: Settings, options: CheckOptions) -> dict[str, Any]:
    """What decides an article's record: the settings (less where the servers are and the cache)
    and the check options. Two runs with equal keys and detector signatures give equal records."""
    tables = {}
    for name, values in sorted(settings.tables.items()):
        if isinstance(values, dict):
            values = {k: v for k, v in values.items() if k not in _PLACE_KEYS.get(name, ())}
        tables[name] = values
    return json.loads(json.dumps({
        "threshold": settings.threshold,
        "severity_bands": settings.severity_bands,
        "allow": list(settings.allow),
        "tables": tables,
        "rewrite": options.rewrite,
        "languagetool": options.languagetool,
        "backend": options.backend if options.rewrite else None,
        "input_format": options.input_format,
        "max_bytes": options.max_bytes,
        "models": dict(sorted(options.model_overrides.items())),
    }, default=_plain, sort_keys=True))


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, (tuple, set, frozenset)):
        return list(value)
    return str(value)


def new_manifest(index: SourceIndex, *, sample: int | None, shard_size: int, articles: int, shards: int,
                 settings: dict[str, Any], signature: str) -> dict[str, Any]:
    from mtcheck import __version__

    return {
        "schema": SCHEMA,
        "version": VERSION,
        "tool": {"name": "mtcheck", "version": __version__},
        "source": {"kind": index.kind, "path": index.path, "fingerprint": index.fingerprint, "articles": len(index.refs)},
        "selection": {"sample": sample, "shard_size": shard_size, "articles": articles, "shards": shards},
        "settings": settings,
        "signature": signature,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "complete": False,
    }


def _difference(out: Path, old: dict[str, Any], new: dict[str, Any]) -> str | None:
    """Why the manifest in ``out`` is not this audit's, in one line; None when it is."""
    if old.get("schema") != SCHEMA or old.get("version") != VERSION:
        return f"{out} holds a manifest that is not an mtcheck audit's (schema {old.get('schema')!r}, version {old.get('version')!r})"
    a, b = old.get("source", {}), new["source"]
    if (a.get("kind"), a.get("fingerprint"), a.get("articles")) != (b["kind"], b["fingerprint"], b["articles"]):
        return (f"{out} holds an audit of another source ({a.get('kind')} {a.get('path')}, {a.get('articles')} articles, "
                f"fingerprint {str(a.get('fingerprint'))[:12]}; now {b['kind']} {b['path']}, {b['articles']} articles, "
                f"fingerprint {b['fingerprint'][:12]})")
    a, b = old.get("selection", {}), new["selection"]
    if a != b:
        return (f"{out} holds an audit of another selection (--sample {a.get('sample')}, --shard-size {a.get('shard_size')}; "
                f"now --sample {b['sample']}, --shard-size {b['shard_size']})")
    a, b = old.get("settings", {}), new["settings"]
    if a != b:
        key = next((k for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)), "?")
        return f"{out} holds an audit with other settings ({key}: {a.get(key)!r} then, {b.get(key)!r} now)"
    if old.get("signature") != new["signature"]:
        return f"{out} holds an audit by another detector ({old.get('signature')}; now {new['signature']})"
    return None


class ShardStore:
    def __init__(self, out: str | Path):
        self.out = Path(out)
        self.shards = self.out / SHARDS
        self.manifest: dict[str, Any] = {}

    # -- the folder and its manifest ---------------------------------------------------------
    @staticmethod
    def check_folder(out: str | Path) -> Path:
        """Refuse an output folder that cannot hold an audit, before any work is done."""
        out = Path(out)
        if out.exists() and not out.is_dir():
            raise InputError(f"cannot write the audit to {out}: it is a file, not a folder", fix="give --out a folder")
        if out.is_dir() and not (out / MANIFEST).exists() and any(out.iterdir()):
            raise InputError(f"{out} is not empty and holds no audit manifest", fix="give --out a new or empty folder")
        blocker = next((p for p in out.parents if p.exists()), None)
        if blocker is not None and not blocker.is_dir():
            raise InputError(f"cannot write the audit to {out}: {blocker} is not a folder")
        return out

    def open(self, manifest: dict[str, Any]) -> bool:
        """Take the folder for this audit; True when it resumes an earlier run of the same audit.

        A manifest of another audit is refused (``InputError``); leftovers of an interrupted write
        are removed."""
        path = self.out / MANIFEST
        resumed = False
        if path.exists():
            try:
                old = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as err:
                raise InputError(f"{path}: cannot read the audit manifest: {getattr(err, 'strerror', None) or err}",
                                 fix=f"delete {self.out} to start over") from None
            problem = _difference(self.out, old if isinstance(old, dict) else {}, manifest)
            if problem:
                raise InputError(problem, fix=f"choose another --out, or delete {self.out} to start over")
            manifest = {**manifest, "created": old.get("created", manifest["created"])}
            resumed = True
        try:
            self.shards.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise InputError(f"cannot write the audit to {self.out}: {err.strerror or err}") from None
        for leftover in self.shards.glob(".*.tmp"):
            leftover.unlink(missing_ok=True)
        self.manifest = {**manifest, "complete": False}
        atomic_write(path, json.dumps(self.manifest, indent=1, ensure_ascii=False) + "\n")
        return resumed

    def mark_complete(self) -> None:
        self.manifest["complete"] = True
        atomic_write(self.out / MANIFEST, json.dumps(self.manifest, indent=1, ensure_ascii=False) + "\n")

    # -- shards ------------------------------------------------------------------------------
    def shard_path(self, shard: int) -> Path:
        return self.shards / f"shard-{shard:06d}.jsonl"

    def completed(self, expected: dict[int, list[str]]) -> set[int]:
        """The shards already on disk holding exactly their articles; any other shard file is removed."""
        done = set()
        for shard, ids in expected.items():
            path = self.shard_path(shard)
            if not path.exists():
                continue
            if self._ids(path) == ids:
                done.add(shard)
            else:
                path.unlink(missing_ok=True)
        return done

    @staticmethod
    def _ids(path: Path) -> list[str] | None:
        try:
            return [json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def commit(self, shard: int, records: list[dict[str, Any]]) -> None:
        """Write a finished shard: complete or not at all."""
        text = "".join(json.dumps(r, ensure_ascii=False, allow_nan=False) + "\n" for r in records)
        atomic_write(self.shard_path(shard), text)

    def records(self, shards: Iterable[int] | None = None) -> Iterator[dict[str, Any]]:
        """Every article's record, shard after shard (a shard at a time in memory)."""
        numbers = sorted(shards) if shards is not None else range(int(self.manifest.get("selection", {}).get("shards", 0)))
        for shard in numbers:
            path = self.shard_path(shard)
            with path.open(encoding="utf-8") as handle:
                for line in handle:
                    if line.strip():
                        yield json.loads(line)

    def log_run(self, run: dict[str, Any]) -> None:
        with open(self.out / RUNS, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(run, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())


def read_manifest(out: str | Path) -> dict[str, Any]:
    return json.loads((Path(out) / MANIFEST).read_text(encoding="utf-8"))


def read_records(out: str | Path) -> Iterator[dict[str, Any]]:
    """Every record of a finished (or partial) audit in ``out``, in shard order; for tests and analysis."""
    store = ShardStore(out)
    store.manifest = read_manifest(out)
    present = [k for k in range(int(store.manifest["selection"]["shards"])) if store.shard_path(k).exists()]
    return store.records(present)
