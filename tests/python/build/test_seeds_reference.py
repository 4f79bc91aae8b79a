"""The lookup seeds: the towns against the Census reference, and the alias seeds against their catalogues."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SEEDS = ROOT / "seeds"
REFERENCE = Path(__file__).resolve().parents[4] / "shared/reference/ct-town-to-planning-region.csv"
SPECIALS = {"unknown", "out_of_state", "statewide"}
COUNTIES = {
    "09001": "Fairfield County", "09003": "Hartford County", "09005": "Litchfield County",
    "09007": "Middlesex County", "09009": "New Haven County", "09011": "New London County",
    "09013": "Tolland County", "09015": "Windham County",
}


def normalise(name: str) -> str:
    """The SQL rule: lower(trim(regexp_replace(name, '\\s+', ' ', 'g')))."""
    return re.sub(r"\s+", " ", name).strip().lower()


def read(name: str) -> list[dict[str, str]]:
    with (SEEDS / name).open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def towns() -> list[dict[str, str]]:
    return read("ct_towns.csv")


@pytest.fixture(scope="module")
def real_towns(towns) -> dict[str, dict[str, str]]:
    return {t["town_name"]: t for t in towns if t["is_special"] == "false"}


@pytest.fixture(scope="module")
def reference() -> dict[str, dict[str, str]]:
    if not REFERENCE.exists():
        pytest.skip(f"the town reference {REFERENCE} is not available")
    with REFERENCE.open(newline="", encoding="utf-8-sig") as f:
        return {r["town_name"]: r for r in csv.DictReader(f)}


def test_the_same_169_towns_as_the_reference(real_towns, reference):
    assert len(reference) == 169
    assert set(real_towns) == set(reference)


def test_fips_codes_match_the_reference_with_their_leading_zero(real_towns, reference):
    for name, ref in reference.items():
        town = real_towns[name]
        assert town["town_fips_2020"] == f"{int(ref['town_fips_2020']):010d}", name
        assert town["town_fips_2022"] == f"{int(ref['town_fips_2022']):010d}", name
        assert town["planning_region_fips"] == f"{int(ref['ce_fips_2022']):05d}", name
        assert town["planning_region_name"] == ref["ce_name_2022"], name


def test_county_and_region_are_derived_from_the_codes(real_towns):
    for name, town in real_towns.items():
        assert town["county_fips"] == town["town_fips_2020"][:5], name
        assert town["county_name"] == COUNTIES[town["county_fips"]], name
        assert town["planning_region_fips"] == town["town_fips_2022"][:5], name
        assert town["town_fips_2020"][5:] == town["town_fips_2022"][5:], name


def test_towns_have_169_real_towns_and_three_specials(towns, real_towns):
    assert len(real_towns) == 169
    specials = [t for t in towns if t["is_special"] == "true"]
    assert {t["town_key"] for t in specials} == SPECIALS
    assert len(towns) == 172
    for t in specials:
        assert not any(t[c] for c in ("town_fips_2020", "county_name", "county_fips", "town_fips_2022",
                                      "planning_region_name", "planning_region_fips")), t["town_key"]


def test_town_keys_are_unique_snake_case_of_the_name(towns):
    keys = [t["town_key"] for t in towns]
    assert len(keys) == len(set(keys))
    assert len({t["town_name"] for t in towns}) == len(towns)
    for t in towns:
        assert t["town_key"] == re.sub(r"[^a-z0-9]+", "_", t["town_name"].lower()).strip("_")


def test_every_town_name_is_an_alias_and_every_alias_names_a_town(towns):
    aliases = read("town_aliases.csv")
    by_key = {a["alias_key"]: a["town_key"] for a in aliases}
    assert len(by_key) == len(aliases), "alias_key must be unique"
    for t in towns:
        assert by_key.get(normalise(t["town_name"])) == t["town_key"], t["town_name"]
    keys = {t["town_key"] for t in towns}
    assert {a["town_key"] for a in aliases} <= keys
    for a in aliases:
        assert a["alias_key"] == normalise(a["alias_key"]), a["alias_key"]


def test_program_aliases_cover_the_catalogue_and_name_only_catalogue_codes():
    programs = read("programs.csv")
    aliases = read("program_aliases.csv")
    codes = {p["program_code"] for p in programs}
    by_key = {a["alias_key"]: a["program_code"] for a in aliases}
    assert len(by_key) == len(aliases), "alias_key must be unique"
    assert len(codes) == len(programs), "program_code must be unique"
    for p in programs:
        assert by_key.get(normalise(p["program_name"])) == p["program_code"], p["program_name"]
        assert re.fullmatch(r"[A-Z][A-Z0-9_]*", p["program_code"]), p["program_code"]
    assert {a["program_code"] for a in aliases} <= codes
    for a in aliases:
        assert a["alias_key"] == normalise(a["alias_key"]), a["alias_key"]


def test_program_catalogue_families_plans_and_the_2021_codes():
    programs = {p["program_code"]: p for p in read("programs.csv")}
    for code, p in programs.items():
        assert p["program_family"] in {"medical", "food", "cash", "other"}, code
        # MEDICAID is the TOA codes' program: its codes span several plans and DSS publishes none per code.
        assert bool(p["medical_benefit_plan"]) == (p["program_family"] == "medical" and code != "MEDICAID"), code
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", p["valid_from"]), code
    assert programs["G06_I"]["valid_from"] == "2021-01-01"
    assert programs["G06_II"]["valid_from"] == "2021-01-01"


def test_methodology_events_reference_catalogue_codes():
    codes = {p["program_code"] for p in read("programs.csv")}
    events = read("methodology_events.csv")
    assert len({e["event_key"] for e in events}) == len(events)
    for e in events:
        assert e["scope_program_code"] in codes | {""}, e["event_key"]
        assert e["scope_period"] in {"year", "month", "all"}, e["event_key"]
        assert not e["reversed_on"] or e["reversed_on"] > e["announced_date"], e["event_key"]
        assert e["break_type"] in {"definition_change", "address_logic", "restatement", "reclassification"}
        assert e["affects_town_distribution"] in {"true", "false"}
        assert not e["effective_to"] or e["effective_from"] <= e["effective_to"], e["event_key"]
