"""The data that flows through the pipeline.

load -> segment -> detect -> rewrite -> compare -> report

Every stage takes and returns these frozen values, so a stage can be tested alone
and no stage needs to know who produced its input. Character offsets always refer
to ``Document.text`` (the decoded source file, unchanged), so a finding can be
shown at its place in the original article.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

SentenceKind = Literal["prose", "boilerplate"]
Severity = Literal["none", "info", "warning", "error"]
# The one severity order, lowest first. Ranks, --fail-on's choices, the config check and the
# reports' order all derive from it.
SEVERITY_ORDER: tuple[str, ...] = get_args(Severity)
SEVERITY_RANK: dict[str, int] = {level: rank for rank, level in enumerate(SEVERITY_ORDER)}
FLAGGED_SEVERITIES: tuple[str, ...] = tuple(reversed(SEVERITY_ORDER[1:]))  # a flagged finding's levels, highest first


@dataclass(frozen=True)
class Block:
    """A paragraph (or one line in ``lines`` mode) of readable text.

    ``text`` is what a reader sees (markup removed, entities decoded). ``offsets``
    maps each character of ``text`` to its offset in ``Document.text``; it is
    ``None`` when the text is a verbatim slice starting at ``start``.
    """

    text: str
    start: int
    end: int
    offsets: tuple[int, ...] | None = None
    split: bool = True  # False in ``lines`` mode: the block is one segment

    def source_offset(self, i: int) -> int:
        """Offset in the document of character ``i`` of ``text`` (``i == len`` allowed)."""
        if self.offsets is None:
            return self.start + i
        if i >= len(self.offsets):
            return self.end
        return self.offsets[i]


@dataclass(frozen=True)
class Document:
    path: str  # as given by the user; "-" for standard input
    text: str  # decoded source text; every offset points into it
    format: str  # "text" | "markdown" | "html" | "lines"
    encoding: str
    blocks: tuple[Block, ...] = ()


@dataclass(frozen=True)
class Sentence:
    index: int
    start: int
    end: int
    text: str
    kind: SentenceKind = "prose"
    block: int = 0  # index of the Block it came from
    boilerplate_reason: str | None = None


@dataclass(frozen=True)
class Reason:
    """One piece of evidence that a sentence reads as translated."""

    source: str  # the signal that produced it: "languagetool", "interference", ...
    rule_id: str
    message: str  # plain editor language
    start: int  # document offsets
    end: int
    category: str = ""
    suggestions: tuple[str, ...] = ()
    weight: float = 0.0  # contribution to the score, for ordering explanations


@dataclass(frozen=True)
class Check:
    """The result of one verification of a rewrite candidate."""

    name: str
    passed: bool
    detail: str = ""


@dataclass(frozen=True)
class Candidate:
    generator: str  # "llm", "rules", "languagetool", ...
    text: str
    checks: tuple[Check, ...] = ()
    score: float = 0.0  # ranking score; higher is better

    @property
    def accepted(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def rejected_by(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.checks if not c.passed)


@dataclass(frozen=True)
class EditDecision:
    """One typed edit a candidate proposed (mtcheck/rewrite/edits.py), and whether it is in the suggestion."""

    type: str  # ERRANT's: "R:PREP", "M:DET", "R:WO", "R:NOUN", ...
    original: str  # the original's words it replaces ("" for an insertion)
    replacement: str  # "" for a deletion
    accepted: bool
    evidence: str = ""  # what admitted it ("resolves ...", "surprisal 4.1 -> 3.9", "3 of 5 model candidates")
    reason: str = ""  # why it was rejected
    sources: tuple[str, ...] = ()  # the generators that proposed it


@dataclass(frozen=True)
class Rewrite:
    text: str | None  # the suggestion; None when no candidate passed
    candidates: tuple[Candidate, ...] = ()
    model: str = ""
    # Messages of the flagged problems the suggestion leaves in place (empty: all fixed).
    remaining: tuple[str, ...] = ()
    # Why there is no suggestion, in editor language ("2 candidates rejected: numbers, content").
    note: str = ""
    # Every edit the candidates proposed: the suggestion is the original with the accepted ones applied.
    edits: tuple[EditDecision, ...] = ()
    # The fixes of the rules declared fix_safety="safe" alone, when verification accepted them: what
    # ``mtcheck fix`` applies by default (None: no such fix, or it failed a check).
    safe_fix: str | None = None

    @property
    def partial(self) -> bool:
        """A suggestion that fixes some of the flagged problems but not all."""
        return self.text is not None and bool(self.remaining)


@dataclass(frozen=True)
class Score:
    """A sacrebleu score with the signature that makes it reproducible."""

    metric: str  # "chrF", "BLEU", "TER"
    value: float
    signature: str


@dataclass(frozen=True)
class AlignedReference:
    index: int  # sentence index in the reference document
    text: str
    similarity: float
    start: int = 0
    end: int = 0


@dataclass(frozen=True)
class TermHint:
    ours: str
    reference: str
    message: str


@dataclass(frozen=True)
class Alignment:
    sentence: int  # index of the article sentence
    references: tuple[AlignedReference, ...] = ()
    before: tuple[Score, ...] = ()  # original sentence vs the aligned reference text
    after: tuple[Score, ...] = ()  # suggested rewrite vs the same reference
    hints: tuple[TermHint, ...] = ()

    @property
    def aligned(self) -> bool:
        return bool(self.references)


@dataclass(frozen=True)
class Finding:
    sentence: Sentence
    score: float  # calibrated probability that the sentence is machine-translated
    flagged: bool
    reasons: tuple[Reason, ...] = ()
    severity: Severity = "none"
    rewrite: Rewrite | None = None
    alignment: Alignment | None = None
    fingerprint: str = ""
    suppressed: str | None = None  # "baseline" | "inline" | None


@dataclass(frozen=True)
class TranslatedShare:
    """How much of the article reads as translated: k of n prose sentences flagged, with a 95%
    Wilson interval for the share, so a desk can gate on e.g. "more than a third translated"."""

    flagged: int
    sentences: int
    low: float
    high: float

    @property
    def share(self) -> float:
        return self.flagged / self.sentences if self.sentences else 0.0

    def describe(self) -> str:
        return f"{self.flagged} of {self.sentences} sentences read as translated ({self.share:.0%}, 95% CI {self.low:.0%}-{self.high:.0%})"


def translated_share(flagged: int, sentences: int, z: float = 1.959964) -> TranslatedShare:
    """The Wilson score interval of ``flagged``/``sentences`` (sound for small n and for 0 or n)."""
    if sentences <= 0:
        return TranslatedShare(0, 0, 0.0, 1.0)
    p = flagged / sentences
    denominator = 1 + z * z / sentences
    centre = (p + z * z / (2 * sentences)) / denominator
    half = z * ((p * (1 - p) / sentences + z * z / (4 * sentences * sentences)) ** 0.5) / denominator
    return TranslatedShare(flagged, sentences, max(0.0, centre - half), min(1.0, centre + half))


def share_of(findings: tuple[Finding, ...]) -> TranslatedShare:
    """The share of the prose sentences the detector flagged (suppressed ones included: a baseline
    hides a finding from the gate, not the sentence from the article), with its 95% interval."""
    prose = [f for f in findings if f.sentence.kind == "prose"]
    return translated_share(sum(1 for f in prose if f.flagged), len(prose))


@dataclass(frozen=True)
class GateDecision:
    """The publication decision for one article and the evidence it rests on, in editor language."""

    fail: bool
    why: str


@dataclass(frozen=True)
class DocumentResult:
    """A checked document, or (``error`` set) an input that could not be checked.

    An error entry has an empty ``Document`` (only ``path`` is meaningful), no findings and
    score 0; ``error`` is the one-line message ``InputError`` gave for it. Formats list error
    entries apart from the checked documents.
    """

    document: Document
    findings: tuple[Finding, ...]
    score: float  # document-level probability
    comparison: dict | None = field(default=None, compare=False)  # document-level reference scores
    error: str | None = None  # why the input could not be checked (None: it was checked)
    gate: GateDecision | None = field(default=None, compare=False)  # set by gate.finish

    @classmethod
    def failed(cls, path: str, message: str) -> "DocumentResult":
        return cls(document=Document(path=path, text="", format="", encoding=""), findings=(), score=0.0, error=message)

    @property
    def flagged(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.flagged and not f.suppressed)

    @property
    def translated(self) -> TranslatedShare:
        """How much of the article reads as translated: k of n prose sentences, with a 95% interval."""
        return share_of(self.findings)
