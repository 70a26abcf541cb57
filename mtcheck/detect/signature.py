"""The detector's signature: everything that changes what the signals return for a text.

``detector_signature`` is the prefix of the detect cache's key (the signals in use and their code,
the allow-list, the LanguageTool service's settings, the models the signals run on);
``public_signature`` is what a reported result can be reproduced from, like sacrebleu's
signatures (the detector model file's digest, the signals, the rule pack's digest, the threshold).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from mtcheck.config import Settings

if TYPE_CHECKING:
    from mtcheck.services.factory import Services

CACHE_VERSION = 2

# mtcheck's Russian-L1 rules for LanguageTool, part of the detector's signature.
RULE_PACK = (Path(__file__).resolve().parent.parent / "resources" / "languagetool" / "classpath" / "org" / "languagetool"
             / "rules" / "en" / "grammar_custom.xml")


def _digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    except OSError:
        return "missing"


_LT_IDENTITY = ("mode", "url_override", "language", "mother_tongue", "picky", "disabled_rules")


def detector_signature(settings: Settings, services: Services, signal_names: Sequence[str], code_version: str) -> str:
    """Everything that changes what the signals return for a text: the cache key's prefix.

    The signals in use and their code, the allow-list, the LanguageTool service's settings (mode,
    server, disabled rules, mother tongue...) and the rules it ignores, and the model each
    model-backed signal runs on (a user's override, or the store's model by its manifest sha256).
    Validates the model overrides on the way, so a broken one fails with or without a cached result.
    """
    parts: dict[str, Any] = {
        "version": CACHE_VERSION,
        "code": code_version,
        "signals": list(signal_names),
        "allow": list(settings.allow),
    }
    models = _model_identities(settings)
    from mtcheck.detect.base import contracts

    used = contracts(signal_names)
    # Each model-backed signal's model (its contract's model_role); the rest run no model.
    parts["models"] = {c.model_role: models.get(c.model_role) for c in used.values() if c.model_role is not None}
    if any(c.service == "languagetool" for c in used.values()):
        service = services.languagetool
        parts["languagetool"] = None if service is None else _languagetool_identity(service)
        parts["languagetool_ignore"] = sorted(settings.languagetool_config.ignore_rules)
    return json.dumps(parts, sort_keys=True, default=str)


def _languagetool_identity(service: Any) -> Any:
    service = getattr(service, "service", service)  # the client behind the run's answer memo
    signature = getattr(service, "signature", None)
    if callable(signature):
        return signature()
    # A stand-in service (tests, a caller's own client): its class and whatever settings it has.
    return {"class": f"{type(service).__module__}.{type(service).__qualname__}",
            **{name: getattr(service, name) for name in _LT_IDENTITY if hasattr(service, name)}}


def _model_identities(settings: Settings) -> dict[str, Any]:
    """role -> what identifies the model it runs on; every override is checked to exist."""
    from mtcheck.errors import InputError, ModelError
    from mtcheck.services.modelstore import ROLES, ModelStore

    store = ModelStore.default(settings)  # rejects a malformed [tool.mtcheck.models] table
    try:
        defaults = {e.role: e.sha256 for e in store.entries() if e.default}
    except (InputError, ModelError):  # no readable manifest here: the signals report it if they need it
        defaults = {}
    identities: dict[str, Any] = {}
    for role in ROLES:
        if role in store.overrides:
            ref = store.resolve(role)  # ModelError for a path that is missing or not a model
            if role == "embedder" and ref.kind == "gguf":
                from mtcheck.services.embedder import embedder_location

                embedder_location(settings)  # raises the embedder's own message for a GGUF file
            identities[role] = {"override": ref.location, "kind": ref.kind,
                                "files": _files_fingerprint(ref.location) if ref.kind != "hub" else None}
            continue
        identities[role] = {"sha256": defaults.get(role)}
    return identities


def _files_fingerprint(location: str) -> str:
    """Size and modification time of a model file, or of every file in a model directory."""
    path = Path(location)
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    h = hashlib.sha256()
    for file in files:
        try:
            st = file.stat()
        except OSError:
            continue
        h.update(f"{file.relative_to(path) if path.is_dir() else ''}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


def code_version(signal_objects: list) -> str:
    """A hash of the signals' source files, and of the files a signal names as its own
    (``source_files()``: the interference rules), so editing a rule invalidates cached features."""
    import inspect

    h = hashlib.sha256()
    for obj in signal_objects:
        try:
            h.update(inspect.getsource(type(obj)).encode() + open(inspect.getfile(type(obj)), "rb").read())
        except (OSError, TypeError):
            h.update(type(obj).__qualname__.encode())
        extra = getattr(obj, "source_files", None)
        for name in (extra() if callable(extra) else ()):
            try:
                h.update(name.encode() + b"\0" + Path(name).read_bytes())
            except OSError:
                h.update(name.encode())
    return h.hexdigest()[:16]


def public_signature(model_path: str | None, signal_names: Sequence[str], threshold: float) -> str:
    """What a result can be reproduced from, like sacrebleu's signatures: the model file's
    digest, the signals in use, the LanguageTool rule pack's digest and the threshold."""
    from mtcheck.detect.classifier import default_model_path

    path = Path(model_path) if model_path else default_model_path()
    model = _digest(path) if path.is_file() else "provisional"
    return f"model:{model}|signals:{','.join(signal_names)}|rules:{_digest(RULE_PACK)}|threshold:{threshold:.4f}"
