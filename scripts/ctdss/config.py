"""Paths and settings, from the environment with safe defaults."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
REGISTRY_PATH = PROJECT_ROOT / "models" / "staging" / "socrata" / "_socrata__sources.yml"
DEFAULT_PORTAL = "https://data.ct.gov"
TOKEN_ENV = "SOCRATA_APP_TOKEN"


def warehouse_path() -> Path:
    """The working DuckDB file: $CTDSS_DB, default warehouse/ct_dss.duckdb under the project."""
    value = os.environ.get("CTDSS_DB")
    return Path(value) if value else PROJECT_ROOT / "warehouse" / "ct_dss.duckdb"


def portal_url() -> str:
    return os.environ.get("CTDSS_PORTAL", DEFAULT_PORTAL)


def app_token() -> str | None:
    """The Socrata app token, if any. It is sent as a header and never printed, logged or stored."""
    return os.environ.get(TOKEN_ENV) or None


def lock_timeout_seconds() -> float:
    return float(os.environ.get("CTDSS_LOCK_TIMEOUT", "60"))
