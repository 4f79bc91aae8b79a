"""Writing the site: pages, a CSV beside each page for each chart, and the shared assets, swapped in whole."""

from __future__ import annotations

import csv
import importlib.resources
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from ctdss.folders import replaced_folder
from ctdss.report import queries, render
from ctdss.report.site import ChartView, Page, build_pages, period_label

ASSETS = ("site.css", "site.js")
CSV_COLUMNS = ("series", "period", "value", "lower", "upper", "status")


@dataclass(frozen=True)
class SiteResult:
    out: Path
    pages: int
    csv_files: int
    size_bytes: int
    seconds: float

    def __str__(self) -> str:
        return (f"Wrote the participation report to {self.out}: {self.pages} pages, {self.csv_files} CSV files, "
                f"{self.size_bytes / 1e6:.1f} MB, in {self.seconds:.1f} s. Open {self.out / 'index.html'}.")


def _write_assets(assets: Path) -> None:
    """plotly.js from the plotly package, once for every page, the site's own stylesheet and script, and the towns'
    outlines the locator maps draw on."""
    assets.mkdir(parents=True)
    with importlib.resources.as_file(importlib.resources.files("plotly") / "package_data" / "plotly.min.js") as js:
        shutil.copyfile(js, assets / "plotly.min.js")
    static = importlib.resources.files("ctdss.report") / "static"
    for name in ASSETS:
        (assets / name).write_bytes((static / name).read_bytes())
    (assets / "ct-towns.svg").write_text(render.render_outlines(), encoding="utf-8")


def _write_csv(path: Path, chart: ChartView) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for p in chart.rows:
            writer.writerow((p.series, period_label(p.period), "" if p.value is None else p.value,
                             "" if p.lower is None else p.lower, "" if p.upper is None else p.upper,
                             "masked" if p.is_masked else "published"))


def _write_page(root: Path, page: Page) -> int:
    path = root / page.path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render.render(page), encoding="utf-8")
    written = 0
    for chart in page.charts:
        if isinstance(chart, ChartView):
            _write_csv(path.parent / chart.csv_name, chart)
            written += 1
    return written


def write_site(published_db: Path, out: Path) -> SiteResult:
    """Write the whole site to a new folder beside `out`, then swap it in: a failure leaves the old site."""
    started = time.perf_counter()
    out = Path(out)
    con = queries.connect(Path(published_db))
    try:
        pages = build_pages(con)
    finally:
        con.close()
    with replaced_folder(out) as staging:
        _write_assets(staging / "assets")
        csv_files = sum(_write_page(staging, page) for page in pages)
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    return SiteResult(out, len(pages), csv_files, size, time.perf_counter() - started)
