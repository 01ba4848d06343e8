"""Drive K runs together: batched groups, optional worker processes, snapshots, results.

`run_together(states)` trains the runs of `states` (RunStates of configs that share
steps, batch, target and networks) in this process and returns one TrainResult per
run, each with the snapshots, history, divergence handling and metrics that
`ganloss_viz.train.run` gives a single run (the same rules, applied per run: a run
that diverges ends alone, the others go on).

A `Group` is one batched computation (ganloss_viz.train.batched.Batch) and its runs'
snapshots. On several cores the runs are split into groups of about equal cost (see
`split`), each trained with one torch thread, the heaviest in a thread of this
process and each other in a worker process (ganloss_viz.train.workers, on the same
Group), so the groups use separate cores.
Why groups rather than one batch on two torch threads: at these sizes a step is bound
by the FLOPs of its matrix products, not by per-operation overhead, so one batch on one
core is about as fast as the runs one by one (benchmarks/README.md); a second core is
used best by whole runs, which need no synchronisation between snapshots. Each group
takes its own runs' snapshots, so that the snapshots of one group overlap the training
of another; groups meet at every snapshot boundary and stop at the same step.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import torch

from .batched import batch_of, run_order
from .device import sync
from .engine import Clock, RunState
from .record import HISTORY, Record, Snapshot, TrainResult

# Cost of a run's iteration in critic steps: n_critic · (1 + PENALTY_COST if it has a
# penalty) + G_STEP_COST (measured at the default size: a critic step 1.9 ms, with GP or
# R1 3.4 ms, the generator step 1.1 ms)
PENALTY_COST, G_STEP_COST = 0.8, 0.6


def split(states: list[RunState], workers: int) -> list[list[int]]:
    """Indices of `states` in at most `workers` non-empty groups of about equal cost
    (largest first, each to the cheapest group so far), the costliest group first."""
    cost = [st.n_critic * (1 + PENALTY_COST * (st.penalty is not None)) + G_STEP_COST
            for st in states]
    groups: list[list[int]] = [[] for _ in range(min(workers, len(states)))]
    totals = [0.0] * len(groups)
    for r in sorted(range(len(states)), key=lambda r: -cost[r]):
        g = totals.index(min(totals))
        groups[g].append(r)
        totals[g] += cost[r]
    order = sorted(range(len(groups)), key=lambda g: -totals[g])
    return [sorted(groups[g]) for g in order if groups[g]]


class Group:
    """One batched computation (a Batch of some of the runs) and its training seconds."""

    def __init__(self, states: list[RunState], runs: list[int]):
        self.runs = [runs[i] for i in run_order([states[r] for r in runs])]
        self.states = [states[r] for r in self.runs]
        self.batch = batch_of(self.states)
        cfg, dev = states[0].cfg, states[0].device
        self.hist = torch.zeros(cfg.steps, self.batch.K, len(HISTORY), device=dev)
        self.seconds = 0.0

    def segment(self, recs: list[Record], start: int, stop_at: int,
                limit: Callable[[int], int]) -> int:
        """Train every run from step `start` to `stop_at`, or to the earlier step that
        limit(step) (called after each iteration, returning stop_at or a step >= step)
        names, then record the runs there (`record`). Returns the step reached."""
        t0 = time.perf_counter()
        done, end = start, stop_at
        while done < end:
            self.batch.iterate(self.hist[done])
            done += 1
            if done < end:
                end = limit(done)
        sync(self.states[0].device)
        last = done == self.states[0].cfg.steps or done < stop_at
        self.record(recs, start, done, time.perf_counter() - t0, last)
        return done

    def record(self, recs: list[Record], start: int, done: int, interval: float,
               last: bool) -> None:
        """Each run's history of steps start..done and its snapshot at `done` (last: the
        run's final snapshot, which always has metrics)."""
        self.seconds += interval
        finite = self.batch.params_finite()
        for j, r in enumerate(self.runs):
            if recs[r].diverged:
                continue
            self.batch.sync_networks(j)
            recs[r].boundary(self.states[j], self.hist[start:done, j].cpu().numpy(), start,
                             done, self.seconds, interval, last, finite[j])

    def complete(self, recs: list[Record]) -> None:
        """Metrics for each live run's last snapshot that lacks them: a stop agreed at a
        snapshot boundary makes that snapshot the run's final one."""
        for j, r in enumerate(self.runs):
            self.batch.sync_networks(j)
            recs[r].complete(self.states[j])


def results(states: list[RunState], recs: list[Record], seconds: list[float], stopped: bool,
            wall0: float) -> list[TrainResult]:
    """One TrainResult per run from its Record; seconds[r]: run r's training seconds."""
    return [rec.result(st, secs, stopped and not rec.diverged, wall0)
            for st, rec, secs in zip(states, recs, seconds, strict=True)]


def run_together(states: list[RunState],
                 callback: Callable[[int, float, list[Snapshot]], None] | None = None,
                 should_stop: Callable[[], bool] | None = None) -> list[TrainResult]:
    """Train the runs of `states` as one Group in this process; results in the order of
    `states`. callback(step, seconds, latest snapshot per run) comes at most every
    CALLBACK_INTERVAL seconds and at each snapshot; should_stop() is polled every
    STOP_POLL seconds and True ends every run at the same step (each marked stopped).
    Every run's `seconds` are the group's training seconds (snapshots excluded)."""
    wall0 = time.perf_counter()
    group = Group(states, list(range(len(states))))
    recs = [Record(st) for st in states]
    if callback is not None:
        callback(0, 0.0, [rec.snaps[-1] for rec in recs])
    steps, every = states[0].cfg.steps, states[0].cfg.snapshot_every
    done, stopped = 0, False
    while done < steps and not stopped and not all(rec.diverged for rec in recs):
        t0, before, clock = time.perf_counter(), group.seconds, Clock()
        stop_at = min(done + every, steps)

        def limit(step: int, t0: float = t0, before: float = before, clock: Clock = clock,
                  stop_at: int = stop_at) -> int:
            now = time.perf_counter()
            if should_stop is not None and clock.poll_due(now) and should_stop():
                return step
            if callback is not None and clock.callback_due(now):
                callback(step, before + now - t0, [rec.snaps[-1] for rec in recs])
            return stop_at

        done = group.segment(recs, done, stop_at, limit)
        stopped = done < stop_at
        if callback is not None:
            callback(done, group.seconds, [rec.snaps[-1] for rec in recs])
    return results(states, recs, [group.seconds] * len(states), stopped, wall0)


__all__ = ["Group", "results", "run_together", "split"]
