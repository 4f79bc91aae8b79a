"""One generator per kind of the registry: the synthetic rows of a dataset of that kind, keyed by role.

A generator gets the dataset's registry entry (its coverage, constants and fields) and the shared statewide
world (every program's true count in every month), so the datasets of the sample agree with one another the way
the real ones do: a town's count never exceeds the state's, an annual count is at least its largest month.
"""

from __future__ import annotations

import csv
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ctdss.errors import UserError
from ctdss.registry import Dataset, Kind
from ctdss.sample import places
from ctdss.sample.programs import (
    ANNUAL_SPELLING,
    ASSISTANCE_SPELLING,
    G06_FROM,
    MONTHLY_SPELLING,
    PLAN_MIXED_CASE_UNTIL,
    PROGRAMS,
    RESTATEMENT,
    TOWN_SPELLING_PROGRAM,
    Month,
    Program,
    annual_count,
    months,
    published,
    spelling,
)

# The monthly TOA dataset is sampled over its last months only (the real one has about 40 Medicaid codes for
# every month since 2023-01): enough for the roll-up, a year-over-year change and both of the context figures.
TOA_SAMPLE_MONTHS = 14
MEDICAID_PROGRAMS = ("HUSKY_A", "HUSKY_A_NEWBORN", "HUSKY_C", "HUSKY_D")
# (TOA code, the programs whose statewide count it carries, its share of them, town concentration). A subset of
# the real codes: the SNAP codes, five of the Medicaid codes carrying all of Medicaid, and the two G06 groups.
TOA_CODES = (
    ("TP09", ("SNAP",), 0.975, 1.0),
    ("TBA", ("SNAP",), 0.025, 1.4),
    ("D01", MEDICAID_PROGRAMS, 0.38, 1.0),
    ("F06C", MEDICAID_PROGRAMS, 0.17, 1.1),
    ("M01", MEDICAID_PROGRAMS, 0.14, 1.0),
    ("S01", MEDICAID_PROGRAMS, 0.12, 0.7),
    ("X01", MEDICAID_PROGRAMS, 0.19, 1.0),
    ("G06-I", ("G06_I",), 1.0, 0.8),
    ("G06-II", ("G06_II",), 1.0, 1.5),
)
# (spellings by first year, share of the people served, town concentration). Race is self-reported; ethnicity
# (Hispanic or not) is a separate dataset, so many Hispanic recipients report "Other" or no race.
RACES = (
    ([(2012, "White")], 0.44, 0.6),
    ([(2012, "Black/African American"), (2019, "Black or African American")], 0.21, 2.0),
    ([(2012, "Asian")], 0.03, 0.8),
    ([(2012, "Amer Indian/Alaskan Native"), (2019, "American Indian or Alaska Native")], 0.006, 1.2),
    ([(2012, "Native Hawaiian/Pacific Islander"), (2019, "Native Hawaiian or Other Pacific Islander")], 0.002, 1.2),
    ([(2012, "Two or More Races"), (2019, "Multiple Races")], 0.03, 1.3),
    ([(2012, "Other")], 0.08, 1.8),
    ([(2012, "Unknown"), (2019, "Not Reported")], 0.202, 1.2),
)
# Until this year the township datasets spelt a few towns with stray spaces.
TOWN_DRIFT_UNTIL = 2018
MONTH_DRIFT_UNTIL = 2026


@dataclass(frozen=True)
class World:
    """What every dataset of the sample is drawn from: the statewide true counts, and one seed."""

    monthly: dict[str, dict[Month, int]]
    seed: int
    # The seeds of the project whose registry is sampled: a kind without its own generator takes its names there.
    seeds: Path = field(default=Path("seeds"))

    def rng(self, ds: Dataset, part: str = "") -> random.Random:
        return random.Random(f"{self.seed}:{ds.id}:{part}")


Rows = list[dict[str, str]]
Generator = Callable[["Dataset", "World"], Rows]


def _years(ds: Dataset) -> list[int]:
    first, last = ds.coverage or (ds.constants.get("year"), ds.constants.get("year"))
    if not first or not last:
        raise UserError(
            f"The registry entry for {ds.id} gives neither `coverage` nor a constant `year`, so `ctdss sample` "
            f"cannot tell which years to generate. Add `coverage: {{from: 'YYYY', to: 'YYYY'}}` to the entry."
        )
    return list(range(int(str(first)[:4]), int(str(last)[:4]) + 1))


def _months(ds: Dataset) -> list[Month]:
    if not ds.coverage:
        raise UserError(
            f"The registry entry for {ds.id} has no `coverage`, so `ctdss sample` cannot tell which months to "
            f"generate. Add `coverage: {{from: 'YYYY-MM', to: 'YYYY-MM'}}` to the entry."
        )
    first, last = (tuple(int(p) for p in value.split("-")[:2]) for value in ds.coverage)
    return months(first, last)  # type: ignore[arg-type]


def _exists(program: Program, year: int) -> bool:
    return not program.code.startswith("G06") or year >= G06_FROM[0]


def _month_text(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}-01T00:00:00.000"


def _statewide_annual_count(p: Program, world: World, year: int) -> str:
    """The published statewide count of a program's year: its annual count, restated where DSS restated it."""
    return published(round(annual_count(p, world.monthly[p.code], year) * RESTATEMENT.get(year, 1.0)))


def program_annual(ds: Dataset, world: World) -> Rows:
    return [
        {
            "program": spelling(ANNUAL_SPELLING[p.code], year),
            "year": str(year),
            "count": _statewide_annual_count(p, world, year),
        }
        for year in _years(ds)
        for p in PROGRAMS
        if p.annual
    ]


def program_monthly(ds: Dataset, world: World) -> Rows:
    rows = []
    for year, month in _months(ds):
        for p in PROGRAMS:
            count = world.monthly[p.code].get((year, month))
            if count is None:
                continue
            row = {"program": spelling(MONTHLY_SPELLING[p.code], year)}
            if p.plan is not None:  # non-medical rows have no plan: the field is absent, as the portal serves it
                plan = p.plan
                if year < PLAN_MIXED_CASE_UNTIL and plan.startswith("HUSKY "):
                    plan = "Husky " + plan[len("HUSKY "):]
                row["medical_benefit_plan"] = plan
            row["month"] = _month_text(year, month)
            row["count"] = published(count)
            row["state_fiscal_year"] = str(year + 1 if month >= 7 else year)
            rows.append(row)
    return rows


def _town_program_rows(ds: Dataset, world: World, names: dict[str, list[tuple[int, str]]]) -> Rows:
    rows = []
    for year in _years(ds):
        rng = world.rng(ds, str(year))
        for p in PROGRAMS:
            if not _exists(p, year) or p.code not in names:
                continue
            draws = places.town_draws(rng, annual_count(p, world.monthly[p.code], year), p.concentration)
            for town, count in draws.items():
                rows.append({
                    "town": places.town_spelling(town, year <= TOWN_DRIFT_UNTIL or len(_years(ds)) == 1),
                    "program": spelling(names[p.code], year),
                    "assistance_type": spelling(names[p.code], year),
                    "year": str(year),
                    "count": published(count),
                })
    return rows


def town_program_annual(ds: Dataset, world: World) -> Rows:
    return _town_program_rows(ds, world, {code: [(0, name)] for code, name in TOWN_SPELLING_PROGRAM.items()})


def town_assistance_annual(ds: Dataset, world: World) -> Rows:
    return _town_program_rows(ds, world, ASSISTANCE_SPELLING)


def assistance_annual(ds: Dataset, world: World) -> Rows:
    return [
        {
            "assistance_type": spelling(ASSISTANCE_SPELLING[p.code], year),
            "year": str(year),
            "count": _statewide_annual_count(p, world, year),
        }
        for year in _years(ds)
        for p in PROGRAMS
        if _exists(p, year)
    ]


def town_assistance_monthly(ds: Dataset, world: World) -> Rows:
    rows = []
    for year, month in _months(ds)[-TOA_SAMPLE_MONTHS:]:
        rng = world.rng(ds, f"{year}-{month}")
        for code, programs, share, concentration in TOA_CODES:
            statewide = share * sum(world.monthly[p].get((year, month), 0) for p in programs)
            # A month has one address per recipient, so the towns add up to the state (no inflation).
            for town, count in places.town_draws(rng, statewide, concentration, inflation=1.0).items():
                rows.append({
                    "town": places.town_spelling(town, year < MONTH_DRIFT_UNTIL),
                    "assistance_type": code,
                    "month": _month_text(year, month),
                    "count": published(count),
                })
    return rows


def _people_served(world: World, year: int) -> float:
    """Unduplicated people served in the year: nearly everyone in SNAP is in a medical plan too."""
    by_code = {p.code: annual_count(p, world.monthly[p.code], year) for p in PROGRAMS}
    medical = sum(by_code[c] for c in ("HUSKY_A", "HUSKY_A_NEWBORN", "HUSKY_B", "HUSKY_C", "HUSKY_D"))
    return 1.05 * medical + 0.08 * by_code["SNAP"]


def town_race_annual(ds: Dataset, world: World) -> Rows:
    rows = []
    for year in _years(ds):
        rng = world.rng(ds, str(year))
        people = _people_served(world, year)
        for names, share, concentration in RACES:
            for town, count in places.town_draws(rng, people * share, concentration).items():
                rows.append({
                    "town": places.town_spelling(town, year <= TOWN_DRIFT_UNTIL),
                    "race": spelling(names, year),
                    "year": str(year),
                    "count": published(count),
                })
    return rows


def _seed_names(world: World, role: str) -> list[str]:
    """One published spelling per key of the role's alias seed (its first alias), in the seed's order."""
    path = world.seeds / f"{role}_aliases.csv"
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError:
        raise UserError(
            f"`ctdss sample` draws the names of the role `{role}` from {path}, which cannot be read. Add the seed "
            f"(alias_key,{role}_key) with a row per spelling, as `ctdss inspect` prints it for the dataset."
        ) from None
    first = {}
    for row in rows:
        first.setdefault(row[f"{role}_key"], row["alias_key"])
    return list(first.values())


def any_kind(kind: Kind) -> Generator:
    """A generator for a kind with no generator of its own: the people served in each period, split evenly over
    every combination of the names of its category roles (each read from its alias seed), drawn per town for a
    town kind. Enough to land and build a new kind; a kind whose figures matter gets its own generator."""

    name_roles = [role for role in kind.roles if role not in ("town", "year", "month", "count")]

    def generate(ds: Dataset, world: World) -> Rows:
        combinations = list(itertools.product(*(_seed_names(world, role) for role in name_roles)))
        periods = ([(year, str(year)) for year in _years(ds)] if "month" not in kind.roles
                   else [(year, _month_text(year, month)) for year, month in _months(ds)])
        rows = []
        for year, period in periods:
            rng = world.rng(ds, period)
            share = _people_served(world, year) / max(1, len(combinations))
            for names in combinations:
                named = dict(zip(name_roles, names, strict=True))
                counts = (places.town_draws(rng, share, 1.0) if "town" in kind.roles
                          else {"": round(share)})
                rows += [{**({"town": town} if town else {}), **named,
                          ("month" if "month" in kind.roles else "year"): period, "count": published(count)}
                         for town, count in counts.items()]
        return rows

    return generate


GENERATORS: dict[str, Generator] = {
    "program_annual": program_annual,
    "town_program_annual": town_program_annual,
    "program_monthly": program_monthly,
    "town_assistance_monthly": town_assistance_monthly,
    "town_assistance_annual": town_assistance_annual,
    "assistance_annual": assistance_annual,
    "town_race_annual": town_race_annual,
}
