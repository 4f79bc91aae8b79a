"""The programs of the synthetic sample: their statewide levels, counting history and published spellings."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

FIRST_YEAR, LAST_YEAR = 2012, 2026
G06_FROM = (2021, 1)
NEWBORN_CHANGE_FROM = (2016, 10)
COVID_GROUP_FROM = (2020, 3)
RESTATEMENT = {2012: 1.13, 2013: 1.10, 2014: 1.08, 2015: 1.04}

Month = tuple[int, int]

@dataclass(frozen=True)
class Program:
    code: str
    plan: str | None  # the monthly dataset's Medical Benefit Plan; None for non-medical programs
    levels: tuple[float, ...]  # average monthly recipients, in thousands, from 2012 (flat after the last)
    turnover: float  # people served in a year / the average month
    concentration: float  # exponent on a town's need: how much the program concentrates in cities
    annual: bool = True  # listed in the annual dataset
    noise: float = 0.004


PROGRAMS = (
    Program("SNAP", None, (392, 393, 385, 378, 372, 366, 362, 360, 378, 388, 395, 392, 378, 364, 299), 1.28, 1.0),
    Program("TFA", None, (36, 33, 30, 27, 24, 21, 19, 17.5, 16, 15), 1.40, 1.3, noise=0.006),
    Program("SAGA_CASH", None, (5.8, 5.6, 5.3, 5.0, 4.7, 4.4, 4.1, 3.9, 4.3, 4.5), 1.38, 1.3, noise=0.008),
    Program("STATE_SUPPLEMENT", None, (17.5, 17.2, 16.9, 16.5, 16.1, 15.7, 15.3, 14.9, 14.5, 14.1),
            1.12, 0.8),
    Program("REFUGEE_CASH", None, (0.26, 0.24, 0.28, 0.33, 0.42, 0.31, 0.18, 0.15, 0.12, 0.26), 1.55, 2.0,
            noise=0.03),
    Program("HUSKY_A", "HUSKY A", (455, 458, 470, 475, 470, 462, 458, 455, 478, 500, 520, 515, 480, 460,
                                   445), 1.22, 1.0, noise=0.003),
    Program("HUSKY_A_NEWBORN", "HUSKY A", (10.5, 10.8, 11.0, 11.2, 11.4, 11.5, 11.4, 11.2, 11.0, 11.1), 1.40,
            1.0, noise=0.008),
    Program("HUSKY_B", "HUSKY B", (16.0, 15.5, 15.0, 15.4, 16.2, 17.0, 17.6, 18.0, 19.5, 20.5), 1.32, 0.2,
            noise=0.005),
    Program("HUSKY_C", "HUSKY C", (86, 88, 90, 92, 94, 95, 96, 97, 99, 101, 102, 103, 105, 106, 106), 1.12, 0.7,
            noise=0.003),
    Program("HUSKY_D", "HUSKY D", (245, 250, 272, 285, 290, 292, 295, 298, 318, 335, 345, 340, 320, 310,
                                   300), 1.30, 1.0, noise=0.003),
    Program("MEDICARE_SAVINGS", "Medicare Savings Program",
            (118, 125, 132, 140, 148, 155, 160, 164, 170, 176), 1.14, 0.6),
    Program("STATE_FUNDED_MEDICAL", "State Funded Medical",
            (3.2, 3.1, 3.0, 2.9, 2.9, 2.8, 2.8, 2.7, 2.7, 2.6), 1.45, 1.2, noise=0.01),
    Program("G06_I", "HUSKY Limited Benefit", (0, 0, 0, 0, 0, 0, 0, 0, 0, 11.0, 5.0, 2.0, 0.8, 0.6, 0.5), 1.60,
            0.8, annual=False, noise=0.01),
    Program("G06_II", "Other Medical", (0, 0, 0, 0, 0, 0, 0, 0, 0, 1.8), 1.50, 1.5, annual=False, noise=0.01),
    Program("CHCPE", None, (4.8, 4.7, 4.6, 4.5, 4.4, 4.3, 4.2, 4.1, 3.9, 3.8), 1.22, 0.3, noise=0.006),
)

# Spellings as served: {program code: [(first year, spelling), ...]}, the last entry whose year has come.
ANNUAL_SPELLING = {
    "SNAP": [(2012, "Food Stamps"), (2014, "SNAP")],
    "TFA": [(2012, "TFA"), (2016, "TFA "), (2017, "TFA")],
    "SAGA_CASH": [(2012, "SAGA cash"), (2015, "SAGA Cash")],
    "STATE_SUPPLEMENT": [(2012, "State Supplement"), (2015, "State  Supplement"), (2017, "State Supplement")],
    "REFUGEE_CASH": [(2012, "Refugee Cash"), (2014, "Refugee Cash Assistance")],
    "HUSKY_A": [(2012, "Husky A"), (2014, "HUSKY A")],
    "HUSKY_A_NEWBORN": [(2012, "HUSKY A - Newborn"), (2016, "HUSKY A Newborn")],
    "HUSKY_B": [(2012, "Husky B"), (2014, "HUSKY B")],
    "HUSKY_C": [(2012, "Husky C"), (2014, "HUSKY C")],
    "HUSKY_D": [(2012, "Medicaid for Low-Income Adults"), (2014, "HUSKY D")],
    "MEDICARE_SAVINGS": [(2012, "Medicare Savings Program"), (2017, "Medicare Savings Programs")],
    "STATE_FUNDED_MEDICAL": [(2012, "State-Funded Medical"), (2016, "State Funded Medical")],
    "CHCPE": [(2012, "CHCPE")],
}
MONTHLY_SPELLING = {
    "SNAP": [(2012, "Food Stamps"), (2014, "SNAP")],
    "TFA": [(2012, "TFA")],
    "SAGA_CASH": [(2012, "SAGA Cash"), (2019, "SAGA CASH")],
    "STATE_SUPPLEMENT": [(2012, "State Supplement"), (2016, "State Supplement "), (2018, "State Supplement")],
    "REFUGEE_CASH": [(2012, "Refugee Cash Assistance")],
    "HUSKY_A": [(2012, "HUSKY A")],
    "HUSKY_A_NEWBORN": [(2012, "HUSKY A Newborn")],
    "HUSKY_B": [(2012, "HUSKY B")],
    "HUSKY_C": [(2012, "HUSKY C")],
    "HUSKY_D": [(2012, "Medicaid for Low-Income Adults"), (2014, "HUSKY D")],
    "MEDICARE_SAVINGS": [(2012, "Medicare Savings Program")],
    "STATE_FUNDED_MEDICAL": [(2012, "State Funded Medical")],
    "G06_I": [(2021, "G06-I")],
    "G06_II": [(2021, "G06-II")],
    "CHCPE": [(2012, "CT Home Care Program for Elders")],
}
# Until this year the monthly dataset spelt the HUSKY plans in mixed case ("Husky A").
PLAN_MIXED_CASE_UNTIL = 2016
TOWN_SPELLING_PROGRAM = {
    "SNAP": "SNAP", "TFA": "TFA", "SAGA_CASH": "SAGA Cash", "STATE_SUPPLEMENT": "State Supplement",
    "REFUGEE_CASH": "Refugee Cash Assistance", "HUSKY_A": "HUSKY A", "HUSKY_A_NEWBORN": "HUSKY A Newborn",
    "HUSKY_B": "HUSKY B", "HUSKY_C": "HUSKY C", "HUSKY_D": "HUSKY D",
    "MEDICARE_SAVINGS": "Medicare Savings  Program", "STATE_FUNDED_MEDICAL": "State Funded Medical",
    "G06_I": "G06-I", "G06_II": "G06-II", "CHCPE": "CHCPE",
}



def months(first: Month = (FIRST_YEAR, 1), last: Month = (LAST_YEAR, 12)) -> list[Month]:
    return [(y, m) for y in range(first[0], last[0] + 1) for m in range(1, 13) if first <= (y, m) <= last]


def spelling(table: list[tuple[int, str]], year: int) -> str:
    return [name for first, name in table if first <= year][-1]


def _level(program: Program, year: int, month: int) -> float:
    """Average monthly recipients: yearly levels placed at mid-year, linear in between, flat at the ends."""
    t = (year - FIRST_YEAR) + (month - 6.5) / 12
    levels = program.levels
    if t <= 0:
        return levels[0] * 1000
    if t >= len(levels) - 1:
        return levels[-1] * 1000
    i = int(t)
    before, after = levels[i], levels[i + 1]
    if not before or not after:  # a program's first (or last) year: no slope from (or to) nothing
        return (before or after) * 1000
    return (before + (after - before) * (t - i)) * 1000


def monthly_counts(rng: random.Random) -> dict[str, dict[Month, int]]:
    """The statewide true count of every program in every month from FIRST_YEAR to LAST_YEAR."""
    counts: dict[str, dict[Month, int]] = {}
    for program in PROGRAMS:
        series: dict[Month, int] = {}
        for year, month in months():
            if program.code.startswith("G06") and (year, month) < G06_FROM:
                continue
            value = _level(program, year, month)
            if program.code == "HUSKY_A_NEWBORN" and (year, month) >= NEWBORN_CHANGE_FROM:
                value *= 1.55
            if program.code == "STATE_FUNDED_MEDICAL" and COVID_GROUP_FROM <= (year, month) < G06_FROM:
                # The COVID-19 testing group and emergency medical, listed here until 2021.
                value += min(14_500, 1_600 + 1_500 * (month - COVID_GROUP_FROM[1]))
            if program.code == "G06_I" and year == G06_FROM[0]:
                value *= 1.25 - 0.05 * month  # the testing group shrinks through 2021
            if program.code == "SNAP" and (year, month) in ((2019, 1), (2019, 2)):
                value += 1_500 if month == 1 else 2_200  # the ImpaCT corrections
            series[(year, month)] = max(0, round(value * rng.gauss(1.0, program.noise)))
        counts[program.code] = series
    return counts


def annual_count(program: Program, series: dict[Month, int], year: int) -> int:
    """People served at any time in the year: the average month times turnover, and at least the largest month."""
    values = [v for (y, _), v in series.items() if y == year]
    if not values:
        return 0
    served = sum(values) / len(values) * program.turnover
    return max(round(served), math.ceil(max(values) * 1.03))


def published(true_count: int) -> str:
    """DSS publishes 0 for any count below five."""
    return "0" if true_count < 5 else str(true_count)

# The assistance types of the annual assistance-type datasets (statewide 44qf-qawh and by town 5z8s-84ru).
ASSISTANCE_SPELLING = {
    "SNAP": [(2012, "Supplemental Nutrition Assistance Program"), (2016, "SNAP")],
    "TFA": [(2012, "Temporary Family Assistance")],
    "SAGA_CASH": [(2012, "State Administered General Assistance"), (2018, "SAGA Cash")],
    "STATE_SUPPLEMENT": [(2012, "State Supplement")],
    "REFUGEE_CASH": [(2012, "Refugee Cash Assistance")],
    "HUSKY_A": [(2012, "Husky A"), (2016, "HUSKY A")],
    "HUSKY_A_NEWBORN": [(2012, "HUSKY A Newborns"), (2016, "HUSKY A Newborn")],
    "HUSKY_B": [(2012, "Husky B"), (2016, "HUSKY B")],
    "HUSKY_C": [(2012, "Husky C"), (2016, "HUSKY C")],
    "HUSKY_D": [(2012, "Medicaid for Low Income Adults"), (2014, "HUSKY D")],
    "MEDICARE_SAVINGS": [(2012, "Medicare Savings Program"), (2019, "Medicare Savings Programs")],
    "STATE_FUNDED_MEDICAL": [(2012, "State Funded Medical")],
    "G06_I": [(2021, "COVID-19 Testing Coverage")],
    "G06_II": [(2021, "Emergency Medical")],
    "CHCPE": [(2012, "CT Home Care Program for Elders"), (2019, "CHCPE")],
}
