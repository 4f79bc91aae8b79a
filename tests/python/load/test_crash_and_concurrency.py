"""A killed loader and concurrent writers: each dataset is either fully old or fully new, never half-landed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from support import loader_data as data

from ctdss.load.loader import load
from ctdss.load.snapshot import SnapshotSource
from ctdss.registry import load_registry


def run_cli(args: list[str], **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "ctdss.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kwargs)


def newer(sets: dict, bump: int = 3600, value: str = "7") -> dict:
    sets = data.clone(sets)
    for meta, rows in sets.values():
        meta["rowsUpdatedAt"] += bump
        for row in rows:
            for key in ("number_of_recipients", "count", "recipients"):
                if key in row:
                    row[key] = value
    return sets


def test_sigkill_during_a_pull_keeps_committed_datasets_and_the_next_run_recovers(socrata_emulator, tmp_path):
    db = tmp_path / "ct.duckdb"
    v1 = data.datasets()
    load(load_registry(), SnapshotSource(data.write(tmp_path / "v1", v1)), db)
    before = data.raw_tables(db)
    v2 = newer(v1)
    emu = socrata_emulator(data.write(tmp_path / "v2", v2))
    emu.inject("slow", path="resource", dataset_id=data.MONTHLY, after=1, seconds=60)
    proc = run_cli(["load", "--portal", emu.url, "--db", str(db)])
    try:
        assert emu.wait_until(lambda: emu.faults_fired == 1, timeout=30), "the loader never reached the held page"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    after_kill = data.raw_tables(db)
    assert after_kill["program_monthly"] == before["program_monthly"]  # mid-pull: untouched
    assert after_kill["program_annual"] != before["program_annual"]  # committed before the kill: new
    con = duckdb.connect(str(db), read_only=True)
    leftovers = con.execute("select table_name from duckdb_tables() where table_name like '\\_\\_%' escape '\\'")
    assert leftovers.fetchall() == []
    con.close()

    emu2 = socrata_emulator(tmp_path / "v2")  # the portal again, without the held page
    # --full so the monthly dataset is re-pulled whole (a plain run would refresh only its last months).
    result = subprocess.run([sys.executable, "-m", "ctdss.cli", "load", "--portal", emu2.url, "--db", str(db),
                             "--full"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    statuses = {line.split("dataset=")[1].split()[0]: line.split("status=")[1].split()[0]
                for line in result.stderr.splitlines() if line.startswith("command=load")}
    # committed before the kill: unchanged since, so skipped; the held one and every later one: loaded now
    expected_statuses = {ds.id: "loaded" for ds in load_registry().datasets()}
    expected_statuses.update({data.ANNUAL: "skipped", data.TOWN: "skipped"})
    assert statuses == expected_statuses
    recovered = data.raw_tables(db, ("_is_synthetic",))
    expected = data.raw_tables(_fresh_load(tmp_path / "v2", tmp_path / "expected.duckdb"), ("_is_synthetic",))
    assert recovered == expected


def _fresh_load(snapshot: Path, db: Path) -> Path:
    load(load_registry(), SnapshotSource(snapshot), db)
    return db


def _big_monthly_snapshot(root: Path, rows: int, value: str, rows_updated_at: int) -> Path:
    """A large monthly dataset written by DuckDB itself, so the landing transaction takes a while."""
    directory = root / data.MONTHLY
    directory.mkdir(parents=True)
    meta = data.metadata(data.MONTHLY, ["program_name", "medical_benefit_plan", "month", "recipients"],
                         rows_updated_at)
    (directory / "metadata.json").write_text(json.dumps(meta))
    (root / "snapshot.json").write_text(json.dumps({"synthetic": True}))
    con = duckdb.connect()
    for part in range(4):
        con.execute(
            f"""copy (select 'row-' || lpad((i + {part * rows // 4})::varchar, 9, '0') as ":id",
                        'SNAP' as program_name, 'None' as medical_benefit_plan,
                        strftime(date '2000-01-01' + to_months(i % 300), '%Y-%m-%dT00:00:00.000') as "month",
                        '{value}' as recipients
                 from range({rows // 4}) t(i))
                to '{directory}/rows-{part:04d}.json' (format json, array true)"""
        )
    con.close()
    return root


@pytest.mark.parametrize("kill_after", [0.3, 0.8, 1.5])
def test_sigkill_while_landing_leaves_each_table_old_or_new(tmp_path, kill_after):
    db = tmp_path / "ct.duckdb"
    old = _big_monthly_snapshot(tmp_path / "old", 400_000, "1", 1_700_000_000)
    new = _big_monthly_snapshot(tmp_path / "new", 400_000, "2", 1_700_003_600)
    load(load_registry(), SnapshotSource(old), db, dataset_ids=[data.MONTHLY])
    proc = run_cli(["load", "--snapshot", str(new), "--db", str(db), "--dataset", data.MONTHLY])
    try:
        proc.wait(timeout=kill_after)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    con = duckdb.connect(str(db), read_only=True)
    values = con.execute('select "count", count(*) from raw.program_monthly group by 1').fetchall()
    con.close()
    assert values in ([("1", 400_000)], [("2", 400_000)])
    result = subprocess.run(
        [sys.executable, "-m", "ctdss.cli", "load", "--snapshot", str(new), "--db", str(db), "--dataset",
         data.MONTHLY], capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute('select "count", count(*) from raw.program_monthly group by 1').fetchall() == [
        ("2", 400_000)
    ]
    con.close()


def test_a_second_writer_waits_then_fails_clearly_and_nothing_is_corrupted(tmp_path):
    db = tmp_path / "ct.duckdb"
    snap = data.write(tmp_path / "v1", data.datasets())
    load(load_registry(), SnapshotSource(snap), db)
    before = data.raw_tables(db)
    holder = duckdb.connect(str(db))  # stands in for a dbt build or another load holding the file
    try:
        env = {**os.environ, "CTDSS_LOCK_TIMEOUT": "1"}
        v2 = data.write(tmp_path / "v2", newer(data.datasets()))
        result = subprocess.run([sys.executable, "-m", "ctdss.cli", "load", "--snapshot", str(v2), "--db", str(db)],
                                capture_output=True, text=True, timeout=60, env=env)
    finally:
        holder.close()
    assert result.returncode == 2
    message = " ".join(result.stderr.split())
    assert "in use by another writer" in message and "Traceback" not in message
    assert data.raw_tables(db) == before


def test_two_loads_at_once_both_finish_and_each_dataset_is_one_version(tmp_path):
    db = tmp_path / "ct.duckdb"
    v1 = data.write(tmp_path / "v1", newer(data.datasets(), bump=10, value="1"))
    v2 = data.write(tmp_path / "v2", newer(data.datasets(), bump=20, value="2"))
    procs = [run_cli(["load", "--snapshot", str(s), "--db", str(db), "--force"]) for s in (v1, v2)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    con = duckdb.connect(str(db), read_only=True)
    for table, column in (("program_annual", "count"), ("town_program_annual", "count"),
                          ("program_monthly", "count")):
        versions = con.execute(f'select distinct "{column}" from raw.{table}').fetchall()
        assert versions in ([("1",)], [("2",)]), table
    statuses = con.execute("select status, count(*) from raw._load_audit group by 1").fetchall()
    con.close()
    assert statuses == [("loaded", 2 * len(load_registry().datasets()))]  # every dataset, by each load
