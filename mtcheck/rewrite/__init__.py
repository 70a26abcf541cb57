"""The rewrite stage: generate -> verify -> rank, for the sentences the detector flagged.

``Rewriter(settings, detector, services, backend).rewrite(document, sentences, findings, hints)``
returns the findings with ``rewrite`` set on every flagged prose sentence: the best verified
candidate as ``Rewrite.text`` (None when none passed) and every candidate with its checks.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Sequence

from mtcheck.config import Settings
from mtcheck.errors import ConfigError
from mtcheck.rewrite.cache import GenerationCache
from mtcheck.rewrite.generate import (RULE_SOURCES, combined_candidate, hint_lines, languagetool_candidate,
                                     reason_lt_candidate, rule_candidate, sentence_reasons)
from mtcheck.rewrite.prompt import PROMPT_VERSION, clean_output, editor_prompt, keep_ending
from mtcheck.rewrite.rank import rank
from mtcheck.rewrite.verify import Measured, Verifier
from mtcheck.types import Candidate, Document, Finding, Reason, Rewrite, Sentence, TermHint

__all__ = ["Rewriter", "PROMPT_VERSION"]


def _max_tokens(sentence: str, cap: int) -> int:
    # A rewrite is about as long as the original: ~1 token per 3.5 characters, plus slack.
    return max(32, min(cap, int(len(sentence) / 3.5 * 1.5) + 24))


def _clip(text: str, limit: int = 200, tail: bool = False) -> str:
    # Neighbours are context, not material: a bounded slice keeps the prompt (and its cost) small.
    if len(text) <= limit:
        return text
    return "…" + text[-limit:] if tail else text[:limit] + "…"


class Rewriter:
    def __init__(self, settings: Settings, detector: Any = None, services: dict | None = None,
                 backend: str | Any | None = None, verifier: Verifier | None = None,
                 cache: GenerationCache | None = None):
        self.settings = settings
        self.detector = detector
        self.services = services or {}
        options = settings.section("rewrite")
        self.n = int(options.get("candidates", 1))
        self.temperature = float(options.get("temperature", 0.0))
        self.seed = int(options.get("seed", 0))
        self.max_tokens = int(options.get("max_tokens", 200))
        self.use_llm = bool(options.get("llm", True))
        self.rule_sources = tuple(options.get("rule_sources", RULE_SOURCES))
        # House style may keep what a rule flags (e.g. "50 thousand" for a newsroom that writes
        # numbers as the source did): those reasons are still reported, but no candidate applies
        # them, the LLM is not asked to, and they buy no room for a larger edit.
        keep = options.get("keep_rules", ())
        if isinstance(keep, str):
            keep = [keep]
        if not isinstance(keep, (list, tuple)) or not all(isinstance(k, str) for k in keep):
            raise ConfigError("[rewrite] keep_rules must be a list of rule ids, e.g. [\"thousand-count\"]")
        self.keep_rules = frozenset(keep)
        self._backend_name = backend if isinstance(backend, str) or backend is None else None
        self._backend = None if isinstance(backend, str) or backend is None else backend
        self.verifier = verifier or Verifier(settings, detector=detector, services=self.services)
        self.cache = cache or GenerationCache(enabled=settings.cache)

    @property
    def backend(self) -> Any:
        if self._backend is None:
            from mtcheck.rewrite.backends.base import load_backend

            self._backend = load_backend(self.settings, self._backend_name)
        return self._backend

    # -- generation ------------------------------------------------------------------------
    def llm_candidates(self, jobs: Sequence[tuple[str, str, str, tuple[str, ...]]]) -> list[list[str]]:
        """Raw model outputs for (sentence, before, after, hints), from the cache when possible."""
        results: list[list[str] | None] = [None] * len(jobs)
        todo, prompts = [], []
        for i, (text, before, after, hints) in enumerate(jobs):
            key = GenerationCache.key(
                model=self.backend.model_id, prompt=PROMPT_VERSION, sentence=text, before=before, after=after,
                hints=list(hints), n=self.n, temperature=self.temperature, seed=self.seed,
                max_tokens=_max_tokens(text, self.max_tokens),
            )
            cached = self.cache.get(key)
            if cached is not None:
                results[i] = cached
            else:
                todo.append((i, key))
                prompts.append(editor_prompt(text, before, after, hints))
        for (i, key), prompt in zip(todo, prompts):
            # One call per prompt: each has its own token budget.
            texts = self.backend.generate([prompt], n=self.n, temperature=self.temperature,
                                          max_tokens=_max_tokens(prompt.sentence, self.max_tokens), seed=self.seed)[0]
            self.cache.put(key, texts)
            results[i] = texts
        return [r or [] for r in results]

    def editable(self, finding: Finding) -> tuple[Reason, ...]:
        """The finding's reasons the rewrite acts on (all but the ``keep_rules``)."""
        return tuple(r for r in finding.reasons if r.rule_id not in self.keep_rules)

    @staticmethod
    def jobs_for(sentences: Sequence[Sentence], targets: Sequence[Finding],
                 hints: dict[int, list[TermHint]] | None = None) -> list[tuple[str, str, str, tuple[str, ...]]]:
        """(sentence, previous, next, hint lines) for each target: what the LLM prompt is built from."""
        prose = [s for s in sentences if s.kind == "prose"]
        position = {s.index: i for i, s in enumerate(prose)}
        jobs = []
        for finding in targets:
            s = finding.sentence
            i = position.get(s.index)
            before = prose[i - 1].text if i is not None and i > 0 and prose[i - 1].block == s.block else ""
            after = prose[i + 1].text if i is not None and i + 1 < len(prose) and prose[i + 1].block == s.block else ""
            terms = tuple((hints or {}).get(s.index, ()))
            jobs.append((s.text, _clip(before, tail=True), _clip(after), hint_lines(finding.reasons, terms)))
        return jobs

    def candidates_for(self, document: Document | None, sentences: Sequence[Sentence], targets: Sequence[Finding],
                       hints: dict[int, list[TermHint]] | None = None) -> list[list[Candidate]]:
        doc_text = document.text if document is not None else None

        lt_matches: list[list[Any]] = [[] for _ in targets]
        service = self.services.get("languagetool")
        if service is not None and targets:
            lt_matches = [[m for m in found if m.rule_id not in self.keep_rules]
                          for found in service.check_paragraphs([f.sentence.text for f in targets])]

        targets = [dataclasses.replace(f, reasons=self.editable(f)) for f in targets] if self.keep_rules else targets
        jobs = self.jobs_for(sentences, targets, hints)
        generated = self.llm_candidates(jobs) if self.use_llm and jobs else [[] for _ in jobs]

        out = []
        for finding, matches, texts in zip(targets, lt_matches, generated):
            s = finding.sentence
            found = [
                rule_candidate(s, finding.reasons, doc_text, self.rule_sources),
                languagetool_candidate(s.text, matches) if service is not None else reason_lt_candidate(s, finding.reasons, doc_text),
                combined_candidate(s, finding.reasons, doc_text, matches if service is not None else None, self.rule_sources),
                *(Candidate("llm", keep_ending(s.text, clean_output(t))) for t in texts),
            ]
            unique: dict[str, Candidate] = {}
            for cand in found:
                if cand is not None and cand.text and cand.text != s.text and cand.text not in unique:
                    unique[cand.text] = cand
            out.append(list(unique.values()))
        return out

    # -- the stage -------------------------------------------------------------------------
    def rewrite_texts(self, document: Document | None, sentences: Sequence[Sentence], targets: Sequence[Finding],
                      hints: dict[int, list[TermHint]] | None = None) -> list[list[Measured]]:
        candidates = self.candidates_for(document, sentences, targets, hints)
        verified = self.verifier.verify([(f.sentence.text, c) for f, c in zip(targets, candidates)],
                                        reasons=[len(sentence_reasons(self.editable(f))) for f in targets])
        return [rank(m) for m in verified]

    def rewrite(self, document: Document, sentences: Sequence[Sentence], findings: Sequence[Finding],
                hints: dict[int, list[TermHint]] | None = None) -> tuple[Finding, ...]:
        targets = [f for f in findings if f.flagged and not f.suppressed and f.sentence.kind == "prose"]
        if not targets:
            return tuple(findings)
        ranked = self.rewrite_texts(document, sentences, targets, hints)
        model = self._backend.model_id if self._backend is not None else ""
        by_index = {}
        for finding, measured in zip(targets, ranked):
            top = measured[0].candidate if measured and measured[0].candidate.accepted else None
            by_index[finding.sentence.index] = Rewrite(
                text=top.text if top else None, candidates=tuple(m.candidate for m in measured), model=model
            )
        chosen = {id(f) for f in targets}
        return tuple(
            dataclasses.replace(f, rewrite=by_index[f.sentence.index]) if id(f) in chosen else f for f in findings
        )
