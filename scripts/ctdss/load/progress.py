"""Progress output. On a terminal: one live line per dataset with rows and rows/s. Otherwise: one quiet,
parseable `key=value` log line per dataset when it finishes."""

from __future__ import annotations

import sys
import time
from typing import Protocol, TextIO

from ctdss.load.outcome import Outcome
from ctdss.load.warehouse import Status
from ctdss.registry import Dataset


class ProgressSink(Protocol):
    """Where a load or an extract reports what it is doing, one typed event per method."""

    def started(self, ds: Dataset) -> None:
        """The dataset's metadata is being read."""

    def page(self, ds: Dataset, rows: int) -> None:
        """One more page of `rows` rows of the dataset was pulled (negative: a pull that starts again takes back
        the rows it reported)."""

    def finished(self, outcome: Outcome) -> None:
        """The dataset was loaded, skipped or failed."""

    def absent(self, ds: Dataset, source: str) -> None:
        """The source does not hold the registered dataset: it was not loaded and keeps its previous data."""


class NoProgress:
    """A sink that shows nothing (library callers, the benchmark)."""

    def started(self, ds: Dataset) -> None:
        pass

    def page(self, ds: Dataset, rows: int) -> None:
        pass

    def finished(self, outcome: Outcome) -> None:
        pass

    def absent(self, ds: Dataset, source: str) -> None:
        pass


class Progress:
    """The command line's sink: a live line per dataset on a terminal, a `key=value` line otherwise."""

    def __init__(self, command: str, stream: TextIO | None = None) -> None:
        self.command = command
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self._rows: dict[str, int] = {}
        self._start: dict[str, float] = {}

    def started(self, ds: Dataset) -> None:
        self._rows[ds.id] = 0
        self._start[ds.id] = time.perf_counter()
        if self.tty:
            self._line(ds, "reading metadata")

    def page(self, ds: Dataset, rows: int) -> None:
        self._rows[ds.id] = self._rows.get(ds.id, 0) + rows
        if self.tty:
            elapsed = max(time.perf_counter() - self._start.get(ds.id, time.perf_counter()), 1e-9)
            n = self._rows[ds.id]
            self._line(ds, f"{n:>12,} rows  {n / elapsed:>12,.0f} rows/s")

    def _line(self, ds: Dataset, text: str) -> None:
        self.stream.write(f"\r\033[K  {ds.id}  {ds.kind:<22} {text}")
        self.stream.flush()

    def finished(self, outcome: Outcome) -> None:
        if self.tty:
            self._line(outcome.dataset, _summary(outcome))
            self.stream.write("\n")
        else:
            self.stream.write(" ".join(f"{k}={v}" for k, v in self._fields(outcome).items()) + "\n")
        self.stream.flush()

    def absent(self, ds: Dataset, source: str) -> None:
        if self.tty:
            self._line(ds, f"absent from the {source}: not loaded, previous data kept")
            self.stream.write("\n")
        else:
            self.stream.write(f"command={self.command} dataset={ds.id} kind={ds.kind} status=absent rows=0\n")
        self.stream.flush()

    def _fields(self, outcome: Outcome) -> dict[str, object]:
        ds = outcome.dataset
        fields: dict[str, object] = {
            "command": self.command,
            "dataset": ds.id,
            "kind": ds.kind,
            "status": outcome.status,
            "rows": outcome.rows_landed,
            "kept": outcome.rows_kept,
            "seconds": f"{outcome.seconds:.3f}",
            "rows_per_s": f"{outcome.rows_per_second:.0f}",
            "refresh": outcome.refresh.replace(" ", "_") or "-",
            "vintage": outcome.vintage or "none",
        }
        if outcome.extras:
            fields["extra_fields"] = ",".join(outcome.extras)
        return fields


def _summary(outcome: Outcome) -> str:
    """The terminal line's closing text for a finished dataset."""
    if outcome.status is Status.LOADED:
        text = (f"{outcome.rows_landed:>12,} rows  {outcome.rows_per_second:>12,.0f} rows/s  "
                f"loaded ({outcome.refresh}, vintage from {outcome.vintage or 'no timestamp'}")
        text += f", kept {outcome.rows_kept:,})" if outcome.rows_kept else ")"
        if outcome.extras:
            text += f"; extra fields landed: {', '.join(outcome.extras)}"
        return text
    if outcome.status is Status.SKIPPED:
        return f"skipped: {outcome.vintage} unchanged since the last load (--force reloads)"
    return "FAILED (previous data kept)"
