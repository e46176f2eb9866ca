"""Load test of `kg serve`: N concurrent clients on loopback for a fixed time.

    python benchmarks/load.py                       # 50 clients, 30 s, starts its own server
    python benchmarks/load.py --clients 10 --duration 5
    python benchmarks/load.py --url http://127.0.0.1:8000     # a server already running

Each client is a thread with one keep-alive connection and one request in flight at a time
(a closed loop), so the load is bounded: at most N requests are outstanding, each waits at
most --request-timeout seconds, and the run stops after --duration seconds. Requests are a
fixed mix of what people and programs ask: the home page, entity pages (HTML and Turtle), the
ontology, stored query pages that run their query, and SPARQL SELECT queries (JSON and CSV).

Prints requests per second, latency percentiles (overall and per kind of request) and the
errors (any status other than 200, or a failed connection). Exit status 1 if there was an
error, so that a run can gate a change.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SPARQL = {
    "centers": "PREFIX gwr: <https://w3id.org/gwr/ontology#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
               "SELECT ?c ?label WHERE { ?c a gwr:Center ; skos:prefLabel ?label } ORDER BY ?label",
    "classes": "SELECT ?class (COUNT(?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class ORDER BY DESC(?n)",
    "projects": "PREFIX gwr: <https://w3id.org/gwr/ontology#> SELECT ?project ?place ?district WHERE { "
                "?project a gwr:Project ; gwr:locatedIn ?place . ?place gwr:partOf* ?district . "
                "?district a gwr:District }",
    "targets": "PREFIX gwr: <https://w3id.org/gwr/ontology#> SELECT ?fig ?form WHERE { "
               "?fig gwr:isMainTarget true ; gwr:statedForm ?form }",
}
ENTITIES = "PREFIX gwr: <https://w3id.org/gwr/ontology#> SELECT ?e WHERE { ?e a gwr:Entity } ORDER BY ?e"

# (kind, weight): how often each kind of request is made
MIX = [("home", 10), ("entity-html", 35), ("entity-turtle", 10), ("ontology", 5), ("stored-query", 10),
       ("sparql-json", 22), ("sparql-csv", 8)]


def sparql_path(text: str) -> str:
    return "/sparql?" + urllib.parse.urlencode({"query": text})


def pick(rng: random.Random, entities: list[str]) -> tuple[str, str, dict]:
    kind = rng.choices([k for k, _ in MIX], weights=[w for _, w in MIX])[0]
    html = {"Accept": "text/html"}
    if kind == "home":
        return kind, "/", html
    if kind == "entity-html":
        return kind, rng.choice(entities), html
    if kind == "entity-turtle":
        return kind, rng.choice(entities), {"Accept": "text/turtle"}
    if kind == "ontology":
        return kind, "/ontology", html
    if kind == "stored-query":
        path = rng.choice(["/queries/main-targets?run=1", "/queries/projects-by-district?run=1",
                           "/queries/center?center=international+shipping+center&run=1"])
        return kind, path, html
    text = SPARQL[rng.choice(sorted(SPARQL))]
    accept = "application/sparql-results+json" if kind == "sparql-json" else "text/csv"
    return kind, sparql_path(text), {"Accept": accept}


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = {}
        self.errors: list[str] = []

    def add(self, kind: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.latencies.setdefault(kind, []).append(seconds)
            if error is not None and len(self.errors) < 10_000:
                self.errors.append(f"{kind}: {error}")


def client(n: int, host: str, port: int, entities: list[str], deadline: float, timeout: float, stats: Stats) -> None:
    rng = random.Random(1000 + n)
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    while time.monotonic() < deadline:
        kind, path, headers = pick(rng, entities)
        started = time.perf_counter()
        error = None
        try:
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            resp.read()
            if resp.status != 200:
                error = f"HTTP {resp.status} {path}"
            if resp.getheader("Connection", "").lower() == "close":
                conn.close()
        except (OSError, http.client.HTTPException) as e:
            error = f"{type(e).__name__}: {e} {path}"
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=timeout)
        stats.add(kind, time.perf_counter() - started, error)
    conn.close()


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(p / 100 * (len(sorted_values) - 1))))
    return sorted_values[k]


def line(name: str, values: list[float], seconds: float) -> str:
    v = sorted(values)
    ms = lambda x: f"{1000 * x:8.1f}"  # noqa: E731
    return (f"{name:<15}{len(v):>8}{len(v) / seconds:>9.1f}{ms(statistics.fmean(v)) if v else '':>9}"
            f"{ms(percentile(v, 50))}{ms(percentile(v, 90))}{ms(percentile(v, 99))}{ms(v[-1] if v else float('nan'))}")


def start_server(root: Path, args: list[str]) -> tuple[subprocess.Popen, str, Path]:
    tmp = Path(tempfile.mkdtemp(prefix="kg-load-"))
    exe = shutil.which("kg")
    cmd = ([exe] if exe else [sys.executable, "-m", "kg.cli"]) + ["--root", str(root), "serve", "--port", "0", *args]
    out = tmp / "stdout"
    proc = subprocess.Popen(cmd, stdout=out.open("w"), stderr=(tmp / "stderr").open("w"))
    deadline = time.monotonic() + 120
    while not (m := re.search(r"http://127\.0\.0\.1:\d+", out.read_text())):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            sys.exit(f"load: kg serve did not start: {(tmp / 'stderr').read_text()[-2000:]}")
        time.sleep(0.1)
    return proc, m.group(0), tmp


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    ap.add_argument("--duration", type=float, default=30.0, help="seconds of load (default 30)")
    ap.add_argument("--request-timeout", type=float, default=10.0, help="seconds a request may take (default 10)")
    ap.add_argument("--url", help="a running server (default: start `kg serve` on a free port)")
    ap.add_argument("--root", type=Path, default=ROOT, help="project to serve when starting a server")
    ap.add_argument("--workers", type=int, default=2, help="query workers of the started server (default 2)")
    args = ap.parse_args(argv)

    proc = None
    if args.url:
        base = args.url.rstrip("/")
    else:
        proc, base, _ = start_server(args.root, ["--workers", str(args.workers)])
    try:
        parts = urllib.parse.urlsplit(base)
        host, port = parts.hostname, parts.port or 80
        conn = http.client.HTTPConnection(host, port, timeout=60)
        conn.request("GET", sparql_path(ENTITIES), headers={"Accept": "application/sparql-results+json"})
        rows = json.loads(conn.getresponse().read())["results"]["bindings"]
        conn.close()
        entities = ["/id/" + r["e"]["value"].split("/id/", 1)[1] for r in rows if "/id/" in r["e"]["value"]]
        if not entities:
            sys.exit("load: the server has no entities")

        stats = Stats()
        started = time.monotonic()
        deadline = started + args.duration
        threads = [threading.Thread(target=client, daemon=True,
                                    args=(i, host, port, entities, deadline, args.request_timeout, stats))
                   for i in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:  # bounded: no client outlives the deadline by more than one request
            t.join(max(0.0, deadline - time.monotonic()) + args.request_timeout + 5)
        elapsed = time.monotonic() - started
        stuck = sum(t.is_alive() for t in threads)

        everything = [x for v in stats.latencies.values() for x in v]
        print(f"load: {args.clients} clients for {args.duration:g} s on {base} ({len(entities)} entity pages in the mix)")
        print(f"{'':<15}{'requests':>8}{'per s':>9}{'mean ms':>9}{'p50':>8}{'p90':>8}{'p99':>8}{'max':>8}")
        print(line("all", everything, elapsed))
        for kind, _ in MIX:
            print(line(kind, stats.latencies.get(kind, []), elapsed))
        print(f"errors: {len(stats.errors)}" + (f" (clients still waiting at the end: {stuck})" if stuck else ""))
        for e in sorted(set(stats.errors))[:10]:
            print(f"  {e}")
        return 1 if stats.errors or stuck else 0
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    sys.exit(main())
