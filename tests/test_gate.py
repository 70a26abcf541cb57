"""Publication gating: fingerprints, baselines, inline suppression, exit codes, changed-only."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import replace

import pytest

from mtcheck import gate
from mtcheck.errors import InputError
from mtcheck.types import Document, DocumentResult, Finding, Sentence
from test_report_helpers import build_result


def test_fingerprint_is_stable_and_specific():
    a = gate.fingerprint("news/story.md", "On the eve  the minister\nsaid \u201cyes\u201d.")
    assert a == gate.fingerprint("./news/story.md", 'On the eve the minister said "yes".')
    assert a != gate.fingerprint("news/other.md", 'On the eve the minister said "yes".')
    assert a != gate.fingerprint("news/story.md", 'On the eve the minister said "no".')
    assert len(a) == 32 and int(a, 16) >= 0
    # Baselines in the wild hold these values: the function may move, its values must not.
    assert a == "841c296272be6aa3c8b502c5d9fe88a9"


# --- exit codes -------------------------------------------------------------------------


def _with(result: DocumentResult, **by_index) -> DocumentResult:
    return replace(result, findings=tuple(replace(f, **by_index[str(f.sentence.index)]) if str(f.sentence.index) in by_index else f
                                          for f in result.findings))


def test_exit_code_for_every_fail_on_level():
    result = build_result()  # error, warning, info, warning flagged
    assert [gate.exit_code([result], level) for level in ("none", "info", "warning", "error")] == [0, 1, 1, 1]
    only_info = replace(result, findings=tuple(f for f in result.findings if f.severity in ("info", "none")))
    assert [gate.exit_code([only_info], level) for level in ("none", "info", "warning", "error")] == [0, 1, 0, 0]
    only_warning = replace(result, findings=tuple(f for f in result.findings if f.severity in ("warning", "none")))
    assert [gate.exit_code([only_warning], level) for level in ("none", "info", "warning", "error")] == [0, 1, 1, 0]
    clean = replace(result, findings=tuple(f for f in result.findings if not f.flagged))
    assert [gate.exit_code([clean], level) for level in ("none", "info", "warning", "error")] == [0, 0, 0, 0]
    assert gate.exit_code([], "info") == 0
    with pytest.raises(InputError):
        gate.exit_code([result], "fatal")


def test_suppressed_findings_do_not_fail():
    result = build_result()
    suppressed = replace(result, findings=tuple(replace(f, suppressed="baseline") if f.flagged else f for f in result.findings))
    assert gate.exit_code([suppressed], "info") == 0


def test_max_flagged_ratio():
    result = build_result()  # 4 of 6 prose sentences flagged
    only_info = replace(result, findings=tuple(f if f.severity != "error" and f.severity != "warning" else replace(f, severity="info")
                                               for f in result.findings))
    assert gate.flagged_ratio(only_info) == pytest.approx(4 / 6)
    assert gate.exit_code([only_info], "error", max_flagged_ratio=0.5) == 1
    assert gate.exit_code([only_info], "error", max_flagged_ratio=0.7) == 0
    assert gate.exit_code([only_info], "error", max_flagged_ratio=4 / 6) == 0  # "exceeds", not "reaches"
    assert gate.exit_code([only_info], "error") == 0
    assert gate.exit_code([only_info], "none", max_flagged_ratio=0.1) == 0  # none is report-only
    boiler = replace(only_info, findings=tuple(replace(f, sentence=replace(f.sentence, kind="boilerplate")) for f in only_info.findings))
    assert gate.flagged_ratio(boiler) == 0.0


# --- baseline ---------------------------------------------------------------------------


def test_baseline_round_trip(tmp_path):
    result = build_result()
    chosen = [f for f in result.findings if f.flagged][:2]
    document = gate.baseline_document((f.fingerprint, result.document.path, f.sentence.text, "accepted") for f in chosen)
    path = tmp_path / gate.BASELINE_FILENAME
    path.write_text(json.dumps(document), encoding="utf-8")
    fingerprints = gate.load_baseline(path)
    assert fingerprints == {f.fingerprint for f in chosen}
    applied = gate.apply_baseline([result], fingerprints)[0]
    assert [f.suppressed for f in applied.findings if f.flagged] == ["baseline", "baseline", None, None]
    assert len(applied.flagged) == 2
    # Unflagged sentences are never marked, even with a matching fingerprint.
    everything = gate.apply_baseline([result], {f.fingerprint for f in result.findings})[0]
    assert all(f.suppressed is None for f in everything.findings if not f.flagged)
    assert gate.exit_code(gate.apply_baseline([result], {f.fingerprint for f in result.findings}), "info") == 0


def test_baseline_matches_findings_without_a_precomputed_fingerprint(tmp_path):
    result = build_result()
    bare = replace(result, findings=tuple(replace(f, fingerprint="") for f in result.findings))
    wanted = gate.fingerprint(result.document.path, result.findings[0].sentence.text)
    applied = gate.apply_baseline([bare], {wanted})[0]
    assert applied.findings[0].suppressed == "baseline"


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "not valid JSON"),
        ("[]", "not an mtcheck baseline"),
        ('{"version": 2, "findings": []}', "not an mtcheck baseline"),
        ('{"version": 1, "findings": [{"path": "a"}]}', "finding 1 has no fingerprint"),
        ('{"version": 1, "findings": [{"fingerprint": "ab", "decision": "maybe"}]}', "decision 'maybe'"),
    ],
)
def test_malformed_baseline_is_an_input_error(tmp_path, content, message):
    path = tmp_path / "b.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        gate.load_baseline(path)


def test_missing_baseline_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="not found"):
        gate.load_baseline(tmp_path / "nope.json")


# --- inline suppression -----------------------------------------------------------------


def _markdown_result(text: str, sentences: list[str]) -> DocumentResult:
    findings = []
    for index, sentence in enumerate(sentences):
        start = text.index(sentence)
        s = Sentence(index=index, start=start, end=start + len(sentence), text=sentence)
        findings.append(Finding(sentence=s, score=0.9, flagged=True, severity="error", fingerprint=gate.fingerprint("a.md", sentence)))
    return DocumentResult(Document("a.md", text, "markdown", "utf-8"), tuple(findings), 0.9)


def test_inline_suppression_comments():
    text = (
        "First bad sentence.\n"
        "<!-- mtcheck-disable-next-line -->\n"
        "\n"
        "Second bad sentence. Third on the same line.\n"
        "Fourth bad sentence.\n"
        "<!--mtcheck-disable-->\n"
        "Fifth bad sentence.\n\nSixth bad sentence.\n"
        "<!-- mtcheck-enable -->\n"
        "Seventh bad sentence.\n"
        "<!-- MTCHECK-DISABLE -->\n"
        "Eighth bad sentence.\n"
    )
    names = ["First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth"]
    sentences = [f"{n} bad sentence." if n != "Third" else "Third on the same line." for n in names]
    result = gate.apply_inline_suppressions([_markdown_result(text, sentences)])[0]
    assert [f.suppressed for f in result.findings] == [None, "inline", "inline", None, "inline", "inline", None, "inline"]
    assert [f.sentence.text.split()[0] for f in result.flagged] == ["First", "Fourth", "Seventh"]


def test_inline_suppression_keeps_baseline_marks_and_plain_documents():
    text = "<!-- mtcheck-disable-next-line -->\nBad sentence.\n"
    result = _markdown_result(text, ["Bad sentence."])
    marked = replace(result, findings=tuple(replace(f, suppressed="baseline") for f in result.findings))
    assert gate.apply_inline_suppressions([marked])[0].findings[0].suppressed == "baseline"
    plain = build_result()
    assert gate.apply_inline_suppressions([plain])[0] == plain


# --- changed-only -----------------------------------------------------------------------

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _git(repo, *args):
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path):
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "config", "user.email", "test@example.invalid")
    _git(tmp_path, "config", "user.name", "test")
    _git(tmp_path, "config", "commit.gpgsign", "false")
    (tmp_path / "story.md").write_text("Line one stays.\nLine two stays.\nLine three stays.\nLine four stays.\n", encoding="utf-8")
    _git(tmp_path, "add", "story.md")
    _git(tmp_path, "commit", "-q", "-m", "first")
    return tmp_path


def _line_result(path, text: str) -> DocumentResult:
    findings = []
    offset = 0
    for index, line in enumerate(text.splitlines(keepends=True)):
        body = line.rstrip("\n")
        s = Sentence(index=index, start=offset, end=offset + len(body), text=body)
        findings.append(Finding(sentence=s, score=0.9, flagged=True, severity="error"))
        offset += len(line)
    return DocumentResult(Document(str(path), text, "text", "utf-8"), tuple(findings), 0.9)


@needs_git
def test_changed_only_keeps_sentences_on_changed_lines(repo):
    story = repo / "story.md"
    text = "Line one stays.\nLine two CHANGED.\nLine three stays.\nA new line four.\nLine four stays.\n"
    story.write_text(text, encoding="utf-8")
    ranges = gate.changed_line_ranges(str(story), "HEAD")
    assert ranges == [(2, 2), (4, 4)]
    kept = gate.keep_changed(_line_result(story, text), ranges)
    assert [f.sentence.text for f in kept.findings] == ["Line two CHANGED.", "A new line four."]
    # Committed: nothing changed against HEAD, everything against the first commit's parent-free ref.
    _git(repo, "commit", "-q", "-am", "second")
    assert gate.changed_line_ranges(str(story), "HEAD") == []
    assert gate.keep_changed(_line_result(story, text), []).findings == ()
    assert gate.changed_line_ranges(str(story), "HEAD~1") == [(2, 2), (4, 4)]


@needs_git
def test_changed_only_untracked_file_counts_as_all_changed(repo):
    new = repo / "new.md"
    new.write_text("Brand new.\n", encoding="utf-8")
    assert gate.changed_line_ranges(str(new), "HEAD") is None
    result = _line_result(new, "Brand new.\n")
    assert gate.keep_changed(result, None) == result


@needs_git
def test_changed_only_errors(repo, tmp_path_factory):
    with pytest.raises(InputError, match="unknown git ref 'no-such-ref'"):
        gate.changed_line_ranges(str(repo / "story.md"), "no-such-ref")
    outside = tmp_path_factory.mktemp("plain") / "a.md"
    outside.write_text("x\n", encoding="utf-8")
    with pytest.raises(InputError, match="not in a git repository"):
        gate.changed_line_ranges(str(outside), "HEAD")
    with pytest.raises(InputError, match="standard input"):
        gate.changed_line_ranges("-", "HEAD")


def test_multi_line_sentence_overlap():
    text = "Alpha beta\ngamma delta.\nOther.\n"
    s = Sentence(index=0, start=0, end=23, text="Alpha beta\ngamma delta.")
    result = DocumentResult(Document("x.md", text, "text", "utf-8"), (Finding(sentence=s, score=0.9, flagged=True, severity="error"),), 0.9)
    assert gate.keep_changed(result, [(2, 2)]).findings  # changed second line of a two-line sentence
    assert not gate.keep_changed(result, [(3, 3)]).findings


# --- the per-article decision -------------------------------------------------------------

from mtcheck.config_tables import GateConfig  # noqa: E402


def _article(flags: list[bool], score: float, severity: str = "warning") -> DocumentResult:
    text = " ".join(f"Sentence number {i} is here." for i in range(len(flags)))
    sentences, at = [], 0
    for i in range(len(flags)):
        body = f"Sentence number {i} is here."
        sentences.append(Sentence(index=i, start=at, end=at + len(body), text=body))
        at += len(body) + 1
    findings = tuple(Finding(sentence=s, score=0.95 if f else 0.1, flagged=f, severity=severity if f else "none")
                     for s, f in zip(sentences, flags))
    return DocumentResult(document=Document(path="a.txt", text=text, format="text", encoding="utf-8"), findings=findings, score=score)


def test_an_english_article_with_one_odd_sentence_passes_and_the_sentence_is_still_reported():
    one_odd = _article([False] * 14 + [True], score=0.4)
    results, code = gate.finish([one_odd], gate.FinishOptions())
    decided = results[0]
    assert code == 0 and decided.gate is not None and not decided.gate.fail
    assert "1 of 15 sentences" in decided.gate.why and "reported at info" in decided.gate.why
    assert [f.severity for f in decided.findings if f.flagged] == ["info"]  # reported, below --fail-on warning
    # the older rule, any flagged sentence at --fail-on, is still there by setting
    _, code = gate.finish([one_odd], gate.FinishOptions(policy=GateConfig(mode="sentence")))
    assert code == 1
    _, code = gate.finish([one_odd], gate.FinishOptions(fail_on="info"))
    assert code == 1  # asking for info-level failures still fails on the reported sentence


def test_an_article_that_reads_as_translated_throughout_fails_with_why():
    translated = _article([True] * 12 + [False], score=0.999)
    results, code = gate.finish([translated], gate.FinishOptions())
    assert code == 1 and results[0].gate.fail
    assert "12 of 13 sentences read as translated" in results[0].gate.why
    assert {f.severity for f in results[0].findings if f.flagged} == {"warning"}  # a failing article keeps its levels
    _, code = gate.finish([translated], gate.FinishOptions(fail_on="none"))
    assert code == 0  # report-only mode never fails


def test_the_document_score_alone_fails_an_article_with_a_flagged_sentence():
    policy = GateConfig(share_low=0.9, document_score=0.95)
    assert gate.article_decision(2, 10, 0.97, policy).fail
    assert "document score 0.970" in gate.article_decision(2, 10, 0.97, policy).why
    assert gate.article_decision(0, 10, 0.99, policy).fail  # weak evidence throughout adds up
    assert not gate.article_decision(2, 10, 0.5, policy).fail
    assert gate.article_decision(0, 0, 0.0, policy).why == "no prose to judge"


def test_a_baseline_takes_accepted_sentences_out_of_the_gate():
    translated = _article([True] * 6, score=0.2)
    assert gate.finish([translated], gate.FinishOptions())[1] == 1
    accepted = frozenset(gate.finding_fingerprint(translated.document.path, f) for f in translated.findings)
    results, code = gate.finish([translated], gate.FinishOptions(baseline=accepted))
    assert code == 0 and not results[0].gate.fail and "6 flagged sentence(s) are accepted" in results[0].gate.why


def test_an_error_entry_has_no_decision_and_exit_two():
    results, code = gate.finish([DocumentResult.failed("bad.txt", "bad.txt: empty file")], gate.FinishOptions())
    assert code == 2 and results[0].gate is None
