"""The static participation report, drawn from the published file and checked in headless Chromium."""

from __future__ import annotations

import re

import duckdb
import pytest
from support.browser import dump_dom, png_colours, screenshot, serve

from ctdss import publish as publishing
from ctdss import report


@pytest.fixture(scope="module")
def published(built_warehouse, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    return publishing.publish(built_warehouse.db, out / "ct_dss.duckdb", out / "exports")


@pytest.fixture(scope="module")
def page(published, tmp_path_factory):
    out = tmp_path_factory.mktemp("report-html") / "participation.html"
    report.write_report(published.published, out)
    return out


def test_the_report_states_the_vintage_and_that_the_sample_is_synthetic(page, published):
    text = page.read_text()
    assert 'id="synthetic-banner"' in text and "SYNTHETIC SAMPLE" in text
    con = duckdb.connect(str(published.published), read_only=True)
    vintages = con.execute("select source_dataset_id, source_rows_updated_at from marts.publication").fetchall()
    con.close()
    for dataset_id, updated_at in vintages:
        assert f"<td>{dataset_id}</td><td>{updated_at}</td>" in text


def test_masked_town_cells_are_shown_as_masked_never_as_zero(page, published):
    text = page.read_text()
    con = duckdb.connect(str(published.published), read_only=True)
    latest = con.execute("select max(calendar_year) from reporting.rpt_town_participation_by_program").fetchone()[0]
    masked = dict(con.execute(
        "select program_name, count(*) from reporting.rpt_town_participation_by_program "
        "where calendar_year = ? and is_suppressed group by 1", [latest]).fetchall())
    con.close()
    assert masked, "the sample should have masked town cells"
    for program, n in masked.items():
        block = text.split(f"<figcaption>{program}</figcaption>", 1)[1].split("</figure>", 1)[0]
        assert f"{n} town cells masked" in block
        bar_values = re.findall(r'class="tick">([\d,]+)</text>', block)
        assert "0" not in bar_values  # a masked cell is never drawn as a zero bar


def test_the_charts_render_in_a_browser(page):
    with serve(page.parent) as base:
        url = f"{base}/{page.name}"
        dom = dump_dom(url)
        shot = screenshot(url, "report")
    assert dom.count('class="chart"') >= 3
    assert dom.count('class="series"') >= 4  # program-family and per-program lines
    assert dom.count('class="break"') >= 3  # methodology breaks on the time axis
    assert dom.count('class="bar"') >= 10  # top towns
    assert len(png_colours(shot)) > 50
