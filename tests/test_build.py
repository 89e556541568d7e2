"""kg build / kg extract end to end through the CLI, on the real sample and on broken inputs."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from kg.cli import cli

REQUIRED_ENTITY_KEYS = {"id", "name", "type", "aliases", "proposed", "mentions"}


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_build_sample_writes_every_export(sample_build):
    out, g, summary = sample_build
    for name in ("mentions.jsonl", "graph.graphml", "graph.ttl", "graph.nt", "graph.jsonld", "graph.html"):
        assert (out / name).stat().st_size > 0, name
    assert summary.papers_read == 84 and summary.papers_skipped == 0
    assert sum(summary.entities_by_type.values()) > 150
    assert set(summary.entities_by_type) == {"Method", "Model", "Dataset", "Benchmark"}
    assert summary.relations_by_type.get("evaluated_on", 0) > 10


def test_extract_output_contract(tmp_path, sample_papers):
    out = tmp_path / "m.jsonl"
    r = invoke("extract", sample_papers, "-o", out)
    assert r.exit_code == 0, r.output
    recs = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(recs) == 84
    for rec in recs:
        assert {"id", "title", "entities", "relations"} <= set(rec)
        for e in rec["entities"]:
            assert REQUIRED_ENTITY_KEYS <= set(e)
            assert e["type"] in ("Method", "Model", "Dataset", "Benchmark")
            for m in e["mentions"]:
                text = rec["title"] if m["field"] == "title" else rec["abstract"]
                assert text[m["start"]:m["end"]] == m["text"] and m["rule"]
        names = {e["name"] for e in rec["entities"]}
        for rel in rec["relations"]:
            assert rel["head"] in names and rel["tail"] in names
            assert rel["rel"] in ("based_on", "trained_on", "evaluated_on", "outperforms", "compared_with", "uses")
            ev = rel["evidence"]
            text = rec["title"] if ev["field"] == "title" else rec["abstract"]
            assert text[ev["start"]:ev["end"]].strip() == ev["text"] and rel["rule"]


def test_page_and_jsonl_inputs_give_the_same_extraction(tmp_path, eval_dir, sample_papers):
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    invoke("extract", eval_dir / "daily-papers-page.txt", "-o", a)
    invoke("extract", sample_papers, "-o", b)
    ents = lambda p: [sorted(e["name"] for e in json.loads(l)["entities"]) for l in p.read_text().splitlines()]
    assert ents(a) == ents(b)


def test_rerun_gives_identical_outputs(sample_build, tmp_path):
    out, _, _ = sample_build
    again = tmp_path / "again"
    r = invoke("build", "-o", again)
    assert r.exit_code == 0, r.output
    for name in ("mentions.jsonl", "graph.ttl", "graph.nt", "graph.jsonld", "graph.graphml", "graph.html"):
        assert (out / name).read_bytes() == (again / name).read_bytes(), name


def test_build_summary_on_the_command_line(tmp_path):
    r = invoke("build", "-o", tmp_path / "o", "--no-html", "--rdf", "nt")
    assert r.exit_code == 0, r.output
    assert "papers read: 84, skipped: 0" in r.output
    assert "entities:" in r.output and "relations:" in r.output and "graph.nt" in r.output
    assert not (tmp_path / "o" / "graph.html").exists()


def test_malformed_jsonl_is_reported_and_good_records_kept(tmp_path):
    src = tmp_path / "papers.jsonl"
    src.write_bytes(
        b'{"id": "a", "title": "Alpha", "abstract": "We fine-tune Llama 2 on MMLU."}\n'
        b'{"id": "b", "title": "Beta", "abstract": broken\n'
        b'{"id": "c", "title": "Gamma \xff", "abstract": "We use CLIP."}\n'
        b'{"id": "d", "title": "Delta", "abstract": "We use DPO."}\n')
    out = tmp_path / "m.jsonl"
    r = CliRunner().invoke(cli, ["extract", str(src), "-o", str(out)])
    assert r.exit_code == 0
    assert "papers.jsonl:2" in r.output and "papers.jsonl:3" in r.output
    assert "papers read: 2, skipped: 2" in r.output
    assert [json.loads(l)["id"] for l in out.read_text().splitlines()] == ["a", "d"]


@pytest.mark.parametrize("name,content,message", [
    ("no-abstract.csv", "id,title\n1,Alpha\n", "no-abstract.csv:1"),
    ("empty.jsonl", "", "empty.jsonl"),
    ("papers.xyz", "x", "--format"),
])
def test_unusable_inputs_fail_clearly_and_keep_old_output(tmp_path, name, content, message):
    src = tmp_path / name
    src.write_text(content)
    out = tmp_path / "m.jsonl"
    out.write_text("previous output\n")
    r = CliRunner().invoke(cli, ["extract", str(src), "-o", str(out)])
    assert r.exit_code != 0
    assert message in r.output and "Traceback" not in r.output
    assert out.read_text() == "previous output\n"  # atomic: nothing the user had is lost


def test_explain_shows_text_and_rules():
    r = invoke("explain", "dev-003")
    assert r.exit_code == 0, r.output
    assert "Prompt Switch" in r.output and "title-name" in r.output
    assert "evaluated_on" in r.output and "MSR-VTT" in r.output
    assert "[CLIP]" in r.output  # the mention shown in its context


def test_explain_from_an_extract_file(tmp_path, sample_papers):
    out = tmp_path / "m.jsonl"
    invoke("extract", sample_papers, "-o", out)
    r = invoke("explain", "dev-027", out)
    assert r.exit_code == 0 and "Direct Preference Optimization" in r.output
    r = CliRunner().invoke(cli, ["explain", "nope", str(out)])
    assert r.exit_code != 0 and "nope" in r.output


def test_parallel_extraction_gives_the_serial_output(tmp_path, sample_papers):
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert invoke("extract", sample_papers, "-o", one).exit_code == 0
    assert invoke("extract", sample_papers, "-o", two, "-j", 2).exit_code == 0
    assert one.read_bytes() == two.read_bytes()


def test_build_on_two_processes_writes_the_same_exports(tmp_path, sample_papers):
    """-j 2 also writes the graph files and the page in a forked process, beside the RDF."""
    one, two = tmp_path / "one", tmp_path / "two"
    assert invoke("build", sample_papers, "-o", one, "--gexf").exit_code == 0
    r = invoke("build", sample_papers, "-o", two, "--gexf", "-j", 2)
    assert r.exit_code == 0, r.output
    names = ("mentions.jsonl", "graph.graphml", "graph.gexf", "graph.ttl", "graph.nt", "graph.jsonld",
             "graph.html")
    for name in names:
        assert (one / name).read_bytes() == (two / name).read_bytes(), name
    wrote = next(line for line in r.output.splitlines() if line.startswith("wrote:"))
    assert [p.rsplit("/", 1)[-1] for p in wrote[len("wrote: "):].split(", ")] == \
        ["mentions.jsonl", "graph.graphml", "graph.gexf", "graph.ttl", "graph.nt", "graph.jsonld",
         "graph.oxigraph", "graph.html"]


def test_an_error_in_the_export_process_fails_the_build_and_keeps_the_old_set(tmp_path, sample_papers,
                                                                              monkeypatch):
    from kg import build, graph
    out = tmp_path / "out"
    build.build([sample_papers], out, graph=False)
    before = (out / "graph.nt").read_bytes()

    def broken(self, i, ex):
        raise RuntimeError("disk on fire")
    monkeypatch.setattr(graph.GraphExport, "add", broken)  # runs in the forked child
    with pytest.raises(RuntimeError, match="disk on fire"):
        build.build([sample_papers], out, graph=False, workers=2)
    assert (out / "graph.nt").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging folder left


def test_output_does_not_depend_on_the_hash_seed(tmp_path, sample_papers):
    """Set and dict orders of strings change between processes; the output must not."""
    import os
    outs = []
    for seed in ("1", "2"):
        out = tmp_path / f"m{seed}.jsonl"
        subprocess.run([sys.executable, "-m", "kg.cli", "extract", str(sample_papers),
                        "-o", str(out)], check=True, capture_output=True,
                       env={**os.environ, "PYTHONHASHSEED": seed})
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
