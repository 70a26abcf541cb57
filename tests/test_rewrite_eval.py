"""``mtcheck eval rewrite`` end to end with a fake detector and a fake backend, and its
independent audit of numbers and names."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from mtcheck.cli.eval_rewrite import audit_values, fact_damage
from mtcheck.config import Settings
from mtcheck.registry import backends


def test_audit_reads_numbers_independently():
    assert audit_values("More than 1.3 thousand militants") == audit_values("More than 1,300 militants")
    assert audit_values("93% of Aleppo") == audit_values("93 percent of Aleppo")
    assert fact_damage("It lasted 48 hours.", "It lasted two days.")
    assert fact_damage("Lavrov met Kerry in Geneva.", "Lavrov met his counterpart in Geneva.")
    assert fact_damage("Lavrov met Kerry in Geneva.", "In Geneva, Lavrov met Kerry.") == []


class _Detector:
    def __init__(self, settings, services=None):
        pass

    def detect(self, document, sentences):
        from mtcheck.detect import DetectionResult
        from mtcheck.types import Finding

        findings = tuple(Finding(s, 0.9 if "reports" in s.text else 0.1, "reports" in s.text) for s in sentences)
        return DetectionResult(findings=findings, score=0.5)

    def score_texts(self, texts):
        return [0.9 if "As reports" in t else 0.2 for t in texts]


@backends.register("fake-eval")
class _Backend:
    model_id = "fake-eval:1"

    def __init__(self, settings, model=None):
        pass

    def generate(self, prompts, n=1, temperature=0.0, max_tokens=96, seed=0):
        return [[p.sentence.replace("As reports Reuters", "As Reuters reports")] for p in prompts]


def test_eval_rewrite_prints_scores(tmp_path, monkeypatch):
    import mtcheck.cli.eval_rewrite  # noqa: F401 (registers the command)
    import mtcheck.config
    import mtcheck.detect
    from mtcheck.cli import app

    monkeypatch.setenv("MTCHECK_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(mtcheck.detect, "Detector", _Detector)
    monkeypatch.setattr(mtcheck.config, "load_settings", lambda path=None: Settings(tables={"rewrite": {"model_checks": False}}))
    rows = [
        {"doc_id": "d1", "doc_seg_id": 1, "mt_en": "As reports Reuters, the talks ended.", "ref_en": "As Reuters reports, the talks ended."},
        {"doc_id": "d1", "doc_seg_id": 2, "mt_en": "The weather was fine.", "ref_en": "The weather was fine."},
    ]
    data = tmp_path / "set.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    out = tmp_path / "out.json"
    result = CliRunner().invoke(app, ["eval", "rewrite", str(data), "--backend", "fake-eval", "--limit", "5", "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "1 flagged segments evaluated" in result.output
    assert "signature chrF: nrefs:1" in result.output
    numbers = json.loads(out.read_text(encoding="utf-8"))
    assert numbers["suggested"]["TER"][0] == 0.0 < numbers["original"]["TER"][0]
    assert numbers["changed_share"] == 1.0 and numbers["suggestions_damaging_facts"] == 0
    assert numbers["rewrites"][0]["rewrite"] == "As Reuters reports, the talks ended."


def test_eval_rewrite_rejects_missing_fields(tmp_path):
    import mtcheck.cli.eval_rewrite  # noqa: F401
    from mtcheck.cli import app

    data = tmp_path / "bad.jsonl"
    data.write_text(json.dumps({"text": "x"}), encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", "rewrite", str(data)])
    assert result.exit_code != 0
    assert "missing field" in str(result.exception) or "missing field" in result.output


def test_recurring_post_edits_are_counted_against_every_chance_to_make_them():
    from mtcheck.bench_reference_limits import recurring_edits

    rows = ([{"mt_en": "He said: yes.", "ref_en": "He said: yes"}] * 4
            + [{"mt_en": "He said: yes.", "ref_en": "He said: yes."}] * 4
            + [{"mt_en": "They go home.", "ref_en": "They went home."}] * 5)
    found = {edit: (share, made, occurs) for share, made, occurs, edit in recurring_edits(rows)}
    assert found["yes [. -> ] </s>"] == (0.5, 4, 8)
    assert found["They [go -> went] home"] == (1.0, 5, 5)
