"""Counts that summarise the graph: entities by class, figures by role and period, degree."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from rdflib import Graph, Literal, URIRef

from .namespaces import GWR, RDF, SHORTCUTS, SKOS

# The classes a summary lists, in the order a reader expects them.
SUMMARY_CLASSES = [
    "Report", "Part", "Section", "Paragraph", "Footnote", "Quote", "Entity",
    "Center", "Initiative", "Municipality", "District", "NewTown", "Zone", "Place",
    "Project", "Facility", "Policy", "MeasurePackage", "Plan", "Programme", "Campaign",
    "PilotScheme", "Organisation", "Event", "Industry", "IndustryGroup", "Product",
    "Indicator", "Figure", "AchievedFigure", "TargetFigure", "DescriptiveFigure", "QualitativeTarget",
    "Commitment", "BackgroundFact",
]


def class_counts(graph: Iterable) -> dict[str, int]:
    """Instances per class of ours (superclasses count their subclasses' instances), in a
    graph or a set of triples."""
    counts = Counter(o for _, p, o in graph if p == RDF.type)
    return {name: counts.get(GWR[name], 0) for name in SUMMARY_CLASSES}


def figures_by_role(graph: Iterable) -> dict[str, int]:
    """Figures per role (achieved, target, descriptive), in a graph or a set of triples."""
    out: Counter = Counter(str(o).split("#")[-1] for _, p, o in graph if p == GWR.role)
    return dict(sorted(out.items()))


def figures_by_role_and_period(graph: Graph) -> dict[tuple[str, str], int]:
    out: Counter = Counter()
    for fig, role in graph.subject_objects(GWR.role):
        period = graph.value(fig, GWR.period)
        out[(str(role).split("#")[-1], str(period))] += 1
    return dict(sorted(out.items()))


def label(graph: Graph, node) -> str:
    for lab in graph.objects(node, SKOS.prefLabel):
        if isinstance(lab, Literal) and lab.language == "en":
            return str(lab)
    return str(node)


# Not links of their own: rdf:type names a class, and the build's shortcuts repeat others.
LINK_EXCLUDED = frozenset({RDF.type}) | SHORTCUTS


def degrees(graph: Graph) -> Counter:
    """Each entity's links to and from other nodes: the statements whose object is an IRI,
    rdf:type and the shortcuts excepted, counted once for the subject and once for the object."""
    entities = set(graph.subjects(RDF.type, GWR.Entity))
    degree: Counter = Counter({e: 0 for e in entities})
    for s, p, o in graph:
        if p in LINK_EXCLUDED or not isinstance(o, URIRef):
            continue
        if s in entities:
            degree[s] += 1
        if o in entities:
            degree[o] += 1
    return degree


def top_degree(graph: Graph, n: int = 10) -> list[tuple[str, str, int]]:
    """The `n` entities with most links to and from other nodes (IRI, label, degree)."""
    ranked = sorted(((e, d) for e, d in degrees(graph).items() if d), key=lambda x: (-x[1], str(x[0])))
    return [(str(e), label(graph, e), d) for e, d in ranked[:n]]
