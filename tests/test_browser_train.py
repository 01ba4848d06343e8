"""The Train page in a real headless Chromium (Debian's /usr/bin/chromium, via Playwright).

Starts ``streamlit run app.py`` on a free port, opens a shared trainer link, presses
Train and waits for the replay animation's step slider. Screenshots go to /tmp/shots/.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[1]
SHOTS = Path("/tmp/shots")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
START_TIMEOUT = 90      # seconds for the server to answer its health check
WAIT = 120_000          # milliseconds for the run to finish and its replay to appear

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="Debian's chromium is not installed at /usr/bin/chromium "
                              "(apt-get install chromium); the real-browser test needs it"),
]


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    """`streamlit run app.py` on a free port; yields the base URL."""
    port = free_port()
    SHOTS.mkdir(parents=True, exist_ok=True)
    log = SHOTS / f"streamlit-train-{port}.log"
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


@pytest.fixture(scope="module")
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(viewport={"width": 1600, "height": 1000})
        finally:
            browser.close()


def test_train_link_runs_and_replays(server, page):
    page.goto(f"{server}/train?loss=ns&target=ring8&steps=100")
    train = page.get_by_role("button", name="Train", exact=False).filter(has_text="Train")
    train.first.wait_for(timeout=WAIT)
    assert "steps=100" in page.url
    train.first.click()
    page.get_by_text("Replay · Non-saturating GAN on ring8").first.wait_for(timeout=WAIT)
    slider = page.locator(".js-plotly-plot .slider-container")
    slider.first.wait_for(timeout=WAIT)
    page.get_by_text("modes covered").first.wait_for(timeout=WAIT)
    page.get_by_role("button", name="Animation (standalone HTML)").wait_for(timeout=WAIT)
    assert page.get_by_text("Traceback").count() == 0
    page.screenshot(path=str(SHOTS / "browser-test-train.png"), full_page=True)
