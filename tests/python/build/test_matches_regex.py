"""matches_regex means the same pattern on DuckDB and on Spark whatever the pattern holds: the pattern reaches each
engine as a string literal quoted for it (string_literal), since Spark unescapes backslashes inside a literal and
DuckDB does not, and a bare quote would end the literal on both."""

from __future__ import annotations

import json

import duckdb
import pytest
from support.warehouse_fixtures import dbt_env, run_dbt

pytestmark = pytest.mark.slow

# Patterns with what a literal must carry through: backslash escapes, a quote, a backslash before a quote.
PATTERNS = [r"^a\.b$", r"^it's$", r"^\d+\\$", r"^x\'$", r"^\s*'\w+'\s*$"]
# For each pattern, texts it matches and texts it does not (as Python's and DuckDB's regex engines read it).
CASES = {
    r"^a\.b$": (["a.b"], ["axb", r"a\.b"]),
    r"^it's$": (["it's"], ["its", "it''s"]),
    r"^\d+\\$": (["12\\"], ["12", "dd\\"]),
    r"^x\'$": (["x'"], ["x", "x\\'"]),
    r"^\s*'\w+'\s*$": ([" 'ab' "], ["ab", "'a b'"]),
}

# Spark's rule for a backslash inside a string literal (the SQL reference, "String Literal"): these escapes stand
# for one character; `\%` and `\_` keep their backslash; before any other character the backslash is dropped.
SPARK_ESCAPES = {"0": "\0", "b": "\b", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a"}


def spark_reads(literal: str) -> str:
    """The text Spark reads from a single-quoted SQL literal."""
    assert literal[0] == literal[-1] == "'", literal
    body, text, i = literal[1:-1], [], 0
    while i < len(body):
        char = body[i]
        if char == "'":
            raise AssertionError(f"an unescaped quote ends the literal early: {literal}")
        if char == "\\":
            i += 1
            escaped = body[i]
            text.append(SPARK_ESCAPES.get(escaped, "\\" + escaped if escaped in "%_" else escaped))
        else:
            text.append(char)
        i += 1
    return "".join(text)


@pytest.fixture(scope="module")
def compiled(tmp_path_factory) -> dict[str, list[str]]:
    """Each pattern through matches_regex as the DuckDB adapter dispatches it, through Spark's string_literal,
    and through Spark's matches_regex (whose literal the DuckDB adapter quotes: no Spark adapter is installed),
    from one `dbt compile --inline` against an empty DuckDB file."""
    work = tmp_path_factory.mktemp("regex")
    calls = ", ".join(
        f"{{{{ tojson([ctdss.matches_regex('text', {json.dumps(p)}), ctdss.spark__string_literal({json.dumps(p)}), "
        f"ctdss.spark__matches_regex('text', {json.dumps(p)}), ctdss.string_literal({json.dumps(p)})]) }}}}"
        for p in PATTERNS)
    result = run_dbt(["compile", "--quiet", "--inline", f"[{calls}]"], dbt_env(work / "empty.duckdb"),
                     work / "target")
    assert result.returncode == 0, result.stdout[-3000:]
    return dict(zip(PATTERNS, json.loads(result.stdout.strip()), strict=True))


@pytest.mark.parametrize("pattern", PATTERNS)
def test_duckdb_matches_what_the_pattern_means(compiled, pattern):
    expression = compiled[pattern][0]
    matching, other = CASES[pattern]
    con = duckdb.connect()
    for text in matching + other:
        found = con.execute(f"select {expression} from (select ? as text)", [text]).fetchone()[0]
        assert found == (text in matching), (pattern, text, expression)


@pytest.mark.parametrize("pattern", PATTERNS)
def test_spark_reads_the_pattern_itself_from_its_literal(compiled, pattern):
    assert spark_reads(compiled[pattern][1]) == pattern


@pytest.mark.parametrize("pattern", PATTERNS)
def test_sparks_matches_regex_takes_its_literal_from_string_literal(compiled, pattern):
    """So that on Spark, where string_literal dispatches to Spark's, the pattern is quoted as above."""
    _, _, expression, literal = compiled[pattern]
    assert expression == f"(text rlike {literal})"


def test_the_spark_reading_drops_a_lone_backslash():
    """The reading the Spark test relies on: an unescaped `\\.` is a plain dot there."""
    assert spark_reads(r"'a\.b'") == "a.b"
    assert spark_reads(r"'a\\.b\'c'") == r"a\.b'c"
