"""The model store: the models a stage may load, handed out only when verified.

``pull`` assembles a model into the store directory atomically from the manifest's sources;
``verify`` re-hashes; ``path`` hands out only verified files (a valid stamp spares the hashing).

Users can point a role at another model without touching the store: ``[tool.mtcheck.models]``
in the config (``rewriter = "/path/model.gguf"``, ``embedder = "/path/st-dir"``,
``rewriter = "hub:org/name"``) or ``mtcheck check --model ROLE=SPEC``.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Iterable, Literal

from mtcheck.config import Settings, project_root
from mtcheck.errors import ConfigError, InputError, ModelError
from mtcheck.services.modelstore.hashing import actual_size, sha256_dir, sha256_file
from mtcheck.services.modelstore.install import Progress, install_dir, install_file
from mtcheck.services.modelstore.manifest import ROLES, ModelEntry, load_manifest
from mtcheck.services.modelstore.sources import SourceUnavailable, install_fix, source_inputs
from mtcheck.services.modelstore.stamps import drop_stamp, stamp_valid, write_stamp

PULL_FIX = "run `mtcheck models pull`"
REPULL_FIX = "mtcheck models pull --force"
OVERRIDE_FIX = "fix the model path given with --model, [models] or [rewrite] model in the config"


def fix_for_model(path: str | Path, store_fix: str = "mtcheck models pull") -> str:
    """The fix to name when the model file at ``path`` is missing or broken: pulling again for a
    model of the store, correcting the path for one the user pointed at."""
    try:
        root = os.path.abspath(ModelStore.default().root)  # not resolved: the store may hold links
        inside = Path(os.path.abspath(path)).is_relative_to(root)
    except (OSError, ValueError):
        inside = False
    return store_fix if inside else OVERRIDE_FIX

Status = Literal["verified", "present", "missing"]


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


def _human(size: int | None) -> str:
    if size is None:
        return "?"
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000  # type: ignore[assignment]
    return f"{size}"


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
        config = settings.models_config  # keys and types checked with the settings
        origin = settings.config_path or "config"
        base = Path(settings.config_path).parent if settings.config_path else None
        overrides: dict[str, str] = {}
        for role in ROLES:
            value = getattr(config, role)
            if value is None:
                continue
            if not value.strip():
                raise ConfigError(f"{origin}: [tool.mtcheck.models] {role} must be a path or hub:ORG/NAME")
            _check_spec(role, value.strip(), ConfigError)
            overrides[role] = value.strip()
        local = {k: self._absolute(v, base) for k, v in config.local.items()}
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
        return "verified" if stamp_valid(self.root, entry) else "present"

    def _check(self, entry: ModelEntry, progress: Progress | None = None) -> VerifyResult:
        """Hash the stored copy and compare it with the manifest (always re-hashes)."""
        target = self.target(entry)
        result = partial(VerifyResult, name=entry.name, role=entry.role, path=target, expected=entry.sha256)
        if not target.exists() or target.is_dir() != entry.is_dir:
            return result(status="missing", detail=f"not in {self._where()}")
        size = actual_size(target)
        if entry.size is not None and size != entry.size:
            drop_stamp(self.root, entry)
            return result(status="mismatch", detail=f"size {size} bytes, expected {entry.size}")
        done = 0

        def tick(n: int) -> None:
            nonlocal done
            done += n
            if progress:
                progress(entry.name, done, size)

        actual = sha256_dir(target, tick)[0] if entry.is_dir else sha256_file(target, tick)
        if actual != entry.sha256:
            drop_stamp(self.root, entry)
            return result(status="mismatch", actual=actual, detail=f"sha256 {actual}, expected {entry.sha256}")
        write_stamp(self.root, entry)
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
        if stamp_valid(self.root, entry):
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
                if stamp_valid(self.root, entry) or self._check(entry, progress).ok:
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
                inputs = source_inputs(entry, source, self.local_copies)
                if entry.is_dir:
                    install_dir(self.root, entry, inputs[0], progress)
                else:
                    install_file(self.root, entry, inputs, progress)
            except SourceUnavailable as err:
                failures.append(f"{source.describe()}: {err}")
                continue
            write_stamp(self.root, entry)
            return PullResult(entry.name, self.target(entry), "assembled", source.describe())
        tried = "; ".join(failures) or "the manifest lists no source"
        raise ModelError(f"cannot assemble model {entry.name!r}: {tried}", fix=install_fix(entry))
