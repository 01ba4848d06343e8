"""One study run: a `Run` in, one results row (plain data) out.

The row is the run's declaration (loss, target, seed, steps and the requested
settings), the effective settings the trainer used (lr_g, lr_d, n_critic,
penalty_weight: the loss's defaults where the study left them open), the metrics of
the last snapshot (modes, modes_covered, hq_fraction, reverse_kl_modes, w1),
seconds_to_coverage, diverged, success, and the times: training seconds, wall seconds
and CPU seconds of this process. `success` is the trainer's coverage test at the end
of the run (every mode covered and at least half the samples high-quality; False when
it diverged; None for a target without modes); `ever_covered` whether any snapshot met
it (seconds_to_coverage is not None).
"""

from __future__ import annotations

import time
from dataclasses import asdict

from ..metrics import coverage_reached
from ..train import train
from .grid import Run


def execute(run: Run, node: str = "local") -> dict:
    """Train `run` on the CPU with one torch thread and return its results row.

    node: where it ran (the Ray node id; "local" in-process), kept in the row.
    """
    wall0, cpu0 = time.perf_counter(), time.process_time()
    result = train(run.config())
    cfg = result.config
    m = result.metrics
    has_modes = bool(m.get("modes"))
    row = {"run_id": run.run_id, **asdict(run),
           "lr_g": cfg.lr_g, "lr_d": cfg.lr_d, "n_critic_used": cfg.n_critic,
           "penalty_weight_used": cfg.penalty_weight,
           "modes": m.get("modes"), "modes_covered": m.get("modes_covered"),
           "hq_fraction": m.get("hq_fraction"), "reverse_kl_modes": m.get("reverse_kl_modes"),
           "w1": m.get("w1"), "seconds_to_coverage": result.seconds_to_coverage,
           "diverged": result.diverged,
           "success": (coverage_reached(m) and not result.diverged) if has_modes else None,
           "ever_covered": (result.seconds_to_coverage is not None) if has_modes else None,
           "steps_done": result.steps, "seconds": result.seconds,
           "wall_seconds": time.perf_counter() - wall0,
           "cpu_seconds": time.process_time() - cpu0, "node": node}
    return row


__all__ = ["execute"]
