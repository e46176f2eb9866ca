// The graph page of `kg viz`: an SVG renderer, a small force layout, zoom, pan, drag,
// search, a legend and a side panel, in plain JavaScript with no library and no network.
// The data (nodes with positions from the Python layout, edges, figures) is the JSON in
// <script id="kg-data">. Every string from the data is set with textContent, never as HTML.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("kg-data").textContent);
  const SVGNS = "http://www.w3.org/2000/svg";
  const $ = (id) => document.getElementById(id);
  const svg = $("graph"), viewport = $("viewport"), gEdges = $("edges"), gNodes = $("nodes");
  const colours = new Map(data.legend.map((c) => [c.cls, c.color]));

  const nodes = data.nodes.map((n) => Object.assign({ vx: 0, vy: 0, degree: 0, w: 0, links: [] }, n));
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const edges = [];
  for (const e of data.edges) {
    const s = byId.get(e.s), t = byId.get(e.t);
    if (!s || !t) continue;
    const edge = { s: s, t: t, p: e.p, tree: e.tree, grouped: e.grouped };
    edges.push(edge);
    s.degree++; t.degree++;
    s.links.push(edge); t.links.push(edge);
  }

  function el(name, attrs, parent) {
    const node = document.createElementNS(SVGNS, name);
    for (const k in attrs) node.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(node);
    return node;
  }
  function html(name, text, parent, cls) {
    const node = document.createElement(name);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    if (parent) parent.appendChild(node);
    return node;
  }

  // ---- drawing -------------------------------------------------------------------------
  // Big graphs show the labels of their best-connected nodes only, until zoomed in.
  const MANY = 150, KEEP = 60;
  const ranked = nodes.slice().sort((a, b) => b.degree - a.degree);
  const major = new Set(nodes.length > MANY ? ranked.slice(0, KEEP).map((n) => n.id) : nodes.map((n) => n.id));

  // A long list of leaves under one parent sits in a box (as in the SVG) with one line to it,
  // until a node is moved: then the box goes and every edge is drawn.
  const gGroups = el("g", { class: "groups" }, null);
  viewport.insertBefore(gGroups, gEdges);
  const groups = (data.groups || []).map((g) => ({ parent: byId.get(g.parent), members: g.members.map((m) => byId.get(m)).filter(Boolean) }))
    .filter((g) => g.parent && g.members.length);
  for (const g of groups) {
    g.rect = el("rect", { class: "group", rx: 6 }, gGroups);
    g.link = el("path", { class: "edge" }, gEdges);
  }
  let free = groups.length === 0;
  function setFree() {
    if (free) return;
    free = true;
    gGroups.style.display = "none";
    for (const g of groups) g.link.style.display = "none";
    for (const e of edges) e.el.style.display = "";
  }
  for (const e of edges) {
    e.el = el("path", { class: data.layout === "tree" && !e.tree ? "edge extra" : "edge" }, gEdges);
    if (e.grouped && !free) e.el.style.display = "none";
    el("title", {}, e.el).textContent = e.s.label + " \u2014 " + e.p + " \u2192 " + e.t.label;
  }
  for (const n of nodes) {
    n.el = el("g", { class: "node" + (major.has(n.id) ? "" : " minor"), "data-id": n.id }, gNodes);
    el("title", {}, n.el).textContent = n.label + " (" + n.cls + ")";
    el("circle", { r: n.r, fill: colours.get(n.cls) || "#999" }, n.el);
    const text = el("text", { x: n.anchor === "end" ? -n.r - 4 : n.r + 4, y: 4, "text-anchor": n.anchor }, n.el);
    text.textContent = n.short;
    n.text = text;
  }
  for (const n of nodes) n.w = n.text.getComputedTextLength ? n.text.getComputedTextLength() : 0;

  function edgePath(e) {
    const a = e.s, b = e.t;
    if (e.tree) { // child -> parent, drawn from the end of the parent's label
      const bx = b.x + b.r + 6 + b.w, mid = (bx + a.x - a.r) / 2;
      return "M" + bx + "," + b.y + " C" + mid + "," + b.y + " " + mid + "," + a.y + " " + (a.x - a.r) + "," + a.y;
    }
    return "M" + a.x + "," + a.y + " L" + b.x + "," + b.y;
  }
  function render() {
    for (const n of nodes) n.el.setAttribute("transform", "translate(" + n.x.toFixed(1) + "," + n.y.toFixed(1) + ")");
    for (const e of edges) e.el.setAttribute("d", edgePath(e));
    if (free) return;
    for (const g of groups) {
      let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
      for (const m of g.members) {
        x0 = Math.min(x0, m.x - m.r); x1 = Math.max(x1, m.x + m.r + 4 + m.w);
        y0 = Math.min(y0, m.y - 9); y1 = Math.max(y1, m.y + 9);
      }
      x0 -= 8; x1 += 8; y0 -= 2; y1 += 2;
      g.rect.setAttribute("x", x0); g.rect.setAttribute("y", y0);
      g.rect.setAttribute("width", x1 - x0); g.rect.setAttribute("height", y1 - y0);
      const p = g.parent, px = p.x + p.r + 6 + p.w, ym = (y0 + y1) / 2, mid = (px + x0) / 2;
      g.link.setAttribute("d", "M" + px + "," + p.y + " C" + mid + "," + p.y + " " + mid + "," + ym + " " + x0 + "," + ym);
    }
  }

  // ---- zoom and pan --------------------------------------------------------------------
  const view = { k: 1, x: 0, y: 0 };
  function applyView() {
    viewport.setAttribute("transform", "translate(" + view.x + "," + view.y + ") scale(" + view.k + ")");
    svg.classList.toggle("zoomed", view.k >= 1.6);
  }
  function zoomAt(factor, px, py) {
    const k = Math.min(8, Math.max(0.05, view.k * factor));
    view.x = px - (px - view.x) * (k / view.k);
    view.y = py - (py - view.y) * (k / view.k);
    view.k = k;
    applyView();
  }
  function fit() {
    const shown = nodes.filter((n) => !n.hiddenClass);
    if (!shown.length) return;
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (const n of shown) {
      x0 = Math.min(x0, n.x - n.r - (n.anchor === "end" ? n.w + 4 : 0)); y0 = Math.min(y0, n.y - 10);
      x1 = Math.max(x1, n.x + n.r + (n.anchor === "end" ? 0 : n.w + 4)); y1 = Math.max(y1, n.y + 10);
    }
    const box = svg.getBoundingClientRect();
    // the legend covers the left of the view when it fits beside the graph: keep clear of it
    const legendBox = $("legend").getBoundingClientRect();
    const left = box.width > 3 * legendBox.width ? legendBox.right - box.left : 0;
    const w = (box.width || 800) - left, h = box.height || 600, pad = 30;
    const k = Math.min(4, Math.max(0.05, Math.min((w - 2 * pad) / Math.max(x1 - x0, 1), (h - 2 * pad) / Math.max(y1 - y0, 1))));
    view.k = k;
    view.x = left + (w - (x1 - x0) * k) / 2 - x0 * k;
    view.y = (h - (y1 - y0) * k) / 2 - y0 * k;
    applyView();
  }
  function centreOn(n) {
    const box = svg.getBoundingClientRect();
    if (view.k < 1.2) view.k = 1.2;
    view.x = (box.width || 800) / 2 - n.x * view.k;
    view.y = (box.height || 600) / 2 - n.y * view.k;
    applyView();
  }
  svg.addEventListener("wheel", (ev) => {
    ev.preventDefault();
    const box = svg.getBoundingClientRect();
    zoomAt(Math.exp(-ev.deltaY * 0.0015), ev.clientX - box.left, ev.clientY - box.top);
  }, { passive: false });
  $("zoom-in").addEventListener("click", () => { const b = svg.getBoundingClientRect(); zoomAt(1.3, b.width / 2, b.height / 2); });
  $("zoom-out").addEventListener("click", () => { const b = svg.getBoundingClientRect(); zoomAt(1 / 1.3, b.width / 2, b.height / 2); });
  $("fit").addEventListener("click", fit);

  // ---- forces --------------------------------------------------------------------------
  // A velocity-Verlet simulation in the manner of d3-force: links pull towards their length,
  // every pair repels, circles do not overlap. It starts at rest (the Python layout is
  // already in equilibrium) and wakes when a node is dragged with Forces on, or on Re-layout.
  const lengths = edges.map((e) => Math.hypot(e.s.x - e.t.x, e.s.y - e.t.y)).sort((a, b) => a - b);
  const LINK = Math.max(40, lengths.length ? lengths[Math.floor(lengths.length / 2)] : 80);
  const CHARGE = -LINK * LINK / 30;
  const sim = { alpha: 0, target: 0, running: false };
  const physics = $("physics");
  physics.checked = data.layout === "force";

  function tick() {
    const alpha = sim.alpha, n = nodes.length;
    for (const e of edges) {
      const a = e.s, b = e.t;
      let dx = b.x + b.vx - a.x - a.vx, dy = b.y + b.vy - a.y - a.vy;
      const d = Math.hypot(dx, dy) || 1;
      const f = (d - LINK) / d * alpha * 0.3 / Math.max(1, Math.min(a.degree, b.degree));
      dx *= f; dy *= f;
      b.vx -= dx * 0.5; b.vy -= dy * 0.5; a.vx += dx * 0.5; a.vy += dy * 0.5;
    }
    for (let i = 0; i < n; i++) {
      const a = nodes[i];
      for (let j = i + 1; j < n; j++) {
        const b = nodes[j];
        let dx = b.x - a.x, dy = b.y - a.y, d2 = dx * dx + dy * dy;
        if (d2 === 0) { dx = (j - i) * 1e-3; dy = 1e-3; d2 = dx * dx + dy * dy; }
        if (d2 > LINK * LINK * 16) continue;
        const w = CHARGE * alpha / Math.max(d2, 25);
        a.vx += dx * w; a.vy += dy * w; b.vx -= dx * w; b.vy -= dy * w;
        const min = a.r + b.r + 4;
        if (d2 < min * min) {
          const d = Math.sqrt(d2), push = (min - d) / d * 0.5;
          a.vx -= dx * push; a.vy -= dy * push; b.vx += dx * push; b.vy += dy * push;
        }
      }
    }
    for (const p of nodes) {
      if (p.fx !== undefined) { p.x = p.fx; p.y = p.fy; p.vx = p.vy = 0; continue; }
      p.vx *= 0.6; p.vy *= 0.6;
      p.x += p.vx; p.y += p.vy;
    }
    sim.alpha += (sim.target - sim.alpha) * 0.0228;
  }
  function loop() {
    if (sim.alpha < 0.004 && sim.target === 0) { sim.running = false; sim.alpha = 0; return; }
    tick();
    render();
    requestAnimationFrame(loop);
  }
  function wake(alpha, target) {
    sim.alpha = Math.max(sim.alpha, alpha);
    sim.target = target;
    if (!sim.running) { sim.running = true; requestAnimationFrame(loop); }
  }
  $("relayout").addEventListener("click", () => { physics.checked = true; setFree(); wake(1, 0); });

  // ---- dragging nodes and panning ------------------------------------------------------
  let drag = null, pan = null, moved = false;
  function toGraph(ev) {
    const box = svg.getBoundingClientRect();
    return { x: (ev.clientX - box.left - view.x) / view.k, y: (ev.clientY - box.top - view.y) / view.k };
  }
  gNodes.addEventListener("pointerdown", (ev) => {
    const g = ev.target.closest(".node");
    if (!g) return;
    ev.stopPropagation();
    drag = byId.get(g.getAttribute("data-id"));
    moved = false;
    svg.setPointerCapture(ev.pointerId);
  });
  svg.addEventListener("pointerdown", (ev) => {
    if (drag) return;
    pan = { x: ev.clientX - view.x, y: ev.clientY - view.y };
    moved = false;
    svg.classList.add("panning");
    svg.setPointerCapture(ev.pointerId);
  });
  svg.addEventListener("pointermove", (ev) => {
    if (drag) {
      const p = toGraph(ev);
      if (!moved && Math.hypot(p.x - drag.x, p.y - drag.y) < 2) return;
      moved = true;
      setFree();
      drag.fx = drag.x = p.x; drag.fy = drag.y = p.y;
      if (physics.checked) wake(0.3, 0.3); else render();
    } else if (pan) {
      view.x = ev.clientX - pan.x; view.y = ev.clientY - pan.y;
      moved = true;
      applyView();
    }
  });
  function release() {
    if (drag) { delete drag.fx; delete drag.fy; sim.target = 0; }
    drag = null; pan = null;
    svg.classList.remove("panning");
  }
  svg.addEventListener("pointerup", release);
  svg.addEventListener("pointercancel", release);

  // ---- hover, selection and the panel --------------------------------------------------
  gNodes.addEventListener("mouseover", (ev) => { const g = ev.target.closest(".node"); if (g) g.classList.add("hover"); });
  gNodes.addEventListener("mouseout", (ev) => { const g = ev.target.closest(".node"); if (g) g.classList.remove("hover"); });
  gNodes.addEventListener("click", (ev) => {
    const g = ev.target.closest(".node");
    if (!g || moved) { moved = false; return; }
    select(byId.get(g.getAttribute("data-id")));
  });
  svg.addEventListener("click", (ev) => { if (!ev.target.closest(".node") && !moved) select(null); moved = false; });

  let selected = null;
  function select(n) {
    if (selected) selected.el.classList.remove("selected");
    for (const e of edges) e.el.classList.remove("hl");
    for (const m of nodes) m.el.classList.remove("near");
    selected = n;
    if (!n) { $("panel").hidden = true; svg.classList.toggle("dim", matches.length > 0); return; }
    n.el.classList.add("selected");
    for (const e of n.links) { e.el.classList.add("hl"); e.s.el.classList.add("near"); e.t.el.classList.add("near"); }
    svg.classList.add("dim");
    showPanel(n);
  }

  function showPanel(n) {
    $("panel").hidden = false;
    $("p-label").textContent = n.label;
    const zh = n.facts.find((f) => f[0] === "label_zh");
    $("p-zh").textContent = zh ? zh[1] : "";
    $("p-class").querySelector(".swatch").style.background = colours.get(n.cls) || "#999";
    $("p-class").querySelector(".name").textContent = n.cls;
    $("p-iri").textContent = n.id;

    const facts = $("p-facts");
    facts.replaceChildren();
    for (const [k, v] of n.facts) {
      if (k === "label_zh") continue;
      const tr = html("tr", null, facts);
      html("th", k, tr);
      html("td", v, tr);
    }
    $("p-facts-box").hidden = facts.children.length === 0;

    const quotes = $("p-quotes");
    quotes.replaceChildren();
    for (const q of n.quotes) html("blockquote", q, quotes);
    if (n.passages.length) html("div", "in " + n.passages.join(", "), quotes, "where");
    $("p-quotes-box").hidden = n.quotes.length === 0;

    const figs = $("p-figures");
    figs.replaceChildren();
    for (const id of n.figures) {
      const f = data.figures[id];
      if (!f) continue;
      const li = html("li", null, figs);
      const target = byId.get(id);
      if (target) { const a = html("a", f.label, li); a.addEventListener("click", () => { centreOn(target); select(target); }); }
      else html("span", f.label, li);
      if (f.role) html("span", " (" + f.role + ")", li);
      if (f.quote) { html("br", null, li); html("span", "\u201c" + f.quote + "\u201d", li, "fig-quote"); }
    }
    $("p-figures-box").hidden = figs.children.length === 0;

    const links = $("p-links");
    links.replaceChildren();
    for (const e of n.links) {
      const other = e.s === n ? e.t : e.s;
      const li = html("li", e.s === n ? e.p + " \u2192 " : "\u2190 " + e.p + " ", links);
      const a = html("a", other.label, li);
      a.addEventListener("click", () => { centreOn(other); select(other); });
    }
    $("p-links-box").hidden = links.children.length === 0;
  }
  $("close").addEventListener("click", () => select(null));

  // ---- search --------------------------------------------------------------------------
  let matches = [];
  const search = $("search");
  function runSearch() {
    const q = search.value.trim().toLowerCase();
    for (const m of matches) m.el.classList.remove("match");
    matches = q ? nodes.filter((n) => !n.hiddenClass && (n.label.toLowerCase().includes(q) || n.id.toLowerCase().includes(q))) : [];
    for (const m of matches) m.el.classList.add("match");
    $("matches").textContent = q ? matches.length + (matches.length === 1 ? " match" : " matches") : "";
    svg.classList.toggle("dim", matches.length > 0 || selected !== null);
  }
  search.addEventListener("input", runSearch);
  search.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && matches.length) { centreOn(matches[0]); select(matches[0]); }
    if (ev.key === "Escape") { search.value = ""; runSearch(); }
  });

  // ---- legend --------------------------------------------------------------------------
  const list = $("legend-list");
  for (const c of data.legend) {
    const li = html("li", null, list);
    const sw = html("span", null, li, "swatch");
    sw.style.background = c.color;
    html("span", c.cls + " (" + c.count + ")", li);
    li.addEventListener("click", () => {
      const off = li.classList.toggle("off");
      for (const n of nodes) if (n.cls === c.cls) { n.hiddenClass = off; n.el.classList.toggle("hidden", off); }
      for (const e of edges) e.el.classList.toggle("hidden", e.s.hiddenClass || e.t.hiddenClass);
    });
  }

  render();
  fit();
  window.addEventListener("resize", fit);
  // For tests and the console: what the page shows.
  window.kgViz = { nodes: nodes.length, edges: edges.length, select: (id) => select(byId.get(id) || null), search: (q) => { search.value = q; runSearch(); return matches.length; } };
})();
