"""The inputs users have (issue 10, part 4): Zotero CSV, Semantic Scholar and OpenAlex JSON,
BibTeX with its citekeys, --map, one id per paper across formats, stdin, directories, any
line ending, and abstracts without titles.  Through the CLI (CliRunner) or kg.readers."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.readers import InputError, ReadReport, read_papers

DATA = Path(__file__).parent / "data" / "readers"
LORA = "2106.09685"


def invoke(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def read(path, **kw):
    report = ReadReport()
    return list(read_papers(path, report=report, **kw)), report


# ---- the common exports, out of the box ---------------------------------------------------


def test_zotero_csv_is_read_as_it_is(tmp_path):
    out = tmp_path / "m.jsonl"
    r = invoke("extract", DATA / "zotero.csv", "-o", out)
    assert r.exit_code == 0, r.output
    lora, bert, report = records(out)
    assert lora["id"] == LORA and lora["date"] == "2021-10-16"
    assert lora["authors"] == ["Edward J. Hu", "Yelong Shen", "Phillip Wallis"]
    assert "Low-Rank Adaptation" in {e["name"] for e in lora["entities"]}
    assert bert["id"] == "10.18653/v1/n19-1423"  # the DOI, lower-cased
    assert report["id"].startswith("t-")  # no identifier: from the title, not Zotero's item key


def test_semantic_scholar_json_gets_real_ids_and_dates():
    (lora, other), report = read(DATA / "semantic-scholar.json")
    assert not report.issues
    assert lora.id == LORA and lora.date == "2021-06-17" and lora.authors == ("J. E. Hu", "Yelong Shen")
    assert other.id == "0123456789abcdef0123456789abcdef01234567"  # the paperId, not a hash
    assert other.date == "2022"  # publicationDate null: the year


def test_openalex_abstract_is_rebuilt_from_the_inverted_index():
    [lora], report = read(DATA / "openalex.json")
    assert not report.issues
    assert lora.id == LORA and lora.date == "2021-06-17"
    assert lora.abstract.startswith("We propose Low-Rank Adaptation, or LoRA, which freezes")
    assert lora.abstract.endswith("Then We fine-tune GPT-3 175B.")
    assert lora.authors == ("Edward J. Hu", "Yelong Shen")


def test_arxiv_snapshot_is_recognised(tmp_path):
    src = tmp_path / "arxiv-metadata-oai-snapshot.json"
    src.write_text(json.dumps({
        "id": "2106.09685", "submitter": "Edward Hu", "authors": "Edward J. Hu, Yelong Shen",
        "title": "LoRA", "doi": None, "abstract": "We propose LoRA.", "update_date": "2021-10-18",
        "versions": [{"version": "v1", "created": "Thu, 17 Jun 2021 17:37:18 GMT"}],
        "authors_parsed": [["Hu", "Edward J.", ""], ["Shen", "Yelong", ""]]}) + "\n")
    [p], _ = read(src)
    assert p.id == LORA and p.date == "2021-06-17" and p.authors == ("Edward J. Hu", "Yelong Shen")


def test_the_same_paper_gets_one_id_from_every_format(tmp_path):
    atom = tmp_path / "lora.atom"
    atom.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
        "<entry><id>http://arxiv.org/abs/2106.09685v2</id><title>LoRA: Low-Rank Adaptation of "
        "Large Language Models</title><summary>We propose LoRA.</summary></entry>\n</feed>\n")
    jl = tmp_path / "lora.jsonl"
    jl.write_text(json.dumps({"title": "LoRA", "abstract": "We propose LoRA.",
                              "doi": "https://doi.org/10.48550/arXiv.2106.09685"}) + "\n")
    ids = {}
    for src in (DATA / "zotero.csv", DATA / "semantic-scholar.json", DATA / "openalex.json",
                DATA / "lora.bib", atom, jl):
        papers, _ = read(src)
        ids[src.name] = papers[0].id
    assert set(ids.values()) == {LORA}, ids
    bert = {read(DATA / n)[0][1].id for n in ("zotero.csv", "lora.bib")}
    assert bert == {"10.18653/v1/n19-1423"}  # a DOI, whatever its case in the input


# ---- BibTeX: a real parser, citekeys kept -----------------------------------------------


def test_bibtex_citekey_is_kept_and_explain_finds_it(tmp_path):
    out = tmp_path / "o"
    r = invoke("build", DATA / "lora.bib", "-o", out, "--no-html")
    assert r.exit_code == 0, r.output
    recs = {rec["id"]: rec for rec in records(out / "mentions.jsonl")}
    assert recs[LORA]["citekey"] == "hu2022lora"
    assert "citekey" not in recs["nokey2023report"]  # the key is the id: not repeated
    assert '"hu2022lora"' in (out / "graph.nt").read_text(encoding="utf-8")
    r = invoke("query", out / "graph.ttl", "PREFIX kgv: <https://w3id.org/kg-ml/vocab#> "
               "PREFIX dcterms: <http://purl.org/dc/terms/> "
               'SELECT ?id WHERE { ?p kgv:citekey "hu2022lora" ; dcterms:identifier ?id }', "--format", "csv")
    assert r.exit_code == 0 and LORA in r.output, r.output
    for source in (DATA / "lora.bib", out / "mentions.jsonl"):
        r = invoke("explain", "hu2022lora", source)
        assert r.exit_code == 0, r.output
        assert f"paper {LORA} (hu2022lora)" in r.output and "LoRA" in r.output


def test_bibtex_macros_concatenation_and_duplicate_fields(tmp_path):
    src = tmp_path / "m.bib"
    src.write_text('@string{a = "Low-Rank"}\n@String{B = a # " Adaptation"}\n'
                   '@article{k1, title = B # {: {LoRA}}, title = {second}, abstract = "x " # a,\n'
                   '  month = jun, year = 2022}\n')
    [p], report = read(src)
    assert p.title == "Low-Rank Adaptation: LoRA" and p.abstract == "x Low-Rank"
    assert p.date == "2022-06" and p.id == "k1" and not report.issues


def test_bibtex_macro_expansion_is_bounded(tmp_path):
    lines = ['@string{m0 = "xxxxxxxxxxxxxxxx"}']
    for i in range(1, 40):  # each doubles: 16 * 2**39 characters if expanded blindly
        lines.append(f"@string{{m{i} = m{i-1} # m{i-1}}}")
    lines.append("@article{boom, title = {T}, abstract = m39}")
    lines.append("@article{fine, title = {Fine}, abstract = {Still read.}}")
    src = tmp_path / "bomb.bib"
    src.write_text("\n".join(lines) + "\n")
    papers, report = read(src)
    assert [p.id for p in papers] == ["fine"]
    assert any("expand to more than" in str(i) for i in report.issues)


# ---- --map ------------------------------------------------------------------------------


def test_map_names_columns_and_keys(tmp_path):
    csv = tmp_path / "mine.csv"
    csv.write_text("Name,Summary Text,Link\nMy Paper,We fine-tune Llama 2 on MMLU.,https://x.org/1\n")
    out = tmp_path / "m.jsonl"
    r = invoke("extract", csv, "-o", out, "--map", "title=Name", "--map", "abstract=Summary Text")
    assert r.exit_code == 0, r.output
    [rec] = records(out)
    assert rec["title"] == "My Paper" and rec["url"] == "https://x.org/1"
    jl = tmp_path / "mine.jsonl"
    jl.write_text(json.dumps({"heading": "H", "body": "We use CLIP.", "ext": {"arxiv": "2106.09685"}}) + "\n")
    r = invoke("extract", jl, "-o", out, "--map", "title=heading", "--map", "abstract=body",
               "--map", "arxiv=ext.arxiv")
    assert r.exit_code == 0, r.output
    assert records(out)[0]["id"] == LORA


def test_bad_map_fails_before_any_work(tmp_path):
    out = tmp_path / "m.jsonl"
    r = invoke("extract", DATA / "zotero.csv", "-o", out, "--map", "abstrct=Abstract Note")
    assert r.exit_code == 2 and "unknown field 'abstrct'" in r.output and not out.exists()
    r = invoke("extract", DATA / "zotero.csv", "-o", out, "--map", "abstract")
    assert r.exit_code == 2 and "FIELD=COLUMN" in r.output
    r = invoke("extract", DATA / "zotero.csv", "-o", out, "--map", "abstract=Nope")
    assert r.exit_code == 1 and "no such column" in r.output and "Abstract Note" in r.output


# ---- stdin, directories, line endings ----------------------------------------------------


def test_stdin_as_input(tmp_path):
    out = tmp_path / "m.jsonl"
    data = (DATA / "semantic-scholar.json").read_bytes()
    r = invoke("extract", "-", "-o", out, input=data)
    assert r.exit_code == 0, r.output
    assert [rec["id"] for rec in records(out)][0] == LORA
    r = invoke("extract", "-", "-o", out, input=gzip.compress((DATA / "lora.bib").read_bytes()))
    assert r.exit_code == 0, r.output
    assert records(out)[0]["citekey"] == "hu2022lora"
    r = invoke("extract", "-", "-o", out, "--format", "csv", input=(DATA / "zotero.csv").read_bytes())
    assert r.exit_code == 0 and len(records(out)) == 3, r.output


def test_directory_as_input(tmp_path):
    d = tmp_path / "papers"
    (d / "more").mkdir(parents=True)
    (d / "a.jsonl").write_text(json.dumps({"id": "a", "title": "A", "abstract": "We use CLIP."}) + "\n")
    (d / "more" / "b.csv").write_text("title,abstract\nB,We use DPO.\n")
    (d / "notes.md").write_text("not an input\n")
    (d / ".hidden.jsonl").write_text("broken\n")
    out = tmp_path / "o"
    r = invoke("build", d, "-o", out, "--no-html", "--rdf", "")
    assert r.exit_code == 0, r.output
    assert [rec["title"] for rec in records(out / "mentions.jsonl")] == ["A", "B"]
    empty = tmp_path / "empty"
    empty.mkdir()
    r = invoke("build", empty, "-o", out)
    assert r.exit_code == 1 and "no input files" in r.output


@pytest.mark.parametrize("ending", ["\r", "\r\n", "\n"])
def test_any_line_ending(tmp_path, ending):
    rows = [{"id": f"p{i}", "title": f"T{i}", "abstract": "We fine-tune Llama 2 on MMLU."} for i in range(3)]
    jl = tmp_path / "p.jsonl"
    jl.write_bytes(ending.join(json.dumps(r) for r in rows).encode() + ending.encode())
    csv = tmp_path / "p.csv"
    csv.write_bytes(ending.join(["id,title,abstract", *(f"{r['id']},{r['title']},{r['abstract']}" for r in rows)]).encode())
    bib = tmp_path / "p.bib"
    bib.write_bytes(ending.join(f"@article{{{r['id']},{ending} title = {{{r['title']}}},{ending}"
                                f" abstract = {{{r['abstract']}}}}}" for r in rows).encode())
    for src in (jl, csv, bib):
        papers, report = read(src)
        assert [p.id for p in papers] == ["p0", "p1", "p2"], (src.name, report.issues)
        assert not report.issues
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"id": "a", "title": "A", "abstract": "x"}\r{broken\r{"id": "c", "title": "C", "abstract": "y"}\r')
    papers, report = read(bad)
    assert [p.id for p in papers] == ["a", "c"] and "bad.jsonl:2:" in str(report.issues[0])


# ---- an abstract without a title ----------------------------------------------------------


def test_abstract_without_title_is_extracted(tmp_path):
    src = tmp_path / "abstracts.csv"
    src.write_text("abstract\nWe fine-tune Llama 2 on MMLU.\nWe train CLIP on LAION-5B.\n")
    out = tmp_path / "m.jsonl"
    r = invoke("extract", src, "-o", out)
    assert r.exit_code == 0, r.output
    recs = records(out)
    assert len(recs) == 2 and all(rec["title"] == "" and rec["id"].startswith("a-") for rec in recs)
    names = {e["name"] for e in recs[0]["entities"]}
    assert {"Llama 2", "MMLU"} <= names
    for rec in recs:
        for e in rec["entities"]:
            for m in e["mentions"]:
                assert m["field"] == "abstract" and rec["abstract"][m["start"]:m["end"]] == m["text"]
        for rel in rec["relations"]:
            ev = rel["evidence"]
            assert ev["field"] == "abstract" and rec["abstract"][ev["start"]:ev["end"]].strip() == ev["text"]
    jl = tmp_path / "a.jsonl"
    jl.write_text(json.dumps({"abstract": "We use DPO."}) + "\n")
    [p], report = read(jl)
    assert p.title == "" and p.id.startswith("a-") and not report.issues


def test_missing_input_fails_before_any_work(tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    (out / "mentions.jsonl").write_text("previous\n")
    r = invoke("build", DATA / "lora.bib", tmp_path / "nope.jsonl", "-o", out)
    assert r.exit_code == 1 and "nope.jsonl" in r.output and "papers read" not in r.output
    assert (out / "mentions.jsonl").read_text() == "previous\n"
    with pytest.raises(InputError, match="unknown format"):
        read_papers(DATA / "lora.bib", format="bib")
