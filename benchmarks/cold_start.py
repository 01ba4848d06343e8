"""Cold start: from `streamlit run app.py` to the first explorer chart in Chromium.

Run from the repository root::

    .venv/bin/python benchmarks/cold_start.py            # 3 starts, about half a minute
    .venv/bin/python benchmarks/cold_start.py --runs 5
    .venv/bin/python benchmarks/cold_start.py --runs 8 /tmp/variant   # an A/B experiment

Each run starts a fresh server (headless, a free port) and, at the same moment, a
headless Debian Chromium (driven by Playwright with the browser tests' flags), which
opens ``/`` as soon as the server answers and waits until the first Plotly chart of
the explorer is drawn (an SVG inside ``.js-plotly-plot``): what a person who typed
the README's first command sees. The clock starts when the server process is spawned.
Printed: every run's split (server answering, chart visible), the median, and the
machine's load (`os.getloadavg`), since timings on a shared host are inflated by it.
The target is a median of at most 4 s.

By default every run opens a fresh browser context (nothing cached: a first-time
visitor); --warm-browser reuses one context and one port, so Streamlit's scripts and
Plotly's (a 4.7 MB chunk that the browser compiles in about 1.5 s here) come from the
cache, as for a speaker who opened the app before the talk.

Runs alternate with the same measurement of a trivial app (one Plotly chart of three
points, `TRIVIAL`, served from a temporary folder with a copy of the project's
``.streamlit/config.toml``, so that both run under the same Streamlit settings): its
median is the floor that Streamlit, Python and Chromium set on this machine under its
present load, and the explorer's median minus it is what the app itself adds. (Without
that copy the one-chart app ran on Streamlit's defaults, a polling source watcher
above all, and its median was 0.2-0.5 s longer: a floor that flattered the
explorer.) Folders named on the command line (copies of the repository with a change
to try, with their own ``.streamlit``) join the alternation, so that an A/B
experiment sees the same drifting machine for both sides.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from browser_harness import CHROMIUM, CHROMIUM_ARGS, free_port  # noqa: E402

CHART = '[data-testid="stMain"] .js-plotly-plot .main-svg'   # the page's, not the sidebar's
TIMEOUT_S = 60
VIEWPORT = {"viewport": {"width": 1400, "height": 900}}
TRIVIAL = ("import plotly.graph_objects as go\nimport streamlit as st\n"
           "st.plotly_chart(go.Figure(go.Scatter(y=[1, 3, 2])))\n")


def compiled(folder: Path) -> None:
    """Byte-compile the app's own modules, as its first start would (a copy made for an
    A/B run has none, and PYTHONDONTWRITEBYTECODE may keep a start from writing them):
    every app is timed with its bytecode ready, as after any first start."""
    for path in (folder / "app.py", folder / "app_pages", folder / "ganloss_viz"):
        if path.is_dir():
            compileall.compile_dir(path, quiet=1)
        elif path.exists():
            compileall.compile_file(path, quiet=1)


def wait_healthy(base: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("streamlit exited early")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.02)
    raise SystemExit(f"streamlit did not answer in {TIMEOUT_S} s")


def one_start(browser, folder: Path, shared=None, port: int | None = None
              ) -> tuple[float, float]:
    """(seconds until the server answers, seconds until the first chart is visible)
    for `streamlit run app.py` in `folder`, opened in a page of the browser context
    `shared` (its cache warm), or of a fresh one (nothing cached), on `port` (None: a
    free one)."""
    port = port or free_port()
    context = shared or browser.new_context(**VIEWPORT)
    page = context.new_page()
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.headless", "true", "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false"],
        cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, proc)
        t_up = time.perf_counter() - t0
        page.goto(f"{base}/")
        page.locator(CHART).first.wait_for(state="visible", timeout=TIMEOUT_S * 1000)
        t_chart = time.perf_counter() - t0
        if page.get_by_text("Traceback").count():
            raise SystemExit("the page shows a traceback")
        return t_up, t_chart
    finally:
        page.close()
        if context is not shared:
            context.close()
        proc.terminate()
        proc.wait(timeout=15)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--warm-browser", action="store_true",
                    help="one browser context and one port for every run, after an untimed "
                         "visit of each app: Streamlit's and Plotly's scripts come from the "
                         "browser's cache, as for a speaker who opened the app before")
    ap.add_argument("variants", nargs="*", type=Path,
                    help="other copies of the app (folders with app.py) measured in turn")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    print(f"cores {os.cpu_count()}, load {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'run':>4} {'app':>9} {'server up (s)':>14} {'first chart (s)':>16}")
    charts: dict[str, list[float]] = {}
    with sync_playwright() as p, tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "app.py").write_text(TRIVIAL)
        (Path(tmp) / ".streamlit").mkdir()
        shutil.copy(ROOT / ".streamlit" / "config.toml", Path(tmp) / ".streamlit")
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        shared, port = None, None
        apps = [("explorer", ROOT), *((str(v), v) for v in args.variants),
                ("trivial", Path(tmp))]
        for _, folder in apps:
            compiled(folder)
        try:
            if args.warm_browser:
                shared, port = browser.new_context(**VIEWPORT), free_port()
                for _, folder in apps:
                    one_start(browser, folder, shared, port)
            for i in range(args.runs):
                for name, folder in apps:
                    up, chart = one_start(browser, folder, shared, port)
                    charts.setdefault(name, []).append(chart)
                    print(f"{i + 1:>4} {name:>9} {up:>14.2f} {chart:>16.2f}")
        finally:
            browser.close()
    for name, values in charts.items():
        print(f"{name}: median {statistics.median(values):.2f} s, sorted "
              f"{' '.join(f'{x:.2f}' for x in sorted(values))}")
    app, floor = (statistics.median(charts[n]) for n in ("explorer", "trivial"))
    cache = "warm browser cache" if args.warm_browser else "fresh browser context each run"
    print(f"{cache}; median first chart: explorer {app:.2f} s (target <= 4 s), trivial app "
          f"{floor:.2f} s; "
          f"the explorer adds {app - floor:.2f} s; "
          f"load after {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
