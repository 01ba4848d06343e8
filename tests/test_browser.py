"""The app in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

Starts ``streamlit run app.py`` on a free port, opens a shared link and waits for the
number; then follows a sidebar preset link. Screenshots go to /tmp/shots/ (not kept).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from browser_harness import MAIN_PLOTS, MARKS, SHOTS, chromium_page, streamlit_server

TEXT_TIMEOUT = 120_000  # milliseconds for a number to appear

pytestmark = MARKS


@pytest.fixture(scope="module")
def server():
    with streamlit_server("explorer") as base:
        yield base


@pytest.fixture(scope="module")
def page():
    with chromium_page() as pg:
        yield pg


def metric(page) -> str:
    value = page.get_by_test_id("stMetricValue").first
    value.wait_for(timeout=TEXT_TIMEOUT)
    return value.inner_text().strip()


def test_shared_link_shows_the_value(server, page):
    page.goto(f"{server}/explorer?p=normal(0,%201)&q=normal(1,%202)&div=js")
    page.get_by_text("0.128175").first.wait_for(timeout=TEXT_TIMEOUT)
    page.locator(MAIN_PLOTS).first.wait_for(timeout=TEXT_TIMEOUT)
    page.get_by_text("∂D/∂θ").first.wait_for(timeout=TEXT_TIMEOUT)     # the gradient table
    # The tables are Markdown: the browser's renderer shows every cell literally.
    tables = page.locator('[data-testid="stMain"] [data-testid="stMarkdownContainer"] table')
    tables.nth(1).wait_for(timeout=TEXT_TIMEOUT)
    grad = tables.nth(0).locator("tbody tr")
    assert grad.nth(2).locator("td").all_inner_texts() == ["q.loc", "1", "0.0691073"]
    rows = tables.nth(1).locator("tbody tr")
    assert rows.count() == 16                                         # every divergence
    cells = [r.locator("td").all_inner_texts() for r in rows.all()]
    assert cells[0][1:5] == ["Kullback-Leibler KL(P‖Q)", "kl", "0.443147", "closed form"]
    js = next(c for c in cells if c[2] == "js")
    assert js[0] == "▶" and js[6] == "[0, ln 2]" and js[1] == "Jensen-Shannon"
    assert "reverse_kl" in [c[2] for c in cells]
    assert "div=js" in page.url
    assert page.get_by_text("Traceback").count() == 0
    page.screenshot(path=str(SHOTS / "browser-test-js.png"), full_page=True)


@pytest.mark.parametrize(("query", "value"), [
    ("p=dirac(0)&q=dirac(3)&div=js", "0.693147"),
    ("p=uniform(0,%201)&q=uniform(2,%203)&div=kl", "∞"),
    ("p=mvnormal(loc%3D%5B0%2C%200%5D%2C%20cov%3D%5B%5B1%2C%200.8%5D%2C%20%5B0.8%2C%201%5D%5D)"
     "&q=mvnormal(loc%3D%5B0%2C%200%5D%2C%20cov%3D%5B%5B1%2C%20-0.8%5D%2C%20%5B-0.8%2C%201%5D"
     "%5D)&div=hellinger", "0.400000"),
])
def test_values_of_shared_links(server, page, query, value):
    page.goto(f"{server}/explorer?{query}")
    page.get_by_test_id("stMetricValue").filter(has_text=value).first.wait_for(
        timeout=TEXT_TIMEOUT)
    assert metric(page) == value
    page.locator(MAIN_PLOTS).first.wait_for(timeout=TEXT_TIMEOUT)
    assert page.get_by_text("Traceback").count() == 0


def test_bad_link_shows_an_error_and_a_working_page(server, page):
    page.goto(f"{server}/explorer?p=normal(0,&q=normal(1,%202)&div=nope")
    page.get_by_text("0.128175").first.wait_for(timeout=TEXT_TIMEOUT)
    errors = page.get_by_test_id("stAlertContentError")
    errors.first.wait_for(timeout=TEXT_TIMEOUT)
    text = " ".join(errors.all_inner_texts())
    assert "p='normal(0,'" in text and "unknown divergence" in text
    page.locator(MAIN_PLOTS).first.wait_for(timeout=TEXT_TIMEOUT)
    assert page.get_by_text("Traceback").count() == 0


def test_preset_opens_its_section_and_tabs_go_to_the_url(server, page):
    page.goto(f"{server}/explorer?preset=js-vanishing")
    page.get_by_text("now: q.loc = 6").first.wait_for(timeout=TEXT_TIMEOUT)  # the sweep
    page.get_by_test_id("stTab").filter(has_text="Landscape").click()
    page.wait_for_url(lambda url: "view=landscape" in url, timeout=TEXT_TIMEOUT)
    page.get_by_text("grid points per axis").first.wait_for(timeout=TEXT_TIMEOUT)
    page.locator(MAIN_PLOTS).first.wait_for(timeout=TEXT_TIMEOUT)
    assert "preset=js-vanishing" in page.url                 # still the preset's pair
    assert page.get_by_text("Traceback").count() == 0


def test_sidebar_preset_link(server, page):
    page.goto(server)
    page.get_by_text("0.128175").first.wait_for(timeout=TEXT_TIMEOUT)
    # The first of the sidebar's links of that title: the explorer's (the theory page has one).
    page.get_by_role("link", name="Two point masses").first.click()
    page.get_by_text("0.693147").first.wait_for(timeout=TEXT_TIMEOUT)
    page.wait_for_url("**preset=dirac**", timeout=TEXT_TIMEOUT)
    page.screenshot(path=str(SHOTS / "browser-test-dirac.png"), full_page=True)


def test_widgets_update_the_url(server, page):
    page.goto(f"{server}/explorer?p=normal(0,%201)&q=normal(1,%202)&div=js")
    page.get_by_text("0.128175").first.wait_for(timeout=TEXT_TIMEOUT)
    page.get_by_test_id("stSelectbox").filter(has_text="Divergence").locator("input").click()
    page.get_by_role("option", name="Total variation").click()
    page.wait_for_url(lambda url: "div=tv" in url, timeout=TEXT_TIMEOUT)
    q_loc = page.get_by_test_id("stNumberInput").filter(has_text="loc").nth(1).locator("input")
    q_loc.fill("4")
    q_loc.press("Enter")
    page.wait_for_url(lambda url: "q=normal%284%2C+2%29" in url, timeout=TEXT_TIMEOUT)
    page.get_by_text("0.830550").first.wait_for(timeout=TEXT_TIMEOUT)   # tv(N(0,1), N(4,2))


def test_sweep_csv_download_holds_the_closed_form(server, page):
    page.goto(f"{server}/explorer?p=normal(0,%201)&q=normal(1,%201)&div=kl&view=sweep"
              "&sweep=q.loc&range=-2,2&points=41")
    button = page.get_by_role("button", name="Sweep CSV")
    button.wait_for(timeout=TEXT_TIMEOUT)
    with page.expect_download(timeout=TEXT_TIMEOUT) as info:
        button.click()
    assert info.value.suggested_filename == "ganloss-viz-sweep-kl-q.loc.csv"
    header, *rows = list(csv.reader(io.StringIO(Path(info.value.path()).read_text())))
    assert header == ["q.loc", "kl", "d kl / d q.loc"]
    assert len(rows) == 41
    for theta, value, slope in ((float(a), float(b), float(c)) for a, b, c in rows):
        assert abs(value - theta**2 / 2) <= 1e-12          # KL(N(0,1) ‖ N(θ,1)) = θ²/2
        assert abs(slope - theta) <= 1e-12
    assert page.get_by_text("Traceback").count() == 0
