"""The shared, expensive components of a run, built by one factory and each loaded once.

``Services`` is what the pipeline, ``mtcheck train``, the ``mtcheck eval`` commands and the
benchmarks hand to the stages: the LanguageTool client (its server started on first use), the
spaCy English pipeline, the MiniLM embedder, the fluency language model and the rewriter's
model backend. Nothing is started or loaded until a stage asks for it, and a part that is
switched off (``languagetool=False``) is never built: stages see ``None`` and skip its checks.

LanguageTool answers are kept per text for the life of the object, so the rewrite stage does
not ask again about paragraphs and sentences the detect stage has already checked.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, Callable

from mtcheck.config import Settings

if TYPE_CHECKING:
    from mtcheck.services.embedder import Embedder
    from mtcheck.services.fluency_lm import Surprisal
    from mtcheck.services.languagetool import LTMatch

Progress = Callable[[str], None]


class CheckedLanguageTool:
    """A LanguageTool service whose answers are remembered by text: detection and rewriting ask
    about the same sentences, and the answer for a text never changes within a run. A long-lived
    process (``mtcheck serve``) gives a ``limit``: the least recently used answers go first."""

    def __init__(self, service: Any, limit: int | None = None):
        self.service = service
        self.limit = limit
        self._answers: OrderedDict[str, list[LTMatch]] = OrderedDict()
        self._lock = threading.Lock()
        self.requests = 0  # texts actually sent to the server (the tests count them)

    def check_paragraphs(self, texts: list[str]) -> list[list[LTMatch]]:
        with self._lock:
            known = {t: self._answers[t] for t in texts if t in self._answers}
            for t in known:
                self._answers.move_to_end(t)
        todo = [t for t in dict.fromkeys(texts) if t not in known]
        if todo:
            answers = self.service.check_paragraphs(todo)
            known.update(zip(todo, answers))
            with self._lock:
                self.requests += len(todo)
                self._answers.update(zip(todo, answers))
                while self.limit is not None and len(self._answers) > self.limit:
                    self._answers.popitem(last=False)
        return [known[t] for t in texts]

    def __getattr__(self, name: str) -> Any:  # url, version, signature(), ... of the real service
        return getattr(self.service, name)


class Services:
    """Each part is built on first use, at most once, by whichever thread asks first."""

    def __init__(self, settings: Settings | None = None, *, languagetool: bool = True,
                 languagetool_url: str | None = None, backend: str | None = None,
                 progress: Progress | None = None, languagetool_memo: int | None = None):
        self.settings = settings or Settings()
        self.languagetool_memo = languagetool_memo  # answers kept at most (None: all, for one run)
        self.languagetool_enabled = languagetool
        self.languagetool_url = languagetool_url
        self.backend_name = backend
        self.progress = progress or (lambda message: None)
        self._lock = threading.RLock()
        self._languagetool: CheckedLanguageTool | None = None
        self._embedder: Embedder | None = None
        self._surprisal: Surprisal | None = None
        self._backend: Any = None

    @classmethod
    def offline(cls, settings: Settings | None = None) -> "Services":
        """No LanguageTool: for unit tests and for callers that only need the models."""
        return cls(settings, languagetool=False)

    @classmethod
    def with_parts(cls, settings: Settings | None = None, *, languagetool: Any = None, embedder: Any = None,
                   surprisal: Any = None, backend: Any = None) -> "Services":
        """Services around ready-made parts (fakes in tests, a server started elsewhere)."""
        services = cls(settings, languagetool=languagetool is not None)
        if languagetool is not None:
            services._languagetool = languagetool if isinstance(languagetool, CheckedLanguageTool) \
                else CheckedLanguageTool(languagetool)
        services._embedder = embedder
        services._surprisal = surprisal
        services._backend = backend
        return services

    # -- the parts ------------------------------------------------------------------------
    @property
    def languagetool(self) -> CheckedLanguageTool | None:
        """The LanguageTool client, its server started (or found) on first use; None when off."""
        if not self.languagetool_enabled:
            return None
        with self._lock:
            if self._languagetool is None:
                from mtcheck.services.languagetool import LanguageToolService

                self.progress("starting LanguageTool")
                service = LanguageToolService(self.settings, url=self.languagetool_url)
                service.ensure_running()
                self._languagetool = CheckedLanguageTool(service, limit=self.languagetool_memo)
            return self._languagetool

    @property
    def embedder(self) -> Embedder:
        with self._lock:
            if self._embedder is None:
                from mtcheck.services.embedder import Embedder

                self._embedder = Embedder(self.settings)
            return self._embedder

    def english(self) -> Any:
        """The spaCy English pipeline (one per process, shared by every Services), safe to call
        from several threads: ``nlp(text)`` and ``nlp.pipe(texts)``."""
        from mtcheck.services.english import shared

        return shared()

    @property
    def surprisal(self) -> Surprisal:
        with self._lock:
            if self._surprisal is None:
                from mtcheck.services.fluency_lm import Surprisal

                self._surprisal = Surprisal()
            return self._surprisal

    @property
    def rewriter_backend(self) -> Any:
        """The rewriter's model backend (``--backend``, else ``[rewrite] backend``, else llama_cpp)."""
        with self._lock:
            if self._backend is None:
                from mtcheck.rewrite.backends.base import load_backend

                self._backend = load_backend(self.settings, self.backend_name)
            return self._backend


def build_services(settings: Settings, *, languagetool: bool = True, languagetool_url: str | None = None,
                   backend: str | None = None, progress: Progress | None = None) -> Services:
    """The one way the pipeline, training, evaluation and benchmarks get their services."""
    return Services(settings, languagetool=languagetool, languagetool_url=languagetool_url, backend=backend,
                    progress=progress)
