"""The warehouse built from the bundled sample: a clean build, populated marts, bounds and suppression."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from support.warehouse_fixtures import SAMPLE, BuiltWarehouse, dbt_env, land_snapshot, query, run_dbt

pytestmark = pytest.mark.slow

THRESHOLD = 5  # dbt_project.yml var suppression_threshold
MONTHLY_ID = "sx77-vjbh"

FACTS = [
    "marts.fct_program_participation_annual",
    "marts.fct_town_program_participation_annual",
    "marts.fct_program_participation_monthly",
    "marts.fct_town_assistance_participation_monthly",
    "marts.fct_assistance_type_participation_annual",
    "marts.fct_town_race_participation_annual",
]
# The fact each kind's rows reach (where another dataset covers the same cell, a row is superseded instead).
KIND_FACTS = {
    "program_annual": "marts.fct_program_participation_annual",
    "town_program_annual": "marts.fct_town_program_participation_annual",
    "program_monthly": "marts.fct_program_participation_monthly",
    "town_assistance_monthly": "marts.fct_town_assistance_participation_monthly",
    "town_assistance_annual": "marts.fct_town_program_participation_annual",
    "assistance_annual": "marts.fct_assistance_type_participation_annual",
    "town_race_annual": "marts.fct_town_race_participation_annual",
}
ROLLUPS = ["marts.fct_town_program_participation_monthly"]
REPORTS = [
    "reporting.rpt_town_participation_by_program",
    "reporting.rpt_town_participation_by_region",
    "reporting.rpt_program_family_trends_by_month",
    "reporting.rpt_program_participation_by_month",
    "reporting.rpt_town_program_family_trends_by_month",
    "reporting.rpt_town_program_family_trends_by_year",
    "reporting.rpt_town_participation_by_race",
]
DIMENSIONS = ["marts.dim_program", "marts.dim_town", "marts.dim_month"]
# Published value columns of each rpt_ model, and the columns that make one of its published groups.
PUBLISHED = {
    "reporting.rpt_town_participation_by_program": (
        ["recipient_count", "recipient_count_lower", "recipient_count_upper"],
        [
            ["program_code", "calendar_year", "county_fips"],
            ["program_code", "calendar_year", "planning_region_fips"],
        ],
    ),
    "reporting.rpt_town_participation_by_region": (
        ["recipient_count", "recipient_count_lower", "recipient_count_upper"],
        [["program_code", "calendar_year", "geography_level"]],
    ),
    "reporting.rpt_program_family_trends_by_month": (
        ["enrolments", "enrolments_lower", "enrolments_upper"],
        [["program_family", "calendar_year"]],
    ),
    "reporting.rpt_program_participation_by_month": (
        ["recipient_count", "recipient_count_lower", "recipient_count_upper"],
        [["program_code", "calendar_year"]],
    ),
    "reporting.rpt_town_program_family_trends_by_month": (
        ["enrolments", "enrolments_lower", "enrolments_upper"],
        [["town_key", "program_family", "calendar_year"], ["program_family", "month_start_date"]],
    ),
    "reporting.rpt_town_program_family_trends_by_year": (
        ["enrolments", "enrolments_lower", "enrolments_upper"],
        [["program_family", "calendar_year"], ["town_key", "calendar_year"]],
    ),
    "reporting.rpt_town_participation_by_race": (
        ["recipient_count", "recipient_count_lower", "recipient_count_upper"],
        [["race_key", "calendar_year"], ["town_key", "calendar_year"]],
    ),
}


def _warning_lines(output: str) -> list[str]:
    return [
        line
        for line in output.splitlines()
        if re.search(r"warn(ing)?\b|deprecat", line, re.IGNORECASE) and not re.search(r"\bWARN=0\b", line)
    ]


def test_the_sample_builds_with_no_errors_and_no_warnings(built_warehouse: BuiltWarehouse):
    out = built_warehouse.build.stdout
    done = re.search(r"Done\. PASS=(\d+) WARN=(\d+) ERROR=(\d+) SKIP=(\d+)", out)
    assert done, out[-3000:]
    passed, warned, errored, skipped = map(int, done.groups())
    assert (warned, errored, skipped) == (0, 0, 0), out[-5000:]
    assert passed > 100
    assert _warning_lines(out) == []


def test_parse_shows_no_deprecation_warnings(built_warehouse: BuiltWarehouse):
    result = built_warehouse.dbt("parse", "--no-partial-parse")
    assert result.returncode == 0, result.stdout
    assert _warning_lines(result.stdout + result.stderr) == []


@pytest.mark.parametrize("relation", DIMENSIONS + FACTS + ROLLUPS + REPORTS)
def test_every_mart_and_report_has_rows(built_warehouse: BuiltWarehouse, relation: str):
    assert built_warehouse.query(f"select count(*) from {relation}")[0][0] > 0


@pytest.mark.parametrize("relation", FACTS + ROLLUPS + REPORTS)
def test_rows_built_from_the_sample_are_marked_synthetic(built_warehouse: BuiltWarehouse, relation: str):
    flags = built_warehouse.query(f"select distinct is_synthetic from {relation}")
    assert flags == [(True,)]


@pytest.mark.parametrize(("kind", "fact"), KIND_FACTS.items())
def test_no_landed_row_is_lost_between_raw_staging_and_facts(built_warehouse: BuiltWarehouse, kind, fact):
    raw = built_warehouse.query(f"select count(*) from raw.{kind}")[0][0]
    staged = built_warehouse.query(f"select count(*) from staging.stg_socrata__{kind}")[0][0]
    in_fact = built_warehouse.query(
        f"select count(*) from {fact} where source_dataset_id in (select _source_dataset_id from raw.{kind})"
    )[0][0]
    quarantined, superseded = (
        built_warehouse.query(f"select count(*) from qa.{qa} where dataset_kind = ?", [kind])[0][0]
        for qa in ("qa_quarantined_rows", "qa_superseded_rows")
    )
    assert raw == staged == in_fact + quarantined + superseded, kind
    assert raw > 0


@pytest.mark.parametrize("fact", FACTS)
def test_a_published_zero_is_bounded_zero_to_four_and_other_counts_are_exact(built_warehouse, fact):
    rows = built_warehouse.query(
        f"""
        select count_as_published, recipient_count, recipient_count_lower, recipient_count_upper,
               is_suppressed_at_source
        from {fact}
        """
    )
    for text, count, lower, upper, suppressed in rows:
        assert count == int(float(text.strip()))
        if count == 0:
            assert (lower, upper, suppressed) == (0, 4, True)
        else:
            assert (lower, upper, suppressed) == (count, count, False)


def test_every_fact_row_carries_its_lineage(built_warehouse: BuiltWarehouse):
    audit = {row[0] for row in built_warehouse.query("select load_id from raw._load_audit")}
    for fact in FACTS:
        rows = built_warehouse.query(
            f"select distinct source_dataset_id, load_id, source_rows_updated_at is not null from {fact}"
        )
        assert rows and all(load_id in audit and has_vintage for _, load_id, has_vintage in rows), fact
        assert {r[0] for r in rows} <= {"chu7-5rrv", "gjf6-ig4b", MONTHLY_ID, "g7bd-zbqw", "5z8s-84ru",
                                        "44qf-qawh", "re8x-m8yr"}


@pytest.mark.parametrize("relation", REPORTS)
def test_no_report_publishes_a_small_value(built_warehouse: BuiltWarehouse, relation: str):
    values, _ = PUBLISHED[relation]
    for column in values:
        small = built_warehouse.query(
            f"select count(*) from {relation} where {column} >= 1 and {column} < {THRESHOLD}"
        )[0][0]
        assert small == 0, column
    any_value = " or ".join(f"{c} is not null" for c in values)
    masked_with_values = built_warehouse.query(
        f"select count(*) from {relation} where is_suppressed and ({any_value})"
    )[0][0]
    assert masked_with_values == 0
    lower = values[1]
    published_small = built_warehouse.query(
        f"select count(*) from {relation} "
        f"where not is_suppressed and ({lower} is null or {lower} < {THRESHOLD})"
    )[0][0]
    assert published_small == 0


@pytest.mark.parametrize("relation", REPORTS)
def test_no_published_group_has_exactly_one_masked_cell(built_warehouse: BuiltWarehouse, relation: str):
    _, groupings = PUBLISHED[relation]
    for grouping in groupings:
        columns = ", ".join(grouping)
        offenders = built_warehouse.query(
            f"""
            select {columns}, count(*), sum(case when is_suppressed then 1 else 0 end)
            from {relation}
            group by {columns}
            having count(*) > 1 and sum(case when is_suppressed then 1 else 0 end) = 1
            """
        )
        assert offenders == [], grouping


def test_town_cells_are_masked_exactly_when_small_or_needed_as_a_complement(built_warehouse: BuiltWarehouse):
    rows = built_warehouse.query(
        """
        select f.recipient_count_lower, r.is_primary_suppressed, r.is_complementary_suppressed,
               r.is_suppressed, r.recipient_count, f.recipient_count, f.is_suppressed_at_source
        from reporting.rpt_town_participation_by_program as r
        inner join marts.fct_town_program_participation_annual as f
            using (town_key, program_code, calendar_year)
        """
    )
    assert rows
    assert any(r[1] for r in rows), "the sample should have small town cells to suppress"
    for lower, primary, complementary, suppressed, published, count, at_source in rows:
        assert primary == (lower < THRESHOLD)
        assert suppressed == (primary or complementary) and not (primary and complementary)
        if at_source:
            assert suppressed and published is None  # a published 0 is never shown as 0
        if not suppressed:
            assert published == count


def test_region_rollups_add_bounds_and_publish_points_only_when_exact(built_warehouse: BuiltWarehouse):
    expected = {
        (program, year, level, fips): (lower, upper)
        for program, year, level, fips, lower, upper in built_warehouse.query(
            """
            select f.program_code, f.calendar_year, g.level, g.fips,
                   sum(f.recipient_count_lower), sum(f.recipient_count_upper)
            from marts.fct_town_program_participation_annual as f
            inner join (
                select town_key, 'county' as level, county_fips as fips
                from marts.dim_town where not is_special
                union all
                select town_key, 'planning_region', planning_region_fips
                from marts.dim_town where not is_special
            ) as g using (town_key)
            group by all
            """
        )
    }
    rows = built_warehouse.query(
        """
        select program_code, calendar_year, geography_level, geography_fips, recipient_count,
               recipient_count_lower, recipient_count_upper, is_suppressed, is_primary_suppressed
        from reporting.rpt_town_participation_by_region
        """
    )
    assert len(rows) == len(expected)
    for *key, point, lower, upper, suppressed, primary in rows:
        exp_lower, exp_upper = expected[tuple(key)]
        assert primary == (exp_lower < THRESHOLD)
        if not suppressed:
            assert (lower, upper) == (exp_lower, exp_upper)
            assert point == (exp_lower if exp_lower == exp_upper else None)


def _revise_latest_month(sample: Path, out: Path, delta: int) -> tuple[str, dict[tuple[str, str], int]]:
    """Copy the snapshot, add `delta` to every count of the monthly dataset's latest month and to one count of
    its earliest month, and publish it as a newer vintage. Returns the latest month and the revised rows."""
    shutil.copytree(sample, out)
    folder = out / MONTHLY_ID
    meta = json.loads((folder / "metadata.json").read_text())
    meta["rowsUpdatedAt"] += 86_400
    (folder / "metadata.json").write_text(json.dumps(meta))
    pages = {path: json.loads(path.read_text()) for path in sorted(folder.glob("rows*.json"))}
    months = sorted({row["month"] for rows in pages.values() for row in rows if "month" in row})
    latest, earliest = months[-1], months[0]
    revised: dict[tuple[str, str], int] = {}
    earliest_done = False
    for path, rows in pages.items():
        for row in rows:
            if row.get("month") == latest and row.get("recipients", "").isdigit():
                row["recipients"] = str(int(row["recipients"]) + delta)
                revised[(row["program_name"], row.get("medical_benefit_plan", ""))] = int(row["recipients"])
            elif row.get("month") == earliest and not earliest_done and row.get("recipients", "").isdigit():
                row["recipients"] = str(int(row["recipients"]) + 1000)
                earliest_done = True
        path.write_text(json.dumps(rows))
    return latest[:10], revised


def test_a_revised_month_is_rebuilt_and_recorded_as_a_revision(built_warehouse: BuiltWarehouse, tmp_path):
    db = tmp_path / "ct_dss.duckdb"
    shutil.copy(built_warehouse.db, db)
    before = dict(
        ((program, plan, str(month)), count)
        for program, plan, month, count in query(
            db,
            "select program_code, medical_benefit_plan, month_start_date, recipient_count "
            "from marts.fct_program_participation_monthly",
        )
    )
    latest, revised = _revise_latest_month(SAMPLE, tmp_path / "revised", delta=7)
    assert revised
    land_snapshot(tmp_path / "revised", db)
    result = run_dbt(["build"], dbt_env(db), tmp_path / "target")
    assert result.returncode == 0, result.stdout[-5000:]

    revisions = query(
        db,
        """
        select program_code, medical_benefit_plan, cast(month_start_date as varchar), old_recipient_count,
               new_recipient_count, old_source_rows_updated_at < new_source_rows_updated_at,
               old_load_id != new_load_id
        from marts.fct_program_participation_monthly_revisions
        """,
    )
    assert len(revisions) == len(revised)
    for program, plan, month, old, new, newer_vintage, new_load in revisions:
        assert month == latest
        assert new - old == 7 and old == before[(program, plan, month)]
        assert newer_vintage and new_load
    after = dict(
        ((program, plan, str(month)), count)
        for program, plan, month, count in query(
            db,
            "select program_code, medical_benefit_plan, month_start_date, recipient_count "
            "from marts.fct_program_participation_monthly",
        )
    )
    assert after.keys() == before.keys()
    for key, count in after.items():
        # Only the revised month changed: the earliest month is outside the refresh window, so not rebuilt.
        assert count == before[key] + (7 if key[2] == latest else 0), key
