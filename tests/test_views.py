"""The interactive graph page (kg.views): fast checks on the written HTML, no browser."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import networkx as nx
import pytest

from kg.graph import build_graph, entity_node, paper_node, to_graphml_ready
from kg.model import Entity, Evidence, Mention, Paper, PaperExtraction, Relation
from kg.views import load_graphml, page_data, select_view, write_page, json_for_script

XSS_ABSTRACT = ("We fine-tune with DPO. </script><script>alert(1)</script> and "
                "<img src=x onerror=alert(1)> then <script>window.__xss=1</script>"
                "<img src=x onerror=\"window.__xss=2\"> \u2028 & evaluate on MMLU.")


# ---- a small hand-written graph (the sample graph is used too once the pipeline exists) ----

def _paper(pid, title, abstract, ents, rels=(), date="2024-01-01", url=None):
    """A PaperExtraction whose entity mentions are every occurrence of the name or an alias."""
    entities = []
    for eid, name, type_, proposed, aliases in ents:
        ms = []
        for field, text in (("title", title), ("abstract", abstract)):
            for form in [name, *aliases]:
                i = text.find(form)
                while i >= 0:
                    ms.append(Mention(field, i, i + len(form), form, "lexicon"))
                    i = text.find(form, i + len(form))
        ms.sort(key=lambda m: (m.field != "title", m.start))
        entities.append(Entity(id=eid, name=name, type=type_, aliases=list(aliases),
                               proposed=proposed, mentions=ms, rule="lexicon"))
    relations = []
    for head, rel, tail, sentence in rels:
        s = abstract.find(sentence)
        assert s >= 0, sentence
        relations.append(Relation(head=head, rel=rel, tail=tail,
                                  evidence=Evidence("abstract", s, s + len(sentence), sentence),
                                  rule=f"pattern:{rel}", confidence=0.9, head_id=head, tail_id=tail))
    return PaperExtraction(paper=Paper(id=pid, title=title, abstract=abstract, date=date, url=url,
                                       authors=("A. Author", "B. Author")),
                           entities=entities, relations=relations)


DPO = ("dpo", "DPO", "Method", False, ["Direct Preference Optimization"])
PPO = ("ppo", "PPO", "Method", False, [])
RLHF = ("rlhf", "RLHF", "Method", False, ["reinforcement learning from human feedback"])
LLAMA = ("llama-2", "Llama 2", "Model", False, [])
HH = ("anthropic-hh", "Anthropic HH", "Dataset", False, [])
MTB = ("mt-bench", "MT-Bench", "Benchmark", False, [])
MMLU = ("mmlu", "MMLU", "Benchmark", False, [])


def small_extractions() -> list[PaperExtraction]:
    p1_abs = ("Fine-tuning with reinforcement learning from human feedback (RLHF) uses PPO. "
              "We introduce Direct Preference Optimization (DPO), a simple alternative. "
              "DPO outperforms PPO on summarization. "
              "We evaluate DPO on Anthropic HH.")
    p2_abs = ("We release Llama 2, a family of chat models. "
              "Llama 2 is fine-tuned with RLHF using PPO. "
              "Llama 2 is evaluated on MT-Bench.")
    p3_abs = ("We propose KTO, which is based on DPO. "
              "KTO is compared with DPO on Llama 2. "
              "KTO is evaluated on MT-Bench and MMLU.")
    p5_abs = "GPT-3 is trained on The Pile. We study scaling."
    return [
        _paper("2305.18290", "Direct Preference Optimization: Your Language Model is Secretly a Reward Model",
               p1_abs, [(*DPO[:3], True, DPO[4]), RLHF, PPO, HH],
               [("dpo", "outperforms", "ppo", "DPO outperforms PPO on summarization."),
                ("dpo", "evaluated_on", "anthropic-hh", "We evaluate DPO on Anthropic HH.")],
               date="2023-05-29", url="https://arxiv.org/abs/2305.18290"),
        _paper("2307.09288", "Llama 2: Open Foundation and Fine-Tuned Chat Models", p2_abs,
               [(*LLAMA[:3], True, []), RLHF, PPO, MTB],
               [("llama-2", "uses", "rlhf", "Llama 2 is fine-tuned with RLHF using PPO."),
                ("llama-2", "evaluated_on", "mt-bench", "Llama 2 is evaluated on MT-Bench.")],
               date="2023-07-18", url="https://arxiv.org/abs/2307.09288"),
        _paper("2402.01306", "KTO: Model Alignment as Prospect Theoretic Optimization", p3_abs,
               [("kto", "KTO", "Method", True, []), DPO, LLAMA, MTB, MMLU],
               [("kto", "based_on", "dpo", "We propose KTO, which is based on DPO."),
                ("kto", "compared_with", "dpo", "KTO is compared with DPO on Llama 2."),
                ("kto", "evaluated_on", "mt-bench", "KTO is evaluated on MT-Bench and MMLU.")],
               date="2024-02-02", url="https://arxiv.org/abs/2402.01306"),
        _paper("evil-1", "An <b>evil</b> paper </script><script>alert(2)</script>", XSS_ABSTRACT,
               [DPO, MMLU], date="2024-03-01", url="javascript:alert(1)"),
        _paper("2005.14165", "Language Models are Few-Shot Learners", p5_abs,
               [("gpt-3", "GPT-3", "Model", True, []), ("the-pile", "The Pile", "Dataset", False, [])],
               [("gpt-3", "trained_on", "the-pile", "GPT-3 is trained on The Pile.")],
               date="2020-05-28", url="https://arxiv.org/abs/2005.14165"),
    ]


def small_graph() -> nx.MultiDiGraph:
    return build_graph(small_extractions())


def synthetic_graph(n_entities: int = 5000, n_papers: int = 2500, seed: int = 1) -> nx.MultiDiGraph:
    """A big graph of synthetic papers: entity popularity is heavy-tailed, like real corpora."""
    types = ("Method", "Model", "Dataset", "Benchmark")
    g = build_graph(synthetic_extractions(n_entities, n_papers, seed))
    # make sure all n_entities exist (rare ones may not have been drawn)
    for i in range(n_entities):
        n = entity_node(f"e{i}")
        if n not in g:
            g.add_node(n, kind="entity", label=f"Ent{i}", type=types[i % 4], aliases=[],
                       papers=0, proposed_by=0)
    return g


def synthetic_extractions(n_entities: int = 5000, n_papers: int = 2500,
                          seed: int = 1) -> list[PaperExtraction]:
    """The papers of :func:`synthetic_graph`."""
    import random

    rnd = random.Random(seed)
    types = ("Method", "Model", "Dataset", "Benchmark")
    weights = [1.0 / (i + 1) ** 0.9 for i in range(n_entities)]
    exs = []
    for p in range(n_papers):
        picks = sorted(set(rnd.choices(range(n_entities), weights=weights, k=rnd.randint(2, 7))))
        words = [f"Ent{i}" for i in picks]
        title = f"Paper {p} on {words[0]}"
        abstract = "We study " + ", ".join(words) + "."
        ents = [(f"e{i}", f"Ent{i}", types[i % 4], k == 0 and p % 5 == 0, []) for k, i in enumerate(picks)]
        rels = []
        if len(picks) >= 2:
            sentence = abstract
            rels = [(f"e{picks[0]}", "compared_with", f"e{picks[1]}", sentence)]
        exs.append(_paper(f"s{p}", title, abstract, ents, rels, date=f"2024-01-{1 + p % 28:02d}"))
    return exs


# ---- helpers over the written HTML -------------------------------------------------------

class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(page: str) -> list[tuple[str, dict]]:
    p = _Tags()
    p.feed(page)
    return p.tags


def _embedded(page: str) -> dict:
    m = re.search(r'<script type="application/json" id="kg-data">(.*?)</script>', page, re.S)
    assert m, "no data block"
    return json.loads(m.group(1))


@pytest.fixture(scope="module")
def g_small():
    return small_graph()


@pytest.fixture(scope="module")
def page_small(tmp_path_factory, g_small) -> str:
    path = write_page(g_small, tmp_path_factory.mktemp("page") / "graph.html", title="Small <graph>")
    return path.read_text(encoding="utf-8")


# ---- tests ---------------------------------------------------------------------------------

def test_page_is_self_contained(page_small):
    for tag, attrs in _tags(page_small):
        for attr in ("src", "href", "srcset", "data", "action", "poster"):
            v = attrs.get(attr)
            if v is not None:
                assert not re.match(r"\s*(https?:)?//", v, re.I), (tag, attr, v)
        if tag in ("script", "link", "img", "iframe"):
            assert not re.match(r"\s*(https?:)?//", attrs.get("src", "") or ""), (tag, attrs)
    scripts = [a for t, a in _tags(page_small) if t == "script"]
    assert scripts and all("src" not in a for a in scripts)
    assert not [a for t, a in _tags(page_small) if t == "link" and a.get("rel") == "stylesheet"]
    assert "vis-network" in page_small  # inlined, with its licence header
    assert "bootstrap" not in page_small.lower()


def test_untrusted_text_only_escaped(page_small):
    assert "</script><script>alert" not in page_small
    assert "<img src=x onerror" not in page_small
    assert "<script>window.__xss" not in page_small
    assert "<b>evil</b>" not in page_small
    assert "\u2028" not in page_small and "\u2029" not in page_small
    data = _embedded(page_small)
    # the text survives intact once parsed
    assert data["papers"][paper_node("evil-1")]["abstract"] == XSS_ABSTRACT
    # a javascript: URL never becomes a link
    assert data["papers"][paper_node("evil-1")]["url"] == ""
    assert "javascript:alert" not in page_small
    # the title is HTML-escaped where it is markup
    assert "<title>Small &lt;graph&gt;</title>" in page_small


def test_json_for_script_escapes():
    s = json_for_script({"a": "</script><!-- & \u2028\u2029 >"})
    assert "<" not in s and ">" not in s and "&" not in s
    assert "\u2028" not in s and "\u2029" not in s
    assert json.loads(s) == {"a": "</script><!-- & \u2028\u2029 >"}


def test_legend_present(page_small):
    assert 'id="kg-legend-types"' in page_small and 'id="kg-legend-rels"' in page_small
    for t in ("Method", "Model", "Dataset", "Benchmark", "Paper"):
        assert f'data-type="{t}"' in page_small
    for r in ("mentions", "proposes", "outperforms", "evaluated_on", "based_on", "trained_on",
              "compared_with", "uses"):
        assert f'data-rel="{r}"' in page_small


def test_nodes_and_styles(g_small):
    data = page_data(g_small)
    ids = {n["id"] for n in data["nodes"]}
    assert ids == set(g_small.nodes)
    dpo = next(n for n in data["nodes"] if n["id"] == entity_node("dpo"))
    assert dpo["type"] == "Method" and dpo["papers"] == 3 and dpo["proposed_by"] == 1
    assert "Direct Preference Optimization" in dpo["aliases"]
    st = data["styles"]
    assert set(st["types"]) == {"Method", "Model", "Dataset", "Benchmark", "Paper"}
    shapes = [s["shape"] for s in st["types"].values()]
    colours = [s["color"] for s in st["types"].values()]
    assert len(set(shapes)) == len(shapes) and len(set(colours)) == len(colours)
    assert st["types"]["Method"]["count"] == 4 and st["types"]["Paper"]["count"] == 5
    rels = {e["rel"] for e in data["edges"]}
    assert {"mentions", "proposes", "outperforms", "evaluated_on", "based_on"} <= rels
    assert rels == set(st["rels"])
    rel_colours = [s["color"] for s in st["rels"].values()]
    assert len(set(rel_colours)) == len(rel_colours)
    # KTO -> DPO has two relations: the second is curved so they do not overlap
    kd = [e for e in data["edges"] if {e["from"], e["to"]} == {entity_node("kto"), entity_node("dpo")}]
    assert len(kd) == 2 and sum("curve" in e for e in kd) == 1
    out = next(e for e in data["edges"] if e["rel"] == "outperforms")
    assert out["ev"][0]["sentence"] == "DPO outperforms PPO on summarization."
    assert out["ev"][0]["rule"] == "pattern:outperforms"
    assert out["ev"][0]["paper"] == paper_node("2305.18290")
    # entity memberships: who mentions/proposes DPO, proposers first
    mem = data["members"][entity_node("dpo")]
    assert mem[0] == [paper_node("2305.18290"), "proposes"]
    assert {m[0] for m in mem} == {paper_node(p) for p in ("2305.18290", "2402.01306", "evil-1")}


def test_highlight_spans(g_small):
    data = page_data(g_small, extractions=small_extractions())
    p = data["papers"][paper_node("2305.18290")]
    found = {(s[0], p[s[0]][s[1]:s[2]], s[4]) for s in p["spans"]}
    assert ("abstract", "DPO", "Method") in found
    assert ("abstract", "Anthropic HH", "Dataset") in found
    assert ("title", "Direct Preference Optimization", "Method") in found
    # the graph's `spans` edge attribute (every mention) gives the same highlights
    assert page_data(g_small)["papers"][paper_node("2305.18290")]["spans"] == p["spans"]
    # without it, only the first mention (field/start/end) is known
    g1 = small_graph()
    for _, _, d in g1.edges(data=True):
        d.pop("spans", None)
    p1 = page_data(g1)["papers"][paper_node("2305.18290")]
    assert len(p1["spans"]) < len(p["spans"])
    assert all(p1[s[0]][s[1]:s[2]] for s in p1["spans"])
    # spans as GraphML stores them ('field:start:end|...')
    g2 = small_graph()
    for u, v, k, d in g2.edges(keys=True, data=True):
        if u == paper_node("2305.18290") and v == entity_node("ppo"):
            d["spans"] = "abstract:72:75|abstract:166:169"
    p2 = page_data(g2)["papers"][paper_node("2305.18290")]
    ppo = [(s[1], s[2]) for s in p2["spans"] if s[3] == entity_node("ppo")]
    assert ppo == [(72, 75), (166, 169)]
    assert p2["abstract"][166:169] == "PPO"


def test_view_entities_only(g_small):
    h = select_view(g_small, view="entities")
    assert all(d["kind"] == "entity" for _, d in h.nodes(data=True))
    assert h.number_of_nodes() == sum(1 for _, d in g_small.nodes(data=True) if d["kind"] == "entity")
    co = [(u, v, d["weight"]) for u, v, d in h.edges(data=True) if d["rel"] == "co_occurs"]
    assert (entity_node("dpo"), entity_node("ppo"), 1) in co or \
           (entity_node("ppo"), entity_node("dpo"), 1) in co
    w = {frozenset((u, v)): wt for u, v, wt in co}
    assert w[frozenset((entity_node("ppo"), entity_node("rlhf")))] == 2
    assert any(d["rel"] == "outperforms" for _, _, d in h.edges(data=True))
    data = page_data(g_small, view="entities")
    assert {n["kind"] for n in data["nodes"]} == {"entity"}
    co_e = [e for e in data["edges"] if e["rel"] == "co_occurs"]
    assert co_e and all(e["weight"] >= 1 for e in co_e)
    assert "co_occurs" in data["styles"]["rels"]
    # the paper table is still there for the panels
    assert paper_node("2305.18290") in data["papers"]


def test_view_neighbourhood(g_small):
    h1 = select_view(g_small, entity="GPT-3", hops=1)
    assert set(h1) == {entity_node("gpt-3"), entity_node("the-pile"), paper_node("2005.14165")}
    h = select_view(g_small, entity="direct preference optimization", hops=1)
    assert set(h) == {entity_node("dpo"), entity_node("ppo"), entity_node("anthropic-hh"),
                      entity_node("kto"), paper_node("2305.18290"), paper_node("2402.01306"),
                      paper_node("evil-1")}
    h2 = select_view(g_small, entity="DPO", hops=2)
    assert entity_node("mmlu") in h2 and entity_node("rlhf") in h2 and entity_node("gpt-3") not in h2
    he = select_view(g_small, view="entities", entity="dpo", hops=1)
    assert paper_node("2305.18290") not in he and entity_node("mmlu") in he
    with pytest.raises(ValueError, match="did you mean"):
        select_view(g_small, entity="DPOO")
    data = page_data(g_small, entity="DPO", hops=1)
    assert data["meta"]["entity"] == "DPO" and data["meta"]["centre"] == entity_node("dpo")


def test_view_types(g_small):
    h = select_view(g_small, view="entities", types=["Method", "Benchmark"])
    assert {d["type"] for _, d in h.nodes(data=True)} == {"Method", "Benchmark"}
    assert entity_node("llama-2") not in h
    hf = select_view(g_small, types=["Model"])
    assert {d["kind"] for _, d in hf.nodes(data=True)} == {"paper", "entity"}
    assert {d["type"] for _, d in hf.nodes(data=True) if d["kind"] == "entity"} == {"Model"}
    assert paper_node("evil-1") not in hf  # mentions no model
    with pytest.raises(ValueError, match="no entity has type"):
        select_view(g_small, types=["Nonsense"])
    with pytest.raises(ValueError, match="unknown view"):
        select_view(g_small, view="nope")


@pytest.fixture(scope="module")
def g_big():
    return synthetic_graph(5000, 2500)


def test_large_graph_capped(tmp_path, g_big):
    g = g_big
    n_total = g.number_of_nodes()
    path = write_page(g, tmp_path / "big.html", max_nodes=300, max_embedded=2000)
    page = path.read_text(encoding="utf-8")
    data = _embedded(page)
    m = data["meta"]
    assert m["nodes_total"] == n_total
    assert m["nodes_initial"] == 300 == sum(1 for n in data["nodes"] if n["i"])
    assert len(data["nodes"]) == 2000 and m["capped"] and m["partial"]
    # the initial nodes are the best connected ones
    und = g.to_undirected(as_view=True)
    deg = {n: len(set(und.neighbors(n))) for n in g}
    shown = [n["id"] for n in data["nodes"] if n["i"]]
    cutoff = sorted(deg.values(), reverse=True)[299]
    assert min(deg[n] for n in shown) >= cutoff
    # initial edges only join initial nodes; every embedded edge joins embedded nodes
    emb = {n["id"] for n in data["nodes"]}
    ini = set(shown)
    assert all(e["from"] in ini and e["to"] in ini for e in data["edges"] if e["i"])
    assert all(e["from"] in emb and e["to"] in emb for e in data["edges"])
    assert "Showing the 300 best-connected of" in page
    assert "This page embeds 2,000 nodes" in page


def test_capped_page_of_the_stream_is_the_page_of_the_graph(tmp_path):
    """The build writes its page from the stream (kg.views.page_data_stream): the same nodes
    chosen, the same panels and edges, byte for byte, where the caps bite hard."""
    from kg.aggregate import Aggregates
    from kg.views import page_selection
    exs = synthetic_extractions(3000, 2500)
    g = build_graph(exs)
    agg = Aggregates.of(exs)
    for caps in ({"max_nodes": 300, "max_embedded": 2000}, {"max_nodes": 40, "max_embedded": 100}):
        a = write_page(exs, tmp_path / "a.html", aggregates=agg, **caps).read_bytes()
        b = write_page(g, tmp_path / "b.html", **caps).read_bytes()
        assert a == b, caps
    sel = page_selection(exs, agg, max_nodes=40, max_embedded=100)
    data = page_data(g, max_nodes=40, max_embedded=100)
    assert sel["embedded"] == [n["id"] for n in data["nodes"]]
    assert len(data["papers"]) > 100 + 50  # papers listed beyond the embedded ones
    with pytest.raises(ValueError, match="full view"):
        write_page(exs, tmp_path / "c.html", view="entities")


def test_default_cap_on_5000_entities(g_big):
    data = page_data(g_big, view="entities")
    assert sum(n["i"] for n in data["nodes"]) == 1500
    assert data["meta"]["nodes_total"] == 5000


def test_deterministic(tmp_path, g_small):
    a = write_page(g_small, tmp_path / "a.html").read_bytes()
    b = write_page(small_graph(), tmp_path / "b.html").read_bytes()
    assert a == b
    c = write_page(g_small, tmp_path / "c.html", view="entities").read_bytes()
    d = write_page(g_small, tmp_path / "d.html", view="entities").read_bytes()
    assert c == d


def test_positions_for_drawn_nodes(g_small, g_big):
    """The page opens drawn: every node drawn at first has a position computed in Python."""
    for g, kw in ((g_small, {}), (g_big, {"max_nodes": 300, "max_embedded": 900})):
        data = page_data(g, **kw)
        assert data["meta"]["layout"] == "precomputed"
        drawn = [n for n in data["nodes"] if n["i"]]
        assert drawn and all(isinstance(n.get("x"), int) and isinstance(n.get("y"), int) for n in drawn)
        assert not any("x" in n or "y" in n for n in data["nodes"] if not n["i"])
        xy = {(n["x"], n["y"]) for n in drawn}
        assert len(xy) == len(drawn)  # no two nodes on one point
        xs, ys = [n["x"] for n in drawn], [n["y"] for n in drawn]
        assert max(xs) - min(xs) > 150 and max(ys) - min(ys) > 150  # spread out, not on a point
        # neighbours sit closer than random pairs: the layout follows the edges
        pos = {n["id"]: (n["x"], n["y"]) for n in drawn}
        drawn_edges = [e for e in data["edges"] if e["i"]]
        dist = lambda a, b: ((pos[a][0] - pos[b][0]) ** 2 + (pos[a][1] - pos[b][1]) ** 2) ** 0.5  # noqa: E731
        mean_edge = sum(dist(e["from"], e["to"]) for e in drawn_edges) / len(drawn_edges)
        ids = sorted(pos)
        pairs = [(ids[i], ids[(i * 7 + 3) % len(ids)]) for i in range(len(ids))]
        mean_any = sum(dist(a, b) for a, b in pairs) / len(pairs)
        assert mean_edge < 0.5 * mean_any
    # the old behaviour stays available (the benchmark's baseline): no positions
    old = page_data(g_small, layout="physics")
    assert old["meta"]["layout"] == "physics" and not any("x" in n for n in old["nodes"])
    with pytest.raises(ValueError):
        page_data(g_small, layout="spring")


def test_graphml_roundtrip(tmp_path, g_small):
    path = tmp_path / "graph.graphml"
    nx.write_graphml(to_graphml_ready(g_small), path)
    g = load_graphml(tmp_path)  # a directory holding graph.graphml
    assert set(g.nodes) == set(g_small.nodes)
    assert g.number_of_edges() == g_small.number_of_edges()
    dpo = g.nodes[entity_node("dpo")]
    assert dpo["aliases"] == ["Direct Preference Optimization"] and dpo["papers"] == 3
    assert g.nodes[paper_node("2305.18290")]["authors"] == ["A. Author", "B. Author"]
    assert g.nodes[entity_node("ppo")]["aliases"] == []
    assert {n["id"] for n in page_data(g)["nodes"]} == set(g_small.nodes)
    with pytest.raises(FileNotFoundError):
        load_graphml(tmp_path / "missing")


def test_empty_graph(tmp_path):
    page = write_page(nx.MultiDiGraph(), tmp_path / "empty.html").read_text(encoding="utf-8")
    assert _embedded(page)["nodes"] == []


def test_cli_view(tmp_path, g_small):
    from click.testing import CliRunner

    from kg.cli import cli

    nx.write_graphml(to_graphml_ready(g_small), tmp_path / "graph.graphml")
    out = tmp_path / "page.html"
    r = CliRunner().invoke(cli, ["view", str(tmp_path), "-o", str(out), "--entity", "DPO",
                                 "--hops", "1", "--max-nodes", "50"])
    assert r.exit_code == 0, r.output
    data = _embedded(out.read_text(encoding="utf-8"))
    assert data["meta"]["centre"] == entity_node("dpo") and len(data["nodes"]) == 7
    r = CliRunner().invoke(cli, ["view", str(tmp_path / "graph.graphml"), "-o", str(out),
                                 "--entities-only", "--types", "Method,Dataset"])
    assert r.exit_code == 0, r.output
    data = _embedded(out.read_text(encoding="utf-8"))
    assert {n["type"] for n in data["nodes"]} == {"Method", "Dataset"}
    r = CliRunner().invoke(cli, ["view", str(tmp_path), "-o", str(out), "--entity", "nosuch"])
    assert r.exit_code != 0 and "no entity named" in r.output
    r = CliRunner().invoke(cli, ["view", str(tmp_path / "nope"), "-o", str(out)])
    assert r.exit_code != 0


def test_page_script_builds_dom_from_text_only():
    from kg.views import TEMPLATES

    js = (TEMPLATES / "page.js").read_text(encoding="utf-8")
    code = re.sub(r"/\*.*?\*/", "", js, flags=re.S)  # drop comments
    code = re.sub(r"^\s*//.*$", "", code, flags=re.M)
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
                 "new Function"):
        assert sink not in code, sink


def test_many_components_pack_without_overlap_and_stay_compact():
    import math

    from kg.views import _pack
    blocks = [(None, 5.0)] + [(None, 1.2)] * 40 + [(None, 0.6)] * 400
    out = _pack(blocks)
    radii = [r for _, r in blocks]
    for i in range(len(out)):
        for j in range(i):
            assert math.dist(out[i], out[j]) >= radii[i] + radii[j] - 1e-9
    # within a circle of about twice the radius that holds the blocks' total area
    area = sum(math.pi * r * r for r in radii)
    assert max(math.hypot(x, y) + r for (x, y), r in zip(out, radii)) < 2 * math.sqrt(area / math.pi)
