"""Pages rendered from the Jinja2 templates shipped in the package (ctdss/report/templates)."""

from __future__ import annotations

import functools

import jinja2

from ctdss.report import charts
from ctdss.report.site import ChartView, Missing, Page, period_label


@functools.cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("ctdss.report", "templates"),
                             autoescape=jinja2.select_autoescape(["html"]), undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters.update(period=period_label, count=charts.fmt, cell=charts.cell_text)
    env.tests.update(missing=lambda chart: isinstance(chart, Missing), chart=lambda c: isinstance(c, ChartView))
    return env


def render(page: Page) -> str:
    template = environment().get_template(page.template)
    return template.render(page.context, page=page, root=page.root, charts=page.charts)
