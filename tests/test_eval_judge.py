"""``mtcheck eval judge``: un-blinding a judged A/B sheet, its counts, and one-line errors."""

from __future__ import annotations

import json
import sys

import pytest

from mtcheck.evaluate.judging import RUBRIC, assign_sides, key_path_for, sign_test, wilson, write_judge_sheet

# (id, original, suggestion): the judge below prefers what the test says, by content, not by letter.
PAIRS = [
    ("s:1", "As reports Reuters, the talks ended.", "As Reuters reports, the talks ended."),
    ("s:2", "More than 1.3 thousand militants left.", "More than 1,300 militants left."),
    ("s:3", "On the eve the minister said so.", "The day before, the minister said so."),
    ("s:4", "The rebels will be able to leave the city the corridors.", "The rebels will be able to leave the city."),
    ("s:5", "He did not sign it.", "He signed it."),
]
# id -> (preferred version, suggestion has a meaning error, original has a meaning error)
VERDICTS = {
    "s:1": ("suggestion", False, False),
    "s:2": ("suggestion", False, False),
    "s:3": ("tie", False, False),
    "s:4": ("original", True, False),   # dropped "the corridors"
    "s:5": ("original", True, False),   # dropped the negation
}


def _sheet(tmp_path, seed=0):
    sheet = tmp_path / "sheet.jsonl"
    write_judge_sheet(sheet, [{"id": i, "original": o, "suggestion": s, "reference": o, "generator": "llm"}
                              for i, o, s in PAIRS], seed=seed)
    return sheet


def _answers(tmp_path, sheet, verdicts=VERDICTS, extra=None, drop=()):
    """Answers as a blind judge would give them: by letter, found from the texts on the sheet."""
    suggestion_of = {i: s for i, _, s in PAIRS}
    lines = []
    for line in map(json.loads, sheet.read_text(encoding="utf-8").splitlines()):
        if line["id"] in drop:
            continue
        preferred, s_err, o_err = verdicts[line["id"]]
        s_side = "A" if line["A"] == suggestion_of[line["id"]] else "B"
        o_side = "B" if s_side == "A" else "A"
        letter = {"suggestion": s_side, "original": o_side, "tie": "tie"}[preferred]
        lines.append({"id": line["id"], "preferred": letter, f"meaning_error_{s_side}": s_err,
                      f"meaning_error_{o_side}": o_err, "note": f"judged {line['id']}"})
    lines.extend(extra or [])
    answers = tmp_path / "answers.jsonl"
    answers.write_text("\n".join(json.dumps(a) for a in lines) + "\n", encoding="utf-8")
    return answers


def _main(monkeypatch, capsys, *args):
    from mtcheck.cli import main

    monkeypatch.setattr(sys, "argv", ["mtcheck", "eval", "judge", *map(str, args)])
    with pytest.raises(SystemExit) as done:
        main()
    captured = capsys.readouterr()
    return (done.value.code or 0), captured.out, captured.err


def test_key_sits_next_to_the_sheet():
    from pathlib import Path

    assert key_path_for(Path("out/sheet.jsonl")) == Path("out/sheet.key.jsonl")
    assert key_path_for(Path("sheet.txt")) == Path("sheet.txt.key.jsonl")


def test_sides_are_balanced_and_seeded():
    assert assign_sides(10, 0) == assign_sides(10, 0)
    assert sorted(assign_sides(10, 3)) == ["A"] * 5 + ["B"] * 5
    assert len(assign_sides(7, 1)) == 7 and abs(assign_sides(7, 1).count("A") - 3.5) == 0.5
    assert assign_sides(0, 0) == []


def test_sheet_carries_no_key(tmp_path):
    sheet = _sheet(tmp_path)
    for line in map(json.loads, sheet.read_text(encoding="utf-8").splitlines()):
        assert set(line) == {"id", "reference", "A", "B", "rubric"} and line["rubric"] == RUBRIC
    key = [json.loads(k) for k in key_path_for(sheet).read_text(encoding="utf-8").splitlines()]
    assert {k["suggestion"] for k in key} == {"A", "B"}


def test_judge_unblinds_and_counts(tmp_path, monkeypatch, capsys):
    for seed in (0, 1, 2):  # whatever the letters, the verdicts come out the same
        sheet = _sheet(tmp_path, seed)
        answers = _answers(tmp_path, sheet)
        out_json = tmp_path / "judged.json"
        code, out, err = _main(monkeypatch, capsys, sheet, answers, "--json", out_json)
        assert code == 0, err
        assert "5 pairs judged" in out
        assert "suggestion preferred: 2, original preferred: 2, ties: 1" in out
        assert "suggestion preferred in 50.0% of 4 non-tied pairs" in out
        assert "tie rate: 20.0%" in out
        assert "meaning errors: suggestions 2 of 5 (40.0%), originals 0 of 5 (0.0%)" in out
        # The losses and the meaning errors are listed with their texts, s:1-s:3 are not.
        assert "s:4: original preferred, meaning error in the suggestion" in out
        assert "suggestion: He signed it." in out and "original:   He did not sign it." in out
        assert "s:1:" not in out and "s:3:" not in out
        numbers = json.loads(out_json.read_text(encoding="utf-8"))
        assert (numbers["suggestion_preferred"], numbers["original_preferred"], numbers["ties"]) == (2, 2, 1)
        assert numbers["suggestion_preference_rate"] == 0.5 and numbers["tie_rate"] == 0.2
        assert numbers["suggestion_meaning_error_rate"] == 0.4 and numbers["original_meaning_error_rate"] == 0.0
        assert {d["id"]: d["verdict"] for d in numbers["details"]} == {i: v[0] for i, v in VERDICTS.items()}


def test_judge_takes_a_key_elsewhere(tmp_path, monkeypatch, capsys):
    sheet = _sheet(tmp_path)
    answers = _answers(tmp_path, sheet)
    moved = tmp_path / "private" / "k.jsonl"
    moved.parent.mkdir()
    key_path_for(sheet).rename(moved)
    code, _, err = _main(monkeypatch, capsys, sheet, answers)
    assert code == 2 and "no such key file" in err and len(err.strip().splitlines()) == 1
    code, out, err = _main(monkeypatch, capsys, sheet, answers, "--key", moved)
    assert code == 0, err
    assert "suggestion preferred: 2, original preferred: 2, ties: 1" in out


@pytest.mark.parametrize("case, message", [
    ("missing", "have no answer"),
    ("unknown id", "unknown id 's:99'"),
    ("duplicate", "a second answer"),
    ("bad preferred", "'preferred' must be"),
    ("string bool", "'meaning_error_A' must be true or false"),
    ("unknown field", "unknown field 'meaning_error_a'"),
    ("not json", "not a JSON line"),
])
def test_bad_answers_exit_2_with_one_line(tmp_path, monkeypatch, capsys, case, message):
    sheet = _sheet(tmp_path)
    if case == "missing":
        answers = _answers(tmp_path, sheet, drop=("s:3",))
    elif case == "unknown id":
        answers = _answers(tmp_path, sheet, extra=[{"id": "s:99", "preferred": "A", "meaning_error_A": False, "meaning_error_B": False}])
    elif case == "duplicate":
        answers = _answers(tmp_path, sheet, extra=[{"id": "s:1", "preferred": "A", "meaning_error_A": False, "meaning_error_B": False}])
    else:
        answers = _answers(tmp_path, sheet, drop=("s:1",))
        bad = {"bad preferred": {"id": "s:1", "preferred": "both", "meaning_error_A": False, "meaning_error_B": False},
               "string bool": {"id": "s:1", "preferred": "A", "meaning_error_A": "false", "meaning_error_B": False},
               "unknown field": {"id": "s:1", "preferred": "A", "meaning_error_a": False, "meaning_error_B": False},
               "not json": None}[case]
        with answers.open("a", encoding="utf-8") as fh:
            fh.write((json.dumps(bad) if bad is not None else "{not json") + "\n")
    code, out, err = _main(monkeypatch, capsys, sheet, answers)
    assert code == 2, (out, err)
    assert err.startswith("mtcheck: error: ") and message in err, err
    assert len(err.strip().splitlines()) == 1


def test_a_key_from_another_sheet_is_refused(tmp_path, monkeypatch, capsys):
    sheet = _sheet(tmp_path)
    answers = _answers(tmp_path, sheet)
    other = tmp_path / "other.key.jsonl"
    other.write_text(json.dumps({"id": "x:1", "suggestion": "A"}) + "\n", encoding="utf-8")
    code, _, err = _main(monkeypatch, capsys, sheet, answers, "--key", other)
    assert code == 2 and "does not belong to this sheet" in err and len(err.strip().splitlines()) == 1


def test_missing_answers_file_is_an_input_error(tmp_path, monkeypatch, capsys):
    sheet = _sheet(tmp_path)
    code, _, err = _main(monkeypatch, capsys, sheet, tmp_path / "none.jsonl")
    assert code == 2 and "no such answers file" in err


def test_interval_and_sign_test():
    assert sign_test(0, 0) is None and wilson(0, 0) is None
    assert sign_test(5, 5) == 1.0
    assert sign_test(10, 0) == pytest.approx(2 / 1024, abs=1e-4)
    low, high = wilson(8, 10)
    assert 0.4 < low < 0.8 < high < 1.0


def test_the_would_publish_question_gives_the_fixed_share(tmp_path, monkeypatch, capsys):
    # Fixed: the judge would publish the suggestion and not the original, and its meaning is kept.
    # s:1 and s:2 are fixed; s:3 both publishable (not fixed); s:4 publishable but a meaning error.
    publish = {"s:1": (True, False), "s:2": (True, False), "s:3": (True, True), "s:4": (True, False),
               "s:5": (False, True)}
    sheet = _sheet(tmp_path, 1)
    answers = _answers(tmp_path, sheet)
    suggestion_of = {i: s for i, _, s in PAIRS}
    rows = [json.loads(line) for line in answers.read_text(encoding="utf-8").splitlines()]
    letters = {line["id"]: ("A" if line["A"] == suggestion_of[line["id"]] else "B")
               for line in map(json.loads, sheet.read_text(encoding="utf-8").splitlines())}
    for row in rows:
        s_side = letters[row["id"]]
        o_side = "B" if s_side == "A" else "A"
        row[f"publish_{s_side}"], row[f"publish_{o_side}"] = publish[row["id"]]
    answers.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    out_json = tmp_path / "judged.json"
    code, out, err = _main(monkeypatch, capsys, sheet, answers, "--flagged", "10", "--json", out_json)
    assert code == 0, err
    assert "fixed (the judge would publish the suggestion, not the original, meaning kept): 2 of 5 pairs (40.0%), " \
           "20.0% of 10 flagged sentences" in out
    numbers = json.loads(out_json.read_text(encoding="utf-8"))
    assert (numbers["fixed"], numbers["fixed_share_of_pairs"], numbers["fixed_share_of_flagged"]) == (2, 0.4, 0.2)
    assert {d["id"] for d in numbers["details"] if d["fixed"]} == {"s:1", "s:2"}
    assert "publish_A / publish_B" in RUBRIC


def test_answers_without_the_publish_question_still_count(tmp_path, monkeypatch, capsys):
    sheet = _sheet(tmp_path)
    code, out, err = _main(monkeypatch, capsys, sheet, _answers(tmp_path, sheet))
    assert code == 0, err
    assert "fixed: n/a (the answers have no publish_A / publish_B)" in out


def test_a_publish_answer_must_be_a_boolean(tmp_path, monkeypatch, capsys):
    sheet = _sheet(tmp_path)
    answers = _answers(tmp_path, sheet)
    rows = [json.loads(line) for line in answers.read_text(encoding="utf-8").splitlines()]
    rows[0]["publish_A"] = "yes"
    answers.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    code, out, err = _main(monkeypatch, capsys, sheet, answers)
    assert code == 2 and "'publish_A' must be true or false" in err and "Traceback" not in err
