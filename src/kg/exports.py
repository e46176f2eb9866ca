"""Serialise the graph deterministically and write files atomically.

Deterministic: the same graph gives the same bytes in every run (rdflib's own order
depends on Python's per-process string hashing, so every format here is sorted).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from xml.sax.saxutils import escape

from rdflib import BNode, Dataset, Graph, Literal

from .errors import OutputError, UsageError
from .namespaces import PREFIXES, RDF, bind_prefixes


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


def _rdfxml(graph: Graph) -> bytes:
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
    current = None
    for s, p, o in sorted(graph):
        if s != current:
            if current is not None:
                body.append("  </rdf:Description>")
            attr = "rdf:nodeID" if isinstance(s, BNode) else "rdf:about"
            body.append(f'  <rdf:Description {attr}="{escape(str(s), {chr(34): "&quot;"})}">')
            current = s
        tag = qname(str(p))
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
    if current is not None:
        body.append("  </rdf:Description>")
    used.setdefault(str(PREFIXES["rdf"]), "rdf")
    decls = "".join(f'\n   xmlns:{p}="{ns}"' for ns, p in sorted(used.items(), key=lambda x: x[1]))
    head = f'<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF{decls}>\n'
    return (head + "\n".join(body) + "\n</rdf:RDF>\n").encode("utf-8")


def _jsonld(graph: Graph) -> str:
    """Flattened JSON-LD: one node object per subject, sorted, with the prefixes as context."""
    prefixes = sorted(((str(ns), p) for p, ns in PREFIXES.items()), key=lambda x: -len(x[0]))

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

    nodes: dict = {}
    for s, p, o in sorted(graph):
        node = nodes.setdefault(s, {"@id": compact(str(s)) if not isinstance(s, BNode) else f"_:{s}"})
        if p == RDF.type and not isinstance(o, Literal):
            node.setdefault("@type", []).append(compact(str(o)))
        else:
            node.setdefault(compact(str(p)), []).append(value(o))
    context = {p: str(ns) for p, ns in sorted(PREFIXES.items())}
    out = {"@context": context, "@graph": [nodes[s] for s in sorted(nodes)]}
    return json.dumps(out, ensure_ascii=False, sort_keys=True, indent=1) + "\n"


def _prefix_lines() -> list[str]:
    return [f"@prefix {p}: <{ns}> ." for p, ns in sorted(PREFIXES.items())]


def _turtle_body(graph: Graph, indent: str = "") -> list[str]:
    """Subjects in sorted order, rdf:type first, then predicates and objects sorted."""
    nm = Graph().namespace_manager
    for p, ns in PREFIXES.items():
        nm.bind(p, ns, override=True, replace=True)
    cache: dict = {}

    def term(t) -> str:
        if t not in cache:
            cache[t] = t.n3(nm)
        return cache[t]

    by_subject: dict = {}
    for s, p, o in graph:
        by_subject.setdefault(s, {}).setdefault(p, []).append(o)
    lines: list[str] = []
    for s in sorted(by_subject):
        preds = by_subject[s]
        order = sorted(preds, key=lambda p: (p != RDF.type, p))
        parts = []
        for p in order:
            verb = "a" if p == RDF.type else term(p)
            objs = " , ".join(term(o) for o in sorted(preds[p]))
            parts.append(f"{verb} {objs}")
        lines.append(f"{indent}{term(s)} " + f" ;\n{indent}    ".join(parts) + " .\n")
    return lines


def _turtle(graph: Graph) -> bytes:
    return ("\n".join(_prefix_lines()) + "\n\n" + "\n".join(_turtle_body(graph))).encode("utf-8")


def _trig(dataset: Dataset) -> bytes:
    """One block per named graph, each in the sorted Turtle of `_turtle_body`."""
    blocks = []
    for g in sorted(dataset.graphs(), key=lambda g: str(g.identifier)):
        if len(g) == 0:
            continue
        body = "\n".join(_turtle_body(g, "    ")).rstrip("\n")
        blocks.append(f"<{g.identifier}> {{\n{body}\n}}\n")
    return ("\n".join(_prefix_lines()) + "\n\n" + "\n".join(blocks)).encode("utf-8")


def serialise(graph: Graph, fmt: Format, dataset: Dataset | None = None) -> bytes:
    """The bytes of `graph` (or of `dataset`, for formats with named graphs) in `fmt`."""
    if fmt.name == "nt":
        lines = graph.serialize(format="nt", encoding="utf-8").decode("utf-8").splitlines()
        return ("\n".join(sorted(set(line for line in lines if line.strip()))) + "\n").encode("utf-8")
    if fmt.name == "turtle":
        return _turtle(graph)
    if fmt.name == "jsonld":
        return _jsonld(graph).encode("utf-8")
    if fmt.name == "xml":
        return _rdfxml(graph)
    if fmt.name == "trig":
        if dataset is None:
            raise UsageError("the trig format needs the dataset of named graphs")
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
