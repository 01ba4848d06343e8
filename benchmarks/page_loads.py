"""Every page and preset from a cold browser tab: seconds to the first chart, and until settled.

Run from the repository root::

    .venv/bin/python benchmarks/page_loads.py                  # every URL once
    .venv/bin/python benchmarks/page_loads.py --runs 2 --only dirac
    .venv/bin/python benchmarks/page_loads.py /tmp/before      # alternate with another copy

One `streamlit run app.py` per app folder (headless, a free port), warmed by one untimed
visit of each page (Python's imports, Streamlit's first script runs: the server of a talk
is up before its first slide), then every URL below in a fresh Chromium context (nothing
cached: a cold tab of Debian's Chromium, driven by Playwright with the browser tests'
flags, 1280×800, the projector size). The clock starts at ``page.goto``; printed per URL:

* first chart: the first Plotly chart of the page (an SVG in ``.js-plotly-plot``, in the
  page or in an iframe of it: the Train page's live view, a talk's slide) visible;
* settled: the script has finished (``data-test-script-state`` of the app is
  ``notRunning``) and every Plotly chart of the page has its SVG: the page as a
  speaker sees it, done.

The target (issue 17) is a first chart in at most 5 s on every page and preset. A URL
runs on each app in turn before the next URL (A, B, A, B, ...), so that both copies see
the same drifting machine; the load average is printed, since this host is shared.
Caches of the server (``st.cache_data``) are warm from the second run of a URL on; the
first run of each is the honest cold one, and the warm-up visits only plain pages.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
from browser_harness import CHROMIUM, CHROMIUM_ARGS, free_port  # noqa: E402
from cold_start import compiled, wait_healthy  # noqa: E402

from ganloss_viz.state import PRESETS  # noqa: E402
from ganloss_viz.state.compare import COMPARE_PRESETS  # noqa: E402
from ganloss_viz.state.dirac import DIRAC_PRESETS  # noqa: E402
from ganloss_viz.state.study import STUDY_PRESETS  # noqa: E402
from ganloss_viz.state.talk import DECKS  # noqa: E402
from ganloss_viz.state.theory import THEORY_PRESETS  # noqa: E402
from ganloss_viz.state.train import TRAIN_PRESETS  # noqa: E402

PAGES = ("explorer", "train", "compare", "theory", "dirac", "study", "talk")
CHART = '[data-testid="stMain"] .js-plotly-plot .main-svg'
PLOTS = '[data-testid="stMain"] .js-plotly-plot'
APP = '[data-testid="stApp"]'
TIMEOUT_S = 90
CALM = 10
VIEWPORT = {"viewport": {"width": 1280, "height": 800}}


def urls() -> list[str]:
    """Every page, then every preset of every page (paths relative to the server; a
    talk's preset is a shipped deck, opening at its first slide)."""
    presets = {"explorer": PRESETS, "train": TRAIN_PRESETS, "compare": COMPARE_PRESETS,
               "theory": THEORY_PRESETS, "dirac": DIRAC_PRESETS, "study": STUDY_PRESETS,
               "talk": DECKS}
    return [f"/{page}" for page in PAGES] + [
        f"/{page}?preset={name}" for page, table in presets.items() for name in table]


# The page's iframes that draw charts (same origin): the Train page's live view and curves
# (ganloss_viz.ui.live_chart, a chart that updates in place) and a talk's slide.
FRAMES = '[data-testid="stMain"] iframe[src*="live_chart"], .st-key-talk-slide iframe'


def frame_charts(page) -> tuple[int, int]:
    """(chart iframes of the page, those whose chart is drawn)."""
    return tuple(page.evaluate(
        """frames => { const fs = [...document.querySelectorAll(frames)];
             return [fs.length, fs.filter(f =>
               f.contentDocument?.querySelector('.js-plotly-plot .main-svg')).length]; }""",
        FRAMES))


def settled(page) -> bool:
    """The script has run and finished, and every chart of the page is drawn."""
    frames, drawn = frame_charts(page)
    return frames == drawn and page.evaluate(
        """([plots, app]) => document.querySelector(app)?.dataset.testScriptState ===
             'notRunning' &&
             [...document.querySelectorAll(plots)].every(p => p.querySelector('.main-svg'))""",
        [PLOTS, APP])


def load(browser, url: str) -> tuple[float, float, int]:
    """(seconds to the first chart, seconds until settled, charts) for `url` in a fresh
    browser context; the first is NaN on a page that draws no chart (the first chart may
    be a live chart in its iframe: the Train page's view). Settled: CALM times in a row,
    100 ms apart (a rerun may follow the first run:
    the app is briefly idle, chartless, between them)."""
    context = browser.new_context(**VIEWPORT)
    page = context.new_page()
    try:
        t0 = time.perf_counter()
        page.goto(url)
        first, calm = math.nan, 0
        deadline = time.monotonic() + TIMEOUT_S
        while calm < CALM and time.monotonic() < deadline:
            if math.isnan(first) and (page.locator(CHART).count() or frame_charts(page)[1]):
                first = time.perf_counter() - t0
            calm = calm + 1 if settled(page) else 0
            page.wait_for_timeout(100)
        last = time.perf_counter() - t0 - 0.1 * CALM
        if page.get_by_text("Traceback").count():
            raise SystemExit(f"{url} shows a traceback")
        return first, last, page.locator(PLOTS).count() + frame_charts(page)[0]
    finally:
        context.close()


def server(folder: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.headless", "true", "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false"],
        cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    wait_healthy(base, proc)
    return proc, base


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1, help="visits of each URL per app")
    ap.add_argument("--only", default="", help="only URLs containing this text")
    ap.add_argument("variants", nargs="*", type=Path,
                    help="other copies of the app (folders with app.py), alternated with this one")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    apps = [("this", ROOT), *((v.name, v) for v in args.variants)]
    todo = [u for u in urls() if args.only in u]
    print(f"cores {os.cpu_count()}, load {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    servers = []
    results: dict[tuple[str, str], list[float]] = {}
    try:
        for _, folder in apps:
            compiled(folder)
            servers.append(server(folder))
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            for _, base in servers:                         # untimed: imports, first runs
                for page in PAGES:
                    load(browser, f"{base}/{page}")
            print(f"{'url':<44} {'app':>8} {'first chart (s)':>16} {'settled (s)':>12} "
                  f"{'charts':>7}")
            for run in range(args.runs):
                for url in todo:
                    for (name, _), (_, base) in zip(apps, servers, strict=True):
                        first, last, n = load(browser, base + url)
                        results.setdefault((url, name), []).append(first)
                        print(f"{url:<44} {name:>8} {first:>16.2f} {last:>12.2f} {n:>7}"
                              + ("" if run == 0 else f"  (run {run + 1})"), flush=True)
            browser.close()
    finally:
        for proc, _ in servers:
            proc.terminate()
            proc.wait(timeout=15)
    for name, _ in apps:
        firsts = {u: v[0] for (u, n), v in results.items() if n == name}
        drawn = {u: f for u, f in firsts.items() if not math.isnan(f)}
        worst = max(drawn, key=drawn.get)
        print(f"{name}: {len(drawn)} of {len(firsts)} URLs draw a chart (the others, Train "
              f"and Compare before a run and the talk page's list of decks, have none); "
              f"first chart median "
              f"{statistics.median(drawn.values()):.2f} s, worst {drawn[worst]:.2f} s "
              f"({worst}), over 5 s: {sum(f > 5 for f in drawn.values())}")
    print(f"load after {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
