"""A build killed (SIGKILL) at a random moment leaves the whole previous set of exports or
the whole new one, never a mix; the next build removes what the killed ones left."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from kg.atomic import STORE, clean_stale
from kg.build import build

SAMPLE = Path(__file__).resolve().parents[1] / "kg" / "data" / "sample-papers.jsonl"
NAMES = ("mentions.jsonl", "graph.graphml", "graph.ttl", "graph.nt", "graph.jsonld", "graph.html")
RUNS = 20


def state(out: Path) -> dict[str, bytes | None]:
    return {n: (out / n).read_bytes() if (out / n).exists() else None for n in NAMES}


def which(out: Path, sets: dict[str, dict]) -> str:
    now = state(out)
    for name, files in sets.items():
        if now == files:
            return name
    mixed = {n: [k for k, files in sets.items() if files[n] == now[n]] for n in NAMES}
    raise AssertionError(f"a mixed folder: {mixed}")


def leftovers(out: Path) -> list[str]:
    store = sorted(os.listdir(out / STORE))
    current = os.readlink(out / STORE / "current")
    extra = [n for n in store if n not in ("current", current)]
    return extra + [n for n in os.listdir(out) if n.endswith(".tmp")]


def test_sigkill_at_random_moments_never_leaves_a_mixed_folder(tmp_path):
    lines = SAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)
    inputs = {"a": tmp_path / "a.jsonl", "b": tmp_path / "b.jsonl"}
    inputs["a"].write_text("".join(lines[:3]), encoding="utf-8")
    inputs["b"].write_text("".join(lines[3:6]), encoding="utf-8")
    sets = {}
    for k, src in inputs.items():  # the two complete sets, built in-process
        build([src], tmp_path / f"ref-{k}")
        sets[k] = state(tmp_path / f"ref-{k}")
    assert sets["a"] != sets["b"]
    out = tmp_path / "out"
    build([inputs["a"]], out)
    assert which(out, sets) == "a"

    def start(k: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "kg.cli", "build", str(inputs[k]), "-o", str(out)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    t0 = time.monotonic()
    p = start("b")
    assert p.wait(timeout=120) == 0
    full = time.monotonic() - t0  # one whole build, interpreter start included
    assert which(out, sets) == "b"
    rng = random.Random(20240601)
    seen = {"a": 0, "b": 0}
    pids = []
    for i in range(RUNS):
        current = which(out, sets)
        target = "a" if current == "b" else "b"
        # most kills in the last part of the build, where the files are written and switched
        at = rng.uniform(0.5, 1.0) * full if i % 4 else rng.uniform(0, full)
        p = start(target)
        pids.append(p.pid)
        try:
            p.wait(timeout=at)
        except subprocess.TimeoutExpired:
            p.send_signal(signal.SIGKILL)
            p.wait()
        seen[which(out, sets)] += 1  # raises on a mixed folder
    # the next build cleans up after the killed ones
    p = start("a")
    assert p.wait(timeout=120) == 0
    assert which(out, sets) == "a"
    assert leftovers(out) == []
    tmp = Path(tempfile.gettempdir())
    assert not [f for f in tmp.glob("kg-extract-*") if any(f"-{pid}-" in f.name for pid in pids)]
    assert sum(seen.values()) == RUNS


def test_a_failed_build_keeps_the_previous_set_and_removes_its_staging(tmp_path):
    out = tmp_path / "out"
    build(None, out, html=False)
    before = {n: (out / n).read_bytes() for n in os.listdir(out) if not n.startswith(".")}
    bad = tmp_path / "bad.csv"
    bad.write_text("id,title\n1,no abstract column\n")
    with pytest.raises(Exception):
        build([bad], out)
    assert {n: (out / n).read_bytes() for n in os.listdir(out) if not n.startswith(".")} == before
    assert leftovers(out) == []


def test_stale_files_of_dead_builds_are_removed_and_live_ones_kept(tmp_path):
    out = tmp_path / "out"
    build(None, out, rdf_formats=("nt",), html=False)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    live = str(os.getppid())  # a process that runs
    for pid in (dead, live):
        (out / STORE / f"gen-{pid}-1").mkdir()
        (out / f".graph.nt.{pid}.abcd1234.tmp").write_text("x")
        (out / f".mentions.jsonl.{pid}.link.tmp").write_text("x")
    (out / ".unrelated.tmp").write_text("not kg's: no pid")
    removed = {p.name for p in clean_stale(out)}
    assert removed == {f"gen-{dead}-1", f".graph.nt.{dead}.abcd1234.tmp", f".mentions.jsonl.{dead}.link.tmp"}
    assert (out / STORE / f"gen-{live}-1").is_dir() and (out / ".unrelated.tmp").exists()


def test_a_folder_of_plain_files_from_an_older_kg_is_switched_whole(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    for n in NAMES + ("graph.gexf",):
        (out / n).write_text(f"old {n}\n")
    (out / "notes.txt").write_text("mine\n")
    build(None, out)
    assert all((out / n).is_symlink() and (out / n).stat().st_size > 100 for n in NAMES)
    assert not (out / "graph.gexf").exists()  # the old set's file that the new set has not
    assert (out / "notes.txt").read_text() == "mine\n"  # the user's own file is left alone
    assert leftovers(out) == []


def test_without_symlinks_the_files_are_renamed_into_place(tmp_path, monkeypatch):
    def no_symlinks(*a, **kw):
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(os, "symlink", no_symlinks)
    out = tmp_path / "out"
    build(None, out, rdf_formats=("nt",), html=False)
    assert (out / "graph.nt").is_file() and not (out / "graph.nt").is_symlink()
    assert os.listdir(out / STORE) == []
