"""A real headless Chromium driven over the Chrome DevTools protocol (websocket-client).

Imported by the report tests, not collected. `Browser.load(path)` opens a file, waits for it to
load, and returns what a person would notice: console errors and uncaught exceptions, each
image's natural width, and a screenshot. Chromium runs with networking off (the flags keep it
from calling home on a closed network) and a fresh profile per browser.
"""

from __future__ import annotations

import base64
import io
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--remote-debugging-port=0", "--remote-allow-origins=*"]


def find_chromium() -> str | None:
    return next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")
                 if shutil.which(n)), None)


class Browser:
    def __init__(self, binary: str, timeout: float = 30.0) -> None:
        import websocket

        self.profile = Path(tempfile.mkdtemp(prefix="nnlab-chromium-"))
        self.proc = subprocess.Popen([binary, *FLAGS, f"--user-data-dir={self.profile}",
                                      "about:blank"], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        port_file = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + timeout
        while not (port_file.is_file() and len(port_file.read_text().split()) >= 2):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.close()
                raise RuntimeError("chromium did not start (no DevToolsActivePort)")
            time.sleep(0.1)
        port, path = port_file.read_text().split()[:2]
        self.ws = websocket.create_connection(f"ws://127.0.0.1:{port}{path}", timeout=timeout,
                                              suppress_origin=True)
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self.next_id += 1
        msg: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self.ws.send(json.dumps(msg))
        while True:
            reply = json.loads(self.ws.recv())
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, session: str, timeout: float = 30.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for i, ev in enumerate(self.events):
                if ev.get("method") == method and ev.get("sessionId") == session:
                    return self.events.pop(i)
            self.events.append(json.loads(self.ws.recv()))
        raise TimeoutError(method)

    def evaluate(self, expression: str, session: str) -> Any:
        res = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                             "awaitPromise": True}, session)
        return res["result"].get("value")

    def load(self, path: Path, checks: tuple[str, ...] = (), width: int = 1200,
             height: int = 2400) -> dict[str, Any]:
        """Open ``path`` in a new tab; its console errors and exceptions, every image's natural
        width once decoded, a PNG screenshot, and the value of each JS expression ``checks``."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True}
                            )["sessionId"]
        try:
            for domain in ("Page", "Runtime", "Log"):
                self.send(f"{domain}.enable", session=session)
            self.send("Emulation.setDeviceMetricsOverride", {
                "width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
                session)
            self.send("Page.navigate", {"url": Path(path).resolve().as_uri()}, session)
            self.wait_for("Page.loadEventFired", session)
            images = self.evaluate(
                "Promise.all(Array.from(document.images).map(i => i.decode().then("
                "() => i.naturalWidth, () => 0)))", session)
            values = [self.evaluate(expr, session) for expr in checks]
            shot = self.send("Page.captureScreenshot", {"format": "png"}, session)["data"]
            return {"images": images, "screenshot": base64.b64decode(shot), "checks": values,
                    "errors": self._errors(session)}
        finally:
            self.send("Target.closeTarget", {"targetId": target})
            self.events = [ev for ev in self.events if ev.get("sessionId") != session]

    def _errors(self, session: str) -> list[str]:
        out = []
        for ev in self.events:
            if ev.get("sessionId") != session:
                continue
            p = ev.get("params", {})
            if ev.get("method") == "Runtime.exceptionThrown":
                out.append(str(p.get("exceptionDetails", {}).get("text")))
            elif ev.get("method") == "Runtime.consoleAPICalled" and p.get("type") == "error":
                out.append(json.dumps(p.get("args")))
            elif (ev.get("method") == "Log.entryAdded"
                  and p.get("entry", {}).get("level") == "error"):
                out.append(str(p["entry"].get("text")))
        return out

    def close(self) -> None:
        try:
            if getattr(self, "ws", None) is not None:
                self.ws.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            shutil.rmtree(self.profile, ignore_errors=True)


def blank(png: bytes) -> bool:
    """True when a screenshot has (almost) a single colour: nothing was drawn."""
    from PIL import Image

    im = Image.open(io.BytesIO(png)).convert("L")
    histogram = im.histogram()
    return max(histogram) > 0.995 * sum(histogram)
