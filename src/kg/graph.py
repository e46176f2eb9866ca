"""Assemble the knowledge graph: load the inputs, derive each report's graph, validate."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import Dataset, Graph, URIRef

from .derive import Problem, derive_report
from .namespaces import bind_prefixes
from .sources import Inputs, load_inputs
from .validation import ValidationReport, shacl_problems

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

    def validate(self, union: Graph | None = None) -> ValidationReport:
        """SHACL over the whole graph plus the problems found while deriving."""
        data = union if union is not None else self.union()
        problems = list(self.provenance_problems)
        problems += shacl_problems(data, self.inputs.shapes, self.inputs.file_of)
        return ValidationReport(problems)


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
