"""Security: the app token never lands anywhere, names from the portal cannot inject SQL, snapshot paths stay
inside their directory, and every shipped consumer opens the published file read-only."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import duckdb
import pytest
from support import loader_data as data
from support.warehouse_fixtures import REPO, SAMPLE, copy_warehouse, dbt_env, downstream_of, run_dbt

from ctdss.errors import UserError
from ctdss.load.loader import load
from ctdss.load.snapshot import SnapshotSource
from ctdss.registry import load_registry

pytestmark = pytest.mark.slow

TOKEN = "tok-7Hq2ZsecretZ9xK"


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ctdss.cli", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=600)


def test_the_token_appears_nowhere_in_output_logs_audit_docs_exports_or_report(socrata_emulator, built_warehouse,
                                                                            tmp_path):
    root = tmp_path / "run"
    # The session's warehouse, copied: every dataset is landed again with the token (--force), and what the
    # failing one feeds is rebuilt, so the build, docs, publish and report all run with the token set.
    db = copy_warehouse(built_warehouse, root)
    env = {**dbt_env(db, root / "logs"), "SOCRATA_APP_TOKEN": TOKEN, "CTDSS_LOCK_TIMEOUT": "30"}
    emu = socrata_emulator(SAMPLE)
    emu.inject("status", path="resource", dataset_id=data.TOWN, status=500, times=100)
    outputs = []
    failed = _cli(["load", "--portal", emu.url, "--db", str(db), "--force"], env)  # an error path
    assert failed.returncode == 1 and "HTTP 500" in failed.stderr
    emu.clear_faults()
    loaded = _cli(["load", "--portal", emu.url, "--db", str(db), "--force"], env)
    assert loaded.returncode == 0, loaded.stderr
    assert f"dataset={data.TOWN}" in loaded.stdout + loaded.stderr  # landed through the emulator, not skipped
    target = root / "target"
    build = run_dbt(["build", *downstream_of("town_program_annual")], env, target)
    assert build.returncode == 0, build.stdout[-3000:]
    docs = run_dbt(["docs", "generate", "--static"], env, target)
    assert docs.returncode == 0
    published = _cli(["publish", "--db", str(db), "--out", str(root / "pub.duckdb"), "--public",
                      str(root / "public.duckdb"), "--public-exports", str(root / "public-exports"), "--exports",
                      str(root / "exports")], env)
    report = _cli(["report", "--db", str(root / "public.duckdb"), "--out", str(root / "report")], env)
    assert published.returncode == 0 and report.returncode == 0, published.stderr + report.stderr
    outputs += [failed.stdout, failed.stderr, loaded.stdout, loaded.stderr, build.stdout, docs.stdout,
                published.stdout, published.stderr, report.stdout]
    assert all(r.headers.get("x-app-token") == TOKEN for r in emu.requests)  # it was sent, as a header
    assert TOKEN not in "".join(outputs)
    files = [p for p in root.rglob("*") if p.is_file()]
    assert len(files) > 20
    leaking = [str(p) for p in files if TOKEN.encode() in p.read_bytes()]
    assert leaking == []
    con = duckdb.connect(str(db), read_only=True)
    audit = json.dumps(con.execute("select * from raw._load_audit").fetchall(), default=str)
    con.close()
    assert "HTTP 500" in audit and TOKEN not in audit


def test_a_column_name_that_looks_like_sql_is_landed_quoted_and_touches_nothing_else(tmp_path):
    db = tmp_path / "ct.duckdb"
    sets = data.datasets()
    load(load_registry(), SnapshotSource(data.write(tmp_path / "v1", sets)), db)
    con = duckdb.connect(str(db))
    con.execute("create table raw.foo as select 42 as answer")
    con.close()
    before = data.raw_tables(db)
    evil = 'x"; drop table raw.foo; --'
    meta, rows = sets[data.TOWN]
    meta["rowsUpdatedAt"] += 60
    meta["columns"].append({"id": 9, "name": evil, "fieldName": evil, "dataTypeName": "text"})
    for row in rows:
        row[evil] = "payload'); drop table raw.program_annual; --"
    outcome = load(load_registry(), SnapshotSource(data.write(tmp_path / "v2", sets)), db)
    assert {o.status for o in outcome} == {"loaded", "skipped"}
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select answer from raw.foo").fetchall() == [(42,)]
    landed = con.execute(f'select distinct "{evil.replace(chr(34), chr(34) * 2)}" from raw.town_program_annual')
    assert landed.fetchall() == [("payload'); drop table raw.program_annual; --",)]
    con.close()
    after = data.raw_tables(db)
    assert after["program_annual"] == before["program_annual"] and after["program_monthly"] == before["program_monthly"]


def test_a_dataset_directory_linked_outside_the_snapshot_is_refused(tmp_path):
    snap = data.write(tmp_path / "snap", data.datasets())
    outside = tmp_path / "elsewhere"
    shutil.move(str(snap / data.TOWN), str(outside))
    (snap / data.TOWN).symlink_to(outside, target_is_directory=True)
    db = tmp_path / "ct.duckdb"
    outcomes = load(load_registry(), SnapshotSource(snap), db)
    assert {o.status for o in outcomes} == {"failed"}
    assert "outside the snapshot directory" in outcomes[0].error


def test_a_dataset_id_cannot_walk_out_of_the_snapshot(tmp_path):
    from ctdss.registry import Dataset

    snap = data.write(tmp_path / "snap", data.datasets())
    rogue = Dataset(id="../..", kind="program_annual", title="", fields={})
    with pytest.raises(UserError, match="outside the snapshot directory"):
        SnapshotSource(snap).metadata(rogue)


def test_every_shipped_consumer_opens_the_published_file_read_only(built_warehouse, tmp_path):
    """A process holding the published files read-only (a BI tool) would make any read-write open fail."""
    from ctdss.deliver.public_release import release
    from ctdss.deliver.publish import publish

    pub, public = tmp_path / "ct_dss_analysts.duckdb", tmp_path / "public" / "ct_dss_public.duckdb"
    publish(built_warehouse.db, pub, tmp_path / "exports")
    release(pub, public, tmp_path / "public" / "exports")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys; c = [duckdb.connect(f, read_only=True) for f in sys.argv[1:]]; "
         "print('open', flush=True); sys.stdin.read()", str(pub), str(public)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        writer = subprocess.run([sys.executable, "-c", "import duckdb, sys; duckdb.connect(sys.argv[1])", str(pub)],
                                capture_output=True, text=True, timeout=60)
        assert writer.returncode != 0 and "lock" in writer.stderr.lower()  # the check can tell
        env = dbt_env(built_warehouse.db)
        report = _cli(["report", "--db", str(public), "--out", str(tmp_path / "report")], env)
        assert report.returncode == 0, report.stderr
        import sqlalchemy as sa

        engine = sa.create_engine(f"duckdb:///{pub}", connect_args={"read_only": True})
        with engine.connect() as con:
            assert con.execute(sa.text("select count(*) from marts.dim_program")).scalar_one() > 0
        engine.dispose()
        again = publish(built_warehouse.db, pub, tmp_path / "exports")  # republishing never opens it to write
        assert again.published == pub
        assert release(pub, public, tmp_path / "public" / "exports").public == public
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)

