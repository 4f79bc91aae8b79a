"""The published sample (the analysts' file and the public release) and the report site written from the public
release, once per test session (the tests only read them)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from ctdss.deliver import publish as publishing
from ctdss.deliver.public_release import release
from ctdss.report import SiteResult, write_site


@dataclass(frozen=True)
class ReportSite:
    public: Path  # the file the site is written from
    analysts: Path  # the analysts' file it was released from, which has the facts
    site: SiteResult

    @property
    def root(self) -> Path:
        return self.site.out


@pytest.fixture(scope="session")
def report_site(built_warehouse, tmp_path_factory) -> ReportSite:
    out = tmp_path_factory.mktemp("report-site")
    analysts = publishing.publish(built_warehouse.db, out / "ct_dss_analysts.duckdb", out / "exports").published
    public = release(analysts, out / "public" / "ct_dss_public.duckdb", out / "public" / "exports").public
    return ReportSite(public, analysts, write_site(public, out / "public" / "report"))
