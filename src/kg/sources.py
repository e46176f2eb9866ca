"""Find the project's inputs: the ontology, the shapes and each report's text and data."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef

from .errors import InputError
from .namespaces import GWR, ID_BASE, RDF
from .terms import parsed_term

# Oxigraph's parse errors begin "Parser error at line N between columns A and B:" (or
# "between line N column A and line M column B:"); the line and column are given as ours.
_POSITION_RE = re.compile(r"^Parser error (?:at|between) line \d+[^:]*:\s*")


@dataclass
class Report:
    """One report: its slug, description, text and curated data files."""

    slug: str
    iri: URIRef
    description: Graph
    text: str
    text_path: Path
    data_files: list[Path] = field(default_factory=list)
    curated: dict[Path, Graph] = field(default_factory=dict)

    @property
    def graph_iri(self) -> URIRef:
        """The named graph that holds this report's triples in a store."""
        return self.iri


@dataclass
class Inputs:
    """Everything `kg build` reads, parsed."""

    root: Path
    ontology: Graph
    shapes: Graph
    reports: list[Report]

    def file_of(self, subject) -> str | None:
        """The data file (relative to root) where a subject is typed, else where it occurs."""
        return self._subject_files.get(subject)

    @cached_property
    def _subject_files(self) -> dict:
        typed: dict = {}
        seen: dict = {}
        for report in self.reports:
            for path, g in sorted(report.curated.items()):
                rel = str(path.relative_to(self.root))
                for s, p, _ in g:
                    seen.setdefault(s, rel)
                    if p == RDF.type:
                        typed.setdefault(s, rel)
        return {**seen, **typed}


def default_root() -> Path:
    """The project folder: the current directory if it holds the data, else the checkout
    this package was installed from (editable installs)."""
    cwd = Path.cwd()
    if (cwd / "data").is_dir() and (cwd / "ontology").is_dir():
        return cwd
    here = Path(__file__).resolve().parents[2]
    if (here / "data").is_dir() and (here / "ontology").is_dir():
        return here
    raise InputError(f"{cwd}: no data/ and ontology/ here; run inside the project or pass --root")


def parse_turtle(path: Path, root: Path | None = None) -> Graph:
    """Parse one Turtle file; a syntax error becomes InputError 'FILE:LINE: message'.

    Oxigraph's parser reads it (in Rust, at a fraction of rdflib's time) and the terms become
    the ones rdflib's parser would make (kg.terms.parsed_term)."""
    shown = path.relative_to(root) if root and path.is_relative_to(root) else path
    try:
        data = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{shown}: cannot read: {e}") from None
    g = Graph()
    add = g.add
    try:
        parser = ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri())
        for t in parser:
            add((parsed_term(t.subject), parsed_term(t.predicate), parsed_term(t.object)))
        for prefix, namespace in parser.prefixes.items():  # as rdflib's parser binds them (messages use them)
            g.bind(prefix, namespace)
    except SyntaxError as e:
        message = _POSITION_RE.sub("", " ".join(str(e.msg).split()))
        column = f" (column {e.offset})" if e.offset else ""
        raise InputError(f"{shown}:{e.lineno or 1}: {message}{column}") from None
    return g


def _read_report(root: Path, desc_path: Path) -> Report:
    slug = desc_path.stem
    description = parse_turtle(desc_path, root)
    iri = URIRef(f"{ID_BASE}{slug}")
    if (iri, RDF.type, GWR.Report) not in description:
        raise InputError(f"{desc_path.relative_to(root)}:1: no gwr:Report <{iri}> described")
    text_name = description.value(iri, GWR.sourceText)
    text_path = desc_path.parent / str(text_name or f"{slug}.txt")
    try:
        raw = text_path.read_bytes()
    except OSError as e:
        raise InputError(f"{text_path.relative_to(root)}: cannot read: {e.strerror}") from None
    expected = description.value(iri, GWR.sha256)
    actual = hashlib.sha256(raw).hexdigest()
    if expected is not None and str(expected) != actual:
        raise InputError(f"{text_path.relative_to(root)}: sha256 is {actual}, the description says {expected}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"{text_path.relative_to(root)}: not UTF-8: {e}") from None
    data_dir = root / "data" / slug
    files = sorted(data_dir.glob("*.ttl")) if data_dir.is_dir() else []
    report = Report(slug, iri, description, text, text_path, files)
    description.add((iri, GWR.sha256, Literal(actual)))
    return report


@dataclass
class Vocabulary:
    """What every report shares: the project folder, the ontology, the shapes, and the
    description files of the reports (data/sources/*.ttl), not yet read."""

    root: Path
    ontology: Graph
    shapes: Graph
    descriptions: list[Path]


def load_vocabulary(root: Path | None = None) -> Vocabulary:
    """Read the ontology and shapes under `root` and list the reports, reading none of them.
    Raises InputError as load_inputs does."""
    root = (root or default_root()).resolve()
    onto_dir = root / "ontology"
    if not onto_dir.is_dir():
        raise InputError(f"{root}: no ontology/ folder")
    ontology, shapes = Graph(), Graph()
    for path in sorted(onto_dir.glob("*.ttl")):
        target = shapes if path.stem == "shapes" else ontology
        target += parse_turtle(path, root)
    sources = root / "data" / "sources"
    descriptions = sorted(sources.glob("*.ttl"))
    if not descriptions:
        shown = sources.relative_to(root) if sources.is_relative_to(root) else sources
        raise InputError(f"{shown}: no report described (*.ttl)")
    return Vocabulary(root, ontology, shapes, descriptions)


def load_inputs(root: Path | None = None) -> Inputs:
    """Read and parse the ontology, the shapes and every report under `root`.

    Raises InputError for a missing folder, a syntax error (file and line) or a source text
    whose sha256 does not match its description.
    """
    vocabulary = load_vocabulary(root)
    reports = [_read_report(vocabulary.root, p) for p in vocabulary.descriptions]
    for report in reports:
        for path in report.data_files:
            report.curated[path] = parse_turtle(path, vocabulary.root)
    return Inputs(vocabulary.root, vocabulary.ontology, vocabulary.shapes, reports)
