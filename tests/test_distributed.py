"""`kg build --dask`: extraction and resolution on a dask.distributed cluster, with the bytes
of a plain build (issue 9). The builds run on one LocalCluster of two worker processes for
the module (and one `--dask local` through the CLI), with small partitions so that every
input is cut into several and the states are merged as a tree."""
from __future__ import annotations

import socket
import subprocess
import sys

import pytest
from click.testing import CliRunner

from kg import distributed as kd
from kg.build import build, extract_to_file
from kg.cli import cli
from kg.model import Paper

FILES = ("mentions.jsonl", "graph.nt", "graph.ttl", "graph.jsonld", "graph.graphml", "graph.html")


@pytest.fixture(scope="module")
def client():
    import distributed
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            distributed.Client(cluster, set_as_default=False) as c:
        yield c


@pytest.fixture(autouse=True)
def small_partitions(monkeypatch):
    # 84 papers -> 6 partitions, 150 -> 10: more than the window in flight (2 per worker)
    monkeypatch.setattr(kd, "PARTITION_SIZE", 16)


@pytest.fixture(scope="module")
def broad_build(eval_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("broad-plain")
    build([eval_dir / "dev-broad-papers.jsonl"], out)
    return out


def assert_same_files(a, b, names=FILES):
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_cli_dask_local_writes_the_bytes_of_a_plain_build(sample_build, tmp_path):
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["build", "-o", str(out), "--dask", "local", "--no-store"])
    assert res.exit_code == 0, res.output
    assert "papers read: 84" in res.output
    assert_same_files(sample_build[0], out)


def test_cli_on_a_scheduler_address(client, broad_build, eval_dir, tmp_path):
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["build", str(eval_dir / "dev-broad-papers.jsonl"), "-o", str(out),
                                   "--no-store", "--dask", client.scheduler.address])
    assert res.exit_code == 0, res.output
    assert "papers read: 150" in res.output
    assert_same_files(broad_build, out)


@pytest.mark.parametrize("which", ["sample", "dev-broad"])
def test_api_on_a_client(which, client, sample_build, broad_build, eval_dir, tmp_path):
    inputs, (plain, plain_g) = (None, sample_build[:2]) if which == "sample" else \
        ([eval_dir / "dev-broad-papers.jsonl"], (broad_build, None))
    g, summary = build(inputs, tmp_path, dask=client)
    assert_same_files(plain, tmp_path)
    if plain_g is not None:
        assert sorted(g.nodes) == sorted(plain_g.nodes) and g.number_of_edges() == plain_g.number_of_edges()


def test_no_papers_and_bad_records(client, tmp_path):
    src = tmp_path / "bad.jsonl"
    src.write_text('{"title": "T", "abstract": "We fine-tune GPT-4 on MMLU."}\n{broken\n'
                   '{"title": "no abstract"}\n', encoding="utf-8")
    empty = tmp_path / "empty.jsonl"
    empty.write_text('{broken\n', encoding="utf-8")
    for path in (src, empty):
        _, plain = build([path], tmp_path / f"{path.stem}-plain", html=False)
        _, dask = build([path], tmp_path / f"{path.stem}-dask", html=False, dask=client)
        assert (dask.papers_read, dask.papers_skipped, dask.issue_count) == \
            (plain.papers_read, plain.papers_skipped, plain.issue_count)
        assert_same_files(tmp_path / f"{path.stem}-plain", tmp_path / f"{path.stem}-dask",
                          ("mentions.jsonl", "graph.nt"))


def test_cache_is_shared_with_plain_builds(client, eval_dir, tmp_path):
    papers = eval_dir / "dev-broad-papers.jsonl"
    first = extract_to_file(papers, tmp_path / "1.jsonl", cache=tmp_path / "c", dask=client)
    assert (first.cache_hits, first.cache_misses) == (0, 150)
    again = extract_to_file(papers, tmp_path / "2.jsonl", cache=tmp_path / "c", dask=client)
    plain = extract_to_file(papers, tmp_path / "3.jsonl", cache=tmp_path / "c")
    assert (again.cache_hits, plain.cache_hits) == (150, 150)  # the workers' extractions, reused
    fresh = extract_to_file(papers, tmp_path / "4.jsonl")
    assert len({(tmp_path / f"{n}.jsonl").read_bytes() for n in range(1, 5)}) == 1
    assert fresh.cache_hits is None


def test_a_worker_with_another_kg_or_without_the_files_is_refused(client, tmp_path):
    source = kd.ExtractorSource()
    paper = Paper("p", "T", "We fine-tune GPT-4 on MMLU.")
    lines, state, fresh = client.submit(
        kd.extract_partition, kd.Config((), (), kd.fingerprint(source)), [paper], True, pure=False).result()
    assert len(lines) == 1 and state.spellings and fresh[0][0] == paper
    with pytest.raises(kd.DaskError, match="runs another kg"):
        client.submit(kd.extract_partition, kd.Config((), (), "0" * 64), [paper], pure=False).result()
    missing = str(tmp_path / "only-on-the-client.jsonl")
    with pytest.raises(kd.DaskError, match="every worker needs"):
        client.submit(kd.extract_partition, kd.Config((missing,), (), "x"), [paper], pure=False).result()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_scheduler_is_one_line(tmp_path):
    import os
    env = dict(os.environ, DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT="1s")
    address = f"tcp://127.0.0.1:{_free_port()}"
    res = subprocess.run([sys.executable, "-m", "kg", "build", "-o", str(tmp_path / "out"),
                          "--dask", address], capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 1
    assert res.stderr.strip().splitlines() == [
        f"Error: cannot reach the Dask scheduler at {address}: Timed out trying to connect to "
        f"{address} after 1 s"]
    assert not (tmp_path / "out").exists()  # refused before anything was written


def test_usage_errors():
    run = CliRunner().invoke
    res = run(cli, ["build", "--dask", "tcp://127.0.0.1:8786", "-j", "4"])
    assert res.exit_code == 2 and "-j sets the worker processes of --dask local" in res.output
    res = run(cli, ["extract", "--dask", "nonsense"])
    assert res.exit_code == 1 and "not a scheduler address" in res.output
    res = run(cli, ["build", "missing.jsonl", "--dask", "local"])  # inputs first: no cluster started
    assert res.exit_code == 1 and "missing.jsonl" in res.output


def test_without_dask_installed_it_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "distributed", None)  # `import distributed` fails
    res = CliRunner().invoke(cli, ["build", "-o", str(tmp_path / "out"), "--dask", "local"])
    assert res.exit_code == 1
    assert "pip install 'kg-ml[dask]'" in res.output and "Traceback" not in res.output


def test_dask_is_imported_only_for_dask():
    code = ("import sys, kg.cli, kg.build, kg.distributed; "
            "print(sorted(m for m in ('dask', 'distributed') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_extract_with_a_lexicon_of_ones_own(client, sample_build, tmp_path, monkeypatch):
    # a relative path, from another working directory than the workers': they get it absolute
    monkeypatch.chdir(tmp_path)
    with open("mine.jsonl", "w", encoding="utf-8") as fh:
        fh.write('{"name": "JobBert", "type": "Model"}\n{"name": "InfoLOOB", "type": "Method"}\n')
    run = CliRunner().invoke
    res = run(cli, ["extract", "-o", "dask.jsonl", "--lexicon", "mine.jsonl", "--dask", client.scheduler.address])
    assert res.exit_code == 0, res.output
    assert run(cli, ["extract", "-o", "plain.jsonl", "--lexicon", "mine.jsonl"]).exit_code == 0
    mine = (tmp_path / "dask.jsonl").read_bytes()
    assert mine == (tmp_path / "plain.jsonl").read_bytes()
    assert mine != (sample_build[0] / "mentions.jsonl").read_bytes()  # the lexicon was used
