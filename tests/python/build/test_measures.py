"""The measure marts: each measure adds up the programs it names, at every grain, with honest bounds."""

from __future__ import annotations

import pytest
from support.warehouse_fixtures import BuiltWarehouse

# Medicaid/HUSKY as DSS defines it: HUSKY A (newborns included), C, D and Limited Benefit (G06-I); in the town x
# TOA code data, the Medicaid code list plus G06-I. Spelled out here, not read from the seed.
MEDICAID_ANNUAL = "('HUSKY_A', 'HUSKY_A_NEWBORN', 'HUSKY_C', 'HUSKY_D', 'G06_I')"
MEDICAID_MONTHLY = "('MEDICAID', 'G06_I')"


def unlike(built_warehouse: BuiltWarehouse, measure: str, expected: str, keys: str) -> list[tuple]:
    """The rows of `measure` (a mart, for Medicaid/HUSKY) and of `expected` (the same sums written by hand) that
    the other lacks."""
    columns = f"{keys}, enrolments, enrolments_lower, enrolments_upper"
    actual = f"select {columns} from {measure} where measure_key = 'medicaid_husky'"
    return built_warehouse.query(f"({actual} except {expected}) union all ({expected} except {actual})")


def expected_sums(fact: str, keys: str, count: str, programs: str) -> str:
    return (f"select {keys}, case when sum({count}_lower) = sum({count}_upper) then sum({count}_lower) end, "
            f"sum({count}_lower), sum({count}_upper) from {fact} where program_code in {programs} group by all")


@pytest.mark.parametrize(("measure", "fact", "keys", "count", "programs"), [
    ("marts.fct_town_measure_annual", "marts.fct_town_program_participation_annual", "town_key, calendar_year",
     "recipient_count", MEDICAID_ANNUAL),
    ("marts.fct_town_measure_monthly", "marts.fct_town_program_participation_monthly", "town_key, month_start_date",
     "enrolments", MEDICAID_MONTHLY),
    ("marts.fct_measure_monthly", "marts.fct_program_participation_monthly", "month_start_date",
     "recipient_count", MEDICAID_ANNUAL),
])
def test_medicaid_husky_adds_up_its_programs(built_warehouse: BuiltWarehouse, measure, fact, keys, count, programs):
    assert built_warehouse.query(f"select count(*) from {measure} where measure_key = 'medicaid_husky'")[0][0] > 0
    assert unlike(built_warehouse, measure, expected_sums(fact, keys, count, programs), keys) == []


def test_a_measure_with_a_count_published_as_0_has_bounds_but_no_point_value(built_warehouse: BuiltWarehouse):
    rows = built_warehouse.query(
        "select count(*), count(enrolments), min(enrolments_upper - enrolments_lower) "
        "from marts.fct_town_measure_annual where (town_key, calendar_year) in (select town_key, calendar_year from "
        f"marts.fct_town_program_participation_annual where program_code in {MEDICAID_ANNUAL} "
        "and is_suppressed_at_source) and measure_key = 'medicaid_husky'")
    inexact, with_point, narrowest = rows[0]
    assert inexact > 0 and with_point == 0 and narrowest >= 4


def test_the_statewide_trends_cover_every_year_of_their_datasets(built_warehouse: BuiltWarehouse):
    """The assistance type dataset is titled CY 2012-2023 and the monthly program dataset CY 2012-2024."""
    by_type = built_warehouse.query(
        "select min(calendar_year), max(calendar_year) from reporting.rpt_assistance_type_participation_by_year")
    monthly = built_warehouse.query(
        "select min(month_start_date)::varchar, max(month_start_date)::varchar, count(distinct month_start_date) "
        "from marts.fct_measure_monthly where measure_key = 'snap'")
    assert by_type == [(2012, 2023)]
    assert monthly == [("2012-01-01", "2024-12-01", 156)]
