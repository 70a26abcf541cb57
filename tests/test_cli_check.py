"""``mtcheck check`` end to end, as a user runs it: real LanguageTool, real models, real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SEED_MT, SEED_REF

REUTERS = (
    "As reports Reuters, citing an unnamed representative of the opposition, the rebels will be able to "
    "leave the city the corridors within 48 hours."
)


def mtcheck(*args: str, stdin: bytes | None = None, env: dict | None = None, timeout: int = 900):
    return subprocess.run(
        [sys.executable, "-m", "mtcheck", *args],
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=timeout,
    )


def one_error_line(proc) -> str:
    err = proc.stderr.decode()
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("mtcheck: error: ")
    return lines[0]


@pytest.fixture(scope="module")
def seed_json(tmp_path_factory):
    out = tmp_path_factory.mktemp("check") / "seed.json"
    proc = mtcheck("check", str(SEED_MT), "--format", "json", "--no-rewrite", "--output", str(out), "--fail-on", "none")
    assert proc.returncode == 0, proc.stderr.decode()
    return json.loads(out.read_text())


@pytest.mark.integration
def test_seed_sentence_has_languagetool_and_interference_reasons(seed_json):
    (document,) = seed_json["documents"]
    assert document["path"].endswith("000_57608c29d3a128ea.txt")
    sentence = next(s for s in document["sentences"] if s["text"] == REUTERS)
    assert sentence["flagged"] and sentence["kind"] == "prose"
    sources = {r["source"] for r in sentence["reasons"]}
    assert {"languagetool", "interference"} <= sources, sentence["reasons"]
    text = Path(SEED_MT).read_text(encoding="utf-8")
    assert text[sentence["start"] : sentence["end"]] == REUTERS
    for reason in sentence["reasons"]:
        assert sentence["start"] <= reason["start"] < reason["end"] <= sentence["end"]
        assert reason["rule_id"] and reason["message"]


@pytest.mark.integration
def test_json_schema_of_every_sentence(seed_json):
    assert seed_json["schema"] == "mtcheck/report" and seed_json["version"] == 1
    (document,) = seed_json["documents"]
    assert 0.0 <= document["score"] <= 1.0
    kinds = {s["kind"] for s in document["sentences"]}
    assert kinds == {"prose", "boilerplate"}
    for s in document["sentences"]:
        assert {"index", "start", "end", "text", "kind", "score", "flagged", "reasons"} <= set(s)
        if s["kind"] == "boilerplate":
            assert s["score"] == 0 and not s["flagged"]
    assert [s["index"] for s in document["sentences"]] == list(range(len(document["sentences"])))


@pytest.mark.integration
def test_exit_codes_follow_fail_on_and_several_files_give_several_documents(tmp_path):
    proc = mtcheck("check", str(SEED_MT), str(SEED_REF), "--format", "json", "--no-rewrite", "--fail-on", "warning")
    assert proc.returncode == 1, proc.stderr.decode()
    data = json.loads(proc.stdout)
    assert [Path(d["path"]).name for d in data["documents"]] == [SEED_MT.name, SEED_REF.name]
    assert data["summary"]["exit_code"] == 1
    clean = tmp_path / "clean.txt"
    clean.write_text("The council met on Tuesday and approved the budget for next year.\n")
    proc = mtcheck("check", str(clean), "--no-rewrite", "--fail-on", "error")
    assert proc.returncode == 0, proc.stderr.decode() + proc.stdout.decode()


@pytest.mark.integration
def test_stdin_and_lines_mode():
    proc = mtcheck(
        "check", "-", "--input-format", "lines", "--format", "json", "--no-rewrite", "--fail-on", "none",
        stdin=f"{REUTERS}\nThe council approved the budget. It meets again in May.\n".encode(),
    )
    assert proc.returncode == 0, proc.stderr.decode()
    (document,) = json.loads(proc.stdout)["documents"]
    assert document["path"] == "-"
    assert [s["text"] for s in document["sentences"]] == [
        REUTERS, "The council approved the budget. It meets again in May.",
    ]


def _file(folder: Path, name: str, data: bytes | None) -> Path:
    if data is not None:
        (folder / name).write_bytes(data)
    return folder / name


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("missing.txt", None, "not found"),
        ("empty.txt", b"", "empty"),
        ("blob.bin", bytes(range(256)) * 40, "binary"),
        ("huge.txt", b"The council met. " * 400_000, "limit"),
        ("", None, "no .txt"),
    ],
    ids=["missing", "empty", "binary", "huge", "empty-directory"],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, name, data, message):
    target = _file(tmp_path, name, data) if name else tmp_path
    proc = mtcheck("check", str(target), "--no-languagetool", "--no-rewrite")
    assert proc.returncode == 2
    assert message in one_error_line(proc).lower()


def test_bad_options_exit_2(tmp_path):
    for args in (["--format", "yaml"], ["--fail-on", "sometimes"], ["--threshold", "2"], ["--backend", "nope"]):
        proc = mtcheck("check", str(SEED_MT), "--no-languagetool", "--no-rewrite", *args)
        assert proc.returncode == 2, args
        assert "Traceback" not in proc.stderr.decode()
        if args[0] in ("--format", "--backend"):  # the choices come from the registry
            assert f"unknown {args[0]} {args[1]!r} (choose from " in one_error_line(proc)


def test_failed_output_leaves_no_half_written_file(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    proc = mtcheck("check", str(SEED_MT), "--no-languagetool", "--no-rewrite", "--output", str(blocker / "out.json"))
    assert proc.returncode == 2
    assert "cannot write" in one_error_line(proc)


def test_unreachable_languagetool_is_a_component_error():
    proc = mtcheck("check", str(SEED_MT), "--no-rewrite", "--languagetool-url", "http://127.0.0.1:9")
    assert proc.returncode == 3
    assert "languagetool" in one_error_line(proc).lower()


@pytest.mark.integration
def test_corrupt_model_in_the_store_is_a_component_error(tmp_path):
    import shutil

    embedder = ROOT / "models" / "all-MiniLM-L6-v2"
    if not embedder.is_dir():
        pytest.skip("models not assembled (run `mtcheck models pull`)")
    store = tmp_path / "models"
    store.mkdir()
    shutil.copytree(embedder, store / embedder.name)
    weights = store / embedder.name / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    proc = mtcheck(
        "check", str(SEED_MT), "--reference", str(SEED_REF), "--no-languagetool", "--no-rewrite",
        env={"MTCHECK_MODELS": str(store)},
    )
    assert proc.returncode == 3, proc.stderr.decode()
    assert "mtcheck models pull" in one_error_line(proc)


@pytest.mark.integration
def test_corrupt_rewriter_file_is_a_component_error(tmp_path):
    garbage = tmp_path / "broken.gguf"
    garbage.write_bytes(b"GGUF" + bytes(range(256)) * 64)
    proc = mtcheck("check", str(SEED_MT), "--no-languagetool", "--model", f"rewriter={garbage}")
    assert proc.returncode == 3, proc.stderr.decode()
    assert "broken.gguf" in one_error_line(proc)
