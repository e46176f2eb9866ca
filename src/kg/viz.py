"""Draw the graph: choose a part of it (a named view, a focus, a class, a section), lay it out
(kg.layout) and write it (kg.render) as an interactive HTML page, SVG, PNG, GraphML or GEXF.

    graph = kg.build_graph().union()
    page = draw(graph, view="centers", fmt="html")           # bytes of a self-contained page
    svg = draw(graph, focus="Pudong New Area", depth=1, fmt="svg")

Everything works offline: the page inlines its script and style (src/kg/assets/viz.*), the SVG
is written from a deterministic layout, and PNG is that SVG rendered by headless Chromium (the
only outside program, and only for PNG). The same graph gives the same picture. Labels never
overlap: every layout ends with a pass that moves overlapping node-and-label boxes apart.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass

import networkx as nx
from rdflib import Graph

from .errors import UsageError
from .layout import Drawing, label_overlaps, layout, legend, linked_in, short_label
from .namespaces import DCTERMS, GWR, PREFIXES, RDF
from .projection import label_of, local_name, passage_id, project
from .render import CHROMIUM_FLAGS, find_chromium, to_gexf, to_graphml, to_html, to_png, to_svg

__all__ = [
    "VIZ_FORMATS", "VIEWS", "View", "VizFormat", "get_viz_format", "select", "resolve_node", "resolve_class",
    "resolve_section", "sections", "class_names", "layout", "render", "draw", "Drawing", "label_overlaps",
    "legend", "to_svg", "to_png", "to_html", "to_graphml", "to_gexf", "find_chromium", "CHROMIUM_FLAGS",
]

# ---------------------------------------------------------------------------------------
# Formats and views: the two registries that also feed `kg viz --help`
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VizFormat:
    name: str
    extension: str
    media_type: str
    binary: bool
    description: str


VIZ_FORMATS: dict[str, VizFormat] = {f.name: f for f in [
    VizFormat("html", "html", "text/html", False, "interactive page, self-contained, works offline"),
    VizFormat("svg", "svg", "image/svg+xml", False, "vector picture for slides and articles"),
    VizFormat("png", "png", "image/png", True, "bitmap picture (rendered by headless Chromium)"),
    VizFormat("graphml", "graphml", "application/graphml+xml", False, "for Gephi, Cytoscape, yEd"),
    VizFormat("gexf", "gexf", "application/gexf+xml", False, "for Gephi"),
]}


def get_viz_format(name: str) -> VizFormat:
    """The format called `name`; UsageError listing the valid ones otherwise."""
    try:
        return VIZ_FORMATS[name]
    except KeyError:
        raise UsageError(f"unknown format '{name}'; choose one of: {', '.join(VIZ_FORMATS)}") from None


def _has(attrs: dict, cls: str) -> bool:
    return cls in attrs.get("classes", ())


def _closure_in(net: nx.MultiDiGraph, start: set[str], keys: set[str]) -> set[str]:
    """`start` and everything that reaches it through edges with these keys (e.g. partOf)."""
    seen, todo = set(start), list(start)
    while todo:
        for u in linked_in(net, [todo.pop()], keys):
            if u not in seen:
                seen.add(u)
                todo.append(u)
    return seen


def _centers_and_groups(net: nx.MultiDiGraph) -> set[str]:
    centers = {n for n, a in net.nodes(data=True) if _has(a, "Center")}
    return centers | {v for c in centers for _, v, k in net.out_edges(c, keys=True) if k == "gwr:memberOf"}


def _view_centers(net: nx.MultiDiGraph) -> set[str]:
    hubs = _centers_and_groups(net)
    return hubs | linked_in(net, hubs, {"gwr:serves"})


def _edges_to_centers(net: nx.MultiDiGraph) -> Callable[[str, str, str], bool]:
    hubs = _centers_and_groups(net)
    return lambda u, v, k: v in hubs


def _view_districts(net: nx.MultiDiGraph) -> set[str]:
    districts = {n for n, a in net.nodes(data=True) if _has(a, "District")}
    places = _closure_in(net, districts, {"gwr:partOf"})
    return places | _closure_in(net, places, {"gwr:locatedIn"})


def _view_targets(net: nx.MultiDiGraph) -> set[str]:
    out: set[str] = set()
    for n, a in net.nodes(data=True):
        if a["kind"] != "indicator":
            continue
        figs = [u for u, _, k in net.in_edges(n, keys=True) if k == "gwr:indicator"]
        roles = {net.nodes[f].get("role") for f in figs}
        if {"achieved", "target"} <= roles:
            out |= {n, *figs}
    return out


def _view_industry(net: nx.MultiDiGraph) -> set[str]:
    groups = {n for n, a in net.nodes(data=True) if _has(a, "IndustryGroup")}
    up, todo = set(groups), list(groups)
    while todo:  # the groups a group belongs to, up to the whole industrial system
        for _, v, k in net.out_edges(todo.pop(), keys=True):
            if k == "gwr:memberOf" and v not in up:
                up.add(v)
                todo.append(v)
    return _closure_in(net, up, {"gwr:memberOf"})


@dataclass(frozen=True)
class View:
    name: str
    title: str
    description: str
    select: Callable[[nx.MultiDiGraph], set[str]]
    layout: str  # "tree", "table" or "force"
    tree_keys: tuple[str, ...] = ()  # edges child -> parent that make the tree of a tree layout
    # Which edges among the view's nodes it shows (default: all of them), given the projection.
    edges: Callable[[nx.MultiDiGraph], Callable[[str, str, str], bool]] | None = None


VIEWS: dict[str, View] = {v.name: v for v in [
    View("centers", "The Five Centers and what serves them",
         "the Five Centers, the initiative they make up, and everything that serves them "
         "(only the links to the Centers and the initiative are drawn)",
         _view_centers, "tree", ("gwr:memberOf", "gwr:serves"), _edges_to_centers),
    View("districts", "Districts, their places and projects",
         "the districts, the places that lie in them and what is located there",
         _view_districts, "tree", ("gwr:partOf", "gwr:locatedIn")),
    View("targets", "Results against targets, per indicator",
         "each indicator with both a result and a target, its achieved figures and its target figures",
         _view_targets, "table"),
    View("industry", "The modern industrial system",
         "the industry groups of the industrial system and their member industries",
         _view_industry, "tree", ("gwr:memberOf",)),
]}

# ---------------------------------------------------------------------------------------
# Choosing what to draw
# ---------------------------------------------------------------------------------------


def _suggest(text: str, names: dict[str, str], what: str, n: int = 5) -> UsageError:
    """A UsageError naming the closest of `names` (display name -> how to write it)."""
    lowered = {k.lower(): k for k in names}
    close = difflib.get_close_matches(text.lower(), list(lowered), n=n, cutoff=0.55)
    close += [k for lk, k in sorted(lowered.items()) if text.lower() in lk and k not in
              [lowered[c] for c in close]][: max(0, n - len(close))]
    picks = [lowered[c] if c in lowered else c for c in close][:n]
    if picks:
        hint = "; did you mean: " + ", ".join(f"{p} ({names[p]})" if names[p] != p else p for p in picks) + "?"
    else:
        hint = f"; {len(names)} to choose from, e.g. " + ", ".join(short_label(n, 30) for n in sorted(names)[:5])
    return UsageError(f"unknown {what} '{text}'{hint}")


def _expand(text: str) -> str:
    """A prefixed name written with one of the project's prefixes, as a full IRI."""
    prefix, sep, rest = text.partition(":")
    if sep and prefix in PREFIXES and not rest.startswith("//"):
        return str(PREFIXES[prefix]) + rest
    return text


def _short(iri: str) -> str:
    best = max((str(ns) for ns in PREFIXES.values() if iri.startswith(str(ns))), key=len, default="")
    if not best:
        return iri
    prefix = next(p for p, ns in PREFIXES.items() if str(ns) == best)
    return f"{prefix}:{iri[len(best):]}"


def resolve_node(net: nx.MultiDiGraph, text: str) -> str:
    """The node `text` names: an IRI, a prefixed name (id:pudong-new-area), a slug or a label
    (English or Chinese, preferred or alternative, any case). UsageError with the closest
    names when nothing or several things match."""
    iri = _expand(text.strip())
    if iri in net:
        return iri
    want = text.strip().casefold()
    hits: dict[str, set[str]] = {}
    for n, a in net.nodes(data=True):
        alts = a.get("altLabel", ())
        alts = (alts,) if isinstance(alts, str) else alts
        for name in (a["label"], a.get("label_zh"), local_name(n), *alts):
            if name and str(name).casefold() == want:
                hits.setdefault(n, set())
    if len(hits) == 1:
        return next(iter(hits))
    if len(hits) > 1:
        choices = ", ".join(f"{_short(n)} ({net.nodes[n]['class']})" for n in sorted(hits))
        raise UsageError(f"'{text}' names {len(hits)} things: {choices}; give one of these IRIs")
    names = {}
    for n, a in net.nodes(data=True):
        if a["kind"] != "figure":  # figures are named by their IRIs in suggestions
            names.setdefault(a["label"], _short(n))
    raise _suggest(text, names, "entity")


def class_names(net: nx.MultiDiGraph) -> list[str]:
    """The classes of ours that some node of `net` belongs to (local names)."""
    return sorted({c for _, a in net.nodes(data=True) for c in a.get("classes", ())})


def resolve_class(net: nx.MultiDiGraph, text: str, graph: Graph | None = None) -> str:
    """The class `text` names, as a local name ("District"): a local or prefixed name, an IRI,
    or the class's English label ("New town"). UsageError with the closest names otherwise."""
    present = class_names(net)
    iri = _expand(text.strip())
    candidates = {c: c for c in present}
    for c in present:
        candidates[f"gwr:{c}"] = c
        candidates[str(GWR[c])] = c
        if graph is not None:
            lab = label_of(graph, GWR[c])
            if lab:
                candidates[lab] = c
    for key, c in candidates.items():
        if key.casefold() == iri.casefold() or key.casefold() == text.strip().casefold():
            return c
    raise _suggest(text, {c: f"gwr:{c}" for c in present}, "class")


def sections(graph: Graph) -> dict[str, str]:
    """Every part and section of every report, by id ("shanghai-2024/part-2/section-1"), with
    its heading."""
    out = {}
    for cls in (GWR.Part, GWR.Section):
        for s in graph.subjects(RDF.type, cls):
            out[passage_id(str(s))] = str(graph.value(s, DCTERMS.title) or "")
    return dict(sorted(out.items()))


_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10}


def resolve_section(text: str, known: dict[str, str]) -> str:
    """The section `text` names, among `known` (see `sections`): its IRI or id, a path within a
    report ("part-2/section-1"), a number ("II.1", "2.1", "II") or words of its heading.
    UsageError when it names none (with the closest names) or several (with their ids)."""
    t = passage_id(text.strip().rstrip("/"))
    head, _, tail = t.partition(".")
    part = _ROMAN.get(head.lower()) or (int(head) if head.isdigit() else None)
    if part is not None and (not tail or tail.isdigit()):
        t = f"part-{part}" + (f"/section-{int(tail)}" if tail else "")
    hits = [k for k in known if k == t or k.endswith("/" + t)]
    if not hits and t:
        hits = [k for k, title in known.items() if text.strip().casefold() in title.casefold()]
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        raise UsageError(f"'{text}' names {len(hits)} sections: {', '.join(hits)}; give one of these")
    names = {k: k for k in known} | {title: k for k, title in known.items() if title}
    names |= {k.split("/", 1)[1]: k for k in known if "/" in k}
    raise _suggest(text, names, "section")


def _in_section(attrs: dict, path: str) -> bool:
    return any(s == path or s.startswith(path + "/") for s in attrs.get("section", ()))


def select(net: nx.MultiDiGraph, *, view: str | None = None, focus: str | None = None,
           depth: int | None = None, cls: str | None = None, section: str | None = None,
           graph: Graph | None = None) -> nx.MultiDiGraph:
    """The part of the projection `net` to draw, as a subgraph copy whose graph attributes
    name it (`title`, `layout`, `tree_keys`).

    view: a name in VIEWS; it cannot be combined with the other options.
    focus: a node (see resolve_node) and its neighbours up to `depth` links away (default 1),
      links followed in both directions; `cls` and `section` then keep only their nodes.
    cls, section (without focus): the nodes of a class and/or with a quote in a section
      (see resolve_class, resolve_section; `graph` gives class labels and section headings),
      plus their neighbours up to `depth` (default 0).
    Nothing: the whole projection. Raises UsageError for unknown names, for a view combined
    with the other options and when nothing is left to draw.
    """
    if depth is not None and depth < 0:
        raise UsageError("--depth must be 0 or more")
    if view is not None:
        if focus or cls or section or depth is not None:
            raise UsageError("--view draws a fixed part of the graph; use it without --focus, --class, "
                             "--section and --depth")
        if view not in VIEWS:
            raise _suggest(view, {v: v for v in VIEWS}, "view")
        v = VIEWS[view]
        keep = v.select(net)
        title, layout, tree_keys = v.title, v.layout, v.tree_keys
        edge_ok = v.edges(net) if v.edges is not None else None
    else:
        layout, tree_keys, edge_ok = "force", (), None
        cls_name = resolve_class(net, cls, graph) if cls else None
        sec = resolve_section(section, sections(graph) if graph is not None else
                              {s: "" for _, a in net.nodes(data=True) for s in a.get("section", ())}) \
            if section else None

        def wanted(n: str) -> bool:
            a = net.nodes[n]
            return (cls_name is None or _has(a, cls_name)) and (sec is None or _in_section(a, sec))

        undirected = net.to_undirected(as_view=True)
        if focus:
            centre = resolve_node(net, focus)
            d = 1 if depth is None else depth
            near = nx.single_source_shortest_path_length(undirected, centre, cutoff=d)
            keep = {n for n in near if n == centre or wanted(n)}
            what = [f"{net.nodes[centre]['label']} and " +
                    ("its neighbours" if d == 1 else f"what lies within {d} links")]
        elif cls_name or sec:
            seeds = {n for n in net if wanted(n)}
            keep = set(seeds)
            for s in seeds:
                keep |= set(nx.single_source_shortest_path_length(undirected, s, cutoff=depth or 0))
            what = []
        else:
            if depth is not None:
                raise UsageError("--depth needs --focus, --class or --section")
            keep, what = set(net), ["The whole graph"]
        if cls_name:
            what.append(f"class {cls_name}")
        if sec:
            heading = sections(graph).get(sec, "") if graph is not None else ""
            what.append(f"section {sec}" + (f" ({short_label(heading, 60)})" if heading else ""))
        if (cls_name or sec) and not focus and depth:
            what.append(f"and what lies within {depth} link{'s' if depth != 1 else ''}")
        title = ", ".join(what)
    if not keep:
        raise UsageError(f"nothing to draw: no node matches ({title})")
    sub = net.subgraph(keep).copy()
    if edge_ok is not None:
        sub.remove_edges_from([(u, v, k) for u, v, k in list(sub.edges(keys=True)) if not edge_ok(u, v, k)])
    sub.graph.update(title=title, layout=layout, tree_keys=tree_keys)
    return sub


def render(drawing: Drawing, fmt: str, full: nx.MultiDiGraph | None = None) -> bytes:
    """The bytes of a laid-out drawing in one of VIZ_FORMATS (UsageError for another)."""
    name = get_viz_format(fmt).name
    if name == "html":
        return to_html(drawing, full).encode("utf-8")
    if name == "svg":
        return to_svg(drawing).encode("utf-8")
    if name == "png":
        return to_png(to_svg(drawing), drawing.width, drawing.height)
    if name == "graphml":
        return to_graphml(drawing)
    return to_gexf(drawing)


def draw(graph: Graph, *, fmt: str = "html", view: str | None = None, focus: str | None = None,
         depth: int | None = None, cls: str | None = None, section: str | None = None,
         seed: int = 7) -> bytes:
    """Project `graph`, select what to draw (see `select`), lay it out and render it in `fmt`.

    Raises UsageError (unknown view, entity, class, section or format; nothing to draw) and
    OutputError (PNG without a working Chromium).
    """
    get_viz_format(fmt)
    full = project(graph)
    sub = select(full, view=view, focus=focus, depth=depth, cls=cls, section=section, graph=graph)
    return render(layout(sub, seed=seed), fmt, full)
