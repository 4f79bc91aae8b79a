"""The report site in headless Chromium, opened from disk: charts drawn with their series, the town search,
no request leaving the machine, and screenshots to look at (warehouse/screenshots/report-*.png)."""

from __future__ import annotations

import pytest
from support.browser import png_colours
from support.devtools import browser
from support.warehouse_fixtures import query

pytestmark = pytest.mark.slow

LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")
PALETTE_BLUE = (0x00, 0x72, 0xB2)  # the first series colour of every chart
# Each drawn chart: its id, the names of its legend entries, and how many SVG lines or bars plotly drew.
CHARTS_JS = """window.chartsDrawn.then(() => Array.from(document.querySelectorAll('.js-plotly-plot'), (gd) => ({
    id: gd.id,
    series: gd.data.filter((t) => t.showlegend !== false && t.yaxis !== 'y2').map((t) => t.name),
    bars: gd.data.filter((t) => t.type === 'bar').flatMap((t) => t.x),
    lines: Array.from(gd.querySelectorAll('.scatterlayer .trace path.js-line'))
        .filter((p) => (p.getAttribute('d') || '').length > 10).length,
    drawnBars: gd.querySelectorAll('.barlayer .point path').length,
    maskedTicks: gd.data.filter((t) => t.yaxis === 'y2').flatMap((t) => t.x),
    drawnTicks: gd.querySelectorAll('.scatterlayer .trace .points path').length,
})))"""


@pytest.fixture(scope="module")
def chromium_session():
    with browser() as session:
        yield session


def _open(session, report_site, path: str, shot: str):
    page = session.open((report_site.root / path).as_uri())
    charts = {c["id"]: c for c in page.evaluate(CHARTS_JS)}
    colours = png_colours(page.screenshot(shot))
    assert len(colours) > 50, shot
    assert any(_near(colour, PALETTE_BLUE) for colour in colours), f"{shot}: no chart colour on screen"
    return page, charts


def _near(colour: bytes, target: tuple[int, int, int]) -> bool:
    return all(abs(a - b) < 20 for a, b in zip(colour, target, strict=True))


def _assert_local(page) -> None:
    urls = page.requested_urls()
    assert urls, "the recorder saw no request at all"
    assert [u for u in urls if not u.startswith(LOCAL_SCHEMES)] == []


def test_the_index_draws_the_family_trends_and_its_search_filters_the_towns(chromium_session, report_site):
    page, charts = _open(chromium_session, report_site, "index.html", "report-index")
    families = sorted(f for (f,) in query(report_site.public,
                      "select distinct program_family from reporting.rpt_program_family_trends_by_month"))
    for key in ("plot-family-monthly", "plot-family-annual"):
        assert sorted(charts[key]["series"]) == families
        assert charts[key]["lines"] >= 2 * len(families)  # each family: its lower and upper bound lines
    towns = query(report_site.public, "select town_name, county_name, planning_region_name from marts.dim_town "
                  "where not is_special")
    expected = sorted(name for name, county, region in towns if "hartford" in f"{name} {county} {region}".lower())
    page.type_into("#town-search", "Hartford")
    shown = page.evaluate("Array.from(document.querySelectorAll('#town-list li:not([hidden])'), (li) => "
                          "li.textContent.trim()).sort()")
    assert shown == expected and "Hartford" in shown and len(shown) < len(towns)
    assert page.evaluate("document.getElementById('town-count').textContent") == f"{len(expected)} of 169 towns"
    _assert_local(page)
    page.screenshot("report-index-search")


def test_hartfords_page_draws_its_family_trends_races_and_programs(chromium_session, report_site):
    page, charts = _open(chromium_session, report_site, "towns/hartford.html", "report-town-hartford")
    for key, table in (("plot-family-monthly", "rpt_town_program_family_trends_by_month"),
                       ("plot-family-annual", "rpt_town_program_family_trends_by_year")):
        families = sorted(f for (f,) in query(report_site.public, f"select distinct program_family from "
                                              f"reporting.{table} where town_key = 'hartford'"))
        assert families and charts[key]["series"] == families
        assert charts[key]["lines"] >= 2 * len(families)  # each family: its lower and upper bound lines
    races = [r for (r,) in query(report_site.public, "select race_name from reporting."
             "rpt_town_participation_by_race where town_key = 'hartford' group by 1 order by min(race_sort_order)")]
    assert len(races) == 8 and charts["plot-by-race"]["series"] == races
    assert charts["plot-by-race"]["lines"] >= 2 * len(races)
    assert "People served by race" in page.evaluate("document.querySelector('#by-race h2').textContent")
    published = sorted(p for (p,) in query(report_site.public, """select program_name
        from reporting.rpt_town_participation_by_program where town_key = 'hartford' and not is_suppressed
        and calendar_year = (select max(calendar_year) from reporting.rpt_town_participation_by_program)"""))
    chart = charts["plot-by-program"]
    assert sorted(chart["bars"]) == published and chart["drawnBars"] == len(published)
    assert page.evaluate("document.querySelector('#rank table').rows.length") > 1
    _assert_local(page)


def test_a_town_with_masked_cells_draws_them_as_ticks_not_bars(chromium_session, report_site):
    town, masked = query(report_site.public, """select town_key, list(program_name order by program_name)
        from reporting.rpt_town_participation_by_program where is_suppressed
        and calendar_year = (select max(calendar_year) from reporting.rpt_town_participation_by_program)
        group by 1 order by count(*) desc, 1 limit 1""")[0]
    page, charts = _open(chromium_session, report_site, f"towns/{town}.html", "report-town-masked")
    chart = charts["plot-by-program"]
    assert sorted(chart["maskedTicks"]) == sorted(masked) and chart["drawnTicks"] == len(masked)
    assert set(chart["bars"]).isdisjoint(masked)
    races = query(report_site.public, "select count(*) from reporting.rpt_town_participation_by_race "
                  "where town_key = ? and is_suppressed", [town])[0][0]
    assert len(charts["plot-by-race"]["maskedTicks"]) == races
    _assert_local(page)


def test_a_program_page_draws_its_statewide_series_and_top_towns(chromium_session, report_site):
    page, charts = _open(chromium_session, report_site, "programs/snap.html", "report-program-snap")
    assert charts["plot-statewide"]["series"] == ["SNAP"] and charts["plot-statewide"]["lines"] == 2
    top = [t for (t,) in query(report_site.public, """select town_name from
        reporting.rpt_town_participation_by_program where program_code = 'SNAP' and not is_suppressed
        and calendar_year = (select max(calendar_year) from reporting.rpt_town_participation_by_program)
        order by recipient_count desc, town_name limit 15""")]
    assert charts["plot-top-towns"]["bars"] == top and charts["plot-top-towns"]["drawnBars"] == 15
    _assert_local(page)


# Each chart's plot area and how far its axis labels reach past the chart's box (0 when they all fit).
PLOT_ROOM_JS = """window.chartsDrawn.then(() => Array.from(document.querySelectorAll('.js-plotly-plot'), (gd) => {
    const box = gd.getBoundingClientRect();
    const past = Array.from(gd.querySelectorAll('.xtick text, .ytick text'), (t) => t.getBoundingClientRect())
        .map((r) => Math.max(box.left - r.left, r.right - box.right, box.top - r.top, r.bottom - box.bottom));
    return {id: gd.id, plotHeight: gd.querySelector('.nsewdrag').getBoundingClientRect().height,
            labelsPast: Math.max(0, ...past)};
}))"""


def test_slanted_labels_leave_every_plot_its_room_and_stay_inside_the_chart(chromium_session, report_site):
    page = chromium_session.open((report_site.root / "towns" / "hartford.html").as_uri())
    charts = page.evaluate(PLOT_ROOM_JS)
    assert len(charts) >= 2
    assert [c for c in charts if c["plotHeight"] < 250 or c["labelsPast"] > 0] == []


# The town map as drawn: the towns with an outline on screen, the fill of each masked one, and the legend.
MAP_JS = """Array.from(document.querySelectorAll('figure.town-map'), (figure) => {
    const towns = Array.from(figure.querySelectorAll('svg.map path.town'));
    const drawn = towns.filter((p) => { const r = p.getBoundingClientRect(); return r.width > 0 && r.height > 0; });
    const masked = towns.filter((p) => p.classList.contains('masked'));
    return {drawn: drawn.length, towns: towns.map((p) => p.dataset.town),
            maskedFills: masked.map((p) => getComputedStyle(p).fill),
            shadedFills: towns.filter((p) => !p.classList.contains('masked')).map((p) => getComputedStyle(p).fill),
            legend: Array.from(figure.querySelectorAll('.map-legend li:not([hidden])'), (li) => li.textContent.trim()),
            maskedSwatch: getComputedStyle(figure.querySelector('.map-legend rect.masked')).fill};
})[0]"""


def _click_town(chromium_session, page, town: str) -> str:
    """Click a town on the map; the URL of the page that opens."""
    start = len(chromium_session.events)
    page.evaluate(f"document.querySelector('svg.map path[data-town=\"{town}\"]')"
                  ".dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true}))")
    chromium_session.wait_for_event("Page.loadEventFired", page.session, start)
    return page.evaluate("location.href")


def test_the_index_map_draws_the_169_towns_hatches_the_masked_and_opens_a_town(chromium_session, report_site):
    page = chromium_session.open((report_site.root / "index.html").as_uri())
    drawn = page.evaluate(MAP_JS)
    page.screenshot("report-index-map")
    towns = {t for (t,) in query(report_site.public, "select town_key from marts.dim_town where not is_special")}
    assert drawn["drawn"] == 169 and set(drawn["towns"]) == towns
    assert len(set(drawn["shadedFills"])) == 5 and 'url("#masked-hatch")' not in drawn["shadedFills"]
    program, masked = query(report_site.public, """select p.program_name, count(*) filter (where is_suppressed)
        from reporting.rpt_town_participation_by_program r join marts.dim_program p using (program_code)
        where calendar_year = (select max(calendar_year) from reporting.rpt_town_participation_by_program)
        group by 1 order by 2 desc, 1 limit 1""")[0]
    page.evaluate(f"(() => {{ const s = document.querySelector('select.map-chooser'); s.value = Array.from("
                  f"s.options).find((o) => o.text === '{program}, recipients').value; "
                  f"s.dispatchEvent(new Event('change')); }})()")
    drawn = page.evaluate(MAP_JS)
    page.screenshot("report-index-map-masked")
    assert len(drawn["maskedFills"]) == masked > 0 and set(drawn["maskedFills"]) == {'url("#masked-hatch")'}
    assert drawn["maskedSwatch"] == 'url("#masked-hatch")' and "masked" in drawn["legend"]
    _assert_local(page)
    assert _click_town(chromium_session, page, "hartford") == (report_site.root / "towns" / "hartford.html").as_uri()


def _pick(page, option: int) -> None:
    page.evaluate(f"(() => {{ const s = document.querySelector('select.map-chooser'); s.value = '{option}'; "
                  f"s.dispatchEvent(new Event('change')); }})()")


def test_a_program_maps_another_year_or_the_rates_when_the_reader_picks_them(chromium_session, report_site):
    program, slug = query(report_site.public, """select program_code, replace(lower(program_code), '_', '-')
        from reporting.rpt_town_participation_by_program group by 1
        order by count(*) filter (where is_suppressed) desc, 1 limit 1""")[0]
    page = chromium_session.open((report_site.root / "programs" / f"{slug}.html").as_uri())
    years = query(report_site.public, "select calendar_year, list(town_key) filter (where is_suppressed), "
                  "any_value(recipient_count) filter (where town_key = 'hartford'), "
                  "any_value(rate_per_1000) filter (where town_key = 'hartford') from reporting."
                  "rpt_town_participation_by_program where program_code = ? group by 1 order by 1 desc", [program])
    hartford_js = "document.querySelector('svg.map path[data-town=\"hartford\"] title').textContent"
    for index, (year, masked, count, rate) in enumerate(years[:3]):
        _pick(page, 2 * index)  # each year's view by count, then by rate
        shown = page.evaluate("Array.from(document.querySelectorAll('svg.map path.town.masked'), "
                              "(p) => p.dataset.town)")
        assert masked and set(shown) == set(masked), year
        assert page.evaluate("document.querySelector('.map-title').textContent") == f"{year}, recipients"
        assert page.evaluate(hartford_js) == f"Hartford: {count:,} recipients; {rate:,.2f} per 1,000 residents"
        _pick(page, 2 * index + 1)
        assert page.evaluate("document.querySelector('.map-title').textContent") == f"{year}, per 1,000 residents"
        assert set(page.evaluate("Array.from(document.querySelectorAll('svg.map path.town.masked'), "
                                 "(p) => p.dataset.town)")) == set(masked)
    assert page.evaluate(MAP_JS)["drawn"] == 169
    _assert_local(page)


def test_a_town_page_locates_the_town_on_the_outlines_of_all_towns(chromium_session, report_site):
    page = chromium_session.open((report_site.root / "towns" / "hartford.html").as_uri())
    box = page.evaluate("(() => { const r = document.querySelector('.locator path.here').getBoundingClientRect(); "
                        "const m = document.querySelector('.locator svg').getBoundingClientRect(); "
                        "return [r.width, r.height, m.width, m.height]; })()")
    assert 0 < box[0] < box[2] / 5 and 0 < box[1] < box[3] / 5  # one small town within the state's outline
    assert (report_site.root / "assets" / "ct-towns.svg").as_uri() in page.requested_urls()
    _assert_local(page)


def test_a_request_off_the_machine_would_be_seen(chromium_session, report_site):
    """The recorder is not blind: a page that asks for an http URL shows up in it."""
    page = chromium_session.open((report_site.root / "index.html").as_uri())
    page.evaluate("new Promise((done) => { const img = new Image(); img.onerror = img.onload = done; "
                  "img.src = 'http://127.0.0.1:9/probe.png'; })")
    assert "http://127.0.0.1:9/probe.png" in page.requested_urls()
