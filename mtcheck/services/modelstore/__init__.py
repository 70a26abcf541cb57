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

One module per job:

- ``manifest``: the manifest's ModelEntry and Source records (``load_manifest``);
- ``hashing``: sha256 of a file, the digest of a directory model, fingerprints;
- ``stamps``: the verify stamp beside each stored model;
- ``sources``: where a model comes from (local copy, part packages, a package, the hub);
- ``install``: writing a model into the store atomically;
- ``store``: ``ModelStore`` (pull, verify, path, resolve, overrides) and ``parse_model_override``.
"""

from __future__ import annotations

from mtcheck.services.modelstore.hashing import digest_listing, sha256_dir, sha256_file
from mtcheck.services.modelstore.install import Progress
from mtcheck.services.modelstore.manifest import ENTRY_KINDS, ROLES, SOURCE_TYPES, ModelEntry, Source, load_manifest
from mtcheck.services.modelstore.sources import SourceUnavailable
from mtcheck.services.modelstore.store import ModelRef, ModelStore, PullResult, Status, VerifyResult, parse_model_override

__all__ = [
    "ENTRY_KINDS",
    "ROLES",
    "SOURCE_TYPES",
    "ModelEntry",
    "ModelRef",
    "ModelStore",
    "Progress",
    "PullResult",
    "Source",
    "SourceUnavailable",
    "Status",
    "VerifyResult",
    "digest_listing",
    "load_manifest",
    "parse_model_override",
    "sha256_dir",
    "sha256_file",
]
