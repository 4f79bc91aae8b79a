"""The warehouse built from the bundled sample: a clean build, populated marts, bounds and suppression.

What the build's own dbt tests check is not checked again here, since a failing dbt test fails the clean-build
test: every raw row staged (assert_staging_keeps_every_raw_row) and accounted for in a fact or a qa table
(assert_every_row_reaches_a_fact_or_the_quarantine), no small published value (no_small_published_values on
every value column of every rpt_ model). Whether a masked cell can be solved for is `ctdss audit`'s question
(tests/python/disclosure/).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from support.warehouse_fixtures import (
    REPO,
    SAMPLE,
    BuiltWarehouse,
    copy_warehouse,
    dbt_env,
    downstream_of,
    land_snapshot,
    query,
    run_dbt,
)

from ctdss.build.generate import fact_of
from ctdss.build.runner import project_vars
from ctdss.registry import load_registry

pytestmark = pytest.mark.slow

THRESHOLD = project_vars()["suppression_threshold"]
MONTHLY_ID = "sx77-vjbh"

# The fact of every series the registry's kinds feed, and the project's rpt_ models: a new kind or report is
# checked here without being listed.
FACTS = [f"marts.{fact}" for fact in dict.fromkeys(fact_of(kind.series) for kind in load_registry().kinds)]
ROLLUPS = ["marts.fct_town_program_participation_monthly", "marts.fct_town_measure_annual",
           "marts.fct_town_measure_monthly", "marts.fct_measure_monthly"]
REVISIONS = ["marts.fct_program_participation_monthly_revisions"]  # empty until a month is published again
REPORTS = [f"reporting.{path.stem}" for path in sorted((REPO / "models" / "marts" / "reporting").glob("rpt_*.sql"))]
DIMENSIONS = ["marts.dim_program", "marts.dim_town", "marts.dim_month"]


def _published_value(warehouse: BuiltWarehouse, relation: str) -> str:
    """The published value of an rpt_ model, which `is_suppressed` masks: its first column with `_lower` and
    `_upper` beside it (the measures after it, such as a change, have masks of their own)."""
    schema, name = relation.split(".")
    columns = [c for (c,) in warehouse.query(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
        "order by ordinal_position", [schema, name])]
    found = [c for c in columns if f"{c}_lower" in columns and f"{c}_upper" in columns]
    assert found, f"{relation} has no column with _lower and _upper beside it"
    return found[0]


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


def test_the_facts_and_reports_checked_here_are_every_one_dbt_built(built_warehouse: BuiltWarehouse):
    manifest = json.loads((built_warehouse.target / "manifest.json").read_text(encoding="utf-8"))
    built = {f"{n['schema']}.{n['name']}" for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    assert {m for m in built if m.startswith("reporting.rpt_")} == set(REPORTS)
    assert {m for m in built if m.startswith("marts.fct_")} == set(FACTS + ROLLUPS + REVISIONS)


def test_a_full_parse_shows_no_deprecation_warnings(built_warehouse: BuiltWarehouse):
    """The session's build parsed the whole project (its target was new), so any deprecation dbt found would be in
    its output; a second `dbt parse --no-partial-parse` would only repeat that parse."""
    out = built_warehouse.build.stdout + built_warehouse.build.stderr
    assert "Unable to do partial parsing because saved manifest not found. Starting full parse." in out
    assert _warning_lines(out) == []


@pytest.mark.parametrize("relation", DIMENSIONS + FACTS + ROLLUPS + REPORTS)
def test_every_mart_and_report_has_rows(built_warehouse: BuiltWarehouse, relation: str):
    assert built_warehouse.query(f"select count(*) from {relation}")[0][0] > 0


@pytest.mark.parametrize("relation", FACTS + ROLLUPS + REPORTS)
def test_rows_built_from_the_sample_are_marked_synthetic(built_warehouse: BuiltWarehouse, relation: str):
    flags = built_warehouse.query(f"select distinct is_synthetic from {relation}")
    assert flags == [(True,)]


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
        published = int(float(text.strip()))
        if published == 0:  # 0 to 4: no point value, never an exact-looking 0
            assert (count, lower, upper, suppressed) == (None, 0, 4, True)
        else:
            assert (count, lower, upper, suppressed) == (published, published, published, False)


def test_every_fact_row_carries_its_lineage(built_warehouse: BuiltWarehouse):
    audit = {row[0] for row in built_warehouse.query("select load_id from raw._load_audit")}
    for fact in FACTS:
        rows = built_warehouse.query(
            f"select distinct source_dataset_id, load_id, source_rows_updated_at is not null from {fact}"
        )
        assert rows and all(load_id in audit and has_vintage for _, load_id, has_vintage in rows), fact
        assert {r[0] for r in rows} <= {ds.id for ds in load_registry().datasets()}


@pytest.mark.parametrize("relation", REPORTS)
def test_a_masked_cell_shows_no_value_and_a_shown_cell_is_at_least_the_threshold(built_warehouse, relation):
    """What no_small_published_values leaves open: a masked row with a value, or a shown one with no lower bound
    or a lower bound of 0 (a published 0 stands for 0 to 4)."""
    value = _published_value(built_warehouse, relation)
    lower, upper = f"{value}_lower", f"{value}_upper"
    masked_with_values = built_warehouse.query(
        f"select count(*) from {relation} where is_suppressed and coalesce({value}, {lower}, {upper}) is not null"
    )[0][0]
    assert masked_with_values == 0
    shown_small = built_warehouse.query(
        f"select count(*) from {relation} where not is_suppressed and ({lower} is null or {lower} < {THRESHOLD})"
    )[0][0]
    assert shown_small == 0
    shown = built_warehouse.query(f"select count(*) from {relation} where not is_suppressed")[0][0]
    assert shown > 0  # not a report that passes by masking everything


def test_town_cells_are_masked_exactly_when_published_as_0(built_warehouse: BuiltWarehouse):
    """At the default threshold on DSS's data every small count is a published 0, whose value nobody knows: it
    needs no cover, so those cells and nothing else are masked."""
    rows = built_warehouse.query(
        """
        select f.recipient_count_lower, r.is_suppressed, r.recipient_count, f.recipient_count,
               f.is_suppressed_at_source
        from reporting.rpt_town_participation_by_program as r
        inner join marts.fct_town_program_participation_annual as f
            using (town_key, program_code, calendar_year)
        """
    )
    assert rows
    assert any(r[4] for r in rows), "the sample should have town cells published as 0"
    for lower, suppressed, published, count, at_source in rows:
        assert suppressed == at_source == (lower < THRESHOLD)
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
               recipient_count_lower, recipient_count_upper, is_suppressed
        from reporting.rpt_town_participation_by_region
        """
    )
    assert len(rows) == len(expected)
    for *key, point, lower, upper, suppressed in rows:
        exp_lower, exp_upper = expected[tuple(key)]
        assert suppressed == (exp_lower < THRESHOLD)  # only totals made of published 0s are masked
        if not suppressed:
            assert (lower, upper) == (exp_lower, exp_upper)
            assert point == (exp_lower if exp_lower == exp_upper else None)


def _revise_latest_month(sample: Path, out: Path, delta: int) -> tuple[str, dict[tuple[str, str], int], tuple]:
    """Copy the snapshot, add `delta` to every count of the monthly dataset's latest month and 1000 to one count
    of its earliest month, and publish it as a newer vintage. Returns the latest month, the revised rows of the
    latest month, and the (program, plan, month) of the earliest month's revised row."""
    shutil.copytree(sample, out)
    folder = out / MONTHLY_ID
    meta = json.loads((folder / "metadata.json").read_text())
    meta["rowsUpdatedAt"] += 86_400
    (folder / "metadata.json").write_text(json.dumps(meta))
    pages = {path: json.loads(path.read_text()) for path in sorted(folder.glob("rows*.json"))}
    months = sorted({row["month"] for rows in pages.values() for row in rows if "month" in row})
    latest, earliest = months[-1], months[0]
    revised: dict[tuple[str, str], int] = {}
    earliest_row: tuple = ()
    for path, rows in pages.items():
        for row in rows:
            if row.get("month") == latest and row.get("recipients", "").isdigit():
                row["recipients"] = str(int(row["recipients"]) + delta)
                revised[(row["program_name"], row.get("medical_benefit_plan", ""))] = int(row["recipients"])
            elif row.get("month") == earliest and not earliest_row and row.get("recipients", "").isdigit():
                row["recipients"] = str(int(row["recipients"]) + 1000)
                earliest_row = (row["program_name"], row.get("medical_benefit_plan", ""), earliest[:10])
        path.write_text(json.dumps(rows))
    return latest[:10], revised, earliest_row


def _monthly_counts(db: Path) -> dict[tuple[str, str, str], int]:
    """(program, plan, month) -> the recipient count of the statewide monthly fact."""
    return {(program, plan, str(month)): count for program, plan, month, count in query(
        db, "select program_code, medical_benefit_plan, month_start_date, recipient_count "
            "from marts.fct_program_participation_monthly")}


def test_a_revised_month_is_rebuilt_and_recorded_as_a_revision(built_warehouse: BuiltWarehouse, tmp_path):
    db = copy_warehouse(built_warehouse, tmp_path)
    before = _monthly_counts(db)
    latest, revised, earliest_row = _revise_latest_month(SAMPLE, tmp_path / "revised", delta=7)
    assert revised and earliest_row
    land_snapshot(tmp_path / "revised", db)
    result = run_dbt(["build", *downstream_of("program_monthly")], dbt_env(db), tmp_path / "target")
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
    assert len(revisions) == len(revised) + 1
    for program, plan, month, old, new, newer_vintage, new_load in revisions:
        assert month in (latest, earliest_row[2])
        assert new - old == (7 if month == latest else 1000) and old == before[(program, plan, month)]
        assert newer_vintage and new_load
    after = _monthly_counts(db)
    assert after.keys() == before.keys()
    # The earliest month is outside the refresh window, but a snapshot lands every row again, so the fact
    # rebuilds it too: the table equals a rebuild from raw. Exactly its one revised row changed, by 1000.
    earliest_changes = [after[k] - before[k] for k in after if k[2] == earliest_row[2] and after[k] != before[k]]
    assert earliest_changes == [1000]
    for key, count in after.items():
        if key[2] != earliest_row[2]:
            assert count == before[key] + (7 if key[2] == latest else 0), key
