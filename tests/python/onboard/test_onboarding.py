"""`ctdss discover` and `ctdss inspect` end to end, through the CLI, against the local Socrata emulator."""

from __future__ import annotations

import json
import re
import shutil

import pytest
import yaml

from ctdss.cli import main
from ctdss.config import REGISTRY_PATH
from ctdss.errors import UserError
from ctdss.load.portal import PortalSource, RetryPolicy
from ctdss.onboard.aliases import alias_seeds
from ctdss.registry import load_registry
from socrata_emulator import SocrataEmulator

TAG = "dss enrollment counts"
TOA = "g7bd-zbqw"  # town x type of assistance x month
RACE = "re8x-m8yr"  # town x race x year
ODD = "odd0-0001"  # a column nothing places, and two that could both be the town
NEW = "tpm0-0001"  # town x program x month: a kind the registry does not have


def column(field: str, data_type: str = "text", name: str | None = None) -> dict:
    return {"fieldName": field, "name": name or field.replace("_", " ").title(), "dataTypeName": data_type}


def meta(ds_id: str, name: str, columns: list[dict], tags: tuple[str, ...] = (TAG,)) -> dict:
    return {"id": ds_id, "name": name, "tags": list(tags), "rowsUpdatedAt": 1_788_000_000,
            "viewLastModified": 1_788_000_000,
            "columns": [{**c, "id": i, "position": i + 1} for i, c in enumerate(columns)]}


TOA_ROWS = [
    {"town": "Andover", "type_of_assistance": "TP09", "month": "2025-07-01T00:00:00.000", "count": "12"},
    {"town": " NEW   haven ", "type_of_assistance": "SNAP", "month": "2025-07-01T00:00:00.000", "count": "900"},
    {"town": "Hartfrd", "type_of_assistance": "SNAP", "month": "2025-07-01T00:00:00.000", "count": "5"},
    {"town": "Hartfrd", "type_of_assistance": "SNAP", "month": "2025-08-01T00:00:00.000", "count": "6"},
    {"town": "HARTFRD ", "type_of_assistance": "SNAP", "month": "2025-09-01T00:00:00.000", "count": "7"},
    {"town": "Gotham City", "type_of_assistance": "G06-I", "month": "2025-07-01T00:00:00.000", "count": "0"},
    {"type_of_assistance": "SNAP", "month": "2025-07-01T00:00:00.000", "count": "3"},  # a null town
]


@pytest.fixture
def emu(socrata_emulator) -> SocrataEmulator:
    emulator = socrata_emulator(None)
    emulator.add_dataset(TOA, meta(TOA, "DSS - People Served by Town and Type of Assistance (TOA) by Month", [
        column("town"), column("type_of_assistance"), column("month", "calendar_date"), column("count", "number"),
    ]), TOA_ROWS)
    emulator.add_dataset(RACE, meta(RACE, "People Served by Town and Race, 2015-2023", [
        column("town"), column("race"), column("year", "number", "Calendar Year"), column("people", "number"),
    ]), [{"town": "Avon", "race": "White", "year": "2020", "people": "100"}])
    emulator.add_dataset(ODD, meta(ODD, "DSS oddities CY 2022", [
        column("town"), column("city", name="City of residence"), column("program"), column("comment"),
        column("count", "number"),
    ]), [{"town": "Avon", "city": "Avon", "program": "SNAP", "comment": "x", "count": "1"}])
    emulator.add_dataset(NEW, meta(NEW, "DSS Program Participation by Town and Month", [
        column("town"), column("program"), column("month", "calendar_date"), column("count", "number"),
    ]), [{"town": "Avon", "program": "SNAP", "month": "2025-07-01T00:00:00.000", "count": "40"}])
    emulator.add_dataset("gjf6-ig4b", meta("gjf6-ig4b", "DSS Township Counts - by Program - CY 2021", [
        column("town"), column("program"), column("count", "number")]), [])
    emulator.add_dataset("road-0001", meta("road-0001", "Road works", [column("road")], tags=("transport",)), [])
    return emulator


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# -- discover ----------------------------------------------------------------------------------------------------

def test_discover_lists_the_tagged_datasets_with_fields_updates_and_registry_kind(emu, capsys):
    code, out, _ = run(capsys, "discover", "--portal", emu.url)
    assert code == 0
    assert "road-0001" not in out
    for ds_id in (TOA, RACE, ODD, "gjf6-ig4b"):
        assert ds_id in out
    assert "gjf6-ig4b  DSS Township Counts - by Program - CY 2021" in out
    assert "registered as town_program_annual" in out
    assert f"{TOA}  DSS - People Served" in out and "registered as town_assistance_monthly" in out
    assert f"{ODD}  " in out and "not registered" in out
    assert "fields: town, type_of_assistance, month, count" in out
    assert "updated 2026-08-29 10:40 UTC" in out  # rowsUpdatedAt 1_788_000_000
    unlisted = " ".join(out.split("Registered but not in this listing:", 1)[1].split("Next:")[0].split())
    for entry in ("chu7-5rrv (program_annual)", "sx77-vjbh (program_monthly)", "5z8s-84ru (town_assistance_annual)",
                  "44qf-qawh (assistance_annual)"):
        assert entry in unlisted
    assert "gjf6-ig4b" not in unlisted and TOA not in unlisted
    request = emu.requests[-1]
    assert request.path == "/api/catalog/v1"
    assert request.params["domains"] == "127.0.0.1" and request.params["tags"] == TAG


def test_discover_query_and_json(emu, capsys):
    code, out, _ = run(capsys, "discover", "--portal", emu.url, "--tag", "", "--query", "road", "--json")
    assert code == 0
    listing = json.loads(out)
    assert [d["id"] for d in listing["datasets"]] == ["road-0001"]
    assert listing["datasets"][0]["fields"] == ["road"] and listing["datasets"][0]["registered_kind"] is None
    assert "tags" not in emu.requests[-1].params and emu.requests[-1].params["q"] == "road"


def test_discover_with_no_match_says_what_to_try(emu, capsys):
    code, out, _ = run(capsys, "discover", "--portal", emu.url, "--tag", "dss")
    assert code == 0 and out.startswith("0 dataset(s)")
    assert '--tag "enrollment counts"' in out


def test_discover_pages_through_a_long_catalogue(socrata_emulator):
    emulator = socrata_emulator(None)
    for n in range(230):
        emulator.add_dataset(f"page-{n:04d}", meta(f"page-{n:04d}", f"Dataset {n:03d}", [column("town")]), [])
    source = PortalSource(emulator.url)
    try:
        results, total = source.catalogue(TAG, None)
    finally:
        source.close()
    assert total == 230 and len({r["resource"]["id"] for r in results}) == 230
    assert [r.params["offset"] for r in emulator.requests] == ["0", "100", "200"]


def test_the_catalogue_is_read_with_the_loaders_retries_and_token(emu):
    emu.inject("status", path="catalog", status=503, times=2)
    slept: list[float] = []
    source = PortalSource(emu.url, "secret-token", policy=RetryPolicy(attempts=3), sleep=slept.append)
    try:
        results, _ = source.catalogue(TAG, None)
    finally:
        source.close()
    assert len(results) == 5 and len(slept) == 2  # the five tagged datasets of the fixture
    assert {r.headers.get("x-app-token") for r in emu.requests} == {"secret-token"}


def test_an_unreachable_catalogue_is_one_paragraph(capsys, monkeypatch):
    monkeypatch.setattr("ctdss.load.portal.time.sleep", lambda seconds: None)  # the backoff, not what is tested
    code, out, err = run(capsys, "discover", "--portal", SocrataEmulator.url_unreachable())
    assert code == 2 and out == ""
    assert err.startswith("ctdss: Could not reach the Socrata portal") and "the catalogue" in err
    assert "Traceback" not in err
    flat = " ".join(err.split())
    assert "`ctdss discover` only reads the portal, so nothing was changed" in flat
    assert "warehouse" not in flat and "make demo" not in flat and "loaded" not in flat


def test_inspect_an_unreachable_portal_says_it_changed_nothing_not_what_a_load_would(capsys, monkeypatch):
    monkeypatch.setattr("ctdss.load.portal.time.sleep", lambda seconds: None)
    code, out, err = run(capsys, "inspect", TOA, "--portal", SocrataEmulator.url_unreachable())
    flat = " ".join(err.split())
    assert code == 2 and out == "" and flat.startswith("ctdss: Could not reach the Socrata portal")
    assert "`ctdss inspect` only reads the portal, so nothing was changed" in flat
    assert "warehouse" not in flat and "make demo" not in flat and "--snapshot" not in flat


# -- inspect -----------------------------------------------------------------------------------------------------

def paste_dataset(entry: str, kind: str, tmp_path):
    """The registry with `entry` pasted at the end of `kind`'s datasets list, as a user would."""
    text = REGISTRY_PATH.read_text(encoding="utf-8")
    anchor = f"      - name: {kind}\n"
    start = text.index(anchor)
    columns_at = text.index("        columns:\n", start)
    registry = tmp_path / "_socrata__sources.yml"
    registry.write_text(text[:columns_at] + entry + "\n" + text[columns_at:], encoding="utf-8")
    return load_registry(registry)


def section(out: str, start: str, end: str) -> str:
    return out[out.index(start):out.index(end, out.index(start))]


def test_inspect_places_a_toa_column_as_the_assistance_type_and_fits_the_registered_kind(emu, capsys):
    code, out, _ = run(capsys, "inspect", TOA, "--portal", emu.url)
    assert code == 0, out
    assert re.search(r"town\s+text\s+-> town", out)
    assert re.search(r"type_of_assistance\s+text\s+-> assistance_type", out)
    assert re.search(r"month\s+calendar_date\s+-> month", out) and re.search(r"count\s+number\s+-> count", out)
    assert "UNPLACED" not in out
    assert "fits town_assistance_monthly" in " ".join(out.split())


def test_inspect_places_every_column_and_proposes_a_new_kind_that_loads(emu, capsys, tmp_path):
    code, out, _ = run(capsys, "inspect", NEW, "--portal", emu.url)
    assert code == 0, out
    assert re.search(r"program\s+text\s+-> program", out) and "UNPLACED" not in out
    assert "needs a new kind, proposed as town_program_monthly" in " ".join(out.split())
    table = section(out, "      - name: town_program_monthly", "\n\n")
    registry_copy = tmp_path / "_socrata__sources.yml"
    shutil.copy(REGISTRY_PATH, registry_copy)
    with registry_copy.open("a", encoding="utf-8") as handle:
        handle.write("\n" + table + "\n")
    kind = load_registry(registry_copy).kind("town_program_monthly")
    assert kind.required_roles == ("town", "program", "month", "count")
    assert (kind.geography, kind.period, kind.series) == ("town", "month", "town_program_monthly")
    (ds,) = kind.datasets
    assert ds.id == NEW
    assert ds.fields == {"town": "town", "program": "program", "month": "month", "count": "count"}
    assert (ds.refresh.mode, ds.refresh.window_months) == ("window", 3)
    assert yaml.safe_load(registry_copy.read_text())["sources"][0]["tables"][-1]["columns"][0]["name"] == "town"


def test_inspect_proposes_alias_rows_for_unmapped_spellings_only(emu, capsys):
    code, out, _ = run(capsys, "inspect", TOA, "--portal", emu.url)
    assert code == 0
    out = out[out.index("Alias rows:"):]
    towns = section(out, "  town: ", "  assistance_type: ")
    flat = " ".join(towns.split())
    assert "2 spelling(s) not mapped yet" in flat and "seeds/town_aliases.csv (alias_key,town_key)" in flat
    rows = [line.strip() for line in towns.splitlines() if line.startswith("      ") and "#" not in line]
    assert rows == ["gotham city,", "hartfrd,hartford"]  # no guess for Gotham City; Hartfrd is close to hartford
    assert "published as 'HARTFRD ', 'Hartfrd' in 3 row(s)" in towns
    assert "guessed 'hartford'" in towns and "new haven" not in towns and "andover" not in towns
    assert "town: 1 row(s) have no town" in out
    codes = out[out.index("  assistance_type: "):]
    code_rows = [line.strip() for line in codes.splitlines() if line.startswith("      ") and "#" not in line]
    # TP09 and G06-I are codes of seeds/assistance_types.csv already; SNAP is a program's name, not a code, and
    # its row leaves every column of that seed after the code for the user to fill in.
    assert code_rows == ["SNAP,,,,"] and "seeds/assistance_types.csv" in codes
    grouped = [r for r in emu.requests if r.params.get("$group")]
    assert [r.params["$group"] for r in grouped] == ["town", "type_of_assistance"]
    assert grouped[0].params["$select"] == "town, count(*) AS row_count"
    assert grouped[0].params["$order"] == "town" and int(grouped[0].params["$limit"]) >= 200


def test_inspect_fits_an_existing_kind_and_takes_the_year_from_a_single_year_title(emu, capsys, tmp_path):
    code, out, _ = run(capsys, "inspect", "gjf6-ig4b", "--portal", emu.url)
    assert code == 0
    assert "already registered as town_program_annual" in out
    assert "fits town_program_annual" in " ".join(out.split()) and "year: 2021 (from the title)" in out
    entry = section(out, "              - id: gjf6-ig4b", "\n\n")
    pasted = paste_dataset(entry.replace("gjf6-ig4b", "new0-2021"), "town_program_annual", tmp_path)
    ds = next(d for d in pasted.datasets() if d.id == "new0-2021")
    assert (ds.kind, ds.fields, ds.constants) == (
        "town_program_annual", {"town": "town", "program": "program", "count": "count"}, {"year": "2021"})


def test_inspect_lists_what_it_cannot_place_and_never_picks_between_candidates(emu, capsys):
    code, out, _ = run(capsys, "inspect", ODD, "--portal", emu.url, "--json")
    assert code == 0
    found = json.loads(out)
    roles = {c["field"]: c["role"] for c in found["columns"]}
    assert roles == {"town": None, "city": None, "program": "program", "comment": None, "count": "count"}
    reasons = {c["field"]: c["unplaced_reason"] for c in found["columns"] if c["role"] is None}
    assert "2 columns could be the town (town, city)" in reasons["town"] == reasons["city"]
    assert "no role matches" in reasons["comment"]
    assert "town:" not in found["registry_entry"] and "comment" not in found["registry_entry"]
    assert list(found["distinct_values"]) == ["program"]


def test_inspect_places_race_and_fits_the_registered_town_race_kind(emu, capsys):
    code, out, _ = run(capsys, "inspect", RACE, "--portal", emu.url, "--json")
    found = json.loads(out)
    assert code == 0
    assert {c["field"]: c["role"] for c in found["columns"]} == {
        "town": "town", "race": "race", "year": "year", "people": "count"}
    assert found["kind"]["name"] == "town_race_annual" and found["kind"]["existing"]
    assert found["constants"] == {}  # a range of years in the title is no single year


def test_inspect_without_a_count_column_says_so(emu, capsys):
    emu.add_dataset("nocn-0001", meta("nocn-0001", "Towns", [column("town"), column("program")]), [])
    code, out, _ = run(capsys, "inspect", "nocn-0001", "--portal", emu.url, "--json")
    assert code == 0 and "no column was placed as the count" in json.loads(out)["kind"]["note"]


def test_inspect_an_unknown_id_is_one_paragraph(emu, capsys):
    code, out, err = run(capsys, "inspect", "zzzz-9999", "--portal", emu.url)
    assert code == 2 and out == ""
    assert err.startswith("ctdss: The portal") and "has no dataset zzzz-9999" in err and "ctdss discover" in err
    assert "Traceback" not in err and "\n\n" not in err


@pytest.mark.parametrize("bad", ["g7bd zbqw; drop", "g7bd-zbqw\n", "G7BD-ZBQW"])
def test_inspect_refuses_a_malformed_id_before_any_request(emu, capsys, bad):
    code, _, err = run(capsys, "inspect", bad, "--portal", emu.url)
    assert code == 2 and "is not a Socrata dataset id" in err
    assert emu.requests == []


def test_inspect_a_view_without_columns_says_what_it_may_be(emu, capsys):
    emu.add_dataset("char-0001", meta("char-0001", "A chart", []), [])
    code, out, err = run(capsys, "inspect", "char-0001", "--portal", emu.url)
    assert code == 2 and out == "" and "lists no columns" in err and "chart" in err


def test_inspect_proposes_a_new_seed_file_for_a_role_no_seed_maps(emu, capsys, tmp_path):
    emu.add_dataset("eth0-0001", meta("eth0-0001", "People Served by Town and Ethnicity", [
        column("town"), column("ethnicity"), column("year", "number"), column("people", "number")]), [
        {"town": "Avon", "ethnicity": "Hispanic", "year": "2020", "people": "5"},
        {"town": "Avon", "ethnicity": "Not Hispanic", "year": "2020", "people": "50"},
        {"town": "Bolton", "ethnicity": "HISPANIC ", "year": "2020", "people": "3"},
        {"town": "Bolton", "year": "2020", "people": "1"},
    ])
    code, out, _ = run(capsys, "inspect", "eth0-0001", "--portal", emu.url)
    assert code == 0
    aliases = out[out.index("Alias rows:"):]
    block = aliases[aliases.index("  ethnicity: "):]
    assert "no seed maps this role yet" in " ".join(block.split()) and "seeds/ethnicity_aliases.csv" in block
    rows = [line.strip() for line in block.splitlines() if line.startswith("      ") and "#" not in line]
    assert rows == ["alias_key,ethnicity_key", "hispanic,", "not hispanic,"]
    assert "published as 'HISPANIC ', 'Hispanic' in 2 row(s)" in block
    assert "ethnicity: 1 row(s) have no ethnicity" in aliases
    # The rows, saved as the file they propose, are a seed the onboarding reads like the others.
    (tmp_path / "ethnicity_aliases.csv").write_text("\n".join(rows) + "\n")
    seed = alias_seeds(("ethnicity",), tmp_path)["ethnicity"]
    assert (seed.key_column, seed.target_column, seed.mapping) == (
        "alias_key", "ethnicity_key", {"hispanic": "", "not hispanic": ""})
    found = json.loads(run(capsys, "inspect", "eth0-0001", "--portal", emu.url, "--json")[1])
    assert found["missing_aliases"]["ethnicity"]["new_seed"] is True
    assert found["missing_aliases"]["town"]["new_seed"] is False


@pytest.mark.parametrize(("town_columns", "blocked"), [
    ([column("town"), column("city", name="City of residence")], "town, city: 2 columns could be the town"),
    ([column("town", "number")], "town: its name suggests town but its data type is number"),
])
def test_inspect_never_proposes_a_statewide_kind_when_a_town_column_is_unplaced(emu, capsys, tmp_path,
                                                                                town_columns, blocked):
    emu.add_dataset("twn0-0001", meta("twn0-0001", "Program counts CY 2022", [
        *town_columns, column("program"), column("count", "number")]), [])
    code, out, _ = run(capsys, "inspect", "twn0-0001", "--portal", emu.url, "--json")
    found = json.loads(out)
    assert code == 0 and found["kind"]["name"] == "town_program_annual", found["kind"]
    assert blocked in found["kind"]["note"]
    # Pasted as proposed, the entry is refused until the town is placed, so the choice cannot be forgotten.
    with pytest.raises(UserError, match="town"):
        paste_dataset(found["registry_entry"], "town_program_annual", tmp_path)
