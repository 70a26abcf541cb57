"""Installing a model into the store atomically: copied to a temporary name while hashed, then renamed.

A file is written beside its target and renamed into place; a directory cannot be replaced in
one rename, so the old one is moved aside first and restored if the new one fails.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, BinaryIO, Callable

from mtcheck.errors import ModelError
from mtcheck.services.modelstore.hashing import CHUNK, digest_listing, dir_files
from mtcheck.services.modelstore.manifest import ModelEntry
from mtcheck.services.modelstore.sources import SourceUnavailable
from mtcheck.services.modelstore.stamps import drop_stamp

Progress = Callable[[str, int, int], None]  # (model name, bytes done, bytes expected or 0)


def _copy_hashing(source: Path, out: BinaryIO, digest: "hashlib._Hash", done: int, report: Callable[[int], Any]) -> int:
    """Append ``source`` to ``out`` while hashing it; returns the running byte count."""
    with source.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            out.write(chunk)
            digest.update(chunk)
            done += len(chunk)
            report(done)
    return done


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def install_file(root: Path, entry: ModelEntry, inputs: list[Path], progress: Progress | None) -> None:
    """Concatenate ``inputs`` (the parts, or one whole file) into the store as the entry's file."""
    target = root / entry.target
    fd, tmp_name = tempfile.mkstemp(prefix=f".{entry.target}.", suffix=".part", dir=root)
    tmp = Path(tmp_name)
    expected = entry.size or sum(p.stat().st_size for p in inputs)
    digest, done = hashlib.sha256(), 0
    try:
        with os.fdopen(fd, "wb") as out:
            for part in inputs:
                done = _copy_hashing(part, out, digest, done, lambda n: progress and progress(entry.name, n, expected))
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a model is readable like any data file
        if entry.size is not None and done != entry.size:
            raise SourceUnavailable(f"assembled {done} bytes, expected {entry.size}")
        if digest.hexdigest() != entry.sha256:
            raise SourceUnavailable(f"assembled sha256 {digest.hexdigest()}, expected {entry.sha256}")
        drop_stamp(root, entry)
        os.replace(tmp, target)
        _fsync_dir(root)
    except BaseException as err:
        tmp.unlink(missing_ok=True)
        if isinstance(err, OSError):
            raise ModelError(f"cannot write {target}: {err.strerror or err}") from None
        raise


def install_dir(root: Path, entry: ModelEntry, source_dir: Path, progress: Progress | None) -> None:
    """Copy ``source_dir`` into the store as the entry's directory."""
    target = root / entry.target
    files = dir_files(source_dir)
    expected = entry.size or sum(p.stat().st_size for _, p in files)
    tmp = Path(tempfile.mkdtemp(prefix=f".{entry.target}.", suffix=".part", dir=root))
    old: Path | None = None
    lines, done = [], 0
    try:
        for rel, src in files:
            dest = tmp / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            digest = hashlib.sha256()
            with dest.open("wb") as out:
                done = _copy_hashing(src, out, digest, done, lambda n: progress and progress(entry.name, n, expected))
                out.flush()
                os.fsync(out.fileno())
            lines.append((rel, digest.hexdigest()))
        actual = digest_listing(lines)
        if entry.size is not None and done != entry.size:
            raise SourceUnavailable(f"copied {done} bytes, expected {entry.size}")
        if actual != entry.sha256:
            raise SourceUnavailable(f"directory sha256 {actual}, expected {entry.sha256}")
        for folder in (tmp, *(p for p in tmp.rglob("*") if p.is_dir())):
            os.chmod(folder, 0o755)  # mkdtemp makes it private
        for _, copied in dir_files(tmp):
            os.chmod(copied, 0o644)
        drop_stamp(root, entry)
        if target.exists():
            # A directory cannot be replaced in one rename: move the old one aside first.
            old = Path(tempfile.mkdtemp(prefix=f".{entry.target}.", suffix=".old", dir=root))
            os.replace(target, old / "model")
        os.replace(tmp, target)
        _fsync_dir(root)
    except BaseException as err:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and (old / "model").exists() and not target.exists():
            os.replace(old / "model", target)
        if isinstance(err, OSError):
            raise ModelError(f"cannot write {target}: {err.strerror or err}") from None
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
