"""The explorer's "Optimal D" section in headless Chromium: the preset, the loss picker
and the URL. Screenshots go to /tmp/shots/ (not kept)."""

from __future__ import annotations

import pytest
from browser_harness import MAIN_PLOTS, MARKS, SHOTS, chromium_page, streamlit_server

TEXT_TIMEOUT = 120_000  # milliseconds

pytestmark = MARKS


@pytest.fixture(scope="module")
def server():
    with streamlit_server("optimal") as base:
        yield base


@pytest.fixture(scope="module")
def page():
    with chromium_page() as pg:
        yield pg


def test_vanishing_gradient_preset_and_loss_picker(server, page):
    page.goto(f"{server}/explorer?preset=vanishing-gradient")
    page.get_by_text("Vanishing gradients at the optimal D").first.wait_for(
        timeout=TEXT_TIMEOUT)
    page.get_by_text("The identity predicts").first.wait_for(timeout=TEXT_TIMEOUT)
    page.locator(MAIN_PLOTS).nth(1).wait_for(timeout=TEXT_TIMEOUT)   # both figures
    page.screenshot(path=str(SHOTS / "browser-test-vanishing-gradient.png"), full_page=True)
    page.get_by_test_id("stSelectbox").filter(has_text="GAN loss").locator("input").click()
    page.get_by_role("option", name="Hinge GAN (hinge)").click()
    page.wait_for_url(lambda url: "loss=hinge" in url, timeout=TEXT_TIMEOUT)
    page.get_by_text("2 − 2·TV(P, Q)").first.wait_for(timeout=TEXT_TIMEOUT)
    assert "preset=" not in page.url                       # no longer the preset's state
    assert page.get_by_text("Traceback").count() == 0
    page.screenshot(path=str(SHOTS / "browser-test-optimal-hinge.png"), full_page=True)
