"""The published sample and the report site written from it, once per test session (the tests only read them)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from ctdss import publish as publishing
from ctdss.report import SiteResult, write_site


@dataclass(frozen=True)
class ReportSite:
    published: Path
    site: SiteResult

    @property
    def root(self) -> Path:
        return self.site.out


@pytest.fixture(scope="session")
def report_site(built_warehouse, tmp_path_factory) -> ReportSite:
    out = tmp_path_factory.mktemp("report-site")
    published = publishing.publish(built_warehouse.db, out / "ct_dss.duckdb", out / "exports")
    return ReportSite(published.published, write_site(published.published, out / "report"))
