"""The `kg viz` command: parse its options, draw with kg.viz, write the file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import UsageError
from .exports import write_atomic
from .graph import build_graph
from .projection import project
from .viz import VIEWS, VIZ_FORMATS, layout, render, select

__all__ = ["DESCRIPTION", "add_arguments", "cmd_viz"]

DESCRIPTION = (
    "Draw the graph or a part of it: a named view (--view), an entity and its neighbours "
    "(--focus, --depth), the nodes of a class (--class) or of a section of the report (--section); "
    "with none of these, the whole graph. --class and --section also narrow a --focus. "
    "Formats: " + "; ".join(f"{f.name}: {f.description}" for f in VIZ_FORMATS.values()) + ". "
    "Views: " + "; ".join(f"{v.name}: {v.description}" for v in VIEWS.values()) + ". "
    "Exit 2 for an unknown entity, class, section or view, with the closest names."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--view", choices=list(VIEWS), help="a named view (see above)")
    p.add_argument("--focus", metavar="ENTITY",
                   help="an IRI, prefixed name (id:pudong-new-area) or label (\"Pudong New Area\")")
    p.add_argument("--depth", type=int, metavar="N",
                   help="links to follow from the focus (default 1) or from the class/section nodes (default 0)")
    p.add_argument("--class", dest="cls", metavar="CLASS", help="a class of ours: District, gwr:Project, \"New town\"")
    p.add_argument("--section", metavar="S", help="a part or section: part-2/section-1, II.1, or words of its heading")
    p.add_argument("--format", choices=list(VIZ_FORMATS), default=None,
                   help="output format (default: from the -o file's extension, else html)")
    p.add_argument("-o", "--output", default="-", metavar="FILE", help="output file, or - for stdout (default)")


def _format(args) -> str:
    if args.format:
        return args.format
    suffix = Path(args.output).suffix.lower().lstrip(".")
    by_ext = {f.extension: f.name for f in VIZ_FORMATS.values()}
    return by_ext.get(suffix, "html")


def cmd_viz(args) -> int:
    fmt = _format(args)
    if fmt == "png" and args.output == "-" and sys.stdout.isatty():
        raise UsageError("a PNG is binary: give -o FILE")
    graph = build_graph(args.root).union()
    full = project(graph)
    sub = select(full, view=args.view, focus=args.focus, depth=args.depth, cls=args.cls,
                 section=args.section, graph=graph)
    data = render(layout(sub), fmt, full)
    if args.output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        write_atomic(Path(args.output), data)
        print(f"kg viz: {sub.graph['title']}: {sub.number_of_nodes()} nodes, {sub.number_of_edges()} edges "
              f"-> {args.output}", file=sys.stderr)
    return 0
