"""mtcheck serve's HTTP side with a stand-in pipeline: statuses, one-line JSON errors, the bounded
pool and queue, the token, disconnecting clients and the draining stop. No model is loaded here;
tests/test_serve_integration.py runs the real thing."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from conftest import error_line, run_main
from mtcheck.errors import ComponentError, InputError
from mtcheck.serve import protocol
from mtcheck.serve.server import Log, Server, ServerConfig, is_loopback

ROOT = Path(__file__).resolve().parent.parent


class FakeApp:
    """Answers like ServeApp: echoes the request; ``gate`` (an Event) holds checks until set."""

    def __init__(self):
        self.gate: threading.Event | None = None
        self.fail: BaseException | None = None
        self.sleep = 0.0
        self.last_error = ""
        self.seen: list[protocol.CheckRequest] = []

    def health(self):
        return {"status": "ok", "components": {"detector": True}}

    def languages(self):
        return list(protocol.ENGLISH)

    def check(self, request):
        self.seen.append(request)
        if self.gate is not None:
            self.gate.wait(30)
        if self.sleep:
            time.sleep(self.sleep)
        if self.fail is not None:
            raise self.fail
        return protocol.check_response({"code": request.language}, [], {"checked": True, "plain": request.text.plain})

    def rewrite(self, request):
        return {"sentence": request.sentence, "suggestion": None}


class Quiet:
    def __init__(self):
        self.lines: list[str] = []

    def write(self, text):
        self.lines.append(text)

    def flush(self):
        pass


def start(app, **config):
    stream = Quiet()
    server = Server(app, ServerConfig(port=0, **config), log=Log(stream, log_texts=config.get("log_texts", False)))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    server.stream = stream  # type: ignore[attr-defined]
    return server


@pytest.fixture()
def served():
    app = FakeApp()
    server = start(app, workers=1, queue=8, timeout=10.0, read_timeout=2.0)
    yield app, server
    server.shutdown()
    server.server_close()
    server.admission.shutdown()


def post(server, fields=None, *, body=None, headers=None, path="/v2/check", timeout=20):
    return requests.post(server.url + path, data=fields if body is None else body, headers=headers or {}, timeout=timeout)


def json_error(response, status):
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.text.count("\n") == 1 and response.text.endswith("\n")
    body = response.json()
    assert set(body) == {"error", "status"} and body["status"] == status and body["error"]
    return body["error"]


def read_all(raw: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (an answer may come in several segments)."""
    parts = []
    while chunk := raw.recv(65536):
        parts.append(chunk)
    return b"".join(parts)


def still_answers(server):
    answer = post(server, {"text": "The council met.", "language": "en-US"})
    assert answer.status_code == 200 and answer.json()["mtcheck"]["plain"] == "The council met."


def test_health_languages_and_a_check(served):
    app, server = served
    health = requests.get(server.url + "/health", timeout=5).json()
    assert health["components"] == {"detector": True}
    assert health["load"] == {"pending": 0, "capacity": 9, "connections": 1}
    codes = [e["longCode"] for e in requests.get(server.url + "/v2/languages", timeout=5).json()]
    assert "en-US" in codes and "en-GB" in codes
    answer = post(server, {"text": "As reports Reuters.", "language": "en-US", "motherTongue": "ru"})
    assert answer.status_code == 200
    assert answer.json()["software"]["name"] == "mtcheck" and answer.json()["matches"] == []
    assert app.seen[-1].mother_tongue == "ru"
    # LanguageTool also takes the fields as a GET query
    got = requests.get(server.url + "/v2/check", params={"text": "Hi there.", "language": "en"}, timeout=5)
    assert got.status_code == 200 and got.json()["mtcheck"]["plain"] == "Hi there."


def test_bad_requests_get_their_status_and_one_line_of_json(served):
    _, server = served
    assert "the text is empty" in json_error(post(server, {"text": "", "language": "en-US"}), 400)
    assert "missing 'text'" in json_error(post(server, {"language": "en-US"}), 400)
    assert "missing 'language'" in json_error(post(server, {"text": "Hi."}), 400)
    assert "unknown language 'xx-YY'" in json_error(post(server, {"text": "Hi.", "language": "xx-YY"}), 400)
    invalid = post(server, body=b"language=en-US&text=caf%E9+%FF", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert "not valid UTF-8" in json_error(invalid, 400)
    raw_invalid = post(server, body=b"language=en-US&text=caf\xe9", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert "not valid UTF-8" in json_error(raw_invalid, 400)
    five_mb = post(server, {"text": "A sentence that repeats. " * 210_000, "language": "en-US"})
    assert "over the limit" in json_error(five_mb, 413)
    just_over = post(server, {"text": "x" * 1_000_001, "language": "en-US"})  # within the form allowance, over the text limit
    assert "1,000,001 bytes" in json_error(just_over, 413)
    assert "form-encoded" in json_error(post(server, body=b'{"text": "x"}', headers={"Content-Type": "application/json"}), 415)
    assert "no such endpoint" in json_error(requests.get(server.url + "/v2/nothing", timeout=5), 404)
    assert "use GET" in json_error(requests.post(server.url + "/health", timeout=5), 405)
    still_answers(server)


def test_malformed_http_is_a_400_and_chunked_bodies_a_411(served):
    _, server = served
    host, port = server.server_address[:2]
    with socket.create_connection((host, port), timeout=5) as raw:
        raw.sendall(b"NOT AN HTTP REQUEST\r\n\r\n")
        answer = read_all(raw).decode()
    assert answer.split("\r\n", 1)[0].split()[1] == "400"
    assert json.loads(answer.split("\r\n\r\n", 1)[1])["status"] == 400
    with socket.create_connection((host, port), timeout=5) as raw:
        raw.sendall(b"POST /v2/check HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\ntext=\r\n0\r\n\r\n")
        assert read_all(raw).split(b"\r\n", 1)[0].split()[1] == b"411"
    with socket.create_connection((host, port), timeout=5) as raw:
        raw.sendall(b"POST /v2/check HTTP/1.1\r\nHost: x\r\nContent-Length: lots\r\n\r\n")
        assert read_all(raw).split(b"\r\n", 1)[0].split()[1] == b"400"
    still_answers(server)


def test_a_client_that_disconnects_mid_request_does_not_hurt_the_server(served):
    app, server = served
    host, port = server.server_address[:2]
    body = b"language=en-US&text=" + b"word+" * 2000
    with socket.create_connection((host, port), timeout=5) as raw:  # gone half-way through its body
        raw.sendall(b"POST /v2/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                    b"Content-Length: %d\r\n\r\n" % len(body) + body[: len(body) // 2])
    app.sleep = 0.5
    with socket.create_connection((host, port), timeout=5) as raw:  # gone while its check runs
        raw.sendall(b"POST /v2/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                    b"Content-Length: %d\r\n\r\n" % len(body) + body)
        time.sleep(0.1)
    time.sleep(0.8)
    app.sleep = 0.0
    still_answers(server)
    log = "".join(server.stream.lines)
    assert "client went away" in log


def test_a_slow_client_gets_408_after_the_read_timeout(served):
    _, server = served
    host, port = server.server_address[:2]
    with socket.create_connection((host, port), timeout=10) as raw:
        raw.sendall(b"POST /v2/check HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nlanguage=en")
        answer = read_all(raw)
    assert answer.split(b"\r\n", 1)[0].split()[1] == b"408"
    still_answers(server)


def test_fifty_concurrent_requests_against_a_queue_of_eight(served):
    app, server = served
    app.gate = threading.Event()
    with ThreadPoolExecutor(max_workers=50) as clients:
        futures = [clients.submit(post, server, {"text": f"Sentence {i}.", "language": "en-US"}) for i in range(50)]
        deadline = time.monotonic() + 20
        while sum(f.done() for f in futures) < 41 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert requests.get(server.url + "/health", timeout=5).json()["load"]["pending"] == 9
        app.gate.set()  # 1 running + 8 queued were admitted; the other 41 were refused at once
        answers = [f.result() for f in futures]
    statuses = sorted(a.status_code for a in answers)
    assert statuses.count(200) == 9 and statuses.count(429) == 41, statuses
    for answer in answers:
        if answer.status_code == 429:
            assert "busy" in json_error(answer, 429) and answer.headers["Retry-After"] == "1"
    app.gate = None
    still_answers(server)


def test_failures_inside_a_check_become_statuses_and_the_server_goes_on(served):
    app, server = served
    app.fail = ComponentError("LanguageTool at http://127.0.0.1:1 stopped answering")
    assert "stopped answering" in json_error(post(server, {"text": "Hi.", "language": "en"}), 503)
    assert "stopped answering" in app.last_error  # shown by /health
    app.fail = InputError("too many sentences")
    assert "too many sentences" in json_error(post(server, {"text": "Hi.", "language": "en"}), 400)
    app.fail = RuntimeError("a bug")
    assert json_error(post(server, {"text": "Hi.", "language": "en"}), 500) == "internal error: RuntimeError: a bug"
    app.fail = None
    still_answers(server)


def test_a_request_over_the_timeout_gets_503():
    app = FakeApp()
    app.sleep = 1.5
    server = start(app, workers=1, queue=2, timeout=0.3)
    try:
        assert "--timeout" in json_error(post(server, {"text": "Hi.", "language": "en"}), 503)
        app.sleep = 0.0
        time.sleep(1.5)  # the slow one finishes in the background and frees its worker
        still_answers(server)
    finally:
        server.shutdown()
        server.server_close()


def test_a_token_is_checked_as_bearer_or_api_key():
    server = start(FakeApp(), token="s3cret")
    try:
        assert "needs its token" in json_error(post(server, {"text": "Hi.", "language": "en"}), 401)
        assert json_error(post(server, {"text": "Hi.", "language": "en", "apiKey": "wrong"}), 401)
        assert json_error(post(server, {"text": "Hi.", "language": "en"}, headers={"Authorization": "Bearer nope"}), 401)
        assert post(server, {"text": "Hi.", "language": "en", "apiKey": "s3cret"}).status_code == 200
        assert post(server, {"text": "Hi.", "language": "en"}, headers={"Authorization": "Bearer s3cret"}).status_code == 200
        assert requests.get(server.url + "/health", timeout=5).status_code == 200  # a liveness probe needs no token
    finally:
        server.shutdown()
        server.server_close()


def test_texts_are_logged_only_with_log_texts():
    for log_texts in (False, True):
        server = start(FakeApp(), log_texts=log_texts)
        try:
            post(server, {"text": "Confidential draft sentence.", "language": "en"})
            requests.get(server.url + "/v2/check", params={"text": "Secret query text.", "language": "en"}, timeout=5)
        finally:
            server.shutdown()
            server.server_close()
        log = "".join(server.stream.lines)
        assert "POST /v2/check 200" in log and "GET /v2/check 200" in log
        assert ("Confidential draft sentence." in log) == log_texts
        assert ("Secret" in log) == log_texts


def test_loopback_hosts():
    assert all(is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "127.1.2.3", "[::1]"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "192.168.1.5", "example.org"))


def test_a_public_host_without_a_token_refuses_to_start(monkeypatch, capsys):
    monkeypatch.delenv("MTCHECK_SERVE_TOKEN", raising=False)
    code, out, err = run_main(monkeypatch, capsys, "serve", "--host", "0.0.0.0", "--no-languagetool")
    assert code == 2 and out == ""
    assert "refusing to serve it without a token" in error_line(err)


DRAIN_SCRIPT = """
import sys, threading, time
sys.path.insert(0, {tests!r})
from test_serve import FakeApp
from mtcheck.serve.server import Server, ServerConfig, serve
app = FakeApp()
app.sleep = 1.5
server = Server(app, ServerConfig(port=0, timeout=20))
sys.exit(serve(server, on_ready=lambda: print(server.url, flush=True)))
"""


def test_sigterm_finishes_the_requests_in_flight_then_exits():
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen([sys.executable, "-c", DRAIN_SCRIPT.format(tests=str(ROOT / "tests"))], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), proc.stderr.read()
        with ThreadPoolExecutor(max_workers=1) as client:
            pending = client.submit(requests.post, url + "/v2/check", data={"text": "In flight.", "language": "en"}, timeout=20)
            time.sleep(0.5)  # the request is being checked
            proc.send_signal(signal.SIGTERM)
            answer = pending.result()
        assert answer.status_code == 200 and answer.json()["mtcheck"]["plain"] == "In flight."
        assert proc.wait(timeout=20) == 0
        assert "finishing 1 request in flight" in proc.stderr.read()
        with pytest.raises(requests.ConnectionError):
            requests.get(url + "/health", timeout=2)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_the_command_wires_host_token_and_limits_into_the_server(monkeypatch, capsys):
    """`mtcheck serve --host 0.0.0.0` with $MTCHECK_SERVE_TOKEN: requests without the token get 401."""
    from mtcheck.serve import app as app_module
    from mtcheck.serve import server as server_module

    class Warm(FakeApp):
        grammar = False

        def warm_up(self):
            pass

    seen: dict = {}

    def fake_serve(server, on_ready=None):
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        try:
            on_ready()
            url = f"http://127.0.0.1:{server.server_address[1]}"
            seen["config"] = server.config
            seen["without"] = requests.post(url + "/v2/check", data={"text": "Hi.", "language": "en"}, timeout=10).status_code
            seen["with"] = requests.post(url + "/v2/check", data={"text": "Hi.", "language": "en"},
                                         headers={"Authorization": "Bearer from-env"}, timeout=10).status_code
        finally:
            server.shutdown()
            server.server_close()
        return 0

    monkeypatch.setenv("MTCHECK_SERVE_TOKEN", "from-env")
    monkeypatch.setattr(app_module.ServeApp, "build", classmethod(lambda cls, *a, **k: Warm()))
    monkeypatch.setattr(server_module, "serve", fake_serve)
    code, _, err = run_main(monkeypatch, capsys, "serve", "--host", "0.0.0.0", "--port", "0", "--workers", "3", "--queue", "5",
                            "--max-bytes", "5000", "--no-languagetool")
    assert code == 0, err
    assert (seen["without"], seen["with"]) == (401, 200)
    config = seen["config"]
    assert (config.token, config.workers, config.queue, config.max_bytes) == ("from-env", 3, 5, 5000)
    assert "listening on http://0.0.0.0:" in err and "token required" in err


def test_a_bug_outside_the_workers_is_a_one_line_500_too(served, monkeypatch):
    app, server = served
    monkeypatch.setattr(app, "languages", lambda: (_ for _ in ()).throw(KeyError("longCode")))
    assert json_error(post(server, {"text": "Hi.", "language": "en"}), 500) == "internal error: KeyError: 'longCode'"
    monkeypatch.undo()
    still_answers(server)


def test_a_port_in_use_is_a_usage_error_before_any_model_loads(monkeypatch, capsys):
    from mtcheck.serve.app import ServeApp

    warmed: list[bool] = []
    # The models load in warm_up (building the app loads nothing); other tests of the same process
    # may have loaded spaCy already, so its module state says nothing here.
    monkeypatch.setattr(ServeApp, "warm_up", lambda self: warmed.append(True))
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        code, _, err = run_main(monkeypatch, capsys, "serve", "--port", str(port), "--no-languagetool")
    assert code == 2 and f"cannot listen on 127.0.0.1:{port}" in error_line(err)
    assert not warmed
