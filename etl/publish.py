"""Versioned database files behind an atomically replaced pointer.

The pointer (the --db path) is a symbolic link to the current version in `<db>.versions/`.
A load writes a new file beside the versions, and only when it is complete and closed is the
link replaced (rename is atomic), so a reader never sees a half-written database and a crash
at any point leaves the previous version serving.

Two stores take part in a load: the served one (the pointer the app reads, holding the release
only; etl/served.py) and the load's own (case-level tables and marts), which by default lives
in `load/` beside the served pointer, a folder the app has no setting for.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

VERSION_FILE = re.compile(r"^v(\d{4,})\.duckdb$")
LOAD_FOLDER = "load"


def work_pointer(db: Path) -> Path:
    """The load's database beside the served pointer `db`: `<folder of db>/load/<name of db>`."""
    db = Path(db).absolute()
    return db.parent / LOAD_FOLDER / db.name


class Store:
    """The pointer path, its versions folder, and the operations on them."""

    def __init__(self, pointer: Path):
        self.pointer = Path(pointer).absolute()
        self.versions_dir = self.pointer.with_name(self.pointer.stem + ".versions")

    def current(self) -> tuple[int, Path] | None:
        """The version number and file the pointer names now, or None before the first load."""
        if not self.pointer.is_symlink():
            if self.pointer.exists():
                raise RuntimeError(f"{self.pointer} er ikke en versioneret database fra etl load")
            return None
        target = self.pointer.parent / os.readlink(self.pointer)
        match = VERSION_FILE.match(target.name)
        if match is None or not target.exists():
            raise RuntimeError(f"{self.pointer} peger på {target}, som ikke er en gyldig version")
        return int(match.group(1)), target

    def versions(self) -> list[int]:
        """Version numbers on disk, oldest first."""
        if not self.versions_dir.exists():
            return []
        found = (VERSION_FILE.match(p.name) for p in self.versions_dir.iterdir())
        return sorted(int(m.group(1)) for m in found if m)

    def next_version(self) -> int:
        """The number the next published version gets."""
        return max(self.versions(), default=0) + 1

    def version_path(self, version: int) -> Path:
        """Where version N lives."""
        return self.versions_dir / f"v{version:04d}.duckdb"

    def staging_path(self, version: int) -> Path:
        """Where version N is written before it is published."""
        return self.versions_dir / f".v{version:04d}.duckdb.tmp"

    @contextmanager
    def lock(self) -> Iterator[None]:
        """One load at a time per database."""
        self.versions_dir.mkdir(parents=True, exist_ok=True)
        with open(self.versions_dir / ".lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def publish(self, staged: Path, version: int) -> Path:
        """Move a complete, closed file into place, then switch the pointer to it."""
        final = self.version_path(version)
        _fsync_file(staged)
        os.replace(staged, final)
        _fsync_dir(self.versions_dir)
        link_tmp = self.pointer.with_name(f".{self.pointer.name}.{version}.tmp")
        if link_tmp.is_symlink() or link_tmp.exists():
            link_tmp.unlink()
        os.symlink(os.path.relpath(final, self.pointer.parent), link_tmp)
        os.replace(link_tmp, self.pointer)
        _fsync_dir(self.pointer.parent)
        return final

    def prune(self, keep: int) -> list[Path]:
        """Delete versions older than the newest `keep` ones, and leftovers of crashed loads.

        A dashboard still reading an old version keeps its open file (POSIX unlink), and it
        re-attaches the new version on its next rerun.
        """
        current = self.current()
        removed = []
        for version in self.versions()[:-keep] if keep > 0 else []:
            path = self.version_path(version)
            if current and path == current[1]:
                continue
            for p in (path, path.with_name(path.name + ".wal")):
                if p.exists():
                    p.unlink()
                    removed.append(p)
        for leftover in self.versions_dir.glob(".v*.duckdb.tmp*"):
            if leftover.is_dir() and not leftover.is_symlink():  # DuckDB's spill folder
                shutil.rmtree(leftover)
            else:
                leftover.unlink()
            removed.append(leftover)
        return removed


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
