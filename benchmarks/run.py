"""Measure build, validation and every stored query, per engine, on the real graph and on
synthetic corpora of 1, 10, 100 and 1,000 reports; print tables of figures and of ratios
against plain rdflib measured in the same run.

    python benchmarks/run.py                                  # the default plan
    python benchmarks/run.py --sizes 1 10 --engines rdflib oxigraph --repeat 3
    python benchmarks/run.py --sizes --large 1000 --jobs 2    # only 1,000 reports, on disk

What is measured (each engine in a process of its own, so peak memory is that engine's):

- build: read, derive and load every report into the engine (kg.engines.load_project without
  validation); the on-disk store starts empty. For a large corpus (--large) the same pass also
  validates, in --jobs processes, as `kg load --jobs N` does.
- each stored query of queries/ with its default parameters, resolved first (not timed): the
  median of --repeat runs; a run over --query-budget seconds is stopped and not repeated.
- validation: every report validated on its own (kg.graph, kg.shacl) in one process, then
  (--jobs > 1) derived and validated in --jobs processes; against plain rdflib + pyshacl
  with RDFS inference over the whole union (up to --baseline-max reports).
- peak memory: the maximum resident set of the process (and of the server, for remote).
- real graph: `kg build` as a whole process against a process doing the same work with plain
  rdflib + pyshacl with RDFS inference (median of --repeat-build runs).

Everything runs in a temporary folder; nothing in the checkout is written.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import queue
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENGINES = ["rdflib", "oxigraph", "oxigraph-disk", "remote"]
QUERY_GOAL_REAL = 0.010  # seconds: every stored query on the real graph
QUERY_GOAL_100 = 1.0  # seconds: every stored query at 100 reports


# -- child processes -------------------------------------------------------------------------

def _emit(**record) -> None:
    print(json.dumps(record), flush=True)


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout()


def _timed(fn, budget: float):
    """Run fn(); seconds taken, or None when it ran over `budget` (rdflib is interrupted; a
    query inside Oxigraph's Rust code finishes first)."""
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, budget)
    start = time.perf_counter()
    try:
        fn()
        return time.perf_counter() - start
    except _Timeout:
        return None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def child_engine(spec: str, corpus: Path, args) -> None:
    from kg.engines import load_project, open_engine
    from kg.queries import load_queries, resolve_params

    engine = open_engine(spec)
    if not args.reuse:  # a restarted child of a store that keeps its data does not load again
        start = time.perf_counter()
        result = load_project(engine, corpus, validate=args.large_pass, workers=args.jobs if args.large_pass else 1)
        _emit(step="build", seconds=time.perf_counter() - start, triples=result.triples,
              timings=result.timings, reports=len(result.graphs) - 1)
    queries = load_queries(ROOT / "queries")
    given = json.loads(Path(args.params).read_text()) if args.params else {}
    skip = set(args.skip.split(",")) if args.skip else set()
    spent = args.spent  # a restarted child goes on with the budget its predecessors used
    for name, query in queries.items():
        if name in skip:
            continue
        if spent > args.engine_budget:
            _emit(step="query", query=name, skipped=True)
            continue
        _emit(step="start", query=name)
        bindings = resolve_params(engine, query, given.get(name, {}))
        runs: list[float] = []
        rows = [0]

        def once():
            rows[0] = len(engine.query(query.text, bindings))

        error = None
        for _ in range(args.repeat):
            _emit(step="run", query=name)  # the parent's watchdog times each run
            try:
                t = _timed(once, args.query_budget)
            except Exception as e:  # a remote store's own timeout, for one
                error = str(e)[:200]
                break
            if t is None:
                runs = []
                break
            runs.append(t)
            spent += t
            if t > 1.0 and len(runs) >= 3 or spent > args.engine_budget:
                break
        if error is not None:
            spent += args.query_budget
            _emit(step="query", query=name, error=error)
        elif runs:
            _emit(step="query", query=name, median=statistics.median(runs), runs=len(runs), rows=rows[0])
        else:
            spent += args.query_budget
            _emit(step="query", query=name, timeout=args.query_budget)
    engine.close()
    _emit(step="done", maxrss_kb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def child_validate(corpus: Path, args) -> None:
    from kg.engines import load_project, open_engine
    from kg.graph import derive_one, load_vocabulary
    from kg.shacl import ShapesValidator

    vocabulary = load_vocabulary(corpus)
    validator = ShapesValidator(vocabulary.shapes)
    derive = validate = 0.0
    problems = 0
    for description in vocabulary.descriptions:
        t = time.perf_counter()
        kg = derive_one(vocabulary, description)
        derive += time.perf_counter() - t
        t = time.perf_counter()
        problems += len(kg.validate(validator=validator).problems)
        validate += time.perf_counter() - t
    _emit(step="validate", derive=derive, validate=validate, reports=len(vocabulary.descriptions), problems=problems)
    if args.jobs > 1 and len(vocabulary.descriptions) > 1:
        t = time.perf_counter()
        load_project(open_engine("oxigraph"), corpus, workers=args.jobs)
        _emit(step="validate-parallel", seconds=time.perf_counter() - t, jobs=args.jobs)
    _emit(step="done", maxrss_kb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def child_baseline(corpus: Path, args) -> None:
    import pyshacl
    from kg.graph import build_graph

    t = time.perf_counter()
    kg = build_graph(corpus)
    graph = kg.union()
    _emit(step="baseline-build", seconds=time.perf_counter() - t, triples=len(graph))
    t = time.perf_counter()
    conforms, _, _ = pyshacl.validate(graph, shacl_graph=kg.inputs.shapes, ont_graph=kg.ontology, inference="rdfs",
                                      advanced=True, allow_warnings=False, meta_shacl=False)
    _emit(step="baseline-validate", seconds=time.perf_counter() - t, conforms=bool(conforms))
    _emit(step="done", maxrss_kb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def child_plain_build(root: Path, out: Path) -> None:
    """What `kg build` does, the plain way: the same reading and derivation (the project's
    own rules, there is no plain equivalent), then one rdflib union, pyshacl with RDFS
    inference over it, and rdflib's own serialisers for the same five files."""
    import pyshacl
    from kg.build import package_version
    from kg.description import describe_dataset
    from kg.exports import write_outputs
    from kg.graph import build_graph

    kg = build_graph(root)
    graph = kg.union()
    conforms, _, _ = pyshacl.validate(graph, shacl_graph=kg.inputs.shapes, ont_graph=kg.ontology, inference="rdfs",
                                      advanced=True, allow_warnings=False, meta_shacl=False)
    payloads = {f"graph.{ext}": graph.serialize(format=fmt, encoding="utf-8")
                for ext, fmt in (("ttl", "turtle"), ("nt", "nt"), ("jsonld", "json-ld"))}
    payloads["graph.trig"] = kg.dataset().serialize(format="trig", encoding="utf-8")
    sizes = {name: ("text/plain", len(data)) for name, data in payloads.items()}
    payloads["void.ttl"] = describe_dataset(graph, sizes, package_version()).serialize(format="turtle", encoding="utf-8")
    write_outputs(out, payloads)


# -- the parent: plan, run, tabulate -------------------------------------------------------------

def _kg_script() -> str:
    """The `kg` a user of this interpreter's environment runs: the script beside the
    interpreter (on PATH there may be a wrapper instead, such as a pyenv shim, a bash script
    that finds the interpreter first)."""
    beside = Path(sys.executable).parent / "kg"
    return str(beside) if beside.exists() else (shutil.which("kg") or "kg")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`oxigraph serve` on a free port, on disk in `location`."""

    def __init__(self, location: Path, timeout_s: float = 600) -> None:
        exe = shutil.which("oxigraph")
        if exe is None:
            raise SystemExit("the Oxigraph server is not installed (pip install oxigraph)")
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([exe, "serve", "--location", str(location), "--bind", f"127.0.0.1:{self.port}",
                                      "--timeout-s", str(max(1, round(timeout_s)))],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{self.url}/query?query=ASK%7B%7D", timeout=1).close()
                return
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.stop()
                    raise SystemExit("oxigraph serve did not start")
                time.sleep(0.1)

    def peak_kb(self) -> int | None:
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        except OSError:
            return None
        return None

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def run_child(argv: list[str], timeout: float, query_timeout: float | None = None) -> tuple[list[dict], int | None, str | None]:
    """Run this script as a child: its JSON records, its peak RSS (KiB), and the query it was
    stopped in when one ran over `query_timeout` (a query inside Oxigraph cannot be
    interrupted from Python: the child is killed and the caller starts another)."""
    proc = subprocess.Popen([sys.executable, __file__, *argv], stdout=subprocess.PIPE, text=True)
    lines: queue.Queue = queue.Queue()

    def read() -> None:
        for x in proc.stdout:
            lines.put(x)
        lines.put(EOFError)  # the child closed its output: it is ending

    threading.Thread(target=read, daemon=True).start()
    records: list[dict] = []
    deadline = time.monotonic() + timeout
    running: tuple[str, float] | None = None
    stopped_in = None
    while True:
        try:
            line = lines.get(timeout=1.0)
        except queue.Empty:
            line = None
        if line is EOFError:
            break
        now = time.monotonic()
        if line is not None and line.strip().startswith("{"):
            record = json.loads(line)
            records.append(record)
            running = (record["query"], now) if record.get("step") in ("start", "run") else None
        if query_timeout is not None and running and now - running[1] > query_timeout + 5:
            stopped_in = running[0]
            proc.kill()
            break
        if now > deadline:
            proc.kill()
            records.append({"step": "killed", "after": timeout})
            break
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0 and stopped_in is None and not any(r.get("step") == "killed" for r in records):
        records.append({"step": "failed", "status": status})
    return records, usage.ru_maxrss, stopped_in


def _fmt_s(x) -> str:
    if x is None:
        return "—"
    return f"{x:.3f}" if x < 10 else f"{x:.1f}"


def _fmt_ms(x) -> str:
    if x is None:
        return "—"
    ms = x * 1000
    return f"{ms:.2f}" if ms < 10 else f"{ms:.1f}" if ms < 1000 else f"{ms:,.0f}"


def _ratio(base, x) -> str:
    if base is None or x is None or x == 0:
        return "—"
    r = base / x
    return f"{r:.0f}×" if r >= 10 else f"{r:.1f}×"


def _mib(kb) -> str:
    return "—" if kb is None else f"{kb / 1024:,.0f}"


def _spent(records: list[dict], budget: float) -> float:
    """The query time the records account for: runs taken, and a whole budget per stopped query."""
    return sum(r.get("median", 0.0) * r.get("runs", 1) if "median" in r else budget
               for r in records if r.get("step") == "query" and not r.get("skipped"))


def measure_size(label: str, corpus: Path, engines: list[str], args, work: Path, large: bool,
                 params: Path | None = None) -> dict:
    out: dict = {"label": label, "engines": {}, "large": large}
    for name in engines:
        server = None
        if name == "remote":
            server = Server(work / f"server-{label}", timeout_s=args.query_budget)
            spec = server.url
        elif name == "oxigraph-disk":
            spec = f"oxigraph:{work / f'store-{label}'}"
            shutil.rmtree(work / f"store-{label}", ignore_errors=True)
        else:
            spec = name
        argv = ["--child", "engine", spec, str(corpus), "--repeat", str(args.repeat), "--query-budget",
                str(args.query_budget), "--engine-budget", str(args.engine_budget), "--jobs", str(args.jobs)]
        if large:
            argv.append("--large-pass")
        if params is not None:
            argv += ["--params", str(params)]
        print(f"  {label}: {name} ...", file=sys.stderr, flush=True)
        records, done, rss_max = [], set(), 0
        while True:
            extra = (["--skip", ",".join(sorted(done)), "--spent", str(_spent(records, args.query_budget))] if done else []) \
                + (["--reuse"] if records and name in ("oxigraph-disk", "remote") else [])
            got, rss, stopped_in = run_child(argv + extra, args.child_timeout, args.query_budget)
            records += [r for r in got if r.get("step") != "done" or stopped_in is None]
            rss_max = max(rss_max, rss or 0)
            done |= {r["query"] for r in got if r.get("step") == "query"}
            if stopped_in is None:
                break
            print(f"    {stopped_in}: over {args.query_budget:.0f} s, stopped", file=sys.stderr, flush=True)
            records.append({"step": "query", "query": stopped_in, "timeout": args.query_budget})
            done.add(stopped_in)
        result = {"records": records, "maxrss_kb": rss_max}
        if server is not None:
            result["server_kb"] = server.peak_kb()
            server.stop()
        shutil.rmtree(work / f"store-{label}", ignore_errors=True)
        shutil.rmtree(work / f"server-{label}", ignore_errors=True)
        out["engines"][name] = result
    if not large:
        print(f"  {label}: validation ...", file=sys.stderr, flush=True)
        records, rss, _ = run_child(["--child", "validate", str(corpus), "--jobs", str(args.jobs)], args.child_timeout)
        out["validate"] = {"records": records, "maxrss_kb": rss}
        n = next((r["reports"] for r in records if r.get("step") == "validate"), 0)
        if n <= args.baseline_max:
            print(f"  {label}: plain rdflib + pyshacl (RDFS) ...", file=sys.stderr, flush=True)
            records, rss, _ = run_child(["--child", "baseline", str(corpus)], args.child_timeout)
            out["baseline"] = {"records": records, "maxrss_kb": rss}
    return out


def _step(records: list[dict], step: str) -> dict:
    return next((r for r in records if r.get("step") == step), {})


def _queries(records: list[dict]) -> dict[str, float | None]:
    return {r["query"]: r.get("median") for r in records if r.get("step") == "query"}


def tabulate(results: list[dict], build: dict | None, engines: list[str]) -> str:
    lines: list[str] = []
    add = lines.append
    if build:
        add("### `kg build` on the real graph, as a whole process")
        add("")
        add("| | median s | runs (s) | × faster |")
        add("|---|---:|---|---:|")
        ours, base = build["kg build"], build["plain rdflib + pyshacl RDFS"]
        add(f"| `kg build` (per-report validation, this project) | {_fmt_s(statistics.median(ours))} | "
            f"{', '.join(f'{x:.2f}' for x in ours)} | {_ratio(statistics.median(base), statistics.median(ours))} |")
        add(f"| plain rdflib + pyshacl with RDFS inference, same work | {_fmt_s(statistics.median(base))} | "
            f"{', '.join(f'{x:.2f}' for x in base)} | 1× |")
        add("")
    add("### Build (read, derive, load) and peak memory, per engine")
    add("")
    add("| reports | engine | triples | build s | × vs rdflib | peak MiB | slowest query ms | median query ms "
        "| queries over goal |")
    add("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for res in results:
        base = res["engines"].get("rdflib")
        base_build = _step(base["records"], "build").get("seconds") if base else None
        goal = QUERY_GOAL_REAL if res["label"] in ("real", "1") else QUERY_GOAL_100
        for name in engines:
            if name not in res["engines"]:
                continue
            e = res["engines"][name]
            b = _step(e["records"], "build")
            qs = _queries(e["records"])
            done = [v for v in qs.values() if v is not None]
            missing = len(qs) - len(done)
            over = sum(1 for v in done if v > goal) + missing
            mem = _mib(e["maxrss_kb"]) + (f" (+ server {_mib(e.get('server_kb'))})" if e.get("server_kb") else "")
            failed = next((r for r in e["records"] if r.get("step") in ("killed", "failed")), None)
            note = f" ({failed['step']})" if failed else ""
            add(f"| {res['label']} | {name}{note} | {b.get('triples', '—'):,} | {_fmt_s(b.get('seconds'))} | "
                f"{_ratio(base_build, b.get('seconds')) if name != 'rdflib' else '1×'} | {mem} | "
                f"{_fmt_ms(max(done) if done else None)} | {_fmt_ms(statistics.median(done) if done else None)} | "
                f"{over} of {len(qs)} (goal {_fmt_ms(goal)} ms) |" if isinstance(b.get("triples"), int) else
                f"| {res['label']} | {name}{note} | — | — | — | {mem} | — | — | — |")
    add("")
    add("### Validation")
    add("")
    add("| reports | derive s | validate s (each report on its own) | s per report | derive + validate, parallel | "
        "plain rdflib + pyshacl RDFS s | × faster | peak MiB |")
    add("|---|---:|---:|---:|---:|---:|---:|---:|")
    for res in results:
        if "validate" not in res:
            big = _step(res["engines"].get("oxigraph-disk", {"records": []})["records"], "build")
            if big:
                t = big.get("timings", {})
                add(f"| {res['label']} | {_fmt_s(t.get('derive'))} (summed over processes) | {_fmt_s(t.get('validate'))} "
                    f"(summed) | {_fmt_s(t.get('validate', 0) / max(big.get('reports', 1), 1))} | "
                    f"{_fmt_s(big.get('seconds'))} (build + validate + load, on disk) | — | — | "
                    f"{_mib(res['engines']['oxigraph-disk']['maxrss_kb'])} |")
            continue
        v = _step(res["validate"]["records"], "validate")
        par = _step(res["validate"]["records"], "validate-parallel")
        bl = res.get("baseline")
        bv = _step(bl["records"], "baseline-validate").get("seconds") if bl else None
        n = v.get("reports") or 1
        add(f"| {res['label']} | {_fmt_s(v.get('derive'))} | {_fmt_s(v.get('validate'))} | "
            f"{_fmt_s((v.get('validate') or 0) / n)} | "
            f"{_fmt_s(par.get('seconds')) + (' (' + str(par.get('jobs')) + ' processes)' if par else '')} | "
            f"{_fmt_s(bv) if bl else 'not run'} | {_ratio(bv, v.get('validate'))} | {_mib(res['validate']['maxrss_kb'])} |")
    for res in results:
        names = [n for n in engines if n in res["engines"]]
        qs = {n: _queries(res["engines"][n]["records"]) for n in names}
        all_queries = sorted({q for d in qs.values() for q in d})
        if not all_queries:
            continue
        add("")
        add(f"### Stored queries, median ms: {res['label']} {'(the real graph)' if res['label'] == 'real' else 'reports'}")
        add("")
        others = [n for n in names if n != "rdflib"] if "rdflib" in names else []
        add("| query | " + " | ".join(names + [f"rdflib ÷ {n}" for n in others]) + " |")
        add("|---|" + "---:|" * (len(names) + len(others)))
        for q in all_queries:
            cells = [_fmt_ms(qs[n].get(q)) for n in names]
            ratios = [_ratio(qs["rdflib"].get(q), qs[n].get(q)) for n in others]
            add(f"| {q} | " + " | ".join(cells) + (" | " + " | ".join(ratios) if ratios else "") + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1, 10, 100],
                        help="numbers of synthetic reports measured on every engine (default 1 10 100)")
    parser.add_argument("--large", type=int, nargs="*", default=[1000],
                        help="numbers of reports measured on the on-disk engine only (default 1000)")
    parser.add_argument("--engines", nargs="*", default=ENGINES, choices=ENGINES)
    parser.add_argument("--root", type=Path, default=ROOT,
                        help="the project measured and copied into the corpora (default: this checkout)")
    parser.add_argument("--no-real", action="store_true", help="skip the real graph")
    parser.add_argument("--repeat", type=int, default=5, help="runs per query (default 5)")
    parser.add_argument("--repeat-build", type=int, default=3, help="runs of each whole-process build (default 3)")
    parser.add_argument("--query-budget", type=float, default=60.0, help="seconds a query run may take (default 60)")
    parser.add_argument("--engine-budget", type=float, default=600.0,
                        help="seconds of query runs per engine and size before the rest are skipped (default 600)")
    parser.add_argument("--baseline-max", type=int, default=10,
                        help="largest corpus validated with plain pyshacl + RDFS inference (default 10)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="processes for parallel validation")
    parser.add_argument("--child-timeout", type=float, default=7200.0, help="seconds before a measuring process is killed")
    parser.add_argument("--json", type=Path, default=None, help="also write the raw records here")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--large-pass", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--params", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--skip", default="", help=argparse.SUPPRESS)
    parser.add_argument("--spent", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("--reuse", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        mode, *rest = args.child
        if mode == "engine":
            child_engine(rest[0], Path(rest[1]), args)
        elif mode == "validate":
            child_validate(Path(rest[0]), args)
        elif mode == "baseline":
            child_baseline(Path(rest[0]), args)
        elif mode == "plain-build":
            child_plain_build(Path(rest[0]), Path(rest[1]))
        return 0

    from kg.corpus import generate_corpus, synthetic_parameters
    from kg.queries import load_queries

    started = time.perf_counter()
    results: list[dict] = []
    build_runs = None
    with tempfile.TemporaryDirectory(prefix="kg-bench-") as tmp:
        work = Path(tmp)
        # the stored queries' default parameters name things of the real report: in a
        # synthetic corpus, ask for the same things under their synthetic names
        params = work / "params.json"
        params.write_text(json.dumps(synthetic_parameters(args.root, load_queries(ROOT / "queries"))))
        if not args.no_real:
            print("real graph: whole-process builds ...", file=sys.stderr, flush=True)
            ours, base = [], []
            for i in range(args.repeat_build):
                t = time.perf_counter()
                r = subprocess.run([_kg_script(), "--root", str(args.root), "build", "--out", str(work / "dist")],
                                   capture_output=True)
                ours.append(time.perf_counter() - t)
                if r.returncode != 0:
                    print(f"  kg build exited {r.returncode}: {r.stderr.decode()[-300:]}", file=sys.stderr)
                t = time.perf_counter()
                subprocess.run([sys.executable, __file__, "--child", "plain-build", str(args.root), str(work / "dist-plain")],
                               capture_output=True)
                base.append(time.perf_counter() - t)
            build_runs = {"kg build": ours, "plain rdflib + pyshacl RDFS": base}
            results.append(measure_size("real", args.root, args.engines, args, work, large=False))
        for n in args.sizes:
            corpus = work / f"corpus-{n}"
            t = time.perf_counter()
            generate_corpus(args.root, corpus, n)
            print(f"corpus of {n}: generated in {time.perf_counter() - t:.1f} s", file=sys.stderr, flush=True)
            results.append(measure_size(str(n), corpus, args.engines, args, work, large=False, params=params))
            shutil.rmtree(corpus)
            if args.json:
                args.json.write_text(json.dumps({"results": results, "build": build_runs}, indent=1))
        for n in args.large:
            corpus = work / f"corpus-{n}"
            t = time.perf_counter()
            generate_corpus(args.root, corpus, n)
            print(f"corpus of {n}: generated in {time.perf_counter() - t:.1f} s", file=sys.stderr, flush=True)
            results.append(measure_size(str(n), corpus, ["oxigraph-disk"], args, work, large=True, params=params))
            shutil.rmtree(corpus)
    if args.json:
        args.json.write_text(json.dumps({"results": results, "build": build_runs}, indent=1))
    cpu = platform.processor() or platform.machine()
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    print(f"## Benchmark of {date.today().isoformat()}: {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs "
          f"({cpu}), {mem:.0f} GiB RAM, Python {platform.python_version()}; took {(time.perf_counter() - started) / 60:.0f} min")
    print()
    print(tabulate(results, build_runs, args.engines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
