"""The README's pictures: every page of the app, and selected presets, in Chromium.

Run from the repository root (it starts its own server)::

    .venv/bin/python scripts/screenshots.py              # every page and its shots
    .venv/bin/python scripts/screenshots.py --only train dirac  # some pages

Starts ``streamlit run app.py`` on a free port, opens each URL below in a headless
Debian Chromium (Playwright, the browser tests' flags) at 1400 x 900, waits until the
script has finished and the charts are drawn, and writes ``docs/images/<name>.png``:
the visible window, reduced to a 256-colour palette (a few hundred kB each). Every page
in `ganloss_viz.ui.shell.PAGES` gets at least its bare URL and its first preset, so a
page added there is pictured without editing this file; `SHOTS` chooses the rest.
A shot that shows an exception or a traceback stops the script.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import time
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
from browser_harness import CHROMIUM, CHROMIUM_ARGS, streamlit_server  # noqa: E402

from ganloss_viz.ui import shell  # noqa: E402

OUT = ROOT / "docs" / "images"
SIZE = {"width": 1400, "height": 900}
WAIT = 600_000                         # milliseconds for a page (or a run) to finish
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'

# (file name, URL path and query, actions after load, separated by ";"). "press:<label>"
# presses that button and waits for the finished run's replay (a Plotly step slider; the
# Train page's first screen then shows the run's view and curves);
# "last" moves the first animation's step slider to its last frame; "tab:<label>"
# scrolls that section's tab, and "text:<text>" the first element starting with that
# text, to the top of the window; "chart" scrolls the first chart there; "down:<px>"
# scrolls the window down.
SHOTS: dict[str, list[tuple[str, str, str]]] = {
    "explorer": [
        ("explorer", "/explorer", ""),
        ("explorer-2d", "/explorer?preset=correlated-2d", "tab:Value & gradient"),
        ("explorer-sweep", "/explorer?preset=js-vanishing", "tab:Sweep"),
        ("explorer-parallel-lines", "/explorer?preset=parallel-lines", "tab:Sweep"),
        ("explorer-landscape", "/explorer?preset=js-landscape", "tab:Landscape"),
        ("explorer-fit", "/explorer?preset=mode-seeking", "last;tab:Direct fit"),
    ],
    "train": [
        ("train", "/train?preset=ring8-ns&steps=1000", "press:Play"),
    ],
    "compare": [
        ("compare", "/compare?losses=ns,minimax,hinge,lsgan&target=ring8&steps=800",
         "press:Compare;last;chart"),
    ],
    "theory": [
        ("theory", "/theory", ""),
        ("theory-vanishing", "/theory?preset=disjoint-supports", "text:7. Vanishing"),
    ],
    "dirac": [
        ("dirac", "/dirac?preset=gan-circles", "down:420"),
        ("dirac-r1", "/dirac?preset=r1-converges", "down:420"),
    ],
}


def shots_for(page: str) -> list[tuple[str, str, str]]:
    """SHOTS[page], or the bare page and its first preset for a page SHOTS lacks."""
    if page in SHOTS:
        return SHOTS[page]
    out = [(page, f"/{page}", "")]
    for _, name, presets in shell.preset_groups():
        if name == page and presets:
            first = next(iter(presets))
            out.append((f"{page}-{first}", f"/{page}?preset={first}", ""))
    return out


def settle(page) -> None:
    """Wait until the script has finished twice in a row, 1.5 s apart (charts drawn)."""
    for _ in range(2):
        page.locator(IDLE).wait_for(timeout=WAIT)
        time.sleep(1.5)


def act(page, actions: str) -> None:
    for action in actions.split(";"):
        one_action(page, action)
    page.mouse.move(SIZE["width"] - 10, SIZE["height"] / 2)   # over blank margin: no
    # hover, so Plotly hides its mode bar and the sidebar its collapse button
    time.sleep(1.0)


def one_action(page, action: str) -> None:
    if action.startswith("press:"):
        page.get_by_role("button", name=action[6:]).first.click()
        page.locator(".js-plotly-plot .slider-container").first.wait_for(timeout=WAIT)
        settle(page)
    elif action.startswith("down:"):
        page.mouse.move(SIZE["width"] * 0.6, SIZE["height"] / 2)    # over the main area
        page.mouse.wheel(0, int(action[5:]))
    elif action.startswith("tab:"):
        target = page.get_by_test_id("stTab").filter(has_text=action[4:]).first
        target.evaluate("e => e.scrollIntoView()")
    elif action.startswith("text:"):
        text = re.compile("^" + re.escape(action[5:]))             # starts with it
        page.get_by_text(text).first.evaluate("e => e.scrollIntoView()")
    elif action == "chart":
        page.locator(".js-plotly-plot").first.evaluate("e => e.scrollIntoView()")
    elif action == "last":
        rail = page.locator(".js-plotly-plot .slider-rail-rect").first
        rail.scroll_into_view_if_needed()
        box = rail.bounding_box()
        page.mouse.click(box["x"] + box["width"] - 1, box["y"] + box["height"] / 2)


def save(png: bytes, path: Path) -> int:
    """Write `png` as a 256-colour palette PNG; returns its size in bytes."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    small = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(path, optimize=True)
    return path.stat().st_size


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=list(shell.PAGES), nargs="+", help="these pages' shots")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    pages = args.only or list(shell.PAGES)
    with streamlit_server("screenshots") as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for name in pages:
                for stem, url, action in shots_for(name):
                    page = browser.new_context(viewport=SIZE).new_page()
                    page.goto(base + url)
                    settle(page)
                    if action:
                        act(page, action)
                    bad = page.get_by_test_id("stException").count() + \
                        page.get_by_text("Traceback").count()
                    if bad:
                        raise SystemExit(f"{url} shows an exception")
                    size = save(page.screenshot(), OUT / f"{stem}.png")
                    print(f"docs/images/{stem}.png  {size / 1024:.0f} kB  ({url})")
                    page.context.close()
        finally:
            browser.close()


if __name__ == "__main__":
    main()
