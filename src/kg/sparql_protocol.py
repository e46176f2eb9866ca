"""The SPARQL 1.1 Protocol, server side: read a query request, refuse writes, choose a format.

    request = read_request("GET", query_string, headers, body)    # HttpError when malformed
    fmt = negotiate(headers.get("Accept", ""), formats_for("SELECT"))

What a request may be (https://www.w3.org/TR/sparql11-protocol/#query-operation):

- GET  /sparql?query=...&default-graph-uri=...&named-graph-uri=...
- POST /sparql, `application/x-www-form-urlencoded`, the same fields in the body
- POST /sparql, `application/sparql-query`, the query as the body (graph URIs in the URL)

Beside the protocol's own fields, `format=NAME` (one of FORMATS, e.g. `format=csv`) picks the
result format when a link or a form cannot set the Accept header.

The endpoint is read-only: an `update=` field, an `application/sparql-update` body or query
text that parses as SPARQL Update is refused with 403 and says so; so is a query that calls
`SERVICE`, which would make the server fetch from another host. PUT, DELETE and PATCH get 405.
Errors are HttpError: a status, a one-line message and headers.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass, field

__all__ = [
    "HttpError", "ResultFormat", "FORMATS", "TABULAR", "GRAPH", "formats_for", "format_named",
    "negotiate", "parse_accept", "QueryRequest", "read_request", "refuse_update_text",
    "calls_service", "syntax_message", "MAX_BODY",
]

MAX_BODY = 1 << 20  # a query request body larger than 1 MiB is refused (413)

TABULAR = ("SELECT", "ASK")
GRAPH = ("CONSTRUCT", "DESCRIBE")


class HttpError(Exception):
    """A request the server answers with an error status and a one-line message."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


@dataclass(frozen=True)
class ResultFormat:
    """A format results can be written in: its name (for `format=`), media type, aliases
    accepted in Accept headers, and the query forms it serves."""

    name: str
    media_type: str
    forms: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    description: str = ""

    @property
    def content_type(self) -> str:
        text = self.media_type.startswith("text/") or self.media_type.endswith(("json", "xml"))
        return f"{self.media_type}; charset=utf-8" if text else self.media_type


# The one list of result formats, in the server's order of preference for each query form
# (the first that a client accepts equally well wins; with no Accept header, the first).
FORMATS: dict[str, ResultFormat] = {f.name: f for f in [
    ResultFormat("json", "application/sparql-results+json", TABULAR, ("application/json",),
                 "SPARQL 1.1 Query Results JSON"),
    ResultFormat("xml", "application/sparql-results+xml", TABULAR, ("application/xml", "text/xml"),
                 "SPARQL Query Results XML"),
    ResultFormat("csv", "text/csv", TABULAR, (), "SPARQL 1.1 Query Results CSV"),
    ResultFormat("tsv", "text/tab-separated-values", TABULAR, (), "SPARQL 1.1 Query Results TSV"),
    ResultFormat("turtle", "text/turtle", GRAPH, ("application/x-turtle",), "Turtle"),
    ResultFormat("jsonld", "application/ld+json", GRAPH, (), "JSON-LD"),
    ResultFormat("nt", "application/n-triples", GRAPH, ("text/plain",), "N-Triples"),
    ResultFormat("html", "text/html", TABULAR + GRAPH, ("application/xhtml+xml",),
                 "an HTML page with the results as a table (for browsers)"),
]}


def formats_for(form: str) -> list[ResultFormat]:
    """The formats a query form (SELECT, ASK, CONSTRUCT, DESCRIBE) can be answered in."""
    return [f for f in FORMATS.values() if form in f.forms]


def format_named(name: str, form: str) -> ResultFormat:
    """The format `format=name` asks for; HttpError 406 if there is none for this query form."""
    fmt = FORMATS.get(name.strip().lower())
    if fmt is None or form not in fmt.forms:
        names = ", ".join(f.name for f in formats_for(form))
        raise HttpError(406, f"format '{name}' cannot express a {form} result; choose one of: {names}")
    return fmt


def parse_accept(header: str) -> list[tuple[str, float]]:
    """The media ranges of an Accept header with their q values, in the order given."""
    out = []
    for part in (header or "").split(","):
        bits = [b.strip() for b in part.split(";")]
        media = bits[0].lower()
        if not media:
            continue
        q = 1.0
        for b in bits[1:]:
            k, _, v = b.partition("=")
            if k.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(v)))
                except ValueError:
                    q = 0.0
        out.append((media, q))
    return out


def _quality(media: str, ranges: list[tuple[str, float]]) -> float:
    """The q value the most specific matching range gives `media` (exact, then type/*, then */*)."""
    best: tuple[int, float] | None = None
    kind = media.split("/")[0]
    for rng, q in ranges:
        spec = 2 if rng == media else 1 if rng == f"{kind}/*" else 0 if rng in ("*/*", "*") else -1
        if spec >= 0 and (best is None or spec > best[0]):
            best = (spec, q)
    return best[1] if best else 0.0


def negotiate(accept: str, offers: list[ResultFormat]) -> ResultFormat | None:
    """The offer the Accept header gives the highest q (ties go to the earlier offer); None if
    it accepts none of them. No Accept header, or an empty one, accepts anything."""
    ranges = parse_accept(accept)
    if not ranges:
        return offers[0] if offers else None
    best, best_q = None, 0.0
    for fmt in offers:
        q = max(_quality(m, ranges) for m in (fmt.media_type, *fmt.aliases))
        if q > best_q:
            best, best_q = fmt, q
    return best


@dataclass
class QueryRequest:
    """A query request read from HTTP: the query text (None: no query, the service
    description is wanted), the dataset given by URL, and a `format=` override."""

    query: str | None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    format: str | None = None


def _one(fields: dict[str, list[str]], name: str) -> str | None:
    values = fields.get(name, [])
    if len(values) > 1:
        raise HttpError(400, f"give the '{name}' parameter once, not {len(values)} times")
    return values[0] if values else None


def _parse_fields(text: str) -> dict[str, list[str]]:
    try:
        return urllib.parse.parse_qs(text, keep_blank_values=True, strict_parsing=False,
                                     encoding="utf-8", errors="strict", max_num_fields=200)
    except (UnicodeDecodeError, ValueError) as e:
        raise HttpError(400, f"malformed parameters: {e}") from None


READ_ONLY = "this SPARQL endpoint is read-only: updates are refused"


def read_request(method: str, query_string: str, content_type: str | None, body: bytes) -> QueryRequest:
    """The query request of a GET or POST to the endpoint (see the module doc).

    Raises HttpError: 403 for an update, 415 for a POST body of another type, 400 for
    malformed or repeated parameters.
    """
    fields = _parse_fields(query_string)
    media = (content_type or "").split(";")[0].strip().lower()
    if method == "POST":
        if media == "application/sparql-update":
            raise HttpError(403, READ_ONLY + " (application/sparql-update)")
        if media == "application/x-www-form-urlencoded":
            try:
                form = _parse_fields(body.decode("utf-8"))
            except UnicodeDecodeError:
                raise HttpError(400, "the form is not UTF-8") from None
            for k, v in form.items():
                fields.setdefault(k, []).extend(v)
        elif media == "application/sparql-query":
            if "query" in fields:
                raise HttpError(400, "a POST of application/sparql-query carries the query in its body, not in ?query=")
            try:
                fields["query"] = [body.decode("utf-8")]
            except UnicodeDecodeError:
                raise HttpError(400, "the query is not UTF-8") from None
        else:
            raise HttpError(415, f"a query POST is application/x-www-form-urlencoded or application/sparql-query, "
                                 f"not '{media or 'no Content-Type'}'")
    if "update" in fields or "using-graph-uri" in fields or "using-named-graph-uri" in fields:
        raise HttpError(403, READ_ONLY + " (update= parameter)")
    query = _one(fields, "query")
    if method == "POST" and query is None:
        raise HttpError(400, "no query: give the query in a 'query' field or as an application/sparql-query body")
    if query is not None and not query.strip():
        raise HttpError(400, "the query is empty")
    return QueryRequest(query, fields.get("default-graph-uri", []), fields.get("named-graph-uri", []),
                        _one(fields, "format"))


# Comments, strings and IRIs, which may hold the word SERVICE without it being the keyword.
_NOT_CODE = re.compile(
    r'\#[^\n]*|"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'|<[^<>\"{}|^`\\\x00-\x20]*>", re.S)
_SERVICE = re.compile(r"(?<![\w:?$])SERVICE(?![\w:-])", re.I)


def calls_service(query: str) -> bool:
    """True if the query uses the SERVICE keyword (a federated query)."""
    return bool(_SERVICE.search(_NOT_CODE.sub(" ", query)))


def refuse_update_text(query: str) -> None:
    """HttpError 403 if `query` parses as SPARQL Update (called when it does not parse as a query)."""
    from rdflib.plugins.sparql.parser import parseUpdate  # only on this error path: pyparsing is slow
    try:
        parsed = parseUpdate(query)
        operations = len(parsed.request) if getattr(parsed, "request", None) is not None else 0
    except Exception:  # not an update either: a malformed query
        return
    if operations:
        raise HttpError(403, READ_ONLY + f" ({operations} update operation{'s' if operations > 1 else ''})")


def syntax_message(engine_message: str) -> str:
    """The query parser's message as one line: 'SPARQL syntax error at line 1, column 8: ...'."""
    first = engine_message.strip().splitlines()[0] if engine_message.strip() else "malformed query"
    m = re.match(r"error at (\d+):(\d+):\s*(.*)", first)
    text = f"SPARQL syntax error at line {m.group(1)}, column {m.group(2)}: {m.group(3)}" if m \
        else f"SPARQL syntax error: {first}"
    return text if len(text) <= 300 else text[:299] + "…"
