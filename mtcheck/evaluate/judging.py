"""The blind A/B judging of rewrites: the sheet ``mtcheck eval rewrite --judge-sheet`` writes, and
the un-blinding and counting behind ``mtcheck eval judge``.

chrF against one reference cannot tell a good fix from a bad one, so rewrite quality is judged
blind: for every evaluated sentence whose suggestion differs from the original, the sheet has the
two versions as ``A`` and ``B`` in a seeded random order, the human reference (for meaning only)
and the rubric; which letter is the suggestion goes to ``sheet.key.jsonl`` only. A judge (a
person, or a separate model session that sees only the sheet) answers one JSON line per pair::

    {"id": "...", "preferred": "A" | "B" | "tie", "meaning_error_A": false, "meaning_error_B": true,
     "publish_A": true, "publish_B": false, "note": "..."}

:func:`unblind` reads the sheet, the key and the answers back and counts how often the suggestion
was preferred, the tie rate, the meaning-error rates of suggestions and originals, and how many
sentences the suggestion **fixed**: the judge would publish the suggestion as it stands, not the
original, and the suggestion keeps the meaning (``publish_*`` are optional for answers written
before the question existed; without them nothing counts as fixed).
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path
from typing import Any, Sequence

from mtcheck.errors import InputError
from mtcheck.jsonl import json_lines

RUBRIC = (
    "A and B are two versions of one sentence from an English news article. The reference is an "
    "independent human translation of the same sentence; use it only to judge meaning. "
    "1) preferred: which reads better as English news copy: 'A', 'B' or 'tie'. "
    "2) meaning_error_A / meaning_error_B: true if that version changes, drops or adds a fact compared "
    "with the reference (a number, date, name, who said it, negation, certainty, who did what) in a way "
    "the other version does not; false otherwise. "
    "3) publish_A / publish_B: true if a sub-editor would publish that version as it stands in an "
    "English news story (no further edit needed), false otherwise."
)

ANSWER_FIELDS = ("id", "preferred", "meaning_error_A", "meaning_error_B", "publish_A", "publish_B", "note")
_PREFERRED = {"a": "A", "b": "B", "tie": "tie"}


def key_path_for(sheet: Path) -> Path:
    """``sheet.jsonl`` -> ``sheet.key.jsonl`` (any other name gets ``.key.jsonl`` appended)."""
    name = sheet.name
    stem = name[: -len(".jsonl")] if name.endswith(".jsonl") and len(name) > len(".jsonl") else name
    return sheet.with_name(stem + ".key.jsonl")


def assign_sides(count: int, seed: int) -> list[str]:
    """Which letter the suggestion gets on each of ``count`` lines: balanced (half A, half B; the odd
    one drawn) and shuffled by ``random.Random(seed)``, so the same run gives the same sheet."""
    rng = random.Random(seed)
    sides = ["A", "B"] * (count // 2) + ([rng.choice("AB")] if count % 2 else [])
    rng.shuffle(sides)
    return sides


def write_judge_sheet(sheet: Path, pairs: Sequence[dict[str, Any]], seed: int = 0) -> Path:
    """Write the blind sheet and its key (both atomically); return the key's path.

    ``pairs`` are dicts with ``id``, ``original``, ``suggestion``, ``reference`` and optionally
    ``generator`` (kept in the key only)."""
    from mtcheck.fsutil import atomic_write

    key = key_path_for(sheet)
    if key.resolve() == sheet.resolve():
        raise InputError(f"{sheet}: the judge sheet and its key would be the same file", fix="name the sheet *.jsonl")
    sheet_lines, key_lines = [], []
    for pair, side in zip(pairs, assign_sides(len(pairs), seed)):
        a, b = (pair["suggestion"], pair["original"]) if side == "A" else (pair["original"], pair["suggestion"])
        sheet_lines.append({"id": pair["id"], "reference": pair["reference"], "A": a, "B": b, "rubric": RUBRIC})
        key_lines.append({"id": pair["id"], "suggestion": side, "generator": pair.get("generator")})
    atomic_write(key, "".join(json.dumps(k, ensure_ascii=False) + "\n" for k in key_lines))
    atomic_write(sheet, "".join(json.dumps(s, ensure_ascii=False) + "\n" for s in sheet_lines))
    return key


def _ident(path: Path, n: int, row: dict) -> str:
    ident = row.get("id")
    if not isinstance(ident, str) or not ident:
        raise InputError(f"{path}:{n}: no string 'id'")
    return ident


def read_sheet(path: Path) -> dict[str, dict]:
    sheet: dict[str, dict] = {}
    for n, row in json_lines(path, "judge sheet"):
        ident = _ident(path, n, row)
        if not isinstance(row.get("A"), str) or not isinstance(row.get("B"), str):
            raise InputError(f"{path}:{n}: a sheet line needs string fields 'A' and 'B'")
        if ident in sheet:
            raise InputError(f"{path}:{n}: id {ident!r} appears twice")
        sheet[ident] = row
    if not sheet:
        raise InputError(f"{path}: the judge sheet has no pairs")
    return sheet


def read_key(path: Path, sheet: dict[str, dict]) -> dict[str, str]:
    key: dict[str, str] = {}
    for n, row in json_lines(path, "key"):
        ident = _ident(path, n, row)
        if row.get("suggestion") not in ("A", "B"):
            raise InputError(f"{path}:{n}: 'suggestion' must be \"A\" or \"B\"")
        if ident in key:
            raise InputError(f"{path}:{n}: id {ident!r} appears twice")
        key[ident] = row["suggestion"]
    if set(key) != set(sheet):
        missing = sorted(set(sheet) - set(key))
        extra = sorted(set(key) - set(sheet))
        detail = f"no key for {missing[0]!r}" if missing else f"{extra[0]!r} is not on the sheet"
        raise InputError(f"{path}: the key does not belong to this sheet ({detail})", fix="pass the sheet's own key with --key")
    return key


def read_answers(path: Path, sheet: dict[str, dict]) -> dict[str, dict]:
    answers: dict[str, dict] = {}
    for n, row in json_lines(path, "answers"):
        ident = _ident(path, n, row)
        if ident not in sheet:
            raise InputError(f"{path}:{n}: unknown id {ident!r} (not on the sheet)")
        if ident in answers:
            raise InputError(f"{path}:{n}: a second answer for {ident!r}")
        unknown = sorted(set(row) - set(ANSWER_FIELDS))
        if unknown:
            raise InputError(f"{path}:{n}: unknown field {unknown[0]!r} (expected: {', '.join(ANSWER_FIELDS)})")
        preferred = row.get("preferred")
        if not isinstance(preferred, str) or preferred.strip().lower() not in _PREFERRED:
            raise InputError(f"{path}:{n}: 'preferred' must be \"A\", \"B\" or \"tie\", not {preferred!r}")
        for field in ("meaning_error_A", "meaning_error_B"):
            if not isinstance(row.get(field), bool):
                raise InputError(f"{path}:{n}: {field!r} must be true or false, not {row.get(field)!r}")
        for field in ("publish_A", "publish_B"):
            if row.get(field) is not None and not isinstance(row.get(field), bool):
                raise InputError(f"{path}:{n}: {field!r} must be true or false, not {row.get(field)!r}")
        note = row.get("note")
        if note is not None and not isinstance(note, str):
            raise InputError(f"{path}:{n}: 'note' must be a string")
        answers[ident] = {"preferred": _PREFERRED[preferred.strip().lower()], "meaning_error_A": row["meaning_error_A"],
                          "meaning_error_B": row["meaning_error_B"], "publish_A": row.get("publish_A"),
                          "publish_B": row.get("publish_B"), "note": note or ""}
    missing = [ident for ident in sheet if ident not in answers]
    if missing:
        raise InputError(f"{path}: {len(missing)} of {len(sheet)} pairs have no answer (first: {missing[0]!r})")
    return answers


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float] | None:
    """95% Wilson score interval of a proportion."""
    if n == 0:
        return None
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4)


def sign_test(wins: int, losses: int) -> float | None:
    """Two-sided exact sign test p-value (ties left out)."""
    n = wins + losses
    if n == 0:
        return None
    tail = sum(math.comb(n, k) for k in range(min(wins, losses) + 1)) / 2 ** n
    return round(min(1.0, 2 * tail), 4)


def unblind(sheet: dict[str, dict], key: dict[str, str], answers: dict[str, dict],
            flagged: int | None = None) -> dict[str, Any]:
    """Per pair: the original, the suggestion, the verdict from the suggestion's side; and the counts.
    ``flagged`` (the flagged sentences the sheet's run evaluated, pairs or not) gives the fixed share
    of all flagged sentences beside the share of the pairs."""
    pairs = []
    for ident, row in sheet.items():
        side = key[ident]
        other = "B" if side == "A" else "A"
        answer = answers[ident]
        verdict = "tie" if answer["preferred"] == "tie" else ("suggestion" if answer["preferred"] == side else "original")
        pairs.append({"id": ident, "verdict": verdict, "original": row[other], "suggestion": row[side],
                      "reference": row.get("reference", ""), "suggestion_meaning_error": answer[f"meaning_error_{side}"],
                      "original_meaning_error": answer[f"meaning_error_{other}"],
                      "suggestion_publishable": answer.get(f"publish_{side}"),
                      "original_publishable": answer.get(f"publish_{other}"), "note": answer["note"]})
    for p in pairs:
        p["fixed"] = bool(p["suggestion_publishable"] is True and p["original_publishable"] is False
                          and not p["suggestion_meaning_error"])
    n = len(pairs)
    won = sum(p["verdict"] == "suggestion" for p in pairs)
    lost = sum(p["verdict"] == "original" for p in pairs)
    ties = n - won - lost
    s_err = sum(p["suggestion_meaning_error"] for p in pairs)
    o_err = sum(p["original_meaning_error"] for p in pairs)
    asked = sum(p["suggestion_publishable"] is not None for p in pairs)
    fixed = sum(p["fixed"] for p in pairs)
    return {
        "pairs": n, "suggestion_preferred": won, "original_preferred": lost, "ties": ties,
        "suggestion_preference_rate": round(won / (won + lost), 4) if won + lost else None,
        "suggestion_preference_ci95": wilson(won, won + lost), "sign_test_p": sign_test(won, lost),
        "tie_rate": round(ties / n, 4) if n else None,
        "suggestion_meaning_errors": s_err, "original_meaning_errors": o_err,
        "suggestion_meaning_error_rate": round(s_err / n, 4) if n else None,
        "original_meaning_error_rate": round(o_err / n, 4) if n else None,
        "publish_answered": asked, "fixed": fixed, "fixed_share_of_pairs": round(fixed / n, 4) if n and asked else None,
        "flagged": flagged, "fixed_share_of_flagged": round(fixed / flagged, 4) if flagged and asked else None,
        "details": pairs,
    }


def score_sheet(sheet: Path, answers: Path, key: Path, flagged: int | None = None) -> dict[str, Any]:
    """Read a judged sheet, its key and the judge's answers (each checked), and :func:`unblind` them."""
    rows = read_sheet(sheet)
    if not key.is_file():
        raise InputError(f"{key}: no such key file", fix="pass the sheet's key with --key")
    sides = read_key(key, rows)
    verdicts = read_answers(answers, rows)
    return unblind(rows, sides, verdicts, flagged)
