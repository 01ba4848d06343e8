"""The Study page in a real headless Chromium (Debian's /usr/bin/chromium, via Playwright).

Opens a filtered link on the shipped study at the projector size (1280×800): the
success heatmap is drawn with a cell per loss and target and its hover names the
Wilson interval; then a results file is uploaded (the Parquet a `study --out` folder
holds, made here by a tiny in-process study) and the page switches to it. Screenshots
go to /tmp/shots/.
"""

from __future__ import annotations

import pytest
from browser_harness import MAIN_PLOTS, MARKS, SHOTS, chromium_page, streamlit_server

from ganloss_viz.study import ResultStore, Study, run_study

WAIT = 120_000

pytestmark = MARKS


@pytest.fixture(scope="module")
def server():
    with streamlit_server("study") as base:
        yield base


def test_study_page_draws_and_loads_an_uploaded_file(server, tmp_path):
    out = tmp_path / "tiny"
    run_study(Study(losses=["ns"], targets=["bimodal"], seeds=[0, 1], steps=60), out,
              backend="inline")
    ResultStore(out).compact()
    with chromium_page(width=1280, height=800) as page:
        page.goto(f"{server}/study?losses=ns,hinge,lsgan&targets=ring8,bimodal")
        heat = page.locator(MAIN_PLOTS).first
        heat.wait_for(timeout=WAIT)
        page.get_by_text("Success rate by target (%)").first.wait_for(timeout=WAIT)
        ticks = heat.locator(".ytick text").all_text_contents()      # a row per loss
        assert sorted(ticks) == ["hinge", "lsgan", "ns"], ticks
        assert sorted(heat.locator(".xtick text").all_text_contents()) == ["bimodal", "ring8"]
        page.screenshot(path=str(SHOTS / "study-1280.png"))
        page.get_by_text("Load a results file or run a small study").click()
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
            str(out / "results.parquet"))
        page.get_by_text("Showing uploaded file results.parquet: 2 runs").wait_for(
            timeout=WAIT)
        assert page.locator('[data-testid="stException"]').count() == 0
        page.screenshot(path=str(SHOTS / "study-upload-1280.png"))
