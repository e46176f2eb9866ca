"""The VoID/DCAT description of the built dataset: size, classes, distributions, sources."""

from __future__ import annotations

from collections import Counter

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

from .namespaces import DCAT, DCTERMS, GWR, ID_BASE, RDF, VOID, bind_prefixes

DATASET = URIRef(f"{ID_BASE}dataset")


def describe_dataset(graph: Graph, distributions: dict[str, tuple[str, int]], version: str) -> Graph:
    """A graph describing `graph` as a void:Dataset / dcat:Dataset.

    `distributions` maps a file name to (media type, size in bytes). Sizes of the
    description itself are not included (it cannot contain its own size).
    """
    d = Graph()
    bind_prefixes(d)
    d.add((DATASET, RDF.type, VOID.Dataset))
    d.add((DATASET, RDF.type, DCAT.Dataset))
    d.add((DATASET, DCTERMS.title, Literal("Government Work Report knowledge graph", lang="en")))
    d.add((DATASET, DCTERMS.hasVersion, Literal(version)))
    d.add((DATASET, VOID.triples, Literal(len(graph), datatype=XSD.integer)))
    d.add((DATASET, VOID.distinctSubjects, Literal(len(set(graph.subjects())), datatype=XSD.integer)))
    d.add((DATASET, VOID.uriSpace, Literal(ID_BASE)))
    d.add((DATASET, VOID.vocabulary, URIRef("https://w3id.org/gwr/ontology#")))
    for report in sorted(graph.subjects(RDF.type, GWR.Report)):
        d.add((DATASET, DCTERMS.source, report))
        for p in (DCTERMS.title, DCTERMS.issued, DCAT.landingPage, GWR.sha256):
            for o in graph.objects(report, p):
                d.add((report, p, o))
    classes = Counter(o for o in graph.objects(None, RDF.type) if str(o).startswith(str(GWR)))
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
