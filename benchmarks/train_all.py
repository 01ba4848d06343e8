"""Every loss's default run on every target: finite or diverged, and how well it did.

Run from the repository root::

    .venv/bin/python benchmarks/train_all.py                      # 18 losses x 10 targets
    .venv/bin/python benchmarks/train_all.py --losses ns,wgan --targets ring8 --steps 500

Each run is `train(TrainConfig(loss, target, seed))` with nothing else set: the loss's
default optimizer, learning rates, critic steps and penalty, the target's default
number of steps (or --steps), width 128, depth 3, batch 256, one torch thread. One
row per run, printed as soon as it ends (so a long sweep can be read while it runs):

  status   finite, "diverged at step N", or the exception's first line (a crash)
  modes    modes covered / modes of the target at the last snapshot with metrics
  hq       high-quality fraction there ("-" for targets without modes)
  w1       (sliced) W1 to the target there
  seconds  training seconds (snapshots and metrics excluded); wall: everything
  steps/s  generator steps per training second

A summary line at the end counts finite, diverged and crashed runs; the exit status
is 1 when any run diverged or crashed. Timings depend on the machine's load.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ganloss_viz.losses import LOSSES  # noqa: E402
from ganloss_viz.targets import TARGETS  # noqa: E402
from ganloss_viz.train import TrainConfig, train  # noqa: E402

HEADER = (f"{'target':<15}{'loss':<17}{'status':<22}{'modes':>7}{'hq':>8}{'w1':>9}"
          f"{'seconds':>9}{'wall':>8}{'steps/s':>9}")


def names(text: str | None, known: dict, what: str) -> list[str]:
    """The comma-separated names in `text` (all of `known` when None), checked."""
    if text is None:
        return list(known)
    out = [t.strip() for t in text.split(",") if t.strip()]
    bad = [t for t in out if t not in known]
    if bad or not out:
        raise SystemExit(f"unknown {what} {', '.join(bad) or repr(text)}; known: "
                         f"{', '.join(known)}")
    return out


def row(target: str, loss: str, steps: int | None, seed: int) -> tuple[str, str]:
    """One default run as a table row, and its outcome: finite, diverged or crashed."""
    wall0 = time.perf_counter()
    try:
        res = train(TrainConfig(loss=loss, target=target, steps=steps, seed=seed))
    except Exception as exc:  # a crash is what this benchmark looks for: report it
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        return (f"{target:<15}{loss:<17}crash: {type(exc).__name__}: {first}", "crashed")
    m = res.metrics
    modes = f"{m['modes_covered']}/{m['modes']}" if "modes" in m else "-"
    hq = f"{m['hq_fraction']:.3f}" if "modes" in m else "-"
    status = res.message if res.diverged else "finite"
    text = (f"{target:<15}{loss:<17}{status:<22}{modes:>7}{hq:>8}{m.get('w1', float('nan')):>9.4f}"
            f"{res.seconds:>9.1f}{time.perf_counter() - wall0:>8.1f}{res.steps_per_s:>9.0f}")
    return text, "diverged" if res.diverged else "finite"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--losses", help="comma-separated loss names (default: all 18)")
    ap.add_argument("--targets", help="comma-separated target names (default: all 10)")
    ap.add_argument("--steps", type=int, help="steps per run (default: the target's default)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    losses = names(args.losses, LOSSES, "loss")
    targets = names(args.targets, TARGETS, "target")
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, {os.cpu_count()} cores, load "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; seed {args.seed}; steps "
          f"{args.steps or 'default'}", flush=True)
    print(HEADER, flush=True)
    counts = {"finite": 0, "diverged": 0, "crashed": 0}
    t0 = time.perf_counter()
    for target in targets:
        for loss in losses:
            text, outcome = row(target, loss, args.steps, args.seed)
            counts[outcome] += 1
            print(text, flush=True)
    print(f"{sum(counts.values())} runs in {time.perf_counter() - t0:.0f} s: "
          + ", ".join(f"{v} {k}" for k, v in counts.items()), flush=True)
    return 0 if counts["finite"] == sum(counts.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
