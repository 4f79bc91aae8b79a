"""Serve a snapshot through the local Socrata emulator in its own process, until standard input closes.

The harness runs the emulator here rather than in its own process, so that serving millions of rows does not
grow the harness (and, through fork, the figures of the processes it measures), and the emulator's CPU time
can be read on its own. It serves read-only (`socrata_emulator.readonly`): the same query code as the tests'
emulator, without its per-request copy of every row. Prints the emulator's base URL on the first line of
standard output.

    python bench/emulate.py SNAPSHOT_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

from socrata_emulator.readonly import ReadOnlyEmulator


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    emulator = ReadOnlyEmulator(Path(args[0])).start()
    try:
        print(f"serving {args[0]} (read-only)", file=sys.stderr, flush=True)
        print(emulator.url, flush=True)
        sys.stdin.read()  # the harness closes our standard input when it is done with the emulator
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
