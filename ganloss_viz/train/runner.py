"""Drive K runs together: batched groups, optional worker threads, snapshots, results.

`run_together(states, workers)` trains the runs of `states` (RunStates of configs that
share steps, batch, target and networks) and returns one TrainResult per run, each
with the snapshots, history, divergence handling and metrics that
`ganloss_viz.train.run` gives a single run (the same rules, applied per run: a run
that diverges ends alone, the others go on).

The runs are split into `workers` groups of about equal cost (see `split`); each group
is one batched computation (ganloss_viz.train.batched.Batch) and, with more than one
group, each group runs in its own thread with one torch thread, so the groups use
separate cores (torch releases the GIL inside its operations). Why groups rather than
one batch on two torch threads: at these sizes a step is bound by the FLOPs of its
matrix products, not by per-operation overhead, so one batch on one core is about as
fast as the runs one by one (benchmarks/README.md); a second core is used best by
whole runs, which need no synchronisation between snapshots. Each group also takes its
own runs' snapshots in its thread, so that the snapshots of one group overlap the
training of another; groups meet at every snapshot boundary and stop at the same step.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait

import numpy as np
import torch

from ..metrics import coverage_reached
from .batched import Batch, run_order
from .engine import CALLBACK_INTERVAL, STOP_POLL, RunState, _summarise, _sync
from .record import HISTORY, Snapshot, TrainResult

# Cost of a run's iteration in critic steps: n_critic · (1 + PENALTY_COST if it has a
# penalty) + G_STEP_COST (measured at the default size: a critic step 1.9 ms, with GP or
# R1 3.4 ms, the generator step 1.1 ms)
PENALTY_COST, G_STEP_COST = 0.8, 0.6


def split(states: list[RunState], workers: int) -> list[list[int]]:
    """Indices of `states` in at most `workers` non-empty groups of about equal cost
    (largest first, each to the cheapest group so far)."""
    cost = [st.n_critic * (1 + PENALTY_COST * (st.penalty is not None)) + G_STEP_COST
            for st in states]
    groups: list[list[int]] = [[] for _ in range(min(workers, len(states)))]
    totals = [0.0] * len(groups)
    for r in sorted(range(len(states)), key=lambda r: -cost[r]):
        g = totals.index(min(totals))
        groups[g].append(r)
        totals[g] += cost[r]
    return [sorted(g) for g in groups if g]


class Record:
    """One run's growing record: snapshots, history, and how it ended."""

    def __init__(self, first: Snapshot):
        self.snaps = [first]
        self.hist = np.zeros((0, len(HISTORY)), dtype=np.float32)
        self.done, self.snap_count = 0, 0
        self.diverged, self.message = False, None
        self.coverage = 0.0 if coverage_reached(first.metrics) else None

    def boundary(self, snap: Snapshot | None, chunk: np.ndarray, start: int, done: int,
                 seconds: float, interval: float) -> None:
        """Record the steps start..done (history rows `chunk`) and the snapshot at `done`
        (None: a sample was not finite), as the single-run engine does."""
        bad_rows = ~np.isfinite(chunk).all(axis=1)
        if snap is None or bad_rows.any():
            self.diverged = True
            bad_step = start + int(np.argmax(bad_rows)) + 1 if bad_rows.any() else done
            self.message = f"diverged at step {bad_step}"
            self.hist = np.concatenate([self.hist, chunk[:bad_step - 1 - start]])
            self.done = bad_step - 1 if bad_rows.any() else done
            return
        self.hist = np.concatenate([self.hist, chunk])
        self.done = done
        _summarise(snap, chunk, done - start, interval)
        self.snaps.append(snap)
        if self.coverage is None and snap.metrics is not None and coverage_reached(snap.metrics):
            self.coverage = seconds


class Group:
    """One batched computation (a Batch of some of the runs) and its training seconds."""

    def __init__(self, states: list[RunState], runs: list[int]):
        self.runs = [runs[i] for i in run_order([states[r] for r in runs])]
        self.states = [states[r] for r in self.runs]
        self.batch = Batch(self.states)
        cfg, dev = states[0].cfg, states[0].device
        self.hist = torch.zeros(cfg.steps, self.batch.K, len(HISTORY), device=dev)
        self.seconds = 0.0

    def record(self, recs: list[Record], start: int, done: int, interval: float,
               last: bool) -> None:
        """Each run's history of steps start..done and its snapshot at `done` (last: the
        run's final snapshot, which always has metrics)."""
        self.seconds += interval
        finite = self.batch.params_finite()
        for j, r in enumerate(self.runs):
            rec, st = recs[r], self.states[j]
            if rec.diverged:
                continue
            chunk = self.hist[start:done, j].cpu().numpy()
            snap = None
            self.batch.sync_networks(j)
            if finite[j] and np.isfinite(chunk).all():
                rec.snap_count += 1
                with_metrics = last or rec.snap_count % st.cfg.metrics_every == 0
                snap = st.snapshot(done, self.seconds, with_metrics)
            rec.boundary(snap, chunk, start, done, self.seconds, interval)


def advance(groups: list[Group], recs: list[Record], start: int, stop_at: int,
            tick: Callable[[int], bool]) -> int:
    """Train every group from step `start` towards `stop_at`, then record each group's
    runs at the step reached (the same for all); tick(step) is called between
    iterations and returns True to stop. With several groups each trains and records in
    its own thread (snapshots too run in parallel), and the groups meet here, so that
    none is ever more than one snapshot interval ahead of another. Returns the step."""
    steps = groups[0].states[0].cfg.steps

    def finish(g: Group, done: int, t0: float) -> None:
        _sync(g.states[0].device)
        g.record(recs, start, done, time.perf_counter() - t0, done == steps or done < stop_at)

    if len(groups) == 1:
        g, done = groups[0], start
        t0 = time.perf_counter()
        while done < stop_at:
            g.batch.iterate(g.hist[done])
            done += 1
            if done < stop_at and tick(done):
                break
        finish(g, done, t0)
        return done
    lock = threading.Lock()
    limit = [stop_at]
    started = [start] * len(groups)

    def work(i: int) -> None:
        g, step = groups[i], start
        t0 = time.perf_counter()
        while True:
            with lock:
                if step >= limit[0]:
                    break
                started[i] = step + 1
            g.batch.iterate(g.hist[step])
            step += 1
        finish(g, step, t0)

    with ThreadPoolExecutor(len(groups)) as pool:
        futures = [pool.submit(work, i) for i in range(len(groups))]
        stopped = False
        while True:
            finished, _ = wait(futures, timeout=STOP_POLL / 4)
            if len(finished) == len(futures):
                break
            if not stopped and tick(min(started)):
                stopped = True
                with lock:                      # the others catch up with the leader
                    limit[0] = max(started)
        for f in futures:
            f.result()
    return limit[0]


def run_together(states: list[RunState], workers: int = 1,
                 callback: Callable[[int, float, list[Snapshot]], None] | None = None,
                 should_stop: Callable[[], bool] | None = None) -> list[TrainResult]:
    """Train the runs of `states` together (see the module docstring); results in the
    order of `states`. callback(step, seconds, latest snapshot per run) comes at most
    every CALLBACK_INTERVAL seconds and at each snapshot; should_stop() is polled every
    STOP_POLL seconds and True ends every run at the same step (each marked stopped).
    A run's `seconds` are the training seconds of its group (shared by the runs trained
    together; snapshots excluded)."""
    wall0 = time.perf_counter()
    groups = [Group(states, runs) for runs in split(states, workers)]
    cfg, device = states[0].cfg, states[0].device
    steps, every = cfg.steps, cfg.snapshot_every
    recs = []
    for st in states:
        first = st.snapshot(0, 0.0, True)
        if first is None:
            raise ValueError("the initial generator produced non-finite samples")
        recs.append(Record(first))
    if callback is not None:
        callback(0, 0.0, [rec.snaps[-1] for rec in recs])
    done, stopped = 0, False
    while done < steps and not stopped and not all(rec.diverged for rec in recs):
        start = done
        t0 = time.perf_counter()
        clock = {"cb": t0 + CALLBACK_INTERVAL, "poll": t0 + STOP_POLL}
        before = max(g.seconds for g in groups)

        def tick(step: int, t0: float = t0, before: float = before,
                 clock: dict = clock) -> bool:
            now = time.perf_counter()
            if should_stop is not None and now >= clock["poll"]:
                clock["poll"] = now + STOP_POLL
                if should_stop():
                    return True
            if callback is not None and now >= clock["cb"]:
                clock["cb"] = now + CALLBACK_INTERVAL
                callback(step, before + now - t0, [rec.snaps[-1] for rec in recs])
            return False

        stop_at = min(done + every, steps)
        done = advance(groups, recs, start, stop_at, tick)
        stopped = done < stop_at
        if callback is not None:
            callback(done, max(g.seconds for g in groups), [rec.snaps[-1] for rec in recs])
    seconds = {r: g.seconds for g in groups for r in g.runs}
    results = []
    for r, (st, rec) in enumerate(zip(states, recs, strict=True)):
        metrics = next((s.metrics for s in reversed(rec.snaps) if s.metrics is not None), {})
        results.append(TrainResult(
            config=st.cfg, device=device.type, steps=rec.done, seconds=seconds[r],
            wall_seconds=time.perf_counter() - wall0, frame=st.frame, snapshots=rec.snaps,
            history={name: rec.hist[:, j].copy() for j, name in enumerate(HISTORY)},
            diverged=rec.diverged, stopped=stopped and not rec.diverged, message=rec.message,
            seconds_to_coverage=rec.coverage, metrics=dict(metrics), generator=st.G,
            discriminator=st.D))
    return results


__all__ = ["Group", "Record", "advance", "run_together", "split"]
