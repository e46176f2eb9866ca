"""Run SPARQL queries on Oxigraph in worker processes, each stopped after a timeout.

    pool = QueryPool(nquads, workers=2, timeout=10.0, max_rows=10_000)
    pool.start()
    answer = pool.run("SELECT ...", accept="text/csv")     # Answer: media type, bytes, rows
    pool.close()

    QueryPool(("store", "store/"))      # workers open an on-disk store read-only instead
    QueryPool(("rdflib", nquads))       # workers query rdflib (the reference engine)
    RemotePool("http://host:7878/query")  # the same run() and answers, forwarded over HTTP

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
rdflib workers and RemotePool (which reads a store's answer as it streams in and stops at the
cap or the timeout) write with the same functions, so every engine answers alike.

Errors (HttpError, see kg.sparql_protocol): 400 for a query that does not parse (with the
parser's message; 403 if it is an update), 406 when the client accepts no format this query
form has, 503 when the query runs past the timeout or every worker stays busy that long,
500 when a worker dies; from a remote store also 403 for update words (refuse_update_words)
and 502 when it cannot be reached or fails.
"""

from __future__ import annotations

import csv
import functools
import http.client
import io
import json
import multiprocessing
import queue
import re
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from .remote import USER_AGENT
from .sparql_protocol import _NOT_CODE, FORMATS, READ_ONLY, HttpError, format_named, formats_for, negotiate, \
    refuse_update_text, syntax_message

__all__ = ["QueryPool", "RemotePool", "Answer"]

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


def _write(job: dict, form: str, payload, max_rows: int, prefixes: dict[str, str]) -> tuple:
    """Write an answer in the format the job asks for, at most `max_rows`: `payload` is a bool
    (ASK), Oxigraph triples (CONSTRUCT, DESCRIBE) or (variables, rows of Oxigraph terms)."""
    fmt = _choose(job, form)
    if fmt is None:
        return ("not-acceptable", form)
    if form == "ASK":
        return ("ok", form, fmt, _write_ask(bool(payload), fmt), 1, False)
    if form == "CONSTRUCT":
        triples, cut = _rows(payload, max_rows)
        return ("ok", form, fmt, _write_graph(triples, fmt, prefixes), len(triples), cut)
    variables, solutions = payload
    rows, cut = _rows(solutions, max_rows)
    return ("ok", form, fmt, _write_select(variables, rows, fmt), len(rows), cut)


def _ox_answer(answer) -> tuple[str, object]:
    """The form and payload (see _write) of a pyoxigraph answer."""
    import pyoxigraph as ox
    if isinstance(answer, ox.QueryBoolean):
        return "ASK", bool(answer)
    if isinstance(answer, ox.QueryTriples):
        return "CONSTRUCT", answer
    return "SELECT", ([v.value for v in answer.variables], answer)


def _graph_nodes(job: dict) -> dict:
    """The job's default-graph-uri and named-graph-uri as pyoxigraph arguments (ValueError for
    a malformed IRI)."""
    import pyoxigraph as ox
    kwargs = {}
    if job.get("default_graphs"):
        kwargs["default_graph"] = [ox.NamedNode(g) for g in job["default_graphs"]]
    if job.get("named_graphs"):
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job["named_graphs"]]
    return kwargs


def execute(store, job: dict, max_rows: int, prefixes: dict[str, str], union=None) -> tuple:
    """Run one job on `store` and write its answer: ("ok", form, format, body, rows, truncated),
    ("syntax", message), ("not-acceptable", form) or ("error", message). `union`: a copy of
    the store's default graph alone (kg.union_copy), which answers the jobs that name no graph."""
    try:
        kwargs = _graph_nodes(job)
    except ValueError as e:
        return ("bad-graph", str(e))
    if union is not None and not kwargs:
        from .union_copy import names_a_graph
        if not names_a_graph(job["query"]):
            store = union
    try:
        form, payload = _ox_answer(store.query(job["query"], **kwargs))
        return _write(job, form, payload, max_rows, prefixes)
    except SyntaxError as e:
        return ("syntax", str(e))
    except HttpError as e:
        return ("http", e.status, e.message)
    except (OSError, ValueError, TypeError, RuntimeError) as e:
        return ("error", _first_line(e))


def _first_line(e: BaseException) -> str:
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__


def _choose(job: dict, form: str) -> str | None:
    if job.get("format"):
        return format_named(job["format"], form).name
    fmt = negotiate(job.get("accept", ""), formats_for(form))
    return fmt.name if fmt is not None else None


# -- rdflib in a worker: the reference engine, stopped like the others -------------------------

class RdflibData:
    """A worker's rdflib Dataset (its default graph the union of the named graphs)."""

    def __init__(self, nquads: bytes) -> None:
        import rdflib.plugins.sparql
        from rdflib import Dataset
        from .engines import _quiet_rdflib
        rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False  # FROM <url> must never fetch from the web
        self.dataset = Dataset(default_union=True)
        with _quiet_rdflib():
            self.dataset.parse(data=nquads, format="nquads")
        self.graphs = {g.identifier: g for g in self.dataset.graphs() if len(g)}

    def for_job(self, job: dict):
        """The dataset a job's default-graph-uri / named-graph-uri ask for, as Oxigraph reads
        them: default graph the given graphs merged (else the union), named graphs the given
        ones (else all). Copied: rdflib has no view of part of a dataset."""
        from rdflib import Dataset, URIRef
        from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
        if not job.get("default_graphs") and not job.get("named_graphs"):
            return self.dataset
        defaults = [URIRef(g) for g in job.get("default_graphs") or []] or list(self.graphs)
        named = [URIRef(g) for g in job.get("named_graphs") or []] or list(self.graphs)
        out = Dataset()
        for name in defaults:
            if name in self.graphs:
                out.graph(DATASET_DEFAULT_GRAPH_ID).__iadd__(self.graphs[name])
        for name in named:
            if name in self.graphs:
                out.graph(name).__iadd__(self.graphs[name])
        return out


def _rdflib_answer(result) -> tuple[str, object]:
    """The form and payload (see _write) of an rdflib Result, in Oxigraph terms."""
    import pyoxigraph as ox
    from rdflib import Variable
    from .terms import to_ox
    if result.type == "ASK":
        return "ASK", bool(result.askAnswer)
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        return "CONSTRUCT", (ox.Triple(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in result.graph)
    names = [str(v) for v in result.vars or []]
    keys = [Variable(v) for v in names]
    rows = (tuple(to_ox(row[k]) if row.get(k) is not None else None for k in keys) for row in result.bindings)
    return "SELECT", (names, rows)


def execute_rdflib(data: RdflibData, job: dict, max_rows: int, prefixes: dict[str, str]) -> tuple:
    """execute() on rdflib: the same replies, rdflib's parser messages put in Oxigraph's shape."""
    from pyparsing import ParseBaseException
    from .engines import _quiet_rdflib, canonical_result
    try:
        _graph_nodes(job)
    except ValueError as e:
        return ("bad-graph", str(e))
    try:
        with _quiet_rdflib():
            result = canonical_result(data.for_job(job).query(job["query"]))
            form, payload = _rdflib_answer(result)
            return _write(job, form, payload, max_rows, prefixes)
    except ParseBaseException as e:
        return ("syntax", f"error at {e.lineno}:{e.col}: {e.msg}")
    except HttpError as e:
        return ("http", e.status, e.message)
    except Exception as e:  # rdflib raises bare Exceptions, for an unknown prefix among others
        text = _first_line(e)
        return ("syntax", text) if text.startswith("Unknown namespace prefix") else ("error", text)


def _open(source: tuple):
    """What a worker answers jobs with: its store loaded or opened, bound to its executor."""
    import pyoxigraph as ox
    kind, data = source
    if kind == "store":  # several processes may read one on-disk store
        return functools.partial(execute, ox.Store.read_only(data))
    if kind == "nquads":
        from .union_copy import union_copy
        store = ox.Store()
        store.load(data, format=ox.RdfFormat.N_QUADS)
        return functools.partial(execute, store, union=union_copy(store))
    if kind == "rdflib":
        return functools.partial(execute_rdflib, RdflibData(data))
    raise ValueError(f"unknown kind of worker data '{kind}'")


def _worker_main(conn, source: tuple, max_rows: int, prefixes: dict[str, str]) -> None:
    """A worker: load or open the store, say so, then answer jobs until the pipe closes."""
    try:
        answer = _open(source)
        del source
        conn.send(("ready",))
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
        conn.send(answer(job, max_rows, prefixes))


# -- the pool (in the server) ---------------------------------------------------------------

class _Worker:
    def __init__(self, ctx, source: tuple, max_rows: int, prefixes: dict[str, str]) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, source, max_rows, prefixes),
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
    """`workers` processes answering queries on the same data; see the module doc. `source`
    is what each worker queries: N-Quads for Oxigraph in memory (bytes, or ("nquads", bytes)),
    ("store", folder) for an on-disk Oxigraph store opened read-only, or ("rdflib", N-Quads)."""

    def __init__(self, source: bytes | tuple, *, workers: int = 2, timeout: float = 10.0, max_rows: int = 10_000,
                 prefixes: dict[str, str] | None = None) -> None:
        if workers < 1:
            raise ValueError("a query pool needs at least one worker")
        self.source = ("nquads", source) if isinstance(source, bytes) else tuple(source)
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
        w = _Worker(self._ctx, self.source, self.max_rows, self.prefixes)
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
            raise _timeout(self.timeout)
        self._idle.put(worker)
        return _answer(query, reply, time.monotonic() - started)

    def close(self) -> None:
        """Stop every worker."""
        self._closed = True
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        for w in workers:
            w.kill()


def _timeout(seconds: float) -> HttpError:
    return HttpError(503, f"query timeout: the query ran for more than {seconds:g} s and was stopped "
                          "(the server's --timeout)")


def _answer(query: str, reply: tuple, seconds: float) -> Answer:
    """The Answer of a worker's reply, or the HttpError it stands for."""
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



# -- a remote store: the same answers, forwarded ---------------------------------------------

_UPDATE_WORD = re.compile(r"(?<![\w:?$@.-])(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY)(?![\w:-])", re.I)
_RESULTS_MEDIA = {"application/sparql-results+json": "JSON", "application/json": "JSON",
                  "application/sparql-results+xml": "XML", "application/xml": "XML",
                  "text/tab-separated-values": "TSV"}
_RDF_MEDIA = {"application/n-triples": "N_TRIPLES", "text/plain": "N_TRIPLES", "text/turtle": "TURTLE",
              "application/rdf+xml": "RDF_XML", "application/n-quads": "N_QUADS"}
_REMOTE_ACCEPT = ("application/sparql-results+json, application/n-triples;q=0.9, text/turtle;q=0.8, "
                  "application/sparql-results+xml;q=0.7, text/tab-separated-values;q=0.6")


def refuse_update_words(query: str) -> None:
    """HttpError 403 for query text holding an update keyword outside strings, IRIs and
    comments: a remote store may run an update sent to its query endpoint (some do), and no
    SPARQL query holds these words, so this is checked before forwarding."""
    m = _UPDATE_WORD.search(_NOT_CODE.sub(" ", query))
    if m:
        refuse_update_text(query)  # an update request: 403 with its count of operations
        raise HttpError(403, f"{READ_ONLY} ({m.group(1).upper()} is an update keyword)")


class _Deadline(io.RawIOBase):
    """A response body that may be read until `deadline` (time.monotonic) and not after."""

    def __init__(self, resp, sock, deadline: float) -> None:
        self.resp, self.sock, self.deadline, self.late = resp, sock, deadline, False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        left = self.deadline - time.monotonic()
        if left <= 0:
            self.late = True
            raise TimeoutError("query timeout")
        self.sock.settimeout(left)
        try:
            return self.resp.readinto(buffer)
        except TimeoutError:
            self.late = True
            raise


class RemotePool:
    """Queries forwarded to a remote SPARQL 1.1 store: at most `workers` at once, each given up
    after `timeout` seconds, the answer read as it streams in (no more than `max_rows` rows)
    and written as the workers write theirs, so formats, the cap and errors are the same."""

    def __init__(self, query_url: str, *, workers: int = 2, timeout: float = 10.0, max_rows: int = 10_000,
                 prefixes: dict[str, str] | None = None) -> None:
        self.url = urllib.parse.urlsplit(query_url)
        self.size, self.timeout, self.max_rows = workers, timeout, max_rows
        self.prefixes = dict(prefixes or {})
        self._slots = threading.BoundedSemaphore(workers)
        self._closed = False
        self.restarts = 0

    def spawn(self) -> None:
        pass

    def wait_ready(self) -> None:
        pass

    def start(self) -> None:
        pass

    def close(self) -> None:
        self._closed = True

    def run(self, query: str, *, accept: str = "", format: str | None = None,
            default_graphs: list[str] | tuple[str, ...] = (), named_graphs: list[str] | tuple[str, ...] = ()) -> Answer:
        """QueryPool.run, on the remote store."""
        if self._closed:
            raise HttpError(503, "the server is shutting down")
        refuse_update_words(query)
        started = time.monotonic()
        if not self._slots.acquire(timeout=self.timeout):
            raise HttpError(503, f"busy: all {self.size} queries to the SPARQL store stayed busy for "
                                 f"{self.timeout:g} s; try again", {"Retry-After": "1"})
        job = {"query": query, "accept": accept, "format": format,
               "default_graphs": list(default_graphs), "named_graphs": list(named_graphs)}
        try:
            reply = self._forward(job, time.monotonic() + self.timeout)
        finally:
            self._slots.release()
        if reply[0] == "timeout":
            raise HttpError(503, f"query timeout: the SPARQL store did not answer within {self.timeout:g} s; "
                                 "the server stopped waiting (the server's --timeout)")
        return _answer(query, reply, time.monotonic() - started)

    def _forward(self, job: dict, deadline: float) -> tuple:
        """Ask the store and write its answer: a worker's reply, or ("timeout",)."""
        import pyoxigraph as ox
        try:
            _graph_nodes(job)
        except ValueError as e:
            return ("bad-graph", str(e))
        fields = [("query", job["query"])] + [("default-graph-uri", g) for g in job["default_graphs"]] \
            + [("named-graph-uri", g) for g in job["named_graphs"]]
        cls = http.client.HTTPSConnection if self.url.scheme == "https" else http.client.HTTPConnection
        conn = cls(self.url.hostname, self.url.port, timeout=self.timeout)
        path = (self.url.path or "/") + (f"?{self.url.query}" if self.url.query else "")
        try:
            try:
                conn.request("POST", path, urllib.parse.urlencode(fields).encode("utf-8"), {
                    "Content-Type": "application/x-www-form-urlencoded", "Accept": _REMOTE_ACCEPT,
                    "User-Agent": USER_AGENT})
                sock = conn.sock
                sock.settimeout(max(deadline - time.monotonic(), 0.001))
                resp = conn.getresponse()
            except TimeoutError:
                return ("timeout",)
            except (OSError, http.client.HTTPException) as e:
                # the store's address is the operator's business, not the client's
                print(f"kg serve: cannot reach the SPARQL store: {_first_line(e)}", file=sys.stderr, flush=True)
                return ("http", 502, "the SPARQL store behind this endpoint cannot be reached")
            if resp.status != 200:
                return self._refused(resp)
            media = (resp.getheader("Content-Type") or "").split(";")[0].strip().lower()
            body = _Deadline(resp, sock, deadline)
            stream = io.BufferedReader(body, 1 << 16)
            try:
                if media in _RESULTS_MEDIA:
                    fmt = getattr(ox.QueryResultsFormat, _RESULTS_MEDIA[media])
                    form, payload = _ox_answer(ox.parse_query_results(stream, format=fmt))
                elif media in _RDF_MEDIA:
                    quads = ox.parse(stream, format=getattr(ox.RdfFormat, _RDF_MEDIA[media]))
                    form, payload = "CONSTRUCT", (q.triple for q in quads)
                else:
                    return ("http", 502, f"the SPARQL store answered in an unexpected type '{media or 'none'}'")
                return _write(job, form, payload, self.max_rows, self.prefixes)
            except HttpError as e:
                return ("http", e.status, e.message)
            except (SyntaxError, OSError, ValueError) as e:
                if body.late:
                    return ("timeout",)
                return ("http", 502, f"the SPARQL store's answer is cut or malformed: {_first_line(e)[:200]}")
        finally:
            conn.close()

    @staticmethod
    def _refused(resp) -> tuple:
        """The reply for a store that answered with an error status."""
        try:
            text = resp.read(4000).decode("utf-8", "replace").strip()
        except (OSError, http.client.HTTPException):
            text = ""
        first = text.splitlines()[0][:300] if text else resp.reason
        if resp.status == 400:  # the protocol's status for a malformed query
            return ("syntax", first)
        status = 503 if resp.status == 503 else 502
        return ("http", status, f"the SPARQL store behind this endpoint answered HTTP {resp.status}: {first}")
