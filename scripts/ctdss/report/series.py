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

    @classmethod
    def bounded(cls, table: str, period: str, grain: Grain, series: str, measure: str, **kwargs) -> SeriesSource:
        """A source following the rpt_ naming: `measure` with `measure_lower` and `measure_upper` beside it."""
        return cls(table, period, grain, series, measure, f"{measure}_lower", f"{measure}_upper", **kwargs)

    def columns(self) -> set[str]:
        return {self.period, self.series, self.value, self.lower, self.upper, self.suppressed}


@dataclass(frozen=True)
class ChartSpec:
    """A chart of a page: `key` names its CSV, `sources` are tried in order and the first present is drawn."""

    key: str
    title: str
    measure: str
    sources: tuple[SeriesSource, ...]
    subject: Subject = Subject.STATEWIDE
    top: int | None = None  # bar charts of many categories keep the highest `top`


_MONTH = ("month_start_date", Grain.MONTH)
_YEAR = ("calendar_year", Grain.YEAR)

_FAMILY_MONTHLY = SeriesSource.bounded(
    "reporting.rpt_program_family_trends_by_month", *_MONTH, "program_family", "enrolments")
# The December row's 12-month average is the average monthly enrolment of its calendar year.
_FAMILY_ANNUAL = SeriesSource.bounded(
    "reporting.rpt_program_family_trends_by_month", *_YEAR, "program_family", "enrolments_12_month_average",
    where="extract(month from month_start_date) = 12", suppressed="is_12_month_average_masked")

# Town series by program family: published by the catalogue's town marts when they are built.
_TOWN_FAMILY_MONTHLY = SeriesSource.bounded(
    "reporting.rpt_town_program_family_trends_by_month", *_MONTH, "program_family", "enrolments")
_TOWN_FAMILY_ANNUAL = SeriesSource.bounded(
    "reporting.rpt_town_program_family_trends_by_year", *_YEAR, "program_family", "enrolments")
_TOWN_BY_PROGRAM = SeriesSource.bounded(
    "reporting.rpt_town_participation_by_program", *_YEAR, "program_name", "recipient_count")

_PROGRAM_MONTHLY = SeriesSource.bounded(
    "reporting.rpt_program_participation_by_month", *_MONTH, "program_name", "recipient_count")
_PROGRAM_TOWNS = SeriesSource.bounded(
    "reporting.rpt_town_participation_by_program", *_YEAR, "town_name", "recipient_count")

INDEX_CHARTS = (
    ChartSpec("family-monthly", "Statewide enrolments by program family, monthly", "Enrolments",
              (_FAMILY_MONTHLY,)),
    ChartSpec("family-annual", "Statewide average monthly enrolments by program family, by calendar year",
              "Average monthly enrolments", (_FAMILY_ANNUAL,)),
)

TOWN_CHARTS = (
    ChartSpec("family-trend", "Enrolments by program family", "Enrolments",
              (_TOWN_FAMILY_MONTHLY, _TOWN_FAMILY_ANNUAL), Subject.TOWN),
    ChartSpec("by-program", "Participation by program", "Recipients", (_TOWN_BY_PROGRAM,), Subject.TOWN),
)

PROGRAM_CHARTS = (
    ChartSpec("statewide", "Statewide recipients, monthly", "Recipients", (_PROGRAM_MONTHLY,), Subject.PROGRAM),
    ChartSpec("top-towns", "Towns with the highest counts, latest year", "Recipients", (_PROGRAM_TOWNS,),
              Subject.PROGRAM, top=15),
)
