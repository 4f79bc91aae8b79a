"""The semantic layer on the session's build of the sample: `mf validate-configs` passes against the warehouse, and
every saved query answers with what plain SQL over the same tables says.

MetricFlow's CLI runs in this process (click's runner, one set-up for every command): a separate `mf` process
spends about ten seconds starting dbt and MetricFlow for each command, the queries themselves a fraction of one.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from click.testing import CliRunner, Result
from support.warehouse_fixtures import REPO, BuiltWarehouse, copy_warehouse

if TYPE_CHECKING:
    from dbt_metricflow.cli.cli_configuration import CLIConfiguration

pytestmark = pytest.mark.slow

Row = dict[str, object]


@dataclass
class SemanticLayer:
    """`mf` on a copy of the session warehouse, with the semantic manifest of the session's build."""

    cli: Any  # mf's click group
    config: CLIConfiguration
    built: BuiltWarehouse
    folder: Path
    saved_query_names: list[str]

    def mf(self, *args: str) -> Result:
        return CliRunner().invoke(self.cli, list(args), obj=self.config)

    def rows(self, *args: str) -> list[Row]:
        """The rows `mf query ARGS` answers, read back from its CSV (numbers as int, times as date, empty as
        None); fails the test with mf's output if the query fails."""
        out = self.folder / f"query-{len(list(self.folder.glob('query-*.csv')))}.csv"
        result = self.mf("query", *args, "--csv", str(out))
        assert result.exit_code == 0, result.output
        with out.open(newline="", encoding="utf-8") as handle:
            return [{key: _value(text) for key, text in row.items()} for row in csv.DictReader(handle)]

    def saved_query(self, name: str) -> list[Row]:
        return self.rows("--saved-query", name)

    def sql(self, sql: str) -> list[tuple]:
        """Plain SQL on the session warehouse (the same tables; mf holds its copy open)."""
        return self.built.query(sql)


def _value(text: str) -> object:
    if text == "":
        return None
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}( 00:00:00)?", text):
        return date.fromisoformat(text[:10])
    return text


def _point(lower: int, upper: int) -> int | None:
    """The point value of a sum with these bounds: set only where they meet."""
    return lower if lower == upper else None


@pytest.fixture(scope="module")
def semantic_layer(
    built_warehouse: BuiltWarehouse, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SemanticLayer]:
    # Imported here, not at collection: MetricFlow takes seconds to import, and only the worker running this
    # module needs it.
    from dbt_metricflow.cli.cli_configuration import CLIConfiguration
    from dbt_metricflow.cli.main import cli

    # mf reads the semantic manifest from <project>/target only, so the project is the repository's dbt_project.yml
    # and profile beside the session build's target, never the repository's own target/. The warehouse is a copy:
    # dbt-duckdb keeps its connection open for the life of this process.
    folder = tmp_path_factory.mktemp("semantic")
    db = copy_warehouse(built_warehouse, folder / "warehouse")
    project = folder / "project"
    project.mkdir()
    for name in ("dbt_project.yml", "profiles.yml"):
        (project / name).symlink_to(REPO / name)
    (project / "target").symlink_to(built_warehouse.target)
    manifest = json.loads((built_warehouse.target / "semantic_manifest.json").read_text(encoding="utf-8"))
    with pytest.MonkeyPatch.context() as env:
        env.setenv("CTDSS_DB", str(db))
        env.setenv("DBT_LOG_PATH", str(folder / "logs"))
        env.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
        config = CLIConfiguration()
        config.setup(dbt_profiles_path=project, dbt_project_path=project, configure_file_logging=False)
        names = [saved["name"] for saved in manifest["saved_queries"]]
        yield SemanticLayer(cli, config, built_warehouse, folder, names)


def test_mf_validate_configs_passes_against_the_warehouse(semantic_layer: SemanticLayer):
    # --show-all lists every issue, warnings included, one per line starting with a bullet.
    result = semantic_layer.mf("validate-configs", "--show-all")
    assert result.exit_code == 0, result.output
    assert "•" not in result.output, result.output


def test_every_saved_query_answers_with_values(semantic_layer: SemanticLayer):
    assert len(semantic_layer.saved_query_names) >= 4
    for name in semantic_layer.saved_query_names:
        rows = semantic_layer.saved_query(name)
        assert rows, f"{name} answered no rows"
        assert any(value is not None for row in rows for value in row.values()), f"{name} answered only nulls"


def test_snap_in_hartford_by_month_is_the_towns_snap_measure_each_month(semantic_layer: SemanticLayer):
    expected = semantic_layer.sql("""
        select month_start_date, enrolments_lower, enrolments_upper
        from marts.fct_town_measure_monthly
        where town_key = 'hartford' and measure_key = 'snap'
        order by 1
    """)
    rows = semantic_layer.saved_query("snap_in_hartford_by_month")
    assert [(row["metric_time__month"], row["town_measure_monthly_enrolments_lower"],
             row["town_measure_monthly_enrolments_upper"], row["town_measure_monthly_enrolments"]) for row in rows] == [
        (month, lower, upper, _point(lower, upper)) for month, lower, upper in expected
    ]
    assert len(rows) > 1


def test_medicaid_largest_town_changes_are_the_ten_largest_of_the_latest_year(semantic_layer: SemanticLayer):
    # The change computed here from the measure's two latest years, not from the changes table the layer reads.
    latest_changes = semantic_layer.sql("""
        with medicaid as (
            select * from marts.fct_town_measure_annual where measure_key = 'medicaid_husky'
        )
        select town.town_name, this_year.enrolments_lower - last_year.enrolments_upper,
            this_year.enrolments_upper - last_year.enrolments_lower
        from medicaid as this_year
        inner join medicaid as last_year
            on this_year.town_key = last_year.town_key and this_year.calendar_year = last_year.calendar_year + 1
        inner join marts.dim_town as town on this_year.town_key = town.town_key
        where this_year.calendar_year = (select max(calendar_year) from medicaid)
    """)
    # the largest either way: Medicaid/HUSKY falls as well as rises
    exact = sorted((abs(lower) for _, lower, upper in latest_changes if lower == upper), reverse=True)
    rows = semantic_layer.saved_query("medicaid_largest_town_changes")
    answered = [(row["town__town_name"], row["town_measure_enrolments_change_lower"],
                 row["town_measure_enrolments_change_upper"]) for row in rows]
    assert [abs(row["town_measure_enrolments_change"]) for row in rows] == exact[:10]
    assert set(answered) <= set(latest_changes)


def test_new_haven_by_race_is_the_latest_year_as_published(semantic_layer: SemanticLayer):
    expected = semantic_layer.sql("""
        with new_haven as (
            select * from reporting.rpt_town_participation_by_race
            where town_name = 'New Haven'
        )
        select race_name, recipient_count, recipient_count_lower, recipient_count_upper
        from new_haven
        where calendar_year = (select max(calendar_year) from new_haven)
    """)
    rows = semantic_layer.saved_query("new_haven_by_race")
    assert sorted((row["town_race_year__race_name"], row["people_served"], row["people_served_lower"],
                   row["people_served_upper"]) for row in rows) == sorted(expected)
    assert len(rows) == len({race for race, *_ in expected}) > 1


def test_statewide_trend_is_each_assistance_types_published_count_from_2012_to_2023(semantic_layer: SemanticLayer):
    expected = semantic_layer.sql("""
        select program.program_name, trend.calendar_year, trend.recipient_count, trend.recipient_count_lower,
            trend.recipient_count_upper
        from reporting.rpt_assistance_type_participation_by_year as trend
        inner join marts.dim_program as program on trend.program_code = program.program_code
        where trend.calendar_year between 2012 and 2023
    """)
    rows = semantic_layer.saved_query("statewide_trend")
    assert sorted((row["program__program_name"], row["metric_time__year"].year, row["assistance_type_recipients"],
                   row["assistance_type_recipients_lower"], row["assistance_type_recipients_upper"])
                  for row in rows) == sorted(expected)
    assert {row["metric_time__year"].year for row in rows} == set(range(2012, 2024))


def test_the_change_over_a_year_takes_last_years_opposite_bounds(semantic_layer: SemanticLayer):
    # The cash family over every town: several of its counts were published as 0 (0 to 4), so its bounds differ.
    by_year = {year: (lower, upper) for year, lower, upper in semantic_layer.sql("""
        select fact.calendar_year, sum(fact.recipient_count_lower), sum(fact.recipient_count_upper)
        from marts.fct_town_program_participation_annual as fact
        inner join marts.dim_program as program on fact.program_code = program.program_code
        where program.program_family = 'cash'
        group by 1
    """)}
    rows = semantic_layer.rows(
        "--metrics", "town_enrolments_change,town_enrolments_change_lower,town_enrolments_change_upper",
        "--group-by", "metric_time__year",
        "--where", "{{ Dimension('program__program_family') }} = 'cash'",
    )
    answered = {row["metric_time__year"].year: (row["town_enrolments_change_lower"],
                                                row["town_enrolments_change_upper"], row["town_enrolments_change"])
                for row in rows if row["town_enrolments_change_lower"] is not None}
    expected = {}
    for year, (lower, upper) in by_year.items():
        if year - 1 in by_year:
            last_lower, last_upper = by_year[year - 1]
            change_lower, change_upper = lower - last_upper, upper - last_lower
            expected[year] = (change_lower, change_upper, _point(change_lower, change_upper))
    assert answered == expected
    assert len(expected) > 1


def test_a_towns_rate_per_1000_is_its_enrolments_over_its_residents(semantic_layer: SemanticLayer):
    expected = {year: (lower * 1000 / population, upper * 1000 / population, programs)
                for year, lower, upper, population, programs in semantic_layer.sql("""
        select fact.calendar_year, sum(fact.recipient_count_lower), sum(fact.recipient_count_upper),
            any_value(population.population), count(*)
        from marts.fct_town_program_participation_annual as fact
        inner join marts.dim_program as program on fact.program_code = program.program_code
        inner join intermediate.int_town_population_by_year as population
            on fact.town_key = population.town_key and fact.calendar_year = population.calendar_year
        where fact.town_key = 'hartford' and program.program_family = 'medical'
        group by 1
    """)}
    rows = semantic_layer.rows(
        "--metrics", "town_enrolments_per_1000_lower,town_enrolments_per_1000_upper",
        "--group-by", "metric_time__year,town__town_name",
        "--where", "{{ Entity('town') }} = 'hartford' and {{ Dimension('program__program_family') }} = 'medical'",
    )
    answered = {row["metric_time__year"].year: (float(row["town_enrolments_per_1000_lower"]),
                                                float(row["town_enrolments_per_1000_upper"])) for row in rows}
    assert answered.keys() == expected.keys() and len(expected) > 1
    for year, (lower, upper, programs) in expected.items():
        # Each program's rate is rounded to 2 decimals before they are added.
        assert answered[year] == pytest.approx((lower, upper), abs=0.005 * programs), year


def test_a_measures_rate_per_1000_divides_the_towns_enrolments_by_their_residents(semantic_layer: SemanticLayer):
    latest = semantic_layer.sql("""
        with medicaid as (
            select measure.*, town.county_name
            from marts.fct_town_measure_annual as measure
            inner join marts.dim_town as town on measure.town_key = town.town_key
            where measure.measure_key = 'medicaid_husky' and measure.population is not null
        )
        select county_name, 1000.0 * sum(enrolments_lower) / sum(population),
            1000.0 * sum(enrolments_upper) / sum(population)
        from medicaid
        where calendar_year = (select max(calendar_year) from medicaid)
        group by 1
    """)
    rows = semantic_layer.rows(
        "--metrics", "town_measure_enrolments_per_1000_lower,town_measure_enrolments_per_1000_upper",
        "--group-by", "town__county_name",
        "--where", "{{ Dimension('town_measure_year__measure_key') }} = 'medicaid_husky'",
    )
    answered = {row["town__county_name"]: (float(row["town_measure_enrolments_per_1000_lower"]),
                                           float(row["town_measure_enrolments_per_1000_upper"]))
                for row in rows if row["town__county_name"] is not None}
    assert answered.keys() == {county for county, *_ in latest} and len(answered) == 8
    for county, lower, upper in latest:
        assert answered[county] == pytest.approx((lower, upper), abs=0.001), county
