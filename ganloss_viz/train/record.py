"""What a training run records: `Frame` (fixed per run), `Snapshot`s, `Progress`,
`TrainResult`, and `Record`, which grows into a TrainResult while the run trains.

All arrays are numpy float32 on the CPU, so figures and pages never touch torch.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..metrics import coverage_reached, window_summary
from .config import TrainConfig

if TYPE_CHECKING:
    from .engine import RunState


@dataclass
class Frame:
    """The fixed stage of a run's animation.

    dim: 1 or 2; extent: the plot window is [-extent, extent]^dim (1.25 times the
    target's scale); axis: the coordinates of the discriminator grid along each axis
    (2-D: `grid` points; 1-D: 4·grid points); target_density: the target's density on
    that grid ((grid, grid), row = y, column = x) or line, None when it has none;
    real: target samples as many as a snapshot's generator samples (fixed for the
    run; also the real batch of relativistic losses' gradient arrows); modes
    (K, dim) and mode_std, or None; manifold: how the noise lattice was built (text).
    """

    dim: int
    extent: float
    axis: np.ndarray
    target_density: np.ndarray | None
    real: np.ndarray
    modes: np.ndarray | None
    mode_std: float | None
    manifold: str


@dataclass
class Snapshot:
    """The state of a run after `step` generator steps.

    seconds: training seconds so far (snapshot and metric time excluded);
    samples (n, dim): G on fixed noise; grad (n, dim): the gradient of the chosen
    generator loss with respect to each of those samples, per sample (n times the
    gradient of the batch mean, i.e. ∇_x of the per-sample term for separable losses;
    G moves samples along -grad); d_values: the discriminator's raw output on the
    frame's grid ((grid, grid), row = y) or line; manifold: G on the noise lattice,
    (L, L, dim) for a 2-D lattice or (L, dim) for a line (see Frame.manifold);
    d_loss, g_loss, g_grad_norm (‖∇_θG L_G‖) and fake_grad_norm (mean per-sample
    ‖∇_x L_G‖): means over the steps since the previous snapshot (None at step 0);
    steps_per_s over those steps; metrics: ganloss_viz.metrics.evaluate's dict on
    `metric_samples` fresh samples, or None at snapshots without metrics.
    """

    step: int
    seconds: float
    samples: np.ndarray
    grad: np.ndarray
    d_values: np.ndarray
    manifold: np.ndarray
    d_loss: float | None = None
    g_loss: float | None = None
    g_grad_norm: float | None = None
    fake_grad_norm: float | None = None
    steps_per_s: float | None = None
    metrics: dict | None = None


@dataclass
class Pace:
    """How far a training has come: steps done of `steps`, training seconds, speed."""

    step: int
    steps: int
    seconds: float
    steps_per_s: float

    @property
    def fraction(self) -> float:
        return self.step / self.steps if self.steps else 1.0


@dataclass
class Progress(Pace):
    """What a live UI is told a few times a second: the pace and the latest snapshot
    (None before the first)."""

    snapshot: Snapshot | None = None


HISTORY = ("d_loss", "g_loss", "g_grad_norm", "fake_grad_norm")


@dataclass
class TrainResult:
    """A finished (or stopped, or diverged) run.

    steps: generator steps done; seconds: training seconds (snapshots and metrics
    excluded); wall_seconds: everything; steps_per_s = steps / seconds; diverged: a
    non-finite loss or parameter appeared (message "diverged at step N"; the snapshots
    stop at the last good one); stopped: should_stop() ended the run early;
    history: per-step arrays named in HISTORY; metrics: those of the last snapshot
    with metrics, plus seconds_to_coverage (training seconds until the first snapshot
    where every mode is covered and at least half the samples are high-quality; None
    if never or for targets without modes); generator / discriminator: the networks
    (ganloss_viz.models.MLP) as the run left them (after divergence: non-finite).
    """

    config: TrainConfig
    device: str
    steps: int
    seconds: float
    wall_seconds: float
    frame: Frame
    snapshots: list[Snapshot]
    history: dict[str, np.ndarray]
    diverged: bool = False
    stopped: bool = False
    message: str | None = None
    seconds_to_coverage: float | None = None
    metrics: dict = field(default_factory=dict)
    generator: Any = None
    discriminator: Any = None

    @property
    def steps_per_s(self) -> float:
        return self.steps / self.seconds if self.seconds > 0 else 0.0

    @property
    def final(self) -> Snapshot:
        """The last (good) snapshot."""
        return self.snapshots[-1]

    def window(self, k: int = 10) -> dict[str, dict[str, float]]:
        """Median / min / max of the metrics over the last `k` snapshots that have metrics.

        Training oscillates, so outcomes (modes covered, HQ fraction, W1) are judged over
        such a window, not on the final snapshot alone (see metrics.window_summary).
        """
        if not (isinstance(k, int) and k >= 1):
            raise ValueError(f"the window must be a whole number of snapshots >= 1, got {k!r}")
        with_metrics = [s.metrics for s in self.snapshots if s.metrics is not None]
        return window_summary(with_metrics[-k:])

    def to_dict(self) -> dict:
        """The CLI's JSON object (DESIGN.md, `train`), plus stopped / message / wall_seconds."""
        cfg = self.config.to_dict()
        return {
            "loss": cfg["loss"], "target": cfg["target"], "steps": self.steps,
            "seconds": self.seconds, "steps_per_s": self.steps_per_s, "device": self.device,
            "diverged": self.diverged, "stopped": self.stopped, "message": self.message,
            "wall_seconds": self.wall_seconds,
            "metrics": dict(self.metrics, seconds_to_coverage=self.seconds_to_coverage),
            "config": cfg,
        }


def _summarise(snap: Snapshot, hist: np.ndarray, steps: int, seconds: float) -> None:
    if len(hist):
        means = hist.mean(axis=0)
        snap.d_loss, snap.g_loss, snap.g_grad_norm, snap.fake_grad_norm = (
            float(v) for v in means)
    snap.steps_per_s = steps / seconds if seconds > 0 else None


class Record:
    """One run's growing record: snapshots, history, how it ended (`run` keeps one;
    compare's groups one per run, ganloss_viz.train.runner). Starts with the snapshot
    at step 0; ValueError if the initial generator's samples are not finite."""

    def __init__(self, st: RunState):
        first = st.snapshot(0, 0.0, True)
        if first is None:
            raise ValueError("the initial generator produced non-finite samples")
        self.snaps = [first]
        self.hist = np.zeros((0, len(HISTORY)), dtype=np.float32)
        self.done, self.snap_count = 0, 0
        self.diverged, self.message = False, None
        self.coverage = 0.0 if coverage_reached(first.metrics) else None

    def boundary(self, st: RunState, chunk: np.ndarray, start: int, done: int, seconds: float,
                 interval: float, last: bool, finite: bool) -> None:
        """Record steps start..done (history rows `chunk`, trained in `interval` seconds)
        and a snapshot of `st` at `done` (with metrics when `last`, the run's final one,
        or every metrics_every-th). A non-finite row, parameter (`finite` False) or
        sample ends the run as diverged at the first such step."""
        bad_rows = ~np.isfinite(chunk).all(axis=1)
        snap = None
        if finite and not bad_rows.any():
            self.snap_count += 1
            with_metrics = last or self.snap_count % st.cfg.metrics_every == 0
            snap = st.snapshot(done, seconds, with_metrics)
        if snap is None:
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
        self._check_coverage(snap)

    def complete(self, st: RunState) -> None:
        """Metrics for the last snapshot if it has none: it became the final one (a stop
        agreed at a snapshot boundary)."""
        last = self.snaps[-1]
        if not self.diverged and last.metrics is None:
            last.metrics = st.metrics()
            self._check_coverage(last)

    def _check_coverage(self, snap: Snapshot) -> None:
        if self.coverage is None and snap.metrics is not None and coverage_reached(snap.metrics):
            self.coverage = snap.seconds

    def result(self, st: RunState, seconds: float, stopped: bool, wall0: float) -> TrainResult:
        """The run's TrainResult: `seconds` of training, `wall0` its start (perf_counter)."""
        metrics = next((s.metrics for s in reversed(self.snaps) if s.metrics is not None), {})
        return TrainResult(
            config=st.cfg, device=st.device.type, steps=self.done, seconds=seconds,
            wall_seconds=time.perf_counter() - wall0, frame=st.frame, snapshots=self.snaps,
            history={name: self.hist[:, i].copy() for i, name in enumerate(HISTORY)},
            diverged=self.diverged, stopped=stopped, message=self.message,
            seconds_to_coverage=self.coverage, metrics=dict(metrics), generator=st.G,
            discriminator=st.D)
