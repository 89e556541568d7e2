"""The first minutes (issue 10, part 2): the distribution name, `python -m kg`, the README's
Python API, keyword-only options, and a clear error when the package data is not found."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PKG = REPO / "kg"


def run(args, cwd, env=None, timeout=300):
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


def test_distribution_name_is_not_kg_but_the_command_and_import_are():
    meta = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert meta["name"] == "kg-ml"  # "kg" on the package index is another project
    assert meta["scripts"] == {"kg": "kg.cli:main"}
    assert any(d.startswith("pybtex") for d in meta["dependencies"])
    readme = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
    assert "pip install -e . && kg build" in readme[3]  # the README's install lines hold
    assert "pip install -e '.[test]'" in readme[4]


def test_python_dash_m_kg(tmp_path):
    r = run(["-m", "kg", "--help"], cwd=tmp_path)
    assert r.returncode == 0 and "Usage: kg" in r.stdout and "build" in r.stdout, r.stderr
    r = run(["-m", "kg", "--version"], cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.startswith("kg, version"), r.stderr


def test_readme_python_api_section_runs(tmp_path):
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("### Python API", 1)[1].split("\n## ", 1)[0]
    [code] = re.findall(r"```python\n(.*?)```", section, re.S)
    r = run(["-c", code], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "LoRA" in r.stdout


def test_positional_arguments_that_would_be_misread_are_refused(sample_graph, tmp_path):
    from kg import graph as kgraph
    from kg.build import build
    with pytest.raises(ValueError, match=r"pass n=5"):
        kgraph.top_entities(sample_graph, 5)  # used to return [] silently
    with pytest.raises(TypeError):
        kgraph.top_entities(sample_graph, "Model", 5)
    with pytest.raises(ValueError, match="Method"):
        kgraph.entities(sample_graph, "method")
    assert len(kgraph.top_entities(sample_graph, n=5)) == 5
    assert len(kgraph.top_entities(sample_graph, "Model", n=3)) == 3
    with pytest.raises(TypeError):
        build(None, tmp_path, "jsonl")  # the format is keyword-only


def test_a_clone_named_kg_in_the_current_directory_is_a_clear_error(tmp_path):
    (tmp_path / "kg" / "docs").mkdir(parents=True)  # a clone's top folder: no __init__.py
    code = "from kg.extract import Extractor; print('entries', len(Extractor().lexicon.entries))"
    r = run(["-c", code], cwd=tmp_path)
    if r.returncode == 0:  # a regular (non-editable) install wins over the folder
        n = int(r.stdout.split()[-1])
        assert n > 1000
    else:
        assert "namespace package" in r.stderr and str(tmp_path / "kg") in r.stderr
        assert "entries 0" not in r.stdout


def test_missing_package_data_is_a_clear_error(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(PKG, site / "kg", ignore=shutil.ignore_patterns("__pycache__", "core.jsonl"))
    work = tmp_path / "work"
    work.mkdir()
    env = {"PYTHONPATH": str(site)}
    r = run(["-c", "from kg.extract import Extractor; Extractor()"], cwd=work, env=env)
    assert r.returncode != 0 and "package data not found" in r.stderr and "lexicon" in r.stderr
    r = run(["-m", "kg", "build", "-o", "out"], cwd=work, env=env)
    assert r.returncode == 1 and "package data not found" in r.stderr
    assert "Traceback" not in r.stderr and not (work / "out").exists()
