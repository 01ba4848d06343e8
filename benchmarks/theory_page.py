"""How fast the Theory page renders: a new pair (nothing cached) and a rerun (cached).

Run from the repository root::

    .venv/bin/python benchmarks/theory_page.py      # about a minute on an idle machine

The page runs under `streamlit.testing.v1.AppTest` in this one process. For each pair
(the page's default, its presets, and two heavier pairs) it times the first render,
when the divergence engine and `ganloss_viz.optimal` compute every live number of the
page (about 30 engine calls), then the median of three reruns, when every number
comes from the page's caches, and, as the yardstick, a one-line page's rerun. Printed:
seconds and ratios, and the machine's load (`os.getloadavg`): compare figures within
one run only. Benchmarks print figures; no test asserts a time.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")     # as app.py does

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
TRIVIAL = 'import streamlit as st\nst.write("hello")\n'
HEAVY = [
    ("1-D mixture vs normal",
     {"p": "mixture(components=[normal(-2, 0.5), normal(2, 0.5)], weights=[0.5, 0.5])",
      "q": "normal(0.5, 1)"}),
    ("2-D ring8 vs grid25", {"p": "ring(8, 2, 0.02)", "q": "grid(25, 2, 0.05)"}),
]


def pairs() -> list[tuple[str, dict[str, str]]]:
    from ganloss_viz.state.theory import THEORY_PRESETS

    return [("default", {})] + [(f"preset {name}", {"preset": name})
                                for name in THEORY_PRESETS] + HEAVY


def render(at, query: dict[str, str]) -> float:
    at.query_params.clear()
    at.query_params.update(query)
    start = time.perf_counter()
    at.run()
    if at.exception:
        raise SystemExit(f"the page raised: {[e.value for e in at.exception]}")
    return time.perf_counter() - start


def trivial_rerun() -> float:
    from streamlit.testing.v1 import AppTest

    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(TRIVIAL)
    at = AppTest.from_file(f.name, default_timeout=60)
    at.run()
    times = []
    for _ in range(5):
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
    Path(f.name).unlink()
    return statistics.median(times)


def main() -> None:
    from streamlit.testing.v1 import AppTest

    base = trivial_rerun()
    at = AppTest.from_file(str(APP), default_timeout=600)
    at.run()
    at.switch_page("app_pages/theory.py")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"one-line page rerun: {base * 1000:.1f} ms")
    print(f"{'pair':38s} {'new pair':>9s} {'rerun':>8s} {'rerun / one-line':>17s}")
    for name, query in pairs():
        cold = render(at, query)
        warm = statistics.median(render(at, query) for _ in range(3))
        print(f"{name:38s} {cold:8.2f}s {warm:7.3f}s {warm / base:16.1f}x")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
