"""Hardening, issue 12 item 6: an accepted input must finish in bounded memory.

* The detector holds the features of one batch of prose sentences at a time (``BATCH_SENTENCES``),
  cut between paragraphs, and a batched run gives the same findings and document score as one
  batch; a paragraph longer than a batch reaches LanguageTool in pieces, never whole per batch.
* The pipeline streams documents: each is loaded, checked and let go before the next is read.
* A "sentence" without punctuation is cut at ``MAX_SENTENCE_CHARS``; adversarial markup loads.
* The default ``--max-bytes`` is one number everywhere, and a larger input is one line, exit 2.
* Progress: one line on a terminal, updated in place and erased; nothing in pipes or on stdout.

Speed and memory figures are measured by ``benchmarks/bench_sizes.py``, not asserted here.
"""

from __future__ import annotations

import io
import json
import re
import time
from types import SimpleNamespace

import pytest

import mtcheck.detect.batching as batching
import mtcheck.pipeline as pipeline_module
from conftest import SEED_MT, SEED_REF, error_line, run_main
from mtcheck.config import Settings
from mtcheck.detect import Detector, batch_document, prose_batches
from mtcheck.errors import InputError
from mtcheck.load import load_document, load_text
from mtcheck.pipeline import CheckOptions, Pipeline
from mtcheck.segment import MAX_SENTENCE_CHARS, segment
from mtcheck.services.factory import Services
from mtcheck.services.languagetool import LTMatch
from mtcheck.types import DocumentResult, Finding

LIGHT = ("--no-rewrite", "--no-languagetool")
MT = "As reports Reuters, more than 1.3 thousand militants laid down arms, said RIA “Novosti”."
CLEAN = "The United States and Russia on Sunday tabled a proposal to rebels in Aleppo."


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.setenv("MTCHECK_CACHE", str(tmp_path / "cache"))
    return Settings()


def long_article(paragraphs: int = 40) -> str:
    body = []
    for i in range(paragraphs):
        body.append(f"{MT} Officials met {i} times on Monday. {CLEAN} The talks went on for {i + 2} hours.")
    return "\n\n".join(body) + "\n"


class FakeLanguageTool:
    """Finds "reports Reuters" by string search and records every text it is sent."""

    def __init__(self):
        self.sent: list[str] = []

    def check_paragraphs(self, texts):
        self.sent.extend(texts)
        return [[LTMatch(m.start(), 15, "MTCHECK_RU_AS_REPORTS", "MTCHECK_RU", "grammar", "word order", ("Reuters reports",))
                 for m in re.finditer("reports Reuters", text)] for text in texts]


# --------------------------------------------------------------------------- batches


def test_batches_are_bounded_and_end_between_paragraphs():
    sentences = segment(load_text(long_article(40)))
    prose = [s for s in sentences if s.kind == "prose"]
    batches = list(prose_batches(prose, 10))
    assert [i for b in batches for i in range(*b)] == list(range(len(prose)))  # every sentence once, in order
    for start, stop in batches:
        assert 0 < stop - start <= 10
        if stop < len(prose):
            assert prose[stop].block != prose[stop - 1].block  # a paragraph is never split when it fits
    assert batch_document(None, prose, 0, 4) is None


def test_a_paragraph_longer_than_a_batch_is_cut_and_narrowed():
    text = " ".join(f"{MT} The talks went on for {i} hours." for i in range(30))  # one paragraph, 60 sentences
    document = load_text(text + "\n")
    prose = [s for s in segment(document) if s.kind == "prose"]
    assert len({s.block for s in prose}) == 1
    batches = list(prose_batches(prose, 8))
    assert all(stop - start <= 8 for start, stop in batches) and len(batches) >= 8
    for start, stop in batches:
        view = batch_document(document, prose, start, stop)
        block = view.blocks[prose[start].block]
        assert block.start == prose[start].start and block.end == prose[stop - 1].end
        assert document.text[block.start:block.end] == block.text  # still a slice of the document
    html = load_text("<p>" + text.replace("Reuters", "<b>Reuters</b>") + "</p>", "a.html", "html")
    prose = [s for s in segment(html) if s.kind == "prose"]
    for start, stop in prose_batches(prose, 8):
        block = batch_document(html, prose, start, stop).blocks[prose[start].block]
        assert block.offsets is not None and block.source_offset(0) == prose[start].start
        assert "".join(html.text[block.source_offset(i)] for i in range(len(block.text))) == block.text


def test_batched_detection_gives_the_same_findings_and_score(settings, monkeypatch):
    document = load_text(long_article(30))
    sentences = segment(document)
    whole = Detector(settings.with_overrides(cache=False), signals=["interference"]).detect(document, sentences)
    monkeypatch.setattr(batching, "BATCH_SENTENCES", 7)
    seen = []
    batched = Detector(settings.with_overrides(cache=False), signals=["interference"]).detect(
        document, sentences, progress=lambda done, total: seen.append((done, total)))
    assert batched == whole
    prose = sum(1 for s in sentences if s.kind == "prose")
    assert len(seen) > 3 and seen[-1] == (prose, prose) and [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_signals_never_hold_more_than_a_batch(settings, monkeypatch):
    from mtcheck.detect.signals.interference import InterferenceSignal

    sizes = []
    real = InterferenceSignal.run

    def recording(self, sentences, context):
        sizes.append(len(sentences))
        return real(self, sentences, context)

    monkeypatch.setattr(InterferenceSignal, "run", recording)
    monkeypatch.setattr(batching, "BATCH_SENTENCES", 16)
    document = load_text(long_article(60))
    Detector(settings, signals=["interference"]).detect(document, segment(document))
    assert sizes and max(sizes) <= 16 and sum(sizes) == sum(1 for s in segment(document) if s.kind == "prose")


def test_languagetool_runs_beside_the_other_signals_with_the_same_result(settings, monkeypatch):
    document = load_text(long_article(12))
    sentences = segment(document)
    service = FakeLanguageTool()
    both = Detector(settings, signals=["interference", "languagetool"], services=Services.with_parts(settings, languagetool=service))
    together = both.detect(document, sentences)
    from mtcheck.detect.base import Contract
    from mtcheck.detect.signals.languagetool import LanguageToolSignal

    monkeypatch.setattr(LanguageToolSignal, "contract", Contract(background=False, service="languagetool", own_weights=True))
    in_turn = Detector(settings.with_overrides(cache=False), signals=["interference", "languagetool"],
                       services=Services.with_parts(settings, languagetool=FakeLanguageTool())).detect(document, sentences)
    assert together == in_turn
    flagged = [f for f in together.findings if any(r.source == "languagetool" for r in f.reasons)]
    assert flagged and all(document.text[r.start:r.end] == "reports Reuters"
                           for f in flagged for r in f.reasons if r.source == "languagetool")


def test_a_huge_paragraph_reaches_languagetool_in_pieces(settings, monkeypatch):
    text = " ".join(f"{MT} The talks went on for {i} hours." for i in range(100)) + "\n"  # one paragraph
    document = load_text(text)
    sentences = segment(document)
    monkeypatch.setattr(batching, "BATCH_SENTENCES", 20)
    service = FakeLanguageTool()
    services = Services.with_parts(settings, languagetool=service)
    result = Detector(settings, signals=["interference", "languagetool"], services=services).detect(document, sentences)
    assert len(service.sent) >= 10
    assert sum(len(t) for t in service.sent) <= len(text)  # each part of the paragraph is sent once
    lt = [r for f in result.findings for r in f.reasons if r.source == "languagetool"]
    assert len(lt) == 100 and all(document.text[r.start:r.end] == "reports Reuters" for r in lt)


# --------------------------------------------------------------------------- documents are streamed


class RecordingPipeline(Pipeline):
    detector = SimpleNamespace(threshold=0.5)
    events: list[str] = []

    def load(self, path):
        RecordingPipeline.events.append(f"load {path}")
        return super().load(path)

    def check_document(self, document, sentences):
        RecordingPipeline.events.append(f"check {document.path}")
        return DocumentResult(document=document, findings=tuple(Finding(sentence=s, score=0.1, flagged=False) for s in sentences), score=0.1)


def test_documents_are_loaded_one_at_a_time(tmp_path):
    paths = []
    for name in ("a.txt", "b.txt", "c.txt"):
        (tmp_path / name).write_text(SEED_REF.read_text(encoding="utf-8"), encoding="utf-8")
        paths.append(str(tmp_path / name))
    (tmp_path / "empty.txt").write_bytes(b"")
    paths.insert(1, str(tmp_path / "empty.txt"))
    RecordingPipeline.events = []
    results = RecordingPipeline(Settings(), CheckOptions(languagetool=False, rewrite=False)).run(paths)
    assert [r.document.path for r in results] == paths and results[1].error
    a, empty, b, c = paths
    assert RecordingPipeline.events == [f"load {a}", f"check {a}", f"load {empty}", f"load {b}", f"check {b}", f"load {c}", f"check {c}"]


def test_without_keep_going_a_bad_input_stops_the_run_before_any_check(tmp_path):
    good, bad = tmp_path / "good.txt", tmp_path / "bad.txt"
    good.write_text(SEED_REF.read_text(encoding="utf-8"), encoding="utf-8")
    bad.write_bytes(b"\x00\x01\x02\x03binary")
    RecordingPipeline.events = []
    with pytest.raises(InputError, match="binary"):
        RecordingPipeline(Settings(), CheckOptions(keep_going=False)).run([str(good), str(bad)])
    assert not any(e.startswith("check") for e in RecordingPipeline.events)


def test_several_jobs_keep_the_order(tmp_path):
    paths = []
    for i in range(6):
        (tmp_path / f"{i}.txt").write_text(SEED_MT.read_text(encoding="utf-8"), encoding="utf-8")
        paths.append(str(tmp_path / f"{i}.txt"))
    results = RecordingPipeline(Settings(), CheckOptions(languagetool=False, rewrite=False, jobs=3)).run(paths)
    assert [r.document.path for r in results] == paths and not any(r.error for r in results)


def test_the_pipeline_reports_batch_progress(settings, monkeypatch):
    messages = []
    monkeypatch.setattr(batching, "BATCH_SENTENCES", 10)
    pipeline = Pipeline(settings, CheckOptions(languagetool=False, rewrite=False), progress=messages.append)
    pipeline._detector = Detector(settings, signals=["interference"])
    document = load_text(long_article(20), "long.txt")
    pipeline.check_document(document, segment(document))
    steps = [m for m in messages if " of " in m]
    assert len(steps) > 3 and all(m.startswith("long.txt: detecting, ") and m.endswith("%)") for m in steps)


# --------------------------------------------------------------------------- sentences and markup


@pytest.mark.parametrize("input_format", ["text", "lines", "markdown", "html"])
def test_a_sentence_without_punctuation_is_cut(input_format):
    line = " ".join(f"word{i}" for i in range(3000))  # 26,000 characters, no sentence punctuation
    document = load_text(line + "\n", "long", input_format)
    sentences = segment(document)
    assert len(sentences) > 10 and all(len(s.text) <= MAX_SENTENCE_CHARS for s in sentences)
    assert " ".join(s.text for s in sentences) == line  # cut at white space, nothing lost
    unbroken = load_text("x" * 5000, "long", input_format)
    assert [len(s.text) for s in segment(unbroken)] == [2000, 2000, 1000]


@pytest.mark.parametrize(
    "text, input_format",
    [
        ("Hi. " + "- " * 20000, "text"),  # free-standing dashes after a full stop (was a RecursionError)
        ("Hi. " + "“ " * 20000, "markdown"),
        ("<table>" * 20000 + "text", "html"),  # nesting deeper than any page
        ("<p>x</p><nav>" * 5000, "html"),  # navigation never closed
        ("<script>" * 5000 + "<p>text", "html"),
        ("<p>text</p>" + "<x" * 20000, "html"),  # no tag can end: html.parser rescanned for each "<"
        ("<http://" * 5000, "markdown"),
        ("`a " * 20000, "markdown"),
        ("x\n" * 20000, "text"),  # one hard-wrapped block that grows line by line
    ],
    ids=["dashes", "quotes", "tables", "nav", "script", "lt", "autolink", "backticks", "wrapped"],
)
def test_adversarial_markup_loads_and_segments(text, input_format):
    document = load_document("-", input_format, stdin=io.BytesIO(text.encode("utf-8")))
    for sentence in segment(document):
        assert 0 <= sentence.start < sentence.end <= len(document.text)
        assert len(sentence.text) <= MAX_SENTENCE_CHARS


def test_a_stray_angle_bracket_is_still_read_as_text():
    document = load_text("<p>Prices rose</p> a < b and c <d", "a.html", "html")
    assert [b.text for b in document.blocks] == ["Prices rose", "a < b and c <d"]
    for block in document.blocks:
        assert all(document.text[block.source_offset(i)] == ch for i, ch in enumerate(block.text))


# --------------------------------------------------------------------------- the size limit


def test_the_default_limit_is_one_number_everywhere():
    import inspect

    from mtcheck.cli import check as check_module

    default = CheckOptions().max_bytes
    assert inspect.signature(load_document).parameters["max_bytes"].default == default
    option = inspect.signature(check_module.check).parameters["max_bytes"].default
    assert option.default == default
    assert f"{default:,}" in option.help or f"{default // 1_000_000} MB" in option.help


def test_an_input_over_the_default_limit_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(pipeline_module, "Pipeline", RecordingPipeline)
    big = tmp_path / "big.txt"
    unit = SEED_MT.read_bytes()
    big.write_bytes(unit * (CheckOptions().max_bytes // len(unit) + 1))
    out = tmp_path / "out.json"
    code, stdout, err = run_main(monkeypatch, capsys, "check", str(big), *LIGHT, "-f", "json", "-o", str(out))
    assert code == 2 and stdout == "" and not out.exists()
    assert "--max-bytes" in error_line(err)


# --------------------------------------------------------------------------- progress


def test_no_progress_in_pipes_and_json_stays_clean(tmp_path, monkeypatch, capsys):
    from mtcheck.cli.check import progress_printer

    assert progress_printer(quiet=False) is None  # stderr is not a terminal under pytest
    monkeypatch.setattr(pipeline_module, "Pipeline", RecordingPipeline)
    code, stdout, err = run_main(monkeypatch, capsys, "check", str(SEED_MT), *LIGHT, "-f", "json")
    assert code == 0 and err == ""
    assert json.loads(stdout)["summary"]


def test_progress_is_one_line_updated_in_place_and_erased():
    from rich.console import Console

    from mtcheck.cli.check import ProgressLine

    screen = io.StringIO()
    progress = ProgressLine(Console(file=screen, force_terminal=True, width=60), delay=0.0)
    progress("a.txt: detecting, 256 of 3,000 sentences (8%)")
    time.sleep(0.4)
    progress("/a/very/long/path/to/the/article.txt: detecting, 512 of 3,000 sentences (17%)")
    time.sleep(0.4)
    progress.stop()
    shown = screen.getvalue()
    assert "256 of 3,000" in shown and "mtcheck 0:00 /a/very/long" in shown
    assert shown.count("\n") <= 1  # redrawn with carriage returns; the one newline is erased at the end
    assert shown.endswith("\x1b[2K")  # the line is cleared when the run ends
    quick = io.StringIO()
    progress = ProgressLine(Console(file=quick, force_terminal=True), delay=5.0)
    progress("done before the delay")
    progress.stop()
    assert "done before" not in quick.getvalue()  # a short run prints nothing


def test_an_input_too_dense_in_sentences_is_refused_in_one_line(tmp_path, monkeypatch, capsys):
    from mtcheck.pipeline import MIN_BYTES_PER_SENTENCE, max_sentences

    monkeypatch.setattr(pipeline_module, "Pipeline", RecordingPipeline)
    assert max_sentences(CheckOptions().max_bytes) == CheckOptions().max_bytes // MIN_BYTES_PER_SENTENCE
    dense = tmp_path / "dense.txt"
    dense.write_text("Go. Stop. " * 1500, encoding="utf-8")  # 3,000 sentences in 15,000 bytes
    out = tmp_path / "out.json"
    code, stdout, err = run_main(monkeypatch, capsys, "check", str(dense), *LIGHT, "--max-bytes", "20000", "-o", str(out))
    assert code == 2 and stdout == "" and not out.exists()
    line = error_line(err)
    assert "3,000 sentences, more than the 1,000" in line and "--max-bytes" in line
    RecordingPipeline.events = []
    code, _, err = run_main(monkeypatch, capsys, "check", str(dense), *LIGHT, "--max-bytes", "60000", "-f", "json")
    assert code == 0, err  # a higher limit admits it
