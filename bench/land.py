"""One landing, run in its own process so that the harness can read its peak RSS (os.wait4).

Lands the given datasets with the project's loader (`ctdss.load.loader.load`) from a snapshot or a portal, into
a DuckDB file, and prints one JSON object: rows landed, seconds inside `load()` (connect, contract, read,
validate, swap, audit), and the process's own figures.

    python bench/land.py --registry R --db D (--snapshot DIR | --portal URL) [--dataset ID ...]
        [--page-size N] [--force]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from procstat import vm_hwm_kb

STARTED = time.perf_counter()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registry", type=Path, required=True)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--snapshot", type=Path)
    parser.add_argument("--portal")
    parser.add_argument("--dataset", action="append")
    parser.add_argument("--page-size", type=int, default=50_000)
    parser.add_argument("--force", action="store_true")
    parser.add_argument("--full", action="store_true")
    args = parser.parse_args(argv)

    from ctdss.errors import UserError
    from ctdss.load.loader import load
    from ctdss.registry import load_registry

    try:
        registry = load_registry(args.registry)
        if args.snapshot:
            from ctdss.load.snapshot import SnapshotSource

            source = SnapshotSource(args.snapshot)
        else:
            from ctdss.load.portal import PortalSource

            source = PortalSource(args.portal, None, page_size=args.page_size)
        imported = time.perf_counter()
        try:
            outcomes = load(registry, source, args.db, dataset_ids=args.dataset, force=args.force,
                            full=args.full)
        finally:
            source.close()
        finished = time.perf_counter()
    except UserError as exc:
        print(json.dumps({"error": str(exc)}))
        return 2
    failed = [o for o in outcomes if o.status == "failed"]
    print(json.dumps({
        "rows": sum(o.rows_landed for o in outcomes),
        "rows_kept": sum(o.rows_kept for o in outcomes),
        "seconds": finished - imported,
        "startup_seconds": imported - STARTED,
        "datasets": {
            o.dataset.id: {"status": o.status, "rows": o.rows_landed, "seconds": o.seconds,
                           "refresh": o.refresh}
            for o in outcomes
        },
        "vm_hwm_kb": vm_hwm_kb(),
        "error": failed[0].error if failed else None,
    }))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
