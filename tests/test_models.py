"""The model store: assembly from part packages, verification, stamps, overrides, the CLI.

Unit tests build tiny fake part packages on sys.path with their own manifest. The integration
tests assemble the real 1.1 GB rewriter once (module-scoped) and hash it at most three times.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import shutil
import sys
import uuid
from pathlib import Path
from typing import Iterator

import pytest

import mtcheck.services.modelstore.store as store_module
from mtcheck.config import Settings
from mtcheck.errors import ConfigError, InputError, ModelError
from mtcheck.services.modelstore import ModelStore, digest_listing, load_manifest, parse_model_override

ROOT = Path(__file__).resolve().parent.parent
REAL_MANIFEST = ROOT / "models" / "manifest.toml"


# ---------------------------------------------------------------- fakes


def _write_package(site: Path, module: str, files: dict[str, bytes]) -> Path:
    package = site / module
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("raise ImportError('the store must never import model packages')\n")
    for rel, data in files.items():
        path = package / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return package


class Fake:
    """Three fake part packages, one fake directory package, a manifest, and an empty store."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
        tag = uuid.uuid4().hex[:8]
        self.site = tmp_path / "site"
        self.site.mkdir()
        self.parts = [bytes([n]) * (1000 + n) + os.urandom(37) for n in range(1, 4)]
        self.blob = b"".join(self.parts)
        self.part_module = f"mtfake_{tag}_part{{n}}"
        self.part_dirs = [
            _write_package(self.site, self.part_module.format(n=n), {f"data/part{n:02d}.bin": part})
            for n, part in enumerate(self.parts, start=1)
        ]
        self.dir_files = {"modules.json": b"[]", "config.json": b"{}", "1_Pooling/config.json": b'{"x": 1}'}
        self.dir_package = _write_package(self.site, f"mtfake_{tag}_emb", {f"model/{k}": v for k, v in self.dir_files.items()})
        self.dir_sha = digest_listing((rel, hashlib.sha256(data).hexdigest()) for rel, data in self.dir_files.items())
        self.manifest = tmp_path / "manifest.toml"
        self.write_manifest()
        self.store_dir = tmp_path / "store"
        monkeypatch.syspath_prepend(str(self.site))
        importlib.invalidate_caches()
        monkeypatch.setenv("MTCHECK_MODELS", str(self.store_dir))
        monkeypatch.setenv("MTCHECK_MANIFEST", str(self.manifest))
        monkeypatch.setenv("HF_HUB_OFFLINE", "1")

    def write_manifest(self, size: int | None = None, sha: str | None = None) -> None:
        size = len(self.blob) if size is None else size
        sha = sha or hashlib.sha256(self.blob).hexdigest()
        self.manifest.write_text(
            f"""
[[model]]
name = "tiny-rewriter"
role = "rewriter"
kind = "gguf"
file = "tiny.gguf"
size = {size}
sha256 = "{sha}"
licence = "Apache-2.0"
default = true

[[model.source]]
type = "local"
env = "MTCHECK_TEST_TINY"

[[model.source]]
type = "parts"
module = "{self.part_module}"
path = "data/part{{n:02d}}.bin"
count = 3
requirement = "tiny-part{{n}}==1.0"

[[model.source]]
type = "hub"
repo = "example/tiny"
filename = "tiny.gguf"

[[model]]
name = "tiny-embedder"
role = "embedder"
kind = "sentence-transformers"
directory = "tiny-embedder"
size = {sum(len(v) for v in self.dir_files.values())}
sha256 = "{self.dir_sha}"
licence = "Apache-2.0"
default = true

[[model.source]]
type = "package"
module = "{self.dir_package.name}"
path = "model"
""",
            encoding="utf-8",
        )

    def store(self) -> ModelStore:
        return ModelStore.default()

    def leftovers(self) -> list[str]:
        if not self.store_dir.exists():
            return []
        return sorted(p.name for p in self.store_dir.iterdir() if p.name.endswith((".part", ".old")))


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Fake:
    return Fake(tmp_path, monkeypatch)


def _flip_byte(path: Path, offset: int) -> None:
    with path.open("r+b") as handle:
        handle.seek(offset)
        value = handle.read(1)
        handle.seek(offset)
        handle.write(bytes([value[0] ^ 0xFF]))


def run_cli(args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> tuple[int, str, str]:
    """Run ``mtcheck`` through ``mtcheck.cli.main`` (the real error-to-exit-code path)."""
    import mtcheck.cli as cli

    present = tuple(m for m in cli.COMMAND_MODULES if importlib.util.find_spec(f"mtcheck.cli.{m}") is not None)
    monkeypatch.setattr(cli, "COMMAND_MODULES", present)
    monkeypatch.setattr(sys, "argv", ["mtcheck", *args])
    capsys.readouterr()
    try:
        cli.main()
        code = 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    out, err = capsys.readouterr()
    return code, out, err


# ---------------------------------------------------------------- manifest


def test_real_manifest_has_one_default_per_role_and_every_source_kind():
    entries = load_manifest(REAL_MANIFEST)
    defaults = {e.role: e.name for e in entries if e.default}
    assert defaults == {
        "rewriter": "qwen2.5-coder-1.5b-instruct-q4_k_m",
        "fluency": "smollm2-135m-instruct-q4_1",
        "embedder": "all-minilm-l6-v2",
    }
    rewriter = next(e for e in entries if e.name == "qwen2.5-coder-1.5b-instruct-q4_k_m")
    assert rewriter.size == 1117320768
    assert rewriter.sha256 == "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
    assert [s.type for s in rewriter.sources] == ["local", "parts", "hub"]
    assert rewriter.sources[1].count == 22
    assert all(e.licence == "Apache-2.0" for e in entries)


def test_real_manifest_requirements_cover_every_default_package():
    requirements = (ROOT / "models" / "requirements.txt").read_text().split()
    names = {line.split("==")[0].replace("-", "_").lower() for line in requirements}
    for entry in load_manifest(REAL_MANIFEST):
        if not entry.default:
            continue
        for source in entry.sources:
            if source.type == "parts":
                for n in range(1, source.count + 1):
                    assert source.module.format(n=n) in names
            elif source.type == "package":
                assert source.module in names


def test_bad_manifest_entry_is_a_model_error(tmp_path: Path):
    manifest = tmp_path / "m.toml"
    manifest.write_text('[[model]]\nname = "x"\nrole = "painter"\nkind = "gguf"\nfile = "x"\nsha256 = "00"\n')
    with pytest.raises(ModelError, match="role must be one of"):
        load_manifest(manifest)


# ---------------------------------------------------------------- assembly


def test_pull_assembles_parts_in_order_and_is_idempotent(fake: Fake):
    store = fake.store()
    first = {r.name: r for r in store.pull()}
    target = fake.store_dir / "tiny.gguf"
    assert first["tiny-rewriter"].action == "assembled"
    assert "part packages" in first["tiny-rewriter"].source
    assert target.read_bytes() == fake.blob
    assert (fake.store_dir / "tiny-embedder" / "1_Pooling" / "config.json").read_bytes() == b'{"x": 1}'
    assert store.status(store.entry("rewriter")) == "verified"
    stat = target.stat()

    second = {r.name: r.action for r in store.pull()}
    assert second == {"tiny-rewriter": "present", "tiny-embedder": "present"}
    assert target.stat().st_mtime_ns == stat.st_mtime_ns and target.stat().st_ino == stat.st_ino
    assert fake.leftovers() == []


def test_pull_force_rebuilds_a_good_copy(fake: Fake):
    store = fake.store()
    store.pull(["tiny-rewriter"])
    inode = (fake.store_dir / "tiny.gguf").stat().st_ino
    assert store.pull(["tiny-rewriter"], force=True)[0].action == "assembled"
    assert (fake.store_dir / "tiny.gguf").stat().st_ino != inode
    assert (fake.store_dir / "tiny.gguf").read_bytes() == fake.blob


def test_pull_repairs_a_corrupt_copy_without_force(fake: Fake):
    store = fake.store()
    store.pull(["rewriter"])
    _flip_byte(fake.store_dir / "tiny.gguf", 10)
    assert store.pull(["rewriter"])[0].action == "assembled"
    assert (fake.store_dir / "tiny.gguf").read_bytes() == fake.blob


def test_missing_part_names_the_package_and_leaves_nothing(fake: Fake):
    shutil.rmtree(fake.part_dirs[1])
    importlib.invalidate_caches()
    with pytest.raises(ModelError) as info:
        fake.store().pull(["rewriter"])
    assert "tiny-part2==1.0 is not installed" in info.value.message
    assert "HF_HUB_OFFLINE" in info.value.message  # the hub was skipped at once
    assert info.value.fix
    assert not (fake.store_dir / "tiny.gguf").exists()
    assert fake.leftovers() == []


def test_wrong_size_is_refused_before_copying(fake: Fake):
    (fake.part_dirs[2] / "data" / "part03.bin").write_bytes(fake.parts[2][:-5])
    with pytest.raises(ModelError, match=r"add up to \d+ bytes, expected"):
        fake.store().pull(["rewriter"])
    assert not (fake.store_dir / "tiny.gguf").exists()
    assert fake.leftovers() == []


def test_wrong_sha_is_refused_and_no_half_written_file_is_left(fake: Fake):
    _flip_byte(fake.part_dirs[0] / "data" / "part01.bin", 3)
    with pytest.raises(ModelError, match="assembled sha256 [0-9a-f]{64}, expected"):
        fake.store().pull(["rewriter"])
    assert not (fake.store_dir / "tiny.gguf").exists()
    assert fake.leftovers() == []


def test_interrupted_assembly_leaves_no_file_and_keeps_the_old_copy(fake: Fake):
    store = fake.store()
    store.pull(["rewriter"])
    good = (fake.store_dir / "tiny.gguf").read_bytes()

    def interrupt(name: str, done: int, total: int) -> None:
        if done > 0:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        store.pull(["rewriter"], force=True, progress=interrupt)
    assert (fake.store_dir / "tiny.gguf").read_bytes() == good
    assert fake.leftovers() == []


def test_failed_forced_directory_pull_keeps_the_old_directory(fake: Fake):
    store = fake.store()
    store.pull(["embedder"])
    (fake.dir_package / "model" / "config.json").write_bytes(b"[]")  # the source goes bad, same size
    with pytest.raises(ModelError, match="directory sha256"):
        store.pull(["embedder"], force=True)
    assert (fake.store_dir / "tiny-embedder" / "config.json").read_bytes() == b"{}"
    assert fake.leftovers() == []


def test_local_copy_is_tried_first(fake: Fake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    local = tmp_path / "downloaded.gguf"
    local.write_bytes(fake.blob)
    monkeypatch.setenv("MTCHECK_TEST_TINY", str(local))
    result = fake.store().pull(["rewriter"])[0]
    assert result.source.startswith("local copy")
    assert (fake.store_dir / "tiny.gguf").read_bytes() == fake.blob


def test_a_bad_local_copy_falls_back_to_the_parts(fake: Fake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    local = tmp_path / "wrong.gguf"
    local.write_bytes(b"x" * len(fake.blob))
    monkeypatch.setenv("MTCHECK_TEST_TINY", str(local))
    result = fake.store().pull(["rewriter"])[0]
    assert "part packages" in result.source


def test_hub_source_fails_fast_when_the_hub_is_unreachable(fake: Fake, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    shutil.rmtree(fake.part_dirs[0])
    importlib.invalidate_caches()
    with pytest.raises(ModelError) as info:
        fake.store().pull(["rewriter"])
    assert "hub example/tiny/tiny.gguf:" in info.value.message


# ---------------------------------------------------------------- path and verify


def test_path_of_a_missing_model_says_how_to_fix_it(fake: Fake):
    with pytest.raises(ModelError) as info:
        fake.store().path("rewriter")
    assert info.value.message == f"model 'tiny-rewriter' (role rewriter) is not in {fake.store_dir}/"
    assert info.value.fix == "run `mtcheck models pull`"


def test_path_uses_the_stamp_instead_of_rehashing(fake: Fake, monkeypatch: pytest.MonkeyPatch):
    store = fake.store()
    store.pull(["rewriter"])
    (fake.store_dir / ".tiny.gguf.verified.json").unlink()
    assert store.path("rewriter") == fake.store_dir / "tiny.gguf"  # hashes once, writes the stamp
    assert (fake.store_dir / ".tiny.gguf.verified.json").exists()

    def no_hashing(*args, **kwargs):
        raise AssertionError("path() re-hashed a stamped file")

    monkeypatch.setattr(store_module, "sha256_file", no_hashing)
    monkeypatch.setattr(store_module, "sha256_dir", no_hashing)
    assert store.path("tiny-rewriter") == fake.store_dir / "tiny.gguf"


def test_path_of_a_changed_file_names_both_digests(fake: Fake):
    store = fake.store()
    store.pull(["rewriter"])
    target = fake.store_dir / "tiny.gguf"
    _flip_byte(target, 0)
    os.utime(target, ns=(target.stat().st_atime_ns, target.stat().st_mtime_ns + 10**9))
    with pytest.raises(ModelError) as info:
        store.path("rewriter")
    expected = hashlib.sha256(fake.blob).hexdigest()
    actual = hashlib.sha256(target.read_bytes()).hexdigest()
    assert str(target) in info.value.message
    assert expected in info.value.message and actual in info.value.message
    assert info.value.fix == "mtcheck models pull --force"


def test_verify_always_rehashes(fake: Fake):
    store = fake.store()
    store.pull()
    assert [r.status for r in store.verify()] == ["verified", "verified"]
    # Same size and mtime: the stamp would still match, so only a real re-hash can notice.
    target = fake.store_dir / "tiny.gguf"
    before = target.stat()
    _flip_byte(target, 5)
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    results = {r.name: r for r in store.verify()}
    assert results["tiny-rewriter"].status == "mismatch"
    assert results["tiny-rewriter"].expected in results["tiny-rewriter"].detail
    (fake.store_dir / "tiny-embedder" / "modules.json").write_bytes(b"[1]")
    assert {r.name: r.status for r in store.verify()}["tiny-embedder"] == "mismatch"


def test_verify_reports_missing_models(fake: Fake):
    results = fake.store().verify()
    assert [r.status for r in results] == ["missing", "missing"]
    assert not any(r.ok for r in results)


def test_unknown_model_is_an_input_error(fake: Fake):
    with pytest.raises(InputError, match="unknown model 'nope'"):
        fake.store().path("nope")


# ---------------------------------------------------------------- overrides


def test_parse_model_override():
    assert parse_model_override("rewriter=/m/x.gguf") == ("rewriter", "/m/x.gguf")
    assert parse_model_override(" embedder = hub:sentence-transformers/all-MiniLM-L6-v2 ") == (
        "embedder",
        "hub:sentence-transformers/all-MiniLM-L6-v2",
    )
    for bad in ("rewriter", "=x", "rewriter=", "painter=/x.gguf", "rewriter=hub:nothing"):
        with pytest.raises(InputError):
            parse_model_override(bad)


def test_overrides_resolve_to_the_right_kind(fake: Fake, tmp_path: Path):
    gguf = tmp_path / "mine.gguf"
    gguf.write_bytes(b"GGUF")
    st_dir = tmp_path / "st"
    st_dir.mkdir()
    (st_dir / "modules.json").write_text("[]")
    hf_dir = tmp_path / "hf"
    hf_dir.mkdir()
    (hf_dir / "config.json").write_text("{}")
    store = fake.store().with_overrides({"rewriter": str(gguf), "embedder": str(st_dir), "fluency": str(hf_dir)})
    assert store.resolve("rewriter").kind == "gguf"
    assert store.resolve("rewriter").location == str(gguf)
    assert store.resolve("embedder").kind == "sentence-transformers"
    assert store.resolve("fluency").kind == "transformers"
    assert store.path("rewriter") == gguf
    hub = store.with_overrides({"rewriter": "hub:Qwen/Qwen2.5-Coder-1.5B-Instruct"}).resolve("rewriter")
    assert (hub.kind, hub.location, hub.verified) == ("hub", "Qwen/Qwen2.5-Coder-1.5B-Instruct", False)


def test_override_to_a_missing_path_is_a_clear_model_error(fake: Fake, tmp_path: Path):
    store = fake.store().with_overrides({"rewriter": str(tmp_path / "gone.gguf")})
    with pytest.raises(ModelError, match="the rewriter model override .*gone.gguf does not exist"):
        store.resolve("rewriter")


def test_resolve_without_override_is_the_verified_store_copy(fake: Fake):
    store = fake.store()
    store.pull()
    ref = store.resolve("embedder")
    assert (ref.name, ref.kind, ref.verified) == ("tiny-embedder", "sentence-transformers", True)
    assert ref.location == str(fake.store_dir / "tiny-embedder")


def test_config_table_overrides_roles_relative_to_the_config(fake: Fake, tmp_path: Path):
    (tmp_path / "weights").mkdir()
    (tmp_path / "weights" / "r.gguf").write_bytes(b"GGUF")
    settings = Settings(tables={"models": {"rewriter": "weights/r.gguf"}}, config_path=str(tmp_path / "mtcheck.toml"))
    store = ModelStore.default(settings)
    assert store.path("rewriter") == tmp_path / "weights" / "r.gguf"
    with pytest.raises(ConfigError, match="unknown key 'painter'"):
        ModelStore.default(Settings(tables={"models": {"painter": "x"}}))


def test_config_local_copy_table(fake: Fake, tmp_path: Path):
    (tmp_path / "copy.gguf").write_bytes(fake.blob)
    settings = Settings(tables={"models": {"local": {"tiny-rewriter": "copy.gguf"}}}, config_path=str(tmp_path / "mtcheck.toml"))
    assert ModelStore.default(settings).pull(["rewriter"])[0].source.startswith("local copy")


# ---------------------------------------------------------------- CLI (fake store)


def test_cli_list_pull_path(fake: Fake, tmp_path: Path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_cli(["models", "list"], monkeypatch, capsys)
    assert code == 0
    assert "tiny-rewriter" in out and "missing" in out and "Apache-2.0" in out

    code, out, err = run_cli(["models", "path", "rewriter"], monkeypatch, capsys)
    assert code == 3
    assert "mtcheck: error: model 'tiny-rewriter' (role rewriter) is not in" in err
    assert "mtcheck models pull" in err and "Traceback" not in err

    code, out, err = run_cli(["models", "pull"], monkeypatch, capsys)
    assert code == 0, err
    assert "tiny-rewriter: assembled" in out
    code, out, _ = run_cli(["models", "pull"], monkeypatch, capsys)
    assert "already present" in out

    code, out, _ = run_cli(["models", "path", "rewriter"], monkeypatch, capsys)
    assert (code, out.strip()) == (0, str(fake.store_dir / "tiny.gguf"))
    code, out, _ = run_cli(["models", "list"], monkeypatch, capsys)
    assert "verified" in out

    code, _, err = run_cli(["models", "path", "nope"], monkeypatch, capsys)
    assert code == 2 and "unknown model 'nope'" in err


def test_cli_verify_fails_loudly_on_a_corrupt_file(fake: Fake, tmp_path: Path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    fake.store().pull()
    assert run_cli(["models", "verify"], monkeypatch, capsys)[0] == 0
    _flip_byte(fake.store_dir / "tiny.gguf", 7)
    code, out, err = run_cli(["models", "verify"], monkeypatch, capsys)
    assert code == 3
    assert "MISMATCH" in out and "tiny-rewriter" in out
    assert "mtcheck: error: 1 of 2 models failed verification: tiny-rewriter" in err
    assert "mtcheck models pull --force" in err


# ---------------------------------------------------------------- integration: the real models


@pytest.fixture(scope="module")
def real_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The default models assembled for real from the installed packages (hashes the rewriter once)."""
    store_dir = tmp_path_factory.mktemp("real-store")
    patch = pytest.MonkeyPatch()
    patch.setenv("MTCHECK_MODELS", str(store_dir))
    patch.delenv("MTCHECK_MANIFEST", raising=False)
    patch.setenv("HF_HUB_OFFLINE", "1")
    try:
        results = ModelStore.default().pull()
    finally:
        patch.undo()
    assert {r.name: r.action for r in results} == {
        "qwen2.5-coder-1.5b-instruct-q4_k_m": "assembled",
        "smollm2-135m-instruct-q4_1": "assembled",
        "all-minilm-l6-v2": "assembled",
    }
    yield store_dir
    shutil.rmtree(store_dir, ignore_errors=True)  # 1.3 GB: pytest would keep it for three runs


@pytest.mark.integration
def test_real_pull_assembles_the_official_rewriter(real_store: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("MTCHECK_MODELS", str(real_store))
    gguf = real_store / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
    assert gguf.stat().st_size == 1117320768
    assert gguf.read_bytes()[:4] == b"GGUF"
    assert (real_store / "all-MiniLM-L6-v2" / "modules.json").is_file()

    def no_hashing(*args, **kwargs):
        raise AssertionError("a stamped model was re-hashed")

    monkeypatch.setattr(store_module, "sha256_file", no_hashing)
    monkeypatch.setattr(store_module, "sha256_dir", no_hashing)
    store = ModelStore.default()
    assert store.path("rewriter") == gguf
    assert store.resolve("fluency").kind == "gguf"
    assert store.resolve("embedder").location == str(real_store / "all-MiniLM-L6-v2")
    assert store.pull()[0].action == "present"


@pytest.mark.integration
def test_real_verify_through_the_cli(real_store: Path, tmp_path: Path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MTCHECK_MODELS", str(real_store))
    code, out, err = run_cli(["models", "verify"], monkeypatch, capsys)
    assert code == 0, err
    assert out.count("ok ") == 3
    assert "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046" in out


@pytest.mark.integration
def test_real_verify_catches_one_flipped_byte(real_store: Path, tmp_path: Path, monkeypatch, capsys):
    corrupt = tmp_path / "corrupt-store"
    corrupt.mkdir()
    name = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
    shutil.copyfile(real_store / name, corrupt / name)
    _flip_byte(corrupt / name, 600_000_000)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MTCHECK_MODELS", str(corrupt))
    try:
        code, out, err = run_cli(["models", "verify", "rewriter"], monkeypatch, capsys)
    finally:
        shutil.rmtree(corrupt, ignore_errors=True)
    assert code == 3
    assert "MISMATCH" in out and "expected cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046" in out
    assert "failed verification: qwen2.5-coder-1.5b-instruct-q4_k_m" in err
    assert "mtcheck models pull --force" in err
