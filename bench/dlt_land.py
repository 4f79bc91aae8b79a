"""dlt, head to head: one dataset from the Socrata portal (the local emulator) into a DuckDB file, with dlt's
`rest_api` source configured as its documentation shows a user: offset pagination over `$offset`/`$limit`, in
`$order=:id` so that pages neither overlap nor skip, `$select=:id,*` so that each row carries its id, and the
DuckDB destination. Page size 50,000 rows, the same as the project's loader. Runs in dlt's own venv
(requirements-dlt.txt), never in the project's.

    <dlt venv>/bin/python bench/dlt_land.py --portal http://127.0.0.1:PORT --dataset ID --db PATH --work DIR

Prints one JSON object: rows landed, distinct row ids, seconds, and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from procstat import vm_hwm_kb

PAGE_SIZE = 50_000
TABLE = "rows"


def source(portal: str, dataset: str):
    from dlt.sources.rest_api import rest_api_source

    return rest_api_source({
        "client": {
            "base_url": f"{portal}/resource/",
            "paginator": {"type": "offset", "limit": PAGE_SIZE, "offset_param": "$offset",
                          "limit_param": "$limit", "total_path": None},
        },
        "resources": [{
            "name": TABLE,
            "endpoint": {"path": f"{dataset}.json", "params": {"$order": ":id", "$select": ":id,*"}},
        }],
    })


def counted(db: Path, dataset_name: str) -> tuple[int, int]:
    """Rows landed and distinct row ids (dlt names the `:id` column `_id`)."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(f"select count(*), count(distinct _id) from {dataset_name}.{TABLE}").fetchone()
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--portal", required=True)
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True, help="dlt's pipelines folder (its local state)")
    args = parser.parse_args(argv)
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "WARNING")
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")

    import dlt

    pipeline = dlt.pipeline(pipeline_name="bench_dlt", pipelines_dir=str(args.work), dataset_name="socrata",
                            destination=dlt.destinations.duckdb(str(args.db)))
    started = time.perf_counter()
    pipeline.run(source(args.portal, args.dataset))
    seconds = time.perf_counter() - started
    rows, distinct = counted(args.db, "socrata")
    print(json.dumps({"rows": rows, "distinct_ids": distinct, "seconds": seconds, "vm_hwm_kb": vm_hwm_kb(),
                      "dlt": dlt.__version__}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
