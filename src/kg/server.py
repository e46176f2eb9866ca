"""`kg serve`: the built graph over HTTP: a read-only SPARQL 1.1 endpoint and pages to browse.

    site = open_site(root, timeout=10.0, max_rows=10_000)     # build, validate, start workers
    server = make_server(site, "127.0.0.1", 8000)
    server.serve_forever()

    open_site(root, engine="oxigraph:store/")                 # SPARQL on an on-disk store
    open_site(root, engine="http://127.0.0.1:7878", load=False)   # on a remote store, as it is

Routes (GET and HEAD; POST only on /sparql; every other method gets 405):

    /                      home: counts by class, search, the Five Centers, the main targets
    /id/PATH               the thing https://w3id.org/gwr/id/PATH: HTML, or Turtle, JSON-LD,
                           N-Triples, RDF/XML by the Accept header (or ?format=turtle|jsonld|nt|xml)
    /class/NAME            the instances of gwr:NAME
    /ontology              the ontology as HTML (or as RDF, negotiated like /id/)
    /queries               the stored queries; /queries/NAME a form, its results, ?run=1
    /queries/NAME.csv      its results as CSV
    /sparql                the SPARQL 1.1 Protocol (see kg.sparql_protocol); without a query,
                           the service description, or the query editor for a browser
    /graph                 the interactive graph: ?focus=IRI[&depth=N] or ?view=NAME
    /assets/NAME           the stylesheet: a fixed list of package files, nothing else

Pages are rendered from an rdflib graph held in memory; SPARQL (the endpoint and the stored
queries) runs where `engine` says (kg.engines specs): Oxigraph in memory in worker processes
(kg.query_pool; the default), an on-disk Oxigraph store that the workers open read-only,
rdflib in worker processes, or a remote store the queries are forwarded to. Workers are what
bound a query's time. Nothing is written while serving: the graph is built, validated and
(into a store) loaded at start and never changes, so rendered pages are cached.
"""

from __future__ import annotations

import re
import socket
import sys
import threading
import traceback
import urllib.parse
from collections import OrderedDict
from contextlib import ExitStack
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from pathlib import Path

from rdflib import Graph, Literal, URIRef

from .build import package_version
from .engines import OxigraphEngine, RdflibEngine, RemoteEngine, open_engine
from .errors import InputError, NonConformingError, UsageError
from .exports import FORMATS as RDF_FORMATS, serialise
from .graph import KnowledgeGraph, build_graph
from .namespaces import DCTERMS, GWR, ID_BASE, PREFIXES, RDF, bind_prefixes
from .pages import Context, class_page, editor_page, entity_page, error_page, home_page, ontology_page, page, \
    query_page, queries_page, results_table, tag, url
from .queries import StoredQuery, bind_values, default_query_dir, load_queries, resolve_params
from .query_pool import QueryPool, RemotePool
from .results import graph_labeler
from .sparql_protocol import MAX_BODY, HttpError, ResultFormat, calls_service, negotiate, read_request
from .stats import class_counts

__all__ = ["Site", "Response", "open_site", "make_server", "ASSETS"]

# The only files the server reads after start: package files, by name.
ASSETS = {"web.css": "text/css; charset=utf-8"}

PAGE_CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; frame-src 'self'; "
            "form-action 'self'; base-uri 'none'; frame-ancestors 'self'")
# The interactive graph inlines its script and style (it is also a file that works on its own).
VIZ_CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; "
           "base-uri 'none'; form-action 'none'; frame-ancestors 'self'")

HTML = ResultFormat("html", "text/html", (), ("application/xhtml+xml",))
PLAIN = ResultFormat("plain", "text/plain", ())


def _rdf(name: str) -> ResultFormat:
    f = RDF_FORMATS[name]
    return ResultFormat(name, f.media_type, (), ("application/x-turtle",) if name == "turtle" else ())


# What a description (an entity, the ontology, the service) can be had in, in order of
# preference: a client that accepts anything gets Turtle, a browser asks for HTML first.
DESCRIPTION_FORMATS = [_rdf("turtle"), _rdf("jsonld"), _rdf("nt"), _rdf("xml"), HTML]


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = "text/plain; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


class _Cache:
    """A small thread-safe LRU of rendered responses."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def peek(self, key):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def put(self, key, value) -> None:
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def get(self, key, make):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = make()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


def _plain(status: int, message: str, headers: dict | None = None) -> Response:
    return Response(status, (message + "\n").encode("utf-8"), "text/plain; charset=utf-8", dict(headers or {}))


class Site:
    """The served graph and everything that answers requests about it."""

    def __init__(self, kg: KnowledgeGraph, graph: Graph, pool: QueryPool | RemotePool, queries: dict[str, StoredQuery],
                 *, max_rows: int, timeout: float, engine: str = "oxigraph", whole: bool = True,
                 on_close=None) -> None:
        self.kg = kg
        self.graph = graph
        self.pool = pool
        self.engine = engine  # the spec SPARQL runs on, for the operator
        self.whole = whole  # the store holds this project's graph and nothing else
        self._on_close = on_close
        self.queries = queries
        self.max_rows = max_rows
        self.timeout = timeout
        self.triples = len(graph)
        self.version = package_version()
        from .projection import node_kinds
        self._network = None  # the interactive graph's projection, made when first asked for
        self.ctx = Context(graph=graph, ontology=kg.ontology, labeler=graph_labeler(graph),
                           sources={str(r.iri): r.text for r in kg.inputs.reports},
                           queries=queries, graph_nodes={str(n) for n in node_kinds(graph)})
        if len(kg.inputs.reports) == 1:  # "Shanghai 2024: Report on the Work of the Government"
            report = kg.inputs.reports[0]
            title = next((str(t) for t in graph.objects(report.iri, DCTERMS.title)
                          if isinstance(t, Literal) and t.language == "en"), "")
            self.ctx.title = f"{report.slug.replace('-', ' ').title()}: {title}".strip(": ")
        self._rdflib = threading.Lock()  # rdflib's SPARQL engine is not meant to be shared by threads
        self._pages = _Cache(4096)
        self._params = _Cache(1024)
        self.counts = class_counts(graph)

    def close(self) -> None:
        try:
            self.pool.close()
        finally:
            if self._on_close is not None:
                self._on_close()
                self._on_close = None

    @property
    def network(self):
        """The projection the interactive graph draws from (kg.projection), made once."""
        with self._rdflib:
            if self._network is None:
                from .projection import project
                self._network = project(self.graph)
            return self._network

    # -- dispatch ---------------------------------------------------------------------------
    def handle(self, method: str, target: str, headers, body: bytes = b"") -> Response:
        """The response to one request (never raises)."""
        accept = headers.get("Accept", "") or ""
        try:
            return self._route(method, target, headers, body)
        except HttpError as e:
            return self._error(e.status, e.message, accept, e.headers, sparql=target.startswith("/sparql"))
        except Exception:  # a bug: say so without details, log them for the operator
            traceback.print_exc(file=sys.stderr)
            return _plain(500, "internal error: the server failed to answer this request")

    def _error(self, status: int, message: str, accept: str, headers: dict | None = None, *,
               sparql: bool = False) -> Response:
        chosen = negotiate(accept, [PLAIN, HTML])
        if chosen is HTML and not sparql:
            reason = HTTPStatus(status).phrase
            return Response(status, error_page(self.ctx, status, reason, message), "text/html; charset=utf-8",
                            dict(headers or {}))
        return _plain(status, message, headers)

    def _route(self, method: str, target: str, headers, body: bytes) -> Response:
        parts = urllib.parse.urlsplit(target)
        raw_path, query = parts.path or "/", parts.query
        try:
            path = urllib.parse.unquote(raw_path, errors="strict")
        except UnicodeDecodeError:
            raise HttpError(400, "the path is not percent-encoded UTF-8") from None
        if not path.startswith("/") or "\x00" in path or any(seg in (".", "..") for seg in path.split("/")):
            raise HttpError(404, "no such page")
        try:
            params = urllib.parse.parse_qs(query, keep_blank_values=True, max_num_fields=200)
        except ValueError as e:
            raise HttpError(400, f"malformed parameters: {e}") from None
        accept = headers.get("Accept", "") or ""
        if method == "OPTIONS":
            return Response(204, b"", headers={"Allow": self._allowed(path)})
        if method == "POST" and path != "/sparql":
            raise HttpError(405, f"{path} is read-only: it answers GET and HEAD", {"Allow": "GET, HEAD"})
        if method not in ("GET", "HEAD", "POST"):
            raise HttpError(405, f"this server is read-only: {method} is not allowed", {"Allow": self._allowed(path)})

        if path == "/sparql":
            return self.sparql(method, query, headers, body)
        if path == "/":
            return self._html(self._pages.get("home", lambda: home_page(self.ctx, self.counts, self.triples)))
        if path.startswith("/id/"):
            return self.describe(URIRef(ID_BASE + path[len("/id/"):]), accept, _one(params, "format"))
        if path == "/ontology":
            return self.ontology(accept, _one(params, "format"))
        if path.startswith("/class/"):
            name = path[len("/class/"):]
            html = self._pages.get(("class", name), lambda: class_page(self.ctx, GWR[name], self.max_rows)
                                   if re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name) else None)
            if html is None:
                raise HttpError(404, f"no class gwr:{name} in the ontology")
            return self._html(html)
        if path == "/queries":
            return self._html(self._pages.get("queries", lambda: queries_page(self.ctx)))
        m = re.fullmatch(r"/queries/([a-z0-9][a-z0-9-]*)(\.csv)?", path)
        if m:
            return self.stored_query(m.group(1), params, csv=bool(m.group(2)))
        if path == "/graph":
            return self.interactive_graph(params)
        m = re.fullmatch(r"/assets/([a-z0-9-]+\.[a-z]+)", path)
        if m and m.group(1) in ASSETS:
            data = files("kg").joinpath("assets", m.group(1)).read_bytes()
            return Response(200, data, ASSETS[m.group(1)], {"Cache-Control": "max-age=3600"})
        raise HttpError(404, f"no such page: {path}")

    @staticmethod
    def _allowed(path: str) -> str:
        return "GET, HEAD, POST, OPTIONS" if path == "/sparql" else "GET, HEAD, OPTIONS"

    @staticmethod
    def _html(body: bytes, status: int = 200, headers: dict | None = None) -> Response:
        return Response(status, body, "text/html; charset=utf-8", dict(headers or {}))

    # -- descriptions -------------------------------------------------------------------------
    def description_graph(self, iri: URIRef) -> Graph:
        """What /id/... says about `iri` as RDF: its statements, the statements that point to
        it, and its quotes with their offsets and passages."""
        g = self.graph
        out = Graph()
        bind_prefixes(out)
        for p, o in g.predicate_objects(iri):
            out.add((iri, p, o))
            if p == GWR.hasQuote:
                for qp, qo in g.predicate_objects(o):
                    out.add((o, qp, qo))
        for s, p in g.subject_predicates(iri):
            out.add((s, p, iri))
        return out

    def _negotiated(self, accept: str, fmt: str | None) -> ResultFormat:
        if fmt:
            chosen = next((f for f in DESCRIPTION_FORMATS if f.name == fmt.lower()), None)
            if chosen is None:
                raise HttpError(406, f"unknown format '{fmt}'; choose one of: "
                                     + ", ".join(f.name for f in DESCRIPTION_FORMATS))
            return chosen
        chosen = negotiate(accept, DESCRIPTION_FORMATS)
        if chosen is None:
            raise HttpError(406, "no acceptable format; this page is available as "
                                 + ", ".join(f.media_type for f in DESCRIPTION_FORMATS))
        return chosen

    def _rdf_response(self, graph: Graph, chosen: ResultFormat) -> Response:
        try:
            data = serialise(graph, RDF_FORMATS[chosen.name])
        except UsageError as e:  # RDF/XML cannot write every property IRI
            raise HttpError(406, f"cannot write this description as {chosen.name}: {e}") from None
        ctype = chosen.media_type + ("; charset=utf-8" if chosen.name != "xml" else "")
        return Response(200, data, ctype, {"Vary": "Accept"})

    def describe(self, iri: URIRef, accept: str, fmt: str | None) -> Response:
        if (iri, None, None) not in self.graph:
            raise HttpError(404, f"the graph has nothing about <{iri}>")
        chosen = self._negotiated(accept, fmt)
        if chosen is HTML:
            html = self._pages.get(("id", str(iri)), lambda: entity_page(self.ctx, iri))
            return self._html(html, headers={"Vary": "Accept"})
        return self._pages.get(("rdf", str(iri), chosen.name),
                               lambda: self._rdf_response(self.description_graph(iri), chosen))

    def ontology(self, accept: str, fmt: str | None) -> Response:
        chosen = self._negotiated(accept, fmt)
        if chosen is HTML:
            return self._html(self._pages.get("ontology", lambda: ontology_page(self.ctx)), headers={"Vary": "Accept"})
        return self._pages.get(("ontology", chosen.name), lambda: self._rdf_response(self.kg.ontology, chosen))

    def service_description(self, base: str) -> Graph:
        """The SPARQL 1.1 Service Description of the endpoint at `base` + /sparql."""
        from rdflib import BNode, Namespace
        SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
        FMT = Namespace("http://www.w3.org/ns/formats/")
        g = Graph()
        bind_prefixes(g)
        g.bind("sd", SD)
        g.bind("formats", FMT)
        endpoint = URIRef(base + "/sparql")
        svc = BNode("service")
        g.add((svc, RDF.type, SD.Service))
        g.add((svc, SD.endpoint, endpoint))
        g.add((svc, SD.supportedLanguage, SD.SPARQL11Query))
        for f in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                  "Turtle", "JSON-LD", "N-Triples"):
            g.add((svc, SD.resultFormat, FMT[f]))
        g.add((svc, URIRef("http://purl.org/dc/terms/description"),
               Literal(f"Read-only SPARQL endpoint of kg serve {self.version}: queries stop after "
                       f"{self.timeout:g} s; at most {self.max_rows:,} results are returned", lang="en")))
        if not self.whole:  # a store served as it is: what it holds is not known here
            return g
        g.add((svc, SD.feature, SD.UnionDefaultGraph))
        dataset, default = BNode("dataset"), BNode("default")
        g.add((svc, SD.defaultDataset, dataset))
        g.add((dataset, RDF.type, SD.Dataset))
        g.add((dataset, SD.defaultGraph, default))
        g.add((default, RDF.type, SD.Graph))
        g.add((default, URIRef("http://rdfs.org/ns/void#triples"), Literal(self.triples)))
        for i, name in enumerate(sorted(self.kg.named_graphs()), 1):
            ng = BNode(f"graph{i}")
            g.add((dataset, SD.namedGraph, ng))
            g.add((ng, SD.name, name))
        return g

    # -- SPARQL -------------------------------------------------------------------------------
    def sparql(self, method: str, query_string: str, headers, body: bytes) -> Response:
        accept = headers.get("Accept", "") or ""
        request = read_request(method, query_string, headers.get("Content-Type"), body)
        if request.query is None:
            edit = _one(urllib.parse.parse_qs(query_string), "edit")
            chosen = self._negotiated(accept, request.format)
            if chosen is HTML or edit is not None:
                return self._html(editor_page(self.ctx, self._editor_text(edit)), headers={"Vary": "Accept"})
            base = self._base(headers)
            return self._rdf_response(self.service_description(base), chosen)
        # A browser (or format=html) gets errors inside the editor page; other clients one line of text.
        html = request.format == "html" or (request.format is None and negotiate(accept, [PLAIN, HTML]) is HTML)
        try:
            if calls_service(request.query):
                raise HttpError(403, "federated queries (SERVICE) are refused: this endpoint answers from its "
                                     "own graph only")
            answer = self.pool.run(request.query, accept=accept, format=request.format,
                                   default_graphs=request.default_graphs, named_graphs=request.named_graphs)
        except HttpError as e:
            if html:
                page_bytes = editor_page(self.ctx, request.query, error=f"{e.status} {HTTPStatus(e.status).phrase}: "
                                                                          f"{e.message}")
                return self._html(page_bytes, e.status, e.headers)
            raise
        extra = {"Vary": "Accept", "X-Result-Count": str(answer.rows)}
        if answer.truncated:
            extra["X-Result-Truncated"] = f"true; limit={self.max_rows}"
        if answer.format == "html":
            table = results_table(self.ctx, answer.json(), truncated=answer.truncated, limit=self.max_rows)
            return self._html(editor_page(self.ctx, request.query, results=table), headers=extra)
        return Response(200, answer.body, answer.content_type, extra)

    def _editor_text(self, name: str | None) -> str:
        if name and name in self.queries:
            return self.queries[name].text
        if name:
            raise HttpError(404, f"no stored query '{name}'")
        return ("PREFIX gwr: <https://w3id.org/gwr/ontology#>\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n\n"
                "SELECT ?center ?label WHERE {\n  ?center a gwr:Center ;\n          skos:prefLabel ?label .\n"
                "  FILTER(lang(?label) = \"en\")\n}\nORDER BY ?label\n")

    @staticmethod
    def _base(headers) -> str:
        host = headers.get("Host", "") or ""
        if not re.fullmatch(r"[A-Za-z0-9.\-]+(:\d{1,5})?|\[[0-9A-Fa-f:.]+\](:\d{1,5})?", host):
            host = "localhost"
        return f"http://{host}"

    # -- stored queries -----------------------------------------------------------------------
    def _bindings(self, q: StoredQuery, given: dict[str, str]) -> dict:
        key = (q.name, tuple(sorted(given.items())))

        def resolve():
            with self._rdflib:
                try:
                    return ("ok", resolve_params(self.graph, q, given))
                except UsageError as e:
                    return ("error", str(e))
        return self._params.get(key, resolve)

    def _choices(self, q: StoredQuery) -> dict[str, list[str]]:
        def make():
            out = {}
            for p in q.params:
                if p.type != "entity":
                    continue
                prefix, _, local = (p.cls or "").partition(":")
                cls = URIRef(str(PREFIXES[prefix]) + local) if prefix in PREFIXES else GWR.Entity
                labels = {self.ctx.labeler(s) for s in self.graph.subjects(RDF.type, cls)}
                out[p.name] = sorted((lab for lab in labels if lab), key=str.casefold)
            return out
        return self._pages.get(("choices", q.name), make)

    def stored_query(self, name: str, params: dict[str, list[str]], *, csv: bool) -> Response:
        q = self.queries.get(name)
        if q is None:
            raise HttpError(404, f"no stored query '{name}' (see /queries)")
        names = {p.name for p in q.params}
        given = {k: v[-1].strip() for k, v in params.items() if k in names and v and v[-1].strip()}
        run = csv or "run" in params or bool(given)
        key = ("query", name, tuple(sorted(given.items())), run, csv)
        # The graph never changes, so a query's page is the same every time: cache it (a
        # timeout or other error is not cached, and neither is a very large page).
        cached = self._pages.peek(key)
        if cached is not None:
            return cached
        resp = self._stored_query(q, given, run=run, csv=csv)
        if resp.status == 200 and len(resp.body) < 1 << 20:
            self._pages.put(key, resp)
        return resp

    def _stored_query(self, q: StoredQuery, given: dict[str, str], *, run: bool, csv: bool) -> Response:
        name = q.name
        if not run:
            return self._html(query_page(self.ctx, q, given, choices=self._choices(q)))
        status, value = self._bindings(q, given)
        if status == "error":
            if csv:
                raise HttpError(400, value)
            return self._html(query_page(self.ctx, q, given, choices=self._choices(q), error=value), 400)
        try:
            text = bind_values(q.text, value)
        except UsageError as e:
            raise HttpError(400, str(e)) from None
        if csv:
            answer = self.pool.run(text, format="csv")
            return Response(200, answer.body, answer.content_type,
                            {"Content-Disposition": f'attachment; filename="{name}.csv"',
                             "X-Result-Count": str(answer.rows)})
        try:
            answer = self.pool.run(text, format="html")
        except HttpError as e:
            return self._html(query_page(self.ctx, q, given, choices=self._choices(q), error=e.message), e.status)
        table = results_table(self.ctx, answer.json(), truncated=answer.truncated, limit=self.max_rows)
        return self._html(query_page(self.ctx, q, given, choices=self._choices(q), results=table,
                                     csv_href=url(f"/queries/{name}.csv", **given)))

    # -- the interactive graph ------------------------------------------------------------------
    def interactive_graph(self, params: dict[str, list[str]]) -> Response:
        from .viz import layout, render, select
        focus, view, depth = _one(params, "focus"), _one(params, "view"), _one(params, "depth")
        if focus is None and view is None:
            return self._html(self._pages.get("graph-index", self._graph_index))
        try:
            d = int(depth) if depth not in (None, "") else None
        except ValueError:
            raise HttpError(400, f"depth must be a whole number, not '{depth}'") from None
        if d is not None and not 0 <= d <= 3:
            raise HttpError(400, "depth must be between 0 and 3")
        key = ("viz", focus, view, d)

        def make():
            network = self.network
            try:
                with self._rdflib:
                    sub = select(network, view=view, focus=focus, depth=d, graph=self.graph)
                    return ("ok", render(layout(sub), "html", network))
            except UsageError as e:
                return ("error", str(e))
        status, value = self._pages.get(key, make)
        if status == "error":
            raise HttpError(404, value)
        return Response(200, value, "text/html; charset=utf-8", {"Content-Security-Policy": VIZ_CSP})

    def _graph_index(self) -> bytes:
        from .viz import VIEWS
        items = [tag("li", tag("a", v.title, href=url("/graph", view=name)), " ", tag("small", v.description))
                 for name, v in VIEWS.items()]
        return page(self.ctx, "Interactive graph", tag("h1", "Interactive graph"),
                    tag("p", "A view of the graph, or any entity's page, which shows the graph around it."),
                    tag("ul", items, id="views"), active="/graph")


def _one(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    return values[-1] if values else None


def open_site(root: Path | None = None, *, queries_dir: Path | None = None, workers: int = 2,
              timeout: float = 10.0, max_rows: int = 10_000, engine: str | None = None, load: bool = True) -> Site:
    """Build and validate the graph under `root`, put it where `engine` (a kg.engines spec;
    default oxigraph) runs SPARQL, and return the Site that serves it:

    - oxigraph, rdflib: `workers` processes, each loaded with its own copy of the graph;
    - oxigraph:DIR: the graph loaded into DIR (each report's graph replaced atomically), then
      `workers` processes that open DIR read-only; DIR is locked against kg writers meanwhile;
    - sparql:... or an http(s) URL: the graph loaded into the remote store as `kg load` does;
      queries are forwarded there, at most `workers` at once.

    `load=False` (oxigraph:DIR or remote only) serves the store as it is; pages still come
    from the project's graph. Raises UsageError (a bad spec, `load=False` in memory, a store
    holding nothing), InputError (bad input or stored queries, a store that cannot be opened
    or a worker that cannot start), NonConformingError (nothing is loaded or served then),
    OutputError (the store refused the load: its old graphs stay)."""
    spec = (engine or "oxigraph").strip()
    options = {"workers": workers, "timeout": timeout, "max_rows": max_rows,
               "prefixes": {p: str(ns) for p, ns in PREFIXES.items()}}
    with ExitStack() as held:  # released if anything fails, else when the site closes
        store = held.enter_context(_open_store(spec, load))
        kg = build_graph(root)
        pool = None
        if not store.persistent:  # the workers load their copies while this process validates
            pool = QueryPool(_worker_data(store, kg), **options)
            store.close()  # the workers have their copies
            held.callback(pool.close)
            pool.spawn()
        graph = kg.union()
        report = kg.validate(graph)
        if not report.conforms:
            done = "loaded or served" if load and store.persistent else "served"
            raise NonConformingError(f"{len(report.problems)} problem(s): the data does not conform; nothing {done}",
                                     report.problems)
        queries = load_queries(queries_dir if queries_dir is not None else default_query_dir(kg.inputs.root))
        if load and store.persistent:
            store.load(kg.named_graphs())
        if isinstance(store, OxigraphEngine) and store.persistent:
            if not store.read_only:  # the workers read it, and pyoxigraph leaves reading beside a writer undefined
                store.close()
                store = held.enter_context(OxigraphEngine(store.path, read_only=True))  # held: kg writers wait
            pool = QueryPool(("store", str(store.path)), **options)
            held.callback(pool.close)
            pool.spawn()
        elif isinstance(store, RemoteEngine):
            pool = RemotePool(store.store.query_url, **options)
        try:
            pool.wait_ready()
        except RuntimeError as e:
            raise InputError(f"cannot start the query workers: {e}") from None
        return Site(kg, graph, pool, queries, max_rows=max_rows, timeout=timeout, engine=store.spec,
                    whole=load, on_close=held.pop_all().close)


def _open_store(spec: str, load: bool):
    """The engine a site's SPARQL runs on; a store served as it is must hold data, and an
    on-disk one is then only opened read-only (several servers may share it). A store that
    cannot be reached fails here, before anything is built."""
    if not load and spec.startswith("oxigraph:"):
        path = Path(spec[len("oxigraph:"):])
        if not path.is_dir():
            raise UsageError(f"no Oxigraph store in {path}: make one with `kg load --to {spec}`, "
                             "or serve without --no-load")
        store = OxigraphEngine(path, read_only=True)
    else:
        store = open_engine(spec)  # UsageError for a bad spec
    try:
        if not load and not store.persistent:
            raise UsageError(f"--no-load serves a store as it is: give oxigraph:DIR or a remote store, not {spec}")
        if store.persistent and store.is_empty() and not load:
            raise UsageError(f"{store.spec} holds no graph: load one with `kg load --to {spec}`, "
                             "or serve without --no-load")
    except BaseException:
        store.close()
        raise
    return store


def _worker_data(store, kg: KnowledgeGraph) -> tuple:
    """What the workers of an in-memory engine load: the graph in the engines' layout."""
    import pyoxigraph as ox
    if isinstance(store, RdflibEngine):  # the named graphs; rdflib's default graph is their union
        return ("rdflib", kg.dataset().serialize(format="nquads", encoding="utf-8"))
    store.load(kg.named_graphs())  # named graphs, and their union as the default graph
    return ("nquads", store.store.dump(format=ox.RdfFormat.N_QUADS))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive; every response has a Content-Length
    timeout = 60  # seconds an idle or slow connection may hold its thread

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes: without this, Nagle's algorithm holds the body
        # back until the client's delayed ACK, 40 ms on every keep-alive request.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def version_string(self) -> str:
        return f"kg-serve/{self.server.site.version}"

    def _serve(self, method: str) -> None:
        site: Site = self.server.site
        body = b""
        if method == "POST":
            if "chunked" in (self.headers.get("Transfer-Encoding", "") or "").lower():
                self._send(_plain(411, "give the request body with a Content-Length"), close=True)
                return
            try:
                length = int(self.headers.get("Content-Length", "0") or 0)
            except ValueError:
                length = -1
            if length < 0:
                self._send(_plain(400, "malformed Content-Length"), close=True)
                return
            if length > MAX_BODY:
                self._send(_plain(413, f"the request body is larger than {MAX_BODY} bytes"), close=True)
                return
            body = self.rfile.read(length)
        self._send(site.handle(method, self.path, self.headers, body), head=method == "HEAD")

    def _send(self, resp: Response, *, head: bool = False, close: bool = False) -> None:
        try:
            self.send_response(resp.status)
            self.send_header("Content-Type", resp.content_type)
            self.send_header("Content-Length", str(len(resp.body)))
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Referrer-Policy", "no-referrer")
            headers = dict(resp.headers)
            headers.setdefault("Content-Security-Policy", PAGE_CSP)
            for k, v in headers.items():
                self.send_header(k, v)
            if close:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if not head:
                self.wfile.write(resp.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def do_GET(self) -> None:
        self._serve("GET")

    def do_HEAD(self) -> None:
        self._serve("HEAD")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_OPTIONS(self) -> None:
        self._serve("OPTIONS")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def log_message(self, format: str, *args) -> None:
        if self.server.access_log:
            super().log_message(format, *args)


MAX_CONNECTIONS = 256  # open connections (one thread each); more are answered 503 and closed


class KgHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # 50 clients connecting at once must not overflow the backlog

    def __init__(self, address, site: Site, *, access_log: bool = False) -> None:
        self.site = site
        self.access_log = access_log
        self._open = 0
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request, client_address) -> None:
        with self._open_lock:
            full = self._open >= MAX_CONNECTIONS
            if not full:
                self._open += 1
        if full:
            try:
                request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
                                b"Content-Length: 35\r\nRetry-After: 1\r\nConnection: close\r\n\r\n"
                                b"busy: too many open connections\r\n\r\n")
            except OSError:
                pass
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._open_lock:
                self._open -= 1


class KgHTTPServer6(KgHTTPServer):
    address_family = socket.AF_INET6


def make_server(site: Site | None, host: str = "127.0.0.1", port: int = 8000, *,
                access_log: bool = False) -> KgHTTPServer:
    """An HTTP server for `site` listening on host:port (port 0: any free port; see
    `server.server_address`). Raises UsageError when it cannot listen there. `site` may be set
    later (`server.site = ...`), before serving: so a port in use fails before any loading."""
    cls = KgHTTPServer6 if ":" in host else KgHTTPServer
    try:
        return cls((host, port), site, access_log=access_log)
    except OSError as e:
        raise UsageError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
