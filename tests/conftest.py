"""Shared fixtures: the bundled sample corpus, extracted once per test session."""
from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return SHARED


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
