"""Shared fixtures: the bundled sample corpus, extracted once per test session."""
from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# The project's own evaluation data, so that the quality tests run in a fresh clone: the hand-
# annotated golds (dev: the 84 sample papers; dev-broad: 150 random arXiv cs papers), those
# papers, and the sample as the daily-papers page users paste in.
EVAL = Path(__file__).resolve().parent / "data" / "eval"
SAMPLE = REPO / "kg" / "data" / "sample-papers.jsonl"


@pytest.fixture(scope="session")
def eval_dir() -> Path:
    return EVAL


@pytest.fixture(scope="session")
def sample_papers() -> Path:
    return SAMPLE


@pytest.fixture(scope="session")
def extractor():
    from kg.extract import Extractor
    return Extractor()


@pytest.fixture(scope="session")
def sample_extractions():
    from kg.build import sample_extractions
    return sample_extractions()


@pytest.fixture(scope="session")
def sample_graph(sample_extractions):
    from kg.graph import build_graph
    return build_graph(sample_extractions)


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory):
    """A full `kg build` of the sample corpus into a temporary directory."""
    from kg.build import build
    out = tmp_path_factory.mktemp("sample-build")
    g, summary = build(None, out)
    return out, g, summary
