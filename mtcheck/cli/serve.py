"""``mtcheck serve``: answer LanguageTool clients with the pipeline loaded once."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer

from mtcheck.cli import app
from mtcheck.cli.check import MAX_BYTES_HELP, check_languagetool_url
from mtcheck.errors import InputError
from mtcheck.load import DEFAULT_MAX_BYTES
from mtcheck.registry import backends

TOKEN_ENV = "MTCHECK_SERVE_TOKEN"


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on. Anything but loopback needs --token."),
    port: int = typer.Option(8090, "--port", min=0, max=65535, help="Port to listen on (0: any free port, printed at start)."),
    token: Optional[str] = typer.Option(None, "--token", help=f"Require this token (Bearer header or LanguageTool's apiKey field); "
                                        f"default ${TOKEN_ENV}, which keeps it out of the process list."),
    grammar: bool = typer.Option(True, "--grammar/--no-grammar", help="Merge the LanguageTool server's own matches (grammar, spelling)."),
    languagetool: bool = typer.Option(True, "--languagetool/--no-languagetool",
                                      help="Use the local LanguageTool server (detection signal and grammar merge)."),
    languagetool_url: Optional[str] = typer.Option(None, "--languagetool-url",
                                                   help="Use this running LanguageTool server instead of the managed one."),
    workers: int = typer.Option(2, "--workers", min=1, max=64, help="Requests checked at once."),
    queue: int = typer.Option(8, "--queue", min=0, max=10000, help="Requests that may wait for a worker; beyond that, 429."),
    timeout: float = typer.Option(60.0, "--timeout", min=0.1, help="Seconds a request may take before it is answered 503."),
    rewrite_timeout: float = typer.Option(600.0, "--rewrite-timeout", min=0.1,
                                          help="The same for /v1/rewrite and mtcheckRewrite=true (the local LLM takes seconds per sentence)."),
    max_bytes: int = typer.Option(DEFAULT_MAX_BYTES, "--max-bytes", min=1, help=MAX_BYTES_HELP + " Larger requests get 413."),
    log_texts: bool = typer.Option(False, "--log-texts", help="Also log the texts sent (never by default)."),
    backend: Optional[str] = typer.Option(None, "--backend", help=f"Rewrite backend for /v1/rewrite: {backends.listing()}."),
    config: Optional[Path] = typer.Option(None, "--config", help="Read settings from this TOML file instead of mtcheck.toml / pyproject.toml."),
) -> None:
    """Serve LanguageTool's HTTP API (POST /v2/check, GET /v2/languages) with mtcheck's findings,
    plus POST /v1/rewrite and GET /health. Stops on SIGTERM after answering the requests in flight.

    Exit codes: 0 stopped, 2 usage error (a public --host without a token, a port in use), 3 a component failed to load.
    """
    from mtcheck.config import load_settings
    from mtcheck.serve.app import ServeApp
    from mtcheck.serve.server import Server, ServerConfig, is_loopback
    from mtcheck.serve.server import serve as run

    token = token if token is not None else (os.environ.get(TOKEN_ENV) or None)
    if not is_loopback(host) and not token:
        raise InputError(f"--host {host} is reachable from other machines; refusing to serve it without a token",
                         fix=f"set {TOKEN_ENV} or pass --token, or keep the default --host 127.0.0.1")
    if token is not None and not token.strip():
        raise InputError("--token is empty")
    if languagetool_url is not None:
        check_languagetool_url(languagetool_url)
    if backend is not None:
        backends.check(backend, "--backend")

    settings = load_settings(config)
    server_config = ServerConfig(host=host, port=port, token=token, workers=workers, queue=queue, timeout=timeout,
                                 rewrite_timeout=rewrite_timeout, max_bytes=max_bytes, log_texts=log_texts)
    service = ServeApp.build(settings, languagetool=languagetool, languagetool_url=languagetool_url, backend=backend,
                             max_bytes=max_bytes, grammar=grammar and languagetool, grammar_timeout=timeout)
    server = Server(service, server_config)  # the port is taken (or refused) before the models load
    try:
        typer.echo("mtcheck serve: loading the pipeline", err=True)
        service.warm_up()
    except BaseException:
        server.server_close()
        raise

    def ready() -> None:
        parts = [f"workers {workers}", f"queue {queue}", f"grammar {'on' if service.grammar else 'off'}",
                 "token required" if token else "no token"]
        typer.echo(f"mtcheck serve: listening on {server.url} ({', '.join(parts)})", err=True)

    left = run(server, on_ready=ready)
    raise typer.Exit(0 if not left else 3)
