"""What a new kind needs is said once: `ctdss inspect` prints the list, and the README's "Where to change what"
repeats it word for word."""

from __future__ import annotations

import re

from support.warehouse_fixtures import REPO

from ctdss.onboard.roles import Column, choose_kind, place
from ctdss.registry import NEW_KIND_NEEDS, load_registry

INTRO = "A dataset of a new *kind* needs"


def _readme_list() -> list[str]:
    """The bullets after the README's sentence on new kinds, each joined with its continuation lines."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    after = text[text.index(INTRO):].split("\n\n", 2)[1]
    return [" ".join(item.split()) for item in re.split(r"^- ", after, flags=re.MULTILINE) if item.strip()]


def test_the_readme_lists_what_a_new_kind_needs_as_inspect_does():
    assert _readme_list() == list(NEW_KIND_NEEDS)


def test_inspect_names_every_step_for_a_dataset_of_a_new_kind():
    columns = [Column("town", "Town", "text"), Column("ethnicity", "Ethnicity", "text"),
               Column("year", "Year", "number"), Column("people_served", "People Served", "number")]
    kind = choose_kind(place(columns, "People Served by Town and Ethnicity"), load_registry())
    assert not kind.existing
    for number, item in enumerate(NEW_KIND_NEEDS, start=1):
        assert f"({number}) {item}" in kind.note
