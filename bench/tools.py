"""The other loaders the benchmark compares with, each in a venv of its own, never in the project's .venv.

The naive baseline (sodapy + pandas, requirements-baseline.txt) and dlt (requirements-dlt.txt) are installed
with pip from the package index on first use into warehouse/bench/<name>-venv, from a fully pinned list; a venv
is reinstalled when its list changes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from measure import HERE, BenchError

REQUIREMENTS = {"baseline": HERE / "requirements-baseline.txt", "dlt": HERE / "requirements-dlt.txt"}


def tool_python(name: str, venv: Path) -> Path:
    """The Python of the tool's venv, made and installed from its requirements file when missing or stale."""
    requirements = REQUIREMENTS[name]
    python = venv / "bin" / "python"
    stamp = venv / ".installed"
    if stamp.exists() and stamp.read_text() == requirements.read_text():
        return python
    print(f"bench: installing {requirements.name} into {venv} (once)", flush=True)
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    result = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", str(requirements)],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise BenchError(
            f"Could not install {requirements.name} into {venv}: "
            f"{(result.stderr.strip().splitlines() or ['no message'])[-1]}. The {name} comparison needs its "
            f"packages from the package index; check the network or a pip proxy, then run again (or leave it "
            f"out with --{name}-scales none)."
        )
    stamp.write_text(requirements.read_text())
    return python
