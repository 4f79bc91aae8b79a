"""`ctdss.names.normalize_name` keys spellings as the staging models' `normalize_name` macro does: checked here
against the expectations of the models' own unit tests (models/staging/socrata/_socrata__unit_tests.yml), and in
tests/python/build/test_property_based.py against the compiled macro."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ctdss.names import normalize_name, tidy_name

UNIT_TESTS = Path(__file__).resolve().parents[3] / "models" / "staging" / "socrata" / "_socrata__unit_tests.yml"
FOLDING = {  # unit test -> (raw role column, alias seed, its target column, the model's output column)
    "program_names_are_folded_before_the_alias_lookup": ("program", "program_aliases", "program_code",
                                                         "program_code"),
    "town_names_are_folded_before_the_alias_lookup": ("town", "town_aliases", "town_key", "town_key"),
}


def _unit_test(name: str) -> dict:
    tests = yaml.safe_load(UNIT_TESTS.read_text(encoding="utf-8"))["unit_tests"]
    return next(t for t in tests if t["name"] == name)


@pytest.mark.parametrize("name", sorted(FOLDING))
def test_python_folding_maps_each_unit_test_row_as_the_model_does(name):
    column, seed, target, output = FOLDING[name]
    test = _unit_test(name)
    given = {g["input"]: g["rows"] for g in test["given"]}
    source = next(rows for key, rows in given.items() if key.startswith("source("))
    aliases = {row["alias_key"]: row[target] for row in given[f"ref('{seed}')"]}
    unmapped = "__UNMAPPED__" if target == "program_code" else "__unmapped__"
    expected = {row["source_row_id"]: row[output] for row in test["expect"]["rows"]}
    got = {row["_source_row_id"]: aliases.get(normalize_name(row[column]) if row[column] is not None else "",
                                              unmapped) for row in source}
    assert got == expected


@pytest.mark.parametrize(("raw", "tidy", "key"), [
    ("  New \t\n Haven ", "New Haven", "new haven"),
    ("HUSKY\u00a0A", "HUSKY\u00a0A", "husky\u00a0a"),  # a no-break space is not RE2 whitespace
    ("a\x0bb", "a\x0bb", "a\x0bb"),  # nor is a vertical tab
    ("\u00a0Avon\u3000", "Avon", "avon"),  # but trim strips every Unicode space separator at the ends
    ("İSTANBUL", "İSTANBUL", "istanbul"),  # one code point at a time, as DuckDB's lower
    ("ΟΔΟΣ", "ΟΔΟΣ", "οδοσ"),  # no final-sigma rule
])
def test_edge_cases_follow_duckdb_not_python_defaults(raw, tidy, key):
    assert tidy_name(raw) == tidy
    assert normalize_name(raw) == key
