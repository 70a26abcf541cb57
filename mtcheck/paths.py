"""Where the development data lives: the one rule for ``mtcheck train``, ``mtcheck eval`` and ``benchmarks/``.

An explicit ``--data`` folder wins, then the ``MTCHECK_DATA`` environment variable, then the
``data`` folder of the ``shared`` directory beside the checkout (a sibling of the repository
root). The package ships no data and no absolute path to it.
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_ENV = "MTCHECK_DATA"


def default_data_dir() -> Path:
    """The fallback when neither ``--data`` nor ``MTCHECK_DATA`` is given: ``data`` in ``shared`` beside the checkout."""
    from mtcheck.config import project_root

    return project_root().parent / "shared" / "data"


def data_dir(explicit: str | Path | None = None) -> Path:
    """The development-data folder: ``explicit``, else ``$MTCHECK_DATA``, else :func:`default_data_dir`.

    Only resolves the location; whoever reads the data reports a missing file.
    """
    chosen = explicit or os.environ.get(DATA_ENV)
    return Path(chosen) if chosen else default_data_dir()


def data_help() -> str:
    """The ``--data`` help text, naming the rule above and where the fallback is on this machine."""
    return f"Folder with the development data (default: ${DATA_ENV}, else {default_data_dir()})."
