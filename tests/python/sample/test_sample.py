"""The bundled synthetic sample: deterministic, committed as generated, and shaped like the portal's data."""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from ctdss.sample import generate

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "data" / "sample"
SEEDS = ROOT / "seeds"
REGISTRY = ROOT / "models" / "staging" / "socrata" / "_socrata__sources.yml"
ANNUAL, TOWNS, MONTHLY = "chu7-5rrv", "gjf6-ig4b", "sx77-vjbh"
TOA, TOWN_ASSISTANCE, ASSISTANCE, RACE = "g7bd-zbqw", "5z8s-84ru", "44qf-qawh", "re8x-m8yr"
ALL = (ANNUAL, TOWNS, MONTHLY, TOA, TOWN_ASSISTANCE, ASSISTANCE, RACE)
HUSKY = {"HUSKY_A", "HUSKY_A_NEWBORN", "HUSKY_B", "HUSKY_C", "HUSKY_D"}


def normalise(name: str) -> str:
    """The SQL rule: lower(trim(regexp_replace(name, '\\s+', ' ', 'g')))."""
    return re.sub(r"\s+", " ", name).strip().lower()


def files_of(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()
    }


def read_seed(name: str) -> list[dict[str, str]]:
    with (SEEDS / name).open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    generate(out)
    return out


@pytest.fixture(scope="module")
def rows(generated) -> dict[str, list[dict]]:
    return {
        ds: [r for f in sorted((generated / ds).glob("rows*.json")) for r in json.loads(f.read_text("utf-8"))]
        for ds in ALL
    }


@pytest.fixture(scope="module")
def program_code() -> dict[str, str]:
    return {a["alias_key"]: a["program_code"] for a in read_seed("program_aliases.csv")}


@pytest.fixture(scope="module")
def town_key() -> dict[str, str]:
    return {a["alias_key"]: a["town_key"] for a in read_seed("town_aliases.csv")}


@pytest.fixture(scope="module")
def monthly(rows, program_code) -> dict[tuple[str, str], int]:
    """{(program code, "YYYY-MM"): count summed over plans}."""
    out: dict[tuple[str, str], int] = defaultdict(int)
    for r in rows[MONTHLY]:
        out[(program_code[normalise(r["program_name"])], r["month"][:7])] += int(r["recipients"])
    return out


def test_generation_is_deterministic(generated, tmp_path):
    generate(tmp_path)
    assert files_of(tmp_path) == files_of(generated)


def test_generation_replaces_stale_page_files(generated, tmp_path):
    stale = tmp_path / MONTHLY / "rows-9999.json"
    stale.parent.mkdir(parents=True)
    stale.write_text("[]\n", encoding="utf-8")
    generate(tmp_path)
    assert files_of(tmp_path) == files_of(generated)


def test_committed_sample_is_the_generator_output(generated):
    committed = files_of(SAMPLE)
    assert committed, f"{SAMPLE} is empty: run `make sample`"
    assert committed == files_of(generated), "data/sample differs from generate(): run `make sample`"


def test_snapshot_says_it_is_synthetic(generated):
    info = json.loads((generated / "snapshot.json").read_text("utf-8"))
    assert info["synthetic"] is True
    assert "invented" in info["description"]


def test_sample_is_small_and_paged(generated):
    # Seven datasets, three of them town x something x many periods: small enough to commit and land in seconds.
    assert sum(len(b) for b in files_of(generated).values()) < 10_000_000
    for ds in (TOWNS, MONTHLY, TOA, TOWN_ASSISTANCE, RACE):
        assert len(list((generated / ds).glob("rows-*.json"))) > 1, ds


def test_metadata_lists_the_registry_fields(generated):
    registry = yaml.safe_load(REGISTRY.read_text("utf-8"))
    registered = {
        d["id"]: d
        for source in registry["sources"]
        for table in source["tables"]
        for d in table["config"]["meta"]["datasets"]
    }
    assert set(registered) == set(ALL)
    assert {p.name for p in generated.iterdir() if p.is_dir()} == set(registered), "one directory per entry"
    for ds, entry in registered.items():
        meta = json.loads((generated / ds / "metadata.json").read_text("utf-8"))
        assert meta["id"] == ds
        assert meta["name"] == entry["title"]
        assert isinstance(meta["rowsUpdatedAt"], int) and isinstance(meta["viewLastModified"], int)
        fields = [c["fieldName"] for c in meta["columns"]]
        assert set(entry["fields"].values()) <= set(fields), ds
        assert len(fields) - len(entry["fields"]) <= 1, f"{ds}: at most one extra column"
        assert [c["position"] for c in meta["columns"]] == list(range(1, len(fields) + 1))
        for c in meta["columns"]:
            assert c["dataTypeName"] in {"text", "number", "calendar_date"}
            assert c["name"] and c["name"] != c["fieldName"]


def test_rows_are_served_as_strings_with_unique_ids(generated, rows):
    for ds, served in rows.items():
        meta = json.loads((generated / ds / "metadata.json").read_text("utf-8"))
        fields = {c["fieldName"] for c in meta["columns"]}
        ids = [r[":id"] for r in served]
        assert len(ids) == len(set(ids)), ds
        assert ids == sorted(ids), f"{ds}: rows are in :id order"
        for r in served:
            assert re.fullmatch(r"row-[a-z0-9]{4}\.[a-z0-9]{4}_[a-z0-9]{4}", r[":id"])
            assert all(isinstance(v, str) for v in r.values()), r
            assert set(r) - {":id"} <= fields, r


def test_every_program_spelling_maps_through_the_aliases(rows, program_code):
    spellings = {r["program"] for r in rows[ANNUAL]} | {r["program"] for r in rows[TOWNS]}
    spellings |= {r["program_name"] for r in rows[MONTHLY]}
    unmapped = sorted(s for s in spellings if normalise(s) not in program_code)
    assert not unmapped
    # the sample does exercise the drift the aliases exist for
    assert any(s != s.strip() or "  " in s for s in spellings)
    assert len(spellings) > len({program_code[normalise(s)] for s in spellings})


def test_every_town_spelling_maps_through_the_aliases(rows, town_key):
    towns = read_seed("ct_towns.csv")
    keys = {town_key.get(normalise(r["town"])) for r in rows[TOWNS]}
    assert None not in keys, sorted({r["town"] for r in rows[TOWNS] if normalise(r["town"]) not in town_key})
    expected = {t["town_key"] for t in towns if t["is_special"] == "false"} | {"unknown", "out_of_state"}
    assert keys == expected


def test_every_plan_spelling_is_a_catalogue_plan(rows):
    catalogue = read_seed("programs.csv")
    plans = {normalise(p["medical_benefit_plan"]) for p in catalogue if p["medical_benefit_plan"]}
    served = {r["medical_benefit_plan"] for r in rows[MONTHLY] if "medical_benefit_plan" in r}
    assert {normalise(p) for p in served} <= plans
    assert any(r for r in rows[MONTHLY] if "medical_benefit_plan" not in r), "non-medical rows have no plan"


def test_medical_programs_carry_their_catalogue_plan(rows, program_code):
    catalogue = {p["program_code"]: p for p in read_seed("programs.csv")}
    for r in rows[MONTHLY]:
        program = catalogue[program_code[normalise(r["program_name"])]]
        plan = normalise(r.get("medical_benefit_plan", ""))
        assert plan == normalise(program["medical_benefit_plan"]), r


def test_grains_are_unique_after_mapping(rows, program_code, town_key):
    def unique(keys: list[tuple]) -> bool:
        return len(keys) == len(set(keys))

    assert unique([(program_code[normalise(r["program"])], r["calendar_year"]) for r in rows[ANNUAL]])
    assert unique([
        (town_key[normalise(r["town"])], program_code[normalise(r["program"])]) for r in rows[TOWNS]
    ])
    assert unique([
        (program_code[normalise(r["program_name"])], normalise(r.get("medical_benefit_plan", "")), r["month"])
        for r in rows[MONTHLY]
    ])


def test_months_are_complete_floating_timestamps(rows, program_code):
    months = {r["month"] for r in rows[MONTHLY]}
    # The portal titles the dataset "CY 2012-2024" (its registry coverage), so the sample has every month of it.
    expected = {f"{y}-{m:02d}-01T00:00:00.000" for y in range(2012, 2025) for m in range(1, 13)}
    assert months == expected
    per_month: dict[str, set[str]] = defaultdict(set)
    for r in rows[MONTHLY]:
        per_month[r["month"][:7]].add(program_code[normalise(r["program_name"])])
    assert len({frozenset(codes - {"G06_I", "G06_II"}) for codes in per_month.values()}) == 1


def test_g06_groups_appear_only_from_2021(rows, program_code):
    first = {}
    for r in rows[MONTHLY]:
        code = program_code[normalise(r["program_name"])]
        first[code] = min(first.get(code, r["month"]), r["month"])
    assert first["G06_I"].startswith("2021-01") and first["G06_II"].startswith("2021-01")
    assert first["STATE_FUNDED_MEDICAL"].startswith("2012-01")
    programs = {p["program_code"]: p for p in read_seed("programs.csv")}
    for code, month in first.items():
        assert month[:10] >= programs[code]["valid_from"], code


def test_years_and_counts_are_whole_number_strings(rows):
    assert {r["calendar_year"] for r in rows[ANNUAL]} == {str(y) for y in range(2012, 2020)}
    for ds, field in ((ANNUAL, "number_of_recipients"), (TOWNS, "count"), (MONTHLY, "recipients")):
        for r in rows[ds]:
            assert re.fullmatch(r"0|[1-9][0-9]*", r[field]), r
            assert r[field] == "0" or int(r[field]) >= 5, f"{ds}: 1-4 is published as 0: {r}"


def test_statewide_magnitudes_are_plausible(monthly):
    months = {m for _, m in monthly}
    assert len(months) == 13 * 12
    for month in months:
        assert 350_000 <= monthly[("SNAP", month)] <= 400_000, month
        husky = sum(monthly.get((code, month), 0) for code in HUSKY)
        # HUSKY passed a million during the pandemic's continuous coverage (2020-2023).
        assert 800_000 <= husky <= 1_100_000, month


def test_annual_count_is_at_least_the_largest_month_and_larger_than_the_average(rows, monthly, program_code):
    compared = 0
    for r in rows[ANNUAL]:
        code, year = program_code[normalise(r["program"])], r["calendar_year"]
        months = [v for (c, m), v in monthly.items() if c == code and m.startswith(year)]
        if not months:
            continue
        compared += 1
        annual = int(r["number_of_recipients"])
        assert annual >= max(months), (code, year)
        assert annual >= 1.1 * sum(months) / len(months), (code, year)
    assert compared == len(rows[ANNUAL])


def test_restated_years_are_higher_against_their_months(rows, monthly, program_code):
    def ratio(year: str) -> float:
        snap = [
            r for r in rows[ANNUAL]
            if r["calendar_year"] == year and program_code[normalise(r["program"])] == "SNAP"
        ]
        months = [v for (c, m), v in monthly.items() if c == "SNAP" and m.startswith(year)]
        return int(snap[0]["number_of_recipients"]) / (sum(months) / 12)

    assert ratio("2012") > ratio("2014") > ratio("2016")
    assert ratio("2016") == pytest.approx(ratio("2018"), rel=0.02)


def test_town_counts_follow_population_with_zeros_in_small_towns(rows, program_code, town_key):
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for r in rows[TOWNS]:
        counts[town_key[normalise(r["town"])]][program_code[normalise(r["program"])]] = int(r["count"])
    real = {k: v for k, v in counts.items() if k not in {"unknown", "out_of_state"}}
    by_size = sorted(real, key=lambda k: real[k]["SNAP"], reverse=True)
    assert set(by_size[:4]) == {"hartford", "new_haven", "bridgeport", "waterbury"}

    def zero_share(towns: list[str]) -> float:
        cells = [c for t in towns for c in real[t].values()]
        return sum(c == 0 for c in cells) / len(cells)

    small, large = by_size[-40:], by_size[:40]
    assert zero_share(small) > 0.15
    assert zero_share(large) < zero_share(small) / 3
    assert all(c > 0 for t in by_size[:4] for c in real[t].values())


def test_a_programs_towns_add_up_to_about_its_statewide_year(rows, monthly, program_code):
    towns: dict[str, int] = defaultdict(int)
    for r in rows[TOWNS]:
        towns[program_code[normalise(r["program"])]] += int(r["count"])
    for code, total in towns.items():
        months = [v for (c, m), v in monthly.items() if c == code and m.startswith("2021")]
        assert len(months) == 12, code
        assert max(months) < total < sum(months), code
