"""Folders and files written whole: the exports, the report site and the raw Parquet, and the published DuckDB
files, are each replaced in one step."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def replaced_file(out: Path) -> Iterator[Path]:
    """A new file's path beside `out` to write. When the block ends, the file is flushed to disk and renamed over
    `out` (an atomic replace on POSIX), so a reader holding `out` open keeps the old file and a new reader finds
    the old file or the new one, never half of one. When the block raises, the new file is deleted and `out` is
    left as it was."""
    out.parent.mkdir(parents=True, exist_ok=True)
    temp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    temp.unlink(missing_ok=True)
    try:
        yield temp
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _fsync(temp)
    os.replace(temp, out)
    _fsync(out.parent)


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
