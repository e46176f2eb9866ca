"""The build's shortcuts, gwr:firstQuote, gwr:kind and gwr:degree: counted as the definitions say, equal to
what the queries computed before they were stored, and read right when reports share an
entity."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef, Variable

from kg.derive import add_degrees, add_first_quotes, add_kinds, superclasses
from kg.engines import open_engine
from kg.graph import ONTOLOGY_GRAPH
from kg.namespaces import GWR, ID, IND, OA, RDF, SKOS
from kg.queries import load_queries
from kg.stats import degrees

from conftest import ROOT

QUERIES = load_queries(ROOT / "queries")


def test_degree_counts_links_in_and_out_but_not_types_kinds_or_literals():
    g = Graph()
    a, b, passage, quote = ID["a"], ID["b"], ID["passage-1"], ID["quote-1"]
    g.add((a, RDF.type, GWR.Entity))
    g.add((a, RDF.type, GWR.District))
    g.add((a, GWR.kind, GWR.District))
    g.add((b, RDF.type, GWR.Entity))
    g.add((a, GWR.partOf, b))                       # a +1, b +1
    g.add((passage, GWR.mentions, a))               # a +1
    g.add((a, GWR.hasQuote, quote))                 # a +1
    g.add((a, SKOS.prefLabel, Literal("A", lang="en")))  # a literal: no link
    assert degrees(g) == {a: 3, b: 1}
    add_degrees(g)
    assert set(g.objects(a, GWR.degree)) == {Literal(3)} and set(g.objects(b, GWR.degree)) == {Literal(1)}


def test_kind_is_the_most_specific_class_of_ours(built):
    g = Graph()
    district, passage = ID["a-district"], ID["passage-1"]
    for cls in (GWR.District, GWR.Place, GWR.Entity, URIRef("https://schema.org/Place")):
        g.add((district, RDF.type, cls))
    for cls in (GWR.Paragraph, GWR.Passage):
        g.add((passage, RDF.type, cls))
    add_kinds(g, superclasses(built.ontology))
    assert set(g.objects(district, GWR.kind)) == {GWR.District}
    assert set(g.objects(passage, GWR.kind)) == set()  # passages and quotes have none


def test_first_quote_is_the_quote_that_starts_first(graph, source_text):
    g = Graph()
    thing, early, late, tied = ID["a"], ID["quote-10-20"], ID["quote-50-60"], ID["quote-10-30"]
    for q, start in ((early, 10), (late, 50), (tied, 10)):
        g.add((thing, GWR.hasQuote, q))
        g.add((q, OA.start, Literal(start)))
    add_first_quotes(g)
    assert set(g.objects(thing, GWR.firstQuote)) == {early, tied}
    # in the real graph: Pudong's first quote is the report's first mention of its name
    pudong = ID["pudong-new-area"]
    firsts = list(graph.objects(pudong, GWR.firstQuote))
    assert len(firsts) == 1
    start = int(graph.value(firsts[0], OA.start))
    assert start <= source_text.index("Pudong") < int(graph.value(firsts[0], OA.end))
    assert all(int(graph.value(q, OA.start)) >= start for q in graph.objects(pudong, GWR.hasQuote))


def test_an_indicators_first_quote_is_the_first_quote_of_its_figures(graph, source_text):
    g = Graph()
    indicator, early, late = IND["x"], ID["quote-40-50"], ID["quote-70-80"]
    for figure, q, start in ((ID["fig-a"], late, 70), (ID["fig-b"], early, 40)):
        g.add((figure, GWR.indicator, indicator))
        g.add((figure, GWR.hasQuote, q))
        g.add((q, OA.start, Literal(start)))
    add_first_quotes(g)
    assert set(g.objects(indicator, GWR.firstQuote)) == {early}
    # in the real graph: the 2023 result (report line 29) is stated before the 2024 target
    firsts = list(graph.objects(IND["elderly-care-beds-added"], GWR.firstQuote))
    assert [str(graph.value(q, OA.exact)) for q in firsts] == [
        "We added 5,510 elderly care beds and 41 community canteens for seniors."]
    assert int(graph.value(firsts[0], OA.start)) == source_text.index("We added 5,510 elderly care beds")


# The definitions as the stored queries computed them before the shortcuts were stored
# (SPARQL, evaluated by rdflib: an implementation independent of kg.derive).
_DEGREE_SPARQL = """
PREFIX gwr: <https://w3id.org/gwr/ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
SELECT ?entity (COUNT(*) AS ?degree) WHERE {
  ?entity a gwr:Entity .
  { ?entity ?p ?o . FILTER(isIRI(?o) && ?p NOT IN (rdf:type, gwr:kind, gwr:firstQuote)) }
  UNION { ?s ?p ?entity . FILTER(?p NOT IN (rdf:type, gwr:kind, gwr:firstQuote)) }
} GROUP BY ?entity"""
_KIND_SPARQL = """
PREFIX gwr: <https://w3id.org/gwr/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?thing ?kind WHERE {
  ?thing a ?kind .
  FILTER(STRSTARTS(STR(?kind), STR(gwr:)) && !STRSTARTS(STR(?thing), STR(gwr:)))
  FILTER NOT EXISTS { ?thing a gwr:Passage } FILTER NOT EXISTS { ?thing a gwr:Quote }
  FILTER NOT EXISTS { ?thing a ?sub . FILTER(?sub != ?kind) ?sub rdfs:subClassOf ?kind }
}"""


def test_stored_degrees_are_the_links_counted_by_sparql(graph):
    counted = {row.entity: int(row.degree) for row in graph.query(_DEGREE_SPARQL)}
    stored = {e: int(d) for e, d in graph.subject_objects(GWR.degree)}
    assert len(stored) == len(set(graph.subjects(RDF.type, GWR.Entity))) > 400
    assert stored == {e: counted.get(e, 0) for e in stored}
    assert stored[ID["shanghai"]] == max(stored.values())  # the report is Shanghai's


def test_stored_kinds_are_the_most_specific_types_found_by_sparql(graph):
    # of the things of the report: the ontology's own individuals (gwr:target, a
    # gwr:FigureRole) are in its graph, which the build does not derive
    found = {(row.thing, row.kind) for row in graph.query(_KIND_SPARQL)}
    stored = set(graph.subject_objects(GWR.kind))
    assert stored == found and len(stored) > 1000
    assert (ID["pudong-new-area"], GWR.District) in stored and (ID["shanghai"], GWR.Municipality) in stored


def _report(iri: str, triples) -> tuple[URIRef, Graph]:
    g = Graph(identifier=URIRef(iri))
    for t in triples:
        g.add(t)
    return URIRef(iri), g


@pytest.mark.parametrize("engine_spec", ["rdflib", "oxigraph"])
def test_an_entity_two_reports_share_ranks_by_its_report_with_most_links(engine_spec, built):
    shared, other = ID["shared-place"], ID["other-place"]

    def place(e, label, kind, degree):
        return [(e, RDF.type, GWR.Entity), (e, RDF.type, GWR.Place), (e, RDF.type, kind),
                (e, GWR.kind, kind), (e, SKOS.prefLabel, Literal(label, lang="en")),
                (e, GWR.degree, Literal(degree))]

    # report one calls it a place, report two a district: the union's kind is the district
    one = _report("https://w3id.org/gwr/id/report-one", place(shared, "Shared", GWR.Place, 5)
                  + place(other, "Other", GWR.Zone, 7))
    two = _report("https://w3id.org/gwr/id/report-two", place(shared, "Shared", GWR.District, 9))
    with open_engine(engine_spec) as engine:
        engine.load({ONTOLOGY_GRAPH: built.ontology, one[0]: one[1], two[0]: two[1]})
        result = engine.query(QUERIES["most-connected"].text)
        entity, kind, degree = (Variable(v) for v in ("entity", "kind", "degree"))
        rows = [(r[entity], r.get(kind), int(r[degree])) for r in result.bindings]
    assert rows == [(shared, GWR.District, 9), (other, GWR.Zone, 7)]
