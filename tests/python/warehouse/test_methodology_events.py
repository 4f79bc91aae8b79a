"""The methodology events seed holds every note DSS published, and no other: checked against the list of event
dates in the catalogue context, and the town rules are the ones town kinds get."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
EVENTS = ROOT / "seeds" / "methodology_events.csv"
CONTEXT = Path(__file__).resolve().parents[4] / "shared" / "context" / "dss-catalogue.md"
# The dates of "Methodology notes, every one" in ../shared/context/dss-catalogue.md (a month where the note gives
# only a month). The seed's announced dates must be exactly these.
DOCUMENTED_DATES = ("2018-11-30", "2019-01-01", "2019-01-16", "2019-02-14", "2019-04-22", "2020-03", "2021-01-01")


def events() -> list[dict[str, str]]:
    with EVENTS.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def documented(date: str) -> str | None:
    return next((d for d in DOCUMENTED_DATES if date.startswith(d)), None)


def test_every_documented_note_has_an_event():
    announced = {e["announced_date"] for e in events()}
    missing = [d for d in DOCUMENTED_DATES if not any(a.startswith(d) for a in announced)]
    assert not missing, f"no event announced on {missing}"


def test_no_event_is_announced_on_an_undocumented_date():
    assert [e["event_key"] for e in events() if documented(e["announced_date"]) is None] == []


def test_the_2019_town_rules_one_reversing_the_other():
    by_date = {e["announced_date"]: e for e in events() if e["affects_town_distribution"] == "true"}
    one_town, every_town = by_date["2019-01-01"], by_date["2019-01-16"]
    assert one_town["reversed_on"] == "2019-01-16", "the one-town rule was reversed on 2019-01-16"
    assert every_town["reversed_on"] == ""
    # both count a recipient per town per year, so they reach annual town kinds only
    assert one_town["scope_period"] == every_town["scope_period"] == "year"


def test_the_2018_recount_has_no_stated_period_so_covers_everything_published_by_then():
    recount = next(e for e in events() if e["announced_date"] == "2018-11-30")
    assert recount["effective_from"] <= "2012-01-01" and recount["effective_to"] == "2018-11-30"
    assert recount["scope_program_code"] == "" and recount["scope_period"] == "all"


@pytest.mark.skipif(not CONTEXT.exists(), reason="../shared/context is not present")
def test_the_documented_dates_are_the_context_files_list():
    text = CONTEXT.read_text(encoding="utf-8")
    section = text.split("## Methodology notes", 1)[1].split("\n## ", 1)[0]
    dates = set(re.findall(r"\b(\d{4}-\d{2}(?:-\d{2})?)\b", section))
    assert dates == set(DOCUMENTED_DATES)
