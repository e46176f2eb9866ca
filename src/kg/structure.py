"""Derive a report's structure (parts, sections, paragraphs, footnotes) from its text.

The text is a PDF conversion: one paragraph is usually one line, but some lines are
broken mid-sentence and translator's footnotes sit inside paragraphs. The rules, in order:

- A part starts at a line headed by a Roman numeral ("II. Major Tasks in 2024").
- A section starts at a line headed by a number ("3. Promoting ..."); it ends at the next
  section or part, or at a salutation ("Fellow deputies"), after which paragraphs belong
  to the part again.
- A footnote starts at a line "N (Translator's note)" and takes in the following lines that
  continue its glossary ("4+5: ..."). When the paragraph it interrupts was left mid-sentence,
  text after the footnote's last sentence on the same line (a full stop followed by a
  lower-case word) goes back to that paragraph.
- A list item starts with ". " and is a paragraph of its own.
- Otherwise a line that does not end a sentence continues onto the next line.

Every passage is a span [start, end) of the text; a paragraph's text joins its lines with
spaces and leaves out footnotes inside it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

PART_RE = re.compile(r"^(I{1,3}|IV|V|VI{0,3})\. \S")
SECTION_RE = re.compile(r"^(\d{1,2})\. \S")
FOOTNOTE_RE = re.compile(r"^(\d{1,2}) \(Translator[’']s note\)")
FOOTNOTE_CONTINUATION_RE = re.compile(r"^\d\+\d: ")
FOOTNOTE_TAIL_RE = re.compile(r"[\"”]?\.\s+(?=[a-z])")
LIST_ITEM_RE = re.compile(r"^\. \S")
SALUTATION_RE = re.compile(r"^Fellow deputies\b")
SENTENCE_END = tuple(".!?:;”\"’)")
ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8}
# A sentence ends at . ! ? (and a closing quote) before a capital or a digit, but not in
# "15. 1" where the PDF conversion put a space inside a number.
SENTENCE_SPLIT_RE = re.compile(r"(?<![0-9]\.)(?<=[.!?])[”\"’]?\s+(?=[A-Z“\"0-9])|(?<=[0-9]\.)\s+(?=[A-Z“\"])")


@dataclass
class Passage:
    """A span of the source text with its place in the report's outline."""

    kind: str  # "part" | "section" | "paragraph" | "footnote"
    path: str  # "part-2/section-1/paragraph-3": unique within the report, stable
    ordinal: int
    start: int
    end: int
    segments: list[tuple[int, int]] = field(default_factory=list)
    parent: str | None = None
    title: str | None = None

    def text(self, source: str) -> str:
        """The passage's words with line breaks joined into spaces."""
        spans = self.segments or [(self.start, self.end)]
        joined = " ".join(source[a:b] for a, b in spans)
        return re.sub(r"\s+", " ", joined).strip()


def split_sentences(text: str) -> list[str]:
    """Split running text into sentences (used for headlines and section titles)."""
    return [s for s in SENTENCE_SPLIT_RE.split(text) if s]


def _lines(source: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for line in source.split("\n"):
        spans.append((pos, pos + len(line.rstrip("\r"))))
        pos += len(line) + 1
    return [(a, b) for a, b in spans if b > a and source[a:b].strip()]


class _Builder:
    def __init__(self, source: str) -> None:
        self.source = source
        self.passages: list[Passage] = []
        self.part: Passage | None = None
        self.section: Passage | None = None
        self.open_paragraph: Passage | None = None
        self.counters: dict[str, int] = {}

    def _next(self, parent: str | None, kind: str) -> int:
        key = f"{parent}|{kind}"
        self.counters[key] = self.counters.get(key, 0) + 1
        return self.counters[key]

    def _container(self) -> Passage | None:
        return self.section or self.part

    def _close_paragraph(self) -> None:
        self.open_paragraph = None

    def _extend(self, container: Passage | None, end: int) -> None:
        for p in (container, self.part):
            if p is not None and p.end < end:
                p.end = end

    def new_paragraph(self, start: int, end: int) -> Passage:
        container = self._container()
        parent = container.path if container else None
        n = self._next(parent, "paragraph")
        path = f"{parent}/paragraph-{n}" if parent else f"paragraph-{n}"
        p = Passage("paragraph", path, n, start, end, [(start, end)], parent)
        self.passages.append(p)
        self._extend(container, end)
        return p

    def add_to_paragraph(self, p: Passage, start: int, end: int) -> None:
        p.segments.append((start, end))
        p.end = end
        self._extend(self._container(), end)

    def run(self) -> list[Passage]:
        lines = _lines(self.source)
        i = 0
        while i < len(lines):
            a, b = lines[i]
            line = self.source[a:b]
            if m := PART_RE.match(line):
                n = ROMAN[m.group(1)]
                self.part = Passage("part", f"part-{n}", n, a, b, parent=None,
                                    title=line[len(m.group(1)) + 2:].strip())
                self.passages.append(self.part)
                self.section = None
                self._close_paragraph()
            elif m := FOOTNOTE_RE.match(line):
                i = self._footnote(lines, i, int(m.group(1)))
                continue
            elif (m := SECTION_RE.match(line)) and self.part is not None:
                n = int(m.group(1))
                body = line[len(m.group(1)) + 2:].strip()
                title = split_sentences(body)[0] if body else body
                self.section = Passage("section", f"{self.part.path}/section-{n}", n, a, b,
                                       parent=self.part.path, title=title)
                self.passages.append(self.section)
                self.open_paragraph = self.new_paragraph(a, b)
            elif LIST_ITEM_RE.match(line):
                self.new_paragraph(a, b)
                self._close_paragraph()
                i += 1
                continue
            else:
                if SALUTATION_RE.match(line):
                    self.section = None
                    self._close_paragraph()
                if self.open_paragraph is not None:
                    self.add_to_paragraph(self.open_paragraph, a, b)
                else:
                    self.open_paragraph = self.new_paragraph(a, b)
            if self.open_paragraph is not None and line.rstrip().endswith(SENTENCE_END):
                self._close_paragraph()
            i += 1
        return self.passages

    def _footnote(self, lines: list[tuple[int, int]], i: int, number: int) -> int:
        a, b = lines[i]
        end = b
        interrupted = self.open_paragraph
        tail: tuple[int, int] | None = None
        if interrupted is not None:
            text = self.source[a:b]
            tails = list(FOOTNOTE_TAIL_RE.finditer(text))
            if tails:
                m = tails[-1]
                end = a + m.start() + len(m.group(0).rstrip())
                tail = (a + m.end(), b)
        j = i + 1
        while tail is None and j < len(lines) and FOOTNOTE_CONTINUATION_RE.match(self.source[lines[j][0]:lines[j][1]]):
            end = lines[j][1]
            j += 1
        parent = self.part.path if self.part else None
        note = Passage("footnote", f"footnote-{number}", number, a, end, [(a, end)], parent)
        self.passages.append(note)
        self._extend(self._container(), end)
        if tail is not None and interrupted is not None:
            self.add_to_paragraph(interrupted, *tail)
            if self.source[tail[0]:tail[1]].rstrip().endswith(SENTENCE_END):
                self._close_paragraph()
        return j


def parse_structure(source: str) -> list[Passage]:
    """Return the passages of a report text in reading order (parents before children).

    Paths are relative to the report ("part-1/section-2/paragraph-3"); paragraphs before the
    first part are "paragraph-N", footnotes "footnote-N" by their marker.
    """
    return _Builder(source).run()
