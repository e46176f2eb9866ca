"""What `kg queries` and `kg query` do: find the query, build the graph, run, print."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .commands_engine import engine_labeler, open_query_engine
from .errors import UsageError
from .queries import StoredQuery, default_query_dir, find_query, load_queries, load_query, run
from .results import format_result

__all__ = ["cmd_queries", "cmd_query"]


def _query_dir(args) -> Path:
    return args.queries if args.queries is not None else default_query_dir(args.root)


def cmd_queries(args) -> int:
    queries = load_queries(_query_dir(args))
    if args.format == "json":
        rows = [{"name": q.name, "summary": q.summary, "description": q.description, "tags": list(q.tags),
                 "params": [{"name": p.name, "type": p.type, "class": p.cls, "default": p.default,
                             "required": p.required, "description": p.description} for p in q.params]}
                for q in queries.values()]
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    width = max((len(n) for n in queries), default=0)
    for q in queries.values():
        print(f"{q.name:<{width}}  {q.summary}")
        for p in q.params:
            print(f"{'':<{width}}    -p {p.usage()}" + (f": {p.description}" if p.description else ""))
    return 0


def _parse_params(pairs: list[list[str]] | None) -> dict[str, str]:
    given: dict[str, str] = {}
    for key, value in pairs or []:
        if key in given:
            raise UsageError(f"parameter '{key}' given twice")
        given[key] = value
    return given


def _select(args) -> StoredQuery:
    if args.file is not None and args.name is not None:
        raise UsageError("give a query NAME or --file F.rq, not both")
    if args.file is not None:
        return load_query(args.file)
    if args.name is None:
        raise UsageError("give a query NAME (`kg queries` lists them) or --file F.rq")
    return find_query(_query_dir(args), args.name)


def cmd_query(args) -> int:
    query = _select(args)  # unknown names and syntax errors fail before the graph is built
    given = _parse_params(args.param)
    for key in given:
        query.param(key)
    with open_query_engine(getattr(args, "engine", None), args.root) as engine:  # kg.commands_engine
        result = run(engine, query, given)
        labels = engine_labeler(engine, result) if args.format == "table" else None
    sys.stdout.write(format_result(result, args.format, labels=labels, max_width=args.width))
    sys.stdout.flush()
    return 0
