"""Stored queries: each file's golden answer (taken from the report's text), evidence on
every row, the same answer by both binding methods and on pyoxigraph, and the `kg query`
command's formats and errors.

Golden files sit beside the queries: `queries/<name>.expected.csv`, and for more cases
`queries/<name>.<case>.expected.csv`. Leading `#` lines are notes, except:

    # params: key=value; key=value     parameters to run the query with (default: its defaults)
    # order: set | sequence | prefix   rows as a multiset (default), in order, or the top rows in order
    # distinct: yes                    drop duplicate result rows (after keeping the golden's columns)

The header names the result columns compared (a subset of the query's). A cell is an IRI
(prefixed with the project's prefixes or r:, fig:, cmt: of the report), a number (compared
as a number), text (compared ignoring case, curly quotes and runs of spaces), empty
(unbound) or `*` (any bound value).
"""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef, Variable

from conftest import ROOT, run_kg
from kg.errors import InputError, UsageError
from kg.engines import open_engine
from kg.namespaces import GWR, ID, PREFIXES, RDF
from kg.queries import bind_values, load_queries, parse_header, parse_query, resolve_params, run
from kg.results import format_result, graph_labeler
from kg.stats import top_degree

QUERY_DIR = ROOT / "queries"
QUERIES = load_queries(QUERY_DIR)
REPORT = "https://w3id.org/gwr/id/shanghai-2024/"
GOLDEN_PREFIXES = {**{k: str(v) for k, v in PREFIXES.items()},
                   "r": REPORT, "fig": REPORT + "figure/", "cmt": REPORT + "commitment/"}
GOLDEN_FILES = sorted(QUERY_DIR.glob("*.expected.csv"))
# Tags of queries whose rows are findings about the data, not facts from the report.
NO_EVIDENCE_TAGS = {"check", "meta"}


def _golden_id(path: Path) -> str:
    return path.name[: -len(".expected.csv")]


def _query_of(golden: Path):
    return QUERIES[_golden_id(golden).split(".")[0]]


# -- comparing terms with golden cells -------------------------------------------------------

def _number(text: str) -> Decimal | None:
    try:
        return Decimal(text.strip()).normalize()
    except (InvalidOperation, ValueError):
        return None


def _text(text: str) -> str:
    text = re.sub(r"[“”]", '"', re.sub(r"[‘’]", "'", text))
    return re.sub(r"\s+", " ", text).strip().casefold()


def _canon_golden(cell: str):
    cell = cell.strip()
    if cell == "":
        return None
    if cell == "*":
        return "*"
    if re.match(r"^https?://", cell):
        return ("iri", cell)
    prefix, sep, local = cell.partition(":")
    if sep and prefix in GOLDEN_PREFIXES and " " not in cell:
        return ("iri", GOLDEN_PREFIXES[prefix] + local)
    n = _number(cell)
    if n is not None:
        return ("num", n)
    return ("text", _text(cell))


def _canon_term(term):
    if term is None:
        return None
    if isinstance(term, URIRef):
        return ("iri", str(term))
    if isinstance(term, BNode):
        return ("bnode", str(term))
    n = _number(str(term))
    if n is not None:
        return ("num", n)
    return ("text", _text(str(term)))


def _matches(golden_row, result_row) -> bool:
    return all(g == "*" and r is not None or g == r for g, r in zip(golden_row, result_row))


def _read_golden(path: Path):
    options, lines = {}, []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not lines and line.startswith("#"):
            m = re.match(r"#\s*(params|order|distinct):\s*(.*)$", line)
            if m:
                options[m.group(1)] = m.group(2).strip()
            continue
        lines.append(line)
    rows = list(csv.reader(io.StringIO("\n".join(lines))))
    header, body = rows[0], [r for r in rows[1:] if r]
    params = {}
    for pair in filter(None, (p.strip() for p in options.get("params", "").split(";"))):
        key, _, value = pair.partition("=")
        params[key.strip()] = value.strip()
    return header, body, params, options.get("order", "set"), options.get("distinct", "no") == "yes"


def _show(row) -> str:
    def cell(c):
        if c is None or isinstance(c, str):
            return c or ""
        return format(c[1], "f") if c[0] == "num" else str(c[1])
    return ", ".join(cell(c) for c in row)


# -- the golden answers ------------------------------------------------------------------------

def test_every_query_has_a_golden_answer():
    covered = {_golden_id(p).split(".")[0] for p in GOLDEN_FILES}
    assert sorted(set(QUERIES) - covered) == []
    assert sorted(covered - set(QUERIES)) == []


@pytest.mark.parametrize("golden", GOLDEN_FILES, ids=_golden_id)
def test_query_answer_matches_the_report(golden, graph):
    query = _query_of(golden)
    header, body, params, order, distinct = _read_golden(golden)
    result = run(graph, query, params)
    variables = [str(v) for v in result.vars]
    missing_columns = [c for c in header if c not in variables]
    assert not missing_columns, f"{golden.name}: columns {missing_columns} are not among {variables}"
    index = [variables.index(c) for c in header]
    got = [tuple(_canon_term(row[i]) for i in index) for row in result]
    if distinct:
        got = list(dict.fromkeys(got))
    want = [tuple(_canon_golden(c) for c in row) for row in body]
    shown_header = ", ".join(header)
    if order == "set":
        left = list(got)
        missing = []
        for w in sorted(want, key=lambda r: sum(c == "*" for c in r)):  # exact rows first
            hit = next((i for i, g in enumerate(left) if _matches(w, g)), None)
            if hit is None:
                missing.append(w)
            else:
                left.pop(hit)
        message = [f"{golden.name} ({shown_header}), params {params or 'defaults'}:"]
        message += [f"  missing: {_show(r)}" for r in missing]
        message += [f"  extra:   {_show(r)}" for r in left]
        assert not missing and not left, "\n".join(message)
    else:
        if order == "prefix":
            got = got[: len(want)]
        diffs = [f"  row {i + 1}: expected {_show(w) if w else '(none)'} | got {_show(g) if g else '(none)'}"
                 for i, (w, g) in enumerate(zip(want + [()] * len(got), got + [()] * len(want)))
                 if (w or g) and not (w and g and _matches(w, g))]
        assert not diffs, f"{golden.name} ({shown_header}, in order):\n" + "\n".join(diffs[:40])


# -- every query on its own ---------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(QUERIES))
def test_query_header(name):
    q = QUERIES[name]
    assert q.summary and q.description and q.tags, f"{name}: summary, description and tags are required"
    for p in q.params:
        assert p.description, f"{name}: parameter {p.name} has no description"
        assert p.default is not None or p.optional, f"{name}: parameter {p.name} needs a default or optional: true"


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_rows_carry_their_evidence(name, graph, source_text):
    """Every row that states a fact carries the quote (found verbatim in the report) or the
    passage, or, for background knowledge, the outside source."""
    q = QUERIES[name]
    if NO_EVIDENCE_TAGS & set(q.tags):
        return
    result = run(graph, q)
    variables = [str(v) for v in result.vars]
    quotes = [v for v in variables if v == "evidence" or v.endswith("Evidence")]
    others = [v for v in variables if v in ("passage", "source") or v.endswith("Passage")]
    assert quotes or others, f"{name}: no ?evidence, ?passage or ?source column"
    source = re.sub(r"\s+", " ", source_text)
    for row in result:
        values = dict(zip(variables, row))
        assert any(values[v] is not None for v in quotes + others), f"{name}: a row without evidence: {list(row)}"
        for v in quotes:
            if values[v] is not None:
                assert re.sub(r"\s+", " ", str(values[v])) in source, f"{name}: ?{v} not in the report: {values[v]}"


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_binding_methods_agree(name, graph):
    """initBindings and the VALUES block give the same rows (parameters live in the outer query)."""
    q = QUERIES[name]
    bindings = resolve_params(graph, q)
    if any(len(v) > 1 for v in bindings.values()) or not bindings:
        pytest.skip("no single-valued parameter to compare")
    by_init = [tuple(r) for r in run(graph, q, method="initBindings")]
    by_values = [tuple(r) for r in run(graph, q, method="values")]
    assert by_init == by_values


def _oxigraph_rows(store, text):
    import pyoxigraph as ox

    def term(t):
        if t is None:
            return None
        if isinstance(t, ox.NamedNode):
            return URIRef(t.value)
        if isinstance(t, ox.BlankNode):
            return BNode(t.value)
        datatype = None if t.language or t.datatype.value.endswith("#string") else URIRef(t.datatype.value)
        return Literal(t.value, lang=t.language, datatype=datatype)

    result = store.query(text)
    names = [v.value for v in result.variables]
    return [tuple(_canon_term(term(s[n])) for n in names) for s in result]


@pytest.fixture(scope="module")
def oxigraph_store(graph):
    ox = pytest.importorskip("pyoxigraph")
    store = ox.Store()
    store.bulk_load(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return store


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_same_answer_on_pyoxigraph(name, graph, oxigraph_store):
    """Standard SPARQL 1.1: pyoxigraph runs the VALUES-bound text and gives the same rows, in order."""
    q = QUERIES[name]
    text = bind_values(q.text, resolve_params(graph, q))
    expected = [tuple(_canon_term(t) for t in row) for row in run(graph, q)]
    assert _oxigraph_rows(oxigraph_store, text) == expected


@pytest.mark.parametrize("engine", ["rdflib", "oxigraph"])
def test_check_figures_finds_a_figure_without_indicator_and_one_with_an_undefined_one(graph, engine):
    # The report's figures all have a defined indicator (the golden answer is empty): break two.
    broken = Graph()
    broken += graph
    broken.add((ID["figure-without-indicator"], RDF.type, GWR.Figure))
    broken.add((ID["figure-of-nothing"], RDF.type, GWR.Figure))
    broken.add((ID["figure-of-nothing"], GWR.indicator, ID["undefined-indicator"]))
    with open_engine(engine) as store:
        store.load({URIRef("urn:test:broken"): broken})
        result = store.query(QUERIES["check-figures-without-indicator"].text)
        rows = {(str(r[Variable("problem")]), r[Variable("figure")], r.get(Variable("indicator")))
                for r in result.bindings}
    assert rows == {("no indicator", ID["figure-without-indicator"], None),
                    ("indicator not defined", ID["figure-of-nothing"], ID["undefined-indicator"])}


def test_most_connected_agrees_with_kg_stats(graph):
    rows = [(str(r[0]), int(r[3])) for r in run(graph, QUERIES["most-connected"])]
    assert rows == [(iri, degree) for iri, _, degree in top_degree(graph, 20)]


# -- parameters, binding, headers -------------------------------------------------------------

def test_entity_parameters_take_labels_in_any_case_and_language_or_iris(graph):
    q = QUERIES["center"]
    shipping = URIRef("https://w3id.org/gwr/id/international-shipping-center")
    for value in ("international shipping center", "International Shipping Center", "国际航运中心",
                  "id:international-shipping-center", f"<{shipping}>", str(shipping)):
        assert resolve_params(graph, q, {"center": value})["center"] == [shipping], value


def test_an_unknown_entity_suggests_the_closest_names(graph):
    with pytest.raises(UsageError, match=r"unknown center .*'shiping'.*did you mean 'international shipping center'"):
        resolve_params(graph, QUERIES["center"], {"center": "shiping"})


def test_an_entity_of_the_wrong_class_is_refused(graph):
    with pytest.raises(UsageError, match="is not a gwr:Center"):
        resolve_params(graph, QUERIES["center"], {"center": "id:pudong-new-area"})


def test_an_unknown_parameter_is_named(graph):
    with pytest.raises(UsageError, match=r"unknown parameter 'centre'; did you mean 'center'"):
        resolve_params(graph, QUERIES["center"], {"centre": "x"})


def test_an_optional_parameter_left_out_stays_unbound(graph):
    assert resolve_params(graph, QUERIES["projects-by-district"]) == {}


def test_typed_parameters_are_checked(graph):
    with pytest.raises(UsageError, match="is not a year"):
        resolve_params(graph, QUERIES["main-targets"], {"year": "next year"})


def test_words_bind_one_values_row_per_word(graph):
    bound = resolve_params(graph, QUERIES["search"], {"words": "elderly  care"})
    assert bound == {"words": [Literal("elderly"), Literal("care")]}
    text = bind_values(QUERIES["search"].text, bound)
    assert 'VALUES ?words { "elderly" "care" }' in text


def test_values_are_terms_never_query_text(graph):
    """A value that looks like SPARQL stays a literal: same shape, no rows, no error."""
    hostile = '"} } DELETE WHERE { ?s ?p ?o } #'
    text = bind_values(QUERIES["search"].text, {"words": [Literal(hostile)]})
    assert list(graph.query(text)) == []
    assert len(graph) > 0


def test_values_go_into_the_where_group_not_a_construct_template():
    text = "PREFIX : <http://e/>\nCONSTRUCT { ?s :p ?o } WHERE { ?s :q ?o }"
    bound = bind_values(text, {"o": [URIRef("http://e/x")]})
    assert bound.index("VALUES ?o") > bound.index("WHERE")
    select = 'SELECT ?s WHERE { ?s <http://e/p> "{ not a group" . }'
    assert bind_values(select, {"s": [URIRef("http://e/a")]}).startswith("SELECT ?s WHERE { VALUES ?s")


def test_header_format():
    text = ("#+ summary: One line\n#+ description: Two\n#+   lines\n#+ params:\n"
            "#+   - name: center; type: entity; class: gwr:Center; default: x\n"
            "#+     description: which one; really\n#+   - name: year; type: year; optional: true\n"
            "#+ tags: a, b\nSELECT ?center ?year WHERE { ?center ?p ?year }\n")
    h = parse_header(text)
    assert (h["summary"], h["description"], h["tags"]) == ("One line", "Two lines", ["a", "b"])
    center, year = h["params"]
    assert (center.name, center.type, center.cls, center.default) == ("center", "entity", "gwr:Center", "x")
    assert center.description == "which one; really"
    assert year.optional and year.default is None


@pytest.mark.parametrize("text, message", [
    ("#+ summry: x\nSELECT * WHERE {}", r"q\.rq:1: header: 'summry: x'"),
    ("#+ params:\n#+   - name: x; type: colour\nSELECT ?x WHERE {}", r"unknown type 'colour'"),
    ("#+ params:\n#+   - name: y\nSELECT ?x WHERE { ?x ?p ?o }", r"\?y does not occur in the query"),
    ("#+ summary: x\nSELECT ?s WHERE {\n  ?s ?p ?o .\n  FILTER(?o > )\n}", r"q\.rq:4:3: SPARQL syntax error"),
    ("SELECT ?s WHERE {\n  ?s zz:p ?o }", r"q\.rq:2:6: SPARQL syntax error: unknown prefix 'zz:'"),
])
def test_malformed_query_files_name_file_and_line(text, message):
    with pytest.raises(InputError, match=message):
        parse_query(text, "q", Path("q.rq"))


# -- results ---------------------------------------------------------------------------------------

def test_table_shows_labels_aligned_and_cuts_long_text(graph):
    out = format_result(run(graph, QUERIES["main-targets"]), "table", labels=graph_labeler(graph), max_width=30)
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["indicator", "value", "unit"]
    assert set(lines[1]) <= {"-", " "}
    assert "GDP growth rate" in out and "https://" not in out
    widths = [len(rule) for rule in lines[1].split()]
    assert max(widths) == 30 and all(len(line) <= sum(widths) + 2 * (len(widths) - 1) for line in lines[2:-1])
    assert re.search(r"\(\d+ rows?\)$", out.strip())


# -- the command line --------------------------------------------------------------------------------

def test_kg_queries_lists_every_query_with_its_parameters():
    r = run_kg("--root", str(ROOT), "queries")
    assert r.returncode == 0, r.stderr.decode()
    out = r.stdout.decode()
    for name in QUERIES:
        assert re.search(rf"^{re.escape(name)}\s", out, re.M), name
    assert "-p center (entity gwr:Center; default: international shipping center)" in out


@pytest.mark.parametrize("fmt", ["table", "csv", "tsv", "json"])
def test_kg_query_formats(fmt):
    r = run_kg("--root", str(ROOT), "query", "figures-by-unit", "-p", "unit", "mu", "--format", fmt)
    assert r.returncode == 0, r.stderr.decode()
    out = r.stdout.decode("utf-8")
    columns = ["unit", "value", "comparator", "statedForm", "indicator", "role", "period", "evidence", "passage", "figure"]
    if fmt == "json":
        data = json.loads(out)
        assert data["head"]["vars"] == columns
        assert all(b["unit"]["value"].endswith("#Mu") for b in data["results"]["bindings"])
    elif fmt == "csv":
        rows = list(csv.reader(io.StringIO(out)))
        assert rows[0] == columns and all(row[0].endswith("#Mu") for row in rows[1:])
    elif fmt == "tsv":
        rows = [line.split("\t") for line in out.splitlines()]
        assert rows[0] == columns and all(len(row) == len(columns) for row in rows)
    else:
        assert out.splitlines()[0].split()[:2] == ["unit", "value"] and "mu" in out


def test_kg_query_file_runs_any_query(tmp_path):
    f = tmp_path / "count.rq"
    f.write_text("PREFIX gwr: <https://w3id.org/gwr/ontology#>\n"
                 "SELECT (COUNT(?c) AS ?centers) WHERE { ?c a gwr:Center }\n", encoding="utf-8")
    r = run_kg("--root", str(ROOT), "query", "--file", str(f), "--format", "csv")
    assert r.returncode == 0, r.stderr.decode()
    assert r.stdout.decode().split() == ["centers", "5"]


@pytest.mark.parametrize("args, message", [
    (["query", "main-target"], "unknown query 'main-target'; did you mean 'main-targets'"),
    (["query", "center", "-p", "centre", "x"], "unknown parameter 'centre'"),
    (["query", "center", "-p", "center", "shiping"], "did you mean 'international shipping center'"),
    (["query"], "give a query NAME"),
])
def test_kg_query_usage_errors_exit_2_and_name_the_problem(args, message):
    r = run_kg("--root", str(ROOT), *args)
    assert r.returncode == 2
    err = r.stderr.decode()
    assert message in err and "Traceback" not in err


def test_kg_query_syntax_error_exits_2_with_line_and_column(tmp_path):
    f = tmp_path / "broken.rq"
    f.write_text("PREFIX gwr: <https://w3id.org/gwr/ontology#>\nSELECT ?f WHERE {\n  ?f gwr:value ?v .\n"
                 "  FILTER(?v > )\n}\n", encoding="utf-8")
    r = run_kg("--root", str(ROOT), "query", "--file", str(f))
    assert r.returncode == 2
    assert re.search(r"broken\.rq:4:3: SPARQL syntax error", r.stderr.decode())


def test_kg_query_help_lists_the_formats():
    r = run_kg("query", "--help")
    assert r.returncode == 0
    out = r.stdout.decode()
    assert "usage: kg query" in out and all(f in out for f in ("table", "csv", "tsv", "json"))
