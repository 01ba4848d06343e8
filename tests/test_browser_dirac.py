"""The Dirac-GAN page in a real headless Chromium (Debian's /usr/bin/chromium, via Playwright).

Opens a shared link (R1 with γ = 1), checks the verdict and the eigenvalues, switches
the method to the plain GAN in the select box and sees the verdict change and the URL
follow. Screenshots go to /tmp/shots/dirac_*.png.
"""

from __future__ import annotations

import re

import pytest
from browser_harness import MAIN_PLOTS, MARKS, SHOTS, chromium_page, streamlit_server

WAIT = 120_000          # milliseconds (a busy machine, a cold torch import)

pytestmark = MARKS


@pytest.fixture(scope="module")
def server():
    with streamlit_server("dirac") as base:
        yield base


@pytest.fixture(scope="module")
def page():
    with chromium_page(width=1600, height=2000) as pg:
        yield pg


def settle(page) -> None:
    page.locator(MAIN_PLOTS).nth(1).wait_for(timeout=WAIT)
    page.wait_for_timeout(1500)


def test_r1_link_then_switch_to_gan(server, page):
    page.goto(f"{server}/dirac?method=r1&gamma=1")
    page.get_by_text("GAN + R1 penalty: converges.").first.wait_for(timeout=WAIT)
    page.get_by_text("λ = -0.500000 + 0i, -0.500000 + 0i").first.wait_for(timeout=WAIT)
    settle(page)
    assert page.get_by_text("Traceback").count() == 0
    page.screenshot(path=str(SHOTS / "dirac_r1.png"), full_page=True)

    page.get_by_test_id("stSelectbox").filter(has_text="Method").locator("input").click()
    page.get_by_role("option", name="GAN (saturating) · gan").click()
    page.get_by_text("GAN (saturating): oscillates").first.wait_for(timeout=WAIT)
    page.get_by_text("0 + 0.500000i, 0 − 0.500000i").first.wait_for(timeout=WAIT)
    page.wait_for_url(re.compile(r"method=gan"), timeout=WAIT)
    assert "gamma" not in page.url
    settle(page)
    page.screenshot(path=str(SHOTS / "dirac_gan.png"), full_page=True)


@pytest.mark.parametrize("preset", ["gan-circles", "wgan-gp-no-convergence", "all-methods"])
def test_presets_render(server, page, preset):
    page.goto(f"{server}/dirac?preset={preset}")
    page.get_by_text("Preset ·").first.wait_for(timeout=WAIT)
    settle(page)
    assert page.get_by_text("Traceback").count() == 0
    page.screenshot(path=str(SHOTS / f"dirac_{preset}.png"), full_page=True)
