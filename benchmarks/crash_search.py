"""A search for crashes and silent NaNs: mixtures of one to five components, every divergence.

The exactness search (`exactness_search.py`) compares values with mpmath, which limits it
to pairs the reference can afford: single laws and two-component mixtures. This one needs
no reference. It draws laws from the same constraint ranges (the search's own draws:
locations to ±1e300, scales 1e-300 to 1e300, weights down to 1e-300) as mixtures of one
to five components, Diracs included, and asks every divergence of each pair for its value
and gradient. A failure is: an exception, a value outside the divergence's range, a NaN
derivative that `grad_notes` does not name, an unbounded error on a result called
accurate, or more than `--timeout` seconds. Printed: each failure, each honest but
unbounded value (error ∞, `accurate: false`), each evaluation over 20 s, and a count.

    .venv/bin/python benchmarks/crash_search.py --seed 3 --pairs 30      # ~5 minutes
    .venv/bin/python benchmarks/crash_search.py --seed 2 --pairs 40 --only 11,26
"""

from __future__ import annotations

import argparse
import math
import signal
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))
import mp_reference as R  # noqa: E402
import test_exactness_search as T  # noqa: E402

import ganloss_viz as gv  # noqa: E402

PARAMS = {"alpha": {"alpha": 0.5}, "renyi": {"alpha": 2.5}, "mmd": {"bandwidth": 1.0}}


def draw_law(rng: np.random.RandomState) -> R.Law:
    """A law of the search's families, or a mixture of up to five of them (a tenth Diracs)."""
    k = rng.randint(1, 6)
    comps = [R.dirac(T.draw_loc(rng)) if rng.uniform() < 0.1 else T.draw_simple(rng)
             for _ in range(k)]
    if k == 1:
        return comps[0]
    return R.mixture(comps, [T.draw_weight(rng) for _ in comps])


class _Timeout(Exception):
    pass


def _alarm(*_):
    raise _Timeout


def check(div: str, p: str, q: str, timeout: int) -> tuple[list[str], str | None, float]:
    """(failures, a remark, seconds) of one divergence of one pair."""
    t0 = time.monotonic()
    signal.alarm(timeout)
    try:
        r = gv.divergence(div, p, q, **PARAMS.get(div, {}))
    except _Timeout:
        return [f"over {timeout} s"], None, time.monotonic() - t0
    except Exception as ex:  # noqa: BLE001  (what the search is for)
        signal.alarm(0)
        return [f"raises {type(ex).__name__}: {str(ex)[:200]}"], None, time.monotonic() - t0
    signal.alarm(0)
    fails = []
    lo, hi = T.RANGES[div]
    if math.isnan(r.value) or r.value < lo - 1e-12 or r.value > hi + 1e-12:
        fails.append(f"value {r.value} outside [{lo}, {hi}]")
    fails += [f"NaN derivative without a note: {k}" for k, g in r.grad.items()
              if math.isnan(g) and k not in r.grad_notes]
    remark = None
    if math.isfinite(r.value) and not math.isfinite(r.error):
        if r.accurate:
            fails.append("unbounded error on a result called accurate")
        remark = f"unbounded: value {r.value}, error ∞, accurate {r.accurate}"
    return fails, remark, time.monotonic() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--pairs", type=int, default=30)
    ap.add_argument("--only", default="", help="comma-separated pair indices to run")
    ap.add_argument("--timeout", type=int, default=60, help="seconds per evaluation")
    a = ap.parse_args()
    warnings.simplefilter("ignore")
    signal.signal(signal.SIGALRM, _alarm)
    only = {int(i) for i in a.only.split(",")} if a.only else None
    rng = np.random.RandomState(a.seed)
    failed = evaluated = unbounded = slow = 0
    for i in range(a.pairs):
        P, Q = draw_law(rng), draw_law(rng)
        if only is not None and i not in only:
            continue
        for div in T.DIVS:
            fails, remark, secs = check(div, P.spec, Q.spec, a.timeout)
            evaluated += 1
            tag = f"[{a.seed}:{i}] {div}"
            if fails:
                failed += 1
                print(f"{tag} FAIL {'; '.join(fails)}\n    P = {P.spec}\n    Q = {Q.spec}",
                      flush=True)
            if remark:
                unbounded += 1
                print(f"{tag} {remark}", flush=True)
            if secs > 20:
                slow += 1
                print(f"{tag} took {secs:.0f} s", flush=True)
    print(f"seed {a.seed}: {evaluated} evaluations, {failed} failures, {unbounded} honest "
          f"but unbounded, {slow} over 20 s")


if __name__ == "__main__":
    main()
