"""Phrase rules: interference rules that are data (a pattern, a message, a replacement), in the
spirit of Vale's substitution rules.

A rule that is only "these words, this message, this fix" is declared in a TOML file instead of a
Python function: mtcheck's own in ``mtcheck/resources/rules/*.toml``, registered when the rules
are (importing this module does it), and a desk's own in the files that ``[rules] files`` names in
its configuration, registered by the interference signal (:func:`use_desk_files`). Once
registered, a phrase rule is a :class:`~mtcheck.detect.rules.Rule` like any other: the same
feature, weight, reasons, rewrite target and examples. The format and the categories are in the
header of every packaged file and in CONTRIBUTING.md ("Phrase-rule files").

A file that is not valid TOML, an unknown key, a value of the wrong type, a pattern that is not a
regular expression, a replacement or message naming a group the pattern lacks, an unknown
category or an id already taken is a :class:`~mtcheck.errors.ConfigError` (exit 2) of one line
naming the file and the rule; nothing of that file is registered.
"""

from __future__ import annotations

import math
import re
import string
import typing
from dataclasses import MISSING, dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Mapping

from mtcheck.config import read_toml
from mtcheck.config_tables import check_value, schema, suggestion, toml_type
from mtcheck.detect.rules import Example, Match, Rule, get, register, unregister
from mtcheck.errors import ConfigError

if TYPE_CHECKING:
    from mtcheck.config import Settings

PACKAGED_DIR = Path(__file__).resolve().parent.parent.parent / "resources" / "rules"


# -- the file's schema: one dataclass per kind of table, checked by config_tables.check_value ----------
@dataclass(frozen=True)
class RuleTable:
    """A ``[[rule]]`` table (its keys are documented in the packaged files' header)."""

    id: str
    category: str
    weight: float
    message: str
    fix: str
    examples: tuple[dict[str, str], ...]
    pattern: str | None = None
    replacement: str | None = None
    phrases: tuple[dict[str, str], ...] = ()
    ignore_case: bool = False
    whole_words: bool = True
    fix_safety: str = "unsafe"
    languagetool: tuple[str, ...] = ()
    about_names: bool = False
    rewrite: bool = True


@dataclass(frozen=True)
class PhraseTable:
    """A ``[[rule.phrases]]`` table."""

    pattern: str
    message: str | None = None
    replacement: str | None = None


@dataclass(frozen=True)
class ExampleTable:
    """A ``[[rule.examples]]`` table."""

    text: str
    words: str
    clean: str
    fix: str | None = None


# -- the rule's check ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Phrase:
    """One compiled pattern of a phrase rule."""

    pattern: re.Pattern[str]
    message: str  # "": the rule's own; else a str.format template ({0} the match, {1}... its groups)
    replacement: str | None  # a re template (\1, \g<name>); None: no mechanical fix

    def matches(self, text: str) -> Iterator[Match]:
        for m in self.pattern.finditer(text):
            if m.end() == m.start():
                continue  # an empty match marks no words
            fixed = m.expand(self.replacement) if self.replacement is not None else None
            if fixed and m.group(0)[0].isupper():  # "In connection with" -> "Because of"
                fixed = fixed[:1].upper() + fixed[1:]
            message = self.message.format(m.group(0), *(g or "" for g in m.groups())) if self.message else ""
            yield Match(m.start(), m.end(), message, fixed)


@dataclass(frozen=True)
class PhraseCheck:
    """A phrase rule's check: the matches of each of its phrases in turn. ``source_file`` is the
    data file it was read from: a cache of the rules' results is keyed on it (``rules.source_files``)."""

    phrases: tuple[Phrase, ...]
    source_file: str

    def __call__(self, text: str) -> Iterator[Match]:
        for phrase in self.phrases:
            yield from phrase.matches(text)


# -- reading a file ------------------------------------------------------------------------------------
def read_phrase_file(path: str | Path) -> list[Rule]:
    """The rules a phrase-rule file declares, checked but not registered."""
    origin = str(path)
    data = read_toml(Path(path), what="phrase-rule file")
    unknown = [key for key in data if key != "rule"]
    if unknown:
        raise ConfigError(f"{origin}: unknown key {unknown[0]!r} (a phrase-rule file holds [[rule]] tables only)")
    tables = data.get("rule")
    if not isinstance(tables, list) or not tables:
        raise ConfigError(f"{origin}: no rules: declare each with a [[rule]] table (see CONTRIBUTING.md, \"Phrase-rule files\")")
    out: list[Rule] = []
    for number, table in enumerate(tables, 1):
        label = f"rule {table['id']!r}" if isinstance(table, dict) and isinstance(table.get("id"), str) else f"rule {number}"
        out.append(_rule(_checked(RuleTable, table, label, origin), label, origin))
    ids = [r.id for r in out]
    twice = next((i for i in ids if ids.count(i) > 1), None)
    if twice:
        raise ConfigError(f"{origin}: rule {twice!r} is declared twice")
    return out


def _checked(cls: type, table: Any, where: str, origin: str) -> Any:
    """A table as ``cls``, its keys and their types checked: one ConfigError line otherwise."""
    if not isinstance(table, Mapping):
        raise ConfigError(f"{origin}: {where} must be a table, not {toml_type(table)}")
    known = schema(cls)
    for key in table:
        if key not in known:
            raise ConfigError(f"{origin}: unknown key {key!r} in {where}{suggestion(str(key), known)}")
    required = [f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING]
    missing = [name for name in required if name not in table]
    if missing:
        raise ConfigError(f"{origin}: {where} has no {missing[0]!r}")
    values = {}
    for key, value in table.items():
        if isinstance(value, Mapping) and typing.get_origin(known[key]) is tuple:
            value = [value]  # one table where a list of them is expected
        checked = check_value(known[key], value, f"{where}: {key}", origin)
        values[key] = tuple(checked) if isinstance(checked, list) else checked
    return cls(**values)


def _rule(table: RuleTable, where: str, origin: str) -> Rule:
    if (table.pattern is None) == (not table.phrases):
        raise ConfigError(f"{origin}: {where} needs a pattern or [[rule.phrases]]: one or the other")
    if table.replacement is not None and table.pattern is None:
        raise ConfigError(f"{origin}: {where}: a replacement goes with its pattern (in [[rule.phrases]], beside each)")
    if not (math.isfinite(table.weight) and table.weight > 0):
        raise ConfigError(f"{origin}: {where}: weight must be above 0 (the log-odds a match adds), not {table.weight}")
    if table.pattern is not None:
        specs = [PhraseTable(table.pattern, None, table.replacement)]
    else:
        specs = [_checked(PhraseTable, p, f"{where} phrase {n}", origin) for n, p in enumerate(table.phrases, 1)]
    flags = re.IGNORECASE if table.ignore_case else 0
    phrases = tuple(_phrase(spec, flags, table.whole_words, f"{where}" + (f" phrase {n}" if table.phrases else ""), origin)
                    for n, spec in enumerate(specs, 1))
    examples = tuple(_example(_checked(ExampleTable, e, f"{where} example {n}", origin)) for n, e in enumerate(table.examples, 1))
    if not examples:
        raise ConfigError(f"{origin}: {where} has no examples: add a [[rule.examples]] table (they are its tests)")
    return Rule(table.id, PhraseCheck(phrases, origin), table.category, float(table.weight), table.message, table.fix,
                examples, table.languagetool, table.about_names, table.rewrite, table.fix_safety)


def _phrase(spec: PhraseTable, flags: int, whole_words: bool, where: str, origin: str) -> Phrase:
    try:
        re.compile(spec.pattern, flags)  # as written, so that an error's position is the writer's
    except re.error as err:
        raise ConfigError(f"{origin}: {where}: the pattern “{spec.pattern}” is not a regular expression ({err})") from None
    try:
        pattern = re.compile(rf"\b(?:{spec.pattern})\b" if whole_words else spec.pattern, flags)
    except re.error as err:  # an inline flag such as (?i) must open the whole expression
        raise ConfigError(f"{origin}: {where}: the pattern “{spec.pattern}” cannot be wrapped as whole words ({err}); "
                          "use ignore_case = true for (?i), or whole_words = false") from None
    if spec.replacement is not None:
        try:
            pattern.sub(spec.replacement, "")  # parses the template: \3 of a pattern with two groups fails here
        except (re.error, IndexError) as err:
            raise ConfigError(f"{origin}: {where}: the replacement “{spec.replacement}”: {err}") from None
    message = spec.message or ""
    try:
        fields_named = list(string.Formatter().parse(message))
    except ValueError as err:  # a lone { or }
        raise ConfigError(f"{origin}: {where}: message “{message}”: {err} (write {{{{ and }}}} for braces)") from None
    for _, name, spec_text, conversion in fields_named:
        if name is None:
            continue
        if not name.isdigit() or int(name) > pattern.groups or spec_text or conversion:
            raise ConfigError(f"{origin}: {where}: message names {{{name}}}, but only {{0}} (the matched words) to "
                              f"{{{pattern.groups}}} (the pattern's groups) can be quoted; write {{{{ for a brace")
    return Phrase(pattern, message, spec.replacement)


def _example(table: ExampleTable) -> Example:
    return Example(table.text, table.words, table.fix, table.clean)


# -- registering ---------------------------------------------------------------------------------------
def register_rules(found: list[Rule]) -> None:
    """Register rules read from a file, all or none: a clash is a ConfigError naming the file."""
    done: list[str] = []
    try:
        for r in found:
            if get(r.id) is not None:
                raise ValueError(f"rule {r.id!r}: mtcheck already has a rule with this id; give it an id of its own")
            register(r)
            done.append(r.id)
    except ValueError as err:
        for rule_id in done:
            unregister(rule_id)
        origin = getattr(found[len(done)].check, "source_file", "phrase-rule file")
        raise ConfigError(f"{origin}: {err}") from None


def packaged_files() -> list[Path]:
    return sorted(PACKAGED_DIR.glob("*.toml"))


def desk_files(settings: Settings) -> list[Path]:
    """The files ``[rules] files`` names, relative to the configuration file's folder."""
    base = Path(settings.config_path).parent if settings.config_path else Path.cwd()
    return [base / Path(name).expanduser() for name in settings.table("rules").files]


_desk_rules: list[Rule] = []  # what the last use_desk_files registered


def use_desk_files(settings: Settings) -> list[Rule]:
    """Make the desk's phrase rules (``[rules] files``) the registered ones: a rule of an earlier
    configuration that is gone, or changed, is dropped first. Returns the desk's rules."""
    wanted = [r for path in desk_files(settings) for r in read_phrase_file(path)]
    if wanted == _desk_rules:
        return wanted
    for r in _desk_rules:
        unregister(r.id)
    _desk_rules.clear()
    register_rules(wanted)
    _desk_rules.extend(wanted)
    return wanted


for _file in packaged_files():
    register_rules(read_phrase_file(_file))
