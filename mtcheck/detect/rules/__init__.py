"""Interference rules: patterns that Russian source text leaves in English translations.

Each rule is declared once, proselint style: a small documented function decorated with
:func:`rule`, which takes a sentence's text and yields :class:`Match` values (offsets into that
text, a message in plain editor language and, where the fix is mechanical, a suggestion for the
matched span). The decorator holds everything else about the rule::

    @rule("year-calque", category="dates", weight=2.0,
          message="“in 2016 year” translates Russian “году” word for word.",
          fix="Write just the year.",
          examples=[("The plant opened in 2016 year.", "2016 year", "2016", "The plant opened in 2016.")])
    def year_calque(text): ...

and everything else is derived from it: the classifier's features (:func:`feature_names`), the
provisional model's weights (:func:`weights`), the rewrite's targets (``rewrite=False``: names and
script are for the editor), the cross-reference with mtcheck's LanguageTool rule pack
(``languagetool=``: the pack rules that find the same thing under their own ids, so that
``[rewrite] keep_rules`` naming either keeps both, see :func:`expand_aliases`) and the tests
(``tests/test_rules.py`` runs every rule on its examples).

Rules are precise on purpose: a pattern that also appears in ordinary English news ("on the eve
of the election", "2.5 million") is either left out or weighted low, because a false alarm costs
an editor's trust.

Every module of this package (except ``_private`` ones) is imported when the package is, so
adding a rule is adding a function here, or a file with one. A rule that is only a pattern, a
message and a replacement is data instead: a table in a phrase-rule file
(``mtcheck/resources/rules/*.toml``, or a desk's own named by ``[rules] files``), read by
:mod:`mtcheck.detect.rules.phrases`. A rule's ``category`` is one of :data:`CATEGORIES`.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import re
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

from mtcheck.config_tables import suggestion
from mtcheck.detect.allowlist import allowed_spans, inside, overlaps

FEATURE_PREFIX = "interference."
TOTAL_FEATURE = "interference.total"


@dataclass(frozen=True)
class Match:
    start: int  # offsets into the sentence text
    end: int
    message: str = ""  # empty: the rule's own message
    suggestion: str | None = None  # the fix for text[start:end]; "" deletes it; None: no mechanical fix
    rule: str = ""  # the id of the rule that found it (set by find_matches)


@dataclass(frozen=True)
class Example:
    """One test case, declared with the rule: the rule fires on ``text``, marking ``words`` with
    ``fix`` as its suggestion (None: no mechanical fix), and is silent on the fluent ``clean``."""

    text: str
    words: str
    fix: str | None
    clean: str


@dataclass(frozen=True)
class Rule:
    id: str
    check: Callable[[str], Iterable[Match]]
    category: str
    weight: float  # log-odds: the provisional model's, and the trained model's fixed prior
    message: str  # what it finds, in editor language
    fix: str  # how an editor fixes it
    examples: tuple[Example, ...] = ()
    languagetool: tuple[str, ...] = ()  # ids of the rule-pack rules that find the same pattern
    about_names: bool = False  # the match is a name: an allow-listed name that overlaps it silences it
    rewrite: bool = True  # False: the editor checks it, a rewrite must keep the words (names, script)
    # "safe": the suggestion is a mechanical rewrite of the same words (a figure, a date, word order,
    # typography) that ``mtcheck fix`` applies by default once verified; "unsafe": it may change what
    # the sentence says ("in connection with" -> "because of") and waits for --unsafe-fixes or an editor.
    fix_safety: str = "unsafe"

    @property
    def feature(self) -> str:
        return f"{FEATURE_PREFIX}{self.id}"

    def matches(self, text: str) -> list[Match]:
        """The rule's matches in ``text``, each carrying the rule's id (and message, if it has none)."""
        return [dataclasses.replace(m, rule=self.id, message=m.message or self.message) for m in self.check(text)]


FIX_SAFETIES = ("safe", "unsafe")
# The allowed values of a rule's ``category``: what kind of Russian trace it finds. Reports show it
# beside each reason, and a client of ``mtcheck serve`` may switch a category off. Documented in
# CONTRIBUTING.md and in the phrase files' header (mtcheck/resources/rules/); a rule declared with
# any other category is refused when it registers.
CATEGORIES: dict[str, str] = {
    "calque": "a Russian word or set phrase translated word for word (“within the framework of”)",
    "dates": "a date written the Russian way (“12.12.2016”, “in 2016 year”)",
    "numbers": "a figure written the Russian way (“2,5 percent”, “1.3 thousand”)",
    "names": "a name spelled letter by letter from Cyrillic (“Dmitriy”)",
    "script": "Cyrillic letters left in the English text",
    "punctuation": "Russian punctuation or quotation marks («»)",
    "style": "capitals or other house style that follow Russian usage (“foreign Minister”)",
    "word order": "Russian word order (“As reports Reuters”, “President of Russia Vladimir Putin”)",
    "source": "a Russian outlet as the source, or its name quoted the Russian way (RIA «Novosti»)",
    "disclaimer": "a note that Russian media law requires (“banned in Russia”)",
}
RULES: list[Rule] = []  # in registration order: the order matches at the same span are reported in
_ID = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")


def register(new: Rule) -> Rule:
    """Add a rule (the decorator does this; a test or a plug-in may add one at run time)."""
    if not _ID.fullmatch(new.id):
        raise ValueError(f"interference rule id {new.id!r} must be lower-case words joined by hyphens")
    if new.category not in CATEGORIES:
        raise ValueError(f"interference rule {new.id!r}: unknown category {new.category!r}{suggestion(new.category, CATEGORIES)}")
    if new.fix_safety not in FIX_SAFETIES:
        raise ValueError(f"interference rule {new.id!r}: fix_safety must be one of {', '.join(FIX_SAFETIES)}")
    if any(r.id == new.id for r in RULES):
        raise ValueError(f"interference rule {new.id!r} registered twice")
    taken = {pack: r.id for r in RULES for pack in r.languagetool}
    for pack in new.languagetool:
        if pack in taken:
            raise ValueError(f"rule-pack rule {pack!r} is declared on both {taken[pack]!r} and {new.id!r}")
    RULES.append(new)
    return new


def unregister(rule_id: str) -> None:
    RULES[:] = [r for r in RULES if r.id != rule_id]


def rule(rule_id: str, *, category: str, weight: float, message: str, fix: str,
         examples: Sequence[tuple[str, str, str | None, str]] = (), languagetool: Sequence[str] = (),
         about_names: bool = False, rewrite: bool = True,
         fix_safety: str = "unsafe") -> Callable[[Callable[[str], Iterable[Match]]], Callable[[str], Iterable[Match]]]:
    """Declare the decorated function as interference rule ``rule_id``; ``examples`` are
    ``(machine-translated text, the words it marks, its suggestion or None, a clean version)``."""

    def decorate(fn: Callable[[str], Iterable[Match]]) -> Callable[[str], Iterable[Match]]:
        register(Rule(rule_id, fn, category, float(weight), message, fix, tuple(Example(*e) for e in examples),
                      tuple(languagetool), about_names, rewrite, fix_safety))
        return fn

    return decorate


def get(rule_id: str) -> Rule | None:
    return next((r for r in RULES if r.id == rule_id), None)


def safe_fix(rule_id: str) -> bool:
    """Whether ``rule_id`` names an interference rule (or a rule-pack twin of one) declared ``fix_safety="safe"``."""
    found = get(rule_id) or get(languagetool_twins().get(rule_id, ""))
    return found is not None and found.fix_safety == "safe"


def rule_ids() -> list[str]:
    return sorted(r.id for r in RULES)


def feature_names() -> list[str]:
    """The interference signal's features: one count per rule, and the total."""
    return [f"{FEATURE_PREFIX}{name}" for name in rule_ids()] + [TOTAL_FEATURE]


def weights() -> dict[str, float]:
    """Feature -> the rule's log-odds (the provisional model, and the trained model's fixed priors)."""
    return {r.feature: r.weight for r in RULES}


def unweighted(model_features: Iterable[str]) -> list[str]:
    """The ids of the rules a model whose sentence features are ``model_features`` has no weight
    for (rules added since it was trained): their reasons are shown but add nothing to the score."""
    have = set(model_features)
    return [r.id for r in RULES if r.feature not in have]


# -- the LanguageTool rule pack --------------------------------------------------------------------
def languagetool_twins() -> dict[str, str]:
    """Rule-pack rule id -> the id of the interference rule it repeats."""
    return {pack: r.id for r in RULES for pack in r.languagetool}


def aliases(rule_id: str) -> frozenset[str]:
    """``rule_id`` and the ids the same rule has elsewhere: an interference rule's rule-pack twins,
    or a rule-pack rule's interference rule. An id that is neither is only itself."""
    found = get(rule_id)
    if found is not None:
        return frozenset((rule_id, *found.languagetool))
    twin = languagetool_twins().get(rule_id)
    return frozenset((rule_id, twin)) if twin else frozenset((rule_id,))


def expand_aliases(ids: Iterable[str]) -> frozenset[str]:
    """Every id in ``ids`` with its aliases: ``keep_rules = ["thousand-count"]`` also keeps the rule
    pack's ``MTCHECK_RU_THOUSAND_DECIMAL``, and naming that keeps ``thousand-count``. (A rule-pack
    rule names its whole interference rule: keeping ``MTCHECK_RU_FRAMEWORK`` keeps every ``calque``.)"""
    out: set[str] = set()
    for rule_id in ids:
        out |= aliases(rule_id)
    return frozenset(out)


# -- matching ----------------------------------------------------------------------------------------
def find_matches(text: str, allow: Sequence[str] = ()) -> list[tuple[Rule, Match]]:
    """All rule matches in ``text`` except those an allow-listed name accounts for."""
    allowed = allowed_spans(text, allow)
    found = []
    for r in list(RULES):
        for match in r.matches(text):
            if inside(match.start, match.end, allowed) or (r.about_names and overlaps(match.start, match.end, allowed)):
                continue
            found.append((r, match))
    found.sort(key=lambda item: (item[1].start, item[1].end))
    return found


def source_files() -> list[str]:
    """The files the rules are defined in, Python modules and phrase files (a cache of their
    results is keyed on them)."""
    import inspect

    files = {__file__}
    for r in RULES:
        declared_in = getattr(r.check, "source_file", None)
        if declared_in:  # a phrase rule: its data file, and the code that reads it
            files.update((str(declared_in), inspect.getfile(type(r.check))))
            continue
        try:
            files.add(inspect.getfile(r.check))
        except TypeError:
            continue
    return sorted(files)


# Rule id -> the distribution ("name version") of a rule another package adds through the
# ``mtcheck.rules`` entry point; the rules of this package are built in.
ORIGINS: dict[str, str] = {}


def _discover() -> None:
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")


def _load_plugins() -> None:
    """Rules from other distributions: an ``mtcheck.rules`` entry point names a module of ``@rule``
    functions (or one of them), or a :class:`Rule`. A broken one is one warning line; the rest work."""
    from mtcheck.registry import broken, entry_points, load_entry_point, origin

    for ep in entry_points("mtcheck.rules"):
        before = {r.id for r in RULES}
        item = load_entry_point("rule", ep)
        if item is None:
            continue
        if isinstance(item, Rule) and item.id not in before:
            try:
                register(item)
            except ValueError as err:
                broken("rule", ep, str(err))
                continue
        added = {r.id for r in RULES} - before
        if not added:
            broken("rule", ep, f"{ep.value} declares no new rule (name a module of @rule functions, one of them, or a Rule)")
        ORIGINS.update((rule_id, origin(ep)) for rule_id in added)


_discover()
_load_plugins()

__all__ = ["CATEGORIES", "Example", "Match", "RULES", "Rule", "aliases", "expand_aliases", "feature_names", "find_matches", "get",
           "languagetool_twins", "register", "rule", "rule_ids", "safe_fix", "unregister", "unweighted", "weights"]
