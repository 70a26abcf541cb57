"""Publication gating: fingerprints, baselines, inline suppression, changed-only, the per-article
decision and exit codes.

These helpers work on finished ``DocumentResult`` values, after detection and before the
report, so every output format sees the same suppressions, the same decisions and the same exit
code. :func:`finish` applies them all in order.

The decision is made per article (``[gate] mode = "document"``, the default): an article fails on
the evidence a desk trusts, the share of its prose that reads as translated (the lower bound of its
95% interval) or the document score, never on one sentence's flag. A flagged sentence in an article
that passes is still reported, at ``isolated_severity`` (info by default): an English-written
article with one odd sentence is not blocked. ``mode = "sentence"`` keeps the older rule, any
finding at ``--fail-on`` fails the run.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, Iterable, cast

from mtcheck.config_tables import GateConfig
from mtcheck.errors import EXIT_INPUT, InputError
from mtcheck.fsutil import read_regular_file
from mtcheck.types import SEVERITY_ORDER, SEVERITY_RANK, DocumentResult, Finding, GateDecision, Severity, translated_share

if TYPE_CHECKING:
    from mtcheck.config import Settings

BASELINE_VERSION = 1
BASELINE_FILENAME = ".mtcheck-baseline.json"
BASELINE_LIMIT = 50_000_000  # bytes: about 250,000 accepted findings; --baseline /dev/zero is refused
DECISIONS = ("accepted", "dismissed")
_BASELINE_START = re.compile(r'\s*\{\s*"version"\s*:\s*\d+\s*,\s*"findings"\s*:\s*\[\s*(?:\]|\{\s*"fingerprint")')

_SPACES = re.compile(r"\s+")
# Typographic variants an editor's tools swap freely must not change a fingerprint.
_CHAR_FOLDS = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-", "\u00a0": " "})


def _normalise_text(text: str) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text).translate(_CHAR_FOLDS)).strip()


def _normalise_path(path: str) -> str:
    posix = PurePath(path).as_posix()
    while posix.startswith("./"):
        posix = posix[2:]
    return posix


def fingerprint(path: str, sentence_text: str) -> str:
    """Stable id of a sentence in a document: survives re-wrapping, quote styles and moves within the file."""
    key = f"{_normalise_path(path)}\0{_normalise_text(sentence_text)}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def finding_fingerprint(path: str, finding: Finding) -> str:
    """The fingerprint of ``finding`` in the document at ``path``: every report, the baseline and
    the HTML report's decisions read it here. The pipeline stores it on the finding
    (``Finding.fingerprint``); a finding built without one gets the same value computed."""
    return finding.fingerprint or fingerprint(path, finding.sentence.text)


# --- baseline ---------------------------------------------------------------------------


def load_baseline(path: str | Path) -> set[str]:
    """Fingerprints of the findings an editor accepted or dismissed (``.mtcheck-baseline.json``)."""
    where = Path(path)
    if not os.path.lexists(where):
        raise InputError(f"baseline file not found: {where}", fix="export one from the HTML report, or drop --baseline")
    try:
        raw = read_regular_file(where, limit=BASELINE_LIMIT, what="baseline").decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(f"cannot read baseline {where}: {err}") from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as err:
        raise InputError(f"baseline {where} is not valid JSON: line {err.lineno}: {err.msg}") from None
    except RecursionError:
        raise InputError(f"baseline {where} is not an mtcheck baseline (nested too deeply)") from None
    if not isinstance(data, dict) or data.get("version") != BASELINE_VERSION or not isinstance(data.get("findings"), list):
        raise InputError(
            f'baseline {where} is not an mtcheck baseline (expected {{"version": {BASELINE_VERSION}, "findings": [...]}})'
        )
    found: set[str] = set()
    for number, entry in enumerate(data["findings"], start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("fingerprint"), str) or not entry["fingerprint"]:
            raise InputError(f"baseline {where}: finding {number} has no fingerprint")
        decision = entry.get("decision", "accepted")
        if decision not in DECISIONS:
            raise InputError(f"baseline {where}: finding {number} has decision {decision!r} (expected accepted or dismissed)")
        found.add(entry["fingerprint"])
    return found


def looks_like_baseline(head: str) -> bool:
    """Whether a file's opening text is a baseline (:func:`baseline_document`'s shape), whatever its name."""
    return bool(_BASELINE_START.match(head))


def baseline_document(entries: Iterable[tuple[str, str, str, str]]) -> dict:
    """The baseline file for (fingerprint, path, text, decision) entries; the HTML report builds the same shape."""
    return {
        "version": BASELINE_VERSION,
        "findings": [
            {"fingerprint": fp, "path": path, "text": text, "decision": decision} for fp, path, text, decision in entries
        ],
    }


def apply_baseline(results: list[DocumentResult], fingerprints: set[str]) -> list[DocumentResult]:
    """Mark flagged findings whose fingerprint is in the baseline as suppressed="baseline"."""
    out = []
    for result in results:
        findings = tuple(
            replace(f, suppressed="baseline")
            if f.flagged and not f.suppressed and finding_fingerprint(result.document.path, f) in fingerprints
            else f
            for f in result.findings
        )
        out.append(replace(result, findings=findings))
    return out


# --- inline suppression -----------------------------------------------------------------

_DIRECTIVE = re.compile(r"<!--\s*mtcheck-(disable-next-line|disable|enable)\s*-->", re.IGNORECASE)


def suppressed_ranges(text: str) -> list[tuple[int, int]]:
    """Offset ranges of ``text`` silenced by ``<!-- mtcheck-... -->`` comments; a sentence starting inside one is suppressed."""
    ranges: list[tuple[int, int]] = []
    open_at: int | None = None
    for match in _DIRECTIVE.finditer(text):
        kind = match.group(1).lower()
        if kind == "disable-next-line":
            line_end = text.find("\n", match.end())
            if line_end < 0:
                continue
            # The next line with text: a blank line after the comment must not swallow the directive.
            start = line_end + 1
            while start < len(text):
                end = text.find("\n", start)
                end = len(text) if end < 0 else end
                if text[start:end].strip():
                    ranges.append((start, end))
                    break
                start = end + 1
        elif kind == "disable":
            if open_at is None:
                open_at = match.end()
        elif open_at is not None:
            ranges.append((open_at, match.start()))
            open_at = None
    if open_at is not None:
        ranges.append((open_at, len(text)))
    return ranges


def apply_inline_suppressions(results: list[DocumentResult]) -> list[DocumentResult]:
    out = []
    for result in results:
        ranges = suppressed_ranges(result.document.text)
        if not ranges:
            out.append(result)
            continue
        findings = tuple(
            replace(f, suppressed="inline")
            if f.flagged and not f.suppressed and any(a <= f.sentence.start < b for a, b in ranges)
            else f
            for f in result.findings
        )
        out.append(replace(result, findings=findings))
    return out


# --- exit code --------------------------------------------------------------------------


def flagged_ratio(result: DocumentResult) -> float:
    prose = [f for f in result.findings if f.sentence.kind == "prose"]
    if not prose:
        return 0.0
    return sum(1 for f in prose if f.flagged and not f.suppressed) / len(prose)


def exit_code(results: list[DocumentResult], fail_on: str, max_flagged_ratio: float | None = None) -> int:
    """0 clean, 1 when an article's gate fails, an unsuppressed finding reaches ``fail_on`` or a
    document exceeds the flagged ratio.

    ``fail_on="none"`` is report-only mode: it never fails, whatever the ratio or the gate.
    """
    if fail_on not in SEVERITY_RANK:
        raise InputError(f"unknown fail-on level {fail_on!r} (choose from {', '.join(SEVERITY_ORDER)})")
    if fail_on == "none":
        return 0
    bar = SEVERITY_RANK[fail_on]
    for result in results:
        if result.gate is not None and result.gate.fail:
            return 1
        if any(SEVERITY_RANK.get(f.severity, 0) >= bar for f in result.flagged):
            return 1
        if max_flagged_ratio is not None and flagged_ratio(result) > max_flagged_ratio:
            return 1
    return 0


# --- the per-article decision -------------------------------------------------------------


def _percent(value: float) -> str:
    return f"{value:.0%}"


def article_decision(flagged: int, prose: int, score: float, policy: GateConfig) -> GateDecision:
    """The document-mode decision from an article's evidence: ``flagged`` of ``prose`` sentences
    read as translated (suppressed ones left out) and its document ``score``."""
    low = translated_share(flagged, prose).low
    share = f"{flagged} of {prose} sentences read as translated ({_percent(flagged / prose if prose else 0.0)}, 95% CI from {_percent(low)})"
    if flagged and low >= policy.share_low:
        return GateDecision(True, f"{share}: at least {_percent(policy.share_low)} of the article reads as translated")
    if prose and score >= policy.document_score:
        # The article as a whole: weak evidence in many sentences adds up even when no single one
        # is sure enough to flag.
        return GateDecision(True, f"document score {score:.3f} reaches {policy.document_score:g}; {share}")
    if flagged:
        return GateDecision(False, f"{share}: too little to say the article is translated (it fails from a lower bound of "
                                   f"{_percent(policy.share_low)} or a document score of {policy.document_score:g}); "
                                   f"its flagged sentences are reported at {policy.isolated_severity} at most")
    return GateDecision(False, "no sentence reads as translated" if prose else "no prose to judge")


def decide(result: DocumentResult, policy: GateConfig, fail_on: str = "warning") -> DocumentResult:
    """``result`` with its gate decision set and, when the article passes in document mode, its
    flagged sentences at no more than ``policy.isolated_severity``."""
    if result.error:
        return result
    if policy.mode == "sentence":
        bar = SEVERITY_RANK.get(fail_on, len(SEVERITY_ORDER))
        worst = [f for f in result.flagged if SEVERITY_RANK.get(f.severity, 0) >= bar]
        why = (f"{len(worst)} flagged sentence(s) at {fail_on} or above (sentence gate)" if worst and fail_on != "none"
               else f"no flagged sentence at {fail_on} or above (sentence gate)")
        return replace(result, gate=GateDecision(fail=bool(worst) and fail_on != "none", why=why))
    prose = [f for f in result.findings if f.sentence.kind == "prose"]
    flagged = sum(1 for f in prose if f.flagged and not f.suppressed)
    decision = article_decision(flagged, len(prose), result.score, policy)
    accepted = sum(1 for f in prose if f.flagged and f.suppressed)
    if not flagged and accepted:
        decision = GateDecision(False, f"the {accepted} flagged sentence(s) are accepted (baseline or inline suppression)")
    if decision.fail or not flagged:
        return replace(result, gate=decision)
    cap = SEVERITY_RANK[policy.isolated_severity]
    level = cast(Severity, policy.isolated_severity)
    findings = tuple(replace(f, severity=level) if f.flagged and SEVERITY_RANK.get(f.severity, 0) > cap else f
                     for f in result.findings)
    return replace(result, findings=findings, gate=decision)


@dataclass(frozen=True)
class FinishOptions:
    """What decides a run's outcome once the documents are checked (``check``, ``audit``, ``serve``)."""

    fail_on: str = "warning"
    max_flagged_ratio: float | None = None
    policy: GateConfig = GateConfig()
    baseline: frozenset[str] | None = None  # fingerprints accepted or dismissed in a baseline file
    changed_ref: str | None = None  # --changed-only: keep sentences on lines changed since this git ref

    @classmethod
    def from_settings(cls, settings: "Settings", **changes: Any) -> "FinishOptions":
        """The run's outcome as the settings decide it (``fail_on``, ``max_flagged_ratio``, ``[gate]``)."""
        return cls(fail_on=settings.fail_on, max_flagged_ratio=settings.max_flagged_ratio, policy=settings.gate_config, **changes)


def finish(results: list[DocumentResult], options: FinishOptions) -> tuple[list[DocumentResult], int]:
    """Suppressions, baseline, changed-only, each article's gate decision, then the exit code
    (2 when an input could not be checked)."""
    results = apply_inline_suppressions(results)
    if options.baseline is not None:
        results = apply_baseline(results, set(options.baseline))
    if options.changed_ref is not None:
        results = [r if r.error else keep_changed(r, changed_line_ranges(r.document.path, options.changed_ref)) for r in results]
    results = [decide(r, options.policy, options.fail_on) for r in results]
    if any(r.error for r in results):
        return results, EXIT_INPUT
    return results, exit_code(results, options.fail_on, options.max_flagged_ratio)


# --- changed-only -----------------------------------------------------------------------

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@", re.MULTILINE)


def _git(folder: Path, *args: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        raise InputError("--changed-only needs git, which is not installed", fix="apt-get install git") from None


def changed_line_ranges(path: str, ref: str = "HEAD") -> list[tuple[int, int]] | None:
    """1-based inclusive line ranges of ``path`` changed since ``ref`` (working tree included).

    ``None`` means the whole file is new to git (untracked, or absent at ``ref``), so every line counts as changed.
    """
    if path == "-":
        raise InputError("--changed-only cannot be used with standard input")
    file = Path(path).resolve()
    folder = file.parent
    if _git(folder, "rev-parse", "--show-toplevel").returncode != 0:
        raise InputError(f"--changed-only: {path} is not in a git repository")
    if _git(folder, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode != 0:
        raise InputError(f"--changed-only: unknown git ref {ref!r}", fix="pass an existing commit, branch or tag with --git-ref")
    if _git(folder, "ls-files", "--error-unmatch", "--", file.name).returncode != 0:
        return None
    if _git(folder, "cat-file", "-e", f"{ref}:./{file.name}").returncode != 0:
        return None
    diff = _git(folder, "diff", "-U0", "--no-color", "--no-ext-diff", ref, "--", file.name)
    if diff.returncode != 0:
        raise InputError(f"--changed-only: git diff failed for {path}: {diff.stderr.strip().splitlines()[-1:] or ['?']}")
    ranges = []
    for match in _HUNK.finditer(diff.stdout):
        start, count = int(match.group(1)), int(match.group(2) or 1)
        if count:  # a pure deletion leaves no new line to report on
            ranges.append((start, start + count - 1))
    return ranges


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, max(0, offset)) + 1


def keep_changed(result: DocumentResult, ranges: list[tuple[int, int]] | None) -> DocumentResult:
    """Keep only the sentences that overlap changed lines (``None``: the whole file is new, keep all)."""
    if ranges is None:
        return result
    text = result.document.text

    def touches(finding: Finding) -> bool:
        first = line_of(text, finding.sentence.start)
        last = line_of(text, max(finding.sentence.start, finding.sentence.end - 1))
        return any(first <= b and a <= last for a, b in ranges)

    return replace(result, findings=tuple(f for f in result.findings if touches(f)))
