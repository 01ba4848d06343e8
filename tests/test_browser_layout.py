"""Charts and text that read right at every size (issue 17 item 3), in a real headless
Chromium (Debian's /usr/bin/chromium, via Playwright).

Every page opens at 1280x800 (a projector, the reference screen) in its default state
and with each of its presets (a talk page's preset is a shipped deck: its first slide);
the pages' default states open again at 1920x1080 and at 390x844 (a phone), and in
presentation mode (``present=1``) at 1280x800, as do the presets whose charts differ
most (`PRESENTED_PRESETS`); `MORE` holds views that once broke. Presets are checked at
one size only, to keep the run to a few minutes (78 views and 4 finished runs, one
server, one browser, one reused tab per size; 69 views took 4.5 minutes on two cores
shared with a load of 9, some 3.5 s a view): a preset changes what a page shows, which the reference
size exercises; the other sizes change how the same elements flow, which the defaults
exercise.

When a view has settled (its script finished, its charts drawn, its fonts loaded, then
unchanged for a moment), `tests/layout_probe.js` takes every visible piece of text, in
the page and in its frames (the Train page's live chart, a talk's slide): Streamlit's
Markdown, metrics, captions, buttons, tables, formulas, the sidebar, and the ``<text>``
of Plotly's charts (titles, tick labels, legends, annotations, slider labels). From
their bounding boxes it reports

* text that overlaps other text (tick labels of one axis included) or a chart's
  Play / Pause button;
* text cut off: by a box that clips it, by an ellipsis ("±4.1e…"), or by its chart's
  edge;
* a number broken across lines ("±5.6e-" over "12");
* text that runs past its element, its column, the main column's content box or the
  window (text in a box that scrolls sideways by design, a wide table on a phone, is
  reachable; that box must fit instead);
* a chart's tick labels or axis title lying on another subplot's plotting area.

A finished run's page is checked too (`RUNS`): Train and Compare after a short run,
their replays, metrics and curves below the live view, at 1280x800 and in presentation
mode (charts with their text grown for a room).

Every problem of a view is listed in its failure, with a screenshot of the view in
/tmp/shots/layout-*.png.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser_harness import CHROMIUM, CHROMIUM_ARGS, MARKS, SHOTS, press_play, streamlit_server

from ganloss_viz.state import PRESETS
from ganloss_viz.state.compare import COMPARE_PRESETS
from ganloss_viz.state.dirac import DIRAC_PRESETS
from ganloss_viz.state.study import STUDY_PRESETS
from ganloss_viz.state.talk import DECKS
from ganloss_viz.state.theory import THEORY_PRESETS
from ganloss_viz.state.train import TRAIN_PRESETS

pytestmark = MARKS

# The probe's function, without its leading comment (Playwright calls a function's text).
PROBE = re.sub(r"\A(//[^\n]*\n)+", "", Path(__file__).with_name("layout_probe.js").read_text())
TOL = 3                 # pixels (KaTeX's formulas overhang their box by about 2)
WAIT = 120_000          # milliseconds for a view to settle
SIZES = {"1280x800": (1280, 800), "1920x1080": (1920, 1080), "390x844": (390, 844)}
REFERENCE = "1280x800"

# Each page's default view ("optimal" is the explorer's Optimal D section).
DEFAULTS = {"explorer": "explorer", "optimal": "explorer?view=optimal", "dirac": "dirac",
            "theory": "theory", "train": "train", "compare": "compare", "study": "study",
            "talk": "talk"}
# Views that once broke: the error estimate "±5.6e-12" wrapped after its "e-" in the value
# tiles and in the table of every divergence.
MORE = {"explorer-mc-errors": "explorer?p=normal(0,%201)&q=cauchy(0.5,%202)&div=hellinger"}
# Presentation mode (20 px text, no sidebar) on the pages whose views differ in it (the
# explorer's Optimal D section and the talk page's deck list add nothing to these).
PRESENTED = ("explorer", "dirac", "theory", "train", "compare", "study")
# Presets whose charts differ from the defaults' (a sweep, a landscape, a fit, five Dirac
# panels, a 1-D run, a talk's slides), also in presentation mode, where chart text grows.
PRESENTED_PRESETS = ("explorer?preset=js-vanishing", "explorer?preset=js-landscape",
                     "explorer?preset=mode-seeking", "dirac?preset=all-methods",
                     "theory?preset=disjoint-supports", "train?preset=bimodal-ns",
                     "compare?preset=trimodal-1d", "talk?preset=divergences",
                     "talk?preset=training")
# Pages after a short run (pressed, then checked once its replay is there): the results
# below the live view. Run pages draw their results only after a press.
RUNS = {"train": "train?loss=ns&target=ring8&steps=100",
        "compare": "compare?losses=ns,hinge&target=ring8&steps=100&width=32"}
PAGE_PRESETS = {"explorer": PRESETS, "train": TRAIN_PRESETS, "compare": COMPARE_PRESETS,
                "dirac": DIRAC_PRESETS, "theory": THEORY_PRESETS, "study": STUDY_PRESETS,
                "talk": DECKS}


def cases() -> list:
    out = [pytest.param(size, path, id=f"{size}-{name}")
           for size in SIZES for name, path in DEFAULTS.items()]
    out += [pytest.param(REFERENCE, f"{page}?preset={name}", id=f"{REFERENCE}-{page}-{name}")
            for page, table in PAGE_PRESETS.items() for name in table]
    out += [pytest.param(REFERENCE, path + ("&" if "?" in path else "?") + "present=1",
                         id=f"{REFERENCE}-present-{name}")
            for name, path in DEFAULTS.items() if name in PRESENTED]
    out += [pytest.param(REFERENCE, f"{path}&present=1", id=f"{REFERENCE}-present-{path}")
            for path in PRESENTED_PRESETS]
    out += [pytest.param(REFERENCE, path, id=f"{REFERENCE}-{name}")
            for name, path in MORE.items()]
    return out


@pytest.fixture(scope="module")
def server():
    with streamlit_server("layout") as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def tabs(browser):
    """One tab per window size, made when first asked for and reused by every view."""
    made: dict[str, object] = {}

    def tab(size: str):
        if size not in made:
            w, h = SIZES[size]
            made[size] = browser.new_page(viewport={"width": w, "height": h})
        return made[size]

    yield tab
    for pg in made.values():
        pg.close()


# The view has settled: the script is done, no element is stale, nothing is loading, every
# chart is drawn and the fonts (the icons' ligatures too) are in.
SETTLED = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (app && app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (document.querySelector('[data-stale="true"], [data-testid="stSkeleton"], '
                             + '[data-testid="stSpinner"]')) return false;
  for (const c of document.querySelectorAll('[data-testid="stPlotlyChart"]'))
    if (!c.querySelector('.main-svg')) return false;
  const live = document.getElementById('chart');          // the live chart's frame
  if (live && !app && !live.querySelector('.main-svg')) return false;
  return document.fonts.status === 'loaded' && document.readyState === 'complete';
}"""
# What the page shows, to wait until it stops changing (Plotly re-lays out after load).
SIGNATURE = """() => [document.body.innerText.length, document.body.scrollHeight,
  [...document.querySelectorAll('.js-plotly-plot .main-svg')].map(
    s => s.getBoundingClientRect().width + 'x' + s.getBoundingClientRect().height).join()]
  .join('|')"""


def settle(target, quiet_ms: int = 300) -> None:
    """Wait for `target` (a page or a frame) to settle and then stay unchanged."""
    target.wait_for_function(SETTLED, timeout=WAIT, polling=100)
    last, same = None, 0
    while same < quiet_ms // 150:
        sig = target.evaluate(SIGNATURE)
        same = same + 1 if sig == last else 0
        last = sig
        target.wait_for_timeout(150)
        target.wait_for_function(SETTLED, timeout=WAIT, polling=100)


def frames(page) -> list:
    """The page's frames that hold something to read (a Streamlit page or a chart)."""
    out = []
    for fr in page.frames[1:]:
        if fr.is_detached() or not fr.url.startswith("http"):
            continue
        out.append(fr)
    return out


def describe(p: dict) -> str:
    text = f"{p['kind']}: {p['text']!r} at {p['box']} ({p['where']})"
    if "other" in p:
        return text + f" with {p['other']!r} at {p['container']} ({p['other_where']})"
    return text + f", its box {p['container']}"


def settle_all(page) -> None:
    settle(page)
    for fr in frames(page):
        fr.wait_for_load_state(timeout=WAIT)
        settle(fr)


@pytest.mark.parametrize(("size", "path"), cases())
def test_no_text_overlaps_or_overflows(server, tabs, size, path):
    page = tabs(size)
    page.goto(f"{server}/{path}")
    page.locator('[data-testid="stMain"]').first.wait_for(timeout=WAIT)
    settle_all(page)
    check(page, size, path)


@pytest.mark.parametrize("present", ["", "&present=1"], ids=["plain", "present"])
@pytest.mark.parametrize("name", RUNS)
def test_finished_run_reads_right(server, tabs, name, present):
    """A run's replay, metrics and curves (drawn after the run) at 1280x800."""
    page = tabs(REFERENCE)
    page.goto(f"{server}/{RUNS[name]}{present}")
    page.locator('[data-testid="stMain"]').first.wait_for(timeout=WAIT)
    settle_all(page)
    if name == "train":
        press_play(page)
    else:
        page.get_by_role("button", name=re.compile("Compare$")).click()
    page.get_by_text("Replay ·").first.wait_for(timeout=3 * WAIT)
    page.locator('[data-testid="stMain"] .js-plotly-plot .slider-container').first.wait_for(
        timeout=WAIT)
    settle_all(page)
    check(page, REFERENCE, f"{RUNS[name]}{present}-finished")


def check(page, size: str, path: str) -> None:
    """Probe the settled view in `page` and its frames; fail with every problem found."""
    assert page.get_by_text("Traceback").count() == 0
    report = page.evaluate(PROBE, {"tol": TOL})
    problems = [describe(p) for p in report["problems"]]
    charts, count = report["charts"], report["count"]
    for fr in frames(page):
        inner = fr.evaluate(PROBE, {"tol": TOL})
        charts, count = charts + inner["charts"], count + inner["count"]
        problems += [f"in frame {fr.url.split('?')[0]}: {describe(p)}"
                     for p in inner["problems"]]
    problems = list(dict.fromkeys(problems))          # a frame may be listed twice
    assert count > 10, "the view drew almost no text"
    if not path.startswith("talk") or "deck" in path or "preset" in path:
        assert charts >= 1, "the view drew no chart"
    if problems:
        name = re.sub(r"[^\w.-]+", "_", f"{size}-{path}")[:120]
        page.screenshot(path=str(SHOTS / f"layout-{name}.png"), full_page=True)
    assert not problems, f"{len(problems)} layout problems:\n" + "\n".join(problems)
