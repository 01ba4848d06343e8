"""Presentation mode and the talk page in a real headless Chromium (Debian's
/usr/bin/chromium, via Playwright), at 1280x800 (a projector).

Each page opens with ``present=1``: the sidebar and the settings are gone, body text is
at least 20 px, the view's story chart starts inside the first screen, and ``present``
stays in the URL. The talk page steps through a shipped deck with Next / Previous, its
slide frame showing each slide's page. Screenshots: /tmp/shots/present-*.png.
"""

from __future__ import annotations

import re

import pytest
from browser_harness import MAIN_PLOTS, MARKS, SHOTS, chromium_page, streamlit_server

from ganloss_viz.state.talk import parse_deck

WAIT = 120_000
W, H = 1280, 800
# a preset of every page, and the element that tells its story
VIEWS = [
    ("explorer", "explorer?preset=js-vanishing", MAIN_PLOTS),
    ("train", "train?preset=lines-js", 'iframe[title*="live_chart"], iframe[src*="live_chart"]'),
    ("compare", "compare?preset=classics-ring8", MAIN_PLOTS),
    ("dirac", "dirac?preset=gan-circles", MAIN_PLOTS),
    ("study", "study?preset=study-2d", MAIN_PLOTS),
]

pytestmark = MARKS


@pytest.fixture(scope="module")
def server():
    with streamlit_server("present") as base:
        yield base


@pytest.fixture(scope="module")
def page():
    with chromium_page(W, H) as pg:
        yield pg


def body_font_px(page) -> float:
    return page.evaluate("""() => {
      const p = document.querySelector(
        '[data-testid="stMain"] [data-testid="stMarkdownContainer"] p');
      return parseFloat(getComputedStyle(p).fontSize); }""")


@pytest.mark.parametrize(("name", "path", "story"), VIEWS, ids=[v[0] for v in VIEWS])
def test_present_mode_puts_the_story_chart_on_the_first_screen(server, page, name, path,
                                                               story):
    page.goto(f"{server}/{path}&present=1")
    chart = page.locator(story).first
    chart.wait_for(timeout=WAIT)
    page.wait_for_timeout(1500)
    box = chart.bounding_box()
    assert box is not None and 0 <= box["y"] < H - 200, box      # its top on the first screen
    assert body_font_px(page) >= 20
    assert not page.locator('[data-testid="stSidebar"]').is_visible()
    assert not page.locator('[class*="st-key-settings-"]').first.is_visible()
    assert page.locator(".st-key-present-control button").first.is_visible()
    assert "present=1" in page.url
    assert page.get_by_text("Traceback").count() == 0
    page.screenshot(path=str(SHOTS / f"present-{name}.png"))


def test_settings_button_leaves_present_mode(server, page):
    page.goto(f"{server}/dirac?preset=gan-circles&present=1")
    page.locator(".st-key-present-control button").first.click()
    page.locator('[class*="st-key-settings-"]').first.wait_for(timeout=WAIT)
    page.wait_for_function("() => !location.search.includes('present')", timeout=WAIT)
    assert body_font_px(page) < 20


def test_talk_page_steps_through_a_deck(server, page):
    slides = parse_deck("divergences")
    page.goto(f"{server}/talk?deck=divergences&present=1")
    counter = page.locator(".st-key-talk-counter")
    frame = page.locator(".st-key-talk-slide iframe")
    for i, slide in enumerate(slides[:3], start=1):
        counter.get_by_text(f"{i} / {len(slides)} · {slide.title}").wait_for(timeout=WAIT)
        assert f"/{slide.page}?" in frame.get_attribute("src")
        box = frame.bounding_box()
        assert box["y"] < 250 and box["y"] + box["height"] <= H + 1, box
        inner = page.frame_locator(".st-key-talk-slide iframe")
        inner.locator(".js-plotly-plot").first.wait_for(timeout=WAIT)
        if i == 3:
            page.screenshot(path=str(SHOTS / "present-talk.png"))
            page.get_by_role("button", name=re.compile("Previous")).click()
            counter.get_by_text(f"2 / {len(slides)} · ").wait_for(timeout=WAIT)
        else:
            page.get_by_role("button", name=re.compile("Next")).click()
    assert "slide=2" in page.url and "deck=divergences" in page.url
    assert page.get_by_text("Traceback").count() == 0


def test_theory_in_present_mode(server, page):
    page.goto(f"{server}/theory?preset=disjoint-supports&present=1")
    page.locator(MAIN_PLOTS).first.wait_for(timeout=WAIT)
    page.wait_for_timeout(2000)
    assert body_font_px(page) >= 20
    page.screenshot(path=str(SHOTS / "present-theory.png"))


@pytest.mark.parametrize(("name", "path", "story"), [VIEWS[0], VIEWS[3]],
                         ids=["explorer", "dirac"])
def test_present_mode_at_1920x1080(server, page, name, path, story):
    page.set_viewport_size({"width": 1920, "height": 1080})
    try:
        page.goto(f"{server}/{path}&present=1")
        chart = page.locator(story).first
        chart.wait_for(timeout=WAIT)
        page.wait_for_timeout(1500)
        box = chart.bounding_box()
        assert box is not None and 0 <= box["y"] < 1080 - 300, box
        assert body_font_px(page) >= 20
        page.screenshot(path=str(SHOTS / f"present-{name}-1920.png"))
    finally:
        page.set_viewport_size({"width": W, "height": H})
