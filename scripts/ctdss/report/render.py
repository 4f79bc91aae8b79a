"""Pages rendered from the Jinja2 templates shipped in the package (ctdss/report/templates)."""

from __future__ import annotations

import functools

import jinja2

from ctdss.report import charts, palette, town_shapes
from ctdss.report.site import ChartView, Missing, Page, period_label


@functools.cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("ctdss.report", "templates"),
                             autoescape=jinja2.select_autoescape(["html", "svg"]), undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters.update(period=period_label, count=charts.fmt, cell=charts.cell_text)
    env.globals.update(palette=palette, map_credit=town_shapes.CREDIT)
    env.tests.update(missing=lambda chart: isinstance(chart, Missing), chart=lambda c: isinstance(c, ChartView))
    return env


def render_outlines() -> str:
    """The outlines of every town, the shared background of the town pages' locator maps."""
    return environment().get_template("ct-towns.svg").render(shapes=town_shapes.town_shapes(),
                                                              width=town_shapes.WIDTH)


def render(page: Page) -> str:
    template = environment().get_template(page.template)
    return template.render(page.context, page=page, root=page.root, charts=page.charts)
