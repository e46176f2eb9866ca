"""The namespaces of the project, in one place."""

from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, OWL, PROV, RDF, RDFS, SH, SKOS, XSD, VOID

GWR = Namespace("https://w3id.org/gwr/ontology#")
GWRSH = Namespace("https://w3id.org/gwr/shapes#")
ID = Namespace("https://w3id.org/gwr/id/")
IND = Namespace("https://w3id.org/gwr/id/indicator/")
BG = Namespace("https://w3id.org/gwr/id/background/")
OA = Namespace("http://www.w3.org/ns/oa#")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")
QUDT = Namespace("http://qudt.org/schema/qudt/")
UNIT = Namespace("http://qudt.org/vocab/unit/")
CUR = Namespace("http://qudt.org/vocab/currency/")
VANN = Namespace("http://purl.org/vocab/vann/")

ID_BASE = str(ID)

# The shortcuts the build stores so that queries need not compute them per row (kg.derive):
# gwr:kind repeats the types, gwr:firstQuote a quote, gwr:degree counts links. Degree counts,
# entity pages and drawings leave them out.
SHORTCUTS = frozenset({GWR.kind, GWR.firstQuote, GWR.degree})

PREFIXES: dict[str, Namespace] = {
    "gwr": GWR, "gwrsh": GWRSH, "id": ID, "ind": IND, "bg": BG, "oa": OA, "org": ORG,
    "schema": SCHEMA, "qudt": QUDT, "unit": UNIT, "cur": CUR, "vann": VANN,
    "skos": SKOS, "dcterms": DCTERMS, "prov": PROV, "rdf": RDF, "rdfs": RDFS, "owl": OWL,
    "xsd": XSD, "sh": SH, "dcat": DCAT, "void": VOID,
}


def report_namespace(slug: str) -> Namespace:
    """The namespace of one report's own things (passages, figures, commitments)."""
    return Namespace(f"{ID_BASE}{slug}/")


def bind_prefixes(graph) -> None:
    """Bind the project's prefixes on a graph, for readable serialisations."""
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True, replace=True)
