"""Batching for the detect stage: prose sentences are checked a batch at a time (memory does not
grow with the input), a batch sees only its part of a paragraph cut between batches, and a signal
that waits on another process runs in a thread beside the others (:class:`Background`)."""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Sequence

from mtcheck.types import Block, Document, Sentence

# Prose sentences whose signals run together; an article of up to this many prose sentences is
# one batch. Batches are cut between paragraphs (blocks) when possible.
BATCH_SENTENCES = 256


def prose_batches(prose: Sequence[Sentence], size: int | None = None):
    """``(start, stop)`` of consecutive batches of at most ``size`` (``BATCH_SENTENCES``) sentences of ``prose``.

    A batch ends where a block (paragraph) ends, so each paragraph's sentences are checked
    together, unless one paragraph alone holds more than ``size`` sentences: then it is cut."""
    size = max(1, size or BATCH_SENTENCES)
    start, n = 0, len(prose)
    while start < n:
        stop = min(start + size, n)
        if stop < n and prose[stop].block == prose[stop - 1].block:
            cut = stop
            while cut > start and prose[cut - 1].block == prose[stop].block:
                cut -= 1
            if cut > start:
                stop = cut
        yield start, stop
        start = stop


def batch_document(document: Document | None, prose: Sequence[Sentence], start: int, stop: int) -> Document | None:
    """The document as the batch ``prose[start:stop]`` should see it: a paragraph the batch holds
    only part of (one cut by ``prose_batches``) is narrowed to the batch's sentences, so a huge
    paragraph is never sent whole to LanguageTool once per batch."""
    if document is None or not document.blocks or start >= stop:
        return document
    cut = set()
    if start > 0 and prose[start - 1].block == prose[start].block:
        cut.add(prose[start].block)
    if stop < len(prose) and prose[stop].block == prose[stop - 1].block:
        cut.add(prose[stop - 1].block)
    cut = {b for b in cut if 0 <= b < len(document.blocks)}
    if not cut:
        return document
    blocks = list(document.blocks)
    for b in cut:
        members = [s for s in prose[start:stop] if s.block == b]
        blocks[b] = _narrowed(blocks[b], min(s.start for s in members), max(s.end for s in members))
    return dataclasses.replace(document, blocks=tuple(blocks))


def _narrowed(block: Block, start: int, end: int) -> Block:
    """The part of ``block`` between document offsets ``start`` and ``end``, still mapped into the document."""
    import bisect

    def local(offset: int) -> int:
        if block.offsets is None:
            return min(max(offset - block.start, 0), len(block.text))
        return bisect.bisect_left(block.offsets, offset)

    a, b = local(start), local(end)
    return Block(
        text=block.text[a:b],
        start=block.source_offset(a),
        end=block.source_offset(b),
        offsets=None if block.offsets is None else tuple(block.offsets[a:b]),
        split=block.split,
    )


class Background:
    """``fn(*args)`` in a daemon thread (Ctrl-C and exit never wait for it); ``result()`` joins it."""

    def __init__(self, fn: Callable, *args: Any) -> None:
        import threading

        self._value: Any = None
        self._error: BaseException | None = None

        def work() -> None:
            try:
                self._value = fn(*args)
            except BaseException as err:  # handed to the caller by result()
                self._error = err

        self._thread = threading.Thread(target=work, name="mtcheck-signal", daemon=True)
        self._thread.start()

    def result(self) -> Any:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value
