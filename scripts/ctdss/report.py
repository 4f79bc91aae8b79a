"""The participation report: one self-contained HTML page (inline SVG, no scripts or external assets) drawn from
the published file, opened read-only.

Charts: the statewide monthly trend per program family with methodology breaks marked on the time axis; annual
participation by program; the top towns per program in the latest year. Masked cells are shown as masked, never
as 0, and the page states the data vintage and, for the bundled sample, that the counts are synthetic.
"""

from __future__ import annotations

import html
import os
from datetime import date
from pathlib import Path

import duckdb

from ctdss.errors import UserError

WIDTH, HEIGHT, PAD_L, PAD_R, PAD_T, PAD_B = 960, 320, 80, 150, 20, 40
COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#7f7f7f",
           "#bcbd22", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173"]
TOP_TOWNS = 5


def _e(value: object) -> str:
    return html.escape(str(value))


def _fmt(value: float | int | None) -> str:
    return "masked" if value is None else f"{value:,.0f}"


class _Scale:
    def __init__(self, lo: float, hi: float, out_lo: float, out_hi: float) -> None:
        self.lo, self.hi, self.out_lo, self.out_hi = lo, hi if hi != lo else lo + 1, out_lo, out_hi

    def __call__(self, value: float) -> float:
        return self.out_lo + (value - self.lo) / (self.hi - self.lo) * (self.out_hi - self.out_lo)


def _axis_y(scale: _Scale, hi: float) -> str:
    parts = []
    for i in range(5):
        value = hi * i / 4
        y = scale(value)
        parts.append(f'<line x1="{PAD_L}" x2="{WIDTH - PAD_R}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
                     f'<text x="{PAD_L - 6}" y="{y + 4:.1f}" class="tick" text-anchor="end">{value:,.0f}</text>')
    return "".join(parts)


def _line_chart(title: str, series: dict[str, list[tuple[float, float | None, str]]], x_labels: list[tuple[float, str]],
                x_range: tuple[float, float], breaks: list[tuple[float, str]] = ()) -> str:
    """Lines with gaps where a value is masked; a masked point is drawn as a hollow marker labelled masked."""
    values = [v for points in series.values() for _, v, _ in points if v is not None]
    hi = max(values) * 1.1 if values else 1
    xs = _Scale(x_range[0], x_range[1], PAD_L, WIDTH - PAD_R)
    ys = _Scale(0, hi, HEIGHT - PAD_B, PAD_T)
    svg = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{_e(title)}">',
           _axis_y(ys, hi)]
    for x, label in x_labels:
        svg.append(f'<text x="{xs(x):.1f}" y="{HEIGHT - PAD_B + 16}" class="tick" text-anchor="middle">'
                   f'{_e(label)}</text>')
    for x, label in breaks:
        svg.append(f'<line x1="{xs(x):.1f}" x2="{xs(x):.1f}" y1="{PAD_T}" y2="{HEIGHT - PAD_B}" class="break">'
                   f'<title>Methodology break: {_e(label)}</title></line>'
                   f'<text x="{xs(x) + 3:.1f}" y="{PAD_T + 10}" class="break-label">&#9650;</text>')
    for n, (name, points) in enumerate(series.items()):
        colour = COLOURS[n % len(COLOURS)]
        segments, current = [], []
        for x, v, _ in points:
            if v is None:
                if current:
                    segments.append(current)
                current = []
            else:
                current.append(f"{xs(x):.1f},{ys(v):.1f}")
        if current:
            segments.append(current)
        for segment in segments:
            svg.append(f'<polyline class="series" fill="none" stroke="{colour}" stroke-width="2" '
                       f'points="{" ".join(segment)}"><title>{_e(name)}</title></polyline>')
        for x, v, tip in points:
            if v is None:
                svg.append(f'<circle class="masked" cx="{xs(x):.1f}" cy="{HEIGHT - PAD_B - 4}" r="3" '
                           f'stroke="{colour}"><title>{_e(name)} {_e(tip)}: masked</title></circle>')
        legend_y = PAD_T + 14 * n + 10
        svg.append(f'<rect x="{WIDTH - PAD_R + 10}" y="{legend_y - 8}" width="10" height="10" fill="{colour}"/>'
                   f'<text x="{WIDTH - PAD_R + 24}" y="{legend_y + 1}" class="legend">{_e(name)}</text>')
    svg.append("</svg>")
    return f"<figure><figcaption>{_e(title)}</figcaption>{''.join(svg)}</figure>"


def _month_index(day: date) -> float:
    return day.year * 12 + day.month - 1


def _connect(published_db: Path) -> duckdb.DuckDBPyConnection:
    if not Path(published_db).exists():
        raise UserError(f"The published warehouse {published_db} does not exist. Run `make demo` (offline) or "
                        f"`make build`, which end by publishing, then `make report`.")
    try:
        return duckdb.connect(str(published_db), read_only=True)
    except duckdb.Error as exc:
        raise UserError(f"Cannot open the published warehouse {published_db}: {str(exc).splitlines()[0]}.") from None


def build_html(published_db: Path) -> str:
    con = _connect(published_db)
    try:
        vintages = con.execute(
            "select source_dataset_id, source_rows_updated_at, is_synthetic, published_at "
            "from marts.publication order by 1").fetchall()
        synthetic = any(v[2] for v in vintages)
        trend = con.execute(
            "select program_family, month_start_date, enrolments, is_suppressed from "
            "reporting.rpt_program_family_trends_by_month order by 1, 2").fetchall()
        breaks = con.execute(
            """select key, min(month_start_date) from (
                   select unnest(string_split(methodology_event_keys, ', ')) as key, month_start_date
                   from marts.fct_program_participation_monthly where methodology_event_keys is not null)
               group by key order by 2, 1""").fetchall()
        annual = con.execute(
            "select p.program_name, f.calendar_year, f.recipient_count, f.is_suppressed_at_source "
            "from marts.fct_program_participation_annual f join marts.dim_program p using (program_code) "
            "order by 1, 2").fetchall()
        latest = con.execute("select max(calendar_year) from reporting.rpt_town_participation_by_program").fetchone()[0]
        towns = con.execute(
            """select program_name, town_name, recipient_count, recipient_count_lower, recipient_count_upper,
                      is_suppressed
               from reporting.rpt_town_participation_by_program where calendar_year = ?
               order by program_name, is_suppressed, recipient_count desc nulls last, town_name""",
            [latest]).fetchall()
    finally:
        con.close()

    parts = [_HEAD]
    if synthetic:
        parts.append('<div class="banner" id="synthetic-banner">SYNTHETIC SAMPLE: these counts are invented '
                     "(built from the bundled sample, data/sample). Do not cite them.</div>")
    parts.append("<h1>Connecticut DSS program participation</h1>")
    vintage_rows = "".join(
        f"<tr><td>{_e(v[0])}</td><td>{_e(v[1])}</td><td>{'synthetic' if v[2] else 'data.ct.gov'}</td></tr>"
        for v in vintages)
    published_at = vintages[0][3] if vintages else "unknown"
    parts.append(f'<p class="vintage" id="vintage">Data vintage (rowsUpdatedAt of each source dataset), published '
                 f"{_e(published_at)} UTC:</p><table class=\"vintages\"><tr><th>Dataset</th><th>rowsUpdatedAt</th>"
                 f"<th>Source</th></tr>{vintage_rows}</table>")
    parts.append("<p>Counts are program enrolments, not people: one person can be in several programs and several "
                 "towns. DSS publishes 0 for counts from 0 to 4; values below 5, and the values that would reveal "
                 "them, are shown as <em>masked</em>, never as 0.</p>")

    # 1. Statewide monthly trend per program family.
    series: dict[str, list] = {}
    for family, month, enrolments, suppressed in trend:
        series.setdefault(family, []).append((_month_index(month), None if suppressed else enrolments,
                                              month.isoformat()[:7]))
    months = [_month_index(m) for _, m, _, _ in trend]
    if months:
        years = sorted({m.year for _, m, _, _ in trend})
        labels = [(y * 12, str(y)) for y in years]
        marks = [(_month_index(d), key) for key, d in breaks]
        parts.append("<h2>Statewide monthly enrolments by program family</h2>")
        parts.append(_line_chart("Monthly enrolments by program family (triangles mark methodology breaks)",
                                 series, labels, (min(months), max(months)), marks))
        parts.append("<ul class=\"breaks\">" + "".join(
            f"<li>{_e(d.isoformat()[:7])}: {_e(key)}</li>" for key, d in breaks) + "</ul>")

    # 2. Annual participation by program.
    annual_series: dict[str, list] = {}
    for program, year, count, suppressed in annual:
        annual_series.setdefault(program, []).append((year, None if suppressed else count, str(year)))
    if annual:
        years = sorted({y for _, y, _, _ in annual})
        parts.append("<h2>Annual participation by program (people served in the calendar year)</h2>")
        parts.append(_line_chart("Annual recipients by program", annual_series, [(y, str(y)) for y in years],
                                 (min(years), max(years))))

    # 3. Top towns per program, latest year.
    parts.append(f"<h2>Top {TOP_TOWNS} towns per program, {_e(latest)}</h2><div class=\"towns\">")
    by_program: dict[str, list] = {}
    for row in towns:
        by_program.setdefault(row[0], []).append(row)
    for program, rows in by_program.items():
        shown = [r for r in rows if not r[5]][:TOP_TOWNS]
        masked = sum(1 for r in rows if r[5])
        top = max((r[2] for r in shown), default=1) or 1
        bars = []
        for n, (_, town, count, _lo, _hi, _) in enumerate(shown):
            width = 260 * count / top
            bars.append(f'<text x="0" y="{n * 22 + 15}" class="tick">{_e(town)}</text>'
                        f'<rect class="bar" x="120" y="{n * 22 + 4}" width="{width:.1f}" height="14"/>'
                        f'<text x="{124 + width:.1f}" y="{n * 22 + 15}" class="tick">{count:,}</text>')
        note = f'<p class="masked-note">{masked} town cells masked (shown as masked, not 0)</p>' if masked else ""
        parts.append(f'<figure class="town-chart"><figcaption>{_e(program)}</figcaption>'
                     f'<svg class="chart" viewBox="0 0 440 {22 * max(len(shown), 1) + 8}">{"".join(bars)}</svg>'
                     f"{note}</figure>")
    parts.append("</div></body></html>")
    return "".join(parts)


def write_report(published_db: Path, out: Path) -> Path:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    text = build_html(Path(published_db))
    temp = out.with_name(f".{out.name}.tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, out)
    return out


_HEAD = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Connecticut DSS program participation</title>
<style>
body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1000px}
.banner{background:#b00020;color:#fff;font-weight:bold;padding:10px;margin-bottom:12px}
.grid{stroke:#e5e5e5}.tick,.legend{font-size:11px;fill:#444}.break{stroke:#b00020;stroke-dasharray:4 3}
.break-label{fill:#b00020;font-size:10px}.masked{fill:#fff;stroke-width:1.5}.bar{fill:#4f8a5b}
.towns{display:flex;flex-wrap:wrap;gap:12px}.town-chart{width:460px;margin:0}.masked-note{font-size:12px;color:#666}
table.vintages{border-collapse:collapse;font-size:13px}table.vintages td,table.vintages th{border:1px solid #ccc;
padding:2px 6px}figcaption{font-weight:600;margin:8px 0}
</style></head><body>"""
