"""The HTML pages of `kg serve`, rendered on the server from the graph: home, entities,
classes, stored queries, the query editor, the ontology and error pages.

Every piece of text goes through one helper: `tag()` escapes each child that is not already
`Markup`, and every attribute value, with `html.escape`; `esc()` does the same for a loose
string. No page builds HTML by pasting data into a string, so a label holding `<script>`
shows as text. Links point only to this server's own routes (`local_path`); IRIs outside
the graph's namespaces are shown, not linked. Pages load one stylesheet from /assets/ and
no script, so they work offline and under a strict Content-Security-Policy.
"""

from __future__ import annotations

import html
import re
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL

from .namespaces import DCTERMS, GWR, ID_BASE, OA, PROV, RDF, RDFS, SHORTCUTS, SKOS
from .queries import StoredQuery
from .results import NUMERIC_TYPES, cell_text, short_iri
from .sparql_protocol import FORMATS

__all__ = ["Markup", "esc", "tag", "Context", "local_path", "home_page", "entity_page", "class_page",
           "queries_page", "query_page", "editor_page", "ontology_page", "error_page", "results_table"]

ONTOLOGY_IRI = "https://w3id.org/gwr/ontology"
XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"


# -- the one render helper ------------------------------------------------------------------

class Markup(str):
    """A string that is already HTML (made by `tag` or `esc`); everything else is escaped."""

    def __add__(self, other):
        return Markup(str.__add__(self, esc(other)))

    def __radd__(self, other):
        return Markup(str.__add__(esc(other), self))


def esc(value) -> Markup:
    """`value` as HTML text: escaped unless it is Markup already."""
    if isinstance(value, Markup):
        return value
    return Markup(html.escape("" if value is None else str(value), quote=True))


VOID = {"br", "hr", "img", "input", "link", "meta"}


def _children(children) -> Iterable:
    for c in children:
        if c is None or c is False:
            continue
        if isinstance(c, (list, tuple)) or (not isinstance(c, str) and hasattr(c, "__iter__")):
            yield from _children(c)
        else:
            yield c


def tag(name: str, /, *children, **attrs) -> Markup:
    """An element: `tag("a", "Pudong", href="/id/pudong")`. Attribute names lose a trailing
    underscore (class_) and turn _ into - (aria_label); None/False attributes are left out,
    True ones written bare. Children are escaped unless Markup; lists are flattened."""
    parts = [name]
    for key, value in attrs.items():
        if value is None or value is False:
            continue
        key = key.rstrip("_").replace("_", "-")
        parts.append(key if value is True else f'{key}="{html.escape(str(value), quote=True)}"')
    open_tag = f"<{' '.join(parts)}>"
    if name in VOID:
        return Markup(open_tag)
    inner = "".join(esc(c) for c in _children(children))
    return Markup(f"{open_tag}{inner}</{name}>")


def join(items: Iterable, sep="") -> Markup:
    return Markup(esc(sep).join(esc(i) for i in items))


def url(path: str, **params) -> str:
    """A local URL with its query string encoded (None values left out)."""
    query = urllib.parse.urlencode([(k, v) for k, v in params.items() if v is not None])
    return f"{path}?{query}" if query else path


# -- what the pages read ----------------------------------------------------------------------

@dataclass
class Context:
    """What every page needs: the graph, its labels, the source texts, the stored queries."""

    graph: Graph
    ontology: Graph
    labeler: Callable[[URIRef], str | None]
    sources: dict[str, str] = field(default_factory=dict)  # report IRI -> its text
    queries: dict[str, StoredQuery] = field(default_factory=dict)
    title: str = "Government Work Report knowledge graph"
    graph_nodes: set[str] = field(default_factory=set)  # IRIs the interactive graph can focus on

    def label(self, term) -> str:
        """What a page calls a thing: its label, a figure's indicator and stated form, a
        commitment's headline, else its short IRI."""
        if not isinstance(term, URIRef):
            return str(term)
        found = self.labeler(term)
        if found:
            return re.sub(r"\s+", " ", found).strip()
        g = self.graph
        stated = g.value(term, GWR.statedForm)
        if stated is not None:
            ind = g.value(term, GWR.indicator)
            period = g.value(term, GWR.period)
            head = " ".join(x for x in ((self.labeler(ind) if ind is not None else None), str(period or "")) if x)
            return f"{head}: {stated}" if head else str(stated)
        for prop in (GWR.headline, DCTERMS.title):
            text = _first(g, term, prop, "en") or _first(g, term, prop)
            if text is not None:
                return str(text)
        return short_iri(term)


def local_path(iri) -> str | None:
    """The route of this server that shows `iri`, or None for IRIs outside the graph's namespaces."""
    text = str(iri)
    if text.startswith(ID_BASE) and len(text) > len(ID_BASE):
        return "/id/" + urllib.parse.quote(text[len(ID_BASE):], safe="/-._~")
    if text.startswith(str(GWR)):
        return "/ontology#" + urllib.parse.quote(text[len(str(GWR)):], safe="-._~")
    if text == ONTOLOGY_IRI:
        return "/ontology"
    return None


def term_html(ctx: Context, term) -> Markup:
    """A term as HTML: a link (by label) for things this server shows, text for the rest."""
    if term is None:
        return Markup("")
    if isinstance(term, URIRef):
        path = local_path(term)
        text = ctx.label(term)
        if path is not None:
            return tag("a", text, href=path, title=str(term))
        return tag("span", text, class_="iri", title=str(term))
    if isinstance(term, BNode):
        return tag("span", f"_:{term}", class_="bnode")
    if isinstance(term, Literal):
        if term.datatype in NUMERIC_TYPES:
            return tag("span", cell_text(term), class_="num")
        if term.language:
            return tag("span", str(term), lang=term.language)
        return esc(str(term))
    return esc(str(term))


def _most_specific(g: Graph, types: set) -> list:
    leaves = [t for t in types if not any(u != t and (u, RDFS.subClassOf, t) in g for u in types)]
    return sorted(leaves, key=str)


def _ours(types: Iterable) -> set:
    return {t for t in types if isinstance(t, URIRef) and str(t).startswith(str(GWR))}


def _first(g: Graph, s, p, lang: str | None = None):
    values = sorted((o for o in g.objects(s, p) if isinstance(o, Literal) and (lang is None or o.language == lang)),
                    key=str)
    return values[0] if values else None


# -- the frame of every page ------------------------------------------------------------------

NAV = [("/", "Home"), ("/queries", "Stored queries"), ("/sparql", "SPARQL editor"), ("/graph", "Graph"),
       ("/ontology", "Ontology")]


def search_param(ctx: Context) -> str | None:
    """The search box runs the stored query `search`: the name of its first text parameter,
    or None (no search box) when there is no such query."""
    q = ctx.queries.get("search")
    return next((p.name for p in q.params if p.type in ("words", "string")), None) if q is not None else None


def page(ctx: Context, title: str, *body, active: str | None = None, head: Iterable = ()) -> bytes:
    """A whole page: the header with navigation and search, then `body`."""
    words = search_param(ctx)
    search = tag("form", tag("input", type="search", name=words, placeholder="Search labels and quotes",
                             aria_label="Search", required=True),
                 tag("input", type="hidden", name="run", value="1"),
                 tag("button", "Search", type="submit"), action="/queries/search", method="get",
                 class_="search", role="search") if words else None
    nav = tag("nav", [tag("a", label, href=href, aria_current="page" if href == active else None)
                      for href, label in NAV], search)
    doc = tag("html",
              tag("head", tag("meta", charset="utf-8"),
                  tag("meta", name="viewport", content="width=device-width, initial-scale=1"),
                  tag("title", f"{title} · {ctx.title}" if title != ctx.title else title),
                  tag("link", rel="stylesheet", href="/assets/web.css"), list(head)),
              tag("body", tag("header", tag("a", ctx.title, href="/", class_="brand"), nav),
                  tag("main", *body),
                  tag("footer", "Served by ", tag("code", "kg serve"), " · ",
                      tag("a", "SPARQL endpoint", href="/sparql"), " · ",
                      tag("a", "service description", href=url("/sparql", format="turtle")))),
              lang="en")
    return (Markup("<!DOCTYPE html>\n") + doc + Markup("\n")).encode("utf-8")


def error_page(ctx: Context, status: int, reason: str, message: str) -> bytes:
    return page(ctx, f"{status} {reason}", tag("h1", f"{status} {reason}"), tag("p", message, class_="error"),
                tag("p", tag("a", "Back to the home page", href="/")))


# -- home -------------------------------------------------------------------------------------

def home_page(ctx: Context, counts: dict[str, int], triples: int) -> bytes:
    """What the graph holds (counts by class), a search box, the Five Centers, each report's
    main targets for its plan year."""
    g = ctx.graph
    reports = sorted(g.subjects(RDF.type, GWR.Report), key=str)
    intro = []
    for r in reports:
        title = _first(g, r, DCTERMS.title, "en") or ctx.label(r)
        issued = g.value(r, DCTERMS.issued)
        intro.append(tag("li", tag("a", str(title), href=local_path(r)),
                         f" ({ctx.label(g.value(r, DCTERMS.spatial))}, {issued})" if issued else None))
    count_rows = [tag("tr", tag("td", tag("a", _class_label(ctx, GWR[name]), href=f"/class/{name}")),
                      tag("td", f"{n:,}", class_="num"))
                  for name, n in counts.items() if n]
    centers = sorted(g.subjects(RDF.type, GWR.Center), key=lambda c: ctx.label(c))
    center_items = [tag("li", term_html(ctx, c),
                        [" ", tag("span", str(z), lang="zh", class_="zh")] if (z := _first(g, c, SKOS.prefLabel, "zh")) else None)
                    for c in centers]
    targets = []
    for r in reports:
        year = g.value(r, GWR.planYear)
        rows = []
        for fig in g.subjects(GWR.isMainTarget, Literal(True)):
            if g.value(fig, GWR.report) != r or (year is not None and g.value(fig, GWR.period) != year):
                continue
            quote = g.value(fig, GWR.hasQuote)
            start = g.value(quote, OA.start) if quote is not None else None
            rows.append((int(start) if start is not None else 0, str(fig), fig))
        items = [tag("tr", tag("td", term_html(ctx, g.value(fig, GWR.indicator))),
                     tag("td", tag("a", str(g.value(fig, GWR.statedForm) or ""), href=local_path(fig))),
                     tag("td", ctx.label(g.value(fig, GWR.comparator)) if g.value(fig, GWR.comparator) else "qualitative"))
                 for _, _, fig in sorted(rows)]
        if items:
            targets.append(tag("section", tag("h2", f"Main targets for {year}" if year else "Main targets",
                                              tag("small", f" {ctx.label(r)}")),
                               tag("table", tag("thead", tag("tr", tag("th", "indicator"), tag("th", "target"),
                                                             tag("th", "comparator"))),
                                   tag("tbody", items), class_="data", id="main-targets")))
    words = search_param(ctx)
    search = tag("form", tag("label", "Search the graph ", for_="home-search"),
                 tag("input", type="search", id="home-search", name=words, placeholder="e.g. elderly care",
                     required=True),
                 tag("input", type="hidden", name="run", value="1"), tag("button", "Search", type="submit"),
                 action="/queries/search", method="get", class_="big-search", role="search") if words else None
    body = [
        tag("h1", ctx.title),
        tag("ul", intro, class_="reports"),
        search,
        tag("div", tag("section", tag("h2", "The Five Centers"), tag("ul", center_items, id="centers")),
            tag("section", tag("h2", "What the graph holds"),
                tag("p", f"{triples:,} triples."),
                tag("table", tag("tbody", count_rows), class_="data counts", id="counts")),
            class_="columns"),
        targets,
        tag("p", "Ask more: ", tag("a", "stored queries", href="/queries"), ", the ",
            tag("a", "SPARQL editor", href="/sparql"), ", the ", tag("a", "interactive graph", href="/graph"),
            ", the ", tag("a", "ontology", href="/ontology"), "."),
    ]
    return page(ctx, ctx.title, *body, active="/")


def _class_label(ctx: Context, cls: URIRef) -> str:
    return _first(ctx.ontology, cls, RDFS.label, "en") or short_iri(cls)


# -- an entity ----------------------------------------------------------------------------------

# Shown in their own sections, provenance plumbing or the build's shortcuts (kg.namespaces):
# not repeated as facts.
_FACT_SKIP = {RDF.type, SKOS.prefLabel, SKOS.altLabel, GWR.hasQuote, GWR.evidence, PROV.wasDerivedFrom,
              GWR.text, GWR.mentions, GWR.hasFigure, GWR.headline} | SHORTCUTS
_FIGURE_LINKS = (GWR.about, GWR.area, GWR.indicator)
_IN_SKIP = {RDF.subject, RDF.object, RDF.predicate, GWR.mentions, GWR.hasQuote} | SHORTCUTS


def highlight(passage: str, exacts: Iterable[str]) -> Markup | None:
    """The passage with each quote marked (<mark>), matching across any whitespace; None if
    none of them is found."""
    spans = []
    for exact in exacts:
        words = exact.split()
        m = re.search(r"\s*".join(re.escape(w) for w in words), passage) if words else None
        if m is not None:
            spans.append((m.start(), m.end()))
    if not spans:
        return None
    merged: list[list[int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    out, at = Markup(""), 0
    for a, b in merged:
        out = out + passage[at:a] + tag("mark", passage[a:b])
        at = b
    return out + passage[at:]


def _from_offsets(ctx: Context, passage, quotes: list) -> Markup | None:
    """The passage cut from the source text by its offsets, the quotes marked by theirs."""
    g = ctx.graph
    source = ctx.sources.get(str(g.value(passage, GWR.report) or ""))
    ps, pe = g.value(passage, OA.start), g.value(passage, OA.end)
    if not source or ps is None or pe is None:
        return None
    spans = sorted((int(g.value(q, OA.start)), int(g.value(q, OA.end))) for q in quotes
                   if g.value(q, OA.start) is not None and g.value(q, OA.end) is not None)
    if not spans or not all(int(ps) <= a <= b <= int(pe) for a, b in spans):
        return None
    flat = lambda s: re.sub(r"\s+", " ", s)  # noqa: E731
    out, at = Markup(""), int(ps)
    for a, b in spans:
        a = max(a, at)
        out = out + flat(source[at:a]) + tag("mark", flat(source[a:b]))
        at = max(at, b)
    return out + flat(source[at:int(pe)])


def quotes_in_passage(ctx: Context, passage, quotes: list) -> Markup:
    """Quotes shown inside their passage: its text with each quote highlighted and a link to
    it; the quotes alone if they cannot be placed."""
    g = ctx.graph
    exacts = [str(g.value(q, OA.exact) or "") for q in quotes]
    text = g.value(passage, GWR.text) if passage is not None else None
    marked = highlight(str(text), exacts) if text is not None else None
    if marked is None and passage is not None:
        marked = _from_offsets(ctx, passage, quotes)
    where = tag("p", "In ", term_html(ctx, passage), class_="where") if passage is not None else None
    body = tag("blockquote", marked, class_="passage") if marked is not None else \
        tag("blockquote", join([tag("mark", e) for e in exacts], " … "), class_="passage")
    return tag("figure", where, body, class_="quote")


def _quotes_by_passage(ctx: Context, quotes: Iterable) -> list[Markup]:
    g = ctx.graph
    groups: dict = {}
    for q in sorted(quotes, key=lambda q: int(g.value(q, OA.start) or 0)):
        groups.setdefault(g.value(q, GWR.inPassage), []).append(q)
    return [quotes_in_passage(ctx, p, qs) for p, qs in groups.items()]


def _background_sources(g: Graph, s, p, o) -> list:
    return [src for fact in g.subjects(RDF.subject, s)
            if (fact, RDF.type, GWR.BackgroundFact) in g and g.value(fact, RDF.predicate) == p
            and g.value(fact, RDF.object) == o
            for src in g.objects(fact, GWR.backgroundSource)]


def _sorted_terms(ctx: Context, terms: Iterable) -> list:
    return sorted(set(terms), key=lambda t: (ctx.label(t).casefold(), str(t)))


def _figure_table(ctx: Context, figures: list[tuple[URIRef, str]]) -> Markup:
    g = ctx.graph
    rows = []
    for fig, how in figures:
        value, unit = g.value(fig, GWR.value), g.value(fig, GWR.unit)
        rows.append(tag("tr", tag("td", tag("a", str(g.value(fig, GWR.statedForm) or short_iri(fig)),
                                            href=local_path(fig))),
                        tag("td", term_html(ctx, g.value(fig, GWR.indicator))),
                        tag("td", str(g.value(fig, GWR.period) or "")),
                        tag("td", ctx.label(g.value(fig, GWR.role)) if g.value(fig, GWR.role) else ""),
                        tag("td", term_html(ctx, value) if value is not None else "", " ",
                            term_html(ctx, unit) if unit is not None else "", class_="num"),
                        tag("td", how)))
    head = tag("tr", [tag("th", h) for h in ("stated form", "indicator", "period", "role", "value", "link")])
    return tag("table", tag("thead", head), tag("tbody", rows), class_="data figures")


def _collapsible(items: list, limit: int, what: str) -> Markup:
    if len(items) <= limit:
        return tag("ul", items)
    return tag("ul", items[:limit]) + tag("details", tag("summary", f"{len(items) - limit} more {what}"),
                                          tag("ul", items[limit:]))


def entity_page(ctx: Context, iri: URIRef) -> bytes | None:
    """The page of one thing of the graph: labels, type, facts, figures, quotes shown in their
    passages, links in and out, the interactive graph around it. None if the graph does not
    describe `iri`."""
    g = ctx.graph
    if (iri, None, None) not in g:
        return None
    title = ctx.label(iri)
    types = set(g.objects(iri, RDF.type))
    specific = _most_specific(g, _ours(types)) or _most_specific(g, types)
    zh = sorted(str(o) for o in g.objects(iri, SKOS.prefLabel) if isinstance(o, Literal) and o.language == "zh")
    alts = sorted(str(o) for o in g.objects(iri, SKOS.altLabel))
    path = local_path(iri)
    formats = [tag("a", name, href=url(path, format=fmt), type=FORMATS[fmt].media_type)
               for fmt, name in (("turtle", "Turtle"), ("jsonld", "JSON-LD"), ("nt", "N-Triples"))]
    body: list = [
        tag("p", join([term_html(ctx, t) for t in specific], ", "), class_="kind"),
        tag("h1", title, [(" ", tag("span", z, lang="zh", class_="zh")) for z in zh]),
        tag("p", "Also called: ", join(alts, "; "), class_="aliases") if alts else None,
        tag("p", tag("code", str(iri), class_="iri"), " · ", join(formats, " · "), class_="meta"),
    ]
    sources = sorted(g.objects(iri, GWR.backgroundSource), key=str)
    if sources:
        body.append(tag("p", "Not named in the report: background knowledge from ",
                        join([term_html(ctx, s) for s in sources], ", "), ".", class_="background"))
    headline = g.value(iri, GWR.headline)
    if headline is not None:
        body.append(tag("p", str(headline), class_="headline"))
    text = g.value(iri, GWR.text)
    if text is not None:
        body.append(tag("blockquote", str(text), class_="passage"))
    if (iri, RDF.type, GWR.Quote) in g:
        body.append(tag("section", tag("h2", "In its passage"), _quotes_by_passage(ctx, [iri])))

    # facts: the statements about it
    facts = []
    by_prop: dict = {}
    for p, o in g.predicate_objects(iri):
        if p not in _FACT_SKIP:
            by_prop.setdefault(p, []).append(o)
    for p in sorted(by_prop, key=lambda p: ctx.label(p).casefold()):
        cells = []
        for o in _sorted_terms(ctx, by_prop[p]):
            bg = _background_sources(g, iri, p, o)
            cells.append(tag("li", term_html(ctx, o),
                             tag("span", " (background: ", join([term_html(ctx, s) for s in bg], ", "), ")",
                                 class_="background") if bg else None))
        facts.append(tag("tr", tag("th", term_html(ctx, p), scope="row"), tag("td", tag("ul", cells))))
    if facts:
        body.append(tag("section", tag("h2", "Facts"), tag("table", tag("tbody", facts), class_="facts", id="facts")))

    # figures: about it, for it as an area, of it as an indicator, in it as a commitment
    figures: dict = {}
    for prop in _FIGURE_LINKS:
        for fig in g.subjects(prop, iri):
            if (fig, RDF.type, GWR.Figure) in g or (fig, RDF.type, GWR.QualitativeTarget) in g:
                figures.setdefault(fig, ctx.label(prop))
    for fig in g.objects(iri, GWR.hasFigure):
        figures.setdefault(fig, "in this commitment")
    if figures:
        ordered = sorted(figures.items(), key=lambda kv: (str(g.value(kv[0], GWR.period) or ""), ctx.label(kv[0])))
        body.append(tag("section", tag("h2", f"Figures ({len(ordered)})"), _figure_table(ctx, ordered), id="figures"))

    # quotes: each shown inside its passage
    quotes = list(g.objects(iri, GWR.hasQuote))
    if quotes:
        body.append(tag("section", tag("h2", "From the report"), _quotes_by_passage(ctx, quotes), id="quotes"))

    # links in, by property (figures and background records are shown above)
    incoming: dict = {}
    for s, p in g.subject_predicates(iri):
        if p in _IN_SKIP or s in figures:
            continue
        incoming.setdefault(p, []).append(s)
    if incoming:
        groups = []
        for p in sorted(incoming, key=lambda p: ctx.label(p).casefold()):
            items = [tag("li", term_html(ctx, s)) for s in _sorted_terms(ctx, incoming[p])]
            groups.append(tag("div", tag("h3", term_html(ctx, p), " ", tag("small", f"({len(items)})")),
                              _collapsible(items, 25, "links"), class_="group"))
        body.append(tag("section", tag("h2", "Links in"), groups, id="links-in"))

    mentions_out = _sorted_terms(ctx, g.objects(iri, GWR.mentions))
    if mentions_out:
        body.append(tag("section", tag("h2", f"Mentions ({len(mentions_out)})"),
                        tag("ul", [tag("li", term_html(ctx, e)) for e in mentions_out], class_="inline")))
    mentioned = sorted(set(g.subjects(GWR.mentions, iri)), key=lambda p: int(g.value(p, OA.start) or 0))
    if mentioned:
        items = [tag("li", term_html(ctx, p), " ", tag("span", _snippet(str(g.value(p, GWR.text) or "")),
                                                         class_="snippet")) for p in mentioned]
        body.append(tag("section", tag("h2", f"Mentioned in {len(mentioned)} passage{'s' if len(mentioned) != 1 else ''}"),
                        _collapsible(items, 10, "passages"), id="mentioned"))

    if str(iri) in ctx.graph_nodes:
        focus = url("/graph", focus=str(iri))
        body.append(tag("section", tag("h2", "Graph around it"),
                        tag("iframe", src=focus, title=f"The graph around {title}", loading="lazy", class_="viz"),
                        tag("p", tag("a", "Open the graph on its own page", href=focus)), id="graph"))
    return page(ctx, title, *body, head=[tag("link", rel="alternate", type=FORMATS[f].media_type,
                                             href=url(path, format=f)) for f in ("turtle", "jsonld")])


def _snippet(text: str, n: int = 140) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def class_page(ctx: Context, cls: URIRef, limit: int) -> bytes | None:
    """Every instance of a class of ours, by label (at most `limit`); None for an unknown class."""
    if (cls, RDF.type, OWL.Class) not in ctx.ontology:
        return None
    members = _sorted_terms(ctx, (s for s in ctx.graph.subjects(RDF.type, cls) if isinstance(s, URIRef)))
    shown = members[:limit]
    items = [tag("li", term_html(ctx, m)) for m in shown]
    return page(ctx, _class_label(ctx, cls),
                tag("h1", _class_label(ctx, cls), " ", tag("small", f"({len(members):,})")),
                tag("p", str(_first(ctx.ontology, cls, SKOS.definition) or ""), " ",
                    tag("a", "In the ontology", href=local_path(cls))),
                tag("ul", items, class_="columns-list", id="members"),
                tag("p", f"Showing the first {limit:,}; ask the SPARQL endpoint for the rest.", class_="note")
                if len(members) > limit else None)


# -- query results as a table ---------------------------------------------------------------------

def _term_of(binding: dict | None):
    if binding is None:
        return None
    kind, value = binding.get("type"), binding.get("value", "")
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    if kind in ("literal", "typed-literal"):
        dt = binding.get("datatype")
        if dt == XSD_BOOLEAN:
            return Literal(value, datatype=URIRef(dt))
        return Literal(value, lang=binding.get("xml:lang"), datatype=URIRef(dt) if dt else None)
    return Literal(str(value))


def results_table(ctx: Context, data: dict, *, truncated: bool = False, limit: int | None = None) -> Markup:
    """SPARQL JSON results (SELECT, ASK, or triples as ?subject ?predicate ?object) as a table."""
    if "boolean" in data:
        return tag("p", "Answer: ", tag("strong", "yes" if data["boolean"] else "no", id="ask-answer"),
                   class_="ask")
    variables = data.get("head", {}).get("vars", [])
    rows = data.get("results", {}).get("bindings", [])
    body = [tag("tr", [tag("td", term_html(ctx, _term_of(row.get(v))), data_var=v) for v in variables])
            for row in rows]
    count = f"{len(rows):,} row{'s' if len(rows) != 1 else ''}"
    if truncated:
        count += f" (cut at the server's limit of {limit:,})" if limit else " (cut at the server's limit)"
    return (tag("p", count, id="row-count", class_="note")
            + tag("div", tag("table", tag("thead", tag("tr", [tag("th", v) for v in variables])),
                             tag("tbody", body), class_="data", id="results"), class_="scroll"))


# -- stored queries -------------------------------------------------------------------------------

def queries_page(ctx: Context) -> bytes:
    rows = [tag("tr", tag("td", tag("a", q.name, href=f"/queries/{q.name}")), tag("td", q.summary),
                tag("td", join([p.name for p in q.params], ", ")), tag("td", join(q.tags, ", ")))
            for q in ctx.queries.values()]
    return page(ctx, "Stored queries", tag("h1", "Stored queries"),
                tag("p", "Each query is a file of ", tag("code", "queries/"), "; run it here, with ",
                    tag("code", "kg query NAME"), ", or on any SPARQL endpoint."),
                tag("table", tag("thead", tag("tr", [tag("th", h) for h in ("name", "summary", "parameters", "tags")])),
                    tag("tbody", rows), class_="data", id="queries"),
                active="/queries")


def _param_input(ctx: Context, q: StoredQuery, p, value: str | None, choices: list[str]) -> Markup:
    kind = {"integer": "number", "decimal": "text", "year": "number"}.get(p.type, "text")
    list_id = f"choices-{p.name}" if choices else None
    hint = p.description or ""
    if p.required:
        need = "required"
    elif p.default is not None:
        need = f"default: {p.default}"
    else:
        need = "optional"
    return tag("div",
               tag("label", tag("span", p.name, class_="name"), " ", tag("small", f"({p.type}; {need})"),
                   for_=f"param-{p.name}"),
               tag("input", id=f"param-{p.name}", name=p.name, type=kind, value=value if value is not None else "",
                   placeholder=p.default or "", list=list_id, required=p.required,
                   step="any" if p.type == "decimal" else None),
               tag("datalist", [tag("option", value=c) for c in choices], id=list_id) if choices else None,
               tag("p", hint, class_="hint") if hint else None, class_="param")


def query_page(ctx: Context, q: StoredQuery, given: dict[str, str], *, choices: dict[str, list[str]],
               results: Markup | None = None, error: str | None = None, csv_href: str | None = None) -> bytes:
    """A stored query: what it asks, a form for its parameters, its results and a CSV link."""
    form = tag("form", [_param_input(ctx, q, p, given.get(p.name), choices.get(p.name, [])) for p in q.params],
               tag("input", type="hidden", name="run", value="1"),
               tag("button", "Run", type="submit", id="run"),
               action=f"/queries/{q.name}", method="get", class_="params", id="params")
    body = [tag("p", tag("a", "Stored queries", href="/queries"), " / ", tag("code", q.name), class_="kind"),
            tag("h1", q.summary or q.name),
            tag("p", q.description, class_="description"),
            form]
    if error:
        body.append(tag("p", error, class_="error", id="error"))
    if results is not None:
        body.append(tag("section", tag("h2", "Results"),
                        tag("p", tag("a", "Download CSV", href=csv_href, id="csv", download=f"{q.name}.csv"))
                        if csv_href else None,
                        results))
    body.append(tag("details", tag("summary", "The query"), tag("pre", q.text, class_="sparql"),
                    tag("p", tag("a", "Edit it in the SPARQL editor", href=url("/sparql", edit=q.name)))))
    return page(ctx, q.summary or q.name, *body, active="/queries")


def editor_page(ctx: Context, text: str, *, results: Markup | None = None, error: str | None = None,
                fmt: str = "html") -> bytes:
    """The query editor: a form that posts to /sparql; results shown below as a table."""
    examples = [tag("li", tag("a", q.name, href=url("/sparql", edit=q.name)), " ", tag("span", q.summary))
                for q in ctx.queries.values()]
    options = [tag("option", f"{f.name} ({f.media_type})", value=f.name, selected=f.name == fmt, title=f.description)
               for f in FORMATS.values()]
    body = [tag("h1", "SPARQL query editor"),
            tag("p", "The endpoint ", tag("code", "/sparql"), " speaks the SPARQL 1.1 Protocol (GET, POST form, "
                     "POST application/sparql-query); it is read-only."),
            tag("form", tag("textarea", text, name="query", id="query", rows="16", spellcheck="false",
                            aria_label="SPARQL query"),
                tag("div", tag("label", "Results as ", tag("select", options, name="format", id="format")),
                    " ", tag("button", "Run query", type="submit", id="run-query"), class_="row"),
                action="/sparql", method="post", id="editor")]
    if error:
        body.append(tag("p", error, class_="error", id="error"))
    if results is not None:
        body.append(tag("section", tag("h2", "Results"), results))
    if examples:
        body.append(tag("section", tag("h2", "Start from a stored query"), tag("ul", examples)))
    return page(ctx, "SPARQL editor", *body, active="/sparql")


# -- the ontology ---------------------------------------------------------------------------------

def _local(iri) -> str:
    return str(iri)[len(str(GWR)):]


def ontology_page(ctx: Context) -> bytes:
    """The ontology as HTML: every class and property of ours with labels and definitions,
    then the concepts (roles, comparators, project kinds, statuses, units)."""
    o = ctx.ontology
    onto = URIRef(ONTOLOGY_IRI)
    title = _first(o, onto, DCTERMS.title, "en") or "Ontology"

    def labels(term) -> list:
        en = _first(o, term, RDFS.label, "en") or _first(o, term, SKOS.prefLabel, "en") or _local(term)
        zh = _first(o, term, RDFS.label, "zh") or _first(o, term, SKOS.prefLabel, "zh")
        return [tag("span", str(en), class_="en"), [" ", tag("span", str(zh), lang="zh", class_="zh")] if zh else None]

    def refs(values) -> Markup:
        return join([term_html(ctx, v) for v in sorted(set(values), key=str)], ", ")

    def entry(term, facts: list) -> Markup:
        definition = _first(o, term, SKOS.definition, "en") or _first(o, term, RDFS.comment, "en")
        rows = [tag("tr", tag("th", k, scope="row"), tag("td", v)) for k, v in facts if v]
        return tag("article", tag("h3", labels(term), " ", tag("code", f"gwr:{_local(term)}")),
                   tag("p", str(definition or ""), class_="definition"),
                   tag("table", tag("tbody", rows), class_="facts") if rows else None,
                   id=_local(term), class_="term")

    ours = lambda s: isinstance(s, URIRef) and str(s).startswith(str(GWR))  # noqa: E731
    classes = sorted((c for c in o.subjects(RDF.type, OWL.Class) if ours(c)), key=str)
    props = sorted({p for t in (OWL.ObjectProperty, OWL.DatatypeProperty) for p in o.subjects(RDF.type, t) if ours(p)},
                   key=str)
    class_entries = []
    for c in classes:
        n = len(set(ctx.graph.subjects(RDF.type, c)))
        class_entries.append(entry(c, [
            ("IRI", tag("code", str(c))),
            ("subclass of", refs(o.objects(c, RDFS.subClassOf))),
            ("subclasses", refs(o.subjects(RDFS.subClassOf, c))),
            ("properties with this domain", refs(o.subjects(RDFS.domain, c))),
            ("properties with this range", refs(o.subjects(RDFS.range, c))),
            ("instances", tag("a", f"{n:,}", href=f"/class/{_local(c)}") if n else "0"),
        ]))
    prop_entries = []
    for p in props:
        kinds = [short_iri(t) for t in o.objects(p, RDF.type) if str(t).startswith(str(OWL))]
        prop_entries.append(entry(p, [
            ("IRI", tag("code", str(p))),
            ("kind", ", ".join(sorted(kinds))),
            ("domain", refs(o.objects(p, RDFS.domain))),
            ("range", refs(o.objects(p, RDFS.range))),
            ("used in", f"{len(set(ctx.graph.subject_objects(p))):,} statements"),
        ]))
    concept_entries = []
    schemes = sorted((s for s in o.subjects(RDF.type, SKOS.ConceptScheme) if ours(s)), key=str)
    for scheme in schemes:
        members = sorted((m for m in o.subjects(SKOS.inScheme, scheme) if ours(m)), key=str)
        concept_entries.append(entry(scheme, [("concepts", refs(members))]))
        concept_entries += [entry(m, [("IRI", tag("code", str(m))), ("in scheme", refs([scheme])),
                                      ("type", refs(t for t in o.objects(m, RDF.type) if ours(t)))])
                            for m in members]
    documented = set(classes) | set(props) | set(schemes) | {m for s in schemes for m in o.subjects(SKOS.inScheme, s)}
    others = sorted((s for s in set(o.subjects(RDF.type, None)) if ours(s) and s not in documented), key=str)
    other_entries = [entry(s, [("IRI", tag("code", str(s))), ("type", refs(o.objects(s, RDF.type)))]) for s in others]
    toc = tag("nav", tag("h2", "Contents"),
              tag("ul", tag("li", tag("a", f"Classes ({len(classes)})", href="#classes")),
                  tag("li", tag("a", f"Properties ({len(props)})", href="#properties")),
                  tag("li", tag("a", "Concepts", href="#concepts")),
                  tag("li", tag("a", "Units and other terms", href="#others")) if others else None),
              class_="toc")
    meta = [("Namespace", tag("code", str(GWR))), ("Version", str(o.value(onto, OWL.versionInfo) or "")),
            ("License", term_html(ctx, o.value(onto, DCTERMS.license))),
            ("Turtle", tag("a", "ontology as Turtle", href=url("/ontology", format="turtle")))]
    body = [tag("h1", str(title), [" ", tag("span", str(z), lang="zh", class_="zh")]
                if (z := _first(o, onto, DCTERMS.title, "zh")) else None),
            tag("p", str(o.value(onto, DCTERMS.description) or ""), class_="description"),
            tag("table", tag("tbody", [tag("tr", tag("th", k, scope="row"), tag("td", v)) for k, v in meta]),
                class_="facts"),
            toc,
            tag("section", tag("h2", "Classes"), class_entries, id="classes"),
            tag("section", tag("h2", "Properties"), prop_entries, id="properties"),
            tag("section", tag("h2", "Concepts"), concept_entries, id="concepts"),
            tag("section", tag("h2", "Units and other terms"), other_entries, id="others") if others else None]
    return page(ctx, str(title), *body, active="/ontology")
