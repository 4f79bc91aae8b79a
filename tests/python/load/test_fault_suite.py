"""The fault-injection suite: every fault ends retried to success or failed with a clear error, and either way
the previous raw data and the published file are unchanged and the audit table records the outcome."""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import socket
from collections import Counter
from pathlib import Path

import pytest
from support import loader_data as data

from ctdss.deliver.publish import publish
from ctdss.load.loader import load
from ctdss.load.portal import PortalSource, RetryPolicy
from ctdss.load.snapshot import SnapshotSource
from ctdss.registry import load_registry
from socrata_emulator import SocrataEmulator

pytestmark = pytest.mark.slow

FAST = RetryPolicy(attempts=4, backoff_base=0.01, backoff_max=0.05, connect_timeout=0.5, read_timeout=1.0,
                   request_deadline=1.5, dataset_deadline=60.0)
INJECTED: Counter = Counter()  # faults fired, by scenario; printed at the end of the module


def _fault(kind, **options):
    return ("fault", kind, options)


def _change(name):
    return ("change", name, {})


def _portal(setting, value):
    """A standing behaviour of the portal (see the emulator's page_cap and omit_rows)."""
    return ("portal", setting, {"value": value})


# scenario -> (setup steps, expected outcome of the monthly dataset)
SCENARIOS = {
    "429 with Retry-After": ([_fault("status", status=429, retry_after=1, times=2)], "loaded"),
    "429 without Retry-After": ([_fault("status", status=429, times=3)], "loaded"),
    "500 burst": ([_fault("status", status=500, times=3)], "loaded"),
    "502 burst": ([_fault("status", status=502, times=3, after=1)], "loaded"),
    "503 burst": ([_fault("status", status=503, times=3, after=2)], "loaded"),
    "503 beyond the retry budget": ([_fault("status", status=503, times=50)], "failed"),
    "read timeout": ([_fault("slow", seconds=FAST.read_timeout + 2, after=1)], "loaded"),
    "connection dropped before the response": ([_fault("drop", after=1)], "loaded"),
    "connection dropped mid-page": ([_fault("drop_mid_body", after=1)], "loaded"),
    "truncated JSON": ([_fault("truncate", after=2)], "loaded"),
    "invalid JSON": ([_fault("invalid_json")], "loaded"),
    "short page mid-dataset": ([_fault("short_page", rows=2, after=1)], "loaded"),
    "empty page partway, once": ([_fault("short_page", rows=0, after=2)], "loaded"),
    "empty page partway, on every attempt": ([_fault("short_page", rows=0, after=2, times=50)], "failed"),
    "missing middle page": ([_portal("omit_rows", range(500, 1000))], "failed"),
    "row count changes during the pull": ([_fault("add_row", after=2)], "failed"),
    "page size capped at 300 rows": ([_portal("page_cap", 300)], "loaded"),
    "trickling response, once": ([_fault("trickle", after=2, interval=0.05)], "loaded"),
    "redirect to another origin": ([_fault("redirect", after=1, to=SocrataEmulator.url_unreachable())], "failed"),
    "metadata lists a field twice": ([_change("field_listed_twice")], "failed"),
    "same :id on two pages": ([_fault("duplicate_row", after=2)], "failed"),
    "rowsUpdatedAt changes during the pull": ([_fault("bump_rows_updated_at", after=1)], "failed"),
    "empty dataset": ([_change("empty")], "failed"),
    "metadata disagrees with the rows": ([_change("rows_have_unlisted_field")], "failed"),
    "schema drift: column added": ([_change("column_added")], "loaded"),
    "schema drift: mapped column removed": ([_change("column_removed")], "failed"),
    "schema drift: mapped column renamed": ([_change("column_renamed")], "failed"),
    "schema drift: column retyped": ([_change("column_retyped")], "loaded"),
}


@pytest.fixture(scope="module")
def baseline(tmp_path_factory, built_warehouse):
    """A built warehouse and its published file, copied once; each scenario starts from a copy of it."""
    root = tmp_path_factory.mktemp("fault-suite")
    work = root / "work.duckdb"
    shutil.copy(built_warehouse.db, work)
    published = root / "published" / "ct_dss.duckdb"
    publish(work, published, root / "exports")
    yield work, published
    print("\nfaults injected by scenario: " + json.dumps(dict(INJECTED), indent=1))
    print(f"total faults injected: {sum(INJECTED.values())}")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _newer_sample(root: Path, change: str | None) -> Path:
    """The bundled sample as a newer publication (so it is not skipped), with an optional change."""
    shutil.copytree(data.REPO_SAMPLE, root)
    directory = root / data.MONTHLY
    meta = json.loads((directory / "metadata.json").read_text())
    meta["rowsUpdatedAt"] += 86400
    files = sorted(directory.glob("rows*.json"))
    rows = [r for f in files for r in json.loads(f.read_text())]
    if change == "empty":
        rows = []
    elif change == "rows_have_unlisted_field":
        rows[5]["surprise"] = "x"
    elif change == "column_added":
        meta["columns"].append({"id": 99, "name": "Region", "fieldName": "region", "dataTypeName": "text"})
        for row in rows:
            row["region"] = "CT"
    elif change in ("column_removed", "column_renamed"):
        meta["columns"] = [c for c in meta["columns"] if c["fieldName"] != "recipients"]
        for row in rows:
            value = row.pop("recipients")
            if change == "column_renamed":
                row["recipient_count"] = value
        if change == "column_renamed":
            meta["columns"].append({"id": 98, "name": "Recipients", "fieldName": "recipient_count",
                                    "dataTypeName": "number"})
    elif change == "field_listed_twice":
        meta["columns"].append(dict(next(c for c in meta["columns"] if c["fieldName"] == "recipients")))
    elif change == "column_retyped":
        for column in meta["columns"]:
            if column["fieldName"] == "recipients":
                column["dataTypeName"] = "text"
    for f in files:
        f.unlink()
    (directory / "metadata.json").write_text(json.dumps(meta))
    (directory / "rows-0001.json").write_text(json.dumps(rows))
    return root


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_a_fault_is_retried_to_success_or_fails_cleanly(scenario, baseline, socrata_emulator, tmp_path):
    steps, expected = SCENARIOS[scenario]
    work_master, published = baseline
    work = tmp_path / "work.duckdb"
    shutil.copy(work_master, work)
    published_digest = _digest(published)
    before = data.raw_tables(work)
    change = next((name for step, name, _ in steps if step == "change"), None)
    emu = socrata_emulator(_newer_sample(tmp_path / "portal", change))
    for step, kind, options in steps:
        if step == "fault":
            emu.inject(kind, path="resource", dataset_id=data.MONTHLY, **options)
        elif step == "portal" and kind == "omit_rows":
            emu.omit_rows({r[":id"] for r in sorted(emu.rows(data.MONTHLY), key=lambda r: r[":id"])[
                options["value"].start:options["value"].stop]})
        elif step == "portal":
            setattr(emu, kind, options["value"])
    source = PortalSource(emu.url, None, page_size=500, policy=FAST, sleep=lambda s: None)
    try:
        outcome = load(load_registry(), source, work, dataset_ids=[data.MONTHLY], full=True)[0]
    finally:
        source.close()
    standing = sum(1 for step, _, _ in steps if step in ("change", "portal"))  # a change or setting is one fault
    INJECTED[scenario] = emu.faults_fired + standing
    assert outcome.status == expected, outcome.error
    after = data.raw_tables(work)
    audit = data.audit(work)[-1]
    assert (audit["dataset_id"], audit["status"]) == (data.MONTHLY, expected)
    if expected == "failed":
        assert after == before  # the previous raw data, exactly
        assert audit["error"] and data.MONTHLY in audit["error"]
        assert "Traceback" not in outcome.error and "\n" not in outcome.error  # one paragraph
    else:
        served = json.loads((tmp_path / "portal" / data.MONTHLY / "rows-0001.json").read_text())
        assert len(after["program_monthly"]) - 1 == len(served)  # every row, once (header row excluded)
        assert audit["rows_landed"] == len(served)
    assert {k: v for k, v in after.items() if k != "program_monthly"} == {
        k: v for k, v in before.items() if k != "program_monthly"}
    assert _digest(published) == published_digest  # a load never touches the published file


@pytest.fixture
def unanswered_port():
    """A listening port whose backlog is full: new connections get no handshake, so connecting times out."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers = []
    for _ in range(3):
        client = socket.socket()
        client.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            client.connect(("127.0.0.1", port))
        fillers.append(client)
    yield port
    for client in fillers:
        client.close()
    server.close()


def test_connect_timeout_fails_after_bounded_attempts(baseline, tmp_path, unanswered_port):
    work = tmp_path / "work.duckdb"
    shutil.copy(baseline[0], work)
    before, file_before = data.raw_tables(work), work.read_bytes()
    sleeps: list[float] = []
    source = PortalSource(f"http://127.0.0.1:{unanswered_port}", None, policy=FAST, sleep=sleeps.append)
    try:
        outcome = load(load_registry(), source, work, dataset_ids=[data.MONTHLY])[0]
    finally:
        source.close()
    INJECTED["connect timeout"] = FAST.attempts
    assert outcome.status == "failed"
    assert "Could not reach" in outcome.error and "timed out" in outcome.error
    assert len(sleeps) == FAST.attempts - 1
    assert data.raw_tables(work) == before
    assert work.read_bytes() == file_before  # the portal never answered: the warehouse was not even opened


def test_the_same_suite_from_a_bad_snapshot_keeps_everything(baseline, tmp_path):
    """Snapshot landing refuses the whole snapshot when one dataset is bad."""
    work = tmp_path / "work.duckdb"
    shutil.copy(baseline[0], work)
    before = data.raw_tables(work)
    snap = _newer_sample(tmp_path / "snap", "rows_have_unlisted_field")
    outcomes = load(load_registry(), SnapshotSource(snap), work)
    assert {o.status for o in outcomes} == {"failed"}
    assert data.raw_tables(work) == before
