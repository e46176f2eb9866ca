"""Project the RDF graph onto a networkx graph: things as nodes, links as edges, literals as attributes.

    g = kg.build_graph().union()
    net = project(g)                     # entities, indicators, figures and commitments
    net.nodes["https://w3id.org/gwr/id/pudong-new-area"]["label"]   # 'Pudong New Area'

Nodes are keyed by IRI and carry `iri`, `kind` (entity, indicator, figure, commitment),
`class` (the most specific class of ours, as a local name: "District"), `classes` (all of
them), `label`, and one attribute per other property, named by the property's local name
(`value`, `statedForm`, `status` ...). Literal values stay literals (numbers as numbers);
a link to something that is not a node (a unit, a comparator, a project kind) becomes its
label. Quotes are not nodes: a node's `quote` lists the report's exact words it rests on,
`passage` the passages they fall in and `section` the sections of those passages, each as its
IRI without the base ("shanghai-2024/part-1/section-2").

Edges run from subject to object for every triple whose two ends are nodes (rdf:type
aside); the edge key is the property's prefixed name ("gwr:serves"), and the attributes
`property` (the same), `iri` and `label` ("serves"). Multi-valued attributes are tuples,
sorted; the writers of viz.py flatten them for GraphML and GEXF.
"""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx
from rdflib import Graph, Literal, URIRef

from .derive import superclasses
from .namespaces import DCTERMS, GWR, ID_BASE, OA, PREFIXES, PROV, RDF, RDFS, SHORTCUTS, SKOS

# What each kind of node is: the classes whose instances become nodes of that kind.
NODE_KINDS: dict[str, tuple[URIRef, ...]] = {
    "entity": (GWR.Entity,),
    "indicator": (GWR.Indicator,),
    "figure": (GWR.Figure, GWR.QualitativeTarget),
    "commitment": (GWR.Commitment,),
}

# Properties that are not copied as attributes: the type is `class`/`classes`, labels are
# `label`/`label_zh`, quotes and passages are gathered into `quote`/`passage`/`section`,
# `report` is the same on every node of a report's graph, and the build's shortcuts
# (kg.namespaces.SHORTCUTS) repeat the types and quotes and count the links.
_SKIP = {RDF.type, SKOS.prefLabel, GWR.hasQuote, PROV.wasDerivedFrom, GWR.evidence, GWR.report,
         GWR.passage} | SHORTCUTS
# Attribute names the projection sets itself; a property with the same local name is
# stored under its prefixed name instead ("dcterms:title" would not clash, "x:label" would).
_RESERVED = {"iri", "kind", "class", "classes", "label", "label_zh", "quote", "passage", "section"}


def qname(iri: str) -> str:
    """The prefixed name of `iri` with the project's prefixes ("gwr:serves"), else the IRI."""
    best = ""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(str(ns)) and len(str(ns)) > len(best):
            best, name = str(ns), f"{prefix}:{iri[len(str(ns)):]}"
    return name if best else iri


def local_name(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1] or iri


def label_of(graph: Graph, node, lang: str = "en") -> str | None:
    """The skos:prefLabel (else rdfs:label) of `node` in `lang`, else in no language, else None."""
    for prop in (SKOS.prefLabel, RDFS.label):
        labels = [o for o in graph.objects(node, prop) if isinstance(o, Literal)]
        for want in (lang, None):
            found = sorted(str(o) for o in labels if o.language == want)
            if found:
                return found[0]
    return None


def node_kinds(graph: Graph, kinds: Iterable[str] | None = None) -> dict[URIRef, str]:
    """Every node the projection makes, with its kind; KeyError for a kind not in NODE_KINDS."""
    chosen = list(NODE_KINDS) if kinds is None else list(kinds)
    out: dict[URIRef, str] = {}
    for kind in chosen:
        for cls in NODE_KINDS[kind]:
            for s in graph.subjects(RDF.type, cls):
                if isinstance(s, URIRef):
                    out.setdefault(s, kind)
    return out


def most_specific(types: set[URIRef], supers: dict[URIRef, set[URIRef]]) -> URIRef | None:
    """The type in `types` that no other one specialises (the first by IRI if several)."""
    leaves = [t for t in types if not any(t in supers.get(u, ()) for u in types if u != t)]
    return sorted(leaves)[0] if leaves else None


def passage_id(iri: str) -> str:
    """A passage's IRI without the base of our IRIs: "shanghai-2024/part-1/section-2/paragraph-3"
    (the report's slug keeps it unambiguous when the graph holds several reports)."""
    return iri[len(ID_BASE):] if iri.startswith(ID_BASE) else iri


def section_of(passage: str) -> str:
    """The section (or part) a passage id falls in:
    "shanghai-2024/part-1/section-2/paragraph-3" -> "shanghai-2024/part-1/section-2"."""
    parts = passage.split("/")
    for i, p in enumerate(parts):
        if p.startswith("part-"):
            end = i + 2 if i + 1 < len(parts) and parts[i + 1].startswith("section-") else i + 1
            return "/".join(parts[:end])
    return passage


def _value(lit: Literal):
    """A literal as a plain Python value a graph file can hold: number, bool or string."""
    v = lit.toPython()
    if isinstance(v, bool | int | float):
        return v
    if hasattr(v, "is_finite"):  # Decimal
        return float(v)
    return str(lit)


def _figure_label(graph: Graph, fig: URIRef) -> str:
    ind = graph.value(fig, GWR.indicator)
    name = label_of(graph, ind) if ind is not None else None
    period = graph.value(fig, GWR.period)
    stated = graph.value(fig, GWR.statedForm)
    head = " ".join(str(x) for x in (name or local_name(fig), period) if x is not None)
    return f"{head}: {stated}" if stated is not None else head


def project(graph: Graph, *, kinds: Iterable[str] | None = None,
            nodes: Iterable[URIRef | str] | None = None) -> nx.MultiDiGraph:
    """The networkx projection of `graph` (an rdflib Graph with types materialised).

    kinds: which kinds of node to make (keys of NODE_KINDS; default all of them).
    nodes: if given, only these IRIs (of the chosen kinds) become nodes.
    Returns a MultiDiGraph keyed by IRI strings; see the module docstring for attributes.
    Raises KeyError for an unknown kind.
    """
    members = node_kinds(graph, kinds)
    if nodes is not None:
        wanted = {URIRef(str(n)) for n in nodes}
        members = {n: k for n, k in members.items() if n in wanted}
    supers = superclasses(graph)
    net = nx.MultiDiGraph()
    for node in sorted(members):
        net.add_node(str(node), **_attributes(graph, node, members[node], supers, members))
    for node in sorted(members):
        for p, o in sorted(graph.predicate_objects(node)):
            if p == RDF.type or o not in members:
                continue
            key = qname(str(p))
            net.add_edge(str(node), str(o), key=key, property=key, iri=str(p),
                         label=label_of(graph, p) or local_name(str(p)))
    return net


def _attributes(graph: Graph, node: URIRef, kind: str, supers: dict, members: dict) -> dict:
    ours = {t for t in graph.objects(node, RDF.type) if isinstance(t, URIRef) and t.startswith(str(GWR))}
    top = most_specific(ours, supers)
    attrs: dict = {"iri": str(node), "kind": kind, "class": local_name(top) if top is not None else kind.title(),
                   "classes": tuple(sorted(local_name(t) for t in ours))}
    if kind == "figure":
        attrs["label"] = _figure_label(graph, node)
    elif kind == "commitment":
        attrs["label"] = str(graph.value(node, GWR.headline) or local_name(node))
    else:
        attrs["label"] = label_of(graph, node) or local_name(node)
    zh = [str(o) for o in graph.objects(node, SKOS.prefLabel) if isinstance(o, Literal) and o.language == "zh"]
    if zh:
        attrs["label_zh"] = sorted(zh)[0]

    quotes, passages = [], []
    for q in graph.objects(node, GWR.hasQuote):
        exact = graph.value(q, OA.exact)
        if exact is not None:
            quotes.append((int(graph.value(q, OA.start) or 0), str(exact)))
        for p in graph.objects(q, GWR.inPassage):
            passages.append(passage_id(str(p)))
    if quotes:
        attrs["quote"] = tuple(text for _, text in sorted(quotes))
    if passages:
        attrs["passage"] = tuple(sorted(set(passages)))
        attrs["section"] = tuple(sorted({section_of(p) for p in passages}))

    multi: dict[str, list] = {}
    for p, o in graph.predicate_objects(node):
        if p in _SKIP or o in members:
            continue
        name = local_name(str(p))
        if name in _RESERVED:
            name = qname(str(p))
        if isinstance(o, Literal):
            if o.language not in (None, "en"):
                continue
            multi.setdefault(name, []).append(_value(o))
        else:
            if p == GWR.inSection:  # a passage: its path, and the section's heading beside it
                multi.setdefault(name, []).append(passage_id(str(o)))
                title = graph.value(o, DCTERMS.title)
                if title is not None:
                    multi.setdefault("sectionTitle", []).append(str(title))
            else:
                multi.setdefault(name, []).append(label_of(graph, o) or qname(str(o)))
    for name, values in sorted(multi.items()):
        values = sorted(set(values), key=lambda v: (str(type(v)), v))
        attrs[name] = values[0] if len(values) == 1 else tuple(values)
    return attrs
