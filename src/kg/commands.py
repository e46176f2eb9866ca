"""What each `kg` command does: call the library, print the result, return the exit code."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .build import build, package_version
from .coverage import coverage
from .errors import NonConformingError
from .exports import get_format, serialise, write_atomic
from .graph import build_graph
from .shacl import ShapesValidator
from .stats import class_counts, figures_by_role, figures_by_role_and_period, top_degree

__all__ = ["cmd_build", "cmd_validate", "cmd_export", "cmd_stats", "cmd_coverage", "package_version"]


def _print_counts(title: str, counts: dict, out=sys.stdout) -> None:
    print(title, file=out)
    width = max((len(str(k)) for k in counts), default=0)
    for k, v in counts.items():
        if v:
            print(f"  {str(k):<{width}}  {v:>6}", file=out)


def cmd_build(args) -> int:
    result = build(args.root, args.out, engine=getattr(args, "engine", None))
    s = result.summary()
    print(f"kg build: {', '.join(s['reports'])}: {s['triples']} triples")
    _print_counts("entities by class:", s["classes"])
    _print_counts("figures by role:", s["figures_by_role"])
    print(f"validation: conforms ({len(result.kg.provenance_problems)} provenance problems, 0 SHACL violations)")
    out = Path(s["written"][0]).parent if s["written"] else args.out
    print(f"wrote {len(s['written'])} files to {out}: {', '.join(Path(p).name for p in s['written'])}")
    if result.engine:
        print(f"loaded {len(result.kg.report_graphs) + 1} named graphs into {result.engine}")
    return 0


def cmd_validate(args) -> int:
    kg = build_graph(args.root)
    report = kg.validate(validator=ShapesValidator(kg.inputs.shapes, args.shacl))
    if args.format == "json":
        rows = [{"file": p.file, "subject": p.subject, "property": p.property, "message": p.message,
                 "source": p.source, "shape": p.shape} for p in report.problems]
        print(json.dumps({"conforms": report.conforms, "problems": rows}, ensure_ascii=False, indent=1))
    else:
        for p in report.problems:
            print(p.line())
        counts = report.counts()
        print(f"{'conforms' if report.conforms else 'does not conform'}: "
              f"{counts.get('shacl', 0)} SHACL violation(s), {counts.get('provenance', 0)} provenance problem(s)")
    return 0 if report.conforms else 1


def cmd_export(args) -> int:
    fmt = get_format(args.format)
    kg = build_graph(args.root)
    graph = kg.union()
    report = kg.validate(graph)
    if not report.conforms:
        raise NonConformingError(f"{len(report.problems)} problem(s): the data does not conform; nothing exported",
                                 report.problems)
    data = serialise(graph, fmt, kg.dataset() if fmt.named_graphs else None)
    if args.output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        write_atomic(Path(args.output), data)
    return 0


def cmd_stats(args) -> int:
    graph = build_graph(args.root).union()
    print(f"triples: {len(graph)}")
    _print_counts("entities by class:", class_counts(graph))
    _print_counts("figures by role:", figures_by_role(graph))
    _print_counts("figures by role and period:",
                  {f"{role} {period}": n for (role, period), n in figures_by_role_and_period(graph).items()})
    print(f"most connected entities (top {args.top}):")
    for iri, label, degree in top_degree(graph, args.top):
        print(f"  {degree:>4}  {label}  <{iri}>")
    return 0


def cmd_coverage(args) -> int:
    kg = build_graph(args.root)
    graph = kg.union()
    for report in kg.inputs.reports:
        audit = coverage(graph, report)
        for m in audit.mentions:
            if m.excluded is not None:
                if args.excluded:
                    print(f"excluded  {m.start:>6}  {m.excluded:<9} {m.context(report.text)}")
                continue
            figs = audit.covered.get(m)
            if figs and not args.missing:
                names = ", ".join(f.rsplit("/", 1)[-1] for f in figs)
                print(f"covered   {m.start:>6}  {m.token:<9} {names}")
            elif not figs:
                print(f"MISSING   {m.start:>6}  {m.token:<9} {m.context(report.text)}")
        print(audit.line())
    return 0
