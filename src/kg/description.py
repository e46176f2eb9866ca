"""The VoID/DCAT description of the built dataset: size, classes, distributions, sources."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

from .namespaces import DCAT, DCTERMS, GWR, ID_BASE, RDF, VOID, bind_prefixes

DATASET = URIRef(f"{ID_BASE}dataset")


def describe_dataset(graph: Iterable, distributions: dict[str, tuple[str, int]], version: str) -> Graph:
    """A graph describing `graph` (an rdflib Graph or a set of triples) as a void:Dataset / dcat:Dataset.

    `distributions` maps a file name to (media type, size in bytes). Sizes of the
    description itself are not included (it cannot contain its own size).
    """
    d = Graph()
    bind_prefixes(d)
    d.add((DATASET, RDF.type, VOID.Dataset))
    d.add((DATASET, RDF.type, DCAT.Dataset))
    d.add((DATASET, DCTERMS.title, Literal("Government Work Report knowledge graph", lang="en")))
    d.add((DATASET, DCTERMS.hasVersion, Literal(version)))
    triples = graph if isinstance(graph, (set, frozenset)) else set(graph)
    d.add((DATASET, VOID.triples, Literal(len(triples), datatype=XSD.integer)))
    d.add((DATASET, VOID.distinctSubjects, Literal(len({s for s, _, _ in triples}), datatype=XSD.integer)))
    d.add((DATASET, VOID.uriSpace, Literal(ID_BASE)))
    d.add((DATASET, VOID.vocabulary, URIRef("https://w3id.org/gwr/ontology#")))
    reports = {s for s, p, o in triples if p == RDF.type and o == GWR.Report}
    for report in sorted(reports):
        d.add((DATASET, DCTERMS.source, report))
    described = (DCTERMS.title, DCTERMS.issued, DCAT.landingPage, GWR.sha256)
    for s, p, o in triples:
        if s in reports and p in described:
            d.add((s, p, o))
    classes = Counter(o for _, p, o in triples if p == RDF.type and str(o).startswith(str(GWR)))
    for cls, n in sorted(classes.items()):
        part = URIRef(f"{DATASET}/class/{cls.split('#')[-1]}")
        d.add((DATASET, VOID.classPartition, part))
        d.add((part, VOID["class"], cls))
        d.add((part, VOID.entities, Literal(n, datatype=XSD.integer)))
    for name, (media, size) in sorted(distributions.items()):
        dist = URIRef(f"{DATASET}/distribution/{name}")
        d.add((DATASET, DCAT.distribution, dist))
        d.add((dist, RDF.type, DCAT.Distribution))
        d.add((dist, DCAT.downloadURL, URIRef(name)))  # relative to the description
        d.add((dist, DCAT.mediaType, Literal(media)))
        d.add((dist, DCAT.byteSize, Literal(size, datatype=XSD.integer)))
        d.add((DATASET, VOID.dataDump, URIRef(name)))
    return d
