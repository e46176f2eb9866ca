"""Engines: rdflib, embedded Oxigraph (memory, disk) and a real Oxigraph server give the same
answers; loads replace a report's graph atomically; validation per report finds what pyshacl finds."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from conftest import ROOT, run_kg
from kg.commands_engine import engine_spec, open_query_engine
from kg.engines import STAGE_PREFIX, RdflibEngine, load_project, open_engine
from kg.terms import canonical
from kg.union_copy import names_a_graph
from kg.errors import NonConformingError, OutputError, UsageError
from kg.graph import ONTOLOGY_GRAPH
from kg.namespaces import GWR, RDF, RDFS, XSD
from kg.queries import load_queries, resolve_params, run
from kg.results import format_result
from kg.remote import SparqlStore

QUERIES = sorted((ROOT / "queries").glob("*.rq"))
EX = "http://example.org/"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(location: Path):
    """Run a real Oxigraph server (the `oxigraph` package of the test extra) on a free port
    until the generator is closed; yields its URL."""
    exe = shutil.which("oxigraph")
    if exe is None:
        pytest.fail("the Oxigraph server is not installed: pip install -e '.[test]'")
    port = _free_port()
    proc = subprocess.Popen([exe, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/query?query=ASK%7B%7D", timeout=1):
                    break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(f"oxigraph serve exited: {proc.stderr.read().decode()[:500]}")
                if time.monotonic() > deadline:
                    pytest.fail("oxigraph serve did not answer within 30 s")
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server the tests below write to and clear."""
    yield from _serve(tmp_path_factory.mktemp("oxigraph-server"))


@pytest.fixture(scope="module")
def query_server(tmp_path_factory):
    """A server that holds the repository's graph for the differential tests."""
    yield from _serve(tmp_path_factory.mktemp("oxigraph-query-server"))


def _clear(url: str) -> None:
    SparqlStore(url).update("DROP SILENT ALL")


@pytest.fixture(scope="module")
def engines(query_server, built, tmp_path_factory):
    """Every engine, each holding the repository's graph."""
    specs = {"rdflib": "rdflib", "oxigraph": "oxigraph",
             "oxigraph-disk": f"oxigraph:{tmp_path_factory.mktemp('store') / 'db'}",
             "remote": f"sparql:{query_server}/query,{query_server}/store,{query_server}/update"}
    out = {}
    for name, spec in specs.items():
        out[name] = open_engine(spec)
        out[name].load(built.named_graphs())
    yield out
    for e in out.values():
        e.close()


# -- specs ------------------------------------------------------------------------------------

def test_specs_name_every_kind_of_engine(tmp_path):
    assert isinstance(open_engine("rdflib"), RdflibEngine)
    assert open_engine(None).spec == "oxigraph"
    disk = open_engine(f"oxigraph:{tmp_path / 'db'}")
    assert disk.persistent and (tmp_path / "db").is_dir()
    disk.close()
    remote = open_engine("http://127.0.0.1:9/query")
    assert remote.store.update_url == "http://127.0.0.1:9/update" and remote.store.gsp_url == "http://127.0.0.1:9/store"
    remote = open_engine("sparql:http://h/ds/sparql,http://h/ds/data")
    assert remote.store.update_url == "http://h/ds/sparql" and remote.store.gsp_url == "http://h/ds/data"
    with pytest.raises(UsageError, match="rdflib.*oxigraph"):
        open_engine("blazegraph")
    with pytest.raises(UsageError):
        open_engine("sparql:ftp://example.org/")


def test_an_unreachable_store_is_one_line_not_a_traceback():
    r = run_kg("query", "main-targets", "--engine", f"http://127.0.0.1:{_free_port()}")
    assert r.returncode == 2
    err = r.stderr.decode()
    assert "cannot reach the SPARQL store" in err and "Traceback" not in err


# -- the same data on every engine ----------------------------------------------------------------

def test_every_engine_holds_each_report_as_a_named_graph_and_the_union_by_default(engines, built, graph):
    names = {ONTOLOGY_GRAPH, *built.report_graphs}
    for name, e in engines.items():
        assert set(e.graph_names()) == names, name
        n = int(list(e.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"))[0][0])
        assert n == len(graph), f"{name}: the default graph is not the union"


def _rows(result):
    if result.type == "ASK":
        return [(result.askAnswer,)]
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        return sorted(result.graph)
    return [tuple(b.get(v) for v in result.vars) for b in result.bindings]


@pytest.mark.parametrize("path", QUERIES, ids=[p.stem for p in QUERIES])
def test_every_stored_query_gives_the_same_rows_on_every_engine(path, engines):
    query = load_queries(path.parent)[path.stem]
    answers = {}
    for name, e in engines.items():
        bindings = resolve_params(e, query, {})  # default parameters, resolved on that engine
        answers[name] = _rows(e.query(query.text, bindings))
    reference = answers.pop("rdflib")
    for name, rows in answers.items():
        if query.ranked:
            assert rows == reference, f"{name} orders {path.name} differently"
        assert sorted(rows, key=repr) == sorted(reference, key=repr), f"{name} answers {path.name} differently"


def _passage_labels(graph, cls) -> list[str]:
    return sorted(str(label) for s in graph.subjects(RDF.type, cls) for label in graph.objects(s, RDFS.label))


def test_section_commitments_of_every_part_and_section_agree_on_every_engine(engines, graph):
    # rdflib once failed to ORDER BY the label of a mention without one (part-2/section-1 ...)
    query = load_queries(ROOT / "queries")["section-commitments"]
    passages = _passage_labels(graph, GWR.Part) + _passage_labels(graph, GWR.Section)
    assert {"part-2", "part-2/section-1"} <= set(passages)
    for section in passages:
        answers = {name: _rows(e.query(query.text, resolve_params(e, query, {"section": section})))
                   for name, e in engines.items()}
        reference = answers.pop("rdflib")
        for name, rows in answers.items():
            assert rows == reference, f"{name} answers section-commitments {section} differently"


def test_a_search_that_matches_nothing_has_no_row_on_any_engine(engines):
    query = load_queries(ROOT / "queries")["search"]
    for name, e in engines.items():
        assert _rows(e.query(query.text, resolve_params(e, query, {"words": "zzxqv"}))) == [], name


def test_bindings_are_terms_with_several_values_as_values_rows(engines):
    sparql = "SELECT ?label WHERE { ?d a ?cls ; <http://www.w3.org/2004/02/skos/core#prefLabel> ?label . " \
             "FILTER(lang(?label) = 'en') } ORDER BY ?label"
    answers = {n: _rows(e.query(sparql, {"cls": [GWR.Center, GWR.NewTown]})) for n, e in engines.items()}
    assert len(answers["rdflib"]) == 10
    assert all(a == answers["rdflib"] for a in answers.values())
    tricky = Literal('" } ; DROP ALL ; SELECT * { "')  # a value is a term, never query text
    for name, e in engines.items():
        assert _rows(e.query("SELECT ?x WHERE { BIND(STR(?v) AS ?x) }", {"v": tricky})) == [(Literal(str(tricky)),)], name


def test_numbers_come_back_in_one_form_from_every_engine():
    assert canonical(Literal("5", datatype=XSD.decimal)) == Literal("5.0", datatype=XSD.decimal)
    assert canonical(Literal("4.72E12", datatype=XSD.decimal)) == Literal("4720000000000.0", datatype=XSD.decimal)
    assert canonical(Literal("007", datatype=XSD.integer)) == Literal("7", datatype=XSD.integer)
    assert canonical(Literal("1", datatype=XSD.boolean)) == Literal("true", datatype=XSD.boolean)
    assert canonical(Literal("x", datatype=XSD.decimal)) == Literal("x", datatype=XSD.decimal)



def test_oxigraph_terms_become_the_rdflib_terms_the_constructors_make():
    """from_ox builds IRIs, strings, decimals and integers without rdflib's checks: the terms
    must be the same as the constructors' (numbers in canonical form)."""
    import pickle
    import pyoxigraph as ox
    from kg.terms import fast_terms_agree, from_ox
    assert fast_terms_agree()  # the fast path is the one in use with the installed rdflib
    cases = [
        (ox.NamedNode("https://w3id.org/gwr/id/pudong"), URIRef("https://w3id.org/gwr/id/pudong")),
        (ox.Literal("Pudong New Area", language="en"), Literal("Pudong New Area", lang="en")),
        (ox.Literal("浦东新区", language="zh"), Literal("浦东新区", lang="zh")),
        (ox.Literal('a "quoted"\tline\n'), Literal('a "quoted"\tline\n')),
        (ox.Literal("5.0", datatype=ox.NamedNode(str(XSD.decimal))), Literal("5.0", datatype=XSD.decimal)),
        (ox.Literal("2023", datatype=ox.NamedNode(str(XSD.gYear))), Literal("2023", datatype=XSD.gYear)),
        (ox.Literal("0.25", datatype=ox.NamedNode(str(XSD.decimal))), Literal("0.25", datatype=XSD.decimal)),
        (ox.Literal("4720000000000", datatype=ox.NamedNode(str(XSD.decimal))), Literal("4720000000000.0", datatype=XSD.decimal)),
        (ox.Literal("-3", datatype=ox.NamedNode(str(XSD.integer))), Literal("-3", datatype=XSD.integer)),
        (ox.Literal("312", datatype=ox.NamedNode(str(XSD.integer))), Literal("312", datatype=XSD.integer)),
        (ox.Literal("true", datatype=ox.NamedNode(str(XSD.boolean))), Literal("true", datatype=XSD.boolean)),
    ]
    for ox_term, expected in cases:
        term = from_ox(ox_term)
        assert type(term) is type(expected) and term == expected and hash(term) == hash(expected)
        assert term.n3() == expected.n3() and pickle.loads(pickle.dumps(term)) == expected
        if isinstance(expected, Literal):
            assert (term.value, term.language, term.datatype) == (expected.value, expected.language, expected.datatype)
            assert repr(term.value) == repr(expected.value) and term.ill_typed == expected.ill_typed
    assert from_ox(ox.Literal("5", datatype=ox.NamedNode(str(XSD.decimal)))) == Literal("5.0", datatype=XSD.decimal)

# -- replacing a report ---------------------------------------------------------------------------

def _graph(*triples) -> Graph:
    g = Graph()
    for s, p, o in triples:
        g.add((URIRef(EX + s), URIRef(EX + p), Literal(o) if not o.startswith("x:") else URIRef(EX + o[2:])))
    return g


def _count(engine, where: str = "?s ?p ?o") -> int:
    return int(list(engine.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}"))[0][0])


@pytest.fixture(params=["rdflib", "oxigraph", "oxigraph-disk", "remote"])
def empty_engine(request, server, tmp_path):
    if request.param == "remote":
        _clear(server)
        engine = open_engine(server)
    elif request.param == "oxigraph-disk":
        engine = open_engine(f"oxigraph:{tmp_path / 'db'}")
    else:
        engine = open_engine(request.param)
    yield engine
    engine.close()


def test_replacing_a_report_keeps_the_default_graph_the_union_of_the_named_graphs(empty_engine):
    a, b = URIRef(EX + "report-a"), URIRef(EX + "report-b")
    empty_engine.load({a: _graph(("x", "p", "old"), ("shared", "p", "both")),
                       b: _graph(("y", "p", "b"), ("shared", "p", "both"))})
    assert _count(empty_engine) == 3  # the shared triple counts once
    empty_engine.load({a: _graph(("x", "p", "new"))})
    rows = {str(r[0]) for r in empty_engine.query("SELECT ?o WHERE { ?s ?p ?o }")}
    assert rows == {"new", "b", "both"}  # old is gone; shared stays, report-b still holds it
    assert _count(empty_engine, f"GRAPH <{a}> {{ ?s ?p ?o }}") == 1
    empty_engine.load({b: _graph(("y", "p", "b2"))})
    assert {str(r[0]) for r in empty_engine.query("SELECT ?o WHERE { ?s ?p ?o }")} == {"new", "b2"}
    assert empty_engine.graph_names() == [a, b]


@pytest.mark.parametrize("empty_engine", ["oxigraph", "oxigraph-disk", "remote"], indirect=True)
def test_a_query_that_names_a_graph_reads_that_graph_after_a_replace(empty_engine):
    # An in-memory engine answers other queries from a copy of the default graph alone
    # (kg.union_copy): FROM, FROM NAMED and GRAPH must still see the named graphs, as replaced.
    a, b = URIRef(EX + "report-a"), URIRef(EX + "report-b")
    empty_engine.load({a: _graph(("x", "p", "old")), b: _graph(("y", "p", "b"))})
    empty_engine.load({a: _graph(("x", "p", "new"))})
    assert {str(r[0]) for r in empty_engine.query(f"SELECT ?o FROM <{a}> WHERE {{ ?s ?p ?o }}")} == {"new"}
    from_named = f"SELECT ?g ?o FROM NAMED <{b}> WHERE {{ graph ?g {{ ?s ?p ?o }} }}"
    assert {(str(g), str(o)) for g, o in empty_engine.query(from_named)} == {(str(b), "b")}
    assert {str(r[0]) for r in empty_engine.query("SELECT ?o WHERE { ?s ?p ?o }")} == {"new", "b"}


def test_only_graph_and_from_as_keywords_name_a_graph():
    assert names_a_graph("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert names_a_graph("select * from <http://e/g> where { ?s ?p ?o }")
    assert names_a_graph("SELECT * FROM NAMED <http://e/g> WHERE {graph ?g{?s ?p ?o}}")
    assert not names_a_graph("SELECT ?graph WHERE { ?graph ex:from ?o }  # GRAPH in a comment")
    assert not names_a_graph('SELECT * WHERE { ?s <http://e/GRAPH> "FROM" }')


def test_a_failed_upload_leaves_the_old_graph_whole_and_no_staging_graph(server):
    _clear(server)
    a = URIRef(EX + "report-a")
    engine = open_engine(server)
    engine.load({a: _graph(("x", "p", "old"), ("y", "p", "old"))})
    with pytest.raises(OutputError):
        engine.stage(a, b'<http://example.org/x> <http://example.org/p> "new" .\n<http://example.org/y> "broken')
    broken = open_engine(f"sparql:{server}/query,{server}/store,{server}/no-such-update-endpoint")
    pair = broken.stage(a, _graph(("x", "p", "new")))
    with pytest.raises(OutputError):
        broken.commit([pair])
    assert {str(r[0]) for r in engine.query("SELECT ?o WHERE { ?s ?p ?o }")} == {"old"}
    assert _count(engine, f"GRAPH <{a}> {{ ?s ?p ?o }}") == 2
    staged = list(engine.query(f'SELECT ?g WHERE {{ GRAPH ?g {{ }} FILTER STRSTARTS(STR(?g), "{STAGE_PREFIX}") }}'))
    assert staged == []


def test_kg_load_puts_the_project_into_a_server_and_queries_run_there_unchanged(project, server):
    _clear(server)
    r = run_kg("--root", str(project), "load", "--to", f"{server}/query", "--gsp", f"{server}/store")
    assert r.returncode == 0, r.stderr.decode()
    assert "<https://w3id.org/gwr/id/shanghai-2024>" in r.stdout.decode()
    load_project(engine_spec(server), project, validate=False)  # loading again replaces, adds nothing
    query = load_queries(ROOT / "queries")["main-targets"]
    with open_query_engine(None, project) as local:
        expected = format_result(run(local, query, {}), "csv")
    remote = run_kg("--root", str(project), "query", "main-targets", "--format", "csv", "--engine", server)
    assert remote.returncode == 0, remote.stderr.decode()
    assert remote.stdout.decode().replace("\r\n", "\n") == expected.replace("\r\n", "\n") and expected.count("\n") > 5
    with open_engine(server) as engine:
        assert _count(engine) == sum(load_project("rdflib", project, validate=False).graphs.values())


def test_kg_load_and_build_take_an_engine_and_say_so_in_their_help():
    load = run_kg("load", "--help")
    assert load.returncode == 0 and "--to URL" in load.stdout.decode() and "--gsp URL" in load.stdout.decode()
    for command in ("build", "query"):
        r = run_kg(command, "--help")
        assert "--engine SPEC" in r.stdout.decode() and "oxigraph:DIR" in r.stdout.decode(), command


def test_kg_load_of_non_conforming_data_exits_1_and_replaces_nothing(project, tmp_path):
    store = f"oxigraph:{tmp_path / 'db'}"
    built = run_kg("--root", str(project), "build", "--out", str(tmp_path / "dist"), "--engine", store)
    assert built.returncode == 0 and f"loaded 2 named graphs into {store}" in built.stdout.decode()
    path = next((project / "data" / "shanghai-2024").glob("*.ttl"))
    path.write_text(path.read_text(encoding="utf-8") + "\n<https://w3id.org/gwr/id/shanghai-2024/figure/x-2024> a "
                    "<https://w3id.org/gwr/ontology#TargetFigure> .\n", encoding="utf-8")
    r = run_kg("--root", str(project), "load", "--to", store)
    assert r.returncode == 1 and "does not conform" in r.stderr.decode()
    assert "figure/x-2024" in r.stderr.decode()
    with open_engine(store) as engine:
        assert _count(engine, "<https://w3id.org/gwr/id/shanghai-2024/figure/x-2024> ?p ?o") == 0
        assert _count(engine) > 10000  # the old graph is still there, whole


@pytest.mark.parametrize("empty_engine", ["oxigraph", "oxigraph-disk"], indirect=True)
def test_a_bulk_load_that_fails_leaves_the_store_and_its_copy_empty(empty_engine):
    good = _graph(("x", "p", "a")).serialize(format="nt", encoding="utf-8")
    with pytest.raises(OutputError):
        empty_engine.load_into_empty([(URIRef(EX + "report-a"), good), (URIRef(EX + "report-b"), b"<x> not n-triples")])
    assert empty_engine.is_empty() and empty_engine.graph_names() == []
    assert _count(empty_engine) == 0  # in memory, the default graph's copy too


def test_load_project_into_an_empty_store_streams_and_clears_on_problems(project):
    engine = open_engine("oxigraph")
    result = load_project(engine, project, validate=False)
    assert set(result.graphs) == {str(ONTOLOGY_GRAPH), "https://w3id.org/gwr/id/shanghai-2024"}
    assert _count(engine) == result.triples
    path = project / "data" / "sources" / "shanghai-2024.ttl"
    path.write_text(path.read_text(encoding="utf-8").replace('"2024-02-07"^^xsd:date', '"soon"'), encoding="utf-8")
    fresh = open_engine("oxigraph")
    with pytest.raises(NonConformingError) as e:
        load_project(fresh, project)
    assert any("dcterms:issued" in p.property for p in e.value.problems)
    assert _count(fresh) == 0
