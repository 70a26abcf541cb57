"""``mtcheck languagetool install|start|stop|status``: the managed LanguageTool server."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from mtcheck.cli import app

languagetool_app = typer.Typer(
    name="languagetool",
    help="Install, start, stop and inspect the local LanguageTool server mtcheck uses.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(languagetool_app, name="languagetool")

_CONFIG = typer.Option(None, "--config", help="Read settings from this TOML file instead of mtcheck.toml / pyproject.toml.")
_PORT = typer.Option(None, "--port", help="Port of the managed server (default: config, MTCHECK_LT_PORT, else 8081).")


def _service(config: Optional[Path], port: Optional[int] = None, heap: Optional[str] = None, url: Optional[str] = None):
    from mtcheck.config import load_settings
    from mtcheck.services.languagetool import LanguageToolService

    return LanguageToolService(load_settings(config), port=port, heap=heap, url=url)


@languagetool_app.command("install")
def install_command(
    force: bool = typer.Option(False, "--force", help="Fetch the jars again even if they are installed."),
) -> None:
    """Fetch the LanguageTool jars with Maven into the cache (once; later runs return at once)."""
    from mtcheck.services.languagetool import LT_VERSION, default_lib_dir, install, is_installed

    lib_dir = default_lib_dir()
    already = is_installed(lib_dir) and not force
    install(lib_dir, force=force)
    jars = len(list(lib_dir.glob("*.jar")))
    state = "already installed" if already else "installed"
    typer.echo(f"LanguageTool {LT_VERSION} {state}: {jars} jars in {lib_dir}")


@languagetool_app.command("start")
def start_command(
    port: Optional[int] = _PORT,
    heap: Optional[str] = typer.Option(None, "--heap", help="Java heap limit, e.g. 768m or 1g."),
    config: Optional[Path] = _CONFIG,
) -> None:
    """Start the managed server (or confirm the running one) and print its address."""
    service = _service(config, port=port, heap=heap)
    url = service.ensure_running()
    status = service.status()
    pid = f" (pid {status.pid})" if status.pid else ""
    typer.echo(f"LanguageTool running at {url}{pid}")


@languagetool_app.command("stop")
def stop_command(port: Optional[int] = _PORT, config: Optional[Path] = _CONFIG) -> None:
    """Stop the managed server."""
    service = _service(config, port=port)
    if service.mode != "managed":
        typer.echo(f"LanguageTool mode is {service.mode!r}: there is no managed server to stop")
        return
    stopped = service.stop()
    typer.echo("LanguageTool stopped" if stopped else "LanguageTool was not running")


@languagetool_app.command("status")
def status_command(
    port: Optional[int] = _PORT,
    url: Optional[str] = typer.Option(None, "--languagetool-url", help="Check this server instead of the managed one."),
    config: Optional[Path] = _CONFIG,
) -> None:
    """Show whether LanguageTool is installed and running. Exit 1 when it is not running."""
    status = _service(config, port=port, url=url).status()
    pid = f", pid {status.pid}" if status.pid else ""
    typer.echo(f"{status.mode}: {'running' if status.running else 'stopped'} at {status.url}{pid} - {status.detail}")
    raise typer.Exit(0 if status.running else 1)
