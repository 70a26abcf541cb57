"""``mtcheck audit`` with the real detector: a few hundred short articles from the dev data on the
local engine and on a local Ray instance (one Ray worker killed mid-run), kill-and-resume of the
command, the same scores as ``mtcheck check``, the HTML summary in Chromium, and rewriting through
llama-cpp-python's OpenAI-compatible server.

LanguageTool is off and the articles are cut to their first sentences, to keep the whole file
near three minutes on two cores; the audit never uses the detection cache (nor does ``check`` here).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from mtcheck.audit.run import AuditOptions, run_audit
from mtcheck.audit.shards import read_manifest, read_records
from mtcheck.config import Settings
from mtcheck.pipeline import CheckOptions
from test_audit_helpers import corpus_rows, write_jsonl, write_tree

pytestmark = pytest.mark.integration

# A local Ray instance listens on the loopback interface only (read when ray is imported).
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
os.environ.setdefault("RAY_AUTH_MODE", "disabled")  # no token written to the home folder for a loopback-only instance

ROOT = Path(__file__).resolve().parent.parent
MTCHECK = [sys.executable, "-m", "mtcheck"]
OPTIONS = CheckOptions(rewrite=False, languagetool=False, keep_going=True)
SHARD = 25


@pytest.fixture(scope="module")
def corpus(shared_data, tmp_path_factory) -> tuple[list[dict], Path]:
    rows = corpus_rows(shared_data, mt_docs=80, systems_per_doc=1, bbc=90, lines=5)
    return rows, write_jsonl(rows, tmp_path_factory.mktemp("corpus") / "articles.jsonl")


@pytest.fixture(scope="module")
def local_run(corpus, tmp_path_factory):
    """The whole corpus on the local engine, two worker processes; records by id."""
    rows, source = corpus
    out = tmp_path_factory.mktemp("local") / "audit"
    outcome = run_audit(source, out, Settings(), OPTIONS, AuditOptions(engine="local", workers=2, shard_size=SHARD))
    return outcome, {r["id"]: r for r in read_records(out)}


def same_scores(a: dict, b: dict) -> bool:
    keep = ("score", "sentences", "flagged_sentences", "scores", "error")
    return all(a[k] == b[k] for k in keep) and [(f["index"], f["score"], f["severity"]) for f in a["findings"]] == [
        (f["index"], f["score"], f["severity"]) for f in b["findings"]]


def test_the_local_engine_checks_a_few_hundred_articles_once_each(corpus, local_run):
    rows, _ = corpus
    outcome, records = local_run
    assert len(rows) >= 200
    assert (outcome.articles, outcome.checked_now, outcome.errors) == (len(rows), len(rows), 0)
    assert list(records) == [r["id"] for r in rows]
    assert len({r["worker"]["pid"] for r in records.values()}) == 2
    by_source: dict[str, list[float]] = {}
    for r in records.values():
        by_source.setdefault(r["source"], []).append(r["score"])
    mean = {s: sum(v) / len(v) for s, v in by_source.items()}
    # Machine translation reads as translated far more often than English-original news.
    assert mean["wmt22-mt"] > 0.6 > 0.3 > max(mean["wmt22-en"], mean["bbc"])
    summary = (outcome.out / "summary.csv").read_text(encoding="utf-8").splitlines()
    assert summary[-1].startswith(f"all,all,{len(rows)},{len(rows)},0,")
    assert len((outcome.out / "top.csv").read_text(encoding="utf-8").splitlines()) == 51


@pytest.fixture(scope="module")
def ray_instance():
    ray = pytest.importorskip("ray")
    temp = tempfile.mkdtemp(prefix="mtray-")  # short: Ray's socket paths must fit in 107 bytes
    ray.init(num_cpus=2, include_dashboard=False, _temp_dir=temp, log_to_driver=False, logging_level=logging.ERROR)
    try:
        yield ray
    finally:
        ray.shutdown()
        shutil.rmtree(temp, ignore_errors=True)


def ray_workers() -> list:
    import psutil

    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        try:
            ours = os.getpid() in {p.pid for p in proc.parents()}  # started by this test's Ray instance
        except psutil.Error:
            continue
        if ours and "RayAuditWorker" in " ".join(proc.info["cmdline"] or []):
            found.append(proc)
    return found


def test_ray_survives_a_killed_worker_and_gives_the_local_engine_scores(corpus, local_run, ray_instance, tmp_path):
    rows, source = corpus
    _, local = local_run
    killed: list[int] = []

    def kill_one(shard: int) -> None:  # once the first shard is written, a worker dies mid-run
        if not killed:
            victims = ray_workers()
            assert victims, "no Ray worker process found"
            killed.append(victims[0].pid)
            os.kill(victims[0].pid, signal.SIGKILL)

    out = tmp_path / "audit"
    outcome = run_audit(source, out, Settings(), OPTIONS, AuditOptions(engine="ray", workers=2, shard_size=SHARD), on_shard=kill_one)
    assert killed
    assert (outcome.articles, outcome.checked_now, outcome.workers) == (len(rows), len(rows), 2)
    records = list(read_records(out))
    assert [r["id"] for r in records] == [r["id"] for r in rows]  # every article exactly once, in source order
    assert all(same_scores(r, local[r["id"]]) for r in records)
    pids = {r["worker"]["pid"] for r in records}
    assert len(pids) >= 3  # the killed worker's actor was restarted, and its chunk retried
    run = json.loads((out / "runs.jsonl").read_text(encoding="utf-8").splitlines()[-1])
    assert (run["status"], run["engine"], run["articles_checked"]) == ("complete", "ray", len(rows))


def shards_in(out: Path) -> int:
    return len(list((out / "shards").glob("shard-*.jsonl"))) if (out / "shards").is_dir() else 0


def start(cmd: list[str]) -> subprocess.Popen:
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, start_new_session=True)


def wait_for_shards(proc: subprocess.Popen, out: Path, more_than: int, timeout: float = 150) -> None:
    deadline = time.monotonic() + timeout
    while shards_in(out) <= more_than:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no shard written in time"
        time.sleep(0.2)


def test_kill_and_resume(corpus, local_run, tmp_path):
    rows, _ = corpus
    _, local = local_run
    chosen = rows[::7][:40]
    source = write_jsonl(chosen, tmp_path / "feed.jsonl")
    out = tmp_path / "audit"
    cmd = [*MTCHECK, "audit", str(source), "--out", str(out), "--workers", "1", "--no-languagetool", "--shard-size", "8", "-q"]

    # Ctrl-C after the first shard: exit 130 and one line, the shard kept.
    proc = start(cmd)
    wait_for_shards(proc, out, 0)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and err.strip() == "mtcheck: interrupted", err
    after_interrupt = shards_in(out)
    assert 1 <= after_interrupt < 5

    # A crash: the command and its workers killed outright after one more shard.
    proc = start(cmd)
    wait_for_shards(proc, out, after_interrupt)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    after_crash = shards_in(out)
    assert after_interrupt < after_crash

    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert f"{8 * after_crash:,} from earlier runs" in done.stdout
    records = list(read_records(out))
    assert [r["id"] for r in records] == [r["id"] for r in chosen]  # every article exactly once
    assert all(same_scores(r, local[r["id"]]) for r in records)  # and scored as in one uninterrupted run
    statuses = [json.loads(line)["status"] for line in (out / "runs.jsonl").read_text(encoding="utf-8").splitlines()]
    assert statuses == ["interrupted", "complete"]  # the killed run could not say anything
    assert read_manifest(out)["complete"] is True


def test_audit_gives_the_scores_and_flags_of_check(corpus, tmp_path):
    rows, _ = corpus
    picked = [r for r in rows if r["source"] == "wmt22-mt"][:2] + [r for r in rows if r["source"] in ("wmt22-en", "bbc")][:1]
    picked += [r for r in rows if r["source"] == "bbc"][:1] + [r for r in rows if r["source"] == "seeds"]
    tree = tmp_path / "tree"
    write_tree(picked, tree)
    body = "".join(f"<p>{line}</p>\n" for line in picked[0]["text"].split("\n"))
    (tree / "web" / "2024-07-02").mkdir(parents=True)
    (tree / "web" / "2024-07-02" / "page.html").write_text(f"<html><body><article>{body}</article></body></html>", encoding="utf-8")
    common = ["--no-languagetool", "-q"]
    report = tmp_path / "check.json"
    fresh_cache = {**os.environ, "MTCHECK_CACHE": str(tmp_path / "cache")}  # check computes every score (audit never caches)
    check = subprocess.run([*MTCHECK, "check", str(tree), "--no-rewrite", "--format", "json", "-o", str(report), "--fail-on", "none", *common],
                           capture_output=True, text=True, cwd=ROOT, timeout=300, env=fresh_cache)
    assert check.returncode == 0, check.stderr
    out = tmp_path / "audit"
    audited = subprocess.run([*MTCHECK, "audit", str(tree), "--out", str(out), "--workers", "1", *common],
                             capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert audited.returncode == 0, audited.stderr
    documents = {d["path"]: d for d in json.loads(report.read_text(encoding="utf-8"))["documents"]}
    records = {r["path"]: r for r in read_records(out)}
    assert set(documents) == set(records) and len(records) == len(picked) + 1
    flagged_somewhere = 0
    for path, document in documents.items():
        record = records[path]
        prose = [s for s in document["sentences"] if s["kind"] == "prose"]
        assert round(record["score"], 4) == document["score"], path
        assert record["scores"] == [s["score"] for s in prose], path
        assert [(f["index"], f["severity"]) for f in record["findings"]] == [(s["index"], s["severity"]) for s in prose if s["flagged"]], path
        assert (record["sentences"], record["flagged_sentences"]) == (document["counts"]["prose"], document["counts"]["flagged"])
        assert record["format"] == document["format"]
        flagged_somewhere += bool(record["findings"])
    assert 0 < flagged_somewhere < len(records)  # the comparison covers flagged and clean articles


def test_the_html_summary_in_chromium(local_run, tmp_path):
    from selenium.webdriver.common.by import By

    from test_browser import _browser

    outcome, records = local_run
    page = outcome.out / "summary.html"
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    profile = Path(tempfile.mkdtemp(prefix="mtcheck-chromium-"))
    driver = _browser(downloads, profile)
    try:
        driver.get("about:blank")
        driver.get_log("performance")
        driver.get(page.as_uri())
        time.sleep(0.5)
        assert driver.title == "mtcheck archive audit"
        groups = {(r["source"], r["month"]) for r in records.values()}
        bars = driver.find_elements(By.CSS_SELECTOR, "#chart rect.bar")
        assert len(bars) == len(groups) and all(b.is_displayed() for b in bars)
        heights = {(b.get_attribute("data-source"), b.get_attribute("data-month")): (float(b.get_attribute("data-share")), b.size["height"])
                   for b in bars}
        tallest = max(heights.values())
        for share, height in heights.values():  # bars are drawn to scale
            assert abs(height - tallest[1] * share / tallest[0]) <= 2 or share == 0
        assert driver.find_element(By.ID, "chart").size["width"] >= 600
        assert len(driver.find_elements(By.CSS_SELECTOR, "#top tr.top-article")) == 50
        first = driver.find_element(By.CSS_SELECTOR, "#top tr.top-article").text
        assert "wmt22-mt" in first or "seeds" in first
        figures = driver.find_element(By.CSS_SELECTOR, '[data-figure="articles"]').text
        assert str(len(records)) in figures
        requested = []
        for entry in driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method") == "Network.requestWillBeSent":
                requested.append(message["params"]["request"]["url"])
        assert requested == [page.as_uri()]
        assert driver.execute_script("return performance.getEntriesByType('resource').length") == 0
        reports = ROOT / "reports"
        reports.mkdir(exist_ok=True)
        assert driver.save_screenshot(str(reports / "test-audit-summary.png"))
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rewriter_model() -> Path:
    models = ROOT / "models"
    for name in ("qwen2.5-coder-0.5b-instruct-q4_k_m.gguf", "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"):
        if (models / name).is_file():
            return models / name
    pytest.skip("no rewriter model in models/ (make models)")


def test_rewriting_goes_to_one_shared_openai_compatible_server(corpus, tmp_path):
    pytest.importorskip("llama_cpp.server.app", reason="llama-cpp-python[server] is not installed (make python)")
    rows, _ = corpus
    seed = next(r for r in rows if r["id"].startswith("seed:000"))
    bbc = next(r for r in rows if r["source"] == "bbc")
    sentence = next(s for s in seed["text"].replace("\n", " ").split(". ") if s.startswith("As reports Reuters")) + "."
    articles = [{"id": "seed-lead", "text": sentence, "source": "seeds", "date": "2024-01-01"},
                {"id": bbc["id"], "text": "\n".join(bbc["text"].split("\n")[:2]), "source": "bbc", "date": "2024-02-01"}]
    source = write_jsonl(articles, tmp_path / "feed.jsonl")
    port = free_port()
    log = tmp_path / "server.log"
    with open(log, "w", encoding="utf-8") as handle:
        server = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(rewriter_model()), "--host", "127.0.0.1",
                                   "--port", str(port), "--n_ctx", "2048", "--n_threads", "2"],
                                  stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        import requests

        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, log.read_text(encoding="utf-8")[-2000:]
            try:
                if requests.get(f"http://127.0.0.1:{port}/v1/models", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, "the llama.cpp server did not start"
            time.sleep(0.5)
        config = tmp_path / "mtcheck.toml"
        config.write_text(f'[rewrite]\nbackend = "openai"\nbase_url = "http://127.0.0.1:{port}/v1"\ncandidates = 1\nrepair = false\n'
                          "max_tokens = 64\n", encoding="utf-8")
        out = tmp_path / "audit"
        done = subprocess.run([*MTCHECK, "audit", str(source), "--out", str(out), "--rewrite", "--workers", "1", "--no-languagetool",
                               "--config", str(config), "-q"], capture_output=True, text=True, cwd=ROOT, timeout=400)
        assert done.returncode == 0, done.stderr
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    records = {r["id"]: r for r in read_records(out)}
    lead = records["seed-lead"]["findings"]
    assert any("As reports Reuters" in f["text"] for f in lead)
    assert all("rewrite" in f for r in records.values() for f in r["findings"])
    requests_seen = log.read_text(encoding="utf-8").count("/v1/chat/completions")
    assert requests_seen >= 1  # the rewriter asked the shared server, not a model of its own
    assert all(f["rewrite"] != f["text"] for f in lead if f["rewrite"])  # a suggestion, when one passed verification, changes the text
    manifest = read_manifest(out)
    assert manifest["settings"]["rewrite"] is True and "base_url" not in manifest["settings"]["tables"]["rewrite"]
