"""BI tools that speak SQLAlchemy (Superset, for one) open the published file read-only through duckdb-engine."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from ctdss.deliver import publish as publishing

pytestmark = pytest.mark.slow


def test_superset_style_read_only_connection_queries_a_mart_and_a_report(built_warehouse, tmp_path):
    result = publishing.publish(built_warehouse.db, tmp_path / "ct_dss_analysts.duckdb", tmp_path / "exports")
    engine = sa.create_engine(f"duckdb:///{result.published}", connect_args={"read_only": True})
    try:
        with engine.connect() as con:
            schemas = sa.inspect(con).get_schema_names()
            towns = con.execute(sa.text("select count(*) from marts.dim_town")).scalar_one()
            masked = con.execute(sa.text(
                "select count(*) from reporting.rpt_town_participation_by_region "
                "where is_suppressed and recipient_count is null"
            )).scalar_one()
            published = con.execute(sa.text(
                "select count(*) from reporting.rpt_town_participation_by_region where not is_suppressed"
            )).scalar_one()
            total = con.execute(sa.text("select count(*) from reporting.rpt_town_participation_by_region")).scalar_one()
            with pytest.raises(DBAPIError, match="read-only"):
                con.execute(sa.text("create table marts.scratch as select 1"))
    finally:
        engine.dispose()
    assert any(s.endswith("marts") for s in schemas) and any(s.endswith("reporting") for s in schemas)
    assert towns == built_warehouse.query("select count(*) from marts.dim_town")[0][0]
    assert published > 0
    assert masked + published == total  # a masked cell never carries a value
