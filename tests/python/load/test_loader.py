"""The loader end to end: snapshot and live (local Socrata emulator) paths, retries, contracts, atomicity."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml
from support import loader_data as data

from ctdss import cli
from ctdss.config import REGISTRY_PATH
from ctdss.errors import UserError
from ctdss.load.loader import load
from ctdss.load.portal import PortalSource, RetryPolicy
from ctdss.load.snapshot import SnapshotSource
from ctdss.registry import load_registry

FAST = RetryPolicy(attempts=4, backoff_base=0.01, backoff_max=0.05, connect_timeout=1.0, read_timeout=2.0)


class Sleeps(list):
    """Records the backoff delays the client asks for, instead of waiting them out."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    return data.write(tmp_path / "snapshot", data.datasets())


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "warehouse" / "ct_dss.duckdb"


def portal(emu, *, page_size: int = 20, policy: RetryPolicy = FAST, token: str | None = None, sleeps=None):
    return PortalSource(emu.url, token, page_size=page_size, policy=policy, sleep=sleeps if sleeps is not None
                        else Sleeps())


def load_from(source, db: Path, **kwargs):
    try:
        return {o.dataset.id: o for o in load(load_registry(), source, db, **kwargs)}
    finally:
        source.close()


def resource_requests(emu) -> list:
    """The row-page requests (not the count requests that bracket each pull)."""
    return [r for r in emu.requests if "/resource/" in r.path and "count(" not in r.params.get("$select", "")]


def test_snapshot_and_emulator_land_identical_raw_tables(snapshot, socrata_emulator, tmp_path):
    from_snapshot, from_portal = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    outcomes = load_from(SnapshotSource(snapshot), from_snapshot)
    assert {o.status for o in outcomes.values()} == {"loaded"}
    emu = socrata_emulator(snapshot)
    outcomes = load_from(portal(emu, page_size=7), from_portal)
    assert {o.status for o in outcomes.values()} == {"loaded"}
    # Identical but for the synthetic flag: a snapshot says it is synthetic, a portal never is.
    per_run = ("_is_synthetic",)
    assert data.raw_tables(from_snapshot, per_run) == data.raw_tables(from_portal, per_run)
    requests = resource_requests(emu)
    assert len(requests) > 10  # several pages per dataset
    assert all(r.params.get("$order") == ":id" and r.params.get("$select") == ":id,*" for r in requests)


def test_raw_values_are_text_exactly_as_served_with_provenance(snapshot, db):
    load_from(SnapshotSource(snapshot), db)
    served = {r[":id"]: r for r in data.datasets()[data.MONTHLY][1]}
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute(
        'select _source_row_id, program, medical_benefit_plan, "month", "count", _source_dataset_id, '
        "_source_rows_updated_at, _is_synthetic, _load_id from raw.program_monthly"
    ).fetchall()
    types = dict(con.execute(
        "select column_name, data_type from duckdb_columns() where table_name = 'program_monthly'"
    ).fetchall())
    con.close()
    assert len(rows) == len(served)
    for row_id, program, plan, month, count, dataset_id, updated_at, synthetic, load_id in rows:
        source = served[row_id]
        assert (program, plan, month, count) == (
            source["program_name"], source.get("medical_benefit_plan"), source["month"], source["recipients"]
        )
        assert dataset_id == data.MONTHLY and synthetic is True and load_id
        assert updated_at.timestamp() == pytest.approx(data.ROWS_UPDATED_AT, abs=86400)
    assert {types[c] for c in ("program", "month", "count")} == {"VARCHAR"}


def test_constants_fill_roles_the_dataset_has_no_column_for(snapshot, db):
    load_from(SnapshotSource(snapshot), db)
    con = duckdb.connect(str(db), read_only=True)
    years = con.execute("select distinct year from raw.town_program_annual").fetchall()
    con.close()
    assert years == [("2021",)]


def test_retries_succeed_after_injected_faults_and_honour_retry_after(snapshot, socrata_emulator, db):
    emu = socrata_emulator(snapshot)
    emu.inject("status", path="resource", dataset_id=data.MONTHLY, status=429, retry_after=7)
    emu.inject("status", path="resource", dataset_id=data.MONTHLY, after=2, status=503, times=2)
    emu.inject("drop", path="resource", dataset_id=data.ANNUAL)
    emu.inject("status", path="views", dataset_id=data.TOWN, status=500)
    emu.inject("status", path="resource", dataset_id=data.TOWN, status=202)
    sleeps = Sleeps()
    outcomes = load_from(portal(emu, sleeps=sleeps), db)
    assert {o.status for o in outcomes.values()} == {"loaded"}
    assert emu.faults_fired == 6
    assert len(sleeps) == 6
    assert max(sleeps) >= 7  # the Retry-After was honoured over the short backoff
    assert sum(1 for s in sleeps if s >= 7) == 1


def test_read_timeout_is_retried(snapshot, socrata_emulator, db):
    emu = socrata_emulator(snapshot)
    emu.inject("slow", path="resource", dataset_id=data.ANNUAL, seconds=FAST.read_timeout + 3)
    outcomes = load_from(portal(emu), db, dataset_ids=[data.ANNUAL])
    assert outcomes[data.ANNUAL].status == "loaded"
    assert emu.faults_fired == 1


def test_attempts_are_bounded_and_the_error_names_dataset_and_status(snapshot, socrata_emulator, db):
    emu = socrata_emulator(snapshot)
    emu.inject("status", path="resource", dataset_id=data.ANNUAL, status=500, times=50)
    source = portal(emu)
    outcome = load_from(source, db, dataset_ids=[data.ANNUAL])[data.ANNUAL]
    assert outcome.status == "failed"
    assert "chu7-5rrv" in outcome.error and "HTTP 500" in outcome.error
    assert emu.faults_fired == FAST.attempts
    assert len(emu.requests_to("resource", data.ANNUAL)) == FAST.attempts  # the count, asked each attempt


def test_invalid_json_pages_are_retried(snapshot, socrata_emulator, db):
    emu = socrata_emulator(snapshot)
    emu.inject("truncate", path="resource", dataset_id=data.MONTHLY, after=1)
    emu.inject("invalid_json", path="resource", dataset_id=data.MONTHLY, after=3)
    outcomes = load_from(portal(emu), db, dataset_ids=[data.MONTHLY])
    assert outcomes[data.MONTHLY].status == "loaded"
    assert outcomes[data.MONTHLY].rows_landed == len(data.datasets()[data.MONTHLY][1])


def test_a_short_page_mid_dataset_loses_no_rows(snapshot, socrata_emulator, db):
    emu = socrata_emulator(snapshot)
    emu.inject("short_page", path="resource", dataset_id=data.MONTHLY, after=1, rows=3)
    outcomes = load_from(portal(emu), db, dataset_ids=[data.MONTHLY])
    assert outcomes[data.MONTHLY].rows_landed == len(data.datasets()[data.MONTHLY][1])


def test_contract_error_lists_the_actual_fields_and_the_entry_to_edit(tmp_path, db):
    sets = data.datasets()
    meta, rows = sets[data.ANNUAL]
    meta["columns"][1]["fieldName"] = "cy"
    for row in rows:
        row["cy"] = row.pop("calendar_year")
    snap = data.write(tmp_path / "renamed", sets)
    outcome = load_from(SnapshotSource(snap), db)[data.ANNUAL]
    assert outcome.status == "failed"
    for expected in ("calendar_year", "program, cy, number_of_recipients", str(REGISTRY_PATH), "program_annual"):
        assert expected in outcome.error


def test_extra_fields_are_landed_and_reported(tmp_path, db):
    sets = data.datasets()
    meta, rows = sets[data.TOWN]
    meta["columns"].append({"id": 9, "name": "Town FIPS", "fieldName": "town_fips", "dataTypeName": "text"})
    for n, row in enumerate(rows):
        row["town_fips"] = f"09003{n:05d}"
    outcome = load_from(SnapshotSource(data.write(tmp_path / "extra", sets)), db)[data.TOWN]
    assert outcome.status == "loaded" and outcome.extras == ["town_fips"]
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select count(town_fips) from raw.town_program_annual").fetchone()[0] == len(rows)
    con.close()
    assert json.loads(next(a for a in data.audit(db) if a["dataset_id"] == data.TOWN)["extra_columns"]) == [
        "town_fips"
    ]


def test_a_fault_mid_load_leaves_previous_data_and_audits_the_failure(snapshot, socrata_emulator, db, tmp_path):
    load_from(SnapshotSource(snapshot), db)
    before = data.raw_tables(db)
    changed = data.datasets()
    changed[data.MONTHLY][0]["rowsUpdatedAt"] += 3600
    for row in changed[data.MONTHLY][1]:
        row["recipients"] = "1"
    emu = socrata_emulator(data.write(tmp_path / "changed", changed))
    emu.inject("status", path="resource", dataset_id=data.MONTHLY, after=2, status=503, times=100)
    outcome = load_from(portal(emu), db, dataset_ids=[data.MONTHLY], full=True)[data.MONTHLY]
    assert outcome.status == "failed"
    assert data.raw_tables(db) == before
    last = data.audit(db)[-1]
    assert (last["dataset_id"], last["status"]) == (data.MONTHLY, "failed")
    assert "HTTP 503" in last["error"]


def test_an_unchanged_rows_updated_at_lands_nothing(snapshot, socrata_emulator, db):
    emu = socrata_emulator(snapshot)
    load_from(portal(emu), db)
    before = data.raw_tables(db)
    emu.requests.clear()
    outcomes = load_from(portal(emu), db)
    assert {o.status for o in outcomes.values()} == {"skipped"}
    assert resource_requests(emu) == []
    assert data.raw_tables(db) == before
    forced = load_from(portal(emu), db, force=True)
    assert {o.status for o in forced.values()} == {"loaded"}


def test_window_refresh_repulls_the_last_months_and_keeps_older_ones(tmp_path, socrata_emulator, db):
    sets = data.datasets(months=12)
    emu = socrata_emulator(data.write(tmp_path / "v1", sets))
    load_from(portal(emu), db, dataset_ids=[data.MONTHLY])
    meta, rows = sets[data.MONTHLY]
    meta["rowsUpdatedAt"] += 86400
    for row in rows:
        row["recipients"] = str(int(row["recipients"]) + 1)  # every month revised at the source ...
    rows.append({":id": "row-new", "program_name": "SNAP", "month": data.month_text(12), "recipients": "5"})
    emu.set_metadata(data.MONTHLY, meta)
    emu.set_rows(data.MONTHLY, rows)
    emu.requests.clear()
    outcome = load_from(portal(emu), db, dataset_ids=[data.MONTHLY])[data.MONTHLY]
    wheres = {r.params.get("$where") for r in resource_requests(emu)}
    assert wheres == {f"month >= '{data.month_text(9)}'"}  # last landed month 2019-12, window 3 -> from 2019-10
    assert outcome.refresh == "window from 2019-10"
    landed = {r[-2]: r for r in data.raw_tables(db)["program_monthly"][1:]}
    served = {r[":id"]: r for r in rows}
    for row_id, row in landed.items():
        month = served[row_id]["month"]
        revised = month >= data.month_text(9)
        # ... but only the window (and the new month) is refreshed; older months keep their landed values.
        assert (row[3] == served[row_id]["recipients"]) == revised, month
    assert "row-new" in landed
    full = load_from(portal(emu), db, dataset_ids=[data.MONTHLY], full=True, force=True)[data.MONTHLY]
    assert full.refresh == "full" and full.rows_kept == 0
    assert all(r[3] == served[r[-2]]["recipients"] for r in data.raw_tables(db)["program_monthly"][1:])


def test_a_window_that_fails_its_checks_leaves_the_table_as_it_was(tmp_path, socrata_emulator, db):
    """A window is replaced in place (its rows deleted, the new ones inserted): a refusal undoes both."""
    sets = data.datasets(months=12)
    emu = socrata_emulator(data.write(tmp_path / "v1", sets))
    load_from(portal(emu), db, dataset_ids=[data.MONTHLY])
    before, audit_before = data.raw_tables(db), data.audit(db)
    meta, rows = sets[data.MONTHLY]
    meta["rowsUpdatedAt"] += 86400
    emu.set_metadata(data.MONTHLY, meta)
    emu.set_rows(data.MONTHLY, [{**r, "recipients": "7"} for r in rows])
    emu.inject("duplicate_row", path="resource", dataset_id=data.MONTHLY, after=2)  # page 2 of the window
    emu.requests.clear()
    outcome = load_from(portal(emu, page_size=5), db, dataset_ids=[data.MONTHLY])[data.MONTHLY]
    assert outcome.status == "failed" and "more than once" in outcome.error
    assert {r.params.get("$where") for r in resource_requests(emu)} == {f"month >= '{data.month_text(9)}'"}
    assert data.raw_tables(db) == before
    assert data.audit(db)[:-1] == audit_before


def test_rows_updated_at_changing_during_the_pull_fails_cleanly(snapshot, socrata_emulator, db):
    emu = socrata_emulator(snapshot)
    emu.inject("bump_rows_updated_at", path="resource", dataset_id=data.MONTHLY, after=1)
    outcome = load_from(portal(emu), db, dataset_ids=[data.MONTHLY])[data.MONTHLY]
    assert outcome.status == "failed" and "while it was being pulled" in outcome.error
    assert data.raw_tables(db)["program_monthly"][1:] == []


def test_the_same_row_id_on_two_pages_fails_cleanly(snapshot, socrata_emulator, db):
    emu = socrata_emulator(snapshot)
    emu.inject("duplicate_row", path="resource", dataset_id=data.MONTHLY, after=2)
    outcome = load_from(portal(emu), db, dataset_ids=[data.MONTHLY])[data.MONTHLY]
    assert outcome.status == "failed" and "more than once" in outcome.error


def test_the_token_never_appears_in_output_errors_or_the_database(snapshot, socrata_emulator, db, capfd,
                                                                   monkeypatch):
    token = "tok-Secret-9f8e7d6c5b"
    monkeypatch.setenv("SOCRATA_APP_TOKEN", token)
    monkeypatch.setattr("ctdss.load.portal.time.sleep", lambda s: None)
    emu = socrata_emulator(snapshot)
    emu.inject("status", path="resource", dataset_id=data.ANNUAL, status=500, times=100)
    code = cli.main(["load", "--portal", emu.url, "--db", str(db)])
    assert code == 1
    assert cli.main(["load", "--portal", emu.url, "--db", str(db), "--dataset", data.TOWN]) == 0
    out, err = capfd.readouterr()
    assert "HTTP 500" in err and token not in out + err
    assert all(r.headers.get("x-app-token") == token for r in emu.requests)  # it was used, as a header only
    assert all(token not in json.dumps(r.params) for r in emu.requests)
    assert not data.file_bytes_contain(db, token)
    wal = db.with_name(db.name + ".wal")
    assert not wal.exists() or not data.file_bytes_contain(wal, token)
    assert token not in json.dumps(data.audit(db), default=str)


def _cli(args: list[str], env_db: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ctdss.cli", *args, "--db", str(env_db)], capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("problem", ["missing field", "non-JSON file", "empty directory", "no rows files"])
def test_a_bad_snapshot_gets_one_paragraph_and_the_data_is_unchanged(problem, snapshot, tmp_path, db):
    load_from(SnapshotSource(snapshot), db)
    before = data.raw_tables(db)
    sets = data.datasets()
    for meta, _ in sets.values():
        meta["rowsUpdatedAt"] += 10  # a newer publication, so nothing is skipped as unchanged
    bad = data.write(tmp_path / "bad", sets)
    if problem == "missing field":
        meta = json.loads((bad / data.ANNUAL / "metadata.json").read_text())
        meta["columns"] = [c for c in meta["columns"] if c["fieldName"] != "number_of_recipients"]
        (bad / data.ANNUAL / "metadata.json").write_text(json.dumps(meta))
    elif problem == "non-JSON file":
        next((bad / data.MONTHLY).glob("rows*.json")).write_text("<html>Service unavailable</html>")
    elif problem == "empty directory":
        bad = tmp_path / "empty"
        bad.mkdir()
    else:
        for f in (bad / data.TOWN).glob("rows*.json"):
            f.unlink()
    result = _cli(["load", "--snapshot", str(bad)], db)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    paragraphs = [line for line in result.stderr.splitlines() if line.startswith("ctdss: ")]
    assert len(paragraphs) == 1, result.stderr
    assert data.raw_tables(db) == before


def test_unreachable_portal_fails_with_one_paragraph_pointing_offline(socrata_emulator, tmp_path, db):
    emu = socrata_emulator(data.write(tmp_path / "s", data.datasets()))
    source = PortalSource(emu.url_unreachable(), None, policy=FAST, sleep=Sleeps())
    outcomes = load_from(source, db)
    assert {o.status for o in outcomes.values()} == {"failed"}
    message = outcomes[data.ANNUAL].error
    assert "Could not reach" in message and "make demo" in message and "--snapshot" in message
    assert not db.exists()  # nothing was reached, so nothing is recorded either


def test_a_load_that_cannot_reach_the_portal_creates_no_file_and_leaves_an_existing_one_as_it_was(
        tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("ctdss.load.portal.time.sleep", lambda seconds: None)  # the backoff, not what is tested
    new = tmp_path / "new.duckdb"
    assert cli.main(["load", "--portal", "http://127.0.0.1:1", "--db", str(new)]) == 1
    assert "Could not reach the Socrata portal" in capsys.readouterr().err
    assert not new.exists() and list(tmp_path.iterdir()) == []
    existing = data.write(tmp_path / "s", data.datasets())
    db = tmp_path / "warehouse" / "ct_dss.duckdb"
    load(load_registry(), SnapshotSource(existing), db)
    before, files = db.read_bytes(), sorted(db.parent.iterdir())
    assert cli.main(["load", "--portal", "http://127.0.0.1:1", "--db", str(db)]) == 1
    assert db.read_bytes() == before and sorted(db.parent.iterdir()) == files  # no audit row, no WAL


def test_a_new_registry_entry_loads_another_year_without_code_changes(tmp_path, db):
    doc = yaml.safe_load(REGISTRY_PATH.read_text())
    town_kind = next(t for t in doc["sources"][0]["tables"] if t["name"] == "town_program_annual")
    town_kind["config"]["meta"]["datasets"].append({
        "id": "abcd-2020", "title": "DSS Township Counts - by Program - CY 2020", "grain": "town x program",
        "fields": {"town": "town", "program": "program", "count": "count"}, "constants": {"year": "2020"},
        "refresh": {"mode": "full"},
    })
    registry_path = tmp_path / "registry.yml"
    registry_path.write_text(yaml.safe_dump(doc))
    sets = data.datasets()
    sets["abcd-2020"] = (data.metadata("abcd-2020", ["town", "program", "count"]), [
        {":id": "row-x1", "town": "Hartford", "program": "SNAP", "count": "12"}
    ])
    registry = load_registry(registry_path)
    outcomes = load(registry, SnapshotSource(data.write(tmp_path / "s", sets)), db)
    assert {o.status for o in outcomes} == {"loaded"}
    con = duckdb.connect(str(db), read_only=True)
    years = con.execute("select year, count(*) from raw.town_program_annual group by 1 order by 1").fetchall()
    con.close()
    assert years == [("2020", 1), ("2021", len(sets[data.TOWN][1]))]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda ds: ds.update(id="ABCD-12"), "4x4 id"),
        (lambda ds: ds["fields"].update(program="x; drop table raw.foo"), "not a Socrata field name"),
        (lambda ds: ds["fields"].pop("count"), "required role(s) ['count']"),
        (lambda ds: ds.update(refresh={"mode": "window"}), "window_months"),
    ],
)
def test_a_bad_registry_entry_fails_naming_the_entry(edit, expected, tmp_path):
    doc = yaml.safe_load(REGISTRY_PATH.read_text())
    edit(doc["sources"][0]["tables"][0]["config"]["meta"]["datasets"][0])
    path = tmp_path / "registry.yml"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(UserError) as err:
        load_registry(path)
    assert expected in str(err.value) and str(path) in str(err.value) and "program_annual" in str(err.value)


def test_extract_writes_the_snapshot_format_that_load_reads(snapshot, socrata_emulator, tmp_path):
    emu = socrata_emulator(snapshot)
    out = tmp_path / "extract"
    assert cli.main(["extract", "--portal", emu.url, "--out", str(out)]) == 0
    assert json.loads((out / "snapshot.json").read_text())["synthetic"] is False
    a, b = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    load_from(SnapshotSource(snapshot), a)
    load_from(SnapshotSource(out), b)
    assert data.raw_tables(a, ("_is_synthetic",)) == data.raw_tables(b, ("_is_synthetic",))
    with pytest.raises(UserError):
        cli_out = tmp_path / "not-a-snapshot"
        cli_out.mkdir()
        (cli_out / "notes.txt").write_text("keep me")
        from ctdss.load.progress import NoProgress
        from ctdss.load.snapshot import extract

        extract(portal(emu), load_registry().datasets(), cli_out, NoProgress(), REGISTRY_PATH)
    assert (cli_out / "notes.txt").read_text() == "keep me"


def test_snapshot_paths_cannot_escape_the_directory(snapshot, tmp_path, db):
    outside = tmp_path / "outside.json"
    outside.write_text("[]")
    target = snapshot / data.TOWN / "rows-9999.json"
    target.symlink_to(outside)
    outcome = load_from(SnapshotSource(snapshot), db, dataset_ids=[data.TOWN])[data.TOWN]
    assert outcome.status == "failed" and "outside the snapshot directory" in outcome.error



def test_a_wrapped_error_keeps_each_path_and_dataset_id_whole(capsys):
    path = "/tmp/pytest-of-someone/pytest-22/popen-gw1/a-rather-long-folder-name-with-hyphens/manifest.json"
    cli._print_error(f"Cannot read {path} for dataset g7bd-zbqw; " + "the rest of the paragraph goes on " * 6)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) > 1
    assert any(path in line for line in lines) and any("g7bd-zbqw" in line for line in lines)
