"""The graph page in headless Chromium (Debian's /usr/bin/chromium driven by Playwright).

Needs the `chromium` apt package and the `playwright` pip package; no browser download
(`playwright install` is never used).  Skipped only when no Chromium binary is found.
"""
from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

from kg.graph import entity_node, paper_node
from kg.views import write_page

from test_views import small_extractions, small_graph, synthetic_graph  # noqa: E402  (tests/ is on sys.path)

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


def chromium_path() -> str | None:
    env = os.environ.get("KG_CHROMIUM")
    if env and Path(env).is_file():
        return env
    for name in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if Path(name).is_file():
            return name
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser():
    exe = chromium_path()
    if exe is None:
        pytest.skip("Chromium is not installed (apt-get install chromium, or set KG_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield b
        b.close()


class PageRun:
    """A loaded page plus everything it logged and requested."""

    def __init__(self, browser, url: str, allowed_prefixes: tuple[str, ...]):
        self.context = browser.new_context(viewport={"width": 1400, "height": 850})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.failed: list[str] = []
        self.dialogs: list[str] = []
        self.allowed = allowed_prefixes
        pg = self.page
        pg.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}")
              if m.type == "error" else None)
        pg.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        pg.on("request", lambda r: self.requests.append(r.url))
        pg.on("requestfailed", lambda r: self.failed.append(r.url))

        def on_dialog(d):
            self.dialogs.append(d.message)
            d.dismiss()

        pg.on("dialog", on_dialog)
        pg.goto(url)
        pg.wait_for_function("window.kgTimes && window.kgTimes.ready === true", timeout=30_000)

    def js(self, expr: str, arg=None):
        return self.page.evaluate(expr, arg)

    def node_xy(self, node_id: str) -> tuple[float, float]:
        """Centre the node on screen and return its pixel position in the page."""
        self.js("id => network.focus(id, {scale: 1.6, animation: false})", node_id)
        self.page.wait_for_timeout(50)
        pos = self.js("""id => {
            const p = network.getPositions([id])[id];
            const d = network.canvasToDOM(p);
            const r = document.querySelector('#kg-graph canvas').getBoundingClientRect();
            return [r.left + d.x, r.top + d.y];
        }""", node_id)
        return pos[0], pos[1]

    def click_node(self, node_id: str) -> None:
        x, y = self.node_xy(node_id)
        self.page.mouse.click(x, y)

    def check_clean(self) -> None:
        assert self.errors == [], self.errors
        assert self.failed == [], self.failed
        outside = [u for u in self.requests if not u.startswith(self.allowed)]
        assert outside == [], outside
        assert self.dialogs == [], self.dialogs

    def reset(self) -> None:
        """Back to the state after loading: no panel, no selection, all filters on."""
        self.page.keyboard.press("Escape")
        self.page.fill("#kg-search", "")
        self.js("""() => {
            KG.closePanel(); network.unselectAll();
            document.querySelectorAll('.kg-type-filter').forEach(cb => KG.setType(cb.dataset.type, true));
            document.querySelectorAll('.kg-rel-filter').forEach(cb => KG.setRelation(cb.dataset.rel, true));
            network.fit({animation: false});
        }""")

    def close(self) -> None:
        self.context.close()


@pytest.fixture(scope="module")
def small_page(tmp_path_factory) -> Path:
    return write_page(small_graph(), tmp_path_factory.mktemp("browser") / "small.html",
                      title="Small graph", extractions=small_extractions())


@pytest.fixture(scope="module")
def small_run(browser, small_page):
    """One loaded page shared by the small-graph tests (loading costs seconds on a busy CI)."""
    r = PageRun(browser, small_page.as_uri(), ("file://", "data:"))
    yield r
    r.close()


@pytest.fixture
def run(small_run):
    yield small_run
    small_run.reset()


def test_draws_offline(run):
    assert run.js("!!document.querySelector('#kg-graph canvas')")
    assert run.js("typeof window.network === 'object' && typeof network.getPositions === 'function'")
    assert run.js("nodes.length") == 15
    assert run.js("edges.length") > 10
    # vis items: styled by type/relation, sized by papers; tooltips are plain strings
    dpo = run.js("nodes.get('entity:dpo')")
    assert dpo["shape"] == "dot" and dpo["value"] == 3 and dpo["title"].startswith("DPO\nMethod")
    assert run.js("nodes.get('entity:mt-bench').shape") == "star"
    assert run.js("nodes.get('paper:evil-1').title").startswith("An <b>evil</b> paper")
    assert run.js("nodes.get().every(n => typeof n.title === 'string')")
    assert run.js("edges.get({filter: e => e.rel === 'trained_on'})[0].dashes") == [8, 4]
    t = run.js("window.kgTimes")
    assert t["firstDraw"] is not None and t["ready"] is True and run.js("window.kgReady") is True
    assert run.js("network.physics.physicsEnabled") is False
    assert run.page.is_visible("#kg-legend-types") and run.page.is_visible("#kg-legend-rels")
    run.check_clean()


def test_opens_drawn_with_physics_off(run):
    """Every drawn node is where the page data put it, and no simulation ran at load."""
    assert run.js("network.physics.options.enabled") is False
    assert run.js("network.physics.physicsEnabled") is False
    assert run.js("network.physics.options.stabilization.enabled") is False
    placed = run.js("""() => {
        const want = new Map(KG.data.nodes.filter(n => n.i).map(n => [n.id, [n.x, n.y]]));
        const got = network.getPositions();
        return {drawn: nodes.length, want: want.size,
                typed: [...want.values()].every(([x, y]) => Number.isInteger(x) && Number.isInteger(y)),
                same: nodes.getIds().every(id => want.has(id) && got[id].x === want.get(id)[0]
                                                   && got[id].y === want.get(id)[1])};
    }""")
    assert placed == {"drawn": 15, "want": 15, "typed": True, "same": True}
    # the view fits the drawing: every node is on the canvas
    inside = run.js("""() => {
        const c = document.querySelector('#kg-graph canvas').getBoundingClientRect();
        return Object.values(network.getPositions()).every(p => {
            const d = network.canvasToDOM(p);
            return d.x >= 0 && d.y >= 0 && d.x <= c.width && d.y <= c.height;
        });
    }""")
    assert inside
    run.check_clean()


def test_click_entity_opens_panel(run):
    run.click_node(entity_node("dpo"))
    run.page.wait_for_selector("#kg-panel:not([hidden])")
    assert run.js("network.getSelectedNodes()") == [entity_node("dpo")]
    assert run.page.inner_text("#kg-panel h2") == "DPO"
    panel = run.page.inner_text("#kg-panel")
    assert "Method" in panel and "Direct Preference Optimization" in panel  # type, alias
    titles = run.page.locator("#kg-panel-papers .p-title").all_inner_texts()
    assert titles[0] == "Direct Preference Optimization: Your Language Model is Secretly a Reward Model"
    assert set(titles) == {
        "Direct Preference Optimization: Your Language Model is Secretly a Reward Model",
        "KTO: Model Alignment as Prospect Theoretic Optimization",
        "An <b>evil</b> paper </script><script>alert(2)</script>"}
    first = run.page.locator("#kg-panel-papers li").first
    assert "proposes" in first.inner_text() and "2023-05-29" in first.inner_text()
    assert first.locator("a.ext").get_attribute("href") == "https://arxiv.org/abs/2305.18290"
    # evidence of the relations: relation, other entity, sentence, rule
    assert "DPO outperforms PPO on summarization." in panel
    assert "rule: pattern:outperforms" in panel and "KTO" in panel and "based on" in panel
    # clicking a paper title in the panel opens the paper
    run.page.click("#kg-panel-papers .p-title >> nth=0")
    assert run.page.inner_text("#kg-panel-title").startswith("Direct Preference Optimization")
    marks = run.page.locator("#kg-panel-abstract mark.ent").all_inner_texts()
    assert marks.count("DPO") == 3 and marks.count("PPO") == 2  # every mention
    assert "Direct Preference Optimization" in run.page.locator("#kg-panel-title mark.ent").all_inner_texts()
    run.check_clean()


def test_click_paper_highlights_abstract(run):
    run.click_node(paper_node("2307.09288"))
    run.page.wait_for_selector("#kg-panel-abstract")
    assert run.page.inner_text("#kg-panel-title") == "Llama 2: Open Foundation and Fine-Tuned Chat Models"
    assert "2023-07-18" in run.page.inner_text("#kg-panel")
    marks = run.js("""Array.from(document.querySelectorAll('#kg-panel-abstract mark.ent'))
                      .map(m => [m.textContent, m.dataset.type, m.style.boxShadow])""")
    types = {t: ty for t, ty, _ in marks}
    assert types["Llama 2"] == "Model" and types["MT-Bench"] == "Benchmark"
    colours = {ty: sh for _, ty, sh in marks}
    assert colours["Model"] != colours["Benchmark"]  # coloured by type
    assert run.page.inner_text("#kg-panel-abstract").startswith("We release Llama 2")
    run.check_clean()


def test_search_focuses_entity(run):
    run.page.fill("#kg-search", "direct pref")
    run.page.wait_for_selector("#kg-search-results li[data-id]")
    assert run.page.locator("#kg-search-results li[data-id]").first.get_attribute("data-id") == entity_node("dpo")
    run.page.press("#kg-search", "Enter")
    assert run.js("network.getSelectedNodes()") == [entity_node("dpo")]
    assert run.page.inner_text("#kg-panel h2") == "DPO"
    # prefix matches are listed, case-insensitively
    run.page.fill("#kg-search", "m")
    ids = run.page.locator("#kg-search-results li[data-id]").evaluate_all("ls => ls.map(l => l.dataset.id)")
    assert set(ids) >= {entity_node("mmlu"), entity_node("mt-bench")}
    run.page.click(f'#kg-search-results li[data-id="{entity_node("mt-bench")}"]')
    assert run.js("network.getSelectedNodes()") == [entity_node("mt-bench")]
    run.page.fill("#kg-search", "zzzz")
    assert "No entity matches" in run.page.inner_text("#kg-search-results")
    run.check_clean()


def test_untrusted_paper_text_does_not_run(run):
    x, y = run.node_xy(paper_node("evil-1"))
    run.page.mouse.move(x, y)  # the tooltip is plain text
    run.page.wait_for_selector("div.vis-tooltip", state="visible", timeout=5000)
    tip = run.js("[document.querySelector('div.vis-tooltip').innerText, "
                 "document.querySelectorAll('div.vis-tooltip *:not(br)').length]")
    assert "An <b>evil</b> paper </script>" in tip[0] and tip[1] == 0
    run.page.mouse.click(x, y)
    run.page.wait_for_selector("#kg-panel-abstract")
    run.page.wait_for_timeout(200)
    assert run.js("typeof window.__xss") == "undefined"
    text = run.page.inner_text("#kg-panel-abstract")
    assert "<script>window.__xss=1</script>" in text
    assert '<img src=x onerror="window.__xss=2">' in text
    assert "</script><script>alert(1)</script>" in text
    assert run.js("document.querySelectorAll('#kg-panel img, #kg-panel script, #kg-panel b').length") == 0
    assert run.page.inner_text("#kg-panel-title") == "An <b>evil</b> paper </script><script>alert(2)</script>"
    # its javascript: URL was dropped: no link at all
    assert run.js("document.querySelectorAll('#kg-panel a').length") == 0
    run.check_clean()


def test_filters_hide_nodes_and_edges(run):
    visible = "t => nodes.get({filter: n => n.type === t && !n.hidden}).length"
    assert run.js(visible, "Paper") == 5
    run.page.uncheck('.kg-type-filter[data-type="Paper"]')
    assert run.js(visible, "Paper") == 0
    assert run.js(visible, "Method") == 4
    assert run.js("edges.get({filter: e => e.rel === 'mentions' && !e.hidden}).length") == 0
    run.page.check('.kg-type-filter[data-type="Paper"]')
    assert run.js(visible, "Paper") == 5
    assert run.js("edges.get({filter: e => e.rel === 'mentions' && !e.hidden}).length") > 0
    out = "edges.get({filter: e => e.rel === 'outperforms' && !e.hidden}).length"
    assert run.js(out) == 1
    run.page.uncheck('.kg-rel-filter[data-rel="outperforms"]')
    assert run.js(out) == 0
    assert run.js("edges.get({filter: e => e.rel === 'based_on' && !e.hidden}).length") == 1
    run.page.check('.kg-rel-filter[data-rel="outperforms"]')
    assert run.js(out) == 1
    run.check_clean()


def test_capped_page_expands(browser, tmp_path):
    g = synthetic_graph(300, 150)
    path = write_page(g, tmp_path / "capped.html", max_nodes=40, max_embedded=250, view="entities")
    r = PageRun(browser, path.as_uri(), ("file://", "data:"))
    try:
        assert r.js("nodes.length") == 40
        # entities view: co-occurrence edges, width by shared papers
        co = r.js("edges.get({filter: e => e.rel === 'co_occurs'}).map(e => e.value)")
        assert co and min(co) >= 1 and max(co) > 1
        assert r.js("nodes.get({filter: n => n.kind === 'paper'}).length") == 0
        assert r.page.is_visible("#kg-notice")
        assert "best-connected" in r.page.inner_text("#kg-notice")
        top = r.js("nodes.get()[0].id")
        hidden = r.js("id => KG.hiddenNeighbours(id).length", top)
        assert hidden > 0
        x, y = r.node_xy(top)
        r.page.mouse.dblclick(x, y)
        r.page.wait_for_function("n => nodes.length > n", arg=40)
        assert r.js("nodes.length") == 40 + hidden
        assert r.js("id => KG.hiddenNeighbours(id).length", top) == 0
        # the panel's button does the same
        second = r.js("nodes.get().map(n => n.id).find(id => KG.hiddenNeighbours(id).length > 0)")
        more = r.js("id => KG.hiddenNeighbours(id).length", second)
        before = r.js("nodes.length")
        r.js("id => KG.focus(id, {animate: false})", second)
        r.page.click("#kg-expand")
        assert r.js("nodes.length") == before + more
        # search reaches embedded nodes that are not drawn yet
        missing = r.js("KG.data.nodes.find(n => n.kind === 'entity' && !KG.isShown(n.id)).name")
        r.page.fill("#kg-search", missing)
        r.page.press("#kg-search", "Enter")
        sel = r.js("network.getSelectedNodes()")
        assert len(sel) == 1 and r.js("id => KG.data.nodes.find(n => n.id === id).name", sel[0]) == missing
        r.check_clean()
    finally:
        r.close()


def test_expand_on_big_drawing_places_near_parent(browser, tmp_path):
    """Beyond a few hundred drawn nodes, expanding runs no physics: new nodes go on a fan
    beside their parent and the rest of the drawing does not move."""
    g = synthetic_graph(1200, 600)
    path = write_page(g, tmp_path / "big.html", max_nodes=450, max_embedded=1200, view="entities")
    r = PageRun(browser, path.as_uri(), ("file://", "data:"))
    try:
        assert r.js("nodes.length") == 450 and r.js("network.physics.physicsEnabled") is False
        top = r.js("nodes.getIds().find(id => KG.hiddenNeighbours(id).length > 0)")
        before = r.js("network.getPositions()")
        added = r.js("id => KG.expand(id)", top)
        assert added > 0 and r.js("nodes.length") == 450 + added
        assert r.js("network.physics.physicsEnabled") is False
        after = r.js("network.getPositions()")
        assert all(after[n] == p for n, p in before.items())
        px, py = after[top]["x"], after[top]["y"]
        new = [p for n, p in after.items() if n not in before]
        assert len(new) == added
        assert all(((p["x"] - px) ** 2 + (p["y"] - py) ** 2) ** 0.5 < 90 + 60 * 10 for p in new)
        assert len({(round(p["x"]), round(p["y"])) for p in new}) == added  # not on one point
        r.check_clean()
    finally:
        r.close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass


@pytest.fixture
def local_server(tmp_path):
    """An http.server on 127.0.0.1 serving tmp_path; yields its base URL."""
    handler = functools.partial(_Quiet, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_sample_graph_page(browser, sample_graph, tmp_path, local_server):
    """The real graph of the bundled 84-paper sample, served over http from 127.0.0.1."""
    path = write_page(sample_graph, tmp_path / "sample.html")
    r = PageRun(browser, local_server + path.name, (local_server, "data:"))
    try:
        assert all(urlparse(u).hostname == "127.0.0.1" for u in r.requests if not u.startswith("data:"))
        n_nodes = sample_graph.number_of_nodes()
        assert r.js("nodes.length") == min(n_nodes, 1500)
        # the most mentioned entity: click it, its panel lists its papers
        ent = max((n for n, d in sample_graph.nodes(data=True) if d["kind"] == "entity"),
                  key=lambda n: (sample_graph.nodes[n]["papers"], n))
        r.click_node(ent)
        r.page.wait_for_selector("#kg-panel-papers")
        assert r.js("network.getSelectedNodes()") == [ent]
        assert r.page.inner_text("#kg-panel h2") == sample_graph.nodes[ent]["label"]
        titles = set(r.page.locator("#kg-panel-papers .p-title").all_inner_texts())
        expected = {sample_graph.nodes[p]["title"] for p, _, d in sample_graph.in_edges(ent, data=True)
                    if d["rel"] in ("mentions", "proposes")}
        assert titles == expected
        # search by label focuses it
        label = sample_graph.nodes[ent]["label"]
        r.js("KG.closePanel()")
        r.page.fill("#kg-search", label.lower())
        r.page.press("#kg-search", "Enter")
        assert r.js("network.getSelectedNodes()") == [ent]
        r.check_clean()
    finally:
        r.close()
