"""Files at the trust boundary: outputs never half-written, inputs never unbounded.

``check_destination`` vets an output path before any work is done; ``atomic_write`` writes one
file; ``atomic_write_all`` writes several files or none of them; ``atomic_file`` lends a writer
that needs a file name a temporary one. ``read_regular_file`` reads a settings-like file (a
config, a baseline, a detector model, an ignore file) only when it is a regular file within a
size cap, so ``/dev/zero`` or a FIFO is refused instead of read until memory runs out;
``shown_name`` is a file name as it may be reported (a name that is not UTF-8 escaped).
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

from mtcheck.errors import InputError, MtcheckError


def _mode_for(target: Path) -> int:
    """The mode a plain ``open(target, "w")`` would give: the existing file's, else 0666 less the
    umask. (mkstemp's 0600 would hide a report from the web server or CI job that publishes it.)"""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        return 0o666 & ~_umask()


def _umask() -> int:
    # Linux reports it without changing it; os.umask() can only read it by setting it, which
    # would race with other threads creating files (--jobs).
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


def _folder(target: Path) -> Path:
    return target.parent if str(target.parent) else Path(".")


def _reason(err: BaseException) -> str:
    return getattr(err, "strerror", None) or str(err)


def _unlink(path: str | Path | None) -> None:
    if path is None:
        return
    try:
        os.unlink(path)
    except OSError:
        pass


def file_identity(path: str | Path) -> tuple:
    """What makes two paths the same file: device and inode when it exists (hard links, symlinks,
    ``./a`` and ``a`` all agree), else the resolved path."""
    try:
        st = os.stat(path)
        return ("inode", st.st_dev, st.st_ino)
    except (OSError, ValueError):
        pass
    try:
        return ("path", str(Path(path).resolve()))
    except (OSError, RuntimeError, ValueError):
        return ("path", os.path.abspath(path))


def same_file(a: str | Path, b: str | Path) -> bool:
    return file_identity(a) == file_identity(b)


def check_destination(path: str | Path) -> Path:
    """Refuse an output path that cannot be written, before any work is done.

    Returns the path to write: the file a symlink points to (so the link survives), else ``path``.
    Raises ``InputError`` ("cannot write PATH: why") when the path is a directory or another
    non-regular file (``/dev/null`` would be replaced by a plain file), when its directory does not
    exist or a parent is a file, or when no file can be created in that directory.
    """
    target = Path(path)
    try:
        real = target.resolve() if target.is_symlink() else target
    except (OSError, RuntimeError) as err:
        raise InputError(f"cannot write {target}: {_reason(err)}") from None
    try:
        st = os.stat(real)
    except (FileNotFoundError, NotADirectoryError):
        st = None
    except OSError as err:
        raise InputError(f"cannot write {target}: {_reason(err)}") from None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise InputError(f"cannot write {target}: it is a directory")
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"cannot write {target}: not a regular file")
    folder = _folder(real)
    if not folder.is_dir():
        blocker = next((p for p in (folder, *folder.parents) if p.exists()), None)
        if blocker is not None and not blocker.is_dir():
            raise InputError(f"cannot write {target}: {blocker} is not a directory")
        raise InputError(f"cannot write {target}: directory {folder} does not exist")
    try:  # access() says yes to root on a read-only or virtual file system; creating a file does not lie
        fd, probe = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".tmp", dir=folder)
    except OSError as err:
        raise InputError(f"cannot write {target}: directory {folder} is not writable ({_reason(err)})") from None
    os.close(fd)
    _unlink(probe)
    return real


def _stage(target: Path, text: str) -> str:
    """Write ``text`` to a new temporary file beside ``target``, flushed to disk, with the mode
    ``target`` will have; return its path."""
    folder = _folder(target)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as err:
        raise InputError(f"cannot write {target}: {_reason(err)}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, _mode_for(target))
    except BaseException as err:
        _unlink(tmp)
        if isinstance(err, OSError):
            raise InputError(f"cannot write {target}: {_reason(err)}") from None
        raise
    return tmp


def atomic_write(path: str | Path, text: str) -> None:
    target = Path(path)
    _commit(_stage(target, text), target)


@contextmanager
def atomic_file(path: str | Path) -> Iterator[Path]:
    """A temporary file beside ``path`` for a writer that wants a file name (Parquet), moved into
    place when the block ends, removed if the block fails."""
    target = Path(path)
    tmp = _stage(target, "")
    try:
        yield Path(tmp)
    except BaseException:
        _unlink(tmp)
        raise
    _commit(tmp, target)


def _commit(tmp: str | Path, target: Path) -> None:
    """Move a staged file into place; on failure the temporary file goes and the target is untouched."""
    try:
        os.replace(tmp, target)
    except BaseException as err:
        _unlink(tmp)
        if isinstance(err, OSError):
            raise InputError(f"cannot write {target}: {_reason(err)}") from None
        raise


def _keep_old(target: Path) -> str | None:
    """A second name for ``target``'s current contents, to put back if a later write fails."""
    try:
        if not stat.S_ISREG(os.stat(target).st_mode):
            return None
    except OSError:
        return None
    fd, keep = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".old", dir=_folder(target))
    os.close(fd)
    try:
        os.unlink(keep)
        os.link(target, keep)  # the very same file, metadata and all
    except OSError:
        shutil.copy2(target, keep)  # a file system without hard links
    return keep


def atomic_write_all(items: Sequence[tuple[str | Path, str]]) -> None:
    """Write every ``(path, text)`` or none of them.

    All texts are first written to temporary files beside their targets (a full disk or a
    permission problem shows up here, before any target is touched); then each is renamed over
    its target. If a rename fails, the targets already replaced get their previous contents back
    (or are removed if they did not exist), so the outputs never disagree with each other.
    """
    staged: list[tuple[Path, str]] = []
    try:
        for path, text in items:
            target = Path(path)
            staged.append((target, _stage(target, text)))
    except BaseException:
        for _, tmp in staged:
            _unlink(tmp)
        raise
    if not staged:
        return
    if len(staged) == 1:
        (target, tmp), = staged
        _commit(tmp, target)
        return

    kept: dict[Path, str | None] = {}
    replaced: list[Path] = []
    current = staged[0][0]
    try:
        for target, _ in staged:
            current = target
            kept[target] = _keep_old(target)
        for target, tmp in staged:
            current = target
            os.replace(tmp, target)
            replaced.append(target)
    except BaseException as err:
        for target in reversed(replaced):
            old = kept.get(target)
            try:
                if old is not None:
                    os.replace(old, target)
                    kept[target] = None
                else:
                    os.unlink(target)
            except OSError:
                pass
        for _, tmp in staged:
            _unlink(tmp)
        for old in kept.values():
            _unlink(old)
        if isinstance(err, OSError):
            raise InputError(f"cannot write {current}: {_reason(err)}") from None
        raise
    for old in kept.values():
        _unlink(old)


# --------------------------------------------------------------------------- reading


def read_regular_file(path: str | Path, *, limit: int, what: str, error: type[MtcheckError] = InputError,
                      fix: str | None = None) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes.

    A missing file, a directory, a device (``/dev/zero``), a FIFO or socket, or a larger file is an
    ``error`` of one line naming ``what`` ("config", "baseline"...). The file is opened without
    blocking (a FIFO swapped in after the check cannot hang the run) and read at most ``limit + 1``
    bytes, so a file that grows while it is read is refused too."""
    name = shown_name(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise error(f"{what} not found: {name}", fix=fix) from None
    except OSError as err:
        raise error(f"cannot read {what} {name}: {_reason(err)}", fix=fix) from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise error(f"cannot read {what} {name}: it is a directory", fix=fix)
        if not stat.S_ISREG(st.st_mode):
            raise error(f"refusing to read {what} {name}: not a regular file (a device, FIFO or socket)", fix=fix)
        if st.st_size > limit:
            raise error(f"refusing to read {what} {name}: {st.st_size:,} bytes, more than the {limit:,} allowed", fix=fix)
        chunks = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as err:
        raise error(f"cannot read {what} {name}: {_reason(err)}", fix=fix) from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        raise error(f"refusing to read {what} {name}: more than the {limit:,} bytes allowed", fix=fix)
    return data


def name_is_text(name: str | Path) -> bool:
    """Whether a file name is valid UTF-8 (Python keeps the bytes of one that is not as lone surrogates)."""
    try:
        str(name).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def shown_name(name: str | Path) -> str:
    """A file name as it can be reported in JSON, CSV and on a terminal: bytes that are not UTF-8
    written as ``\\xff`` (control characters are left to the outputs that show them)."""
    text = str(name)
    if name_is_text(text):
        return text
    try:
        raw = os.fsencode(text)  # the file system's own bytes, kept as lone surrogates
    except UnicodeEncodeError:  # a lone surrogate that came from elsewhere (a JSON escape)
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return raw.decode("utf-8", "backslashreplace")
