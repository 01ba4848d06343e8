"""The exactness search (tests/test_exactness_search.py) for lognormal laws of large σ.

The search's own draws stop at σ = 10 and reach past 4 in about one pair of a hundred;
this draws every pair with a lognormal of σ log-uniform in [2, 40] (location in
[−5, 5]) against one of the search's other laws or a second lognormal (σ in [0.3, 40]),
in either order, and checks all 16 divergences against the mpmath reference of
tests/mp_reference.py with the search's rules (values, error bounds, gradients, notes).

    python benchmarks/lognormal_search.py --seed 1 --pairs 8      # 3-6 minutes
    python benchmarks/lognormal_search.py --seed 2 --pairs 8 --only 2,4

Prints each pair with its time and failures, then the counts: evaluated, references,
gradient entries, violations.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, ROOT)

import mp_reference as R  # noqa: E402
import test_exactness_search as T  # noqa: E402


def _log_uniform(rng: np.random.RandomState, lo: float, hi: float) -> float:
    return float(np.exp(rng.uniform(np.log(lo), np.log(hi))))


def draw_pair(rng: np.random.RandomState) -> tuple[R.Law, R.Law]:
    """A lognormal of σ in [2, 40] and a second law, in a random order."""
    P = R.Law("lognormal", (float(np.round(rng.uniform(-5, 5), 3)), _log_uniform(rng, 2, 40)))
    if rng.uniform() < 0.7:
        Q = T.draw_simple(rng)
    else:
        Q = R.Law("lognormal", (float(np.round(rng.uniform(-5, 5), 3)),
                                _log_uniform(rng, 0.3, 40)))
    return (Q, P) if rng.uniform() < 0.5 else (P, Q)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--pairs", type=int, default=8)
    ap.add_argument("--only", default=None, help="comma-separated pair indices to check")
    ap.add_argument("--pair-work", type=int, default=1_000_000,
                    help="the reference's work budget per pair (as the search's)")
    args = ap.parse_args(argv)
    T.PAIR_WORK = args.pair_work
    only = None if args.only is None else {int(i) for i in args.only.split(",")}
    rng = np.random.RandomState(args.seed)
    stats = {"evaluated": 0, "refs": 0, "grads": 0, "worst": {}}
    failures = []
    for i in range(args.pairs):
        P, Q = draw_pair(rng)
        if only is not None and i not in only:
            continue
        t0 = time.time()
        fails = T.check_pair(P, Q, 0.5, 2.5, 1.0, stats=stats, full=False, grad_divs=True)
        print(f"pair {i:3d} {time.time() - t0:6.1f} s {len(fails):3d} failures  "
              f"{P.spec} || {Q.spec}", flush=True)
        for f in fails:
            print(f"    {str(f)[:400]}", flush=True)
        failures += fails
    print(f"\nseed {args.seed}: divergences evaluated {stats['evaluated']}; references "
          f"{stats['refs']}; gradient entries {stats['grads']}; violations {len(failures)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
