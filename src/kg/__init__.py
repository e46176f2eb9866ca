"""A knowledge graph of government work reports: build, validate, export and query it.

    import kg
    result = kg.build()                 # load, derive, validate, write dist/
    graph = kg.build_graph().union()    # the graph as an rdflib.Graph, without writing
"""

from .build import BuildResult, build, package_version
from .errors import InputError, KgError, NonConformingError, OutputError, UsageError
from .graph import KnowledgeGraph, build_graph

__version__ = package_version()

__all__ = [
    "build", "build_graph", "BuildResult", "KnowledgeGraph", "KgError", "InputError",
    "NonConformingError", "OutputError", "UsageError", "__version__",
]
