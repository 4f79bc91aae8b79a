"""The `ctdss spark ...` and `ctdss export-raw` subcommands: the Spark target's local server, its raw layer, and
the comparison of its build with the DuckDB build."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from ctdss import config
from ctdss.spark.server import CATALOGS, SparkServer, start, stop


def add_parsers(sub: argparse._SubParsersAction) -> None:
    export = sub.add_parser("export-raw", help="write the raw tables as Parquet files (for Spark or a cluster)")
    export.add_argument("--db", type=Path, help="the DuckDB file (default: $CTDSS_DB or warehouse/ct_dss.duckdb)")
    export.add_argument("--out", type=Path, help="the folder to write (default: $CTDSS_SPARK_DIR/raw)")

    spark = sub.add_parser("spark", help="run the local Spark Thrift server, or compare a Spark build with DuckDB")
    actions = spark.add_subparsers(dest="spark_command", required=True)
    up = actions.add_parser("up", help="start the local Spark Thrift server and wait until it accepts connections")
    up.add_argument("--catalog", choices=CATALOGS, default="hive",
                    help="where the server keeps its table definitions: `hive` (default) in a Derby metastore under "
                         "$CTDSS_SPARK_DIR, so they survive a restart; `in-memory` until the server stops (cheaper, "
                         "for a server thrown away with its folder)")
    actions.add_parser("down", help="stop the local Spark Thrift server started by `ctdss spark up`")
    compare = actions.add_parser("compare", help="compare every mart and rpt_ table of Spark with DuckDB")
    compare.add_argument("--db", type=Path, help="the DuckDB build (default: $CTDSS_DB)")
    compare.add_argument("--manifest", type=Path, required=True, help="the Spark build's manifest.json")
    compare.add_argument("--run-results", type=Path, required=True, help="the Spark build's run_results.json")


def _server(catalog: str = "hive") -> SparkServer:
    return SparkServer(config.spark_host(), config.spark_port(), config.spark_dir(), catalog)


def cmd_export_raw(args: argparse.Namespace) -> int:
    from ctdss.registry import load_registry
    from ctdss.spark.raw_export import export_raw

    out = args.out or config.spark_dir() / "raw"
    counts = export_raw(load_registry(), args.db or config.warehouse_path(), out)
    for table, rows in counts.items():
        print(f"command=export-raw table=raw.{table} rows={rows} out={out / table}")
    return 0


def cmd_spark(args: argparse.Namespace) -> int:
    return SPARK_ACTIONS[args.spark_command](args)


def _up(args: argparse.Namespace) -> int:
    server = _server(args.catalog)
    pid = start(server, config.spark_start_timeout_seconds())
    print(f"Spark Thrift server pid={pid} listening on {server.host}:{server.port}; log {server.log_file}")
    return 0


def _down(args: argparse.Namespace) -> int:
    server = _server()
    pid = stop(server)
    print(f"Stopped the Spark Thrift server (pid {pid})" if pid else "No Spark Thrift server was running")
    return 0


def _compare(args: argparse.Namespace) -> int:
    from ctdss.spark.engine_compare import compare, mart_tables, report
    from ctdss.spark.table_readers import DuckDBReader, SparkReader

    tables, excluded = mart_tables(args.manifest, args.run_results)
    duck = DuckDBReader(args.db or config.warehouse_path())
    spark = SparkReader(config.spark_host(), config.spark_port())
    try:
        lines, equal = report(compare(duck, spark, tables), excluded)
    finally:
        duck.close()
        spark.close()
    print("\n".join(lines))
    return 0 if equal else 1


SPARK_ACTIONS: dict[str, Callable[[argparse.Namespace], int]] = {"up": _up, "down": _down, "compare": _compare}
COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {"export-raw": cmd_export_raw, "spark": cmd_spark}
