"""The Compare page in a real headless Chromium (Debian's /usr/bin/chromium, via Playwright).

Opens a shared comparison link, presses Compare, waits for the replay grid, moves its
one slider and checks that every panel's title and the figure's step follow; then the
metrics table. Screenshots go to /tmp/shots/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser_harness import MAIN_PLOTS, MARKS, SHOTS, chromium_page, streamlit_server

WAIT = 150_000          # milliseconds for the runs to finish and the replay to appear

pytestmark = MARKS


@pytest.fixture(scope="module")
def server():
    with streamlit_server("compare") as base:
        yield base


@pytest.fixture(scope="module")
def page():
    with chromium_page() as pg:
        yield pg


def test_compare_link_runs_and_replays_in_sync(server, page):
    page.goto(f"{server}/compare?losses=ns,hinge&target=ring8&steps=100&width=32")
    button = page.get_by_role("button", name=re.compile("Compare$"))
    button.first.wait_for(timeout=WAIT)
    assert "losses=ns%2Chinge" in page.url or "losses=ns,hinge" in page.url
    button.first.click()
    page.get_by_text("Replay · 2 losses on ring8").first.wait_for(timeout=WAIT)
    grid = page.locator(MAIN_PLOTS).filter(has=page.locator(".slider-container"))
    grid.first.wait_for(timeout=WAIT)
    assert page.locator(".slider-container").count() == 1      # one slider for the grid
    title = grid.first.locator(".gtitle")
    assert title.first.text_content().endswith("step 100")     # a replay opens at its end
    panels = grid.first.locator(".annotation-text").filter(has_text="·")
    assert panels.count() == 2
    assert "Non-saturating GAN · ns" in panels.nth(0).text_content()
    assert "Hinge GAN · hinge" in panels.nth(1).text_content()
    slider = grid.first.locator(".slider-rail-rect").first
    slider.scroll_into_view_if_needed()
    rail = slider.bounding_box()
    page.mouse.click(rail["x"] + 2, rail["y"] + rail["height"] / 2)   # back to the start
    page.wait_for_function(
        "() => [...document.querySelectorAll('.gtitle')].some(t => t.textContent.endsWith"
        "('step 0'))", timeout=WAIT)
    assert all("modes, HQ" in panels.nth(i).text_content() for i in range(2))
    page.get_by_text("modes covered").first.wait_for(timeout=WAIT)
    html_button = page.get_by_role("button", name="Replay grid (standalone HTML)")
    html_button.wait_for(timeout=WAIT)
    with page.expect_download(timeout=WAIT) as info:        # made when pressed
        html_button.click()
    html = Path(info.value.path()).read_text()
    assert info.value.suggested_filename == "ganloss-compare-ring8-seed0.html"
    assert "Plotly.newPlot" in html and "Non-saturating GAN" in html
    assert page.get_by_text("Traceback").count() == 0
    page.screenshot(path=str(SHOTS / "browser-test-compare.png"), full_page=True)
