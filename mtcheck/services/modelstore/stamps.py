"""Verify stamps: the record a successful check leaves beside a stored model.

Hashing 1.1 GB takes seconds, so the first successful check leaves a stamp (size, mtime, sha256)
beside the file, ``.<target>.verified.json``, and later calls only compare the stamp with the
manifest's sha256 and the file's current fingerprint.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from mtcheck.services.modelstore.hashing import actual_size, fingerprint
from mtcheck.services.modelstore.manifest import ModelEntry


def stamp_path(root: Path, entry: ModelEntry) -> Path:
    return root / f".{entry.target}.verified.json"


def stamp_valid(root: Path, entry: ModelEntry) -> bool:
    try:
        stamp = json.loads(stamp_path(root, entry).read_text(encoding="utf-8"))
        return stamp.get("sha256") == entry.sha256 and stamp.get("fingerprint") == fingerprint(root / entry.target)
    except (OSError, ValueError, AttributeError):
        return False


def write_stamp(root: Path, entry: ModelEntry) -> None:
    target = root / entry.target
    stamp = {"sha256": entry.sha256, "fingerprint": fingerprint(target), "size": actual_size(target)}
    where = stamp_path(root, entry)
    try:
        # Written beside and renamed, so a concurrent reader never sees half a stamp.
        fd, tmp = tempfile.mkstemp(prefix=where.name, suffix=".tmp", dir=root)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(stamp) + "\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, where)
    except OSError:
        pass  # a read-only store still works; it only re-hashes next time


def drop_stamp(root: Path, entry: ModelEntry) -> None:
    try:
        stamp_path(root, entry).unlink()
    except OSError:
        pass
