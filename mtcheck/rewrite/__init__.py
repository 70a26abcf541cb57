"""The rewrite stage: generate -> verify -> rank, for the sentences the detector flagged.

``Rewriter(settings, detector, services, backend).rewrite(document, sentences, findings, hints)``
returns the findings with ``rewrite`` set on every flagged prose sentence: the best verified
candidate as ``Rewrite.text`` (None when none passed) and every candidate with its checks.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from mtcheck.config import Settings
from mtcheck.rewrite.cache import GenerationCache
from mtcheck.rewrite.generate import (
    combined_candidate,
    languagetool_candidate,
    problem_hints,
    reason_lt_candidate,
    rule_candidate,
    safe_candidate,
    sentence_reasons,
)
from mtcheck.rewrite.prompt import PROMPT_VERSION, ChatPrompt, clean_output, editor_prompt, keep_ending, keep_serial_comma_style, repair_prompt
from mtcheck.rewrite.rank import rank
from mtcheck.rewrite.verify import Measured, Verifier, keep_rules
from mtcheck.services.factory import Services
from mtcheck.types import Candidate, Check, Document, EditDecision, Finding, Reason, Rewrite, Sentence, TermHint

__all__ = ["Rewriter", "Job", "PROMPT_VERSION"]

# Candidates from the LLM per sentence: the greedy answer and, with [rewrite] candidates above 1
# (RewriteConfig in mtcheck/config_tables.py), samples of the same prompt whose agreement is
# evidence for a content edit. The local model's agreement is not (see there), so one by default.
DEFAULT_CANDIDATES = 1


def _max_tokens(sentence: str, cap: int) -> int:
    # A rewrite is about as long as the original: ~1 token per 3.5 characters, plus slack.
    return max(32, min(cap, int(len(sentence) / 3.5 * 1.5) + 24))


def _clip(text: str, limit: int = 160, tail: bool = False) -> str:
    # Neighbours are context, not material: a bounded slice keeps the prompt (and its cost) small.
    if len(text) <= limit:
        return text
    return "…" + text[-limit:] if tail else text[:limit] + "…"


@dataclass(frozen=True)
class Job:
    """What the LLM prompt for one flagged sentence is built from."""

    sentence: str
    before: str = ""
    after: str = ""
    hints: tuple[str, ...] = ()  # one line per problem: words, what is wrong, the known fix
    source: str = ""  # the Russian sentence it was translated from, when the desk has it
    demonstrations: tuple[tuple[str, str], ...] = ()  # (machine translation, its post-edit) of similar sentences

    def prompt(self) -> ChatPrompt:
        return editor_prompt(self.sentence, self.before, self.after, self.hints, self.source, self.demonstrations)


# What a failed check tells the model on its second try.
_FAULTS = {
    "numbers": "it changed a number ({})",
    "dates": "it changed a date ({})",
    "entities": "it dropped a name ({})",
    "quotations": "it changed a quotation ({})",
    "negation": "it changed a negation ({})",
    "modality": "it dropped a hedge or who said it ({})",
    "pronouns": "it gave someone a gender the original does not ({})",
    "links": "it changed a web address ({})",
    "approximation": "it changed how exact a number is ({})",
    "similarity": "it changed the meaning",
    "languagetool": "it added a grammar error ({})",
    "problems": "it added a translation problem ({})",
}


def _faults(measured: Measured) -> list[str]:
    out = []
    for check in measured.candidate.checks:
        if not check.passed and check.name in _FAULTS:
            out.append(_FAULTS[check.name].format(check.detail).replace(" ()", ""))
    return out


def _note(measured: Sequence[Measured], edits: Sequence[EditDecision] = ()) -> str:
    """Why a flagged sentence has no suggestion, in editor language."""
    if not measured:
        return "no candidate differed from the original (the model returned it unchanged)"
    if edits:
        why = Counter(e.reason.split(" (")[0].split(":")[0] for e in edits if not e.accepted)
        listed = "; ".join(f"{reason} ({n})" if n > 1 else reason for reason, n in why.most_common(3))
        return f"no edit of {len(measured)} candidate{'s' if len(measured) != 1 else ''} had the evidence it needs: {listed}"
    counts = Counter(name for m in measured for name in m.candidate.rejected_by)
    reasons = ", ".join(f"{name} {n}" for name, n in counts.most_common())
    return f"{len(measured)} candidate{'s' if len(measured) != 1 else ''} rejected ({reasons})"


class Rewriter:
    def __init__(self, settings: Settings, detector: Any = None, services: Services | None = None,
                 backend: str | Any | None = None, verifier: Verifier | None = None,
                 cache: GenerationCache | None = None):
        self.settings = settings
        self.detector = detector
        self.services = services if services is not None else Services.offline(settings)
        options = settings.rewrite_config  # validated when the settings were built
        # Greedy first; when it does not settle a sentence, n - 1 samples from the same prompt.
        self.n = options.candidates
        self.temperature = options.temperature
        self.sample_temperature = options.sample_temperature
        self.repair_pass = options.repair
        self.seed = options.seed
        self.max_tokens = options.max_tokens
        self.use_llm = options.llm
        # The previous sentence as context: off by default. The 1.5B editor rarely needs it (the
        # problems are inside the sentence) and it costs about a second of prompt per sentence.
        self.context = options.context
        self.rule_sources = options.rule_sources
        # House style may keep what a rule flags (e.g. "50 thousand" for a newsroom that writes
        # numbers as the source did): those reasons are still reported, but no candidate applies
        # them, the LLM is not asked to, and they buy no room for a larger edit.
        self.keep_rules = keep_rules(settings)
        self._backend_name = backend if isinstance(backend, str) or backend is None else None
        self._backend = None if isinstance(backend, str) or backend is None else backend
        self.verifier = verifier or Verifier(settings, detector=detector, services=self.services)
        # One house style: the problems verification counts are the ones the rewrite acts on.
        self.verifier.keep = self.verifier.keep | self.keep_rules
        if self.verifier.languagetool is None and self.services.languagetool is not None:
            # One LanguageTool for the candidates, their checks and the problems found in both.
            self.verifier.languagetool = self.services.languagetool
        self.cache = cache or GenerationCache(enabled=settings.cache)
        self._judge: Any = None
        self._memory: Any = None
        # The edits proposed for each original sentence, admitted and rejected, from the last rewrite of it.
        self.edit_decisions: dict[str, tuple[EditDecision, ...]] = {}

    @property
    def judge(self) -> Any:
        if self._judge is None:
            from mtcheck.rewrite.edits import EditExtractor
            from mtcheck.rewrite.evidence import EditJudge

            v = self.verifier
            options = self.settings.rewrite_config
            self._judge = EditJudge(v, EditExtractor(v.nlp if v.nlp is not None else self.services.english()),
                                    fluency_gain=v.fluency_gain, min_support=v.min_support,
                                    support_share=v.support_share, equivalence=v.equivalence,
                                    source_information=self._source_information(), source_gain=options.source_gain,
                                    source_loss=options.source_loss)
        return self._judge

    def _source_information(self) -> Any:
        """The scorer that weighs edits against the Russian source: the rewriter's own GGUF model in a
        scoring context (mtcheck/rewrite/adequacy.py); None for a backend without local weights."""
        path = str(getattr(self.backend, "path", "") or "")
        if not path.endswith(".gguf"):
            return None
        from mtcheck.rewrite.adequacy import SourceInformation

        return SourceInformation(path, self.settings.rewrite_config.n_threads)

    @property
    def memory(self) -> Any:
        """The post-edit memory the prompt's demonstrations come from; None when none is configured."""
        options = self.settings.rewrite_config
        if self._memory is None and options.demonstrations and options.demonstration_count > 0:
            from mtcheck.rewrite.demonstrations import PostEditMemory

            self._memory = PostEditMemory(options.demonstrations, self.services.embedder, options.demonstration_count)
        return self._memory

    def demonstrations_for(self, sentence: str) -> tuple[tuple[str, str], ...]:
        memory = self.memory if self.use_llm else None
        return tuple((d.translated, d.edited) for d in memory.nearest(sentence)) if memory is not None else ()

    @property
    def backend(self) -> Any:
        if self._backend is None:
            if self._backend_name is None:
                self._backend = self.services.rewriter_backend  # the run's (--backend, else the configured one)
            else:
                from mtcheck.rewrite.backends.base import load_backend

                self._backend = load_backend(self.settings, self._backend_name)
        return self._backend

    # -- generation ------------------------------------------------------------------------
    def generate(self, prompt: ChatPrompt, n: int = 1, temperature: float | None = None, kind: str = "greedy") -> list[str]:
        """Cleaned model outputs for one prompt, from the cache when possible."""
        temperature = self.temperature if temperature is None else temperature
        max_tokens = _max_tokens(prompt.sentence, self.max_tokens)
        key = GenerationCache.key(
            model=self.backend.model_id, prompt=PROMPT_VERSION, system=prompt.system, user=prompt.user, kind=kind,
            n=n, temperature=temperature, seed=self.seed, max_tokens=max_tokens,
        )
        texts = self.cache.get(key)
        if texts is None:
            seed = self.seed if kind == "greedy" else self.seed + 1
            texts = self.backend.generate([prompt], n=n, temperature=temperature, max_tokens=max_tokens, seed=seed)[0]
            self.cache.put(key, texts)
        return [keep_serial_comma_style(prompt.sentence, keep_ending(prompt.sentence, clean_output(t))) for t in texts]

    def llm_candidates(self, jobs: Sequence[Job]) -> list[list[str]]:
        """The greedy answer to each job's prompt."""
        return [self.generate(job.prompt()) for job in jobs]

    def problem_messages(self, sentence: str, keys: Sequence[str]) -> list[str]:
        """Editor-readable lines (“words”: message) for problem keys of ``sentence``."""
        messages = {p.key: f"{_quote(p.words)}: {p.message}" for p in self.verifier.problems(sentence)}
        return [messages.get(k, k) for k in keys]

    def editable(self, finding: Finding) -> tuple[Reason, ...]:
        """The finding's reasons the rewrite acts on (all but the ``keep_rules``)."""
        return tuple(r for r in finding.reasons if r.rule_id not in self.keep_rules)

    def jobs_for(self, sentences: Sequence[Sentence], targets: Sequence[Finding],
                 hints: dict[int, list[TermHint]] | None = None, document_text: str | None = None,
                 sources: Mapping[int, str] | None = None) -> list[Job]:
        """The prompt material for each target: the sentence, its problems, its Russian source when
        known (``sources``, by sentence index) and, with ``context``, the previous sentence of the
        same block."""
        prose = [s for s in sentences if s.kind == "prose"]
        position = {s.index: i for i, s in enumerate(prose)}
        jobs = []
        for finding in targets:
            s = finding.sentence
            i = position.get(s.index)
            before = ""
            if self.context and i is not None and i > 0 and prose[i - 1].block == s.block:
                before = prose[i - 1].text
            terms = tuple((hints or {}).get(s.index, ()))
            # The problems as found in the sentence itself (the same finders verification runs), so a
            # rule the detector model has no weight for yet still reaches the editor's prompt.
            jobs.append(Job(s.text, _clip(before, tail=True), "", problem_hints(self.verifier.problems(s.text), terms),
                            (sources or {}).get(s.index, ""), self.demonstrations_for(s.text)))
        return jobs

    def fixed_candidates(self, finding: Finding, document_text: str | None) -> list[Candidate]:
        """The deterministic fixes: rule suggestions, LanguageTool's replacements, and both at once."""
        s = finding.sentence
        if self.verifier.languagetool is not None:
            matches = [m for m in self.verifier.languagetool_matches([s.text])[s.text] if m.rule_id not in self.keep_rules]
            lt = languagetool_candidate(s.text, matches)
        else:
            matches, lt = None, reason_lt_candidate(s, finding.reasons, document_text)
        found = [rule_candidate(s, finding.reasons, document_text, self.rule_sources), lt,
                 combined_candidate(s, finding.reasons, document_text, matches, self.rule_sources),
                 safe_candidate(s, finding.reasons, document_text),
                 safe_candidate(s, finding.reasons, document_text, settle=False)]
        return [c for c in found if c is not None]

    @staticmethod
    def _unique(original: str, found: Sequence[Candidate], seen: Sequence[str] = ()) -> list[Candidate]:
        unique: dict[str, Candidate] = {}
        for cand in found:
            if cand.text and cand.text != original and cand.text not in unique and cand.text not in seen:
                unique[cand.text] = cand
        return list(unique.values())

    def candidates_for(self, document: Document | None, sentences: Sequence[Sentence], targets: Sequence[Finding],
                       hints: dict[int, list[TermHint]] | None = None) -> list[list[Candidate]]:
        """First-round candidates: the deterministic fixes and the LLM's greedy answer."""
        doc_text = document.text if document is not None else None
        jobs = self.jobs_for(sentences, targets, hints, doc_text)
        return [self._first_round(f, job, doc_text) for f, job in zip(targets, jobs)]

    def _wants_llm(self, finding: Finding, job: Job) -> bool:
        # A sentence flagged only for the article around it has nothing of its own to fix: asking
        # the model anyway costs seconds and invites churn. With its Russian original the model has
        # something to go on (what the sentence meant), and its edits are weighed against it.
        return self.use_llm and (bool(sentence_reasons(finding.reasons)) or bool(job.source))

    def _first_round(self, finding: Finding, job: Job, document_text: str | None) -> list[Candidate]:
        found = self.fixed_candidates(finding, document_text)
        if self._wants_llm(finding, job):
            found += [Candidate("llm", t) for t in self.generate(job.prompt())]
        return self._unique(finding.sentence.text, found)

    def samples(self, job: Job, measured: Sequence[Measured]) -> list[Candidate]:
        """n - 1 samples of the same prompt: the votes a content edit needs. Asked right after the
        greedy answer, while llama.cpp still holds the evaluated prompt, they cost only their own tokens."""
        if self.n <= 1:
            return []
        return [Candidate("llm-sample", t) for t in
                self.generate(job.prompt(), n=self.n - 1, temperature=self.sample_temperature, kind="sample")]

    def repair(self, job: Job, measured: Sequence[Measured]) -> list[Candidate]:
        """One more try for the best LLM attempt, naming the problems it left and the checks it failed."""
        llm = [m for m in rank(measured) if m.candidate.generator.startswith("llm")]
        if not self.repair_pass or not llm:
            return []
        attempt = llm[0]
        remaining = self.problem_messages(job.sentence, attempt.remaining)
        faults = _faults(attempt)
        if not remaining and not faults:
            return []
        prompt = repair_prompt(job.sentence, attempt.candidate.text, remaining, faults, job.before, job.after, job.source)
        return [Candidate("llm-repair", t) for t in self.generate(prompt, kind="repair")]

    def compose(self, original: str, measured: Sequence[Measured], proposed: Sequence[Candidate], source: str = ""
                ) -> tuple[Measured | None, tuple[EditDecision, ...], bool]:
        """The suggestion from the edits of every ``proposed`` candidate (duplicates are votes): each
        admitted on its own evidence, then the original with them applied, verified as a whole; while
        the whole fails a check, the least supported edit is dropped (mtcheck/rewrite/evidence.py).
        The flag says whether some model edit was refused only for want of agreeing candidates."""
        admitted, rejected = self.judge.judge(original, proposed, source)
        wants_votes = any(p.needs_votes for p in rejected)
        later = self.judge.on_top(original, admitted, rejected)
        admitted, mixed = self.judge.one_answer(sorted(admitted + later, key=lambda p: p.edit.start))
        rejected = [p for p in rejected if p not in later] + mixed
        kept, top = list(admitted), None
        while kept:
            text = self.judge.extractor.apply(original, [p.edit for p in kept])
            top = self.verifier.verify([(original, [Candidate("edits", text)])])[0][0]
            if top.candidate.accepted:
                break
            weakest = min(kept, key=lambda p: (len(p.resolved), p.edit.kind == "form", len(p.sources), p.gain))
            kept.remove(weakest)
            weakest.reason = f"the suggestion with it fails {', '.join(top.candidate.rejected_by)}"
            rejected.append(weakest)
            top = None
        decisions = [p.decision(True) for p in kept] + [p.decision(False) for p in rejected]
        return top, tuple(decisions), wants_votes

    def rewrite_one(self, finding: Finding, job: Job, document_text: str | None = None) -> list[Measured]:
        """Every candidate for one flagged sentence, verified and ranked, after the suggestion built
        from their edits (when one passed): the deterministic fixes and the greedy answer; samples
        (every answer a vote, repeats included) when the greedy answer proposes a content edit that
        has no other evidence; then a repair while flagged problems remain."""
        original = finding.sentence.text
        proposed = self.fixed_candidates(finding, document_text)
        wants_llm = self._wants_llm(finding, job)
        if wants_llm:
            proposed += [Candidate("llm", t) for t in self.generate(job.prompt())]
        measured: list[Measured] = []
        top, wants_votes = None, False
        decisions: tuple[EditDecision, ...] = ()

        def add(more: Sequence[Candidate]) -> None:
            nonlocal measured, top, decisions, wants_votes
            proposed.extend(more)
            new = self._unique(original, more, [m.candidate.text for m in measured])
            if new:
                measured = measured + self.verifier.verify([(original, new)])[0]
            if measured:
                top, decisions, wants_votes = self.compose(original, measured, proposed, job.source)

        fixed, proposed = list(proposed), []
        add(fixed)
        if wants_llm and wants_votes:
            add(self.samples(job, measured))
        if wants_llm and (top is None or top.remaining):
            add(self.repair(job, measured))
        self.edit_decisions[original] = decisions
        # A whole candidate is never the suggestion by itself: only its admitted edits are.
        unused = Check("edits", False, "not every edit of it was admitted (see the edits)")
        ranked = [dataclasses.replace(m, candidate=dataclasses.replace(m.candidate, checks=m.candidate.checks + (unused,)))
                  if m.candidate.accepted and (top is None or m.candidate.text != top.candidate.text) else m
                  for m in rank(measured)]
        return ([top] if top is not None else []) + ranked

    # -- the stage -------------------------------------------------------------------------
    def rewrite_texts(self, document: Document | None, sentences: Sequence[Sentence], targets: Sequence[Finding],
                      hints: dict[int, list[TermHint]] | None = None,
                      sources: Mapping[int, str] | None = None) -> list[list[Measured]]:
        targets = [dataclasses.replace(f, reasons=self.editable(f)) for f in targets] if self.keep_rules else list(targets)
        doc_text = document.text if document is not None else None
        jobs = self.jobs_for(sentences, targets, hints, doc_text, sources)
        return [self.rewrite_one(f, job, doc_text) for f, job in zip(targets, jobs)]

    def rewrite(self, document: Document, sentences: Sequence[Sentence], findings: Sequence[Finding],
                hints: dict[int, list[TermHint]] | None = None,
                sources: Mapping[int, str] | None = None) -> tuple[Finding, ...]:
        targets = [f for f in findings if f.flagged and not f.suppressed and f.sentence.kind == "prose"]
        if not targets:
            return tuple(findings)
        ranked = self.rewrite_texts(document, sentences, targets, hints, sources)
        doc_text = document.text
        model = self._backend.model_id if self._backend is not None else ""
        by_index = {}
        for finding, measured in zip(targets, ranked):
            top = measured[0] if measured and measured[0].candidate.accepted else None
            note = ""
            if top is None:
                if measured or sentence_reasons(self.editable(finding)):
                    note = _note(measured, self.edit_decisions.get(finding.sentence.text, ()))
                else:
                    note = "nothing in the sentence itself was flagged (it reads as translated with the article around it)"
            # The safe rules' fix on its own, when verification accepted it (mtcheck fix applies it).
            # Settled (overlapping fixes applied in turn) when accepted, else one pass of them.
            # Verified whole (only the edit-level choice, not a check, kept it from being the suggestion).
            accepted = {m.candidate.text for m in measured if set(m.candidate.rejected_by) <= {"edits"}}
            safe = next((c for c in (safe_candidate(finding.sentence, self.editable(finding), doc_text, settle=settle)
                                     for settle in (True, False)) if c is not None and c.text in accepted), None)
            by_index[finding.sentence.index] = Rewrite(
                text=top.candidate.text if top else None, candidates=tuple(m.candidate for m in measured), model=model,
                remaining=tuple(self.problem_messages(finding.sentence.text, top.remaining)) if top else (), note=note,
                edits=self.edit_decisions.get(finding.sentence.text, ()),
                safe_fix=safe.text if safe is not None and safe.text in accepted else None,
            )
        chosen = {id(f) for f in targets}
        return tuple(
            dataclasses.replace(f, rewrite=by_index[f.sentence.index]) if id(f) in chosen else f for f in findings
        )


def _quote(words: str) -> str:
    return f"“{' '.join(words.split())}”"
