"""Ten visitors at once: the admission queue, memory, and the explorer's latency under load.

Run from the repository root::

    .venv/bin/python benchmarks/load_sessions.py              # one round, 5-10 minutes on 2 cores
    .venv/bin/python benchmarks/load_sessions.py --soak 20    # rounds for 20 minutes
    .venv/bin/python benchmarks/load_sessions.py --explorers 1 --pause 3   # one explorer

One `streamlit run app.py` (hosted mode, the default: admission slots = the cores,
60 CPU seconds per run) and one headless Debian Chromium with ten independent
sessions (browser contexts, like ten people). In a round every session opens its
page (even sessions the Train page, odd ones the Compare page, default settings), all
press Play / Compare at the same moment, and each records what its page shows: the
live run or its place in the queue. Then each goes to the explorer in the same session
(the sidebar's link) and keeps exploring for `--explore` seconds: it types a new
location of Q and times the rerun (Enter to the new value shown; every value new, so
every rerun computes), pausing `--pause` seconds between changes (with `--explorers N`
only the first N sessions explore; the others watch their page). Then it goes back to
its page and waits for its result (the replay).

Printed per session: what the press gave (running, or queue position and expected
wait), how the run ended and how long after the press its result was shown, and any
error on its pages; then the explorer's rerun latency (median, 95th percentile, max)
over all sessions' changes, how many runs were still queued when the exploring ended
(so the latencies were taken while the queue was full), and the server's peak
resident memory (process and children, sampled every 0.1 s, and the kernel's VmHWM).
Targets: every session gets its result or a queue position, none errors, peak RSS
<= 1.2 GB, explorer p95 < 1 s.

``--soak MINUTES`` repeats rounds with fresh sessions (the previous round's tabs are
closed: their sessions end) until MINUTES have passed; in every round after the first
(the load test, also the warm-up) three sessions close their tab right after pressing
(a run or a queued run whose visitor left, which must stop by itself). After each
round it prints the server's RSS and threads; at the end it closes every tab, waits
for the session-end grace, and prints the RSS growth after the warm-up round and the
threads and child processes left against the count before the load. Clicks and Enters
that a page under load did not act on are repeated and counted. Timings include the
browsers' own work: the ten Chromium pages share the machine with the server.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))
from browser_harness import CHROMIUM, CHROMIUM_ARGS, streamlit_server  # noqa: E402
from sessions import PeakSampler, hwm_kb, rss_kb, server_pid  # noqa: E402

from ganloss_viz.ui.background import SESSION_GRACE  # noqa: E402

SESSIONS = 10
WAIT = 600_000                  # milliseconds for a result (ten runs share the slots)
STEP_WAIT = 90_000              # milliseconds for anything else a page should show
METRIC = '[data-testid="stMetricValue"]'
LEAVERS = (1, 4, 7)             # sessions that close their tab right after pressing (soak)
OUTCOMES = ("Finished", "Stopped at the hosted cap", "Paused at step", "Stopped early",
            "Stopped because")
LOST = [0]                      # clicks or Enters the page did not act on (retried)


@dataclass
class Visit:
    """What one session saw in one round."""

    index: int
    page: str
    pressed: str = ""
    outcome: str = ""
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    queued_after_exploring: bool = False


def threads_of(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(ln.split()[1] for ln in status.splitlines() if ln.startswith("Threads:")))


def children_of(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        out += [int(c) for c in (task / "children").read_text().split()]
    return out


async def errors_on(page) -> list[str]:
    found = []
    for test_id in ("stException", "stAlertContentError"):
        found += await page.get_by_test_id(test_id).all_inner_texts()
    if await page.get_by_text("Traceback").count():
        found.append("a traceback")
    return found


async def nav(page, title: str, shows) -> None:
    """Go to page `title` by the sidebar's link (the same session) until `shows` (a
    locator of that page) is visible: on a loaded machine a click during a rerun can be
    lost (counted in `lost`)."""
    for _ in range(5):
        await page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True) \
            .click()
        try:
            await shows.wait_for(timeout=STEP_WAIT / 3)
            return
        except Exception:              # noqa: BLE001 (retried)
            LOST[0] += 1
    await shows.wait_for()


async def pressed_state(page) -> str:
    """'running' or the queue panel's text, once the page shows either (a page may first
    ask to confirm a run it predicts to take over a minute: confirmed)."""
    confirm = page.get_by_role("button", name="Play anyway").or_(
        page.get_by_role("button", name="Compare anyway"))
    stop = page.get_by_role("button", name="Stop").or_(page.get_by_role("button", name="Pause"))
    await stop.or_(page.get_by_text("Queued: position")).or_(confirm).first.wait_for(
        timeout=STEP_WAIT)
    if await confirm.count():
        await confirm.first.click()
    await stop.or_(page.get_by_text("Queued: position")).first.wait_for(timeout=STEP_WAIT)
    queued = page.get_by_text("Queued: position")
    if await queued.count():
        text = await queued.first.inner_text()
        return text.split(". This server")[0].replace("\n", " ")
    return "running"


async def explore(page, v: Visit, seconds: float, pause: float, base_value: float) -> None:
    """Change Q's location again and again for `seconds`, timing each rerun."""
    await nav(page, "Divergence explorer", page.locator(METRIC).first)
    box = page.get_by_label("loc", exact=True).nth(1)
    end, j = time.monotonic() + seconds, 0
    while time.monotonic() < end:
        j += 1
        old = await page.locator(METRIC).first.inner_text()
        await box.fill(f"{base_value + 0.01 * j:.6g}")
        start = time.perf_counter()
        for _ in range(3):
            await box.press("Enter")
            try:
                await page.wait_for_function(
                    "([sel, old]) => { const e = document.querySelector(sel); "
                    "return e && e.innerText !== old; }", arg=[METRIC, old],
                    timeout=STEP_WAIT / 3)
                break
            except Exception:          # noqa: BLE001 (retried)
                LOST[0] += 1
        v.latencies.append(time.perf_counter() - start)
        await asyncio.sleep(pause)


def log(v: Visit, text: str) -> None:
    print(f"    {time.strftime('%H:%M:%S')} session {v.index}: {text}", flush=True)


async def visit(browser, base: str, v: Visit, start: asyncio.Barrier, args,
                round_no: int, leave: bool):
    """One session's round; an exception is recorded as its error (with a screenshot)."""
    ctx = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await ctx.new_page()
    page.set_default_timeout(STEP_WAIT)
    try:
        return await steps(ctx, page, base, v, start, args, round_no, leave)
    except Exception as exc:           # noqa: BLE001 (reported, the round goes on)
        v.errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0]}")
        log(v, f"failed: {v.errors[-1]}")
        await page.screenshot(path=f"/tmp/shots/load-session{v.index}.png", full_page=True)
        return ctx


async def steps(ctx, page, base: str, v: Visit, start: asyncio.Barrier, args,
                round_no: int, leave: bool):
    """One session's round (see the module docstring); returns its open context."""
    label = "Play" if v.page == "train" else "Compare"
    title = "Train a GAN" if v.page == "train" else "Compare losses"
    await page.goto(f"{base}/{v.page}")
    button = page.get_by_role("button", name=label, exact=True)
    await button.wait_for()
    await start.wait()
    t0 = time.monotonic()
    await button.click()
    v.pressed = await pressed_state(page)
    log(v, f"pressed {label}: {v.pressed}")
    if leave:
        v.outcome = "tab closed after the press"
        await ctx.close()
        return None
    if v.index < args.explorers:
        await explore(page, v, args.explore, args.pause, 1 + 0.1 * v.index + 0.001 * round_no)
        log(v, f"explored: {len(v.latencies)} changes; back to its page")
        await nav(page, title, page.get_by_role("heading", name=title))
    v.queued_after_exploring = await page.get_by_text("Queued: position").count() > 0
    await page.get_by_text("Replay ·").first.wait_for(timeout=WAIT)
    v.seconds = time.monotonic() - t0
    status = page.locator('[data-testid="stAlertContainer"]').filter(
        has_text=" on cpu")
    text = await status.first.inner_text() if await status.count() else ""
    v.outcome = next((o for o in OUTCOMES if o in text), "result shown")
    v.errors = await errors_on(page)
    log(v, f"{v.outcome} after {v.seconds:.0f} s")
    return ctx


async def one_round(browser, base: str, args, round_no: int, leavers=()) -> list[Visit]:
    visits = [Visit(i, "train" if i % 2 == 0 else "compare") for i in range(SESSIONS)]
    start = asyncio.Barrier(SESSIONS)
    contexts = await asyncio.gather(*(visit(browser, base, v, start, args, round_no,
                                            v.index in leavers) for v in visits))
    for ctx in contexts:
        if ctx is not None:
            await ctx.close()
    return visits


def report(visits: list[Visit]) -> list[float]:
    for v in visits:
        print(f"  session {v.index} ({v.page}): pressed -> {v.pressed}; "
              f"{v.outcome}" + (f" after {v.seconds:.0f} s" if v.seconds else "")
              + (f"; ERRORS {v.errors}" if v.errors else ""))
    lat = sorted(t for v in visits for t in v.latencies)
    if lat:
        p95 = lat[min(len(lat) - 1, round(0.95 * (len(lat) - 1)))]
        print(f"  explorer rerun over {len(lat)} changes: median {statistics.median(lat):.2f} s, "
              f"p95 {p95:.2f} s, max {lat[-1]:.2f} s; runs still queued when the exploring "
              f"ended: {sum(v.queued_after_exploring for v in visits)}; clicks or Enters "
              f"lost and repeated so far: {LOST[0]}")
    return lat


async def main_async(args) -> None:
    from playwright.async_api import async_playwright

    print(f"cores {os.cpu_count()}, load before {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with streamlit_server("load") as base:
        pid = server_pid(base.rsplit(":", 1)[1])
        sampler = PeakSampler(pid)
        sampler.start()
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=str(CHROMIUM),
                                               args=CHROMIUM_ARGS)
            warm = await browser.new_context()             # imports torch and the pages
            page = await warm.new_page()
            for path in ("/train", "/compare", "/explorer"):
                await page.goto(base + path)
                await page.get_by_role("button").first.wait_for(timeout=WAIT)
            await warm.close()
            await asyncio.sleep(SESSION_GRACE + 5)
            threads0, rss0 = threads_of(pid), rss_kb(pid)
            print(f"server after a warm-up visit: RSS {rss0 / 1024:.0f} MB, "
                  f"{threads0} threads")
            t_end = time.monotonic() + 60 * (args.soak or 0)
            rounds: list[tuple[float, int]] = []
            round_no = 0
            while True:
                round_no += 1
                print(f"round {round_no} ({time.strftime('%H:%M:%S')}):", flush=True)
                # the first round is the load test (and the soak's warm-up): nobody leaves
                visits = await one_round(browser, base, args, round_no,
                                         LEAVERS if round_no > 1 else ())
                report(visits)
                rss, n = rss_kb(pid), threads_of(pid)
                rounds.append((rss, n))
                print(f"  server RSS {rss / 1024:.0f} MB, {n} threads, peak so far "
                      f"{sampler.peak / 1024:.0f} MB, load "
                      f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
                if time.monotonic() >= t_end:
                    break
            await browser.close()
        await asyncio.sleep(SESSION_GRACE + 10)           # every session gone, runs stopped
        final_report(pid, sampler, [r for r, _ in rounds], threads0, bool(args.soak), "tab")


def final_report(pid: int, sampler: PeakSampler, rss_rounds: list[int], threads0: int,
                 soak: bool, unit: str) -> None:
    """After the last round and the session-end grace: the server's peak RSS, its growth
    over the rounds of a soak, and the threads and child processes left."""
    sampler.running = False
    sampler.join()
    threads1, kids = threads_of(pid), children_of(pid)
    print(f"peak server RSS (process and children, sampled): {sampler.peak / 1024:.0f} MB; "
          f"kernel peak (VmHWM): {hwm_kb(pid) / 1024:.0f} MB (target <= 1200 MB)")
    if soak:
        growth = [100 * (r / rss_rounds[0] - 1) for r in rss_rounds[1:]] or [0.0]
        print(f"RSS after each round (MB): {' '.join(f'{r / 1024:.0f}' for r in rss_rounds)}; "
              f"growth after the warm-up round: {growth[-1]:+.1f}% at the end, "
              f"{max(growth):+.1f}% at most (target < 10%)")
    print(f"when every {unit} is closed (+{SESSION_GRACE + 10:.0f} s): {threads1} threads "
          f"(before the load {threads0}), child processes {kids or 'none'}; RSS "
          f"{rss_kb(pid) / 1024:.0f} MB; load {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def options(doc: str) -> argparse.Namespace:
    """The load tests' command line (`doc`: the script's docstring)."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--soak", type=float, default=0, help="minutes of rounds (0: one round)")
    ap.add_argument("--explore", type=float, default=40, help="seconds each session explores")
    ap.add_argument("--pause", type=float, default=1.0, help="seconds between two changes")
    ap.add_argument("--explorers", type=int, default=SESSIONS,
                    help="sessions that explore (the others stay on their page)")
    return ap.parse_args()


def main() -> None:
    asyncio.run(main_async(options(__doc__)))


if __name__ == "__main__":
    main()
