"""Lay out a part of the graph for a picture: positions, node sizes, label boxes, colours.

Three layouts, each deterministic: a left-to-right tree (`tree_layout`, with long lists of
leaves wrapped into boxed columns sized for a 16:9 slide), a table of results against targets
(`table_layout`) and a force-directed layout (`force_layout`, Fruchterman-Reingold in numpy).
Each ends with `remove_overlaps`, so that no two node-and-label boxes overlap; label widths are
estimated generously for the fonts the SVG names.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import networkx as nx
import numpy as np


def linked_in(net: nx.MultiDiGraph, targets: Iterable[str], keys: set[str]) -> set[str]:
    """The nodes with an edge to one of `targets` whose key is in `keys`."""
    return {u for t in targets for u, _, k in net.in_edges(t, keys=True) if k in keys}


FONT_SIZE = 13.0
FONT_FAMILY = "DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif"
LABEL_CHARS = 42  # longer labels are cut with an ellipsis in pictures (the page shows them whole)
GAP = 3.0  # minimum space between two node-and-label boxes


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """A generous estimate of the width of `text` in the picture's font (DejaVu Sans is the
    widest of the fonts named, so the estimate holds for the others)."""
    w = 0.0
    for ch in text:
        if unicodedata.east_asian_width(ch) in "WF":
            w += 1.0
        elif ch in "mwMW@%":
            w += 1.0
        elif ch in "il.,:;'|!()[]{} ’‘":
            w += 0.4
        elif ch.isupper() or ch.isdigit() or ch in "“”&#":
            w += 0.8
        else:
            w += 0.65
    return w * size


def short_label(text: str, limit: int = LABEL_CHARS) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass
class Placed:
    """A node as drawn: centre, radius, label and which side of the node the label sits."""

    id: str
    x: float
    y: float
    r: float
    text: str
    anchor: str = "start"  # "start": label right of the node; "end": left of it

    def box(self) -> tuple[float, float, float, float]:
        """The node-and-label box: left, top, right, bottom."""
        w = text_width(self.text)
        h = max(2 * self.r, FONT_SIZE * 1.3)
        if self.anchor == "end":
            return (self.x - self.r - 4 - w, self.y - h / 2, self.x + self.r, self.y + h / 2)
        return (self.x - self.r, self.y - h / 2, self.x + self.r + 4 + w, self.y + h / 2)

    def label_box(self) -> tuple[float, float, float, float]:
        left, top, right, bottom = self.box()
        if self.anchor == "end":
            return (left, self.y - FONT_SIZE * 0.65, self.x - self.r - 4, self.y + FONT_SIZE * 0.65)
        return (self.x + self.r + 4, self.y - FONT_SIZE * 0.65, right, self.y + FONT_SIZE * 0.65)


@dataclass
class Drawing:
    """A laid-out subgraph: placed nodes, the edges between them, the size of the picture."""

    graph: nx.MultiDiGraph
    nodes: dict[str, Placed]
    tree_edges: set[tuple[str, str]] = field(default_factory=set)  # drawn as curves (child, parent)
    headers: list[tuple[float, float, str, str]] = field(default_factory=list)  # table columns: x, y, text, anchor
    groups: list[tuple[str, list[str]]] = field(default_factory=list)  # a parent and its wrapped leaves
    legend: list[list[tuple[float, str, str]]] = field(default_factory=list)  # rows of the legend
    width: float = 0.0
    height: float = 0.0


def _radius(net: nx.MultiDiGraph, n: str) -> float:
    return min(4.0 + 1.3 * math.sqrt(net.degree(n)), 12.0)


def order_by_label(net: nx.MultiDiGraph, nodes: Iterable[str]) -> list[str]:
    """`nodes` sorted by label, then IRI: the order of every list a picture shows."""
    return sorted(nodes, key=lambda n: (str(net.nodes[n]["label"]).casefold(), n))


def _display(net: nx.MultiDiGraph, n: str, table: bool = False) -> str:
    a = net.nodes[n]
    if table and a["kind"] == "figure":
        return short_label(a.get("statedForm") or a["label"])
    return short_label(a["label"])


ROW = FONT_SIZE * 1.3 + GAP + 1  # one line of a tree or table
LEVEL_GAP = 48.0  # between the columns of a tree
GRID_GAP = 28.0  # between the columns of a wrapped list of leaves
SLIDE_SIZE = (1920.0, 1080.0)  # what a tree's wrap is chosen for


def _tree(net: nx.MultiDiGraph, keys: set[str]) -> tuple[list[str], dict[str, list[str]]]:
    """Roots and children of the breadth-first tree along `keys` (edges child -> parent)."""
    children: dict[str, list[str]] = {n: [] for n in net}
    has_parent = {u for u, v, k in net.edges(keys=True) if k in keys and u != v}
    roots = [n for n in order_by_label(net, net) if n not in has_parent]
    level = {r: 0 for r in roots}
    queue = list(roots)
    while True:
        while queue:
            n = queue.pop(0)
            for c in order_by_label(net, linked_in(net, [n], keys)):
                if c not in level:
                    level[c] = level[n] + 1
                    children[n].append(c)
                    queue.append(c)
        rest = [n for n in order_by_label(net, net) if n not in level]
        if not rest:
            break
        level[rest[0]] = 0  # a cycle with no root: start from its first node
        roots.append(rest[0])
        queue = [rest[0]]
    return roots, children


def _place_tree(net: nx.MultiDiGraph, roots: list[str], children: dict[str, list[str]],
                per_col: int) -> Drawing:
    texts = {n: _display(net, n) for n in net}
    radii = {n: _radius(net, n) for n in net}
    own = {n: 2 * radii[n] + 4 + text_width(texts[n]) for n in net}
    # A node with more than `per_col` leaf children lists them in a grid of columns.
    grids: dict[str, tuple[list[str], int, int, float]] = {}  # parent -> leaves, columns, rows, column width
    for n, kids in children.items():
        leaves = [c for c in kids if not children[c]]
        if len(leaves) > per_col:
            cols = math.ceil(len(leaves) / per_col)
            rows = math.ceil(len(leaves) / cols)
            grids[n] = (leaves, cols, rows, max(own[c] for c in leaves))
    pos: dict[str, tuple[float, float]] = {}
    cursor = [20.0]

    def place(n: str, left: float) -> None:
        """Place `n` with its circle's left edge at `left`, its children in a column after its label."""
        x0 = left + radii[n]
        if not children[n]:
            pos.setdefault(n, (x0, cursor[0]))
            cursor[0] += ROW
            return
        kids_left = left + own[n] + LEVEL_GAP
        if n in grids:
            leaves, cols, rows, w = grids[n]
            cursor[0] += ROW * 0.25  # air around the box of the grid
            for i, c in enumerate(leaves):
                pos[c] = (kids_left + (i // rows) * (w + GRID_GAP) + radii[c], cursor[0] + (i % rows) * ROW)
            cursor[0] += (rows + 0.25) * ROW
            for c in children[n]:
                if c not in pos:
                    place(c, kids_left)
        else:
            for c in children[n]:
                place(c, kids_left)
        ys = [pos[c][1] for c in children[n]]
        pos[n] = (x0, (min(ys) + max(ys)) / 2)

    for r in roots:
        place(r, 20.0)
        cursor[0] += ROW * 0.5  # a little air between trees
    nodes = {n: Placed(n, pos[n][0], pos[n][1], radii[n], texts[n]) for n in net}
    parent = {c: p for p, kids in children.items() for c in kids}
    drawing = Drawing(net, nodes, {(c, p) for c, p in parent.items()})
    drawing.groups = [(p, leaves) for p, (leaves, *_) in sorted(grids.items())]
    boxes = [b.box() for b in nodes.values()]
    drawing.width = max(b[2] for b in boxes) - min(b[0] for b in boxes)
    drawing.height = max(b[3] for b in boxes) - min(b[1] for b in boxes)
    return drawing


def tree_layout(net: nx.MultiDiGraph, keys: Iterable[str], per_col: int | None = None) -> Drawing:
    """Left-to-right tree: roots in the first column, each node's children (the nodes linking to
    it with one of `keys`) in a column just after its label, one per row. A node with several parents sits under the
    first; its other links are drawn as plain lines. A long list of leaves under one parent is
    wrapped into columns of at most `per_col` rows; by default the wrap that lets the picture be
    shown largest on a 16:9 slide."""
    roots, children = _tree(net, set(keys))
    if per_col is not None:
        return _place_tree(net, roots, children, per_col)
    longest = max((sum(1 for c in kids if not children[c]) for kids in children.values()), default=0)
    best, best_scale = None, -1.0
    for rows in sorted({max(4, longest)} | set(range(6, max(7, longest + 1)))):
        d = _place_tree(net, roots, children, rows)
        # how large the picture, with its title and legend, can be shown on a slide
        scale = min(SLIDE_SIZE[0] / (d.width + 2 * MARGIN), SLIDE_SIZE[1] / (d.height + 2 * MARGIN + 80))
        if scale > best_scale + 1e-9:
            best, best_scale = d, scale
    return best


def table_layout(net: nx.MultiDiGraph) -> Drawing:
    """Results against targets: one row per indicator, its achieved figures on the left (labels
    towards the indicator), the indicator in the middle, its targets on the right."""
    indicators = order_by_label(net, [n for n, a in net.nodes(data=True) if a["kind"] == "indicator"])
    row = ROW
    radius = 5.0
    figs = {i: {"achieved": [], "target": []} for i in indicators}
    placed_figs = set()
    for i in indicators:
        for u, _, k in net.in_edges(i, keys=True):
            role = net.nodes[u].get("role")
            if k == "gwr:indicator" and role in ("achieved", "target") and u not in placed_figs:
                figs[i][role].append(u)
                placed_figs.add(u)
    texts = {n: _display(net, n, table=True) for n in net}
    left_w = max([text_width(texts[f]) for i in indicators for f in figs[i]["achieved"]] + [80.0])
    mid_w = max([text_width(texts[i]) for i in indicators] + [80.0])
    x_left = 20 + left_w + 4 + radius
    x_mid = x_left + radius + 60
    x_right = x_mid + mid_w + 2 * radius + 4 + 60
    nodes: dict[str, Placed] = {}
    y = 20 + FONT_SIZE * 2
    for i in indicators:
        achieved = sorted(figs[i]["achieved"], key=lambda f: (str(net.nodes[f].get("period")), f))
        target = sorted(figs[i]["target"], key=lambda f: (str(net.nodes[f].get("period")), f))
        height = max(len(achieved), len(target), 1)
        mid_y = y + (height - 1) * row / 2
        nodes[i] = Placed(i, x_mid + radius, mid_y, radius, texts[i])
        for j, f in enumerate(achieved):
            nodes[f] = Placed(f, x_left, y + j * row, radius, texts[f], anchor="end")
        for j, f in enumerate(target):
            nodes[f] = Placed(f, x_right + radius, y + j * row, radius, texts[f])
        y += height * row + 4
    for n in net:  # anything else the table has no place for goes below it
        if n not in nodes:
            nodes[n] = Placed(n, x_mid + radius, y, radius, texts[n])
            y += row

    def periods(role: str) -> list[str]:
        return sorted({str(net.nodes[f].get("period")) for i in indicators for f in figs[i][role]})

    headers = [(x_left, 20.0 + FONT_SIZE, "achieved " + ", ".join(periods("achieved")), "end"),
               (x_mid, 20.0 + FONT_SIZE, "indicator", "start"),
               (x_right, 20.0 + FONT_SIZE, "target " + ", ".join(periods("target")), "start")]
    return Drawing(net, nodes, headers=headers)


def _force_positions(net: nx.MultiDiGraph, seed: int = 7, iterations: int = 150) -> np.ndarray:
    """Fruchterman-Reingold with a little gravity (so separate components stay near), in the
    unit square, deterministic for a seed. O(n^2) per step: fine for report-sized graphs."""
    order = sorted(net)
    n = len(order)
    if n == 1:
        return np.zeros((1, 2))
    index = {v: i for i, v in enumerate(order)}
    a = np.zeros((n, n))
    for u, v in net.edges():
        if u != v:
            a[index[u], index[v]] = a[index[v], index[u]] = 1.0
    rng = np.random.default_rng(seed)
    pos = rng.random((n, 2))
    k = math.sqrt(1.0 / n)
    t = 0.1
    dt = t / (iterations + 1)
    for _ in range(iterations):
        dx = pos[:, 0, None] - pos[None, :, 0]
        dy = pos[:, 1, None] - pos[None, :, 1]
        dist = np.sqrt(dx * dx + dy * dy)
        np.clip(dist, 0.01, None, out=dist)
        f = k * k / (dist * dist) - a * dist / k
        disp = np.stack([(dx * f).sum(axis=1), (dy * f).sum(axis=1)], axis=1)
        disp -= 0.05 * (pos - pos.mean(axis=0)) / k  # gravity
        length = np.clip(np.linalg.norm(disp, axis=-1), 0.01, None)
        pos += disp * (t / length)[:, None]
        t -= dt
    return pos


def force_layout(net: nx.MultiDiGraph, seed: int = 7) -> Drawing:
    """A force-directed layout scaled so that node-and-label boxes cover about a third of it."""
    order = sorted(net)
    pos = _force_positions(net, seed)
    texts = {n: _display(net, n) for n in net}
    nodes = {n: Placed(n, 0.0, 0.0, _radius(net, n), texts[n]) for n in order}
    area = sum((b[2] - b[0] + GAP) * (b[3] - b[1] + GAP) for b in (p.box() for p in nodes.values()))
    span = pos.max(axis=0) - pos.min(axis=0)
    span[span == 0] = 1.0
    width = math.sqrt(area * 3 * 16 / 9)
    scale = np.array([width, width * 9 / 16]) / span
    for i, n in enumerate(order):
        nodes[n].x, nodes[n].y = ((pos[i] - pos.min(axis=0)) * scale).tolist()
    return Drawing(net, nodes)


def _overlapping_pairs(boxes: np.ndarray, gap: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The pairs (i, j) of boxes (left, top, right, bottom) closer than `gap` in both axes, with
    their overlaps along x and y. Sweeps in order of height, so only boxes that can meet in y
    are compared: near-linear for the flat boxes of labels."""
    n = len(boxes)
    order = np.argsort(boxes[:, 1], kind="stable")
    b = boxes[order]
    tallest = float((boxes[:, 3] - boxes[:, 1]).max()) + gap
    found_i, found_j, found_x, found_y = [], [], [], []
    for o in range(1, n):
        if (b[o:, 1] - b[:-o, 1]).min() >= tallest:
            break
        lo, hi = b[:-o], b[o:]
        ox = np.minimum(lo[:, 2], hi[:, 2]) - np.maximum(lo[:, 0], hi[:, 0]) + gap
        oy = np.minimum(lo[:, 3], hi[:, 3]) - np.maximum(lo[:, 1], hi[:, 1]) + gap
        hit = (ox > 0) & (oy > 0)
        if hit.any():
            found_i.append(order[:-o][hit])
            found_j.append(order[o:][hit])
            found_x.append(ox[hit])
            found_y.append(oy[hit])
    if not found_i:
        empty = np.zeros(0)
        return empty.astype(int), empty.astype(int), empty, empty
    return np.concatenate(found_i), np.concatenate(found_j), np.concatenate(found_x), np.concatenate(found_y)


def remove_overlaps(drawing: Drawing, gap: float = GAP, rounds: int = 300) -> None:
    """Move nodes until no two node-and-label boxes come closer than `gap`: each overlapping pair
    is pushed apart along the axis where it overlaps least; when that stalls, the whole layout
    is spread by 10% and the pass resumes, so it always ends. Deterministic."""
    order = sorted(drawing.nodes)
    if len(order) < 2:
        return
    placed = [drawing.nodes[n] for n in order]
    xy = np.array([[p.x, p.y] for p in placed])
    rel = np.array([[b[0] - p.x, b[1] - p.y, b[2] - p.x, b[3] - p.y] for p, b in ((p, p.box()) for p in placed)])
    for _ in range(100):
        for _ in range(rounds):
            boxes = np.hstack([xy, xy]) + rel
            i, j, ox, oy = _overlapping_pairs(boxes, gap)
            if len(i) == 0:
                break
            centre = (boxes[:, :2] + boxes[:, 2:]) / 2
            # which way j moves from i; ties broken by index so that equal boxes separate
            sx = np.where(centre[j, 0] > centre[i, 0], 1.0, np.where(centre[j, 0] < centre[i, 0], -1.0, np.sign(j - i)))
            sy = np.where(centre[j, 1] > centre[i, 1], 1.0, np.where(centre[j, 1] < centre[i, 1], -1.0, np.sign(j - i)))
            along_x = ox <= oy
            step = np.zeros_like(xy)
            push_x = np.where(along_x, 0.45 * ox * sx, 0.0)
            push_y = np.where(along_x, 0.0, 0.45 * oy * sy)
            np.add.at(step[:, 0], j, push_x)
            np.add.at(step[:, 0], i, -push_x)
            np.add.at(step[:, 1], j, push_y)
            np.add.at(step[:, 1], i, -push_y)
            xy += step
        else:
            xy = (xy - xy.mean(axis=0)) * 1.1 + xy.mean(axis=0)
            continue
        break
    for p, (x, y) in zip(placed, xy.tolist()):
        p.x, p.y = x, y


def label_overlaps(drawing: Drawing) -> list[tuple[str, str]]:
    """The pairs of nodes whose node-and-label boxes overlap (empty for a readable picture)."""
    order = sorted(drawing.nodes)
    if len(order) < 2:
        return []
    i, j, _, _ = _overlapping_pairs(np.array([drawing.nodes[n].box() for n in order]), 0.0)
    return sorted(tuple(sorted((order[a], order[b]))) for a, b in zip(i.tolist(), j.tolist()))


MARGIN = 24.0
TITLE_SPACE = 40.0
LEGEND_FONT = 12.0
LEGEND_ROW = 20.0


def layout(sub: nx.MultiDiGraph, *, seed: int = 7) -> Drawing:
    """Lay out a subgraph made by `select`: its `layout` attribute picks tree, table or force;
    overlaps are removed, and the picture is moved below its title and legend."""
    kind = sub.graph.get("layout", "force")
    if kind == "tree":
        drawing = tree_layout(sub, sub.graph.get("tree_keys", ()))
    elif kind == "table":
        drawing = table_layout(sub)
    else:
        drawing = force_layout(sub, seed)
    remove_overlaps(drawing)
    boxes = [p.box() for p in drawing.nodes.values()]
    left = min(b[0] for b in boxes)
    top = min([b[1] for b in boxes] + [h[1] - FONT_SIZE for h in drawing.headers])
    content = max(max(b[2] for b in boxes) - left, 600.0, text_width(sub.graph.get("title", ""), 20))
    drawing.legend = legend_rows(sub, content)
    dx = MARGIN - left
    dy = MARGIN + TITLE_SPACE + len(drawing.legend) * LEGEND_ROW + 8 - top
    for p in drawing.nodes.values():
        p.x, p.y = p.x + dx, p.y + dy
    drawing.headers = [(x + dx, y + dy, t, anchor) for x, y, t, anchor in drawing.headers]
    drawing.width = math.ceil(MARGIN + content + MARGIN)
    drawing.height = math.ceil(max(p.box()[3] for p in drawing.nodes.values()) + MARGIN)
    return drawing

# ---------------------------------------------------------------------------------------
# Colours and legend
# ---------------------------------------------------------------------------------------


CLASS_COLOURS: dict[str, str] = {
    "Center": "#d62728", "Initiative": "#ff7f0e",
    "Municipality": "#1b7a36", "District": "#2ca02c", "NewTown": "#74c476", "Zone": "#17becf",
    "Place": "#9edae5",
    "Project": "#1f77b4", "Facility": "#6baed6",
    "Policy": "#9467bd", "MeasurePackage": "#756bb1", "Plan": "#5b3a8e", "Programme": "#a55194",
    "Campaign": "#ce6dbd", "PilotScheme": "#c49cde",
    "Organisation": "#8c564b", "Event": "#e377c2", "Industry": "#bcbd22", "IndustryGroup": "#8c6d31",
    "Product": "#e7ba52",
    "Indicator": "#393b79", "AchievedFigure": "#637939", "TargetFigure": "#e6550d",
    "QualitativeTarget": "#fd8d3c", "Commitment": "#7f7f7f", "Entity": "#c7c7c7",
}
_SPARE = ["#843c39", "#3182bd", "#31a354", "#636363", "#ad494a", "#8ca252", "#d6616b", "#7b4173"]


def colour(cls: str) -> str:
    """The colour of a class, the same in every picture and page."""
    if cls in CLASS_COLOURS:
        return CLASS_COLOURS[cls]
    return _SPARE[sum(map(ord, cls)) % len(_SPARE)]


def legend(net: nx.MultiDiGraph) -> list[tuple[str, str, int]]:
    """The classes drawn, most frequent first: (class, colour, count)."""
    counts: dict[str, int] = {}
    for _, a in net.nodes(data=True):
        counts[a["class"]] = counts.get(a["class"], 0) + 1
    return [(c, colour(c), k) for c, k in sorted(counts.items(), key=lambda x: (-x[1], x[0]))]


def legend_rows(net: nx.MultiDiGraph, width: float) -> list[list[tuple[float, str, str]]]:
    """The legend as rows that fit in `width`: (x offset, text, colour) per class."""
    rows: list[list[tuple[float, str, str]]] = [[]]
    x = 0.0
    for c, col, k in legend(net):
        text = f"{c} ({k})"
        w = 16 + text_width(text, LEGEND_FONT) + 18
        if rows[-1] and x + w > width:
            rows.append([])
            x = 0.0
        rows[-1].append((x, text, col))
        x += w
    return rows
