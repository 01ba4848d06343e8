"""The Train page in a real headless Chromium (Debian's /usr/bin/chromium, via Playwright).

Starts ``streamlit run app.py`` on a free port, opens a shared trainer link, presses
Train and waits for the replay animation's step slider. Screenshots go to /tmp/shots/.
"""

from __future__ import annotations

import pytest
from browser_harness import MAIN_PLOTS, MARKS, SHOTS, chromium_page, streamlit_server

WAIT = 120_000          # milliseconds for the run to finish and its replay to appear

pytestmark = MARKS


@pytest.fixture(scope="module")
def server():
    with streamlit_server("train") as base:
        yield base


@pytest.fixture(scope="module")
def page():
    with chromium_page() as pg:
        yield pg


def test_train_link_runs_and_replays(server, page):
    page.goto(f"{server}/train?loss=ns&target=ring8&steps=100")
    train = page.get_by_role("button", name="Train", exact=False).filter(has_text="Train")
    train.first.wait_for(timeout=WAIT)
    assert "steps=100" in page.url
    train.first.click()
    page.get_by_text("Replay · Non-saturating GAN on ring8").first.wait_for(timeout=WAIT)
    slider = page.locator(f"{MAIN_PLOTS} .slider-container")
    slider.first.wait_for(timeout=WAIT)
    page.get_by_text("modes covered").first.wait_for(timeout=WAIT)
    page.get_by_role("button", name="Animation (standalone HTML)").wait_for(timeout=WAIT)
    assert page.get_by_text("Traceback").count() == 0
    page.screenshot(path=str(SHOTS / "browser-test-train.png"), full_page=True)
