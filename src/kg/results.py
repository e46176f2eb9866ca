"""Query results for people and programs: an aligned table with labels, CSV, TSV, SPARQL JSON.

- table: for people. IRIs are shown by their label (English preferred) where they have one,
  else as a prefixed name; numbers with thousands separators; long texts wrapped, then cut.
- csv: the SPARQL 1.1 CSV results format (plain values, IRIs in full), for spreadsheets.
- tsv: the same plain values separated by tabs (not the SPARQL TSV format, whose N-Triples
  syntax spreadsheets do not read); tabs and line breaks inside values become spaces.
- json: the SPARQL 1.1 Query Results JSON format, for programs.

CONSTRUCT and DESCRIBE results are graphs: Turtle for table, N-Triples for csv/tsv, JSON-LD
for json. ASK results print true or false (json: the SPARQL JSON boolean form).
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.query import Result

from .namespaces import ID_BASE, PREFIXES, RDFS, SKOS, bind_prefixes

__all__ = ["FORMATS", "format_result", "graph_labeler", "cell_text", "short_iri", "table"]

# The one list of result formats: feeds `kg query --format` and its help.
FORMATS: dict[str, str] = {
    "table": "aligned columns for people: labels instead of IRIs, long texts wrapped",
    "csv": "SPARQL 1.1 CSV results, for spreadsheets",
    "tsv": "the same plain values, tab-separated",
    "json": "SPARQL 1.1 JSON results, for programs",
}

NUMERIC_TYPES = {XSD.decimal, XSD.integer, XSD.double, XSD.float, XSD.int, XSD.long,
                 XSD.nonNegativeInteger, XSD.positiveInteger}

Labeler = Callable[[URIRef], "str | None"]


def graph_labeler(graph: Graph) -> Labeler:
    """A function giving the label to show for an IRI: skos:prefLabel, then rdfs:label,
    English first, then any language; None when the IRI has neither."""
    rank: dict = {}
    for prop_rank, prop in enumerate((SKOS.prefLabel, RDFS.label)):
        for s, o in graph.subject_objects(prop):
            if not isinstance(o, Literal):
                continue
            lang_rank = 0 if o.language == "en" else 1 if o.language is None else 2
            key = (lang_rank, prop_rank, str(o))
            if s not in rank or key < rank[s]:
                rank[s] = key
    labels = {s: key[2] for s, key in rank.items()}
    return labels.get


def _number(lit: Literal) -> str:
    try:
        d = Decimal(str(lit))
    except InvalidOperation:
        return str(lit)
    if d == d.to_integral_value():
        return f"{int(d):,}"
    text = format(d.normalize(), "f")
    whole, _, frac = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    return f"{sign}{int(whole.lstrip('-') or 0):,}.{frac}"


def cell_text(term, labels: Labeler | None = None) -> str:
    """How a table shows one term."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        label = labels(term) if labels else None
        if label:
            return re.sub(r"\s+", " ", label).strip()
        return short_iri(term)
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        if term.datatype in NUMERIC_TYPES:
            return _number(term)
        text = re.sub(r"\s+", " ", str(term)).strip()
        return f"{text}@{term.language}" if term.language and term.language != "en" else text
    return str(term)


def short_iri(iri: URIRef) -> str:
    """An IRI as people read it: a prefixed name of the project's prefixes (gwr:Center,
    id:shanghai), a path under the id base (shanghai-2024/figure/gdp-growth-2024), else <iri>."""
    text = str(iri)
    best = max((ns for ns in PREFIXES.items() if text.startswith(str(ns[1]))), key=lambda ns: len(str(ns[1])),
               default=None)
    if best is not None:
        local = text[len(str(best[1])):]
        if local and re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]*", local) and not local.endswith("."):
            return f"{best[0]}:{local}"
        if text.startswith(ID_BASE) and local:
            return text[len(ID_BASE):]
    return f"<{text}>"


def _wrap(text: str, width: int, max_lines: int) -> list[str]:
    if len(text) <= width:
        return [text]
    lines = textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False) or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: width - 1].rstrip() + "…"
    return lines


def table(variables: list[str], rows: list[list], *, labels: Labeler | None = None,
          max_width: int = 40, max_lines: int = 3) -> str:
    """Rows of terms as aligned columns: a header, a rule, one line per row (more when a
    cell wraps) and the number of rows."""
    cells = [[cell_text(t, labels) for t in row] for row in rows]
    numeric = [all(t is None or (isinstance(t, Literal) and t.datatype in NUMERIC_TYPES) for t in col)
               and any(t is not None for t in col) for col in zip(*rows)] if rows else [False] * len(variables)
    widths = [min(max_width, max([len(v)] + [len(r[i]) for r in cells])) for i, v in enumerate(variables)]
    out = ["  ".join(v.ljust(w) for v, w in zip(variables, widths)).rstrip(),
           "  ".join("-" * w for w in widths)]
    for row in cells:
        wrapped = [_wrap(c, w, max_lines) for c, w in zip(row, widths)]
        for k in range(max(len(c) for c in wrapped) if wrapped else 1):
            parts = []
            for i, c in enumerate(wrapped):
                piece = c[k] if k < len(c) else ""
                parts.append(piece.rjust(widths[i]) if numeric[i] else piece.ljust(widths[i]))
            out.append("  ".join(parts).rstrip())
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out) + "\n"


def _plain(term) -> str:
    if term is None:
        return ""
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def format_result(result: Result, fmt: str, *, labels: Labeler | None = None, max_width: int = 40) -> str:
    """The result as text in one of FORMATS; `labels` (see graph_labeler) and `max_width`
    (the widest column before text wraps) only matter to tables."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    if result.type == "ASK":
        if fmt == "json":
            return json.dumps({"head": {}, "boolean": bool(result.askAnswer)}) + "\n"
        return ("true" if result.askAnswer else "false") + "\n"
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        g = result.graph
        bind_prefixes(g)
        rdf_format = {"table": "turtle", "csv": "nt", "tsv": "nt", "json": "json-ld"}[fmt]
        return g.serialize(format=rdf_format)
    variables = [str(v) for v in result.vars]
    rows = [[row.get(v) if hasattr(row, "get") else None for v in result.vars] for row in result.bindings]
    if fmt == "csv":
        return result.serialize(format="csv").decode("utf-8")
    if fmt == "json":
        return result.serialize(format="json").decode("utf-8") + "\n"
    if fmt == "tsv":
        clean = lambda t: re.sub(r"[\t\r\n]+", " ", _plain(t))  # noqa: E731
        return "".join("\t".join(line) + "\n" for line in
                       [variables] + [[clean(t) for t in row] for row in rows])
    return table(variables, rows, labels=labels, max_width=max_width)
