"""LanguageTool as a managed local service.

Modes (``[tool.mtcheck.languagetool] mode``):

* ``managed`` (default): mtcheck runs LanguageTool's own HTTP server from jars that
  ``mtcheck languagetool install`` copied into the cache with Maven. The server is left
  running between invocations (it takes ~10 s to start) and recorded in a state file, so
  the next ``mtcheck check`` reuses it; ``mtcheck languagetool stop`` ends it. The state file
  names a process id, which the system may since have given to another program (after a reboot,
  say): before mtcheck signals or waits on that process it checks that it is still the server it
  started (a java command line running LanguageTool's HTTP server on this port, and the start time
  recorded when it was launched). A state file that fails the check is removed, nothing is killed.
* ``url``: a server the user already runs (``url = ...`` or ``--languagetool-url``).
* ``download``: language_tool_python downloads LanguageTool and runs it for the length of
  the process (needs internet the first time).

Switching LanguageTool off is the caller's business: it simply does not create a service.
The managed server also loads mtcheck's rule pack (``resources/languagetool/classpath``):
LanguageTool reads ``/org/languagetool/rules/en/grammar_custom.xml`` from the classpath.

The jars are installed by ``languagetool_install.py``; the server's process (its state record,
the pid checks, signals and the health probe) is handled by ``languagetool_server.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mtcheck.config import Settings
from mtcheck.config_tables import LanguageToolConfig
from mtcheck.errors import ConfigError, LanguageToolError
from mtcheck.services import egress
from mtcheck.services.languagetool_install import (
    INSTALL_FIX,
    LT_VERSION,
    POM,
    RESOURCES,
    default_lib_dir,
    install,
    is_installed,
    languagetool_home,
    require_java,
)
from mtcheck.services.languagetool_server import (
    CREATE_TIME_TOLERANCE,
    LOGBACK_CONFIG,
    SERVER_CLASS,
    ServerState,
    health,
    is_server_command,
    last_log_line,
    pid_alive,
    port_open,
    process_start_time,
    rule_pack_digest,
    stop_child,
    terminate,
)

__all__ = [
    "CREATE_TIME_TOLERANCE",
    "INSTALL_FIX",
    "LT_VERSION",
    "MODES",
    "POM",
    "RULE_PACK_CATEGORY",
    "RULE_PACK_CLASSPATH",
    "RULE_PACK_FILE",
    "SERVER_CLASS",
    "LTMatch",
    "LanguageToolService",
    "ServerState",
    "Status",
    "default_lib_dir",
    "install",
    "is_installed",
    "is_server_command",
    "languagetool_home",
    "require_java",
]

# The defaults (port, heap, timeouts, language) are LanguageToolConfig's, in config_tables.py.
MODES = LanguageToolConfig.CHOICES["mode"]
RULE_PACK_CLASSPATH = RESOURCES / "classpath"
RULE_PACK_FILE = RULE_PACK_CLASSPATH / "org" / "languagetool" / "rules" / "en" / "grammar_custom.xml"
RULE_PACK_CATEGORY = "MTCHECK_RU"


@dataclass(frozen=True)
class LTMatch:
    """One LanguageTool match; ``offset`` counts Python characters from the start of the checked text."""

    offset: int
    length: int
    rule_id: str
    category: str
    issue_type: str
    message: str
    replacements: tuple[str, ...] = ()

    @property
    def end(self) -> int:
        return self.offset + self.length


@dataclass(frozen=True)
class Status:
    mode: str
    running: bool
    url: str
    pid: int | None = None
    detail: str = ""


class LanguageToolService:
    """One LanguageTool server (managed, a user URL, or downloaded) and the checks sent to it."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        url: str | None = None,
        mode: str | None = None,
        port: int | None = None,
        heap: str | None = None,
        lib_dir: Path | None = None,
        state_dir: Path | None = None,
        start_timeout: float | None = None,
    ):
        settings = settings or Settings()
        config = settings.languagetool_config
        self.url_override = url or config.url
        # Where the server address came from, for the hint when it does not answer.
        self.url_origin = "--languagetool-url" if url else f"[languagetool] url in {settings.config_path or 'the config'}"
        self.mode = mode or ("url" if self.url_override else (config.mode or "managed"))
        if self.mode not in MODES:
            raise ConfigError(f"[tool.mtcheck.languagetool] mode must be one of {', '.join(MODES)}, not {self.mode!r}")
        if self.mode == "url" and not self.url_override:
            raise ConfigError("LanguageTool mode 'url' needs a server address", fix="mtcheck check --languagetool-url http://HOST:PORT")
        try:
            self.port = int(port or os.environ.get("MTCHECK_LT_PORT") or config.port)
        except (TypeError, ValueError) as err:  # the environment variable; the config is checked already
            raise ConfigError(f"invalid MTCHECK_LT_PORT: {err}") from None
        self.start_timeout = float(start_timeout or config.start_timeout)
        self.request_timeout = float(config.request_timeout)
        self.heap = str(heap or config.heap)
        self.language = config.language
        # Russian as the writer's mother tongue switches on LanguageTool's ru->en false-friend rules.
        self.mother_tongue = config.mother_tongue or None
        self.picky = config.picky
        self.disabled_rules = tuple(config.disabled_rules)
        self.version = LT_VERSION
        self.lib_dir = Path(lib_dir) if lib_dir else default_lib_dir(self.version)
        self.state_dir = Path(state_dir) if state_dir else languagetool_home(self.version) / "state"
        self.classpath_dirs = (RULE_PACK_CLASSPATH,)
        self._tool: Any = None  # language_tool_python.LanguageTool, built on first check
        # language_tool_python's Match keeps the last text's 4-byte-character positions in class
        # attributes, so two threads checking at once could shift each other's offsets.
        self._lock = threading.Lock()
        self._download_tool: Any = None

    # -- paths and state --------------------------------------------------------------------
    @property
    def state_file(self) -> Path:
        return self.state_dir / f"server-{self.port}.json"

    @property
    def log_file(self) -> Path:
        return self.state_dir / f"server-{self.port}.log"

    @property
    def url(self) -> str:
        if self.mode == "url":
            return str(self.url_override).rstrip("/")
        if self.mode == "download" and self._download_tool is not None:
            return self._download_tool._url.rstrip("/").removesuffix("/v2")
        return f"http://127.0.0.1:{self.port}"

    def _read_state(self) -> ServerState | None:
        try:
            data = json.loads(self.state_file.read_text(encoding="utf-8"))
            return ServerState(**data)
        except (OSError, ValueError, TypeError):
            return None

    def _digest(self) -> str:
        return rule_pack_digest(self.version, self.lib_dir, self.classpath_dirs)

    # -- life cycle ---------------------------------------------------------------------------
    def ensure_running(self) -> str:
        """Make sure a server answers and return its base URL (starting one in managed mode)."""
        if self.mode == "url":
            if not health(self.url, timeout=5.0):
                raise LanguageToolError(f"no LanguageTool server answers at {self.url}",
                                        fix=f"start it, or drop {self.url_origin} to use the managed server")
            return self.url
        if self.mode == "download":
            return self._ensure_downloaded()
        return self._ensure_managed()

    def _server_process(self, state: ServerState) -> Any:
        """The psutil.Process the state file names, if it is still the server mtcheck started.

        None when that pid is gone, a zombie, or now another program: not java running
        LanguageTool's server on this port, or started at another time than the state file says.
        """
        import psutil

        if state.port != self.port:
            return None
        try:
            proc = psutil.Process(state.pid)
            if proc.status() == psutil.STATUS_ZOMBIE:
                return None
            cmdline, name, created = proc.cmdline(), proc.name(), proc.create_time()
        except psutil.Error:  # gone, or another user's process whose command line we may not read
            return None
        if not is_server_command(cmdline, name, self.port, self.lib_dir):
            return None
        if state.started is not None and abs(created - state.started) > CREATE_TIME_TOLERANCE:
            return None
        return proc

    def _live_state(self) -> ServerState | None:
        """The state file's server if it is still running; a stale state file is removed."""
        state = self._read_state()
        if state is None:
            return None
        if self._server_process(state) is None:
            self._drop_state(state)
            return None
        return state

    def _drop_state(self, state: ServerState) -> None:
        # Only the file that was judged stale: another mtcheck may have just written a new one.
        if self._read_state() == state:
            self.state_file.unlink(missing_ok=True)

    def _ensure_managed(self) -> str:
        state = self._live_state()
        if state is not None:
            if state.digest != self._digest():
                self.stop()  # the rule pack or the jars changed: restart with the new ones
            elif self._wait_healthy(state.pid):  # another mtcheck may still be starting it
                return self.url
        if port_open(self.port):
            if health(self.url):
                raise LanguageToolError(
                    f"port {self.port} already has a LanguageTool server that mtcheck did not start",
                    fix=f"use --languagetool-url {self.url}, or set MTCHECK_LT_PORT to a free port")
            raise LanguageToolError(f"port {self.port} is in use by another program",
                                    fix="set MTCHECK_LT_PORT (or [tool.mtcheck.languagetool] port) to a free port")
        return self._start()

    def _java_command(self, java: str) -> list[str]:
        sep = os.pathsep
        classpath = sep.join([*(str(d) for d in self.classpath_dirs), str(self.lib_dir / "*")])
        config = self.state_dir / "server.properties"
        # A result cache helps: the detector and the rewrite verifier re-check the same paragraphs.
        config.write_text("cacheSize=2000\npipelineCaching=true\n", encoding="utf-8")
        # LanguageTool logs three INFO lines per request; a server that lives for days would fill
        # the disk, so only warnings and errors (including start-up failures) reach the log.
        logback = self.state_dir / "logback.xml"
        logback.write_text(LOGBACK_CONFIG, encoding="utf-8")
        return [java, f"-Xmx{self.heap}", "-XX:+UseSerialGC", "-Dfile.encoding=UTF-8",
                f"-Dlogback.configurationFile={logback}", "-cp", classpath,
                "org.languagetool.server.HTTPServer", "--port", str(self.port), "--config", str(config)]

    def _start(self) -> str:
        java = require_java()
        if not is_installed(self.lib_dir):
            raise LanguageToolError(f"LanguageTool {self.version} jars are not installed in {self.lib_dir}", fix=INSTALL_FIX)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_file, "w", encoding="utf-8") as log:
            # A new session: the server outlives this mtcheck process and ignores its Ctrl-C.
            proc = subprocess.Popen(self._java_command(java), stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        state = ServerState(pid=proc.pid, port=self.port, version=self.version, digest=self._digest(),
                            log=str(self.log_file), started=process_start_time(proc.pid))
        self.state_file.write_text(state.to_json() + "\n", encoding="utf-8")
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                self.state_file.unlink(missing_ok=True)
                raise LanguageToolError(f"LanguageTool server failed to start: {last_log_line(self.log_file)}",
                                        fix=f"see {self.log_file}")
            if health(self.url, timeout=1.0):
                return self.url
            time.sleep(0.25)
        stop_child(proc)
        self.state_file.unlink(missing_ok=True)
        raise LanguageToolError(f"LanguageTool server did not answer within {self.start_timeout:.0f} s: "
                                f"{last_log_line(self.log_file)}",
                                fix="raise [tool.mtcheck.languagetool] start_timeout, or see " + str(self.log_file))

    def _wait_healthy(self, pid: int) -> bool:
        """Wait for the (verified) server ``pid`` to answer; False if it dies or times out first."""
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline and pid_alive(pid):
            if health(self.url, timeout=1.0):
                return True
            time.sleep(0.25)
        return False

    def _ensure_downloaded(self) -> str:
        if self._download_tool is None:
            require_java()
            import language_tool_python

            try:
                self._download_tool = language_tool_python.LanguageTool(self.language, mother_tongue=self.mother_tongue)
            except Exception as err:  # the library raises several unrelated types (download, Java, timeout)
                raise LanguageToolError(f"language_tool_python could not download or start LanguageTool: {err}",
                                        fix="use the managed mode: " + INSTALL_FIX) from None
            self._configure(self._download_tool)
            self._tool = self._download_tool
        return self.url

    def stop(self) -> bool:
        """Stop the managed server (or the downloaded one); True if something was stopped."""
        self.close()
        if self.mode != "managed":
            return False
        state = self._read_state()
        if state is None:
            return False
        # Signal only the server mtcheck started: the pid may now belong to another program.
        proc = self._server_process(state)
        stopped = proc is not None
        if stopped:
            terminate(proc)
            # The socket can outlive the pid check by a moment; a restart right after must find it free.
            deadline = time.monotonic() + 5.0
            while time.monotonic() < deadline and port_open(state.port):
                time.sleep(0.1)
        self.state_file.unlink(missing_ok=True)
        return stopped

    def close(self) -> None:
        """Forget the client; a downloaded server (owned by this process) is stopped."""
        if self._download_tool is not None:
            self._download_tool.close()
            self._download_tool = None
        self._tool = None

    def status(self) -> Status:
        if self.mode == "url":
            ok = health(self.url)
            return Status("url", ok, self.url, detail="answers" if ok else "does not answer")
        if self.mode == "download":
            running = self._download_tool is not None
            return Status("download", running, self.url if running else "", detail="started by language_tool_python")
        state = self._read_state()
        if state is None or self._server_process(state) is None:
            detail = "installed" if is_installed(self.lib_dir) else "not installed (run: mtcheck languagetool install)"
            return Status("managed", False, self.url, detail=f"not running; {detail}")
        healthy = health(self.url)
        stale = state.digest != self._digest()
        detail = ("answers" if healthy else "not answering") + ("; rule pack changed, will restart" if stale else "")
        return Status("managed", healthy, self.url, pid=state.pid, detail=f"LanguageTool {state.version} {detail}")

    # -- checking -----------------------------------------------------------------------------
    def signature(self) -> dict[str, Any]:
        """Everything about this service that changes what a check finds (for the detection cache).

        The port, heap and timeouts do not; the mode, the server, the language options, the
        disabled rules and (for the managed server) the jars and rule pack do.
        """
        sig: dict[str, Any] = {
            "mode": self.mode,
            "language": self.language,
            "mother_tongue": self.mother_tongue,
            "picky": self.picky,
            "disabled_rules": sorted(set(self.disabled_rules)),
        }
        if self.mode == "url":
            sig["url"] = self.url
        elif self.mode == "managed":
            sig["server"] = self._digest()
        return sig

    def _configure(self, tool: Any) -> None:
        tool.picky = self.picky
        # language_tool_python waits 300 s for an answer and asks twice (a class constant and a
        # keyword default): one request per paragraph gets request_timeout seconds, once (the
        # first, while the server loads its rules, start_timeout if that is longer).
        tool._TIMEOUT = max(self.request_timeout, self.start_timeout)
        query = tool._query_server
        tool._query_server = lambda url, params=None, num_tries=1, method="get": query(url, params, num_tries=1, method=method)
        if self.disabled_rules:
            tool.disabled_rules = set(self.disabled_rules)

    def _client(self) -> Any:
        if self._tool is None:
            base = self.ensure_running()
            import language_tool_python

            # Remote mode: language_tool_python only sends requests; it neither downloads nor
            # starts anything, and it passes motherTongue and level=picky for us.
            try:
                tool = language_tool_python.LanguageTool(self.language, mother_tongue=self.mother_tongue, remote_server=base)
            except Exception as err:
                raise self._unreachable(err) from None
            self._configure(tool)
            self._tool = tool
        return self._tool

    def _unreachable(self, err: Exception, waited: float | None = None) -> LanguageToolError:
        if self.mode == "managed":
            state = self._read_state()
            if state is not None and self._server_process(state) is None:
                return LanguageToolError(f"the LanguageTool server (pid {state.pid}) died: {last_log_line(self.log_file)}",
                                         fix="mtcheck languagetool start")
        detail = str(err).splitlines()[0][:200] if str(err) else type(err).__name__
        if "timed out" in str(err).lower():
            waited = self.request_timeout if waited is None else waited
            return LanguageToolError(f"LanguageTool at {self.url} did not answer a check within {waited:g} s: {detail}",
                                     fix="raise [languagetool] request_timeout (start_timeout for the first check), "
                                         "or see mtcheck languagetool status")
        return LanguageToolError(f"LanguageTool at {self.url} stopped answering: {detail}",
                                 fix="mtcheck languagetool status")

    def check_paragraphs(self, texts: list[str]) -> list[list[LTMatch]]:
        """Check each paragraph with one request; offsets are relative to each text."""
        results: list[list[LTMatch]] = []
        tool = self._client() if any(t.strip() for t in texts) else None
        if tool is not None and self.mode == "url" and not egress.is_loopback(self.url):
            egress.announce(egress.LANGUAGETOOL_SERVER, self.url)
        for text in texts:
            if not text.strip():
                results.append([])
                continue
            assert tool is not None  # built above, since this text is not blank
            waited = getattr(tool, "_TIMEOUT", None)
            try:
                with self._lock:
                    found = [_to_ltmatch(m) for m in tool.check(text)]
                    tool._TIMEOUT = self.request_timeout  # the rules are loaded: a paragraph from now on
            except Exception as err:  # requests and language_tool_python errors alike
                self._tool = None
                raise self._unreachable(err, waited) from None
            results.append(found)
        return results


def _to_ltmatch(match: Any) -> LTMatch:
    # language_tool_python has already turned LanguageTool's UTF-16 offsets into Python ones.
    return LTMatch(
        offset=int(match.offset),
        length=int(match.error_length),
        rule_id=str(match.rule_id),
        category=str(match.category),
        issue_type=str(getattr(match, "rule_issue_type", "") or ""),
        message=str(match.message),
        replacements=tuple(str(r) for r in (match.replacements or ())[:5]),
    )


def _main(argv: list[str]) -> int:  # pragma: no cover - a developer's shortcut
    service = LanguageToolService()
    service.ensure_running()
    for paragraph, matches in zip(argv, service.check_paragraphs(argv)):
        for m in matches:
            print(f"{m.rule_id}\t{paragraph[m.offset:m.end]!r}\t{m.message}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(_main(sys.argv[1:]))
