"""Hardening of the shared services: the managed LanguageTool server's state file, the detection
cache key, and the configuration file.

* ``mtcheck languagetool stop`` (and ``check``) must never signal or wait on a process that only
  happens to have the pid the state file recorded.
* The detection cache must not hand back results computed under other settings, and a broken
  model override must fail whether or not the text is cached.
* A configuration mtcheck cannot read, or a setting it does not know, is an error (exit 2, one
  line naming the file), never silently dropped.

No real LanguageTool server or model is needed: a stand-in "java" (a small Python HTTP server
that answers like LanguageTool's /v2/languages) plays the managed server.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import error_line, run_main
from mtcheck.config import CONFIG_KEYS, Settings, find_config, load_settings
from mtcheck.detect import Detector
from mtcheck.errors import ConfigError, ModelError
from mtcheck.services import languagetool as lt
from mtcheck.services.factory import Services
from mtcheck.services.languagetool import LanguageToolService, LTMatch
from mtcheck.types import Document, Sentence

ROOT = Path(__file__).resolve().parent.parent


# --------------------------------------------------------------------------- helpers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]




def alive(proc: subprocess.Popen) -> bool:
    return proc.poll() is None


@pytest.fixture
def bystander():
    """An unrelated process (``sleep 1000``) whose pid a stale state file names."""
    proc = subprocess.Popen(["sleep", "1000"])
    yield proc
    proc.kill()
    proc.wait()


def write_state(service: LanguageToolService, pid: int, **extra) -> None:
    service.state_dir.mkdir(parents=True, exist_ok=True)
    state = {"pid": pid, "port": service.port, "version": service.version, "digest": service._digest(),
             "log": str(service.log_file), **extra}
    service.state_file.write_text(json.dumps(state), encoding="utf-8")


FAKE_JAVA = '''#!{python}
"""Stands in for `java ... org.languagetool.server.HTTPServer --port N`: answers /v2/languages."""
import http.server, sys

port = int(sys.argv[sys.argv.index("--port") + 1])


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"[]"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
'''


@pytest.fixture
def fake_install(tmp_path, monkeypatch) -> Path:
    """A "java" on PATH that serves like LanguageTool, and a lib dir that looks installed."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    java = bin_dir / "java"
    java.write_text(FAKE_JAVA.format(python=sys.executable), encoding="utf-8")
    java.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / f"languagetool-server-{lt.LT_VERSION}.jar").write_bytes(b"")
    (lib / ".installed").write_text("{}")
    return lib


@pytest.fixture
def managed(tmp_path, fake_install):
    """A managed service on a free port with its own state dir; whatever it started is stopped after."""
    service = LanguageToolService(Settings(), port=free_port(), lib_dir=fake_install, state_dir=tmp_path / "state",
                                  start_timeout=60)
    started: list[int] = []
    yield service, started
    service.stop()
    for pid in started:
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass


# --------------------------------------------------------------------------- 1. the state file's pid


def test_stop_leaves_a_process_that_reused_the_pid_alone(tmp_path, bystander):
    service = LanguageToolService(Settings(), port=free_port(), lib_dir=tmp_path / "lib", state_dir=tmp_path / "state")
    write_state(service, bystander.pid)
    assert service.stop() is False
    time.sleep(0.2)
    assert alive(bystander)
    assert not service.state_file.exists()  # the stale state file is gone


def test_cli_stop_with_a_stale_state_file_kills_nothing(tmp_path, monkeypatch, capsys, bystander):
    port = free_port()
    monkeypatch.setenv("MTCHECK_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("MTCHECK_LT_PORT", str(port))
    service = LanguageToolService(Settings())  # the paths the CLI uses under this cache
    assert service.state_dir.is_relative_to(tmp_path)
    write_state(service, bystander.pid)
    code, out, err = run_main(monkeypatch, capsys, "languagetool", "stop")
    assert code == 0, err
    assert "not running" in out
    time.sleep(0.2)
    assert alive(bystander)
    assert not service.state_file.exists()
    code, out, _ = run_main(monkeypatch, capsys, "languagetool", "status")
    assert code == 1 and "pid" not in out


def test_check_with_a_stale_state_file_starts_a_fresh_server_without_waiting(managed, bystander, monkeypatch):
    service, started = managed
    write_state(service, bystander.pid)
    waited: list[int] = []
    real_wait = service._wait_healthy
    monkeypatch.setattr(service, "_wait_healthy", lambda pid: waited.append(pid) or real_wait(pid))
    url = service.ensure_running()
    state = json.loads(service.state_file.read_text())
    started.append(state["pid"])
    assert url == service.url and lt.health(url)
    assert bystander.pid not in waited  # no 90 s wait on a process that is not the server
    assert state["pid"] != bystander.pid and alive(bystander)
    assert state["started"] is not None  # the start time is recorded for the next check


def test_the_server_mtcheck_started_is_reused_and_stopped(managed):
    service, started = managed
    service.ensure_running()
    pid = json.loads(service.state_file.read_text())["pid"]
    started.append(pid)
    again = LanguageToolService(Settings(), port=service.port, lib_dir=service.lib_dir, state_dir=service.state_dir)
    assert again.ensure_running() == service.url
    assert json.loads(service.state_file.read_text())["pid"] == pid  # reused, not restarted
    status = again.status()
    assert status.running and status.pid == pid
    assert again.stop() is True
    assert not lt.pid_alive(pid)
    assert not service.state_file.exists()


def test_a_server_with_another_start_time_is_not_ours(managed):
    service, started = managed
    service.ensure_running()
    state = json.loads(service.state_file.read_text())
    started.append(state["pid"])
    # Same command line, but not the process the state file recorded (a pid reused by a look-alike).
    service.state_file.write_text(json.dumps({**state, "started": state["started"] - 3600}))
    assert service.stop() is False
    assert lt.pid_alive(state["pid"])
    assert not service.state_file.exists()


def test_a_state_file_from_before_start_times_still_stops_the_server(managed):
    service, started = managed
    service.ensure_running()
    state = json.loads(service.state_file.read_text())
    started.append(state["pid"])
    del state["started"]
    service.state_file.write_text(json.dumps(state))
    assert service.stop() is True  # the command line alone identifies it
    assert not lt.pid_alive(state["pid"])


def test_server_command_recognition():
    port = 8095
    ours = ["/usr/bin/java", "-Xmx768m", "-cp", "/cache/lib/*", lt.SERVER_CLASS, "--port", str(port), "--config", "x"]
    assert lt.is_server_command(ours, "java", port)
    assert not lt.is_server_command(ours, "java", port + 1)  # another port
    assert not lt.is_server_command(["sleep", "1000"], "sleep", port)
    assert not lt.is_server_command([], "", port)
    assert not lt.is_server_command(["/usr/bin/python3", "-m", "http.server", "--port", str(port)], "python3", port)
    assert not lt.is_server_command(["/usr/bin/java", "-jar", "other.jar", "--port", str(port)], "java", port)
    by_lib = ["/usr/bin/java", "-cp", "/cache/lib/*", "Other", "--port", str(port)]
    assert lt.is_server_command(by_lib, "java", port, Path("/cache/lib"))


# --------------------------------------------------------------------------- 2. the detection cache


TEXT = "The rebels laid down their arms on Sunday."


def make_document(text: str = TEXT) -> tuple[Document, list[Sentence]]:
    doc = Document(path="t.txt", text=text + "\n", format="text", encoding="utf-8")
    return doc, [Sentence(index=0, start=0, end=len(text), text=text)]


class FakeLanguageTool(LanguageToolService):
    """The real service's settings, with a check that finds one grammar error unless its rule is disabled."""

    calls = 0

    def check_paragraphs(self, texts):
        FakeLanguageTool.calls += 1
        out = []
        for text in texts:
            at = text.find("arms")
            found = at >= 0 and "FAKE_ARMS" not in self.disabled_rules
            out.append([LTMatch(at, 4, "FAKE_ARMS", "GRAMMAR", "grammar", "Fake.")] if found else [])
        return out


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MTCHECK_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("MTCHECK_LT_PORT", raising=False)
    return tmp_path / "cache"


def lt_detector(settings: Settings) -> Detector:
    services = Services.with_parts(settings, languagetool=FakeLanguageTool(settings))
    return Detector(settings, services=services, signals=["interference", "languagetool"])


def test_disabled_rules_apply_to_text_checked_before(cache):
    doc, sentences = make_document()
    (before,) = lt_detector(Settings()).features(sentences, doc)
    assert before["languagetool.grammar"] > 0
    disabled = Settings(tables={"languagetool": {"disabled_rules": ["FAKE_ARMS"]}})
    (after,) = lt_detector(disabled).features(sentences, doc)
    assert after["languagetool.grammar"] == 0
    # Back to the first settings: their own cached result, not the other one's.
    (again,) = lt_detector(Settings()).features(sentences, doc)
    assert again == before


def test_the_cache_still_serves_identical_settings(cache):
    doc, sentences = make_document()
    lt_detector(Settings()).features(sentences, doc)
    calls = FakeLanguageTool.calls
    lt_detector(Settings()).features(sentences, doc)
    assert FakeLanguageTool.calls == calls  # served from the cache


@pytest.mark.parametrize("table", [
    {"disabled_rules": ["EN_QUOTES"]},
    {"mother_tongue": "de"},
    {"mother_tongue": ""},
    {"language": "en-GB"},
    {"picky": True},
    {"url": "http://127.0.0.1:9"},
    {"mode": "download"},
    {"ignore_rules": ["UPPERCASE_SENTENCE_START"]},
])
def test_every_languagetool_setting_that_changes_matches_is_in_the_key(cache, table):
    _, sentences = make_document()
    plain = lt_detector(Settings())._cache_key(sentences)
    assert lt_detector(Settings(tables={"languagetool": table}))._cache_key(sentences) != plain


def test_settings_that_do_not_change_a_signal_are_not_in_the_key(cache, monkeypatch):
    _, sentences = make_document()
    key = lt_detector(Settings())._cache_key(sentences)
    # The port, heap and start timeout only say where and how the server runs.
    same = Settings(tables={"languagetool": {"port": 9999, "heap": "2g", "start_timeout": 5}})
    assert lt_detector(same)._cache_key(sentences) == key
    monkeypatch.setenv("MTCHECK_LT_PORT", "9123")
    assert lt_detector(Settings())._cache_key(sentences) == key
    # Scores are cached before the classifier: the threshold is applied afterwards.
    assert lt_detector(Settings(threshold=0.99))._cache_key(sentences) == key
    # Without LanguageTool the key differs (the signal is not run).
    assert Detector(Settings(), signals=["interference"])._cache_key(sentences) != key


def test_allow_list_is_in_the_key(cache):
    _, sentences = make_document()
    plain = Detector(Settings(), signals=["interference"])._cache_key(sentences)
    assert Detector(Settings(allow=("Sunday",)), signals=["interference"])._cache_key(sentences) != plain


def sentence_transformers_dir(path: Path) -> Path:
    path.mkdir(parents=True)
    (path / "modules.json").write_text("[]")
    return path


def test_a_model_override_is_in_the_key(cache, tmp_path):
    _, sentences = make_document()
    one = sentence_transformers_dir(tmp_path / "one")
    two = sentence_transformers_dir(tmp_path / "two")

    def key(embedder: Path | None) -> str:
        tables = {"models": {"embedder": str(embedder)}} if embedder else {}
        return Detector(Settings(tables=tables), signals=["embedding"])._cache_key(sentences)

    default, first, second = key(None), key(one), key(two)
    assert len({default, first, second}) == 3
    (one / "extra.bin").write_bytes(b"changed")  # the same path, another model
    assert key(one) != first


def test_a_broken_model_override_fails_even_for_cached_text(cache, tmp_path):
    doc, sentences = make_document()
    Detector(Settings(), signals=["interference"]).detect(doc, sentences)  # now cached
    broken = Settings(tables={"models": {"embedder": str(tmp_path / "nonexistent")}})
    with pytest.raises(ModelError, match="nonexistent does not exist"):
        Detector(broken, signals=["interference"]).detect(doc, sentences)
    gguf = tmp_path / "model.gguf"
    gguf.write_bytes(b"GGUF")
    with pytest.raises(ModelError, match="GGUF"):
        Detector(Settings(tables={"models": {"embedder": str(gguf)}}), signals=["interference"])
    with pytest.raises(ModelError, match="does not exist"):
        Detector(Settings(tables={"models": {"rewriter": str(tmp_path / "missing.gguf")}}), signals=["interference"])


# --------------------------------------------------------------------------- 3. the configuration file


def test_mtcheck_toml_accepts_the_pyproject_form(tmp_path):
    config = tmp_path / "mtcheck.toml"
    config.write_text('[tool.mtcheck]\nthreshold = 0.6\nallow = ["Ryabkov"]\n'
                      '[tool.mtcheck.languagetool]\ndisabled_rules = ["EN_QUOTES"]\n')
    settings = load_settings(config)
    assert settings.threshold == 0.6 and settings.allow == ("Ryabkov",)
    assert settings.section("languagetool") == {"disabled_rules": ["EN_QUOTES"]}
    assert find_config(tmp_path) == config
    # ...and the top-level form, as before.
    config.write_text('threshold = 0.6\n[languagetool]\ndisabled_rules = ["EN_QUOTES"]\n')
    assert load_settings(config).section("languagetool") == {"disabled_rules": ["EN_QUOTES"]}


def test_mixing_the_two_forms_is_refused(tmp_path):
    config = tmp_path / "mtcheck.toml"
    config.write_text('threshold = 0.6\n[tool.mtcheck]\nfail_on = "error"\n')
    with pytest.raises(ConfigError, match=r"'threshold' is outside \[tool.mtcheck\]"):
        load_settings(config)
    config.write_text('[tool.mtcheck]\nfail_on = "error"\n[tool.black]\nline-length = 100\n')
    with pytest.raises(ConfigError, match=r"tool.black"):
        load_settings(config)


def test_the_readme_example_loads_in_both_files(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```toml\n(\[tool\.mtcheck\].*?)```", readme, re.S).group(1)
    for name in ("mtcheck.toml", "pyproject.toml"):
        path = tmp_path / name
        path.write_text(block, encoding="utf-8")
        settings = load_settings(path)
        assert settings.fail_on == "warning" and settings.max_flagged_ratio == 0.3
        assert settings.section("languagetool")["mother_tongue"] == "ru"


def test_a_broken_pyproject_with_mtcheck_settings_is_reported_with_its_line(tmp_path, monkeypatch):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "news"\n\n[tool.mtcheck]\nthreshold = 0.6\nfail_on = error\n')
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as err:
        load_settings()
    message = str(err.value)
    assert str(pyproject) in message and "line 6" in message and "\n" not in message


def test_a_broken_pyproject_without_mtcheck_settings_is_not_ours(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "news\n')
    (tmp_path / "mtcheck.toml").write_text("threshold = 0.7\n")
    assert find_config(project) == tmp_path / "mtcheck.toml"


@pytest.mark.parametrize("name", ["mtcheck.toml", "pyproject.toml"])
def test_a_toml_syntax_error_names_the_file_and_the_line(tmp_path, name):
    config = tmp_path / name
    config.write_text('[tool.mtcheck]\nthreshold = 0.6\nallow = ["Ryabkov"\n')
    with pytest.raises(ConfigError) as err:
        load_settings(config)
    message = str(err.value)
    assert message.startswith(f"{config}: line ") and "invalid TOML" in message and "\n" not in message
    assert err.value.exit_code == 2


def test_a_config_that_is_not_utf8_names_the_line(tmp_path):
    config = tmp_path / "mtcheck.toml"
    config.write_bytes(b'threshold = 0.6\nallow = ["Ry\xe4bkov"]\n')
    with pytest.raises(ConfigError, match=r"mtcheck.toml: line 2: not UTF-8"):
        load_settings(config)


@pytest.mark.parametrize("text, key", [
    ("threshhold = 0.6\n", "threshhold"),
    ("[langaugetool]\nport = 8095\n", "langaugetool"),
    ("[tool.mtcheck]\nlanguagetool_enabled = false\n", "languagetool_enabled"),
])
def test_an_unknown_setting_names_the_key_and_the_file(tmp_path, text, key):
    config = tmp_path / "mtcheck.toml"
    config.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_settings(config)
    assert str(config) in str(err.value) and repr(key) in str(err.value)


def test_an_unknown_setting_in_pyproject_names_the_key(tmp_path):
    config = tmp_path / "pyproject.toml"
    config.write_text('[tool.black]\nline-length = 100\n[tool.mtcheck]\nfailon = "error"\n')
    with pytest.raises(ConfigError, match=r"pyproject.toml: unknown setting 'failon' in \[tool.mtcheck\]"):
        load_settings(config)


def test_a_stage_table_must_be_a_table(tmp_path):
    config = tmp_path / "mtcheck.toml"
    config.write_text("languagetool = false\n")
    with pytest.raises(ConfigError, match="'languagetool' must be a table"):
        load_settings(config)


def test_the_known_tables_are_the_ones_the_code_reads():
    read = set()
    for path in (ROOT / "mtcheck").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        read |= set(re.findall(r"""\.(?:section|table)\(\s*["'](\w+)["']\s*\)""", text))
        read |= set(re.findall(r"""\bsettings\.(\w+)_config\b""", text))
    tables = {k for k, kind in CONFIG_KEYS.items() if kind == "table"}
    assert read == tables


def test_cli_reports_a_bad_config_in_one_line_with_exit_2(tmp_path, monkeypatch, capsys):
    config = tmp_path / "mtcheck.toml"
    config.write_text("[tool.mtcheck]\nthreshold = 0.6\nbogus = 1\n")
    code, _, err = run_main(monkeypatch, capsys, "languagetool", "status", "--config", str(config))
    assert code == 2
    line = error_line(err)
    assert "'bogus'" in line and str(config) in line
    config.write_text("[tool.mtcheck]\nthreshold = \n")
    code, _, err = run_main(monkeypatch, capsys, "languagetool", "status", "--config", str(config))
    assert code == 2
    assert f"{config}: line 2" in error_line(err)
