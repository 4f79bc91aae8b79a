"""The naive baseline the benchmark compares the loader with, run in its own process and its own venv.

What a first attempt at a Socrata-to-DuckDB loader usually looks like: sodapy's default `Socrata.get_all()`
(pages of 1,000 rows, no `$order`), every row into a pandas DataFrame, then DuckDB row inserts
(`executemany`). pandas is installed only for the benchmark (bench/requirements-baseline.txt), into
a separate venv, never into the project's dependencies.

    <baseline venv>/bin/python bench/baseline.py --portal http://127.0.0.1:PORT --dataset ID --db PATH

Prints one JSON object: rows, seconds (all three steps) and the time of each step.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from urllib.parse import urlsplit

from procstat import vm_hwm_kb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--portal", required=True)
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--db", required=True)
    args = parser.parse_args(argv)

    import duckdb
    import pandas as pd
    from requests.adapters import HTTPAdapter
    from sodapy import Socrata

    logging.disable(logging.WARNING)  # sodapy warns that there is no app token
    parts = urlsplit(args.portal)
    # The adapter only lets sodapy speak plain http to a local portal; paging is get_all's default.
    adapter = {"prefix": f"{parts.scheme}://", "adapter": HTTPAdapter()}
    client = Socrata(parts.netloc, None, session_adapter=adapter)
    started = time.perf_counter()
    records = list(client.get_all(args.dataset))
    fetched = time.perf_counter()
    frame = pd.DataFrame.from_records(records)
    del records
    frame = frame.astype(object).where(frame.notna(), None)
    framed = time.perf_counter()
    con = duckdb.connect(args.db)
    columns = list(frame.columns)
    con.execute(
        "create or replace table baseline_rows (" + ", ".join(f'"{c}" varchar' for c in columns) + ")"
    )
    con.executemany(
        "insert into baseline_rows values (" + ", ".join("?" for _ in columns) + ")",
        list(frame.itertuples(index=False, name=None)),
    )
    rows = con.execute("select count(*) from baseline_rows").fetchone()[0]
    con.close()
    inserted = time.perf_counter()
    client.close()
    print(json.dumps({
        "rows": rows,
        "seconds": inserted - started,
        "get_all_seconds": fetched - started,
        "dataframe_seconds": framed - fetched,
        "insert_seconds": inserted - framed,
        "pages": -(-rows // Socrata.DEFAULT_LIMIT),
        "vm_hwm_kb": vm_hwm_kb(),
        "pandas": pd.__version__,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
