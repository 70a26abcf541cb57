"""Hashing a stored model: sha256 of a file, the digest of a directory model, cheap fingerprints.

A directory model (the sentence-transformers embedder) is identified by the sha256 of its
listing: one line ``"<relative/posix/path> <sha256 of the file>\\n"`` per regular file, sorted
by path; its ``size`` is the total of the file sizes.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Callable, Iterable

CHUNK = 4 << 20


def sha256_file(path: Path, progress: Callable[[int], None] | None = None) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            if progress:
                progress(len(chunk))
    return digest.hexdigest()


def dir_files(root: Path) -> list[tuple[str, Path]]:
    found = [(p.relative_to(root).as_posix(), p) for p in root.rglob("*") if p.is_file()]
    return sorted(found)


def digest_listing(lines: Iterable[tuple[str, str]]) -> str:
    """The directory digest: sha256 over sorted ``"<relpath> <sha256>\\n"`` lines."""
    text = "".join(f"{rel} {sha}\n" for rel, sha in sorted(lines))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sha256_dir(root: Path, progress: Callable[[int], None] | None = None) -> tuple[str, int]:
    """(directory digest, total size) as defined in the module docstring."""
    lines, total = [], 0
    for rel, path in dir_files(root):
        lines.append((rel, sha256_file(path, progress)))
        total += path.stat().st_size
    return digest_listing(lines), total


def fingerprint(path: Path) -> str:
    # Cheap identity of what was hashed: size and mtime of every file.
    if path.is_dir():
        parts = [f"{rel}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for rel, p in dir_files(path)]
    else:
        st = path.stat()
        parts = [f":{st.st_size}:{st.st_mtime_ns}"]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def actual_size(path: Path) -> int:
    """The bytes of a file, or of every file of a directory model."""
    if path.is_dir():
        return sum(p.stat().st_size for _, p in dir_files(path))
    return path.stat().st_size
