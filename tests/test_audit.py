"""``mtcheck audit`` without models: sources, shards and the manifest, resume, the summary, the
local engine with a stand-in pipeline, and the command's one-line errors."""

from __future__ import annotations

import importlib
import json
import socket
import sys
from pathlib import Path

import pytest

from conftest import error_line, run_main
from mtcheck.audit import shards as shardmod
from mtcheck.audit.run import AuditOptions, run_audit
from mtcheck.audit.shards import ShardStore, new_manifest, read_manifest, read_records, settings_key
from mtcheck.audit.sources import (
    ArticleRef,
    assign_shards,
    date_in_path,
    month_of,
    read_text,
    scan_source,
    select_sample,
    shard_ids,
)
from mtcheck.audit.summary import errors_csv, summarise, summary_csv, summary_html, top_csv, write_summary
from mtcheck.audit.worker import AuditWorker, WorkerConfig
from mtcheck.config import Settings
from mtcheck.errors import ComponentError, InputError
from mtcheck.inputs import mtcheck_output
from mtcheck.pipeline import CheckOptions
from test_audit_helpers import FAKE, FakePipeline, fake_score, write_jsonl, write_tree

OPTIONS = CheckOptions(rewrite=False, languagetool=False, keep_going=True)


def rows(n: int, source: str = "wire") -> list[dict]:
    return [{"id": f"a{i:03d}", "source": source, "date": f"2024-{1 + i % 3:02d}-15",
             "text": f"Article {i} begins here. The talks went on for {i} hours. Officials said nothing more."} for i in range(n)]


def audit(source, out, **kw) -> object:
    options = AuditOptions(factory=FAKE, workers=kw.pop("workers", 2), shard_size=kw.pop("shard_size", 4), chunk_size=kw.pop("chunk_size", 3), **kw)
    return run_audit(source, out, Settings(), OPTIONS, options)


# --------------------------------------------------------------------------- sources


def test_a_tree_gives_relative_ids_sources_and_dates_and_skips_the_audit_folder(tmp_path):
    tree = tmp_path / "archive"
    (tree / "partner" / "2024" / "05").mkdir(parents=True)
    (tree / "partner" / "2024" / "05" / "story.txt").write_text("One sentence here. Another one.", encoding="utf-8")
    (tree / "top-20230102.md").write_text("# Title\n\nText of it.", encoding="utf-8")
    (tree / "audit").mkdir()
    (tree / "audit" / "old.txt").write_text("Not an article.", encoding="utf-8")
    index = scan_source(tree, skip=tree / "audit")
    assert index.kind == "tree"
    assert [r.id for r in index.refs] == ["partner/2024/05/story.txt", "top-20230102.md"]
    assert [(r.source, r.date, r.month) for r in index.refs] == [("partner", "2024-05", "2024-05"), ("archive", "2023-01-02", "2023-01")]
    assert index.fingerprint == scan_source(tree, skip=tree / "audit").fingerprint
    (tree / "top-20230102.md").write_text("# Title\n\nText of it, changed.", encoding="utf-8")
    assert index.fingerprint != scan_source(tree, skip=tree / "audit").fingerprint


def test_a_jsonl_file_is_read_by_line_offsets(tmp_path):
    path = tmp_path / "feed.jsonl"
    lines = ['\ufeff{"id": 7, "text": "First – with a dash.", "url": "https://x.example/1", "date": "2024-03-05T10:00:00Z"}',
             "", '{"id": "b", "text": "Second.\\nLine two.", "source": "tass"}']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    index = scan_source(path)
    assert [(r.id, r.source, r.month, r.url, r.line) for r in index.refs] == [
        ("7", "feed", "2024-03", "https://x.example/1", 1), ("b", "tass", "unknown", None, 3)]
    assert [read_text(r) for r in index.refs] == ["First – with a dash.", "Second.\nLine two."]
    assert ArticleRef.from_row(index.refs[1].to_row()) == index.refs[1]


@pytest.mark.parametrize("content,message", [
    ('{"id": "a", "text": "x"}\nnot json\n', "feed.jsonl:2: not a JSON line"),
    ('["a"]\n', "feed.jsonl:1: not a JSON object"),
    ('{"text": "x"}\n', 'feed.jsonl:1: no "id"'),
    ('{"id": true, "text": "x"}\n', 'feed.jsonl:1: no "id"'),
    ('{"id": "a"}\n', 'feed.jsonl:1: no "text" string'),
    ('{"id": "a", "text": "x", "date": 2024}\n', 'feed.jsonl:1: "date" must be a string'),
    ('{"id": "a", "text": "x"}\n{"id": "a", "text": "y"}\n', "feed.jsonl:2: id 'a' is used again (first on line 1)"),
    ("\n\n", "feed.jsonl: no articles"),
])
def test_a_bad_jsonl_file_is_an_input_error_naming_the_line(tmp_path, content, message):
    path = tmp_path / "feed.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as err:
        scan_source(path)
    assert message in str(err.value)


def test_sources_that_are_not_archives_are_refused(tmp_path):
    with pytest.raises(InputError, match="no such file or directory"):
        scan_source(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="contains no .txt"):
        scan_source(tmp_path / "empty")
    (tmp_path / "one.txt").write_text("An article.", encoding="utf-8")
    with pytest.raises(InputError, match="not a directory of articles or a JSON-lines file"):
        scan_source(tmp_path / "one.txt")


def test_dates_and_months():
    assert date_in_path("wire/2024/05/03/story.html") == "2024-05-03"
    assert date_in_path("wire/20231231-story.txt") == "2023-12-31"
    assert date_in_path("wire/2024_07/x.txt") == "2024-07"
    assert date_in_path("wire/story-123456.txt") is None
    assert date_in_path("wire/2024/13/x.txt") is None
    assert [month_of(d) for d in ("2024-05-03", "2024/05", "2024-05-03T10:00Z", "May 2024", None, "")] == [
        "2024-05", "2024-05", "2024-05", "unknown", "unknown", "unknown"]


def test_a_sample_is_spread_stable_and_in_source_order():
    refs = tuple(ArticleRef(id=f"id{i}", path="p") for i in range(200))
    sample = select_sample(refs, 20)
    assert len(sample) == 20 and sample == select_sample(refs, 20)
    assert [refs.index(r) for r in sample] == sorted(refs.index(r) for r in sample)
    assert max(refs.index(r) for r in sample) > 100  # not just the first ones
    assert select_sample(refs, 500) == refs and select_sample(refs, None) == refs


def test_shards_are_consecutive_runs_of_articles():
    refs = assign_shards(tuple(ArticleRef(id=str(i), path="p") for i in range(10)), 4)
    assert [r.shard for r in refs] == [0, 0, 0, 0, 1, 1, 1, 1, 2, 2]
    assert shard_ids(refs) == {0: ["0", "1", "2", "3"], 1: ["4", "5", "6", "7"], 2: ["8", "9"]}


# --------------------------------------------------------------------------- the output folder


def manifest(tmp_path, **changes):
    source = write_jsonl(rows(3), tmp_path / "feed.jsonl")
    index = scan_source(source)
    fields = {"sample": None, "shard_size": 2, "articles": 3, "shards": 2,
              "settings": settings_key(Settings(), OPTIONS), "signature": "mtcheck:0|model:a|prompt:none"}
    fields.update(changes)
    return new_manifest(index, **fields)


@pytest.mark.parametrize("change,message", [
    ({"sample": 2}, "holds an audit of another selection (--sample None, --shard-size 2; now --sample 2"),
    ({"settings": settings_key(Settings(threshold=0.3), OPTIONS)}, "holds an audit with other settings (threshold: None then, 0.3 now)"),
    ({"signature": "mtcheck:0|model:b|prompt:none"}, "holds an audit by another detector (mtcheck:0|model:a|prompt:none; now mtcheck:0|model:b"),
])
def test_a_folder_holding_another_audit_is_refused(tmp_path, change, message):
    out = tmp_path / "out"
    ShardStore(out).open(manifest(tmp_path))
    assert ShardStore(out).open(manifest(tmp_path)) is True  # the same audit resumes
    with pytest.raises(InputError) as err:
        ShardStore(out).open(manifest(tmp_path, **change))
    assert message in str(err.value) and "delete" in str(err.value)


def test_another_source_is_refused(tmp_path):
    out = tmp_path / "out"
    ShardStore(out).open(manifest(tmp_path))
    other = manifest(tmp_path)
    other["source"] = {**other["source"], "fingerprint": "f" * 64}
    with pytest.raises(InputError, match="holds an audit of another source"):
        ShardStore(out).open(other)


def test_where_the_servers_are_is_not_part_of_the_settings():
    here = Settings(tables={"rewrite": {"base_url": "http://a:1/v1", "model": "m"}, "languagetool": {"port": 1}})
    there = Settings(tables={"rewrite": {"base_url": "http://b:2/v1", "model": "m"}, "languagetool": {"port": 2}})
    assert settings_key(here, OPTIONS) == settings_key(there, OPTIONS)
    other_model = Settings(tables={"rewrite": {"base_url": "http://a:1/v1", "model": "n"}})
    assert settings_key(here, OPTIONS) != settings_key(other_model, OPTIONS)
    assert settings_key(Settings(), OPTIONS) != settings_key(Settings(), CheckOptions(languagetool=True))


def test_output_folders_that_cannot_hold_an_audit(tmp_path):
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="it is a file, not a folder"):
        ShardStore.check_folder(tmp_path / "file")
    with pytest.raises(InputError, match="is not a folder"):
        ShardStore.check_folder(tmp_path / "file" / "sub")
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="is not empty and holds no audit manifest"):
        ShardStore.check_folder(tmp_path / "busy")
    (tmp_path / "empty").mkdir()
    assert ShardStore.check_folder(tmp_path / "empty") == tmp_path / "empty"


def test_shards_are_committed_whole_and_checked_on_resume(tmp_path):
    store = ShardStore(tmp_path / "out")
    store.open(manifest(tmp_path))
    store.commit(0, [{"id": "a000"}, {"id": "a001"}])
    store.commit(1, [{"id": "wrong"}])
    (store.shards / ".shard-000002.jsonl.x.tmp").write_text("half", encoding="utf-8")
    assert store.completed({0: ["a000", "a001"], 1: ["a002"]}) == {0}
    assert not store.shard_path(1).exists()  # a shard that does not hold its articles is redone
    ShardStore(tmp_path / "out").open(manifest(tmp_path))
    assert not list(store.shards.glob(".*.tmp"))  # leftovers of an interrupted write are removed


# --------------------------------------------------------------------------- the summary


def record(i: int, source: str, month: str, score: float | None, error: str | None = None) -> dict:
    return {"id": f"r{i}", "source": source, "month": month, "date": f"{month}-01", "url": None, "path": "p", "score": score,
            "sentences": 4, "flagged_sentences": 2 if score and score >= 0.5 else 0, "share": 0.5, "error": error,
            "reasons": [{"rule_id": "as-reports", "message": "Inverted <source>", "count": 2, "weight": 1.5}]}


def test_the_summary_counts_per_source_and_month():
    records = [record(0, "a", "2024-01", 0.9), record(1, "a", "2024-01", 0.2), record(2, "a", "2024-02", 0.6),
               record(3, "b", "unknown", 0.1), record(4, "b", "2024-01", None, error="empty")]
    summary = summarise(records, doc_threshold=0.5, top=2)
    table = {(s, m): t for s, m, t in summary.rows()}
    assert (table["a", "2024-01"].articles, table["a", "2024-01"].flagged, table["a", "2024-01"].flagged_share) == (2, 1, 0.5)
    assert table["a", "all"].flagged == 2 and table["a", "all"].mean_score == pytest.approx((0.9 + 0.2 + 0.6) / 3)
    assert (table["b", "all"].articles, table["b", "all"].errors, table["b", "all"].checked) == (2, 1, 1)
    assert (table["all", "all"].articles, table["all", "all"].flagged) == (5, 2)
    assert summary.months() == ["2024-01", "2024-02", "unknown"]
    assert [r["id"] for r in summary.ranked()] == ["r0", "r2"]
    text = summary_csv(summary)
    assert text.splitlines()[0].startswith("source,month,articles,checked,errors,flagged,flagged_share,mean_score")
    assert "a,2024-01,2,2,0,1,0.5000,0.5500,8,2,0.2500" in text.splitlines()
    assert text.splitlines()[-1].startswith("all,all,5,4,1,2,0.5000")
    assert top_csv(summary).splitlines()[1].startswith("1,r0,a,2024-01-01,,0.9000,2,4,")
    assert errors_csv(summary).splitlines()[1] == "r4,b,p,empty"


def test_ties_keep_the_first_articles():
    summary = summarise([record(i, "a", "2024-01", 0.7) for i in range(5)], top=3)
    assert [r["id"] for r in summary.ranked()] == ["r0", "r1", "r2"]


def test_the_html_summary_is_self_contained_and_escaped(tmp_path):
    evil = record(0, "<script>alert(1)</script>", "2024-01", 0.9)
    evil["url"] = "javascript:alert(1)"
    good = record(1, "b", "2024-02", 0.3)
    good["url"] = "https://example.org/a?x=1&y=2"
    summary = summarise([evil, good])
    page = summary_html(summary, {"source": {"kind": "jsonl", "path": "/x/feed.jsonl", "articles": 2}, "selection": {}, "signature": "sig"})
    assert "<script" not in page and "&lt;script&gt;" in page
    assert 'href="javascript' not in page
    assert 'href="https://example.org/a?x=1&amp;y=2"' in page
    assert "default-src 'none'" in page and "<link" not in page and " src=" not in page
    assert page.count('class="bar"') == 2 and "<svg" in page
    path = tmp_path / "summary.html"
    files = write_summary(summary, {"source": {}, "selection": {}}, tmp_path)
    assert {f.name for f in files} == {"summary.csv", "top.csv", "errors.csv", "summary.html"}
    assert mtcheck_output(path) == "html"  # a tree audited again skips it


# --------------------------------------------------------------------------- the worker and the engines


def test_the_worker_turns_bad_articles_into_error_records(tmp_path):
    source = write_jsonl([{"id": "ok", "text": "A sentence. Another sentence."}, {"id": "blank", "text": "  \n"},
                          {"id": "bug", "text": "This has a BUG in it."}], tmp_path / "feed.jsonl")
    refs = scan_source(source).refs
    worker = AuditWorker(WorkerConfig(Settings(), OPTIONS, factory=FAKE), warm_up=False)
    out = {r["id"]: r for _, r in worker.check(refs)}
    assert out["ok"]["error"] is None and out["ok"]["sentences"] == 2
    assert out["blank"]["error"] == "blank: the text is empty; there is nothing to check"
    assert out["bug"]["error"] == "internal error: ValueError: unexpected"
    assert out["ok"]["worker"]["pid"] > 0 and out["ok"]["worker"]["peak_rss_mb"] > 0


def test_the_worker_finishes_an_article_as_check_does(tmp_path):
    # gate.finish, as in `check`: the article passes the gate (3 of 12 sentences flagged), so its
    # flagged sentences are reported at info; a sentence under an inline directive is suppressed.
    text = " ".join(f"Sentence number {i} of the article." for i in range(12))
    source = write_jsonl([{"id": "a", "text": text}, {"id": "b", "text": "<!-- mtcheck-disable -->\n" + text}], tmp_path / "feed.jsonl")
    worker = AuditWorker(WorkerConfig(Settings(), OPTIONS, factory=FAKE), warm_up=False)
    out = {r["id"]: r for _, r in worker.check(scan_source(source).refs)}
    assert out["a"]["flagged_sentences"] == 3 and out["a"]["severity"] == {"info": 3, "warning": 0, "error": 0}
    assert [f["suppressed"] for f in out["a"]["findings"]] == [None] * 3
    assert [f["suppressed"] for f in out["b"]["findings"]] == ["inline"] * 3


def test_a_failing_component_aborts_with_its_message(tmp_path):
    source = write_jsonl([{"id": "x", "text": "FAIL-COMPONENT here."}], tmp_path / "feed.jsonl")
    worker = AuditWorker(WorkerConfig(Settings(), OPTIONS, factory=FAKE), warm_up=False)
    ((shard, abort),) = worker.check(scan_source(source).refs)
    assert shard == -1 and abort["abort"]["message"] == "the fake model fell over" and abort["abort"]["exit_code"] == 3



def test_the_worker_hands_freed_memory_back_after_every_chunk(tmp_path, monkeypatch):
    from mtcheck.audit import worker as workermod

    assert workermod.release_freed_memory() is (sys.platform == "linux")  # glibc here; a no-op elsewhere
    calls = []
    monkeypatch.setattr(workermod, "release_freed_memory", lambda: calls.append(1) or True)
    source = write_jsonl([{"id": "a", "text": "One."}, {"id": "b", "text": "FAIL-COMPONENT here."}], tmp_path / "feed.jsonl")
    refs = scan_source(source).refs
    worker = AuditWorker(WorkerConfig(Settings(), OPTIONS, factory=FAKE), warm_up=False)
    worker.check(refs[:1])
    worker.check(refs[1:])  # an aborted chunk too
    assert len(calls) == 2

def test_a_worker_with_another_detector_refuses_to_work(tmp_path):
    source = write_jsonl(rows(1), tmp_path / "feed.jsonl")
    worker = AuditWorker(WorkerConfig(Settings(), OPTIONS, factory=FAKE, signature="mtcheck:0|model:retrained|prompt:none"), warm_up=False)
    ((shard, abort),) = worker.check(scan_source(source).refs)
    assert shard == -1 and abort["abort"]["exit_code"] == 3
    assert "a worker's detector is not the audit's (mtcheck:0.1.0|stand-in:FakePipeline|prompt:none; the audit's: mtcheck:0|model:retrained" \
        in abort["abort"]["message"]


def expected_record(text: str) -> tuple[float, list[int]]:
    from mtcheck.load import load_text

    document = load_text(text, path="x")
    pipeline = FakePipeline(None)
    result = pipeline.check_document(document, pipeline.segment(document))
    return result.score, [f.sentence.index for f in result.findings if f.flagged]


def test_the_local_engine_checks_every_article_once_and_resumes(tmp_path):
    articles = rows(23)
    source = write_jsonl(articles, tmp_path / "feed.jsonl")
    out = tmp_path / "out"
    outcome = audit(source, out, workers=2)
    assert (outcome.articles, outcome.shards, outcome.checked_now, outcome.resumed_articles, outcome.errors) == (23, 6, 23, 0, 0)
    records = list(read_records(out))
    assert [r["id"] for r in records] == [a["id"] for a in articles]
    for article, r in zip(articles, records):
        score, flagged = expected_record(article["text"])
        assert r["score"] == score and [f["index"] for f in r["findings"]] == flagged
    assert 1 <= len({r["worker"]["pid"] for r in records}) <= 2  # a fast stand-in may finish before the second process is up
    assert read_manifest(out)["complete"] is True
    assert {p.name for p in out.iterdir()} >= {"manifest.json", "shards", "runs.jsonl", "summary.csv", "top.csv", "errors.csv", "summary.html"}
    # Two shards lost: only they are checked again, and the result is the same.
    for shard in (1, 4):
        (out / "shards" / f"shard-{shard:06d}.jsonl").unlink()
    again = audit(source, out, workers=1)
    assert (again.checked_now, again.resumed_articles) == (8, 15)
    assert [(r["id"], r["score"]) for r in read_records(out)] == [(r["id"], r["score"]) for r in records]
    runs = [json.loads(line) for line in (out / "runs.jsonl").read_text().splitlines()]
    assert [(r["status"], r["articles_checked"]) for r in runs] == [("complete", 23), ("complete", 8)]


def test_an_interrupted_audit_keeps_its_shards_and_resumes(tmp_path):
    articles = rows(20)
    source = write_jsonl(articles, tmp_path / "feed.jsonl")
    out = tmp_path / "out"
    committed = []

    def stop_after_two(shard: int) -> None:
        committed.append(shard)
        if len(committed) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_audit(source, out, Settings(), OPTIONS, AuditOptions(factory=FAKE, workers=2, shard_size=4, chunk_size=2), on_shard=stop_after_two)
    assert len(list((out / "shards").glob("shard-*.jsonl"))) == 2
    assert read_manifest(out)["complete"] is False
    assert json.loads((out / "runs.jsonl").read_text().splitlines()[-1])["status"] == "interrupted"
    outcome = audit(source, out, workers=2)
    assert (outcome.checked_now, outcome.resumed_articles) == (12, 8)
    ids = [r["id"] for r in read_records(out)]
    assert ids == [a["id"] for a in articles] and len(set(ids)) == 20


def test_a_failing_component_stops_the_audit_and_keeps_the_finished_shards(tmp_path):
    articles = rows(12)
    articles[10]["text"] = "FAIL-COMPONENT in this one."
    source = write_jsonl(articles, tmp_path / "feed.jsonl")
    with pytest.raises(ComponentError, match="a worker stopped: the fake model fell over"):
        audit(source, tmp_path / "out", workers=1, chunk_size=2)
    assert (tmp_path / "out" / "shards" / "shard-000000.jsonl").exists()


def test_a_tree_and_a_sample(tmp_path):
    articles = rows(30)
    write_tree(articles, tmp_path / "tree")
    outcome = audit(tmp_path / "tree", tmp_path / "out", workers=1, sample=7, shard_size=3)
    assert (outcome.articles, outcome.shards) == (7, 3)
    records = list(read_records(tmp_path / "out"))
    assert len(records) == 7 and all(r["source"] == "wire" and r["month"].startswith("2024-") for r in records)
    assert read_manifest(tmp_path / "out")["selection"]["sample"] == 7


# --------------------------------------------------------------------------- the command


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("args,code,message", [
    (["missing.jsonl", "--out", "o"], 2, "missing.jsonl: no such file or directory"),
    (["empty", "--out", "o"], 2, "empty: directory contains no .txt"),
    (["bad.jsonl", "--out", "o"], 2, "bad.jsonl:2: not a JSON line"),
    (["good.jsonl", "--out", "afile"], 2, "cannot write the audit to afile: it is a file, not a folder"),
    (["good.jsonl", "--out", "o", "--engine", "spark"], 2, "unknown --engine 'spark'"),
    (["good.jsonl", "--out", "o", "--engine", "local", "--address", "h:1"], 2, "--address names a Ray cluster: use it with --engine ray"),
    (["good.jsonl", "--out", "o", "--address", "not an address"], 2, "is not a Ray cluster address"),
    (["good.jsonl", "--out", "o", "--address", "127.0.0.1:PORT"], 3, "no Ray cluster answers at 127.0.0.1:"),
    (["good.jsonl", "--out", "o", "--doc-threshold", "2"], 2, "--doc-threshold must be between 0 and 1"),
])
def test_bad_input_is_one_line_and_an_exit_code(tmp_path, monkeypatch, capsys, args, code, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    (tmp_path / "bad.jsonl").write_text('{"id": "a", "text": "x"}\n{oops\n', encoding="utf-8")
    write_jsonl(rows(2), tmp_path / "good.jsonl")
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    args = [a.replace("PORT", str(closed_port())) for a in args]
    got, out, err = run_main(monkeypatch, capsys, "audit", *args, "--no-languagetool")
    assert got == code
    assert message in error_line(err)


@pytest.mark.parametrize("option,module", [(["--engine", "ray"], "ray"), (["--parquet"], "pyarrow")])
def test_without_the_scale_extra_ray_and_parquet_say_how_to_install_it(tmp_path, monkeypatch, capsys, option, module):
    monkeypatch.chdir(tmp_path)
    write_jsonl(rows(2), tmp_path / "good.jsonl")
    monkeypatch.setitem(sys.modules, module, None)  # as if it were not installed: importing it fails
    with pytest.raises(ImportError):
        importlib.import_module(module)
    got, out, err = run_main(monkeypatch, capsys, "audit", "good.jsonl", "--out", "o", *option, "--no-languagetool")
    assert got == 2 and out == ""
    assert error_line(err) == (f"mtcheck: error: {' '.join(option)} needs {module}, which is not installed "
                               "(install it with: pip install 'mtcheck[scale]')")
    assert not (tmp_path / "o").exists()  # refused before any work


def test_the_command_refuses_to_resume_another_audit(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    write_jsonl(rows(2), tmp_path / "good.jsonl")
    # What the command itself would write, by another detector.
    other = new_manifest(scan_source(tmp_path / "good.jsonl"), sample=None, shard_size=100, articles=2, shards=1,
                         settings=settings_key(Settings(cache=False), OPTIONS), signature="mtcheck:0|model:old|prompt:none")
    ShardStore(tmp_path / "o").open(other)
    code, _, err = run_main(monkeypatch, capsys, "audit", "good.jsonl", "--out", "o", "--no-languagetool")
    assert code == 2
    line = error_line(err)
    assert "o holds an audit by another detector (mtcheck:0|model:old|prompt:none; now mtcheck:" in line
    assert "choose another --out, or delete o to start over" in line


def test_the_manifest_records_what_the_audit_is_of(tmp_path):
    source = write_jsonl(rows(5), tmp_path / "feed.jsonl")
    audit(source, tmp_path / "out", workers=1, sample=3, shard_size=2)
    data = read_manifest(tmp_path / "out")
    assert data["schema"] == shardmod.SCHEMA and data["source"]["kind"] == "jsonl" and data["source"]["articles"] == 5
    assert data["selection"] == {"sample": 3, "shard_size": 2, "articles": 3, "shards": 2}
    assert data["signature"].endswith("|stand-in:FakePipeline|prompt:none") and data["settings"]["languagetool"] is False


def test_fake_scores_are_spread():  # the stand-in flags some sentences and not others
    scores = [fake_score(f"Sentence {i}.") for i in range(50)]
    assert 0.2 < sum(s >= 0.5 for s in scores) / 50 < 0.8


# --------------------------------------------------------------------------- benchmarks/bench_audit.py


@pytest.fixture()
def bench(monkeypatch):
    """``benchmarks.bench_audit`` importable from the repository root, for this test only."""
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parent.parent))
    import benchmarks.bench_audit as module

    yield module
    for name in [m for m in sys.modules if m == "benchmarks" or m.startswith("benchmarks.")]:
        del sys.modules[name]


def test_the_benchmark_mixes_its_articles_and_rates_its_targets(bench, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    write_jsonl([{"doc_id": f"d{d}", "doc_seg_id": s, "system": sys_, "mt_en": f"MT {d} {s} {sys_}."}
                 for d in range(3) for s in (2, 1) for sys_ in ("A", "B")], data / "wmt22_ruen_news.jsonl")
    write_jsonl([{"doc_id": "e", "doc_seg_id": 1, "text_en": "An English sentence."}], data / "wmt22_en_original_news.jsonl")
    write_jsonl([{"doc_id": f"b{i}", "text": f"Title {i}\nLine one.\nLine two."} for i in range(4)], data / "bbc_en_original_news.jsonl")
    articles = bench.build_articles(data, 12, lines=2)
    assert [a["source"] for a in articles[:7]] == ["seeds", "seeds", "wmt22-mt", "bbc", "wmt22-en", "wmt22-mt", "bbc"]
    assert articles[2]["text"] == "MT 0 1 A.\nMT 0 2 A." and articles[3]["text"] == "Title 0\nLine one."
    assert len(articles) == 12 and len({a["id"] for a in articles}) == 12
    assert bench.ratio(3.4, 2.0) == 1.7 and bench.ratio(None, 2.0) is None
    assert bench.verdict(1.7, True) == "1.70x (meets the target)" and bench.verdict(None, False) == "n/a"


def test_default_workers_follow_the_cpus_as_far_as_memory_allows():
    from mtcheck.audit.worker import default_workers

    assert default_workers(8, 64e9) == 8
    assert default_workers(64, 24e9) == 12  # 2 GB a worker
    assert default_workers(4, None) == 4
    assert default_workers(2, 1e9) == 1



def test_ray_workers_share_one_machines_cores_as_the_local_engine_does():
    from mtcheck.audit.ray_engine import worker_cpus

    assert worker_cpus(2, 1, nodes=1) == 2  # one worker: both cores' threads, as the process pool gives it
    assert worker_cpus(2, 2, nodes=1) == 1
    assert worker_cpus(8, 3, nodes=1) == 2
    assert worker_cpus(64, 4, nodes=4) == 1  # an actor cannot span a cluster's nodes

def test_every_source_has_a_legend_entry_inside_the_chart():
    import re

    from mtcheck.audit.summary import chart_svg

    summary = summarise([record(i, f"source-{i % 9}", f"2024-0{1 + i % 2}", 0.6) for i in range(18)])
    svg = chart_svg(summary)
    width = float(re.search(r'viewBox="0 0 ([\d.]+) ', svg).group(1))
    legend = re.findall(r'<rect class="legend" x="([\d.]+)"', svg)
    assert len(legend) == 7  # six sources and "3 other sources"
    assert "3 other sources" in svg and all(float(x) + 150 <= width for x in legend)


def test_parquet_holds_one_row_per_article(tmp_path):
    import pyarrow.parquet as pq

    articles = rows(9)
    articles[4]["text"] = " "
    source = write_jsonl(articles, tmp_path / "feed.jsonl")
    outcome = audit(source, tmp_path / "out", workers=1, parquet=True)
    assert tmp_path / "out" / "articles.parquet" in outcome.files
    table = pq.read_table(tmp_path / "out" / "articles.parquet").to_pylist()
    assert [r["id"] for r in table] == [a["id"] for a in articles]
    assert table[4]["error"] and table[4]["score"] is None
    records = list(read_records(tmp_path / "out"))
    assert [r["score"] for r in table] == [r["score"] for r in records]
    assert json.loads(table[0]["findings"]) == records[0]["findings"]
