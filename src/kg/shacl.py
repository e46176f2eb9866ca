"""SHACL validation that scales with the corpus: pyshacl, minus its two avoidable costs.

The results are pyshacl's, with the same options as kg.validation.shacl_problems (no inference,
advanced mode, warnings count). What changes is how they are computed:

- pyshacl parses a SHACL-SPARQL constraint's query again for every focus node (216 figures:
  2.5 of the 4 s that validating the real graph took). Here each node-shape SPARQL constraint
  is parsed once and evaluated per focus node with `$this` pre-bound through rdflib's
  initBindings, as pyshacl does, and its results are read as pyshacl reads them (`?this`,
  `?path`, `?value`, `?failure`; the message with `{?var}` filled in). pyshacl validates the
  rest, with these constraints marked `sh:deactivated` in a copy of the shapes.
- pyshacl copies the data graph in advanced mode in case SHACL rules add to it; the shapes
  have no rules and each data graph here is built for validation alone, so it runs in place.

Constraints this module cannot evaluate exactly like pyshacl (on property shapes, ASK
validators, `$shapesGraph`) are left to pyshacl.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyshacl
from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.namespace import RDF, RDFS
from rdflib.plugins.sparql import prepareQuery

from .derive import Problem
from .namespaces import SH, bind_prefixes
from .validation import _short  # the same shortening, so problems read the same

__all__ = ["ShapesValidator"]

_THIS_RE = re.compile(r"[$?]this\b")
_CURRENT_SHAPE_RE = re.compile(r"[$?]currentShape\b")
_UNSUPPORTED_RE = re.compile(r"[$?](shapesGraph|PATH)\b")


@dataclass
class _SparqlConstraint:
    shape: URIRef | BNode
    node: URIRef | BNode
    query: object  # rdflib's prepared query
    binds_this: bool
    binds_shape: bool
    messages: list[Literal]


def _prefixes(shapes: Graph, constraint) -> dict[str, str]:
    out = {}
    for holder in shapes.objects(constraint, SH.prefixes):
        for decl in shapes.objects(holder, SH.declare):
            prefix, ns = shapes.value(decl, SH.prefix), shapes.value(decl, SH.namespace)
            if prefix is not None and ns is not None:
                out[str(prefix)] = str(ns)
    return out


def _true(graph: Graph, node, prop) -> bool:
    value = graph.value(node, prop)
    return isinstance(value, Literal) and value.toPython() is True


class ShapesValidator:
    """Validate data graphs against one shapes graph; build once, use for every report."""

    def __init__(self, shapes: Graph) -> None:
        self.shapes = shapes
        self.core = Graph()
        self.core += shapes
        self.constraints: list[_SparqlConstraint] = []
        for shape, node in sorted(shapes.subject_objects(SH.sparql)):
            c = self._compile(shape, node)
            if c is not None:
                self.constraints.append(c)
                self.core.add((node, SH.deactivated, Literal(True)))

    def _compile(self, shape, node) -> _SparqlConstraint | None:
        s = self.shapes
        if (shape, SH.path, None) in s or _true(s, shape, SH.deactivated) or _true(s, node, SH.deactivated):
            return None  # property shapes bind $PATH; deactivated ones pyshacl skips itself
        select = s.value(node, SH.select)
        if select is None or _UNSUPPORTED_RE.search(str(select)):
            return None
        prefixes = _prefixes(s, node)
        text = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes.items()) + str(select)
        try:
            prepared = prepareQuery(text)
        except Exception:  # let pyshacl report the broken query its own way
            return None
        messages = sorted((m for m in s.objects(node, SH.message) if isinstance(m, Literal)), key=str)
        return _SparqlConstraint(shape, node, prepared, bool(_THIS_RE.search(str(select))),
                                 bool(_CURRENT_SHAPE_RE.search(str(select))), messages)

    def _focus_nodes(self, data: Graph, shape) -> set:
        s = self.shapes
        focus: set = set(s.objects(shape, SH.targetNode))
        classes = set(s.objects(shape, SH.targetClass))
        if (shape, RDF.type, RDFS.Class) in s:
            classes.add(shape)  # implicit class target
        for cls in classes:
            for sub in data.transitive_subjects(RDFS.subClassOf, cls):
                focus.update(data.subjects(RDF.type, sub))
        for p in s.objects(shape, SH.targetSubjectsOf):
            focus.update(data.subjects(p, None))
        for p in s.objects(shape, SH.targetObjectsOf):
            focus.update(data.objects(None, p))
        return focus

    def _sparql_results(self, data: Graph):
        """(focus, path, value, shape, message) of each SPARQL-constraint violation."""
        for c in self.constraints:
            if _true(self.shapes, c.shape, SH.deactivated):
                continue
            for f in sorted(self._focus_nodes(data, c.shape)):
                bindings = {}
                if c.binds_this:
                    bindings[Variable("this")] = f
                if c.binds_shape:
                    bindings[Variable("currentShape")] = c.shape
                seen = []
                for row in data.query(c.query, initBindings=bindings):
                    values = row.asdict()
                    if values.pop("failure", None) is not None:
                        key = ("failure",)
                        t = p = v = None
                    else:
                        p, v, t = values.pop("path", None), values.pop("value", None), values.pop("this", None)
                        if p is None and v is None and t is None:
                            continue
                        key = (t, p, v, tuple(sorted(values.items())))
                    if key in seen:
                        continue
                    seen.append(key)
                    fill = dict(values)
                    for name, term in (("this", t), ("path", p), ("value", v)):
                        if term is not None:
                            fill[name] = term
                    text = None
                    for m in c.messages:
                        text = str(m)
                        for name, term in fill.items():
                            text = re.sub(r"\{[?$]" + re.escape(name) + r"\}", lambda _m: str(term), text)
                        break
                    yield (t or f), p, (v if v is not None else f), c.shape, text

    def problems(self, data: Graph, file_of) -> list[Problem]:
        """One Problem per validation result over `data` (used in place: pass a graph built
        for this), sorted as kg.validation sorts them."""
        _, results, _ = pyshacl.validate(data, shacl_graph=self.core, inference="none", advanced=True,
                                         allow_warnings=False, meta_shacl=False, inplace=True)
        bind_prefixes(results)
        found = []
        for r in results.subjects(SH.focusNode, None):
            messages = sorted(results.objects(r, SH.resultMessage), key=str)
            shape = results.value(r, SH.sourceShape)
            # property shapes are blank nodes: report the node shape that holds them
            if shape is not None and not isinstance(shape, URIRef):
                shape = self.shapes.value(None, SH.property, shape) or shape
            found.append((results.value(r, SH.focusNode), results.value(r, SH.resultPath),
                          results.value(r, SH.value), shape, str(messages[0]) if messages else None))
        found += list(self._sparql_results(data))
        problems = []
        for focus, path, value, shape, message in found:
            text = message if message is not None else "constraint violated"
            if value is not None and value != focus:
                text += f" (value: {_short(data, value)})"
            problems.append(Problem(
                file=file_of(focus) or "derived",
                subject=_short(data, focus),
                property=_short(data, path) if path is not None else "-",
                message=text,
                source="shacl",
                shape=_short(self.shapes, shape) if shape is not None else "-",
            ))
        problems.sort(key=lambda p: (p.file, p.subject, p.property, p.message))
        return problems
