"""Reading a whole built table from one engine as Python values, so two engines' builds can be compared.

Both readers return the same Python types for the same SQL types (int, bool, str, Decimal, float, date,
datetime in UTC without a zone), so that a comparison sees values, not driver conventions.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import duckdb

from ctdss.errors import UserError

Row = tuple[Any, ...]


class TableReader(Protocol):
    """One engine's built warehouse, read table by table."""

    engine: str

    def read(self, schema: str, table: str) -> tuple[list[str], list[Row]]:
        """The column names and every row of schema.table."""
        ...

    def close(self) -> None: ...


def _utc_naive(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


class DuckDBReader:
    engine = "duckdb"

    def __init__(self, db: Path) -> None:
        if not Path(db).exists():
            raise UserError(f"Cannot compare: the DuckDB warehouse {db} does not exist. Build it first.")
        self._con = duckdb.connect(str(db), read_only=True)
        self._con.execute("set TimeZone = 'UTC'")

    def read(self, schema: str, table: str) -> tuple[list[str], list[Row]]:
        result = self._con.execute(f'select * from "{schema}"."{table}"')
        columns = [d[0] for d in result.description]
        return columns, [tuple(_utc_naive(v) for v in row) for row in result.fetchall()]

    def close(self) -> None:
        self._con.close()


# The Thrift server sends these types as text (PyHive parses some itself); the others arrive as Python values.
_SPARK_TEXT_TYPES = {
    "DECIMAL_TYPE": Decimal,
    "DATE_TYPE": dt.date.fromisoformat,
    "TIMESTAMP_TYPE": dt.datetime.fromisoformat,
}


class SparkReader:
    engine = "spark"

    def __init__(self, host: str, port: int) -> None:
        from pyhive import hive  # the optional [spark] extra; imported only when Spark is read

        try:
            self._con = hive.connect(host=host, port=port, username="ctdss")
        except Exception as exc:  # thrift raises several unrelated types for a refused connection
            raise UserError(
                f"Cannot compare: no Spark Thrift server answered on {host}:{port} ({exc}). Start one with "
                "`make spark-up`, or point CTDSS_SPARK_HOST and CTDSS_SPARK_PORT at a running server."
            ) from None

    def read(self, schema: str, table: str) -> tuple[list[str], list[Row]]:
        cursor = self._con.cursor()
        try:
            cursor.execute(f"select * from `{schema}`.`{table}`")
            # The server may prefix each name with the table; the comparison matches bare column names.
            columns = [d[0].rsplit(".", 1)[-1] for d in cursor.description]
            converters = [_SPARK_TEXT_TYPES.get(d[1]) for d in cursor.description]
            rows = [
                tuple(f(v) if f and isinstance(v, str) else v for v, f in zip(row, converters, strict=True))
                for row in cursor.fetchall()
            ]
        finally:
            cursor.close()
        return columns, rows

    def close(self) -> None:
        self._con.close()
