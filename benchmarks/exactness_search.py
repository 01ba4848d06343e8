"""The exactness search of tests/test_exactness_search.py at a larger size (issue 13).

Draws `--pairs` pairs of 1-D laws from `--seed` (the test's generator: scales 1e-300 to
1e300, locations up to 1e300, shapes down to 1e-3, mixture weights down to 1e-300,
shared support ends, near-equal and far-apart pairs), evaluates all 16 divergences with
`ganloss_viz.divergence` and checks each against the mpmath reference of
tests/mp_reference.py (gradients of every divergence, central differences for shape
parameters of w1/energy and for MMD through characteristic functions included).

Prints the counts (pairs x divergences evaluated, references available, gradient entries
checked), the violations per failure class and divergence, the worst relative error per
divergence among accurate results, and the first examples of each failure class.

    python benchmarks/exactness_search.py                  # ~10 minutes on one core
    python benchmarks/exactness_search.py --pairs 20 --seed 7 --workers 2
    python benchmarks/exactness_search.py --pairs 24 --start 7 --seed 2029   # pairs 7-23
"""

from __future__ import annotations

import argparse
import collections
import os
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, ROOT)

import test_exactness_search as T  # noqa: E402


def cap_memory(gigabytes: float) -> None:
    """Bound this process's address space: a pair whose engine or reference would take
    the machine's memory (seed 2030's pair 1 took W1 to 18 GB before it was fixed) raises
    MemoryError or torch's allocation error instead, which the search reports."""
    limit = int(gigabytes * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def run_pair(args):
    i, seed, full, limit = args
    T.PAIR_WORK = limit
    P, Q, alpha, ralpha, bw, kind = T.pairs(seed, i + 1)[i]
    stats = {"evaluated": 0, "refs": 0, "grads": 0, "worst": {}}
    t0 = time.time()
    fails = T.check_pair(P, Q, alpha, ralpha, bw, stats=stats, full=full, grad_divs=True)
    return i, kind, P.spec, Q.spec, stats, fails, time.time() - t0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=40, help="pairs of laws (default 40: "
                    "about 10 minutes on one core)")
    ap.add_argument("--seed", type=int, default=13, help="seed of the draws")
    ap.add_argument("--start", type=int, default=0,
                    help="first pair to check (the draws before it are made, not checked): "
                         "resumes a run that did not fit one session")
    ap.add_argument("--workers", type=int, default=1, help="processes")
    ap.add_argument("--quick", action="store_true",
                    help="skip the costly central-difference gradients (as in CI)")
    ap.add_argument("--examples", type=int, default=3, help="examples printed per class")
    ap.add_argument("--pair-work", type=int, default=2_000_000,
                    help="component evaluations allowed for one pair's reference "
                         f"(CI: {T.PAIR_WORK}; about 10 000 a second here)")
    ap.add_argument("--memory-gb", type=float, default=8.0,
                    help="address space allowed to each worker (default 8 GB)")
    a = ap.parse_args(argv)

    t0 = time.time()
    jobs = [(i, a.seed, not a.quick, a.pair_work) for i in range(a.start, a.pairs)]
    if a.workers > 1:
        with ProcessPoolExecutor(a.workers, initializer=cap_memory,
                                 initargs=(a.memory_gb,)) as ex:
            results = list(ex.map(run_pair, jobs))
    else:
        cap_memory(a.memory_gb)
        results = []
        for j in jobs:
            r = run_pair(j)
            results.append(r)
            print(f"pair {r[0]:3d} {r[1]:12s} {r[6]:6.1f} s  {len(r[5]):3d} failures  "
                  f"{r[2]} || {r[3]}", flush=True)

    evaluated = sum(r[4]["evaluated"] for r in results)
    refs = sum(r[4]["refs"] for r in results)
    grads = sum(r[4]["grads"] for r in results)
    by_class = collections.Counter()
    by_class_div = collections.Counter()
    examples = collections.defaultdict(list)
    worst = {}
    kinds = collections.Counter(r[1] for r in results)
    for _, _, _, _, st, fails, _ in results:
        for f in fails:
            by_class[f.cls] += 1
            by_class_div[(f.cls, f.div)] += 1
            if len(examples[f.cls]) < a.examples:
                examples[f.cls].append(str(f))
        for d, w in st["worst"].items():
            if d not in worst or w[0] > worst[d][0]:
                worst[d] = w

    print(f"\npairs: {a.start} to {a.pairs - 1} (seed {a.seed}; {dict(kinds)}), "
          f"{time.time() - t0:.0f} s with {a.workers} worker(s)")
    print(f"divergences evaluated: {evaluated} (pairs x 16); references available: {refs} "
          f"({100 * refs / max(evaluated, 1):.0f}%); gradient entries checked: {grads}")
    print(f"violations: {sum(by_class.values())}")
    for cls, n in by_class.most_common():
        per = ", ".join(f"{d} {m}" for (c, d), m in sorted(by_class_div.items()) if c == cls)
        print(f"  {cls:24s} {n:5d}   ({per})")
    print("\nworst relative error per divergence (accurate results with a reference):")
    for d in T.DIVS:
        if d in worst:
            rel, ps, qs, v, ref, err = worst[d]
            print(f"  {d:14s} {rel:9.2e}  value {v!r} ref {ref!r} error {err!r}  "
                  f"P = {ps}, Q = {qs}")
        else:
            print(f"  {d:14s}        --")
    print("\nexamples:")
    for cls, ex in examples.items():
        print(f"  {cls}:")
        for e in ex:
            print(f"    {e[:700]}")


if __name__ == "__main__":
    main()
