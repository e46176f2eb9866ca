"""Locate quotes in a report's text: whitespace may differ, nothing else may."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .structure import Passage

_WS = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Collapse every run of whitespace to one space and trim the ends."""
    return _WS.sub(" ", text).strip()


@dataclass(frozen=True)
class Located:
    """A quote found in the source: [start, end) are offsets in the original text."""

    start: int
    end: int
    exact: str  # the source's own characters, line breaks included


class SourceIndex:
    """The whitespace-normalised text of a source, mapped back to original offsets, with
    its passages for finding the innermost one that holds a span."""

    def __init__(self, text: str, passages: list[Passage]) -> None:
        self.text = text
        chars: list[str] = []
        self._offsets: list[int] = []
        in_space = True  # drops leading whitespace
        for i, ch in enumerate(text):
            if ch.isspace():
                if not in_space:
                    chars.append(" ")
                    self._offsets.append(i)
                in_space = True
            else:
                chars.append(ch)
                self._offsets.append(i)
                in_space = False
        self.flat = "".join(chars)
        # innermost first: smaller spans win
        self._passages = sorted(passages, key=lambda p: (p.end - p.start))

    def find(self, quote: str) -> Located | None:
        """The first occurrence of `quote` (whitespace-normalised), or None."""
        needle = normalise(quote)
        if not needle:
            return None
        k = self.flat.find(needle)
        if k < 0:
            return None
        start = self._offsets[k]
        end = self._offsets[k + len(needle) - 1] + 1
        return Located(start, end, self.text[start:end])

    def find_all(self, text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
        """Every occurrence of `text` (whitespace-normalised) that lies within [start, end)."""
        needle = normalise(text)
        end = len(self.text) if end is None else end
        found, k = [], self.flat.find(needle)
        while needle and k >= 0:
            a, b = self._offsets[k], self._offsets[k + len(needle) - 1] + 1
            if start <= a and b <= end:
                found.append((a, b))
            k = self.flat.find(needle, k + 1)
        return found

    def _no_gap_text(self, p: Passage, start: int, end: int) -> bool:
        """True when [start, end) crosses no text that is not the passage's own (a footnote
        sitting inside a paragraph)."""
        segments = p.segments or [(p.start, p.end)]
        for (_, b), (a, _) in zip(segments, segments[1:]):
            lo, hi = max(start, b), min(end, a)
            if lo < hi and self.text[lo:hi].strip():
                return False
        return True

    def passage_of(self, start: int, end: int) -> Passage | None:
        """The smallest passage whose segments hold [start, end)."""
        for p in self._passages:
            if p.start <= start and end <= p.end and self._no_gap_text(p, start, end):
                return p
        return None
