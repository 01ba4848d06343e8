"""Shared harness for the real-browser tests: the app served by `streamlit run`, and a
headless Debian Chromium page driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[1]
SHOTS = Path("/tmp/shots")
# Plotly charts of the page itself (the sidebar may hold a blank chart that preloads Plotly)
MAIN_PLOTS = '[data-testid="stMain"] .js-plotly-plot'
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
START_TIMEOUT = 90      # seconds for the server to answer its health check

MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="Debian's chromium is not installed at /usr/bin/chromium "
                              "(apt-get install chromium); the real-browser test needs it"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(name: str) -> Iterator[str]:
    """`streamlit run app.py` on a free port; yields the base URL, stops it afterwards."""
    port = free_port()
    SHOTS.mkdir(parents=True, exist_ok=True)
    log = SHOTS / f"streamlit-{name}-{port}.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.headless", "true", "--server.address", "127.0.0.1",
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"streamlit exited early:\n{log.read_text()}")
                try:
                    with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"streamlit did not start in {START_TIMEOUT}s:\n"
                                f"{log.read_text()}")
                time.sleep(0.5)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


@contextmanager
def chromium_page(width: int = 1600, height: int = 1000):
    """A fresh page of a headless Chromium (closed afterwards)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(viewport={"width": width, "height": height})
        finally:
            browser.close()


def press_play(page, wait_ms: int = 120_000) -> None:
    """Press the Train page's Play (or Resume), confirming when the page asks first (a
    run predicted to take over a minute on this machine)."""
    page.get_by_role("button", name=re.compile("Play|Resume")).first.click()
    confirm = page.get_by_role("button", name="Play anyway")
    pause = page.get_by_role("button", name="Pause")
    deadline = time.monotonic() + wait_ms / 1000
    while time.monotonic() < deadline:
        if confirm.count():
            confirm.first.click()
            return
        if pause.count() or page.get_by_text("Replay ·").count() or \
                page.get_by_text("Queued: position").count():
            return
        time.sleep(0.1)
