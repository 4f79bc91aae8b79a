"""Snapshots: a directory in the portal's own shapes, read by `ctdss load --snapshot` and written by `extract`.

    DIR/snapshot.json            {"synthetic": bool, "description": str, ...}   (optional)
    DIR/<4x4 id>/metadata.json   the /api/views/{id}.json response
    DIR/<4x4 id>/rows*.json      JSON arrays of row objects as /resource/{id}.json returns them
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ctdss.errors import UserError
from ctdss.load.contract import Vintage, check_contract
from ctdss.load.landing import check_row_keys
from ctdss.load.progress import ProgressSink
from ctdss.load.sources import AlreadyLanded, Source
from ctdss.registry import Dataset


class SnapshotSource:
    """Reads a snapshot directory. Every path it opens is checked to stay inside the directory. Implements
    `ctdss.load.sources.Source`."""

    serves_windows = False  # a snapshot is a whole publication: there is no server to filter the rows
    origin: str | None = None

    def __init__(self, directory: Path) -> None:
        self.root = Path(directory)
        if not self.root.is_dir():
            raise UserError(
                f"The snapshot directory {self.root} does not exist or is not a directory. Point --snapshot at a "
                f"directory written by `ctdss extract` (the bundled sample is data/sample)."
            )
        self.root = self.root.resolve()
        if not any(p.is_dir() for p in self.root.iterdir()):
            raise UserError(
                f"The snapshot directory {self.root} is empty: it has no dataset directories (DIR/<4x4 id>/ with "
                f"metadata.json and rows*.json). Write one with `ctdss extract --out DIR`; nothing was loaded."
            )
        self.description = f"snapshot {self.root}"
        info = self._read_json(self.root / "snapshot.json", "the snapshot description") if (
            self.root / "snapshot.json"
        ).exists() else {}
        if not isinstance(info, dict) or not isinstance(info.get("synthetic", False), bool):
            raise UserError(
                f"{self.root / 'snapshot.json'} must be a JSON object whose `synthetic` is true or false."
            )
        self.synthetic = bool(info.get("synthetic", False))

    def close(self) -> None:
        pass

    def _inside(self, path: Path) -> Path:
        resolved = path.resolve()
        if not resolved.is_relative_to(self.root):
            raise UserError(
                f"The snapshot path {path} leads outside the snapshot directory {self.root} (through a symbolic "
                f"link or `..`). Snapshot files must live inside the directory; copy them in."
            )
        return resolved

    def _read_json(self, path: Path, what: str) -> object:
        path = self._inside(path)
        try:
            return json.loads(path.read_bytes())
        except OSError as exc:
            raise UserError(f"Cannot read {what} {path}: {exc.strerror}.") from None
        except ValueError as exc:
            raise UserError(
                f"{what.capitalize()} {path} is not valid JSON ({exc}). Re-extract the snapshot with "
                f"`ctdss extract --out DIR` or restore the file; nothing was loaded."
            ) from None

    def _dataset_dir(self, ds: Dataset) -> Path:
        directory = self._inside(self.root / ds.id)
        if not directory.is_dir():
            raise UserError(
                f"The snapshot {self.root} has no directory for dataset {ds.id} (it has: "
                f"{', '.join(self.held()) or 'nothing'}). Extract it with `ctdss extract --out DIR`, or load only the "
                f"datasets present with --dataset ID."
            )
        return directory

    def holds(self, ds: Dataset) -> bool:
        """Whether the snapshot has a directory for the dataset (what is in it is checked by `preflight`)."""
        return (self.root / ds.id).is_dir()

    def held(self) -> list[str]:
        """The dataset directories the snapshot has, by name."""
        return sorted(p.name for p in self.root.iterdir() if p.is_dir())

    def metadata(self, ds: Dataset) -> dict:
        path = self._dataset_dir(ds) / "metadata.json"
        value = self._read_json(path, f"the metadata of dataset {ds.id}")
        if not isinstance(value, dict):
            raise UserError(f"The metadata file {path} must hold a JSON object (the /api/views/{ds.id}.json reply).")
        return value

    def fetch(self, ds: Dataset, where: str | None, workdir: Path, on_page: Callable[[int], None]) -> list[Path]:
        """The dataset's row files, in name order. A snapshot is a whole publication, so `where` is not used."""
        files = sorted(self._dataset_dir(ds).glob("rows*.json"))
        files = [self._inside(f) for f in files]
        if not files:
            raise UserError(
                f"The snapshot directory {self.root / ds.id} has no rows*.json files for dataset {ds.id}. "
                f"Re-extract the snapshot with `ctdss extract --out DIR`; nothing was loaded."
            )
        return files

    def preflight(self, datasets: list[Dataset], registry_path: Path, landed: AlreadyLanded) -> str | None:
        """The first problem in the snapshot's datasets (metadata, contract, files, row fields), or None. A
        snapshot is one publication: all of it is checked before any of it lands, so a bad file never leaves the
        warehouse with some datasets from the new vintage and some from the old. A dataset whose vintage is the
        one already landed is skipped by the load, so its files are not read."""
        scratch = duckdb.connect()
        try:
            for ds in datasets:
                try:
                    meta = self.metadata(ds)
                    if landed(ds, meta):
                        continue
                    contract = check_contract(ds, meta, registry_path)
                    check_row_keys(scratch, ds, self.fetch(ds, None, self.root, lambda n: None), contract.served)
                except UserError as exc:
                    return str(exc)
            return None
        finally:
            scratch.close()

    def confirm_vintage(self, ds: Dataset, before: Vintage | None) -> None:
        """Nothing to do: a snapshot's files do not change while they are read."""

    def check_rows(self, con: duckdb.DuckDBPyConnection, ds: Dataset, files: list[Path], served: list[str]) -> None:
        """Nothing to do: the rows were checked, with the whole snapshot, in `preflight`."""


def write_snapshot_info(directory: Path, *, synthetic: bool, description: str, portal: str | None) -> None:
    info = {
        "synthetic": synthetic,
        "description": description,
        "portal": portal,
        "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    (directory / "snapshot.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")


def extract(source: Source, datasets: list[Dataset], out: Path, progress: ProgressSink, registry_path: Path) -> dict:
    """Write a snapshot of the given datasets from a source into `out` (replaced only on success)."""
    out = Path(out)
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / "snapshot.json").exists())):
        raise UserError(
            f"{out} exists and is not a snapshot directory; `ctdss extract` only replaces a previous snapshot. "
            f"Choose a new or empty directory."
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    counts: dict[str, int] = {}
    try:
        for ds in datasets:
            directory = staging / ds.id
            directory.mkdir()
            progress.started(ds)
            meta = source.metadata(ds)
            check_contract(ds, meta, registry_path)
            (directory / "metadata.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
            pages: list[int] = []

            def page(n: int, ds: Dataset = ds, pages: list[int] = pages) -> None:
                pages.append(n)
                progress.page(ds, n)

            source.fetch(ds, None, directory, page)
            counts[ds.id] = sum(pages)
        write_snapshot_info(
            staging, synthetic=False, description="Extract of the registered DSS datasets.", portal=source.origin
        )
        if out.exists():
            backup = out.with_name(f".{out.name}.old")
            shutil.rmtree(backup, ignore_errors=True)
            os.replace(out, backup)
            os.replace(staging, out)
            shutil.rmtree(backup, ignore_errors=True)
        else:
            os.replace(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return counts
