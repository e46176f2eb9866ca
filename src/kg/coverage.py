"""The coverage audit: every number the report states, and whether a figure covers it.

A numeric mention is a run of digits ("4.72", "24,000", "15. 1") or a number word ("Seven",
"five", "ten"). It is covered when it lies inside the stated form of a figure, located in the
figure's own quote. Mentions that are not quantities are excluded by these rules, checked in
order (the first that applies is reported):

- date:      an ISO date, or a bare year 1900-2099 ("in 2035", "Paris 2024").
- ordinal:   digits with st/nd/rd/th ("20th", "6th", "14th Five-Year Plan").
- list:      a section number at the start of a line ("3. Promoting ...") or a footnote
             marker: the digit of a "N (Translator's note)" line, or a digit glued to the end
             of a word or closing quote ("solidify”1", "lists2").
- name:      digits glued to letters ("C919", "5G", "S3", "CO2", "G60", "4CC"); a number after
             a naming word ("Line 13", "Phase 2", "Formula 1", "Category I", "Covid- 19"); digits
             joined by "+" ("(2+2)+(3+6)+(4+5)"); an identifier of five or more digits written
             without thousands separators ("12345 hotline"); a capitalised number word inside a
             sentence ("Five Centers", "Double Five", "One Service"); a number word inside
             “quotation marks” ("“one rule, two lists”").
- unit:      the denominator of a rate ("per 10,000 people", "per thousand people").
- compound:  a number joined by a hyphen to a word ("15-minute", "three-year", "one-stop",
             "two-way"): an adjective of a kind, not a quantity.
- pronoun:   "one" used as a pronoun or determiner ("one of", "every one", "no one").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rdflib import Graph

from .namespaces import GWR, OA, RDF
from .provenance import SourceIndex, normalise
from .sources import Report

NUMBER_WORDS = ("one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
                "fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy "
                "eighty ninety hundred thousand").split()
_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\s\d+(?=\s?(?:%|[a-z]))|\d+(?:\.\d+)?"
MENTION_RE = re.compile(rf"(?<![\w.])(?:{_DIGITS})(?![\d])|\b(?:{'|'.join(NUMBER_WORDS)})\b", re.I)
NAMING_WORDS = re.compile(r"(?:Line|Phase|Formula|Category|No\.|Covid-|Covid)\s?$")


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    token: str
    excluded: str | None = None  # the rule that excludes it, or None

    def context(self, text: str, width: int = 50) -> str:
        a, b = max(0, self.start - width), min(len(text), self.end + width)
        return normalise(text[a:self.start] + "[" + text[self.start:self.end] + "]" + text[self.end:b])


def _line_bounds(text: str, pos: int) -> tuple[int, int]:
    a = text.rfind("\n", 0, pos) + 1
    b = text.find("\n", pos)
    return a, (len(text) if b < 0 else b)


def _inside_curly_quotes(text: str, start: int) -> bool:
    a, _ = _line_bounds(text, start)
    before = text[a:start]
    return before.count("“") > before.count("”")


def exclusion(text: str, start: int, end: int) -> str | None:
    """The rule that makes the mention at [start, end) not a quantity, or None."""
    token = text[start:end]
    before, after = text[max(0, start - 12):start], text[end:end + 12]
    line_start, _ = _line_bounds(text, start)
    is_word = token[0].isalpha()
    if not is_word:
        if re.match(r"-\d{2}-\d{2}", after) or re.search(r"\d{4}-(\d{2}-)?$", before):
            return "date"
        if re.fullmatch(r"(19|20)\d{2}", token):
            return "date"
        if re.match(r"(st|nd|rd|th)\b", after):
            return "ordinal"
        if start == line_start and (re.match(r"\.\s", after) or re.match(r"\s\(Translator", after)):
            return "list"
        if before and (before[-1].isalpha() or before[-1] in "”\"’") and not re.match(r"[\w]", after):
            return "list" if len(token) == 1 else "name"
        if (before and before[-1].isalpha()) or re.match(r"[A-Za-z]", after):
            return "name"
        if NAMING_WORDS.search(before):
            return "name"
        if "+" in before[-1:] or after[:1] == "+":
            return "name"
        if re.fullmatch(r"\d{5,}", token):
            return "name"
        if re.search(r"[A-Za-z]\s[A-Z][A-Za-z]*\s$", before) and re.match(r"\s[A-Z]", after):
            return "name"
        if _inside_curly_quotes(text, start) and re.match(r"\s[A-Z]", after):
            return "name"
    else:
        sentence_start = re.search(r"(^|[.!?:;]\s+|^\.\s|\n)$", text[max(0, start - 3):start]) is not None \
            or start == line_start
        if token[0].isupper() and not sentence_start:
            return "name"
        if _inside_curly_quotes(text, start):
            return "name"
        if token.lower() == "one" and (re.match(r"\s+of\b", after) or re.search(r"\b(every|no|any)\s+$", before, re.I)):
            return "pronoun"
    if re.search(r"\bper\s$", before):
        return "unit"
    if after[:1] == "-" and after[1:2].isalpha():
        return "compound"
    return None


def numeric_mentions(text: str) -> list[Mention]:
    """Every digit run and number word of `text`, each with its exclusion rule (or None)."""
    return [Mention(m.start(), m.end(), m.group(0), exclusion(text, m.start(), m.end()))
            for m in MENTION_RE.finditer(text)]


def covered_spans(graph: Graph, report: Report) -> list[tuple[int, int, str]]:
    """The source spans of every figure's stated form inside its own quote, with the figure."""
    index = SourceIndex(report.text, [])
    spans = []
    for cls in (GWR.Figure, GWR.QualitativeTarget):
        for fig in graph.subjects(RDF.type, cls):
            if graph.value(fig, GWR.report) != report.iri:
                continue
            form = graph.value(fig, GWR.statedForm)
            if form is None:
                continue
            for q in graph.objects(fig, GWR.hasQuote):
                q_start, q_end = int(graph.value(q, OA.start)), int(graph.value(q, OA.end))
                for a, b in index.find_all(str(form), q_start, q_end):
                    spans.append((a, b, str(fig)))
    return sorted(spans)


@dataclass
class CoverageReport:
    report: Report
    mentions: list[Mention]
    covered: dict[Mention, list[str]]

    @property
    def counted(self) -> list[Mention]:
        return [m for m in self.mentions if m.excluded is None]

    @property
    def missing(self) -> list[Mention]:
        return [m for m in self.counted if m not in self.covered]

    def line(self) -> str:
        n, total = len(self.counted) - len(self.missing), len(self.counted)
        share = 100.0 * n / total if total else 100.0
        return f"{self.report.slug}: covered {n}/{total} ({share:.1f}%)"


def coverage(graph: Graph, report: Report) -> CoverageReport:
    """Audit one report: its numeric mentions and the figures whose stated form covers each."""
    mentions = numeric_mentions(report.text)
    spans = covered_spans(graph, report)
    covered: dict[Mention, list[str]] = {}
    for m in mentions:
        if m.excluded is not None:
            continue
        figs = [f for a, b, f in spans if a <= m.start and m.end <= b]
        if figs:
            covered[m] = figs
    return CoverageReport(report, mentions, covered)
