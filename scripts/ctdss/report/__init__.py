"""The participation report: a static site (index, a page per town and per program) from the published file."""

from ctdss.report.writer import SiteResult, write_site

__all__ = ["SiteResult", "write_site"]
