"""The methodology events seed holds every note DSS published, and no other: checked event by event against the
notes of docs/methodology-notes.md (transcribed here, and the transcription against that file), and the town rules
are the ones town kinds get."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
EVENTS = ROOT / "seeds" / "methodology_events.csv"
NOTES = ROOT / "docs" / "methodology-notes.md"
# The dates of "Methodology notes, every one" in docs/methodology-notes.md (a month where the note gives
# only a month). The seed's announced dates must be exactly these.
DOCUMENTED_DATES = ("2018-11-30", "2019-01-01", "2019-01-16", "2019-02-14", "2019-04-22", "2020-03", "2021-01-01")


@dataclass(frozen=True)
class Note:
    """What a bullet of "Methodology notes, every one" says of one event."""

    bullet: str  # the date(s) the bullet opens with
    says: str  # words of the bullet naming the event
    announced: str  # the date the note gives it (a month where it gives only a month)
    fields: dict[str, str] = field(default_factory=dict)  # the seed's columns the note states


# Every event of docs/methodology-notes.md, by the seed's event key: one bullet can hold several.
DOCUMENTED_EVENTS = {
    "active_recipient_recount_2018": Note(
        "2018-11-30", "how one source system counted active recipients", "2018-11-30", {"scope_program_code": ""}
    ),
    "town_one_town_per_year_2019": Note(
        "2019-01-01", "one town per year (latest address)", "2019-01-01",
        {"reversed_on": "2019-01-16", "affects_town_distribution": "true"},
    ),
    "town_every_town_lived_in_2019": Note(
        "2019-01-01", "count a recipient in every town lived in", "2019-01-16",
        {"reversed_on": "", "affects_town_distribution": "true"},
    ),
    "restatement_2012_2015": Note(
        "2019-02-14", "2012-2015 counts restated upward", "2019-02-14",
        {"effective_from": "2012-01-01", "effective_to": "2015-12-31", "break_type": "restatement"},
    ),
    "husky_a_newborn_2019": Note(
        "2019-04-22", "HUSKY A Newborn counted from ImpaCT as well as HIX, from October 2016", "2019-04-22",
        {"effective_from": "2016-10-01", "scope_program_code": "HUSKY_A_NEWBORN"},
    ),
    "address_logic_monthly_2019": Note(
        "2019-04-22", "month-specific ImpaCT address from October 2016", "2019-04-22",
        {"effective_from": "2016-10-01", "affects_town_distribution": "true", "break_type": "address_logic"},
    ),
    "address_logic_conflict_2019": Note(
        "2019-04-22", "one address when HIX and ImpaCT disagree, from March 2017", "2019-04-22",
        {"effective_from": "2017-03-01", "affects_town_distribution": "true", "break_type": "address_logic"},
    ),
    "impact_correction_2019_01_02": Note(
        "2019-04-22", "ImpaCT corrections added about 2,000 and 3,000 recipients in January and February 2019",
        "2019-04-22", {"effective_from": "2019-01-01", "effective_to": "2019-02-28"},
    ),
    "covid_testing_group_2020_03": Note(
        "2020-03 / 2021-01-01", "the COVID-19 testing coverage group, listed under State Funded Medical before 2021",
        "2020-03", {"effective_to": "2020-12-31", "scope_program_code": "STATE_FUNDED_MEDICAL"},
    ),
    "covid_reclassification_2021_g06_i": Note(
        "2020-03 / 2021-01-01", "G06-I (Medicaid, HUSKY Limited Benefit) from 2021-01-01", "2021-01-01",
        {"effective_from": "2021-01-01", "scope_program_code": "G06_I", "break_type": "reclassification"},
    ),
    "covid_reclassification_2021_g06_ii": Note(
        "2020-03 / 2021-01-01", "emergency medical is G06-II", "2021-01-01",
        {"effective_from": "2021-01-01", "scope_program_code": "G06_II", "break_type": "reclassification"},
    ),
    "covid_reclassification_2021_state_funded_medical": Note(
        "2020-03 / 2021-01-01", "listed under State Funded Medical before 2021", "2021-01-01",
        {
            "effective_from": "2021-01-01",
            "scope_program_code": "STATE_FUNDED_MEDICAL",
            "break_type": "reclassification",
        },
    ),
}


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


def notes_section() -> str:
    return NOTES.read_text(encoding="utf-8").split("## Methodology notes", 1)[1].split("\n## ", 1)[0]


def context_notes() -> dict[str, str]:
    """The bullets of the notes, by the date(s) each opens with, each on one line."""
    bullets = re.split(r"^- ", notes_section().split("\n", 1)[1], flags=re.MULTILINE)[1:]
    return dict(" ".join(bullet.split()).split(": ", 1) for bullet in bullets)


def test_the_seed_holds_every_documented_event_and_no_other():
    keys = [e["event_key"] for e in events()]
    assert sorted(set(DOCUMENTED_EVENTS) - set(keys)) == [], "documented events missing from the seed"
    assert sorted(set(keys) - set(DOCUMENTED_EVENTS)) == [], "events of the seed that no note documents"


@pytest.mark.parametrize("event_key", DOCUMENTED_EVENTS)
def test_an_event_says_what_its_note_says(event_key: str):
    note = DOCUMENTED_EVENTS[event_key]
    event = next((e for e in events() if e["event_key"] == event_key), None)
    assert event is not None, f"the seed has no event {event_key}"
    assert event["announced_date"].startswith(note.announced), event_key
    assert {column: event[column] for column in note.fields} == note.fields, event_key


def test_the_documented_dates_are_the_notes_list():
    dates = set(re.findall(r"\b(\d{4}-\d{2}(?:-\d{2})?)\b", notes_section()))
    assert dates == set(DOCUMENTED_DATES)


def test_the_documented_events_are_the_notes_list():
    notes = context_notes()
    for event_key, note in DOCUMENTED_EVENTS.items():
        assert note.says in notes.get(note.bullet, ""), f"{event_key}: the note {note.bullet} does not say it"
        assert note.announced in note.bullet or note.announced in notes[note.bullet], event_key
    assert set(notes) == {note.bullet for note in DOCUMENTED_EVENTS.values()}, "a note with no documented event"
