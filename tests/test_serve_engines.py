"""`kg serve --engine`: the same site with SPARQL on an on-disk Oxigraph store, on a real
Oxigraph server and on rdflib, each started as a user starts it, and its answers checked
against the report's text and the golden answers of queries/.

One `kg serve` (and, for the remote engine, one `oxigraph serve`) runs at a time: the
`served` fixture is parametrized by engine and module-scoped, so pytest runs every test of
one engine before starting the next.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
import urllib.parse
from decimal import Decimal
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SKOS

from conftest import ROOT, SOURCE_TEXT, run_kg
from kg.query_pool import RemotePool
from kg.remote import SparqlStore
from kg.sparql_protocol import HttpError
from test_engines import _free_port, _serve
from test_queries import _canon_golden, _read_golden
from test_server import RUNAWAY, Server, q

GWR = "https://w3id.org/gwr/ontology#"
REPORT = "https://w3id.org/gwr/id/shanghai-2024"
PUDONG = URIRef("https://w3id.org/gwr/id/pudong-new-area")
GOLDEN = ROOT / "queries" / "headline-results.expected.csv"

TITLE = 'SELECT ?title WHERE { <%s> <http://purl.org/dc/terms/title> ?title FILTER(lang(?title) = "en") }' % REPORT
GDP_2023 = """PREFIX gwr: <https://w3id.org/gwr/ontology#>
SELECT ?value ?statedForm WHERE {
  ?figure gwr:indicator <https://w3id.org/gwr/id/indicator/gdp> ; gwr:role gwr:achieved ;
          gwr:period ?year ; gwr:value ?value ; gwr:statedForm ?statedForm .
  FILTER(STR(?year) = "2023")
}"""
INSERT = "INSERT DATA { <urn:a> <urn:b> <urn:c> }"
# A remote store goes on computing a query that kg serve stopped waiting for: send it one
# that runs past the timeout and then ends (about 10 s on Oxigraph), not RUNAWAY.
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a a ?c . ?d ?e ?f }"

MAX_ROWS = 300
ENGINES = ["disk", "remote", "rdflib"]


def _start(kind: str, tmp: Path, *extra: str) -> Server:
    return Server(tmp, "--engine", kind, "--max-rows", str(MAX_ROWS), "--workers", "2", *extra)


@pytest.fixture(scope="module", params=ENGINES)
def served(request, tmp_path_factory):
    """`kg serve --engine ...` on the repository's project: .kind, .spec, .store (remote)."""
    kind = request.param
    tmp = tmp_path_factory.mktemp(f"serve-{kind}")
    oxigraph = None
    if kind == "disk":
        spec = f"oxigraph:{tmp / 'store'}"
        s = _start(spec, tmp, "--timeout", "2")
    elif kind == "remote":
        oxigraph = _serve(tmp / "oxigraph")  # test_engines' real Oxigraph server
        spec = next(oxigraph)
        s = _start(spec, tmp, "--timeout", "2")
    else:
        spec = "rdflib"
        s = _start(spec, tmp, "--timeout", "5")  # rdflib is slow: room for the ordinary queries
    s.kind, s.spec, s.tmp = kind, spec, tmp
    yield s
    try:
        assert s.stop() == 0, s.err.read_text()[-2000:]
    finally:
        if oxigraph is not None:
            oxigraph.close()


def _json_rows(body: bytes) -> list[dict[str, str]]:
    return [{k: v["value"] for k, v in b.items()} for b in json.loads(body)["results"]["bindings"]]


def _golden_headline() -> list[tuple]:
    header, body, params, _, _ = _read_golden(GOLDEN)
    assert header == ["value", "unit", "comparator"] and params == {}
    return sorted((tuple(_canon_golden(c) for c in row) for row in body), key=repr)


def _csv_rows(body: bytes, columns: list[str]) -> list[tuple]:
    rows = csv.DictReader(io.StringIO(body.decode("utf-8")))
    return sorted((tuple(_canon_golden(r[c]) for c in columns) for r in rows), key=repr)


# -- every engine: the same answers, the same protocol ------------------------------------------

def test_the_startup_line_names_the_engine(served):
    line = served.out.read_text().splitlines()[0]
    assert re.match(r"kg serve: [\d,]+ triples, \d+ stored queries; http://127\.0\.0\.1:\d+/ ", line), line
    assert f"(SPARQL at /sparql on {'sparql:' + served.spec + '/query' if served.kind == 'remote' else served.spec})" \
        in line, line


def test_sparql_answers_come_from_the_report(served):
    # the title, as the source text's first line gives it
    status, _, body = served.get(q(TITLE))
    assert status == 200
    title = _json_rows(body)
    assert len(title) == 1 and SOURCE_TEXT.read_text(encoding="utf-8").startswith(title[0]["title"] + " ")
    # "The municipal GDP reached around 4.72 trillion yuan": the figure, with its value
    status, _, body = served.get(q(GDP_2023), "text/csv")
    assert status == 200
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert [r["statedForm"] for r in rows] == ["around 4.72 trillion yuan"]
    assert "The municipal GDP reached around 4.72 trillion yuan" in SOURCE_TEXT.read_text(encoding="utf-8")
    assert Decimal(rows[0]["value"]) == Decimal("4.72") * 10 ** 12


def test_a_stored_query_gives_its_golden_rows(served):
    status, headers, body = served.get("/queries/headline-results.csv")
    assert status == 200 and headers["content-type"].startswith("text/csv")
    assert _csv_rows(body, ["value", "unit", "comparator"]) == _golden_headline()
    status, _, body = served.get("/queries/headline-results?run=1", "text/html")
    assert status == 200 and 'id="results"' in body.decode() and "around 4.72 trillion yuan" in body.decode()


def test_updates_are_refused_and_nothing_changes(served):
    for method, path, data, ctype in [
        ("POST", "/sparql", INSERT, "application/sparql-update"),
        ("POST", "/sparql", urllib.parse.urlencode({"update": INSERT}), "application/x-www-form-urlencoded"),
        ("POST", "/sparql", urllib.parse.urlencode({"query": INSERT}), "application/x-www-form-urlencoded"),
        ("GET", q("DROP ALL"), None, None),
    ]:
        status, _, body = served.request(method, path, data, {"Content-Type": ctype} if ctype else {})
        assert status == 403 and "read-only" in body.decode(), (path, body)
    _, _, body = served.get(q("ASK { <urn:a> ?p ?o }"))
    assert json.loads(body)["boolean"] is False
    _, _, body = served.get(q(TITLE))
    assert len(_json_rows(body)) == 1


def test_formats_errors_and_the_cap_are_those_of_every_engine(served):
    status, _, body = served.get(q("SELECT * WHERE { ?s ?p }"))
    assert status == 400 and re.match(r"SPARQL syntax error at line 1, column \d+: ", body.decode()), body
    status, _, _ = served.get(q(TITLE), "image/png")
    assert status == 406
    status, headers, body = served.get(q("SELECT * WHERE { ?s ?p ?o }"), "application/sparql-results+xml")
    assert status == 200 and body.count(b"<result>") == MAX_ROWS
    assert headers["x-result-truncated"] == f"true; limit={MAX_ROWS}"
    status, headers, body = served.get(q(f"CONSTRUCT WHERE {{ <{PUDONG}> ?p ?o }}"), "text/turtle")
    assert status == 200 and headers["content-type"].startswith("text/turtle")
    assert (PUDONG, SKOS.prefLabel, Literal("Pudong New Area", lang="en")) in Graph().parse(data=body.decode(),
                                                                                             format="turtle")
    # each report is a named graph; default-graph-uri picks the ontology alone
    status, _, body = served.get(q("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"))
    assert {r["g"] for r in _json_rows(body)} >= {REPORT, "https://w3id.org/gwr/ontology"}
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?d a <%sDistrict> }" % GWR
    status, _, body = served.get(q(count, **{"default-graph-uri": "https://w3id.org/gwr/ontology"}))
    assert status == 200 and _json_rows(body) == [{"n": "0"}]
    status, _, body = served.get(q(count, **{"default-graph-uri": "not an iri"}))
    assert status == 400


def test_a_query_past_the_timeout_is_503_and_the_server_goes_on(served):
    limit = 5 if served.kind == "rdflib" else 2
    started = time.monotonic()
    status, _, body = served.get(q(SLOW if served.kind == "remote" else RUNAWAY))
    took = time.monotonic() - started
    assert status == 503 and b"query timeout" in body, body
    assert limit <= took < limit + 5
    deadline = time.monotonic() + 30
    while served.get(q(TITLE))[0] != 200 and time.monotonic() < deadline:
        time.sleep(0.2)
    status, _, body = served.get(q(TITLE))
    assert status == 200 and len(_json_rows(body)) == 1


# -- what each engine adds ---------------------------------------------------------------------------

@pytest.mark.parametrize("served", ["disk"], indirect=True)
def test_a_served_store_is_locked_against_other_kg_commands(served):
    r = run_kg("load", "--to", served.spec)
    err = r.stderr.decode()
    assert r.returncode == 2 and "in use by another kg process" in err and len(err.strip().splitlines()) == 1, err


@pytest.mark.parametrize("served", ["remote"], indirect=True)
def test_the_project_is_loaded_into_the_remote_store_which_answers_the_same(served):
    store = SparqlStore(served.spec)
    names = {str(row[0]) for row in store.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")}
    assert names == {REPORT, "https://w3id.org/gwr/ontology"}
    # what the store holds is what the endpoint answers from: a triple put there behind its back
    extra = "GRAPH <urn:kg-test:extra> { <urn:x> <urn:y> <urn:z> }"
    store.update(f"INSERT DATA {{ {extra} }}")
    try:
        _, _, body = served.get(q(f"ASK {{ {extra} }}"))
        assert json.loads(body)["boolean"] is True
    finally:
        store.update("DROP GRAPH <urn:kg-test:extra>")
    # update words are refused before anything is forwarded, even in a query that is not one
    status, _, body = served.get(q("SELECT * WHERE { ?s ?p ?o } ; CLEAR ALL"))
    assert status == 403 and b"CLEAR" in body
    assert bool(store.query("ASK { ?s ?p ?o }").askAnswer)


def test_an_unreachable_remote_store_is_502_without_its_address():
    port = _free_port()
    pool = RemotePool(f"http://127.0.0.1:{port}/query", timeout=2)
    with pytest.raises(HttpError) as e:
        pool.run("ASK {}")
    assert e.value.status == 502 and str(port) not in e.value.message


# -- serving a store as it is; what is refused ---------------------------------------------------------

def test_a_store_is_served_as_it_is_and_never_half_written(project, tmp_path):
    spec = f"oxigraph:{tmp_path / 'store'}"
    r = run_kg("--root", str(project), "load", "--to", spec)
    assert r.returncode == 0, r.stderr.decode()
    extra = "GRAPH <urn:kg-test:extra> { <urn:x> <urn:y> <urn:z> }"  # the store holds more than the project
    store = pyoxigraph.Store(str(tmp_path / "store"))
    store.update(f"INSERT DATA {{ {extra} }}")
    store.flush()
    del store
    s = Server(tmp_path, "--engine", spec, "--no-load", root=project)
    try:
        assert f"on {spec}, as it is)" in s.out.read_text()
        _, _, body = s.get(q(f"ASK {{ {extra} }}"))
        assert json.loads(body)["boolean"] is True
        status, _, body = s.get("/queries/headline-results.csv")
        assert status == 200 and _csv_rows(body, ["value", "unit", "comparator"]) == _golden_headline()
        # read-only: a second server may read the same store at once; a writer may not
        (tmp_path / "second").mkdir()
        second = Server(tmp_path / "second", "--engine", spec, "--no-load", "--workers", "1", root=project)
        try:
            _, _, body = second.get(q(f"ASK {{ {extra} }}"))
            assert json.loads(body)["boolean"] is True
        finally:
            assert second.stop() == 0, second.err.read_text()[-2000:]
        r = run_kg("--root", str(project), "load", "--to", spec)
        assert r.returncode == 2 and "in use by another kg process" in r.stderr.decode()
    finally:
        assert s.stop() == 0, s.err.read_text()[-2000:]
    # data that does not conform: exit 1, and the store keeps its graph whole
    path = project / "data" / "shanghai-2024" / "part1-headline.ttl"
    path.write_text(path.read_text(encoding="utf-8") + f"\n<{REPORT}/figure/x-2024> a <{GWR}TargetFigure> .\n",
                    encoding="utf-8")
    r = run_kg("--root", str(project), "serve", "--port", "0", "--engine", spec)
    assert r.returncode == 1 and "does not conform; nothing loaded or served" in r.stderr.decode()
    (tmp_path / "x.rq").write_text(f"SELECT (COUNT(*) AS ?n) WHERE {{ <{REPORT}/figure/x-2024> ?p ?o }}")
    r = run_kg("--root", str(project), "query", "--engine", spec, "--format", "csv", "--file", str(tmp_path / "x.rq"))
    assert r.returncode == 0 and r.stdout.decode().split() == ["n", "0"], r.stderr.decode()
    r = run_kg("--root", str(project), "query", "headline-results", "--engine", spec, "--format", "csv")
    assert r.returncode == 0 and _csv_rows(r.stdout, ["value", "unit", "comparator"]) == _golden_headline()


@pytest.mark.parametrize("args, message", [
    (["--engine", "blazegraph"], "unknown engine 'blazegraph'"),
    (["--engine", "oxigraph", "--no-load"], "--no-load serves a store as it is"),
    (["--engine", "rdflib", "--no-load"], "--no-load serves a store as it is"),
    (["--engine", "oxigraph:{tmp}/none", "--no-load"], "no Oxigraph store in"),
    (["--engine", "sparql:ftp://example.org/"], "is not an http(s) URL"),
    (["--engine", "http://127.0.0.1:{port}"], "cannot reach the SPARQL store"),
])
def test_bad_engines_are_one_line_and_exit_2(args, message, tmp_path):
    args = [a.format(tmp=tmp_path, port=_free_port()) for a in args]
    r = run_kg("serve", "--port", "0", *args)
    err = r.stderr.decode()
    assert r.returncode == 2 and message in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "none").exists()


def test_an_empty_remote_store_is_not_served_as_it_is(tmp_path):
    oxigraph = _serve(tmp_path / "oxigraph")
    url = next(oxigraph)
    try:
        r = run_kg("serve", "--port", "0", "--engine", url, "--no-load")
        assert r.returncode == 2 and "holds no graph" in r.stderr.decode(), r.stderr.decode()
    finally:
        oxigraph.close()


def test_serve_help_names_the_engines():
    out = run_kg("serve", "--help").stdout.decode()
    for word in ("--engine SPEC", "oxigraph:DIR", "sparql:QUERY_URL", "rdflib", "--no-load", "read-only"):
        assert word in out, word
