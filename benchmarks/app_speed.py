"""Training speed on the Train page against the CLI, server and browser on separate cores.

Run from the repository root (Linux, 2 cores or more, Debian's /usr/bin/chromium)::

    .venv/bin/python benchmarks/app_speed.py              # 3 repeats, ns on ring8, 1000 steps
    .venv/bin/python benchmarks/app_speed.py --repeats 5 --steps 2000 --json

Issue 16, item 5: "with the server pinned to one core and the browser on the other, 1000
steps of `ns` on ring8 ran at 173 steps/s in the app against 331 steps/s for the CLI on the
same core". Each repeat, in turn:

* CLI: ``taskset -c SERVER_CORE python -m ganloss_viz train --loss L --target T --steps N
  --json``; its ``steps_per_s`` (training seconds, the engine's own clock).
* App: one ``streamlit run app.py`` for the whole benchmark, under ``taskset -c SERVER_CORE``
  (started once, warmed by one untimed visit of the page); a fresh Chromium context on
  BROWSER_CORE (this process, Playwright's driver and Chromium are all pinned there) loads
  TRAIN_URL at 1280×800, clicks the start button, waits for the page's summary and reads
  its steps/s with SUMMARY_RE (the run's own training clock, as the CLI's).

Also printed: ``wall`` steps/s (steps / seconds from the click until the summary shows:
start-up, the last redraws and the result's first render counted), the server's CPU
seconds over that window (near the window's length: the server's core was the limit), and
the live view's redraws per second. A redraw is a ``plotly_afterplot`` of a Plotly graph
div of the page (``.js-plotly-plot``) that shows new content: its title (tags stripped)
or a trace's length or first x, y, z differ from what the div showed last (Streamlit
follows a draw with another of the same figure, its title in bold; relayouts, a resize
or automargin, keep the content: neither is counted). Streamlit may build a new div for
every redraw, so a MutationObserver attaches the listener to each div as it appears and
gives it a slot (its position among the page's charts). The live chart is the slot
redrawn most often between the click and the summary; ``redraws/s`` is its rate from its
first frame to its last (``first frame``: seconds from the click to its first frame;
``new divs``: how many of its redraws built a new div from scratch; ``tail``: seconds
from its last frame to the summary, the end of a run as the user waits for it).

Page-specific knobs (the Train page is being rebuilt; adapt these, or pass the options):
TRAIN_URL, START_BUTTON (``--start-button``), SUMMARY_RE (``--summary-re``), MAIN_PLOTS.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
from browser_harness import CHROMIUM, CHROMIUM_ARGS, free_port  # noqa: E402
from cold_start import compiled, wait_healthy  # noqa: E402

# --- the page: what to load, what to press, what to read ---------------------------------
TRAIN_URL = "/train?loss={loss}&target={target}&steps={steps}"
START_BUTTON = "Play"
# The run's result on the page, "1,000 steps in 3.2 s (310 steps/s) on cpu": named groups
# `steps` (the run is over when it reaches --steps) and `sps` (steps/s); Python syntax,
# also run as a JS RegExp (``(?P<`` becomes ``(?<``). For a headline such as
# "Step 1,000 of 1,000 · 310 steps/s":
#     r"Step (?P<steps>[\d,]+) of [\d,]+ · (?P<sps>[\d.,]+) steps/s"
SUMMARY_RE = r"(?P<steps>[\d,]+) steps in [\d.]+ s \((?P<sps>[\d.,]+) steps/s\)"
MAIN_PLOTS = '[data-testid="stMain"] .js-plotly-plot'
APP = '[data-testid="stApp"]'

# --- the bench ----------------------------------------------------------------------------
SERVER_CORE, BROWSER_CORE = 0, 1
VIEWPORT = {"width": 1280, "height": 800}
PAGE_TIMEOUT_S = 90

# Injected into the page: a redraw is any change inside a Plotly div (a MutationObserver: a
# new div drawn from scratch, or Plotly.react re-adding points) or a `plotly_afterplot` of one
# (a restyle that only moves existing points). Each div gets a slot, its position among the
# page's charts when first seen: Streamlit may replace a chart's div on every redraw.
WATCH_JS = """
sel => {
  window.__redraws = [];
  const slot = new WeakMap();
  let next = 0;
  const head = a => a == null ? '' : a.length + ':' +
    (a[0] != null && typeof a[0] === 'object' ? a[0][0] : a[0]);
  const signature = div => (div.layout?.title?.text ?? '').replace(/<[^>]*>/g, '') + '|' +
    (div._fullData || []).map(t => head(t.x) + ',' + head(t.y) + ',' + head(t.z)).join('|');
  const note = (div, doc, selector, base) => {
    if (slot.has(div) || typeof div.on !== 'function') return;
    const here = [base + [...doc.querySelectorAll(selector)].indexOf(div), next++];
    slot.set(div, here);
    window.__redraws.push([here[0], performance.now(), here[1], 1]);
    let shown;              // what it showed last: a redraw of the same content is no frame
    div.on('plotly_afterplot', () => {
      const seen = signature(div);
      if (seen === shown) return;
      shown = seen;
      window.__redraws.push([here[0], performance.now(), here[1], 0]);
    });
  };
  const watch = (doc, selector, base) => {
    new MutationObserver(records => {
      for (const r of records) {
        const div = r.target.closest?.('.js-plotly-plot');
        if (div && div.matches(selector)) note(div, doc, selector, base);
      }
    }).observe(doc.body, {childList: true, subtree: true});
    doc.querySelectorAll(selector).forEach(div => note(div, doc, selector, base));
  };
  // charts inside the page's component iframes (same origin: the app's live chart draws
  // there, updating in place); slots 100, 200, ... by the iframe's order
  const frames = new WeakSet();
  const frame = f => {
    if (frames.has(f)) return;
    frames.add(f);
    const base = 100 * (1 + [...document.querySelectorAll(
      '[data-testid="stMain"] iframe')].indexOf(f));
    const go = () => {
      if (f.contentDocument?.body) watch(f.contentDocument, '.js-plotly-plot', base);
    };
    if (f.contentDocument?.readyState === 'complete') go();
    f.addEventListener('load', go);
  };
  window.__benchObserver = new MutationObserver(records => {
    for (const r of records) {
      const div = r.target.closest?.('.js-plotly-plot');
      if (div && div.matches(sel)) note(div, document, sel, 0);
    }
    document.querySelectorAll('[data-testid="stMain"] iframe').forEach(frame);
  });
  window.__benchObserver.observe(document.body, {childList: true, subtree: true});
  document.querySelectorAll(sel).forEach(div => note(div, document, sel, 0));
  document.querySelectorAll('[data-testid="stMain"] iframe').forEach(frame);
}
"""


# The run is over: SUMMARY_RE matches the page's text with `steps` at least the goal.
DONE_JS = """
([src, goal]) => {
  const m = new RegExp(src.replaceAll('(?P<', '(?<')).exec(
    document.querySelector('[data-testid="stMain"]')?.innerText || '');
  return m !== null && Number(m.groups.steps.replaceAll(',', '')) >= goal;
}
"""


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (all its threads) from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def cli_run(args) -> dict:
    """One CLI run pinned to the server's core; its JSON summary."""
    out = subprocess.run(
        ["taskset", "-c", str(SERVER_CORE), sys.executable, "-m", "ganloss_viz", "train",
         "--loss", args.loss, "--target", args.target, "--steps", str(args.steps), "--json"],
        cwd=ROOT, capture_output=True, text=True, check=True)
    d = json.loads(out.stdout)
    return {"steps_per_s": d["steps_per_s"], "seconds": d["seconds"],
            "wall_seconds": d.get("wall_seconds")}


def start_server() -> tuple[subprocess.Popen, str]:
    port = free_port()
    log = open(Path(tempfile.gettempdir()) / f"app_speed-{port}.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        ["taskset", "-c", str(SERVER_CORE), sys.executable, "-m", "streamlit", "run", "app.py",
         "--server.port", str(port), "--server.headless", "true",
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    wait_healthy(base, proc)
    return proc, base


def pinned_chromium(folder: Path) -> Path:
    """A wrapper that execs Chromium under `taskset -c BROWSER_CORE`."""
    path = folder / "chromium-pinned"
    path.write_text(f'#!/bin/sh\nexec taskset -c {BROWSER_CORE} {CHROMIUM} "$@"\n')
    path.chmod(0o755)
    return path


def wait_idle(page) -> None:
    """The script has finished its run (the page is ready for a click)."""
    page.wait_for_function(
        "app => document.querySelector(app)?.dataset.testScriptState === 'notRunning'",
        arg=APP, timeout=PAGE_TIMEOUT_S * 1000)


def start_button(page, label: str):
    return page.locator('[data-testid="stMain"] button').filter(
        has_text=re.compile(rf"{re.escape(label)}\s*$")).first


def app_run(browser, base: str, server_pid: int, args) -> dict:
    """One run on the Train page in a fresh browser context; the page's figures."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    try:
        page.goto(base + args.url.format(loss=args.loss, target=args.target, steps=args.steps))
        button = start_button(page, args.start_button)
        button.wait_for(timeout=PAGE_TIMEOUT_S * 1000)
        wait_idle(page)
        page.wait_for_timeout(500)                   # late reruns (URL sync) settle
        wait_idle(page)
        page.evaluate(WATCH_JS, MAIN_PLOTS)
        cpu0 = cpu_seconds(server_pid)
        t_click = page.evaluate("performance.now()")
        w0 = time.perf_counter()
        button.click()
        page.wait_for_function(DONE_JS, arg=[args.summary_re, args.steps], polling=100,
                               timeout=(PAGE_TIMEOUT_S + args.steps / 5) * 1000)
        t_done = page.evaluate("performance.now()")
        wall = time.perf_counter() - w0
        cpu = cpu_seconds(server_pid) - cpu0
        text = page.locator('[data-testid="stMain"]').inner_text()
        m = re.search(args.summary_re, text)
        steps, sps = (float(m.group(g).replace(",", "")) for g in ("steps", "sps"))
        events = page.evaluate("window.__redraws")
    finally:
        context.close()
    times: dict[int, list[float]] = {}        # per slot, the redraws
    fresh: dict[int, int] = {}                # per slot, the divs built from scratch
    for slot, t, _div, new in events:
        if not t_click <= t <= t_done:
            continue
        if new:
            fresh[slot] = fresh.get(slot, 0) + 1
        else:
            times.setdefault(slot, []).append(t)
    live = max(times, key=lambda d: len(times[d]), default=None)
    ts = times.get(live, [])
    return {"steps_per_s": sps, "steps": steps,
            "wall_steps_per_s": args.steps / wall, "wall_seconds": wall,
            "server_cpu_seconds": cpu, "redraws": len(ts),
            "redraws_per_s": (len(ts) - 1) / ((ts[-1] - ts[0]) / 1000) if len(ts) > 1 else 0.0,
            "first_frame_s": (ts[0] - t_click) / 1000 if ts else None,
            "last_frame_to_summary_s": (t_done - ts[-1]) / 1000 if ts else None,
            "log": [[slot, round(t - t_click), div, new] for slot, t, div, new in events
                    if t_click <= t <= t_done],
            "new_divs": fresh.get(live, 0), "charts_redrawn": len(times),
            "all_redraws": sum(len(v) for v in times.values())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3, help="CLI and app runs, alternated")
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--loss", default="ns")
    ap.add_argument("--target", default="ring8")
    ap.add_argument("--start-button", default=START_BUTTON, help="label of the start button")
    ap.add_argument("--summary-re", default=SUMMARY_RE,
                    help="regex on the page's text after the run, named groups steps and sps")
    ap.add_argument("--url", default=TRAIN_URL, help="page path, with {loss} {target} {steps}")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead")
    args = ap.parse_args()
    if not {SERVER_CORE, BROWSER_CORE} <= os.sched_getaffinity(0):
        raise SystemExit(f"needs cores {SERVER_CORE} and {BROWSER_CORE}")
    os.sched_setaffinity(0, {BROWSER_CORE})      # this process, Playwright's driver, Chromium
    from playwright.sync_api import sync_playwright

    log = (lambda *a: None) if args.json else print
    loads = [load()]
    log(f"cores {os.cpu_count()}, server and CLI on core {SERVER_CORE}, browser on core "
        f"{BROWSER_CORE}; {args.loss} on {args.target}, {args.steps} steps; load {loads[0]}")
    compiled(ROOT)
    cli, app = [], []
    proc, base = start_server()
    try:
        with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(pinned_chromium(Path(tmp))),
                                        args=CHROMIUM_ARGS)
            context = browser.new_context(viewport=VIEWPORT)      # untimed: imports, first run
            page = context.new_page()
            page.goto(base + args.url.format(loss=args.loss, target=args.target,
                                             steps=args.steps))
            start_button(page, args.start_button).wait_for(timeout=PAGE_TIMEOUT_S * 1000)
            wait_idle(page)
            context.close()
            log(f"{'run':>4} {'CLI steps/s':>12} {'app steps/s':>12} {'ratio':>6} "
                f"{'app wall':>9} {'server CPU/wall':>16} {'redraws/s':>10} {'first frame':>12} "
                f"{'new divs':>9} {'tail':>5} {'load':>16}")
            for r in range(args.repeats):
                cli.append(cli_run(args))
                app.append(app_run(browser, base, proc.pid, args))
                loads.append(load())
                c, a = cli[-1], app[-1]
                log(f"{r + 1:>4} {c['steps_per_s']:>12.1f} {a['steps_per_s']:>12.1f} "
                    f"{a['steps_per_s'] / c['steps_per_s']:>6.2f} "
                    f"{a['wall_steps_per_s']:>9.1f} "
                    f"{a['server_cpu_seconds'] / a['wall_seconds']:>16.2f} "
                    f"{a['redraws_per_s']:>10.2f} {a['first_frame_s'] or math.nan:>12.2f} "
                    f"{a['new_divs']:>4} of {a['redraws']:<2} "
                    f"{a['last_frame_to_summary_s'] or math.nan:>5.2f} {loads[-1]:>16}")
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    med = {"cli_steps_per_s": statistics.median(c["steps_per_s"] for c in cli),
           "app_steps_per_s": statistics.median(a["steps_per_s"] for a in app),
           "app_wall_steps_per_s": statistics.median(a["wall_steps_per_s"] for a in app),
           "redraws_per_s": statistics.median(a["redraws_per_s"] for a in app),
           "first_frame_s": statistics.median(a["first_frame_s"] or math.nan for a in app),
           "last_frame_to_summary_s": statistics.median(
               a["last_frame_to_summary_s"] or math.nan for a in app)}
    med["ratio"] = med["app_steps_per_s"] / med["cli_steps_per_s"]
    if args.json:
        print(json.dumps({"loss": args.loss, "target": args.target, "steps": args.steps,
                          "repeats": args.repeats, "cores": os.cpu_count(), "load": loads,
                          "median": med, "cli": cli, "app": app}, indent=1))
        return
    print(f"median: CLI {med['cli_steps_per_s']:.1f} steps/s, app {med['app_steps_per_s']:.1f}"
          f" steps/s (wall {med['app_wall_steps_per_s']:.1f}), ratio {med['ratio']:.2f}; "
          f"live view {med['redraws_per_s']:.2f} redraws/s, first frame "
          f"{med['first_frame_s']:.2f} s after the click, summary "
          f"{med['last_frame_to_summary_s']:.2f} s after the last frame; load after {load()}")


if __name__ == "__main__":
    main()
