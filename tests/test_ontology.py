"""The ontology: one owl:Ontology with its metadata; every term labelled and defined; every
class of ours targeted by a shape."""

from __future__ import annotations

from pathlib import Path

from rdflib import Literal, URIRef

from kg.namespaces import DCTERMS, GWR, OWL, RDF, RDFS, SH, SKOS, VANN
from kg.sources import parse_turtle

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY = parse_turtle(ROOT / "ontology" / "gwr.ttl") + parse_turtle(ROOT / "ontology" / "vocabulary.ttl")
SHAPES = parse_turtle(ROOT / "ontology" / "shapes.ttl")
TERM_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)


def _ours(kind) -> list[URIRef]:
    return sorted(s for s in ONTOLOGY.subjects(RDF.type, kind) if str(s).startswith(str(GWR)))


def test_exactly_one_ontology_with_metadata():
    onts = list(ONTOLOGY.subjects(RDF.type, OWL.Ontology))
    assert len(onts) == 1
    o = onts[0]
    for p in (DCTERMS.title, DCTERMS.description, OWL.versionIRI, OWL.versionInfo, DCTERMS.license,
              VANN.preferredNamespacePrefix, VANN.preferredNamespaceUri, DCTERMS.creator, DCTERMS.created):
        assert ONTOLOGY.value(o, p) is not None, f"ontology lacks {p}"
    assert str(ONTOLOGY.value(o, VANN.preferredNamespaceUri)) == str(GWR)


def _langs(term, prop) -> set[str]:
    return {o.language for o in ONTOLOGY.objects(term, prop) if isinstance(o, Literal)}


def test_every_term_labelled_in_english_and_chinese_and_defined():
    terms = [t for kind in TERM_TYPES for t in _ours(kind)]
    assert len(terms) > 60
    for t in terms:
        assert {"en", "zh"} <= _langs(t, RDFS.label), f"{t} lacks an en or zh label"
        assert ONTOLOGY.value(t, SKOS.definition) is not None, f"{t} has no definition"


def test_every_class_of_ours_is_targeted_by_a_shape():
    targeted = set(SHAPES.objects(None, SH.targetClass))
    untargeted = [c for c in _ours(OWL.Class) if c not in targeted]
    assert not untargeted, f"classes without a shape: {untargeted}"


def test_reused_vocabularies():
    supers = set(ONTOLOGY.objects(None, RDFS.subClassOf))
    for ns in ("http://www.w3.org/ns/prov#", "http://www.w3.org/ns/oa#", "http://www.w3.org/2004/02/skos/core#",
               "http://www.w3.org/ns/org#", "https://schema.org/"):
        assert any(str(s).startswith(ns) for s in supers), f"nothing reuses {ns}"
