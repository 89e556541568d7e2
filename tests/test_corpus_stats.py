"""kg.corpus_stats on small hand-written corpora, and the shipped statistics file."""
from __future__ import annotations

import gzip

import pytest

from kg.corpus_stats import CorpusStats, TermStats
from kg.model import Paper


def _papers(*abstracts: str, titles: tuple[str, ...] = ()) -> list[Paper]:
    return [Paper(f"p{i}", titles[i] if i < len(titles) else f"Paper {i}", a)
            for i, a in enumerate(abstracts)]


CORPUS = _papers(
    "We study the Internet of Things (IoT) at scale. Cheap internet of things devices are everywhere. "
    "FooNet achieves the best accuracy on the BarSet dataset.",
    "Security in the internet of things is hard. Many IoT devices are exposed. "
    "We evaluate FooNet on BarSet and report results.",
    "The internet of things connects sensors. We deploy IoT applications. FooNet achieves more. "
    "We introduce Widget Query Language (WQL), a novel language for widgets.",
    "We fine-tune FooNet on the BarSet dataset. The Widget Query Language (WQL) is simple. "
    "Edge computing for the internet of things is growing.",
    "Queries are written in Widget Query Language (WQL). We use the BarSet corpus.",
    titles=("A Study", "Another Study", "WQL: Queries for Widgets"),
)


@pytest.fixture(scope="module")
def stats() -> CorpusStats:
    return CorpusStats.build(CORPUS, min_df=1)


def test_field_term_is_mostly_lowercase(stats):
    s = stats.get("Internet of Things")
    assert s is not None and s.df == 4
    assert s.lowercase == 4
    # the capitals of a definition ("Internet of Things (IoT)") show its letters: not counted
    assert s.capitalised == 0
    assert s.defined_capitalised == 1
    assert stats.lowercase_share("internet of things") == 1.0
    assert stats.get("IoT").votes.get("term", 0) >= 2  # "IoT devices", "IoT applications"


def test_type_votes(stats):
    foo = stats.type_votes("FooNet")
    assert foo.get("Model", 0) >= 2 and max(foo, key=foo.get) == "Model"  # "FooNet achieves", "fine-tune FooNet"
    bar = stats.type_votes("BarSet")
    assert bar.get("Dataset", 0) >= 2  # "the BarSet dataset", "the BarSet corpus"
    assert bar.get("Benchmark", 0) >= 1  # "evaluate ... on BarSet and"
    assert stats.get("BarSet").lowercase_share == 0.0


def test_long_forms_and_proposals(stats):
    wql = stats.get("WQL")
    assert wql.long_forms[0] == ("Widget Query Language", 3)
    assert stats.dominant_long_form("WQL") == "Widget Query Language"
    assert stats.dominant_long_form("WQL", min_count=4) is None
    assert stats.dominant_long_form("FooNet") is None
    # "We introduce Widget Query Language (WQL), a novel ..." and the title "WQL: ..."
    assert stats.get("Widget Query Language").proposed == 1
    assert wql.proposed == 1  # one paper (its title and its abstract)


def test_two_names_joined_by_a_connector_are_not_one_phrase(stats):
    assert stats.get("FooNet on BarSet") is None
    assert stats.get("BarSet and report") is None


def test_min_df_and_unknown_forms():
    s = CorpusStats.build(CORPUS, min_df=3)
    assert s.get("FooNet") is not None
    assert s.get("Widget Query Language") is not None
    assert s.get("Never Seen Anywhere") is None
    assert s.lowercase_share("Never Seen Anywhere") is None
    assert s.type_votes("Never Seen Anywhere") == {}
    assert s.papers == len(CORPUS)


def test_save_load_roundtrip_is_deterministic(stats, tmp_path):
    a, b = tmp_path / "a.tsv.gz", tmp_path / "b.tsv.gz"
    stats.save(a)
    CorpusStats.build(CORPUS, min_df=1).save(b)
    assert a.read_bytes() == b.read_bytes()
    loaded = CorpusStats.load(a)
    assert len(loaded) == len(stats) and loaded.papers == stats.papers
    for k, v in stats.items():
        assert loaded._get_key(k) == v
    lines = gzip.decompress(a.read_bytes()).decode().splitlines()
    assert lines[1].split("\t")[:5] == ["key", "form", "df", "capitalised", "lowercase"]
    keys = [ln.split("\t")[0] for ln in lines[2:]]
    assert keys == sorted(keys)


def test_merge_adds_counts(stats):
    other = CorpusStats({"foonet": TermStats(df=2, capitalised=1, lowercase=5, votes={"term": 3}),
                         "newthing": TermStats(df=1, capitalised=1, lowercase=0, votes={})}, papers=2)
    merged = stats.merge(other)
    a, m = stats.get("FooNet"), merged.get("FooNet")
    assert m.df == a.df + 2 and m.lowercase == a.lowercase + 5
    assert m.votes["term"] == a.votes.get("term", 0) + 3 and m.votes["Model"] == a.votes["Model"]
    assert merged.get("newthing").df == 1 and merged.papers == stats.papers + 2
    assert stats.get("newthing") is None  # merge returns a new object


def test_build_streams_a_generator():
    s = CorpusStats.build((p for p in CORPUS), min_df=1)
    assert s.get("FooNet").df == 4


def test_shipped_file_loads_with_common_forms():
    stats = CorpusStats.default()
    assert stats is CorpusStats.default()  # cached
    assert len(stats) > 10_000 and stats.papers >= 50_000
    for form in ("LoRA", "ImageNet", "GPT-4", "IoT", "Internet of Things"):
        assert stats.get(form) is not None and stats.get(form).df >= 10, form
    assert max(stats.type_votes("ImageNet"), key=stats.type_votes("ImageNet").get) in ("Dataset", "Benchmark")
    assert max(stats.type_votes("IoT"), key=stats.type_votes("IoT").get) == "term"
    assert stats.dominant_long_form("LoRA") == "Low-Rank Adaptation"


def test_cli_writes_the_file(tmp_path):
    import json

    from click.testing import CliRunner

    from kg.cli import cli
    src = tmp_path / "papers.jsonl"
    src.write_text("".join(json.dumps({"id": p.id, "title": p.title, "abstract": p.abstract}) + "\n"
                           for p in CORPUS), encoding="utf-8")
    out = tmp_path / "stats.tsv.gz"
    res = CliRunner().invoke(cli, ["corpus-stats", str(src), "-o", str(out), "--min-df", "2", "--no-progress"])
    assert res.exit_code == 0, res.output
    assert "papers read: 5" in res.output
    stats = CorpusStats.load(out)
    assert stats.papers == 5 and stats.dominant_long_form("WQL") == "Widget Query Language"


def test_a_form_spelled_like_the_header_survives_a_roundtrip(tmp_path):
    s = CorpusStats({"key": TermStats(df=4, capitalised=1, lowercase=3, votes={"term": 1},
                                      long_forms=(("Key Encoding Yard", 3),), form="KEY")}, papers=9)
    path = s.save(tmp_path / "s.tsv.gz")
    loaded = CorpusStats.load(path)
    assert loaded.get("KEY") == s.get("key") and loaded.papers == 9


def test_a_users_statistics_also_tell_the_resolver_what_a_bare_acronym_means(tmp_path):
    import json

    from kg.build import extract_to_file
    from kg.model import Paper
    own = [Paper(f"s{i}", "A study", f"Results with the Widget Query Model (WQM) are reported, case {i}.")
           for i in range(4)]
    CorpusStats.build(own, min_df=1).save(tmp_path / "own.tsv.gz")
    src = tmp_path / "papers.jsonl"
    src.write_text(json.dumps({"id": "a", "title": "Widget Query Model: Queries for Widgets",
                               "abstract": "We introduce Widget Query Model, a model for widgets."}) + "\n"
                   + json.dumps({"id": "b", "title": "Fast widgets",
                                 "abstract": "We compare parsers. WQM achieves the best accuracy."}) + "\n")

    def ids(**kw):
        extract_to_file([src], tmp_path / "m.jsonl", **kw)
        return [[e["id"] for e in json.loads(line)["entities"]] for line in open(tmp_path / "m.jsonl")]

    # nothing in the shipped statistics or these two papers says what WQM stands for
    assert ids() == [["widget-query-model"], ["wqm"]]
    assert ids(corpus_stats=[tmp_path / "own.tsv.gz"]) == [["widget-query-model"], ["widget-query-model"]]
