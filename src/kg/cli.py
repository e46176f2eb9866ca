"""The `kg` command: parses options, calls the library, prints. Exit codes: 0 success,
1 the data does not conform, 2 bad usage or bad input."""

from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path

from . import commands
from .errors import KgError, NonConformingError
from .exports import FORMATS


# Commands whose modules need neither SPARQL nor networkx and numpy. The modules of the other
# commands import those (a third of a second): `kg build` and the like parse their arguments
# without them, and every other command line, `kg --help` included, gets the whole parser.
_LIGHT = {"build", "validate", "export", "stats", "coverage", "load"}


def _command_of(argv: list[str]) -> str | None:
    """The command word of `argv` (the first word that is neither an option nor its value)."""
    words = iter(argv)
    for word in words:
        if word == "--root":
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def make_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The `kg` parser; for a light `command`, only the subparsers it needs (see _LIGHT)."""
    full = command not in _LIGHT
    parser = argparse.ArgumentParser(prog="kg", description="Knowledge graph of the Shanghai 2024 Report on the Work of the Government.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {commands.package_version()}")
    parser.add_argument("--root", type=Path, default=None,
                        help="project folder holding ontology/ and data/ (default: here, else the installed checkout)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("build", help="load, derive, validate and export the graph to DIR",
                       description="Load ontology and data, derive passages, quotes and mentions, validate, and write "
                                   "graph.ttl, graph.nt, graph.jsonld, graph.trig and void.ttl to DIR. "
                                   "Exit 1 (nothing written) when the data does not conform.")
    p.add_argument("--out", type=Path, default=None, metavar="DIR", help="output folder (default: dist/)")
    p.set_defaults(func=commands.cmd_build)

    p = sub.add_parser("validate", help="SHACL and provenance check; one line per problem",
                       description="Validate the data: SHACL shapes plus the check that every quote occurs in the "
                                   "source. Prints one line per problem: file, subject, property, message. Exit 1 if any.")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--shacl", choices=["core", "pyshacl"], default="core",
                   help="core (default): the shapes compiled, about ten times faster; pyshacl: pyshacl itself, "
                        "the reference (the same problems, tests check it)")
    p.set_defaults(func=commands.cmd_validate)

    p = sub.add_parser("export", help="write the graph in one format to a file or stdout",
                       description="Serialise the validated graph. trig keeps one named graph per report.")
    p.add_argument("--format", choices=list(FORMATS), default="turtle")
    p.add_argument("-o", "--output", default="-", metavar="FILE", help="output file, or - for stdout (default)")
    p.set_defaults(func=commands.cmd_export)

    p = sub.add_parser("stats", help="counts by class, figures by role and period, most connected entities",
                       description="Counts by class, figures by role and period, and the entities with most links.")
    p.add_argument("--top", type=int, default=10, help="how many of the most connected entities (default 10)")
    p.set_defaults(func=commands.cmd_stats)

    p = sub.add_parser("coverage", help="audit: every number in the report and whether a figure covers it",
                       description="List every numeric mention of each report's text (digits and number words) and the "
                                   "figure whose stated form covers it; print 'covered N/M'. Dates, ordinals, list numbers "
                                   "and numbers inside names are excluded by the rules in kg.coverage.")
    p.add_argument("--missing", action="store_true", help="list only the mentions no figure covers, with context")
    p.add_argument("--excluded", action="store_true", help="also list excluded mentions with the rule that excludes them")
    p.set_defaults(func=commands.cmd_coverage)

    if full:
        _add_query_viz_serve(sub)
    # Engines: `kg load`, and --engine on build and query (kg.engines; handler in kg.commands_engine).
    from . import commands_engine
    commands_engine.add_parsers(sub)
    return parser


def _add_query_viz_serve(sub) -> None:
    # Stored SPARQL queries (kg.queries, kg.results; handlers in kg.commands_query).
    from . import commands_query
    from .results import FORMATS as RESULT_FORMATS
    p = sub.add_parser("queries", help="list the stored queries with their parameters",
                       description="List the stored SPARQL queries of queries/: name, summary and parameters.")
    p.add_argument("--queries", type=Path, default=None, metavar="DIR", help="folder of .rq files (default: queries/)")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(func=commands_query.cmd_queries)
    p = sub.add_parser("query", help="run a stored query (or any .rq file) and print its rows",
                       description="Run the stored query NAME, or the query in --file, with parameters bound (never "
                                   "pasted into the text). Formats: " + "; ".join(f"{k}: {v}" for k, v in RESULT_FORMATS.items())
                                   + ". Exit 2 for an unknown query or parameter or a syntax error.")
    p.add_argument("name", nargs="?", metavar="NAME", help="a stored query (see `kg queries`)")
    p.add_argument("-p", "--param", nargs=2, action="append", metavar=("KEY", "VALUE"),
                   help="bind parameter KEY to VALUE (repeatable); entity parameters take a label or an IRI")
    p.add_argument("--file", type=Path, default=None, metavar="F.rq", help="run the query in this file instead")
    p.add_argument("--format", choices=list(RESULT_FORMATS), default="table")
    p.add_argument("--width", type=int, default=40, help="table: widest column before text wraps (default 40)")
    p.add_argument("--queries", type=Path, default=None, metavar="DIR", help="folder of .rq files (default: queries/)")
    p.set_defaults(func=commands_query.cmd_query)

    # Drawing the graph (kg.projection, kg.viz; handler in kg.commands_viz).
    from . import commands_viz
    p = sub.add_parser("viz", help="draw the graph or a part of it: HTML page, SVG, PNG, GraphML, GEXF",
                       description=commands_viz.DESCRIPTION)
    commands_viz.add_arguments(p)
    p.set_defaults(func=commands_viz.cmd_viz)

    # Serving the graph over HTTP (kg.server, kg.pages; handler in kg.commands_serve).
    from . import commands_serve
    p = sub.add_parser("serve", help="serve the graph: SPARQL endpoint and pages to browse",
                       description=commands_serve.DESCRIPTION)
    commands_serve.add_arguments(p)
    p.set_defaults(func=commands_serve.cmd_serve)


# Commands that run once over one project: Python's cyclic garbage collector would spend a
# third of `kg build` walking rdflib's many small objects, for a few MB of cycles freed at exit.
# Not serve (runs for days) nor load (its memory must stay that of one report at a time).
_WITHOUT_GC = {"build", "validate", "export", "stats", "coverage", "queries", "query", "viz"}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = make_parser(_command_of(argv)).parse_args(argv)
    if args.command in _WITHOUT_GC:
        gc.disable()
    try:
        return args.func(args) or 0
    except NonConformingError as e:
        for problem in e.problems:
            print(problem.line(), file=sys.stderr)
        print(f"kg: {e}", file=sys.stderr)
        return e.exit_code
    except KgError as e:
        print(f"kg: error: {e}", file=sys.stderr)
        return e.exit_code
    except BrokenPipeError:  # `kg export | head` is fine
        return 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

