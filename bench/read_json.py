"""The floor for landing: DuckDB's own `read_json` of a snapshot dataset's page files into a table, in a new
DuckDB file, with nothing else (no contract check, no validation, no audit). The loader is measured against it.

    python bench/read_json.py --dataset-dir SNAPSHOT/ID --db PATH

Prints one JSON object: rows, seconds (connect, read, write, close) and the process's peak RSS. Then, timed on
its own (`field_pass_seconds`), the one check the loader makes that needs a second pass over the JSON: the
distinct fields of every row object (read_json with explicit columns ignores a field it was not given).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from procstat import vm_hwm_kb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset-dir", type=Path, required=True)
    parser.add_argument("--db", type=Path, required=True)
    args = parser.parse_args(argv)

    import duckdb

    meta = json.loads((args.dataset_dir / "metadata.json").read_text(encoding="utf-8"))
    fields = [":id", *(c["fieldName"] for c in meta["columns"])]
    columns = "{" + ", ".join(f"'{f}': 'VARCHAR'" for f in fields) + "}"
    files = "[" + ", ".join(f"'{p}'" for p in sorted(args.dataset_dir.glob("rows*.json"))) + "]"
    started = time.perf_counter()
    con = duckdb.connect(str(args.db))
    con.execute(f"create table landed as select * from read_json({files}, format='array', columns={columns})")
    rows = con.execute("select count(*) from landed").fetchone()[0]
    con.close()
    seconds, peak = time.perf_counter() - started, vm_hwm_kb()
    field_pass = field_pass_seconds(sorted(args.dataset_dir.glob("rows*.json")))
    print(json.dumps({"rows": rows, "seconds": seconds, "vm_hwm_kb": peak, "field_pass_seconds": field_pass}))
    return 0


def field_pass_seconds(files: list[Path]) -> float:
    """Seconds of the loader's field check alone (ctdss.load.landing.row_keys), in memory."""
    import duckdb

    from ctdss.load.landing import row_keys

    started = time.perf_counter()
    con = duckdb.connect()
    row_keys(con, files)
    con.close()
    return time.perf_counter() - started


if __name__ == "__main__":
    sys.exit(main())
