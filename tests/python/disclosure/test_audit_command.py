"""`ctdss audit` on a tiny synthetic warehouse: the published rpt_ tables, marts.dim_program and the truth view as
plain tables. Three towns (T1 and T2 in county C1, T3 in C2, all in planning region R1), two programs (SNAP in
family food, TFA in family cash), one year and two months."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import duckdb

from ctdss import cli
from ctdss.disclosure.tables import KEY_COLUMNS, TABLES

Y, JAN, FEB = 2021, dt.date(2021, 1, 1), dt.date(2021, 2, 1)
TOWNS = {"T1": ("C1", "R1"), "T2": ("C1", "R1"), "T3": ("C2", "R1")}
# Per table: (key values, lower, upper, masked, open at source). Masked cells are sensitive below 5 unless open.
BY_PROGRAM = [
    # SNAP: T1 (3) is hidden by T2 (50) in C1, and family food of T1 and T2 is masked with it.
    (("T1", "SNAP", Y), 3, 3, True, False), (("T2", "SNAP", Y), 50, 50, True, False),
    (("T3", "SNAP", Y), 40, 40, False, False),
    # TFA: T1 (2) is the only masked cell of county C1 (32) and of planning region R1 (52): pinned.
    (("T1", "TFA", Y), 2, 2, True, False), (("T2", "TFA", Y), 30, 30, False, False),
    (("T3", "TFA", Y), 20, 20, False, False),
]
BY_REGION = [
    (("SNAP", Y, "county", "C1"), 53, 53, False, False), (("SNAP", Y, "county", "C2"), 40, 40, False, False),
    (("SNAP", Y, "planning_region", "R1"), 93, 93, False, False),
    (("TFA", Y, "county", "C1"), 32, 32, False, False), (("TFA", Y, "county", "C2"), 20, 20, False, False),
    (("TFA", Y, "planning_region", "R1"), 52, 52, False, False),
]
FAMILY_BY_YEAR = [
    (("T1", "food", Y), 3, 3, True, False), (("T2", "food", Y), 50, 50, True, False),
    (("T3", "food", Y), 40, 40, False, False),
    (("T1", "cash", Y), 2, 2, True, False), (("T2", "cash", Y), 30, 30, False, False),
    (("T3", "cash", Y), 20, 20, False, False),
]
BY_MONTH = [
    (("SNAP", JAN), 100, 100, False, False), (("TFA", JAN), 2, 2, True, False),
    (("SNAP", FEB), 90, 90, False, False), (("TFA", FEB), 0, 4, True, True),
]
FAMILY_BY_MONTH = [
    (("food", JAN), 100, 100, False, False), (("cash", JAN), 2, 2, True, False),
    (("food", FEB), 90, 90, False, False), (("cash", FEB), 0, 4, True, True),
]
TOWN_FAMILY_BY_MONTH = [(("T1", "food", JAN), 3, 3, True, False), (("T3", "food", JAN), 40, 40, False, False)]
BY_RACE = [(("T1", "white", Y), 4, 4, True, False), (("T1", "black", Y), 12, 12, False, False)]
# Statewide by assistance type: no published sum holds them, so a masked cell there is safe on its own.
BY_ASSISTANCE_TYPE = [(("SNAP", Y), 500, 500, False, False), (("TFA", Y), 3, 3, True, False)]
ROWS = dict(zip([t.name for t in TABLES], [BY_PROGRAM, BY_REGION, FAMILY_BY_YEAR, BY_MONTH, FAMILY_BY_MONTH,
                                           TOWN_FAMILY_BY_MONTH, BY_RACE, BY_ASSISTANCE_TYPE], strict=True))
TYPES = {"calendar_year": "integer", "month_start_date": "date"}
PINNED = "rpt_town_participation_by_program (town_key=T1, program_code=TFA, calendar_year=2021)"


def build(db: Path, rows: dict[str, list] = ROWS) -> Path:
    con = duckdb.connect(str(db))
    for schema in ("reporting", "marts", "qa"):
        con.execute(f"create schema {schema}")
    con.execute("create table marts.dim_program as select * from (values ('SNAP', 'food'), ('TFA', 'cash')) "
                "as p (program_code, program_family)")
    con.execute(f"create table qa.qa_disclosure_cells (table_name varchar, "
                f"{', '.join(_column(k) for k in KEY_COLUMNS)}, value_lower bigint, value_upper bigint, "
                " is_open_at_source boolean, is_sensitive boolean, is_suppressed boolean)")
    for table in TABLES:
        _published(con, table, rows[table.name])
    con.close()
    return db


def _column(key: str) -> str:
    return f"{key} {TYPES.get(key, 'varchar')}"


def _published(con: duckdb.DuckDBPyConnection, table, rows: list) -> None:
    extra = ["county_fips", "planning_region_fips"] if "town_key" in table.keys and "program_code" in table.keys \
        else []
    columns = [_column(k) for k in (*table.keys, *extra)]
    values = [f"{table.value}{end} bigint" for end in ("", "_lower", "_upper")]
    con.execute(f"create table reporting.{table.name} ({', '.join(columns + values)}, is_suppressed boolean)")
    for key, lower, upper, masked, opened in rows:
        places = list(TOWNS[key[0]]) if extra else []
        shown = [None, None, None] if masked else [lower, lower, upper]
        con.execute(f"insert into reporting.{table.name} values ({', '.join('?' * (len(key) + len(places) + 4))})",
                    [*key, *places, *shown, masked])
        truth = {k: v for k, v in zip(table.keys, key, strict=True)}
        con.execute(f"insert into qa.qa_disclosure_cells values ({', '.join('?' * (len(KEY_COLUMNS) + 6))})",
                    [table.name, *(truth.get(k) for k in KEY_COLUMNS), lower, upper, opened,
                     lower < 5 and not opened, masked])


def results(db: Path) -> dict[tuple, tuple]:
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("select table_name, town_key, program_code, program_family, month_start_date, "
                       "feasible_lower, feasible_upper, is_protected, is_recovered_exactly "
                       "from qa.qa_disclosure_intervals").fetchall()
    con.close()
    return {row[:5]: row[5:] for row in rows}


def test_a_cell_pinned_by_published_region_totals_fails_the_audit_and_is_recorded(tmp_path, capsys):
    db = build(tmp_path / "w.duckdb")
    assert cli.main(["audit", "--db", str(db), "--threshold", "5"]) == 2
    out, err = capsys.readouterr()
    message = " ".join(err.split())
    assert "2 of 13 masked cells are not protected at threshold 5" in message
    assert f"{PINNED} is recovered exactly as 2, pinned by " \
           "rpt_town_participation_by_region (program_code=TFA, calendar_year=2021, geography_level=county, " \
           "geography_fips=C1), rpt_town_participation_by_region (program_code=TFA, calendar_year=2021, " \
           "geography_level=planning_region, geography_fips=R1);" in message
    # The family row of T1 and cash is masked, but it is the sum of that one pinned cell.
    assert "rpt_town_program_family_trends_by_year (town_key=T1, program_family=cash, calendar_year=2021) is " \
           "recovered exactly as 2, pinned by rpt_town_participation_by_region" in message
    # Masked: 3 by program, 3 family by year, 2 by month, 2 family by month, 1 town family by month, 1 by race,
    # 1 by assistance type.
    # Open: TFA and cash in February. Other (not sensitive): SNAP and food of T2 (50).
    assert "Audited 13 masked cells at threshold 5: 2 open at source, 9 sensitive, 2 other." in out
    assert "Protected: 11 of 13; recovered exactly: 2." in out
    found = results(db)
    assert len(found) == 13
    assert found[("rpt_town_participation_by_program", "T1", "TFA", None, None)] == (2, 2, False, True)
    # SNAP T1 + T2 = 53 (county C1) = 93 - 40 (planning region R1): each anywhere in [0, 53].
    assert found[("rpt_town_participation_by_program", "T1", "SNAP", None, None)] == (0, 53, True, False)
    # TFA in January: its family total is masked too, so nothing caps it.
    assert found[("rpt_program_participation_by_month", None, "TFA", None, JAN)] == (0, None, True, False)
    # TFA in February was left open by the source: 0 to 4, not recovered.
    assert found[("rpt_program_participation_by_month", None, "TFA", None, FEB)] == (0, 4, True, False)


def test_masking_the_partner_protects_the_cell_and_the_audit_passes(tmp_path, capsys):
    rows = dict(ROWS)
    unmask = {("T2", "TFA", Y), ("T2", "cash", Y)}  # T2's TFA and its family row hide T1's TFA
    for name in ("rpt_town_participation_by_program", "rpt_town_program_family_trends_by_year"):
        rows[name] = [(k, lo, up, masked or k in unmask, op) for k, lo, up, masked, op in rows[name]]
    db = build(tmp_path / "w.duckdb", rows)
    assert cli.main(["audit", "--db", str(db)]) == 0  # the threshold of dbt_project.yml (5)
    out, err = capsys.readouterr()
    assert err == "" and "Protected: 15 of 15; recovered exactly: 0." in out
    assert "Narrowest interval among masked cells not open at source: [0, 32] for " + PINNED in out
    assert all(row[2] for row in results(db).values())


def test_a_warehouse_held_by_a_writer_fails_cleanly(tmp_path):
    db = build(tmp_path / "w.duckdb")
    holder = duckdb.connect(str(db))  # stands in for a dbt build holding the file
    try:
        env = {**os.environ, "CTDSS_LOCK_TIMEOUT": "1"}
        result = subprocess.run([sys.executable, "-m", "ctdss.cli", "audit", "--db", str(db)], capture_output=True,
                                text=True, timeout=120, env=env)
    finally:
        holder.close()
    message = " ".join(result.stderr.split())
    assert result.returncode == 2 and "Traceback" not in message
    assert f"Cannot read the working warehouse {db}" in message and "run `make audit` again" in message


def test_a_warehouse_without_the_truth_view_says_what_to_build(tmp_path, capsys):
    db = build(tmp_path / "w.duckdb")
    con = duckdb.connect(str(db))
    con.execute("drop table qa.qa_disclosure_cells")
    con.close()
    assert cli.main(["audit", "--db", str(db)]) == 2
    message = " ".join(capsys.readouterr().err.split())
    assert "has no qa.qa_disclosure_cells, which the disclosure audit reads" in message


def test_a_masked_row_missing_from_the_truth_view_is_named(tmp_path, capsys):
    db = build(tmp_path / "w.duckdb")
    con = duckdb.connect(str(db))
    con.execute("delete from qa.qa_disclosure_cells where town_key = 'T1' and race_key = 'white'")
    con.close()
    assert cli.main(["audit", "--db", str(db)]) == 2
    message = " ".join(capsys.readouterr().err.split())
    assert "1 cells of the published tables have no bounds (the first is rpt_town_participation_by_race " \
           "(town_key=T1, race_key=white, calendar_year=2021))" in message
