"""Headless Chromium (Debian's package) for the browser tests: DOM dumps, screenshots and a small PNG reader."""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import struct
import subprocess
import tempfile
import threading
import zlib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
SCREENSHOTS = REPO / "warehouse" / "screenshots"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
]


@functools.cache
def chromium() -> str:
    """The chromium binary, installed by scripts/install-chromium.sh when missing."""
    found = shutil.which("chromium")
    if found:
        return found
    result = subprocess.run(["bash", str(REPO / "scripts" / "install-chromium.sh")], capture_output=True, text=True,
                            timeout=900)
    found = shutil.which("chromium")
    if found is None:
        pytest.fail(f"Chromium could not be installed (scripts/install-chromium.sh):\n{result.stderr[-3000:]}")
    return found


def _run(args: list[str], url: str) -> subprocess.CompletedProcess[bytes]:
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        return subprocess.run([chromium(), *FLAGS, f"--user-data-dir={profile}", "--window-size=1400,900",
                               "--virtual-time-budget=20000", *args, url], capture_output=True, timeout=180)


def dump_dom(url: str) -> str:
    """The rendered DOM after scripts ran, without <script> elements (a static page embeds its data in them)."""
    dom = _run(["--dump-dom"], url).stdout.decode("utf-8", "replace")
    return re.sub(r"<script\b.*?</script>", "", dom, flags=re.S | re.I)


def screenshot(url: str, name: str) -> Path:
    """A PNG of the page, kept under warehouse/screenshots/ (git-ignored) so it can be looked at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    path.unlink(missing_ok=True)
    _run([f"--screenshot={path}"], url)
    assert path.exists() and path.stat().st_size > 0, f"Chromium wrote no screenshot of {url}"
    return path


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve a directory on a free 127.0.0.1 port; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass


def png_colours(path: Path) -> Counter:
    """Count the RGB colours of an 8-bit RGB or RGBA, non-interlaced PNG (what Chromium writes)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    pos, idat, width = 8, b"", 0
    channels = 4
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", chunk)
            assert depth == 8 and interlace == 0 and colour_type in (2, 6), "unsupported PNG layout"
            channels = 3 if colour_type == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    previous = bytearray(stride)
    colours: Counter = Counter()
    for row in range(len(raw) // (stride + 1)):
        kind = raw[row * (stride + 1)]
        line = bytearray(raw[row * (stride + 1) + 1:(row + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        if row % 4 == 0:  # every fourth row is plenty to know what is on screen
            colours.update(bytes(line[i:i + 3]) for i in range(0, stride, channels * 4))
        previous = line
    return colours


def luminance(colour: bytes) -> float:
    r, g, b = colour
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def env_is_ci() -> bool:
    return bool(os.environ.get("CI"))
