"""Interference rules are declared once (mtcheck/detect/rules/): their examples are their tests, the
features, weights, rewrite targets, rule-pack twins and keep_rules aliases are derived from the
declarations, and a rule the detector model has no weight for is shown, marked, never dropped."""

from __future__ import annotations

import dataclasses
import json
import re
import socket
import xml.etree.ElementTree as ET

import pytest

from conftest import run_main
from mtcheck.config import Settings
from mtcheck.detect import UNWEIGHTED_NOTE, Detector, rules
from mtcheck.detect.classifier import DetectorModel, LinearModel, load_model, provisional_model
from mtcheck.detect.rules import RULES, Match, expand_aliases, feature_names, find_matches, languagetool_twins
from mtcheck.detect.signature import RULE_PACK
from mtcheck.types import Document, Sentence
from test_rule_helpers import interference_model_file

EXAMPLES = [(r.id, e) for r in RULES for e in r.examples]


@pytest.mark.parametrize("rule_id,example", EXAMPLES, ids=[f"{rid}-{i}" for i, (rid, _) in enumerate(EXAMPLES)])
def test_rule_fires_on_its_examples_and_not_on_their_clean_versions(rule_id, example):
    hits = [m for _, m in find_matches(example.text) if m.rule == rule_id]
    assert hits, f"{rule_id} did not fire on {example.text!r}"
    assert example.text[hits[0].start : hits[0].end] == example.words
    assert hits[0].suggestion == example.fix
    assert hits[0].message and "\n" not in hits[0].message
    assert not [m for _, m in find_matches(example.clean) if m.rule == rule_id], f"{rule_id} fired on {example.clean!r}"


def test_every_rule_is_declared_whole():
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids)) >= 19
    for r in RULES:
        assert r.examples, f"{r.id} has no examples"
        assert r.message and r.fix and r.category and r.weight > 0, r.id
        assert r.check.__doc__, f"{r.id}: document the function"
    # Features and the provisional model's weights come from the declarations, nothing else.
    assert feature_names() == sorted(f"interference.{i}" for i in ids) + ["interference.total"]
    model = provisional_model().sentence
    assert dict(zip(model.features, model.coef)) == {r.feature: r.weight for r in RULES}


def test_a_rule_is_registered_once():
    with pytest.raises(ValueError, match="twice"):
        rules.rule("calque", category="calque", weight=1.0, message="m", fix="f")(lambda text: iter(()))
    with pytest.raises(ValueError, match="declared on both"):
        rules.rule("another-calque", category="calque", weight=1.0, message="m", fix="f",
                   languagetool=("MTCHECK_RU_FRAMEWORK",))(lambda text: iter(()))
    assert rules.get("another-calque") is None


def test_rewrite_targets_follow_the_declarations():
    from mtcheck.rewrite.problems import UNFIXABLE_RULES

    assert UNFIXABLE_RULES == {r.id for r in RULES if not r.rewrite}
    assert {"names", "script"} <= {r.category for r in RULES if not r.rewrite}  # the editor checks names and script


# -- the LanguageTool rule pack ----------------------------------------------------------------------
def _pack_rules() -> dict[str, list[tuple[str, tuple[int, int] | None]]]:
    """Rule-pack id -> its examples: (text, the marked span or None for a correct example)."""
    out: dict[str, list[tuple[str, tuple[int, int] | None]]] = {}

    def examples(rule_id: str, element: ET.Element) -> None:
        for ex in element.findall("example"):
            text = "".join(ex.itertext())
            marker = ex.find("marker")
            span = None
            if ex.get("correction") is not None and marker is not None:
                start = len(ex.text or "")
                span = (start, start + len("".join(marker.itertext())))
            out.setdefault(rule_id, []).append((text, span))

    root = ET.parse(RULE_PACK).getroot()
    for group in root.iter("rulegroup"):
        for element in group.iter("rule"):
            examples(group.get("id", ""), element)
    for element in root.iter("rule"):
        if element.get("id"):
            examples(element.get("id", ""), element)
    return out


def test_rule_pack_twins_exist_in_the_pack():
    pack = _pack_rules()
    assert len(pack) >= 17
    twins = languagetool_twins()
    assert set(twins) <= set(pack), set(twins) - set(pack)
    assert len(twins) == 10  # the other rule-pack rules find what no interference rule does


def test_every_rule_pack_rule_that_repeats_an_interference_rule_is_declared_on_it():
    """An interference rule repeats a rule-pack rule when it marks the words of the pack rule's own
    examples and leaves its correct examples alone: then it must name the pack rule (``languagetool=``)."""
    twins = languagetool_twins()
    found: dict[str, set[str]] = {}
    for pack_id, examples in _pack_rules().items():
        bad = [(text, span) for text, span in examples if span is not None]
        good = [text for text, span in examples if span is None]
        for r in RULES:
            fires = any(m.start < span[1] and span[0] < m.end for text, span in bad for m in r.matches(text))
            if fires and not any(r.matches(text) for text in good):
                found.setdefault(pack_id, set()).add(r.id)
    for pack_id, python_ids in found.items():
        assert python_ids == {twins.get(pack_id)}, f"{pack_id} repeats {python_ids}: declare it there (languagetool=)"
    # Found from the pack's examples: all but MTCHECK_RU_QUOTED_NAME, whose examples name no Russian
    # outlet (the integration test below finds it from the rule's own examples).
    assert set(found) == set(twins) - {"MTCHECK_RU_QUOTED_NAME"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.integration
def test_the_rule_pack_finds_the_declared_twins_on_the_rules_examples(tmp_path):
    """The other direction, with a real LanguageTool server: on each interference rule's examples,
    the rule-pack rules marking the same words are the declared twins (or say nothing)."""
    from mtcheck.services import languagetool as lt

    lib_dir = lt.default_lib_dir()
    if not lt.is_installed(lib_dir):
        lt.install(lib_dir)
    service = lt.LanguageToolService(Settings(), port=_free_port(), lib_dir=lib_dir, state_dir=tmp_path / "lt-state")
    service.ensure_running()
    try:
        cases = [(r, e) for r in RULES for e in r.examples]
        results = service.check_paragraphs([e.text for _, e in cases])
        clean = service.check_paragraphs([e.clean for _, e in cases])
    finally:
        service.stop()
    seen: dict[str, set[str]] = {}
    for (r, e), matches, clean_matches in zip(cases, results, clean):
        start = e.text.index(e.words)
        end = start + len(e.words)
        silent_on_clean = {m.rule_id for m in clean_matches}
        ours = find_matches(e.text)
        for m in matches:
            if not m.rule_id.startswith("MTCHECK_RU_") or m.rule_id in silent_on_clean or not (m.offset < end and start < m.end):
                continue
            # Another rule firing on the same words in the example may be the one it repeats.
            twin = [o.id for o, match in ours if m.rule_id in o.languagetool and match.start < m.end and m.offset < match.end]
            seen.setdefault(twin[0] if twin else r.id, set()).add(m.rule_id)
    for r in RULES:
        others = seen.get(r.id, set()) - set(r.languagetool) - OVERLAPS.get(r.id, set())
        assert not others, f"{r.id} is repeated by {others}: declare them on it (languagetool=)"
    # Each twin, found from one side or the other; QUOTED_NAME only from this side.
    assert {pack for ids in seen.values() for pack in ids} >= {"MTCHECK_RU_QUOTED_NAME"}
    assert "MTCHECK_RU_QUOTED_NAME" in seen["russian-agency-quoted"]


# Rule-pack rules that mark some of an interference rule's words for another reason: not twins.
OVERLAPS = {
    # «United Russia» after "party": guillemets would change the quotation marks, the pack rule
    # (a quoted name) drops them; its twin is russian-agency-quoted (RIA «Novosti»).
    "guillemets": {"MTCHECK_RU_QUOTED_NAME"},
}


def test_keep_rules_naming_either_id_keeps_both():
    from mtcheck.rewrite.problems import interference_problems
    from mtcheck.rewrite.verify import keep_rules

    def keep(*ids: str) -> frozenset[str]:
        return keep_rules(Settings(tables={"rewrite": {"keep_rules": list(ids)}}))

    assert keep("thousand-count") == {"thousand-count", "MTCHECK_RU_THOUSAND_DECIMAL"}
    assert keep("MTCHECK_RU_THOUSAND_DECIMAL") == {"thousand-count", "MTCHECK_RU_THOUSAND_DECIMAL"}
    assert keep("calque") == {"calque", *rules.get("calque").languagetool} and len(keep("calque")) > 2
    assert keep("MTCHECK_RU_RECALL", "year-calque") == {"MTCHECK_RU_RECALL", "year-calque"}  # no twin: just itself
    assert keep() == frozenset()
    text = "More than 1.3 thousand militants left, as reports Reuters."
    assert [p.rule_id for p in interference_problems(text, keep("MTCHECK_RU_THOUSAND_DECIMAL"))] == ["reporting-inversion"]
    assert expand_aliases(["MTCHECK_RU_AS_REPORTS"]) == {"MTCHECK_RU_AS_REPORTS", "reporting-inversion"}


# -- a rule added after the model was trained --------------------------------------------------------
# An id of its own: CONTRIBUTING's example rule (as-is-known), copied into the package, must not clash.
NEW_RULE = "fixture-as-is-known"
TEXT = "As is known, the talks failed."


@pytest.fixture
def new_rule(tmp_path, monkeypatch):
    """A rule registered at run time, as a new file would register it; the model was trained without it."""
    monkeypatch.setenv("MTCHECK_CACHE", str(tmp_path / "cache"))

    @rules.rule(NEW_RULE, category="calque", weight=2.0,
                message="“As is known” renders Russian “как известно”.", fix="Drop it.",
                examples=[(TEXT, "As is known, ", "", "The talks failed.")])
    def as_is_known(text: str):
        """'As is known, …': Russian 'как известно' opening a sentence."""
        for m in re.finditer(r"\b[Aa]s is known,?\s*", text):
            yield Match(m.start(), m.end(), suggestion="")

    yield rules.get(NEW_RULE)
    rules.unregister(NEW_RULE)
    assert rules.get(NEW_RULE) is None


def _detect(model: DetectorModel | None, text: str = TEXT):
    d = Detector(Settings(), signals=["interference"])
    if model is not None:
        d.model = model
    sentence = Sentence(index=0, start=0, end=len(text), text=text)
    return d.detect(Document("t.txt", text, "text", "utf-8"), [sentence]).findings[0]


def _with_weight(model: DetectorModel, feature: str, coef: float) -> DetectorModel:
    s = model.sentence
    sentence = LinearModel(features=s.features + (feature,), coef=s.coef + (coef,), intercept=s.intercept,
                           mean=s.mean + ((0.0,) if s.mean else ()), scale=s.scale + ((1.0,) if s.scale else ()))
    return dataclasses.replace(model, sentence=sentence)


def test_a_rule_the_model_has_no_weight_for_is_shown_marked_and_adds_nothing(new_rule):
    from mtcheck.detect.classifier import unweighted_rules

    trained = load_model()
    assert NEW_RULE in unweighted_rules(trained)
    finding = _detect(trained)
    [reason] = [r for r in finding.reasons if r.rule_id == NEW_RULE]
    assert reason.message == f"{new_rule.message} {UNWEIGHTED_NOTE}" and reason.weight == 0.0
    assert reason.suggestions == ("",) and TEXT[reason.start : reason.end] == "As is known, "
    rules.unregister(NEW_RULE)
    try:
        assert finding.score == pytest.approx(_detect(trained).score)  # the score is the model's alone
    finally:
        rules.register(new_rule)


def test_a_rule_the_model_weighs_is_shown_normally(new_rule):
    from mtcheck.detect.classifier import unweighted_rules

    trained = load_model()
    weighed = _with_weight(trained, new_rule.feature, 2.0)
    assert NEW_RULE not in unweighted_rules(weighed)
    finding = _detect(weighed)
    [reason] = [r for r in finding.reasons if r.rule_id == NEW_RULE]
    assert reason.message == new_rule.message and reason.weight == pytest.approx(2.0)
    assert finding.score > _detect(trained).score
    # The provisional model is built from the declarations, so it weighs the new rule at once.
    [reason] = [r for r in _detect(provisional_model()).reasons if r.rule_id == NEW_RULE]
    assert UNWEIGHTED_NOTE not in reason.message and reason.weight == 2.0


def test_mtcheck_check_shows_an_unweighted_rule_and_exits_normally(new_rule, tmp_path, monkeypatch, capsys):
    article = tmp_path / "article.txt"
    article.write_text(TEXT + "\n", encoding="utf-8")
    without = interference_model_file(tmp_path / "without.json", without=new_rule.feature)
    weighed = interference_model_file(tmp_path / "with.json")
    for model, marked in ((without, True), (weighed, False)):
        config = tmp_path / "mtcheck.toml"
        config.write_text(f'[detect]\nmodel = "{model}"\n', encoding="utf-8")
        code, out, err = run_main(monkeypatch, capsys, "check", str(article), "--no-rewrite", "--no-languagetool",
                                  "--format", "json", "--config", str(config), "--quiet")
        assert code in (0, 1), err  # never "internal error" (3)
        reasons = [r for doc in json.loads(out)["documents"] for s in doc["sentences"] for r in s["reasons"]]
        [reason] = [r for r in reasons if r["rule_id"] == NEW_RULE]
        assert (UNWEIGHTED_NOTE in reason["message"]) is marked
        assert (reason["weight"] == 0.0) is marked


def test_mtcheck_train_names_the_rules_it_weighs(new_rule, tmp_path, monkeypatch, capsys):
    import mtcheck.detect.train as train_module

    out = tmp_path / "detector"
    out.mkdir()
    interference_model_file(out / "model.json", without=new_rule.feature)

    def fake_train(target, data=None, signals=(), progress=None, **_):
        interference_model_file(target / "model.json")  # training gives every declared rule its weight
        (target / "provenance.json").write_text("{}")
        return {"metrics": {"auc": 1.0}}

    monkeypatch.setattr(train_module, "train", fake_train)
    code, stdout, stderr = run_main(monkeypatch, capsys, "train", "--out", str(out))
    assert code == 0, stderr
    assert f"the current model has no weight for 1 interference rule: {NEW_RULE} (this training weighs them)" in stderr
    assert f"weighted now: {NEW_RULE}" in stdout and "still without a weight" not in stdout
    # Trained again, nothing is left to weigh: nothing is said.
    code, stdout, stderr = run_main(monkeypatch, capsys, "train", "--out", str(out))
    assert code == 0 and "no weight" not in stderr and "weighted now" not in stdout
