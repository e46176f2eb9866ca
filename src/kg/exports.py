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
from .namespaces import PREFIXES, bind_prefixes


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
    context = {p: str(ns) for p, ns in PREFIXES.items()}
    doc = json.loads(graph.serialize(format="json-ld", context=context, auto_compact=True))
    nodes = doc.get("@graph", [doc] if "@id" in doc else [])

    def canon(value):
        if isinstance(value, list):
            return sorted((canon(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
        if isinstance(value, dict):
            return {k: canon(v) for k, v in value.items()}
        return value

    nodes = sorted((canon(n) for n in nodes), key=lambda n: n.get("@id", ""))
    out = {"@context": doc.get("@context", context), "@graph": nodes}
    return json.dumps(out, ensure_ascii=False, sort_keys=True, indent=1) + "\n"


def _trig(dataset: Dataset) -> bytes:
    """TriG assembled from the deterministic Turtle of each named graph."""
    prefixes: list[str] = []
    blocks: list[str] = []
    for g in sorted(dataset.graphs(), key=lambda g: str(g.identifier)):
        if len(g) == 0:
            continue
        named = Graph()
        bind_prefixes(named)
        named += g
        body = []
        for line in named.serialize(format="longturtle").splitlines():
            if line.startswith("PREFIX "):
                if line not in prefixes:
                    prefixes.append(line)
            else:
                body.append(f"    {line}" if line.strip() else "")
        blocks.append(f"<{g.identifier}> {{\n" + "\n".join(body).strip("\n") + "\n}\n")
    return ("\n".join(sorted(prefixes)) + "\n\n" + "\n".join(blocks)).encode("utf-8")


def serialise(graph: Graph, fmt: Format, dataset: Dataset | None = None) -> bytes:
    """The bytes of `graph` (or of `dataset`, for formats with named graphs) in `fmt`."""
    if fmt.name == "nt":
        lines = graph.serialize(format="nt", encoding="utf-8").decode("utf-8").splitlines()
        return ("\n".join(sorted(set(line for line in lines if line.strip()))) + "\n").encode("utf-8")
    if fmt.name == "turtle":
        return graph.serialize(format="longturtle", encoding="utf-8")
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
