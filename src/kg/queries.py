"""Stored SPARQL queries: read their headers, list them, bind their parameters and run them.

A stored query is a `.rq` file in `queries/`; its name is the file name without `.rq`. It
starts with a header in `#+` comments (see queries/README.md):

    #+ summary: The 2024 main targets with value, unit, comparator and stated form
    #+ description: What the report proposes as the main targets for the year ...
    #+ params:
    #+   - name: center; type: entity; class: gwr:Center; default: international shipping center
    #+     description: which of the Five Centers, by label (English, Chinese, alias) or IRI
    #+ tags: targets, 2024

Parameters are bound, never pasted into the text. Two ways are offered, so that any engine
can run the same query:

- `initBindings` (rdflib's own way), used by `run` when every parameter has one value;
- `bind_values(text, bindings)`: the query text with a `VALUES` block, built from typed RDF
  terms, first in every group pattern, so that the parameter is a constant throughout, as
  with initBindings. Standard SPARQL 1.1: pyoxigraph or a remote endpoint runs it as it is.
  Multi-valued parameters (type `words`) always go this way.

Parameters that name entities (type `entity`) take a label (case-insensitive; English,
Chinese or an alias) or an IRI, resolved to the IRI in Python, with a SPARQL query of its own
that every engine can run, before binding.

Errors: InputError for a malformed query file (a syntax error names line and column),
UsageError for an unknown query, an unknown parameter or a value that does not resolve
(with the closest names suggested).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from decimal import Decimal, InvalidOperation
from pathlib import Path

from rdflib import Graph, Literal, URIRef, Variable
from rdflib.namespace import XSD
from rdflib.plugins.sparql import prepareQuery
from rdflib.query import Result

from .errors import InputError, UsageError
from .namespaces import PREFIXES
from .sparql_text import strip_comments_and_strings, tokens

__all__ = [
    "Param", "StoredQuery", "PARAM_TYPES", "parse_query", "load_query", "load_queries",
    "find_query", "default_query_dir", "prepare", "resolve_params", "bind_values", "run",
]

QUERY_SUFFIX = ".rq"
HEADER_KEYS = ("summary", "description", "params", "tags")
PARAM_KEYS = ("name", "type", "class", "default", "optional", "description")

# What each parameter type accepts, for `kg queries` and the README.
PARAM_TYPES = {
    "entity": "a label (English, Chinese or alias; case-insensitive) or an IRI of a thing in the graph",
    "iri": "an IRI: <https://...>, https://... or a prefixed name such as id:shanghai",
    "string": "text, bound as a plain literal",
    "words": "text split at spaces into words, each bound as a plain literal (one VALUES row per word)",
    "integer": "a whole number (xsd:integer)",
    "decimal": "a number (xsd:decimal)",
    "year": "a year such as 2024 (xsd:gYear)",
}
MULTI_VALUED = {"words"}  # types bound to several values, hence by VALUES only

# The labels an entity parameter is matched against, as standard SPARQL that any engine runs.
# ?class is bound when the parameter names one; unbound, any typed thing matches.
LABELS_QUERY = """\
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?entity ?label ?preferred WHERE {
  ?entity a ?class .
  { ?entity skos:prefLabel ?label . BIND(true AS ?preferred) }
  UNION { ?entity skos:altLabel ?label . BIND(false AS ?preferred) }
  UNION { ?entity rdfs:label ?label . BIND(false AS ?preferred) }
}"""
EXISTS_QUERY = "ASK { { ?entity ?p ?o } UNION { ?s ?p ?entity } }"
TYPED_QUERY = "ASK { ?entity a ?class }"


@dataclass(frozen=True)
class Param:
    """One declared parameter: the variable it binds (?name), its type and default."""

    name: str
    type: str = "string"
    default: str | None = None
    optional: bool = False
    description: str = ""
    cls: str | None = None  # entity parameters: the class the entity must have (prefixed)

    @property
    def type_noun(self) -> str:
        return {"integer": "a whole number", "decimal": "a number", "year": "a year such as 2024"}.get(self.type, self.type)

    @property
    def required(self) -> bool:
        return self.default is None and not self.optional

    def usage(self) -> str:
        """One line for listings: `center (entity, default: international shipping center)`."""
        bits = [self.type + (f" {self.cls}" if self.cls else "")]
        if self.default is not None:
            bits.append(f"default: {self.default}")
        elif self.optional:
            bits.append("optional")
        else:
            bits.append("required")
        return f"{self.name} ({'; '.join(bits)})"


@dataclass(frozen=True)
class StoredQuery:
    """A query file: its name, text and header."""

    name: str
    path: Path | None
    text: str
    summary: str = ""
    description: str = ""
    params: tuple[Param, ...] = ()
    tags: tuple[str, ...] = ()
    # rdflib's parsed form, filled on first use by prepare() (a list: the dataclass is frozen)
    _prepared: list = field(default_factory=list, compare=False, repr=False)

    @property
    def source(self) -> str:
        return str(self.path) if self.path is not None else self.name

    @property
    def ranked(self) -> bool:
        """The order of the rows is part of the answer (tag `ranked`)."""
        return "ranked" in self.tags

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        known = [p.name for p in self.params]
        hint = _suggest(name, known)
        raise UsageError(f"query {self.name}: unknown parameter '{name}'"
                         + (f"; did you mean {hint}?" if hint else "")
                         + (f" (parameters: {', '.join(known)})" if known else " (it takes no parameters)"))


# -- reading query files ------------------------------------------------------------------

def _header_lines(text: str) -> list[tuple[int, str]]:
    """The `#+` lines of the leading comment block, with their line numbers."""
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        if stripped.startswith("#+"):
            out.append((n, stripped[2:]))
    return out


_PARAM_KEY_RE = re.compile(r"(?:" + "|".join(PARAM_KEYS) + r")\s*:")
_PARAM_SPLIT_RE = re.compile(r";\s*(?=" + _PARAM_KEY_RE.pattern + ")")


def _parse_param(source: str, line: int, spec: str) -> Param:
    fields: dict[str, str] = {}
    for part in _PARAM_SPLIT_RE.split(spec.strip()):
        if not part.strip():
            continue
        key, sep, value = part.partition(":")
        key = key.strip()
        if not sep or key not in PARAM_KEYS:
            raise InputError(f"{source}:{line}: parameter: '{part.strip()}' is not 'key: value' "
                             f"with a key among {', '.join(PARAM_KEYS)}")
        fields[key] = value.strip()
    name = fields.get("name", "")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise InputError(f"{source}:{line}: parameter: name '{name}' is not a SPARQL variable name")
    ptype = fields.get("type", "string")
    if ptype not in PARAM_TYPES:
        raise InputError(f"{source}:{line}: parameter {name}: unknown type '{ptype}' "
                         f"(types: {', '.join(PARAM_TYPES)})")
    cls = fields.get("class") or None
    if cls is not None:
        _expand(cls, f"{source}:{line}: parameter {name}: class")
    optional = fields.get("optional", "").lower() in ("true", "yes")
    default = fields["default"] if fields.get("default") else None
    return Param(name, ptype, default, optional, fields.get("description", ""), cls)


def parse_header(text: str, source: str = "<query>") -> dict:
    """Read the `#+` header: {'summary', 'description', 'params': [Param], 'tags': [str]}.

    A key line is `#+ key: value`; a line indented by two spaces or more continues the value
    above it; under `params:`, a line `#+   - name: ...` starts a parameter and the indented
    lines below it add `key: value` pairs to it. Raises InputError for an unknown key or a
    malformed parameter.
    """
    entries: list[list] = []  # [line, key, value]
    specs: list[list] = []  # [line, "name: ...; type: ..."]
    current: str | None = None
    for n, raw in _header_lines(text):
        stripped = raw.strip()
        if not stripped:
            continue
        if len(raw) - len(raw.lstrip()) >= 2:  # a continuation or a parameter item
            if current == "params":
                if stripped.startswith("- "):
                    specs.append([n, stripped[2:]])
                elif specs:
                    joiner = "; " if _PARAM_KEY_RE.match(stripped) else " "
                    specs[-1][1] = specs[-1][1].rstrip().rstrip(";") + joiner + stripped
                else:
                    raise InputError(f"{source}:{n}: header: a parameter starts with '- name: ...'")
            elif current is not None:
                entries[-1][2] = f"{entries[-1][2]} {stripped}".strip()
            else:
                raise InputError(f"{source}:{n}: header: continuation line before any key")
            continue
        key, sep, value = stripped.partition(":")
        key = key.strip().lower()
        if not sep or key not in HEADER_KEYS:
            raise InputError(f"{source}:{n}: header: '{stripped}' does not start with one of "
                             f"{', '.join(k + ':' for k in HEADER_KEYS)}")
        current = key
        value = value.strip()
        if key == "params":
            if value:
                specs.append([n, value[2:] if value.startswith("- ") else value])
            continue
        entries.append([n, key, value])
    header: dict = {"summary": "", "description": "", "params": [], "tags": []}
    for _, key, value in entries:
        if key == "tags":
            header["tags"] = [t for t in re.split(r"[,\s]+", value) if t]
        else:
            header[key] = value
    params = [_parse_param(source, n, spec) for n, spec in specs]
    names = [p.name for p in params]
    for name in names:
        if names.count(name) > 1:
            raise InputError(f"{source}: parameter '{name}' is declared twice")
    header["params"] = params
    return header


def parse_query(text: str, name: str, path: Path | None = None) -> StoredQuery:
    """A StoredQuery from its text: header read, syntax checked, parameters found in the text.

    Raises InputError naming the file, line and column of a syntax error, or a header problem.
    """
    source = str(path) if path is not None else name
    header = parse_header(text, source)
    query = StoredQuery(name, path, text, header["summary"], header["description"],
                        tuple(header["params"]), tuple(header["tags"]))
    prepare(query)
    variables = set(re.findall(r"[?$]([A-Za-z_][A-Za-z0-9_]*)", strip_comments_and_strings(text)))
    for p in query.params:
        if p.name not in variables:
            raise InputError(f"{source}: parameter '{p.name}' is declared but ?{p.name} does not occur in the query")
    return query


def load_query(path: Path) -> StoredQuery:
    """Read one `.rq` file. Raises InputError if it cannot be read or is malformed."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: cannot read: {e}") from None
    name = path.name[:-len(QUERY_SUFFIX)] if path.name.endswith(QUERY_SUFFIX) else path.stem
    return parse_query(text, name, path)


def default_query_dir(root: Path | None = None) -> Path:
    """Where the stored queries are: `queries/` in `root` (default: the current directory)
    if there is one, else the `queries/` of the checkout this package runs from."""
    here = Path(root) if root is not None else Path.cwd()
    if (here / "queries").is_dir():
        return here / "queries"
    return Path(__file__).resolve().parents[2] / "queries"


def _query_paths(directory: Path) -> list[Path]:
    if not Path(directory).is_dir():
        raise InputError(f"{directory}: no such folder of stored queries")
    return sorted(p for p in Path(directory).glob(f"*{QUERY_SUFFIX}") if p.is_file())


def load_queries(directory: Path) -> dict[str, StoredQuery]:
    """Every stored query in `directory`, by name, in name order."""
    return {q.name: q for q in (load_query(p) for p in _query_paths(directory))}


def find_query(directory: Path, name: str) -> StoredQuery:
    """The stored query `name`; UsageError naming it, with the closest names, if there is none."""
    paths = {p.name[:-len(QUERY_SUFFIX)]: p for p in _query_paths(directory)}
    if name not in paths:
        hint = _suggest(name, list(paths))
        raise UsageError(f"unknown query '{name}'" + (f"; did you mean {hint}?" if hint else "")
                         + " (`kg queries` lists them)")
    return load_query(paths[name])


# -- syntax ---------------------------------------------------------------------------------

def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def prepare(query: StoredQuery):
    """rdflib's parsed form of the query (cached). InputError 'FILE:LINE:COL: ...' if it does not parse."""
    if query._prepared:
        return query._prepared[0]
    try:
        prepared = prepareQuery(query.text)
    except Exception as e:  # pyparsing.ParseException, or rdflib's own Exception for prefixes
        raise InputError(_syntax_message(query, e)) from None
    query._prepared.append(prepared)
    return prepared


def _syntax_message(query: StoredQuery, e: Exception) -> str:
    line, col = getattr(e, "lineno", None), getattr(e, "col", None)
    message = str(e).splitlines()[0] if str(e) else type(e).__name__
    m = re.match(r"Unknown namespace prefix\s*:\s*(\S+)", message)
    if m:  # rdflib gives no position here: find the prefixed name in the text
        prefix = m.group(1)
        message = f"unknown prefix '{prefix}:' (declare it with PREFIX {prefix}: <...>)"
        text = strip_comments_and_strings(query.text)
        hit = re.search(rf"(?<![\w:?$]){re.escape(prefix)}:", text)
        if hit:
            line, col = _line_col(query.text, hit.start())
    message = re.sub(r"\s*\(at char \d+\),\s*\(line:\d+, col:\d+\)\s*$", "", message)
    where = f"{query.source}:{line}:{col}" if line else query.source
    return f"{where}: SPARQL syntax error: {message}"


# -- parameters -----------------------------------------------------------------------------

def _expand(value: str, what: str) -> URIRef:
    """An IRI from <...>, a full IRI, or a prefixed name of the project's prefixes."""
    value = value.strip()
    if value.startswith("<") and value.endswith(">"):
        return URIRef(value[1:-1])
    if re.match(r"^[a-z][a-z0-9+.-]*://", value, re.I) or value.startswith("urn:"):
        return URIRef(value)
    prefix, sep, local = value.partition(":")
    if sep and prefix in PREFIXES:
        return URIRef(str(PREFIXES[prefix]) + local)
    raise UsageError(f"{what}: '{value}' is not an IRI or a prefixed name "
                     f"(known prefixes: {', '.join(sorted(PREFIXES))})")


def _looks_like_iri(value: str) -> bool:
    v = value.strip()
    if v.startswith("<") and v.endswith(">"):
        return True
    if re.match(r"^[a-z][a-z0-9+.-]*://\S+$", v, re.I):
        return True
    prefix, sep, local = v.partition(":")
    return bool(sep) and prefix in PREFIXES and " " not in local


def _normal(label: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[“”\"‘’']", "", label)).strip().casefold()


def _suggest(value: str, names, n: int = 3) -> str:
    """The names closest to `value`, quoted and joined, for "did you mean ...?" ('' if none)."""
    folded = {name.casefold(): name for name in dict.fromkeys(names)}
    close = difflib.get_close_matches(value.casefold(), list(folded), n=n, cutoff=0.6)
    if not close:  # a misspelt word of a longer name: "shiping" -> international shipping center
        words = [w for w in re.findall(r"\w+", value.casefold()) if len(w) > 2]
        scored = []
        for key in folded:
            best = max((difflib.SequenceMatcher(None, w, u).ratio()
                        for w in words for u in re.findall(r"\w+", key)), default=0.0)
            if best >= 0.75:
                scored.append((-best, len(key), key))
        close = [key for _, _, key in sorted(scored)[:n]]
    return ", ".join(f"'{folded[c]}'" for c in close)


def _resolve_entity(graph: Graph, query: StoredQuery, param: Param, value: str) -> URIRef:
    cls = _expand(param.cls, f"parameter {param.name}: class") if param.cls else None
    kind = f"{param.name}" + (f" ({param.cls})" if param.cls else "")
    if _looks_like_iri(value):
        iri = _expand(value, f"parameter {param.name}")
        exists = graph.query(EXISTS_QUERY, initBindings={"entity": iri}).askAnswer
        typed = cls is None or graph.query(TYPED_QUERY, initBindings={"entity": iri, "class": cls}).askAnswer
        if exists and typed:
            return iri
        reason = "is not in the graph" if not exists else f"is not a {param.cls}"
        raise UsageError(f"query {query.name}: {kind}: <{iri}> {reason}")
    rows = list(graph.query(LABELS_QUERY, initBindings={"class": cls} if cls is not None else {}))
    wanted = _normal(value)
    hits: dict[URIRef, bool] = {}
    for entity, label, preferred in rows:
        if isinstance(entity, URIRef) and _normal(str(label)) == wanted:
            hits[entity] = hits.get(entity, False) or bool(preferred.toPython())
    if len(hits) > 1 and any(hits.values()):  # a preferred label beats aliases of other things
        hits = {e: p for e, p in hits.items() if p}
    if len(hits) == 1:
        return next(iter(hits))
    if hits:
        listed = ", ".join(f"<{e}>" for e in sorted(hits))
        raise UsageError(f"query {query.name}: {kind}: '{value}' names several things; pass one IRI: {listed}")
    labels = sorted({str(label) for _, label, preferred in rows if preferred.toPython()}
                    or {str(label) for _, label, _ in rows})
    hint = _suggest(value, labels)
    raise UsageError(f"query {query.name}: unknown {kind} '{value}'" + (f"; did you mean {hint}?" if hint else ""))


def _literal(query: StoredQuery, param: Param, value: str) -> Literal:
    v = value.strip()
    bad = UsageError(f"query {query.name}: parameter {param.name}: '{value}' is not {param.type_noun}")
    if param.type == "integer":
        if not re.fullmatch(r"[+-]?\d+", v):
            raise bad
        return Literal(int(v), datatype=XSD.integer)
    if param.type == "decimal":
        try:
            return Literal(Decimal(v), datatype=XSD.decimal)
        except InvalidOperation:
            raise bad from None
    if param.type == "year":
        if not re.fullmatch(r"-?\d{4,}", v):
            raise bad
        return Literal(v, datatype=XSD.gYear)
    return Literal(value)


def resolve_params(graph: Graph, query: StoredQuery, given: dict[str, str] | None = None) -> dict[str, list]:
    """The RDF terms to bind, by parameter name: given values, else defaults.

    Each value is a list of terms (one term, or one per word for `words`); an optional
    parameter not given is left out (its variable stays unbound). Raises UsageError for an
    unknown parameter, a missing required one, or a value that does not resolve.
    """
    given = dict(given or {})
    for name in given:
        query.param(name)  # raises for an unknown name
    out: dict[str, list] = {}
    for p in query.params:
        value = given.get(p.name, p.default)
        if value is None:
            if p.required:
                raise UsageError(f"query {query.name}: parameter '{p.name}' is required (-p {p.name} VALUE)")
            continue
        if p.type == "entity":
            out[p.name] = [_resolve_entity(graph, query, p, value)]
        elif p.type == "iri":
            out[p.name] = [_expand(value, f"query {query.name}: parameter {p.name}")]
        elif p.type in MULTI_VALUED:
            words = value.split()
            if not words:
                raise UsageError(f"query {query.name}: parameter {p.name}: give at least one word")
            out[p.name] = [Literal(w) for w in words]
        else:
            out[p.name] = [_literal(query, p, value)]
    return out


# -- binding and running --------------------------------------------------------------------

def _group_braces(text: str) -> list[tuple[int, int]]:
    """(just after its `{`, at its `}`) of each group graph pattern, outermost first: every
    WHERE group, sub-select body, OPTIONAL, UNION branch, MINUS and GRAPH group. Not: VALUES
    data blocks, CONSTRUCT templates, the braces that wrap a sub-select, EXISTS groups (an
    EXISTS pattern sees the bindings around it already)."""
    significant = [(kind, m) for kind, m in tokens(text) if kind != "comment" and not m.group(0).isspace()]
    out: list[list[int]] = []
    open_groups: list[tuple[int, int]] = []  # (index in out, depth) of the groups not closed yet
    depth, construct, template_done = 0, False, False
    skip_until: int | None = None  # depth at which a data block or template closes
    for i, (kind, m) in enumerate(significant):
        if kind == "word" and m.group(0).upper() == "CONSTRUCT" and depth == 0:
            construct = True
        if kind == "open":
            depth += 1
            if skip_until is not None:
                continue
            before = significant[max(0, i - 40):i]
            keyword = before[-1][1].group(0).upper() if before and before[-1][0] == "word" else ""
            after = significant[i + 1][1].group(0).upper() if i + 1 < len(significant) else ""
            if construct and depth == 1 and not template_done:
                if keyword == "WHERE":
                    raise UsageError("cannot bind parameters into the short form CONSTRUCT WHERE { ... }")
                template_done = True
                skip_until = depth
            elif _is_values_block(before):
                skip_until = depth
            elif after != "SELECT" and keyword != "EXISTS":
                open_groups.append((len(out), depth))
                out.append([m.end(), len(text)])
        elif kind == "close":
            if skip_until is not None and depth == skip_until:
                skip_until = None
            if open_groups and open_groups[-1][1] == depth:
                out[open_groups.pop()[0]][1] = m.start()
            depth -= 1
    if not out:
        raise UsageError("the query has no group pattern to bind parameters into")
    return [(a, b) for a, b in out]


def _is_values_block(before: list) -> bool:
    """Whether the tokens before a `{` are `VALUES ?x` or `VALUES (?x ?y)`."""
    texts = [m.group(0) for _, m in before]
    i = len(texts) - 1
    while i >= 0:
        if texts[i] in ("(", ")"):
            i -= 1
        elif i >= 1 and texts[i - 1] in ("?", "$") and re.fullmatch(r"\w+", texts[i]):
            i -= 2
        else:
            return texts[i].upper() == "VALUES"
    return False


@lru_cache(maxsize=256)
def _binding_layout(text: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """What bind_values reads of a query: its text with comments and strings blanked, and its
    group braces. Worked out once per text: tokenizing a stored query takes milliseconds (more
    than Oxigraph takes to answer most of them), and the same text is bound again and again."""
    return strip_comments_and_strings(text), tuple(_group_braces(text))


@lru_cache(maxsize=1024)
def _groups_using(text: str, name: str) -> tuple[int, ...]:
    """The groups of `text` (their indexes in _binding_layout) in which ?name occurs, and the
    WHERE group always. A variable named in a string or comment is no use."""
    plain, braces = _binding_layout(text)
    used = re.compile(r"[?$]" + name + r"(?!\w)")
    return tuple(i for i, (start, end) in enumerate(braces) if i == 0 or used.search(plain, start, end))


def bind_values(text: str, bindings: dict[str, list]) -> str:
    """The query text with the parameters bound by VALUES blocks built from RDF terms.

    Each binding is a list of terms (several for multi-valued parameters: one row each),
    written in their SPARQL/N-Triples form, so no user text is pasted as SPARQL. A block goes
    first in the WHERE group and in every group pattern that uses its variable, so that a
    parameter is a constant throughout, inside sub-selects and nested groups too: the same
    rows as initBindings. (In a group without the variable it would change no row, and
    Oxigraph would evaluate such an OPTIONAL over the whole graph once per value.)
    """
    if not bindings:
        return text
    blocks: dict[int, list[str]] = {}  # group index -> the VALUES blocks that go first in it
    for name, terms in bindings.items():
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise UsageError(f"'{name}' is not a SPARQL variable name")
        if not terms or not all(isinstance(t, (URIRef, Literal)) for t in terms):
            raise UsageError(f"parameter {name}: only IRIs and literals can be bound")
        block = f" VALUES ?{name} {{ {' '.join(t.n3() for t in terms)} }}"
        for i in _groups_using(text, name):
            blocks.setdefault(i, []).append(block)
    out, last = [], 0
    for i, (start, _) in enumerate(_binding_layout(text)[1]):  # in text order, the WHERE group first
        block = "".join(blocks.get(i, ()))
        out += [text[last:start], block + " " if block else ""]
        last = start
    return "".join(out) + text[last:]


def run(graph: Graph, query: StoredQuery, given: dict[str, str] | None = None, *,
        method: str = "auto") -> Result:
    """Run a stored query on an rdflib graph with its parameters bound; returns rdflib's Result.

    `graph` may also be an engine of kg.engines (`open_engine("oxigraph:DIR")`, a remote
    store ...): the parameters are resolved on it and it binds them its own way (`method`
    does not apply). `method`: "initBindings", "values" (VALUES injected into the text) or
    "auto" (initBindings unless a parameter has several values). Raises UsageError for bad
    parameters.
    """
    bindings = resolve_params(graph, query, given)
    if not isinstance(graph, Graph):  # an engine
        return graph.query(query.text, bindings)
    multi = any(len(v) > 1 for v in bindings.values())
    if method == "auto":
        method = "values" if multi else "initBindings"
    if method == "initBindings":
        if multi:
            raise UsageError(f"query {query.name}: a parameter with several values needs the VALUES method")
        return graph.query(prepare(query), initBindings={Variable(k): v[0] for k, v in bindings.items()})
    if method == "values":
        return graph.query(bind_values(query.text, bindings))
    raise UsageError(f"unknown binding method '{method}'")
