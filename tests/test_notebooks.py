"""The notebooks run end to end and their outputs say something.

Each notebook is executed once per session with nbclient, in a kernel running *this*
interpreter (so the kernel imports the same ``kg`` as the tests, whatever kernelspecs the
user has registered), from the repository root.  The tests read the cells by their
``tags`` metadata, never by position.
"""
from __future__ import annotations

import copy
import json
import os
import re
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="needs the [test] extras (nbformat)")
nbclient = pytest.importorskip("nbclient", reason="needs the [test] extras (nbclient)")
pytest.importorskip("ipykernel", reason="needs the [test] extras (ipykernel)")
pytest.importorskip("matplotlib", reason="needs the [test] extras (matplotlib)")

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
CORPUS = REPO.parent / "shared" / "corpus" / "arxiv-cs-100k.jsonl.gz"
CELL_TIMEOUT = 600  # seconds per cell: a guard against hangs, not the expected run time


@pytest.fixture(scope="module")
def kernel_env(tmp_path_factory):
    """A ``python3`` kernelspec for ``sys.executable``, first on JUPYTER_PATH.

    Works in a fresh venv where ipykernel is installed but no kernelspec is registered, and
    keeps a user-level ``python3`` kernel of another interpreter from being picked up.
    """
    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (kg tests)",
        "language": "python",
    }), encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTER_PATH", str(root), prepend=os.pathsep)
        mp.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # quiet the debugger's warning
        # the notebooks' temporary export directories go where pytest cleans up
        mp.setenv("TMPDIR", str(tmp_path_factory.mktemp("kernel-tmp")))
        yield mp


def execute(nb):
    client = nbclient.NotebookClient(
        nb, kernel_name="python3", timeout=CELL_TIMEOUT, startup_timeout=120,
        resources={"metadata": {"path": str(REPO)}})
    client.execute()  # raises CellExecutionError, with the traceback, if a cell fails
    return nb


def read(name: str):
    return nbformat.read(NOTEBOOKS / name, as_version=4)


@pytest.fixture(scope="module")
def tour(kernel_env):
    return execute(read("01-tour.ipynb"))


@pytest.fixture(scope="module")
def analysis(kernel_env):
    return execute(read("02-analysis.ipynb"))


def cell(nb, tag: str):
    found = [c for c in nb.cells if tag in c.get("metadata", {}).get("tags", [])]
    assert len(found) == 1, f"expected one cell tagged {tag!r}, found {len(found)}"
    return found[0]


def text(c) -> str:
    """Everything a cell printed (stdout/stderr) or returned as text/plain."""
    parts = []
    for o in c.get("outputs", []):
        if o["output_type"] == "stream":
            parts.append(o["text"])
        elif o["output_type"] in ("execute_result", "display_data") and "text/plain" in o["data"]:
            parts.append(o["data"]["text/plain"])
    return "".join(parts)


def outputs_of(c, mime: str) -> list[str]:
    return [o["data"][mime] for o in c.get("outputs", [])
            if o["output_type"] in ("execute_result", "display_data") and mime in o["data"]]


# ---- committed state --------------------------------------------------------------------

@pytest.mark.parametrize("name", ["01-tour.ipynb", "02-analysis.ipynb"])
def test_committed_notebooks_are_clean(name):
    nb = read(name)
    nbformat.validate(nb)
    intro = nb.cells[0]
    assert intro.cell_type == "markdown" and "nbconvert" in intro.source and "--execute" in intro.source
    for c in nb.cells:
        if c.cell_type == "code":
            assert c.outputs == [] and c.execution_count is None, "commit notebooks with outputs cleared"


# ---- 01-tour ----------------------------------------------------------------------------

def test_tour_summary(tour):
    out = text(cell(tour, "summary"))
    assert "papers read: 84, skipped: 0" in out
    m = re.search(r"entities: (\d+) \(", out)
    assert m and int(m.group(1)) > 50, out
    assert "graph.ttl" in out and "graph.html" in out


def test_tour_top_entity_charts(tour):
    c = cell(tour, "top-entities")
    assert len(outputs_of(c, "image/png")) == 1  # one figure, four panels


def test_tour_sparql_papers_mentioning_clip(tour):
    out = text(cell(tour, "sparql"))
    assert "Prompt Switch: Efficient CLIP Adaptation for Text-Video Retrieval" in out
    assert re.search(r"(\d+) papers mention CLIP", out)


def test_tour_sparql_benchmarks(tour):
    out = text(cell(tour, "sparql-benchmarks"))
    m = re.search(r"\((\d+) benchmarks with an extracted 'evaluated on' claim\)", out)
    assert m and int(m.group(1)) >= 1, out
    row = next(line for line in out.splitlines() if line.startswith("MSR-VTT "))
    assert "Prompt Switch" in row


def test_tour_page_inline(tour):
    c = cell(tour, "page")
    pages = outputs_of(c, "text/html")
    assert len(pages) == 1
    assert "<iframe" in pages[0] and "srcdoc=" in pages[0]
    assert len(pages[0]) > 50_000  # the whole self-contained page, escaped
    assert "graph.html" in text(c)


# ---- 02-analysis ------------------------------------------------------------------------

def test_analysis_communities(analysis):
    out = text(cell(analysis, "communities"))
    m = re.search(r"(\d+) communities over (\d+) co-mentioned entities", out)
    assert m and int(m.group(1)) >= 2, out
    listed = re.findall(r"^Community (\d+): (.+)$", out, re.MULTILINE)
    assert len(listed) >= 2
    assert re.search(r"^  Method: +\S", out, re.MULTILINE)


def test_analysis_benchmarks_per_family(analysis):
    out = text(cell(analysis, "benchmarks"))
    m = re.search(r"(\d+) evaluated_on pairs", out)
    assert m and int(m.group(1)) >= 1, out
    rows = [line for line in out.splitlines() if " -> " in line]
    assert rows
    prompt_switch = next(r for r in rows if r.strip().startswith("Prompt Switch ->"))
    assert "MSR-VTT" in prompt_switch and "dev-003" in prompt_switch


def test_analysis_timeline(analysis):
    data, plot = text(cell(analysis, "timeline-data")), cell(analysis, "timeline")
    if not CORPUS.is_file():
        assert "SKIPPED" in data and "SKIPPED" in text(plot)
        pytest.skip(f"{CORPUS} is missing: checked that the notebook skips the timeline")
    assert re.search(r"-> (\d+) papers", data)
    months = re.findall(r"^(\d{4}-\d{2}) +(\d+) ", text(plot), re.MULTILINE)
    assert len(months) >= 3, text(plot)  # the sample spans several months
    assert len(outputs_of(plot, "image/png")) == 1


def test_analysis_skips_timeline_without_corpus(kernel_env):
    """No corpus: the timeline cells say so and run without error (only those cells run)."""
    nb = read("02-analysis.ipynb")
    keep = {"imports", "timeline-data", "timeline"}
    nb.cells = [copy.deepcopy(c) for c in nb.cells
                if keep & set(c.get("metadata", {}).get("tags", []))]
    kernel_env.setenv("KG_ARXIV_CORPUS", str(REPO / "no-such-corpus.jsonl.gz"))
    try:
        execute(nb)
    finally:
        kernel_env.delenv("KG_ARXIV_CORPUS")
    assert "SKIPPED" in text(cell(nb, "timeline-data"))
    assert "SKIPPED" in text(cell(nb, "timeline"))
    assert not outputs_of(cell(nb, "timeline"), "image/png")
