"""Fuzzing the load and segment stages with random and adversarial inputs (issue 12).

A seeded generator of our own (no extra dependency, the same inputs on every run) builds 2,400
inputs of nine kinds: random bytes, random text in every encoding mtcheck reads, several
encodings mixed in one file, deep HTML nesting, huge lines, control characters, right-to-left
marks and zero-width characters, Markdown/HTML markup soup, and the seed articles with noise
inserted. Each goes through the public ``load_document`` and ``segment`` in this process, in a
random input format, and must:

* either load (exit code 0 or 1 on the CLI) or raise ``InputError`` (exit code 2) with a
  one-line message; any other exception is a traceback and fails the test;
* give blocks and sentences whose offsets index the decoded text: each visible character maps
  to the same character in ``Document.text`` (or to an entity's ``&``, or white space to white
  space), a verbatim block or sentence is its own slice, and sentences are in order;
* keep every sentence under ``MAX_SENTENCE_CHARS``.

A subset runs through the CLI in this process (``run_main``) with a detector that flags what
mentions Reuters: the exit code is 0, 1 or 2, there is no traceback, and on exit 2 stderr is one
``mtcheck: error:`` line and neither stdout nor the ``-o`` file is written.

Hostile inputs at the trust boundary (issue 24): folders of files whose names hold invalid UTF-8,
newlines, leading dashes, control characters, escape sequences and formula prefixes go through
``check`` (every file is reported, every error is one line, nothing raw reaches the terminal); and
feeds whose ``id``, ``source``, ``url``, ``date`` or ``text`` hold lone surrogates, deep nesting,
control characters, formula prefixes or wrong types are either refused naming their line or
audited into shards and CSVs that hold no live formula.
"""

from __future__ import annotations

import codecs
import io
import random

import pytest

import mtcheck.pipeline as pipeline_module
from conftest import SEED_MT, SEED_REF, ReutersFlaggingPipeline, run_main
from mtcheck.errors import InputError
from mtcheck.load import INPUT_FORMATS, load_document
from mtcheck.registry import formats
from mtcheck.segment import MAX_SENTENCE_CHARS, segment
from mtcheck.types import Document

SEED = 20161212
PER_KIND = 270  # nine kinds: 2,430 inputs
CLI_SAMPLE = 120
MAX_BYTES = 2_000_000

SEED_TEXTS = [SEED_MT.read_text(encoding="utf-8"), SEED_REF.read_text(encoding="utf-8")]
WORDS = ("Russia", "said", "the", "rebels", "will", "leave", "city", "As", "reports", "Reuters", "on", "eve",
         "thousand", "militants", "1.3", "Mr.", "U.S.", "e.g.", "Lavrov", "“Novosti”", "—", "said:", "Aleppo")
MARKUP = ("<p>", "</p>", "<div>", "</div>", "<table>", "</table>", "<tr>", "<td>", "</td>", "<th>", "<thead>", "<pre>",
          "</pre>", "<code>", "</code>", "<nav>", "</nav>", "<aside>", "<script>", "</script>", "<style>", "<!--", "-->",
          "<br>", "<li>", "<ul>", "<caption>", "<figcaption>", "<svg>", "</svg>", "<head>", "<body>", "<![CDATA[", "]]>",
          "<?xml?>", "<!doctype html>", "&amp;", "&nbsp;", "&#8212;", "&#x10FFFF;", "&#0;", "&bogus;", "&", "<", ">",
          "\n", "\n\n", " ", "\t", "- ", "* ", "1. ", "> ", "# ", "| a | b |\n", "|---|---|\n", "```\n", "~~~\n", "`",
          "**", "_", "~~", "[", "]", "(", ")", "[link](http://x.y)", "![img](a.png)", "<http://a.b/c>", "<a href='x'>",
          "</a>", "    x = 1;\n", "Share this news\n", "Related\n", "Photo: AP\n", "© 2016\n", "12.12.2016\n")
SPECIAL = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d",
           "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u061c", "\u00a0", "\u2028", "\u2029", "\u0301", "\ufffd")
RANGES = ((0x20, 0x7E), (0xA0, 0xFF), (0x400, 0x4FF), (0x590, 0x6FF), (0x4E00, 0x4E80), (0x1F600, 0x1F64F), (0x0, 0x1F),
          (0x2000, 0x206F))
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1251", "cp1252", "latin-1", "koi8-r")


# --------------------------------------------------------------------------- the generator


def _random_text(rng: random.Random, n: int) -> str:
    out = []
    for _ in range(n):
        r = rng.random()
        if r < 0.55:
            out.append(rng.choice(WORDS) + rng.choice((" ", " ", ". ", ", ", "\n", "\n\n")))
        elif r < 0.85:
            lo, hi = rng.choice(RANGES)
            out.append(chr(rng.randint(lo, hi)))
        else:
            out.append(rng.choice(SPECIAL))
    return "".join(out)


def _encode(rng: random.Random, text: str) -> bytes:
    return text.encode(rng.choice(ENCODINGS), errors=rng.choice(("ignore", "replace")))


def random_bytes(rng: random.Random) -> bytes:
    data = rng.randbytes(rng.choice((0, 1, 2, 3, 7, 64, 512, 4096)))
    if rng.random() < 0.2:  # a binary signature, or a byte-order mark, before the noise
        data = rng.choice((b"%PDF-", b"PK\x03\x04", b"\x1f\x8b", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF32_BE, b"\x00")) + data
    return data


def random_text(rng: random.Random) -> bytes:
    return _encode(rng, _random_text(rng, rng.randint(0, 400)))


def mixed_encodings(rng: random.Random) -> bytes:
    parts = [_encode(rng, _random_text(rng, rng.randint(1, 80))) for _ in range(rng.randint(2, 5))]
    if rng.random() < 0.5:
        parts.insert(0, rng.choice(SEED_TEXTS).encode("utf-8"))
    if rng.random() < 0.3:
        parts.append("Привет, как дела? Россия и США.".encode("cp1251"))
    return b"".join(parts)


def deep_html(rng: random.Random) -> bytes:
    depth = rng.choice((10, 100, 1000, 3000))
    tags = rng.sample(("div", "table", "td", "tr", "pre", "code", "p", "span", "svg", "li", "blockquote", "caption", "nav", "b"), 3)
    opening = "".join(f"<{rng.choice(tags)}>" + (rng.choice(WORDS) + ". " if rng.random() < 0.3 else "") for _ in range(depth))
    closing = "".join(f"</{rng.choice(tags)}>" for _ in range(rng.randint(0, depth)))
    head = "<!doctype html><html><body>" if rng.random() < 0.5 else ""
    return (head + opening + rng.choice(SEED_TEXTS) + closing).encode("utf-8")


def huge_line(rng: random.Random) -> bytes:
    length = rng.choice((2_000, 2_000, 5_000, 20_000)) if rng.random() < 0.95 else rng.choice((100_000, 300_000))
    unit = rng.choice(("word ", "a", "x.y", ". ", "- ", "“ ", "Mr. ", "<", "&", "`", "*a ", "[", "| a ", "<x", "Привет ", "\u200b", "‮ab. "))
    line = (unit * (length // len(unit) + 1))[:length]
    prefix = rng.choice(("", "Hello. ", "<p>", "# ", "> ", "- "))
    return (prefix + line + rng.choice(("", "\n", ".", "</p>"))).encode("utf-8")


def control_characters(rng: random.Random) -> bytes:
    text = list(rng.choice(SEED_TEXTS))
    for _ in range(rng.choice((1, 2, 5, 50, 500))):
        text.insert(rng.randint(0, len(text)), chr(rng.choice((*range(0, 9), 11, 12, *range(14, 32), 127, 0x85))))
    return _encode(rng, "".join(text))


def bidi_and_zero_width(rng: random.Random) -> bytes:
    text = list(rng.choice(SEED_TEXTS))
    for _ in range(rng.randint(1, 300)):
        text.insert(rng.randint(0, len(text)), rng.choice(SPECIAL))
    return "".join(text).encode(rng.choice(("utf-8", "utf-8-sig", "utf-16", "utf-32")))


def markup_soup(rng: random.Random) -> bytes:
    parts = []
    for _ in range(rng.randint(1, 300)):
        parts.append(rng.choice(MARKUP))
        if rng.random() < 0.5:
            parts.append(rng.choice(WORDS) + rng.choice((" ", ". ", "\n")))
    return "".join(parts).encode("utf-8")


def mutated_seed(rng: random.Random) -> bytes:
    text = rng.choice(SEED_TEXTS)
    for _ in range(rng.randint(0, 40)):
        i = rng.randint(0, len(text))
        text = text[:i] + rng.choice((*MARKUP, *SPECIAL, "\r\n", "\r", "...", "!?", "…")) + text[i:]
    data = _encode(rng, text)
    if rng.random() < 0.1:  # cut in the middle of a multi-byte character
        data = data[: rng.randint(0, len(data))]
    return data


KINDS = (random_bytes, random_text, mixed_encodings, deep_html, huge_line, control_characters, bidi_and_zero_width,
         markup_soup, mutated_seed)


def fuzz_inputs(seed: int = SEED, per_kind: int = PER_KIND) -> list[tuple[str, bytes, str]]:
    """(kind, bytes, input format) for every input, the same on every run."""
    rng = random.Random(seed)
    out = []
    for kind in KINDS:
        for _ in range(per_kind):
            out.append((kind.__name__, kind(rng), rng.choice(INPUT_FORMATS)))
    return out


INPUTS = fuzz_inputs()


# --------------------------------------------------------------------------- the checks


def exit_code_of(data: bytes, input_format: str) -> tuple[int, Document | None, str]:
    """Load and segment ``data`` as standard input: (exit code, document, error message)."""
    try:
        document = load_document("-", input_format, max_bytes=MAX_BYTES, stdin=io.BytesIO(data))
    except InputError as err:
        return err.exit_code, None, str(err)
    return 0, document, ""


def check_offsets(document: Document) -> None:
    text = document.text
    for block in document.blocks:
        assert 0 <= block.start <= block.end <= len(text), (block.start, block.end, len(text))
        if block.offsets is None:
            assert text[block.start:block.end] == block.text
            continue
        assert len(block.offsets) == len(block.text)
        previous = block.start
        for i, ch in enumerate(block.text):
            at = block.source_offset(i)
            assert block.start <= at < block.end and at >= previous, (i, at, block.start, block.end)
            previous = at
            source = text[at]
            # The same character; an entity's "&"; white space for white space, or for a Markdown
            # comment (read as a space) at its "<".
            assert source == ch or source == "&" or (ch.isspace() and (source.isspace() or source == "<")), (block.text, i, ch, source)
    sentences = segment(document)
    end = 0
    for n, sentence in enumerate(sentences):
        assert sentence.index == n
        assert 0 <= end <= sentence.start < sentence.end <= len(text), (sentence, end, len(text))
        end = sentence.end
        assert 0 < len(sentence.text) <= MAX_SENTENCE_CHARS
        assert sentence.text == sentence.text.strip()
        block = document.blocks[sentence.block]
        assert block.start <= sentence.start and sentence.end <= block.end
        if block.offsets is None:
            assert text[sentence.start:sentence.end] == sentence.text
        else:
            first = text[sentence.start]
            assert first == sentence.text[0] or first == "&", (sentence, first)
        assert sentence.kind in ("prose", "boilerplate")


def test_the_generator_covers_every_kind_with_enough_inputs():
    assert len(INPUTS) >= 2000
    kinds = {kind for kind, _, _ in INPUTS}
    assert kinds == {k.__name__ for k in KINDS}
    assert fuzz_inputs(per_kind=5) == fuzz_inputs(per_kind=5)  # seeded: the same inputs every run
    codes = {exit_code_of(data, fmt)[0] for _, data, fmt in INPUTS[:: len(INPUTS) // 200]}
    assert codes == {0, 2}  # both outcomes are exercised


@pytest.mark.parametrize("kind", [k.__name__ for k in KINDS])
def test_load_and_segment_never_crash_and_offsets_index_the_text(kind):
    for number, (name, data, input_format) in enumerate(INPUTS):
        if name != kind:
            continue
        where = f"{kind} input {number} ({input_format}, {len(data)} bytes, starting {data[:40]!r})"
        try:
            code, document, message = exit_code_of(data, input_format)
            assert code in (0, 1, 2), where
            if code == 2:
                assert message and "\n" not in message and "Traceback" not in message, where
                continue
            check_offsets(document)
        except AssertionError as err:
            raise AssertionError(f"{where}: {err}") from None
        except Exception as err:  # a traceback the user would see
            raise AssertionError(f"{where}: {type(err).__name__}: {err}") from err


# --------------------------------------------------------------------------- the CLI on a sample


def test_the_cli_exit_code_contract_on_a_sample(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(pipeline_module, "Pipeline", ReutersFlaggingPipeline)
    rng = random.Random(SEED + 1)
    suffixes = (".txt", ".md", ".html", ".htm", ".markdown", ".text")
    seen = set()
    for number, (kind, data, input_format) in enumerate(rng.sample(INPUTS, CLI_SAMPLE)):
        source = tmp_path / f"in{number}{rng.choice(suffixes)}"
        source.write_bytes(data)
        out = tmp_path / f"out{number}.json"
        fmt = rng.choice(formats.names())
        args = ["check", str(source), "--no-rewrite", "--no-languagetool", "-f", fmt, "-o", str(out), "--max-bytes", str(MAX_BYTES)]
        if rng.random() < 0.5:
            args += ["--input-format", input_format]
        code, stdout, stderr = run_main(monkeypatch, capsys, *args)
        where = f"{kind} input as {source.name} ({data[:40]!r}): exit {code}, stderr {stderr[:300]!r}"
        seen.add(code)
        assert code in (0, 1, 2), where
        assert "Traceback" not in stderr and "internal error" not in stderr, where
        assert stdout == "", where  # the report goes to -o
        if code == 2:
            lines = [line for line in stderr.splitlines() if line.strip()]
            assert len(lines) == 1 and lines[0].startswith("mtcheck: error: "), where
            assert not out.exists(), where
        else:
            assert out.is_file(), where  # (JSON lines of a document with no prose may be empty)
    assert seen >= {0, 2}


# --------------------------------------------------------------------------- hostile file names (issue 24)

NAME_PIECES = (b"story", b" ", b"-", b"--rm", b"=cmd|' calc'!A0", b"+1", b"@SUM(1)", b"\t", b"\r", b"\n", b"\nmtcheck: error: x",
               b"\x1b[2J", b"\x1b]0;pwned\x07", b"\x7f", "\u009b31m".encode(), "\u202e".encode(), "\u200b".encode(),
               b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xe2\x82", "Россия".encode(), "Россия".encode("cp1251"), b"%0A", b"::error")
HOSTILE_NAMES_PER_FOLDER = 12
HOSTILE_FOLDERS = 6
_RAW_CONTROL = __import__("re").compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def hostile_names(rng: random.Random, n: int) -> list[bytes]:
    """File names (bytes) of hostile pieces: invalid UTF-8, newlines, leading dashes, control
    characters, escape sequences, formula prefixes; each ends in an article suffix, all distinct."""
    names: set[bytes] = set()
    while len(names) < n:
        name = b"".join(rng.choice(NAME_PIECES) for _ in range(rng.randint(1, 4)))
        names.add(name + rng.choice((b".txt", b".md", b".html")))
    return sorted(names)


def test_hostile_file_names_never_crash_split_an_error_line_or_reach_the_terminal_raw(tmp_path, monkeypatch, capsys):
    import json
    import os

    monkeypatch.setattr(pipeline_module, "Pipeline", ReutersFlaggingPipeline)
    rng = random.Random(SEED + 24)
    for folder_number in range(HOSTILE_FOLDERS):
        folder = tmp_path / f"names{folder_number}"
        folder.mkdir()
        names = hostile_names(rng, HOSTILE_NAMES_PER_FOLDER)
        for name in names:
            fd = os.open(os.fsencode(folder) + b"/" + name, os.O_WRONLY | os.O_CREAT, 0o644)
            content = rng.choice((SEED_TEXTS[0][:600], SEED_TEXTS[1][:600], "", "As reports Reuters, the talks ended."))
            os.write(fd, content.encode("utf-8"))
            os.close(fd)
        where = f"folder {folder_number}: {names!r}"
        out = tmp_path / f"names{folder_number}.json"
        code, stdout, stderr = run_main(monkeypatch, capsys, "check", str(folder), "--no-rewrite", "--no-languagetool", "--quiet",
                                        "-f", "json", "-o", str(out))
        assert code in (0, 1, 2), where
        assert "Traceback" not in stderr and "internal error" not in stderr, (where, stderr)
        lines = stderr.splitlines()
        assert all(line.startswith("mtcheck: error: ") for line in lines), (where, stderr)  # one line per error
        assert not _RAW_CONTROL.search(stderr), (where, stderr)
        report = json.loads(out.read_text(encoding="utf-8"))
        assert len(report["documents"]) + len(report["errors"]) == len(names), where  # every file is reported
        assert len(lines) == len(report["errors"]), where
        assert (code == 2) == bool(report["errors"]), where

        code, stdout, stderr = run_main(monkeypatch, capsys, "check", str(folder), "--no-rewrite", "--no-languagetool", "--quiet",
                                        "-f", "text")
        assert code in (0, 1, 2) and "Traceback" not in stderr, where
        assert not _RAW_CONTROL.search(stdout), (where, stdout)  # nothing but newlines reaches the terminal raw
        assert not _RAW_CONTROL.search(stderr), (where, stderr)


# --------------------------------------------------------------------------- hostile JSON-lines fields (issue 24)

FEED_FIELDS = ("id", "source", "url", "date", "text")


def _hostile_value(rng: random.Random) -> str:
    """A JSON value as text: lone surrogate escapes, deep nesting, control characters, formula
    prefixes, wrong types, pairs and BOMs that are fine."""
    kind = rng.randrange(9)
    if kind == 0:
        return '"' + rng.choice(("\\ud800", "\\udfff", "x\\udc80y", "\\ud83d", "\\ude00\\ud83d")) + '"'
    if kind == 1:
        depth = rng.choice((5, 500, 5000, 200_000))
        return "[" * depth + "]" * depth
    if kind == 2:
        return json_string("".join(chr(rng.choice((*range(0, 32), 127, 0x85, 0x9b))) for _ in range(rng.randint(1, 20))))
    if kind == 3:
        return json_string(rng.choice(FORMULA_STARTS) + rng.choice(WORDS) + rng.choice(("", "(A1)", '"&A1', "|' /C calc'!A0")))
    if kind == 4:
        return rng.choice(("1", "-2.5", "true", "null", "[]", "{}", '["a"]', '{"x": 1}'))
    if kind == 5:
        return '"\\ud83d\\ude00 ' + rng.choice(WORDS) + '"'  # a surrogate pair: an emoji, which is text
    if kind == 6:
        return json_string("\ufeff" + rng.choice(SEED_TEXTS)[:300])
    if kind == 7:
        return json_string("\x1b[2J\x1b]0;pwned\x07" + rng.choice(SEED_TEXTS)[:300])
    return json_string(_random_text(rng, rng.randint(0, 60)))


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\r\n", "=HYPERLINK(")


def json_string(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=rng_ascii(text))


def rng_ascii(text: str) -> bool:
    return len(text) % 2 == 0  # both spellings of the same string: escaped and raw UTF-8


def hostile_feed_line(rng: random.Random, number: int) -> str:
    fields = {"id": f'"h{number}"', "text": json_string(rng.choice(SEED_TEXTS)[:400])}
    for key in rng.sample(FEED_FIELDS, rng.randint(1, 3)):
        fields[key] = _hostile_value(rng)
    return "{" + ", ".join(f'"{k}": {v}' for k, v in fields.items()) + "}"


HOSTILE_FEEDS = 160


def test_hostile_feed_fields_are_refused_with_their_line_or_audited_into_safe_outputs(tmp_path):
    import csv
    import json

    from mtcheck.audit.shards import ShardStore, new_manifest
    from mtcheck.audit.sources import assign_shards, scan_source
    from mtcheck.audit.summary import summarise, write_summary
    from mtcheck.audit.worker import AuditWorker, WorkerConfig
    from mtcheck.config import Settings
    from mtcheck.csvfile import FORMULA_PREFIXES
    from mtcheck.pipeline import CheckOptions
    from test_audit_helpers import FAKE

    rng = random.Random(SEED + 2024)
    worker = AuditWorker(WorkerConfig(Settings(), CheckOptions(rewrite=False, languagetool=False, keep_going=True), factory=FAKE),
                         warm_up=False)
    outcomes = {"refused": 0, "audited": 0}
    for number in range(HOSTILE_FEEDS):
        feed = tmp_path / f"feed{number}.jsonl"
        lines = ['{"id": "good-a", "text": "As reports Reuters, the talks ended. The sides will meet again."}',
                 hostile_feed_line(rng, number), '{"id": "good-b", "text": "Officials declined to comment."}']
        feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
        where = f"feed {number}: {lines[1][:300]!r}"
        try:
            index = scan_source(feed)
        except InputError as err:
            message = str(err)
            assert "\n" not in message and f"feed{number}.jsonl:2: " in message, (where, message)
            outcomes["refused"] += 1
            continue
        except Exception as err:  # a traceback the user would see
            raise AssertionError(f"{where}: {type(err).__name__}: {err}") from err
        outcomes["audited"] += 1
        refs = assign_shards(index.refs, 10)
        records = [record for _, record in worker.check(refs)]
        assert [r["id"] for r in records] == [r.id for r in refs], where
        out = tmp_path / f"out{number}"
        store = ShardStore(out)
        store.open(new_manifest(index, sample=None, shard_size=10, articles=len(refs), shards=1, settings={}, signature="fuzz"))
        store.commit(0, records)  # UTF-8 on disk: no lone surrogate may have slipped through
        write_summary(summarise(store.records()), store.manifest, out)
        for name in ("summary.csv", "top.csv", "errors.csv"):
            with open(out / name, newline="", encoding="utf-8") as handle:
                for row in csv.reader(handle):
                    assert not any(cell.startswith(FORMULA_PREFIXES) for cell in row), (where, name, row)
        assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["signature"] == "fuzz"
    assert outcomes["refused"] > 20 and outcomes["audited"] > 20, outcomes  # both outcomes are exercised
