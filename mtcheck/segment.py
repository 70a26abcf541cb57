"""Stage ``segment``: split a Document's blocks into sentences and mark page furniture.

The splitter is rule-based and dependency-free. A candidate boundary is a run of ``.``, ``!``,
``?`` or ``…`` followed by optional closing quotes/brackets and then white space (so ``1.3``,
``12.12.2016``, ``10.30``, ``U.S.-led``, URLs and e-mail addresses never split). A candidate is
rejected when the next word starts in lower case (``"Stop!" he said``, ``10 a.m. on Monday``),
after a title that never ends a sentence (``Mr.``, ``Gen.``, ``e.g.``), after an initial
(``Sergei V. Lavrov``), or after an abbreviation that may end a sentence (``U.S.``, ``Inc.``,
``a.m.``, ``Jan.``) unless the next word is a usual sentence opener (``The``, ``He``, ``But``...).
Sentence punctuation inside closing quotes ends the sentence after the quote; a quotation
that ends in a comma and is followed by its attribution (``"...terms," RIA quoted him as
saying.``) stays in one sentence with it. Quotations of several sentences are split like any
other text, so each quoted sentence is checked on its own.

A sentence longer than ``MAX_SENTENCE_CHARS`` (2,000 characters) is cut at white space into
pieces of at most that length (in every mode, ``lines`` included), so no input holds a sentence
too long to check.

Boilerplate (kind="boilerplate", reported but not scored): share/comment/follow prompts,
section markers ("In the News", "ICYMI", "Related", "Read more", "Most popular"...) and the
headline-case lines that follow them until prose resumes, bulleted lists of headlines,
bare datelines and copyright lines. A headline at the top of an article is prose.

Structure that is not prose is boilerplate too (found by mtcheck.structure): Markdown/plain-text table rows ("table row",
"table header" for the row above the ``|---|`` separator, "table separator"), fenced code and
indented lines that read as code ("code block"), captions ("caption": ``<caption>``,
``<figcaption>``, "Photo: ..." lines), and in HTML ``<pre>``/``<code>`` ("code block", "code"),
``<th>`` ("table header") and cells of data tables ("table cell"; a table holding paragraphs,
divisions or other tables is page layout and its text stays prose).

A sentence that is mostly Cyrillic was left in Russian: it is boilerplate with the reason
"untranslated text" (``UNTRANSLATED``), so it is neither scored as translated English nor
counted as context for its neighbours.

A sentence without a single lower-case word of three letters or more is a list entry, not prose
(``LIST_ENTRY``): fixtures ("Arsenal v Stoke"), line-ups ("Pilkington, Talbot, Buxton."), scorers
("Scott 51."), credits and all-capitals lines; a headline in title case ("Putin Meets Erdogan in
Moscow": four words or more, no comma) stays prose. Translationese shows in function words and word
order, and these lines have none to judge: scored, they were the most common false alarm on
English-written sports copy.
"""

from __future__ import annotations

import bisect
import re
from typing import Iterator

from mtcheck.structure import structure_reasons
from mtcheck.types import Document, Sentence

UNTRANSLATED = "untranslated text"
LIST_ENTRY = "list entry"

# Titles and markers that are always followed by more of the same sentence.
NEVER_FINAL = frozenset(
    """mr mrs ms mx dr prof gen col lt sgt gov sen rep capt cpt maj adm cmdr cdr rev hon pres supt
    det insp brig gens messrs mme mlle vs v e.g i.e cf approx viz fig figs ft mt""".split()
)
# Abbreviations that may also end a sentence: split only before a usual sentence opener.
MAYBE_FINAL = frozenset(
    """inc ltd corp co jr sr st ave blvd rd dept univ est bros plc llc
    jan feb mar apr jun jul aug sep sept oct nov dec no nos vol p pp""".split()
)
SENTENCE_OPENERS = frozenset(
    """the a an he she it they we i you this that these those there here his her its their our my
    your but and or so yet however meanwhile moreover also still then thus therefore in on at after
    before during since when while if as although though because according earlier later today
    yesterday tomorrow last next some many most all both each one two three several no none
    what who why how where officials police it's he's she's they're we're there's""".split()
)

# A "sentence" longer than this (no sentence punctuation for a page or more: a pasted table,
# a run-on line, data) is cut at white space into pieces this long, so each piece can be checked
# in bounded time and memory. Real sentences stay far below it (the longest of 86,000 news
# sentences in the development data has 1,941 characters; 99.9% have under 400).
MAX_SENTENCE_CHARS = 2000

_CLOSERS = "\"'”’»)]}"
_OPENERS = "\"'“‘«([{—–-"
_CANDIDATE = re.compile(r"[.!?…]+")
_DOTTED = re.compile(r"^(?:[A-Za-z]\.)+[A-Za-z]$")  # U.S, a.m, J.R.R (the last period is the candidate)


def segment(document: Document) -> tuple[Sentence, ...]:
    """Sentences of every block, indexed 0..n-1 in document order, with boilerplate marked."""
    reasons = boilerplate_reasons(document)
    sentences: list[Sentence] = []
    for block_index, block in enumerate(document.blocks):
        spans = [(0, len(block.text))] if not block.split else split_spans(block.text)
        for start, end in bounded_spans(block.text, spans):
            start, end = _trim(block.text, start, end)
            if start >= end:
                continue
            reason = reasons[block_index] or sentence_reason(block.text[start:end])
            sentences.append(
                Sentence(
                    index=len(sentences),
                    start=block.source_offset(start),
                    end=block.source_offset(end),
                    text=block.text[start:end],
                    kind="boilerplate" if reason else "prose",
                    block=block_index,
                    boilerplate_reason=reason,
                )
            )
    return tuple(sentences)


def bounded_spans(text: str, spans, limit: int = MAX_SENTENCE_CHARS) -> Iterator[tuple[int, int]]:
    """``spans`` with each one longer than ``limit`` characters cut into pieces of at most
    ``limit``, at the last white space in the second half of each piece (else at ``limit``)."""
    for start, end in spans:
        while end - start > limit:
            cut = text.rfind(" ", start + limit // 2, start + limit)
            if cut <= start:
                cut = next((i for i in range(start + limit - 1, start + limit // 2, -1) if text[i].isspace()), start + limit)
            yield start, cut
            start = cut
        yield start, end


def split_sentences(text: str) -> list[str]:
    """The sentences of one paragraph of plain text (trimmed)."""
    out = []
    for start, end in split_spans(text):
        start, end = _trim(text, start, end)
        if start < end:
            out.append(text[start:end])
    return out


def split_spans(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each sentence of ``text``; spans may carry surrounding white space."""
    spans: list[tuple[int, int]] = []
    begin = 0
    for match in _CANDIDATE.finditer(text):
        end = match.end()
        while end < len(text) and text[end] in _CLOSERS:
            end += 1
        if end < len(text) and not text[end].isspace():
            continue
        if _is_boundary(text, begin, match.start(), match.group(0), end):
            spans.append((begin, end))
            begin = end
    if begin < len(text):
        spans.append((begin, len(text)))
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and not any(ch.isalnum() for ch in text[start:end]):
            merged[-1] = (merged[-1][0], end)  # a stray dash or quote belongs to the sentence before
        else:
            merged.append((start, end))
    return iter(merged)


def _is_boundary(text: str, begin: int, punct_at: int, punct: str, after: int) -> bool:
    following = _next_word(text, after)
    if following is None:
        return True  # end of the paragraph
    first = following[0]
    if first.islower() or first in ",;:":
        return False
    if punct != ".":
        return True  # ! ? … and ellipses: split before a capital, a digit, a quote
    word = _previous_word(text, begin, punct_at)
    if not word:
        return True
    bare = word.lower()
    if bare in NEVER_FINAL:
        return False
    if len(word) == 1 and word.isupper():
        return False  # an initial: "Sergei V. Lavrov", "J. R. R. Tolkien"
    if word.isdigit() and not text[begin:punct_at - len(word)].strip():
        return False  # a numbered item: "1. The first point"
    opener = following.lstrip(_OPENERS).lower().rstrip(".,;:!?'’\"”")
    if bare == "no" or bare == "nos":
        return not following[0].isdigit() and opener in SENTENCE_OPENERS
    if bare in MAYBE_FINAL or _DOTTED.match(word):
        return opener in SENTENCE_OPENERS
    return True


def _previous_word(text: str, begin: int, at: int) -> str:
    start = at
    while start > begin and not text[start - 1].isspace():
        start -= 1
    return text[start:at].lstrip(_OPENERS)


def _next_word(text: str, at: int) -> str | None:
    loose = None  # the last free-standing dash or quote passed over
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at >= len(text):
            return loose  # only dashes and quotes to the end: the last of them
        stop = at
        while stop < len(text) and not text[stop].isspace():
            stop += 1
        word = text[at:stop]
        core = word.lstrip(_OPENERS)
        if core:
            return core
        loose, at = word, stop  # a free-standing dash or quote: the word after it decides


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


# --------------------------------------------------------------------------- boilerplate

_SHARE = re.compile(
    r"^(?:share|tweet|pin|email|e-mail|print|send|post)(?: it| this(?: news| article| story| page| post)?)?"
    r"(?: (?:on|to|via|with) [\w .+&'-]{1,40})?(?: \(opens in new window\))?[.:]?$",
    re.I,
)
_COMMENTS = re.compile(r"^(?:\d+ )?(?:comments?|leave a (?:comment|reply)|add (?:a )?comment|show comments|view comments)(?: \(\d+\))?:?$", re.I)
_PROMPT = re.compile(
    r"^(?:click .{0,60}to follow.*|follow (?:us|topics).{0,60}|sign up for .{0,60}newsletters?.*|subscribe(?: now)?(?: to .{0,60})?"
    r"|advertisement|sponsored(?: content)?|skip to (?:main )?content|back to top|log ?in|sign in|register)[.:!]?$",
    re.I,
)
_SECTION = re.compile(
    r"^(?:in the news|icymi|related(?: articles| stories| news| coverage| content| topics| links)?|read (?:more|also|next)"
    r"|see also|more (?:on|about) this(?: story| topic)?|more from .{1,40}|most (?:popular|read|viewed|shared)|trending(?: now)?"
    r"|recommended(?: for you)?|you (?:may|might) also like|editor'?s picks|top stories|latest(?: news)?|further reading)[.:]?$",
    re.I,
)
_COPYRIGHT = re.compile(r"^(?:©|\(c\)|copyright\b|all rights reserved)", re.I)
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATELINE = re.compile(
    r"^(?:(?:updated|published|posted|last updated|date|on)[: ]+)?(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,? )?"
    rf"(?:\d{{1,2}}[./-]\d{{1,2}}[./-]\d{{2,4}}|\d{{4}}-\d{{2}}-\d{{2}}|{_MONTH} \d{{1,2}},? \d{{4}}|\d{{1,2}} {_MONTH},? \d{{4}})"
    r"(?:,? (?:at )?\d{1,2}[:.]\d{2}(?: ?[ap]\.?m\.?)?(?: [A-Z]{2,4})?)?$",
    re.I,
)
_CAPTION = re.compile(
    r"^(?:(?:photo|picture|image|video|graphic|illustration|file photo|caption)(?: credit)?[ \t]*[:|—–]"
    r"|image (?:caption|copyright)\b|(?:photo|picture|image)s? (?:by|courtesy of)\b)",
    re.I,
)
_BULLET = re.compile(r"^[ \t]*(?:>[ \t]*)*(?:[-*+•–—]|\d{1,3}[.)])[ \t]+")
_MINOR_WORDS = frozenset("a an the and or nor but of in on at to for with by from as vs via into over up off per than".split())
_FINAL_PUNCT = re.compile(r"[.!?…][\"'”’»)]*$")


def sentence_reason(text: str) -> str | None:
    """Why one sentence is not English prose to score, whatever block it is in, or None."""
    if is_untranslated(text):
        return UNTRANSLATED
    if is_list_entry(text):
        return LIST_ENTRY
    return None


_WORDS = re.compile(r"[^\W\d_]+")
_TOKENS = re.compile(r"\w+")


_VERSUS = re.compile(r"\s(?:v|vs)\.?\s")


def is_list_entry(text: str) -> bool:
    """No lower-case word of three letters or more, and not a headline in title case: a list entry
    (fixtures, scorers), a name list or a line in capitals."""
    words = _WORDS.findall(text)
    if len(_TOKENS.findall(text)) < 2 or any(len(word) >= 3 and word[0].islower() for word in words):
        return False  # one word ("End.") is too little to call a list
    shouted = all(ch.isupper() for ch in text if ch.isalpha())
    title_case_headline = len(words) >= 4 and "," not in text and not _VERSUS.search(text)
    return shouted or not title_case_headline


def is_untranslated(text: str) -> bool:
    """Mostly Cyrillic: a sentence left in Russian, not English to score."""
    letters = [ch for ch in text if ch.isalpha()]
    cyrillic = sum(1 for ch in letters if "\u0400" <= ch <= "\u052f")
    return cyrillic >= 2 and cyrillic * 2 > len(letters)


def boilerplate_reasons(document: Document) -> list[str | None]:
    """For each block, why it is page furniture, or None when it is article text."""
    reasons: list[str | None] = []
    in_section: str | None = None
    page_parts = _html_page_parts(document)
    part_starts = [start for _, start, _ in page_parts]
    structure = structure_reasons(document)
    bullets = _LineBullets(document.text)
    for block, structural in zip(document.blocks, structure):
        line = " ".join(block.text.split())
        bulleted = bool(_BULLET.match(block.text)) or bullets.before(block.start)
        reason = _furniture(line) or _page_part(page_parts, part_starts, block.start)
        reason = reason or structural
        if reason is None and _SECTION.match(line):
            reason = f'section marker "{line.rstrip(".:")}"'
            in_section = line.rstrip(".:")
        elif reason is None and in_section and (looks_like_headline(_unbulleted(line)) or bulleted):
            reason = f'headline listed under "{in_section}"'
        elif reason is None and bulleted and looks_like_headline(_unbulleted(line)):
            reason = "bulleted link to another headline"
        elif reason is None:
            in_section = None  # prose resumes
        reasons.append(reason)
    return reasons


_HTML_PAGE_PART = re.compile(r"<(nav|footer|aside)\b", re.I)
_HTML_PAGE_PART_END = {tag: re.compile(rf"</{tag}\s*>", re.I) for tag in ("nav", "footer", "aside")}


def _html_page_parts(document: Document) -> list[tuple[str, int, int]]:
    """Spans of HTML navigation, footers and sidebars: furniture by the page's own account.

    Each runs from ``<nav>`` to the first ``</nav>`` after it (the next part is looked for after
    that); an element never closed is no part. In order and without overlap; linear time."""
    if document.format != "html":
        return []
    text = document.text
    parts: list[tuple[str, int, int]] = []
    ends: dict[str, re.Match | None] = {}  # tag -> its next closing tag at or after the search point
    at = 0
    while (match := _HTML_PAGE_PART.search(text, at)) is not None:
        tag = match.group(1).lower()
        end = ends.get(tag)
        if tag not in ends or (end is not None and end.start() < match.end()):
            end = ends[tag] = _HTML_PAGE_PART_END[tag].search(text, match.end())
        if end is None:
            at = match.start() + 1
            continue
        parts.append((tag, match.start(), end.end()))
        at = end.end()
    return parts


def _page_part(parts: list[tuple[str, int, int]], starts: list[int], offset: int) -> str | None:
    """``inside <nav>`` (footer, aside) when ``offset`` falls in one of ``parts``."""
    i = bisect.bisect_right(starts, offset) - 1
    if i >= 0 and offset < parts[i][2]:
        return f"inside <{parts[i][0]}>"
    return None


def _furniture(line: str) -> str | None:
    if _SHARE.match(line):
        return "social share button"
    if _COMMENTS.match(line):
        return "comments link"
    if _PROMPT.match(line):
        return "page prompt"
    if _COPYRIGHT.match(line):
        return "copyright line"
    if _DATELINE.match(line):
        return "bare dateline"
    if _CAPTION.match(line):
        return "caption"
    return None


_BULLET_MARK = re.compile(r"[ \t]*(?:>[ \t]*)*(?:[-*+•–—]|\d{1,3}[.)])")


class _LineBullets:
    """Whether a list marker ("- ", "1. ", "> - ") opens the line before an offset, each line's
    marker found once (a page on one long line has many blocks on that line)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.marks: dict[int, int | None] = {}  # line start -> end of its marker

    def before(self, offset: int) -> bool:
        line = self.line_starts[bisect.bisect_right(self.line_starts, offset) - 1]
        if line not in self.marks:
            match = _BULLET_MARK.match(self.text, line)
            self.marks[line] = match.end() if match else None
        end = self.marks[line]
        # The marker must end before the offset and be followed by a space or tab (or the offset).
        return end is not None and end <= offset and (end == offset or self.text[end] in " \t")


def _unbulleted(line: str) -> str:
    return _BULLET.sub("", line, count=1)


def looks_like_headline(line: str) -> bool:
    """Short, title-cased, without final sentence punctuation: a headline, not a sentence."""
    if not line or _FINAL_PUNCT.search(line) or len(line) > 160:
        return False
    words = [w.strip("\"'“”‘’«»()[]:;,—–-") for w in line.split()]
    words = [w for w in words if w and any(c.isalpha() for c in w)]
    if not 2 <= len(words) <= 25:
        return False
    if not words[0][0].isupper():
        return False
    content = [w for w in words[1:] if w.lower() not in _MINOR_WORDS]
    if not content:
        return True
    capitalised = sum(1 for w in content if w[0].isupper() or w[0].isdigit())
    return capitalised >= 0.75 * len(content)
