"""``mtcheck eval rewrite`` end to end with a fake detector and a fake backend (or a fake
rewriter), its coverage numbers, its blind judge sheet, and its independent audit of numbers,
dates, names, negation and hedges."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from mtcheck.config import Settings
from mtcheck.evaluate.fact_audit import audit_dates, audit_values, fact_damage
from mtcheck.evaluate.rewrites import coverage
from mtcheck.registry import backends


def test_audit_reads_numbers_independently():
    assert audit_values("More than 1.3 thousand militants") == audit_values("More than 1,300 militants")
    assert audit_values("93% of Aleppo") == audit_values("93 percent of Aleppo")
    assert fact_damage("It lasted 48 hours.", "It lasted two days.")
    assert fact_damage("Lavrov met Kerry in Geneva.", "Lavrov met his counterpart in Geneva.")
    assert fact_damage("Lavrov met Kerry in Geneva.", "In Geneva, Lavrov met Kerry.") == []


def test_a_number_format_change_is_not_damage():
    assert fact_damage("Some 78 thousand people left.", "Some 78,000 people left.") == []
    assert fact_damage("More than 1.3 thousand militants left.", "More than 1,300 militants left.") == []
    assert fact_damage("Some 78 thousand people left.", "Some 87,000 people left.")
    assert fact_damage("Profit up to £7m in 60 minutes", "Profit up to £7 million in 60 minutes") == []
    assert fact_damage("It cost $3bn.", "It cost $3 billion.") == [] and fact_damage("It cost $3bn.", "It cost $3 million.")
    assert audit_values("He ran 7m.") == [7.0]  # without a currency sign "m" may be metres


def test_dates_are_one_value_whatever_their_format():
    same = ["The vote was held on 12.12.2016 in Moscow.", "The vote was held on December 12, 2016 in Moscow.",
            "The vote was held on 12 December 2016 in Moscow.", "The vote was held on 12th of December 2016 in Moscow."]
    assert {tuple(audit_dates(t)) for t in same} == {("2016-12-12",)}
    for a in same:
        for b in same:
            assert fact_damage(a, b) == [], (a, b)
    assert audit_values(same[0]) == audit_values(same[1]) == []  # the date's digits are not numbers
    changed = fact_damage(same[0], "The vote was held on December 21, 2016 in Moscow.")
    assert changed and changed[0].startswith("dates")
    assert fact_damage("He arrived on May 5.", "He arrived on 5 May.") == []
    assert any(p.startswith("dates") for p in fact_damage("He arrived on May 5, 2016.", "He arrived on May 5."))
    assert audit_dates("The talks may resume in March.") == ["?-03-?"]  # the modal "may" is not a month


def test_dropped_negation_is_damage():
    assert any("negation" in p for p in fact_damage("The army did not leave the city.", "The army left the city."))
    assert any("negation" in p for p in fact_damage("He never said that.", "He said that."))
    assert any("negation" in p for p in fact_damage("They left without weapons.", "They left with weapons."))
    assert any("negation" in p for p in fact_damage("There is no corridor.", "There is a corridor."))
    assert fact_damage("The army did not leave the city.", "The army didn't leave the city.") == []


def test_dropped_hedges_and_attribution_are_damage():
    assert any("hedge" in p for p in fact_damage("The talks may resume on Monday.", "The talks resume on Monday."))
    assert any("hedge" in p for p in fact_damage("The rebels reportedly left.", "The rebels left."))
    assert any("hedge" in p for p in fact_damage("According to Reuters, the rebels left.", "Reuters: the rebels left."))
    assert any("hedge" in p for p in fact_damage("The rebels left, the ministry said.", "The rebels left the ministry."))
    assert any("hedge" in p for p in fact_damage("He allegedly paid the bribe.", "He paid the bribe."))
    # Reworded, not dropped.
    assert fact_damage("As reports Reuters, the talks ended.", "As Reuters reports, the talks ended.") == []
    assert fact_damage("The talks may resume.", "The talks might resume.") == []
    assert fact_damage("According to Reuters, the talks ended.", "Reuters reported that the talks ended.") == []


class _Detector:
    def __init__(self, settings, services=None):
        pass

    def detect(self, document, sentences):
        from mtcheck.detect import DetectionResult
        from mtcheck.types import Finding, Reason

        def reasons(s):
            at = s.text.find("As reports")
            return (Reason("profile", "translationese-profile", "reads as translated", s.start, s.end),) if at >= 0 else ()

        findings = tuple(Finding(s, 0.9 if "reports" in s.text else 0.1, "reports" in s.text, reasons(s)) for s in sentences)
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


# -- coverage and the blind judge sheet, with a fake rewriter -----------------------------------

def _measured(text, accepted=True, resolved=(), remaining=(), generator="rules"):
    from mtcheck.rewrite.verify import Measured
    from mtcheck.types import Candidate, Check

    checks = () if accepted else (Check("numbers", False, "12 -> 21"),)
    return Measured(candidate=Candidate(generator, text, checks), resolved=tuple(resolved), remaining=tuple(remaining))


def _fake_rewriter(plan):
    """A Rewriter whose rewrite_texts returns ``plan[original sentence]`` (ranked Measured lists)."""
    from types import SimpleNamespace

    class _Rewriter:
        def __init__(self, settings, detector=None, services=None, backend=None):
            self._backend = SimpleNamespace(model_id="fake-rewriter:1")

        def rewrite_texts(self, document, sentences, targets, hints=None, sources=None):
            return [list(plan.get(f.sentence.text, [])) for f in targets]

    return _Rewriter


def _run(tmp_path, monkeypatch, rows, plan, *args):
    import mtcheck.cli.eval_rewrite  # noqa: F401 (registers the command)
    import mtcheck.config
    import mtcheck.detect
    import mtcheck.rewrite
    from mtcheck.cli import app

    monkeypatch.setenv("MTCHECK_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(mtcheck.detect, "Detector", _Detector)
    monkeypatch.setattr(mtcheck.rewrite, "Rewriter", _fake_rewriter(plan))
    monkeypatch.setattr(mtcheck.config, "load_settings", lambda path=None: Settings(tables={"rewrite": {"model_checks": False}}))
    data = tmp_path / "set.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    return CliRunner().invoke(app, ["eval", "rewrite", str(data), "--limit", "50", *args])


_FULL = "As reports Reuters, 12 thousand people left."
_PARTIAL = "As reports TASS, on the eve the talks ended."
_REJECTED = "As reports RIA, 3 thousand left."
_NOTHING = "As reports Interfax, the weather was fine."


def test_coverage_counts_suggestions_partial_ones_and_resolved_problems(tmp_path, monkeypatch):
    rows = [{"id": f"r{i}", "doc_id": "d", "doc_seg_id": i, "mt_en": t, "ref_en": t}
            for i, t in enumerate([_FULL, _PARTIAL, _REJECTED, _NOTHING, "The weather was fine."])]
    plan = {
        _FULL: [_measured("As Reuters reports, 12,000 people left.", resolved=("inversion", "thousand-count"))],
        _PARTIAL: [_measured("As TASS reports, on the eve the talks ended.", resolved=("inversion",), remaining=("on-the-eve",)),
                   _measured("TASS reports the talks ended.", accepted=False, resolved=("inversion", "on-the-eve"))],
        _REJECTED: [_measured("As RIA reports, 30,000 left.", accepted=False, resolved=("inversion",), remaining=("thousand-count",))],
        _NOTHING: [],
    }
    out = tmp_path / "out.json"
    result = _run(tmp_path, monkeypatch, rows, plan, "--json", str(out))
    assert result.exit_code == 0, result.output
    assert "suggestions: 2 of 4 flagged sentences (50.0%)" in result.output
    assert "partial: 1 of 2 suggestions leave a flagged problem" in result.output
    # Problems of every evaluated original: 2 + 2 + 2 + 0; resolved by the suggestions: 2 + 1.
    assert "flagged rule/LanguageTool spans gone from the suggestions: 3 of 6 (50.0%)" in result.output
    assert "over the sentences with a suggestion: 3 of 4 (75.0%)" in result.output
    assert "for context, never as a gate" in result.output
    numbers = json.loads(out.read_text(encoding="utf-8"))
    assert numbers["coverage"]["suggestions"] == 2 and numbers["coverage"]["problems"] == 6
    assert numbers["coverage"]["problems_resolved"] == 3 and numbers["coverage"]["partial"] == 1
    by_original = {r["original"]: r for r in numbers["rewrites"]}
    assert by_original[_PARTIAL]["resolved"] == ["inversion"] and by_original[_PARTIAL]["remaining"] == ["on-the-eve"]
    assert by_original[_FULL]["remaining"] == []
    assert by_original[_REJECTED]["rewrite"] is None and by_original[_REJECTED]["resolved"] is None
    assert by_original[_REJECTED]["problems"] == 2
    assert by_original[_PARTIAL]["candidates"][1]["resolved"] == ["inversion", "on-the-eve"]


def test_coverage_without_any_problem_counts_says_so():
    records = [{"rewrite": None, "problems": 0, "resolved": None, "remaining": None}]
    assert coverage(records)["problems_resolved_share"] is None
    assert coverage([])["suggestion_share"] is None


def test_audit_line_counts_dates_negation_and_hedges(tmp_path, monkeypatch):
    original = "As reports Reuters, the talks did not end on 12.12.2016."
    rows = [{"doc_id": "d", "doc_seg_id": 1, "mt_en": original, "ref_en": original}]
    plan = {original: [_measured("As Reuters reports, the talks ended on December 12, 2016."),
                       _measured("Reuters reports talks ended on 12 December 2016.", generator="llm")]}
    result = _run(tmp_path, monkeypatch, rows, plan)
    assert result.exit_code == 0, result.output
    assert "suggestions that change a number, date, name, negation or hedge (independent audit): 1 (raw LLM 1)" in result.output
    assert "negation dropped" in result.output and "dates" not in result.output.split("independent audit")[1]


_SENTENCES = [f"As reports Reuters, {n} thousand people left {place}." for n, place in
              zip(range(2, 12), ["Aleppo", "Idlib", "Homs", "Hama", "Raqqa", "Deir", "Palmyra", "Latakia", "Tartus", "Daraa"])]


def _sheet_run(tmp_path, monkeypatch, *args):
    rows = [{"id": f"wmt:{i}", "doc_id": f"d{i // 3}", "doc_seg_id": i, "mt_en": t, "ref_en": t.replace("As reports Reuters", "Reuters said")}
            for i, t in enumerate(_SENTENCES)]
    rows.append({"doc_id": "d9", "doc_seg_id": 1, "mt_en": "As reports Reuters, it rained.", "ref_en": "It rained."})  # no id
    plan = {t: [_measured(t.replace("As reports Reuters", "As Reuters reports"), resolved=("inversion",))] for t in _SENTENCES[:-1]}
    plan["As reports Reuters, it rained."] = [_measured("As Reuters reports, it rained.")]
    # The last sentence gets no suggestion: left out of the sheet, a tie by construction.
    return _run(tmp_path, monkeypatch, rows, plan, *args), rows, plan


def test_judge_sheet_is_blind_and_its_key_unblinds_it(tmp_path, monkeypatch):
    sheet = tmp_path / "judge" / "sheet.jsonl"
    result, rows, plan = _sheet_run(tmp_path, monkeypatch, "--judge-sheet", str(sheet))
    assert result.exit_code == 0, result.output
    assert "judge sheet: 10 pairs written" in result.output
    assert "1 evaluated sentences left out because the suggestion is the original (ties by construction)" in result.output
    lines = [json.loads(line) for line in sheet.read_text(encoding="utf-8").splitlines()]
    key = {k["id"]: k for k in map(json.loads, (tmp_path / "judge" / "sheet.key.jsonl").read_text(encoding="utf-8").splitlines())}
    assert len(lines) == len(key) == 10
    rubrics = {line["rubric"] for line in lines}
    assert len(rubrics) == 1 and "reference" in rubrics.pop()
    suggestions = {m[0].candidate.text for m in plan.values()}
    sides = []
    for line in lines:
        assert set(line) == {"id", "reference", "A", "B", "rubric"}  # nothing on the sheet says which is which
        side = key[line["id"]]["suggestion"]
        other = "B" if side == "A" else "A"
        assert line[side] in suggestions and line[other] not in suggestions and line[other].startswith("As reports")
        sides.append(side)
    assert sides.count("A") == sides.count("B") == 5  # the suggestion's side varies, balanced
    ids = [line["id"] for line in lines]
    assert ids[0] == "set:wmt:0" and ids[-1] == "set:10"  # file stem and row id, else the row's position
    assert lines[0]["reference"].startswith("Reuters said")


def test_same_seed_same_sheet_and_another_seed_another_order(tmp_path, monkeypatch):
    from mtcheck.evaluate.judging import assign_sides

    first, second, third = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "c.jsonl"
    assert _sheet_run(tmp_path, monkeypatch, "--judge-sheet", str(first))[0].exit_code == 0
    assert _sheet_run(tmp_path, monkeypatch, "--judge-sheet", str(second), "--judge-seed", "0")[0].exit_code == 0
    assert _sheet_run(tmp_path, monkeypatch, "--judge-sheet", str(third), "--judge-seed", "7")[0].exit_code == 0
    assert first.read_bytes() == second.read_bytes()
    assert (tmp_path / "a.key.jsonl").read_bytes() == (tmp_path / "b.key.jsonl").read_bytes()
    assert assign_sides(10, 0) != assign_sides(10, 7)
    assert first.read_bytes() != third.read_bytes()
    assert [json.loads(k)["suggestion"] for k in (tmp_path / "c.key.jsonl").read_text().splitlines()] == assign_sides(10, 7)


def test_judge_sheet_into_a_directory_is_an_input_error(tmp_path, monkeypatch):
    result, _, _ = _sheet_run(tmp_path, monkeypatch, "--judge-sheet", str(tmp_path))
    assert result.exit_code != 0
    assert "is a directory" in str(result.exception)


def test_an_acronym_spelled_out_is_the_same_name():
    assert fact_damage("They fought in Syria and the CAR.", "They fought in Syria and the Central African Republic.") == []
    assert fact_damage("They fought in Syria and the CAR.", "They fought in Syria and the Congo.") == ["names dropped: car"]


def test_a_named_slice_is_chosen_by_document_hash_and_mixes_systems():
    from mtcheck.evaluate.slices import named_slice

    held_out = named_slice("rewrite-heldout-2026-12")
    rows = [{"doc_id": f"doc{i}", "system": system} for i in range(400) for system in held_out.systems + ("ALMAnaCH-Inria",)]
    chosen = held_out.select(rows)
    docs = {r["doc_id"] for r in chosen}
    # about a quarter of the documents, each exactly once (one system's output), never the tuned system
    assert 60 < len(docs) < 140 and len(chosen) == len(docs)
    assert not any(r["system"] == "ALMAnaCH-Inria" for r in chosen)
    assert len({r["system"] for r in chosen}) == len(held_out.systems)
    assert held_out.select(rows) == chosen


def test_a_later_slice_never_takes_the_documents_an_earlier_one_looked_at():
    from mtcheck.evaluate.slices import named_slice

    earlier, later = named_slice("rewrite-heldout-2026-12"), named_slice("rewrite-fresh-2026-12b")
    rows = [{"doc_id": f"doc{i}", "system": system} for i in range(400) for system in earlier.systems]
    seen = {r["doc_id"] for r in earlier.select(rows)}
    fresh = {r["doc_id"] for r in later.select(rows)}
    assert fresh and not fresh & seen
    assert 80 < len(fresh) < 220  # half of the documents the earlier slice left


def test_the_last_fresh_slice_takes_every_document_no_earlier_slice_took():
    from mtcheck.evaluate.slices import named_slice

    first, second, last = (named_slice(n) for n in ("rewrite-heldout-2026-12", "rewrite-fresh-2026-12b", "rewrite-fresh-2026-12c"))
    ids = [f"doc{i}" for i in range(400)]
    taken = {d for d in ids if first.system_for(d) or second.system_for(d)}
    assert {d for d in ids if last.system_for(d)} == set(ids) - taken


def test_a_slice_of_a_one_system_file_takes_every_document_but_the_skipped_ones():
    from mtcheck.evaluate.slices import named_slice

    chosen = named_slice("rewrite-fresh-2026-12d")
    rows = [{"doc_id": "https://www.reddit.com/r/x/1", "mt_en": "a"}, {"doc_id": "https://ru.wikiquote.org/wiki/P", "mt_en": "b"}]
    assert chosen.select(rows) == rows[:1]


def test_the_training_split_slice_takes_a_quarter_of_its_reddit_documents():
    from mtcheck.evaluate.slices import named_slice

    chosen = named_slice("rewrite-fresh-2026-12e")
    assert chosen.data_file == "mlqepe_ruen_train.jsonl"
    reddit = [{"doc_id": f"https://www.reddit.com/r/x/{i}", "mt_en": "a"} for i in range(400)]
    wikiquote = [{"doc_id": f"https://ru.wikiquote.org/wiki/{i}", "mt_en": "b"} for i in range(400)]
    taken = chosen.select(reddit + wikiquote)
    assert 70 < len(taken) < 130 and all("reddit" in r["doc_id"] for r in taken)


def test_the_next_training_split_slice_never_takes_a_document_of_the_first():
    from mtcheck.evaluate.slices import named_slice

    first, second = named_slice("rewrite-fresh-2026-12e"), named_slice("rewrite-fresh-2026-12f")
    reddit = [{"doc_id": f"https://www.reddit.com/r/x/{i}", "mt_en": "a"} for i in range(600)]
    taken = {r["doc_id"] for r in second.select(reddit)}
    assert taken and not taken & {r["doc_id"] for r in first.select(reddit)}
    assert 100 < len(taken) < 200  # a third of the three quarters left
    third = {r["doc_id"] for r in named_slice("rewrite-fresh-2026-12g").select(reddit)}
    assert third and not third & (taken | {r["doc_id"] for r in first.select(reddit)})
    fourth = {r["doc_id"] for r in named_slice("rewrite-fresh-2026-12h").select(reddit)}
    earlier = taken | third | {r["doc_id"] for r in first.select(reddit)}
    assert fourth and not fourth & earlier and fourth | earlier == {r["doc_id"] for r in reddit}


def test_an_unknown_slice_or_another_file_is_one_input_error(tmp_path):
    from mtcheck.errors import InputError
    from mtcheck.evaluate.rewrites import read_rows
    from mtcheck.evaluate.slices import named_slice

    with pytest.raises(InputError, match="unknown evaluation slice"):
        named_slice("no-such-slice")
    other = tmp_path / "other.jsonl"
    other.write_text('{"mt_en": "a", "ref_en": "b", "doc_id": "d", "system": "SRPOL"}\n', encoding="utf-8")
    with pytest.raises(InputError, match="defined on wmt22_ruen_news.jsonl"):
        read_rows(other, "mt_en", "ref_en", None, 0, "rewrite-heldout-2026-12")
