"""Serialise the graph deterministically and write files atomically.

Deterministic: the same graph gives the same bytes in every run (rdflib's own order
depends on Python's per-process string hashing, so every format here is sorted).
The writers take any collection of triples (an rdflib Graph or a set of tuples): the build
hands them the union of its named graphs as a set, which is several times faster to make
and to walk than an rdflib Graph holding the same triples.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from collections.abc import Iterable
from typing import Callable

from xml.sax.saxutils import escape

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.plugins.serializers.nt import _nt_row  # rdflib's own N-Triples line, escapes included

from .errors import OutputError, UsageError
from .namespaces import PREFIXES, RDF

Triples = Iterable  # of (subject, predicate, object)


@dataclass(frozen=True)
class Format:
    name: str
    extension: str
    media_type: str
    named_graphs: bool  # serialises the dataset (TriG) rather than the union


FORMATS: dict[str, Format] = {f.name: f for f in [
    Format("turtle", "ttl", "text/turtle", False),
    Format("nt", "nt", "application/n-triples", False),
    Format("jsonld", "jsonld", "application/ld+json", False),
    Format("xml", "rdf", "application/rdf+xml", False),
    Format("trig", "trig", "application/trig", True),
]}
BUILD_FORMATS = ("turtle", "nt", "jsonld")


def get_format(name: str) -> Format:
    """The format called `name`; UsageError listing the valid ones otherwise."""
    try:
        return FORMATS[name]
    except KeyError:
        raise UsageError(f"unknown format '{name}'; choose one of: {', '.join(FORMATS)}") from None


_KIND_ORDER = {BNode: 10, URIRef: 30}  # rdflib's order of term kinds (blank nodes first)


def _node_key(t) -> tuple:
    """rdflib's order of IRIs and blank nodes, compared as strings in C rather than as terms in Python."""
    return (_KIND_ORDER.get(type(t), 20), str(t))


_RDF_TYPE = str(RDF.type)


def _is_type(predicate) -> bool:
    """Whether a predicate (an IRI) is rdf:type, compared as text in C (rdflib's == is Python)."""
    return str.__eq__(predicate, _RDF_TYPE)


def _grouped(graph: Triples) -> list[tuple]:
    """(subject, [(predicate, [objects sorted])] sorted) for every subject, sorted: the order
    of sorted(graph) at a fraction of its cost."""
    by_subject: dict = {}
    for s, p, o in graph:
        by_subject.setdefault(s, {}).setdefault(p, []).append(o)
    return [(s, [(p, sorted(by_subject[s][p]) if len(by_subject[s][p]) > 1 else by_subject[s][p])
                 for p in sorted(by_subject[s], key=_node_key)])
            for s in sorted(by_subject, key=_node_key)]


def _rdfxml(graph: Triples) -> bytes:
    """Striped RDF/XML, one rdf:Description per subject in sorted order (rdflib's own
    writer walks subjects in hash order)."""
    names = {str(ns): p for p, ns in PREFIXES.items()}
    used: dict[str, str] = {}

    def qname(iri: str) -> str:
        cut = max(iri.rfind("#"), iri.rfind("/")) + 1
        ns, local = iri[:cut], iri[cut:]
        if not local or not (local[0].isalpha() or local[0] == "_") or not all(c.isalnum() or c in "-_." for c in local):
            raise UsageError(f"cannot write {iri} as an RDF/XML property")
        prefix = used.setdefault(ns, names.get(ns, f"ns{len(used) + 1}"))
        return f"{prefix}:{local}"

    body: list[str] = []
    for s, preds in _grouped(graph):
        attr = "rdf:nodeID" if isinstance(s, BNode) else "rdf:about"
        body.append(f'  <rdf:Description {attr}="{escape(str(s), {chr(34): "&quot;"})}">')
        for p, objects in preds:
            tag = qname(str(p))
            for o in objects:
                if isinstance(o, Literal):
                    attrs = ""
                    if o.language:
                        attrs = f' xml:lang="{o.language}"'
                    elif o.datatype:
                        attrs = f' rdf:datatype="{escape(str(o.datatype))}"'
                    body.append(f"    <{tag}{attrs}>{escape(str(o))}</{tag}>")
                elif isinstance(o, BNode):
                    body.append(f'    <{tag} rdf:nodeID="{o}"/>')
                else:
                    body.append(f'    <{tag} rdf:resource="{escape(str(o), {chr(34): "&quot;"})}"/>')
        body.append("  </rdf:Description>")
    used.setdefault(str(PREFIXES["rdf"]), "rdf")
    decls = "".join(f'\n   xmlns:{p}="{ns}"' for ns, p in sorted(used.items(), key=lambda x: x[1]))
    head = f'<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF{decls}>\n'
    return (head + "\n".join(body) + "\n</rdf:RDF>\n").encode("utf-8")


def _jsonld(graph: Triples) -> str:
    """Flattened JSON-LD: one node object per subject, sorted, with the prefixes as context."""
    prefixes = sorted(((str(ns), p) for p, ns in PREFIXES.items()), key=lambda x: -len(x[0]))

    @lru_cache(maxsize=None)  # the same predicates and classes fill most cells
    def compact(iri: str) -> str:
        for ns, p in prefixes:
            if iri.startswith(ns) and len(iri) > len(ns) and "/" not in iri[len(ns):] and "#" not in iri[len(ns):]:
                return f"{p}:{iri[len(ns):]}"
        return iri

    def value(o) -> dict:
        if isinstance(o, Literal):
            v: dict = {"@value": str(o)}
            if o.language:
                v["@language"] = o.language
            elif o.datatype:
                v["@type"] = compact(str(o.datatype))
            return v
        return {"@id": compact(str(o)) if not isinstance(o, BNode) else f"_:{o}"}

    nodes = []
    for s, preds in _grouped(graph):
        node = {"@id": compact(str(s)) if not isinstance(s, BNode) else f"_:{s}"}
        for p, objects in preds:
            for o in objects:
                if _is_type(p) and not isinstance(o, Literal):
                    node.setdefault("@type", []).append(compact(str(o)))
                else:
                    node.setdefault(compact(str(p)), []).append(value(o))
        nodes.append(node)
    context = {p: str(ns) for p, ns in sorted(PREFIXES.items())}
    # one node object per line: json's C encoder (indenting makes it use the Python one, 5x slower)
    lines = ",\n".join(" " + json.dumps(n, ensure_ascii=False, sort_keys=True) for n in nodes)
    return ('{\n "@context": ' + json.dumps(context, sort_keys=True) + ',\n "@graph": [\n' + lines + "\n ]\n}\n")


def _prefix_lines() -> list[str]:
    return [f"@prefix {p}: <{ns}> ." for p, ns in sorted(PREFIXES.items())]


_NAMES = Graph().namespace_manager
for _p, _ns in PREFIXES.items():
    _NAMES.bind(_p, _ns, override=True, replace=True)


@lru_cache(maxsize=1 << 16)  # shared by the Turtle of the union and the TriG of the same terms
def _n3(t) -> str:
    return t.n3(_NAMES)


def _turtle_body(graph: Triples, indent: str = "") -> list[str]:
    """Subjects in sorted order, rdf:type first, then predicates and objects sorted."""
    term = _n3
    lines: list[str] = []
    for s, preds in _grouped(graph):
        preds.sort(key=lambda x: not _is_type(x[0]))  # rdf:type first (a stable sort keeps the rest in order)
        parts = []
        for p, objects in preds:
            verb = "a" if _is_type(p) else term(p)
            parts.append(f"{verb} {' , '.join(term(o) for o in objects)}")
        lines.append(f"{indent}{term(s)} " + f" ;\n{indent}    ".join(parts) + " .\n")
    return lines


def _turtle(graph: Triples) -> bytes:
    return ("\n".join(_prefix_lines()) + "\n\n" + "\n".join(_turtle_body(graph))).encode("utf-8")


def _nt(graph: Triples) -> bytes:
    return "".join(sorted(set(_nt_row(t) for t in graph))).encode("utf-8")


def _trig(named: Iterable[tuple]) -> bytes:
    """One block per named graph (IRI, triples), each in the sorted Turtle of `_turtle_body`."""
    blocks = []
    for iri, g in sorted(named, key=lambda x: str(x[0])):
        if len(g) == 0:
            continue
        body = "\n".join(_turtle_body(g, "    ")).rstrip("\n")
        blocks.append(f"<{iri}> {{\n{body}\n}}\n")
    return ("\n".join(_prefix_lines()) + "\n\n" + "\n".join(blocks)).encode("utf-8")


def serialise(graph: Triples, fmt: Format, dataset: Dataset | Iterable[tuple] | None = None) -> bytes:
    """The bytes of `graph` (or of `dataset`, for formats with named graphs: an rdflib
    Dataset or (graph IRI, triples) pairs) in `fmt`."""
    if fmt.name == "nt":
        return _nt(graph)
    if fmt.name == "turtle":
        return _turtle(graph)
    if fmt.name == "jsonld":
        return _jsonld(graph).encode("utf-8")
    if fmt.name == "xml":
        return _rdfxml(graph)
    if fmt.name == "trig":
        if dataset is None:
            raise UsageError("the trig format needs the dataset of named graphs")
        if isinstance(dataset, Dataset):
            dataset = [(g.identifier, g) for g in dataset.graphs()]
        return _trig(dataset)
    raise UsageError(f"unknown format '{fmt.name}'")


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that readers see the old file or the new one, never half."""
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as e:
        raise OutputError(f"{path}: cannot write: {e.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"{path}: cannot write: {e.strerror}") from None


def write_outputs(out_dir: Path, files: dict[str, Callable[[], bytes] | bytes]) -> list[Path]:
    """Write several files into `out_dir` as one step: all are staged in a temporary folder
    beside it first, so a failure leaves the old outputs as they were."""
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir))
    except OSError as e:
        raise OutputError(f"{out_dir}: cannot write: {e.strerror}") from None
    try:
        staged = []
        for name, content in files.items():
            data = content() if callable(content) else content
            p = stage / name
            with open(p, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(p, 0o644)
            staged.append(p)
        written = []
        for p in staged:
            target = out_dir / p.name
            os.replace(p, target)
            written.append(target)
        return written
    except OSError as e:
        raise OutputError(f"{out_dir}: cannot write: {e.strerror}") from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)
