"""The managed LanguageTool server's process: its state record, its identity, signals and health.

The state file names a process id, which the system may since have given to another program
(after a reboot, say): before mtcheck signals or waits on that process it checks that it is still
the server it started (``is_server_command`` on its command line, and the start time recorded when
it was launched). ``rule_pack_digest`` changes with the jars or the rule pack, so a stale server
is replaced.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

SERVER_CLASS = "org.languagetool.server.HTTPServer"
# The kernel gives a process's start time in clock ticks since boot; psutil turns it into a wall
# time through the boot time, which can move by a second when the clock is adjusted.
CREATE_TIME_TOLERANCE = 2.0  # seconds
LOGBACK_CONFIG = """<configuration>
  <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%d{yyyy-MM-dd HH:mm:ss} %-5level %logger{20} %msg%n</pattern></encoder>
  </appender>
  <root level="WARN"><appender-ref ref="OUT"/></root>
</configuration>
"""


@dataclass(frozen=True)
class ServerState:
    """What the state file records about a running managed server."""

    pid: int
    port: int
    version: str
    digest: str
    log: str
    # The process's start time (psutil's create_time) when mtcheck launched it: a pid the system has
    # since given to another process has another start time. None in state files written before it
    # was recorded; the command line is then the only check.
    started: float | None = None

    def to_json(self) -> str:
        return json.dumps(self.__dict__, indent=2)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child (started by this very process and not yet reaped) still answers kill(0).
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def is_server_command(cmdline: list[str], name: str, port: int, lib_dir: Path | None = None) -> bool:
    """Whether a command line is LanguageTool's HTTP server run by java on ``port``.

    ``name`` is the process name (the executable's file name). The server must be named by its
    class, or by a classpath in ``lib_dir``; the port must follow ``--port``.
    """
    if not cmdline:
        return False
    program = os.path.basename(cmdline[0]).lower()
    if not (program.startswith("java") or name.lower().startswith("java")):
        return False
    runs_server = SERVER_CLASS in cmdline or (lib_dir is not None and any(str(lib_dir) in arg for arg in cmdline))
    on_port = any(arg == "--port" and value == str(port) for arg, value in zip(cmdline, cmdline[1:]))
    return runs_server and on_port


def process_start_time(pid: int) -> float | None:
    import psutil

    try:
        return psutil.Process(pid).create_time()
    except psutil.Error:
        return None


def terminate(proc: Any, grace: float = 5.0) -> None:
    """SIGTERM, then SIGKILL after ``grace`` seconds, to a psutil.Process.

    psutil checks that the pid still belongs to the process the handle was made for before it
    sends a signal, so a pid reused in the meantime is left alone.
    """
    import psutil

    try:
        proc.terminate()
        try:
            proc.wait(grace)  # also reaps it if it is this process's own child
        except psutil.TimeoutExpired:
            proc.kill()
            proc.wait(grace)
    except psutil.Error:  # already gone (or reused: not ours to signal)
        pass


def stop_child(proc: subprocess.Popen, grace: float = 5.0) -> None:
    """SIGTERM, then SIGKILL after ``grace`` seconds, to a server this process started and still
    owns (one that did not answer in time); it is reaped, so it does not linger as a zombie."""
    proc.terminate()
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(grace)


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def last_log_line(path: Path) -> str:
    try:
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8", errors="replace").splitlines() if ln.strip()]
    except OSError:
        return "no log"
    # Java stack traces end in "at ..." frames and the JVM ends with generic lines; the line
    # that says what went wrong is above them.
    generic = ("at ", "...", "Error: Could not create the Java Virtual Machine", "Error: A fatal exception has occurred")
    for line in reversed(lines):
        if not line.startswith(generic):
            return line[:300]
    return "empty log"


def health(url: str, timeout: float = 2.0) -> bool:
    import requests

    try:
        response = requests.get(url.rstrip("/") + "/v2/languages", timeout=timeout)
    except requests.RequestException:
        return False
    if response.status_code != 200:
        return False
    try:
        return isinstance(response.json(), list)
    except ValueError:
        return False


def rule_pack_digest(version: str, lib_dir: Path, classpath_dirs: Iterable[Path]) -> str:
    """Changes when the jars or the rule pack change, so a stale server is replaced."""
    digest = hashlib.sha256(f"{version}\0{lib_dir.resolve()}".encode())
    for folder in classpath_dirs:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(folder)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
