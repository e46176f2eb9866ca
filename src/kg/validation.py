"""Validate the built graph: SHACL shapes (pyshacl) plus the provenance problems of the build."""

from __future__ import annotations

from dataclasses import dataclass

import pyshacl
from rdflib import Graph, URIRef

from .derive import Problem
from .namespaces import SH, bind_prefixes


@dataclass
class ValidationReport:
    """The outcome of validation: conforming when there is no problem at all."""

    problems: list[Problem]

    @property
    def conforms(self) -> bool:
        return not self.problems

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for p in self.problems:
            out[p.source] = out.get(p.source, 0) + 1
        return out


def _short(graph: Graph, term) -> str:
    if isinstance(term, URIRef):
        try:
            return graph.namespace_manager.normalizeUri(term)
        except Exception:  # not every IRI can be shortened
            return f"<{term}>"
    return str(term)


def shacl_problems(data: Graph, shapes: Graph, file_of) -> list[Problem]:
    """Run the shapes over `data` (types already materialised, so no inference) and return
    one Problem per validation result, naming the file of the focus node and the shape."""
    _, results, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none",
                                     advanced=True, allow_warnings=False, meta_shacl=False)
    bind_prefixes(results)
    problems = []
    for r in results.subjects(SH.focusNode, None):
        focus = results.value(r, SH.focusNode)
        path = results.value(r, SH.resultPath)
        shape = results.value(r, SH.sourceShape)
        message = results.value(r, SH.resultMessage)
        # property shapes are blank nodes: report the node shape that holds them
        if shape is not None and not isinstance(shape, URIRef):
            shape = shapes.value(None, SH.property, shape) or shape
        value = results.value(r, SH.value)
        text = str(message) if message is not None else "constraint violated"
        if value is not None and value != focus:
            text += f" (value: {_short(data, value)})"
        problems.append(Problem(
            file=file_of(focus) or "derived",
            subject=_short(data, focus),
            property=_short(data, path) if path is not None else "-",
            message=text,
            source="shacl",
            shape=_short(shapes, shape) if shape is not None else "-",
        ))
    problems.sort(key=lambda p: (p.file, p.subject, p.property, p.message))
    return problems
