"""Write a laid-out drawing (kg.layout) as SVG, PNG, an interactive HTML page, GraphML or GEXF.

Nothing here needs a network: the SVG is written by hand, the page inlines its script and style
from src/kg/assets/, and PNG is the SVG rendered by headless Chromium, found on PATH.
"""

from __future__ import annotations

import io
import json
import math
import re
import shutil
import subprocess
import tempfile
from importlib.resources import files
from pathlib import Path
from xml.sax.saxutils import escape

import networkx as nx

from .errors import OutputError
from .layout import (FONT_FAMILY, FONT_SIZE, LEGEND_FONT, LEGEND_ROW, MARGIN, TITLE_SPACE, Drawing, Placed,
                     colour, legend, order_by_label)


def group_boxes(drawing: Drawing) -> list[tuple[str, tuple[float, float, float, float]]]:
    """The box around each wrapped list of leaves, with the parent it hangs from."""
    out = []
    for parent, members in drawing.groups:
        boxes = [drawing.nodes[m].box() for m in members]
        out.append((parent, (min(b[0] for b in boxes) - 8, min(b[1] for b in boxes) - 2,
                             max(b[2] for b in boxes) + 8, max(b[3] for b in boxes) + 2)))
    return out


def _port_right(p: Placed) -> tuple[float, float]:
    return (p.box()[2] + 2, p.y)


def _port(p: Placed, towards: Placed) -> tuple[float, float]:
    """Where an edge leaves a node: the end of its label when the other node lies beyond it, so
    that lines do not cross their own labels; the centre otherwise."""
    left, _, right, _ = p.box()
    if towards.x > right:
        return (right + 2, p.y)
    if towards.x < left:
        return (left - 2, p.y)
    return (p.x, p.y)


def _curve(a: tuple[float, float], b: tuple[float, float]) -> str:
    mid = (a[0] + b[0]) / 2
    return f"M{a[0]:.1f},{a[1]:.1f} C{mid:.1f},{a[1]:.1f} {mid:.1f},{b[1]:.1f} {b[0]:.1f},{b[1]:.1f}"


def edge_path(drawing: Drawing, u: str, v: str) -> str | None:
    """The SVG path of the edge u -> v; None for a tree edge that a group box stands for."""
    a, b = drawing.nodes[u], drawing.nodes[v]
    if (u, v) in drawing.tree_edges:  # child -> parent: a curve from the end of the parent's label
        if any(p == v and u in members for p, members in drawing.groups):
            return None
        return _curve(_port_right(b), (a.x - a.r, a.y))
    if abs(a.x - b.x) < 1:  # the same column: an arc on its left, clear of the labels
        bulge = min(40.0, 10.0 + abs(a.y - b.y) / 4)
        return (f"M{a.x - a.r:.1f},{a.y:.1f} C{a.x - a.r - bulge:.1f},{a.y:.1f} "
                f"{b.x - b.r - bulge:.1f},{b.y:.1f} {b.x - b.r:.1f},{b.y:.1f}")
    (x1, y1), (x2, y2) = _port(a, b), _port(b, a)
    return f"M{x1:.1f},{y1:.1f} L{x2:.1f},{y2:.1f}"


def _attr(text) -> str:
    return escape(str(text), {'"': "&quot;"})


def to_svg(drawing: Drawing, title: str | None = None) -> str:
    """The drawing as a standalone SVG document: title, legend, edges, nodes with labels."""
    net = drawing.graph
    title = title or net.graph.get("title", "")
    w, h = drawing.width, drawing.height
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
           f'font-family="{FONT_FAMILY}" font-size="{FONT_SIZE:g}">',
           f"<title>{escape(title)}</title>",
           "<style>.label{paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round;fill:#222}"
           ".edge{fill:none;stroke:#9a9a9a;stroke-width:1;stroke-opacity:.7}"
           ".tree{stroke:#b0b0b0;stroke-width:1.2}.extra{stroke-dasharray:4 3;stroke-opacity:.45}.head{font-weight:bold;fill:#444}</style>",
           f'<rect width="{w}" height="{h}" fill="#ffffff"/>',
           f'<text class="title" x="{MARGIN}" y="{MARGIN + 16}" font-size="20" font-weight="bold" '
           f'fill="#222">{escape(title)}</text>',
           '<g class="legend">']
    legend_top = MARGIN + TITLE_SPACE
    for r, row in enumerate(drawing.legend):
        y = legend_top + r * LEGEND_ROW
        for x, text, col in row:
            out.append(f'<circle cx="{MARGIN + x + 6:.1f}" cy="{y:.1f}" r="6" fill="{col}"/>'
                       f'<text x="{MARGIN + x + 16:.1f}" y="{y + 4:.1f}" font-size="{LEGEND_FONT:g}" '
                       f'fill="#333">{escape(text)}</text>')
    out.append("</g>")
    for x, y, text, anchor in drawing.headers:
        out.append(f'<text class="head" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{escape(text)}</text>')
    out.append('<g class="groups">')
    for parent, box in group_boxes(drawing):
        left, top, right, bottom = box
        out.append(f'<rect class="group" x="{left:.1f}" y="{top:.1f}" width="{right - left:.1f}" '
                   f'height="{bottom - top:.1f}" rx="6" fill="#f5f5f5" stroke="#dddddd"/>')
    out.append("</g>")
    out.append('<g class="edges">')
    for u, v, k in sorted(net.edges(keys=True)):
        d = edge_path(drawing, u, v)
        if d is None:
            continue
        # in a tree, the links that are not its branches are drawn light, dashed
        cls = "edge tree" if (u, v) in drawing.tree_edges else "edge extra" if drawing.tree_edges else "edge"
        out.append(f'<path class="{cls}" d="{d}"><title>{escape(net.nodes[u]["label"])} {escape(k)} '
                   f'{escape(net.nodes[v]["label"])}</title></path>')
    for parent, box in group_boxes(drawing):
        start = _port_right(drawing.nodes[parent])
        out.append(f'<path class="edge tree" d="{_curve(start, (box[0], (box[1] + box[3]) / 2))}"/>')
    out.append("</g>")
    nodes = drawing.nodes
    out.append('<g class="nodes">')
    for n in sorted(nodes):
        p = nodes[n]
        a = net.nodes[n]
        tx = p.x - p.r - 4 if p.anchor == "end" else p.x + p.r + 4
        out.append(f'<g class="node" data-iri="{_attr(n)}"><title>{escape(a["label"])} ({escape(a["class"])})</title>'
                   f'<circle cx="{p.x:.1f}" cy="{p.y:.1f}" r="{p.r:.1f}" fill="{colour(a["class"])}" '
                   f'stroke="#fff" stroke-width="1"/>'
                   f'<text class="label" x="{tx:.1f}" y="{p.y + FONT_SIZE * 0.35:.1f}" text-anchor="{p.anchor}">'
                   f"{escape(p.text)}</text></g>")
    out.append("</g></svg>")
    return "\n".join(out) + "\n"


CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Flags for a headless browser on a machine with no network and no display; --no-sandbox
# because the sandbox cannot start as root or in most containers (the page is our own SVG).
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars", "--mute-audio")


def find_chromium() -> str | None:
    """The path of a Chromium or Chrome executable on PATH, else None."""
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def to_png(svg: str, width: float, height: float, *, scale: float | None = None) -> bytes:
    """Render an SVG document to PNG with headless Chromium (no network needed). Pictures up to
    2400 px wide are rendered at twice their size, for sharp slides. OutputError when Chromium
    is missing or fails."""
    exe = find_chromium()
    if exe is None:
        raise OutputError("PNG needs Chromium (Debian: apt-get install chromium); or write --format svg")
    if scale is None:
        scale = 2.0 if max(width, height) <= 2400 else 1.0
    with tempfile.TemporaryDirectory(prefix="kg-viz-") as tmp:
        src, png = Path(tmp) / "picture.svg", Path(tmp) / "picture.png"
        src.write_text(svg, encoding="utf-8")
        cmd = [exe, *CHROMIUM_FLAGS, f"--user-data-dir={Path(tmp) / 'profile'}",
               f"--window-size={math.ceil(width)},{math.ceil(height)}", f"--force-device-scale-factor={scale:g}",
               f"--screenshot={png}", src.as_uri()]
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise OutputError(f"PNG: Chromium did not render the picture: {e}") from None
        if not png.exists() or png.stat().st_size == 0:
            tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
            raise OutputError(f"PNG: Chromium did not render the picture (exit {done.returncode}): {tail[0]}")
        return png.read_bytes()


def _flat(value):
    if isinstance(value, tuple | list):
        return " | ".join(str(v) for v in value)
    return value


def flat_graph(drawing: Drawing) -> nx.MultiDiGraph:
    """The drawn subgraph with attributes a graph file can hold: multi-valued ones joined with
    " | ", one type per attribute (numbers stay numbers only where every value is one), edge
    keys made unique ("e0", "e1" ...: GraphML and GEXF want unique edge ids; the property is in
    `property`), and the picture's position and colour (`x`, `y`, `color`, `size`)."""
    net = drawing.graph
    types: dict[str, set] = {}
    for _, a in net.nodes(data=True):
        for k, v in a.items():
            types.setdefault(k, set()).add(type(_flat(v)))
    out = nx.MultiDiGraph(name=net.graph.get("title", ""))
    for n, a in net.nodes(data=True):
        attrs = {}
        for k, v in a.items():
            v = _flat(v)
            kinds = types[k]
            if kinds == {int, float}:
                v = float(v)  # one type per attribute: GraphML declares it once
            elif not (kinds <= {int, float} or kinds == {bool}):
                v = str(v)
            attrs[k] = v
        p = drawing.nodes[n]
        attrs.update(x=round(p.x, 2), y=round(p.y, 2), size=round(p.r, 2), color=colour(a["class"]))
        out.add_node(n, **attrs)
    for i, (u, v, k, a) in enumerate(sorted(net.edges(keys=True, data=True), key=lambda e: e[:3])):
        out.add_edge(u, v, key=f"e{i}", **{name: _flat(val) for name, val in a.items()})
    return out


def to_graphml(drawing: Drawing) -> bytes:
    buf = io.BytesIO()
    nx.write_graphml(flat_graph(drawing), buf, encoding="utf-8", prettyprint=True)
    return buf.getvalue()


def to_gexf(drawing: Drawing) -> bytes:
    """GEXF with Gephi's own position and colour (viz:position, viz:color) set from the picture."""
    g = flat_graph(drawing)
    for n, a in g.nodes(data=True):
        rgb = a["color"].lstrip("#")
        a["viz"] = {"position": {"x": a["x"], "y": -a["y"], "z": 0.0}, "size": a["size"],
                    "color": {"r": int(rgb[0:2], 16), "g": int(rgb[2:4], 16), "b": int(rgb[4:6], 16), "a": 1.0}}
    buf = io.BytesIO()
    nx.write_gexf(g, buf, encoding="utf-8", prettyprint=True)
    return buf.getvalue()


# What the side panel of the page lists as an entity's facts, in this order; other attributes follow.
_PANEL_SKIP = {"iri", "kind", "class", "classes", "label", "quote", "passage", "section", "headline"}


def _figures_of(full: nx.MultiDiGraph, n: str) -> list[str]:
    """The figures linked to a node in the whole projection (about it, for its area, of its
    indicator, in its paragraph)."""
    if full.nodes[n]["kind"] == "figure":
        return []
    linked = {u for u, _ in full.in_edges(n)} | {v for _, v in full.out_edges(n)}
    return order_by_label(full, [f for f in linked if full.nodes[f]["kind"] == "figure"])


def page_data(drawing: Drawing, full: nx.MultiDiGraph | None = None) -> dict:
    """What the page's script reads: nodes with position, class, facts, quotes and figures;
    edges with their property; the legend."""
    net = drawing.graph
    full = full if full is not None else net
    figure_ids: set[str] = set()
    nodes = []
    for n in sorted(net):
        a, p = net.nodes[n], drawing.nodes[n]
        facts = [[k, _flat(v)] for k, v in a.items() if k not in _PANEL_SKIP]
        figs = _figures_of(full, n) if n in full else []
        figure_ids.update(figs)
        nodes.append({"id": n, "label": a["label"], "short": p.text, "cls": a["class"], "kind": a["kind"],
                      "x": round(p.x, 1), "y": round(p.y, 1), "r": round(p.r, 1), "anchor": p.anchor,
                      "facts": facts, "quotes": list(a.get("quote", ())), "passages": list(a.get("passage", ())),
                      "figures": figs})
    figures = {f: {"label": full.nodes[f]["label"], "role": full.nodes[f].get("role", ""),
                   "quote": " … ".join(full.nodes[f].get("quote", ()))} for f in sorted(figure_ids)}
    grouped = {(m, p) for p, members in drawing.groups for m in members}
    edges = [{"s": u, "t": v, "p": k, "tree": (u, v) in drawing.tree_edges, "grouped": (u, v) in grouped}
             for u, v, k in sorted(net.edges(keys=True))]
    return {"title": net.graph.get("title", ""), "layout": net.graph.get("layout", "force"),
            "width": drawing.width, "height": drawing.height, "nodes": nodes, "edges": edges,
            "figures": figures, "groups": [{"parent": p, "members": m} for p, m in drawing.groups],
            "legend": [{"cls": c, "color": col, "count": k} for c, col, k in legend(net)]}


def _asset(name: str) -> str:
    return files("kg").joinpath("assets", name).read_text(encoding="utf-8")


def to_html(drawing: Drawing, full: nx.MultiDiGraph | None = None) -> str:
    """The interactive page: one file with its data, style and script inlined (no network)."""
    data = json.dumps(page_data(drawing, full), ensure_ascii=False, separators=(",", ":"))
    data = data.replace("</", "<\\/").replace("<!--", "<\\!--")  # keep the JSON inside its <script>
    title = escape(drawing.graph.graph.get("title", "") or "Knowledge graph")
    values = {"title": title, "style": _asset("viz.css"), "script": _asset("viz.js"), "data": data}
    # One pass, so that nothing inserted is read again as a placeholder.
    return re.sub(r"\{\{(title|style|script|data)\}\}", lambda m: values[m.group(1)], _asset("viz.html"))
