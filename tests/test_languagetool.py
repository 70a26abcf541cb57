"""The managed LanguageTool service: install, start, reuse, check, stop, and its error messages.

One real server is started for this module (on a free port, with its own state directory;
the jars come from the normal cache and are installed first if needed).
"""

from __future__ import annotations

import os
import shutil
import socket
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from mtcheck.config import Settings
from mtcheck.errors import ConfigError, LanguageToolError
from mtcheck.services import languagetool as lt
from mtcheck.services.languagetool import LanguageToolService, LTMatch

SEED_SENTENCE = ("As reports Reuters, citing an unnamed representative of the opposition, the rebels will be able "
                 "to leave the city the corridors within 48 hours.")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def java_processes_on(port: int) -> list[int]:
    import psutil

    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        cmd = proc.info.get("cmdline") or []
        if "org.languagetool.server.HTTPServer" in cmd and str(port) in cmd:
            found.append(proc.info["pid"])
    return found


@pytest.fixture(scope="module")
def lib_dir() -> Path:
    path = lt.default_lib_dir()
    if not lt.is_installed(path):
        lt.install(path)  # `mtcheck languagetool install`
    return path


@pytest.fixture(scope="module")
def server(lib_dir, tmp_path_factory):
    state = tmp_path_factory.mktemp("lt-state")
    service = LanguageToolService(Settings(), port=free_port(), lib_dir=lib_dir, state_dir=state)
    service.ensure_running()
    yield service
    service.stop()


# -- real server ----------------------------------------------------------------------------------


@pytest.mark.integration
def test_server_starts_and_records_state(server):
    status = server.status()
    assert status.running and status.mode == "managed"
    assert status.pid is not None and status.pid in java_processes_on(server.port)
    assert server.state_file.is_file()


@pytest.mark.integration
def test_the_real_server_is_recognised_by_its_command_line_and_start_time(server):
    import json

    import psutil

    state = json.loads(server.state_file.read_text())
    proc = psutil.Process(state["pid"])
    assert lt.is_server_command(proc.cmdline(), proc.name(), server.port, server.lib_dir)
    assert state["started"] == pytest.approx(proc.create_time(), abs=lt.CREATE_TIME_TOLERANCE)
    # The same server seen through a state file for another port is not this port's server.
    assert not lt.is_server_command(proc.cmdline(), proc.name(), server.port + 1, server.lib_dir)


@pytest.mark.integration
def test_second_service_reuses_the_running_server(server):
    before = java_processes_on(server.port)
    again = LanguageToolService(Settings(), port=server.port, lib_dir=server.lib_dir, state_dir=server.state_dir)
    assert again.ensure_running() == server.url
    assert java_processes_on(server.port) == before
    assert again.status().pid == server.status().pid


@pytest.mark.integration
def test_check_paragraphs_finds_a_builtin_error_with_per_text_offsets(server):
    texts = ["The talks went well.", "", "The talks ended. This are the results of the vote."]
    results = server.check_paragraphs(texts)
    assert len(results) == 3 and results[1] == []
    grammar = [m for m in results[2] if m.category == "GRAMMAR"]
    assert grammar, results[2]
    assert all(isinstance(m, LTMatch) for m in results[2])
    assert any(texts[2][m.offset : m.end] in ("This", "are", "This are") for m in grammar)


@pytest.mark.integration
def test_offsets_are_python_characters_after_an_emoji(server):
    text = "😀 The talks ended. This are the results."
    (matches,) = server.check_paragraphs([text])
    spans = {text[m.offset : m.end] for m in matches}
    assert spans & {"This", "are", "This are"}, spans


@pytest.mark.integration
def test_rule_pack_fires_on_the_seed_sentence(server):
    (matches,) = server.check_paragraphs([SEED_SENTENCE])
    ours = {m.rule_id: SEED_SENTENCE[m.offset : m.end] for m in matches if m.rule_id.startswith("MTCHECK_RU_")}
    assert ours.get("MTCHECK_RU_AS_REPORTS") == "reports Reuters"
    assert ours.get("MTCHECK_RU_NP_NP_LEAVE") == "the corridors"
    by_rule = {m.rule_id: m for m in matches}
    assert by_rule["MTCHECK_RU_AS_REPORTS"].replacements[0] == "Reuters reports"
    assert by_rule["MTCHECK_RU_AS_REPORTS"].category == lt.RULE_PACK_CATEGORY


def _rule_pack_examples():
    root = ET.parse(lt.RULE_PACK_FILE).getroot()
    for rule in root.iter("rule"):
        rule_id = rule.get("id")
        if rule_id is None:  # a rule inside a rulegroup takes the group's id
            continue
        yield from _examples_of(rule_id, rule)
    for group in root.iter("rulegroup"):
        for rule in group.iter("rule"):
            yield from _examples_of(group.get("id"), rule)


def _examples_of(rule_id, rule):
    for ex in rule.findall("example"):
        marked = ex.find("marker")
        text = "".join(ex.itertext())
        span = "".join(marked.itertext()) if marked is not None else None
        yield rule_id, text, span, ex.get("correction")


@pytest.mark.integration
def test_every_rule_pack_example_behaves_as_documented(server):
    examples = list(_rule_pack_examples())
    assert len({rule_id for rule_id, *_ in examples}) >= 8
    results = server.check_paragraphs([text for _, text, _, _ in examples])
    for (rule_id, text, span, correction), matches in zip(examples, results):
        hits = [m for m in matches if m.rule_id == rule_id]
        if correction is None:
            assert not hits, f"{rule_id} fires on its correct example: {text}"
            continue
        assert hits, f"{rule_id} misses its example: {text}"
        assert text[hits[0].offset : hits[0].end] == span
        if correction:
            assert list(hits[0].replacements) == correction.split("|")


@pytest.mark.integration
def test_url_mode_talks_to_an_existing_server(server):
    remote = LanguageToolService(Settings(tables={"languagetool": {"url": server.url}}))
    assert remote.mode == "url"
    (matches,) = remote.check_paragraphs(["The talks ended. This are the results of the vote."])
    assert any(m.category == "GRAMMAR" for m in matches)
    assert remote.status().running
    assert remote.stop() is False  # never stops a server it does not own


@pytest.mark.integration
def test_port_used_by_another_languagetool_server_is_reported(server, tmp_path):
    other = LanguageToolService(Settings(), port=server.port, lib_dir=server.lib_dir, state_dir=tmp_path)
    with pytest.raises(LanguageToolError, match="did not start"):
        other.ensure_running()


@pytest.mark.integration
def test_stop_ends_the_server(server):
    pid = server.status().pid
    assert server.stop() is True
    assert pid not in java_processes_on(server.port)
    assert not server.status().running
    assert not server.state_file.exists()
    assert server.stop() is False


# -- failure modes (no server needed) ---------------------------------------------------------------


def test_java_missing_is_one_clear_line(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    service = LanguageToolService(Settings(), port=free_port(), lib_dir=tmp_path / "lib", state_dir=tmp_path / "state")
    with pytest.raises(LanguageToolError) as err:
        service.ensure_running()
    assert err.value.message == "java not found; LanguageTool needs Java 17+"
    assert err.value.fix == "make setup"


def test_jars_missing_names_the_install_command(tmp_path):
    service = LanguageToolService(Settings(), port=free_port(), lib_dir=tmp_path / "empty", state_dir=tmp_path / "state")
    with pytest.raises(LanguageToolError) as err:
        service.ensure_running()
    assert "not installed" in err.value.message
    assert err.value.fix == "mtcheck languagetool install"


def test_unreachable_url_is_reported(tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    service = LanguageToolService(Settings(), url=url)
    with pytest.raises(LanguageToolError, match="no LanguageTool server answers at " + url):
        service.ensure_running()
    with pytest.raises(LanguageToolError):
        service.check_paragraphs(["Some text."])


def test_port_taken_by_another_program(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        # The port is checked before the jars, so no installation is needed here.
        service = LanguageToolService(Settings(), port=port, lib_dir=tmp_path / "lib", state_dir=tmp_path)
        with pytest.raises(LanguageToolError, match=f"port {port} is in use by another program"):
            service.ensure_running()


@pytest.mark.integration
def test_failed_start_shows_the_last_log_line(lib_dir, tmp_path):
    service = LanguageToolService(Settings(), port=free_port(), heap="lots", lib_dir=lib_dir, state_dir=tmp_path)
    with pytest.raises(LanguageToolError) as err:
        service.ensure_running()
    assert err.value.message.startswith("LanguageTool server failed to start: ")
    assert "heap" in err.value.message.lower()
    assert not service.state_file.exists()


def test_a_server_that_never_answers_is_stopped_after_start_timeout(tmp_path, monkeypatch):
    # A stand-in for java that starts and never listens: after start_timeout it is stopped and reaped.
    java = tmp_path / "java"
    java.write_text(f"#!/bin/sh\necho $$ > {tmp_path / 'pid'}\nexec sleep 60\n")
    java.chmod(0o755)
    monkeypatch.setattr(lt, "require_java", lambda: str(java))
    monkeypatch.setattr(lt, "is_installed", lambda lib_dir: True)
    service = LanguageToolService(Settings(), port=free_port(), lib_dir=tmp_path / "lib", state_dir=tmp_path / "state",
                                  start_timeout=0.5)
    with pytest.raises(LanguageToolError, match="LanguageTool server did not answer within"):
        service.ensure_running()
    pid = int((tmp_path / "pid").read_text())
    assert not lt.pid_alive(pid) and not service.state_file.exists()


def test_empty_texts_need_no_server(tmp_path):
    service = LanguageToolService(Settings(), url=f"http://127.0.0.1:{free_port()}")
    assert service.check_paragraphs(["", "  \n"]) == [[], []]


def test_settings_and_environment(monkeypatch):
    monkeypatch.setenv("MTCHECK_LT_PORT", "9123")
    service = LanguageToolService(Settings(tables={"languagetool": {"heap": "1g", "picky": True}}))
    assert (service.port, service.heap, service.picky, service.mode) == (9123, "1g", True, "managed")
    monkeypatch.delenv("MTCHECK_LT_PORT")
    assert LanguageToolService(Settings(tables={"languagetool": {"port": 9200}})).port == 9200
    assert LanguageToolService(Settings()).port == 8081  # the default, [languagetool] port
    with pytest.raises(ConfigError):
        LanguageToolService(Settings(tables={"languagetool": {"mode": "cloud"}}))
    with pytest.raises(ConfigError):
        LanguageToolService(Settings(tables={"languagetool": {"mode": "url"}}))


def test_install_is_a_no_op_when_stamped(tmp_path, monkeypatch):
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "languagetool-server-6.6.jar").write_bytes(b"")
    (lib / ".installed").write_text("{}")
    monkeypatch.setenv("PATH", str(tmp_path))  # neither java nor mvn: a stamped install needs neither
    assert lt.install(lib) == lib


def test_install_without_maven_says_so(tmp_path, monkeypatch):
    java = shutil.which("java")
    if java is None:
        pytest.skip("needs java")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    os.symlink(java, bin_dir / "java")
    monkeypatch.setenv("PATH", str(bin_dir))
    with pytest.raises(LanguageToolError) as err:
        lt.install(tmp_path / "lib")
    assert err.value.message.startswith("mvn not found") and err.value.fix == "make setup"


def test_cli_status_and_start_errors(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    import mtcheck.cli.languagetool  # noqa: F401  (registers the sub-app)
    from mtcheck.cli import app

    monkeypatch.setenv("MTCHECK_CACHE", str(tmp_path))
    monkeypatch.setenv("MTCHECK_LT_PORT", str(free_port()))
    runner = CliRunner()
    result = runner.invoke(app, ["languagetool", "status"])
    assert result.exit_code == 1
    assert "not running" in result.output and "mtcheck languagetool install" in result.output
    result = runner.invoke(app, ["languagetool", "start"])
    assert isinstance(result.exception, LanguageToolError)
    assert result.exception.fix == "mtcheck languagetool install"
    result = runner.invoke(app, ["languagetool", "stop"])
    assert result.exit_code == 0 and "not running" in result.output
