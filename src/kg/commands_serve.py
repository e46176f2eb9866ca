"""The `kg serve` command: parse its options, start the site and serve until stopped."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from .errors import UsageError

__all__ = ["DESCRIPTION", "add_arguments", "cmd_serve"]

DESCRIPTION = (
    "Serve the built graph over HTTP: a read-only SPARQL 1.1 endpoint at /sparql (GET, POST form, "
    "POST application/sparql-query; SELECT and ASK as JSON, XML, CSV or TSV, CONSTRUCT and DESCRIBE "
    "as Turtle, JSON-LD or N-Triples, by the Accept header), a page for every thing of the graph at "
    "/id/... (its IRI https://w3id.org/gwr/id/... without the host; Turtle and JSON-LD by content "
    "negotiation), the stored queries at /queries, a query editor, the interactive graph at /graph and "
    "the ontology at /ontology. Pages work offline. The graph is built and validated first: exit 1 if "
    "it does not conform (nothing is loaded or served). --engine says where SPARQL (the endpoint and the "
    "stored queries) runs; pages always come from the project's graph. Stop with Ctrl-C or SIGTERM."
)

ENGINE_HELP = (
    "where SPARQL runs: oxigraph (default): Oxigraph in memory, a copy of the graph per worker; "
    "oxigraph:DIR: the graph loaded into the on-disk store DIR (each report's graph replaced atomically), "
    "which the workers open read-only (DIR is locked against other kg commands while served); "
    "sparql:QUERY_URL[,GSP_URL[,UPDATE_URL]] or http(s)://...: the graph loaded into that remote store as "
    "`kg load --to` does, queries forwarded to it; rdflib: rdflib in worker processes (the reference "
    "engine, slow)"
)


def _positive(kind):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
        return value
    return parse


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 for every interface)")
    p.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000; 0 picks a free one)")
    p.add_argument("--engine", default=None, metavar="SPEC", help=ENGINE_HELP)
    p.add_argument("--no-load", dest="load", action="store_false",
                   help="with oxigraph:DIR or a remote store: serve the store as it is (e.g. a corpus put there "
                        "by `kg load`) without loading the project into it; the project is still built and "
                        "validated for the pages")
    p.add_argument("--timeout", type=_positive(float), default=10.0, metavar="SECONDS",
                   help="stop a SPARQL query that runs longer than this: 503 (default 10). On every engine but a "
                        "remote store the worker running it is killed and replaced; a remote store is waited "
                        "for no longer (the HTTP timeout) and may go on computing: give it its own timeout too")
    p.add_argument("--max-rows", type=_positive(int), default=10_000, metavar="N",
                   help="return at most N result rows or triples; more are cut (default 10000)")
    p.add_argument("--workers", type=_positive(int), default=2, metavar="N",
                   help="query processes, each with its own copy of the graph or, for oxigraph:DIR, reading the "
                        "store; for a remote store, the most queries forwarded at once (default 2)")
    p.add_argument("--queries", type=Path, default=None, metavar="DIR",
                   help="folder of stored queries (default: queries/)")
    p.add_argument("--access-log", action="store_true", help="print one line per request on stderr")


def cmd_serve(args) -> int:
    from .server import make_server, open_site
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be between 0 and 65535, not {args.port}")
    server = make_server(None, args.host, args.port, access_log=args.access_log)  # a port in use: before loading
    try:
        site = open_site(args.root, queries_dir=args.queries, workers=args.workers, timeout=args.timeout,
                         max_rows=args.max_rows, engine=args.engine, load=args.load)
    except BaseException:
        server.server_close()
        raise
    server.site = site
    host, port = server.server_address[:2]
    shown = f"[{host}]" if ":" in host else host
    store = f"{site.engine}" + ("" if site.whole else ", as it is")
    print(f"kg serve: {site.triples:,} triples, {len(site.queries)} stored queries; "
          f"http://{shown}:{port}/ (SPARQL at /sparql on {store}); Ctrl-C stops", flush=True)

    def stop(signum, frame) -> None:  # shutdown() waits for serve_forever, so not from its thread
        threading.Thread(target=server.shutdown, daemon=True).start()

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever(poll_interval=0.25)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.server_close()
        site.close()
    print("kg serve: stopped", file=sys.stderr, flush=True)
    return 0
