"""``kg audit``: each class of problem, written by hand into a small mentions.jsonl, is reported."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from kg.audit import audit, fits_acronym, format_report, similarity
from kg.cli import cli

LEXICON = {"vits": ("VITS",), "multipl-e": ("MultiPL-E",), "glove": ("GloVe",),
           "self-taught-reasoner": ("Self-Taught Reasoner", "STaR")}

FILLER = "We evaluate on multiple tasks with multiple seeds and report the quality of multiple runs."


def ent(id_, name, aliases=(), mentions=None, proposed=False, rule="shape", type_="Method"):
    ms = mentions if mentions is not None else [(name, rule)]
    return {"id": id_, "name": name, "type": type_, "aliases": list(aliases), "proposed": proposed,
            "rule": rule, "type_rule": "lexicon" if rule.startswith("lexicon") else "default",
            "confidence": 0.9,
            "mentions": [{"field": "abstract", "start": 40, "end": 40 + len(t), "text": t, "rule": r}
                         for t, r in ms]}


def paper(pid, *ents, title=None, abstract=FILLER):
    return {"id": pid, "title": title or f"Paper {pid}", "abstract": abstract,
            "entities": list(ents), "relations": [], "results": []}


@pytest.fixture()
def export(tmp_path):
    papers = [
        # 1. duplicates: plural / acronym-plural splits; GPT-4 / GPT-4o and SAM / SAM 2 are not
        paper("p1", ent("vit", "ViT"), ent("kan", "Kolmogorov-Arnold Network"), ent("gpt-4", "GPT-4", type_="Model"),
              ent("sam", "SAM", type_="Model")),
        paper("p2", ent("vits-2", "ViTs"), ent("kans", "Kolmogorov-Arnold Networks"),
              ent("gpt-4o", "GPT-4o", type_="Model"), ent("sam-2", "SAM 2", type_="Model")),
        paper("p3", ent("vit", "ViT"), ent("gpt-4", "GPT-4", type_="Model")),
        # 1b. an acronym defined as one long form, bare uses still apart
        paper("p4", ent("model-predictive-control", "Model Predictive Control", ["MPC"],
                        [("Model Predictive Control", "abbreviation"), ("MPC", "abbreviation")])),
        paper("p5", ent("model-predictive-control", "Model Predictive Control", ["MPC"])),
        paper("p6", ent("mpc", "MPC")),
        paper("p7", ent("mpc", "MPC")),
        # 2. one node, two meanings (DP); one node, one meaning in two spellings (DPO)
        paper("p8", ent("dp", "Differential Privacy", ["DP"], rule="abbreviation")),
        paper("p9", ent("dp", "Diffusion Policy", ["DP"], rule="abbreviation")),
        paper("p10", ent("dp", "differential privacy", ["DP"], rule="abbreviation"),
              ent("dpo", "Direct Preference Optimization", ["DPO"], rule="lexicon")),
        paper("p11", ent("dpo", "Direct Preference Optimisation", ["DPO"], rule="lexicon")),
        # 2. key joins ViTs to the lexicon's VITS; a lexicon acronym defined otherwise by a paper
        paper("p12", ent("vits", "ViTs", mentions=[("ViTs", "lexicon")], rule="lexicon")),
        paper("p13", ent("vits", "VITS", mentions=[("VITS", "lexicon")], rule="lexicon")),
        paper("p14", ent("self-taught-reasoner", "Spatiotemporal Reasoning Framework", ["STAR"], rule="lexicon")),
        paper("p15", ent("self-taught-reasoner", "STaR", rule="lexicon")),
        # 3. lexicon hits on common words: 'Multiple' for MultiPL-E; 'GloVe' itself is fine
        paper("p16", ent("multipl-e", "Multiple", mentions=[("Multiple", "lexicon")], rule="lexicon",
                         type_="Benchmark"), ent("glove", "GloVe", mentions=[("GloVe", "lexicon")], rule="lexicon")),
        paper("p17", ent("multipl-e", "MultiPL-E", mentions=[("MultiPL-E", "lexicon")], rule="lexicon",
                         type_="Benchmark"), ent("glove", "GloVe", mentions=[("GloVe", "lexicon")], rule="lexicon")),
        # 4. one coined name, two unrelated systems; a series of related papers
        paper("p18", ent("atlas", "ATLAS", proposed=True),
              title="ATLAS: Automated Toolkit for Large-Scale Verified Code Synthesis"),
        paper("p19", ent("atlas", "ATLAS", proposed=True),
              title="ATLAS: Tree-based Language Analysis for C Programs"),
        paper("p20", ent("bbg", "Biothreat Benchmark Generation", proposed=True),
              title="Biothreat Benchmark Generation Framework I: The Task-Query Architecture"),
        paper("p21", ent("bbg", "Biothreat Benchmark Generation", proposed=True),
              title="Biothreat Benchmark Generation Framework II: The Generation Process"),
        # a coined name the resolver already keeps to one node per proposing paper
        paper("p22", ent("luna--p22", "LUNA", proposed=True), title="LUNA: LUT-Based Qubit Readout"),
        paper("p23", ent("luna--p23", "LUNA", proposed=True), title="LUNA: Linear Universal Neural Attention"),
    ]
    path = tmp_path / "mentions.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for p in papers:
            fh.write(json.dumps(p) + "\n")
        fh.write("{not json\n")
    return tmp_path


def _dup_ids(r):
    return [sorted(n["id"] for n in d["nodes"]) for d in r["duplicates"]]


def test_duplicates_by_variant_key(export):
    r = audit(export, top=100, lexicon=LEXICON)
    groups = _dup_ids(r)
    assert any({"vit", "vits-2"} <= set(g) for g in groups)  # (and 'vits', written ViTs in p12)
    assert ["kan", "kans"] in groups
    flat = {i for g in groups for i in g}
    assert not {"gpt-4", "gpt-4o", "sam", "sam-2"} & flat
    assert r["summary"]["bad_lines"] == 1


def test_acronym_defined_but_separate(export):
    r = audit(export, top=100, lexicon=LEXICON)
    (split,) = [s for s in r["acronym_splits"] if s["acronym"]["id"] == "mpc"]
    assert split["long_form"]["id"] == "model-predictive-control" and split["strong"]
    assert split["long_form"]["definitions"] == 2


def test_wrong_merge_of_two_long_forms(export):
    r = audit(export, top=100, lexicon=LEXICON)
    by_id = {d["id"]: d for d in r["wrong_merges"]}
    assert "different long forms" in by_id["dp"]["reasons"]
    assert {m["long_form"].lower() for m in by_id["dp"]["meanings"]} == {"differential privacy", "diffusion policy"}
    assert "dpo" not in by_id  # optimisation / optimization is one meaning
    assert [c["text"] for c in by_id["vits"]["case_collisions"]] == ["ViTs"]
    assert "papers define it otherwise than the lexicon" in by_id["self-taught-reasoner"]["reasons"]


def test_common_word_lexicon_hits(export):
    r = audit(export, top=100, lexicon=LEXICON)
    (hit,) = r["common_word_hits"]
    assert hit["id"] == "multipl-e"
    assert hit["hits"][0]["text"] == "Multiple" and hit["hits"][0]["mentions"] == 1
    assert hit["hits"][0]["share"] == 0.5


def test_multiply_proposed(export):
    r = audit(export, top=100, lexicon=LEXICON)
    kinds = {d["id"]: d["kind"] for d in r["multiply_proposed"]}
    assert kinds == {"atlas": "coined", "bbg": "related", "luna--p22": "coined"}
    by_id = {d["id"]: d for d in r["multiply_proposed"]}
    assert by_id["atlas"]["problem"] and by_id["atlas"]["graph"] == "one node"
    assert by_id["luna--p22"]["problem"] is None and by_id["luna--p22"]["graph"] == "split"
    assert not any("luna--p22" in g for g in _dup_ids(r))  # kept apart on purpose: not a duplicate
    s = r["summary"]
    assert s["multiply_proposed"] == 3 and s["multiply_proposed_coined"] == 2


def test_summary_and_text_report(export):
    r = audit(export, top=100, lexicon=LEXICON)
    s = r["summary"]
    assert s["papers"] == 23 and s["wrong_merges"] >= 3 and s["common_word_hits"] == 1
    assert 0 < s["duplicate_share"] <= 1
    text = format_report(r)
    for needle in ("Suspected duplicates", "ViTs", "Model Predictive Control", "Diffusion Policy",
                   "'Multiple'", "ATLAS", "coined name"):
        assert needle in text
    assert set(r["verdicts"]) == {"duplicates", "wrong_merges", "common_words", "proposed"}


def test_top_limits_the_audit(export):
    r = audit(export, top=1, lexicon=LEXICON)
    assert r["summary"]["top"] == 1


def test_helpers():
    assert similarity("Differential Privacy", "Diffusion Policy") == 0
    assert similarity("Generative Adversarial Network", "Generative Adversarial Nets") == 1
    assert fits_acronym("DP", "Diffusion Policy") and fits_acronym("DAgger", "Dataset Aggregation")
    assert not fits_acronym("MPC", "Linear Quadratic Regulator")


def test_cli_json_and_text(export):
    runner = CliRunner()
    res = runner.invoke(cli, ["audit", str(export), "--json", "--top", "50", "--examples", "1"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["summary"]["top"] <= 50
    res = runner.invoke(cli, ["audit", str(export / "mentions.jsonl")])
    assert res.exit_code == 0 and "Summary" in res.output


def test_audit_of_a_real_sample_build(tmp_path):
    from kg.build import build
    build(None, tmp_path, rdf_formats=(), html=False)
    res = CliRunner().invoke(cli, ["audit", str(tmp_path), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    for k in ("papers", "entities", "top", "duplicate_share", "top_nodes_with_duplicate", "wrong_merges",
              "common_word_hits", "multiply_proposed"):
        assert k in data["summary"]
    assert data["summary"]["papers"] == 84
    assert format_report(data)
