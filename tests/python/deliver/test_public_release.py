"""The public release: in its file and its exports only the suppressed reports and tables that carry no count."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from ctdss.deliver.public_release import FLAGGED_FACTS
from ctdss.report.queries import TOWN_FACTS
from ctdss.report.series import INDEX_CHARTS, PROGRAM_CHARTS, TOWN_CHARTS

pytestmark = pytest.mark.slow

# Spelled out here rather than read from public_release, so that adding a table to the release means changing
# this test too. Dimensions carry no counts and anyone may be assumed to know them.
COUNT_FREE = {"marts.dim_methodology_event", "marts.dim_month", "marts.dim_program", "marts.dim_town",
              "marts.publication", "marts.methodology_flags", "marts.published_tables"}
FLAG_KEYS = ["town_key", "program_code", "month_start_date", "calendar_year", "methodology_event_keys"]
# Words of the column names that carry a count, its bounds or a figure derived from counts.
COUNT_WORDS = {"count", "enrolments", "recipients", "lower", "upper", "average", "yoy", "total", "sum", "ratio"}


def relations(db: Path) -> dict[str, list[str]]:
    """Every table and view of the file (schema.name) with its columns."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("select schema_name || '.' || table_name, list(column_name order by column_index) "
                           "from duckdb_columns() where not internal group by 1").fetchall()
    finally:
        con.close()
    return dict(rows)


def query(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def reports(db: Path) -> set[str]:
    return {name for name in relations(db) if name.startswith("reporting.")}


def test_the_public_file_holds_the_reports_and_no_table_with_unsuppressed_counts(report_site):
    public, analysts = relations(report_site.public), relations(report_site.analysts)
    assert reports(report_site.analysts) and all(name.startswith("reporting.rpt_") for name in reports(
        report_site.analysts))
    assert set(public) == reports(report_site.analysts) | COUNT_FREE
    assert not [name for name in public if name.split(".", 1)[1].startswith("fct_")]
    counts = {name: [c for c in columns if COUNT_WORDS & set(c.split("_"))] for name, columns in public.items()
              if name in COUNT_FREE}
    assert not any(counts.values()), counts
    for name in reports(report_site.analysts) | (COUNT_FREE - {"marts.methodology_flags"}):
        assert public[name] == analysts[name]
        assert query(report_site.public, f"select count(*) from {name}") == query(
            report_site.analysts, f"select count(*) from {name}"), name


def test_every_export_of_the_public_release_is_of_a_report(report_site):
    exports = report_site.public.parent / "exports"
    manifest = json.loads((exports / "manifest.json").read_text(encoding="utf-8"))
    names = {table["name"] for table in manifest["tables"]}
    assert names == reports(report_site.public)
    assert manifest["published_file"] == str(report_site.public) and manifest["source_vintages"]
    files = [path.relative_to(exports) for path in exports.rglob("*") if path.is_file()]
    assert len(files) > len(names)
    for path in files:
        if path not in {Path("manifest.json"), Path("dictionary.csv")}:
            assert path.parts[0].rsplit(".", 1)[0] in names, path


def test_the_methodology_flags_are_the_facts_keys_and_events_without_their_counts(report_site):
    assert relations(report_site.public)["marts.methodology_flags"] == ["fact_table", *FLAG_KEYS]
    facts = relations(report_site.analysts)
    for fact in FLAGGED_FACTS:
        keys = [c if c in facts[f"marts.{fact}"] else "null" for c in FLAG_KEYS]
        expected = query(report_site.analysts, f"select distinct {', '.join(keys)} from marts.{fact} "
                                               f"where methodology_event_keys is not null order by all")
        released = query(report_site.public, f"select {', '.join(FLAG_KEYS)} from marts.methodology_flags "
                                             f"where fact_table = '{fact}' order by all")
        assert expected and released == expected, fact


def test_every_fact_the_report_marks_breaks_from_is_released():
    charts = (*INDEX_CHARTS, *TOWN_CHARTS, *PROGRAM_CHARTS)
    marked = {source.flags.fact for chart in charts for source in chart.sources if source.flags}
    marked |= {fact for facts in TOWN_FACTS.values() for fact in facts}
    assert marked and marked <= set(FLAGGED_FACTS)
