"""The stage tables of the configuration, typed: one frozen dataclass per table.

A table's dataclass is its schema: the field names are the keys it accepts, the annotations their
types and the defaults what a stage uses when the key is absent. :func:`check_table` validates a
table once, when :class:`mtcheck.config.Settings` is built; an unknown key or a value of the wrong
type is a :class:`ConfigError` (exit 2) of one line that names the file and the key
(``mtcheck.toml: unknown key 'n_thread' in [rewrite] (did you mean n_threads?)``).

Type rules: an integer is accepted where a number is expected (and becomes a float); a list of
strings also takes one string, as a list of one; ``bool`` is never an integer or a number. A nested
table (``[models.local]``) is typed ``dict[str, X]`` and checked value by value.

Some defaults are also constants of the modules that read them (``DEFAULT_SIMILARITY`` in
rewrite/verify.py, ``AlignParams``...); tests/test_config_typed.py checks that the two agree. The
LanguageTool service has no defaults of its own: it reads :class:`LanguageToolConfig`.
"""

from __future__ import annotations

import difflib
import json
import re
import types
import typing
from dataclasses import dataclass, field, fields
from functools import cache
from typing import Any, ClassVar, Mapping

from mtcheck.errors import ConfigError


@dataclass(frozen=True)
class DetectConfig:
    """``[detect]``: mtcheck/detect/detector.py and ``mtcheck eval detect``."""

    model: str | None = None  # a trained detector model (joblib); default: the packaged one
    # Adjusts the signals that run (the --signals syntax): "+name" adds, "-name" removes, plain names replace.
    signals: tuple[str, ...] = ()


@dataclass(frozen=True)
class LanguageToolConfig:
    """``[languagetool]``: the server (mtcheck/services/languagetool.py) and the detection signal
    (mtcheck/detect/signals/languagetool.py)."""

    CHOICES: ClassVar[dict[str, tuple[str, ...]]] = {"mode": ("managed", "url", "download")}

    mode: str | None = None  # managed | url | download; default: url when url is set, else managed
    url: str | None = None  # a LanguageTool server of your own
    port: int = 8081  # the managed server's port (MTCHECK_LT_PORT wins)
    heap: str = "768m"  # the managed server's Java heap
    start_timeout: float = 90.0  # seconds the managed server may take to start; ~10 s on an idle machine, far more on busy cores
    # Seconds one check request (one paragraph) may go without an answer; a stalled server fails the
    # run (exit 3, not retried). A paragraph of news takes well under a second; language_tool_python's
    # own default (300 s, tried twice) let a stalled server hold a run for ten minutes. The first
    # request a client sends may take start_timeout instead: the server loads a language's rules on
    # the first check it gets, which on busy cores took over 30 s.
    request_timeout: float = 30.0
    language: str = "en-US"
    mother_tongue: str = "ru"  # switches on LanguageTool's ru->en false-friend rules; "" turns them off
    picky: bool = False
    disabled_rules: tuple[str, ...] = ()  # LanguageTool rule ids the server does not run
    ignore_rules: tuple[str, ...] = ()  # rule ids the detection signal ignores (beside its own noise rules)


@dataclass(frozen=True)
class ModelsConfig:
    """``[models]``: mtcheck/services/modelstore/. A role points at other weights: a path (relative to
    the config file), a directory or ``hub:ORG/NAME``; ``[models.local]`` names local copies of
    store models (model name -> path)."""

    rewriter: str | None = None
    fluency: str | None = None
    embedder: str | None = None
    local: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RewriteConfig:
    """``[rewrite]``: generation (mtcheck/rewrite/__init__.py), verification (mtcheck/rewrite/verify.py)
    and the backends (mtcheck/rewrite/backends/)."""

    # Generation.
    # LLM answers per sentence: the greedy one, then (above 1) samples whose agreement admits a content
    # edit. 1 for the local 1.5B model: on the judged slices 12e-12g its agreeing answers carried
    # 5 meaning errors in 23 suggestions (and 2 fixes); every other suggestion 1 in 41 (16 fixes).
    candidates: int = 1
    temperature: float = 0.0
    sample_temperature: float = 0.7
    repair: bool = True  # one more try that shows the model what its attempt left or lost
    seed: int = 0
    max_tokens: int = 200
    llm: bool = True  # ask the LLM at all (false: rule and LanguageTool candidates only)
    context: bool = False  # also show the model the previous sentence
    rule_sources: tuple[str, ...] = ("interference",)  # signals whose suggestions are applied as they are
    keep_rules: tuple[str, ...] = ()  # house style: rule ids reported but never rewritten
    # Post-edits to learn from: a JSON-lines file of (mt_en, ref_en) pairs, e.g. the desk's own
    # corrections (mtcheck/rewrite/demonstrations.py); the nearest few go into each prompt.
    demonstrations: str | None = None
    demonstration_count: int = 2
    # Verification.
    similarity_threshold: float = 0.75
    max_rise: float = 0.1
    fluency_gain: float = 0.1  # a form edit with no flagged problem: mean surprisal down by this much
    min_support: int = 2  # a content edit: this many model candidates propose it ...
    support_share: float = 0.4  # ... and this share of them
    equivalence: float = 0.9  # ... or it resolves a flagged problem and MiniLM finds the sentences equivalent
    source_gain: float = 3.0  # with --source: a content edit making the sentence this much likelier a translation of the Russian (nats)
    source_loss: float = 8.0  # with --source: a model edit making it this much less likely is refused
    surprisal_tolerance: float = 0.1
    resolved_surprisal_tolerance: float = 0.5
    model_checks: bool = True  # the spaCy, MiniLM and SmolLM2 checks (false: rules only)
    # Backends.
    backend: str | None = None  # a backend plug-in's name (`mtcheck plugins`); default: MTCHECK_BACKEND, else the registry's default
    model: str | None = None  # the rewriter weights (default: MTCHECK_REWRITE_MODEL, else the model store)
    n_ctx: int = 2048  # llama_cpp
    n_threads: int = 2  # llama_cpp
    # llama_cpp: tokens drafted by prompt lookup (0: off). Off by default: on 2 cores it speeds the
    # greedy answer up (6.1 against 5.2 tokens/s on the seed) but halves the samples' rate (7.6
    # against 14.7: drafts rarely survive sampling, and every drafted position costs its logits).
    prompt_lookup: int = 0
    persist_prefix: bool = True  # llama_cpp: keep the evaluated system prompt on disk
    transformers_model: str | None = None  # transformers: a model directory or hub id
    seq2seq_prefix: str = "Make this text fluent: "  # transformers: the task prefix of a seq2seq editor
    base_url: str | None = None  # openai: the server (default: MTCHECK_OPENAI_BASE_URL)
    api_key_env: str = "MTCHECK_OPENAI_API_KEY"  # openai: the variable holding the API key
    timeout: float = 120.0  # openai: seconds per request


@dataclass(frozen=True)
class CompareConfig:
    """``[compare]``: the alignment parameters of mtcheck/compare/align.py (``AlignParams``, tuned by
    ``mtcheck eval align``)."""

    weight: float = 0.4
    background: float = 0.5
    keywords: float = 1.0
    numbers: float = 0.2
    names: float = 0.0
    threshold: float = 0.2
    lead: float = 0.0
    gain: float = 0.0
    close: float = 0.8


@dataclass(frozen=True)
class GateConfig:
    """``[gate]``: the publication decision per article (mtcheck/gate.py). The defaults were chosen on
    held-out development articles for at most 2% of English-written articles failing and at most 5%
    of machine-translated ones passing, on each source (``benchmarks/calibrate_gate.py``)."""

    CHOICES: ClassVar[dict[str, tuple[str, ...]]] = {"mode": ("document", "sentence"),
                                                     "isolated_severity": ("info", "warning", "error")}

    # document: an article fails on its own evidence (the translated share and the document score),
    # and a flagged sentence in an article that passes is reported at isolated_severity; sentence:
    # any finding at --fail-on fails the run, as before per-article gating.
    mode: str = "document"
    share_low: float = 0.5  # fail when the lower 95% bound of the translated share reaches this
    document_score: float = 0.74  # ... or when the document score reaches this
    isolated_severity: str = "info"


@dataclass(frozen=True)
class RulesConfig:
    """``[rules]``: a desk's own phrase-rule files (mtcheck/detect/rules/phrases.py), in the format of
    mtcheck/resources/rules/*.toml; a path is relative to the config file."""

    files: tuple[str, ...] = ()  # their rules are registered beside mtcheck's when the detector starts


# Table name -> its dataclass. mtcheck.config.CONFIG_KEYS lists these as the "table" keys.
TABLES: dict[str, type] = {
    "detect": DetectConfig,
    "languagetool": LanguageToolConfig,
    "models": ModelsConfig,
    "rewrite": RewriteConfig,
    "compare": CompareConfig,
    "gate": GateConfig,
    "rules": RulesConfig,
}

_NAMES = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}


def toml_type(value: Any) -> str:
    """What a value is, in TOML's words."""
    names = {bool: "boolean", str: "string", int: "integer", float: "number", list: "list", tuple: "list", dict: "table"}
    return names.get(type(value), type(value).__name__)


def _shown(value: Any) -> str:
    """A value as TOML writes it (near enough), cut short."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _nested(key: str, name: str) -> str:
    """The label of a nested table's key: ``[models] local`` + ``x`` -> ``[models.local] x``."""
    if not re.fullmatch(r"[\w.-]+", name):
        name = json.dumps(name, ensure_ascii=False)  # a quoted TOML key, on one line
    table, sep, inner = key.partition("] ")
    return f"{table}.{inner}] {name}" if sep else f"{key}.{name}"


def suggestion(key: str, known: typing.Iterable[str]) -> str:
    """`` (did you mean KEY?)`` for the closest known key, else the known keys."""
    known = list(known)
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    if close:
        return f" (did you mean {close[0]}?)"
    return f" (known: {', '.join(known)})"


@cache
def schema(cls: type) -> dict[str, Any]:
    """Field name -> its type, with the annotations resolved."""
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in fields(cls)}


def describe(kind: Any) -> str:
    """A type in the words an error message uses."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (types.UnionType, typing.Union):
        return " or ".join(describe(a) for a in args if a is not type(None))
    if origin is tuple:
        return f"a list of {describe(args[0]).removeprefix('a ').removeprefix('an ')}s"
    if origin is dict:
        return f"a table of {describe(args[1]).removeprefix('a ').removeprefix('an ')}s"
    return _NAMES.get(kind, getattr(kind, "__name__", str(kind)))


def check_value(kind: Any, value: Any, key: str, origin: str) -> Any:
    """``value`` as a plain value of type ``kind`` (lists stay lists), or a ConfigError naming ``key``."""
    type_origin, args = typing.get_origin(kind), typing.get_args(kind)
    if type_origin in (types.UnionType, typing.Union):  # only ``X | None``: TOML has no null, code may pass None
        if value is None:
            return None
        (kind,) = [a for a in args if a is not type(None)]
        return check_value(kind, value, key, origin)
    if type_origin is tuple:  # tuple[X, ...]: a list, or one item
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)):
            raise ConfigError(f"{origin}: {key} must be {describe(kind)}, not {_got(value)}")
        checked = []
        for number, item in enumerate(items, 1):
            try:
                checked.append(check_value(args[0], item, key, origin))
            except ConfigError:
                raise ConfigError(f"{origin}: {key} must be {describe(kind)}; item {number} is {_got(item)}") from None
        return checked
    if type_origin is dict:  # a nested table, checked value by value
        if not isinstance(value, Mapping):
            raise ConfigError(f"{origin}: {key} must be {describe(kind)}, not {_got(value)}")
        return {str(k): check_value(args[1], v, _nested(key, str(k)), origin) for k, v in value.items()}
    if kind is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
        return value
    raise ConfigError(f"{origin}: {key} must be {describe(kind)}, not {_got(value)}")


def _got(value: Any) -> str:
    kind = toml_type(value)
    article = "an" if kind[0] in "aeiou" else "a"
    return f"{article} {kind} ({_shown(value)})"


def check_table(name: str, table: Any, origin: str) -> dict[str, Any]:
    """One stage table, validated: the keys it sets with plain values (lists stay lists)."""
    cls = TABLES[name]
    if not isinstance(table, Mapping):
        raise ConfigError(f"{origin}: {name!r} must be a table ([{name}] or [tool.mtcheck.{name}]), not {_got(table)}")
    known = schema(cls)
    choices: dict[str, tuple[str, ...]] = getattr(cls, "CHOICES", {})
    checked: dict[str, Any] = {}
    for key, value in table.items():
        if key not in known:
            raise ConfigError(f"{origin}: unknown key {key!r} in [{name}]{suggestion(str(key), known)}")
        checked[key] = check_value(known[key], value, f"[{name}] {key}", origin)
        if key in choices and checked[key] is not None and checked[key] not in choices[key]:
            raise ConfigError(f"{origin}: [{name}] {key} must be {' | '.join(choices[key])}, not {checked[key]!r}")
    return checked


def build(name: str, checked: Mapping[str, Any]) -> Any:
    """The dataclass of a table from its validated keys (lists become tuples)."""
    cls = TABLES[name]
    known = schema(cls)
    values = {k: tuple(v) if typing.get_origin(known[k]) is tuple and v is not None else v for k, v in checked.items()}
    return cls(**values)
