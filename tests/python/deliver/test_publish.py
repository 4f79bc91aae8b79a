"""Publishing: an atomic, DuckDB-1.x-readable file of the marts and reports, and exports with a manifest."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from support.warehouse_fixtures import (
    REPO,
    SAMPLE,
    copy_warehouse,
    dbt_env,
    downstream_of,
    query,
    rows_unlike_the_export,
    run_dbt,
)

from ctdss.deliver import exports as exporting
from ctdss.deliver import publish as publishing
from ctdss.errors import UserError
from ctdss.registry import load_registry

pytestmark = pytest.mark.slow

# DuckDB's on-disk format numbers: 64 is what DuckDB 0.10, 1.0 and 1.1 write and read; later releases read it too.
DUCKDB_1X_FORMAT = 64


def storage_format(path: Path) -> int:
    header = path.read_bytes()[:20]
    assert header[8:12] == b"DUCK", "not a DuckDB file"
    return struct.unpack("<Q", header[12:20])[0]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def published(built_warehouse, tmp_path_factory) -> publishing.PublishResult:
    out = tmp_path_factory.mktemp("published")
    return publishing.publish(built_warehouse.db, out / "ct_dss_analysts.duckdb", out / "exports")


def test_the_published_file_holds_only_the_marts_and_reports(published, built_warehouse):
    con = duckdb.connect(str(published.published), read_only=True)
    schemas = {r[0] for r in con.execute("select distinct schema_name from duckdb_tables()").fetchall()}
    tables = {f"{s}.{t}" for s, t in con.execute("select schema_name, table_name from duckdb_tables()").fetchall()}
    con.close()
    assert schemas == {"marts", "reporting"}
    expected = {f"{s}.{t}" for s, t in built_warehouse.query(
        "select schema_name, table_name from duckdb_tables() where schema_name in ('marts', 'reporting')")}
    assert tables == expected | {"marts.publication", "marts.published_tables"}
    for name, rows in published.tables.items():
        assert built_warehouse.query(f"select count(*) from {name}")[0][0] == rows


def test_the_published_file_uses_a_storage_format_duckdb_1x_can_open(published, built_warehouse):
    assert storage_format(published.published) == DUCKDB_1X_FORMAT
    assert storage_format(built_warehouse.db) > DUCKDB_1X_FORMAT  # the working file is newer: the setting matters


def test_column_descriptions_travel_to_the_published_file(published):
    con = duckdb.connect(str(published.published), read_only=True)
    undocumented = con.execute(
        "select table_name, column_name from duckdb_columns() where schema_name in ('marts', 'reporting') "
        "and (comment is null or comment = '')"
    ).fetchall()
    con.close()
    assert undocumented == []


# Every dataset loaded: every registered one, those whose every cell another dataset supersedes included.
LOADED = {ds.id for ds in load_registry().datasets()}
# Every registered dataset whose rows reach a published fact. In the sample, the CY 2021 township counts
# (gjf6-ig4b) are republished in the newer multi-year town dataset (5z8s-84ru), whose rows the town series takes.
BEHIND_THE_FACTS = LOADED - {"gjf6-ig4b"}


def test_the_publication_table_names_the_vintages_and_the_synthetic_flag(published):
    con = duckdb.connect(str(published.published), read_only=True)
    rows = con.execute(
        "select source_dataset_id, source_rows_updated_at, is_synthetic, superseded_years, superseded_by "
        "from marts.publication"
    ).fetchall()
    con.close()
    assert {r[0] for r in rows} == LOADED
    assert all(r[1] is not None and r[2] is True for r in rows)
    assert {r[0]: r[3:] for r in rows if r[3] is not None} == {"gjf6-ig4b": ("2021", "5z8s-84ru")}


def test_exports_cover_every_table_with_a_manifest(published):
    manifest = json.loads((published.exports / "manifest.json").read_text())
    assert manifest["is_synthetic"] is True
    assert {v["source_dataset_id"] for v in manifest["source_vintages"]} == LOADED
    names = {t["name"] for t in manifest["tables"]}
    assert names == set(published.tables) | {"marts.publication", "marts.published_tables"}
    con = duckdb.connect()
    for table in manifest["tables"]:
        parquet, csv = (exported(published.exports, table["files"][kind]) for kind in ("parquet", "csv"))
        if parquet is None:  # a table by year with no rows yet is an empty folder per format
            assert table["rows"] == 0 and csv is None and (published.exports / table["files"]["csv"]["path"]).is_dir()
            continue
        assert con.execute(f"select count(*) from read_parquet({parquet})").fetchone()[0] == table["rows"]
        assert con.execute(f"select count(*) from read_csv({csv}, header = true)").fetchone()[0] == table["rows"]
        described = con.execute(f"select column_name from (describe select * from read_parquet({parquet}, "
                                f"hive_partitioning = false))").fetchall()
        assert [c["name"] for c in table["columns"]] == [c for c, in described]
    con.close()


def test_the_manifest_and_the_dictionary_describe_every_column(published):
    manifest = json.loads((published.exports / "manifest.json").read_text())
    listed = [(t["name"], c["name"], c["type"], c["description"]) for t in manifest["tables"] for c in t["columns"]]
    assert all(t["description"] for t in manifest["tables"])
    assert [row[:2] for row in listed if not row[3]] == []
    with (published.exports / "dictionary.csv").open(newline="", encoding="utf-8") as f:
        dictionary = [(r["table_name"], r["column_name"], r["data_type"], r["description"]) for r in csv.DictReader(f)]
    assert dictionary == [(t, c, kind, " ".join(text.split())) for t, c, kind, text in listed]


def test_the_published_tables_table_lists_every_table_with_its_grain_periods_rows_and_access(published):
    con = duckdb.connect(str(published.published), read_only=True)
    tables = {f"{s}.{t}" for s, t in con.execute("select schema_name, table_name from duckdb_tables()").fetchall()}
    listing = {r[0]: r[1:] for r in con.execute(
        "select table_name, grain, first_period, last_period, table_rows, access from marts.published_tables"
    ).fetchall()}
    rows = {name: con.execute(f"select count(*) from {name}").fetchone()[0] for name in tables}
    con.close()
    assert set(listing) == tables
    assert {name: entry[3] for name, entry in listing.items()} == rows
    access = {name: entry[4] for name, entry in listing.items()}
    assert {access[n] for n in tables if n.startswith("reporting.")} == {"public"}
    assert {access[n] for n in tables if n.startswith("marts.fct_")} == {"analysts_only"}
    assert listing["reporting.rpt_town_participation_by_program"][:3] == (
        "One row per town per program per calendar year", "2015", "2023")
    assert listing["marts.fct_program_participation_monthly"][1:3] == ("2012-01", "2024-12")
    assert listing["marts.dim_town"][1:3] == (None, None)


def exported(exports: Path, files: dict) -> str | None:
    """The files of one table in one format, as a DuckDB list literal of their paths (None for none)."""
    paths = [exports / part["path"] for part in files.get("parts", [files])]
    assert all(p.is_file() for p in paths)
    return "[" + ", ".join(f"'{p}'" for p in paths) + "]" if paths else None


def test_a_monthly_table_is_exported_a_file_per_year_that_tools_read_as_one_table(published):
    manifest = {t["name"]: t for t in json.loads((published.exports / "manifest.json").read_text())["tables"]}
    table = manifest["marts.fct_town_assistance_participation_monthly"]
    folder = published.exports / "marts.fct_town_assistance_participation_monthly.parquet"
    assert folder.is_dir() and table["files"]["parquet"]["path"] == folder.name
    con = duckdb.connect(str(published.published), read_only=True)
    years = con.execute("select year(month_start_date), count(*) from marts.fct_town_assistance_participation_monthly "
                        "group by 1 order by 1").fetchall()
    by_year = con.execute(f"select year, count(*) from read_csv('{folder.with_suffix('.csv')}/*/*.csv', "
                          f"hive_partitioning = true) group by 1 order by 1").fetchall()
    con.close()
    assert len(years) > 1 and by_year == years
    assert rows_unlike_the_export(published.published, table["name"], published.exports) == 0
    parts = table["files"]["csv"]["parts"]
    assert [(p["year"], p["rows"]) for p in parts] == years
    assert all(p["path"] == f"{folder.stem}.csv/year={p['year']}/data_0.csv" for p in parts)
    # A table without a month column stays one file per format.
    assert (published.exports / manifest["marts.dim_town"]["files"]["parquet"]["path"]).is_file()


def test_a_failed_publish_leaves_the_previous_file_untouched(published, built_warehouse, monkeypatch):
    before = digest(published.published)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(publishing, "_write_publication", broken)
    with pytest.raises(RuntimeError):
        publishing.publish(built_warehouse.db, published.published, published.exports)
    assert digest(published.published) == before
    assert [p.name for p in published.published.parent.iterdir() if p.name.startswith(".")] == []


def test_a_failed_export_leaves_the_previous_exports_as_they_were(published, monkeypatch):
    exports = published.exports
    before = {str(p): digest(p) for p in exports.rglob("*") if p.is_file()}
    # The CSV writer given an option it does not know: DuckDB refuses that copy while the others may be running.
    monkeypatch.setitem(exporting.FORMATS, "csv", "format csv, no_such_option true")
    with pytest.raises(duckdb.Error, match="no_such_option"):
        exporting.write_exports(published.published, exports, publishing.PUBLICATION_TABLE)
    assert {str(p): digest(p) for p in exports.rglob("*") if p.is_file()} == before
    assert [p.name for p in exports.parent.iterdir() if p.name.startswith(".")] == []


def test_publishing_before_a_build_says_what_to_do(tmp_path):
    with pytest.raises(UserError, match="make demo"):
        publishing.publish(tmp_path / "missing.duckdb", tmp_path / "pub.duckdb", tmp_path / "exports")


def _doubled_sample(root: Path) -> Path:
    """The bundled sample with every annual count doubled and a newer rowsUpdatedAt: a new publication."""
    shutil.copytree(SAMPLE, root)
    directory = root / "chu7-5rrv"
    meta = json.loads((directory / "metadata.json").read_text())
    meta["rowsUpdatedAt"] += 86400
    (directory / "metadata.json").write_text(json.dumps(meta))
    for f in directory.glob("rows*.json"):
        rows = json.loads(f.read_text())
        for row in rows:
            row["number_of_recipients"] = str(2 * int(row["number_of_recipients"]))
        f.write_text(json.dumps(rows))
    return root


def test_a_reader_holding_the_published_file_never_blocks_a_rebuild_and_never_sees_half(built_warehouse, tmp_path):
    total = "select sum(recipient_count) from marts.fct_program_participation_annual"
    db = copy_warehouse(built_warehouse, tmp_path / "work")  # the session's warehouse: this test rebuilds it
    pub, exports = tmp_path / "analysts" / "ct_dss_analysts.duckdb", tmp_path / "analysts" / "exports"
    publishing.publish(db, pub, exports)

    reader = duckdb.connect(str(pub), read_only=True)  # a BI tool holding the file open
    # A reader that holds the file itself: the publish must put a new file in its place (a rename), not write
    # over the bytes the reader is reading, or this reader would find half of one file and half of the other.
    held, inode, before = pub.open("rb"), pub.stat().st_ino, digest(pub)
    try:
        old = reader.execute(total).fetchone()[0]
        env = dbt_env(db)
        changed = _doubled_sample(tmp_path / "changed")
        steps = [
            [sys.executable, "-m", "ctdss.cli", "load", "--snapshot", str(changed), "--db", str(db)],
            None,  # dbt build of what the annual dataset feeds
            [sys.executable, "-m", "ctdss.cli", "publish", "--db", str(db), "--out", str(pub), "--exports",
             str(exports), "--public", str(tmp_path / "public" / "ct_dss_public.duckdb"), "--public-exports",
             str(tmp_path / "public" / "exports")],
        ]
        for step in steps:
            if step is None:
                result = run_dbt(["build", *downstream_of("program_annual")], env, tmp_path / "work" / "target")
            else:
                result = subprocess.run(step, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
            assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        assert reader.execute(total).fetchone()[0] == old  # the open reader still sees the old data
        assert pub.stat().st_ino != inode  # a new file took the name
        kept = tmp_path / "kept.duckdb"
        kept.write_bytes(held.read())  # what the held file gives, read only now that the publish is over
        assert digest(kept) == before
        assert query(kept, total) == [(old,)]
    finally:
        reader.close()
        held.close()
    fresh = duckdb.connect(str(pub), read_only=True)
    new = fresh.execute(total).fetchone()[0]
    fresh.close()
    assert new == 2 * old


def test_a_long_running_reader_gets_each_new_publication_on_its_next_connection(built_warehouse, tmp_path):
    """A notebook or a BI worker keeps one connection open and opens more in the same process: DuckDB hands a
    new connection the database instance it already has for the file's path, so the new publication must come
    under a path of its own for a new connection to see it."""
    total = "select sum(recipient_count) from marts.fct_program_participation_annual"
    db = copy_warehouse(built_warehouse, tmp_path / "work")
    pub, exports = tmp_path / "analysts" / "ct_dss_analysts.duckdb", tmp_path / "analysts" / "exports"
    publishing.publish(db, pub, exports)
    held = duckdb.connect(str(pub), read_only=True)
    try:
        first = held.execute(total).fetchone()[0]
        for factor in (2, 4):  # two publications, each doubling the counts
            with duckdb.connect(str(db)) as work:
                work.execute("update marts.fct_program_participation_annual set recipient_count = recipient_count * 2")
            publishing.publish(db, pub, exports)
            fresh = duckdb.connect(str(pub), read_only=True)
            try:
                assert fresh.execute(total).fetchone()[0] == factor * first
                # BI tools name the catalog after the file: it stays the published path's name.
                assert fresh.execute("select current_database()").fetchone()[0] == "ct_dss_analysts"
            finally:
                fresh.close()
        assert held.execute(total).fetchone()[0] == first  # the held connection keeps its publication whole
    finally:
        held.close()
    publications = [p for p in pub.parent.iterdir() if p.is_dir() and p != exports]
    assert len(publications) == 1 and len(list(publications[0].iterdir())) == 2  # the current one and the last
