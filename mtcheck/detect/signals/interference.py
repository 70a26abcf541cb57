"""Russian interference: patterns that Russian source text leaves in English translations.

Each rule is a tiny function (proselint style) that takes a sentence's text and yields
:class:`Match` values with offsets into that text, a message in plain editor language and,
where the fix is mechanical, a suggestion for the matched span. Rules are precise on purpose:
a pattern that also appears in ordinary English news ("on the eve of the election",
"2.5 million") is either left out or weighted low, because a false alarm costs an editor's trust.

Features are ``interference.<rule>`` (the number of matches) and ``interference.total``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Sequence

from mtcheck.config import Settings
from mtcheck.detect.base import SignalContext, SignalResult
from mtcheck.registry import signals
from mtcheck.types import Reason, Sentence


@dataclass(frozen=True)
class Match:
    rule: str
    message: str
    start: int  # offsets into the sentence text
    end: int
    suggestion: str | None = None
    weight: float | None = None  # overrides the rule's provisional weight for this match


@dataclass(frozen=True)
class Rule:
    id: str
    check: Callable[[str], Iterable[Match]]
    category: str
    weight: float  # log-odds used by the provisional (untrained) model
    about_names: bool = False  # the match is a name: an allow-listed name silences it


RULES: list[Rule] = []


def rule(rule_id: str, category: str, weight: float, about_names: bool = False):
    def register(fn: Callable[[str], Iterable[Match]]):
        RULES.append(Rule(rule_id, fn, category, weight, about_names))
        return fn

    return register


# Reporting verbs that Russian puts before the subject ("как сообщает Reuters").
_REPORT_VERBS = (
    r"reports|reported|reporting|writes|wrote|informs|informed|says|said|states|stated|"
    r"notes|noted|announces|announced|told|tells|claims|claimed|specifies|specified|clarifies|clarified"
)
# A name may hold inner dots ("Lenta.ru") but never ends with the sentence's full stop.
_NAME = r"[A-Z][\w\-]*(?:\.[\w\-]+)*"
_SUBJECT = rf"(?:the\s+[a-z]+(?:\s+[a-z]+)?|{_NAME}(?:\s+(?:{_NAME}|[“\"«][^”\"»]+[”\"»]))*)"
_AGENCIES = (
    r"RIA\s+Novosti|RIA|TASS|ITAR-TASS|Interfax|Izvestia|Kommersant|Vedomosti|RBC|Lenta\.ru|Gazeta\.ru|"
    r"Rossiyskaya\s+Gazeta|Komsomolskaya\s+Pravda|Moskovsky\s+Komsomolets|REN\s+TV|NTV|Zvezda|Life\.ru|"
    r"RT|Sputnik|Regnum|Fontanka|Meduza|Novaya\s+Gazeta|Rosbalt|Znak\.com|Mash|Baza|Shot|RIA\s+FAN"
)
_INSTITUTIONS = (
    r"agency|ministry|department|press service|newspaper|publication|edition|channel|portal|"
    r"service|committee|administration|office|headquarters|embassy|source|the Kremlin"
)


@rule("reporting-inversion", "word order", 2.5)
def reporting_inversion(text: str) -> Iterator[Match]:
    """'As reports Reuters' -> 'As Reuters reports': English puts the subject before the verb."""
    pattern = re.compile(rf"\b([Aa]s)\s+({_REPORT_VERBS})\s+(?!by\b|earlier\b|above\b|before\b|previously\b)({_SUBJECT})")
    for m in pattern.finditer(text):
        verb, subject = m.group(2), m.group(3)
        verb_fixed = {"informs": "reports", "informed": "reported"}.get(verb, verb)
        yield Match(
            "reporting-inversion",
            f"Verb before its subject (“{m.group(0)}”) follows Russian word order; put the source first.",
            m.start(),
            m.end(),
            f"{m.group(1)} {subject} {verb_fixed}",
        )


@rule("reporting-inversion-end", "word order", 1.6)
def reporting_inversion_end(text: str) -> Iterator[Match]:
    """'…, said RIA “Novosti”.' / '…, reported the ministry.': a source named after its verb.

    English copy does write ", said Smith." for people, so "said" only counts when the
    speaker is an agency, outlet or institution; "reported/writes/informs …" always counts.
    """
    pattern = re.compile(
        rf",\s+({_REPORT_VERBS})\s+((?:the\s+)?(?:[\w\-]+\s+){{0,3}}?(?:{_AGENCIES}|{_INSTITUTIONS})"
        rf"(?:\s+[“\"«][^”\"»]+[”\"»])?|{_SUBJECT})\s*[.!]?[”\"»]?\s*$"
    )
    m = pattern.search(text)
    if not m:
        return
    verb, subject = m.group(1), m.group(2)
    institutional = re.search(rf"\b(?:{_AGENCIES}|{_INSTITUTIONS})\b|[“\"«]", subject, re.I) is not None
    if verb in ("said", "says", "told", "tells", "claims", "claimed", "noted", "notes", "added") and not institutional:
        return
    end = m.start(2) + len(subject)
    yield Match(
        "reporting-inversion-end",
        f"The source comes after the verb (“{verb} {subject}”) as in Russian; write “{subject} {verb}”.",
        m.start(1),
        end,
        f"{subject} {verb}",
    )


def _format_number(value: float) -> str:
    return f"{int(round(value)):,}" if abs(value - round(value)) < 1e-9 else f"{value:,.1f}"


@rule("thousand-count", "numbers", 2.5)
def thousand_count(text: str) -> Iterator[Match]:
    """'1.3 thousand militants' / '78 thousand civilians': English writes 1,300 and 78,000.

    In a range the scale word covers both ends ("from 3 to 6 thousand rubles" is 3,000 to
    6,000), so the fix rewrites both; writing only "3 to 6,000" would change the figure."""
    number = r"\d+(?:[.,]\d+)?"
    pattern = rf"\b(?:({number})\s*(to|and|-|–|—)\s*)?({number})\s+thousand\b(?!s)"
    for m in re.finditer(pattern, text):
        low, joiner, raw = m.group(1), m.group(2), m.group(3)
        if re.fullmatch(r"\d{1,3},\d{3}", raw):  # "1,000 thousand" is a thousands separator, leave it
            continue
        value = float(raw.replace(",", ".")) * 1000
        start, fix = m.start(3), _format_number(value)
        if low is not None and not re.fullmatch(r"\d{1,3},\d{3}", low) and float(low.replace(",", ".")) < value / 1000:
            between = f" {joiner} " if joiner.isalpha() else joiner
            start, fix = m.start(1), f"{_format_number(float(low.replace(',', '.')) * 1000)}{between}{fix}"
        yield Match(
            "thousand-count",
            f"“{text[start:m.end()]}” is a Russian way of writing numbers; write the figure in full.",
            start,
            m.end(),
            fix,
        )


@rule("decimal-comma", "numbers", 2.0)
def decimal_comma(text: str) -> Iterator[Match]:
    """'2,5 percent': a decimal comma; English uses a decimal point."""
    for m in re.finditer(
        r"(?<![\d,.])(\d+),(\d{1,2}|\d{4,})(?![\d,])"
        r"(?=\s*(?:%|per\s*cent|percent|million|billion|trillion|thousand|times|kg|km|degrees|points|rubles|roubles|dollars|euros|hryvnias?)\b|\s*%)",
        text,
    ):
        yield Match(
            "decimal-comma",
            f"“{m.group(0)}” uses a decimal comma, as in Russian; English uses a point.",
            m.start(),
            m.end(),
            f"{m.group(1)}.{m.group(2)}",
        )


_MONTHS = ("January February March April May June July August September October November December").split()


@rule("numeric-date", "dates", 2.5)
def numeric_date(text: str) -> Iterator[Match]:
    """'12.12.2016': the Russian DD.MM.YYYY date; English news spells the month."""
    for m in re.finditer(r"(?<![\d.])(0?[1-9]|[12]\d|3[01])\.(0?[1-9]|1[0-2])\.((?:19|20)\d\d)(?![\d.]\d)", text):
        day, month, year = int(m.group(1)), int(m.group(2)), m.group(3)
        yield Match(
            "numeric-date",
            f"“{m.group(0)}” is a Russian-style date; spell out the month.",
            m.start(),
            m.end(),
            f"{_MONTHS[month - 1]} {day}, {year}",
        )


@rule("year-calque", "dates", 2.0)
def year_calque(text: str) -> Iterator[Match]:
    """'in 2016 year' / 'of 2016 year': Russian 'году' translated word for word."""
    for m in re.finditer(r"\b((?:19|20)\d\d)\s+year\b(?!s|-)", text):
        yield Match("year-calque", f"“{m.group(0)}” translates Russian “году”; write just the year.", m.start(), m.end(), m.group(1))


@rule("on-the-eve", "calque", 2.0)
def on_the_eve(text: str) -> Iterator[Match]:
    """'On the eve' for Russian 'накануне' (= the day before, yesterday).

    'On the eve of the summit' is good English; the calque shows when nothing follows
    'the eve', or when 'of' runs into a bare noun phrase ('On the eve of Russian centre reported').
    """
    for m in re.finditer(r"\b([Oo]n|[Aa]t) the eve\b(\s+of(?=\s+(?!(?:the|a|an|his|her|their|its|our|this|that|[A-Z]\w+'s)\b))|(?!\s+of\b))", text):
        followed_by_of = bool(m.group(2))
        replacement = "The day before" if m.group(1)[0].isupper() else "the day before"
        yield Match(
            "on-the-eve",
            "“On the eve” renders Russian “накануне”; English says “the day before” or names the day.",
            m.start(),
            m.end(),
            None if followed_by_of else replacement,
        )


_DISCLAIMERS = [
    r"(?:is\s+|are\s+|was\s+)?(?:banned|prohibited|outlawed)\s+in\s+(?:Russia|the\s+Russian\s+Federation|the\s+RF)",
    r"(?:is\s+|was\s+)?(?:recogni[sz]ed|designated|declared|listed)\s+(?:as\s+)?(?:an?\s+)?(?:foreign\s+agents?|undesirable(?:\s+organi[sz]ation)?|extremists?|terrorists?)(?:\s+in\s+(?:Russia|the\s+Russian\s+Federation))?",
    r"(?:extremist|terrorist)\s+organi[sz]ation,?\s+(?:banned|prohibited)\s+in\s+(?:Russia|the\s+Russian\s+Federation)",
    r"(?:whose\s+)?activit(?:y|ies)\s+(?:is\s+|are\s+)?(?:banned|prohibited)\s+in\s+(?:Russia|the\s+Russian\s+Federation)",
    r"performing\s+the\s+functions\s+of\s+a\s+foreign\s+agent",
]


@rule("media-law-disclaimer", "disclaimer", 3.0)
def media_law_disclaimer(text: str) -> Iterator[Match]:
    """'(banned in Russia)', 'recognised as a foreign agent': notes required by Russian media law."""
    seen: list[tuple[int, int]] = []
    for pattern in _DISCLAIMERS:
        for m in re.finditer(pattern, text, re.I):
            if any(s <= m.start() < e for s, e in seen):
                continue
            seen.append((m.start(), m.end()))
            yield Match(
                "media-law-disclaimer",
                f"“{m.group(0)}” is a disclaimer required by Russian media law; English outlets omit it.",
                m.start(),
                m.end(),
                "",
            )


@rule("cyrillic", "script", 3.0)
def cyrillic(text: str) -> Iterator[Match]:
    """Cyrillic letters left in English copy (untranslated words, look-alike letters)."""
    for m in re.finditer(r"[\u0400-\u04FF]+", text):
        yield Match("cyrillic", f"Cyrillic letters (“{m.group(0)}”) are left in the English text.", m.start(), m.end())


@rule("guillemets", "punctuation", 2.0)
def guillemets(text: str) -> Iterator[Match]:
    """«Russian quotes» copied into English; English uses “ ”."""
    for m in re.finditer(r"«([^»]*)»|[«»]", text):
        inner = m.group(1)
        yield Match(
            "guillemets",
            "Russian quotation marks «» are left in the text; use “ ”.",
            m.start(),
            m.end(),
            f"“{inner}”" if inner is not None else None,
        )


@rule("derived-from", "calque", 1.5)
def derived_from(text: str) -> Iterator[Match]:
    """'is derived from Aleppo more than 78 thousand civilians': Russian 'выведено из' (brought out
    of, evacuated from) rendered as 'derived from', with the people or troops after the place."""
    # Russian order: the place, then the count ("выведено из Алеппо более 78 тысяч").
    pattern = (r"\b(?:is|are|was|were|been|being)\s+derived\s+from\s+(?:the\s+)?(?:[A-Z][\w-]*\s+){1,3}"
               r"(?=(?:more than|over|about|some|nearly|almost|up to|at least|\d))")
    for m in re.finditer(pattern, text):
        yield Match(
            "derived-from",
            "“derived from” here renders Russian “выведено из”: people or troops were brought out of (evacuated "
            "from, withdrawn from) the place; say so, with them as the subject.",
            m.start(),
            m.end() - 1,
        )


# (phrase, message, suggestion) — word-for-word renderings of Russian set phrases.
_CALQUES: list[tuple[str, str, str | None]] = [
    (r"in connection with", "“in connection with” renders Russian “в связи с”; say “because of” or “over”.", "because of"),
    (r"the so-called", "“the so-called” renders Russian “так называемый” and sounds sneering in English.", "the"),
    (r"with the beginning of", "“with the beginning of” renders Russian “с началом”; say “since the start of”.", "since the start of"),
    (r"within the framework of", "“within the framework of” renders Russian “в рамках”; say “as part of” or “under”.", "as part of"),
    (r"in the framework of", "“in the framework of” renders Russian “в рамках”; say “as part of” or “under”.", "as part of"),
    (r"it should be noted that\s*,?", "“it should be noted that” renders Russian “следует отметить”; drop it.", ""),
    (r"it is worth noting that\s*,?", "“it is worth noting that” renders Russian “стоит отметить”; drop it.", ""),
    (r"(?:on|in) the territory of", "“on the territory of” renders Russian “на территории”; say “in”.", "in"),
    (r"according to (?:him|her|them)", "“according to him” renders Russian “по его словам”; write “he said”.", None),
    (r"as a result of which", "“as a result of which” renders Russian “в результате чего”; split the sentence.", None),
    (r"at the present time", "“at the present time” renders Russian “в настоящее время”; say “now”.", "now"),
    (r"the head of the (?:department|ministry|region|administration)", "“the head of the …” renders Russian “глава”; use the title.", None),
]
# Phrases that native writers also use: weak evidence, kept apart so they weigh less.
_WEAK_CALQUES: list[tuple[str, str, str | None]] = [
    (r"a number of", "“a number of” often renders Russian “ряд”; “several” or “some” reads more naturally.", "several"),
    (r"carr(?:y|ies|ied|ying) out", "“carry out” is a common rendering of Russian “провести/осуществить”; a plain verb reads better.", None),
    (r"in the course of", "“in the course of” renders Russian “в ходе”; say “during”.", "during"),
]


@rule("calque", "calque", 1.5)
def calque(text: str) -> Iterator[Match]:
    """Set phrases translated word for word from Russian ('within the framework of')."""
    for phrase, message, suggestion in _CALQUES:
        for m in re.finditer(rf"\b{phrase}\b", text, re.I):
            fixed = suggestion
            if fixed and m.group(0)[0].isupper():
                fixed = fixed[:1].upper() + fixed[1:]
            yield Match("calque", message, m.start(), m.end(), fixed)


@rule("weak-calque", "calque", 0.6)
def weak_calque(text: str) -> Iterator[Match]:
    """'a number of', 'carry out', 'in the course of': common in Russian-English, but native too."""
    for phrase, message, suggestion in _WEAK_CALQUES:
        for m in re.finditer(rf"\b{phrase}\b", text, re.I):
            fixed = suggestion
            if fixed and m.group(0)[0].isupper():
                fixed = fixed[:1].upper() + fixed[1:]
            yield Match("weak-calque", message, m.start(), m.end(), fixed)


@rule("russian-agency", "source", 0.8, about_names=True)
def russian_agency(text: str) -> Iterator[Match]:
    """Russian agency names, especially the calque 'RIA “Novosti”' with the name in quotes."""
    for m in re.finditer(r"\b(RIA)\s*[“\"«]\s*(Novosti)\s*[”\"»]|[“\"«](Novosti|Interfax|TASS|Izvestia|Kommersant|Vedomosti)[”\"»]", text):
        name = "RIA Novosti" if m.group(1) else m.group(3)
        yield Match(
            "russian-agency-quoted",
            f"“{m.group(0)}” keeps the Russian habit of quoting an outlet's name; write {name} without quotes.",
            m.start(),
            m.end(),
            name,
            2.5,
        )
    for m in re.finditer(r"\b(?:RIA Novosti|ITAR-TASS|TASS|Interfax|Rossiyskaya Gazeta|Izvestia|Kommersant)\b", text):
        yield Match(
            "russian-agency",
            f"The source is a Russian agency ({m.group(0)}); check the copy is not a straight translation of its report.",
            m.start(),
            m.end(),
        )


@rule("transliteration", "names", 0.7, about_names=True)
def transliteration(text: str) -> Iterator[Match]:
    """Letter-by-letter transliterations ('Dmitriy', 'Zelenskiy', 'Mariupolskiy') instead of the usual spelling."""
    for m in re.finditer(r"(?<!^)\b[A-Z][a-z]+(?:skiy|skii|iy|yy|ogo|ovich|evich|ovna|evna)\b", text):
        yield Match(
            "transliteration",
            f"“{m.group(0)}” looks like a letter-by-letter transliteration; check the usual English spelling.",
            m.start(),
            m.end(),
        )


_TITLE_WORDS = r"foreign|defence|defense|interior|finance|economy|economic|health|justice|emergencies|energy|education|deputy|prime|vice"


@rule("capitalisation", "style", 1.5)
def capitalisation(text: str) -> Iterator[Match]:
    """'Russian foreign Minister' / 'according to the Agency': capitals in the wrong word."""
    for m in re.finditer(rf"\b({_TITLE_WORDS})\s+(Minister|Ministry)\b", text):
        fixed = f"{m.group(1).capitalize()} {m.group(2)}"
        yield Match("capitalisation", f"“{m.group(0)}”: capitalise the whole title (“{fixed}”).", m.start(), m.end(), fixed)
    # "the Agency for Regulation…", "the Department of Justice" are names: only a bare noun counts.
    for m in re.finditer(r"(?<=\S\s)(the|The)\s+(Agency|Newspaper|Edition|Publication|Portal)\b(?!\s+(?:of|for|on)\b|\s+[A-Z])", text):
        fixed = f"{m.group(1)} {m.group(2).lower()}"
        yield Match("capitalisation", f"“{m.group(0)}”: a common noun needs no capital here.", m.start(), m.end(), fixed)


@rule("country-title", "word order", 1.2)
def country_title(text: str) -> Iterator[Match]:
    """'President of Russia Vladimir Putin', 'the Russian Federation': Russian title order and official names."""
    for m in re.finditer(
        r"\b(President|Prime Minister|Foreign Minister|Defen[cs]e Minister|Ambassador)\s+of\s+"
        r"(Russia|Ukraine|Belarus|Kazakhstan|the Russian Federation)\s+(?=[A-Z])",
        text,
    ):
        country = {
            "Russia": "Russian", "Ukraine": "Ukrainian", "Belarus": "Belarusian", "Kazakhstan": "Kazakh", "the Russian Federation": "Russian"
        }[m.group(2)]
        yield Match(
            "country-title",
            f"“{m.group(0).strip()}” follows Russian title order; write “{country} {m.group(1)}” before the name.",
            m.start(),
            m.end() - 1,
            f"{country} {m.group(1)}",
        )
    for m in re.finditer(r"\b(?:the\s+)?Russian Federation\b|\bof the RF\b", text):
        yield Match(
            "russian-federation",
            "“the Russian Federation” is the official Russian name; English news says “Russia”.",
            m.start(),
            m.end(),
            "Russia",
            0.8,
        )


def _allowed_spans(text: str, allow: Sequence[str]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for name in allow:
        if name:
            spans.extend((m.start(), m.end()) for m in re.finditer(re.escape(name), text, re.I))
    return spans


def find_matches(text: str, allow: Sequence[str] = ()) -> list[tuple[Rule, Match]]:
    """All rule matches in ``text`` except those an allow-listed name accounts for."""
    allowed = _allowed_spans(text, allow)
    found = []
    for r in RULES:
        for match in r.check(text):
            inside = any(s <= match.start and match.end <= e for s, e in allowed)
            overlaps = any(match.start < e and s < match.end for s, e in allowed)
            if inside or (r.about_names and overlaps):
                continue
            found.append((r, match))
    found.sort(key=lambda item: (item[1].start, item[1].end))
    return found


def feature_names() -> list[str]:
    return [f"interference.{name}" for name in sorted(RULE_IDS)] + ["interference.total"]


RULE_IDS = {
    "reporting-inversion", "reporting-inversion-end", "thousand-count", "decimal-comma", "numeric-date",
    "year-calque", "on-the-eve", "media-law-disclaimer", "cyrillic", "guillemets", "calque", "weak-calque",
    "russian-agency", "russian-agency-quoted", "transliteration", "capitalisation", "country-title",
    "russian-federation", "derived-from",
}

def match_weight(r: Rule, match: Match) -> float:
    return match.weight if match.weight is not None else r.weight


@signals.register("interference")
class InterferenceSignal:
    name = "interference"

    def __init__(self, settings: Settings):
        self.settings = settings

    def run(self, sentences: Sequence[Sentence], context: SignalContext) -> list[SignalResult]:
        allow = tuple(context.settings.allow or self.settings.allow)
        return [self.run_one(s, allow) for s in sentences]

    def run_one(self, sentence: Sentence, allow: Sequence[str] = ()) -> SignalResult:
        features = {name: 0.0 for name in feature_names()}
        reasons = []
        for r, match in find_matches(sentence.text, allow):
            features[f"interference.{match.rule}"] += 1.0
            features["interference.total"] += 1.0
            reasons.append(
                Reason(
                    source="interference",
                    rule_id=match.rule,
                    message=match.message,
                    start=sentence.start + match.start,
                    end=sentence.start + match.end,
                    category=r.category,
                    suggestions=(match.suggestion,) if match.suggestion is not None else (),
                    weight=match_weight(r, match),
                )
            )
        return SignalResult(features=features, reasons=tuple(reasons))
