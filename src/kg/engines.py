"""Where the graph is stored and queried: rdflib in memory, Oxigraph embedded (in memory or on
disk) or a remote SPARQL 1.1 store, behind one interface chosen by a spec string.

    with kg.engines.open_engine("oxigraph") as engine:
        engine.load(kg.build_graph().named_graphs())
        result = engine.query("SELECT ...", {"year": Literal("2024", datatype=XSD.gYear)})

Specs (`open_engine`; `kg ... --engine SPEC`):

    rdflib                                   rdflib in memory: the reference, slow SPARQL
    oxigraph                                 pyoxigraph in memory (the default, see DEFAULT_ENGINE)
    oxigraph:DIR                             pyoxigraph on disk: outlives the process, so
                                             `kg query` reads it without building
    sparql:QUERY_URL[,GSP_URL[,UPDATE_URL]]  a remote store (kg.remote says which URLs are
    http(s)://...                            derived when left out)

The same layout on every engine: one named graph per report (the report's IRI) and one for
the ontology (https://w3id.org/gwr/ontology), and a default graph that is their union, as a set.
Queries run on the default graph, so a stored query runs unchanged everywhere, and `GRAPH ?g`
says which report a triple comes from. The union is stored, not computed per query, because
Oxigraph's union-default-graph mode (and its merge of several default-graph-uri graphs) counts
a triple held by two graphs twice where rdflib and the RDF merge of the SPARQL spec count it
once: with the union stored, every engine and every other client of the store sees one graph.
(In memory, OxigraphEngine also keeps the union alone in a second store, which answers the
queries that name no graph: kg.union_copy.)

Replacing a report's graph is atomic. Its new triples are first staged in a temporary named
graph (`urn:kg-stage:<uuid>`, never part of the default graph); then one SPARQL Update request,
which a store runs as one transaction (Oxigraph does; the SPARQL 1.1 Update spec asks it of
every store), removes from the default graph the report's old triples that no other graph
holds, replaces the named graph by the staged one and adds it to the default graph. A failure
before that request leaves the old graph untouched; readers see the old graph or the new one,
never half. A single Graph Store PUT of the whole graph would be simpler, but the protocol does
not promise atomicity, and Oxigraph before 0.5.10 cleared the graph before parsing the body.

Bindings are RDF terms, never text: rdflib binds them with initBindings; Oxigraph and a remote
store get a VALUES block, first in the outermost WHERE group, written from the terms' N-Triples
form (kg.queries.bind_values). (pyoxigraph's own `substitutions` refuse a variable the query
does not project, which stored queries often bind.) A parameter with several values is a
VALUES block everywhere.

Errors: UsageError for a malformed spec or a store that holds no graph where one is needed,
InputError when a store cannot be opened or read, OutputError when a write fails.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import time
import uuid
import warnings
import weakref
from collections.abc import Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef, Variable
from rdflib.query import Result

from .errors import InputError, NonConformingError, OutputError, UsageError
from .graph import ONTOLOGY_GRAPH, Vocabulary, derive_one, load_vocabulary, validate_report_graph
from .remote import SparqlStore
from .shacl import ShapesValidator
from .terms import canonical, from_ox
from .union_copy import names_a_graph, union_copy

__all__ = ["Engine", "DEFAULT_ENGINE", "ENGINE_SPECS", "open_engine", "RdflibEngine", "OxigraphEngine",
           "RemoteEngine", "STAGE_PREFIX", "LoadResult", "load_project", "lock_store"]

# Chosen by measurement (benchmarks/RESULTS.md): on the real graph every stored query ran
# 10-1000x faster on embedded Oxigraph than on rdflib, and loading it costs ~0.1 s.
DEFAULT_ENGINE = "oxigraph"

ENGINE_SPECS = {
    "rdflib": "rdflib in memory (the reference engine; slow SPARQL)",
    "oxigraph": "Oxigraph in memory (default: the fastest without a server)",
    "oxigraph:DIR": "Oxigraph on disk in DIR (kept between runs)",
    "sparql:QUERY_URL[,GSP_URL[,UPDATE_URL]]": "a remote SPARQL 1.1 store (or just http://...)",
}
ENGINE_HELP = "where the graph is stored and queried: " + "; ".join(f"{k}: {v}" for k, v in ENGINE_SPECS.items())

STAGE_PREFIX = "urn:kg-stage:"
_ANY_TRIPLE = "ASK { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"

Term = URIRef | Literal | BNode
Bindings = Mapping[str, "Term | Sequence[Term]"]


@runtime_checkable
class Engine(Protocol):
    """A store of named graphs that answers SPARQL.

    `query` has rdflib's `Graph.query(text, initBindings=...)` shape and returns rdflib's
    Result (rows of rdflib terms, a boolean, or a graph), so code that queries an rdflib graph
    can query any engine.
    """

    spec: str
    persistent: bool  # the data outlives the process (on disk, remote)

    def load(self, graphs: Mapping[URIRef, Graph]) -> None:
        """Replace each named graph by the one given (atomically per graph); others stay."""

    def query(self, sparql: str, initBindings: Bindings | None = None) -> Result:
        """Run a query on the default graph (the union) with variables bound to RDF terms."""

    def is_empty(self) -> bool:
        """No triple at all, in any graph."""

    def graph_names(self) -> list[URIRef]:
        """The named graphs held, sorted (staging graphs left out)."""

    def close(self) -> None:
        """Release the store (flushes an on-disk store)."""


def open_engine(spec: str | None = None) -> Engine:
    """The engine a spec names (see the module doc); `None` is DEFAULT_ENGINE.

    Raises UsageError for an unknown spec, InputError when an on-disk store cannot be opened
    (for example while another process holds it).
    """
    spec = (spec or DEFAULT_ENGINE).strip()
    if spec == "rdflib":
        return RdflibEngine()
    if spec == "oxigraph":
        return OxigraphEngine()
    if spec.startswith("oxigraph:"):
        path = spec[len("oxigraph:"):]
        if not path:
            raise UsageError("oxigraph:DIR needs a folder, e.g. oxigraph:store/")
        return OxigraphEngine(Path(path))
    if spec.startswith("sparql:") or spec.startswith(("http://", "https://")):
        urls = spec[len("sparql:"):] if spec.startswith("sparql:") else spec
        parts = [u.strip() or None for u in urls.split(",")]
        if not parts[0] or len(parts) > 3:
            raise UsageError(f"'{spec}': give sparql:QUERY_URL[,GSP_URL[,UPDATE_URL]]")
        parts += [None] * (3 - len(parts))
        return RemoteEngine(SparqlStore(parts[0], gsp_url=parts[1], update_url=parts[2]))
    raise UsageError(f"unknown engine '{spec}'; choose one of: {', '.join(ENGINE_SPECS)}")


def _split_bindings(bindings: Bindings | None) -> tuple[dict[str, Term], dict[str, list]]:
    """Single terms, and the bindings as lists (the VALUES form)."""
    lists: dict[str, list] = {}
    for name, value in (bindings or {}).items():
        name = str(name)
        lists[name] = list(value) if isinstance(value, (list, tuple)) else [value]
    single = {k: v[0] for k, v in lists.items() if len(v) == 1}
    return single, lists


def _with_values(sparql: str, lists: dict[str, list]) -> str:
    from .queries import bind_values  # the one VALUES writer, shared with `kg query`
    return bind_values(sparql, lists)


def _is_staged(iri) -> bool:
    return str(iri).startswith(STAGE_PREFIX)


# -- rdflib -------------------------------------------------------------------------------

@contextmanager
def _quiet_rdflib():
    """rdflib's Dataset warns about its own use of Dataset.default_context on every triple of
    a union default graph; those warnings say nothing to our users."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="rdflib")
        yield


class RdflibEngine:
    """rdflib's Dataset in memory; its default graph is the union of the named graphs."""

    persistent = False

    def __init__(self) -> None:
        self.spec = "rdflib"
        self.dataset = Dataset(default_union=True)

    def load(self, graphs: Mapping[URIRef, Graph]) -> None:
        self.commit([self.stage(iri, g) for iri, g in graphs.items()])

    def stage(self, iri: URIRef, data: Graph | bytes) -> tuple[URIRef, Graph]:
        """Keep a graph (or its N-Triples) ready to replace `iri`; see _StagingStore.stage."""
        if isinstance(data, Graph):
            return URIRef(iri), data
        g = Graph()
        g.parse(data=data.decode("utf-8"), format="nt")
        return URIRef(iri), g

    def commit(self, pairs: Iterable[tuple[URIRef, Graph]]) -> None:
        with _quiet_rdflib():
            for iri, g in pairs:
                self.dataset.remove_graph(iri)
                self.dataset.graph(iri).__iadd__(g)

    def discard(self, pairs) -> None:
        pass

    def query(self, sparql: str, initBindings: Bindings | None = None) -> Result:
        single, lists = _split_bindings(initBindings)
        with _quiet_rdflib():
            if len(single) == len(lists):
                result = self.dataset.query(sparql, initBindings={Variable(k): v for k, v in single.items()})
            else:
                result = self.dataset.query(_with_values(sparql, lists))
            return canonical_result(result)

    def is_empty(self) -> bool:
        return len(self.dataset) == 0 and not self.graph_names()

    def graph_names(self) -> list[URIRef]:
        return sorted(URIRef(g.identifier) for g in self.dataset.graphs()
                      if isinstance(g.identifier, URIRef) and len(g) and not _is_staged(g.identifier)
                      and str(g.identifier) != "urn:x-rdflib:default")

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# -- answers in rdflib's terms (kg.terms converts them) -------------------------------------


def canonical_result(result: Result) -> Result:
    """The same answer with every term in canonical form (see `canonical`)."""
    if result.type == "ASK":
        return result
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        g = Graph()
        for s, p, o in result.graph:
            g.add((s, p, canonical(o)))
        out = Result(result.type)
        out.graph = g
        return out
    out = Result("SELECT")
    out.vars = list(result.vars or [])
    out.bindings = [{k: canonical(v) for k, v in row.items() if v is not None} for row in result.bindings]
    return out


def _result_from_ox(answer) -> Result:
    if isinstance(answer, ox.QueryBoolean):
        result = Result("ASK")
        result.askAnswer = bool(answer)
        return result
    if isinstance(answer, ox.QueryTriples):
        result = Result("CONSTRUCT")
        g = Graph()
        for t in answer:
            g.add((from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)))
        result.graph = g
        return result
    variables = [Variable(v.value) for v in answer.variables]
    result = Result("SELECT")
    result.vars = variables
    rows = []
    seen: dict = {}  # the same IRI fills many cells: convert each term once (a third of a big answer's time)
    # The rows are dicts of terms, with no cycles: the cyclic collector would only walk every
    # new object again and again (a third of the time of an answer of 20,000 rows).
    collecting = gc.isenabled()
    gc.disable()
    try:
        for solution in answer:
            row = {}
            for v, value in zip(variables, solution):
                if value is not None:
                    term = seen.get(value)
                    if term is None:
                        term = seen[value] = from_ox(value)
                    row[v] = term
            rows.append(row)
    finally:
        if collecting:
            gc.enable()
    result.bindings = rows
    return result


def _ntriples(data: Graph | bytes) -> bytes:
    """A graph as N-Triples; N-Triples already (a report serialised by a worker) as it is."""
    return data.serialize(format="nt", encoding="utf-8") if isinstance(data, Graph) else data


def swap_update(target: URIRef, staged: URIRef) -> str:
    """The one SPARQL Update request that replaces `target` by `staged` and keeps the default
    graph the union of the named graphs (IRIs written from rdflib terms, not pasted text)."""
    g, s = URIRef(target).n3(), URIRef(staged).n3()
    return f"""\
DELETE {{ ?s ?p ?o }} WHERE {{
  GRAPH {g} {{ ?s ?p ?o }}
  FILTER NOT EXISTS {{ GRAPH ?h {{ ?s ?p ?o }} FILTER (?h != {g} && !STRSTARTS(STR(?h), "{STAGE_PREFIX}")) }}
}} ;
DROP SILENT GRAPH {g} ;
ADD SILENT GRAPH {s} TO GRAPH {g} ;
DROP SILENT GRAPH {s} ;
INSERT {{ ?s ?p ?o }} WHERE {{ GRAPH {g} {{ ?s ?p ?o }} }}
"""


def _stage_iri() -> URIRef:
    return URIRef(f"{STAGE_PREFIX}{uuid.uuid4()}")


class _StagingStore:
    """Load by staging each graph, then swapping it in with one update (see the module doc)."""

    def _stage(self, staged: URIRef, ntriples: bytes) -> None:
        raise NotImplementedError

    def _update(self, sparql: str) -> None:
        raise NotImplementedError

    def _drop(self, staged: URIRef) -> None:
        raise NotImplementedError

    def stage(self, iri: URIRef, data: Graph | bytes) -> tuple[URIRef, URIRef]:
        """Upload a graph (or its N-Triples) beside the store's data, invisible to queries;
        returns the (target, staged) pair that `commit` swaps in or `discard` drops."""
        staged = _stage_iri()
        try:
            self._stage(staged, _ntriples(data))
        except Exception:
            self._discard_quietly([(URIRef(iri), staged)])
            raise
        return URIRef(iri), staged

    def commit(self, pairs: Iterable[tuple[URIRef, URIRef]]) -> None:
        """Swap each staged graph in, one atomic update per graph."""
        pairs = list(pairs)
        for i, (target, staged) in enumerate(pairs):
            try:
                self._update(swap_update(target, staged))
            except Exception:
                self._discard_quietly(pairs[i:])
                raise

    def discard(self, pairs: Iterable[tuple[URIRef, URIRef]]) -> None:
        """Drop staged graphs that will not be committed."""
        self._discard_quietly(list(pairs))

    def _discard_quietly(self, pairs) -> None:
        for _, staged in pairs:
            try:
                self._drop(staged)
            except Exception:  # the store may be unreachable: the staging graph is invisible anyway
                pass

    def load(self, graphs: Mapping[URIRef, Graph]) -> None:
        pairs = []
        try:
            for iri, g in graphs.items():
                pairs.append(self.stage(URIRef(iri), g))
        except Exception:
            self.discard(pairs)
            raise
        self.commit(pairs)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# -- Oxigraph, embedded -------------------------------------------------------------------

def lock_store(path: Path, *, shared: bool) -> int | None:
    """Lock the folder of an on-disk store against other kg processes (advisory, flock): a
    writer holds it alone, `kg serve`'s read-only workers share it, as pyoxigraph leaves
    reading a store that another process writes undefined. Returns the descriptor to close
    (None where there is no flock); InputError when another kg process holds it."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        return None
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError as e:
        raise InputError(f"{path}: cannot open the Oxigraph store: {e.strerror or e}") from None
    try:
        fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise InputError(f"{path}: the Oxigraph store is in use by another kg process (`kg serve` reading it, "
                         "or a load writing it); stop that one first") from None
    return fd


class OxigraphEngine(_StagingStore):
    """pyoxigraph's Store, in memory (`path` None) or in the folder `path` (created if absent;
    held with lock_store while open). `read_only`: an existing folder, opened for reading
    only, which other read-only openers may share.

    In memory, the engine also keeps a copy of the default graph alone, which the queries that
    name no graph read (kg.union_copy says why): it is written with the store by
    `load_into_empty`, and made again after any other write, at the next query that needs it.
    This costs the memory of the default graph once more."""

    def __init__(self, path: Path | None = None, *, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else None
        self.persistent = self.path is not None
        self.read_only = read_only and self.persistent
        self.spec = f"oxigraph:{self.path}" if self.path is not None else "oxigraph"
        self._unlock = None
        self._union: ox.Store | None = None  # in memory: the default graph's copy; None until needed
        try:
            if self.path is not None:
                if not self.read_only:
                    self.path.mkdir(exist_ok=True)
                fd = lock_store(self.path, shared=self.read_only)
                if fd is not None:
                    self._unlock = weakref.finalize(self, os.close, fd)  # also when never closed
            if self.path is None:
                self.store = ox.Store()
            else:
                self.store = ox.Store.read_only(str(self.path)) if self.read_only else ox.Store(str(self.path))
        except BaseException as e:
            if self._unlock is not None:
                self._unlock()
            if isinstance(e, OSError):
                raise InputError(f"{self.path}: cannot open the Oxigraph store: {e}") from None
            raise

    def is_empty(self) -> bool:
        return not bool(self.store.query(_ANY_TRIPLE))

    def load(self, graphs: Mapping[URIRef, Graph]) -> None:
        if self.is_empty():
            self.load_into_empty(graphs.items())
        else:
            super().load(graphs)

    def load_into_empty(self, items: Iterable[tuple[URIRef, Graph | bytes]]) -> None:
        """Write graphs into an empty store with Oxigraph's bulk loader: each named graph and
        its copy in the default graph. There is no old graph to keep whole, and this writes a
        large corpus several times faster than transactions; if anything fails the store is
        cleared, so it is empty again rather than half-written."""
        nt = ox.RdfFormat.N_TRIPLES
        copy = None if self.persistent else ox.Store()
        try:
            if self.persistent:  # one bulk load, streamed: RocksDB ingests its files once
                self.store.bulk_extend(self._quads(items))
                self.store.flush()
            else:  # in memory, each graph parsed by Oxigraph alone: twice as fast as Python's quads
                for iri, data in items:
                    raw = _ntriples(data)
                    self.store.bulk_load(raw, format=nt, to_graph=ox.NamedNode(str(iri)))
                    self.store.bulk_load(raw, format=nt)  # the default graph: the union
                    copy.bulk_load(raw, format=nt)
            self._union = copy
        except BaseException as e:
            self.store.clear()
            self._union = None
            if isinstance(e, (OSError, SyntaxError, ValueError)):
                raise OutputError(f"{self.spec}: cannot write: {e}") from None
            raise

    @staticmethod
    def _quads(items: Iterable[tuple[URIRef, Graph | bytes]]):
        """Each graph's triples as quads of its named graph and of the default graph."""
        default = ox.DefaultGraph()
        for iri, data in items:
            name = ox.NamedNode(str(iri))
            raw = _ntriples(data)
            for t in ox.parse(raw, format=ox.RdfFormat.N_TRIPLES):
                yield ox.Quad(t.subject, t.predicate, t.object, name)
                yield ox.Quad(t.subject, t.predicate, t.object, default)

    def clear(self) -> None:
        self.store.clear()
        self._union = None

    def _stage(self, staged: URIRef, ntriples: bytes) -> None:
        try:
            self.store.load(ntriples, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(str(staged)))
        except (OSError, SyntaxError, ValueError) as e:
            raise OutputError(f"{self.spec}: cannot write graph: {e}") from None

    def _update(self, sparql: str) -> None:
        self._union = None  # the default graph changes (or may have, if the update fails)
        try:
            self.store.update(sparql)
        except (OSError, SyntaxError, ValueError) as e:
            raise OutputError(f"{self.spec}: update failed: {e}") from None

    def _reader(self, sparql: str) -> ox.Store:
        """The store that answers `sparql`: in memory, the default graph's copy unless the
        query names a graph."""
        if self.persistent or names_a_graph(sparql):
            return self.store
        if self._union is None:
            self._union = union_copy(self.store)
        return self._union

    def _drop(self, staged: URIRef) -> None:
        self.store.remove_graph(ox.NamedNode(str(staged)))

    def query(self, sparql: str, initBindings: Bindings | None = None) -> Result:
        _, lists = _split_bindings(initBindings)
        reader = self._reader(sparql)  # of the text as given: a VALUES block names no graph
        if lists:
            sparql = _with_values(sparql, lists)
        try:
            return _result_from_ox(reader.query(sparql))  # canonical already (from_ox)
        except SyntaxError as e:
            raise UsageError(f"SPARQL syntax error: {e}") from None
        except OSError as e:
            raise InputError(f"{self.spec}: query failed: {e}") from None

    def graph_names(self) -> list[URIRef]:
        names = (from_ox(g) for g in self.store.named_graphs())
        return sorted(n for n in names if isinstance(n, URIRef) and not _is_staged(n))

    def close(self) -> None:
        if not hasattr(self, "store"):  # closed already
            return
        if self.persistent and not self.read_only:
            self.store.flush()
        del self.store
        self._union = None
        if self._unlock is not None:
            self._unlock()


# -- a remote store -------------------------------------------------------------------------

class RemoteEngine(_StagingStore):
    """A SPARQL 1.1 store over HTTP: queries on its default graph, writes by GSP + Update."""

    persistent = True

    def __init__(self, store: SparqlStore) -> None:
        self.store = store
        self.spec = f"sparql:{store.query_url}"

    def _stage(self, staged: URIRef, ntriples: bytes) -> None:
        self.store.put_graph(str(staged), ntriples)

    def _update(self, sparql: str) -> None:
        self.store.update(sparql)

    def _drop(self, staged: URIRef) -> None:
        self.store.delete_graph(str(staged))

    def query(self, sparql: str, initBindings: Bindings | None = None) -> Result:
        _, lists = _split_bindings(initBindings)
        return canonical_result(self.store.query(_with_values(sparql, lists) if lists else sparql))

    def is_empty(self) -> bool:
        return not self.store.query(_ANY_TRIPLE).askAnswer

    def graph_names(self) -> list[URIRef]:
        result = self.store.query("SELECT ?g WHERE { GRAPH ?g { } }")
        return sorted(URIRef(row[0]) for row in result if isinstance(row[0], URIRef) and not _is_staged(row[0]))

    def close(self) -> None:
        pass


# -- building a whole project into an engine, one report at a time -------------------------

@dataclass
class LoadResult:
    """What load_project did: the graphs replaced (IRI -> triples), the problems found, and
    seconds spent (derive, validate and serialise summed over reports, load = staging and
    swapping in, total = wall clock)."""

    engine: str
    graphs: dict[str, int] = field(default_factory=dict)
    problems: list = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def triples(self) -> int:
        return sum(self.graphs.values())


def _prepare(vocabulary: Vocabulary, validator: ShapesValidator | None, description: Path) -> tuple:
    """Derive, validate and serialise one report (in this process or a worker)."""
    t0 = time.perf_counter()
    kg = derive_one(vocabulary, description)
    t1 = time.perf_counter()
    (iri, graph), = kg.report_graphs.items()
    problems = list(kg.provenance_problems)
    if validator is not None:
        problems += validate_report_graph(graph, kg.inputs, validator)
    t2 = time.perf_counter()
    data = _ntriples(graph)
    t3 = time.perf_counter()
    return iri, data, len(graph), problems, {"derive": t1 - t0, "validate": t2 - t1, "serialise": t3 - t2}


# A worker process's vocabulary and validator, set once by _init_worker (worker processes only).
_WORKER: dict = {}


def _init_worker(root: Path, validate: bool) -> None:
    vocabulary = load_vocabulary(root)
    _WORKER["vocabulary"] = vocabulary
    _WORKER["validator"] = ShapesValidator(vocabulary.shapes) if validate else None


def _prepare_in_worker(description: Path) -> tuple:
    return _prepare(_WORKER["vocabulary"], _WORKER["validator"], description)


def load_project(engine: Engine | str | None, root: Path | None = None, *, validate: bool = True,
                 workers: int = 1) -> LoadResult:
    """Build each report under `root`, validate it, and put the ontology and every report into
    `engine` as named graphs, with one report in memory at a time.

    Nothing is replaced unless every report conforms. Into a store that already holds data,
    each report is staged as soon as it conforms and, once all have, swapped in (atomically,
    report by report); if one does not conform the staged graphs are dropped. An empty
    embedded Oxigraph store is written with the bulk loader as reports come, and cleared
    again if one does not conform. Either way NonConformingError then lists every problem.
    `workers` > 1 derives and validates that many reports at once in worker processes.
    Raises InputError for bad input, OutputError when the store refuses a write (the old
    graphs stay).
    """
    own = not hasattr(engine, "query")
    store = open_engine(engine) if own else engine
    start = time.perf_counter()
    try:
        vocabulary = load_vocabulary(root)
        result = LoadResult(store.spec, timings={"derive": 0.0, "validate": 0.0, "serialise": 0.0})
        pool = None
        if workers > 1 and len(vocabulary.descriptions) > 1:
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                                       initializer=_init_worker, initargs=(vocabulary.root, validate))
            prepared = pool.map(_prepare_in_worker, vocabulary.descriptions)
        else:
            validator = ShapesValidator(vocabulary.shapes) if validate else None
            prepared = (_prepare(vocabulary, validator, d) for d in vocabulary.descriptions)

        def conforming():
            yield ONTOLOGY_GRAPH, vocabulary.ontology
            result.graphs[str(ONTOLOGY_GRAPH)] = len(vocabulary.ontology)
            for iri, data, n, problems, timings in prepared:
                for k, v in timings.items():
                    result.timings[k] += v
                result.problems += problems
                if not result.problems:  # after a problem: no more writing, keep collecting problems
                    result.graphs[str(iri)] = n
                    yield iri, data

        try:
            if getattr(store, "load_into_empty", None) is not None and store.is_empty():
                store.load_into_empty(conforming())
                if result.problems:
                    store.clear()
            else:
                staged = []
                try:
                    for iri, data in conforming():
                        staged.append(store.stage(iri, data))
                    if not result.problems:
                        store.commit(staged)
                        staged = []
                finally:
                    store.discard(staged)
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)
        if result.problems:
            raise NonConformingError(f"{len(result.problems)} problem(s): the data does not conform; "
                                     f"nothing loaded into {store.spec}", result.problems)
    finally:
        if own:
            store.close()
    result.timings["total"] = time.perf_counter() - start
    result.timings["load"] = result.timings["total"] - sum(
        result.timings[k] for k in ("derive", "validate", "serialise")) if workers <= 1 else float("nan")
    return result
