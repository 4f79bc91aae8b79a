"""Bad values in one perturbed publication: each is quarantined with a reason or fails a test that names it,
and no row is dropped or coerced on the way from raw to the facts."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from support.warehouse_fixtures import NO_UNIT_TESTS, SAMPLE, BuiltWarehouse, build_warehouse

from ctdss import cli

pytestmark = pytest.mark.slow

ANNUAL, TOWN, MONTHLY, TOA = "chu7-5rrv", "gjf6-ig4b", "sx77-vjbh", "g7bd-zbqw"
UNKNOWN_TOA = "Q77"  # a type of assistance code the seed assistance_types does not know
BAD_COUNTS = {  # value as published -> quarantine reason; None means the field is absent (null)
    "abc": "not_a_number",
    "-5": "negative",
    "12.5": "fractional",
    "99999999999": "implausibly_large",
    "": "missing",
    None: "missing",
}
UNKNOWN_TOWNS = ["Atlantis", "Ñewtöwn ☃ 東京"]
LONG_PROGRAM = "Extended Benefit " + "x" * 5000
REPO = Path(__file__).resolve().parents[3]


def _pages(folder: Path) -> dict[Path, list[dict]]:
    return {p: json.loads(p.read_text()) for p in sorted(folder.glob("rows*.json"))}


def _save(pages: dict[Path, list[dict]]) -> None:
    for path, rows in pages.items():
        path.write_text(json.dumps(rows, ensure_ascii=False))


@pytest.fixture(scope="module")
def bad(tmp_path_factory) -> tuple[BuiltWarehouse, dict]:
    root = tmp_path_factory.mktemp("bad-values")
    snapshot = root / "snapshot"
    shutil.copytree(SAMPLE, snapshot)
    planted: dict = {"counts": {}, "duplicates": {}}

    annual = _pages(snapshot / ANNUAL)
    rows = next(iter(annual.values()))
    for row, value in zip(rows, BAD_COUNTS, strict=False):
        if value is None:
            del row["number_of_recipients"]
        else:
            row["number_of_recipients"] = value
        planted["counts"][row[":id"]] = BAD_COUNTS[value]
    _save(annual)

    town = _pages(snapshot / TOWN)
    page = next(iter(town.values()))
    template = page[0]
    for n, name in enumerate(UNKNOWN_TOWNS):
        page.append({**template, ":id": f"row-bad-town-{n}", "town": name, "count": "12"})
    page.append({**template, ":id": "row-bad-long-program", "program": LONG_PROGRAM, "count": "7"})
    page.append({**page[1], ":id": "row-bad-duplicate-town", "count": "999"})  # same town, program and year
    planted["duplicates"]["town"] = (page[1]["town"], page[1]["program"])
    _save(town)

    monthly = _pages(snapshot / MONTHLY)
    page = next(iter(monthly.values()))
    page.append({**page[3], ":id": "row-bad-duplicate-month", "recipients": "1"})
    planted["duplicates"]["month"] = (page[3]["program_name"], page[3]["month"])
    _save(monthly)

    toa = _pages(snapshot / TOA)
    page = next(iter(toa.values()))
    page.append({**page[0], ":id": "row-bad-toa-code", "type_of_assistance": f" {UNKNOWN_TOA.lower()} "})
    _save(toa)

    warehouse = build_warehouse(snapshot, root / "build", NO_UNIT_TESTS)
    return warehouse, planted


def _failed_tests(warehouse: BuiltWarehouse) -> set[str]:
    return set(re.findall(r"FAIL \d+ (\S+)", warehouse.build.stdout))


def _failing_rows(warehouse: BuiltWarehouse, test: str) -> str:
    """The rows a failing data test found, one value per line: its SQL as the build compiled and ran it (what
    `dbt show --select <test>` runs), read from the build's manifest."""
    manifest = json.loads((warehouse.target / "manifest.json").read_text(encoding="utf-8"))
    (node,) = (n for n in manifest["nodes"].values() if n["resource_type"] == "test" and n["name"] == test)
    return "\n".join(str(value) for row in warehouse.query(node["compiled_code"]) for value in row)


def test_the_build_fails_on_the_values_it_cannot_map_or_key(bad):
    warehouse, _ = bad
    assert warehouse.build.returncode != 0
    failed = _failed_tests(warehouse)
    assert "stg_socrata__town_program_annual_town_names_are_mapped" in failed
    assert "stg_socrata__town_program_annual_program_names_are_mapped" in failed
    assert "stg_socrata__town_program_annual_unique_town_program_year" in failed
    assert "stg_socrata__town_assistance_monthly_assistance_types_are_mapped" in failed


def test_the_failing_tests_name_the_offending_values(bad):
    warehouse, planted = bad
    towns = _failing_rows(warehouse, "stg_socrata__town_program_annual_town_names_are_mapped")
    for name in UNKNOWN_TOWNS:
        assert name in towns.splitlines()
    programs = _failing_rows(warehouse, "stg_socrata__town_program_annual_program_names_are_mapped")
    assert LONG_PROGRAM in programs.splitlines()
    duplicates = _failing_rows(warehouse, "stg_socrata__town_program_annual_unique_town_program_year")
    town_key = planted["duplicates"]["town"][0].lower().replace(" ", "_")
    assert town_key in duplicates
    codes = _failing_rows(warehouse, "stg_socrata__town_assistance_monthly_assistance_types_are_mapped")
    assert UNKNOWN_TOA.lower() in codes


def test_after_the_failed_build_one_paragraph_names_the_spellings_and_the_seeds(bad, capsys):
    """What `make update` and `make demo` print after `dbt build` fails on an unmapped town or program."""
    warehouse, _ = bad
    assert cli.main(["unmapped", "--target-path", str(warehouse.target), "--db", str(warehouse.db)]) == 0
    printed = capsys.readouterr().err
    paragraph = " ".join(line.strip() for line in printed.splitlines())
    assert printed.count("ctdss:") == 1 and "\n\n" not in printed  # one paragraph
    for name in UNKNOWN_TOWNS:
        assert repr(name) in paragraph
    assert f"{LONG_PROGRAM[:100]!r}... ({len(LONG_PROGRAM):,} characters)" in paragraph  # cut, not 5,000 wide
    assert "seeds/town_aliases.csv" in paragraph and "seeds/program_aliases.csv" in paragraph


@pytest.mark.parametrize(("target", "build"), [("models", "ctdss build --full"), ("models-changed", "ctdss build")])
def test_make_runs_the_explanation_when_dbt_build_fails(target: str, build: str):
    recipe = subprocess.run(["make", "-n", target], cwd=REPO, capture_output=True, text=True, check=True)
    assert f".venv/bin/{build} || {{ .venv/bin/ctdss unmapped; exit 1; }}" in recipe.stdout


@pytest.fixture(scope="module")
def models_built(bad) -> BuiltWarehouse:
    """Every model built despite the failing tests, to follow each bad row to where it ends up."""
    warehouse, _ = bad
    result = warehouse.dbt("build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test")
    assert result.returncode == 0, result.stdout[-5000:]
    return warehouse


def test_bad_counts_are_quarantined_with_their_reason_never_coerced(bad, models_built):
    _, planted = bad
    quarantined = dict(models_built.query(
        "select source_row_id, quarantine_reason from qa.qa_quarantined_rows where dataset_kind = 'program_annual'"
    ))
    for row_id, reason in planted["counts"].items():
        assert quarantined.get(row_id) == reason, row_id
    in_fact = models_built.query(
        "select count(*) from marts.fct_program_participation_annual where source_row_id in ("
        + ", ".join("?" for _ in planted["counts"]) + ")", list(planted["counts"]))[0][0]
    assert in_fact == 0


def test_unknown_and_unicode_names_are_kept_and_quarantined(models_built):
    rows = models_built.query(
        "select town_as_published, quarantine_reason from qa.qa_quarantined_rows where source_row_id like "
        "'row-bad-town-%' order by 1")
    assert rows == sorted((name, "unmapped_town") for name in UNKNOWN_TOWNS)
    long_row = models_built.query(
        "select program_as_published, quarantine_reason from qa.qa_quarantined_rows "
        "where source_row_id = 'row-bad-long-program'")
    assert long_row == [(LONG_PROGRAM, "unmapped_program")]  # kept whole, not truncated


@pytest.mark.parametrize(("kind", "fact"), [
    ("program_annual", "fct_program_participation_annual"),
    ("town_program_annual", "fct_town_program_participation_annual"),
    ("program_monthly", "fct_program_participation_monthly"),
])
def test_every_raw_row_is_in_the_facts_or_the_quarantine(models_built, kind, fact):
    raw = models_built.query(f"select count(*) from raw.{kind}")[0][0]
    quarantined, superseded = (
        models_built.query(f"select count(*) from qa.{qa} where dataset_kind = ?", [kind])[0][0]
        for qa in ("qa_quarantined_rows", "qa_superseded_rows")
    )
    facts = models_built.query(
        f"select count(*) from marts.{fact} where source_dataset_id in (select _source_dataset_id from raw.{kind})"
    )[0][0]
    assert facts + quarantined + superseded == raw  # rows lost: raw - facts - quarantined - superseded = 0


def test_a_duplicate_at_the_grain_reaches_the_fact_and_fails_its_key_test(bad, models_built):
    warehouse, planted = bad
    program, month = planted["duplicates"]["month"]
    result = warehouse.dbt("test", "--select", "fct_program_participation_monthly")
    assert result.returncode != 0
    assert re.search(r"FAIL \d+ unique_combination_fct_program_participation_monthly", result.stdout)
    rows = models_built.query(
        "select count(*) from marts.fct_program_participation_monthly f join staging.stg_socrata__program_monthly s "
        "using (source_row_id) where s.program_as_published = ? and s.month_as_published = ?", [program, month])
    assert rows[0][0] == 2  # both rows kept; the key test names the month


def test_an_unknown_toa_code_is_quarantined_with_its_reason_and_reaches_no_fact(models_built):
    rows = models_built.query(
        "select assistance_type_code, program_code, quarantine_reason from qa.qa_quarantined_rows "
        "where source_row_id = 'row-bad-toa-code'")
    assert rows == [(UNKNOWN_TOA, "__UNMAPPED__", "unmapped_assistance_type")]
    for fact in ("fct_town_assistance_participation_monthly", "fct_town_program_participation_monthly"):
        assert models_built.query(f"select count(*) from marts.{fact} where program_code = '__UNMAPPED__'") == [(0,)]


def test_after_a_build_with_every_name_mapped_unmapped_says_so(built_warehouse, capsys):
    assert cli.main(["unmapped", "--target-path", str(built_warehouse.target), "--db", str(built_warehouse.db)]) == 0
    out, err = capsys.readouterr()
    assert "every name is mapped" in out.lower() and err == ""
