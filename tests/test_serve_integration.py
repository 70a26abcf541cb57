"""`mtcheck serve` for real: one server process for the module (the real pipeline, the managed
LanguageTool server, grammar merging on), asked through language-tool-python's own client and
compared with `mtcheck check --format json` on the seeds."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from conftest import ROOT, SEED_MT, SEED_REF

pytestmark = pytest.mark.integration

MTCHECK = [sys.executable, "-m", "mtcheck"]
# Rewrites from the rules alone in this module: the LLM is what tests/test_rewrite_integration.py runs.
RULES_ONLY = "[tool.mtcheck.rewrite]\nllm = false\n"
START_TIMEOUT = 300  # seconds: models and LanguageTool on 2 busy cores


class Served:
    def __init__(self, proc: subprocess.Popen, url: str, log: list[str]):
        self.proc, self.url, self.log = proc, url, log

    def check(self, **fields) -> requests.Response:
        return requests.post(self.url + "/v2/check", data=fields, timeout=120)


def _env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.pop("MTCHECK_SERVE_TOKEN", None)
    return env


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    config = tmp_path_factory.mktemp("serve") / "mtcheck.toml"
    config.write_text(RULES_ONLY, encoding="utf-8")
    proc = subprocess.Popen([*MTCHECK, "serve", "--port", "0", "--workers", "2", "--queue", "8", "--config", str(config)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=_env(),
                            start_new_session=True)
    log: list[str] = []
    ready = threading.Event()
    found: dict[str, str] = {}

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            log.append(line)
            hit = re.search(r"listening on (http://\S+)", line)
            if hit:
                found["url"] = hit.group(1)
                ready.set()
        ready.set()

    threading.Thread(target=read, daemon=True).start()
    ready.wait(START_TIMEOUT)
    if "url" not in found:
        proc.kill()
        pytest.fail("mtcheck serve did not start: " + "".join(log)[-2000:])
    server = Served(proc, found["url"], log)
    yield server
    if proc.poll() is None:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def checked():
    """`mtcheck check --format json` on both seeds, the way an editor would run it."""
    done = subprocess.run([*MTCHECK, "check", str(SEED_MT), str(SEED_REF), "--no-rewrite", "--format", "json", "--fail-on", "none"],
                          capture_output=True, text=True, cwd=ROOT, env=_env(), timeout=600)
    assert done.returncode == 0, done.stderr
    return {Path(d["path"]).name: d for d in json.loads(done.stdout)["documents"]}


def _served_sentences(body: dict) -> list[tuple]:
    return [(s["index"], s["start"], s["end"], s["kind"], s["score"], s["flagged"], s["severity"],
             tuple((r["rule_id"], r["start"], r["end"], r["weight"]) for r in s["reasons"]))
            for s in body["mtcheck"]["sentences"]]


def _checked_sentences(document: dict) -> list[tuple]:
    return [(s["index"], s["start"], s["end"], s["kind"], s["score"], s["flagged"], s["severity"],
             tuple((r["rule_id"], r["start"], r["end"], r["weight"]) for r in s["reasons"]))
            for s in document["sentences"]]


def test_language_tool_python_gets_mtchecks_findings_and_their_fixes(served, checked):
    import language_tool_python
    from language_tool_python.utils import correct

    text = SEED_MT.read_text(encoding="utf-8")
    tool = language_tool_python.LanguageTool("en-US", remote_server=served.url)
    matches = tool.check(text)
    ours = [m for m in matches if m.category == "MTCHECK"]
    flagged = [s for s in checked[SEED_MT.name]["sentences"] if s["flagged"]]
    sentence_matches = [(m.offset, m.offset + m.error_length) for m in ours if m.rule_id == "translated-sentence"]
    assert sentence_matches == [(s["start"], s["end"]) for s in flagged]
    spans = {(m.rule_id, text[m.offset:m.offset + m.error_length]) for m in ours}
    assert ("thousand-count", "1.3 thousand") in spans and ("numeric-date", "12.12.2016") in spans
    assert ("reporting-inversion", "As reports Reuters") in spans
    fixed = correct(text, matches)  # every match, LanguageTool's own grammar matches included
    assert "1,300 militants" in fixed and "December 12, 2016" in fixed
    assert any(m.category != "MTCHECK" for m in matches)  # the LanguageTool server's matches are merged in


def test_served_flags_scores_and_reason_spans_equal_check(served, checked):
    for seed in (SEED_MT, SEED_REF):
        answer = served.check(text=seed.read_text(encoding="utf-8"), language="en-US")
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert _served_sentences(body) == _checked_sentences(checked[seed.name]), seed.name
        assert body["mtcheck"]["score"] == checked[seed.name]["score"]
        assert body["mtcheck"]["gate"] == checked[seed.name]["gate"]
    reference = served.check(text=SEED_REF.read_text(encoding="utf-8"), language="en-US").json()
    assert not [m for m in reference["matches"] if m["rule"]["id"] == "translated-sentence"]


def test_grammar_matches_are_merged_and_rule_selection_applies(served):
    answer = served.check(text="This is noot okay. As reports Reuters, the talks failed.", language="en-US",
                          disabledRules="translated-sentence")
    body = answer.json()
    rules = {m["rule"]["id"] for m in body["matches"]}
    assert "MORFOLOGIK_RULE_EN_US" in rules  # LanguageTool's spelling rule, from the server behind
    assert "translated-sentence" not in rules
    assert body["language"]["code"] == "en-US"
    picky = served.check(text="More than 1.3 thousand people came.", language="en-US", level="picky").json()
    assert "thousand-count" in {m["rule"]["id"] for m in picky["matches"]}


def test_annotated_text_offsets_point_into_the_markup(served):
    data = {"annotation": [{"markup": "<p>"}, {"text": "More than 1.3 thousand militants laid down arms, "},
                           {"markup": "<b>"}, {"text": "said RIA Novosti"}, {"markup": "</b>"}, {"text": " on 12.12.2016."},
                           {"markup": "</p>"}]}
    whole = "".join(part.get("text", part.get("markup", "")) for part in data["annotation"])
    body = served.check(data=json.dumps(data), language="en-US", level="picky").json()
    spans = {m["rule"]["id"]: whole[m["offset"]:m["offset"] + m["length"]] for m in body["matches"]}
    assert spans.get("numeric-date") == "12.12.2016" and spans.get("thousand-count") == "1.3 thousand"


def test_rewrite_endpoint_and_check_with_rewrites(served):
    context = SEED_MT.read_text(encoding="utf-8")
    sentence = "Russia and the United States invited the militants of the conditions for release from Aleppo, said the Syrian opposition 12.12.2016"
    answer = requests.post(served.url + "/v1/rewrite", data={"sentence": sentence, "context": context}, timeout=300)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["sentences"] and body["sentences"][0]["flagged"]
    if body["suggestion"] is None:
        assert body["note"]  # why there is none
    else:
        assert "December 12, 2016" in body["suggestion"]
    clean = requests.post(served.url + "/v1/rewrite", data={"sentence": "The council approved the budget on Tuesday."}, timeout=300).json()
    assert clean["suggestion"] is None and "not flagged" in clean["note"]
    with_rewrites = served.check(text="More than 1.3 thousand militants laid down arms on 12.12.2016, said RIA Novosti.",
                                 language="en-US", mtcheckRewrite="true")
    sentence_match = next(m for m in with_rewrites.json()["matches"] if m["rule"]["id"] == "translated-sentence")
    assert "rewrite" in sentence_match["mtcheck"]


def test_bad_requests_to_the_real_server_and_it_stays_up(served):
    def error(answer, status):
        assert answer.status_code == status, answer.text
        assert answer.text.count("\n") == 1 and set(answer.json()) == {"error", "status"}

    error(served.check(text="", language="en-US"), 400)
    error(served.check(text="Hi.", language="xx-YY"), 400)
    error(served.check(language="en-US"), 400)
    error(served.check(text="A sentence. " * 450_000, language="en-US"), 413)
    error(requests.post(served.url + "/v2/check", data=b"language=en-US&text=%FF%FE",
                        headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=30), 400)
    host, port = served.url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=5) as raw:  # a client gone mid-body
        raw.sendall(b"POST /v2/check HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\nlanguage=en-US&text=half")
    answer = served.check(text="As reports Reuters, the rebels will be able to leave the city the corridors.", language="en-US")
    assert answer.status_code == 200 and answer.json()["mtcheck"]["sentences"][0]["flagged"]
    health = requests.get(served.url + "/health", timeout=10).json()
    assert health["components"]["detector"] is True and health["components"]["languagetool"] is True


def test_sigterm_stops_the_server_cleanly(served):
    pending = []
    thread = threading.Thread(target=lambda: pending.append(served.check(text=SEED_REF.read_text(encoding="utf-8"), language="en-US")))
    thread.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # until the check is being worked on
        if requests.get(served.url + "/health", timeout=10).json()["load"]["pending"] >= 1:
            break
        time.sleep(0.02)
    served.proc.send_signal(signal.SIGTERM)
    thread.join(120)
    assert served.proc.wait(timeout=120) == 0
    assert pending and pending[0].status_code == 200
    assert any("stopped" in line for line in served.log)
