"""The main job: load, derive, validate and, when the data conforms, export to a folder."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, partial
from importlib.metadata import PackageNotFoundError, version as _version
from pathlib import Path

from rdflib import Graph

from .description import describe_dataset
from .errors import NonConformingError
from .exports import BUILD_FORMATS, FORMATS, serialise, write_outputs
from .forked import make_in_two
from .graph import KnowledgeGraph, build_graph
from .stats import class_counts, figures_by_role
from .validation import ValidationReport


def package_version() -> str:
    """The version, from the installed package's metadata (its one source: pyproject.toml)."""
    try:
        return _version("gwr-kg")
    except PackageNotFoundError:  # running from a source tree without installing
        return "0+unknown"


@dataclass
class BuildResult:
    """What a build produced: the graph, its validation and the files written."""

    kg: KnowledgeGraph
    triples: set  # the union of the named graphs, as (s, p, o) tuples
    validation: ValidationReport
    written: list[Path] = field(default_factory=list)
    engine: str | None = None  # the engine the graph was loaded into, if any

    @cached_property
    def graph(self) -> Graph:
        """The union as an rdflib Graph, made when first asked for (the build itself does not need it)."""
        return self.kg.union()

    def summary(self) -> dict:
        return {
            "triples": len(self.triples),
            "reports": [r.slug for r in self.kg.inputs.reports],
            "classes": class_counts(self.triples),
            "figures_by_role": figures_by_role(self.triples),
            "conforms": self.validation.conforms,
            "problems": len(self.validation.problems),
            "written": [str(p) for p in self.written],
        }


def build(root: Path | None = None, out: Path | None = None, *, engine=None) -> BuildResult:
    """Build the graph under `root` and write it to `out` (default `<root>/dist`).

    Writes the graph as Turtle, N-Triples and JSON-LD, TriG with one named graph per report,
    and `void.ttl` describing them. With `engine` (a spec such as "oxigraph:DIR" or an open
    kg.engines engine) the validated graph is also loaded into it, one named graph per
    report, each replaced atomically. Raises InputError (bad input), NonConformingError
    (nothing is written or loaded then) or OutputError (the old outputs are left as they were).
    """
    kg = build_graph(root)
    report = kg.validate()
    named = kg.named_graphs()
    triples = set().union(*(set(g) for g in named.values()))
    result = BuildResult(kg, triples, report)
    if not report.conforms:
        raise NonConformingError(f"{len(report.problems)} problem(s): the data does not conform; nothing exported",
                                 report.problems)
    out = Path(out) if out is not None else kg.inputs.root / "dist"
    own = isinstance(engine, str)
    store = None
    if engine is not None:
        from .engines import open_engine  # only builds that load a store need it
        store = open_engine(engine) if own else engine  # opened first: a store in use stops the build early
    try:
        result.written = _write(out, triples, named)
        if store is not None:
            store.load(named)
            result.engine = store.spec
    finally:
        if own and store is not None:
            store.close()
    return result


# Made in a second process while this one writes the Turtle and the TriG (which share the
# Turtle form of every term): about half the time of the writing each.
_IN_CHILD = {"graph.nt", "graph.jsonld"}


def _write(out: Path, triples: set, named: dict) -> list[Path]:
    """The five files of a build, written into `out` as one step."""
    jobs = {}
    for name in BUILD_FORMATS + ("trig",):
        fmt = FORMATS[name]
        jobs[f"graph.{fmt.extension}"] = partial(serialise, triples, fmt, named.items())
    payloads = make_in_two(jobs, _IN_CHILD)
    sizes = {name: (FORMATS[_format_of(name)].media_type, len(data)) for name, data in payloads.items()}
    void = describe_dataset(triples, sizes, package_version())
    payloads["void.ttl"] = serialise(void, FORMATS["turtle"])
    return write_outputs(out, payloads)


def _format_of(file_name: str) -> str:
    ext = file_name.rsplit(".", 1)[-1]
    return next(f.name for f in FORMATS.values() if f.extension == ext)
