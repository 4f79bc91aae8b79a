"""`ctdss portal serve`: the bundled sample as a local Socrata portal, which `ctdss discover` lists by its tag."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

SAMPLE = Path(__file__).resolve().parents[3] / "data" / "sample"


def _ignore_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # as a process started in the background (`cmd &`) inherits it


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "kill"])
def test_portal_serve_serves_the_sample_which_a_plain_discover_lists(tmp_path, stop):
    ctdss = str(Path(sys.executable).with_name("ctdss"))  # the console script of the project's venv
    server = subprocess.Popen([ctdss, "portal", "serve"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              preexec_fn=_ignore_interrupts)
    try:
        url = server.stdout.readline().strip()  # printed once the portal accepts connections
        assert url.startswith("http://127.0.0.1:"), server.stderr.read()
        found = subprocess.run([ctdss, "discover", "--portal", url, "--json"], capture_output=True, text=True,
                               timeout=120)
        assert found.returncode == 0, found.stderr
        listed = {d["id"]: d for d in json.loads(found.stdout)["datasets"]}
        sample = {p.name for p in SAMPLE.iterdir() if p.is_dir()}
        assert set(listed) == sample
        assert all(d["registered_kind"] for d in listed.values())
    finally:
        server.send_signal(stop)
        server.wait(timeout=30)
    assert server.returncode == 0  # Ctrl-C or kill is how it is stopped, not a failure
