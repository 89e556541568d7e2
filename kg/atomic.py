"""Atomic file output: a reader never sees a half-written file, and a failed run
leaves the previous output in place."""
from __future__ import annotations

import contextlib
import os
import tempfile

# mkstemp creates files readable by their owner only; outputs get the permissions an
# ordinary open() would give them (0666 less the umask).
_UMASK = os.umask(0)
os.umask(_UMASK)
_MODE = 0o666 & ~_UMASK
from pathlib import Path
from typing import IO, Iterator


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO]:
    """Write to a temporary file beside ``path`` and rename it over ``path`` on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_tmp(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp")
    try:
        if "b" in mode:
            fh = os.fdopen(fd, mode)
        else:
            fh = os.fdopen(fd, mode, encoding=encoding, newline="")
        with fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _MODE)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def clean_stale_tmp(path: str | os.PathLike) -> None:
    """Remove the temporary files of ``path`` (``.NAME.<pid>.<random>.tmp``) that a killed
    run left, when their pid no longer runs."""
    path = Path(path)
    prefix = f".{path.name}."
    try:
        names = [n for n in os.listdir(path.parent) if n.startswith(prefix) and n.endswith(".tmp")]
    except OSError:
        return
    for name in names:
        pid = name[len(prefix):].split(".", 1)[0]
        if pid.isdecimal() and int(pid) != os.getpid() and not pid_alive(int(pid)):
            with contextlib.suppress(OSError):
                os.unlink(path.parent / name)


def atomic_path(path: str | os.PathLike) -> contextlib.AbstractContextManager[Path]:
    """For libraries that want a file name: yields a temporary path, renamed on success."""

    @contextlib.contextmanager
    def _cm() -> Iterator[Path]:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        clean_stale_tmp(target)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.{os.getpid()}.",
                                   suffix=".tmp")
        os.close(fd)
        try:
            yield Path(tmp)
            os.chmod(tmp, _MODE)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise

    return _cm()


# ---- a set of files switched at once -------------------------------------------------------
#
# ``kg build -o OUT`` writes six files that belong together.  Renaming them into place one by
# one would leave a mixed folder if the build were killed in between, so each build writes
# its files into a fresh generation folder, ``OUT/.kg-exports/gen-<pid>-<ns>/``, and the
# folder's files are symlinks that go through one more symlink:
#
#     OUT/graph.ttl  ->  .kg-exports/current/graph.ttl
#     OUT/.kg-exports/current  ->  gen-<pid>-<ns>
#
# Switching ``current`` (a new symlink renamed over it: one rename(2)) switches every file at
# once, so whoever looks at OUT sees the whole previous set or the whole new one, never a mix.
# Where symlinks cannot be made (some Windows setups, FAT), the files are renamed into place
# one by one instead.  Generation folders, temporary files and links left by a build that was
# killed carry its pid and are removed by the next build once that pid no longer runs.

import errno
import re
import shutil
import time

STORE = ".kg-exports"
CURRENT = "current"
_GEN = re.compile(r"^gen-(\d+)-\d+$")
_PID_TMP = re.compile(r"^\..+\.(\d+)\.[^.]+\.tmp$")  # .NAME.<pid>.<random>.tmp
_ACTIVE: set[str] = set()  # generation folders this process is writing


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs (a pid of another user's process counts)."""
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return True  # cannot tell: keep its files
    return True


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink()


def clean_stale(out: str | os.PathLike) -> list[Path]:
    """Remove what builds into ``out`` that were killed left behind: their generation folders
    and switch links in ``out/.kg-exports`` and their ``.NAME.<pid>.*.tmp`` files in ``out``,
    each only when its pid no longer runs (a build still running keeps its own).  The
    removed paths are returned."""
    out = Path(out)
    removed: list[Path] = []
    store = out / STORE
    current = _current(store)
    for d, pattern in ((store, None), (out, _PID_TMP)):
        try:
            names = os.listdir(d)
        except OSError:
            continue
        for name in names:
            path = d / name
            if pattern is None:
                m = _GEN.match(name) or _PID_TMP.match(name)
                if not m or name == current or str(path) in _ACTIVE:
                    continue
            else:
                m = pattern.match(name)
                if not m:
                    continue
            pid = int(m.group(1))
            if pid == os.getpid() and (pattern is not None or str(path) in _ACTIVE):
                continue  # this process's own temporary file or folder, still in use
            if pid != os.getpid() and pid_alive(pid):
                continue
            _remove(path)
            removed.append(path)
    return removed


def _current(store: Path) -> str | None:
    try:
        return os.readlink(store / CURRENT)
    except OSError:
        return None


def _link(target: str, path: Path) -> None:
    """Make ``path`` a symlink to ``target``, atomically (a new link renamed over it)."""
    tmp = path.parent / f".{path.name}.{os.getpid()}.link.tmp"
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    os.symlink(target, tmp)
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def _symlinks_work(store: Path) -> bool:
    probe = store / f".probe.{os.getpid()}.link.tmp"
    try:
        with contextlib.suppress(FileNotFoundError):
            probe.unlink()
        os.symlink("gen", probe)
        probe.unlink()
        return True
    except (OSError, NotImplementedError, AttributeError):
        return False


def _is_our_link(path: Path, name: str) -> bool:
    try:
        return os.readlink(path) == f"{STORE}/{CURRENT}/{name}"
    except OSError:
        return False


@contextlib.contextmanager
def atomic_files(out: str | os.PathLike, names: tuple[str, ...] = ()) -> Iterator[Path]:
    """Yield an empty staging folder; when the block ends without an error, every file
    written into it becomes ``out/NAME`` at one switch (see above), and the files of the
    previous set that the new one does not have are removed.  On an error (a full disk) or a
    kill, ``out`` keeps the whole previous set.  ``names``: the file names a previous build
    may have left as plain files (from before the switch existed), switched the same way."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    store = out / STORE
    store.mkdir(exist_ok=True)
    clean_stale(out)
    staging = store / f"gen-{os.getpid()}-{time.time_ns()}"
    staging.mkdir()
    _ACTIVE.add(str(staging))
    try:
        yield staging
        _commit(out, store, staging, names)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        _ACTIVE.discard(str(staging))


def _is_real_dir(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()


def _replace_dir(src: Path, dst: Path) -> None:
    """Rename the folder ``src`` to ``dst``; a folder already at ``dst`` is moved aside first
    (``.NAME.<pid>.old.tmp``, removed after; a killed run's is removed by the next one)."""
    old = None
    if _is_real_dir(dst):
        old = dst.parent / f".{dst.name}.{os.getpid()}.old.tmp"
        _remove(old)
        os.replace(dst, old)
    os.replace(src, dst)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _commit(out: Path, store: Path, staging: Path, names: tuple[str, ...]) -> None:
    # the entries of the new set: files, and folders (the pyoxigraph store), linked alike
    new = sorted(p.name for p in staging.iterdir() if p.is_file() or _is_real_dir(p))
    if not _symlinks_work(store):
        for name in new:  # one by one: the best a folder without symlinks allows
            if _is_real_dir(staging / name):
                _replace_dir(staging / name, out / name)
            else:
                os.replace(staging / name, out / name)
        shutil.rmtree(staging, ignore_errors=True)
        return
    prev = _current(store)
    if prev is None or not (store / prev).is_dir():
        # the first switch: the files already there (from a build before switching existed)
        # become a generation of their own first, linked in one by one, each to its own
        # content: the folder shows the old set all along, and then the new one at once
        old = store / f"gen-{os.getpid()}-{time.time_ns()}"
        old.mkdir()
        _ACTIVE.add(str(old))
        try:
            for name in sorted(set(names) | set(new)):
                f = out / name
                if f.is_file() and not f.is_symlink():
                    try:
                        os.link(f, old / name)
                    except OSError:
                        shutil.copy2(f, old / name)
                elif _is_real_dir(f) and name in new:
                    os.replace(f, old / name)  # a folder cannot be hard-linked: moved, and
                    # linked back at once below
            _link(old.name, store / CURRENT)
        finally:
            _ACTIVE.discard(str(old))
        prev = old.name
    aside = []
    for name in sorted(set(names) | set(new)):
        f = out / name
        if _is_real_dir(f) and name in new:  # a plain folder where the link goes (a store of
            aside.append(f.parent / f".{name}.{os.getpid()}.old.tmp")  # a build without links)
            _remove(aside[-1])
            os.replace(f, aside[-1])
        if not _is_our_link(f, name) and (name in new or (f.is_file() and not f.is_symlink())):
            _link(f"{STORE}/{CURRENT}/{name}", f)
    _link(staging.name, store / CURRENT)  # the switch
    for name in os.listdir(out):  # links to files the new set does not have
        if name not in new and _is_our_link(out / name, name):
            (out / name).unlink()
    if prev != staging.name:
        shutil.rmtree(store / prev, ignore_errors=True)
    for path in aside:
        shutil.rmtree(path, ignore_errors=True)


def disk_error(exc: OSError) -> str:
    """A one-line message for an error writing output: 'PATH: No space left on device'."""
    what = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        what += " (the previous output is left as it was)"
    return f"{exc.filename}: {what}" if exc.filename else f"cannot write the output: {what}"
