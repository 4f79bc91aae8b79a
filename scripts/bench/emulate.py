"""Serve a snapshot through the local Socrata emulator in its own process, until standard input closes.

The harness runs the emulator here rather than in its own process, so that serving millions of rows does not
grow the harness (and, through fork, the figures of the processes it measures), and the emulator's CPU time
can be read on its own. Prints the emulator's base URL on the first line of standard output.

The tests' emulator deep-copies every row of a dataset on each request (so that a test may change rows while
the server runs) and sorts them again for each page. At a million rows that costs seconds per request and
would be measured as the loader's time, so the benchmark serves read-only: the same query code
(`run_query`) over the same rows, without the copy, and with the rows kept in `:id` order for `$order=:id`.
Both the loader and the naive baseline are served this way.

    python scripts/bench/emulate.py SNAPSHOT_DIR
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "python" / "support"))


def serving_emulator(module):
    """A read-only subclass of the tests' emulator, or the emulator itself if its internals have changed."""
    base, run_query = module.SocrataEmulator, getattr(module, "run_query", None)
    if run_query is None or not hasattr(base, "_query"):
        return base, "as in the tests"

    class ServingEmulator(base):
        def __init__(self, snapshot_dir: Path) -> None:
            super().__init__(snapshot_dir)
            self._served: dict[str, tuple[list, list, set]] = {}
            self._served_lock = threading.Lock()

        def _prepared(self, dataset_id: str) -> tuple[list, list, set] | None:
            with self._lock:
                dataset = self.datasets.get(dataset_id)
            if dataset is None:
                return None
            with self._served_lock:
                served = self._served.get(dataset_id)
                if served is None or served[0] is not dataset["rows"]:
                    rows = dataset["rows"]
                    by_id = sorted(rows, key=lambda r: (r.get(":id") is None, r.get(":id") or ""))
                    columns = dataset["metadata"].get("columns", [])
                    known = {c["fieldName"] for c in columns if c.get("fieldName")}
                    known |= {k for r in rows for k in r} | set(module.SYSTEM_FIELDS)
                    served = self._served[dataset_id] = (rows, by_id, known)
            return served

        def _query(self, dataset_id: str, params: dict[str, str]) -> list[dict]:
            served = self._prepared(dataset_id)
            if served is None:
                return super()._query(dataset_id, params)  # the tests' emulator's own "not found" answer
            rows, by_id, known = served
            order = " ".join(params.get("$order", "").split()).lower()
            if order in (":id", ":id asc"):
                # Already in :id order; filters keep it, so the query runs without sorting again.
                return run_query(by_id, known, {k: v for k, v in params.items() if k != "$order"})
            return run_query(list(rows), known, params)

    return ServingEmulator, "read-only"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    try:
        import socrata_emulator
    except ImportError as exc:
        print(f"error: tests/python/support/socrata_emulator.py cannot be imported: {exc}", flush=True)
        return 2
    emulator_class, mode = serving_emulator(socrata_emulator)
    emulator = emulator_class(Path(args[0]))
    emulator.start()
    try:
        print(f"serving {args[0]} ({mode})", file=sys.stderr, flush=True)
        print(emulator.url, flush=True)
        sys.stdin.read()  # the harness closes our standard input when it is done with the emulator
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
