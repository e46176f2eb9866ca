"""SHACL validation of one report at a time: the compiled core validator, else pyshacl.

kg.shacl_core evaluates the shapes' SHACL Core constructs about ten times faster than pyshacl
and gives the same results (tests/test_shacl_core.py checks both on broken data); when the
shapes use anything it does not evaluate exactly like pyshacl (SHACL-SPARQL, complex paths),
pyshacl does the work, so a change of shapes can make validation slower but never different.
"""

from __future__ import annotations

from collections.abc import Sequence

from rdflib import Graph

from .derive import Problem
from .shacl_core import CoreValidator, Unsupported, compile_shapes
from .validation import problems_of, pyshacl_results

__all__ = ["ShapesValidator"]


class ShapesValidator:
    """Validate data graphs against one shapes graph; build once, use for every report.

    `engine` is "core" (the compiled validator; pyshacl when the shapes need it) or "pyshacl".
    """

    def __init__(self, shapes: Graph, engine: str = "core") -> None:
        if engine not in ("core", "pyshacl"):
            raise ValueError(f"unknown SHACL engine {engine!r}")
        self.shapes = shapes
        self.core: CoreValidator | None = None
        self.why_pyshacl = "asked for" if engine == "pyshacl" else None
        if engine == "core":
            try:
                self.core = compile_shapes(shapes)
            except Unsupported as e:
                self.why_pyshacl = str(e)

    @property
    def engine(self) -> str:
        return "core" if self.core is not None else "pyshacl"

    def problems(self, data: Graph | Sequence[Graph], file_of) -> list[Problem]:
        """One Problem per validation result over `data` (a graph, or graphs taken as their
        union without copying them), sorted as kg.validation sorts them."""
        graphs = [data] if isinstance(data, Graph) else list(data)
        names = graphs[0]  # IRIs are shortened with the first graph's prefixes
        if self.core is not None:
            results = self.core.results(graphs)
        else:
            union = graphs[0]
            if len(graphs) > 1:
                union = Graph()
                for prefix, ns in names.namespaces():  # pyshacl's own messages use them
                    union.bind(prefix, ns)
                for g in graphs:
                    union += g
            results = pyshacl_results(union, self.shapes)
        return problems_of(results, names, self.shapes, file_of)
