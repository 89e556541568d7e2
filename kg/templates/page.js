/* kg graph page. Every string from a paper is untrusted: the DOM is built with
   createElement/textContent only (never innerHTML), and vis tooltips are plain strings. */
(function () {
  "use strict";
  var T0 = performance.now();
  // firstDraw: vis-network's first afterDrawing; the layout comes precomputed in the data and
  // physics is off at load, so that first drawing is final (stabilized = firstDraw, kept for
  // older readers) and ready (also window.kgReady) is set on it.
  var times = { start: T0, firstDraw: null, stabilized: null, ready: false };
  window.kgTimes = times;

  var DATA = JSON.parse(document.getElementById("kg-data").textContent);
  var META = DATA.meta, STYLES = DATA.styles;
  var PAPERS = DATA.papers || {}, MEMBERS = DATA.members || {};
  var PAPER_RELS = { mentions: 1, proposes: 1 };

  // ---- indexes over the embedded data -------------------------------------------------
  var nodeById = new Map();
  DATA.nodes.forEach(function (n) { nodeById.set(n.id, n); });
  var edgeById = new Map();
  var adj = new Map(); // node id -> [edge record]
  DATA.edges.forEach(function (e) {
    edgeById.set(e.id, e);
    if (!adj.has(e.from)) adj.set(e.from, []);
    if (!adj.has(e.to)) adj.set(e.to, []);
    adj.get(e.from).push(e);
    adj.get(e.to).push(e);
  });

  // ---- filter state from the legend checkboxes -------------------------------------------
  var typeOn = {}, relOn = {};
  Array.prototype.forEach.call(document.querySelectorAll(".kg-type-filter"), function (cb) {
    typeOn[cb.getAttribute("data-type")] = cb.checked;
  });
  Array.prototype.forEach.call(document.querySelectorAll(".kg-rel-filter"), function (cb) {
    relOn[cb.getAttribute("data-rel")] = cb.checked;
  });
  function typeVisible(t) { return typeOn[t] !== false; }
  function relVisible(r) { return relOn[r] !== false; }

  function plural(n, one, many) { return n + " " + (n === 1 ? one : (many || one + "s")); }
  function shorten(t, n) { t = String(t); return t.length <= n ? t : t.slice(0, n - 1) + "\u2026"; }

  // Tooltips are plain strings: vis-network 9 shows a string title with innerText.
  function nodeTip(n) {
    if (n.kind === "paper") {
      var p = PAPERS[n.id] || {};
      return (p.title || n.label) + (p.date ? "\n" + p.date : "") + "\nPaper \u00b7 " + plural(n.k || 0, "entity", "entities");
    }
    var t = (n.name || n.label) + "\n" + n.type + " \u00b7 " + plural(n.papers || 0, "paper");
    if (n.proposed_by) t += " \u00b7 proposed in " + n.proposed_by;
    if (n.aliases && n.aliases.length) t += "\nalso: " + shorten(n.aliases.join(", "), 120);
    return t;
  }
  function nodeName(id) { var n = nodeById.get(id); return n ? (n.name || n.label) : id; }
  function edgeTip(e) {
    if (e.rel === "co_occurs") return nodeName(e.from) + " \u2014 " + nodeName(e.to) + ": together in " + plural(e.weight || 0, "paper");
    if (PAPER_RELS[e.rel]) return e.rel + ": " + nodeName(e.to);
    return nodeName(e.from) + " " + e.rel.replace(/_/g, " ") + " " + nodeName(e.to) + " (" + plural(e.n || 1, "statement") + ")";
  }

  var FALLBACK_TYPE = { shape: "dot", color: "#9aa0a6", border: "#6b7075", light: "#c4c8cc" };
  var FALLBACK_REL = { color: "#7f7f7f", dark: "#5f5f5f", dashes: [2, 2], arrows: true, width: 1.5 };

  // vis-network items, styled by type / relation
  function visNode(n) {
    var st = STYLES.types[n.type] || FALLBACK_TYPE;
    var o = { id: n.id, label: n.label, kind: n.kind, type: n.type, shape: st.shape, title: nodeTip(n),
              color: { background: st.color, border: st.border,
                       highlight: { background: st.light, border: "#111111" },
                       hover: { background: st.light, border: "#111111" } },
              hidden: !typeVisible(n.type) };
    if (typeof n.x === "number" && typeof n.y === "number") { o.x = n.x; o.y = n.y; }
    if (n.kind === "paper") {
      o.size = 7;
      o.font = { size: 7, color: "#5f6368" };  // paper titles appear once zoomed in
    } else {
      o.name = n.name; o.aliases = n.aliases; o.papers = n.papers;
      o.value = Math.max(1, n.papers || 0);
      o.font = { size: 14, color: "#202124" };
    }
    return o;
  }
  function edgeHidden(e) {
    var a = nodeById.get(e.from), b = nodeById.get(e.to);
    return !relVisible(e.rel) || !a || !b || !typeVisible(a.type) || !typeVisible(b.type);
  }
  function visEdge(e) {
    var st = STYLES.rels[e.rel] || FALLBACK_REL;
    var faint = e.rel === "co_occurs" || e.rel === "mentions";
    var o = { id: e.id, from: e.from, to: e.to, rel: e.rel, title: edgeTip(e),
              color: { color: st.color, highlight: st.dark, hover: st.dark, inherit: false, opacity: faint ? 0.75 : 1 },
              dashes: st.dashes, arrows: { to: { enabled: !!st.arrows, scaleFactor: 0.5 } },
              hidden: edgeHidden(e) };
    if (e.rel === "co_occurs") o.value = e.weight || 1;
    else o.width = st.width + (e.n ? Math.min(3, 0.5 * (e.n - 1)) : 0);
    if (e.curve) o.smooth = { enabled: true, type: "curvedCW", roundness: e.curve };
    return o;
  }

  var nodes = new vis.DataSet(DATA.nodes.filter(function (n) { return n.i; }).map(visNode));
  var edges = new vis.DataSet(DATA.edges.filter(function (e) { return e.i; }).map(visEdge));
  var nInitial = nodes.length;

  var iterations = META.stabilization_iterations || 150;
  // "physics": the old page (no positions, stabilised at load), the benchmark's baseline
  var PHYSICS_AT_LOAD = META.layout === "physics" && nInitial > 1;
  var options = {
    autoResize: true,
    nodes: {
      borderWidth: 1.2,
      scaling: { min: 9, max: 36, label: { enabled: true, min: 18, max: 34, drawThreshold: 6, maxVisible: 30 } },
      font: { face: "system-ui, sans-serif", strokeWidth: 3, strokeColor: "#ffffff" }
    },
    edges: {
      smooth: false,
      selectionWidth: 1.5,
      hoverWidth: 0.5,
      scaling: { min: 1, max: 9, label: { enabled: false } }
    },
    interaction: {
      hover: true, tooltipDelay: 150, hideEdgesOnDrag: nInitial > 800, hideEdgesOnZoom: nInitial > 800,
      multiselect: false, navigationButtons: false, keyboard: false
    },
    // positions come from the page data (computed when the page was written): no layout
    // and no physics at load; physics runs only to place nodes added later (relax) and on
    // "Re-layout"
    layout: { randomSeed: 7, improvedLayout: PHYSICS_AT_LOAD && nInitial <= 150 },
    physics: {
      enabled: PHYSICS_AT_LOAD,
      solver: "forceAtlas2Based",
      forceAtlas2Based: { gravitationalConstant: -55, centralGravity: 0.02, springLength: 75,
                          springConstant: 0.08, damping: 0.5, avoidOverlap: 0.7 },
      maxVelocity: 60, minVelocity: 1.0, timestep: 0.4,
      stabilization: { enabled: PHYSICS_AT_LOAD, iterations: iterations, updateInterval: 25, fit: PHYSICS_AT_LOAD }
    }
  };

  var container = document.getElementById("kg-graph");
  var loading = document.getElementById("kg-loading");
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, options);
  window.network = network;
  window.nodes = nodes;
  window.edges = edges;
  if (!PHYSICS_AT_LOAD) network.fit({ animation: false });  // before the first drawing, so it is the final one

  function markReady() {
    if (times.ready) return;
    if (times.stabilized === null) times.stabilized = times.firstDraw;
    times.ready = true;
    window.kgReady = true;
    loading.hidden = true;
    document.documentElement.setAttribute("data-kg-ready", "1");
  }
  if (PHYSICS_AT_LOAD) {
    network.once("stabilizationIterationsDone", function () {
      network.setOptions({ physics: { enabled: false } });
      times.stabilized = performance.now();
      if (times.firstDraw !== null) markReady();
    });
  }
  network.once("afterDrawing", function () {
    times.firstDraw = performance.now();
    if (!PHYSICS_AT_LOAD || times.stabilized !== null) markReady();
  });
  if (nInitial === 0) {
    loading.textContent = "Nothing to show: the graph is empty.";
    times.firstDraw = times.stabilized = performance.now();
    markReady();
    loading.hidden = false;
  }

  // ---- small DOM helpers (text only) ---------------------------------------------------
  function el(tag, cls, text) {
    var x = document.createElement(tag);
    if (cls) x.className = cls;
    if (text !== undefined && text !== null) x.textContent = String(text);
    return x;
  }
  function safeUrl(u) { return typeof u === "string" && /^https?:\/\/\S+$/i.test(u) ? u : ""; }
  function extLink(u, text) {
    var a = el("a", "ext", text || "link \u2197");
    a.href = u; a.target = "_blank"; a.rel = "noopener noreferrer";
    return a;
  }
  function typeColor(t) { var s = STYLES.types[t]; return s ? s.color : "#9aa0a6"; }
  function relColor(r) { var s = STYLES.rels[r]; return s ? s.color : "#7f7f7f"; }
  function hexAlpha(hex, a) {
    var h = hex.replace("#", "");
    var r = parseInt(h.slice(0, 2), 16), g = parseInt(h.slice(2, 4), 16), b = parseInt(h.slice(4, 6), 16);
    return "rgba(" + r + "," + g + "," + b + "," + a + ")";
  }
  function labelOf(id) {
    var n = nodeById.get(id);
    if (n) return n.name || n.label;
    var p = PAPERS[id];
    if (p) return p.title;
    return id.replace(/^(entity|paper):/, "");
  }

  // ---- showing more of the graph -----------------------------------------------------------
  function isShown(id) { return nodes.get(id) !== null; }

  function addEdgesOf(id) {
    var add = [];
    (adj.get(id) || []).forEach(function (e) {
      if (edges.get(e.id) === null && isShown(e.from) && isShown(e.to)) add.push(visEdge(e));
    });
    if (add.length) edges.add(add);
  }

  function ensureShown(id, near, done) {
    if (isShown(id)) return false;
    var n = nodeById.get(id);
    if (!n) return false;
    var item = visNode(n);
    if (!near) {  // next to a drawn neighbour, if it has one
      var best = null;
      (adj.get(id) || []).forEach(function (e) {
        var other = e.from === id ? e.to : e.from;
        if (best === null && isShown(other)) best = other;
      });
      near = best;
    }
    var pos = near ? network.getPositions([near])[near] : null;
    if (!pos) {
      var vp = network.getViewPosition();
      pos = { x: vp.x, y: vp.y };
    }
    var a = near ? awayAngle(near) : nodes.length;
    item.x = pos.x + 80 * Math.cos(a);
    item.y = pos.y + 80 * Math.sin(a);
    nodes.add(item);
    addEdgesOf(id);
    relax([id], done);
    return true;
  }

  // The direction (an angle) from the drawn neighbours of a node (or the centre of the
  // drawing) towards it: new neighbours go that way, where the drawing is thinner.
  function awayAngle(id) {
    var p = network.getPositions([id])[id];
    if (!p) return 0;
    var sx = 0, sy = 0, k = 0;
    network.getConnectedNodes(id).forEach(function (o) {
      var q = network.getPositions([o])[o];
      if (q) { sx += q.x; sy += q.y; k++; }
    });
    var c = k ? { x: sx / k, y: sy / k } : network.getViewPosition();
    var dx = p.x - c.x, dy = p.y - c.y;
    return dx === 0 && dy === 0 ? 0 : Math.atan2(dy, dx);
  }

  // Let new nodes find their place: everything else is pinned while physics runs briefly.
  // On a big drawing a physics run costs seconds (every node takes part, pinned or not):
  // there the new nodes stay where they were put, on a fan beside their parent.
  var RELAX_MAX_NODES = 400;
  function relax(newIds, done) {
    if (!newIds.length || nodes.length > RELAX_MAX_NODES) { if (done) done(); return; }
    var fresh = new Set(newIds);
    var pinned = nodes.getIds().filter(function (id) { return !fresh.has(id); });
    nodes.update(pinned.map(function (id) { return { id: id, fixed: true }; }));
    var steps = Math.min(150, 40 + 2 * newIds.length);
    network.once("stabilizationIterationsDone", function () {
      network.setOptions({ physics: { enabled: false } });
      nodes.update(pinned.filter(function (id) { return nodes.get(id) !== null; })
        .map(function (id) { return { id: id, fixed: false }; }));
      if (done) done();
    });
    network.setOptions({ physics: { enabled: true, stabilization: { enabled: true, iterations: steps, fit: false } } });
    network.stabilize(steps);
  }

  function hiddenNeighbours(id) {
    var out = [], seen = new Set();
    (adj.get(id) || []).forEach(function (e) {
      var other = e.from === id ? e.to : e.from;
      if (!seen.has(other) && !isShown(other)) { seen.add(other); out.push(other); }
    });
    return out;
  }

  function expand(id) {
    if (!isShown(id)) ensureShown(id);
    var hidden = hiddenNeighbours(id);
    if (!hidden.length) return 0;
    var centre = network.getPositions([id])[id] || { x: 0, y: 0 };
    // on arcs facing away from the node's drawn neighbours: a fan of up to 240 degrees,
    // rows further out as it fills (about 45 px between new nodes on a row)
    var away = awayAngle(id), spread = 4 * Math.PI / 3;
    var add = [], k = 0, row = 0;
    while (k < hidden.length) {
      var r = 90 + 60 * row;
      var fit = Math.max(1, Math.floor(r * spread / 45));
      var m = Math.min(fit, hidden.length - k);
      for (var j = 0; j < m; j++, k++) {
        var item = visNode(nodeById.get(hidden[k]));
        var a = away + (m === 1 ? 0 : spread * (j / (m - 1) - 0.5));
        item.x = centre.x + r * Math.cos(a);
        item.y = centre.y + r * Math.sin(a);
        add.push(item);
      }
      row++;
    }
    nodes.add(add);
    var newEdges = [];
    hidden.concat([id]).forEach(function (n) {
      (adj.get(n) || []).forEach(function (e) {
        if (edges.get(e.id) === null && isShown(e.from) && isShown(e.to)) {
          newEdges.push(visEdge(e));
        }
      });
    });
    var uniq = new Map();
    newEdges.forEach(function (e) { uniq.set(e.id, e); });
    edges.add(Array.from(uniq.values()));
    relax(hidden);
    updateStatus();
    if (currentPanel === id) showPanel(id);
    return hidden.length;
  }

  // ---- filters -------------------------------------------------------------------------------
  function applyFilters() {
    nodes.update(nodes.get().map(function (n) { return { id: n.id, hidden: !typeVisible(n.type) }; }));
    edges.update(edges.get().map(function (e) { return { id: e.id, hidden: edgeHidden(edgeById.get(e.id)) }; }));
    updateStatus();
  }
  function setType(t, on) {
    typeOn[t] = !!on;
    var cb = document.querySelector('.kg-type-filter[data-type="' + cssEscape(t) + '"]');
    if (cb) cb.checked = !!on;
    applyFilters();
  }
  function setRelation(r, on) {
    relOn[r] = !!on;
    var cb = document.querySelector('.kg-rel-filter[data-rel="' + cssEscape(r) + '"]');
    if (cb) cb.checked = !!on;
    applyFilters();
  }
  function cssEscape(s) { return window.CSS && CSS.escape ? CSS.escape(s) : String(s).replace(/["\\]/g, "\\$&"); }
  Array.prototype.forEach.call(document.querySelectorAll(".kg-type-filter"), function (cb) {
    cb.addEventListener("change", function () { typeOn[cb.getAttribute("data-type")] = cb.checked; applyFilters(); });
  });
  Array.prototype.forEach.call(document.querySelectorAll(".kg-rel-filter"), function (cb) {
    cb.addEventListener("change", function () { relOn[cb.getAttribute("data-rel")] = cb.checked; applyFilters(); });
  });

  var statusEl = document.getElementById("kg-status");
  function updateStatus() {
    var shown = 0, visible = 0;
    nodes.forEach(function (n) { shown++; if (!n.hidden) visible++; });
    var t = "On screen: " + plural(visible, "node");
    if (visible !== shown) t += " (" + (shown - visible) + " filtered out)";
    if (shown < DATA.nodes.length) t += "; " + (DATA.nodes.length - shown).toLocaleString() + " more embedded";
    statusEl.textContent = t + ".";
  }
  updateStatus();

  // ---- focus and search ---------------------------------------------------------------------
  function focus(id, opts) {
    opts = opts || {};
    var n = nodeById.get(id);
    if (!n) { if (PAPERS[id]) showPanel(id); return false; }
    if (!typeVisible(n.type)) setType(n.type, true);
    function centre() {
      var scale = Math.max(network.getScale(), 0.75);
      // centre the node in the part of the canvas the panel leaves visible
      var offset = { x: panel.hidden ? 0 : -panel.offsetWidth / 2, y: 0 };
      network.focus(id, { scale: scale, offset: offset,
                          animation: opts.animate === false ? false : { duration: 350, easingFunction: "easeInOutQuad" } });
    }
    var added = ensureShown(id, null, centre);  // a new node: centre it once it has settled
    showPanel(id);
    network.selectNodes([id]);
    if (!added) centre();
    return true;
  }

  var searchIndex = DATA.nodes.filter(function (n) { return n.kind === "entity"; }).map(function (n) {
    var keys = [n.name || n.label].concat(n.aliases || []);
    return { id: n.id, keys: keys, lower: keys.map(function (k) { return String(k).toLowerCase(); }), papers: n.papers || 0 };
  });

  function search(q, limit) {
    q = String(q || "").trim().toLowerCase();
    limit = limit || 12;
    if (!q) return [];
    var hits = [];
    searchIndex.forEach(function (s) {
      var best = 9, via = null;
      for (var k = 0; k < s.lower.length; k++) {
        var key = s.lower[k], r = 9;
        if (key === q) r = 0;
        else if (key.indexOf(q) === 0) r = 1;
        else if ((" " + key).indexOf(" " + q) >= 0 || key.indexOf("-" + q) >= 0) r = 2;
        else if (key.indexOf(q) > 0) r = 3;
        if (r < best) { best = r; via = k; }
      }
      if (best < 9) hits.push({ id: s.id, rank: best, via: via === 0 ? null : s.keys[via], papers: s.papers, label: s.keys[0] });
    });
    hits.sort(function (a, b) {
      return a.rank - b.rank || b.papers - a.papers || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0);
    });
    return hits.slice(0, limit);
  }

  var searchInput = document.getElementById("kg-search");
  var resultsEl = document.getElementById("kg-search-results");
  var results = [], active = -1;
  function renderResults() {
    resultsEl.textContent = "";
    if (!searchInput.value.trim()) { resultsEl.hidden = true; return; }
    if (!results.length) {
      resultsEl.appendChild(el("li", "res-empty", "No entity matches."));
    }
    results.forEach(function (r, k) {
      var n = nodeById.get(r.id);
      var li = el("li");
      li.setAttribute("role", "option");
      li.setAttribute("data-id", r.id);
      li.setAttribute("aria-selected", k === active ? "true" : "false");
      var dot = el("span", "dot");
      dot.style.cssText = "width:9px;height:9px;border-radius:50%;display:inline-block;flex:0 0 auto;background:" + typeColor(n.type);
      li.appendChild(dot);
      li.appendChild(el("span", "res-label", r.label));
      if (r.via) li.appendChild(el("span", "res-alias", "(" + r.via + ")"));
      li.appendChild(el("span", "res-meta", n.type + " \u00b7 " + plural(r.papers, "paper")));
      li.addEventListener("mousedown", function (ev) { ev.preventDefault(); choose(k); });
      resultsEl.appendChild(li);
    });
    resultsEl.hidden = false;
  }
  function choose(k) {
    var r = results[k];
    if (!r) return;
    resultsEl.hidden = true;
    searchInput.value = r.label;
    focus(r.id);
  }
  searchInput.addEventListener("input", function () {
    results = search(searchInput.value);
    active = results.length ? 0 : -1;
    renderResults();
  });
  searchInput.addEventListener("keydown", function (ev) {
    if (ev.key === "ArrowDown") { active = Math.min(results.length - 1, active + 1); renderResults(); ev.preventDefault(); }
    else if (ev.key === "ArrowUp") { active = Math.max(0, active - 1); renderResults(); ev.preventDefault(); }
    else if (ev.key === "Enter") {
      if (!results.length) results = search(searchInput.value);
      choose(active >= 0 ? active : 0);
      ev.preventDefault();
    } else if (ev.key === "Escape") { resultsEl.hidden = true; }
  });
  searchInput.addEventListener("blur", function () { resultsEl.hidden = true; });
  searchInput.addEventListener("focus", function () { if (results.length) renderResults(); });

  // ---- the side panel ---------------------------------------------------------------------------
  var panel = document.getElementById("kg-panel");
  var body = document.getElementById("kg-panel-body");
  var currentPanel = null;
  document.getElementById("kg-panel-close").addEventListener("click", function () {
    closePanel();
    network.unselectAll();
  });
  // The panel floats over the right of the canvas: opening it never moves the graph under
  // the pointer (so a double-click lands on the node it started on).
  function closePanel() { panel.hidden = true; currentPanel = null; }

  function openPanel(id) {
    body.textContent = "";
    currentPanel = id;
    panel.hidden = false;
    panel.scrollTop = 0;
  }

  function paperLine(pid, rel) {
    var p = PAPERS[pid] || { title: pid.replace(/^paper:/, "") };
    var li = el("li");
    if (rel === "proposes") li.appendChild(el("span", "badge proposes", "proposes"));
    var t = el("span", "p-title", p.title || pid);
    t.addEventListener("click", function () { openPaper(pid); });
    li.appendChild(t);
    var meta = el("div", "p-meta", p.date || "");
    var u = safeUrl(p.url);
    if (u) meta.appendChild(extLink(u));
    li.appendChild(meta);
    return li;
  }

  function entityChip(id) {
    var n = nodeById.get(id);
    var chip = el("span", "chip link");
    var dot = el("span", "dot");
    dot.style.background = typeColor(n ? n.type : "");
    chip.appendChild(dot);
    chip.appendChild(document.createTextNode(labelOf(id)));
    chip.addEventListener("click", function () { if (nodeById.has(id)) focus(id); });
    return chip;
  }

  function openPaper(pid) {
    if (nodeById.has(pid)) focus(pid);
    else showPanel(pid);
  }

  function showEntity(id) {
    var n = nodeById.get(id);
    openPanel(id);
    body.appendChild(el("h2", null, n.name || n.label));
    var line = el("div", "meta-line");
    var badge = el("span", "badge", n.type);
    badge.style.background = typeColor(n.type);
    line.appendChild(badge);
    line.appendChild(document.createTextNode(
      plural(n.papers || 0, "paper") + (n.proposed_by ? " \u00b7 proposed in " + n.proposed_by : "")));
    body.appendChild(line);
    if (n.aliases && n.aliases.length) {
      body.appendChild(el("div", "aliases", "Also known as: " + n.aliases.join(", ")));
    }
    var hid = hiddenNeighbours(id);
    if (hid.length) {
      var b = el("button", null, "Show hidden neighbours (" + hid.length + ")");
      b.id = "kg-expand";
      b.type = "button";
      b.addEventListener("click", function () { expand(id); });
      body.appendChild(b);
    }

    // typed relations with their evidence
    var rels = (adj.get(id) || []).filter(function (e) { return !PAPER_RELS[e.rel] && e.rel !== "co_occurs"; });
    if (rels.length) {
      body.appendChild(el("h3", null, "Relations (" + rels.length + ")"));
      var ul = el("ul", "rel-list");
      rels.forEach(function (e) {
        var li = el("li");
        li.setAttribute("data-rel", e.rel);
        var head = el("div", "rel-head");
        var out = e.from === id;
        var other = out ? e.to : e.from;
        var tag = el("span", "rel-name", e.rel.replace(/_/g, " "));
        tag.style.background = relColor(e.rel);
        if (out) {
          head.appendChild(document.createTextNode(labelOf(id)));
          head.appendChild(tag);
          head.appendChild(entityChip(other));
        } else {
          head.appendChild(entityChip(other));
          head.appendChild(tag);
          head.appendChild(document.createTextNode(labelOf(id)));
        }
        li.appendChild(head);
        (e.ev || []).forEach(function (ev) {
          var q = el("div", "evidence");
          q.appendChild(el("div", "ev-sentence", ev.sentence ? "\u201c" + ev.sentence + "\u201d" : "(no sentence)"));
          var m = el("span", "ev-meta");
          m.appendChild(document.createTextNode("rule: " + (ev.rule || "?") +
            (ev.confidence !== null && ev.confidence !== undefined ? " \u00b7 confidence " + ev.confidence : "") + " \u00b7 "));
          if (ev.paper) {
            var pl = el("span", "link", (PAPERS[ev.paper] && PAPERS[ev.paper].title) || ev.paper.replace(/^paper:/, ""));
            pl.addEventListener("click", function () { openPaper(ev.paper); });
            m.appendChild(pl);
          }
          q.appendChild(m);
          li.appendChild(q);
        });
        if (e.n && e.ev && e.n > e.ev.length) li.appendChild(el("div", "more", "\u2026 and " + (e.n - e.ev.length) + " more statements"));
        ul.appendChild(li);
      });
      body.appendChild(ul);
    }

    // co-occurring entities (entities view)
    var co = (adj.get(id) || []).filter(function (e) { return e.rel === "co_occurs"; })
      .sort(function (a, b) { return (b.weight || 0) - (a.weight || 0); }).slice(0, 20);
    if (co.length) {
      body.appendChild(el("h3", null, "Often mentioned with"));
      var chips = el("div", "ent-chips");
      co.forEach(function (e) {
        var other = e.from === id ? e.to : e.from;
        var c = entityChip(other);
        c.appendChild(el("span", "legend-count", "\u00d7" + e.weight));
        chips.appendChild(c);
      });
      body.appendChild(chips);
    }

    var mem = MEMBERS[id] || [];
    body.appendChild(el("h3", null, "Papers (" + (n.papers || mem.length) + ")"));
    var pl = el("ul", "paper-list");
    pl.id = "kg-panel-papers";
    mem.forEach(function (m) { pl.appendChild(paperLine(m[0], m[1])); });
    body.appendChild(pl);
    if ((n.papers || 0) > mem.length) body.appendChild(el("div", "more", "\u2026 and " + (n.papers - mem.length) + " more papers not embedded in this page"));
  }

  function highlighted(text, spans) {
    var frag = document.createDocumentFragment();
    var pos = 0;
    spans.forEach(function (s) {
      var start = s[1], end = s[2], ent = s[3], type = s[4];
      if (start < pos || end > text.length) return;
      if (start > pos) frag.appendChild(document.createTextNode(text.slice(pos, start)));
      var mk = el("mark", "ent", text.slice(start, end));
      var c = typeColor(type);
      mk.style.background = hexAlpha(c, 0.22);
      mk.style.boxShadow = "inset 0 -2px 0 " + c;
      mk.title = (type || "entity") + ": " + labelOf(ent);
      mk.setAttribute("data-entity", ent);
      mk.setAttribute("data-type", type || "");
      mk.addEventListener("click", function () { if (nodeById.has(ent)) focus(ent); });
      frag.appendChild(mk);
      pos = end;
    });
    if (pos < text.length) frag.appendChild(document.createTextNode(text.slice(pos)));
    return frag;
  }

  function showPaper(pid) {
    var p = PAPERS[pid] || {};
    var spans = p.spans || [];
    openPanel(pid);
    var h = el("div", "paper-title-hl");
    h.id = "kg-panel-title";
    h.appendChild(highlighted(p.title || labelOf(pid), spans.filter(function (s) { return s[0] === "title"; })));
    body.appendChild(h);
    var meta = el("div", "meta-line");
    var badge = el("span", "badge", "Paper");
    badge.style.background = typeColor("Paper");
    meta.appendChild(badge);
    meta.appendChild(document.createTextNode((p.date || "undated") + " \u00b7 " + pid.replace(/^paper:/, "")));
    var u = safeUrl(p.url);
    if (u) meta.appendChild(extLink(u, u.replace(/^https?:\/\//i, "") + " \u2197"));
    body.appendChild(meta);
    if (p.authors && p.authors.length) body.appendChild(el("div", "meta-line", p.authors.join(", ")));
    if (nodeById.has(pid) && hiddenNeighbours(pid).length) {
      var b = el("button", null, "Show hidden neighbours (" + hiddenNeighbours(pid).length + ")");
      b.id = "kg-expand"; b.type = "button";
      b.addEventListener("click", function () { expand(pid); });
      body.appendChild(b);
    }
    body.appendChild(el("h3", null, "Abstract"));
    var ab = el("div", "abstract");
    ab.id = "kg-panel-abstract";
    if (typeof p.abstract === "string") ab.appendChild(highlighted(p.abstract, spans.filter(function (s) { return s[0] === "abstract"; })));
    else ab.textContent = "(abstract not embedded in this page)";
    body.appendChild(ab);
    // entities of this paper
    var ents = new Map();
    (adj.get(pid) || []).forEach(function (e) { if (PAPER_RELS[e.rel]) ents.set(e.to, e.rel === "proposes" || ents.get(e.to) === true); });
    spans.forEach(function (s) { if (!ents.has(s[3])) ents.set(s[3], false); });
    if (ents.size) {
      body.appendChild(el("h3", null, "Entities (" + ents.size + ")"));
      var chips = el("div", "ent-chips");
      ents.forEach(function (proposed, ent) {
        var c = entityChip(ent);
        if (proposed) { c.classList.add("proposed"); c.title = "proposed by this paper"; }
        chips.appendChild(c);
      });
      body.appendChild(chips);
    }
  }

  function showPanel(id) {
    var n = nodeById.get(id);
    if (n && n.kind === "entity") showEntity(id);
    else if (PAPERS[id] || (n && n.kind === "paper")) showPaper(id);
    else return false;
    return true;
  }

  network.on("click", function (params) {
    if (params.nodes && params.nodes.length) showPanel(params.nodes[0]);
  });
  // the browser's own dblclick (timed by the OS, unlike vis's double-tap, which misses
  // double-clicks when the first click's panel takes long to build)
  container.addEventListener("dblclick", function (ev) {
    var r = container.getBoundingClientRect();
    var id = network.getNodeAt({ x: ev.clientX - r.left, y: ev.clientY - r.top });
    if (id !== undefined) { network.selectNodes([id]); expand(id); }
  });

  document.getElementById("kg-fit").addEventListener("click", function () { network.fit({ animation: { duration: 300 } }); });
  document.getElementById("kg-relayout").addEventListener("click", function () {
    network.setOptions({ physics: { enabled: true, stabilization: { enabled: true, iterations: iterations, fit: false } } });
    network.once("stabilized", function () { network.setOptions({ physics: { enabled: false } }); });
    network.stabilize(iterations);
  });

  window.KG = {
    data: DATA, search: search, focus: focus, expand: expand, showPanel: showPanel, closePanel: closePanel,
    setType: setType, setRelation: setRelation, applyFilters: applyFilters, hiddenNeighbours: hiddenNeighbours,
    isShown: isShown
  };
})();
