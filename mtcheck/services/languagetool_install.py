"""Installing LanguageTool: Maven copies the server's jars into the cache, and a stamp marks a complete install.

``mtcheck languagetool install`` runs ``install``; the managed server (``languagetool.py``) runs
from the jars it leaves in ``default_lib_dir()``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from mtcheck.config import cache_dir
from mtcheck.errors import LanguageToolError

LT_VERSION = "6.6"
RESOURCES = Path(__file__).resolve().parent.parent / "resources" / "languagetool"
POM = RESOURCES / "pom.xml"
INSTALL_FIX = "mtcheck languagetool install"


def languagetool_home(version: str = LT_VERSION) -> Path:
    return cache_dir() / "languagetool" / version


def default_lib_dir(version: str = LT_VERSION) -> Path:
    return languagetool_home(version) / "lib"


def _stamp(lib_dir: Path) -> Path:
    return lib_dir / ".installed"


def is_installed(lib_dir: Path) -> bool:
    return _stamp(lib_dir).is_file() and any(lib_dir.glob("languagetool-server-*.jar"))


def require_java() -> str:
    java = shutil.which("java")
    if java is None:
        raise LanguageToolError("java not found; LanguageTool needs Java 17+", fix="make setup")
    return java


def install(lib_dir: Path | None = None, *, force: bool = False, pom: Path = POM) -> Path:
    """Copy the LanguageTool jars into ``lib_dir`` with Maven; a no-op when the stamp exists."""
    lib_dir = lib_dir or default_lib_dir()
    if is_installed(lib_dir) and not force:
        return lib_dir
    require_java()
    mvn = shutil.which("mvn")
    if mvn is None:
        raise LanguageToolError("mvn not found; installing LanguageTool needs Maven", fix="make setup")
    lib_dir.parent.mkdir(parents=True, exist_ok=True)
    # Copy into a sibling temporary folder and rename, so an interrupted install never
    # leaves a half-filled lib/ that looks complete.
    staging = Path(tempfile.mkdtemp(prefix="lib-", dir=lib_dir.parent))
    try:
        cmd = [mvn, "-q", "-B", "-f", str(pom), "dependency:copy-dependencies",
               f"-DoutputDirectory={staging}", "-DincludeScope=runtime"]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            lines = [ln for ln in (proc.stdout + proc.stderr).splitlines() if ln.strip()]
            last = next((ln for ln in lines if "ERROR" in ln), lines[-1] if lines else "no output")
            raise LanguageToolError(f"Maven could not fetch LanguageTool {LT_VERSION}: {last.strip()}",
                                    fix="check network access to the Maven repository, then " + INSTALL_FIX)
        jars = sorted(p.name for p in staging.glob("*.jar"))
        if not any(name.startswith("languagetool-server-") for name in jars):
            raise LanguageToolError("Maven finished but languagetool-server is missing from the jars", fix=INSTALL_FIX + " --force")
        _stamp(staging).write_text(json.dumps({"version": LT_VERSION, "jars": len(jars)}) + "\n", encoding="utf-8")
        if lib_dir.exists():
            shutil.rmtree(lib_dir)
        staging.rename(lib_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return lib_dir
