"""`ctdss portal serve`: a local Socrata portal serving a snapshot (the bundled synthetic sample by default), so
that `discover`, `inspect`, `check`, `extract` and `load --portal` can be tried without data.ct.gov.

It is the read-only emulator the benchmark serves through (`socrata_emulator.readonly`): the routes and SoQL of
the test suite's emulator, without its per-request copies and request log, so it can be left running.
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

from ctdss.config import PROJECT_ROOT
from ctdss.errors import UserError
from socrata_emulator.readonly import ReadOnlyEmulator

SAMPLE_DIR = PROJECT_ROOT / "data" / "sample"


def serve(snapshot: Path | None, port: int = 0) -> int:
    """Serve `snapshot` on 127.0.0.1:`port` until interrupted. The URL is printed on its own line once the
    portal accepts connections, so a caller can read it and connect."""
    directory = snapshot or SAMPLE_DIR
    emulator = _emulator(directory)
    try:
        emulator.start(port)
    except OSError as exc:
        raise UserError(f"Cannot serve the local portal on port {port} of 127.0.0.1: {exc.strerror}. Another "
                        f"program may be using it; pick another --port, or leave it out for any free one.") from None
    _stop_on_interrupt_or_terminate()
    try:
        print(f"Serving {len(emulator.datasets)} dataset(s) from {directory} as a Socrata portal; "
              "stop it with Ctrl-C.", file=sys.stderr, flush=True)
        print(emulator.url, flush=True)
        threading.Event().wait()  # the server runs on its own threads; this one waits for Ctrl-C
    except KeyboardInterrupt:
        pass  # the way a user stops it: not an error
    finally:
        emulator.stop()
    return 0


def _stop_on_interrupt_or_terminate() -> None:
    """Ctrl-C and a plain `kill` both stop the portal cleanly. A process started in the background (`&` in a
    script, or under a CI runner) inherits SIGINT ignored, and Python then installs no handler of its own, so
    Ctrl-C's signal would be dropped; SIGTERM is what service managers and `kill` send."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)


def _emulator(directory: Path) -> ReadOnlyEmulator:
    if not directory.is_dir():
        raise UserError(f"The snapshot directory {directory} does not exist. `ctdss sample --out DIR` writes the "
                        f"synthetic sample, and `ctdss extract --out DIR` a snapshot of the portal.")
    try:
        emulator = ReadOnlyEmulator(directory)
    except (OSError, ValueError) as exc:
        raise UserError(f"Cannot serve {directory} as a portal: {exc}. A snapshot holds one folder per dataset, "
                        f"named by its id, with metadata.json and rows*.json (see `ctdss sample`).") from None
    if not emulator.datasets:
        raise UserError(f"{directory} holds no dataset folder (one per dataset, named by its 4x4 id, with "
                        f"metadata.json and rows*.json), so there is nothing to serve.")
    return emulator
