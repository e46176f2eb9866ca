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
    "it does not conform. Stop with Ctrl-C or SIGTERM."
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
    p.add_argument("--timeout", type=_positive(float), default=10.0, metavar="SECONDS",
                   help="stop a SPARQL query that runs longer than this (default 10)")
    p.add_argument("--max-rows", type=_positive(int), default=10_000, metavar="N",
                   help="return at most N result rows or triples; more are cut (default 10000)")
    p.add_argument("--workers", type=_positive(int), default=2, metavar="N",
                   help="query processes, each with its own copy of the graph (default 2)")
    p.add_argument("--queries", type=Path, default=None, metavar="DIR",
                   help="folder of stored queries (default: queries/)")
    p.add_argument("--access-log", action="store_true", help="print one line per request on stderr")


def cmd_serve(args) -> int:
    from .server import make_server, open_site
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be between 0 and 65535, not {args.port}")
    site = open_site(args.root, queries_dir=args.queries, workers=args.workers, timeout=args.timeout,
                     max_rows=args.max_rows)
    try:
        server = make_server(site, args.host, args.port, access_log=args.access_log)
    except UsageError:
        site.close()
        raise
    host, port = server.server_address[:2]
    shown = f"[{host}]" if ":" in host else host
    print(f"kg serve: {site.triples:,} triples, {len(site.queries)} stored queries; "
          f"http://{shown}:{port}/ (SPARQL at /sparql); Ctrl-C stops", flush=True)

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
