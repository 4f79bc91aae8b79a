"""The synthetic sample of the catalogue datasets: driven by the registry, in the portal's habits (every town,
counts as strings, 0 for 1-4, spelling drift, real TOA codes) and near the published statewide magnitudes."""

from __future__ import annotations

import copy
import csv
import json
import re
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from ctdss.errors import UserError
from ctdss.registry import load_registry
from ctdss.sample import generate

ROOT = Path(__file__).resolve().parents[3]
SEEDS = ROOT / "seeds"
REGISTRY = ROOT / "models" / "staging" / "socrata" / "_socrata__sources.yml"
TOA, TOWN_ASSISTANCE, ASSISTANCE, RACE = "g7bd-zbqw", "5z8s-84ru", "44qf-qawh", "re8x-m8yr"
TOWN_DATASETS = ("gjf6-ig4b", TOA, TOWN_ASSISTANCE, RACE)
# Statewide sums over the 169 towns that a public dashboard reading g7bd-zbqw reported
# (../shared/context/dss-catalogue.md): {(group, month): people served}.
PUBLISHED_SUMS = {
    ("snap", "2025-07"): 359_399,
    ("snap", "2026-08"): 297_142,
    ("medicaid", "2025-07"): 887_048,
    ("medicaid", "2026-08"): 863_639,
}


def normalise(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip().lower()


def read_seed(name: str) -> list[dict[str, str]]:
    with (SEEDS / name).open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def entries() -> dict[str, dict]:
    doc = yaml.safe_load(REGISTRY.read_text("utf-8"))
    return {d["id"]: d for t in doc["sources"][0]["tables"] for d in t["config"]["meta"]["datasets"]}


def served(directory: Path, dataset_id: str) -> list[dict[str, str]]:
    return [r for f in sorted((directory / dataset_id).glob("rows*.json")) for r in json.loads(f.read_text("utf-8"))]


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("catalogue-sample")
    generate(out)
    return out


@pytest.fixture(scope="module")
def town_key() -> dict[str, str]:
    return {a["alias_key"]: a["town_key"] for a in read_seed("town_aliases.csv")}


def test_every_count_is_a_whole_number_string_and_one_to_four_is_published_as_zero(sample):
    for dataset_id, entry in entries().items():
        field = entry["fields"]["count"]
        counts = [r[field] for r in served(sample, dataset_id)]
        assert counts, dataset_id
        assert all(isinstance(c, str) and re.fullmatch(r"0|[1-9][0-9]*", c) for c in counts), dataset_id
        assert not [c for c in counts if c in {"1", "2", "3", "4"}], dataset_id


@pytest.mark.parametrize("dataset_id", TOWN_DATASETS)
def test_town_datasets_publish_zero_at_a_realistic_rate(sample, dataset_id):
    field = entries()[dataset_id]["fields"]["count"]
    counts = [r[field] for r in served(sample, dataset_id)]
    share = sum(c == "0" for c in counts) / len(counts)
    assert 0.05 < share < 0.30, (dataset_id, share)


@pytest.mark.parametrize("dataset_id", TOWN_DATASETS)
def test_every_period_has_the_169_towns_unknown_and_out_of_state(sample, town_key, dataset_id):
    entry = entries()[dataset_id]
    period_field = entry["fields"].get("month") or entry["fields"].get("year")
    towns = {t["town_key"] for t in read_seed("ct_towns.csv") if t["is_special"] == "false"}
    assert len(towns) == 169
    by_period: dict[str, set[str]] = defaultdict(set)
    for r in served(sample, dataset_id):
        by_period[r.get(period_field, "constant")].add(town_key[normalise(r[entry["fields"]["town"]])])
    assert by_period
    for period, keys in by_period.items():
        assert keys == towns | {"unknown", "out_of_state"}, period


def test_toa_codes_are_real_codes_the_seed_knows_including_g06_i(sample):
    known = {c["assistance_type_code"]: c for c in read_seed("assistance_types.csv")}
    codes = {r["type_of_assistance"] for r in served(sample, TOA)}
    assert "G06-I" in codes
    assert codes <= set(known), sorted(codes - set(known))
    assert {known[c]["code_list"] for c in codes} >= {"snap", "medicaid"}


def test_toa_sums_over_the_towns_are_near_the_published_figures(sample):
    group = {c["assistance_type_code"]: c["code_list"] for c in read_seed("assistance_types.csv")}
    towns = {t["town_name"] for t in read_seed("ct_towns.csv") if t["is_special"] == "false"}
    sums: dict[tuple[str, str], int] = defaultdict(int)
    for r in served(sample, TOA):
        if normalise(r["town"]) in {normalise(t) for t in towns}:
            sums[(group[r["type_of_assistance"]], r["month"][:7])] += int(r["people_served"])
    for key, figure in PUBLISHED_SUMS.items():
        assert sums[key] == pytest.approx(figure, rel=0.03), key


def test_names_drift_across_years_and_every_spelling_maps(sample):
    programs = {a["alias_key"] for a in read_seed("program_aliases.csv")}
    races = {a["alias_key"] for a in read_seed("race_aliases.csv")}
    for dataset_id, field, aliases in (
        (TOWN_ASSISTANCE, "assistance_type", programs),
        (ASSISTANCE, "assistance_type", programs),
        (RACE, "race", races),
    ):
        year_field = entries()[dataset_id]["fields"]["year"]
        years_of: dict[str, set[str]] = defaultdict(set)
        for r in served(sample, dataset_id):
            years_of[r[field]].add(r[year_field])
        assert {normalise(s) for s in years_of} <= aliases, sorted(s for s in years_of if normalise(s) not in aliases)
        # some category changed its published name: its old spelling stops where the new one starts
        assert any(max(years_of[a]) < min(years_of[b]) for a in years_of for b in years_of if a != b), dataset_id


def test_a_registry_entry_is_enough_to_sample_a_dataset(tmp_path):
    doc = yaml.safe_load(REGISTRY.read_text("utf-8"))
    kind = next(t for t in doc["sources"][0]["tables"] if t["name"] == "town_program_annual")
    entry = copy.deepcopy(kind["config"]["meta"]["datasets"][0])
    entry.update(id="zz24-town", title="DSS Township Counts - by Program - CY 2024", constants={"year": "2024"},
                 coverage={"from": "2024", "to": "2024"}, fields={"town": "town_name", "program": "program",
                                                                   "count": "recipients"})
    kind["config"]["meta"]["datasets"].append(entry)
    path = tmp_path / "registry.yml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    generate(tmp_path / "out", load_registry(path))
    meta = json.loads((tmp_path / "out" / "zz24-town" / "metadata.json").read_text("utf-8"))
    assert meta["name"] == entry["title"]
    assert {c["fieldName"] for c in meta["columns"]} == {"town_name", "program", "recipients"}
    rows = served(tmp_path / "out", "zz24-town")
    assert len(rows) > 171 * 10 and set(rows[0]) == {":id", "town_name", "program", "recipients"}


def _registry_with_a_new_kind(tmp_path: Path, role: str) -> Path:
    """A copy of the registry with a town x `role` x year kind that has no generator of its own."""
    doc = yaml.safe_load(REGISTRY.read_text("utf-8"))
    table = copy.deepcopy(next(t for t in doc["sources"][0]["tables"] if t["name"] == "town_race_annual"))
    meta = table["config"]["meta"]
    table["name"] = f"town_{role}_annual"
    meta["required_roles"] = ["town", role, "year", "count"]
    meta["datasets"] = [{"id": "zz99-ethn", "fields": {"town": "town", role: role, "year": "year", "count": "n"},
                         "coverage": {"from": "2022", "to": "2023"}}]
    doc["sources"][0]["tables"].append(table)
    path = tmp_path / "registry.yml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def test_a_kind_without_a_generator_is_sampled_from_the_names_of_its_seed(tmp_path):
    generate(tmp_path / "out", load_registry(_registry_with_a_new_kind(tmp_path, "race")))

    rows = served(tmp_path / "out", "zz99-ethn")
    with (ROOT / "seeds" / "race_aliases.csv").open(encoding="utf-8") as handle:
        keys = {row["race_key"] for row in csv.DictReader(handle)}
    assert {r["year"] for r in rows} == {"2022", "2023"}
    assert len({r["race"] for r in rows}) == len(keys)  # one spelling of every race the seed maps
    assert len(rows) == 2 * len(keys) * 171  # the 169 towns, Unknown and Out of State
    assert all(r["n"].isdigit() for r in rows)


def test_a_kind_whose_names_have_no_seed_fails_naming_the_seed_to_add(tmp_path):
    with pytest.raises(UserError, match=r"`ethnicity`.*seeds/ethnicity_aliases\.csv"):
        generate(tmp_path / "out", load_registry(_registry_with_a_new_kind(tmp_path, "ethnicity")))
