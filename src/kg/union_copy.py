"""A copy of an in-memory Oxigraph store's default graph, for the queries that read nothing else.

Oxigraph's memory store finds the triples of a subject (or of a predicate, or an object) by
walking its quads in every graph and keeping those of the graph asked for. The engines' layout
(kg.engines) holds each triple twice, in its report's named graph and in the default graph
that is their union, so each pattern of a query on the default graph walks twice the quads it
needs. A store that holds the default graph alone gives the same answers 10-35 % faster, on
the real graph and at 100 reports (benchmarks/RESULTS.md). A query that names a graph (GRAPH,
FROM, FROM NAMED) still needs the whole store.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pyoxigraph as ox

from .sparql_text import strip_comments_and_strings

# The keywords by which a query reads named graphs, as words of their own (not ?graph or ex:from)
_NAMES_A_GRAPH = re.compile(r"(?<![\w?$:])(?:GRAPH|FROM)(?![\w:-])", re.IGNORECASE)


@lru_cache(maxsize=256)
def names_a_graph(sparql: str) -> bool:
    """Whether the query may read a named graph: GRAPH or FROM outside its strings, IRIs and
    comments. (Tokenizing takes a millisecond or two: a text without either word anywhere is
    not tokenized, and a stored query, asked again and again, is tokenized once.)"""
    if _NAMES_A_GRAPH.search(sparql) is None:  # blanking strings and comments only removes matches
        return False
    return _NAMES_A_GRAPH.search(strip_comments_and_strings(sparql)) is not None


def union_copy(store: ox.Store) -> ox.Store:
    """A new in-memory store holding the default graph of `store`, as its own default graph."""
    copy = ox.Store()
    copy.bulk_extend(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    return copy
