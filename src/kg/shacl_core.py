"""A compiled SHACL Core validator for the constructs our shapes use, with pyshacl's results.

pyshacl interprets the shapes afresh for every focus node and builds a results graph as it
goes: about a second for one report. The shapes are a fixed, small subset of SHACL Core, so
here they are compiled once into plain Python checks over a dictionary index of the data
(subject -> predicate -> objects), which does the same work in a few tens of milliseconds.

The results are meant to be exactly pyshacl's (focus node, path, value, source shape and
message; tests/test_shacl_core.py compares both on every breaking fixture, on the real graph
and on mutated copies of it). Supported: targets (class, node, subjects-of, objects-of);
node and property shapes with an IRI path; sh:class, datatype, nodeKind, minCount, maxCount,
pattern (+ flags), languageIn, uniqueLang, hasValue, in, and, or, xone, not, node, property,
qualifiedValueShape with qualifiedMinCount / qualifiedMaxCount; sh:deactivated. compile_shapes
raises Unsupported for anything else (a SPARQL constraint, a complex path, a result-producing
shape without sh:message whose default text is pyshacl's own), and kg.shacl then uses pyshacl.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, XSD

from .namespaces import SH

__all__ = ["Unsupported", "CoreValidator", "compile_shapes"]

Result = tuple  # (focus, path | None, value | None, source shape, message | None)


class Unsupported(Exception):
    """The shapes use something this validator does not evaluate exactly as pyshacl does."""


# Predicates a shape may carry that change no result here.
_INERT = {RDF.type, SH.message, SH.name, SH.description, SH.order, SH.group, SH.severity, SH.defaultValue,
          SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.deactivated, SH.path,
          SH.flags, SH.declare, SH.prefixes, RDFS.label, RDFS.comment, RDFS.seeAlso}
_NODE_KINDS = {
    SH.IRI: (URIRef,), SH.BlankNode: (BNode,), SH.Literal: (Literal,),
    SH.BlankNodeOrIRI: (BNode, URIRef), SH.BlankNodeOrLiteral: (BNode, Literal), SH.IRIOrLiteral: (URIRef, Literal),
}
# pyshacl checks the Python value of these datatypes; any other it takes on the literal's word.
_VALUE_TYPES = {XSD.string: (str, bytes), RDF.langString: (str, bytes), XSD.integer: (int,), XSD.float: (float,),
                XSD.decimal: (Decimal,), XSD.boolean: (bool,), XSD.date: (date,), XSD.time: (time,),
                XSD.dateTime: (datetime,)}


class Index:
    """The data graphs read once: objects by subject and predicate, instances by class."""

    def __init__(self, graphs: Iterable[Graph], predicates: set) -> None:
        self.out: dict = defaultdict(lambda: defaultdict(set))
        for g in graphs:
            for p in predicates | {RDF.type, RDFS.subClassOf}:
                for s, o in g.subject_objects(p):
                    self.out[s][p].add(o)
        self.instances: dict = defaultdict(set)
        for s, by_p in self.out.items():
            for c in by_p.get(RDF.type, ()):
                self.instances[c].add(s)
        self._supers: dict = {}
        self._sub_of: dict | None = None

    def objects(self, s, p) -> set:
        by_p = self.out.get(s)
        return by_p.get(p, set()) if by_p is not None else set()

    def superclasses(self, c) -> set:
        """c and every class above it (rdfs:subClassOf*)."""
        found = self._supers.get(c)
        if found is None:
            found, todo = {c}, [c]
            while todo:
                for sup in self.objects(todo.pop(), RDFS.subClassOf):
                    if sup not in found:
                        found.add(sup)
                        todo.append(sup)
            self._supers[c] = found
        return found

    def is_instance(self, v, cls) -> bool:
        return not isinstance(v, Literal) and any(cls in self.superclasses(t) for t in self.objects(v, RDF.type))

    def members(self, cls) -> set:
        """The SHACL instances of cls: typed with it or with a subclass of it."""
        if self._sub_of is None:
            self._sub_of = defaultdict(set)
            for s, by_p in self.out.items():
                for sup in by_p.get(RDFS.subClassOf, ()):
                    self._sub_of[sup].add(s)
        subs, todo = {cls}, [cls]
        while todo:
            for sub in self._sub_of.get(todo.pop(), ()):
                if sub not in subs:
                    subs.add(sub)
                    todo.append(sub)
        return set().union(*(self.instances.get(c, set()) for c in subs))


@dataclass
class Shape:
    node: URIRef | BNode
    path: URIRef | None
    message: Literal | None
    deactivated: bool
    checks: list = field(default_factory=list)  # (kind, parameter)
    properties: list = field(default_factory=list)  # property shapes (sh:property)
    targets: dict = field(default_factory=dict)


def _list(shapes: Graph, head) -> list:
    return list(Collection(shapes, head))


def _true(shapes: Graph, node, prop) -> bool:
    value = shapes.value(node, prop)
    return isinstance(value, Literal) and value.toPython() is True


class _Compiler:
    def __init__(self, shapes: Graph) -> None:
        self.g = shapes
        self.done: dict = {}
        self.predicates: set = set()

    def shape(self, node, *, reports: bool) -> Shape:
        """The compiled shape; `reports`: its own results are reported (so it needs a message)."""
        if node in self.done:
            shape = self.done[node]
        else:
            shape = self._compile(node)
        if reports and shape.message is None and shape.checks and not shape.deactivated:
            raise Unsupported(f"{node}: results without sh:message (pyshacl writes its own text)")
        return shape

    def _compile(self, node) -> Shape:
        g = self.g
        path = g.value(node, SH.path)
        if path is not None and not isinstance(path, URIRef):
            raise Unsupported(f"{node}: a path other than one predicate")
        messages = sorted((m for m in g.objects(node, SH.message)), key=str)
        shape = Shape(node, path, messages[0] if messages else None, _true(g, node, SH.deactivated))
        self.done[node] = shape
        if path is not None:
            self.predicates.add(path)
        for p, o in sorted(g.predicate_objects(node)):
            if p in _INERT or not str(p).startswith(str(SH)):
                continue
            shape.checks.extend(self._check(shape, p, o))
        shape.targets = {p: set(g.objects(node, p)) for p in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf,
                                                               SH.targetObjectsOf)}
        self.predicates |= shape.targets[SH.targetSubjectsOf] | shape.targets[SH.targetObjectsOf]
        if (node, RDF.type, RDFS.Class) in g:
            shape.targets[SH.targetClass].add(node)  # an implicit class target
        return shape

    def _check(self, shape: Shape, p, o) -> list:
        g = self.g
        simple = {SH["class"]: "class", SH.datatype: "datatype", SH.hasValue: "hasValue"}
        if p in simple:
            return [(simple[p], o)]
        if p == SH.nodeKind:
            if o not in _NODE_KINDS:
                raise Unsupported(f"{shape.node}: sh:nodeKind {o}")
            return [("nodeKind", _NODE_KINDS[o])]
        if p in (SH.minCount, SH.maxCount, SH.uniqueLang) and shape.path is None:
            raise Unsupported(f"{shape.node}: {p} on a node shape")
        if p in (SH.minCount, SH.maxCount):
            return [("minCount" if p == SH.minCount else "maxCount", int(o))]
        if p == SH.uniqueLang:
            return [("uniqueLang", None)] if o.toPython() is True else []
        if p == SH.pattern:
            flags = str(g.value(shape.node, SH.flags) or "").lower()
            return [("pattern", re.compile(str(o), (re.I if "i" in flags else 0) | (re.M if "m" in flags else 0)))]
        if p == SH.languageIn:
            return [("languageIn", {str(x).lower() for x in _list(g, o)})]
        if p == SH["in"]:
            return [("in", set(_list(g, o)))]
        if p in (SH["or"], SH["and"], SH.xone):
            return [(str(p).rsplit("#", 1)[1], [self.shape(m, reports=False) for m in _list(g, o)])]
        if p in (SH["not"], SH.node):
            return [(str(p).rsplit("#", 1)[1], self.shape(o, reports=False))]
        if p == SH.property:
            shape.properties.append(self.shape(o, reports=True))
            return []
        if p == SH.qualifiedValueShape:
            if _true(g, shape.node, SH.qualifiedValueShapesDisjoint):
                raise Unsupported(f"{shape.node}: sh:qualifiedValueShapesDisjoint")
            low, high = g.value(shape.node, SH.qualifiedMinCount), g.value(shape.node, SH.qualifiedMaxCount)
            return [("qualified", (self.shape(o, reports=False), None if low is None else int(low),
                                   None if high is None else int(high)))]
        if p in (SH.qualifiedMinCount, SH.qualifiedMaxCount, SH.qualifiedValueShapesDisjoint):
            return []  # read with sh:qualifiedValueShape
        raise Unsupported(f"{shape.node}: {p}")


def _datatype_ok(v, dt) -> bool:
    """pyshacl's sh:datatype test, so that the answers agree on ill-typed and plain literals."""
    if not isinstance(v, Literal):
        return False
    if v.datatype == dt:
        if getattr(v, "ill_typed", None) is True:
            return False
    elif dt == RDFS.Literal or (dt == RDFS.Datatype and v.datatype):
        return True
    elif not ((v.datatype is None and v.language is None and dt == XSD.string) or (dt == RDF.langString and v.language)):
        return False
    kinds = _VALUE_TYPES.get(dt)
    return kinds is None or isinstance(v.value, kinds)


def _pattern_ok(v, pattern: re.Pattern) -> bool:
    if isinstance(v, BNode):
        return False
    text = str(v.value) if isinstance(v, Literal) and v.value is not None and v.datatype in (
        None, RDF.langString, XSD.string) else str(v)
    return pattern.search(text) is not None


def _language_ok(v, wanted: set) -> bool:
    if not isinstance(v, Literal) or not v.language:
        return False
    lang = v.language.lower()
    return "*" in wanted or lang in wanted or lang.split("-")[0] in wanted


class CoreValidator:
    """The shapes compiled: `results(graphs)` gives pyshacl's results over their union."""

    def __init__(self, top: list[Shape], predicates: set) -> None:
        self.top = top
        self.predicates = predicates

    def results(self, graphs: Iterable[Graph]) -> list[Result]:
        index = Index(graphs, self.predicates)
        found: list[Result] = []
        for shape in self.top:
            if shape.deactivated:
                continue
            for focus in self._focus_nodes(index, shape):
                found += self._evaluate(index, shape, focus)
        return found

    @staticmethod
    def _focus_nodes(index: Index, shape: Shape) -> set:
        focus = set(shape.targets[SH.targetNode])
        for cls in shape.targets[SH.targetClass]:
            focus |= index.members(cls)
        for p in shape.targets[SH.targetSubjectsOf]:
            focus |= {s for s, by_p in index.out.items() if by_p.get(p)}
        for p in shape.targets[SH.targetObjectsOf]:
            for by_p in index.out.values():
                focus |= by_p.get(p, set())
        return focus

    def _conforms(self, index: Index, shape: Shape, node) -> bool:
        return shape.deactivated or not self._evaluate(index, shape, node, first=True)

    def _evaluate(self, index: Index, shape: Shape, focus, *, first: bool = False) -> list[Result]:
        """The results of `shape` on `focus` (with `first`, stop at the first one)."""
        if shape.deactivated:
            return []
        values = index.objects(focus, shape.path) if shape.path is not None else {focus}
        out: list[Result] = []

        def fail(value=None) -> None:
            out.append((focus, shape.path, value, shape.node, shape.message))

        for kind, param in shape.checks:
            if kind == "minCount":
                if len(values) < param:
                    fail()
            elif kind == "maxCount":
                if len(values) > param:
                    fail()
            elif kind == "hasValue":
                if param not in values:
                    fail()
            elif kind == "uniqueLang":
                langs = [v.language.lower() for v in values if isinstance(v, Literal) and v.language]
                for _ in {lang for lang in langs if langs.count(lang) > 1}:
                    fail()
            elif kind == "qualified":
                q, low, high = param
                n = sum(1 for v in values if self._conforms(index, q, v))
                if high is not None and n > high:
                    fail()
                if low is not None and n < low:
                    fail()
            else:
                ok = self._value_test(index, kind, param)
                for v in values:
                    if not ok(v):
                        fail(v)
            if first and out:
                return out
        for prop in shape.properties:
            out += self._evaluate(index, prop, focus, first=first)
            if first and out:
                return out
        return out

    def _value_test(self, index: Index, kind: str, param):
        if kind == "class":
            return lambda v: index.is_instance(v, param)
        if kind == "datatype":
            return lambda v: _datatype_ok(v, param)
        if kind == "nodeKind":
            return lambda v: isinstance(v, param)
        if kind == "pattern":
            return lambda v: _pattern_ok(v, param)
        if kind == "languageIn":
            return lambda v: _language_ok(v, param)
        if kind == "in":
            return lambda v: v in param
        if kind == "or":
            return lambda v: any(self._conforms(index, s, v) for s in param)
        if kind == "and":
            return lambda v: all(self._conforms(index, s, v) for s in param)
        if kind == "xone":
            return lambda v: sum(1 for s in param if self._conforms(index, s, v)) == 1
        if kind == "not":
            return lambda v: not self._conforms(index, param, v)
        if kind == "node":
            return lambda v: self._conforms(index, param, v)
        raise AssertionError(kind)


def compile_shapes(shapes: Graph) -> CoreValidator:
    """The shapes graph compiled; raises Unsupported if pyshacl must do the work."""
    if any(True for _ in shapes.triples((None, SH.sparql, None))) or any(
            True for _ in shapes.triples((None, SH.rule, None))):
        raise Unsupported("SHACL-SPARQL or rules")
    compiler = _Compiler(shapes)
    targeted = set()
    for p in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf):
        targeted |= set(shapes.subjects(p, None))
    targeted |= {s for s in shapes.subjects(RDF.type, RDFS.Class)
                 if (s, RDF.type, SH.NodeShape) in shapes or (s, RDF.type, SH.PropertyShape) in shapes}
    top = [compiler.shape(node, reports=True) for node in sorted(targeted)]
    return CoreValidator(top, compiler.predicates)
