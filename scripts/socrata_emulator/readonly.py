"""A read-only emulator for large snapshots: the same query code, without the tests' per-request copies.

The tests' emulator deep-copies every row of a dataset on each request (so that a test may change rows while
the server runs) and sorts them again for each page. At a million rows that costs seconds per request, which a
benchmark would measure as the client's time. This subclass serves the same rows through the same `run_query`,
without the copy, and keeps the rows in `:id` order so that `$order=:id` pages are slices. Rows must not be
changed while it serves them, and it keeps no log of the requests (a server left running would grow with it).
"""

from __future__ import annotations

import threading
from pathlib import Path

from socrata_emulator.server import SYSTEM_FIELDS, Request, SocrataEmulator, run_query

_ID_ORDERS = (":id", ":id asc")


class ReadOnlyEmulator(SocrataEmulator):
    """A Socrata portal on 127.0.0.1 serving `snapshot_dir` read-only, for clients pulling millions of rows."""

    def __init__(self, snapshot_dir: Path) -> None:
        super().__init__(snapshot_dir)
        self._served: dict[str, tuple[list, list, set]] = {}
        self._served_lock = threading.Lock()

    def _record(self, request: Request) -> None:
        with self._changed:
            self._changed.notify_all()  # what `wait_until` waits on; the request itself is not kept

    def _prepared(self, dataset_id: str) -> tuple[list, list, set] | None:
        """The dataset's rows, the same rows in `:id` order, and its known field names (computed once)."""
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
                known |= {k for r in rows for k in r} | set(SYSTEM_FIELDS)
                served = self._served[dataset_id] = (rows, by_id, known)
        return served

    def _query(self, dataset_id: str, params: dict[str, str]) -> list[dict]:
        served = self._prepared(dataset_id)
        if served is None:
            return super()._query(dataset_id, params)  # the emulator's own "not found" answer
        rows, by_id, known = served
        order = " ".join(params.get("$order", "").split()).lower()
        if order in _ID_ORDERS:
            # Already in :id order, and filters keep the order, so the query runs without sorting again.
            return run_query(by_id, known, {k: v for k, v in params.items() if k != "$order"})
        return run_query(list(rows), known, params)
