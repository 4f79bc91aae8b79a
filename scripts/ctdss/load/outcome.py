"""What loading one dataset came to: the loader returns it and the progress sinks report it, so it sits apart
from both."""

from __future__ import annotations

from dataclasses import dataclass, field

from ctdss.load.warehouse import Status
from ctdss.registry import Dataset


@dataclass
class Outcome:
    dataset: Dataset
    status: Status
    rows_landed: int = 0
    rows_kept: int = 0
    seconds: float = 0.0
    refresh: str = ""
    vintage: str = ""  # the metadata timestamp that decided whether the dataset changed, "" if it has none
    extras: list[str] = field(default_factory=list)
    error: str | None = None
    unreachable: bool = False

    @property
    def rows_per_second(self) -> float:
        return self.rows_landed / self.seconds if self.seconds > 0 else 0.0
