"""Assemble the knowledge graph: load the inputs, derive each report's graph, validate."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rdflib import Dataset, Graph, URIRef

from .derive import Problem, derive_report
from .namespaces import bind_prefixes
from .shacl import ShapesValidator
from .sources import Inputs, Vocabulary, _read_report, load_inputs, load_vocabulary, parse_turtle
from .validation import ValidationReport

ONTOLOGY_GRAPH = URIRef("https://w3id.org/gwr/ontology")


@dataclass
class KnowledgeGraph:
    """The built graph: one named graph for the ontology and one per report."""

    inputs: Inputs
    report_graphs: dict[URIRef, Graph]
    provenance_problems: list[Problem]

    @property
    def ontology(self) -> Graph:
        return self.inputs.ontology

    def union(self) -> Graph:
        """Ontology and every report in one graph (what is exported and queried)."""
        g = Graph()
        bind_prefixes(g)
        g += self.inputs.ontology
        for rg in self.report_graphs.values():
            g += rg
        return g

    def dataset(self) -> Dataset:
        """The same triples as named graphs: the ontology, then each report."""
        ds = Dataset()
        bind_prefixes(ds)
        ds.graph(ONTOLOGY_GRAPH).__iadd__(self.inputs.ontology)
        for iri, rg in sorted(self.report_graphs.items()):
            ds.graph(iri).__iadd__(rg)
        return ds

    def named_graphs(self) -> dict[URIRef, Graph]:
        """The ontology and each report as named graphs (what an engine loads), by IRI."""
        return {ONTOLOGY_GRAPH: self.inputs.ontology, **dict(sorted(self.report_graphs.items()))}

    def validate(self, union: Graph | None = None, *, validator: ShapesValidator | None = None) -> ValidationReport:
        """SHACL over each report's graph with the ontology, plus the problems found while deriving.

        Each report is validated on its own (its named graph and the ontology), so validation
        grows linearly with the number of reports and never needs the whole corpus in one
        rdflib graph. With one report this is exactly the union. A report's folder declares
        what its figures and entities point to (as indicators-shared.ttl does), since its
        graph must conform on its own; a constraint across reports (one label per language
        over two reports' descriptions of one entity) is not checked. `union` is accepted for
        callers of the earlier signature and not needed.
        """
        validator = validator or ShapesValidator(self.inputs.shapes)
        problems = list(self.provenance_problems)
        seen = set(problems)
        for _, rg in sorted(self.report_graphs.items()):
            for p in validate_report_graph(rg, self.inputs, validator):
                if p not in seen:
                    seen.add(p)
                    problems.append(p)
        return ValidationReport(problems)


def validate_report_graph(report_graph: Graph, inputs: Inputs, validator: ShapesValidator) -> list[Problem]:
    """The SHACL problems of one report's graph, validated with the ontology (not copied)."""
    return validator.problems([report_graph, inputs.ontology], inputs.file_of)


def build_graph(root: Path | None = None) -> KnowledgeGraph:
    """Load the project under `root` and derive every report's graph (no validation yet).

    Raises InputError for unreadable or malformed input.
    """
    inputs = load_inputs(root)
    graphs: dict[URIRef, Graph] = {}
    problems: list[Problem] = []
    for report in inputs.reports:
        g, p = derive_report(inputs, report, inputs.ontology)
        bind_prefixes(g)
        graphs[report.iri] = g
        problems += p
    return KnowledgeGraph(inputs, graphs, problems)


def derive_one(vocabulary: Vocabulary, description: Path) -> KnowledgeGraph:
    """One report, read and derived: a KnowledgeGraph of the ontology and that report."""
    root = vocabulary.root
    report = _read_report(root, description)
    for path in report.data_files:
        report.curated[path] = parse_turtle(path, root)
    inputs = Inputs(root, vocabulary.ontology, vocabulary.shapes, [report])
    g, problems = derive_report(inputs, report, vocabulary.ontology)
    bind_prefixes(g)
    return KnowledgeGraph(inputs, {report.iri: g}, problems)


def iter_reports(root: Path | None = None) -> Iterator[KnowledgeGraph]:
    """Each report of the project under `root` as a KnowledgeGraph of its own (the ontology
    and that report), read and derived only when the iteration reaches it, so that memory
    stays that of one report however many there are. Raises InputError as build_graph does.
    """
    vocabulary = load_vocabulary(root)
    for description in vocabulary.descriptions:
        yield derive_one(vocabulary, description)
