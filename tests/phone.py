"""A page in headless Chromium at a true phone viewport: the DevTools protocol over Chromium's pipe
(``--remote-debugging-pipe``: requests on fd 3, replies on fd 4, each a JSON text ended by a NUL byte), with
Emulation.setDeviceMetricsOverride(mobile=True), so the page's ``<meta name="viewport">`` applies as on a phone.

Answers how wide the page lays out (``scrollWidth``, which exceeds the viewport when the page scrolls sideways) and
takes a screenshot of the top of the page, to look at.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

# The elements whose right edge is past the viewport and that no scrolling box holds: what makes a page too wide.
WIDEST = """(width => {
  const clipped = e => { for (let a = e.parentElement; a; a = a.parentElement) {
    if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(a).overflowX) && a !== document.documentElement
        && a !== document.body) return true; } return false; };
  return JSON.stringify([...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > width + 0.5 && !clipped(e))
    .map(e => Math.round(e.getBoundingClientRect().right) + ' ' + e.tagName.toLowerCase()
         + (typeof e.className === 'string' && e.className ? '.' + e.className.split(' ').join('.') : ''))
    .slice(0, 8)); })"""


@dataclass(frozen=True)
class PhoneView:
    viewport: int  # CSS pixels, the width the page was told the screen has
    inner_width: int  # window.innerWidth as the page saw it (the viewport after <meta name="viewport">)
    scroll_width: int  # document.documentElement.scrollWidth: the page's layout width
    too_wide: str  # WIDEST's answer: elements whose right edge is past the viewport
    measured: dict  # the caller's own expressions, by name, evaluated in the page


def _above_4(fd: int) -> int:
    high = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return high


class _Pipe:
    def __init__(self, chromium: str, profile: Path) -> None:
        to_child, self._write = map(_above_4, os.pipe())  # so that the child's dup2 to 3 and 4 clobbers neither
        self._read, from_child = map(_above_4, os.pipe())
        # the child reads requests on its fd 3 and writes replies on its fd 4
        self.process = subprocess.Popen(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--remote-debugging-pipe",
                f"--user-data-dir={profile}",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(3, 4),
            preexec_fn=lambda: (os.dup2(to_child, 3), os.dup2(from_child, 4)),
        )
        os.close(to_child)
        os.close(from_child)
        self._buffer = b""
        self._next_id = 0

    def call(self, method: str, session: str | None = None, **params: object) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._message()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]

    def wait_for(self, event: str) -> None:
        while self._message().get("method") != event:
            pass

    def _message(self) -> dict:
        while b"\0" not in self._buffer:
            chunk = os.read(self._read, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self._buffer += chunk
        text, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(text)

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except RuntimeError:
            pass
        self.process.wait(timeout=30)
        os.close(self._write)
        os.close(self._read)


def view_on_phone(
    chromium: str,
    url: str,
    profile: Path,
    width: int,
    screenshot: Path | None = None,
    height: int = 800,
    top: int = 0,
    measure: Mapping[str, str] | None = None,
) -> PhoneView:
    """Open url in a viewport ``width`` CSS pixels wide (a phone: mobile, 2 device pixels a CSS pixel); screenshot
    the ``height`` CSS pixels from ``top`` down (2 pixels a CSS pixel, for a person to look at)."""
    pipe = _Pipe(chromium, profile)
    try:
        target = pipe.call("Target.createTarget", url="about:blank")["targetId"]
        session = pipe.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        pipe.call(
            "Emulation.setDeviceMetricsOverride",
            session,
            width=width,
            height=height,
            deviceScaleFactor=2,
            mobile=True,
        )
        pipe.call("Page.enable", session)
        pipe.call("Page.navigate", session, url=url)
        pipe.wait_for("Page.loadEventFired")

        def evaluate(expression: str) -> object:
            return pipe.call("Runtime.evaluate", session, expression=expression, returnByValue=True)["result"]["value"]

        view = PhoneView(
            viewport=width,
            inner_width=int(evaluate("window.innerWidth")),  # type: ignore[call-overload]
            scroll_width=int(evaluate("document.documentElement.scrollWidth")),  # type: ignore[call-overload]
            too_wide=str(evaluate(f"{WIDEST}({width})")),
            measured={name: evaluate(expression) for name, expression in (measure or {}).items()},
        )
        if screenshot is not None:
            clip = {"x": 0, "y": top, "width": width, "height": height, "scale": 1}
            shot = pipe.call("Page.captureScreenshot", session, format="png", clip=clip, captureBeyondViewport=True)
            screenshot.write_bytes(base64.b64decode(shot["data"]))
        return view
    finally:
        pipe.close()
