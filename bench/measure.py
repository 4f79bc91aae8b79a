"""Running the benchmark's steps as processes of their own, and reading what they cost.

Each measured step (a landing, a baseline, `make update`) runs in a child process, so its peak memory is its
own: `wait4`'s ru_maxrss, or the VmHWM the worker scripts report themselves (on Linux ru_maxrss also counts the
image the child was forked from). The local Socrata emulator runs in a process of its own as well.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


class BenchError(Exception):
    """A step of the benchmark failed; the message says which, why and where its log is."""


def measured(cmd: list[str], log: Path, env: dict[str, str] | None = None, cwd: Path | None = None) -> dict:
    """Run a command; return its wall time, its peak RSS (wait4's ru_maxrss, MB), exit code and stdout, and
    when (seconds from the start) each line of stdout arrived."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w", encoding="utf-8") as err:
        err.write("$ " + " ".join(cmd) + "\n")
        err.flush()
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, env=env, cwd=cwd, text=True)
        lines = [(time.perf_counter() - started, line) for line in proc.stdout] if proc.stdout else []
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        out = "".join(line for _, line in lines)
        err.write(out)
    return {"returncode": os.waitstatus_to_exitcode(status), "wall_seconds": seconds,
            "peak_rss_mb": usage.ru_maxrss / 1024, "stdout": out, "line_seconds": lines}


def last_json(text: str) -> dict:
    """The last line of `text` that is a JSON object (the workers print their figures last)."""
    for line in reversed(text.strip().splitlines()):
        with contextlib.suppress(ValueError):
            value = json.loads(line)
            if isinstance(value, dict):
                return value
    return {}


def checked(result: dict, what: str, log: Path) -> dict:
    if result["returncode"] != 0:
        detail = last_json(result["stdout"]).get("error") or "see the log"
        raise BenchError(f"{what} failed (exit {result['returncode']}): {detail}. Log: {log}")
    return result


def worker(script: str, args: list[str], log: Path, what: str, python: Path | None = None) -> tuple[dict, dict]:
    """Run one of the benchmark's worker scripts; return (process figures, the JSON it printed)."""
    result = checked(measured([str(python or sys.executable), str(HERE / script), *args], log), what, log)
    info = last_json(result["stdout"])
    own = info.get("vm_hwm_kb")
    result["peak_rss_mb"] = round(own / 1024 if own else result["peak_rss_mb"], 1)
    return result, info


def median_of(repeat: int, measure: Callable[[], dict]) -> dict:
    """Repeat a measurement; keep the run with the median time (the machine may be shared)."""
    runs = sorted((measure() for _ in range(max(1, repeat))), key=lambda r: r["seconds"])
    chosen = dict(runs[len(runs) // 2])
    if len(runs) > 1:
        chosen["repeats"] = len(runs)
        chosen["peak_rss_mb"] = max(r["peak_rss_mb"] for r in runs)
    return chosen


@dataclass
class Emulator:
    url: str
    pid: int

    def cpu_seconds(self) -> float:
        """CPU time the emulator's process has used so far (Linux /proc; 0 where it cannot be read)."""
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return 0.0

    def serving(self, measure: Callable[[], dict]) -> dict:
        """A measurement through the emulator, with the CPU time the emulator spent serving it."""
        before = self.cpu_seconds()
        figures = measure()
        figures["emulator_cpu_seconds"] = round(self.cpu_seconds() - before, 2)
        return figures


@contextlib.contextmanager
def emulator(snapshot: Path, log: Path) -> Iterator[Emulator]:
    """The local Socrata emulator serving a snapshot, in a process of its own (bench/emulate.py)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w", encoding="utf-8") as err:
        proc = subprocess.Popen([sys.executable, str(HERE / "emulate.py"), str(snapshot)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, text=True)
        try:
            first = proc.stdout.readline().strip() if proc.stdout else ""
            if not first.startswith("http"):
                raise BenchError(
                    f"The local Socrata emulator did not start ({first or 'no output'}); it is the "
                    f"`socrata_emulator` package, installed by `make setup`. Log: {log}."
                )
            yield Emulator(first, proc.pid)
        finally:
            if proc.stdin:
                proc.stdin.close()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
