"""The report site written from the published sample: its pages, every number it shows, masking and the banner."""

from __future__ import annotations

import csv
import html
import json
import re
import shutil
import subprocess
import sys
import zipfile

import duckdb
import pytest
from support.report_pages import csv_rows, figures, headings, local_links, shown_figure_numbers, table_numbers
from support.warehouse_fixtures import REPO, query

from ctdss.build.runner import project_vars
from ctdss.errors import UserError
from ctdss.report import write_site

# Where each rpt_ table's cells are shown: the CSV beside the page (a SQL expression of the row), and the
# columns that name the cell's series and period as the CSV writes them, and whether the cell is masked.
LATEST_TOWN_YEAR = "(select max(calendar_year) from reporting.rpt_town_participation_by_program)"
SHOWN_CELLS = {
    "town-by-program": ("reporting.rpt_town_participation_by_program", "'towns/' || town_key || '.by-program.csv'",
                        "program_name", "cast(calendar_year as varchar)", "is_suppressed",
                        f"calendar_year = {LATEST_TOWN_YEAR}"),
    "program-top-towns": ("reporting.rpt_town_participation_by_program", "'programs/' || "
                          "replace(lower(program_code), '_', '-') || '.top-towns.csv'", "town_name",
                          "cast(calendar_year as varchar)", "is_suppressed", f"calendar_year = {LATEST_TOWN_YEAR}"),
    "index-family-monthly": ("reporting.rpt_program_family_trends_by_month", "'index.family-monthly.csv'",
                             "program_family", "strftime(month_start_date, '%Y-%m')", "is_suppressed", "true"),
    "index-family-annual": ("reporting.rpt_program_family_trends_by_month", "'index.family-annual.csv'",
                            "program_family", "cast(calendar_year as varchar)", "is_12_month_average_masked",
                            "extract(month from month_start_date) = 12"),
    "program-statewide": ("reporting.rpt_program_participation_by_month", "'programs/' || "
                          "replace(lower(program_code), '_', '-') || '.statewide.csv'", "program_name",
                          "strftime(month_start_date, '%Y-%m')", "is_suppressed", "true"),
    "town-family-monthly": ("reporting.rpt_town_program_family_trends_by_month",
                            "'towns/' || town_key || '.family-monthly.csv'", "program_family",
                            "strftime(month_start_date, '%Y-%m')", "is_suppressed", "true"),
    "town-family-annual": ("reporting.rpt_town_program_family_trends_by_year",
                           "'towns/' || town_key || '.family-annual.csv'", "program_family",
                           "cast(calendar_year as varchar)", "is_suppressed", "true"),
    "town-by-race": ("reporting.rpt_town_participation_by_race", "'towns/' || town_key || '.by-race.csv'",
                     "race_name", "cast(calendar_year as varchar)", "is_suppressed", "true"),
}

# The released rpt_ tables the site does not draw, and why.
NOT_SHOWN = {
    "reporting.rpt_town_participation_by_region": "county and planning-region totals, released for BI tools",
    "reporting.rpt_assistance_type_participation_by_year": "the statewide yearly trend by assistance type, "
    "released for BI tools and the semantic layer's statewide_trend; the site's statewide charts are monthly",
}


def test_every_rpt_table_of_the_public_release_is_checked_on_the_site_or_said_not_to_be_shown(report_site):
    """A new rpt_ table cannot be published without SHOWN_CELLS saying where the site shows its cells, or
    NOT_SHOWN why it does not."""
    released = {f"reporting.{t}" for (t,) in query(
        report_site.public, "select table_name from information_schema.tables where table_schema = 'reporting'")}
    assert released == {cells[0] for cells in SHOWN_CELLS.values()} | set(NOT_SHOWN)


def _pages(root):
    return sorted(root.rglob("*.html"))


def test_the_site_has_an_index_a_page_per_town_and_a_page_per_program(report_site):
    towns = query(report_site.public, "select town_key from marts.dim_town where not is_special")
    # A program gets a page when some chart of it has a count: statewide by month, or by town.
    programs = query(report_site.public, "select program_code from reporting.rpt_program_participation_by_month "
                     "union select program_code from reporting.rpt_town_participation_by_program")
    assert len(towns) == 169
    root = report_site.root
    assert {p.stem for p in (root / "towns").glob("*.html")} == {t for (t,) in towns}
    assert {p.stem for p in (root / "programs").glob("*.html")} == {c.lower().replace("_", "-") for (c,) in programs}
    assert report_site.site.pages == len(_pages(root)) == 1 + 169 + len(programs)
    index = (root / "index.html").read_text()
    assert all(f'href="towns/{t}.html"' in index for (t,) in towns)
    assert (root / "assets" / "plotly.min.js").stat().st_size > 1_000_000  # written once, shared by every page


# Text meant for the report's developers, never its readers: a table with no rows, a Python None, a file to edit.
DEVELOPER_TEXT = re.compile(r"has no rows|\bNone\b|\.py\b|Traceback|\breporting\.rpt_\w+ (?:has|is|lacks)")


def test_no_page_shows_developer_text_and_every_program_page_draws_its_charts(report_site):
    texts = {page: html.unescape(re.sub(r"<script\b.*?</script>", "", page.read_text(), flags=re.S))
             for page in _pages(report_site.root)}
    assert {str(page): DEVELOPER_TEXT.findall(text) for page, text in texts.items()
            if DEVELOPER_TEXT.search(text)} == {}
    programs = sorted((report_site.root / "programs").glob("*.html"))
    assert programs and all(figures(page).keys() == {"statewide", "top-towns"} for page in programs)
    unpublished = query(report_site.public, "select program_code from marts.dim_program where program_code not in "
                        "(select program_code from reporting.rpt_program_participation_by_month) and program_code "
                        "not in (select program_code from reporting.rpt_town_participation_by_program)")
    assert unpublished  # the sample has a program DSS reports under other names: it gets no page and no link
    index = (report_site.root / "index.html").read_text()
    for (code,) in unpublished:
        slug = code.lower().replace("_", "-")
        assert not (report_site.root / "programs" / f"{slug}.html").exists() and f"{slug}.html" not in index


def _line_styles(page) -> dict[str, dict[str, tuple[str, str]]]:
    """Each line chart's series and their colour and dash, by chart key."""
    return {key: {t["name"]: (t["line"]["color"], t["line"]["dash"]) for t in figure["data"]
                  if t.get("fill") == "tonexty"}
            for key, figure in figures(page).items()}


def test_a_series_has_one_colour_and_dash_across_every_chart_of_the_site(report_site):
    seen: dict[str, set[tuple[str, str]]] = {}
    for page in _pages(report_site.root):
        for chart in _line_styles(page).values():
            assert len(set(chart.values())) == len(chart), (page, chart)  # lines of one chart look different
            for name, style in chart.items():
                seen.setdefault(name, set()).add(style)
    assert {"food", "medical", "White", "SNAP"} <= seen.keys()
    assert {name: styles for name, styles in seen.items() if len(styles) > 1} == {}


def _contrast_with_white(colour: str) -> float:
    """WCAG 2.x contrast ratio of #rrggbb against white: (1 + 0.05) / (relative luminance + 0.05)."""
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(int(colour[i:i + 2], 16) / 255) for i in (1, 3, 5))
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)


def test_every_line_and_bar_colour_stands_3_to_1_against_the_white_page(report_site):
    colours = set()
    for page in _pages(report_site.root):
        for figure in figures(page).values():
            colours |= {t["line"]["color"] for t in figure["data"] if t.get("fill") == "tonexty"}
            colours |= {t["marker"]["color"] for t in figure["data"] if t["type"] == "bar"}
    assert len(colours) >= 8
    assert {c: round(_contrast_with_white(c), 2) for c in colours if _contrast_with_white(c) < 3} == {}
    assert round(_contrast_with_white("#767676"), 1) == 4.5  # WCAG's own example of the 4.5:1 grey


def test_a_break_marker_wears_no_series_colour_and_a_town_with_no_row_is_not_the_palest_shade(report_site):
    series, breaks = set(), set()
    for page in _pages(report_site.root):
        for figure in figures(page).values():
            series |= {t["line"]["color"] for t in figure["data"] if t.get("fill") == "tonexty"}
            breaks |= {s["line"]["color"] for s in figure.get("layout", {}).get("shapes", [])}
    assert breaks and not breaks & series
    index = (report_site.root / "index.html").read_text(encoding="utf-8")
    palest, no_row = (re.search(pattern, index).group(1) for pattern in (r"\.c0 \{ fill: (#[0-9a-fA-F]{6})",
                                                                           r"\.none \{ fill: (#[0-9a-fA-F]{6})"))
    # contrast between the two fills, from their contrasts with white
    assert _contrast_with_white(no_row) / _contrast_with_white(palest) >= 1.2


def test_the_top_towns_chart_says_which_year_it_shows_and_why(report_site):
    first, last = query(report_site.public, "select min(calendar_year), max(calendar_year) from "
                        "reporting.rpt_town_participation_by_program where program_code = 'SNAP'")[0]
    assert first < last
    text = (report_site.root / "programs" / "snap.html").read_text()
    caption = text.split('data-chart="top-towns"', 1)[1].split("</figcaption>", 1)[0]
    assert "only period" not in caption
    assert f"({last}, the latest of the periods published, {first} to {last}" in " ".join(caption.split())


def test_the_vintage_table_lists_every_loaded_dataset_and_what_supersedes_it(report_site, built_warehouse):
    raw = query(built_warehouse.db, "select table_name from duckdb_tables() where schema_name = 'raw' "
                "and table_name not like '\\_%' escape '\\'")
    loaded = query(built_warehouse.db, " union ".join(f"select distinct _source_dataset_id from raw.{t}"
                                                      for (t,) in raw))
    superseded = query(built_warehouse.db, "select source_dataset_id, string_agg(distinct calendar_year::varchar, "
                       "', '), string_agg(distinct chosen_source_dataset_id, ', ') from qa.qa_superseded_rows "
                       "group by 1")
    assert superseded and len(raw) >= 7 and len(loaded) >= len(raw)
    vintage = html.unescape((report_site.root / "index.html").read_text()).split('<section id="vintage">', 1)[1]
    rows = {cells[0]: cells for cells in (re.findall(r"<td>(.*?)</td>", row, re.S)
                                          for row in vintage.split("<tr>")[2:])}
    assert {d for (d,) in loaded} <= rows.keys()
    for dataset, years, by in superseded:
        assert rows[dataset][3] == f"{years}, by {by}", dataset
    assert all(row[3] == "no" for dataset, row in rows.items() if dataset not in {d for d, _, _ in superseded})


def test_every_link_and_script_is_local_and_resolves(report_site):
    broken, remote = [], []
    for page in _pages(report_site.root):
        for link in local_links(page):
            if "://" in link or link.startswith("//"):
                remote.append((page.name, link))
            elif not (page.parent / link).resolve().exists():
                broken.append((page.name, link))
    assert remote == [] and broken == []


def test_headings_are_in_order_on_every_page(report_site):
    for page in _pages(report_site.root):
        levels = headings(page)
        assert levels[0] == 1 and levels.count(1) == 1, page
        assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), (page, levels)


def test_every_chart_has_a_data_table_under_a_disclosure_and_a_csv_beside_the_page(report_site):
    for page in _pages(report_site.root):
        text = page.read_text()
        for key in figures(page):
            block = text.split(f'id="plot-{key}"', 1)[1].split("</figure>", 1)[0]
            assert "<details>" in block and '<table class="data">' in block, (page, key)
            assert (page.parent / f"{page.stem}.{key}.csv").exists(), (page, key)


def test_no_number_the_site_shows_is_below_the_threshold_but_0(report_site):
    threshold = project_vars()["suppression_threshold"]
    shown: list[float] = []
    for page in _pages(report_site.root):
        shown += [n for figure in figures(page).values() for n in shown_figure_numbers(figure)]
        shown += table_numbers(page)
    for path in report_site.root.rglob("*.csv"):
        shown += [float(row[c]) for row in csv_rows(path) for c in ("value", "lower", "upper") if row[c]]
    assert len(shown) > 10_000
    assert [n for n in shown if 0 < n < threshold] == []


@pytest.mark.parametrize(("table", "csv_path", "series", "period", "masked", "where"), SHOWN_CELLS.values(),
                         ids=SHOWN_CELLS.keys())
def test_every_rpt_cell_is_shown_and_every_masked_one_as_masked(report_site, table, csv_path, series, period,
                                                                  masked, where):
    cells = query(report_site.public,
                  f"select {csv_path}, {series}, {period}, {masked} from {table} where {where}")
    assert cells
    by_file: dict = {}
    for path, name, when, is_masked in cells:
        by_file.setdefault(path, {})[(name, when)] = is_masked
    for path, expected in by_file.items():
        rows = {(r["series"], r["period"]): r for r in csv_rows(report_site.root / path)}
        assert rows.keys() == expected.keys(), path
        for cell, is_masked in expected.items():
            row = rows[cell]
            assert row["status"] == ("masked" if is_masked else "published"), (path, cell)
            if is_masked:
                assert row["value"] == row["lower"] == row["upper"] == "", (path, cell)  # never a 0


def test_a_masked_town_cell_is_a_gap_with_a_masked_note_never_a_bar(report_site):
    masked = query(report_site.public, "select town_key, program_name from "
                   f"reporting.rpt_town_participation_by_program where is_suppressed and calendar_year = "
                   f"{LATEST_TOWN_YEAR} order by 1, 2")
    assert len(masked) > 100
    expected: dict[str, set[str]] = {}
    for town, program in masked:
        expected.setdefault(town, set()).add(program)
    for town, programs in expected.items():
        figure = figures(report_site.root / "towns" / f"{town}.html")["by-program"]
        bars = next(t for t in figure["data"] if t["type"] == "bar")
        ticks = next(t for t in figure["data"] if t.get("yaxis") == "y2")
        assert programs.isdisjoint(bars["x"]), town
        assert set(ticks["x"]) == programs, town
        assert all(note.endswith(": masked") for note in ticks["customdata"])


def test_bounds_are_drawn_as_bands_from_the_lower_to_the_upper_bound(report_site):
    figure = figures(report_site.root / "index.html")["family-monthly"]
    lines = [t for t in figure["data"] if t.get("yaxis") != "y2"]
    families = {f for (f,) in query(report_site.public,
                                    "select distinct program_family from reporting.rpt_program_family_trends_by_month")}
    assert {t["name"] for t in lines if t.get("showlegend", True)} == families
    for family in families:
        upper, lower = (t for t in lines if t["legendgroup"] == family)
        assert lower["fill"] == "tonexty"  # the band fills from the lower-bound line up to the upper-bound line
        rows = query(report_site.public, "select enrolments_lower, enrolments_upper from "
                     "reporting.rpt_program_family_trends_by_month where program_family = ? order by month_start_date",
                     [family])
        assert lower["y"] == [r[0] for r in rows] and upper["y"] == [r[1] for r in rows]


def _flag_spans(analysts, fact: str, period: str, where: str = "true") -> dict[str, tuple]:
    """The first and last period each methodology event flags on a fact of the analysts' file."""
    return {key: (first, last) for key, first, last in query(analysts, f"""
        select event_key, min({period}), max({period}) from (select {period},
            unnest(string_split(methodology_event_keys, ', ')) as event_key
            from marts.{fact} where methodology_event_keys is not null and {where})
        group by event_key""")}


def test_methodology_breaks_are_marked_where_the_statewide_series_crosses_them(report_site):
    figure = figures(report_site.root / "index.html")["family-monthly"]
    months = [m for (m,) in query(report_site.public, "select distinct month_start_date from "
                                  "reporting.rpt_program_family_trends_by_month order by 1")]
    expected = set()  # where a flagged span starts after the first month, and the month after one ends
    for first, last in _flag_spans(report_site.analysts, "fct_program_participation_monthly",
                                   "month_start_date").values():
        expected |= {first} if months[0] < first else set()
        expected |= {min(m for m in months if m > last)} if last < months[-1] else set()
    assert expected and {s["x0"] for s in figure["layout"]["shapes"]} == {d.isoformat() for d in expected}
    assert all("Methodology break" in a["hovertext"] for a in figure["layout"]["annotations"])


def test_methodology_breaks_carry_the_descriptions_of_dim_methodology_event(report_site):
    with (REPO / "seeds" / "methodology_events.csv").open(newline="", encoding="utf-8") as handle:
        seed = {row["event_key"]: row["description"] for row in csv.DictReader(handle)}
    events = dict(query(report_site.public, "select event_key, event_description from "
                        "marts.dim_methodology_event"))
    assert events == seed
    hartford = html.unescape((report_site.root / "towns" / "hartford.html").read_text())
    flagged = {**_flag_spans(report_site.analysts, "fct_town_program_participation_annual", "calendar_year",
                             "town_key = 'hartford'"),
               **_flag_spans(report_site.analysts, "fct_town_race_participation_annual", "calendar_year",
                             "town_key = 'hartford'"),
               **_flag_spans(report_site.analysts, "fct_town_program_participation_monthly", "month_start_date",
                             "town_key = 'hartford'")}
    breaks = hartford.split('<section id="breaks">', 1)[1].split("</section>", 1)[0]
    assert flagged and breaks.count("<tr>") == 1 + len(flagged)
    assert all(f"<code>{key}</code>" in breaks and seed[key] in breaks for key in flagged)
    index = html.unescape((report_site.root / "index.html").read_text())
    assert all(seed[key] in index for key in _flag_spans(report_site.analysts, "fct_program_participation_monthly",
                                                         "month_start_date"))
    annual = figures(report_site.root / "towns" / "hartford.html")["family-annual"]
    notes = " ".join(a["hovertext"].replace("<br>", " ") for a in annual["layout"]["annotations"])
    assert annual["layout"]["annotations"] and "Town counts" not in notes  # spans every year: no break on it
    assert " ".join(seed["address_logic_conflict_2019"].split()[:6]) in notes


def test_the_sample_site_carries_the_synthetic_banner_on_every_page(report_site):
    assert all('id="synthetic-banner"' in p.read_text() for p in _pages(report_site.root))


def _altered(published, path, statement: str):
    """A copy of the public release with one statement run on it."""
    shutil.copyfile(published, path)
    con = duckdb.connect(str(path))
    con.execute(statement)
    con.close()
    return path


def test_a_real_publication_has_no_synthetic_banner(report_site, tmp_path):
    real = _altered(report_site.public, tmp_path / "real.duckdb",
                    "update marts.publication set is_synthetic = false")
    site = write_site(real, tmp_path / "report")
    pages = _pages(site.out)
    assert len(pages) == report_site.site.pages
    assert not any("synthetic-banner" in p.read_text() for p in pages)
    assert "<td>data.ct.gov</td>" in (site.out / "index.html").read_text()


@pytest.mark.parametrize("town", ["hartford", "andover"])
def test_town_pages_draw_the_family_trends_monthly_and_annual_as_bands(report_site, town):
    shown = figures(report_site.root / "towns" / f"{town}.html")
    for key, table, period in (("family-monthly", "rpt_town_program_family_trends_by_month", "month_start_date"),
                               ("family-annual", "rpt_town_program_family_trends_by_year", "calendar_year")):
        rows = query(report_site.public, f"""select program_family, {period}, enrolments_lower, enrolments_upper,
            is_suppressed from reporting.{table} where town_key = ? order by 1, 2""", [town])
        lines = [t for t in shown[key]["data"] if t.get("yaxis") != "y2"]
        assert [t["name"] for t in lines if t.get("showlegend", True)] == sorted({r[0] for r in rows})
        for family in {r[0] for r in rows}:
            upper, lower = (t for t in lines if t["legendgroup"] == family)
            cells = [r for r in rows if r[0] == family]
            assert lower["fill"] == "tonexty"
            assert lower["y"] == [None if r[4] else r[2] for r in cells]
            assert upper["y"] == [None if r[4] else r[3] for r in cells]


def test_a_masked_race_cell_is_a_gap_with_a_masked_note(report_site):
    masked = query(report_site.public, """select town_key, list(race_name || ': masked'),
        list(struct_pack(race := race_name, year := calendar_year)) from reporting.rpt_town_participation_by_race
        where is_suppressed group by 1 order by 1""")
    assert len(masked) > 50
    for town, notes, cells in masked:
        figure = figures(report_site.root / "towns" / f"{town}.html")["by-race"]
        ticks = next(t for t in figure["data"] if t.get("yaxis") == "y2")
        assert sorted(ticks["customdata"]) == sorted(notes), town
        bands = {t["legendgroup"]: t for t in figure["data"] if t.get("fill") == "tonexty"}
        for cell in cells:
            band = bands[cell["race"]]
            assert band["y"][band["x"].index(cell["year"])] is None, (town, cell)


def test_the_race_lines_follow_dss_order(report_site):
    figure = figures(report_site.root / "towns" / "hartford.html")["by-race"]
    order = [r for (r,) in query(report_site.public, "select race_name from reporting."
             "rpt_town_participation_by_race group by race_name order by min(race_sort_order)")]
    assert [t["name"] for t in figure["data"] if t.get("fill") == "tonexty"] == order


def test_a_published_table_lacking_a_column_fails_naming_the_spec_to_fix(report_site, tmp_path):
    published = _altered(report_site.public, tmp_path / "bad-town-series.duckdb",
                         "alter table reporting.rpt_town_program_family_trends_by_month drop column enrolments_lower")
    with pytest.raises(UserError, match=r"enrolments_lower.*series\.py"):
        write_site(published, tmp_path / "report")
    assert not (tmp_path / "report").exists()


def test_a_chart_whose_table_is_not_published_says_so_on_the_page(report_site, tmp_path):
    published = _altered(report_site.public, tmp_path / "without-race.duckdb",
                         "drop table reporting.rpt_town_participation_by_race")
    site = write_site(published, tmp_path / "report")
    hartford = site.out / "towns" / "hartford.html"
    assert "by-race" not in figures(hartford) and {"family-monthly", "family-annual"} <= figures(hartford).keys()
    assert "Not published yet" in hartford.read_text() and not (site.out / "towns" / "hartford.by-race.csv").exists()


def test_a_missing_published_file_is_one_clear_error(tmp_path):
    with pytest.raises(UserError, match="make demo"):
        write_site(tmp_path / "absent.duckdb", tmp_path / "report")


def test_the_site_is_never_written_from_the_analysts_file(report_site, tmp_path):
    with pytest.raises(UserError, match=r"not the public release: it holds marts\.fct_"):
        write_site(report_site.analysts, tmp_path / "report")
    assert not (tmp_path / "report").exists()


@pytest.mark.slow
def test_the_templates_and_assets_ship_in_the_wheel(tmp_path):
    source = tmp_path / "src"
    shutil.copytree(REPO / "scripts", source / "scripts", ignore=shutil.ignore_patterns("*.egg-info", "__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copyfile(REPO / name, source / name)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                            "--disable-pip-version-check", "-q", "-w", str(tmp_path / "dist"), str(source)],
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = (tmp_path / "dist").glob("ctdss-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = {f"ctdss/report/templates/{p.name}" for p in (REPO / "scripts/ctdss/report/templates").iterdir()}
    static = {f"ctdss/report/static/{p.name}" for p in (REPO / "scripts/ctdss/report/static").iterdir()}
    assert templates and static and templates | static <= names
    models = {f"ctdss/build/templates/{p.name}" for p in (REPO / "scripts/ctdss/build/templates").iterdir()}
    assert models and models <= names  # `ctdss generate` writes the kinds' dbt files from them


def _shown(path) -> dict[tuple[str, str], tuple[str, str, str]]:
    return {(r["series"], r["period"]): (r["status"], r["lower"], r["upper"]) for r in csv_rows(path)}


def test_no_page_shows_a_cell_that_another_page_masks(report_site):
    """A town's family row is its program row when only one program of the family has a row in that town and
    year (the family `other` holds only CHCPE): both pages must show it alike, masked or with the same bounds.
    The same holds for the statewide families of one program and their program pages."""
    programs = query(report_site.public, "select program_code, program_name, program_family from "
                     "marts.dim_program")
    family_of = {name: family for _, name, family in programs}
    compared = 0
    for page in sorted((report_site.root / "towns").glob("*.by-program.csv")):
        by_program = _shown(page)
        by_family = _shown(page.with_name(page.name.replace(".by-program.", ".family-annual.")))
        members: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for name, year in by_program:
            members.setdefault((family_of[name], year), []).append((name, year))
        for (family, year), cells in members.items():
            if len(cells) == 1 and (family, year) in by_family:
                assert by_program[cells[0]] == by_family[(family, year)], (page.name, cells[0], family)
                compared += 1
    statewide = _shown(report_site.root / "index.family-monthly.csv")
    for code, _, family in programs:
        if sum(f == family for _, _, f in programs) == 1:
            path = report_site.root / "programs" / f"{code.lower().replace('_', '-')}.statewide.csv"
            for (_, month), shown in _shown(path).items():
                assert shown == statewide[(family, month)], (path.name, month)
                compared += 1
    assert compared > 169  # at least one shared cell a town, and the statewide ones


TOWN_PATH = re.compile(r'<a href="([^"]+)"><path class="town ([\w-]+)" data-town="([^"]+)" d="([^"]+)">'
                       r"<title>([^<]*)</title>")


def _map(page) -> dict[str, tuple[str, str, str, str]]:
    """A page's town map as drawn without script: each town's link, shade class, outline and hover text."""
    return {town: (href, cls, d, html.unescape(title))
            for href, cls, town, d, title in TOWN_PATH.findall(page.read_text())}


def _map_views(page) -> list[dict]:
    body = re.search(r'<script type="application/json" class="map-views">(.*?)</script>', page.read_text(), re.S)
    return json.loads(body.group(1))


def _town_cells(public, program: str, year: int) -> dict[str, tuple]:
    """Each town's cell: name, count bounds, rate bounds and whether it is masked."""
    return {key: (name, (lower, upper), rates, masked) for key, name, lower, upper, *rates, masked in query(public, """
        select town_key, town_name, recipient_count_lower, recipient_count_upper, rate_per_1000_lower,
            rate_per_1000_upper, is_suppressed
        from reporting.rpt_town_participation_by_program where program_code = ? and calendar_year = ?""",
        [program, year])}


def _bounds_text(bounds, digits: int) -> str:
    lower, upper = (f"{b:,.{digits}f}" for b in bounds)
    return lower if lower == upper else f"{lower}-{upper}"


def _assert_view(classes: dict[str, str], titles: dict[str, str], cells: dict[str, tuple], by_rate: bool) -> None:
    """A view of the map: every town hatched where masked, its count and rate in its tooltip, and shades that
    rise with the value the view maps (counts, or rates per 1,000 residents)."""
    assert classes.keys() == cells.keys() and len(cells) == 169
    for town, (name, counts, rates, masked) in cells.items():
        title = titles[town]
        assert title.startswith(f"{name}: "), town
        if masked:
            assert classes[town] == "masked" and "masked" in title and not re.search(r"\d", title), town
        else:
            assert re.fullmatch(r"c[0-4]", classes[town]), town
            shown = f"{_bounds_text(counts, 0)} recipients; {_bounds_text(rates, 2)} per 1,000 residents"
            assert title == f"{name}: {shown}", town
    shades = sorted((float(sum(cells[t][2 if by_rate else 1])), int(cls[1])) for t, cls in classes.items()
                    if cls != "masked")
    assert [shade for _, shade in shades] == sorted(shade for _, shade in shades)
    if len({value for value, _ in shades}) >= 5:
        assert shades[0][1] == 0 and shades[-1][1] == 4


def _views_by_period(views: list[dict], periods: list) -> list[tuple]:
    """The views in pairs: each period's view by count, then by rate."""
    assert [v["label"] for v in views] == [f"{p}, {unit}" for p in periods
                                           for unit in ("recipients", "per 1,000 residents")]
    return [(period, views[2 * i], views[2 * i + 1]) for i, period in enumerate(periods)]


# The program with the most masked towns in the latest year.
MOST_MASKED = """select program_code from reporting.rpt_town_participation_by_program
    where calendar_year = (select max(calendar_year) from reporting.rpt_town_participation_by_program)
    group by 1 order by count(*) filter (where is_suppressed) desc, 1 limit 1"""


def test_a_program_page_maps_the_169_towns_by_year_and_rate_with_masked_towns_hatched(report_site):
    program = query(report_site.public, MOST_MASKED)[0][0]
    years = [y for (y,) in query(report_site.public, "select distinct calendar_year from "
             "reporting.rpt_town_participation_by_program where program_code = ? order by 1 desc", [program])]
    page = report_site.root / "programs" / f"{program.lower().replace('_', '-')}.html"
    drawn = _map(page)
    assert len(drawn) == 169 and len({d for _, _, d, _ in drawn.values()}) == 169
    assert all(href == f"../towns/{town}.html" and (page.parent / href).exists()
               for town, (href, _, _, _) in drawn.items())
    latest = _town_cells(report_site.public, program, years[0])
    _assert_view({t: cls for t, (_, cls, _, _) in drawn.items()}, {t: v[3] for t, v in drawn.items()}, latest,
                 by_rate=False)
    assert len(years) > 1 and any(masked for *_, masked in latest.values())
    for year, counts, rates in _views_by_period(_map_views(page), years):
        cells = _town_cells(report_site.public, program, year)
        _assert_view(counts["classes"], counts["titles"], cells, by_rate=False)
        _assert_view(rates["classes"], rates["titles"], cells, by_rate=True)
        assert ["masked", "masked"] in counts["legend"] and ["masked", "masked"] in rates["legend"]


def test_the_index_maps_the_latest_year_of_every_program_with_town_counts(report_site):
    latest = query(report_site.public, "select max(calendar_year) from reporting.rpt_town_participation_by_program")
    programs = query(report_site.public, """select distinct p.program_code, p.program_name, p.program_family
        from reporting.rpt_town_participation_by_program r join marts.dim_program p using (program_code)
        where calendar_year = ? order by p.program_family, p.program_name""", [latest[0][0]])
    index = report_site.root / "index.html"
    views = _views_by_period(_map_views(index), [name for _, name, _ in programs])
    for (code, _, _), (_, counts, rates) in zip(programs, views, strict=True):
        cells = _town_cells(report_site.public, code, latest[0][0])
        _assert_view(counts["classes"], counts["titles"], cells, by_rate=False)
        _assert_view(rates["classes"], rates["titles"], cells, by_rate=True)
    drawn = _map(index)
    assert len(drawn) == 169 and all((index.parent / href).exists() for href, *_ in drawn.values())


def test_the_town_outlines_are_the_census_towns_and_credited_on_every_page(report_site):
    shipped = json.loads((REPO / "scripts/ctdss/report/static/ct-towns.geojson").read_text())
    with (REPO / "seeds" / "ct_towns.csv").open(newline="", encoding="utf-8") as handle:
        seed = {row["town_fips_2020"]: row["town_name"] for row in csv.DictReader(handle)
                if row["is_special"] == "false"}
    assert {f["properties"]["GEOID"]: f["properties"]["NAME"] for f in shipped["features"]} == seed
    assert len(seed) == 169
    hartford = report_site.root / "towns" / "hartford.html"
    locator = re.search(r'<figure class="locator">.*?<image href="([^"]+)".*?<path class="here" d="([^"]+)"',
                        hartford.read_text(), re.S)
    assert (hartford.parent / locator.group(1)).exists()
    assert locator.group(2) == _map(report_site.root / "index.html")["hartford"][2]
    assert all("U.S. Census Bureau" in p.read_text().split("<footer", 1)[1] for p in _pages(report_site.root))
    assert "U.S. Census Bureau" in (REPO / "README.md").read_text()
