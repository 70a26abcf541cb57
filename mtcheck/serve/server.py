"""The HTTP side of ``mtcheck serve``: a standard-library server with a bounded pool and queue.

Each connection is read by its own thread (with a read timeout, and at most ``max_connections``
at once); the work a request asks for runs on a pool of ``workers`` threads with at most
``queue`` more waiting, and a request beyond that gets 429 at once. A request is answered within
``timeout`` seconds (503 after that; its work finishes in the background and keeps its slot until
it does, so load stays bounded). Every failure is a status and a one-line JSON error
(``{"error": ..., "status": ...}``); texts are never logged unless ``log_texts``.

Statuses: 200; 400 malformed (bad form encoding, invalid UTF-8, missing field, unknown
language, empty text); 401 no or wrong token; 404/405 unknown path or method; 408 the body did not
arrive within the read timeout; 411 no Content-Length (chunked bodies are not read); 413 larger
than ``max_bytes`` (or more sentences than ``check`` takes); 415 not form-encoded; 429 queue full;
500 a bug (one line, the server goes on); 503 a component failed or the request took too long.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import signal
import socket
import sys
import threading
import time
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from queue import Queue
from typing import Any, Callable, TextIO

from mtcheck.console import printable
from mtcheck.errors import ComponentError, InputError, MtcheckError
from mtcheck.load import DEFAULT_MAX_BYTES
from mtcheck.serve import protocol
from mtcheck.serve.protocol import HttpError

# Form encoding spends up to three bytes per byte of text (%XX): the body may be that much larger.
FORM_OVERHEAD = 3
FORM_SLACK = 64 * 1024  # the other fields (language, rule lists, annotated text's markup)
# An oversized body is read and thrown away up to this many bytes, so the client gets its 413
# rather than a reset connection; beyond it the connection is simply closed.
DRAIN_LIMIT = 64 * 1024 * 1024
CHUNK = 64 * 1024


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8090
    token: str | None = None
    workers: int = 2
    queue: int = 8
    timeout: float = 60.0  # seconds a request may take before it is answered 503
    rewrite_timeout: float = 600.0  # the same for requests that ask for rewrites (a local LLM, seconds per sentence)
    read_timeout: float = 30.0  # seconds a client may take to send its request
    max_bytes: int = DEFAULT_MAX_BYTES
    log_texts: bool = False

    @property
    def max_connections(self) -> int:
        return max(64, 4 * (self.workers + self.queue))


def is_loopback(host: str) -> bool:
    """Is ``host`` this machine only (127.0.0.0/8, ::1, localhost)? Anything else is reachable from outside."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Admission:
    """At most ``workers`` requests running and ``queue`` waiting; ``submit`` refuses the next (429).

    The workers are daemon threads: work that outlived its request's timeout does not hold the
    process open once the server has stopped."""

    def __init__(self, workers: int, queue: int):
        self.capacity = workers + queue
        self._slots = threading.BoundedSemaphore(self.capacity)
        self._jobs: Queue[tuple[Future, Callable[..., Any], tuple[Any, ...]] | None] = Queue()
        self._closed = False
        self._count = threading.Lock()
        self.pending = 0  # requests running or queued
        self._threads = [threading.Thread(target=self._work, name=f"mtcheck-serve-worker-{n}", daemon=True) for n in range(workers)]
        for thread in self._threads:
            thread.start()

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        if self._closed:
            raise HttpError(503, "the server is shutting down")
        if not self._slots.acquire(blocking=False):
            raise HttpError(429, f"the server is busy ({self.capacity} requests running or queued); retry shortly")
        with self._count:
            self.pending += 1
        future: Future = Future()
        self._jobs.put((future, fn, args))
        return future

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            future, fn, args = job
            try:
                if future.set_running_or_notify_cancel():
                    try:
                        future.set_result(fn(*args))
                    except BaseException as err:  # handed to the waiting request
                        future.set_exception(err)
            finally:
                with self._count:
                    self.pending -= 1
                self._slots.release()

    def shutdown(self) -> None:
        self._closed = True
        for _ in self._threads:
            self._jobs.put(None)


class Log:
    """One line per request on a stream (stderr): method, path without its query, status, time.
    The text is added only when ``log_texts`` is set."""

    def __init__(self, stream: TextIO | None = None, log_texts: bool = False):
        self.stream = stream if stream is not None else sys.stderr
        self.log_texts = log_texts
        self._lock = threading.Lock()

    def line(self, message: str) -> None:
        with self._lock:
            try:
                self.stream.write(f"mtcheck serve: {printable(message)}\n")
                self.stream.flush()
            except (OSError, ValueError):
                pass  # a closed stderr must not take a request down


class Handler(BaseHTTPRequestHandler):
    server: "Server"
    server_version = "mtcheck"
    sys_version = ""
    error_content_type = "application/json; charset=utf-8"

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.config.read_timeout)  # a slow or silent client gets 408, not a thread
        self._began = time.monotonic()
        self._status = 0
        self._text_for_log: str | None = None

    # -- routing ----------------------------------------------------------------------------
    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def _route(self, method: str) -> None:
        path, _, query = self.path.partition("?")
        self._began = time.monotonic()
        try:
            if path in ("/health", "/v2/healthcheck"):
                self._only(method, "GET")
                load = {"pending": self.server.admission.pending, "capacity": self.server.admission.capacity,
                        "connections": self.server.in_flight()}
                self._send(200, {**self.server.app.health(), "load": load})
            elif path == "/v2/languages":
                self._only(method, "GET")
                self._send(200, self.server.app.languages())
            elif path == "/v2/check":
                fields = self._fields(method, query)
                request = protocol.parse_check(fields, self.server.app.languages())
                self._limit(request.text.source)
                self._note_text(request.text.source)
                self._send(200, self._work(self.server.app.check, request, rewrites=request.rewrite))
            elif path == "/v1/rewrite":
                self._only(method, "POST")
                request_r = protocol.parse_rewrite(self._fields(method, query))
                self._limit(request_r.context + request_r.sentence)
                self._note_text(request_r.sentence)
                self._send(200, self._work(self.server.app.rewrite, request_r, rewrites=True))
            else:
                raise HttpError(404, f"no such endpoint {path}: try POST /v2/check, GET /v2/languages, POST /v1/rewrite, GET /health")
        except HttpError as err:
            self._fail(err.status, err.message)
        except _ClientGone:
            self._log(499, "client went away")
        except Exception as err:  # a bug outside the worker: one line for the client, no traceback, the server goes on
            self._fail(500, f"internal error: {type(err).__name__}: {err}")
        finally:
            self._log_done(method, path)

    def _only(self, method: str, allowed: str) -> None:
        if method != allowed:
            raise HttpError(405, f"use {allowed} here")

    # -- reading ------------------------------------------------------------------------------
    def _fields(self, method: str, query: str) -> dict[str, str]:
        """The form fields (POST body, or GET query), after the size limit and the token."""
        authorized = self._bearer_ok()
        if method == "POST":
            body = self._body()
            kind = (self.headers.get("Content-Type") or "application/x-www-form-urlencoded").split(";")[0].strip().lower()
            if kind not in ("application/x-www-form-urlencoded", ""):
                raise HttpError(415, f"send the fields form-encoded (application/x-www-form-urlencoded), as LanguageTool's clients do, not {kind}")
            fields = protocol.parse_form(body)
        else:
            fields = protocol.parse_form(query.encode("latin-1", "replace"))
        if not authorized and not self._key_ok(fields.get("apiKey")):
            raise HttpError(401, "this server needs its token: send 'Authorization: Bearer TOKEN' or the field apiKey=TOKEN")
        return fields

    def _bearer_ok(self) -> bool:
        token = self.server.config.token
        if token is None:
            return True
        scheme, _, given = (self.headers.get("Authorization") or "").partition(" ")
        return scheme.lower() == "bearer" and self._key_ok(given.strip())

    def _key_ok(self, given: str | None) -> bool:
        token = self.server.config.token
        if token is None:
            return True
        return given is not None and hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8"))

    def _body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            raise HttpError(411, "send a Content-Length; chunked request bodies are not read")
        raw = self.headers.get("Content-Length")
        if raw is None:
            return b""
        try:
            length = int(raw)
            if length < 0:
                raise ValueError
        except ValueError:
            raise HttpError(400, f"Content-Length {raw!r} is not a byte count") from None
        limit = FORM_OVERHEAD * self.server.config.max_bytes + FORM_SLACK
        if length > limit:
            self._drain(length)
            raise HttpError(413, f"the request is {length:,} bytes, over the limit for a text of {self.server.config.max_bytes:,} bytes "
                                 "(--max-bytes)")
        body = self._read(length)
        if len(body) < length:
            raise _ClientGone()
        return body

    def _read(self, length: int) -> bytes:
        parts: list[bytes] = []
        got = 0
        try:
            while got < length:
                part = self.rfile.read(min(CHUNK, length - got))
                if not part:
                    break
                parts.append(part)
                got += len(part)
        except socket.timeout:
            raise HttpError(408, f"the request body did not arrive within {self.server.config.read_timeout:.0f} s") from None
        except (ConnectionError, OSError):
            raise _ClientGone() from None
        return b"".join(parts)

    def _drain(self, length: int) -> None:
        """Read (and drop) an oversized body, within limits, so the client is ready to read the 413."""
        left = min(length, DRAIN_LIMIT)
        try:
            while left > 0:
                part = self.rfile.read(min(CHUNK, left))
                if not part:
                    break
                left -= len(part)
        except (OSError, socket.timeout):
            pass
        self.close_connection = True

    def _limit(self, text: str) -> None:
        size = len(text.encode("utf-8", "surrogatepass"))
        limit = self.server.config.max_bytes
        if size > limit:
            raise HttpError(413, f"the text is {size:,} bytes, over the limit of {limit:,} bytes (--max-bytes)")

    def _note_text(self, text: str) -> None:
        if self.server.log.log_texts:
            self._text_for_log = text

    # -- working ------------------------------------------------------------------------------
    def _work(self, fn: Callable[[Any], Any], request: Any, rewrites: bool = False) -> Any:
        future = self.server.admission.submit(_answer, fn, request)
        config = self.server.config
        timeout, option = (config.rewrite_timeout, "--rewrite-timeout") if rewrites else (config.timeout, "--timeout")
        try:
            return future.result(timeout=timeout)
        except FutureTimeout:
            raise HttpError(503, f"the request took longer than {timeout:g} s ({option}); it was not answered, try a shorter text") from None

    # -- writing ------------------------------------------------------------------------------
    def _send(self, status: int, value: Any, headers: dict[str, str] | None = None) -> None:
        body = protocol.dumps(value) if status == 200 else value
        self._status = status
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            for name, value_ in (headers or {}).items():
                self.send_header(name, value_)
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
        except (ConnectionError, OSError):
            raise _ClientGone() from None
        self.close_connection = True

    def _fail(self, status: int, message: str) -> None:
        headers = {}
        if status == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="mtcheck"'
        if status == 429:
            headers["Retry-After"] = "1"
        if status >= 500:
            self.server.app.last_error = message
        try:
            self._send(status, protocol.error_body(status, message), headers)
        except _ClientGone:
            self._log(499, "client went away before the answer")

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The standard library's own errors (a malformed request line, a header too long), as JSON."""
        self.close_connection = True
        # A request line the library could not read counts as HTTP/0.9, whose answers have no
        # status line: a client sending garbage still gets a status it can read.
        self.request_version = "HTTP/1.0"
        self._fail(code, message or self.responses.get(code, ("error",))[0])
        self._log(code, "malformed request")

    # -- logging ------------------------------------------------------------------------------
    def log_message(self, format: str, *args: Any) -> None:
        pass  # the standard library's lines quote the request line, which may carry a text

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # one line per request is written by _log_done

    def _log(self, status: int, what: str) -> None:
        self.server.log.line(f"{self.client_address[0]} {status} {what}")

    def _log_done(self, method: str, path: str) -> None:
        seconds = time.monotonic() - self._began
        line = f"{self.client_address[0]} {method} {path} {self._status or '-'} {seconds:.3f}s"
        if self._text_for_log is not None:
            line += " text=" + json.dumps(self._text_for_log, ensure_ascii=False)
        self.server.log.line(line)


class _ClientGone(Exception):
    """The client closed the connection before its request was read or its answer written."""


def _answer(fn: Callable[[Any], Any], request: Any) -> Any:
    """Run ``fn(request)`` in a worker: mtcheck's errors become statuses, a bug a one-line 500."""
    try:
        return fn(request)
    except HttpError:
        raise
    except InputError as err:
        raise HttpError(400, str(err)) from None
    except (ComponentError, MtcheckError) as err:
        raise HttpError(503, str(err)) from None
    except Exception as err:  # a bug: one line for the client, the server goes on
        raise HttpError(500, f"internal error: {type(err).__name__}: {err}") from None


class Server(ThreadingHTTPServer):
    """Connections each get a thread (bounded); the in-flight count lets SIGTERM drain them."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, app: Any, config: ServerConfig, log: Log | None = None):
        self.app = app
        self.config = config
        self.log = log or Log(log_texts=config.log_texts)
        self.admission = Admission(config.workers, config.queue)
        self._open = 0
        self._open_lock = threading.Condition()
        host = config.host.strip("[]")
        if ":" in host:
            self.address_family = socket.AF_INET6
        try:
            super().__init__((host, config.port), Handler)
        except OSError as err:
            raise InputError(f"cannot listen on {config.host}:{config.port}: {err.strerror or err}",
                             fix="choose another --port, or stop what uses it") from None

    @property
    def url(self) -> str:
        raw, port = self.server_address[:2]
        host = raw.decode() if isinstance(raw, bytes) else str(raw)
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}"

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            busy = self._open >= self.config.max_connections
            if not busy:
                self._open += 1
        if busy:
            _refuse(request, 429, f"the server has {self.config.max_connections} connections open; retry shortly")
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._open_lock:
                self._open -= 1
                self._open_lock.notify_all()

    def in_flight(self) -> int:
        with self._open_lock:
            return self._open

    def drain(self, deadline: float) -> int:
        """Wait until every open connection is answered (or ``deadline``); the number left unanswered."""
        with self._open_lock:
            while self._open and time.monotonic() < deadline:
                self._open_lock.wait(timeout=max(0.0, min(0.5, deadline - time.monotonic())))
            return self._open


def _refuse(request: Any, status: int, message: str) -> None:
    """Answer a connection that will not be read, from the accepting thread, without blocking it."""
    body = protocol.error_body(status, message)
    head = (f"HTTP/1.0 {status} Too Many Requests\r\nContent-Type: application/json; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nRetry-After: 1\r\nConnection: close\r\n\r\n").encode("ascii")
    try:
        request.settimeout(0.2)
        request.sendall(head + body)
    except OSError:
        pass


def serve(server: Server, on_ready: Callable[[], None] | None = None) -> int:
    """Serve until SIGTERM or SIGINT, then stop accepting, finish what is in flight (within the
    request timeout) and return the number of requests that could not be finished."""
    stopping = threading.Event()

    def stop(signum: int, frame: Any) -> None:
        if stopping.is_set():
            return
        stopping.set()
        # shutdown() waits for serve_forever to return, so it cannot run in serve_forever's thread.
        threading.Thread(target=server.shutdown, name="mtcheck-serve-stop", daemon=True).start()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        if on_ready is not None:
            on_ready()
        server.serve_forever(poll_interval=0.2)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    server.server_close()  # no new connections while the open ones finish
    open_now = server.in_flight()
    if open_now:
        server.log.line(f"stopping: finishing {open_now} request{'s' if open_now != 1 else ''} in flight")
    config = server.config
    left = server.drain(time.monotonic() + max(config.timeout, config.rewrite_timeout) + config.read_timeout)
    server.admission.shutdown()
    server.log.line("stopped" + (f" ({left} requests unfinished)" if left else ""))
    return left
