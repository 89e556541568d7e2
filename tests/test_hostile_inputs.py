"""Bad and hostile input: each case of the fuzzing report gives `file:line: message`, the
record is skipped (or cut, with a warning) and the rest is kept; no traceback, bounded
memory, and a full disk is one line that leaves the previous exports as they were."""
from __future__ import annotations

import errno
import gzip
import json
import os
import resource
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.readers import ReadReport, read_papers
from kg.readers._base import MAX_ABSTRACT

GOOD = {"id": "good", "title": "Good", "abstract": "We fine-tune Llama 2 on MMLU."}
EXPORTS = ("mentions.jsonl", "graph.graphml", "graph.ttl", "graph.nt", "graph.jsonld", "graph.html")


def read(path, **kw):
    report = ReadReport()
    return list(read_papers(path, report=report, **kw)), [str(i) for i in report.issues]


def jsonl(path: Path, *lines: str | bytes) -> Path:
    path.write_bytes(b"".join((x if isinstance(x, bytes) else x.encode()) + b"\n" for x in lines))
    return path


def build(*args):
    return CliRunner().invoke(cli, ["build", *map(str, args)])


def test_text_over_spacys_limit_is_cut_with_a_warning_and_the_build_goes_on(tmp_path):
    words = "lorem ipsum dolor sit amet " * 41_000  # 1,107,000 characters: over spaCy's 1,000,000
    src = jsonl(tmp_path / "long.jsonl", json.dumps({"id": "long", "title": "Long " * 250_000,
                                                       "abstract": words}), json.dumps(GOOD))
    r = build(src, "-o", tmp_path / "o", "--no-html", "--rdf", "nt")
    assert r.exit_code == 0, r.output
    assert "Traceback" not in r.output
    assert f"long.jsonl:1: record: abstract of {len(words.strip())} characters cut to {MAX_ABSTRACT}" in r.output
    assert "long.jsonl:1: record: title of" in r.output
    recs = [json.loads(x) for x in (tmp_path / "o" / "mentions.jsonl").read_text().splitlines()]
    assert [x["id"] for x in recs] == ["long", "good"]
    assert len(recs[0]["abstract"]) <= MAX_ABSTRACT


def test_lone_surrogate_in_json_skips_the_record(tmp_path):
    src = jsonl(tmp_path / "s.jsonl", '{"id": "s", "title": "T \\ud800", "abstract": "x"}',
                '{"id": "a", "title": "T", "abstract": "x", "authors": ["\\udfff"]}', json.dumps(GOOD),
                '{"id": "e", "title": "Emoji \\ud83d\\ude00", "abstract": "x"}')  # a pair is fine
    papers, issues = read(src)
    assert [p.id for p in papers] == ["good", "e"]
    assert issues[0] == f"{src}:1: record: title holds a lone surrogate (\\ud800), which is not text; skipped"
    assert issues[1].startswith(f"{src}:2: record: authors holds a lone surrogate")
    r = build(src, "-o", tmp_path / "o", "--no-html")
    assert r.exit_code == 0 and "Traceback" not in r.output, r.output


def test_json_nested_1000_deep_skips_the_line(tmp_path):
    deep = '{"id": "d", "title": "T", "abstract": "x", "z": ' + "[" * 1000 + "]" * 1000 + "}"
    src = jsonl(tmp_path / "d.jsonl", deep, json.dumps(GOOD))
    papers, issues = read(src)
    assert [p.id for p in papers] == ["good"]
    assert issues == [f"{src}:1: not valid JSON (nested too deeply at column 1); line skipped"]
    arr = tmp_path / "d.json"  # inside a pretty-printed array too
    arr.write_text("[\n" + json.dumps(GOOD) + ",\n" + "[" * 1000 + "]" * 1000 + "\n]\n")
    papers, issues = read(arr)
    assert [p.id for p in papers] == ["good"] and "nested too deeply" in issues[0]


def test_integer_over_4300_digits_in_an_unused_field(tmp_path):
    src = jsonl(tmp_path / "n.jsonl", '{"id": "n", "title": "T", "abstract": "x", "z": ' + "9" * 5000 + "}",
                json.dumps(GOOD))
    papers, issues = read(src)
    assert [p.id for p in papers] == ["n", "good"]  # an unused field does not cost the record
    assert issues == [f"{src}:1: a number of 5000 digits, more than 4300, read as null"]
    csl = jsonl(tmp_path / "c.jsonl", json.dumps({"id": "c", "type": "article", "title": "T", "abstract": "x",
                                                  "issued": {"date-parts": [["9" * 5000, "\u00b2"]]}}))
    [p], _ = read(csl)
    assert p.date is None


def test_atom_with_an_unknown_encoding(tmp_path):
    src = tmp_path / "f.atom"
    src.write_text('<?xml version="1.0" encoding="UTF-9"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
                   "<entry><id>x</id><title>T</title><summary>S</summary></entry></feed>\n")
    papers, issues = read(src)
    assert papers == [] and issues == [
        f"{src}:1: cannot read this XML (unknown encoding: UTF-9); stopped reading this file (0 papers read before it)"]
    src16 = tmp_path / "g.atom"
    src16.write_text('<?xml version="1.0" encoding="UTF-32"?>\n<feed/>\n')
    assert "cannot read this XML" in read(src16)[1][0]
    good = jsonl(tmp_path / "good.jsonl", json.dumps(GOOD))
    r = build(src, good, "-o", tmp_path / "o", "--no-html")
    assert r.exit_code == 0 and "Traceback" not in r.output and "f.atom:1:" in r.output, r.output


def test_absurd_year_in_an_arxiv_snapshot_record(tmp_path):
    base = {"title": "LoRA", "abstract": "We propose LoRA.", "update_date": "2021-10-18", "authors_parsed": []}
    src = jsonl(tmp_path / "arxiv-metadata-oai-snapshot.json",
                json.dumps({**base, "id": "2106.00001", "versions": [{"created": "Thu, 17 Jun 99999999999999999999 17:37:18 GMT"}]}),
                json.dumps({**base, "id": "2106.00002", "versions": [{"created": "Thu, 17 Jun 99999 17:37:18 GMT"}]}),
                json.dumps({**base, "id": "2106.00003", "versions": [{"created": "Thu, 17 Jun 2021 17:37:18 GMT"}]}))
    papers, issues = read(src)
    assert [(p.id, p.date) for p in papers] == [("2106.00001", "2021-10-18"), ("2106.00002", "2021-10-18"),
                                                ("2106.00003", "2021-06-17")]
    bib = tmp_path / "y.bib"
    bib.write_text("@article{y, title = {T}, abstract = {x}, year = 99999999999999999999999, month = {\u00b2}}\n")
    [p], _ = read(bib)
    assert p.date == "99999999999999999999999"


def test_bibtex_string_chain_of_422_bytes_expanding_to_100_million_characters(tmp_path):
    lines = ['@string{a0 = "xxxxxxxxxx"}']
    for i in range(1, 8):  # each level 10 times the last: 10**8 characters at a7
        lines.append(f"@string{{a{i}={'#'.join([f'a{i - 1}'] * 10)}}}")
    lines.append("@article{boom, title = {T}, abstract = a7}")
    src = tmp_path / "chain.bib"
    src.write_text("\n".join(lines[:8]) + "\n" + lines[8] + "\n@article{good, title = {Good}, abstract = {Read.}}\n")
    assert src.stat().st_size < 500
    papers, issues = read(src)
    assert [p.id for p in papers] == ["good"]
    assert any("expand to more than" in i and i.startswith(f"{src}:") for i in issues)


_RSS_PROBE = textwrap.dedent("""
    import resource, sys
    from kg.readers import ReadReport, read_papers
    r = ReadReport()
    papers = list(read_papers(sys.argv[1], report=r))
    print(len(papers), [p.id for p in papers], resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
    for i in r.issues:
        print(i)
""")


@pytest.mark.parametrize("fmt", ["jsonl", "bib", "csv", "txt", "atom"])
def test_newline_free_stream_is_read_in_bounded_memory(tmp_path, fmt):
    size = 200 * 1024 * 1024  # 200 MiB without a line break, gzipped to a few hundred KB
    good = {"jsonl": json.dumps(GOOD).encode(), "bib": b"@article{good, title={Good}, abstract={Read.}}",
            "csv": b"id,title,abstract\ngood,Good,Read.", "txt": b"Good\n\nWe read this.",
            "atom": b""}[fmt]
    head = (b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>good</id><title>G</title><summary>S'
            b"</summary></entry><entry><id>x</id><title>" if fmt == "atom" else good + b"\n")
    src = tmp_path / f"stream.{fmt}.gz"
    with gzip.open(src, "wb", compresslevel=1) as fh:
        fh.write(head)
        chunk = b"x" * (1 << 20)
        for _ in range(size >> 20):
            fh.write(chunk)
    res = subprocess.run([sys.executable, "-c", _RSS_PROBE, str(src)], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0 and "Traceback" not in res.stderr, res.stderr
    first, *issues = res.stdout.splitlines()
    rss = int(first.rsplit(" ", 1)[1])
    if fmt != "txt":  # a page's title and abstract are the stream itself: nothing to promise
        assert "'good'" in first, res.stdout
    assert rss < 600, f"peak memory {rss} MiB on a 200 MiB line"
    print(fmt, first)
    assert issues and all(i.startswith(str(src)) for i in issues), res.stdout


def _prior_build(out: Path) -> dict[str, bytes]:
    r = build("-o", out)
    assert r.exit_code == 0, r.output
    return {name: (out / name).read_bytes() for name in EXPORTS}


def test_disk_full_is_one_line_and_keeps_the_previous_exports(tmp_path, monkeypatch):
    out = tmp_path / "o"
    before = _prior_build(out)
    import kg.rdf

    real = kg.rdf.atomic_write

    def full(path, *a, **kw):
        if str(path).endswith("graph.jsonld"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real(path, *a, **kw)

    monkeypatch.setattr(kg.rdf, "atomic_write", full)
    src = jsonl(tmp_path / "p.jsonl", json.dumps(GOOD))
    r = build(src, "-o", out)
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert r.output.strip().splitlines()[-1].endswith(
        "graph.jsonld: No space left on device (the previous output is left as it was)")
    assert {name: (out / name).read_bytes() for name in EXPORTS} == before
    assert sorted(os.listdir(out / ".kg-exports")) == ["current", os.readlink(out / ".kg-exports" / "current")]


def test_a_real_write_error_in_a_subprocess(tmp_path):
    """The file-size limit makes every write past it fail (EFBIG), as a full disk does."""
    out = tmp_path / "o"
    before = _prior_build(out)
    src = jsonl(tmp_path / "p.jsonl", *(json.dumps({**GOOD, "id": f"g{i}"}) for i in range(60)))

    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    res = subprocess.run([sys.executable, "-m", "kg.cli", "build", str(src), "-o", str(out)],
                         capture_output=True, text=True, preexec_fn=limit, timeout=300)
    assert res.returncode == 1 and "Traceback" not in res.stderr, res.stderr
    [line] = [x for x in res.stderr.splitlines() if x.startswith("Error")]
    assert "File too large" in line and "(the previous output is left as it was)" in line
    assert {name: (out / name).read_bytes() for name in EXPORTS} == before
