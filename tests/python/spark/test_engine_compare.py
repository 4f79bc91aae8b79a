"""The engine comparison behind `make spark-test`: which tables it compares, and what it calls a difference."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from ctdss.errors import UserError
from ctdss.spark.engine_compare import MartTable, compare, mart_tables, report
from ctdss.spark.table_readers import DuckDBReader

TABLE = MartTable("model.ctdss.rpt_x", "reporting", "rpt_x", ("program_code", "calendar_year"))
ROWS = [
    ("SNAP", 2021, Decimal("0.125000"), 40, True),
    ("SNAP", 2022, Decimal("0.250000"), 0, False),
    ("TANF", 2021, None, 12, True),
]


def _warehouse(path: Path, rows: list[tuple], engine: str) -> DuckDBReader:
    con = duckdb.connect(str(path))
    con.execute("create schema reporting")
    con.execute(
        "create table reporting.rpt_x (program_code varchar, calendar_year integer, ratio decimal(28,12), "
        "recipient_count bigint, is_suppressed boolean)"
    )
    con.executemany("insert into reporting.rpt_x values (?, ?, ?, ?, ?)", rows)
    con.close()
    reader = DuckDBReader(path)
    reader.engine = engine
    return reader


def _compare(tmp_path: Path, left_rows: list[tuple], right_rows: list[tuple]) -> tuple[list[str], bool]:
    left = _warehouse(tmp_path / "left.duckdb", left_rows, "duckdb")
    right = _warehouse(tmp_path / "right.duckdb", right_rows, "spark")
    try:
        return report(compare(left, right, [TABLE]), [])
    finally:
        left.close()
        right.close()


def test_the_same_rows_in_another_order_are_equal(tmp_path: Path) -> None:
    lines, equal = _compare(tmp_path, ROWS, list(reversed(ROWS)))
    assert equal
    assert lines[-1] == "compare tables=1 rows=3 differences=0 not_built=none"


def test_decimals_may_differ_by_at_most_1e_9(tmp_path: Path) -> None:
    within = [(*ROWS[0][:2], Decimal("0.125000000001"), *ROWS[0][3:]), *ROWS[1:]]
    beyond = [(*ROWS[0][:2], Decimal("0.125000002"), *ROWS[0][3:]), *ROWS[1:]]
    for folder in ("within", "beyond"):
        (tmp_path / folder).mkdir()
    assert _compare(tmp_path / "within", ROWS, within)[1]
    lines, equal = _compare(tmp_path / "beyond", ROWS, beyond)
    assert not equal
    assert (
        "  reporting.rpt_x key (program_code='SNAP', calendar_year=2021) column ratio: "
        "duckdb=Decimal('0.125000000000') spark=Decimal('0.125000002000')"
    ) in lines


def test_integers_must_be_equal_and_a_null_is_not_a_zero(tmp_path: Path) -> None:
    changed = [ROWS[0], (*ROWS[1][:3], 1, ROWS[1][4]), (*ROWS[2][:2], Decimal(0), *ROWS[2][3:])]
    lines, equal = _compare(tmp_path, ROWS, changed)
    assert not equal
    assert (
        "  reporting.rpt_x key (program_code='SNAP', calendar_year=2022) column recipient_count: duckdb=0 spark=1"
    ) in lines
    assert any("(program_code='TANF', calendar_year=2021) column ratio: duckdb=None spark=" in line for line in lines)
    assert lines[-1].startswith("compare tables=1 rows=3 differences=2 ")


def test_a_row_on_one_engine_only_is_named_by_its_key(tmp_path: Path) -> None:
    lines, equal = _compare(tmp_path, ROWS, ROWS[:2])
    assert not equal
    assert "  reporting.rpt_x key (program_code='TANF', calendar_year=2021): 1 row(s) on duckdb, 0 on spark" in lines


def _manifest(tmp_path: Path) -> tuple[Path, Path]:
    def model(name: str, path: list[str], schema: str) -> dict:
        return {"resource_type": "model", "fqn": ["ctdss", *path, name], "schema": schema, "alias": name}

    nodes = {
        "model.ctdss.stg_a": model("stg_a", ["staging", "socrata"], "staging"),
        "model.ctdss.dim_b": model("dim_b", ["marts"], "marts"),
        "model.ctdss.rpt_c": model("rpt_c", ["marts", "reporting"], "reporting"),
        "model.ctdss.fct_d": model("fct_d", ["marts"], "marts"),
        "test.ctdss.unique_dim_b": {
            "resource_type": "test", "attached_node": "model.ctdss.dim_b",
            "test_metadata": {"name": "unique", "kwargs": {"column_name": "b_key"}},
        },
        "test.ctdss.grain_rpt_c": {
            "resource_type": "test", "attached_node": "model.ctdss.rpt_c",
            "test_metadata": {"name": "unique_combination", "kwargs": {"combination_of_columns": ["x", "y"]}},
        },
    }
    results = [{"unique_id": u, "status": "success"} for u in ("model.ctdss.stg_a", "model.ctdss.dim_b",
                                                               "model.ctdss.rpt_c")]
    (tmp_path / "manifest.json").write_text(json.dumps({"nodes": nodes}))
    (tmp_path / "run_results.json").write_text(json.dumps({"results": results}))
    return tmp_path / "manifest.json", tmp_path / "run_results.json"


def test_the_tables_are_every_built_mart_and_report_with_the_grain_of_its_uniqueness_test(tmp_path: Path) -> None:
    tables, not_built = mart_tables(*_manifest(tmp_path))
    assert [(t.relation, t.key) for t in tables] == [("marts.dim_b", ("b_key",)), ("reporting.rpt_c", ("x", "y"))]
    assert not_built == ["marts.fct_d"]


def test_nothing_to_compare_is_an_error_not_a_pass(tmp_path: Path) -> None:
    reader = _warehouse(tmp_path / "w.duckdb", ROWS, "duckdb")
    try:
        with pytest.raises(UserError, match="lists no mart"):
            compare(reader, reader, [])
    finally:
        reader.close()
