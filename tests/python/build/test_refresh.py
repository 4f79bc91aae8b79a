"""`make update`: land what changed, build only what it changed, publish; and the same warehouse as a rebuild.

The end-to-end test starts from the session's warehouse (the bundled sample, built by `ctdss build` with its
state), lands the next publication of both monthly datasets (a new month, and the two months before it revised,
as DSS publishes) as a refresh from the portal does, through the local emulator: a window pull of the last
months, so the incremental models rebuild only the months it landed. (A month older than the window that a full
re-pull lands again is rebuilt too: the models' unit tests show it on fixtures.) It then refreshes. A copy of
the same warehouse, taken after that landing, without the state and without the incremental models' tables, is
rebuilt from scratch by `ctdss build`; every mart and `rpt_` table of the two must be identical. The snapshot's
history cannot be rebuilt from raw data, so both copies share it up to the refresh, and only the time each build
recorded a revision differs.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import struct
import subprocess
from pathlib import Path

import duckdb
import pytest
from support.warehouse_fixtures import REPO, SAMPLE, _console_script, dbt_env, rows_unlike_the_export, run_ctdss_build

from ctdss.build import runner as build_module
from ctdss.build.runner import BuildMode, plan, project_vars, read_relations
from ctdss.deliver import publish as publishing
from ctdss.deliver import publish_months
from ctdss.lineage import load_lineage
from ctdss.lineage.store import rows as lineage_rows
from socrata_emulator import SocrataEmulator

# The monthly datasets, each with its count field: the program x plan x month and the town x TOA code x month.
MONTHLY = {"sx77-vjbh": "recipients", "g7bd-zbqw": "people_served"}
ANNUAL_MODELS = ("int_town_program_annual_bounded", "int_town_race_annual_bounded", "int_program_annual_bounded",
                 "fct_town_program_participation_annual", "fct_town_race_participation_annual",
                 "fct_program_participation_annual", "rpt_town_participation_by_program",
                 "rpt_town_participation_by_region", "rpt_town_participation_by_race")
# DuckDB's on-disk format number that DuckDB 0.10, 1.0 and 1.1 write and read (later releases read it too).
DUCKDB_1X_FORMAT = 64
# Set by the snapshot to the time of the build that saw a revision: not a fact about the data.
BUILD_TIME_COLUMNS = {"fct_program_participation_monthly_revisions": ["revision_recorded_at"]}


def next_publication(directory: Path, count_field: str) -> tuple[str, list[str]]:
    """Rewrite one dataset of a snapshot copy as its next publication: the last month's rows one month on, and
    every nonzero count of the two months before it one higher. Returns (new month, revised months)."""
    files = sorted(directory.glob("rows*.json"))
    pages = [json.loads(f.read_text(encoding="utf-8")) for f in files]
    months = sorted({r["month"] for page in pages for r in page if r.get("month")})
    last, revised = months[-1], months[-2:]
    for path, page in zip(files, pages, strict=True):
        for row in page:
            if row.get("month") in revised and row.get(count_field, "").isdigit() and row[count_field] != "0":
                row[count_field] = str(int(row[count_field]) + 1)
        path.write_text(json.dumps(page), encoding="utf-8")
    year, month = int(last[:4]), int(last[5:7])
    new_month = f"{year + month // 12:04d}-{month % 12 + 1:02d}{last[7:]}"
    new_rows = [dict(r, month=new_month, **{":id": f"row-next.{n:04d}_0000"})
                for n, r in enumerate(r for page in pages for r in page if r.get("month") == last)]
    (directory / "rows-9999.json").write_text(json.dumps(new_rows), encoding="utf-8")
    meta = json.loads((directory / "metadata.json").read_text(encoding="utf-8"))
    meta["rowsUpdatedAt"] += 86_400
    (directory / "metadata.json").write_text(json.dumps(meta), encoding="utf-8")
    return new_month[:7], [m[:7] for m in revised]


def land_from_portal(snapshot: Path, db: Path) -> None:
    """Land the next publication as a refresh from the portal does: a window pull through the emulator."""
    emulator = SocrataEmulator(snapshot).start()
    try:
        done = subprocess.run([_console_script("ctdss"), "load", "--portal", emulator.url, "--db", str(db)],
                              cwd=REPO, env=dbt_env(db), capture_output=True, text=True, timeout=900)
    finally:
        emulator.stop()
    assert done.returncode == 0, f"ctdss load --portal failed:\n{done.stdout}\n{done.stderr}"


def storage_format(path: Path) -> int:
    header = path.read_bytes()[:20]
    assert header[8:12] == b"DUCK", "not a DuckDB file"
    return struct.unpack("<Q", header[12:20])[0]


def incremental_tables(manifest: Path) -> list[str]:
    """schema.name of every incremental model, whose table a rebuild from scratch must not find."""
    nodes = json.loads(manifest.read_text(encoding="utf-8"))["nodes"].values()
    return [f"{n['schema']}.{n['alias'] or n['name']}" for n in nodes
            if n["resource_type"] == "model" and n["config"]["materialized"] == "incremental"]


def work_env(work: Path) -> dict[str, str]:
    """The environment of ctdss on the warehouse in `work`, with its state, target and published file."""
    env = dbt_env(work / "ct_dss.duckdb", work / "logs")
    env.update(CTDSS_STATE_DIR=str(work / "state"), DBT_TARGET_PATH=str(work / "target"),
               CTDSS_ANALYSTS_DB=str(work / "analysts" / "ct_dss_analysts.duckdb"),
               CTDSS_ANALYSTS_EXPORTS_DIR=str(work / "analysts" / "exports"),
               CTDSS_PUBLIC_DB=str(work / "public" / "ct_dss_public.duckdb"),
               CTDSS_PUBLIC_EXPORTS_DIR=str(work / "public" / "exports"))
    return env


def ctdss(work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`ctdss publish` (or another command that runs no dbt) on the warehouse in `work`."""
    done = subprocess.run([_console_script("ctdss"), *args], cwd=REPO, env=work_env(work), capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 0, f"ctdss {' '.join(args)} failed:\n{done.stdout[-6000:]}\n{done.stderr}"
    return done


def build(work: Path) -> subprocess.CompletedProcess[str]:
    """`ctdss build` on the warehouse in `work`."""
    done = run_ctdss_build([], work_env(work))
    assert done.returncode == 0, f"ctdss build failed:\n{done.stdout[-6000:]}\n{done.stderr}"
    return done


def ran(work: Path) -> set[str]:
    results = json.loads((work / "target" / "run_results.json").read_text(encoding="utf-8"))
    return {r["unique_id"].split(".")[-1] for r in results["results"] if r["unique_id"].startswith("model.")}


def published_tables(db: Path) -> list[tuple[str, str]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("select schema_name, table_name from duckdb_tables() "
                           "where schema_name in ('marts', 'reporting') order by 1, 2").fetchall()
    finally:
        con.close()


def differences(a: Path, b: Path, schema: str, table: str) -> int:
    """Rows of the table in one warehouse and not the other (as multisets), over the data's columns."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{a}' as a (read_only)")
        con.execute(f"attach '{b}' as b (read_only)")
        excluded = BUILD_TIME_COLUMNS.get(table)
        columns = f"* exclude ({', '.join(excluded)})" if excluded else "*"
        left, right = f"select {columns} from a.{schema}.{table}", f"select {columns} from b.{schema}.{table}"
        return con.execute(
            f"select count(*) from (({left} except all {right}) union all ({right} except all {left}))"
        ).fetchone()[0]
    finally:
        con.close()


@pytest.fixture(scope="module")
def refreshed(built_warehouse, tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("refresh")
    work, rebuilt = root / "refreshed", root / "rebuilt"
    work.mkdir()
    shutil.copy(built_warehouse.db, work / "ct_dss.duckdb")
    shutil.copytree(built_warehouse.state, work / "state")
    ctdss(work, "publish", "--changed")  # the publication the refresh starts from
    first_size = (work / "analysts" / "ct_dss_analysts.duckdb").stat().st_size
    first_exports = {str(p.relative_to(work / "analysts" / "exports")): p.stat().st_ino
                     for p in (work / "analysts" / "exports").rglob("*") if p.is_file()}
    shutil.copytree(SAMPLE, root / "next")
    published = {dataset: next_publication(root / "next" / dataset, field) for dataset, field in MONTHLY.items()}
    land_from_portal(root / "next", work / "ct_dss.duckdb")
    shutil.copytree(work, rebuilt, ignore=shutil.ignore_patterns("state", "target", "logs"))
    con = duckdb.connect(str(rebuilt / "ct_dss.duckdb"))
    for table in incremental_tables(built_warehouse.target / "manifest.json"):
        con.execute(f"drop table {table}")  # so that it is rebuilt from scratch
    con.close()
    refresh = build(work)
    republished = ctdss(work, "publish", "--changed")
    full = build(rebuilt)
    return {"work": work, "rebuilt": rebuilt, "refresh": refresh, "full": full, "published": published,
            "republished": republished, "first_size": first_size, "first_exports": first_exports}


@pytest.mark.slow
def test_a_build_without_state_says_in_one_line_that_it_builds_everything(refreshed):
    lines = [line for line in refreshed["full"].stdout.splitlines() if line.startswith("ctdss build:")]
    assert lines == [f"ctdss build: building everything: no state of a previous build in "
                     f"{refreshed['rebuilt'] / 'state'}."]
    assert "Built everything" in refreshed["full"].stdout


@pytest.mark.slow
def test_the_refresh_builds_the_monthly_lineages_and_leaves_the_other_kinds_alone(refreshed):
    assert "Built only what changed" in refreshed["refresh"].stdout
    models = ran(refreshed["work"])
    assert {"stg_socrata__program_monthly", "int_program_monthly_bounded", "fct_program_participation_monthly",
            "fct_program_participation_monthly_revisions", "rpt_program_family_trends_by_month",
            "stg_socrata__town_assistance_monthly", "int_town_assistance_monthly_bounded",
            "fct_town_assistance_participation_monthly", "fct_town_program_participation_monthly",
            "rpt_town_program_family_trends_by_month"} <= models
    assert not models & {*ANNUAL_MODELS, "dim_town", "dim_program"}


def compiled_sql(work: Path) -> dict[str, tuple[str, str | None]]:
    """Every model's and snapshot's (materialization, compiled SQL) in the manifest of the last build in `work`."""
    nodes = json.loads((work / "target" / "manifest.json").read_text(encoding="utf-8"))["nodes"]
    return {uid: (n["config"]["materialized"], n.get("compiled_code")) for uid, n in nodes.items()
            if n["resource_type"] in ("model", "snapshot")}


@pytest.mark.slow
def test_the_refresh_leaves_the_lineage_the_sql_of_every_model_it_did_and_did_not_run(refreshed):
    # The models the refresh did not run take the last build's SQL (the code is the same); those it ran keep
    # what the build compiled.
    refresh, rebuild = compiled_sql(refreshed["work"]), compiled_sql(refreshed["rebuilt"])
    assert set(refresh) == set(rebuild)
    assert [uid for uid, (_, sql) in refresh.items() if not sql] == []
    # An incremental model compiles to its incremental branch after a refresh, and to a full select in a
    # rebuild from scratch; every other model compiles the same whichever way it was built.
    differ = [uid for uid, (materialized, sql) in refresh.items()
              if materialized != "incremental" and sql != rebuild[uid][1]]
    assert differ == []
    assert ran(refreshed["work"]) & {uid.split(".")[-1] for uid, (m, _) in refresh.items() if m != "incremental"}


@pytest.mark.slow
def test_the_incremental_sql_of_a_refresh_traces_to_the_same_lineage_as_a_rebuild(refreshed):
    # What lets `ctdss lineage` keep a table traced from the same code, whichever way the models last ran.
    refresh, rebuild = (load_lineage(refreshed[w] / "target" / "manifest.json") for w in ("work", "rebuilt"))
    incremental = {uid for uid, (m, _) in compiled_sql(refreshed["work"]).items() if m == "incremental"}
    assert incremental and all(compiled_sql(refreshed["work"])[uid] != compiled_sql(refreshed["rebuilt"])[uid]
                               for uid in incremental & {f"model.ctdss.{name}" for name in ran(refreshed["work"])})
    assert sorted(map(str, lineage_rows(refresh.edges))) == sorted(map(str, lineage_rows(rebuild.edges)))


@pytest.mark.slow
def test_every_mart_and_report_is_identical_to_a_rebuild_from_scratch(refreshed):
    work, rebuilt = refreshed["work"] / "ct_dss.duckdb", refreshed["rebuilt"] / "ct_dss.duckdb"
    tables = published_tables(work)
    assert tables == published_tables(rebuilt)
    assert {t for _, t in tables} >= {"fct_program_participation_monthly", "rpt_town_participation_by_program"}
    different = {f"{s}.{t}": n for s, t in tables if (n := differences(work, rebuilt, s, t))}
    assert not different, f"tables that differ from the rebuild (rows): {different}"


@pytest.mark.slow
def test_the_refresh_records_the_revised_months_and_adds_the_new_one(refreshed):
    con = duckdb.connect(str(refreshed["work"] / "ct_dss.duckdb"), read_only=True)
    try:
        revised = {r[0] for r in con.execute(
            "select distinct strftime(month_start_date, '%Y-%m') from marts.fct_program_participation_monthly_revisions"
        ).fetchall()}
        last_program, last_town = con.execute(
            "select (select strftime(max(month_start_date), '%Y-%m') from marts.fct_program_participation_monthly), "
            "(select strftime(max(month_start_date), '%Y-%m') from marts.fct_town_assistance_participation_monthly)"
        ).fetchone()
    finally:
        con.close()
    new_month, revised_months = refreshed["published"]["sx77-vjbh"]
    assert revised == set(revised_months)
    assert (last_program, last_town) == (new_month, refreshed["published"]["g7bd-zbqw"][0])


@pytest.mark.slow
def test_publish_changed_rewrites_what_the_refresh_rebuilt_and_keeps_the_rest(refreshed):
    work = refreshed["work"]
    kept = re.search(r"(\d+) of them unchanged since the last publication", refreshed["republished"].stdout)
    assert kept, refreshed["republished"].stdout
    assert int(kept.group(1)) >= len(ANNUAL_MODELS) - 3  # the annual facts and reports (not the intermediates)
    published = work / "analysts" / "ct_dss_analysts.duckdb"
    # The published file also holds its own records of what it publishes (rewritten by every publish).
    own_records = {("marts", "publication"), ("marts", "published_tables")}
    tables = [t for t in published_tables(work / "ct_dss.duckdb") if t not in own_records]
    assert [t for t in published_tables(published) if t not in own_records] == tables
    different = {f"{s}.{t}": n for s, t in tables if (n := differences(work / "ct_dss.duckdb", published, s, t))}
    assert not different, f"published tables that differ from the working file (rows): {different}"
    # Written from a copy of the first publication (the size of the last whole write is still the first file's)
    # with the changed months replaced, in the storage format DuckDB 1.0 and 1.1 read; the space deleted rows
    # leave behind stays within the bound past which the file is written whole again.
    record = json.loads((work / "state" / "published.json").read_text(encoding="utf-8"))
    assert record["whole_bytes"] == refreshed["first_size"]
    assert storage_format(published) == DUCKDB_1X_FORMAT
    assert published.stat().st_size <= publishing.MAX_GROWTH * refreshed["first_size"]


@pytest.mark.slow
def test_the_exports_write_again_only_the_years_whose_months_changed(refreshed):
    exports = refreshed["work"] / "analysts" / "exports"
    tables = {t["name"]: t for t in json.loads((exports / "manifest.json").read_text(encoding="utf-8"))["tables"]}
    new_month, revised = refreshed["published"]["g7bd-zbqw"]
    changed = {int(month[:4]) for month in (new_month, *revised)}
    for kind in ("parquet", "csv"):
        parts = tables["marts.fct_town_assistance_participation_monthly"]["files"][kind]["parts"]
        linked = {p["year"] for p in parts if (exports / p["path"]).stat().st_ino == refreshed["first_exports"].get(
            p["path"])}
        # Every year none of whose months changed is the first publication's file; the others are new files.
        assert linked == {p["year"] for p in parts} - changed
        assert linked and changed <= {p["year"] for p in parts}
    # What is read back is the republished table, old years and new.
    published = refreshed["work"] / "analysts" / "ct_dss_analysts.duckdb"
    assert rows_unlike_the_export(published, "marts.fct_town_assistance_participation_monthly", exports) == 0


@pytest.mark.slow
def test_a_failed_publish_from_a_copy_leaves_the_previous_file_untouched(refreshed, monkeypatch):
    work = refreshed["work"]
    published = work / "analysts" / "ct_dss_analysts.duckdb"
    before = hashlib.sha256(published.read_bytes()).hexdigest()
    monkeypatch.setenv("CTDSS_STATE_DIR", str(work / "state"))

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(publish_months, "delete_changed_months", broken)
    rebuilt_everything = {name: "another build" for name in read_relations(work / "state")}
    with pytest.raises(RuntimeError, match="disk full"):
        publishing.publish(work / "ct_dss.duckdb", published, work / "analysts" / "exports", built=rebuilt_everything)
    assert hashlib.sha256(published.read_bytes()).hexdigest() == before
    assert [p.name for p in published.parent.iterdir() if p.name.startswith(".")] == []


def test_a_missing_unreadable_or_foreign_state_means_a_full_build(tmp_path):
    db = tmp_path / "ct_dss.duckdb"
    duckdb.connect(str(db)).close()
    state = tmp_path / "state"
    assert plan(state, db).mode is BuildMode.FULL
    assert "no state of a previous build" in plan(state, db).reason
    state.mkdir()
    (state / "manifest.json").write_text("{not json", encoding="utf-8")
    (state / "sources.json").write_text('{"metadata": {}}', encoding="utf-8")
    assert plan(state, db).mode is BuildMode.FULL
    assert "unreadable" in plan(state, db).reason
    node = {"resource_type": "model", "schema": "marts", "name": "dim_town", "config": {"materialized": "table"}}
    (state / "manifest.json").write_text(json.dumps({"metadata": {}, "nodes": {"model.ctdss.dim_town": node}}),
                                         encoding="utf-8")
    chosen = plan(state, db)
    assert chosen.mode is BuildMode.FULL
    assert "marts.dim_town is missing" in chosen.reason
    con = duckdb.connect(str(db))
    con.execute("create schema marts")
    con.execute("create table marts.dim_town (town_key varchar)")
    con.close()
    assert "does not record the vars" in plan(state, db).reason
    (state / "vars.json").write_text(json.dumps(project_vars()), encoding="utf-8")
    assert plan(state, db).mode is BuildMode.CHANGED


def manifest_of(macro_sql: str, compiled: dict[str, str | None]) -> dict:
    """A manifest of one macro and the models named in `compiled`, each with its compiled SQL (None: not run)."""
    nodes = {uid: {"resource_type": "model", "checksum": {"checksum": uid}, "config": {"materialized": "table"},
                   "created_at": 1.0, **({"compiled_code": sql} if sql else {})} for uid, sql in compiled.items()}
    return {"metadata": {"dbt_version": "1.11.16", "adapter_type": "duckdb", "project_name": "ctdss"},
            "nodes": nodes, "sources": {}, "macros": {"macro.ctdss.m": {"macro_sql": macro_sql}}}


@pytest.mark.parametrize(("last_macro", "last_sql", "compiles"), [
    ("select 1", "select 1 as kept", False),  # the same code: the last build's SQL is taken
    ("select 2", "select 1 as kept", True),  # a macro changed: the SQL the last build compiled no longer holds
    ("select 1", None, True),  # the last build's manifest lacks it too
])
def test_the_sql_of_a_model_a_refresh_did_not_run_is_the_last_builds_only_for_the_same_code(
        tmp_path, monkeypatch, last_macro, last_sql, compiles):
    target, state = tmp_path / "target", tmp_path / "state"
    target.mkdir()
    state.mkdir()
    (target / "manifest.json").write_text(json.dumps(manifest_of("select 1", {"model.ctdss.ran": "select 9",
                                                                             "model.ctdss.left": None})))
    last = manifest_of(last_macro, {"model.ctdss.ran": "select 8", "model.ctdss.left": last_sql})
    last["nodes"]["model.ctdss.ran"]["created_at"] = 2.0  # parsed at another time: not a change of code
    (state / "manifest.json").write_text(json.dumps(last))
    compiled = []
    monkeypatch.setattr(build_module, "_compile_models", lambda invoke, target: compiled.append(target))
    build_module._complete_the_manifest(None, target, state)
    nodes = json.loads((target / "manifest.json").read_text())["nodes"]
    assert bool(compiled) is compiles
    assert nodes["model.ctdss.ran"]["compiled_code"] == "select 9"
    assert nodes["model.ctdss.left"].get("compiled_code") == (None if compiles else "select 1 as kept")


def test_a_changed_var_means_a_full_build_though_dbt_sees_no_modified_node(refreshed, tmp_path):
    # The refresh's own state, with the suppression threshold it was built with raised by one.
    state = tmp_path / "state"
    shutil.copytree(refreshed["work"] / "state", state)
    built_with = json.loads((state / "vars.json").read_text(encoding="utf-8"))
    assert built_with == project_vars() and "suppression_threshold" in built_with
    assert plan(state, refreshed["work"] / "ct_dss.duckdb").mode is BuildMode.CHANGED
    built_with["suppression_threshold"] += 1
    (state / "vars.json").write_text(json.dumps(built_with), encoding="utf-8")
    chosen = plan(state, refreshed["work"] / "ct_dss.duckdb")
    assert chosen.mode is BuildMode.FULL
    assert chosen.reason == "the vars suppression_threshold in dbt_project.yml changed since the last build"


class FakeDbt:
    """dbt's runner as `_run_build` calls it: `ls` answers with the nodes given as modified, the rest succeed."""

    def __init__(self, modified: list[dict]):
        self.modified, self.calls = modified, []

    def __call__(self, args: list[str]):
        self.calls.append(args)
        listed = [json.dumps(node) for node in self.modified] if args[0] == "ls" else []
        return type("Result", (), {"success": True, "result": listed})()


@pytest.mark.parametrize(("mode", "modified", "forgets", "full_refresh"), [
    (BuildMode.CHANGED, [], False, False),  # only data landed: the staging tests read only what it landed
    (BuildMode.CHANGED, [{"resource_type": "test", "config": {"materialized": "test"}}], True, False),
    (BuildMode.CHANGED, [{"resource_type": "model", "config": {"materialized": "incremental"}}], True, True),
    (BuildMode.FULL, [], True, True),  # everything, incremental models from scratch: kept rows may predate a contract
])
def test_changed_code_or_a_full_build_tests_every_row_again(tmp_path, mode, modified, forgets, full_refresh):
    dbt = FakeDbt(modified)
    build_module._run_build(dbt, mode, tmp_path / "state", tmp_path / "target")
    assert any(args[:2] == ["run-operation", "forget_tested_loads"] for args in dbt.calls) is forgets
    built = next(args for args in dbt.calls if args[0] == "build")
    assert ("--full-refresh" in built) is full_refresh


@pytest.mark.parametrize("mode", list(BuildMode))
def test_a_build_leaves_the_unit_tests_to_make_test(tmp_path, mode):
    dbt = FakeDbt([])
    build_module._run_build(dbt, mode, tmp_path / "state", tmp_path / "target")
    built = next(args for args in dbt.calls if args[0] == "build")
    assert ("--exclude-resource-type", "unit_test") in zip(built, built[1:], strict=False)


def load_ids(db: Path, table: str, where: str = "true") -> set[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {r[0] for r in con.execute(f"select load_id from {table} where {where}").fetchall()}
    finally:
        con.close()


def loaded_loads(db: Path) -> set[str]:
    return load_ids(db, "raw._load_audit", "status = 'loaded'")


def loads_tested(db: Path) -> set[str]:
    return load_ids(db, "raw._tested_loads")


@pytest.mark.slow
def test_a_successful_build_records_every_load_it_tested(refreshed):
    for work in (refreshed["work"], refreshed["rebuilt"]):
        loads = loaded_loads(work / "ct_dss.duckdb")
        assert len(loads) == 2  # the sample's load and the refresh's pull from the portal
        assert loads_tested(work / "ct_dss.duckdb") == loads


@pytest.mark.slow
def test_a_landed_row_that_repeats_a_tested_rows_id_fails_the_refresh_and_records_nothing(refreshed, tmp_path):
    work = tmp_path / "work"
    shutil.copytree(refreshed["work"], work, ignore=shutil.ignore_patterns("analysts", "public", "target"))
    db = work / "ct_dss.duckdb"
    before = loads_tested(db)
    con = duckdb.connect(str(db))
    # A row of a new load carrying the Socrata row id of a row landed (and tested) by the first load.
    con.execute("""
        insert into raw.program_monthly
        select * replace ('new-load' as _load_id, _loaded_at + interval 1 day as _loaded_at)
        from raw.program_monthly
        where _load_id = (select min(_load_id) from raw.program_monthly)
        limit 1
    """)
    con.close()
    done = run_ctdss_build([], work_env(work))
    assert done.returncode != 0
    assert "stg_socrata__program_monthly_unique_source_row_id" in done.stdout
    assert loads_tested(db) == before
