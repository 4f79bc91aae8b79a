"""`ctdss export-raw`: the raw layer as Parquet files, provenance included, swapped in only when complete."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from support.warehouse_fixtures import SAMPLE, land_snapshot

from ctdss.errors import UserError
from ctdss.registry import load_registry
from ctdss.spark.raw_export import export_raw

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def landed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("raw_export") / "ct_dss.duckdb"
    land_snapshot(SAMPLE, db)
    return db


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[tuple[str, str]]:
    return [(row[0], row[1]) for row in con.execute(f"describe select * from {relation}").fetchall()]


def test_every_raw_table_is_written_with_its_rows_and_provenance(landed: Path, tmp_path: Path) -> None:
    counts = export_raw(load_registry(), landed, tmp_path / "raw")
    con = duckdb.connect(str(landed), read_only=True)
    try:
        for kind in load_registry().kinds:
            files = f"read_parquet('{tmp_path / 'raw' / kind.name}/*.parquet')"
            assert con.execute(f"select count(*) from {files}").fetchone()[0] == counts[kind.name]
            assert counts[kind.name] == con.execute(f"select count(*) from raw.{kind.name}").fetchone()[0] > 0
            written = dict(_columns(con, files))
            landed_columns = dict(_columns(con, f"raw.{kind.name}"))
            assert list(written) == list(landed_columns)
            # Timestamps become UTC instants, so Spark reads them as `timestamp`, not `timestamp_ntz`.
            assert written["_loaded_at"] == "TIMESTAMP WITH TIME ZONE"
            con.execute("set TimeZone = 'UTC'")
            same = con.execute(
                f"select count(*) from (select * exclude (_loaded_at, _source_rows_updated_at), "
                f"cast(_loaded_at as timestamp), cast(_source_rows_updated_at as timestamp) from {files} "
                f"except all select * exclude (_loaded_at, _source_rows_updated_at), _loaded_at, "
                f"_source_rows_updated_at from raw.{kind.name})"
            ).fetchone()[0]
            assert same == 0
    finally:
        con.close()


def test_a_failed_export_leaves_the_previous_files_as_they_were(landed: Path, tmp_path: Path) -> None:
    out = tmp_path / "raw"
    export_raw(load_registry(), landed, out)
    before = {p: p.read_bytes() for p in out.rglob("*.parquet")}
    broken = tmp_path / "broken.duckdb"
    con = duckdb.connect(str(broken))
    con.execute("create schema raw")
    con.execute("create table raw.program_annual as select 'x' as program")
    con.close()
    with pytest.raises(UserError, match="no table raw.town_program_annual"):
        export_raw(load_registry(), broken, out)
    assert {p: p.read_bytes() for p in out.rglob("*.parquet")} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
