"""A client for a remote SPARQL 1.1 store: the Query and Update protocols and the Graph Store
HTTP Protocol, over urllib (no dependency beyond the standard library and rdflib).

    store = SparqlStore("http://127.0.0.1:7878/query")    # Oxigraph layout: /update, /store
    store.select("SELECT ...")                               # -> rdflib Result
    store.put_graph(iri, ntriples_bytes)                     # GSP PUT
    store.update("DROP SILENT GRAPH <...>")                  # one request, one transaction

Where the endpoints are. `query_url` is required. When it ends in `/query` (Oxigraph, and
Fuseki's `/<dataset>/query`) the update endpoint defaults to the same URL ending in `/update`
and the Graph Store endpoint to `/store` (Oxigraph; give Fuseki's `/<dataset>/data` as
`gsp_url`); a bare `http://host:port` means Oxigraph's `/query`, `/update` and `/store`.
Otherwise the update endpoint defaults to the query URL itself (Virtuoso, GraphDB and Fuseki's
dataset URL accept both) and writes need an explicit `gsp_url`.

Errors: InputError when the store cannot be reached or refuses a query (the message names
the URL and the server's first line), OutputError when a write fails, UsageError for a
malformed URL.
"""

from __future__ import annotations

import io
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from rdflib import Graph
from rdflib.query import Result

from .errors import InputError, OutputError, UsageError

SPARQL_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
# A select or ask answers in SPARQL JSON, a construct or describe in N-Triples: one Accept
# header serves every query form, and the Content-Type of the answer says which came back.
QUERY_ACCEPT = f"{SPARQL_JSON}, {N_TRIPLES};q=0.9, text/plain;q=0.1"
USER_AGENT = "gwr-kg (+https://w3id.org/gwr)"


def _derived(query_url: str) -> tuple[str, str, str | None]:
    """The query, update and Graph Store URLs that `query_url` implies (see the module doc)."""
    parts = urllib.parse.urlsplit(query_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"'{query_url}' is not an http(s) URL of a SPARQL endpoint")
    path = parts.path.rstrip("/")
    if path == "":
        base = urllib.parse.urlunsplit((parts.scheme, parts.netloc, "", "", ""))
        return base + "/query", base + "/update", base + "/store"
    if path.endswith("/query"):
        stem = urllib.parse.urlunsplit((parts.scheme, parts.netloc, path[: -len("/query")], "", ""))
        return query_url, stem + "/update", stem + "/store"
    return query_url, query_url, None


@dataclass
class SparqlStore:
    """The three endpoints of one remote store, and the requests this project makes to them."""

    query_url: str
    gsp_url: str | None = None
    update_url: str | None = None
    timeout: float = 300.0

    def __post_init__(self) -> None:
        query_url, update_url, gsp_url = _derived(self.query_url)
        self.query_url = query_url
        self.update_url = self.update_url or update_url
        self.gsp_url = self.gsp_url or gsp_url
        for url in (self.update_url, self.gsp_url):
            if url is not None:
                _derived(url)  # validates the scheme and host

    # -- HTTP -----------------------------------------------------------------------------
    def _request(self, method: str, url: str, body: bytes | None, headers: dict[str, str],
                 error: type) -> tuple[str, bytes]:
        req = urllib.request.Request(url, data=body, method=method,
                                     headers={"User-Agent": USER_AGENT, **headers})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return resp.headers.get("Content-Type", ""), resp.read()
        except urllib.error.HTTPError as e:
            detail = e.read().decode("utf-8", "replace").strip().splitlines()
            first = detail[0][:300] if detail else e.reason
            raise error(f"{url}: {method} failed: HTTP {e.code}: {first}") from None
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", e)
            raise error(f"{url}: cannot reach the SPARQL store: {reason}") from None

    # -- SPARQL 1.1 Protocol --------------------------------------------------------------
    def query(self, sparql: str) -> Result:
        """Run a query (POST, form-encoded, on the store's default graph); an rdflib Result
        of rdflib terms, whichever the query form."""
        body = urllib.parse.urlencode({"query": sparql}).encode("utf-8")
        ctype, data = self._request("POST", self.query_url, body, {
            "Content-Type": "application/x-www-form-urlencoded", "Accept": QUERY_ACCEPT}, InputError)
        media = ctype.split(";")[0].strip().lower()
        try:
            if media in (SPARQL_JSON, "application/json"):
                return Result.parse(io.BytesIO(data), format="json")
            if media in (N_TRIPLES, "text/plain"):
                result = Result("CONSTRUCT")
                g = Graph()
                g.parse(data=data.decode("utf-8"), format="nt")
                result.graph = g
                return result
        except Exception as e:  # a store that gave up half-way (a timeout) sends a cut answer
            raise InputError(f"{self.query_url}: the answer to a query is cut or malformed: "
                             f"{str(e).splitlines()[0][:200] if str(e) else type(e).__name__}") from None
        raise InputError(f"{self.query_url}: unexpected answer of type '{ctype}' to a query")

    def update(self, sparql: str) -> None:
        """Run a SPARQL Update request: the protocol asks a store to run one request atomically."""
        if self.update_url is None:  # pragma: no cover - always derived
            raise UsageError("no SPARQL update endpoint")
        self._request("POST", self.update_url, sparql.encode("utf-8"),
                      {"Content-Type": "application/sparql-update"}, OutputError)

    # -- Graph Store HTTP Protocol --------------------------------------------------------
    def _graph_url(self, iri: str) -> str:
        if self.gsp_url is None:
            raise UsageError(f"{self.query_url}: writing needs the Graph Store Protocol URL of the store "
                             "(--gsp URL, or sparql:QUERY_URL,GSP_URL)")
        sep = "&" if "?" in self.gsp_url else "?"
        return f"{self.gsp_url}{sep}{urllib.parse.urlencode({'graph': iri})}"

    def put_graph(self, iri: str, ntriples: bytes) -> None:
        """Replace the named graph `iri` with the N-Triples `ntriples` (GSP PUT)."""
        self._request("PUT", self._graph_url(iri), ntriples, {"Content-Type": N_TRIPLES}, OutputError)

    def delete_graph(self, iri: str) -> None:
        """Remove the named graph `iri` (GSP DELETE); a graph that is not there is fine."""
        try:
            self._request("DELETE", self._graph_url(iri), None, {}, OutputError)
        except OutputError as e:
            if "HTTP 404" not in str(e):
                raise
