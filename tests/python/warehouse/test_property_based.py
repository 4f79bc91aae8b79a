"""Property-based tests of the project's own SQL macros, compiled once by dbt and run in DuckDB on generated data:
name normalisation, and small-cell suppression."""

from __future__ import annotations

import csv
import re

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.warehouse_fixtures import REPO

from ctdss.names import normalize_name

pytestmark = pytest.mark.slow

THRESHOLD = 5
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def compile_sql(built_warehouse):
    """dbt's compiler in the session warehouse's project state, so it parses only what changed since that build.
    --no-write-json leaves the session's manifest.json as the build wrote it: other tests read it."""

    def compile_(inline: str) -> str:
        result = built_warehouse.dbt("compile", "--quiet", "--no-write-json", "--inline", inline)
        assert result.returncode == 0, result.stdout[-3000:]
        return result.stdout.strip()

    return compile_


@pytest.fixture(scope="module")
def normalise(compile_sql):
    sql = compile_sql("select {{ normalize_name('raw_name') }} as alias_key from names")
    con = duckdb.connect()

    def run(names: list[str]) -> list[str]:
        con.execute("create or replace temp table names (position integer, raw_name varchar)")
        con.executemany("insert into names values (?, ?)", list(enumerate(names)))
        ordered = sql.replace(" from names", ", position from names") + " order by position"
        return [row[0] for row in con.execute(ordered).fetchall()]

    return run


def _seed(name: str) -> list[dict[str, str]]:
    with (REPO / "seeds" / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


names = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)


@SETTINGS
@given(st.lists(names, min_size=1, max_size=20))
def test_normalisation_is_idempotent(normalise, values):
    once = normalise(values)
    assert normalise(once) == once


ascii_names = st.text(alphabet=st.sampled_from(list("abcXYZ Mn\t\n\r-'.")), max_size=30)


@SETTINGS
@given(st.lists(ascii_names, min_size=1, max_size=20))
def test_normalisation_trims_collapses_whitespace_and_folds_case(normalise, values):
    for value, key in zip(values, normalise(values), strict=True):
        assert key == " ".join(value.split()).lower()  # the rule the alias seeds are keyed by


# Letters of the spellings the portal publishes (accented, Greek, the dotted capital I), and every kind of space.
portal_names = st.text(alphabet=st.sampled_from(list("aZéÉßẞİıΣσςΑ-'. \t\n\r\f\v\u00a0\u2003")), max_size=30)


@SETTINGS
@given(st.lists(portal_names, min_size=1, max_size=20))
def test_python_normalisation_equals_the_macro(normalise, values):
    """`ctdss inspect` proposes alias keys with ctdss.names.normalize_name; they must be the macro's keys."""
    assert [normalize_name(v) for v in values] == normalise(values)


@pytest.mark.parametrize(("seed", "target", "catalogue", "key"), [
    ("program_aliases.csv", "program_code", "programs.csv", "program_code"),
    ("town_aliases.csv", "town_key", "ct_towns.csv", "town_key"),
])
def test_every_alias_is_normalised_and_maps_to_a_catalogue_member(normalise, seed, target, catalogue, key):
    aliases = _seed(seed)
    members = {row[key] for row in _seed(catalogue)}
    keys = [row["alias_key"] for row in aliases]
    assert normalise(keys) == keys
    assert {row[target] for row in aliases} <= members


def _respell(draw, name: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(name), max_size=len(name)))
    spaced = "".join(c.upper() if f else c.lower() for c, f in zip(name, flips, strict=True))
    pad = draw(st.sampled_from(["", " ", "\t", "  "]))
    return pad + re.sub(" ", draw(st.sampled_from([" ", "  ", " \t "])), spaced) + pad


@SETTINGS
@given(st.data())
def test_any_case_or_spacing_variant_of_a_program_name_maps_to_its_code(normalise, data):
    catalogue = _seed("programs.csv")
    aliases = {row["alias_key"]: row["program_code"] for row in _seed("program_aliases.csv")}
    member = data.draw(st.sampled_from(catalogue))
    variant = _respell(data.draw, member["program_name"])
    assert aliases[normalise([variant])[0]] == member["program_code"]


@pytest.fixture(scope="module")
def suppress(compile_sql):
    sql = compile_sql(
        "{{ suppress_cells('cells', lower_column='lo', cell_id=['id'], group_by=[['g'], ['h']], threshold="
        f"{THRESHOLD}) }}}}"
    )
    con = duckdb.connect()

    def run(truths: list[tuple[int, int, int]]) -> list[tuple]:
        con.execute("create or replace temp table cells (id integer, g integer, h integer, truth integer, "
                    "published integer, lo integer, hi integer)")
        rows = []
        for i, (g, h, truth) in enumerate(truths):
            published = 0 if truth < THRESHOLD else truth  # DSS publishes 0 for 0-4
            rows.append((i, g, h, truth, published, 0 if published == 0 else published, 4 if published == 0
                         else published))
        con.executemany("insert into cells values (?, ?, ?, ?, ?, ?, ?)", rows)
        return con.execute(
            f"select s.id, s.g, s.h, c.truth, c.lo, c.hi, s.is_suppressed from ({sql}) s join cells c using (id)"
        ).fetchall()

    return run


cells = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 60)), min_size=1, max_size=40)


@SETTINGS
@given(cells)
def test_suppression_never_publishes_a_small_value_and_leaves_no_lone_masked_cell(suppress, truths):
    result = suppress(truths)
    assert len(result) == len(truths)
    for _, _, _, truth, lo, hi, masked in result:
        assert lo <= truth <= hi  # the bounds always contain the truth
        if not masked:
            assert lo >= THRESHOLD  # a shown value is never in 1..threshold-1 (nor a 0 standing for 0-4)
    for column in (1, 2):  # both grouping sets: by g and by h
        groups: dict[int, list[bool]] = {}
        for row in result:
            groups.setdefault(row[column], []).append(row[6])
        for flags in groups.values():
            assert not (len(flags) > 1 and sum(flags) == 1)  # no total could reveal a single masked cell
