"""Named evaluation slices of the development data, fixed before the work they judge.

A slice is chosen by a salted hash of each document's id, never by looking at rows, so its
definition can be written down (here, and in docs/evaluation-slices.md) before anything is tuned,
and nobody can drift it towards rows that happen to look good. Each selected document is one MT
system's output, the system also drawn from the hash, so a slice mixes systems the way an
editor's inbox does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from mtcheck.errors import InputError


@dataclass(frozen=True)
class DocumentSlice:
    name: str
    data_file: str            # the development file it is defined on
    salt: str                 # part of the hash, so another slice with the same modulus picks other documents
    modulus: int              # a document is in the slice when hash % modulus == 0
    systems: tuple[str, ...]  # the document's system: systems[(hash // modulus) % len(systems)]
    flagged_limit: int        # report on the first this many flagged sentences, in file order
    defined: str              # the date the definition was committed, before any output of it was seen
    purpose: str
    excluding: tuple[str, ...] = ()  # earlier slices whose documents this one never takes (already looked at)
    skip_prefixes: tuple[str, ...] = ()  # documents whose id starts so are not news copy (never taken)

    def _hash(self, doc_id: str) -> int:
        return int.from_bytes(hashlib.sha256(f"{self.salt}:{doc_id}".encode()).digest()[:8], "big")

    def system_for(self, doc_id: str) -> str | None:
        """The system whose output of ``doc_id`` is in the slice, or None when the document is not."""
        h = self._hash(doc_id)
        if h % self.modulus or doc_id.startswith(self.skip_prefixes) or any(
                SLICES[name].system_for(doc_id) is not None for name in self.excluding):
            return None
        # A file of one system's output (MLQE-PE) names no systems: "" stands for whatever it has.
        return self.systems[(h // self.modulus) % len(self.systems)] if self.systems else ""

    def select(self, rows: Iterable[dict]) -> list[dict]:
        def wanted(row: dict) -> bool:
            system = self.system_for(str(row.get("doc_id")))
            return system is not None and (not self.systems or system == row.get("system"))

        return [r for r in rows if wanted(r)]


# Every WMT22 system except ALMAnaCH-Inria, the one system every earlier rewrite round tuned and
# judged on (rows 0+, 500+ and 880+ of its output).
_UNTUNED_SYSTEMS = ("HuaweiTSC", "JDExploreAcademy", "Lan-Bridge", "Online-A", "Online-B", "Online-G",
                    "Online-W", "Online-Y", "SRPOL")

# MLQE-PE's Russian Wikiquote documents are proverbs, not news copy.
_WIKIQUOTE = ("https://ru.wikiquote.org/",)


def _post_edit_slice(letter: str, modulus: int, purpose: str, excluding: tuple[str, ...] = ()) -> DocumentSlice:
    """A slice of MLQE-PE train's Reddit documents (one system, so no systems to draw)."""
    name = f"rewrite-fresh-2026-12{letter}"
    return DocumentSlice(name=name, data_file="mlqepe_ruen_train.jsonl", salt=f"mtcheck-{name}", modulus=modulus,
                         systems=(), flagged_limit=150, defined="2026-12-06", purpose=f"issue #25: {purpose}",
                         excluding=excluding, skip_prefixes=_WIKIQUOTE)


SLICES = {s.name: s for s in (
    DocumentSlice(
        name="rewrite-heldout-2026-12",
        data_file="wmt22_ruen_news.jsonl",
        salt="mtcheck-rewrite-heldout-2026-12",
        modulus=4,
        systems=_UNTUNED_SYSTEMS,
        flagged_limit=200,
        defined="2026-12-06",
        purpose="issue #25: the untouched rows the edit-level rewriter is judged on once, at the end",
    ),
    DocumentSlice(
        name="rewrite-fresh-2026-12b",
        data_file="wmt22_ruen_news.jsonl",
        salt="mtcheck-rewrite-fresh-2026-12b",
        modulus=2,
        systems=_UNTUNED_SYSTEMS,
        flagged_limit=150,
        defined="2026-12-06",
        purpose="issue #25: the rows the source-checked rewriter is judged on once, with and without --source",
        excluding=("rewrite-heldout-2026-12",),
    ),
    DocumentSlice(
        name="rewrite-fresh-2026-12c",
        data_file="wmt22_ruen_news.jsonl",
        salt="mtcheck-rewrite-fresh-2026-12c",
        modulus=1,
        systems=_UNTUNED_SYSTEMS,
        flagged_limit=150,
        defined="2026-12-06",
        purpose="issue #25: the rows the rewriter with retrieved post-edit demonstrations is judged on once",
        excluding=("rewrite-heldout-2026-12", "rewrite-fresh-2026-12b"),
    ),
    DocumentSlice(
        name="rewrite-fresh-2026-12d",
        data_file="mlqepe_ruen_dev.jsonl",
        salt="mtcheck-rewrite-fresh-2026-12d",
        modulus=1,
        systems=(),
        flagged_limit=150,
        defined="2026-12-06",
        purpose="issue #25: fresh rows after every WMT22 document was looked at; judges the checks the 12c slice prompted",
        skip_prefixes=_WIKIQUOTE,
    ),
    _post_edit_slice("e", 4, "fresh rows after WMT22 and MLQE-PE dev were looked at; judges the relational-edit evidence"),
    _post_edit_slice("f", 3, "fresh rows after 12e was looked at; judges the change its meaning errors prompted",
                     excluding=("rewrite-fresh-2026-12e",)),
    _post_edit_slice("g", 2, "fresh rows after 12f was looked at; judges the change its meaning errors prompted",
                     excluding=("rewrite-fresh-2026-12e", "rewrite-fresh-2026-12f")),
    _post_edit_slice("h", 1, "the last Reddit documents no round has looked at; judges vote-free meaning evidence",
                     excluding=("rewrite-fresh-2026-12e", "rewrite-fresh-2026-12f", "rewrite-fresh-2026-12g")),
)}


def named_slice(name: str) -> DocumentSlice:
    try:
        return SLICES[name]
    except KeyError:
        raise InputError(f"unknown evaluation slice {name!r}", fix=f"one of: {', '.join(sorted(SLICES))}") from None
