"""A pull that ends early never replaces a dataset with part of it: the portal's count (`$select=count(*)`, same
`$where`) is taken before paging and again after, and a pull that does not bring exactly that many rows is refused.
Each case checks that the raw table and the audit are exactly as before, or hold exactly the full data."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from support import loader_data as data

from ctdss.errors import UserError
from ctdss.load.loader import load
from ctdss.load.portal import PortalSource, RetryPolicy
from ctdss.load.progress import NoProgress
from ctdss.load.snapshot import extract
from ctdss.registry import load_registry

FAST = RetryPolicy(attempts=3, backoff_base=0.01, backoff_max=0.05, connect_timeout=1.0, read_timeout=2.0)
PAGE = 20  # the monthly dataset has 72 rows: pages of 20, 20, 20 and 12


@pytest.fixture
def portal_db(loaded_portal):
    """A warehouse loaded from the emulator, which then serves a newer publication (one value changed)."""
    emu, db = loaded_portal(_load)
    rows = emu.rows(data.MONTHLY)
    rows[0]["recipients"] = "999"
    emu.set_rows(data.MONTHLY, rows)
    return emu, db


def _source(emu) -> PortalSource:
    return PortalSource(emu.url, None, page_size=PAGE, policy=FAST, sleep=lambda s: None)


def _load(emu, db: Path):
    source = _source(emu)
    try:
        return load(load_registry(), source, db, dataset_ids=[data.MONTHLY], full=True)[0]
    finally:
        source.close()


def _monthly(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute('select _source_row_id, "count" from raw.program_monthly order by 1').fetchall()
    finally:
        con.close()


def _refused_leaving_everything(emu, db: Path, *counts: str) -> str:
    """Load, expecting a refusal; the raw tables and earlier audit rows must be exactly as before."""
    before, audit_before = data.raw_tables(db), data.audit(db)
    outcome = _load(emu, db)
    assert outcome.status == "failed", outcome
    assert data.raw_tables(db) == before
    audit = data.audit(db)
    assert audit[:-1] == audit_before
    assert (audit[-1]["status"], audit[-1]["rows_landed"], audit[-1]["error"]) == ("failed", None, outcome.error)
    assert "previous data is unchanged" in outcome.error and "\n" not in outcome.error
    for count in counts:
        assert count in outcome.error
    return outcome.error


def _landed_in_full(emu, db: Path) -> None:
    outcome = _load(emu, db)
    assert outcome.status == "loaded", outcome.error
    served = sorted((r[":id"], r["recipients"]) for r in emu.rows(data.MONTHLY))
    assert _monthly(db) == served  # every row of the new publication, once, with its new value
    assert data.audit(db)[-1]["rows_landed"] == len(served) == 72


def _row_pages(emu) -> list:
    return [r for r in emu.requests_to("resource", data.MONTHLY) if "count(" not in r.params["$select"]]


def test_the_count_is_asked_with_the_same_filter_before_and_after_the_pull(portal_db):
    emu, db = portal_db
    _landed_in_full(emu, db)
    requests = emu.requests_to("resource", data.MONTHLY)
    pull = requests[-6:]  # the last load: count, four pages, count
    assert [r.params["$select"] for r in pull] == ["count(*) as row_count", *[":id,*"] * 4, "count(*) as row_count"]


def test_an_empty_page_partway_is_retried(portal_db):
    emu, db = portal_db
    emu.inject("short_page", path="resource", dataset_id=data.MONTHLY, after=2, rows=0)  # page 2, once
    _landed_in_full(emu, db)


def test_a_page_then_nothing_is_refused_not_landed_as_the_whole_dataset(portal_db):
    emu, db = portal_db
    emu.inject("short_page", path="resource", dataset_id=data.MONTHLY, after=2, rows=0, times=50)
    error = _refused_leaving_everything(emu, db, "20 of the 72", "empty page")
    assert f"{FAST.attempts} attempts" in error


def test_a_missing_middle_page_is_refused(portal_db):
    emu, db = portal_db
    emu.omit_rows({r[":id"] for r in emu.rows(data.MONTHLY)[PAGE:2 * PAGE]})  # counted, never served
    _refused_leaving_everything(emu, db, "52 of the 72")


def test_a_count_that_changes_during_the_pull_is_refused(portal_db):
    emu, db = portal_db
    emu.inject("add_row", path="resource", dataset_id=data.MONTHLY, after=2)  # a row appears after page 1
    error = _refused_leaving_everything(emu, db, "72", "73")
    assert "changed on the portal while it was being pulled" in error


def test_a_capped_page_size_is_followed_to_the_end(portal_db):
    emu, db = portal_db
    emu.page_cap = 7  # the portal serves 7 rows whatever $limit asks: every page is short, none is the last
    _landed_in_full(emu, db)
    assert all(r.params["$limit"] == str(PAGE) for r in _row_pages(emu))


def test_extract_writes_no_snapshot_from_a_short_pull(portal_db, tmp_path):
    emu, _ = portal_db
    out = tmp_path / "extract"
    registry = load_registry()
    datasets = registry.select([data.MONTHLY])
    source = _source(emu)
    try:
        extract(source, datasets, out, NoProgress(), registry.path)
        first = (out / data.MONTHLY / "rows-000001.json").read_bytes()
        emu.inject("short_page", path="resource", dataset_id=data.MONTHLY, after=2, rows=0, times=50)
        with pytest.raises(UserError, match="20 of the 72"):
            extract(source, datasets, out, NoProgress(), registry.path)
    finally:
        source.close()
    assert sorted(p.name for p in (out / data.MONTHLY).iterdir()) == [
        "metadata.json", "rows-000001.json", "rows-000002.json", "rows-000003.json", "rows-000004.json"]
    assert (out / data.MONTHLY / "rows-000001.json").read_bytes() == first  # the earlier snapshot, untouched
    assert not list(tmp_path.glob(".extract.*"))  # no half-written staging directory left behind
