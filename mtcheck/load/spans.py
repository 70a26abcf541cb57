"""Spans of source text shared by the readers: lines, stripped spans, and the characters a reader sees."""

from __future__ import annotations

import re

from mtcheck.types import Block


def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of every line, newline excluded."""
    spans, start = [], 0
    for match in re.finditer("\n", text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return spans


def _stripped(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


class _Chars:
    """Characters a reader sees, each with the span of source text it came from."""

    def __init__(self) -> None:
        self.chars: list[str] = []
        self.starts: list[int] = []
        self.ends: list[int] = []

    def add(self, ch: str, start: int, end: int) -> None:
        if ch.isspace():
            if not self.chars or self.chars[-1] == " ":
                return  # readers see one space for any run of white space
            ch = " "
        self.chars.append(ch)
        self.starts.append(start)
        self.ends.append(end)

    def take(self) -> Block | None:
        while self.chars and self.chars[-1] == " ":
            for column in (self.chars, self.starts, self.ends):
                column.pop()
        block = None
        if self.chars:
            block = Block(text="".join(self.chars), start=self.starts[0], end=self.ends[-1], offsets=tuple(self.starts))
        self.chars, self.starts, self.ends = [], [], []
        return block
