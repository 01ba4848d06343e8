"""`compare` (K runs as one batched computation) against the same K runs one by one.

    .venv/bin/python benchmarks/compare.py                   # 6 losses, ring8, 4000 steps
    .venv/bin/python benchmarks/compare.py --steps 300 --repeats 3
    .venv/bin/python benchmarks/compare.py --compare-threads 1    # one core for both sides
    .venv/bin/python benchmarks/compare.py --train-threads 2      # one by one on 2 torch threads

Each repeat times `train` once per loss (one by one) between two timings of
`compare(losses, target)` with the same settings: compare, one by one, compare, one by
one, ..., compare (so repeats + 1 compare timings), and compares each one-by-one time
with the mean of the compare times just before and after it. This machine's speed
drifts by a quarter within minutes; a drift that is about linear over one bracket
cancels out of the ratio. Each side has its own default threads unless told
(`compare`: up to 2 groups of runs in parallel, one core each; `train`: 1 torch
thread). Printed: wall seconds (snapshots and metrics included), training seconds
(snapshots excluded; for `compare` the longest training seconds of its groups, each
group's shared by the runs it trains) and CPU seconds (all threads of this process and
of compare's worker processes; the measure least hurt by other processes on a busy
machine, but blind to a parallel speed-up), each with its ratio, and the machine's load
average: on a busy machine compare ratios, not times.
Then the runs' metrics side by side: the same runs, equal up to float32 rounding at
first (tests/test_compare.py), but over thousands of steps GAN training amplifies the
rounding of a different order of sums, so the end metrics of some runs differ.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ganloss_viz.train import compare, train  # noqa: E402
from ganloss_viz.train.compare import default_threads  # noqa: E402

SIX = "ns,wgan_gp,hinge,lsgan,ns_r1,minimax"


def cpu_seconds() -> float:
    """CPU seconds of this process and of its finished child processes (compare's
    worker processes), all threads."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def metrics_row(name: str, run) -> str:
    m = run.metrics
    cov = run.seconds_to_coverage
    modes = f"{m['modes_covered']}/{m['modes']}" if "modes" in m else "-"
    hq = f"{m['hq_fraction']:.3f}" if "hq_fraction" in m else "-"
    return (f"{name:<10} {modes:>6} {hq:>6} {m.get('w1', float('nan')):>8.4f} "
            f"{'-' if cov is None else f'{cov:.2f}':>8} {run.steps:>6}"
            f"{'  ' + run.message if run.diverged else ''}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--losses", default=SIX, help=f"comma-separated (default {SIX})")
    ap.add_argument("--target", default="ring8")
    ap.add_argument("--steps", type=int, default=None, help="default: the target's")
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--compare-threads", type=int, default=None,
                    help="compare's parallel groups, one core each (default: its "
                         f"own, {default_threads()} here)")
    ap.add_argument("--train-threads", type=int, default=1,
                    help="torch threads of each one-by-one train run (default: 1, train's own)")
    args = ap.parse_args()
    losses = args.losses.split(",")
    common = dict(steps=args.steps, seed=args.seed, device="cpu")
    batched_threads = args.compare_threads or default_threads()
    print(f"torch {torch.__version__}; compare in {batched_threads} parallel group(s) (the "
          f"heaviest in this process, the others in worker processes), one by one on "
          f"{args.train_threads} torch thread(s); "
          f"{args.target}, losses {','.join(losses)}")
    print(f"before: {load()}")

    def timed_compare() -> tuple[tuple[float, float, float], object]:
        t0, c0 = time.perf_counter(), cpu_seconds()
        res = compare(losses, args.target, threads=batched_threads, **common)
        return (time.perf_counter() - t0, max(r.seconds for r in res.runs),
                cpu_seconds() - c0), res

    before, res = timed_compare()
    rows = []
    for rep in range(args.repeats):
        t0, c0 = time.perf_counter(), cpu_seconds()
        singles = [train(loss=name, target=args.target, threads=args.train_threads, **common)
                   for name in losses]
        single = (time.perf_counter() - t0, sum(r.seconds for r in singles),
                  cpu_seconds() - c0)
        after, res = timed_compare()
        batched = tuple((a + b) / 2 for a, b in zip(before, after, strict=True))
        rows.append((batched, single))
        parts = [f"{what}: compare {a:.2f} / {b:.2f} s, one by one {s:.2f} s, ratio "
                 f"{s / m:.2f}x" for what, a, b, m, s in
                 zip(("wall", "training", "cpu"), before, after, batched, single, strict=True)]
        print(f"repeat {rep + 1}: {res.runs[0].steps} steps; " + "; ".join(parts)
              + f"   ({load()})", flush=True)
        before = after
    if args.repeats > 1:
        medians = [statistics.median(s[i] / b[i] for b, s in rows) for i in range(3)]
        print(f"median ratios over {args.repeats} repeats: wall {medians[0]:.2f}x, "
              f"training {medians[1]:.2f}x, cpu {medians[2]:.2f}x")
    print(f"after: {load()}")
    print("\nmetrics at the end (batched | one by one): modes, HQ, W1, seconds to "
          "coverage, steps")
    for name, a, b in zip(losses, res.runs, singles, strict=True):
        print(f"  {metrics_row(name, a)}  |  {metrics_row(name, b)}")


if __name__ == "__main__":
    main()
