"""Process statistics shared by the benchmark's worker scripts (run as scripts, so this sits beside them)."""

from __future__ import annotations

from pathlib import Path


def vm_hwm_kb() -> int | None:
    """This process's peak resident set (Linux VmHWM, kB), counted from when it started its program."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None
