"""Input readers: every format, every kind of bad input, ids, gzip, detection, laziness."""
from __future__ import annotations

import gzip
import itertools
import json
import re
import shutil
import time
from pathlib import Path

import pytest

from kg.model import Paper
from kg.readers import (FORMATS, InputError, ReadIssue, ReadReport, derived_id, detect_format,
                        read_papers)

DATA = Path(__file__).parent / "data" / "readers"
EVAL = Path(__file__).parent / "data" / "eval"
SAMPLE = Path(__file__).resolve().parents[1] / "kg" / "data" / "sample-papers.jsonl"
# the 100k arXiv corpus is not in a user's clone: the test that reads it skips without it
BIG_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "arxiv-cs-100k.jsonl.gz"


def read(name: str | Path, **kw) -> tuple[list[Paper], ReadReport]:
    report = ReadReport()
    papers = list(read_papers(DATA / name if isinstance(name, str) else name, report=report, **kw))
    return papers, report


def issue_texts(report: ReadReport) -> list[str]:
    return [str(i) for i in report.issues]


def ws(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# ---- the sample corpus ----------------------------------------------------------------------


def test_page_matches_dev_papers():
    papers, report = read(EVAL / "daily-papers-page.txt")
    dev = [json.loads(line) for line in SAMPLE.open(encoding="utf-8")]
    assert len(papers) == len(dev) == 84
    for p, d in zip(papers, dev):
        assert p.title == ws(d["title"])
        assert p.abstract == ws(d["abstract"])
        assert p.id == derived_id(p.title)
    assert report.read == 84 and report.skipped == 0 and report.issues == []
    assert papers[0].source == f"{EVAL / 'daily-papers-page.txt'}:11"


def test_dev_papers_jsonl_keeps_given_ids_and_exact_text():
    papers, report = read(SAMPLE)
    assert [p.id for p in papers[:2]] == ["dev-000", "dev-001"]
    assert report.read == 84 and not report.issues
    raw = json.loads(SAMPLE.open(encoding="utf-8").readline())
    assert papers[0].abstract == raw["abstract"]  # no TeX clean-up for jsonl by default


def test_big_gz_corpus_is_read_lazily(monkeypatch):
    import kg.readers as readers

    lines_read = 0

    class Counting:
        def __init__(self, fh):
            self.fh = fh

        def __getattr__(self, name):  # readline for format sniffing
            return getattr(self.fh, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

        def __iter__(self):
            nonlocal lines_read
            for line in self.fh:
                lines_read += 1
                yield line

        def readline(self, *limit):  # the readers read lines with a bound on their length
            nonlocal lines_read
            line = self.fh.readline(*limit)
            if limit and limit[0] > 1 << 20:  # not format sniffing (a line of at most 1 MiB)
                lines_read += line.endswith(b"\n")
            return line

    real_open = readers.open_binary
    monkeypatch.setattr(readers, "open_binary", lambda p: Counting(real_open(p)))
    path = BIG_CORPUS
    if not path.is_file():
        pytest.skip(f"{path} is not here (only a development machine has ../shared)")
    assert detect_format(path) == "jsonl"
    report = ReadReport()
    t0 = time.perf_counter()
    papers = list(itertools.islice(read_papers(path, report=report), 1000))
    elapsed = time.perf_counter() - t0
    assert len(papers) == 1000 and report.read == 1000
    assert lines_read == 1000  # not one line more than asked for (the file has 100,000)
    assert elapsed < 10, f"reading 1000 of 100k papers took {elapsed:.1f}s"
    assert all(p.id and p.title and p.abstract for p in papers)
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", papers[0].date or "")
    assert len({p.id for p in papers}) == 1000


# ---- page -----------------------------------------------------------------------------------


def test_page_skips_furniture_and_joins_wrapped_abstracts():
    papers, report = read("page-small.txt")
    assert [p.title for p in papers] == [
        "Sparse Mixture Routers for Tiny Language Models",
        "A Benchmark for Table Question Answering",
        "Contrastive Pretraining of Speech Encoders",
    ]
    assert papers[0].abstract.startswith("We study routing")  # "Submitted by", "42" dropped
    assert papers[1].abstract.endswith("61.2% accuracy. The benchmark and evaluation code are public.")
    assert "\n" not in papers[1].abstract and "  " not in papers[0].title
    assert papers[0].source.endswith("page-small.txt:11")
    # the last title has no abstract: an issue naming file and line, not a crash
    assert report.read == 3 and report.skipped == 1
    [msg] = issue_texts(report)
    assert "page-small.txt:35:" in msg and "no abstract" in msg


def test_page_non_utf8_line_is_kept_with_replacement_and_reported():
    papers, report = read("page-bad-utf8.txt")
    assert [p.title for p in papers] == ["Title One", "Title Two"]
    assert "\ufffd" in papers[0].abstract
    [msg] = issue_texts(report)
    assert msg.startswith(f"{DATA / 'page-bad-utf8.txt'}:3:") and "UTF-8" in msg
    assert report.skipped == 0 and report.read == 2


# ---- jsonl ----------------------------------------------------------------------------------


def test_jsonl_fields_aliases_and_authors():
    papers, report = read("good.jsonl")
    assert not report.issues
    lora, dpo, upper = papers
    assert lora.id == "p1" and lora.date == "2021-06-17" and lora.url.endswith("2106.09685")
    assert lora.authors == ("Edward J. Hu", "Yelong Shen")
    assert dpo.title == "Direct Preference Optimization"  # whitespace collapsed
    assert dpo.abstract == "DPO fits a policy to preferences without a reward model."  # "summary"
    assert dpo.authors == ("Rafael Rafailov", "Archit Sharma", "Eric Mitchell")
    assert dpo.id == derived_id("Direct Preference Optimization")
    assert upper.id == "7" and upper.title == "Upper-Case Keys Work Too"
    assert dpo.source.endswith("good.jsonl:2") and upper.source.endswith("good.jsonl:4")


def test_jsonl_bad_lines_are_reported_and_the_rest_is_read():
    seen: list[ReadIssue] = []
    papers, report = read("bad.jsonl", on_issue=seen.append)
    assert [p.id for p in papers] == ["a1", "a5"]
    assert report.read == 2 and report.skipped == 5 and seen == report.issues
    msgs = issue_texts(report)
    name = str(DATA / "bad.jsonl")
    assert msgs[0].startswith(f"{name}:2: not valid JSON (")
    assert msgs[1].startswith(f"{name}:3:") and "JSON object" in msgs[1]
    assert msgs[2].startswith(f"{name}:4:") and "title but no abstract" in msgs[2]
    assert msgs[3].startswith(f"{name}:5:") and "duplicate id 'a1'" in msgs[3]
    assert msgs[4].startswith(f"{name}:6:") and "not valid UTF-8" in msgs[4] and "0xe9" in msgs[4]


def test_json_array_file():
    papers, report = read("array.json")
    assert [p.id for p in papers] == ["j1", "j2", "j3"]
    assert papers[2].abstract == "Across two lines."
    assert [p.source.rsplit(":", 1)[1] for p in papers] == ["2", "7", "9"]
    [msg] = issue_texts(report)
    assert "array.json:8:" in msg and "got a string" in msg


def test_snapshot():
    assert detect_format(DATA / "snapshot.json") == "arxiv-snapshot"
    papers, report = read("snapshot.json")
    first, madeup = papers
    assert first.id == "0704.0001" and first.date == "2007-04-02"  # first version's date
    assert first.url == "https://arxiv.org/abs/0704.0001"
    assert first.title == "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    assert first.abstract.startswith("A fully differential calculation") and "\n" not in first.abstract
    assert first.authors[:2] == ("C. Balázs", "E. L. Berger")
    assert madeup.id == "cs/0000002"  # version suffix stripped
    assert madeup.date == "2001-02-03"  # unparseable version date -> update_date
    assert madeup.title == "A Made-Up Snapshot Record with Markup and Braces"
    assert madeup.abstract == r"Invented for the kg tests: SnapNet keeps $\mathbb{R}^{d}$ math as written."
    assert report.skipped == 1 and "snapshot.json:3:" in issue_texts(report)[0]


def test_snapshot_sniffed_in_jsonl_gz_too(tmp_path):
    gz = tmp_path / "meta.jsonl.gz"
    gz.write_bytes(gzip.compress((DATA / "snapshot.json").read_bytes()))
    assert detect_format(gz) == "arxiv-snapshot"
    assert [p.id for p in read_papers(gz)] == ["0704.0001", "cs/0000002"]


# ---- csv ------------------------------------------------------------------------------------


def test_csv_columns_multiline_fields_and_bad_rows():
    papers, report = read("papers.csv")
    assert [p.id for p in papers] == ["c1", "c2", derived_id("Id Derived From Title")]
    assert papers[0].authors == ("Ann Lee", "Bo Chen") and papers[0].date == "2023"
    assert papers[1].title == "Titles, With Commas"
    assert papers[1].abstract == 'An abstract over two lines, with "quotes".'
    assert [p.source.rsplit(":", 1)[1] for p in papers] == ["2", "3", "8"]
    msgs = issue_texts(report)
    assert len(msgs) == 2 and report.skipped == 2
    assert "papers.csv:6:" in msgs[0] and "no abstract" in msgs[0]
    assert "papers.csv:7:" in msgs[1] and "7 fields" in msgs[1]


def test_tsv():
    papers, _ = read("papers.tsv")
    assert papers[0].abstract == "Fields are split on tabs, so commas, like these, stay."


def test_csv_without_abstract_column_is_an_input_error():
    with pytest.raises(InputError) as exc:
        read("no-abstract.csv")
    msg = str(exc.value)
    assert msg.startswith(f"{DATA / 'no-abstract.csv'}:1:")
    assert "abstract" in msg and "'summary_text'" in msg and "'title'" in msg


def test_csv_non_utf8_record_is_skipped():
    papers, report = read("bad-utf8.csv")
    assert [p.title for p in papers] == ["Good Row", "Another Good Row"]
    assert papers[1].abstract == "Multi line."
    [msg] = issue_texts(report)
    assert "bad-utf8.csv:3:" in msg and "UTF-8" in msg


# ---- atom -----------------------------------------------------------------------------------


def test_atom_arxiv_api_response():
    papers, report = read("arxiv-api.atom")
    assert not report.issues and report.read == 5
    ids = [p.id for p in papers]
    assert ids == ["1706.03762", "1810.04805", "1412.6980", "1512.03385", "cs/0000001"]
    att = papers[0]
    assert att.title == "Attention Is All You Need"
    assert att.abstract.startswith("The dominant sequence transduction models") and "\n" not in att.abstract
    assert att.date == "2017-06-12" and att.url == "http://arxiv.org/abs/1706.03762v7"
    assert len(att.authors) == 8 and att.authors[-1] == "Illia Polosukhin"
    assert att.source.endswith("arxiv-api.atom:10")
    made = papers[-1]
    assert made.title == r"A Made-Up Fixture Entry: Sparse Attention for the MADEUP Benchmark in $O(n \log n)$ Time"
    assert "FixtureNet" in made.abstract and r"$\mathcal{O}(n^{2})$" in made.abstract
    assert "Gödel-style" in made.abstract and "~3%" in made.abstract and " -- " in made.abstract


def test_atom_truncated_tail_keeps_complete_entries():
    papers, report = read("truncated.atom")
    assert [p.id for p in papers] == ["1706.03762", "1810.04805"]
    [msg] = issue_texts(report)
    assert re.match(rf"{re.escape(str(DATA / 'truncated.atom'))}:\d+: malformed XML", msg)
    assert "2 papers read" in msg and "line 100" in msg


def test_atom_tex_can_be_turned_off():
    papers, _ = read("arxiv-api.atom", tex=False)
    assert r"\textbf{FixtureNet}" in papers[-1].abstract


# ---- bibtex ---------------------------------------------------------------------------------


def test_bibtex_entries():
    papers, report = read("papers.bib")
    att, bert, mueller = papers
    assert att.id == "1706.03762" and att.date == "2017-06"  # eprint wins over the key
    assert att.authors == ("Ashish Vaswani", "Noam Shazeer", "Niki Parmar")  # "others" dropped
    assert att.url == "https://arxiv.org/abs/1706.03762"
    assert att.abstract.endswith("We propose the Transformer, based solely on attention mechanisms.")
    assert bert.id == "devlin2019bert" and bert.date == "2019"
    assert bert.title.startswith("BERT: Pre-training")
    assert bert.abstract.endswith("stands for Bidirectional Encoder Representations from Transformers; see Fig. 1.")
    assert bert.url == "https://aclanthology.org/N19-1423"
    assert mueller.title == "Nested Braces and Müller's $O(n^{2})$ Trick"
    assert mueller.authors == ("Jörg Müller", "John Smith Jr.")
    assert mueller.date == "2021-03-04" and mueller.url == "https://doi.org/10.1234/jot.2021.5"
    assert r"$\sum_{i}^{n} x_i$" in mueller.abstract and "and -- dashes stay." in mueller.abstract
    assert "Accents like é and ç" in mueller.abstract
    [msg] = issue_texts(report)  # @comment/@string/@preamble are not issues
    assert "papers.bib:30:" in msg and "noabstract2020" in msg and "no abstract" in msg


def test_bibtex_broken_entries_do_not_stop_the_file():
    papers, report = read("bad.bib")
    assert [p.id for p in papers] == ["good2021", "good2023"]
    msgs = issue_texts(report)
    assert "bad.bib:1:" in msgs[0] and "not closed" in msgs[0]
    assert "bad.bib:13:" in msgs[1] and "line 11" in msgs[1] and "'='" in msgs[1]
    assert report.skipped == 2


# ---- empty files, missing files, formats ------------------------------------------------------


@pytest.mark.parametrize("name", ["empty.jsonl", "blank.txt"])
def test_empty_file_is_an_input_error(name):
    with pytest.raises(InputError, match=re.escape(str(DATA / name)) + ".*no papers"):
        read(name)


def test_file_with_only_bad_records_is_not_an_error(tmp_path):
    f = tmp_path / "bad-only.jsonl"
    f.write_text('{"title": "x"}\nnot json\n', encoding="utf-8")
    papers, report = read(f)
    assert papers == [] and report.read == 0 and report.skipped == 2


def test_content_without_records_says_so(tmp_path):
    f = tmp_path / "header-only.csv"
    f.write_text("title,abstract\n", encoding="utf-8")
    papers, report = read(f)
    assert papers == [] and report.skipped == 0
    assert "no papers found" in issue_texts(report)[0]


def test_missing_file_and_unknown_format_fail_at_the_call(tmp_path):
    with pytest.raises(InputError, match="nope.jsonl: no such file"):
        read_papers(tmp_path / "nope.jsonl")
    (tmp_path / "x.pdf").write_text("x")
    with pytest.raises(InputError, match=r"x\.pdf.*--format.*page, jsonl, csv, atom, arxiv-snapshot, bibtex"):
        read_papers(tmp_path / "x.pdf")
    with pytest.raises(InputError, match="unknown format 'yaml'"):
        read_papers(DATA / "good.jsonl", format="yaml")


@pytest.mark.parametrize("name, fmt", [
    ("a.txt", "page"), ("a.jsonl", "jsonl"), ("a.ndjson", "jsonl"), ("a.json", "jsonl"),
    ("a.csv", "csv"), ("a.tsv", "csv"), ("a.atom", "atom"), ("a.xml", "atom"), ("a.bib", "bibtex"),
    ("A.JSONL.GZ", "jsonl"), ("a.bib.gz", "bibtex"), ("a.txt.gz", "page"),
])
def test_detect_format(tmp_path, name, fmt):
    p = tmp_path / name
    p.write_bytes(b"")
    assert detect_format(p) == fmt and fmt in FORMATS


def test_explicit_format_overrides_the_name(tmp_path):
    f = tmp_path / "papers.data"
    shutil.copy(DATA / "good.jsonl", f)
    assert len(list(read_papers(f, format="jsonl"))) == 3


# ---- gzip -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["good.jsonl", "papers.csv", "arxiv-api.atom", "papers.bib",
                                  "page-small.txt", "snapshot.json", "papers.tsv"])
def test_gzip_gives_the_same_papers(tmp_path, name):
    gz = tmp_path / (name + ".gz")
    gz.write_bytes(gzip.compress((DATA / name).read_bytes()))
    plain, _ = read(name)
    zipped = list(read_papers(gz))
    assert [(p.id, p.title, p.abstract) for p in zipped] == [(p.id, p.title, p.abstract) for p in plain]
    assert zipped[0].source.startswith(str(gz))


def test_truncated_gzip_keeps_what_was_read(tmp_path):
    lines = [json.dumps({"id": f"x{i}", "title": f"Paper {i}", "abstract": "Text. " * 40}) for i in range(2000)]
    data = gzip.compress("\n".join(lines).encode())
    gz = tmp_path / "cut.jsonl.gz"
    gz.write_bytes(data[: len(data) // 2])
    papers, report = read(gz)
    assert 0 < len(papers) < 2000
    [msg] = issue_texts(report)
    assert msg.startswith(f"{gz}:{len(papers) + 1}:") and "stopped reading" in msg


def test_not_really_gzip_is_an_input_error(tmp_path):
    f = tmp_path / "x.jsonl.gz"
    f.write_text('{"title": "T", "abstract": "A"}\n', encoding="utf-8")
    with pytest.raises(InputError, match=re.escape(str(f)) + ": cannot read .*gzip"):
        list(read_papers(f))


# ---- ids --------------------------------------------------------------------------------------


def test_ids_are_stable_across_reads():
    for name in ("page-small.txt", "papers.csv", "papers.bib", "arxiv-api.atom"):
        first = [p.id for p in read(name)[0]]
        assert first == [p.id for p in read(name)[0]]


def test_derived_id_ignores_whitespace_and_case():
    a = derived_id("Attention Is All You Need")
    assert a == derived_id("  attention  is all\nyou   NEED ") and re.fullmatch(r"t-[0-9a-f]{12}", a)
    assert a != derived_id("Attention Is Not All You Need")


def test_duplicate_ids_keep_the_first(tmp_path):
    f = tmp_path / "dups.jsonl"
    rows = [{"title": "Same Title", "abstract": "one"}, {"title": "same   title", "abstract": "two"}]
    f.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    papers, report = read(f)
    assert [p.abstract for p in papers] == ["one"]
    assert "dups.jsonl:2: duplicate id" in issue_texts(report)[0]


# ---- laziness and reports -----------------------------------------------------------------------


def test_read_papers_is_lazy(tmp_path):
    f = tmp_path / "p.jsonl"
    f.write_text('{"title": "T", "abstract": "A"}\n', encoding="utf-8")
    it = read_papers(f)
    f.unlink()  # nothing was opened yet: the file is only read when iterated
    with pytest.raises(InputError, match="cannot open"):
        next(it)


def test_report_is_shared_across_files_and_issues_are_capped():
    report = ReadReport(max_issues=3)
    for name in ("bad.jsonl", "papers.csv"):
        list(read_papers(DATA / name, report=report))
    assert report.read == 5 and report.skipped == 7 and report.issue_count == 7
    assert len(report.issues) == 3
    assert report.summary() == "read 5 papers, skipped 7 (7 issues)"
    assert str(ReadIssue("f.jsonl", None, "m")) == "f.jsonl: m"


# ---- more malformed input ----------------------------------------------------------------------


def test_page_title_without_abstract_before_another_paper(tmp_path):
    long = "An abstract long enough to be one, " * 10 + "ending with a period."
    f = tmp_path / "p.txt"
    f.write_text(f"Title A\n\nTitle B\n\n{long}\n\nTitle C\n\nShort abstract C.\n", encoding="utf-8")
    papers, report = read(f)
    assert [(p.title, p.source.rsplit(":", 1)[1]) for p in papers] == [("Title B", "3"), ("Title C", "7")]
    assert papers[1].abstract == "Short abstract C."
    [msg] = issue_texts(report)
    assert msg.startswith(f"{f}:1:") and "'Title A'" in msg and "no abstract" in msg


def test_csv_bad_quoting_skips_only_that_record(tmp_path):
    f = tmp_path / "q.csv"
    f.write_text('title,abstract\nGood,"fine"\nBad,"quote"x inside\nGood2,ok\nOpen,"never closed\nmore\n',
                 encoding="utf-8")
    papers, report = read(f)
    assert [p.title for p in papers] == ["Good", "Good2"]
    msgs = issue_texts(report)
    assert msgs[0].startswith(f"{f}:3: malformed CSV record")
    assert msgs[1].startswith(f"{f}:5: malformed CSV record")


def test_json_array_with_a_broken_item_keeps_the_items_before_it(tmp_path):
    f = tmp_path / "a.json"
    f.write_text('[{"title": "T1", "abstract": "A1"},\n {"title": "T2", "abstract": oops},\n'
                 ' {"title": "T3", "abstract": "A3"}]\n', encoding="utf-8")
    papers, report = read(f)
    assert [p.title for p in papers] == ["T1"]
    [msg] = issue_texts(report)
    assert msg.startswith(f"{f}:2: not valid JSON") and "stopped" in msg


def test_tex_clean_up_is_opt_in_for_jsonl(tmp_path):
    f = tmp_path / "t.jsonl"
    f.write_text(json.dumps({"title": r"\textbf{X}", "abstract": r"We use \emph{Y} on 5\% and $\mathbb{R}^{d}$."}),
                 encoding="utf-8")
    [raw] = read_papers(f)
    [clean] = read_papers(f, tex=True)
    assert raw.abstract == r"We use \emph{Y} on 5\% and $\mathbb{R}^{d}$."
    assert (clean.title, clean.abstract) == ("X", r"We use Y on 5% and $\mathbb{R}^{d}$.")


def test_jsonl_line_holding_an_array(tmp_path):
    f = tmp_path / "a.jsonl"
    f.write_text('["a", "b"]\n[{"title": "T1", "abstract": "A1"}, {"title": "T2", "abstract": "A2"}]\n',
                 encoding="utf-8")
    papers, report = read(f)
    assert [p.title for p in papers] == ["T1", "T2"]  # a one-line array of records is fine
    [msg] = issue_texts(report)
    assert msg.startswith(f"{f}:1: expected a JSON object, got an array")
