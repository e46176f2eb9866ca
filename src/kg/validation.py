"""Validate the built graph: SHACL shapes (pyshacl) plus the provenance problems of the build."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import Graph, URIRef

from .derive import Problem
from .namespaces import SH


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


def pyshacl_results(data: Graph, shapes: Graph) -> list[tuple]:
    """(focus, path, value, source shape, message) of each result of pyshacl over `data`
    (types already materialised, so no inference); the first message if a shape has several.
    Only the report's own results: not the nested ones of sh:detail (which pyshacl adds for sh:node)."""
    import pyshacl  # only the reference and the fallback need it: 0.1 s to import

    _, results, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none",
                                     advanced=True, allow_warnings=False, meta_shacl=False)
    found = []
    for r in results.objects(None, SH.result):
        messages = sorted(results.objects(r, SH.resultMessage), key=str)
        found.append((results.value(r, SH.focusNode), results.value(r, SH.resultPath), results.value(r, SH.value),
                      results.value(r, SH.sourceShape), messages[0] if messages else None))
    return found


def problems_of(results: Iterable[tuple], names: Graph, shapes: Graph, file_of) -> list[Problem]:
    """One Problem per SHACL result, naming the file of the focus node and the node shape
    that fired (a property shape is a blank node: the node shape that holds it); IRIs are
    shortened with the prefixes of `names`."""
    problems = []
    for focus, path, value, shape, message in results:
        if shape is not None and not isinstance(shape, URIRef):
            shape = shapes.value(None, SH.property, shape) or shape
        text = str(message) if message is not None else "constraint violated"
        if value is not None and value != focus:
            text += f" (value: {_short(names, value)})"
        problems.append(Problem(
            file=file_of(focus) or "derived",
            subject=_short(names, focus),
            property=_short(names, path) if path is not None else "-",
            message=text,
            source="shacl",
            shape=_short(shapes, shape) if shape is not None else "-",
        ))
    problems.sort(key=lambda p: (p.file, p.subject, p.property, p.message))
    return problems


def shacl_problems(data: Graph, shapes: Graph, file_of) -> list[Problem]:
    """pyshacl's problems over `data`: the reference the faster kg.shacl is checked against."""
    return problems_of(pyshacl_results(data, shapes), data, shapes, file_of)
