"""`kg serve` as users meet it: the real command on a free port, spoken to over HTTP.

Protocol: status codes and content types of the SPARQL 1.1 Protocol, updates refused, a
malformed query answered 400 with the parser's message, a runaway query stopped by the
timeout, results cut at the cap. Pages: entities dereference (HTML, Turtle, JSON-LD), labels
are escaped, no path reaches a file outside the served assets, no method writes.
"""

from __future__ import annotations

import csv
import http.client
import io
import json
import re
import shutil
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS

from kg.queries import load_query

ROOT = Path(__file__).resolve().parents[1]
PUDONG = URIRef("https://w3id.org/gwr/id/pudong-new-area")
GWR = "https://w3id.org/gwr/ontology#"
SD = URIRef("http://www.w3.org/ns/sparql-service-description#Service")
SCRIPT_LABEL = '<script>window.__xss = 1</script> & "Pudong"'
SEARCH = "/queries/search?" + next(p.name for p in load_query(ROOT / "queries" / "search.rq").params) + "="
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


class Server:
    """A `kg serve` process on a free port; `request` speaks HTTP to it."""

    def __init__(self, tmp: Path, *args: str, root: Path = ROOT) -> None:
        exe = shutil.which("kg")
        cmd = ([exe] if exe else [sys.executable, "-m", "kg.cli"]) + ["--root", str(root), "serve", "--port", "0", *args]
        self.out, self.err = tmp / "stdout", tmp / "stderr"
        self.proc = subprocess.Popen(cmd, stdout=self.out.open("w"), stderr=self.err.open("w"), cwd=tmp)
        deadline = time.monotonic() + 90
        while True:
            m = re.search(r"http://127\.0\.0\.1:(\d+)/", self.out.read_text())
            if m:
                self.port = int(m.group(1))
                break
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.proc.kill()
                raise AssertionError(f"kg serve did not start: {self.err.read_text()[-2000:]}")
            time.sleep(0.1)
        self.base = f"http://127.0.0.1:{self.port}"

    def request(self, method: str, path: str, body: bytes | str | None = None, headers: dict | None = None,
                timeout: float = 30) -> tuple[int, dict, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            data = body.encode("utf-8") if isinstance(body, str) else body
            conn.request(method, path, body=data, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()

    def get(self, path: str, accept: str | None = None, **kw):
        return self.request("GET", path, headers={"Accept": accept} if accept else {}, **kw)

    def stop(self) -> int:
        self.proc.terminate()
        try:
            return self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(5)


MAX_ROWS = 500


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`kg serve` with a 2 s timeout and a cap of 500 rows, on a copy of the project in which
    Pudong has an alias holding a <script> element (one server for every test: each start
    builds and validates the graph)."""
    tmp = tmp_path_factory.mktemp("serve")
    project = tmp / "project"
    for name in ("ontology", "data", "queries"):
        shutil.copytree(ROOT / name, project / name)
    places = project / "data" / "shanghai-2024" / "places-and-centers.ttl"
    places.write_text(places.read_text(encoding="utf-8")
                      + f'\nid:pudong-new-area skos:altLabel "{SCRIPT_LABEL.replace(chr(34), chr(92) + chr(34))}"@en .\n',
                      encoding="utf-8")
    s = Server(tmp, "--timeout", "2", "--max-rows", str(MAX_ROWS), "--workers", "2", root=project)
    yield s
    assert s.stop() == 0, s.err.read_text()[-2000:]


def q(text: str, **extra) -> str:
    return "/sparql?" + urllib.parse.urlencode({"query": text, **extra})


LABELS = "SELECT ?c ?label WHERE { ?c a <%sCenter> ; <%s> ?label } ORDER BY ?label" % (GWR, SKOS.prefLabel)
ASK = "ASK { <%s> a <%sDistrict> }" % (PUDONG, GWR)
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(?s = <%s>) }" % PUDONG


# -- the SPARQL 1.1 Protocol -------------------------------------------------------------------

def test_get_select_defaults_to_sparql_json(server):
    status, headers, body = server.get(q(LABELS))
    assert status == 200
    assert headers["content-type"].startswith("application/sparql-results+json")
    data = json.loads(body)
    assert data["head"]["vars"] == ["c", "label"]
    labels = {b["label"]["value"] for b in data["results"]["bindings"] if b["label"].get("xml:lang") == "en"}
    assert "international shipping center" in labels
    assert len(labels) == 5


@pytest.mark.parametrize("accept, media", [
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
])
def test_select_result_format_follows_accept(server, accept, media):
    status, headers, body = server.get(q(LABELS), accept)
    assert status == 200
    assert headers["content-type"].split(";")[0] == media
    text = body.decode("utf-8")
    if media == "text/csv":
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0] == ["c", "label"] and len(rows) == 11
    elif media == "text/tab-separated-values":
        lines = text.splitlines()
        assert lines[0] == "?c\t?label" and lines[1].startswith("<https://w3id.org/gwr/id/")
    elif media.endswith("xml"):
        assert '<sparql xmlns="http://www.w3.org/2005/sparql-results#">' in text and "<uri>" in text


def test_post_form_and_post_direct(server):
    form = urllib.parse.urlencode({"query": ASK})
    status, headers, body = server.request("POST", "/sparql", form,
                                           {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200 and json.loads(body)["boolean"] is True
    status, headers, body = server.request("POST", "/sparql", ASK,
                                           {"Content-Type": "application/sparql-query",
                                            "Accept": "application/sparql-results+xml"})
    assert status == 200 and headers["content-type"].startswith("application/sparql-results+xml")
    assert b"<boolean>true</boolean>" in body


@pytest.mark.parametrize("accept, media, fmt", [
    (None, "text/turtle", "turtle"),
    ("text/turtle", "text/turtle", "turtle"),
    ("application/ld+json", "application/ld+json", "json-ld"),
    ("application/n-triples", "application/n-triples", "nt"),
])
def test_construct_as_rdf(server, accept, media, fmt):
    status, headers, body = server.get(q(CONSTRUCT), accept)
    assert status == 200
    assert headers["content-type"].split(";")[0] == media
    g = Graph().parse(data=body.decode("utf-8"), format=fmt)
    assert (PUDONG, SKOS.prefLabel, Literal("Pudong New Area", lang="en")) in g


def test_describe(server):
    status, headers, body = server.get(q(f"DESCRIBE <{PUDONG}>"), "text/turtle")
    assert status == 200
    assert (PUDONG, RDF.type, URIRef(GWR + "District")) in Graph().parse(data=body.decode(), format="turtle")


def test_named_graphs_and_default_graph_uri(server):
    text = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"
    status, _, body = server.get(q(text))
    graphs = [b["g"]["value"] for b in json.loads(body)["results"]["bindings"]]
    assert "https://w3id.org/gwr/ontology" in graphs and "https://w3id.org/gwr/id/shanghai-2024" in graphs
    # the ontology alone as the default graph: no districts in it
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?d a <%sDistrict> }" % GWR
    status, _, body = server.get(q(count, **{"default-graph-uri": "https://w3id.org/gwr/ontology"}))
    assert status == 200 and json.loads(body)["results"]["bindings"][0]["n"]["value"] == "0"
    # and so with FROM, which the workers answer from the whole store, not the union's copy
    status, _, body = server.get(q(count.replace("WHERE", "FROM <https://w3id.org/gwr/ontology> WHERE")))
    assert status == 200 and json.loads(body)["results"]["bindings"][0]["n"]["value"] == "0"
    status, _, body = server.get(q(count))
    assert status == 200 and int(json.loads(body)["results"]["bindings"][0]["n"]["value"]) > 0


def test_service_description(server):
    status, headers, body = server.get("/sparql", "text/turtle")
    assert status == 200 and headers["content-type"].startswith("text/turtle")
    g = Graph().parse(data=body.decode(), format="turtle")
    service = next(g.subjects(RDF.type, SD))
    endpoint = g.value(service, URIRef("http://www.w3.org/ns/sparql-service-description#endpoint"))
    assert str(endpoint) == f"{server.base}/sparql"


@pytest.mark.parametrize("method, path, body, ctype", [
    ("POST", "/sparql", "INSERT DATA { <urn:a> <urn:b> <urn:c> }", "application/sparql-update"),
    ("POST", "/sparql", urllib.parse.urlencode({"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}),
     "application/x-www-form-urlencoded"),
    ("POST", "/sparql", urllib.parse.urlencode({"query": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}),
     "application/x-www-form-urlencoded"),
    ("GET", q("DELETE WHERE { ?s ?p ?o }"), None, None),
    ("GET", q("CLEAR ALL ; DROP ALL"), None, None),
    ("GET", q("LOAD <http://example.org/data.ttl>"), None, None),
])
def test_updates_are_refused(server, method, path, body, ctype):
    status, headers, data = server.request(method, path, body, {"Content-Type": ctype} if ctype else {})
    assert status == 403
    assert "read-only" in data.decode()
    # and nothing changed
    _, _, after = server.get(q("ASK { { <urn:a> ?p ?o } UNION { ?s ?p <urn:c> } }"))
    assert json.loads(after)["boolean"] is False
    _, _, count = server.get(q("ASK { ?s a <%sDistrict> }" % GWR))
    assert json.loads(count)["boolean"] is True


def test_federated_query_is_refused(server):
    status, _, body = server.get(q("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"))
    assert status == 403 and b"SERVICE" in body
    # the word inside a string or an IRI is fine
    status, _, _ = server.get(q('SELECT * WHERE { ?s ?p "SERVICE" } LIMIT 1'))
    assert status == 200


@pytest.mark.parametrize("text, where", [
    ("SELECT * WHERE { ?s ?p }", "line 1, column"),
    ("SELEC * WHERE { ?s ?p ?o }", "line 1, column"),
    ("PREFIX x: <urn:x:>\nSELECT * WHERE {\n  ?s x:p ?o .\n  FILTER(\n}", "line 5, column"),
    ("SELECT * WHERE { ?s nope:p ?o }", "line 1, column"),
])
def test_malformed_query_is_400_with_the_parsers_message(server, text, where):
    status, headers, body = server.get(q(text))
    assert status == 400
    message = body.decode()
    assert message.startswith("SPARQL syntax error at ") and where in message
    assert len(message.splitlines()) == 1


@pytest.mark.parametrize("method, path, body, ctype, status", [
    ("POST", "/sparql", "SELECT * {}", "text/plain", 415),
    ("POST", "/sparql", "", "application/x-www-form-urlencoded", 400),
    ("GET", "/sparql?query=", None, None, 400),
    ("GET", q(LABELS) + "&query=ASK%7B%7D", None, None, 400),
])
def test_bad_requests(server, method, path, body, ctype, status):
    got, _, data = server.request(method, path, body, {"Content-Type": ctype} if ctype else {})
    assert got == status, data


def test_unacceptable_format_is_406(server):
    status, _, body = server.get(q(LABELS), "image/png")
    assert status == 406 and b"json" in body
    status, _, body = server.get(q(CONSTRUCT, format="csv"))
    assert status == 406


def test_runaway_query_is_stopped_by_the_timeout(server):
    started = time.monotonic()
    status, headers, body = server.get(q(RUNAWAY))
    took = time.monotonic() - started
    assert status == 503
    assert b"timeout" in body and b"stopped" in body
    assert 2 <= took < 8
    # the server goes on answering (the other worker), and a fresh worker takes the killed one's place
    status, _, body = server.get(q(ASK))
    assert status == 200 and json.loads(body)["boolean"] is True
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # two runaways at once: both workers must be back to be stopped
        statuses = []
        for _ in range(2):
            statuses.append(server.get(q(ASK))[0])
        if statuses == [200, 200]:
            break
    status, _, _ = server.get(q(RUNAWAY))
    assert status == 503


def test_results_are_capped(server):
    status, headers, body = server.get(q("SELECT * WHERE { ?s ?p ?o }"))
    assert status == 200
    assert len(json.loads(body)["results"]["bindings"]) == MAX_ROWS
    assert headers["x-result-truncated"].startswith("true")
    status, headers, body = server.get(q("CONSTRUCT WHERE { ?s ?p ?o }"), "application/n-triples")
    assert status == 200 and len(body.decode().strip().splitlines()) == MAX_ROWS
    status, headers, body = server.get(q(LABELS))
    assert "x-result-truncated" not in headers


# -- pages and dereferencing ---------------------------------------------------------------------

def test_entity_iri_dereferences_by_content_negotiation(server):
    path = "/id/pudong-new-area"
    status, headers, body = server.get(path, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
    assert status == 200 and headers["content-type"].startswith("text/html")
    page = body.decode()
    assert "<h1>Pudong New Area" in page and "<mark>" in page
    status, headers, body = server.get(path, "text/turtle")
    assert status == 200 and headers["content-type"].startswith("text/turtle")
    g = Graph().parse(data=body.decode(), format="turtle")
    assert (PUDONG, SKOS.prefLabel, Literal("Pudong New Area", lang="en")) in g
    assert (PUDONG, URIRef(GWR + "partOf"), URIRef("https://w3id.org/gwr/id/shanghai")) in g
    status, headers, body = server.get(path, "application/ld+json")
    assert status == 200 and headers["content-type"].startswith("application/ld+json")
    g = Graph().parse(data=body.decode(), format="json-ld")
    assert (PUDONG, SKOS.prefLabel, Literal("Pudong New Area", lang="en")) in g
    assert "accept" in headers.get("vary", "").lower()
    status, headers, body = server.get(path + "?format=nt")
    assert status == 200 and headers["content-type"].startswith("application/n-triples")


def test_figures_passages_and_quotes_have_pages(server):
    for path in ("/id/shanghai-2024/figure/gdp-growth-2024", "/id/shanghai-2024/part-1/section-1/paragraph-7",
                 "/id/indicator/gdp-growth", "/id/shanghai-2024", "/id/international-shipping-center"):
        status, _, body = server.get(path, "text/html")
        assert status == 200, path
    status, _, body = server.get("/id/no-such-thing", "text/html")
    assert status == 404


def test_home_page(server):
    status, headers, body = server.get("/", "text/html")
    page = body.decode()
    assert status == 200
    assert 'id="counts"' in page and "District" in page
    assert page.count('href="/id/international-') >= 5  # the Five Centers
    assert 'id="main-targets"' in page and "around 5%" in page
    assert 'id="home-search"' in page and 'action="/queries/search"' in page  # the search box
    assert "http://" not in re.sub(r'(title|href)="[^"]*"|<code[^>]*>[^<]*</code>', "", page)


def test_stored_query_page_and_csv(server):
    status, _, body = server.get("/queries/main-targets?year=2024&run=1", "text/html")
    page = body.decode()
    assert status == 200 and 'id="results"' in page and "GDP growth rate" in page
    status, headers, body = server.get("/queries/main-targets.csv?year=2024")
    assert status == 200 and headers["content-type"].startswith("text/csv")
    assert 'filename="main-targets.csv"' in headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert any(r["statedForm"] == "around 5%" for r in rows)
    status, _, body = server.get("/queries/center?center=no+such+center&run=1", "text/html")
    assert status == 400 and b"unknown" in body
    status, _, _ = server.get("/queries/no-such-query", "text/html")
    assert status == 404


def test_ontology_documents_every_class_and_property(server, built):
    status, _, body = server.get("/ontology", "text/html")
    page = body.decode()
    assert status == 200
    onto = built.ontology
    terms = [s for t in ("Class", "ObjectProperty", "DatatypeProperty")
             for s in onto.subjects(RDF.type, URIRef("http://www.w3.org/2002/07/owl#" + t))
             if str(s).startswith(GWR)]
    assert len(terms) > 40
    for term in terms:
        local = str(term)[len(GWR):]
        assert f'id="{local}"' in page, local
        label = onto.value(term, URIRef("http://www.w3.org/2000/01/rdf-schema#label"))
        assert str(label) in page or any(str(lab) in page for lab in onto.objects(term, URIRef(
            "http://www.w3.org/2000/01/rdf-schema#label"))), local
    status, headers, body = server.get("/ontology", "text/turtle")
    assert status == 200 and len(Graph().parse(data=body.decode(), format="turtle")) == len(onto)


def test_the_interactive_graph_is_served(server):
    status, headers, body = server.get("/graph?focus=https://w3id.org/gwr/id/pudong-new-area", "text/html")
    assert status == 200 and b'id="kg-data"' in body
    assert "script-src 'unsafe-inline'" in headers["content-security-policy"]
    status, _, body = server.get("/graph?focus=no+such+thing", "text/html")
    assert status == 404


# -- safety ----------------------------------------------------------------------------------------

def test_labels_are_escaped(server):
    # the entity page shows the alias; the search echoes the words typed and finds Pudong by them
    for path in ("/id/pudong-new-area", SEARCH + urllib.parse.quote("<script>window.__xss") + "&run=1"):
        status, _, body = server.get(path, "text/html")
        page = body.decode()
        assert status == 200, path
        assert "<script>window" not in page, path
        assert "&lt;script&gt;window.__xss" in page, path
    assert 'href="/id/pudong-new-area"' in page  # found by its alias
    status, _, body = server.get("/id/pudong-new-area", "text/html")
    assert "&lt;script&gt;window.__xss = 1&lt;/script&gt; &amp; &quot;Pudong&quot;" in body.decode()
    # the editor shows a query's text as text too
    status, _, body = server.request("POST", "/sparql", urllib.parse.urlencode({"query": "</textarea><script>x"}),
                                    {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"})
    assert status == 400 and b"</textarea><script>" not in body and b"&lt;/textarea&gt;&lt;script&gt;x" in body


@pytest.mark.parametrize("path", [
    "/assets/../pyproject.toml", "/assets/%2e%2e/%2e%2e/pyproject.toml", "/assets/..%2f..%2fcli.py",
    "/assets/viz.js", "/assets/web.css/..", "/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
    "/id/../../../etc/passwd", "/id/%2e%2e/%2e%2e/etc/passwd", "//etc/passwd", "/assets//etc/passwd",
    "/assets/%2fetc%2fpasswd", "/queries/../pyproject.toml", "/queries/..%2f..%2fpyproject.toml.csv",
    "/class/..%2f..%2fetc", "/src/kg/server.py", "/queries/center.rq", "/dist/graph.ttl", "/.git/config",
])
def test_nothing_outside_the_graph_and_assets_is_reachable(server, path):
    status, _, body = server.get(path, "text/html")
    assert status in (400, 404), (path, status)
    for leak in (b"[project]", b"root:x:", b"[core]", b"import ", b"#+ summary"):
        assert leak not in body, path


def test_assets_are_served(server):
    status, headers, body = server.get("/assets/web.css")
    assert status == 200 and headers["content-type"].startswith("text/css")


@pytest.mark.parametrize("method, path", [
    ("PUT", "/id/pudong-new-area"), ("DELETE", "/id/pudong-new-area"), ("PATCH", "/ontology"),
    ("POST", "/id/pudong-new-area"), ("POST", "/queries/main-targets"), ("PUT", "/sparql"), ("DELETE", "/sparql"),
])
def test_no_method_writes(server, method, path):
    status, headers, body = server.request(method, path, "x", {"Content-Type": "text/turtle"})
    assert status == 405 and "allow" in headers
    assert b"read-only" in body


def test_head_and_security_headers(server):
    status, headers, body = server.request("HEAD", "/id/pudong-new-area", headers={"Accept": "text/html"})
    assert status == 200 and body == b"" and int(headers["content-length"]) > 1000
    status, headers, _ = server.get("/", "text/html")
    assert headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in headers["content-security-policy"]


def test_serve_help_and_bad_port():
    exe = shutil.which("kg")
    cmd = [exe] if exe else [sys.executable, "-m", "kg.cli"]
    out = subprocess.run(cmd + ["serve", "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    for option in ("--host", "--port", "--timeout", "--max-rows", "127.0.0.1"):
        assert option in out.stdout
    out = subprocess.run(cmd + ["serve", "--timeout", "0"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "Traceback" not in out.stderr
