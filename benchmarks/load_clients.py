"""Ten visitors at once over websockets: the admission queue, memory, and the explorer's
latency under load, with no browser on the server's cores.

Run from the repository root::

    .venv/bin/python benchmarks/load_clients.py              # one round, a few minutes
    .venv/bin/python benchmarks/load_clients.py --soak 20    # rounds for 20 minutes

The same visit as `load_sessions.py` (read its docstring: even sessions press Play on
the Train page, odd ones Compare, all at the same moment; each then changes Q's location
on the explorer for `--explore` seconds, timing every rerun, and goes back to wait for
its replay; in soak rounds after the first, sessions 1, 4 and 7 close their tab right
after pressing), but each visitor is a `ws_session.WsSession`: Streamlit's own protocol
on the app's websocket, fragments rerun at the interval the server asks, nothing drawn.
On a hosted server the visitors' browsers draw on their own machines; with ten Chromium
pages on this 2-core host (`load_sessions.py`) the latencies measure the browsers as much
as the server. A rerun's latency here: from sending the new value to receiving the
explorer's first metric with a new value (the browser would then draw it).

Printed: as `load_sessions.py` (per session what the press gave, how the run ended and
when; the rerun latency's median, 95th percentile and max; runs still queued when the
exploring ended; the server's peak RSS; after a soak the RSS growth and the threads and
child processes left). Targets (issue 14): every session gets its result or a queue
position, none errors, peak RSS <= 1.2 GB, explorer p95 < 1 s while the queue is full;
in a soak, RSS grows < 10 % after the warm-up round and nothing is left at the end.

A round's RSS is taken twice: when its tabs have closed (Streamlit still keeps the closed
sessions for a reconnect) and once they have expired. The server here keeps a closed
session SESSION_TTL seconds (Streamlit's `server.disconnectedSessionTTL`, 120 by default,
set through its environment variable so that a round's wait stays short) and drops
expired ones at the next disconnect: after the TTL one more session opens and closes.
Both are printed with the server's anonymous memory (`/proc/<pid>/smaps_rollup`: the
heap, as against mapped libraries).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))
from browser_harness import streamlit_server  # noqa: E402
from load_sessions import (  # noqa: E402
    LEAVERS,
    OUTCOMES,
    SESSIONS,
    Visit,
    final_report,
    log,
    options,
    report,
    threads_of,
)
from sessions import PeakSampler, rss_kb, server_pid  # noqa: E402
from ws_session import WsSession  # noqa: E402

from ganloss_viz.ui.background import SESSION_GRACE  # noqa: E402

WAIT = 900.0            # seconds for a result (ten runs share the slots)
STEP_WAIT = 90.0        # seconds for anything else a page should show
SESSION_TTL = 30        # seconds the server keeps a closed session for a reconnect
PRESS = {"train": ("tr.play", "tr.confirm_play"), "compare": ("cmp.compare", "cmp.confirm_compare")}


async def pressed_state(s: WsSession, confirm_key: str) -> str:
    """'running' or the queue panel's text once the page shows either (a run the page
    predicts to take over a minute asks first: confirmed)."""
    shown = await s.wait_text("Pause", "Stop", "Queued: position", "Play anyway",
                              "Compare anyway", timeout=STEP_WAIT)
    if "anyway" in shown:
        await s.press(confirm_key)
        shown = await s.wait_text("Pause", "Stop", "Queued: position", timeout=STEP_WAIT)
    if "Queued: position" in shown:
        return shown.split(". This server")[0].replace("\n", " ").replace("**", "")
    return "running"


async def explore(s: WsSession, v: Visit, seconds: float, pause: float, base: float) -> None:
    """Change Q's location again and again for `seconds`, timing each rerun."""
    await s.goto("explorer", timeout=STEP_WAIT)

    def q_loc() -> str | None:
        return next((k for k in s.widgets if k.startswith("ex.q.") and k.endswith(".loc")),
                    None)

    await s.wait(lambda: s.metrics and q_loc(), STEP_WAIT)
    key = q_loc()
    end, j = time.monotonic() + seconds, 0
    while time.monotonic() < end:
        j += 1
        first = next(iter(s.metrics))
        old = s.metrics[first]
        start = time.perf_counter()
        await s.set_number(key, base + 0.01 * j)
        await s.wait(lambda f=first, o=old: s.metrics.get(f, o) != o, STEP_WAIT)
        v.latencies.append(time.perf_counter() - start)
        await asyncio.sleep(pause)


async def visit(base: str, v: Visit, start: asyncio.Barrier, args, round_no: int,
                leave: bool) -> WsSession | None:
    """One session's round (an exception is recorded as its error); returns the open
    session, or None when its tab was closed."""
    s = WsSession(base)
    try:
        await s.open()
        await s.goto(v.page, timeout=STEP_WAIT)
        press, confirm = PRESS[v.page]
        await start.wait()
        t0 = time.monotonic()
        await s.press(press)
        v.pressed = await pressed_state(s, confirm)
        log(v, f"pressed: {v.pressed}")
        if leave:
            v.outcome = "tab closed after the press"
            await s.close()
            return None
        if v.index < args.explorers:
            await explore(s, v, args.explore, args.pause, 1 + 0.1 * v.index + 0.001 * round_no)
            log(v, f"explored: {len(v.latencies)} changes; back to its page")
            await s.goto(v.page, timeout=STEP_WAIT)
        v.queued_after_exploring = s.shows("Queued: position") is not None
        await s.wait_text("Replay ·", timeout=WAIT)
        v.seconds = time.monotonic() - t0
        status = next((t for t in s.texts.values() if " on cpu" in t), "")
        v.outcome = next((o for o in OUTCOMES if o in status),
                         f"result shown ({status[:60] or 'no status line'})")
        v.errors = list(s.errors)
        log(v, f"{v.outcome} after {v.seconds:.0f} s")
    except Exception as exc:           # noqa: BLE001 (reported, the round goes on)
        v.errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
        log(v, f"failed: {v.errors[-1]}")
    return s


async def one_round(base: str, args, round_no: int, leavers=()) -> list[Visit]:
    visits = [Visit(i, "train" if i % 2 == 0 else "compare") for i in range(SESSIONS)]
    start = asyncio.Barrier(SESSIONS)
    sessions = await asyncio.gather(*(visit(base, v, start, args, round_no, v.index in leavers)
                                      for v in visits))
    for s in sessions:
        if s is not None:
            await s.close()
    return visits


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def anonymous_mb(pid: int) -> float:
    """The server's anonymous resident memory (heap and thread stacks), in MB."""
    rollup = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
    return int(next(ln.split()[1] for ln in rollup if ln.startswith("Anonymous:"))) / 1024


async def expire_sessions(base: str, ttl: float) -> None:
    """Wait until the closed sessions have expired, then open and close one session:
    Streamlit drops expired sessions from its store at the next disconnect."""
    await asyncio.sleep(ttl + 5)
    probe = WsSession(base)
    await probe.open()
    await probe.goto("explorer", timeout=STEP_WAIT)
    await probe.close()
    await asyncio.sleep(5)


def memory_line(pid: int) -> str:
    return (f"RSS {rss_kb(pid) / 1024:.0f} MB (anonymous {anonymous_mb(pid):.0f} MB), "
            f"{threads_of(pid)} threads")


async def main_async(args) -> None:
    print(f"cores {os.cpu_count()}, load before {load()}")
    with streamlit_server("load-ws") as base:
        pid = server_pid(base.rsplit(":", 1)[1])
        sampler = PeakSampler(pid)
        sampler.start()
        warm = WsSession(base)                       # imports torch and the pages
        await warm.open()
        for page in ("train", "compare", "explorer"):
            await warm.goto(page, timeout=WAIT)
        await warm.close()
        await asyncio.sleep(SESSION_GRACE + 5)
        threads0 = threads_of(pid)
        print(f"server after a warm-up visit: {memory_line(pid)}")
        t_end = time.monotonic() + 60 * (args.soak or 0)
        closed: list[float] = []
        rounds: list[float] = []
        round_no = 0
        while True:
            round_no += 1
            print(f"round {round_no} ({time.strftime('%H:%M:%S')}):", flush=True)
            visits = await one_round(base, args, round_no, LEAVERS if round_no > 1 else ())
            report(visits)
            closed.append(rss_kb(pid))
            print(f"  tabs closed: {memory_line(pid)}, peak so far "
                  f"{sampler.peak / 1024:.0f} MB, load {load()}", flush=True)
            await expire_sessions(base, SESSION_TTL)
            rounds.append(rss_kb(pid))
            print(f"  sessions expired: {memory_line(pid)}, load {load()}", flush=True)
            if time.monotonic() >= t_end:
                break
        await asyncio.sleep(SESSION_GRACE + 10)           # every session gone, runs stopped
        if args.soak:
            growth = [100 * (r / closed[0] - 1) for r in closed[1:]] or [0.0]
            print(f"RSS when each round's tabs closed (MB): "
                  f"{' '.join(f'{r / 1024:.0f}' for r in closed)}; growth after the warm-up "
                  f"round: {growth[-1]:+.1f}% at the end, {max(growth):+.1f}% at most")
            print("after the sessions expired:")
        final_report(pid, sampler, rounds, threads0, bool(args.soak), "session")
        print(f"anonymous memory at the end: {anonymous_mb(pid):.0f} MB")


def main() -> None:
    os.environ["STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL"] = str(SESSION_TTL)
    asyncio.run(main_async(options(__doc__)))


if __name__ == "__main__":
    main()
