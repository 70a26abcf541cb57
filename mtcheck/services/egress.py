"""Where article text may leave this machine, and the one line on stderr that says so.

By default nothing does: LanguageTool runs on 127.0.0.1 and the models are local. Two settings
send text over the network: the ``openai`` rewrite backend (``[rewrite] base_url``, or
MTCHECK_OPENAI_BASE_URL), which gets every flagged sentence, and a LanguageTool server of the
user's (``--languagetool-url``, ``[languagetool] url``) that is not on this machine, which gets
every paragraph. The component announces it once per process just before the first text goes
(``mtcheck: note: sending article text to ...``); an audit's driver announces it for the whole run
and its workers stay quiet, so the terminal shows one line, not one per worker.
"""

from __future__ import annotations

import ipaddress
import os
from typing import Any
from urllib.parse import urlsplit

from mtcheck import console

_quiet = False  # set in an audit worker: the driver has announced for the run


def is_loopback(url: str) -> bool:
    """Whether ``url`` names this machine (``localhost``, 127.0.0.0/8, ``::1``)."""
    try:
        host = (urlsplit(url).hostname or "").rstrip(".").lower()
    except ValueError:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _where(url: str) -> str:
    """The server without any user name or password the URL carries."""
    try:
        parts = urlsplit(url)
        if parts.username or parts.password:
            host = parts.hostname or ""
            netloc = f"{host}:{parts.port}" if parts.port else host
            return parts._replace(netloc=netloc).geturl()
    except ValueError:
        pass
    return url


def announce(what: str, url: str) -> None:
    """Say once per process that article text goes to ``what`` at ``url`` (before it goes)."""
    if not _quiet:
        console.note_once(f"egress:{what}:{url}", f"sending article text to {what} at {_where(url)} (see README, \"Security model\")")


def announced_by_driver() -> None:
    """In an audit worker: the driver has said where text goes, for the whole run."""
    global _quiet
    _quiet = True


REWRITE_SERVER = "the rewrite server (openai backend)"
LANGUAGETOOL_SERVER = "the LanguageTool server"


def destinations(settings: Any, *, languagetool: bool, languagetool_url: str | None, rewrite: bool,
                 backend: str | None) -> list[tuple[str, str]]:
    """(what, url) for every place a run with these settings and options sends article text to."""
    from mtcheck.registry import backends as backend_registry

    out = []
    lt = settings.languagetool_config
    lt_url = languagetool_url or lt.url
    if languagetool and lt_url and not is_loopback(lt_url):
        out.append((LANGUAGETOOL_SERVER, lt_url.rstrip("/")))
    chosen = backend or settings.rewrite_config.backend or os.environ.get("MTCHECK_BACKEND") or backend_registry.default
    base_url = settings.rewrite_config.base_url or os.environ.get("MTCHECK_OPENAI_BASE_URL")
    if rewrite and chosen == "openai" and base_url:
        out.append((REWRITE_SERVER, base_url.rstrip("/")))
    return out


def announce_run(settings: Any, **options: Any) -> None:
    """Announce every destination of a run now (an audit's driver, before any worker starts)."""
    for what, url in destinations(settings, **options):
        announce(what, url)
