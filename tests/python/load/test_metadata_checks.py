"""What the metadata says about itself: a field listed twice is the portal's inconsistency, and a dataset that
publishes no rowsUpdatedAt is dated by its viewLastModified, which the load line names."""

from __future__ import annotations

import io
import json
from pathlib import Path

from support import loader_data as data

from ctdss.load.loader import load
from ctdss.load.progress import Progress
from ctdss.load.snapshot import SnapshotSource
from ctdss.registry import load_registry


def _load(snapshot: Path, db: Path) -> tuple[dict, list[str]]:
    stream = io.StringIO()
    outcomes = load(load_registry(), SnapshotSource(snapshot), db, progress=Progress("load", stream))
    return {o.dataset.id: o for o in outcomes}, stream.getvalue().splitlines()


def test_metadata_listing_a_field_twice_is_reported_as_the_portals_inconsistency(tmp_path):
    datasets = data.datasets()
    meta, _ = datasets[data.MONTHLY]
    meta["columns"].append(dict(next(c for c in meta["columns"] if c["fieldName"] == "recipients")))
    outcomes, _ = _load(data.write(tmp_path / "snapshot", datasets), tmp_path / "w.duckdb")
    error = outcomes[data.MONTHLY].error
    assert outcomes[data.MONTHLY].status == "failed"
    assert "metadata for dataset sx77-vjbh is inconsistent: it lists the field(s) `recipients` twice" in error
    assert "clash" not in error and "Map them to a role" not in error


def test_without_rows_updated_at_the_view_last_modified_decides_and_the_load_line_says_so(tmp_path):
    datasets = data.datasets()
    for meta, _ in datasets.values():
        del meta["rowsUpdatedAt"]
    snapshot = data.write(tmp_path / "snapshot", datasets)
    db = tmp_path / "w.duckdb"
    first, _ = _load(snapshot, db)
    assert {o.status for o in first.values()} == {"loaded"}
    again, lines = _load(snapshot, db)
    assert {o.status for o in again.values()} == {"skipped"}  # unchanged viewLastModified: not reloaded
    assert all("status=skipped" in line and "vintage=viewLastModified" in line for line in lines)
    meta_path = snapshot / data.MONTHLY / "metadata.json"
    meta = json.loads(meta_path.read_text())
    meta["viewLastModified"] += 3600
    meta_path.write_text(json.dumps(meta))
    third, lines = _load(snapshot, db)
    assert third[data.MONTHLY].status == "loaded"
    assert {o.status for k, o in third.items() if k != data.MONTHLY} == {"skipped"}
    line = next(line for line in lines if f"dataset={data.MONTHLY}" in line)
    assert "status=loaded" in line and "vintage=viewLastModified" in line


def test_rows_updated_at_decides_when_it_is_published(tmp_path):
    snapshot = data.write(tmp_path / "snapshot", data.datasets())
    db = tmp_path / "w.duckdb"
    _load(snapshot, db)
    _, lines = _load(snapshot, db)
    assert lines and all("status=skipped" in line and "vintage=rowsUpdatedAt" in line for line in lines)
