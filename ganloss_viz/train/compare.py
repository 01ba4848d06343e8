"""Compare losses: K runs on one target from the same initial weights, data and noise.

    from ganloss_viz.train import compare
    res = compare(["ns", "wgan_gp", "hinge"], "ring8", steps=2000, seed=0)
    res.runs[1].metrics, res.seconds, res.to_dict()

Every run is the run `train` makes with the same seed and the common settings, each
loss otherwise taking its own defaults (optimizer, learning rates, betas, n_critic,
penalty): the seed fixes the initial weights of G and D, the data and the noise, so
every run starts from the same networks and, step for step, sees the same real
batches and noise rows (runs with different n_critic draw the same streams at their
own pace). The K runs are trained as one batched computation (batched.py: stacked
weights, batched matrix products; runner.py: snapshots and results, and with
threads >= 2 several such batches in parallel: the heaviest in a thread of this
process, each other in a worker process: workers.py); a
run's `seconds` are the training seconds of the batch that trained it, shared by the
runs in that batch.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..losses import Loss, get
from .config import TrainConfig
from .device import cpu_settings, resolve_device
from .engine import RunState
from .record import Pace, Progress, Snapshot, TrainResult
from .runner import run_together, split
from .trainer import run
from .workers import portable, run_in_processes

MAX_DEFAULT_THREADS = 2

MAX_RUNS = 8


@dataclass
class CompareProgress(Pace):
    """What a live UI is told: the pace (steps done by every run still going) and each
    run's latest snapshot (losses' order)."""

    snapshots: list[Snapshot | None]


@dataclass
class CompareResult:
    """The runs of a comparison in the order of the losses, and its wall seconds."""

    runs: list[TrainResult]
    seconds: float

    def to_dict(self) -> dict:
        """The CLI's JSON object (DESIGN.md, `compare`)."""
        return {"runs": [r.to_dict() for r in self.runs], "seconds": self.seconds}


def check_losses(losses: Sequence[str | Loss]) -> list[str | Loss]:
    """The losses as a list, checked: 1 to MAX_RUNS distinct known losses (or Loss objects)."""
    if isinstance(losses, str) or not isinstance(losses, Sequence):
        raise ValueError(f"losses must be a list of 1 to {MAX_RUNS} loss names, "
                         f"got {losses!r}")
    if not 1 <= len(losses) <= MAX_RUNS:
        raise ValueError(f"compare takes 1 to {MAX_RUNS} losses, got {len(losses)}")
    names = [get(name).name for name in losses]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"each loss may appear once; repeated: {', '.join(repeated)}")
    return list(losses)


def run_configs(losses: Sequence[str | Loss], target, steps: int | None, seed: int,
                settings: dict) -> list[TrainConfig]:
    """One resolved TrainConfig per loss: the common settings, each loss's own defaults."""
    if "loss" in settings:
        raise ValueError("give the losses as the first argument, not as loss=")
    return [TrainConfig(loss=loss, target=target, steps=steps, seed=seed, **settings).resolved()
            for loss in check_losses(losses)]


def default_threads() -> int:
    """Parallel groups (one per core) of a comparison on the CPU when no threads are
    given: the cores this process may use, at most MAX_DEFAULT_THREADS. One core gains
    nothing from batching (a step is bound by its matrix products' FLOPs, and a batched
    product over K runs costs K single ones: benchmarks/README.md), so the speed-up over
    the runs one by one comes from training groups of runs on several cores at once."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:          # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(MAX_DEFAULT_THREADS, cores))


def compare(losses: Sequence[str | Loss], target, steps: int | None = None, seed: int = 0,
            callback: Callable[[CompareProgress], None] | None = None,
            should_stop: Callable[[], bool] | None = None, **settings) -> CompareResult:
    """Train one GAN per loss on `target` from the same weights, data and noise.

    losses: 1 to 8 distinct loss names; target: a target name or spec; settings: any
    TrainConfig settings (width, depth, batch, noise_dim, device, hosted, threads, ...)
    applied to every run; on the CPU, threads >= 2 trains that many groups of runs in
    parallel with one torch thread each, the heaviest in a thread of this process, the
    others in worker processes (with a custom loss that cannot be sent to one, all
    train in this process as one group); no threads: `default_threads()`. Returns a
    CompareResult whose runs follow `losses`; their snapshots fall on the same steps, and
    a run that diverges ends alone.
    callback(CompareProgress) comes at most every ~0.2 s and at each snapshot;
    should_stop() is polled and True ends every run (each marked stopped).
    Raises ValueError for bad losses or settings (naming them).
    """
    if settings.get("threads") is None:
        settings = {**settings, "threads": default_threads()}
    configs = run_configs(losses, target, steps, seed, settings)
    wall0 = time.perf_counter()
    device = resolve_device(configs[0].device)
    threads = configs[0].threads
    # on the CPU, threads >= 2 means that many groups of runs in parallel, one torch
    # thread each (see runner.py and workers.py for why)
    workers = threads if device.type == "cpu" and threads and len(configs) > 1 else 1
    torch_threads = 1 if workers > 1 else threads
    with cpu_settings(device, torch_threads):
        states = [RunState(cfg, device) for cfg in configs]
        if all(st.penalty is None or st.fast_penalty for st in states):
            report = None
            if callback is not None:
                def report(step: int, seconds: float, snaps: list[Snapshot]) -> None:
                    callback(CompareProgress(step, configs[0].steps, seconds,
                                             step / seconds if seconds else 0.0, snaps))
            sendable = portable(configs) if workers > 1 else None
            if sendable is not None:
                runs = run_in_processes(states, sendable, split(states, workers), report,
                                        should_stop)
            else:                   # one core, or a custom loss a worker cannot receive
                runs = run_together(states, report, should_stop)
        else:
            runs = one_by_one(configs, callback, should_stop)
    return CompareResult(runs=runs, seconds=time.perf_counter() - wall0)


def one_by_one(configs: list[TrainConfig], callback, should_stop) -> list[TrainResult]:
    """The runs one after another with `run`: for penalties that only autograd can
    differentiate (a smooth activation such as tanh), which the batched engine cannot
    take. Progress counts every run's steps; a stop ends the runs from then on."""
    latest: list[Snapshot | None] = [None] * len(configs)
    total, K = configs[0].steps, len(configs)
    runs: list[TrainResult] = []
    done_seconds = 0.0
    stop = [False]

    def stopping() -> bool:
        stop[0] = stop[0] or (should_stop is not None and bool(should_stop()))
        return stop[0]

    for k, cfg in enumerate(configs):
        def report(p: Progress, k: int = k, before: float = done_seconds) -> None:
            latest[k] = p.snapshot
            if callback is not None:
                seconds, step = before + p.seconds, (k * total + p.step) // K
                callback(CompareProgress(step, total, seconds,
                                         step / seconds if seconds else 0.0, list(latest)))

        runs.append(run(cfg, report, stopping))
        done_seconds += runs[-1].seconds
    return runs


__all__ = ["MAX_DEFAULT_THREADS", "MAX_RUNS", "CompareProgress", "CompareResult",
           "check_losses", "compare", "default_threads"]
