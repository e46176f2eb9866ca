"""`kg viz`: the projection against the RDF graph, the views, the pictures (no overlapping labels,
checked in the browser too), the graph files read back, and the page in headless Chromium."""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import networkx as nx
import pytest
from rdflib import URIRef

from conftest import run_kg
from kg import UsageError, viz
from kg.namespaces import DCTERMS, GWR, OA, RDF, SKOS
from kg.projection import NODE_KINDS, project

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")

NODE_CLASSES = " ".join(f"<{c}>" for classes in NODE_KINDS.values() for c in classes)


@pytest.fixture(scope="module")
def net(graph):
    return project(graph)


_NODES: dict[int, set[str]] = {}


def rdf_nodes(graph) -> set[str]:
    """What the projection must make nodes of, asked of the RDF graph itself (once per graph)."""
    if id(graph) not in _NODES:
        q = f"SELECT DISTINCT ?s WHERE {{ VALUES ?c {{ {NODE_CLASSES} }} ?s a ?c FILTER isIRI(?s) }}"
        _NODES[id(graph)] = {str(r.s) for r in graph.query(q)}
    return _NODES[id(graph)]


# ---- the projection against the RDF graph ------------------------------------------------

def test_projection_has_the_nodes_of_the_rdf_graph(graph, net):
    expected = rdf_nodes(graph)
    assert len(expected) > 100
    assert set(net.nodes) == expected


def test_projection_has_one_edge_per_triple_between_nodes(graph, net):
    nodes = rdf_nodes(graph)
    expected = Counter((str(s), str(p), str(o)) for s, p, o in graph
                       if p != RDF.type and str(s) in nodes and str(o) in nodes)
    got = Counter((u, a["iri"], v) for u, v, a in net.edges(data=True))
    assert got == expected
    assert {k for _, _, k in net.edges(keys=True)} >= {"gwr:serves", "gwr:partOf", "gwr:indicator"}


def test_projection_carries_labels_classes_literals_and_quotes(graph, net):
    for n, a in net.nodes(data=True):
        s = URIRef(n)
        types = {str(t).split("#")[-1] for t in graph.objects(s, RDF.type) if str(t).startswith(str(GWR))}
        assert a["class"] in types and set(a["classes"]) == types, n
        en = sorted(str(o) for o in graph.objects(s, SKOS.prefLabel) if o.language == "en")
        if a["kind"] in ("entity", "indicator") and en:
            assert a["label"] == en[0], n
        value = graph.value(s, GWR.value)
        if value is not None:
            assert a["value"] == pytest.approx(float(value)), n
        quotes = {str(graph.value(q, OA.exact)) for q in graph.objects(s, GWR.hasQuote)}
        assert set(a.get("quote", ())) == quotes, n


# ---- choosing what to draw ---------------------------------------------------------------

def _reaching(graph, start: set[str], prop, nodes: set[str]) -> set[str]:
    """`start` and every node that reaches it through `prop` links between nodes."""
    seen, todo = set(start), list(start)
    while todo:
        for s in graph.subjects(prop, URIRef(todo.pop())):
            if str(s) in nodes and str(s) not in seen:
                seen.add(str(s))
                todo.append(str(s))
    return seen


def expected_view(graph, name: str) -> set[str]:
    nodes = rdf_nodes(graph)
    if name == "centers":
        hubs = {str(c) for c in graph.subjects(RDF.type, GWR.Center)}
        hubs |= {str(g) for c in list(hubs) for g in graph.objects(URIRef(c), GWR.memberOf) if str(g) in nodes}
        return hubs | {str(s) for h in hubs for s in graph.subjects(GWR.serves, URIRef(h)) if str(s) in nodes}
    if name == "districts":
        places = _reaching(graph, {str(d) for d in graph.subjects(RDF.type, GWR.District)}, GWR.partOf, nodes)
        return _reaching(graph, places, GWR.locatedIn, nodes)
    if name == "targets":
        out = set()
        for i in graph.subjects(RDF.type, GWR.Indicator):
            figs = {str(f) for f in graph.subjects(GWR.indicator, i) if str(f) in nodes}
            if {GWR.achieved, GWR.target} <= {graph.value(URIRef(f), GWR.role) for f in figs}:
                out |= {str(i)} | figs
        return out
    if name == "industry":
        groups = {str(g) for g in graph.subjects(RDF.type, GWR.IndustryGroup)}
        up, todo = set(groups), list(groups)
        while todo:
            for o in graph.objects(URIRef(todo.pop()), GWR.memberOf):
                if str(o) in nodes and str(o) not in up:
                    up.add(str(o))
                    todo.append(str(o))
        return _reaching(graph, up, GWR.memberOf, nodes)
    raise AssertionError(name)


@pytest.mark.parametrize("name", list(viz.VIEWS))
def test_each_view_draws_what_the_rdf_graph_says(graph, net, name):
    sub = viz.select(net, view=name, graph=graph)
    expected = expected_view(graph, name)
    assert len(expected) >= 10, f"view {name} would be nearly empty"
    assert set(sub.nodes) == expected


def test_focus_takes_an_iri_a_prefixed_name_or_a_label(graph, net):
    iri = "https://w3id.org/gwr/id/pudong-new-area"
    linked = {str(o) for o in graph.objects(URIRef(iri))} | {str(s) for s in graph.subjects(None, URIRef(iri))}
    expected = {iri} | (linked & rdf_nodes(graph))
    for name in (iri, "id:pudong-new-area", "Pudong New Area", "pudong new area", "Pudong", "浦东新区"):
        sub = viz.select(net, focus=name, graph=graph)
        assert set(sub.nodes) == expected, name
    two = viz.select(net, focus="Pudong", depth=2, graph=graph)
    assert set(two.nodes) > expected


def test_class_and_section_select_their_nodes(graph, net):
    districts = {str(s) for s in graph.subjects(RDF.type, GWR.District)}
    assert set(viz.select(net, cls="District", graph=graph).nodes) == districts
    places = {str(s) for s in graph.subjects(RDF.type, GWR.Place)}
    assert set(viz.select(net, cls="gwr:Place", graph=graph).nodes) == places
    new_towns = {str(s) for s in graph.subjects(RDF.type, GWR.NewTown)}
    assert set(viz.select(net, cls="new town", graph=graph).nodes) == new_towns
    section = next(s for s in graph.subjects(RDF.type, GWR.Section) if str(s).endswith("/part-2/section-1"))
    inside = {section} | set(graph.transitive_subjects(DCTERMS.isPartOf, section))
    expected = {str(x) for x, q in graph.subject_objects(GWR.hasQuote)
                if graph.value(q, GWR.inPassage) in inside and str(x) in rdf_nodes(graph)}
    assert expected
    for name in ("part-2/section-1", "II.1", "2.1", "Five Centers\u201d development"):
        assert set(viz.select(net, section=name, graph=graph).nodes) == expected, name
    near = viz.select(net, cls="District", depth=1, graph=graph)
    assert set(near.nodes) > districts


@pytest.mark.parametrize("kwargs, hint", [
    ({"focus": "Pudong Nwe Area"}, "Pudong New Area"),
    ({"cls": "Distrct"}, "District"),
    ({"section": "part-9/section-1"}, "part-2/section-1"),
])
def test_unknown_names_suggest_the_closest(graph, net, kwargs, hint):
    with pytest.raises(UsageError, match="did you mean") as e:
        viz.select(net, graph=graph, **kwargs)
    assert hint in str(e.value)


@pytest.mark.parametrize("args, hint", [
    (["--focus", "Pudong Nwe Area"], "Pudong New Area"),
    (["--class", "Distrcts"], "District"),
])
def test_cli_unknown_focus_or_class_exits_2_with_suggestions(root, tmp_path, args, hint):
    r = run_kg("--root", str(root), "viz", *args, "-o", str(tmp_path / "x.svg"))
    assert r.returncode == 2
    err = r.stderr.decode()
    assert "did you mean" in err and hint in err and "Traceback" not in err
    assert not (tmp_path / "x.svg").exists()


def test_a_view_cannot_be_combined_with_a_focus(graph, net):
    with pytest.raises(UsageError, match="--view"):
        viz.select(net, view="centers", focus="Pudong", graph=graph)


# ---- pictures ----------------------------------------------------------------------------

def _boxes_overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.fixture(scope="module")
def drawings(graph, net):
    return {name: viz.layout(viz.select(net, view=name, graph=graph)) for name in viz.VIEWS}


@pytest.mark.parametrize("name", list(viz.VIEWS))
def test_named_views_have_no_overlapping_labels(drawings, name):
    d = drawings[name]
    placed = sorted(d.nodes.values(), key=lambda p: p.id)
    boxes = [p.box() for p in placed]
    clashes = [(placed[i].text, placed[j].text) for i in range(len(boxes)) for j in range(i + 1, len(boxes))
               if _boxes_overlap(boxes[i], boxes[j])]
    assert clashes == []
    assert all(0 <= b[0] and b[2] <= d.width and 0 <= b[1] and b[3] <= d.height for b in boxes)


def test_svg_has_every_node_and_is_deterministic(graph, drawings):
    d = drawings["districts"]
    svg = viz.to_svg(d)
    root = ET.fromstring(svg)
    ns = {"s": "http://www.w3.org/2000/svg"}
    assert len(root.findall(".//s:g[@class='node']", ns)) == d.graph.number_of_nodes()
    assert viz.draw(graph, view="districts", fmt="svg") == viz.draw(graph, view="districts", fmt="svg")


def test_force_layout_of_a_focus_has_no_overlapping_labels(graph, net):
    d = viz.layout(viz.select(net, focus="international economic center", graph=graph))
    assert viz.label_overlaps(d) == []


# ---- graph files -------------------------------------------------------------------------

def _edge_multiset(g) -> Counter:
    return Counter((u, v, a["property"]) for u, v, a in g.edges(data=True))


def test_graphml_reads_back_with_the_same_nodes_and_edges(graph, net, tmp_path):
    d = viz.layout(viz.select(net, graph=graph))
    path = tmp_path / "graph.graphml"
    path.write_bytes(viz.to_graphml(d))
    back = nx.read_graphml(path, force_multigraph=True)
    assert set(back.nodes) == set(net.nodes)
    assert _edge_multiset(back) == _edge_multiset(net)
    for n, a in back.nodes(data=True):
        assert a["label"] == net.nodes[n]["label"] and a["class"] == net.nodes[n]["class"]
    fig = "https://w3id.org/gwr/id/shanghai-2024/figure/gdp-growth-2024"
    if fig in back:
        assert isinstance(back.nodes[fig]["value"], float)


def test_gexf_reads_back_with_labels_classes_and_colours(graph, net, drawings, tmp_path):
    d = drawings["industry"]
    path = tmp_path / "industry.gexf"
    path.write_bytes(viz.to_gexf(d))
    back = nx.read_gexf(path)
    assert set(back.nodes) == set(d.graph.nodes)
    assert back.number_of_edges() == d.graph.number_of_edges()
    for n, a in back.nodes(data=True):
        assert a["label"] == d.graph.nodes[n]["label"] and a["class"] == d.graph.nodes[n]["class"]
        assert "color" in a["viz"] and "position" in a["viz"]


# ---- headless Chromium -------------------------------------------------------------------

class Browser:
    """Headless Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe):
    no driver, no websocket library, no network."""

    def __init__(self) -> None:
        self.profile = tempfile.mkdtemp(prefix="kg-viz-test-")
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def fds():  # Chromium reads commands on fd 3 and writes replies on fd 4
            a, b = os.dup(to_chrome_r), os.dup(from_chrome_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [CHROMIUM, *viz.CHROMIUM_FLAGS, f"--user-data-dir={self.profile}", "--remote-debugging-pipe",
             "about:blank"], preexec_fn=fds, close_fds=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buf = b""
        self._id = 0
        self.events: list[dict] = []
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Page", "Network"):
            self.call(f"{domain}.enable", session=True)

    def call(self, method: str, params: dict | None = None, session: bool = False, timeout: float = 60) -> dict:
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = self.session
        os.write(self._to_chrome, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._next(deadline)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def _next(self, deadline: float) -> dict:
        while b"\0" not in self._buf:
            if time.monotonic() > deadline:
                raise TimeoutError("Chromium did not answer")
            chunk = os.read(self._from_chrome, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed the pipe")
            self._buf += chunk
        msg, self._buf = self._buf.split(b"\0", 1)
        return json.loads(msg)

    def open(self, path: Path, width: int = 1400, height: int = 900) -> None:
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, session=True)
        self.events.clear()
        self.call("Page.navigate", {"url": path.resolve().as_uri()}, session=True)
        deadline = time.monotonic() + 60
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            self.events.append(self._next(deadline))

    def eval(self, expression: str):
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True}, session=True)
        if "exceptionDetails" in result:
            raise AssertionError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and error log entries seen so far."""
        out = []
        for e in self.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.exceptionThrown":
                details = p["exceptionDetails"]
                out.append(details.get("exception", {}).get("description") or details["text"])
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append(" ".join(str(a.get("value", a.get("description"))) for a in p.get("args", [])))
            elif m == "Log.entryAdded" and p["entry"]["level"] == "error":
                out.append(p["entry"]["text"])
        return out

    def requests(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]

    def screenshot(self, path: Path) -> None:
        path.write_bytes(base64.b64decode(self.call("Page.captureScreenshot", {"format": "png"}, session=True)["data"]))

    def close(self) -> None:
        try:
            self.call("Browser.close", timeout=10)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_chrome, self._from_chrome):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    b = Browser()
    yield b
    b.close()


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


@needs_chromium
def test_page_shows_every_node_without_errors_or_network(graph, net, browser, tmp_path):
    page = tmp_path / "graph.html"
    page.write_bytes(viz.draw(graph, fmt="html"))
    browser.open(page)
    expected = len(rdf_nodes(graph))
    assert browser.eval("document.querySelectorAll('#nodes .node').length") == expected
    assert browser.eval("window.kgViz.nodes") == expected
    assert browser.eval("document.querySelectorAll('#edges .edge').length") == net.number_of_edges()
    assert browser.eval("document.querySelectorAll('#legend-list li').length") == len(viz.legend(net))
    assert browser.requests() == [page.resolve().as_uri()], "the page fetched something besides itself"
    shot = tmp_path / "graph.png"
    browser.screenshot(shot)
    assert shot.stat().st_size > 10_000 and _png_size(shot.read_bytes()) == (1400, 900)
    assert browser.errors() == []


@needs_chromium
def test_page_search_and_click_show_the_quote(graph, browser, tmp_path):
    page = tmp_path / "centers.html"
    page.write_bytes(viz.draw(graph, view="centers", fmt="html"))
    browser.open(page)
    assert browser.eval("window.kgViz.search('shipping')") >= 1
    assert browser.eval("document.querySelectorAll('#nodes .node.match').length") >= 1
    iri = "https://w3id.org/gwr/id/international-shipping-center"
    browser.eval(f"document.querySelector('#nodes .node[data-id=\"{iri}\"]')"
                 ".dispatchEvent(new MouseEvent('click', {bubbles: true}))")
    assert browser.eval("document.getElementById('panel').hidden") is False
    assert browser.eval("document.getElementById('p-label').textContent") == "international shipping center"
    quote = next(iter(graph.objects(URIRef(iri), GWR.hasQuote)), None)
    if quote is not None:
        shown = browser.eval("document.getElementById('p-quotes').textContent")
        assert str(graph.value(quote, OA.exact))[:40] in shown
    assert browser.eval("document.querySelectorAll('#p-links li').length") >= 5
    browser.screenshot(tmp_path / "centers.png")
    assert (tmp_path / "centers.png").stat().st_size > 10_000
    assert browser.errors() == []


@needs_chromium
@pytest.mark.parametrize("name", list(viz.VIEWS))
def test_svg_labels_do_not_overlap_as_the_browser_draws_them(drawings, browser, tmp_path, name):
    d = drawings[name]
    svg = tmp_path / f"{name}.svg"
    svg.write_text(viz.to_svg(d), encoding="utf-8")
    browser.open(svg, width=int(d.width), height=int(d.height))
    boxes = browser.eval("""Array.from(document.querySelectorAll('g.node')).map(g => {
        const t = g.querySelector('text').getBBox(), c = g.querySelector('circle').getBBox();
        return [Math.min(t.x, c.x), Math.min(t.y, c.y), Math.max(t.x + t.width, c.x + c.width),
                Math.max(t.y + t.height, c.y + c.height), g.querySelector('text').textContent]; })""")
    assert len(boxes) == d.graph.number_of_nodes()
    clashes = [(a[4], b[4]) for i, a in enumerate(boxes) for b in boxes[i + 1:] if _boxes_overlap(a, b)]
    assert clashes == []
    assert browser.errors() == []


@needs_chromium
def test_png_is_the_svg_rendered_at_twice_its_size(graph, drawings):
    d = drawings["industry"]
    png = viz.render(d, "png")
    assert _png_size(png) == (2 * d.width, 2 * d.height)


@pytest.mark.parametrize("output, fmt", [("x.html", "html"), ("x.SVG", "svg"), ("x.png", "png"),
                                         ("x.graphml", "graphml"), ("x.gexf", "gexf"), ("x.txt", "html"),
                                         ("-", "html")])
def test_format_comes_from_the_file_extension(output, fmt):
    from kg.commands_viz import _format
    assert _format(argparse.Namespace(format=None, output=output)) == fmt
    assert _format(argparse.Namespace(format="svg", output=output)) == "svg"


@needs_chromium
def test_cli_writes_a_picture_and_a_self_contained_page(root, tmp_path):
    png, page = tmp_path / "targets.png", tmp_path / "targets.html"
    r = run_kg("--root", str(root), "viz", "--view", "targets", "-o", str(png))
    assert r.returncode == 0, r.stderr.decode()
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    r = run_kg("--root", str(root), "viz", "--view", "targets")
    assert r.returncode == 0, r.stderr.decode()
    page.write_bytes(r.stdout)
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=|@import|url\(\s*['\"]?https?:", html)


def test_viz_has_help():
    r = run_kg("viz", "--help")
    assert r.returncode == 0
    out = r.stdout.decode()
    for word in ("--focus", "--depth", "--class", "--section", "--view", "graphml", "gexf", *viz.VIEWS):
        assert word in out
