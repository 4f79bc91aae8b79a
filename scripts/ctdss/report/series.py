"""Where every chart of the site reads its series: one list of specs per kind of page.

Each chart names the `rpt_` tables it can be drawn from, in order of preference; the first one present in the
published file is used, and a chart with none present is left out of the page with a note. Wiring a new
published table (a town series by month, say) is one `SeriesSource` added to the chart's `sources`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Grain(StrEnum):
    MONTH = "month"
    YEAR = "year"


class Subject(StrEnum):
    """What one page is about: the column of a source that picks the page's rows."""

    STATEWIDE = "statewide"
    TOWN = "town_key"
    PROGRAM = "program_code"


@dataclass(frozen=True)
class Flags:
    """The `marts` fact whose `methodology_event_keys` flag the rows behind a chart (the `rpt_` tables carry only
    a yes or no), and the grain of its periods. The public release carries those flags, not the fact, in
    `marts.methodology_flags`."""

    fact: str
    grain: Grain


@dataclass(frozen=True)
class SeriesSource:
    """One `rpt_` table and the columns that give a chart its lines: a point per `series` per `period`."""

    table: str
    period: str
    grain: Grain
    series: str
    value: str
    lower: str
    upper: str
    where: str = "true"
    suppressed: str = "is_suppressed"
    order: str = ""  # the order of the lines and of the legend; by series name when empty
    flags: Flags | None = None

    @classmethod
    def bounded(cls, table: str, period: str, grain: Grain, series: str, measure: str, **kwargs) -> SeriesSource:
        """A source following the rpt_ naming: `measure` with `measure_lower` and `measure_upper` beside it."""
        return cls(table, period, grain, series, measure, f"{measure}_lower", f"{measure}_upper", **kwargs)

    def columns(self) -> set[str]:
        return {self.period, self.series, self.value, self.lower, self.upper, self.suppressed} | (
            {self.order} if self.order else set())


@dataclass(frozen=True)
class ChartSpec:
    """A chart of a page: `key` names its CSV, `sources` are tried in order and the first present is drawn."""

    key: str
    title: str
    measure: str
    sources: tuple[SeriesSource, ...]
    subject: Subject = Subject.STATEWIDE
    top: int | None = None  # bar charts of many categories keep the highest `top`
    latest: bool = False  # a bar per series for the latest period only (the series' trends are charted elsewhere)


_STATEWIDE_FLAGS = Flags("fct_program_participation_monthly", Grain.MONTH)
_TOWN_MONTHLY_FLAGS = Flags("fct_town_program_participation_monthly", Grain.MONTH)
_TOWN_ANNUAL_FLAGS = Flags("fct_town_program_participation_annual", Grain.YEAR)
_TOWN_RACE_FLAGS = Flags("fct_town_race_participation_annual", Grain.YEAR)

_MONTH = ("month_start_date", Grain.MONTH)
_YEAR = ("calendar_year", Grain.YEAR)

_FAMILY_MONTHLY = SeriesSource.bounded(
    "reporting.rpt_program_family_trends_by_month", *_MONTH, "program_family", "enrolments",
    flags=_STATEWIDE_FLAGS)
# The December row's 12-month average is the average monthly enrolment of its calendar year.
_FAMILY_ANNUAL = SeriesSource.bounded(
    "reporting.rpt_program_family_trends_by_month", *_YEAR, "program_family", "enrolments_12_month_average",
    where="extract(month from month_start_date) = 12", suppressed="is_12_month_average_masked",
    flags=_STATEWIDE_FLAGS)

# Town series by program family: monthly for the families whose town counts DSS publishes by month, and by year.
_TOWN_FAMILY_MONTHLY = SeriesSource.bounded(
    "reporting.rpt_town_program_family_trends_by_month", *_MONTH, "program_family", "enrolments",
    flags=_TOWN_MONTHLY_FLAGS)
_TOWN_FAMILY_ANNUAL = SeriesSource.bounded(
    "reporting.rpt_town_program_family_trends_by_year", *_YEAR, "program_family", "enrolments",
    flags=_TOWN_ANNUAL_FLAGS)
_TOWN_BY_PROGRAM = SeriesSource.bounded(
    "reporting.rpt_town_participation_by_program", *_YEAR, "program_name", "recipient_count",
    flags=_TOWN_ANNUAL_FLAGS)
# Races in DSS's order (White first, Unknown last) rather than alphabetically.
_TOWN_BY_RACE = SeriesSource.bounded(
    "reporting.rpt_town_participation_by_race", *_YEAR, "race_name", "recipient_count", order="race_sort_order",
    flags=_TOWN_RACE_FLAGS)

_PROGRAM_MONTHLY = SeriesSource.bounded(
    "reporting.rpt_program_participation_by_month", *_MONTH, "program_name", "recipient_count",
    flags=_STATEWIDE_FLAGS)
_PROGRAM_TOWNS = SeriesSource.bounded(
    "reporting.rpt_town_participation_by_program", *_YEAR, "town_name", "recipient_count")

INDEX_CHARTS = (
    ChartSpec("family-monthly", "Statewide enrolments by program family, monthly", "Enrolments",
              (_FAMILY_MONTHLY,)),
    ChartSpec("family-annual", "Statewide average monthly enrolments by program family, by calendar year",
              "Average monthly enrolments", (_FAMILY_ANNUAL,)),
)

TOWN_CHARTS = (
    ChartSpec("family-monthly", "Enrolments by program family, monthly", "Enrolments", (_TOWN_FAMILY_MONTHLY,),
              Subject.TOWN),
    ChartSpec("family-annual", "Enrolments by program family, by calendar year", "Enrolments in the year",
              (_TOWN_FAMILY_ANNUAL,), Subject.TOWN),
    ChartSpec("by-program", "Participation by program, latest year", "Recipients", (_TOWN_BY_PROGRAM,),
              Subject.TOWN, latest=True),
    ChartSpec("by-race", "People served by race, by calendar year", "People served", (_TOWN_BY_RACE,),
              Subject.TOWN),
)

PROGRAM_CHARTS = (
    ChartSpec("statewide", "Statewide recipients, monthly", "Recipients", (_PROGRAM_MONTHLY,), Subject.PROGRAM),
    ChartSpec("top-towns", "Towns with the highest counts, latest year", "Recipients", (_PROGRAM_TOWNS,),
              Subject.PROGRAM, top=15),
)

# The town maps (the index's and each program page's): every town's count of each program and year.
TOWN_MAP = ChartSpec("town-map", "Recipients by town", "Recipients", (_PROGRAM_TOWNS,), Subject.PROGRAM)
# The same per 1,000 residents, drawn where the release carries the rates (masked where their counts are).
TOWN_RATE_MAP = ChartSpec("town-rate-map", "Recipients per 1,000 residents by town", "Per 1,000 residents", (
    SeriesSource.bounded("reporting.rpt_town_participation_by_program", *_YEAR, "town_name", "rate_per_1000"),),
    Subject.PROGRAM)
