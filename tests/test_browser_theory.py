"""The Theory page in a real headless Chromium (Debian's /usr/bin/chromium, via Playwright).

Opens a shared /theory link, checks that KaTeX rendered every formula (no KaTeX error
boxes) and that both registry tables and the vanishing-gradient chart are there, then
changes P and sees the URL and the numbers follow. Screenshots go to /tmp/shots/.
"""

from __future__ import annotations

import math
import time

import pytest
from browser_harness import MAIN_PLOTS, MARKS, SHOTS, chromium_page, streamlit_server

from ganloss_viz.divergences import DIVERGENCES
from ganloss_viz.divergences.registry import GROUP_F
from ganloss_viz.losses import LOSSES
from ganloss_viz.state.talk import parse_deck

WAIT = 120_000          # milliseconds for the page (first engine calls) to render

pytestmark = MARKS


@pytest.fixture(scope="module")
def server():
    with streamlit_server("theory") as base:
        yield base


@pytest.fixture(scope="module")
def page():
    with chromium_page(width=1600, height=1000) as pg:
        yield pg


def metric(page, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return box.locator('[data-testid="stMetricValue"]').inner_text().strip()


def test_theory_link_renders_formulas_tables_and_follows_p(server, page):
    page.set_viewport_size({"width": 1600, "height": 1000})
    page.goto(f"{server}/theory?preset=overlapping-normals")
    page.get_by_text("7. Vanishing gradients").first.wait_for(timeout=WAIT)
    page.locator(MAIN_PLOTS).first.wait_for(timeout=WAIT)
    assert page.get_by_text("Traceback").count() == 0
    # every formula typeset, none failed
    assert page.locator(".katex").count() > 60
    assert page.locator(".katex-error").count() == 0
    # the two registry tables: a row per f-divergence and per loss
    tables = page.locator('[data-testid="stMarkdownContainer"] table')
    fdivs = tables.filter(has_text="activation")
    losses = tables.filter(has_text="identity at the optimal D")
    assert (fdivs.count(), losses.count()) == (1, 1)
    n_f = sum(d.group == GROUP_F for d in DIVERGENCES.values())
    assert fdivs.locator("tbody tr").count() == n_f
    assert losses.locator("tbody tr").count() == len(LOSSES)
    assert fdivs.locator("tbody tr .katex").count() >= 4 * n_f
    # read as soon as the plots are up, the metric can still be a rerun's earlier frame
    # (CI under load read 0.0 once): wait, within WAIT, for the link's value
    deadline = time.monotonic() + WAIT / 1000
    while float(metric(page, "KL(P ‖ Q)")) != pytest.approx(0.5, rel=1e-6) \
            and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert float(metric(page, "KL(P ‖ Q)")) == pytest.approx(0.5, rel=1e-6)
    page.screenshot(path=str(SHOTS / "browser-test-theory.png"), full_page=True)

    # change P: the URL, the numbers and the tables follow
    box = page.get_by_test_id("stTextInput").first.locator("input")
    box.fill("normal(0, 2)")
    box.press("Enter")
    page.wait_for_url(lambda url: "p=normal%280%2C+2%29" in url, timeout=WAIT)
    expected = math.log(1 / 2) + (4 + 1) / 2 - 0.5     # KL(N(0,4) ‖ N(1,1))
    page.wait_for_function(
        """([label, want]) => [...document.querySelectorAll('[data-testid="stMetric"]')]
             .some(m => m.innerText.includes(label) &&
                        Math.abs(parseFloat(m.querySelector('[data-testid="stMetricValue"]')
                                 .innerText) - want) < 1e-5)""",
        arg=["KL(P ‖ Q)", expected], timeout=WAIT)
    assert "preset" not in page.url
    assert page.locator(".katex-error").count() == 0
    assert page.get_by_text("Traceback").count() == 0


# Each formula and table against the column it sits in (KaTeX overhangs by 2 pixels).
OVERFLOWS = """() => [...document.querySelectorAll(
    '.katex-display, [data-testid="stMarkdownContainer"] table')]
  .map(el => { const box = (el.closest('[data-testid="stColumn"]')
                            || el.closest('[data-testid="stMainBlockContainer"]'))
                           .getBoundingClientRect();
               const r = el.getBoundingClientRect();
               return [el.tagName, Math.max(r.right, r.left + el.scrollWidth) - box.right,
                       (el.innerText || '').slice(0, 40)]; })
  .filter(([, over]) => over > 3)"""


def test_at_1280_every_formula_and_table_fits_and_a_preset_opens_its_section(server, page):
    page.set_viewport_size({"width": 1280, "height": 800})      # a projector
    page.goto(f"{server}/theory?preset=disjoint-supports")
    page.get_by_text("7. Vanishing gradients").first.wait_for(timeout=WAIT)
    page.locator(MAIN_PLOTS).first.wait_for(timeout=WAIT)
    header = page.locator("#disjoint")
    page.wait_for_function(
        "() => { const r = document.getElementById('disjoint').getBoundingClientRect(); "
        "return r.top >= 0 && r.top < 200; }", timeout=WAIT)
    assert header.is_visible()
    assert page.evaluate(OVERFLOWS) == []
    page.screenshot(path=str(SHOTS / "browser-test-theory-1280.png"))


SECTION_TOP = """(anchor) => { const el = document.getElementById(anchor);
  const r = el && el.getBoundingClientRect();
  return r && r.height > 0 && r.top >= 0 && r.top < 200; }"""


def test_preset_opens_at_its_section_in_present_mode_and_in_a_talk_slide(server, page):
    """A Theory preset's link scrolls its page to the preset's section, in presentation
    mode too, and so does a talk's slide that is a Theory preset: inside the slide's
    frame, with the talk page around it left where it was (its buttons on screen)."""
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{server}/theory?preset=different-widths&present=1")
    page.wait_for_function(SECTION_TOP, arg="kl", timeout=WAIT)
    page.wait_for_timeout(1500)                          # and it stays there
    assert page.evaluate(SECTION_TOP, "kl")

    slides = parse_deck("training")
    n = next(i for i, s in enumerate(slides, 1) if s.text == "theory:disjoint-supports")
    page.goto(f"{server}/talk?deck=training&slide={n}&present=1")
    slide = page.frame_locator(".st-key-talk-slide iframe")
    slide.locator("#disjoint").wait_for(state="attached", timeout=WAIT)
    frame = next(f for f in page.frames if "/theory?" in f.url)
    frame.wait_for_function(SECTION_TOP, arg="disjoint", timeout=WAIT)
    page.wait_for_timeout(1500)
    assert frame.evaluate(SECTION_TOP, "disjoint")
    assert page.get_by_role("button", name="Previous").bounding_box()["y"] >= 0
    page.screenshot(path=str(SHOTS / "browser-test-theory-talk-slide.png"))
