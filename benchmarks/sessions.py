"""Several users on one server: memory, errors, and the explorer's latency during training.

Run from the repository root::

    .venv/bin/python benchmarks/sessions.py            # about a minute
    .venv/bin/python benchmarks/sessions.py --changes 8

One `streamlit run app.py` (headless, a free port) and one headless Debian Chromium
with five independent sessions (browser contexts, like five people): three on the
explorer (the default pair, the `js-landscape` preset's landscape, the `mode-seeking`
preset's direct fit) and two on the trainer: one trains (ns on ring8, 4000 steps)
while the explorer is timed, then the other trains a short run to its end (replay,
metrics and downloads kept in its session).

Measured:

* the explorer's rerun latency in the first session: the time from typing a new
  location of Q (Enter) to the new value shown, over `--changes` fresh values (each
  one computes: no cache hit), first with nothing else running, then while the other
  session trains; the ratio of the two medians says what a training run costs the
  other users (both in this run, on the same load);
* the peak resident memory of the server: the sum over the server process and its
  children sampled every 0.1 s, and the kernel's own peak of the server (VmHWM);
* errors: any exception box, traceback or error message on any of the five pages.

The target is a peak of at most 1.2 GB and no error. The machine's load is printed
with the figures: timings on a shared host are inflated by it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from browser_harness import CHROMIUM, CHROMIUM_ARGS, press_play, streamlit_server  # noqa: E402

WAIT = 120_000                   # milliseconds for a page to show what we wait for
EXPLORERS = ["/explorer", "/explorer?preset=js-landscape", "/explorer?preset=mode-seeking"]
TRAIN = "/train?loss=ns&target=ring8&steps=4000"
METRIC = '[data-testid="stMetricValue"]'
SHORT_STEPS = 200                # the second trainer's run, which goes to its end
SHORT_TRAIN = f"/train?loss=ns&target=ring8&steps={SHORT_STEPS}"


def rss_kb(pid: int) -> int:
    """Resident memory of `pid` and all its descendants, in kB (from /proc)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            total += int(next(ln.split()[1] for ln in status.splitlines()
                              if ln.startswith("VmRSS:")))
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            continue
    return total


def hwm_kb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(ln.split()[1] for ln in status.splitlines() if ln.startswith("VmHWM:")))


class PeakSampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0, True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, rss_kb(self.pid))
            time.sleep(0.1)


def server_pid(port: str) -> int:
    """The pid of the `streamlit run` listening on `port` (found by its command line)."""
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmd = (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"streamlit" in b" ".join(cmd) and port.encode() in cmd:
                return int(proc.name)
    raise SystemExit(f"no streamlit process on port {port}")


def q_loc_input(page):
    """Q's `loc` number input (the second `loc`: P's editor comes first)."""
    return page.get_by_label("loc", exact=True).nth(1)


def explorer_latency(page, values: list[float]) -> list[float]:
    """Seconds from Enter in Q's loc to a new value in the first metric, per value."""
    out = []
    box = q_loc_input(page)
    for v in values:
        old = page.locator(METRIC).first.inner_text()
        box.fill(f"{v:g}")
        start = time.perf_counter()
        box.press("Enter")
        page.wait_for_function(
            "([sel, old]) => { const e = document.querySelector(sel); "
            "return e && e.innerText !== old; }", arg=[METRIC, old], timeout=WAIT)
        out.append(time.perf_counter() - start)
    return out


def errors_on(page) -> list[str]:
    found = []
    for test_id in ("stException", "stAlertContentError"):
        found += page.get_by_test_id(test_id).all_inner_texts()
    if page.get_by_text("Traceback").count():
        found.append("a traceback")
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--changes", type=int, default=5, help="widget changes per measurement")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"cores {os.cpu_count()}, load before {load}")
    with streamlit_server("sessions") as base, sync_playwright() as pw:
        pid = server_pid(base.rsplit(":", 1)[1])
        sampler = PeakSampler(pid)
        sampler.start()
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            pages = []
            for path in EXPLORERS + [TRAIN, SHORT_TRAIN]:
                page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
                page.goto(base + path)
                pages.append(page)
            for page in pages[:3]:
                page.locator(".js-plotly-plot").first.wait_for(timeout=WAIT)
            for page in pages[3:]:
                page.get_by_role("button", name="Play").first.wait_for(timeout=WAIT)
            print(f"five sessions open: server RSS {rss_kb(pid) / 1024:.0f} MB")

            explorer, trainer = pages[0], pages[3]
            n = args.changes
            idle = explorer_latency(explorer, [1 + 0.1 * (i + 1) for i in range(n)])
            press_play(trainer)
            stop = trainer.get_by_role("button", name="Pause")
            stop.first.wait_for(timeout=WAIT)
            time.sleep(1.0)                                  # the run is under way
            busy = explorer_latency(explorer, [2 + 0.1 * (i + 1) for i in range(n)])
            still = stop.count() > 0
            print(f"training still running after the busy measurement: {still}")
            if still:
                stop.first.click()
            # The other trainer runs a short run to its end: the replay, the metrics and
            # the downloads are built and kept in that session, as after a real run.
            press_play(pages[4])
            pages[4].locator(".js-plotly-plot .slider-container").first.wait_for(timeout=WAIT)
            print(f"a {SHORT_STEPS}-step run finished with its replay: "
                  f"server RSS {rss_kb(pid) / 1024:.0f} MB")
            time.sleep(1.0)
            errors = {i: errors_on(page) for i, page in enumerate(pages)}
        finally:
            browser.close()
            sampler.running = False
            sampler.join()
            hwm = hwm_kb(pid)

    med_idle, med_busy = statistics.median(idle), statistics.median(busy)
    print(f"explorer rerun latency, median of {n}: idle {med_idle:.2f} s, "
          f"while another session trains {med_busy:.2f} s (ratio {med_busy / med_idle:.2f})")
    print("  idle:  " + " ".join(f"{t:.2f}" for t in idle))
    print("  busy:  " + " ".join(f"{t:.2f}" for t in busy))
    print(f"peak server RSS (process and children, sampled): {sampler.peak / 1024:.0f} MB; "
          f"kernel peak of the server process (VmHWM): {hwm / 1024:.0f} MB (target <= 1200 MB)")
    bad = {i: e for i, e in errors.items() if e}
    print(f"errors on the five pages: {bad if bad else 'none'}")
    print(f"load after {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
