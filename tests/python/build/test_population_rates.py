"""The town population seed, the rule that picks a series per year, and the rates per 1,000 built on it."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from support.warehouse_fixtures import BuiltWarehouse

SEED = Path(__file__).resolve().parents[3] / "seeds" / "ct_town_population.csv"
# The state totals the reference's README publishes for each series (source, vintage, year), and the Census
# Bureau's own state figures: the towns of a series must add up to them.
PUBLISHED_STATE_TOTALS = {
    ("Census 2020 PL 94-171", "April 1 2020 count", 2020): 3_605_944,
    ("Census PEP", "2020 Intercensal", 2020): 3_605_951,
    ("Census PEP", "Vintage 2025", 2020): 3_579_643,
    ("Census PEP", "Vintage 2025", 2023): 3_641_369,
    ("CT DPH certified", "certified in estimate year", 2020): 3_603_448,
    ("CT DPH certified", "certified in estimate year", 2023): 3_617_176,
}
# (table, count column): the tables that carry rates, and the count each rate divides.
RATED = [
    ("marts.fct_town_program_participation_annual", "recipient_count"),
    ("marts.fct_town_program_participation_monthly", "enrolments"),
    ("reporting.rpt_town_participation_by_program", "recipient_count"),
    ("reporting.rpt_town_participation_by_region", "recipient_count"),
    ("reporting.rpt_town_program_family_trends_by_year", "enrolments"),
    ("reporting.rpt_town_program_family_trends_by_month", "enrolments"),
]
PUBLIC = [table for table, _ in RATED if table.startswith("reporting.")]


def per_1000(count: int | None, population: int | None) -> Decimal | None:
    if count is None or not population:
        return None
    return (Decimal(count) * 1000 / Decimal(population)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@pytest.fixture(scope="module")
def seed_rows() -> list[dict[str, str]]:
    with SEED.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_every_series_year_of_the_seed_has_the_169_towns_once(seed_rows):
    towns = Counter((r["source"], r["vintage"], r["year"]) for r in seed_rows)
    distinct = {(r["source"], r["vintage"], r["year"], r["town_fips_2022"]) for r in seed_rows}
    assert len(seed_rows) == 3887
    assert set(towns.values()) == {169}
    assert len(distinct) == len(seed_rows)


def test_the_seed_adds_up_to_the_published_state_totals(seed_rows):
    totals: dict[tuple[str, str, int], int] = defaultdict(int)
    for r in seed_rows:
        totals[(r["source"], r["vintage"], int(r["year"]))] += int(r["population"])
    assert {key: totals[key] for key in PUBLISHED_STATE_TOTALS} == PUBLISHED_STATE_TOTALS


def test_each_year_takes_one_series_whole(built_warehouse: BuiltWarehouse):
    rows = built_warehouse.query(
        "select calendar_year, count(distinct town_key), count(distinct population_vintage), sum(population), "
        "min(population_vintage) from intermediate.int_town_population_by_year group by all order by 1")
    assert [r[0] for r in rows] == list(range(2010, 2026))
    assert {(r[1], r[2]) for r in rows} == {(169, 1)}
    by_year = {r[0]: (r[4], r[3]) for r in rows}
    # 2020 from the Intercensal series (Vintage 2025 lowers it for the pandemic), 2023 from Vintage 2025.
    assert by_year[2020] == ("2020 Intercensal", 3_605_951)
    assert by_year[2023] == ("Vintage 2025", 3_641_369)


@pytest.mark.parametrize(("table", "count"), RATED)
def test_rates_are_the_count_bounds_per_1000_residents(built_warehouse: BuiltWarehouse, table: str, count: str):
    rows = built_warehouse.query(
        f"select {count}, {count}_lower, {count}_upper, population, "
        f"rate_per_1000, rate_per_1000_lower, rate_per_1000_upper from {table}")
    assert any(r[4] is not None for r in rows), f"{table} has no rate"
    wrong = [r for r in rows if (per_1000(r[0], r[3]), per_1000(r[1], r[3]), per_1000(r[2], r[3])) != r[4:]]
    assert wrong == []
    unordered = [r for r in rows if r[5] is not None and not r[5] <= r[6]]
    assert unordered == []


def test_a_rate_is_masked_wherever_its_count_is(built_warehouse: BuiltWarehouse):
    masked, leaking = {}, {}
    for table in PUBLIC:
        masked[table], leaking[table] = built_warehouse.query(
            f"select count(*) filter (where is_suppressed), count(*) filter (where is_suppressed and ("
            f"rate_per_1000 is not null or rate_per_1000_lower is not null or rate_per_1000_upper is not null)) "
            f"from {table}")[0]
    assert sum(masked.values()) > 0, "the sample masks nothing, so the test proves nothing"
    assert leaking == dict.fromkeys(PUBLIC, 0)


def test_years_without_a_population_have_no_rate(built_warehouse: BuiltWarehouse):
    """The sample's town months run into 2026, which no population series serves."""
    rows = built_warehouse.query(
        "select count(*), count(rate_per_1000_upper), count(population_vintage) "
        "from marts.fct_town_program_participation_monthly where month_start_date >= date '2026-01-01'")
    assert rows[0][0] > 0
    assert rows[0][1:] == (0, 0)


def test_recipient_count_is_null_where_dss_published_0(built_warehouse: BuiltWarehouse):
    """A published 0 stands for 0-4: the facts leave the point value empty there, never 0."""
    for table in ("fct_town_program_participation_annual", "fct_town_race_participation_annual"):
        rows = built_warehouse.query(
            f"select count(*) filter (where count_as_published = '0'), "
            f"count(*) filter (where count_as_published = '0' and recipient_count is null), "
            f"count(*) filter (where recipient_count = 0) from marts.{table}")
        published_zeros, null_there, zeros = rows[0]
        assert published_zeros > 0
        assert (null_there, zeros) == (published_zeros, 0)
