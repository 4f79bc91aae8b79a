"""Folders and files written whole: the exports, the report site and the raw Parquet, and the published DuckDB
files, are each replaced in one step."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


PUBLICATIONS = "{stem}.publications"  # beside the published path: one folder per publication


@contextlib.contextmanager
def published_file(out: Path) -> Iterator[Path]:
    """A new publication of `out` to write: a file of the same name in a new folder of its own under
    `<stem>.publications/` beside `out`. When the block ends, the file is flushed to disk and `out` becomes a
    symbolic link to it, replaced in one rename (atomic on POSIX); the publications older than the one it
    replaces are then deleted. When the block raises, the new folder is deleted and `out` is left as it was.

    Why a link and not the file renamed over `out`: DuckDB keeps one database instance per resolved file path
    in a process, and `duckdb.connect(out)` returns that instance, the old file, for as long as any connection
    to it is open. Each publication has a path of its own, which DuckDB resolves the link to, so a new
    connection to `out` opens the new publication even while an older connection is still open. A reader
    holding `out` open keeps the old file; a new reader finds the old file or the new one, never half of one.
    The file keeps the name of `out`, which DuckDB names the database after."""
    out = Path(out)
    home = out.parent / PUBLICATIONS.format(stem=out.stem)
    home.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    folder = Path(tempfile.mkdtemp(prefix=f"{stamp}-", dir=home))  # sorts by time, never reused
    new = folder / out.name
    try:
        yield new
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    for written in (new, folder, home):
        _fsync(written)
    previous = out.resolve().parent if out.is_symlink() else None
    link = out.with_name(f".{out.name}.link-{os.getpid()}")
    link.unlink(missing_ok=True)
    os.symlink(new.relative_to(out.parent), link)
    os.replace(link, out)
    _fsync(out.parent)
    # The one replaced stays, for a reader that resolved the link just before it moved and opens the file now.
    for old in home.iterdir():
        if old.resolve() not in (folder.resolve(), previous):  # `out` may be relative; `previous` is resolved
            shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def replaced_folder(out: Path) -> Iterator[Path]:
    """A new, empty folder beside `out` to write into. When the block ends, the new folder takes the place of
    `out` (renamed in, then the old one removed), so a reader finds the old folder or the new one, never a mix.
    When the block raises, the new folder is deleted and `out` is left as it was."""
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    if out.exists():
        os.replace(out, old)
    os.replace(staging, out)
    shutil.rmtree(old, ignore_errors=True)
