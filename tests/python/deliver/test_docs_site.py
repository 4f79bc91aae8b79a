"""The dbt docs site, generated as one static page and loaded in headless Chromium."""

from __future__ import annotations

import functools

import pytest
from support import browser
from support.browser import luminance, png_colours, serve

pytestmark = pytest.mark.slow

MART = "model.ctdss.fct_program_participation_monthly"
# Each render starts a Chromium of its own (several seconds); the same page is rendered once for the module.
dump_dom = functools.cache(browser.dump_dom)
screenshot = functools.cache(browser.screenshot)


@pytest.fixture(scope="module")
def docs_url(built_warehouse, generated_docs):
    assert "WARN" not in generated_docs.stdout
    assert (built_warehouse.target / "static_index.html").exists()
    with serve(built_warehouse.target) as base:
        yield f"{base}/static_index.html"


def test_the_overview_page_renders_the_caveats(docs_url):
    dom = dump_dom(f"{docs_url}#!/overview")
    assert "Read this before using the numbers" in dom
    assert "0 means 0 to 4" in dom
    shot = screenshot(f"{docs_url}#!/overview", "docs-overview")
    assert len(png_colours(shot)) > 20


def test_a_mart_page_renders_its_columns(docs_url):
    dom = dump_dom(f"{docs_url}#!/model/{MART}")
    overview = dump_dom(f"{docs_url}#!/overview")
    for marker in ("fct_program_participation_monthly", "recipient_count_lower", "Depends On"):
        assert marker in dom
    assert "Depends On" not in overview  # the marker comes from the routed model page, not the shell
    screenshot(f"{docs_url}#!/model/{MART}", "docs-mart-page")


def test_the_lineage_graph_renders_full_screen(docs_url):
    graph = screenshot(f"{docs_url}#!/model/{MART}?g_v=1", "docs-lineage-graph")
    page = screenshot(f"{docs_url}#!/model/{MART}", "docs-mart-page")
    graph_colours, page_colours = png_colours(graph), png_colours(page)
    graph_background, _ = graph_colours.most_common(1)[0]
    page_background, _ = page_colours.most_common(1)[0]
    assert luminance(graph_background) < 120 < luminance(page_background)  # the dark graph canvas fills the screen
    # Layer colours (dbt_project.yml node_color) are drawn on the graph: several distinct saturated hues.
    saturated = {c for c, n in graph_colours.items() if n > 3 and max(c) - min(c) > 80}
    assert len(saturated) >= 4
    assert "Lineage Graph" in dump_dom(f"{docs_url}#!/model/{MART}?g_v=1")
