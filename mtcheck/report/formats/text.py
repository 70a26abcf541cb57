"""``--format text``: the terminal view. Colours when writing to a terminal, plain text otherwise.

Besides flagged sentences it lists sentences left untranslated (in Russian; not scored) and the
inputs that could not be checked (``path  not checked`` and the error line).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import sys

from mtcheck.console import printable
from mtcheck.registry import formats
from mtcheck.report.view import (
    FALLBACK_MESSAGE,
    SEVERITIES,
    UNTRANSLATED,
    checked,
    comparison_rows,
    edit_lines,
    failed,
    points_at_words,
    position,
    quoted,
    reported,
    rewrite_status,
    rewrite_text,
    rule_id,
    span_in_sentence,
    untranslated,
)
from mtcheck.types import DocumentResult, Finding

STYLES = {"error": "bold red", "warning": "yellow", "info": "cyan", "none": "dim"}


def _use_colour(options) -> bool:
    chosen = getattr(options, "color", None)
    if chosen is not None:
        return bool(chosen)
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def _name(result: DocumentResult) -> str:
    """The file name on one line: a newline or an escape sequence in it is shown, not obeyed."""
    return printable(result.document.path)


def _shown(block):
    """A block with the control characters of the article, its reasons and suggestions made visible;
    the layout's own newlines stay. One character for one, so the styles still fit."""
    block.plain = printable(block.plain, keep="\n")
    return block


def _sentence_line(result: DocumentResult, finding: Finding):
    from rich.text import Text

    # Shown one character for one before rich sees it (rich drops BEL, BS, CR... and the spans would slip).
    line = Text(printable(finding.sentence.text, keep="\n"))
    for reason in finding.reasons:
        span = span_in_sentence(result.document, finding, reason) if points_at_words(finding, reason) else None
        if span:
            line.stylize("underline bold", *span)
    return line


def _finding_block(result: DocumentResult, finding: Finding):
    from rich.text import Text

    where = position(result.document.text, finding.sentence.start)
    block = Text()
    block.append(f"{_name(result)}:{where.line}:{where.column}  ", style="bold")
    block.append(f"{finding.severity} {finding.score:.2f}", style=STYLES.get(finding.severity, ""))
    if finding.suppressed:
        block.append(f"  (suppressed: {finding.suppressed})", style="dim")
    block.append("\n  ")
    block.append_text(_sentence_line(result, finding))
    for reason in finding.reasons:
        block.append("\n  - ")
        block.append(rule_id(reason), style="magenta")
        words = quoted(result.document, reason)
        if words and points_at_words(finding, reason):
            block.append(f' "{" ".join(words.split())}"', style="underline")
        block.append(f": {reason.message}")
    if not finding.reasons:
        block.append(f"\n  - {FALLBACK_MESSAGE}")
    suggestion = rewrite_text(finding)
    if suggestion:
        block.append("\n  suggest: ", style="green")
        block.append(suggestion, style="green")
    status = rewrite_status(finding)
    if status:
        block.append(f"\n  {status}", style="yellow" if suggestion else "dim")
    for admitted, line in edit_lines(finding):
        block.append(f"\n    {'edit' if admitted else 'not '} {line}", style="green" if admitted else "dim")
    alignment = finding.alignment
    if alignment is not None and alignment.references:
        best = alignment.references[0]
        block.append("\n  reference: ", style="blue")
        block.append(best.text)
        scores = []
        before = {s.metric: s.value for s in alignment.before}
        after = {s.metric: s.value for s in alignment.after}
        for metric, value in before.items():
            scores.append(f"{metric} {value:.1f}" + (f" -> {after[metric]:.1f}" if metric in after else ""))
        block.append(f" (similarity {best.similarity:.2f}{'; ' + ', '.join(scores) if scores else ''})", style="dim")
    for hint in alignment.hints if alignment is not None else ():
        block.append(f"\n  term: {hint.ours} -> {hint.reference}: {hint.message}", style="dim")
    return block


def _untranslated_block(result: DocumentResult, finding: Finding):
    from rich.text import Text

    where = position(result.document.text, finding.sentence.start)
    block = Text()
    block.append(f"{_name(result)}:{where.line}:{where.column}  ", style="bold")
    block.append(f"{UNTRANSLATED} (not checked)", style="magenta")
    block.append("\n  ")
    block.append(finding.sentence.text)
    return block


def _error_block(result: DocumentResult):
    from rich.text import Text

    block = Text()
    block.append(_name(result), style="bold underline")
    block.append("  not checked", style="bold red")
    block.append("\n  error: ", style="bold red")
    block.append(" ".join(str(result.error).split()).removeprefix(f"{result.document.path}: "))
    return block


def summary_line(results: list[DocumentResult], options) -> str:
    errors = len(failed(results))
    results = checked(results)
    sentences = sum(len(r.findings) for r in results)
    flagged = [f for r in results for f in r.flagged]
    suppressed = sum(1 for r in results for f in r.findings if f.flagged and f.suppressed)
    by_level = ", ".join(f"{sum(f.severity == s for f in flagged)} {s}" for s in SEVERITIES)
    documents = f"{len(results)} document{'s' if len(results) != 1 else ''}"
    line = f"mtcheck: {documents}, {sentences} sentences, {len(flagged)} flagged ({by_level})"
    if suppressed:
        line += f", {suppressed} suppressed"
    failing = sum(1 for r in results if r.gate is not None and r.gate.fail)
    if any(r.gate is not None for r in results):
        line += f", {failing} of {len(results)} failing the gate"
    if errors:
        line += f", {errors} file{'s' if errors != 1 else ''} not checked (error)"
    exit_code = getattr(options, "exit_code", None)
    if exit_code is not None:
        line += f"; exit {exit_code}"
    return line


_SUMMARY = re.compile(r"^mtcheck: \d+ documents?, \d+ sentences, \d+ flagged \(\d+ error, \d+ warning, \d+ info\)")


def recognise(head: str) -> bool:
    """The last line is the report's summary line (:func:`summary_line`)."""
    return bool(_SUMMARY.match(head.rstrip().rsplit("\n", 1)[-1]))


@formats.register("text", recognise=recognise)
def render(results: list[DocumentResult], options) -> str:
    from rich.console import Console
    from rich.text import Text

    colour = _use_colour(options)
    width = getattr(options, "width", None) or (shutil.get_terminal_size((100, 24)).columns if colour else 100)
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=colour,
        no_color=not colour,
        color_system="standard" if colour else None,
        width=width,
        highlight=False,
        emoji=False,
        markup=False,
        soft_wrap=not colour,  # plain output keeps one line per sentence so it greps well
    )
    for result in results:
        if getattr(result, "error", None):
            console.print(_shown(_error_block(result)))
            console.print()
            continue
        shown = reported(result, include_suppressed=True)
        prose = sum(1 for f in result.findings if f.sentence.kind == "prose")
        head = Text()
        head.append(_name(result), style="bold underline")
        head.append(f"  score {result.score:.2f}  {len(result.flagged)} of {prose} prose sentences flagged")
        share = result.translated
        if share.sentences:
            head.append(f"  reads as translated: {share.share:.0%} (95% CI {share.low:.0%}-{share.high:.0%})")
        console.print(_shown(head))
        if result.gate is not None:
            decision = Text("  gate: ")
            decision.append("FAIL" if result.gate.fail else "pass", style="bold red" if result.gate.fail else "green")
            decision.append(f" ({result.gate.why})")
            console.print(_shown(decision))
        for name, value in comparison_rows(result.comparison):
            console.print(_shown(Text(f"  reference {name}: {value}", style="dim")))
        items = [(f, False) for f in shown] + [(f, True) for f in untranslated(result) if not f.flagged]
        for finding, left_in_russian in sorted(items, key=lambda item: item[0].sentence.start):
            console.print(_shown(_untranslated_block(result, finding) if left_in_russian else _finding_block(result, finding)))
        console.print()
    console.print(Text(summary_line(results, options), style="bold"))
    return buffer.getvalue()
