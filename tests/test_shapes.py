"""Every shape has a fixture that breaks it, and the test checks that this very shape fired."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from kg.namespaces import GWRSH, RDF, SH
from kg.sources import parse_turtle
from kg.validation import shacl_problems

FIXTURES = Path(__file__).parent / "fixtures" / "shapes"
ROOT = Path(__file__).resolve().parents[1]


def _shapes() -> Graph:
    return parse_turtle(ROOT / "ontology" / "shapes.ttl")


def _ontology() -> Graph:
    g = Graph()
    for p in sorted((ROOT / "ontology").glob("*.ttl")):
        if p.stem != "shapes":
            g += parse_turtle(p)
    return g


SHAPES = _shapes()
ONTOLOGY = _ontology()
NODE_SHAPES = sorted(str(s).split("#")[1] for s in SHAPES.subjects(RDF.type, SH.NodeShape)
                     if isinstance(s, URIRef) and str(s).startswith(str(GWRSH)))


def test_every_shape_has_a_fixture():
    missing = [name for name in NODE_SHAPES if not (FIXTURES / f"{name}.ttl").exists()]
    assert not missing, f"shapes without a breaking fixture: {missing}"


@pytest.mark.parametrize("name", NODE_SHAPES)
def test_fixture_breaks_its_shape(name):
    data = parse_turtle(FIXTURES / f"{name}.ttl") + ONTOLOGY
    problems = shacl_problems(data, SHAPES, lambda _: "fixture")
    fired = {p.shape for p in problems}
    assert f"gwrsh:{name}" in fired, f"gwrsh:{name} did not fire; fired: {sorted(fired)}"
    assert all(p.message for p in problems)


def test_every_constraint_has_a_message():
    # property shapes and node shapes with constraints of their own
    for prop in SHAPES.objects(None, SH.property):
        assert SHAPES.value(prop, SH.message) is not None, f"property shape on {SHAPES.value(prop, SH.path)} has no sh:message"
    for shape in SHAPES.subjects(RDF.type, SH.NodeShape):
        own = [p for p in (SH["or"], SH["not"], SH.pattern, SH.nodeKind) if SHAPES.value(shape, p) is not None]
        if own:
            assert SHAPES.value(shape, SH.message) is not None, f"{shape} has no sh:message"
    for c in SHAPES.objects(None, SH.sparql):
        assert SHAPES.value(c, SH.message) is not None
