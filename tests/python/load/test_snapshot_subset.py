"""`ctdss load --snapshot DIR` lands the registered datasets DIR holds and reports each one it lacks, one line
each, without failing; `--require-all` (or naming an absent dataset) refuses the load and lands nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
from support import loader_data as data

from ctdss.registry import load_registry

THREE = (data.ANNUAL, data.TOWN, data.MONTHLY)


def _load(snapshot: Path, db: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ctdss.cli", "load", "--snapshot", str(snapshot), "--db", str(db),
                           *extra], capture_output=True, text=True, timeout=300)


def _landed(db: Path) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return dict(con.execute(
            "select dataset_id, rows_landed from raw._load_audit where status = 'loaded'").fetchall())
    finally:
        con.close()


def _three_of_the_registry(tmp_path: Path) -> Path:
    return data.write(tmp_path / "snapshot", {k: v for k, v in data.datasets().items() if k in THREE})


def test_a_snapshot_lacking_registered_datasets_lands_the_rest_and_names_each_absent_one(tmp_path):
    db = tmp_path / "ct_dss.duckdb"
    result = _load(_three_of_the_registry(tmp_path), db)
    assert result.returncode == 0, result.stderr
    absent = sorted(ds.id for ds in load_registry().datasets() if ds.id not in THREE)
    assert len(absent) >= 4
    lines = [line for line in result.stderr.splitlines() if "status=absent" in line]
    assert sorted(line.split("dataset=")[1].split()[0] for line in lines) == absent  # one line each
    assert set(_landed(db)) == set(THREE)


def test_an_absent_dataset_keeps_its_previous_data(tmp_path):
    db = tmp_path / "ct_dss.duckdb"
    assert _load(data.write(tmp_path / "all", data.datasets()), db).returncode == 0
    con = duckdb.connect(str(db), read_only=True)
    before = con.execute("select * from raw.town_race_annual order by _source_row_id").fetchall()
    con.close()
    assert before
    assert _load(_three_of_the_registry(tmp_path), db, "--force").returncode == 0
    con = duckdb.connect(str(db), read_only=True)
    after = con.execute("select * from raw.town_race_annual order by _source_row_id").fetchall()
    con.close()
    assert after == before


def test_require_all_refuses_a_partial_snapshot_with_one_paragraph_and_lands_nothing(tmp_path):
    db = tmp_path / "ct_dss.duckdb"
    result = _load(_three_of_the_registry(tmp_path), db, "--require-all")
    assert result.returncode == 2
    message = " ".join(result.stderr.split())  # the paragraph is wrapped to the terminal
    assert "--require-all" in message and "Nothing was loaded" in message and "g7bd-zbqw" in message
    assert "Traceback" not in message
    assert not db.exists() or _landed(db) == {}


def test_naming_an_absent_dataset_is_an_error(tmp_path):
    db = tmp_path / "ct_dss.duckdb"
    result = _load(_three_of_the_registry(tmp_path), db, "--dataset", "re8x-m8yr")
    assert result.returncode == 2
    message = " ".join(result.stderr.split())
    assert "re8x-m8yr" in message and "Nothing was loaded" in message


def test_a_snapshot_holding_no_registered_dataset_is_refused(tmp_path):
    snapshot = data.write(tmp_path / "other", {"zzzz-0000": data.datasets()[data.ANNUAL]})
    result = _load(snapshot, tmp_path / "ct_dss.duckdb")
    assert result.returncode == 2
    assert "holds none of the registered datasets" in " ".join(result.stderr.split())  # the paragraph is wrapped
