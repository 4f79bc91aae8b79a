"""A killed dbt build, and a load racing a build: the next run recovers by itself, and a BI reader holding the
published file keeps reading it, unchanged, throughout."""

from __future__ import annotations

import hashlib
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from support import loader_data as data
from support.warehouse_fixtures import (
    NO_UNIT_TESTS,
    REPO,
    SAMPLE,
    copy_warehouse,
    dbt_env,
    downstream_of,
    run_dbt,
    start_dbt,
)

from ctdss.deliver.publish import publish

pytestmark = pytest.mark.slow


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


MONTHLY_LINEAGE = ("--select", "source:socrata.program_monthly+")


def _bi_reader(path: Path) -> subprocess.Popen:
    """Another process holding the published file open read-only, as a BI tool does; answers queries on stdin."""
    code = (
        "import duckdb, sys\n"
        "con = duckdb.connect(sys.argv[1], read_only=True)\n"
        "print('open', flush=True)\n"
        "for line in sys.stdin:\n"
        "    print(con.execute('select count(*), sum(recipient_count_upper) from "
        "marts.fct_program_participation_annual').fetchone(), flush=True)\n"
    )
    reader = subprocess.Popen([sys.executable, "-c", code, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    assert reader.stdout.readline().strip() == "open"
    return reader


def _ask(reader: subprocess.Popen) -> str:
    reader.stdin.write("?\n")
    reader.stdin.flush()
    return reader.stdout.readline().strip()


def test_a_killed_dbt_build_recovers_on_the_next_run_and_the_published_file_stays_readable(built_warehouse,
                                                                                           tmp_path):
    work = copy_warehouse(built_warehouse, tmp_path / "work")
    published = tmp_path / "published" / "ct_dss.duckdb"
    publish(work, published, tmp_path / "exports")
    digest = _digest(published)
    reader = _bi_reader(published)
    try:
        answer = _ask(reader)
        env = {**dbt_env(work, tmp_path / "logs"), "DBT_USE_COLORS": "false"}
        target = tmp_path / "target"
        # What the monthly dataset feeds holds every materialisation the marts use (views, tables, the
        # incremental fact and the snapshot), so a kill there and the rebuild after it cover them all.
        build = start_dbt(["build", *NO_UNIT_TESTS, *MONTHLY_LINEAGE, "--full-refresh"], env, target,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        killed_at = None
        for line in build.stdout:
            if "START sql table model marts." in line or "START sql incremental model marts." in line:
                killed_at = line.strip()
                build.send_signal(signal.SIGKILL)  # mid-run: staging done, marts being written
                break
        build.wait(timeout=60)
        assert killed_at, "dbt never reached the marts"
        assert build.returncode == -signal.SIGKILL
        assert _ask(reader) == answer  # the reader saw nothing change
        assert _digest(published) == digest
        again = run_dbt(["build", *downstream_of("program_monthly")], env, target)
        assert again.returncode == 0, again.stdout[-5000:]
        result = publish(work, published, tmp_path / "exports")
        assert result.tables["marts.fct_program_participation_annual"] > 0
        assert _ask(reader) == answer  # still the old file until it reconnects
    finally:
        reader.stdin.close()
        reader.wait(timeout=30)
    fresh = duckdb.connect(str(published), read_only=True)
    assert fresh.execute("select count(*) from marts.fct_program_participation_annual").fetchone()[0] > 0
    fresh.close()


def test_a_load_during_a_build_waits_or_fails_clearly_and_nothing_is_corrupted(built_warehouse, tmp_path):
    work = copy_warehouse(built_warehouse, tmp_path / "work")
    env = {**dbt_env(work, tmp_path / "logs"), "CTDSS_LOCK_TIMEOUT": "120", "DBT_USE_COLORS": "false"}
    target = tmp_path / "target"
    newer = tmp_path / "newer"
    shutil.copytree(SAMPLE, newer)
    # The racing build only has to hold the working file while the load starts: what one dataset feeds will do;
    # building it again afterwards shows the warehouse still builds from the raw tables the load left.
    build = start_dbt(["build", *NO_UNIT_TESTS, "--select", "source:socrata.program_annual+"], env, target,
                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in build.stdout:
        if " START " in line:  # dbt holds the working file from here on
            break
    loader = subprocess.run([sys.executable, "-m", "ctdss.cli", "load", "--snapshot", str(newer), "--db", str(work),
                             "--force"], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    rest = build.communicate(timeout=300)[0]
    assert loader.returncode == 0 or "in use by another writer" in " ".join(loader.stderr.split())
    assert build.returncode == 0 or "lock" in rest.lower()
    assert "Traceback" not in loader.stderr
    expected = data.raw_tables(built_warehouse.db)
    assert data.raw_tables(work) == expected  # readable, and the same rows whichever load landed them
    con = duckdb.connect(str(work), read_only=True)
    for kind in expected:
        assert con.execute(f"select count(distinct _load_id) from raw.{kind}").fetchone()[0] == 1, kind  # one load
    con.close()
    final = run_dbt(["build", *downstream_of("program_annual")], env, target)
    assert final.returncode == 0, final.stdout[-5000:]
