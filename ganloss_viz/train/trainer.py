"""`Trainer`: one run that can be advanced, paused, stepped, steered and slowed down.

`train(cfg)` is `Trainer(cfg).advance()` then `finish()`. The app keeps a Trainer
between button presses: Play advances it in a thread until Pause (`should_stop`),
Step advances one iteration, Step D / Step G make a lone step of one network, a
change while paused steers it, "more steps" raises its goal, and the slow-motion step
returns the stages of one iteration. Whatever is done, the run stays reproducible:
every steer and lone step is an `Event` of the run's schedule (its config's
`schedule` in the result), and a pause changes nothing, so `train(result.config)`
makes the same networks bit for bit on the CPU.

Snapshots are recorded at every snapshot_every-th step and at the goal, as in one
uninterrupted run; a pause records none (`view` shows the state while paused without
recording it).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import torch

from .config import TrainConfig
from .device import cpu_settings, resolve_device, sync
from .engine import CALLBACK_INTERVAL, STOP_POLL, Clock, RunState
from .record import HISTORY, Progress, Record, Snapshot, TrainResult
from .schedule import LONE_STEPS, Event, steer


@dataclass
class Stages:
    """One iteration stage by stage (the slow-motion view), numpy float32 on the CPU.

    step: the step counter after the iteration; n_critic: its discriminator steps;
    real, fake (n, dim): the last critic step's batches (at most `points` rows);
    d_before, d_after: D's values on the frame's grid before and after its steps;
    grad (n, dim): the per-sample gradient of the generator loss at the fakes (G moves
    them along −grad); moved (n, dim): G on the same noise after its step;
    d_loss, g_loss: the iteration's losses.
    """

    step: int
    n_critic: int
    real: np.ndarray
    fake: np.ndarray
    d_before: np.ndarray
    d_after: np.ndarray
    grad: np.ndarray
    moved: np.ndarray
    d_loss: float
    g_loss: float


def _np(t: torch.Tensor) -> np.ndarray:
    return t.detach().to("cpu", torch.float32).numpy()


class Trainer:
    """One run, advanced step by step (module docstring). `cfg` is resolved and
    validated here (ValueError naming a bad setting); its schedule is applied at its
    steps. Attributes: `step` (generator steps done), `goal` (the run's steps),
    `seconds` (training seconds), `d_updates` / `g_updates` (network updates made),
    `events` (the schedule so far), `cfg` (the settings in force now)."""

    def __init__(self, cfg: TrainConfig):
        cfg = cfg.resolved()
        self.wall0 = time.perf_counter()
        self.device = resolve_device(cfg.device)
        self.planned = list(cfg.schedule)
        self.start = replace(cfg, schedule=())
        self.cfg = self.start
        self.events: list[Event] = []
        with self.settings():
            self.state = RunState(self.start, self.device)
            self.rec = Record(self.state)
        self.step, self.seg_start, self.goal = 0, 0, cfg.steps
        self.seconds, self.seg_seconds = 0.0, 0.0
        self.d_updates = self.g_updates = 0
        self.stopped = False
        self.hist = torch.zeros(self.goal, len(HISTORY), device=self.device)

    def settings(self):
        """The CPU settings a run trains under (threads, denormals flushed)."""
        return cpu_settings(self.device, self.cfg.threads)

    # ------------------------------------------------------------------ state

    @property
    def diverged(self) -> bool:
        return self.rec.diverged

    @property
    def finished(self) -> bool:
        """Whether the run can go no further without a new goal (or at all)."""
        return self.step >= self.goal or self.diverged or self.stopped

    def progress(self, seconds: float | None = None) -> Progress:
        s = self.seconds if seconds is None else seconds
        return Progress(self.step, self.goal, s, self.step / s if s else 0.0,
                        self.rec.snaps[-1])

    def view(self, with_metrics: bool = True) -> Snapshot | None:
        """The run now, as a snapshot that is not recorded (while paused), with the
        metrics unless asked not to; None when a generated sample is not finite."""
        with self.settings():
            return self.state.snapshot(self.step, self.seconds, with_metrics)

    def history(self) -> dict[str, np.ndarray]:
        """Per-step history so far (HISTORY's columns)."""
        rows = self.hist[:self.step].cpu().numpy()
        return {name: rows[:, i].copy() for i, name in enumerate(HISTORY)}

    # ------------------------------------------------------------------ acts

    def _act(self, name: str, value) -> None:
        """Apply one event's act now (no recording)."""
        if name in LONE_STEPS:
            network = name[-1]
            with self.settings():
                for _ in range(value):
                    self.state.lone_step(network)
            if network == "d":
                self.d_updates += value
            else:
                self.g_updates += value
        else:
            self.cfg = steer(self.cfg, name, value)
            self.state.configure(self.cfg)

    def apply(self, name: str, value) -> None:
        """Steer the run (a name of schedule.STEERABLE) or make `value` lone steps
        ("step_d" / "step_g") now, at step `step`, and record it in the schedule.
        ValueError for a bad value (nothing changes) or a run that has diverged."""
        if self.diverged:
            raise ValueError("the run has diverged; start a new one")
        now = getattr(self.cfg, name, None)
        if name == "loss" and now is not None:
            now = self.state.loss.name
        if now == value:
            return
        ev = Event(self.step, name, value)
        self._act(name, value)
        self.events.append(ev)

    def extend(self, more: int) -> None:
        """Raise the goal by `more` steps (after a run finished: "N more steps"), with
        the caps of the run's settings (ValueError naming them). Where the snapshots of
        the longer run would pass the cap, the later ones are taken less often (a
        multiple of the old interval; the networks are the same either way)."""
        goal = self.goal + more
        cfg = replace(self.cfg, steps=goal)
        cap = cfg.caps.snapshots
        if cfg.n_snapshots > cap and goal <= cfg.caps.steps:
            every = cfg.snapshot_every
            every *= math.ceil(math.ceil(goal / (cap - 1)) / every)
            cfg = replace(cfg, snapshot_every=every)
            self.start = replace(self.start, snapshot_every=every)
        self.cfg = cfg.resolved()
        self.state.cfg = self.cfg
        if goal > self.hist.shape[0]:
            extra = torch.zeros(goal - self.hist.shape[0], len(HISTORY), device=self.device)
            self.hist = torch.cat([self.hist, extra])
        self.goal, self.stopped = goal, False

    def _due(self) -> None:
        while self.planned and self.planned[0].step <= self.step:
            ev = self.planned.pop(0)
            self._act(ev.name, ev.value)
            self.events.append(ev)

    def _next_stop(self, until: int) -> int:
        every = self.cfg.snapshot_every
        stop = min((self.step // every + 1) * every, self.goal, until)
        if self.planned:
            stop = min(stop, max(self.planned[0].step, self.step + 1))
        return stop

    def _boundary(self) -> None:
        """Record the steps since the last snapshot, and a snapshot, when the run stands
        at a snapshot step or its goal."""
        at_goal = self.step == self.goal
        if self.step == self.seg_start or not (at_goal or
                                               self.step % self.cfg.snapshot_every == 0):
            return
        sync(self.device)
        chunk = self.hist[self.seg_start:self.step].cpu().numpy()
        self.rec.boundary(self.state, chunk, self.seg_start, self.step, self.seconds,
                          self.seg_seconds, at_goal, self.state.params_finite())
        self.seg_start, self.seg_seconds = self.step, 0.0

    def advance(self, until: int | None = None,
                callback: Callable[[Progress], None] | None = None,
                should_stop: Callable[[], bool] | None = None) -> None:
        """Train until step `until` (None: the goal), or until should_stop() (polled
        every STOP_POLL seconds) says stop: a pause, nothing recorded. callback gets a
        Progress at most every CALLBACK_INTERVAL seconds and at each snapshot."""
        until = self.goal if until is None else min(until, self.goal)
        with self.settings():
            while self.step < until and not self.diverged:
                self._due()
                stop_at, begin = self._next_stop(until), self.step
                done = begin
                sync(self.device)
                t0 = time.perf_counter()
                clock = Clock(CALLBACK_INTERVAL, STOP_POLL)     # this module's, read now
                paused = False
                while done < stop_at:
                    self.state.iterate(self.hist[done])
                    done += 1
                    if callback is None and should_stop is None:
                        continue
                    now = time.perf_counter()
                    if should_stop is not None and clock.poll_due(now) and should_stop():
                        paused = True
                        break
                    if callback is not None and clock.callback_due(now):
                        self.step = done
                        callback(self.progress(self.seconds + now - t0))
                sync(self.device)
                interval = time.perf_counter() - t0
                self.d_updates += (done - begin) * self.state.n_critic
                self.g_updates += done - begin
                self.step = done
                self.seconds += interval
                self.seg_seconds += interval
                self._boundary()
                if callback is not None:
                    callback(self.progress())
                if paused:
                    return
        self._due_at_goal()

    def _due_at_goal(self) -> None:
        if self.step == self.goal and not self.diverged:
            self._due()

    def slow_step(self) -> Stages:
        """One iteration, returning its stages (`Stages`); the same iteration `advance`
        would make. ValueError when the run is finished."""
        if self.finished:
            raise ValueError("the run has reached its goal; add steps first")
        watch: dict = {}
        with self.settings():
            self._due()
            t0 = time.perf_counter()
            self.state.iterate(self.hist[self.step], watch)
            sync(self.device)
            interval = time.perf_counter() - t0
            self.seconds += interval
            self.seg_seconds += interval
            self.step += 1
            self.d_updates += self.state.n_critic
            self.g_updates += 1
            self._boundary()
        n = self.cfg.points
        d_loss, g_loss = (float(v) for v in self.hist[self.step - 1, :2])
        return Stages(step=self.step, n_critic=self.state.n_critic,
                      real=_np(watch["real"][:n]), fake=_np(watch["fake"][:n]),
                      d_before=_np(watch["d_before"]), d_after=_np(watch["d_after"]),
                      grad=_np(watch["grad"][:n]), moved=_np(watch["moved"][:n]),
                      d_loss=d_loss, g_loss=g_loss)

    # ------------------------------------------------------------------ the end

    def so_far(self) -> TrainResult:
        """The run up to now as a TrainResult, recording nothing: a paused run's replay
        and metrics (a last snapshot at the current step, with metrics, is added to the
        result only). Its config is as `finish` gives."""
        with self.settings():
            snaps = list(self.rec.snaps)
            if not self.diverged and self.step > snaps[-1].step:
                snap = self.state.snapshot(self.step, self.seconds, True)
                if snap is not None:
                    snaps.append(snap)
        result = self.rec.result(self.state, self.seconds, self.step < self.goal,
                                 self.wall0)
        if not self.diverged:
            result.steps, result.snapshots, result.history = self.step, snaps, self.history()
            result.metrics = dict(next(s.metrics for s in reversed(snaps)
                                       if s.metrics is not None))
        result.stopped = self.step < self.goal and not self.diverged
        result.config = replace(self.start, steps=self.goal, schedule=tuple(self.events))
        return result

    def finish(self) -> TrainResult:
        """The run as a TrainResult: a run paused before its goal is recorded up to its
        step (a last snapshot there, with metrics) and marked stopped. Its config is the
        starting one with the goal and the schedule so far (`train(config)` remakes it)."""
        with self.settings():
            if not self.diverged:
                if self.step > self.seg_start:
                    self.goal, goal = self.step, self.goal
                    self._boundary()
                    self.goal = goal
                else:
                    self.rec.complete(self.state)
        self.stopped = self.step < self.goal and not self.diverged
        result = self.rec.result(self.state, self.seconds, self.stopped, self.wall0)
        result.config = replace(self.start, steps=self.goal, schedule=tuple(self.events))
        return result


PACE_WARMUP, PACE_STEPS = 5, 20


def seconds_per_step(cfg: TrainConfig) -> float:
    """This machine's training seconds per generator step for `cfg` (its networks, batch,
    loss and critic steps), timed on PACE_STEPS steps of a throwaway run after
    PACE_WARMUP (whose first calls allocate): what a page quotes before a run starts."""
    probe = Trainer(replace(cfg.resolved(), steps=PACE_WARMUP + PACE_STEPS,
                            snapshot_every=PACE_WARMUP + PACE_STEPS, schedule=()))
    probe.advance(until=PACE_WARMUP)
    seconds = probe.seconds
    probe.advance(until=PACE_WARMUP + PACE_STEPS)
    return (probe.seconds - seconds) / PACE_STEPS


def run(cfg: TrainConfig, callback: Callable[[Progress], None] | None = None,
        should_stop: Callable[[], bool] | None = None) -> TrainResult:
    """One run of a config (see `train`): a `Trainer` advanced to its goal, or until
    should_stop() ends it (then marked stopped, with a last snapshot at that step)."""
    trainer = Trainer(cfg)
    with trainer.settings():                  # the callbacks see the run's settings too
        if callback is not None:
            callback(trainer.progress())
        trainer.advance(callback=callback, should_stop=should_stop)
        result = trainer.finish()
        if callback is not None and result.stopped:
            callback(trainer.progress())       # the snapshot a stop records
    return result


def train(config: TrainConfig | None = None, callback: Callable[[Progress], None] | None = None,
          should_stop: Callable[[], bool] | None = None, **settings) -> TrainResult:
    """Train a GAN: `config` (or TrainConfig(**settings)) -> TrainResult.

    callback(progress): called at most every CALLBACK_INTERVAL seconds and at every
    snapshot, with a Progress (steps done, training seconds, steps/s, latest snapshot).
    should_stop(): polled every STOP_POLL seconds; True ends the run early (the result
    is marked stopped and ends with a snapshot of that step).
    On CPU, torch runs with config.threads threads and denormals flushed during the
    run (`cpu_settings`, restored after), and a run is deterministic: the same config
    and seed give the same result. The config's schedule (settings changed mid-run,
    lone D / G steps) is applied at its steps.
    Raises ValueError for a bad setting (naming it and, for a cap, the cap) and for
    device "cuda" without a GPU.
    """
    if config is None:
        config = TrainConfig(**settings)
    elif settings:
        raise ValueError("give either a TrainConfig or keyword settings, not both")
    return run(config, callback, should_stop)


__all__ = ["Stages", "Trainer", "run", "seconds_per_step", "train"]
