"""The compiled SHACL Core validator reports exactly what pyshacl reports: on every breaking
fixture, on the real graph broken in twenty ways, on SHACL Core constructs our shapes do not use
yet; and pyshacl does the work when the shapes need what the compiled validator lacks."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS, XSD

from conftest import ROOT, run_kg
from kg.namespaces import DCAT, GWR, ID, bind_prefixes
from kg.shacl import ShapesValidator
from kg.sources import parse_turtle
from kg.validation import shacl_problems

FIXTURES = Path(__file__).parent / "fixtures" / "shapes"
FILE_OF = lambda node: "fixture.ttl"  # noqa: E731


@pytest.fixture(scope="module")
def shapes(built) -> Graph:
    return built.inputs.shapes


@pytest.mark.parametrize("fixture", sorted(FIXTURES.glob("*.ttl")), ids=lambda p: p.stem)
def test_every_breaking_fixture_gives_pyshacls_problems(fixture, built, shapes):
    data = parse_turtle(fixture) + built.ontology
    validator = ShapesValidator(shapes)
    assert validator.engine == "core"
    expected = shacl_problems(data, shapes, FILE_OF)
    assert expected, "the fixture breaks its shape"
    assert validator.problems(data, FILE_OF) == expected


def _break_the_real_graph(report: Graph) -> tuple[Graph, list]:
    """A copy of the report's graph broken in twenty ways, and the subjects broken."""
    g = Graph()
    bind_prefixes(g)
    g += report
    achieved = sorted(g.subjects(RDF.type, GWR.AchievedFigure))
    districts = sorted(g.subjects(RDF.type, GWR.District))
    orgs = sorted(g.subjects(RDF.type, GWR.Organisation))
    plans = sorted(g.subjects(RDF.type, GWR.Plan))
    paragraphs = sorted(g.subjects(RDF.type, GWR.Paragraph))
    quotes = sorted(g.subjects(RDF.type, GWR.Quote))
    projects = sorted(g.subjects(RDF.type, GWR.Project))
    report_iri = next(iter(g.subjects(RDF.type, GWR.Report)))
    bad_iri = URIRef(f"{ID}Bad_Name")
    broken = [achieved[i] for i in range(7)] + districts[:3] + orgs[:2] + plans[:1] + paragraphs[:1] \
        + quotes[:1] + projects[:2] + [report_iri, bad_iri]
    f = achieved
    g.set((f[0], GWR.value, Literal("about five")))  # a plain string, not xsd:decimal
    g.set((f[1], GWR.value, Literal("5x", datatype=XSD.decimal)))  # ill-typed
    g.remove((f[2], GWR.indicator, None))  # minCount
    g.add((f[3], GWR.period, Literal("1999", datatype=XSD.gYear)))  # maxCount
    g.set((f[4], GWR.unit, Literal("yuan")))  # sh:class on a literal
    g.set((f[5], GWR.role, GWR.target))  # hasValue on the achieved figure
    g.set((f[6], GWR.isMainTarget, Literal("yes", datatype=XSD.boolean)))
    g.remove((districts[0], SKOS.prefLabel, None))  # qualified min count, English and Chinese
    g.add((districts[1], SKOS.prefLabel, Literal("Another name", lang="en")))  # qualified max, uniqueLang
    g.add((districts[2], SKOS.altLabel, Literal("plain alias")))  # rdf:langString
    g.add((orgs[0], RDF.type, GWR.Event))  # sh:not of sh:or of sh:class, both ways
    g.remove((orgs[1], GWR.evidence, None))  # node-level sh:or of property shapes
    g.add((plans[0], RDF.type, GWR.MeasurePackage))
    g.set((paragraphs[0], URIRef("http://purl.org/dc/terms/isPartOf"), f[0]))  # property-level sh:or
    g.remove((quotes[0], GWR.inPassage, None))
    g.set((projects[0], GWR.locatedIn, BNode()))  # a blank node that is no place
    g.remove((projects[1], GWR.status, None))
    g.set((report_iri, DCAT.landingPage, Literal("https://example.org")))  # nodeKind
    g.set((report_iri, GWR.sha256, Literal("ABC")))  # pattern
    g.add((bad_iri, RDF.type, GWR.Organisation))  # the IRI pattern, no label, no evidence
    g.add((bad_iri, RDF.type, GWR.Entity))
    return g, broken


def test_the_real_graph_broken_in_twenty_ways_gives_pyshacls_problems(built, shapes):
    (_, report), = list(built.report_graphs.items())[:1]
    validator = ShapesValidator(shapes)
    assert validator.problems([report, built.ontology], built.inputs.file_of) == []

    broken, subjects = _break_the_real_graph(report)
    data = Graph()
    bind_prefixes(data)
    data += broken
    data += built.ontology
    expected = shacl_problems(data, shapes, built.inputs.file_of)
    got = validator.problems([broken, built.ontology], built.inputs.file_of)
    assert got == expected
    named = {p.subject for p in expected}
    missing = [s for s in subjects if broken.namespace_manager.normalizeUri(s) not in named]
    assert not missing, f"not reported: {missing}"
    messages = {p.message.split(" (value")[0] for p in expected}
    assert "A figure needs exactly one value, an xsd:decimal." in messages
    assert "A district needs a Chinese (@zh) skos:prefLabel." in messages
    assert "An entity has at most one skos:prefLabel per language." in messages


MORE_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:A a sh:NodeShape ; sh:targetNode ex:n1 , ex:n2 ; sh:message "A"@en ;
    sh:and ( [ sh:path ex:p ; sh:minCount 1 ] [ sh:path ex:q ; sh:maxCount 1 ] ) .
ex:B a sh:NodeShape ; sh:targetSubjectsOf ex:p ; sh:message "B"@en ;
    sh:xone ( [ sh:path ex:p ; sh:hasValue ex:v ] [ sh:path ex:q ; sh:minCount 1 ] ) .
ex:C a sh:NodeShape ; sh:targetObjectsOf ex:p ;
    sh:property [ sh:path ex:label ; sh:languageIn ( "en" "zh" ) ; sh:pattern "^[a-z]+$" ; sh:flags "i" ;
                  sh:message "C label"@en ] ,
                [ sh:path ex:kind ; sh:in ( ex:k1 ex:k2 ) ; sh:node ex:Kind ; sh:message "C kind"@en ] .
ex:Kind a sh:NodeShape ; sh:property [ sh:path ex:name ; sh:minCount 1 ; sh:message "kind name"@en ] .
ex:D a sh:NodeShape ; sh:targetClass ex:Thing ; sh:message "D"@en ; sh:deactivated true ; sh:nodeKind sh:Literal .
ex:E a sh:NodeShape ; sh:targetClass ex:Thing ;
    sh:property [ sh:path ex:part ; sh:qualifiedValueShape [ sh:class ex:Thing ] ; sh:qualifiedMaxCount 1 ;
                  sh:message "E parts"@en ] ,
                [ sh:path ex:label ; sh:uniqueLang true ; sh:datatype rdf:langString ; sh:message "E label"@en ] .
"""
MORE_DATA = """
@prefix ex: <http://example.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:Sub rdfs:subClassOf ex:Thing .
ex:n1 ex:p ex:v ; ex:q ex:a , ex:b .
ex:n3 ex:p ex:w ; ex:q ex:c .
ex:n4 ex:p ex:v ; ex:q ex:c .
ex:v ex:label "Good"@en-GB , "bad1"@fr , "plain" ; ex:kind ex:k1 , ex:k3 .
ex:w ex:label "ok"@zh ; ex:kind ex:k2 .
ex:k2 ex:name "two" .
ex:t a ex:Sub ; ex:part ex:t , ex:u ; ex:label "x"@en , "y"@EN , "z"@de .
ex:u a ex:Thing .
"""


def test_core_constructs_our_shapes_do_not_use_yet_give_pyshacls_problems():
    shapes = Graph().parse(data="@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .\n" + MORE_SHAPES,
                           format="turtle")
    data = Graph().parse(data=MORE_DATA, format="turtle")
    validator = ShapesValidator(shapes)
    assert validator.engine == "core", validator.why_pyshacl
    expected = shacl_problems(data, shapes, FILE_OF)
    assert validator.problems(data, FILE_OF) == expected
    fired = {p.message.split(" (value")[0] for p in expected}
    assert fired == {"A", "B", "C label", "C kind", "E parts", "E label"}


SPARQL_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex: sh:declare [ sh:prefix "ex" ; sh:namespace "http://example.org/"^^xsd:anyURI ] .
ex:QuoteShape a sh:NodeShape ; sh:targetClass ex:Figure ;
    sh:property [ sh:path ex:form ; sh:minCount 1 ; sh:message "A figure needs a form."@en ] ;
    sh:sparql [ a sh:SPARQLConstraint ; sh:prefixes ex: ;
        sh:message "The form {?value} is not in the quote of {$this}."@en ;
        sh:select \"\"\"SELECT $this ?value WHERE { $this ex:form ?value ; ex:quote ?q .
                         FILTER (!CONTAINS(STR(?q), STR(?value))) }\"\"\" ] .
"""
SPARQL_DATA = """
@prefix ex: <http://example.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:TargetFigure rdfs:subClassOf ex:Figure .
ex:a a ex:Figure ; ex:form "5%" ; ex:quote "around 5%" .
ex:b a ex:TargetFigure ; ex:form "6%" ; ex:quote "around 5%" .
ex:c a ex:Figure ; ex:quote "no form" .
"""


@pytest.mark.parametrize("shapes_text", [
    SPARQL_SHAPES,
    # a result-producing shape without sh:message: the text would be pyshacl's own
    "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .\n"
    "ex:S a sh:NodeShape ; sh:targetClass ex:Figure ; sh:property [ sh:path ex:form ; sh:minCount 1 ] .",
    # a sequence path
    "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .\n"
    "ex:S a sh:NodeShape ; sh:targetClass ex:Figure ; sh:property [ sh:path ( ex:form ex:quote ) ; "
    "sh:minCount 1 ; sh:message \"m\" ] .",
], ids=["sparql", "no-message", "sequence-path"])
def test_shapes_the_core_cannot_evaluate_go_to_pyshacl(shapes_text):
    shapes = Graph().parse(data=shapes_text, format="turtle")
    data = Graph().parse(data=SPARQL_DATA, format="turtle")
    validator = ShapesValidator(shapes)
    assert validator.engine == "pyshacl" and validator.why_pyshacl
    expected = shacl_problems(data, shapes, FILE_OF)
    assert expected and validator.problems(data, FILE_OF) == expected


def test_kg_validate_with_pyshacl_says_what_the_core_says(project):
    path = project / "data" / "shanghai-2024" / "part1-headline.ttl"
    text = path.read_text(encoding="utf-8")
    assert "gwr:value 4720000000000.0 ;" in text  # GDP: 4.72 trillion yuan
    path.write_text(text.replace("gwr:value 4720000000000.0 ;", 'gwr:value "4.72 trillion" ;'), encoding="utf-8")
    core = run_kg("--root", str(project), "validate")
    reference = run_kg("--root", str(project), "validate", "--shacl", "pyshacl")
    assert core.returncode == reference.returncode == 1
    assert core.stdout == reference.stdout
    assert b"A figure needs exactly one value, an xsd:decimal. (value: 4.72 trillion)" in core.stdout
    assert run_kg("--root", str(ROOT), "validate", "--shacl", "nonsense").returncode == 2
