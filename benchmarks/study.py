"""A study's throughput on Ray against the ideal "cores × single-run speed".

    .venv/bin/python benchmarks/study.py                      # 48 runs of 5000 steps, 1 round
    .venv/bin/python benchmarks/study.py --seeds 4 --steps 600 --rounds 3   # a quick look
    .venv/bin/python benchmarks/study.py --cpus 1             # one core: Ray's overhead alone
    .venv/bin/python benchmarks/study.py --plain              # and the cores' own ceiling

The runs: losses ns, hinge, lsgan on bimodal and ring8 (width 64, depth 2, batch 128, as
the shipped study), `--seeds` seeds each. The default size is the issue's: runs of about
5 s (a full study's are 5-30 s) and about 2 minutes of Ray, over which Ray's fixed cost
(about 6 s: init, the workers' torch import, shutdown) weighs what it does in a real
study; shorter runs measure mostly that fixed cost. Each round times them one by one in this
process (`execute`, one torch thread: the single-run speed) and then as a study on an
embedded Ray instance with `--cpus` CPUs (`run_study`, wall time from before `ray.init`
to after `ray.shutdown`: Ray's start-up, the workers' imports of torch and the writing of
the Parquet parts all count), alternating, so that a drift of the machine's speed hits
both sides. Printed per round: the serial runs/min, the ideal (cpus × serial), the
study's runs/min and their ratio, a run's mean wall and CPU seconds inside `execute` one
by one and in the Ray workers (a per-run slow-down shows there), the study's seconds
beyond its runs spread over the CPUs (start-up, shutdown, gaps between tasks), and the
load average; with --plain, also the same
runs split over --cpus plain processes at once (no Ray), whose ratio is the ceiling the
machine's cores allow any scheduler (two busy cores can slow each other). A loaded machine (other
processes on the same cores) lowers the study's ratio: Ray's workers then share the
cores with them while the serial baseline had one core's worth of its own.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ganloss_viz.study import Study, execute, read_results, run_study  # noqa: E402
from ganloss_viz.study.runner import local_cpus  # noqa: E402


def per_run(rows: list[dict]) -> tuple[float, float]:
    """Mean wall and CPU seconds of one run inside `execute`, from its rows."""
    n = len(rows)
    return sum(r["wall_seconds"] for r in rows) / n, sum(r["cpu_seconds"] for r in rows) / n


def serial(study: Study) -> tuple[float, list[dict]]:
    """Seconds to execute every run of `study` one by one in this process, and the rows."""
    t0 = time.perf_counter()
    rows = [execute(run) for run in study.runs()]
    return time.perf_counter() - t0, rows


def on_ray(study: Study, cpus: int) -> tuple[float, list[dict]]:
    """Wall seconds of `study` on a fresh embedded Ray instance with `cpus` CPUs, and
    its rows (their wall and CPU seconds were measured inside the Ray workers)."""
    folder = tempfile.mkdtemp(prefix="gv-bench-study-")
    try:
        t0 = time.perf_counter()
        run_study(study, folder, backend="ray", cpus=cpus)
        seconds = time.perf_counter() - t0
        return seconds, read_results(folder).to_pylist()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


PART = """
import sys, torch
torch.set_num_threads(1)
from ganloss_viz.study import Study, execute
study = Study(losses={losses!r}, targets={targets!r}, seeds=range({seeds}), steps={steps})
for run in study.runs()[{part}::{parts}]:
    execute(run)
"""


def plain_processes(study: Study, seeds: int, parts: int) -> float:
    """Wall seconds of the same runs split over `parts` plain Python processes started
    at once (no Ray; interpreter starts and torch imports counted): what the machine's
    cores give when all are busy, the ceiling any scheduler works under."""
    root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": root, "OMP_NUM_THREADS": "1"}
    code = [PART.format(losses=study.losses, targets=study.targets, seeds=seeds,
                        steps=study.steps, part=i, parts=parts) for i in range(parts)]
    t0 = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-c", c], env=env) for c in code]
    if any(p.wait() for p in procs):
        raise RuntimeError("a plain process failed")
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--steps", type=int, default=5000)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--cpus", type=int, default=local_cpus())
    ap.add_argument("--plain", action="store_true",
                    help="also time the runs split over --cpus plain processes (no Ray)")
    args = ap.parse_args()
    study = Study(losses=["ns", "hinge", "lsgan"], targets=["bimodal", "ring8"],
                  seeds=range(args.seeds), steps=args.steps)
    n = len(study.runs())
    print(f"{n} runs of {args.steps} steps; Ray with {args.cpus} CPUs; "
          f"this process may use {local_cpus()} cores")
    ratios, plain = [], []
    for r in range(args.rounds):
        s, serial_rows = serial(study)
        w, ray_rows = on_ray(study, args.cpus)
        per_min, ray_per_min = 60 * n / s, 60 * n / w
        ideal = args.cpus * per_min
        ratios.append(ray_per_min / ideal)
        line = (f"round {r + 1}: one by one {s:.1f} s ({per_min:.1f} runs/min) -> ideal "
                f"{ideal:.1f} runs/min; Ray {w:.1f} s ({ray_per_min:.1f} runs/min); "
                f"ratio {ratios[-1]:.3f}")
        (sw, sc), (rw, rc) = per_run(serial_rows), per_run(ray_rows)
        line += (f"; per run {sw:.3f} s wall / {sc:.3f} s CPU one by one, {rw:.3f} / "
                 f"{rc:.3f} in Ray workers ({rw / sw:.3f}x); Ray's time beyond its runs "
                 f"{w - n * rw / args.cpus:.1f} s")
        if args.plain:
            p = plain_processes(study, args.seeds, args.cpus)
            plain.append(s / (args.cpus * p))
            line += f"; {args.cpus} plain processes {p:.1f} s, ratio {plain[-1]:.3f}"
        print(f"{line}; load {os.getloadavg()[0]:.1f}", flush=True)
    if plain:
        print(f"plain processes' ratio: min {min(plain):.3f}, max {max(plain):.3f}")
    print(f"ratio: min {min(ratios):.3f}, max {max(ratios):.3f}")


if __name__ == "__main__":
    main()
