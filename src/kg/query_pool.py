"""Run SPARQL queries on Oxigraph in worker processes, each stopped after a timeout.

    pool = QueryPool(nquads, workers=2, timeout=10.0, max_rows=10_000)
    pool.start()
    answer = pool.run("SELECT ...", accept="text/csv")     # Answer: media type, bytes, rows
    pool.close()

Why processes: a pyoxigraph query cannot be interrupted from Python (it runs in Rust and does
not look at signals while it runs), and a thread that runs it cannot be stopped. So each
worker is a process holding its own in-memory Oxigraph store, loaded from the same N-Quads
(the engine's layout: the named graphs, and their union as the default graph). A query is
sent to an idle worker; if no answer comes within the timeout, the worker is killed and a
fresh one is started in the background, so a runaway query costs one worker's restart
(about a second) and never the server. Workers are started with "spawn", never "fork", as
the server that restarts them runs threads. Starting a process per query would be simpler but
costs ~0.4 s a query; a pool answers small queries in about a millisecond.

Results are written in the worker (JSON, XML, CSV, TSV for SELECT and ASK; Turtle, JSON-LD,
N-Triples for CONSTRUCT and DESCRIBE), at most `max_rows` rows or triples: more are cut and
the answer says so (`truncated`). For HTML the worker sends SPARQL JSON, which the page renders.

Errors (HttpError, see kg.sparql_protocol): 400 for a query that does not parse (with the
parser's message; 403 if it is an update), 406 when the client accepts no format this query
form has, 503 when the query runs past the timeout or every worker stays busy that long,
500 when a worker dies.
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import queue
import threading
import time
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from .sparql_protocol import FORMATS, HttpError, format_named, formats_for, negotiate, refuse_update_text, \
    syntax_message

__all__ = ["QueryPool", "Answer"]

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
START_TIMEOUT = 120.0  # seconds a worker may take to load the store


@dataclass
class Answer:
    """What a query gave: its form (SELECT, ASK, CONSTRUCT, DESCRIBE), the format chosen, the
    body, the number of rows (or triples) written and whether more were cut off."""

    form: str
    format: str
    body: bytes
    rows: int
    truncated: bool
    seconds: float = 0.0

    @property
    def content_type(self) -> str:
        return FORMATS[self.format].content_type

    def json(self) -> dict:
        """The body parsed, for format json or html (which the worker sends as SPARQL JSON)."""
        return json.loads(self.body)


# -- writing results (in the worker) --------------------------------------------------------

def _json_term(t) -> dict:
    import pyoxigraph as ox
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, ox.Literal):
        d = {"type": "literal", "value": t.value}
        if t.language:
            d["xml:lang"] = t.language
        elif t.datatype.value != XSD_STRING:
            d["datatype"] = t.datatype.value
        return d
    if isinstance(t, ox.Triple):
        return {"type": "triple", "value": {"subject": _json_term(t.subject), "predicate": _json_term(t.predicate),
                                            "object": _json_term(t.object)}}
    return {"type": "literal", "value": str(t)}


def _xml_term(t) -> str:
    import pyoxigraph as ox
    if isinstance(t, ox.NamedNode):
        return f"<uri>{escape(t.value)}</uri>"
    if isinstance(t, ox.BlankNode):
        return f"<bnode>{escape(t.value)}</bnode>"
    if isinstance(t, ox.Literal):
        if t.language:
            return f"<literal xml:lang={quoteattr(t.language)}>{escape(t.value)}</literal>"
        if t.datatype.value != XSD_STRING:
            return f"<literal datatype={quoteattr(t.datatype.value)}>{escape(t.value)}</literal>"
        return f"<literal>{escape(t.value)}</literal>"
    if isinstance(t, ox.Triple):
        return (f"<triple><subject>{_xml_term(t.subject)}</subject><predicate>{_xml_term(t.predicate)}</predicate>"
                f"<object>{_xml_term(t.object)}</object></triple>")
    return f"<literal>{escape(str(t))}</literal>"


def _csv_term(t) -> str:
    import pyoxigraph as ox
    if t is None:
        return ""
    if isinstance(t, (ox.NamedNode, ox.Literal)):
        return t.value
    return str(t)  # _:b, << s p o >>


def _rows(solutions, max_rows: int) -> tuple[list, bool]:
    rows = []
    for solution in solutions:
        if len(rows) == max_rows:
            return rows, True
        rows.append(solution)
    return rows, False


def _write_select(variables: list[str], rows: list, fmt: str) -> bytes:
    if fmt in ("json", "html"):
        bindings = [{v: _json_term(row[i]) for i, v in enumerate(variables) if row[i] is not None} for row in rows]
        return json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}},
                          ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if fmt == "xml":
        out = ['<?xml version="1.0" encoding="utf-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">',
               "<head>" + "".join(f"<variable name={quoteattr(v)}/>" for v in variables) + "</head>", "<results>"]
        for row in rows:
            cells = "".join(f"<binding name={quoteattr(v)}>{_xml_term(row[i])}</binding>"
                            for i, v in enumerate(variables) if row[i] is not None)
            out.append(f"<result>{cells}</result>")
        out.append("</results>\n</sparql>\n")
        return "\n".join(out).encode("utf-8")
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(variables)
        for row in rows:
            w.writerow([_csv_term(row[i]) for i in range(len(variables))])
        return buf.getvalue().encode("utf-8")
    if fmt == "tsv":  # terms in their Turtle / N-Triples form, as the TSV results format says
        lines = ["\t".join(f"?{v}" for v in variables)]
        lines += ["\t".join("" if row[i] is None else str(row[i]) for i in range(len(variables))) for row in rows]
        return ("\n".join(lines) + "\n").encode("utf-8")
    raise ValueError(fmt)


def _write_ask(value: bool, fmt: str) -> bytes:
    if fmt in ("json", "html"):
        return json.dumps({"head": {}, "boolean": value}).encode("utf-8")
    if fmt == "xml":
        return ('<?xml version="1.0" encoding="utf-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                f"<head/><boolean>{'true' if value else 'false'}</boolean></sparql>\n").encode("utf-8")
    # CSV and TSV define no boolean form; write one column, as Jena and others do.
    header = "_askResult" if fmt == "csv" else "?_askResult"
    return f"{header}\r\n{'true' if value else 'false'}\r\n".encode("utf-8")


def _write_graph(triples: list, fmt: str, prefixes: dict[str, str]) -> bytes:
    import pyoxigraph as ox
    if fmt == "html":  # as a SELECT of ?subject ?predicate ?object, for the page to render
        rows = [(t.subject, t.predicate, t.object) for t in triples]
        return _write_select(["subject", "predicate", "object"], rows, "json")
    rdf_format = {"turtle": ox.RdfFormat.TURTLE, "jsonld": ox.RdfFormat.JSON_LD, "nt": ox.RdfFormat.N_TRIPLES}[fmt]
    used = prefixes if fmt == "turtle" else None
    return ox.serialize(triples, format=rdf_format, prefixes=used) or b""


def execute(store, job: dict, max_rows: int, prefixes: dict[str, str]) -> tuple:
    """Run one job on `store` and write its answer: ("ok", form, format, body, rows, truncated),
    ("syntax", message), ("not-acceptable", form) or ("error", message)."""
    import pyoxigraph as ox
    try:
        kwargs = {}
        if job.get("default_graphs"):
            kwargs["default_graph"] = [ox.NamedNode(g) for g in job["default_graphs"]]
        if job.get("named_graphs"):
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in job["named_graphs"]]
    except ValueError as e:
        return ("bad-graph", str(e))
    try:
        answer = store.query(job["query"], **kwargs)
        if isinstance(answer, ox.QueryBoolean):
            form = "ASK"
        elif isinstance(answer, ox.QueryTriples):
            form = "CONSTRUCT"
        else:
            form = "SELECT"
        fmt = _choose(job, form)
        if fmt is None:
            return ("not-acceptable", form)
        if form == "ASK":
            return ("ok", form, fmt, _write_ask(bool(answer), fmt), 1, False)
        if form == "CONSTRUCT":
            triples, cut = _rows(answer, max_rows)
            return ("ok", form, fmt, _write_graph(triples, fmt, prefixes), len(triples), cut)
        variables = [v.value for v in answer.variables]
        rows, cut = _rows(answer, max_rows)
        return ("ok", form, fmt, _write_select(variables, rows, fmt), len(rows), cut)
    except SyntaxError as e:
        return ("syntax", str(e))
    except HttpError as e:
        return ("http", e.status, e.message)
    except (OSError, ValueError, TypeError, RuntimeError) as e:
        return ("error", str(e).splitlines()[0] if str(e) else type(e).__name__)


def _choose(job: dict, form: str) -> str | None:
    if job.get("format"):
        return format_named(job["format"], form).name
    fmt = negotiate(job.get("accept", ""), formats_for(form))
    return fmt.name if fmt is not None else None


def _worker_main(conn, nquads: bytes, max_rows: int, prefixes: dict[str, str]) -> None:
    """A worker: load the store, say so, then answer jobs until the pipe closes."""
    import pyoxigraph as ox
    try:
        store = ox.Store()
        store.load(nquads, format=ox.RdfFormat.N_QUADS)
        del nquads
        conn.send(("ready", len(store)))
    except Exception as e:  # reported to the parent, which fails to start
        conn.send(("failed", f"{type(e).__name__}: {e}"))
        return
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        conn.send(execute(store, job, max_rows, prefixes))


# -- the pool (in the server) ---------------------------------------------------------------

class _Worker:
    def __init__(self, ctx, nquads: bytes, max_rows: int, prefixes: dict[str, str]) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, nquads, max_rows, prefixes),
                                   daemon=True, name="kg-query-worker")
        self.process.start()
        child.close()

    def wait_ready(self, timeout: float) -> None:
        if not self.conn.poll(timeout):
            self.kill()
            raise RuntimeError(f"a query worker did not load the store within {timeout:.0f} s")
        try:
            msg = self.conn.recv()
        except EOFError:
            self.kill()
            raise RuntimeError("a query worker exited while loading the store") from None
        if msg[0] != "ready":
            self.kill()
            raise RuntimeError(f"a query worker could not load the store: {msg[1]}")

    def kill(self) -> None:
        try:
            self.process.kill()
            self.process.join(5)
        finally:
            self.conn.close()


class QueryPool:
    """`workers` processes answering queries on the same data; see the module doc."""

    def __init__(self, nquads: bytes, *, workers: int = 2, timeout: float = 10.0, max_rows: int = 10_000,
                 prefixes: dict[str, str] | None = None) -> None:
        if workers < 1:
            raise ValueError("a query pool needs at least one worker")
        self.nquads = nquads
        self.size = workers
        self.timeout = timeout
        self.max_rows = max_rows
        self.prefixes = dict(prefixes or {})
        self._ctx = multiprocessing.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._starting: list[_Worker] = []
        self.restarts = 0

    def _spawn(self) -> _Worker:
        w = _Worker(self._ctx, self.nquads, self.max_rows, self.prefixes)
        with self._lock:
            self._all.add(w)
        return w

    def spawn(self) -> None:
        """Start every worker; they load the store in the background (see wait_ready)."""
        self._starting = [self._spawn() for _ in range(self.size)]

    def wait_ready(self) -> None:
        """Wait until each started worker has loaded the store (RuntimeError if one fails)."""
        started, self._starting = self._starting, []
        try:
            for w in started:
                w.wait_ready(START_TIMEOUT)
        except RuntimeError:
            self.close()
            raise
        for w in started:
            self._idle.put(w)

    def start(self) -> None:
        """Start every worker and wait until each has loaded the store (RuntimeError if one fails)."""
        self.spawn()
        self.wait_ready()

    def _replace(self, dead: _Worker) -> None:
        """Kill `dead` and start its replacement in the background."""
        with self._lock:
            self._all.discard(dead)
            self.restarts += 1
        dead.kill()

        def respawn() -> None:
            while not self._closed:
                try:
                    w = self._spawn()
                    w.wait_ready(START_TIMEOUT)
                except (RuntimeError, OSError):
                    time.sleep(1.0)
                    continue
                if self._closed:
                    w.kill()
                else:
                    self._idle.put(w)
                return

        threading.Thread(target=respawn, name="kg-query-respawn", daemon=True).start()

    def run(self, query: str, *, accept: str = "", format: str | None = None,
            default_graphs: list[str] | tuple[str, ...] = (), named_graphs: list[str] | tuple[str, ...] = ()) -> Answer:
        """Run `query` on an idle worker and return its answer; HttpError otherwise (module doc)."""
        if self._closed:
            raise HttpError(503, "the server is shutting down")
        started = time.monotonic()
        try:
            worker = self._idle.get(timeout=self.timeout)
        except queue.Empty:
            raise HttpError(503, f"busy: all {self.size} query workers stayed busy for {self.timeout:g} s; "
                                 "try again", {"Retry-After": "1"}) from None
        job = {"query": query, "accept": accept, "format": format,
               "default_graphs": list(default_graphs), "named_graphs": list(named_graphs)}
        try:
            worker.conn.send(job)
            ready = worker.conn.poll(self.timeout)
            reply = worker.conn.recv() if ready else None
        except (EOFError, OSError):
            self._replace(worker)
            raise HttpError(500, "the query worker died while running the query") from None
        if reply is None:
            self._replace(worker)
            raise HttpError(503, f"query timeout: the query ran for more than {self.timeout:g} s and was stopped "
                                 "(the server's --timeout)")
        self._idle.put(worker)
        return self._answer(query, reply, time.monotonic() - started)

    @staticmethod
    def _answer(query: str, reply: tuple, seconds: float) -> Answer:
        kind = reply[0]
        if kind == "ok":
            _, form, fmt, body, rows, cut = reply
            return Answer(form, fmt, body, rows, cut, seconds)
        if kind == "syntax":
            refuse_update_text(query)  # 403 if it is an update
            raise HttpError(400, syntax_message(reply[1]))
        if kind == "not-acceptable":
            names = ", ".join(f"{f.name} ({f.media_type})" for f in formats_for(reply[1]))
            raise HttpError(406, f"no acceptable format for a {reply[1]} result; the server offers: {names}")
        if kind == "http":
            raise HttpError(reply[1], reply[2])
        if kind == "bad-graph":
            raise HttpError(400, f"default-graph-uri / named-graph-uri: not an IRI: {reply[1]}")
        raise HttpError(500, f"the query failed: {reply[1]}")

    def close(self) -> None:
        """Stop every worker."""
        self._closed = True
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        for w in workers:
            w.kill()
