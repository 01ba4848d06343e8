"""How fast the explorer reruns after a click, as a multiple of a trivial page's rerun.

Run from the repository root::

    .venv/bin/python benchmarks/explorer_rerun.py            # about a minute
    .venv/bin/python benchmarks/explorer_rerun.py --runs 10  # quicker, rougher

Both pages run under `streamlit.testing.v1.AppTest` in this one process, so the
ratio cancels most of the machine's speed and AppTest's own overhead. The trivial
page is one line (``st.write("hello")``). For each section of the explorer (the URL's
`view`), the benchmark opens the app, warms it up, then times `--runs` reruns, each
after changing one widget back and forth between two values: the same values recur,
as when a user clicks back and forth, so the caches are exercised as in real use (the
first visit of each value, the warm-up, is not timed). It prints the absolute median
times and the ratios; the target is a ratio of at most 25 (aim: 10).

Timings depend on the machine and its load: compare figures within one run only.
Benchmarks print figures; no test asserts a time.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")     # as app.py does

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
TRIVIAL = 'import streamlit as st\nst.write("hello")\n'

# (name, URL query, widget kind, widget key, the two values it alternates between)
SCENARIOS = [
    ("value & gradient", {}, "number_input", "ex.q.normal.loc", (1.0, 2.0)),
    ("sweep", {"preset": "js-vanishing"}, "number_input", "ex.q.normal.loc", (6.0, 5.0)),
    ("landscape", {"preset": "js-landscape"}, "slider", "ex.grid", (25, 21)),
    ("direct fit", {"preset": "mode-seeking"}, "number_input", "ex.lr", (0.05, 0.1)),
]


def timed(at, runs: int, change=None) -> list[float]:
    out = []
    for i in range(runs):
        if change is not None:
            change(i)
        start = time.perf_counter()
        at.run()
        out.append(time.perf_counter() - start)
        if at.exception:
            raise SystemExit(f"the page raised: {[e.value for e in at.exception]}")
    return out


def trivial_median(runs: int) -> float:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_string(TRIVIAL, default_timeout=60)
    at.run()
    return statistics.median(timed(at, max(runs, 20)))


def scenario(query: dict, kind: str, key: str, values: tuple, runs: int) -> list[float]:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=600)
    at.query_params.update(query)
    at.run()

    def change(i: int) -> None:
        getattr(at, kind)(key=key).set_value(values[(i + 1) % 2])

    timed(at, 4, change)                 # warm-up: both values visited, caches filled
    return timed(at, runs, change)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="timed reruns per section")
    args = parser.parse_args()
    os.chdir(ROOT)                      # .streamlit/config.toml applies, as in the app
    import streamlit
    import torch

    print(f"python {platform.python_version()}, streamlit {streamlit.__version__}, "
          f"torch {torch.__version__}, {os.cpu_count()} cores "
          f"({len(os.sched_getaffinity(0))} usable)")
    base = [trivial_median(args.runs)]
    rows = []
    for name, query, kind, key, values in SCENARIOS:
        times = scenario(query, kind, key, values, args.runs)
        rows.append((name, query, key, statistics.median(times), min(times), max(times)))
        base.append(trivial_median(args.runs))   # re-measured between sections
    trivial = statistics.median(base)
    print(f"\ntrivial one-line page: median rerun {1000 * trivial:.2f} ms "
          f"(medians {', '.join(f'{1000 * b:.2f}' for b in base)} ms)\n")
    print(f"{'section':<18} {'URL':<22} {'widget changed':<18} {'median':>9} {'min':>8} "
          f"{'max':>8} {'ratio':>7}")
    for name, query, key, med, lo, hi in rows:
        url = "&".join(f"{k}={v}" for k, v in query.items()) or "(defaults)"
        print(f"{name:<18} {url:<22} {key:<18} {1000 * med:>7.1f}ms {1000 * lo:>6.1f}ms "
              f"{1000 * hi:>6.1f}ms {med / trivial:>6.1f}x")
    worst = max(r[3] for r in rows) / trivial
    print(f"\nworst section: {worst:.1f}x the trivial page (target: at most 25x, aim 10x)")


if __name__ == "__main__":
    sys.exit(main())
