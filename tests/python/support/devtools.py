"""Drive headless Chromium over the DevTools protocol on a pipe (--remote-debugging-pipe): no port, no
third-party client. A page records every network request it makes, can run JavaScript, type, and take
full-page screenshots."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from support.browser import FLAGS, SCREENSHOTS, chromium

TIMEOUT_S = 60
# Chromium reads commands from fd 3 and writes replies and events to fd 4, each message ending with NUL.
COMMAND_FD, REPLY_FD = 3, 4


class DevToolsError(RuntimeError):
    pass


class Browser:
    def __init__(self, process: subprocess.Popen, commands: int, replies: int) -> None:
        self._process, self._commands, self._replies = process, commands, replies
        self._next_id = 0
        self._lock = threading.Condition()
        self._answers: dict[int, dict] = {}
        self.events: list[dict] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        buffer = b""
        while chunk := os.read(self._replies, 1 << 16):
            buffer += chunk
            *messages, buffer = buffer.split(b"\0")
            with self._lock:
                for raw in messages:
                    message = json.loads(raw)
                    if "id" in message:
                        self._answers[message["id"]] = message
                    else:
                        self.events.append(message)
                self._lock.notify_all()
        with self._lock:
            self._lock.notify_all()

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        with self._lock:
            self._next_id += 1
            call_id = self._next_id
        message = {"id": call_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        with self._lock:
            if not self._lock.wait_for(lambda: call_id in self._answers or not self._reader.is_alive(), TIMEOUT_S):
                raise DevToolsError(f"no answer to {method} within {TIMEOUT_S} s")
            answer = self._answers.pop(call_id, None)
        if answer is None or "error" in answer:
            raise DevToolsError(f"{method} failed: {answer}")
        return answer["result"]

    def wait_for_event(self, method: str, session: str, start: int = 0) -> dict:
        def found() -> dict | None:
            return next((e for e in self.events[start:] if e["method"] == method and e.get("sessionId") == session),
                        None)

        with self._lock:
            if not self._lock.wait_for(lambda: found() is not None, TIMEOUT_S):
                raise DevToolsError(f"no {method} event within {TIMEOUT_S} s")
            return found()

    def open(self, url: str, width: int = 1400, height: int = 900) -> Page:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, session)
        for domain in ("Page", "Network", "Runtime"):
            page.send(f"{domain}.enable")
        page.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        start = len(self.events)
        page.send("Page.navigate", {"url": url})
        self.wait_for_event("Page.loadEventFired", session, start)
        return page


class Page:
    def __init__(self, browser: Browser, session: str) -> None:
        self.browser, self.session = browser, session

    def send(self, method: str, params: dict | None = None) -> dict:
        return self.browser.send(method, params, self.session)

    def evaluate(self, expression: str):
        """The value of a JavaScript expression; a promise is awaited."""
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True})
        if "exceptionDetails" in result:
            raise DevToolsError(f"{expression[:80]}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def type_into(self, selector: str, text: str) -> None:
        self.evaluate(f"document.querySelector({json.dumps(selector)}).focus()")
        self.send("Input.insertText", {"text": text})

    def requested_urls(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.browser.events
                if e["method"] == "Network.requestWillBeSent" and e.get("sessionId") == self.session]

    def screenshot(self, name: str, max_height: int = 5000) -> Path:
        """A PNG of the whole page (up to max_height px), kept under warehouse/screenshots/ to be looked at."""
        size = self.send("Page.getLayoutMetrics")["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], max_height), "scale": 1}
        shot = self.send("Page.captureScreenshot", {"format": "png", "clip": clip, "captureBeyondViewport": True})
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        path.write_bytes(base64.b64decode(shot["data"]))
        return path


def _child_fds(commands: int, replies: int) -> None:
    """In the child: move the pipe ends to the fds Chromium expects (via high fds, in case they collide)."""
    import fcntl

    high_commands, high_replies = fcntl.fcntl(commands, fcntl.F_DUPFD, 10), fcntl.fcntl(replies, fcntl.F_DUPFD, 10)
    os.dup2(high_commands, COMMAND_FD)
    os.dup2(high_replies, REPLY_FD)


@contextmanager
def browser() -> Iterator[Browser]:
    """A headless Chromium for the block; it is closed (and killed if it hangs) on the way out."""
    binary = chromium()
    child_reads, we_write = os.pipe()
    we_read, child_writes = os.pipe()
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        process = subprocess.Popen(
            [binary, *FLAGS, "--remote-debugging-pipe", f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(COMMAND_FD, REPLY_FD), preexec_fn=lambda: _child_fds(child_reads, child_writes))
        os.close(child_reads)
        os.close(child_writes)
        session = Browser(process, we_write, we_read)
        try:
            yield session
        finally:
            try:
                session.send("Browser.close")
                process.wait(timeout=30)
            except (DevToolsError, OSError, subprocess.TimeoutExpired):
                process.kill()
                process.wait(timeout=30)
            os.close(we_write)
            os.close(we_read)
