"""`ctdss check` end to end, through the CLI, against the local Socrata emulator serving the bundled sample.

`--apply` writes into a copy of the registry and the seeds (CTDSS_REGISTRY, CTDSS_SEEDS_DIR), never the repo's.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from ctdss.cli import main
from ctdss.config import PROJECT_ROOT, REGISTRY_PATH
from socrata_emulator import SocrataEmulator

TOA = "g7bd-zbqw"  # town x type of assistance x month: town, type_of_assistance, month, people_served
PROGRAMS = "chu7-5rrv"  # program x year: program, calendar_year, number_of_recipients
RACE = "re8x-m8yr"
MONTHLY = "sx77-vjbh"
FIELD_LINE = re.compile(r"^( {18}\w+: )(\w+)$", re.M)  # a `role: field` line under a dataset's `fields:`


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A copy of the registry and the seeds, which the commands read and `--apply` edits."""
    root = tmp_path / "project"
    shutil.copytree(PROJECT_ROOT / "seeds", root / "seeds")
    (root / "models").mkdir()
    shutil.copy(REGISTRY_PATH, root / "models" / REGISTRY_PATH.name)
    monkeypatch.setenv("CTDSS_REGISTRY", str(root / "models" / REGISTRY_PATH.name))
    monkeypatch.setenv("CTDSS_SEEDS_DIR", str(root / "seeds"))
    return root


@pytest.fixture
def emu(socrata_emulator, sample_dir) -> SocrataEmulator:
    return socrata_emulator(sample_dir)


def check(capsys, emu: SocrataEmulator, *argv: str) -> tuple[int, str, str]:
    code = main(["check", "--portal", emu.url, *argv])
    out, err = capsys.readouterr()
    return code, out, err


def flat(text: str) -> str:
    return " ".join(text.split())


def table_row(out: str, ds_id: str) -> list[str]:
    line = next(line for line in out.splitlines() if line.startswith(ds_id + " "))
    return re.split(r" {2,}", line.strip())


def rename_served(emu: SocrataEmulator, ds_id: str, renames: dict[str, str]) -> None:
    """Serve the dataset with its fields renamed, as a portal edit would (the rows' keys too)."""
    meta = emu.metadata(ds_id)
    for column in meta["columns"]:
        new = renames.get(column["fieldName"])
        if new:
            column["fieldName"], column["name"] = new, new.replace("_", " ").title()
    emu.set_metadata(ds_id, meta)
    emu.set_rows(ds_id, [{renames.get(k, k): v for k, v in row.items()} for row in emu.rows(ds_id)])


def test_the_sample_loads_as_it_stands_with_every_spelling_mapped(emu, project, capsys):
    code, out, _ = check(capsys, emu)
    assert code == 0, out
    for ds_id in ("chu7-5rrv", "gjf6-ig4b", MONTHLY, TOA, "5z8s-84ru", "44qf-qawh", RACE):
        served, fields, fits, unmapped, _, rows, loads = table_row(out, ds_id)[2:]
        assert (served, fields, fits, unmapped, loads) == ("yes", "all served", "yes", "0", "yes"), ds_id
        assert int(rows.replace(",", "")) == len(emu.rows(ds_id))
    # rowsUpdatedAt as served, in UTC
    assert table_row(out, TOA)[6] == "2026-09-11 14:00"


def test_a_renamed_field_is_proposed_and_apply_writes_only_that_line(emu, project, capsys):
    rename_served(emu, TOA, {"people_served": "number_served"})
    code, out, _ = check(capsys, emu, "--dataset", TOA, PROGRAMS)
    assert code == 1  # the load would fail as the registry stands
    assert table_row(out, TOA)[3] == "1 renamed" and table_row(out, TOA)[-1] == "after --apply"
    assert table_row(out, PROGRAMS)[-1] == "yes"
    assert "count: people_served is not served; number_served takes its place" in flat(out)

    registry = project / "models" / REGISTRY_PATH.name
    before = registry.read_text("utf-8")
    code, out, _ = check(capsys, emu, "--dataset", TOA, "--apply")
    assert code == 0, out
    after = registry.read_text("utf-8")
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b]
    assert changed == [("                  count: people_served", "                  count: number_served")]
    assert "-                  count: people_served\n+                  count: number_served" in out
    assert after.startswith("# The dataset registry.")  # the comments stay
    code, out, _ = check(capsys, emu, "--dataset", TOA)
    assert code == 0 and table_row(out, TOA)[3] == "all served"


def test_an_ambiguous_rename_is_listed_and_never_written(emu, project, capsys):
    rename_served(emu, TOA, {"town": "town_name"})
    meta = emu.metadata(TOA)
    meta["columns"].append({"fieldName": "city", "name": "City", "dataTypeName": "text", "position": 9})
    emu.set_metadata(TOA, meta)
    registry = project / "models" / REGISTRY_PATH.name
    before = registry.read_text("utf-8")

    code, out, _ = check(capsys, emu, "--dataset", TOA, "--apply")
    assert code == 1
    assert table_row(out, TOA)[3] == "1 ambiguous" and table_row(out, TOA)[-1] == "no"
    text = flat(out)
    assert "town_name and city could each take its place, so none is proposed" in text
    assert "Not written, for you to decide:" in text and "--apply changed no file." in text
    assert registry.read_text("utf-8") == before


def test_a_new_program_spelling_gets_its_alias_row_when_a_close_spelling_names_the_target(emu, project, capsys):
    rows = emu.rows(PROGRAMS)
    rows.append({**rows[0], ":id": "row-new1", "program": "Supplemental Nutrition Assistance Programme"})
    rows.append({**rows[0], ":id": "row-new2", "program": "Cash Bridge Pilot"})
    emu.set_rows(PROGRAMS, rows)
    seed = project / "seeds" / "program_aliases.csv"
    before = seed.read_text("utf-8")

    code, out, _ = check(capsys, emu, "--dataset", PROGRAMS)
    assert code == 0  # unmapped names are quarantined by the build, not refused by the load
    assert table_row(out, PROGRAMS)[5] == "2"
    text = flat(out)
    assert "not mapped by" in text and "seeds/program_aliases.csv" in text
    assert "supplemental nutrition assistance programme,SNAP # 'Supplemental Nutrition Assistance Programme'" in text
    assert "cash bridge pilot, # 'Cash Bridge Pilot' in 1 row(s); no close spelling" in text
    assert seed.read_text("utf-8") == before  # without --apply nothing is written

    code, out, _ = check(capsys, emu, "--dataset", PROGRAMS, "--apply")
    assert seed.read_text("utf-8") == before + "supplemental nutrition assistance programme,SNAP\n"
    assert "+supplemental nutrition assistance programme,SNAP" in out
    assert "'cash bridge pilot' is not in program_aliases.csv and no mapped spelling is close" in flat(out)


@pytest.mark.parametrize("route", ["views", "resource"])
def test_a_private_dataset_is_named_as_such_and_the_others_are_still_checked(emu, project, capsys, route):
    emu.inject("status", path=route, dataset_id=RACE, status=403)
    code, out, _ = check(capsys, emu, "--apply")
    assert code == 1
    assert table_row(out, RACE)[2] == "403 private" and table_row(out, RACE)[-1] == "no"
    endpoint = f"/api/views/{RACE}.json" if route == "views" else f"/resource/{RACE}.json"
    assert f"Private or withdrawn: the portal answered HTTP 403 for {endpoint}" in flat(out)
    assert all(table_row(out, ds)[-1] == "yes" for ds in (TOA, PROGRAMS, MONTHLY))
    assert "--apply changed no file." in out and f"- {RACE}: Private or withdrawn" in out


def test_a_removed_dataset_is_named_as_such(emu, project, capsys):
    emu.remove_dataset(MONTHLY)
    code, out, _ = check(capsys, emu, "--json")
    assert code == 1
    found = {d["id"]: d for d in json.loads(out)["datasets"]}
    assert found[MONTHLY]["served"] == "missing" and not found[MONTHLY]["loads"]
    assert found[MONTHLY]["problem"].startswith(f"Wrong id or removed: the portal answered HTTP 404 for "
                                                f"/api/views/{MONTHLY}.json")
    assert found[TOA]["served"] == "served" and found[TOA]["loads"]


def test_a_registry_whose_field_names_all_differ_is_renamed_by_apply_to_what_the_portal_serves(emu, project, capsys):
    registry = project / "models" / REGISTRY_PATH.name
    served = registry.read_text("utf-8")
    registry.write_text(FIELD_LINE.sub(lambda m: f"{m[1]}dss_{m[2]}", served), encoding="utf-8")
    code, out, _ = check(capsys, emu)
    assert code == 1
    assert all(table_row(out, ds)[-1] == "after --apply" for ds in (TOA, PROGRAMS, RACE, MONTHLY))
    code, out, _ = check(capsys, emu, "--apply")
    assert code == 0, out
    assert registry.read_text("utf-8") == served


def test_an_unreachable_portal_is_one_paragraph(project, capsys, monkeypatch):
    monkeypatch.setattr("ctdss.load.portal.time.sleep", lambda seconds: None)  # the backoff, not what is tested
    code = main(["check", "--portal", SocrataEmulator.url_unreachable()])
    _, err = capsys.readouterr()
    assert code == 2
    assert err.startswith("ctdss: `ctdss check` could not reach the Socrata portal") and err.count("\n") <= 6
    assert "no dataset was checked and no file was changed" in flat(err)


def test_a_retried_answer_refused_group_and_a_type_that_no_longer_fits_are_each_reported_in_place(
        emu, project, capsys, monkeypatch):
    monkeypatch.setattr("ctdss.load.portal.time.sleep", lambda seconds: None)  # the backoff, not what is tested
    emu.inject("status", path="views", dataset_id=PROGRAMS, status=503)  # retried by the client
    emu.inject("status", path="resource", dataset_id=RACE, after=1, status=400)  # its first $group, after count(*)
    meta = emu.metadata(TOA)
    next(c for c in meta["columns"] if c["fieldName"] == "people_served")["dataTypeName"] = "text"
    emu.set_metadata(TOA, meta)

    code, out, _ = check(capsys, emu, "--dataset", PROGRAMS, RACE, TOA)
    assert code == 0, out
    assert table_row(out, PROGRAMS)[2] == "yes" and table_row(out, PROGRAMS)[-1] == "yes"
    assert "town (town): distinct values not read: the portal refused the $group query (HTTP 400)" in flat(out)
    assert "race (race)" not in out  # the race column was still read, and is all mapped
    assert table_row(out, TOA)[4] == "no"
    assert "kind: count is read from people_served, served as text, where a count is number." in flat(out)


def test_a_field_gone_with_nothing_to_take_its_place_fails_the_kind_and_is_left_to_the_user(emu, project, capsys):
    meta = emu.metadata(RACE)
    meta["columns"] = [c for c in meta["columns"] if c["fieldName"] != "race"]
    emu.set_metadata(RACE, meta)
    emu.set_rows(RACE, [{k: v for k, v in row.items() if k != "race"} for row in emu.rows(RACE)])

    code, out, _ = check(capsys, emu, "--dataset", RACE, "--apply")
    assert code == 1
    assert table_row(out, RACE)[3:5] == ["1 gone", "no"] and table_row(out, RACE)[-1] == "no"
    text = flat(out)
    assert "race: race is not served; no served field fits the role." in text
    assert "kind: the required role race has no served field." in text
    assert f"- {RACE}: race: race is not served; no served field fits the role." in text
