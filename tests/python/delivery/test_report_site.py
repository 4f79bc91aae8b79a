"""The report site written from the published sample: its pages, every number it shows, masking and the banner."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile

import duckdb
import pytest
from support.report_pages import csv_rows, figures, headings, local_links, shown_figure_numbers, table_numbers
from support.warehouse_fixtures import REPO, query

from ctdss.errors import UserError
from ctdss.report import write_site

# Where each rpt_ table's cells are shown: the CSV beside the page (a SQL expression of the row), and the
# columns that name the cell's series and period as the CSV writes them, and whether the cell is masked.
SHOWN_CELLS = [
    ("reporting.rpt_town_participation_by_program", "'towns/' || town_key || '.by-program.csv'",
     "program_name", "cast(calendar_year as varchar)", "is_suppressed", "true"),
    ("reporting.rpt_town_participation_by_program", "'programs/' || replace(lower(program_code), '_', '-') "
     "|| '.top-towns.csv'", "town_name", "cast(calendar_year as varchar)", "is_suppressed",
     "calendar_year = (select max(calendar_year) from reporting.rpt_town_participation_by_program)"),
    ("reporting.rpt_program_family_trends_by_month", "'index.family-monthly.csv'", "program_family",
     "strftime(month_start_date, '%Y-%m')", "is_suppressed", "true"),
    ("reporting.rpt_program_family_trends_by_month", "'index.family-annual.csv'", "program_family",
     "cast(calendar_year as varchar)", "is_12_month_average_masked", "extract(month from month_start_date) = 12"),
    ("reporting.rpt_program_participation_by_month", "'programs/' || replace(lower(program_code), '_', '-') "
     "|| '.statewide.csv'", "program_name", "strftime(month_start_date, '%Y-%m')", "is_suppressed", "true"),
]


def _pages(root):
    return sorted(root.rglob("*.html"))


def test_the_site_has_an_index_a_page_per_town_and_a_page_per_program(report_site):
    towns = query(report_site.published, "select town_key from marts.dim_town where not is_special")
    programs = query(report_site.published, "select program_code from marts.dim_program")
    assert len(towns) == 169
    root = report_site.root
    assert {p.stem for p in (root / "towns").glob("*.html")} == {t for (t,) in towns}
    assert {p.stem for p in (root / "programs").glob("*.html")} == {c.lower().replace("_", "-") for (c,) in programs}
    assert report_site.site.pages == len(_pages(root)) == 1 + 169 + len(programs)
    index = (root / "index.html").read_text()
    assert all(f'href="towns/{t}.html"' in index for (t,) in towns)
    assert (root / "assets" / "plotly.min.js").stat().st_size > 1_000_000  # written once, shared by every page


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


def test_no_number_the_site_shows_lies_between_1_and_4(report_site):
    shown: list[float] = []
    for page in _pages(report_site.root):
        shown += [n for figure in figures(page).values() for n in shown_figure_numbers(figure)]
        shown += table_numbers(page)
    for path in report_site.root.rglob("*.csv"):
        shown += [float(row[c]) for row in csv_rows(path) for c in ("value", "lower", "upper") if row[c]]
    assert len(shown) > 10_000
    assert [n for n in shown if 0 < n < 5] == []


@pytest.mark.parametrize(("table", "csv_path", "series", "period", "masked", "where"), SHOWN_CELLS,
                         ids=["town-by-program", "program-top-towns", "index-family-monthly", "index-family-annual",
                              "program-statewide"])
def test_every_rpt_cell_is_shown_and_every_masked_one_as_masked(report_site, table, csv_path, series, period,
                                                                  masked, where):
    cells = query(report_site.published,
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
    masked = query(report_site.published, "select town_key, program_name from "
                   "reporting.rpt_town_participation_by_program where is_suppressed order by 1, 2")
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
    families = {f for (f,) in query(report_site.published,
                                    "select distinct program_family from reporting.rpt_program_family_trends_by_month")}
    assert {t["name"] for t in lines if t.get("showlegend", True)} == families
    for family in families:
        upper, lower = (t for t in lines if t["legendgroup"] == family)
        assert lower["fill"] == "tonexty"  # the band fills from the lower-bound line up to the upper-bound line
        rows = query(report_site.published, "select enrolments_lower, enrolments_upper from "
                     "reporting.rpt_program_family_trends_by_month where program_family = ? order by month_start_date",
                     [family])
        assert lower["y"] == [r[0] for r in rows] and upper["y"] == [r[1] for r in rows]


def test_methodology_breaks_are_marked_on_the_statewide_chart(report_site):
    figure = figures(report_site.root / "index.html")["family-monthly"]
    first = query(report_site.published, """
        select min(month_start_date) from (select month_start_date,
            unnest(string_split(methodology_event_keys, ', ')) as event_key
            from marts.fct_program_participation_monthly where methodology_event_keys is not null)
        group by event_key""")
    assert {s["x0"] for s in figure["layout"]["shapes"]} == {d.isoformat() for (d,) in first}
    assert all("Methodology break" in a["hovertext"] for a in figure["layout"]["annotations"])


def test_the_sample_site_carries_the_synthetic_banner_on_every_page(report_site):
    assert all('id="synthetic-banner"' in p.read_text() for p in _pages(report_site.root))


def test_a_real_publication_has_no_synthetic_banner(report_site, tmp_path):
    real = tmp_path / "real.duckdb"
    shutil.copyfile(report_site.published, real)
    con = duckdb.connect(str(real))
    con.execute("update marts.publication set is_synthetic = false")
    con.close()
    site = write_site(real, tmp_path / "report")
    pages = _pages(site.out)
    assert len(pages) == report_site.site.pages
    assert not any("synthetic-banner" in p.read_text() for p in pages)
    assert "<td>data.ct.gov</td>" in (site.out / "index.html").read_text()


def _with_town_monthly_series(published, path, columns: str) -> None:
    shutil.copyfile(published, path)
    con = duckdb.connect(str(path))
    con.execute(f"""create table reporting.rpt_town_program_family_trends_by_month as
        select {columns} from reporting.rpt_program_family_trends_by_month f
        cross join (select town_key, town_name from marts.dim_town where town_key in ('hartford', 'andover')) t""")
    con.close()


def test_a_town_series_table_once_published_is_drawn_monthly_on_the_town_page(report_site, tmp_path):
    published = tmp_path / "with-town-series.duckdb"
    masked = "t.town_key = 'andover' and f.month_start_date = date '2020-06-01'"
    _with_town_monthly_series(report_site.published, published, f"""
        t.town_key, t.town_name, f.program_family, f.month_start_date,
        case when not ({masked}) then f.enrolments end as enrolments,
        case when not ({masked}) then f.enrolments_lower end as enrolments_lower,
        case when not ({masked}) then f.enrolments_upper end as enrolments_upper, ({masked}) as is_suppressed""")
    site = write_site(published, tmp_path / "report")
    for town in ("hartford", "andover"):
        figure = figures(site.out / "towns" / f"{town}.html")["family-trend"]
        assert {t["name"] for t in figure["data"] if t.get("showlegend", True) and t.get("yaxis") != "y2"} == {
            "cash", "food", "medical", "other"}
    rows = csv_rows(site.out / "towns" / "andover.family-trend.csv")
    assert [r["series"] for r in rows if r["status"] == "masked"] == ["cash", "food", "medical", "other"]
    assert "Not published yet" in (report_site.root / "towns" / "hartford.html").read_text()  # before the table
    assert "has no rows for this page" in (site.out / "towns" / "avon.html").read_text()  # a town it lacks


def test_a_town_series_table_lacking_a_column_fails_naming_the_spec_to_fix(report_site, tmp_path):
    published = tmp_path / "bad-town-series.duckdb"
    _with_town_monthly_series(report_site.published, published,
                              "t.town_key, f.program_family, f.month_start_date, f.enrolments, f.is_suppressed")
    with pytest.raises(UserError, match=r"enrolments_lower.*series\.py"):
        write_site(published, tmp_path / "report")
    assert not (tmp_path / "report").exists()


def test_a_missing_published_file_is_one_clear_error(tmp_path):
    with pytest.raises(UserError, match="make demo"):
        write_site(tmp_path / "absent.duckdb", tmp_path / "report")


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
