"""Paths and settings, from the environment with safe defaults. Every environment variable the ctdss package reads
is read here, and listed in the README's table of settings."""

from __future__ import annotations

import os
from pathlib import Path

from ctdss.errors import UserError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
REGISTRY_PATH = PROJECT_ROOT / "models" / "staging" / "socrata" / "_socrata__sources.yml"
DEFAULT_PORTAL = "https://data.ct.gov"
DEFAULT_CATALOGUE_TAG = "dss enrollment counts"  # the portal tag of the DSS enrolment datasets (`ctdss discover`)
TOKEN_ENV = "SOCRATA_APP_TOKEN"


def _path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value) if value else default


def registry_path() -> Path:
    """The dataset registry: $CTDSS_REGISTRY (a copy with more entries, say), default the dbt sources file.
    dbt always reads the sources file; a copy may add datasets to a kind, never kinds."""
    return _path("CTDSS_REGISTRY", REGISTRY_PATH)


def seeds_dir() -> Path:
    """The alias seeds `ctdss inspect` and `ctdss check` read and `ctdss check --apply` appends to:
    $CTDSS_SEEDS_DIR (the seeds of a copy of the project, say), default seeds/. dbt always reads seeds/."""
    return _path("CTDSS_SEEDS_DIR", PROJECT_ROOT / "seeds")


def warehouse_path() -> Path:
    """The working DuckDB file: $CTDSS_DB, default warehouse/ct_dss.duckdb under the project."""
    return _path("CTDSS_DB", PROJECT_ROOT / "warehouse" / "ct_dss.duckdb")


def _renamed(old: str, new: str) -> None:
    """Refuse a setting from before the publication was split in two, rather than silently ignore it."""
    if os.environ.get(old):
        raise UserError(f"The setting {old} was renamed {new} when the published file was split into the "
                        f"analysts' file and the public release, so the value given is no longer read. Set {new} "
                        f"instead (see the settings in the README) and unset {old}.")


def analysts_path() -> Path:
    """The analysts' DuckDB file (marts and reporting, unsuppressed bounds; stays inside the agency):
    $CTDSS_ANALYSTS_DB, default warehouse/analysts/ct_dss_analysts.duckdb."""
    _renamed("CTDSS_PUBLISHED_DB", "CTDSS_ANALYSTS_DB")
    return _path("CTDSS_ANALYSTS_DB", PROJECT_ROOT / "warehouse" / "analysts" / "ct_dss_analysts.duckdb")


def analysts_exports_dir() -> Path:
    """The Parquet and CSV exports of the analysts' file: $CTDSS_ANALYSTS_EXPORTS_DIR, default
    warehouse/analysts/exports."""
    _renamed("CTDSS_EXPORTS_DIR", "CTDSS_ANALYSTS_EXPORTS_DIR")
    return _path("CTDSS_ANALYSTS_EXPORTS_DIR", PROJECT_ROOT / "warehouse" / "analysts" / "exports")


def public_path() -> Path:
    """The public release's DuckDB file (suppressed reports only; safe to share outside the agency):
    $CTDSS_PUBLIC_DB, default warehouse/public/ct_dss_public.duckdb."""
    return _path("CTDSS_PUBLIC_DB", PROJECT_ROOT / "warehouse" / "public" / "ct_dss_public.duckdb")


def public_exports_dir() -> Path:
    """The Parquet and CSV exports of the public release: $CTDSS_PUBLIC_EXPORTS_DIR, default
    warehouse/public/exports."""
    return _path("CTDSS_PUBLIC_EXPORTS_DIR", PROJECT_ROOT / "warehouse" / "public" / "exports")


def report_path() -> Path:
    """The folder the report site is written to: $CTDSS_REPORT, default warehouse/public/report."""
    return _path("CTDSS_REPORT", PROJECT_ROOT / "warehouse" / "public" / "report")


def portal_url() -> str:
    return os.environ.get("CTDSS_PORTAL", DEFAULT_PORTAL)


def app_token() -> str | None:
    """The Socrata app token, if any. It is sent as a header and never printed, logged or stored."""
    return os.environ.get(TOKEN_ENV) or None


def lock_timeout_seconds() -> float:
    """How long a writer (or publish) waits for another writer to release the warehouse: $CTDSS_LOCK_TIMEOUT."""
    return float(os.environ.get("CTDSS_LOCK_TIMEOUT", "60"))


def memory_limit() -> str:
    """DuckDB's memory limit for the loader's connection ($CTDSS_MEMORY_LIMIT, default 256MB). Beyond it DuckDB
    spills to disk, so the loader's memory stays flat however large a dataset is."""
    return os.environ.get("CTDSS_MEMORY_LIMIT", "256MB")


def spark_host() -> str:
    """Where dbt's `spark` target and `ctdss spark` find the Spark Thrift server: $CTDSS_SPARK_HOST."""
    return os.environ.get("CTDSS_SPARK_HOST", "127.0.0.1")


def spark_port() -> int:
    """The Spark Thrift server's port: $CTDSS_SPARK_PORT, default 10000 (HiveServer2's usual port)."""
    return int(os.environ.get("CTDSS_SPARK_PORT", "10000"))


def spark_dir() -> Path:
    """Everything the local Spark server writes (tables, metastore, raw Parquet, log, pid): $CTDSS_SPARK_DIR."""
    value = os.environ.get("CTDSS_SPARK_DIR")
    return Path(value).resolve() if value else PROJECT_ROOT / "warehouse" / "spark"


def spark_start_timeout_seconds() -> float:
    """How long `ctdss spark up` waits for the server to accept connections: $CTDSS_SPARK_START_TIMEOUT."""
    return float(os.environ.get("CTDSS_SPARK_START_TIMEOUT", "180"))


def request_deadline_seconds() -> float:
    """The wall-clock deadline for one whole response from the portal ($CTDSS_REQUEST_DEADLINE, default 120 s).
    A response still arriving at the deadline is cut off and retried like a timeout."""
    return float(os.environ.get("CTDSS_REQUEST_DEADLINE", "120"))


def dataset_deadline_seconds() -> float:
    """The wall-clock deadline for pulling one dataset, retries included ($CTDSS_DATASET_DEADLINE, default 1800 s).
    A dataset not pulled by then fails and its previous data is kept."""
    return float(os.environ.get("CTDSS_DATASET_DEADLINE", "1800"))


def dbt_target_path() -> Path:
    """Where dbt writes its artifacts (manifest.json, run_results.json): dbt's own $DBT_TARGET_PATH, default
    target/. Read here so `ctdss lineage` and `ctdss unmapped` follow a build that was sent elsewhere."""
    value = os.environ.get("DBT_TARGET_PATH")
    return Path(value).resolve() if value else PROJECT_ROOT / "target"


def state_dir() -> Path:
    """Where the state of the last successful build is kept: $CTDSS_STATE_DIR, default warehouse/state."""
    return _path("CTDSS_STATE_DIR", PROJECT_ROOT / "warehouse" / "state")


def dbt_log_dir() -> Path:
    """dbt's log folder: $DBT_LOG_PATH (dbt's own setting), default logs/ under the project."""
    value = os.environ.get("DBT_LOG_PATH")
    return Path(value) if value else PROJECT_ROOT / "logs"


def dbt_profiles_dir() -> Path:
    """Where profiles.yml is: $DBT_PROFILES_DIR (dbt's own setting), default the project (it is committed)."""
    value = os.environ.get("DBT_PROFILES_DIR")
    return Path(value) if value else PROJECT_ROOT
