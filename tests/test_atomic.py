"""Outputs are written atomically with ordinary permissions."""
from __future__ import annotations

import os
import stat

import pytest

from kg.atomic import atomic_path, atomic_write


def test_failed_write_keeps_the_old_file(tmp_path):
    out = tmp_path / "out.txt"
    out.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_write(out) as fh:
            fh.write("half")
            raise RuntimeError("boom")
    assert out.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]  # no temporary left behind


def test_written_files_are_readable_by_others(tmp_path):
    umask = os.umask(0o022)
    try:
        with atomic_write(tmp_path / "a.txt") as fh:
            fh.write("x")
        with atomic_path(tmp_path / "b.txt") as p:
            p.write_text("y")
    finally:
        os.umask(umask)
    for name in ("a.txt", "b.txt"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) & 0o044 == 0o044
