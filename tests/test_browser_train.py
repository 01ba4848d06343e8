"""The Train page in a real headless Chromium (Debian's /usr/bin/chromium, via Playwright).

Starts ``streamlit run app.py`` on a free port, opens a shared trainer link: the run's
view is there before any press; Step moves the counter to 1; Play trains to the end and
the replay animation's step slider appears. Screenshots go to /tmp/shots/.
"""

from __future__ import annotations

import pytest
from browser_harness import MAIN_PLOTS, MARKS, SHOTS, chromium_page, press_play, streamlit_server

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


def test_train_page_shows_the_run_at_once_steps_it_and_replays(server, page):
    page.goto(f"{server}/train?loss=ns&target=ring8&steps=100")
    view = page.frame_locator('iframe[src*="live_chart"]').first.locator(".js-plotly-plot")
    view.wait_for(timeout=WAIT)                                # the view, before any press
    page.get_by_text("Step 0").first.wait_for(timeout=WAIT)
    assert "steps=100" in page.url
    page.screenshot(path=str(SHOTS / "browser-test-train-before.png"))
    page.get_by_role("button", name="Step", exact=True).click()
    page.get_by_text("Step 1", exact=True).first.wait_for(timeout=WAIT)
    press_play(page)
    page.get_by_text("Replay · Non-saturating GAN on ring8").first.wait_for(timeout=WAIT)
    slider = page.locator(f"{MAIN_PLOTS} .slider-container")
    slider.first.wait_for(timeout=WAIT)
    page.get_by_text("Step 100", exact=True).first.wait_for(timeout=WAIT)
    page.get_by_text("modes covered").first.wait_for(timeout=WAIT)
    page.get_by_role("button", name="Animation (standalone HTML)").wait_for(timeout=WAIT)
    assert page.get_by_text("Traceback").count() == 0
    page.screenshot(path=str(SHOTS / "browser-test-train.png"), full_page=True)


def test_drawn_target_from_clicks_trains_and_links(server, page):
    from urllib.parse import unquote

    page.goto(f"{server}/train?loss=ns&target=ring8&steps=40")
    page.get_by_text("Step 0").first.wait_for(timeout=WAIT)
    page.get_by_test_id("stSelectbox").filter(has_text="Target (the data)").click()
    page.get_by_role("option", name="draw your own · 2-D").click()
    plane = page.locator(f"{MAIN_PLOTS} .nsewdrag").first       # the drawing plane
    plane.wait_for(timeout=WAIT)
    for fx, fy in ((0.5, 0.5), (0.25, 0.25)):                  # (0, 0), then up and left
        box = plane.bounding_box()
        page.mouse.click(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
        page.wait_for_timeout(1500)
    page.wait_for_function("() => decodeURIComponent(location.search).includes('points(')",
                           timeout=WAIT)
    target = unquote(page.url.split("target=", 1)[1].split("&", 1)[0]).replace("+", " ")
    assert target.startswith("points(") and target.count(",") >= 3      # two points
    press_play(page)
    page.get_by_text("Replay · Non-saturating GAN on drawn").first.wait_for(timeout=WAIT)
    assert page.get_by_text("Traceback").count() == 0
    page.screenshot(path=str(SHOTS / "browser-test-train-drawn.png"))
