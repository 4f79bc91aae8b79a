"""Progress output. On a terminal: one live line per dataset with rows and rows/s. Otherwise: one quiet,
parseable `key=value` log line per dataset when it finishes."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from ctdss.landing import Outcome
from ctdss.registry import Dataset


class Progress:
    def __init__(self, command: str, stream: TextIO | None = None) -> None:
        self.command = command
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self._rows: dict[str, int] = {}
        self._start: dict[str, float] = {}

    def __call__(self, event: str, ds: Dataset, rows: int) -> None:
        if event == "start":
            self._rows[ds.id] = 0
            self._start[ds.id] = time.perf_counter()
            if self.tty:
                self._line(ds, "reading metadata")
        elif event == "page":
            self._rows[ds.id] = self._rows.get(ds.id, 0) + rows
            if self.tty:
                elapsed = max(time.perf_counter() - self._start.get(ds.id, time.perf_counter()), 1e-9)
                n = self._rows[ds.id]
                self._line(ds, f"{n:>12,} rows  {n / elapsed:>12,.0f} rows/s")

    def _line(self, ds: Dataset, text: str) -> None:
        self.stream.write(f"\r\033[K  {ds.id}  {ds.kind:<22} {text}")
        self.stream.flush()

    def outcome(self, outcome: Outcome) -> None:
        ds = outcome.dataset
        if self.tty:
            if outcome.status == "loaded":
                text = (f"{outcome.rows_landed:>12,} rows  {outcome.rows_per_second:>12,.0f} rows/s  "
                        f"loaded ({outcome.refresh}")
                text += f", kept {outcome.rows_kept:,})" if outcome.rows_kept else ")"
                if outcome.extras:
                    text += f"; extra fields landed: {', '.join(outcome.extras)}"
            elif outcome.status == "skipped":
                text = "skipped: rowsUpdatedAt unchanged since the last load (--force reloads)"
            else:
                text = "FAILED (previous data kept)"
            self._line(ds, text)
            self.stream.write("\n")
        else:
            fields = {
                "command": self.command,
                "dataset": ds.id,
                "kind": ds.kind,
                "status": outcome.status,
                "rows": outcome.rows_landed,
                "kept": outcome.rows_kept,
                "seconds": f"{outcome.seconds:.3f}",
                "rows_per_s": f"{outcome.rows_per_second:.0f}",
                "refresh": outcome.refresh.replace(" ", "_") or "-",
            }
            if outcome.extras:
                fields["extra_fields"] = ",".join(outcome.extras)
            self.stream.write(" ".join(f"{k}={v}" for k, v in fields.items()) + "\n")
        self.stream.flush()
