"""Edit-level acceptance: each typed edit a candidate proposes is admitted on its own evidence.

A candidate sentence is no longer accepted or rejected whole. Every candidate (the rules' fixes,
LanguageTool's, the model's greedy answer and its samples) is split into ERRANT edits against the
original (mtcheck/rewrite/edits.py); the same edit proposed by several candidates is one proposal
with several sources. Each proposal is tried alone on the original and admitted by its type:

- a form edit (function word, punctuation, word order, inflection) needs fluency evidence (SmolLM2
  surprisal of the sentence with that edit lower by ``fluency_gain``) or a flagged problem it
  resolves; a relational one (a preposition put in or swapped, a tense: ``Edit.relational``) needs
  a flagged problem it resolves or the meaning evidence of a content edit, never fluency alone;
- a content edit (a noun, verb, adjective, adverb or phrase replaced, inserted or deleted) needs
  meaning evidence: a rule's own fix for a flagged problem, or, for a replacement or deletion that
  resolves a flagged problem, a sentence embedding (MiniLM) that finds the edited sentence
  equivalent to the original (never for an insertion: an embedding does not see added words); with
  ``[rewrite] candidates`` above 1 (a stronger model's samples), also the same edit proposed by at
  least ``min_support`` of its independent answers. The local 1.5B model's answers are not
  independent evidence by default: its samples share its prompt and repeat its misreadings
  ("indifference gave way to fear" -> "fear gave way to fear" in 3 of 3);
- with the Russian source, a model's edit is also weighed against it (mtcheck/rewrite/adequacy.py):
  a content edit that makes the sentence a likelier translation of the Russian by ``source_gain``
  nats is admitted on that alone (and may cost as much fluency as a problem's fix), and any model
  edit that makes it a less likely one by ``source_loss`` nats is refused, whatever its votes or
  fluency;
- a rule's or LanguageTool's fix of one flagged span is one edit, however ERRANT splits it; a
  model's insertion resolves nothing by itself (it may only hide the phrase from the pattern);
  LanguageTool's own grammar rules declare no fix safe, so their fix of a word (not only its case or
  punctuation) counts as resolving only when a model answer proposes the same edit: alone it is
  weighed like a model's edit ("it is still sugar" -> "sugared" for BEEN_PART_AGREEMENT);
- a model's edit may not put in a content word the rest of the sentence already has (a copy from
  its context, not a rewording);
- whatever its type, an edit alone may not change a fact (numbers, dates, names, quotations,
  negation, hedges, attribution: mtcheck/rewrite/facts/), add a flagged problem, or read clearly
  worse.

Overlapping admitted edits keep the better supported one. The suggestion is the original with the
admitted edits applied, verified again as a whole by the Verifier (facts, LanguageTool, problems,
fluency, similarity); if the whole fails, edits are dropped one at a time until it passes.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Sequence

from mtcheck.rewrite.edits import Edit, EditExtractor
from mtcheck.rewrite.facts import fact_checks
from mtcheck.rewrite.generate import SAFE_GENERATOR
from mtcheck.rewrite.problems import introduced, resolution
from mtcheck.rewrite.verify import (
    DEFAULT_EQUIVALENCE,
    DEFAULT_MIN_SUPPORT,
    DEFAULT_SUPPORT_SHARE,
)
from mtcheck.rewrite.verify import (
    DEFAULT_FLUENCY_GAIN as DEFAULT_EDIT_FLUENCY_GAIN,
)
from mtcheck.types import Candidate, EditDecision

# A content edit that drops this many more words than it adds is a deletion.
DROP_WORDS = 2
# Any single edit may cost this much surprisal at most (one that fixes a flagged problem, the
# resolved tolerance of the whole-sentence check instead).
DEFAULT_EDIT_TOLERANCE = 0.1
# With the Russian source: a content edit is admitted when it raises the sentence's log-likelihood
# as a translation of the source by this many nats (19% of human post-edits' content edits do, 2%
# of words swapped for another word), and a model edit refused when it lowers it by SOURCE_LOSS
# (90% of swapped words, 16% of human content edits): MLQE-PE train, benchmarks/source_evidence.py.
# (The information about the source, which subtracts the plain LM's likelihood, ranks real model
# edits worse: the plain LM also likes the idiomatic wording an editor wants, "won" for "was the
# winner in".)
DEFAULT_SOURCE_GAIN = 3.0
DEFAULT_SOURCE_LOSS = 8.0
# The model answers that count as votes: the greedy answer and its samples. A repair is shown the
# earlier attempt, so its agreeing with it is a copy, not a second opinion.
INDEPENDENT_ANSWERS = ("llm", "llm-sample")


@dataclass
class Proposal:
    edit: Edit
    sources: list[str] = field(default_factory=list)  # one generator name per proposing candidate
    answers: set[str] = field(default_factory=set)  # the model answers (texts) that propose it
    text: str = ""  # the original with this edit alone
    evidence: str = ""
    reason: str = ""
    resolved: tuple[str, ...] = ()
    gain: float = 0.0
    needs_votes: bool = False  # rejected only for want of agreeing model candidates
    source_given: float | None = None  # log P(sentence | Russian) gained (nats), when there is a source

    @property
    def model_support(self) -> int:
        return sum(1 for s in self.sources if s in INDEPENDENT_ANSWERS)

    def decision(self, accepted: bool) -> EditDecision:
        e = self.edit
        return EditDecision(e.type, e.original, e.replacement, accepted, self.evidence if accepted else "",
                            "" if accepted else self.reason, tuple(dict.fromkeys(self.sources)))


def candidate_edits(extractor: EditExtractor, original: str, candidates: Sequence[Candidate],
                    units: Sequence[tuple[int, int]] = ()) -> dict[str, list[Edit]]:
    """Each distinct candidate text's edits, extracted once. A rule's or LanguageTool's fix of one
    flagged span (``units``) is one edit."""
    edits: dict[str, list[Edit]] = {}
    for cand in candidates:
        if cand.text.strip() and cand.text not in edits:
            spans = () if _from_model(cand.generator) else units
            edits[cand.text] = list({e.key: e for e in extractor.edits(original, cand.text, spans)}.values())
    return edits


def proposals(candidates: Sequence[Candidate], edits: dict[str, list[Edit]]) -> list[Proposal]:
    """Every distinct edit of every candidate (``edits``: :func:`candidate_edits`), with the
    generators that proposed it (a candidate given twice, as two samples that agree, is two votes)."""
    found: dict[tuple, Proposal] = {}
    for cand in candidates:
        for edit in edits.get(cand.text, ()):
            proposal = found.setdefault(edit.key, Proposal(edit))
            proposal.sources.append(cand.generator)
            if _from_model(cand.generator):
                proposal.answers.add(cand.text)
    return sorted(found.values(), key=lambda p: (p.edit.start, p.edit.end))


def _trigrams(text: str) -> Counter:
    words = re.findall(r"[\w’']+", text.lower())
    return Counter(zip(words, words[1:], words[2:]))


def repeats(original: str, text: str) -> str:
    """A three-word phrase ``text`` has more often than ``original`` while ``original`` already has
    it ("" when none): an edit that copies words the sentence still has."""
    had, has = _trigrams(original), _trigrams(text)
    for gram, count in has.items():
        if count > had[gram] and had[gram] > 0:
            return " ".join(gram)
    return ""


def _content_words(text: str) -> Counter:
    from spacy.lang.en.stop_words import STOP_WORDS

    return Counter(w for w in re.findall(r"[a-z]+", text.lower()) if len(w) > 1 and w not in STOP_WORDS)


def copies(original: str, edit: Edit) -> str:
    """A content word the edit puts in that the rest of the sentence already has ("" when none): a
    small model copying from its context ("indifference gave way to fear" -> "fear gave way to
    fear"; "... were nominated" put in a sentence that ends "were nominated")."""
    put_in = _content_words(edit.replacement) - _content_words(edit.original)
    rest = _content_words(original) - _content_words(edit.original)
    return next((w for w in put_in if rest[w]), "")


def _from_model(generator: str) -> bool:
    return generator.startswith("llm")


def _votes_short(p: Proposal, need: int, model_candidates: int) -> str:
    """How far the model's agreeing answers fell short ("" when it gave one answer: no votes asked for)."""
    if model_candidates <= 1:
        return ""
    return f"proposed by {p.model_support} of {model_candidates} model candidates (needs {need})"


def _unconfirmed_word_fix(p: Proposal, unsafe: frozenset[str]) -> bool:
    """Every problem the edit resolves is one whose rule declares no safe fix (``unsafe``: their
    keys), the edit changes a word beyond its case or punctuation, and neither a project rule nor
    a model answer proposes it."""
    if not p.resolved or not set(p.resolved) <= unsafe or any(_from_model(s) or s in ("rules", SAFE_GENERATOR) for s in p.sources):
        return False
    letters = [re.sub(r"\W", "", t).lower() for t in (p.edit.original, p.edit.replacement)]
    return letters[0] != letters[1]


# Edits of one answer this close (unchanged tokens between them) are one change: "amid the
# depreciation of the lira" -> "as the lira depreciated" is a replacement and, two tokens on, an
# insertion; the insertion alone made "... of the lira depreciated".
NEIGHBOUR_GAP = 2


def _touching(edits: Sequence[Edit], edit: Edit) -> list[Edit]:
    """The edits of one candidate connected to ``edit`` through gaps of at most NEIGHBOUR_GAP tokens."""
    group = [edit]
    changed = True
    while changed:
        changed = False
        for e in edits:
            if e.key not in {g.key for g in group} and any(e.start - g.end <= NEIGHBOUR_GAP and g.start - e.end <= NEIGHBOUR_GAP for g in group):
                group.append(e)
                changed = True
    return group


class EditJudge:
    """Decides which proposed edits of one sentence go into its suggestion. ``verifier`` supplies
    the measurements (mtcheck/rewrite/verify.py); the thresholds are ``[rewrite]`` settings."""

    def __init__(self, verifier: Any, extractor: EditExtractor, fluency_gain: float = DEFAULT_EDIT_FLUENCY_GAIN,
                 min_support: int = DEFAULT_MIN_SUPPORT, support_share: float = DEFAULT_SUPPORT_SHARE,
                 equivalence: float = DEFAULT_EQUIVALENCE, tolerance: float = DEFAULT_EDIT_TOLERANCE,
                 source_information: Any = None, source_gain: float = DEFAULT_SOURCE_GAIN,
                 source_loss: float = DEFAULT_SOURCE_LOSS):
        self.verifier = verifier
        self.source_information = source_information  # adequacy.SourceInformation, or None
        self.source_gain = source_gain
        self.source_loss = source_loss
        self.extractor = extractor
        self.fluency_gain = fluency_gain
        self.min_support = min_support
        self.support_share = support_share
        self.equivalence = equivalence
        self.tolerance = tolerance

    def support_needed(self, model_candidates: int) -> int:
        return max(self.min_support, math.ceil(self.support_share * model_candidates))

    def judge(self, original: str, candidates: Sequence[Candidate], source: str = ""
              ) -> tuple[list[Proposal], list[Proposal]]:
        """(admitted, rejected) proposals: each alone on the original, then clashes settled; ``source``
        is the sentence's Russian original, when the desk has it."""
        v = self.verifier
        before = v.problems(original)
        edits = candidate_edits(self.extractor, original, candidates, [(q.start, q.end) for q in before])
        found = proposals(candidates, edits)
        if not found:
            return [], []
        for p in found:
            p.text = self.extractor.apply(original, [p.edit])
        texts = list(dict.fromkeys([original] + [p.text for p in found]))
        surprisal = dict(zip(texts, v.surprisal(texts))) if v.use_models else {}
        matches = v.languagetool_matches(texts)
        problems = {t: v.problems(t) for t in texts}
        problems[original] = before
        unsafe = frozenset(q.key for q in before if not q.fix_is_safe)
        model_candidates = sum(1 for c in candidates if c.generator in INDEPENDENT_ANSWERS)
        need = self.support_needed(model_candidates)
        content = [p for p in found if p.edit.kind == "content"]
        sims = dict(zip([p.text for p in content], v.similarity([(original, p.text) for p in content]))) \
            if v.use_models and content else {}
        self._weigh_against_source(original, source, found)
        admitted: list[Proposal] = []
        rejected: list[Proposal] = []
        for p in found:
            p.resolved = resolution(before, problems[p.text])[0]
            if original in surprisal:
                p.gain = surprisal[original] - surprisal[p.text]
            p.reason = self._fault(original, p, before, problems[p.text], matches)
            if not p.reason:
                p.evidence, p.reason = self._evidence(p, need, model_candidates, sims.get(p.text), unsafe)
            (admitted if p.evidence else rejected).append(p)
        admitted, rejected = self._with_neighbours(admitted, rejected, edits)
        kept: list[Proposal] = []
        # A rule's fix first: it is the most specific evidence there is for its own problem.
        for p in sorted(admitted, key=lambda p: (all(_from_model(s) for s in p.sources), -len(p.resolved),
                                                 -len(p.sources), -p.gain)):
            # One fix per flagged problem: "foreign Minister" fixed by "Foreign" and by "minister"
            # at once is "Foreign minister". (An edit admitted on other evidence, fluency or votes,
            # is not a fix of the problem it happens to hide.)
            fixes = set(p.resolved) if p.evidence.startswith(("resolves", "a rule's own fix")) else set()
            clash = next((k for k in kept if k.edit.overlaps(p.edit) or set(k.resolved) & fixes), None)
            if clash is None:
                kept.append(p)
            else:
                p.evidence, p.reason = "", f"overlaps the better supported edit {clash.edit.describe()}"
                rejected.append(p)
        return sorted(kept, key=lambda p: p.edit.start), rejected

    @staticmethod
    def one_answer(kept: Sequence[Proposal]) -> tuple[list[Proposal], list[Proposal]]:
        """(kept, dropped): the model's edits in one suggestion all come from one of its answers.
        Edits of different answers, each sound alone, made sentences no answer wrote and a reader
        would not ("due to the depreciation of the lira depreciated", "In the last year of ...'s life
        was fruitful"): on the judged slice rewrite-fresh-2026-12b, 4 of the 8 suggestions the judge
        liked less than the original were such mixtures. A rule's or LanguageTool's fix joins any
        answer; of the model's answers, the one holding the most (then best supported) edits wins."""
        only_model = [p for p in kept if p.answers and all(_from_model(s) for s in p.sources)]
        answers = {a for p in only_model for a in p.answers}
        if len(answers) <= 1 or any(all(a in p.answers for p in only_model) for a in answers):
            return list(kept), []
        best = max(sorted(answers), key=lambda a: (sum(a in p.answers for p in only_model),
                                                   sum(len(p.sources) for p in only_model if a in p.answers)))
        dropped = [p for p in only_model if best not in p.answers]
        for p in dropped:
            p.evidence, p.reason = "", "from another model answer than the suggestion's other edits (answers are not mixed)"
        return [p for p in kept if p not in dropped], dropped

    def _weigh_against_source(self, original: str, source: str, found: Sequence[Proposal]) -> None:
        """Each model-only edit's gain in log-likelihood as a translation of the Russian ``source`` (a
        rule's fix is not weighed: a translation model prefers the literal rendering it replaces)."""
        if not source.strip() or self.source_information is None or not self.verifier.use_models:
            return
        weighed = [p for p in found if all(_from_model(s) for s in p.sources)]
        if not weighed:
            return
        base, *scores = self.source_information.scores(source, [original] + [p.text for p in weighed])
        for p, score in zip(weighed, scores):
            p.source_given = score.given - base.given

    def on_top(self, original: str, kept: Sequence[Proposal], rejected: Sequence[Proposal]) -> list[Proposal]:
        """Form edits refused alone that read better once the admitted edits are in: edits interact
        ("the rest who want" -> "anyone else who want" needs "wants", which alone read worse). Each
        is measured against the original with the admitted edits, for fluency and facts."""
        v = self.verifier
        if not kept or not v.use_models:
            return []
        base = self.extractor.apply(original, [k.edit for k in kept])
        tried = [p for p in rejected if p.edit.kind == "form" and not p.needs_votes
                 and not any(k.edit.overlaps(p.edit) for k in kept)
                 and (p.reason.startswith("reads worse") or " no fluency gain " in p.reason)]
        if not tried:
            return []
        texts = [self.extractor.apply(original, [k.edit for k in kept] + [p.edit]) for p in tried]
        before, *after = v.surprisal([base] + texts)
        added: list[Proposal] = []
        for p, text, cost in zip(tried, texts, after):
            gain = before - cost
            if any(a.edit.overlaps(p.edit) for a in added):
                continue
            if gain >= self.fluency_gain and all(c.passed for c in fact_checks(original, text, v.nlp)):
                p.gain, p.reason = gain, ""
                p.evidence = f"reads more fluently with the admitted edits (surprisal down {gain:.2f})"
                added.append(p)
        return added

    def _with_neighbours(self, admitted: list[Proposal], rejected: list[Proposal], by_text: dict[str, list[Edit]]
                         ) -> tuple[list[Proposal], list[Proposal]]:
        """Edits of one candidate that touch (at most NEIGHBOUR_GAP unchanged tokens between them) stand or fall
        together: "an agreement" -> "a deal" split into a DET and a NOUN edit must not become "an
        deal". An admitted edit stays while some candidate proposing it has all its touching edits
        admitted too; dropping one may drop its neighbours in turn."""
        while True:
            keys = {p.edit.key for p in admitted}
            alone = []
            for p in admitted:
                groups = [_touching(edits, p.edit) for edits in by_text.values() if any(e.key == p.edit.key for e in edits)]
                if groups and not any(all(e.key in keys for e in group) for group in groups):
                    missing = next(e for e in groups[0] if e.key not in keys)
                    p.evidence, p.reason = "", f"stands or falls with {missing.describe()}, which was not admitted"
                    alone.append(p)
            if not alone:
                return admitted, rejected
            admitted = [p for p in admitted if p not in alone]
            rejected = rejected + alone

    def _fault(self, original: str, p: Proposal, before: Sequence[Any], after: Sequence[Any],
               matches: dict[str, list[Any]]) -> str:
        """Why the edit alone is unacceptable whatever its evidence ("" when it is not)."""
        failed = [c for c in fact_checks(original, p.text, self.verifier.nlp) if not c.passed]
        if failed:
            return "; ".join(f"{c.name}: {c.detail}" if c.detail else c.name for c in failed)
        repeated = repeats(original, p.text)
        if repeated:
            # Half of a move: the words are put in elsewhere while their deletion is judged apart
            # ("It will create X, the newspaper reported" -> "The newspaper will create X, ...").
            return f"repeats “{repeated}”, which is already in the sentence"
        copied = copies(original, p.edit) if all(_from_model(s) for s in p.sources) else ""
        if copied:
            return f"puts in “{copied}”, which the rest of the sentence already has"
        added = introduced(before, after)
        if added:
            return "adds " + ", ".join(added)
        if matches:
            was = {m.rule_id for m in matches.get(original, [])}
            new = sorted({m.rule_id for m in matches.get(p.text, [])} - was)
            if new:
                return "adds a LanguageTool error (" + ", ".join(new) + ")"
        # Resolving a flagged problem, or saying what the Russian says, may cost a little fluency under
        # the small LM (its mean surprisal rises when predictable words go: "was the winner in" -> "won").
        limit = self.verifier.resolved_tolerance if p.resolved or self._source_supports(p) else self.tolerance
        if p.gain < -limit:
            return f"reads worse (surprisal up {-p.gain:.2f})"
        return ""

    def _source_supports(self, p: Proposal) -> bool:
        return (p.edit.kind == "content" or p.edit.relational) and p.source_given is not None \
            and p.source_given >= self.source_gain

    def _meaning_evidence(self, p: Proposal, need: int, model_candidates: int) -> str:
        """Agreeing model answers, or the Russian source's support ("" when neither)."""
        if p.model_support >= need:
            return f"proposed by {p.model_support} of {model_candidates} model candidates"
        if self._source_supports(p):
            return f"the Russian source supports it (as its translation, log-likelihood up {p.source_given:.1f})"
        return ""

    def _evidence(self, p: Proposal, need: int, model_candidates: int, similarity: float | None,
                  unsafe: frozenset[str]) -> tuple[str, str]:
        by_rule = any(not _from_model(s) for s in p.sources)
        inserted = not p.edit.original
        # An insertion leaves every word of the flagged phrase in place: it can hide the phrase from
        # the pattern that found it without fixing it ("On the eve of the Russian centre reported"),
        # so it resolves a problem only when a rule proposes it. The model's insertions need fluency
        # (form) or agreeing answers (content) like its other edits.
        resolves = f"resolves {', '.join(p.resolved)}" if p.resolved and (by_rule or not inserted) \
            and not _unconfirmed_word_fix(p, unsafe) else ""
        if p.source_given is not None and p.source_given <= -self.source_loss:
            return "", f"the Russian source does not support it (as its translation, log-likelihood down {-p.source_given:.1f})"
        if p.edit.kind == "form":
            if resolves:
                return resolves, ""
            if p.edit.relational:
                meaning = self._meaning_evidence(p, need, model_candidates)
                if meaning:
                    return meaning, ""
                p.needs_votes = p.model_support > 0
                votes = _votes_short(p, need, model_candidates)
                return "", (f"a {p.edit.type} edit changes where, when or how sure; fluency is not evidence of that"
                            + (f": {votes}" if votes else ""))
            if p.gain >= self.fluency_gain:
                return f"reads more fluently (surprisal down {p.gain:.2f})", ""
            return "", f"a {p.edit.type} edit with no fluency gain (surprisal {-p.gain:+.2f}) and no flagged problem"
        if resolves and by_rule:
            return f"a rule's own fix: {resolves}", ""
        if (not p.edit.replacement or p.edit.drops >= DROP_WORDS or p.edit.only_removes) and not resolves:
            # Dropping content loses information: only a flagged problem on those words says they
            # were the problem; votes and fluency do not ("it is worth noting that" left a dangling clause,
            # "Now the Prosecutor General's Office ..." -> "The ..." lost when).
            return "", f"a {p.edit.type} deletion of content (“{p.edit.original}”) that resolves no flagged problem"
        meaning = self._meaning_evidence(p, need, model_candidates)
        if meaning:
            return meaning, ""
        if resolves and similarity is not None and similarity >= self.equivalence:
            return f"{resolves}; equivalent sentence (MiniLM {similarity:.2f})", ""
        p.needs_votes = p.model_support > 0
        votes = _votes_short(p, need, model_candidates)
        if votes:
            why = f"a content edit {votes}"
        elif resolves:
            why = "a content edit of the model with no meaning evidence (no rule proposes it)"
        else:
            why = ("a content edit of the model with no meaning evidence (no rule proposes it, nor a flagged problem "
                   "it resolves in an equivalent sentence)")
        if resolves and similarity is not None:
            why += f", equivalence {similarity:.2f} (needs {self.equivalence:.2f})"
        return "", why
