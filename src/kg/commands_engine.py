"""What `kg load` does, and the `--engine` option of the commands that take one."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.query import Result

from .engines import DEFAULT_ENGINE, ENGINE_HELP, Engine, OxigraphEngine, load_project, open_engine
from .errors import UsageError
from .graph import build_graph
from .namespaces import RDFS, SKOS

__all__ = ["add_parsers", "add_engine_option", "cmd_load", "engine_spec", "open_query_engine", "engine_labeler"]

LOAD_DESCRIPTION = (
    "Build every report, validate it, and put the graph into a store: one named graph per report "
    "(its IRI) and one for the ontology, their union in the default graph, so stored queries run "
    "there unchanged. Each report's old graph is replaced atomically (staged in a temporary graph, "
    "then swapped in by one SPARQL Update request); nothing is replaced unless every report "
    "conforms (exit 1). TO is a SPARQL query endpoint (http://host:port for an Oxigraph server) "
    "or any engine spec: " + ENGINE_HELP + ".")


def add_engine_option(parser: argparse.ArgumentParser, *, default_help: str) -> None:
    parser.add_argument("--engine", default=None, metavar="SPEC", help=f"{ENGINE_HELP} ({default_help})")


def add_parsers(sub) -> None:
    """Add `kg load` and the --engine option of `kg build` to the command line."""
    p = sub.add_parser("load", help="put the built graph into a SPARQL store, one named graph per report",
                       description=LOAD_DESCRIPTION)
    p.add_argument("--to", required=True, metavar="URL",
                   help="the store: a SPARQL query endpoint URL, sparql:QUERY_URL[,GSP_URL[,UPDATE_URL]], "
                        "oxigraph:DIR, oxigraph or rdflib")
    p.add_argument("--gsp", default=None, metavar="URL",
                   help="its Graph Store Protocol endpoint (default: derived, e.g. /store beside /query)")
    p.add_argument("--update", default=None, metavar="URL",
                   help="its SPARQL Update endpoint (default: derived, e.g. /update beside /query)")
    p.add_argument("--jobs", type=int, default=1, metavar="N",
                   help="derive and validate N reports at once (default 1; 0: one per CPU)")
    p.set_defaults(func=cmd_load)
    if "build" in sub.choices:
        add_engine_option(sub.choices["build"], default_help="default: none; with one, build also loads the graph into it")
    if "query" in sub.choices:
        add_engine_option(sub.choices["query"], default_help=f"default: {DEFAULT_ENGINE}, loaded with the graph built "
                                                            "from the data; a store on disk or remote is queried as it is")


def engine_spec(to: str, gsp: str | None = None, update: str | None = None) -> str:
    """The engine spec of `kg load --to TO [--gsp URL] [--update URL]`."""
    if gsp is None and update is None:
        return to
    url = to[len("sparql:"):] if to.startswith("sparql:") else to
    if not url.startswith(("http://", "https://")) or "," in url:
        raise UsageError("--gsp and --update go with --to QUERY_URL (an http(s) URL)")
    return f"sparql:{url},{gsp or ''},{update or ''}"


def cmd_load(args) -> int:
    jobs = args.jobs if args.jobs > 0 else (os.cpu_count() or 1)
    with open_engine(engine_spec(args.to, args.gsp, args.update)) as engine:
        result = load_project(engine, args.root, workers=jobs)
        for iri, n in result.graphs.items():
            print(f"  {n:>9}  <{iri}>")
        print(f"kg load: {len(result.graphs)} graphs, {result.triples} triples into {engine.spec} "
              f"in {result.timings['total']:.1f} s")
        if not engine.persistent:
            print(f"note: {engine.spec} is in memory; the graph is gone when kg exits")
    return 0


def open_query_engine(spec: str | None, root: Path | None = None) -> Engine:
    """The engine a query runs on: an in-memory one loaded with the graph built from `root`,
    or a store on disk or remote queried as it is. UsageError when that store holds nothing."""
    if spec and spec.startswith("oxigraph:"):
        folder = Path(spec[len("oxigraph:"):])
        if not folder.is_dir():
            raise UsageError(f"no Oxigraph store in {folder}: make one with `kg load --to {spec}`")
        engine = OxigraphEngine(folder, read_only=True)  # a query only reads: it may share a served store
    else:
        engine = open_engine(spec)
    try:
        if not engine.persistent:
            engine.load(build_graph(root).named_graphs())
        elif engine.is_empty():
            raise UsageError(f"{engine.spec} holds no graph: load one with `kg load --to {spec}`")
    except BaseException:
        engine.close()
        raise
    return engine


LABELS_QUERY = "SELECT ?s ?p ?label WHERE { ?s ?p ?label }"


def engine_labeler(engine: Engine, result: Result):
    """What a table shows for each IRI of `result`, asked of the engine for those IRIs only:
    the same choice as kg.results.graph_labeler (skos:prefLabel, then rdfs:label; English,
    then no language, then any)."""
    iris = sorted({t for row in (result.bindings if result.type == "SELECT" else [])
                   for t in row.values() if isinstance(t, URIRef)})
    rank: dict = {}
    if iris:
        props = [SKOS.prefLabel, RDFS.label]
        for s, p, o in engine.query(LABELS_QUERY, {"s": iris, "p": props}):
            if not isinstance(o, Literal):
                continue
            key = (0 if o.language == "en" else 1 if o.language is None else 2, props.index(p), str(o))
            if s not in rank or key < rank[s]:
                rank[s] = key
    labels = {s: key[2] for s, key in rank.items()}
    return labels.get
