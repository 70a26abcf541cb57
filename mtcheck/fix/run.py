"""``mtcheck fix`` over files and folders: plan every file's edits, then show them or write them.

A plan is made per file and on its own: a file that cannot be fixed (unreadable, changed since
its decisions, unencodable fix) gets an error and the others go on. Nothing is written until a
file's whole plan is ready, and each file is replaced atomically, so a file is fixed whole or not
at all.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from mtcheck.errors import InputError
from mtcheck.fix.decisions import DocumentDecisions, decisions_for
from mtcheck.fix.edits import Edit, apply_edits, sentence_edits
from mtcheck.fix.files import edited_bytes, read_original, write_bytes
from mtcheck.fix.select import chosen_fix
from mtcheck.types import Document, DocumentResult


@dataclass(frozen=True)
class FilePlan:
    path: str
    before: str = ""  # Document.text
    after: str = ""
    edits: tuple[Edit, ...] = ()
    kinds: tuple[str, ...] = ()  # one per fixed sentence: safe, unsafe, or the editor's choice
    data: bytes | None = None  # the file's new bytes (None: nothing to write)
    error: str | None = None

    @property
    def changed(self) -> bool:
        return self.data is not None

    def summary(self, verb: str = "fixed") -> str:
        if self.error:
            return f"{self.path}: not fixed: {self.error}"
        if not self.changed:
            return f"{self.path}: nothing to fix"
        counts: dict[str, int] = {}
        for kind in self.kinds:
            counts[kind] = counts.get(kind, 0) + 1
        detail = ", ".join(f"{n} {kind}" for kind, n in counts.items())
        return f"{self.path}: {len(self.kinds)} sentence{'s' if len(self.kinds) != 1 else ''} {verb} ({detail})"


def plan_document(document: Document, edits: Sequence[Edit], kinds: Sequence[str]) -> FilePlan:
    """The plan for one checked document: its edits, the new text and the new bytes."""
    if not edits:
        return FilePlan(document.path, document.text, document.text)
    after = apply_edits(document.text, edits)
    if after == document.text:
        return FilePlan(document.path, document.text, after)
    original = read_original(document.path, document.text)
    return FilePlan(document.path, document.text, after, tuple(edits), tuple(kinds), edited_bytes(original, edits))


def _failed(path: str, err: InputError) -> FilePlan:
    message = str(err)
    return FilePlan(path, error=message.removeprefix(f"{path}: "))


def plans_from_results(results: Sequence[DocumentResult], unsafe: bool) -> list[FilePlan]:
    """Each checked document's fixes: the safe ones, and with ``unsafe`` the verified rewrites."""
    plans = []
    for result in results:
        if result.error:
            plans.append(FilePlan(result.document.path, error=result.error.removeprefix(f"{result.document.path}: ")))
            continue
        edits: list[Edit] = []
        kinds: list[str] = []
        for finding in result.findings:
            fix = chosen_fix(result.document, finding, unsafe)
            if fix is not None:
                edits.extend(fix.edits)
                kinds.append(fix.safety)
        try:
            plans.append(plan_document(result.document, edits, kinds))
        except InputError as err:
            plans.append(_failed(result.document.path, err))
    return plans


def plan_decisions(document: Document, entries: Sequence[DocumentDecisions], source: str) -> FilePlan:
    """The plan that applies an editor's decisions to ``document`` (InputError: refused whole)."""
    from mtcheck.segment import segment

    entry = decisions_for(document, entries, source)
    sentences = {s.index: s for s in segment(document)}
    edits: list[Edit] = []
    kinds: list[str] = []
    for decision in sorted(entry.decisions, key=lambda d: d.start):
        if decision.choice == "keep":
            continue
        sentence = sentences.get(decision.sentence)
        if sentence is None or (sentence.start, sentence.end, sentence.text) != (decision.start, decision.end, decision.original):
            raise InputError(f"{document.path}: decision for sentence {decision.sentence} does not match the article's "
                             f"sentence there; nothing was changed")
        found = sentence_edits(document, sentence, decision.text)
        if found:
            edits.extend(found)
            kinds.append(decision.choice)
    return plan_document(document, edits, kinds)


def plans_from_decisions(paths: Sequence[str], entries: Sequence[DocumentDecisions], source: str,
                         input_format: str, max_bytes: int) -> list[FilePlan]:
    from mtcheck.load import load_document

    plans = []
    for path in paths:
        try:
            document = load_document(path, input_format, max_bytes=max_bytes)
            plans.append(plan_decisions(document, entries, source))
        except InputError as err:
            plans.append(_failed(path, err))
    return plans


def unified_diff(plan: FilePlan) -> str:
    if not plan.changed:
        return ""
    lines = difflib.unified_diff(plan.before.splitlines(keepends=True), plan.after.splitlines(keepends=True),
                                 fromfile=f"a/{plan.path}", tofile=f"b/{plan.path}")
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def destinations(paths: Sequence[str], output: str | None) -> dict[str, Path]:
    """Where each file's fixed text goes: in place, the ``-o`` file for one input, or under the
    ``-o`` folder (the inputs' paths below their common folder) for several."""
    if output is None:
        return {p: Path(p) for p in paths}
    if len(paths) == 1 and not Path(output).is_dir():
        return {paths[0]: Path(output)}
    root = os.path.commonpath([os.path.abspath(os.path.dirname(p)) for p in paths])
    return {p: Path(output) / os.path.relpath(os.path.abspath(p), root) for p in paths}


def check_targets(paths: Sequence[str], targets: dict[str, Path], output: str | None) -> dict[str, Path]:
    """Refuse, before any work, a ``-o`` that is an input and a target that cannot be written."""
    from mtcheck.fsutil import check_destination, file_identity

    if output is not None:
        inputs = {file_identity(p): p for p in paths}
        for target in targets.values():
            name = inputs.get(file_identity(target))
            if name is not None:
                raise InputError(f"refusing to write -o {output} over the input {name}",
                                 fix="drop -o to fix in place, or name another file")
    checked = {}
    for path, target in targets.items():
        if output is not None and len(targets) > 1:
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise InputError(f"cannot write {target}: {err.strerror or err}") from None
        if output is None and not os.access(path, os.W_OK):
            raise InputError(f"cannot write {path}: permission denied")
        checked[path] = check_destination(target)
    return checked


def write_plans(plans: Sequence[FilePlan], targets: dict[str, Path], copy_unchanged: bool) -> None:
    """Write each changed file (and, with ``-o``, an unchanged one as it is) to its target."""
    for plan in plans:
        if plan.error:
            continue
        target = targets[plan.path]
        if plan.changed:
            assert plan.data is not None
            write_bytes(target, plan.data)
        elif copy_unchanged:
            write_bytes(target, Path(plan.path).read_bytes())

