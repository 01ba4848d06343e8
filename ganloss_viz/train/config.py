"""`TrainConfig`: every setting of a training run, its defaults, validation and caps.

Settings left at None take the loss's declared defaults (`Loss.defaults`: optimizer,
learning rates, Adam's betas, critic steps, penalty weight) or the target's default
number of steps (DEFAULT_STEPS); `resolved()` returns the config with every one filled
in, and `to_dict()` those effective settings (what the CLI writes under "config").

Caps keep a shared (hosted) instance alive: steps, batch, width, depth, noise
dimension, number of snapshots (animation frames), grid side and points per snapshot
are bounded by CAPS, or by the tighter HOSTED_CAPS when `hosted=True`. A value over
its cap raises ValueError naming the setting, the value and the cap: caps are shown,
never silently applied.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

from ..losses import Loss, get
from ..losses.base import OPTIMIZERS
from ..models import ACTIVATIONS
from ..targets import Target, get_target
from .schedule import Event, check

DEVICES = ("auto", "cpu", "cuda")


@dataclass(frozen=True)
class Caps:
    """Upper bounds of the settings (see the module docstring)."""

    steps: int
    batch: int
    width: int
    depth: int
    noise_dim: int
    snapshots: int
    grid: int
    points: int
    metric_samples: int


CAPS = Caps(steps=50_000, batch=4096, width=512, depth=8, noise_dim=64, snapshots=300,
            grid=96, points=2000, metric_samples=10_000)
HOSTED_CAPS = Caps(steps=10_000, batch=1024, width=256, depth=4, noise_dim=16, snapshots=120,
                   grid=64, points=600, metric_samples=2500)

# Snapshots (animation frames) per run when snapshot_every is left at None.
DEFAULT_FRAMES = 60

# Default steps per named target, enough for the losses' default runs to reach it
# (benchmarks/train.py; width 128, depth 3, batch 256, each loss's defaults): on ring8
# the Adam-1e-3 losses cover all modes within 1000-2000 steps, wgan_gp holds 7-8 of 8
# modes from about step 1000 and ends 4000 steps with 8/8 (seeds 0-2); on grid25 ns_r1
# climbs to 22-25 of 25 by step 2000 and 25/25 by 8000 (seeds 0, 1); on trimodal ns_r1
# has all 3 modes (HQ > 0.6) from step 250 and W1 about 0.2 from step 1500.
DEFAULT_STEPS = {"ring8": 4000, "grid25": 8000, "bimodal": 2000, "trimodal": 3000}
DEFAULT_STEPS_2D, DEFAULT_STEPS_1D = 4000, 2000


def default_steps(target: Target) -> int:
    """The default number of steps for `target` (DEFAULT_STEPS, else by dimension)."""
    if target.name in DEFAULT_STEPS:
        return DEFAULT_STEPS[target.name]
    return DEFAULT_STEPS_2D if target.dim == 2 else DEFAULT_STEPS_1D


def _int(name: str, value, low: int, cap: int | None = None, hosted: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    if value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")
    if cap is not None and value > cap:
        which = "hosted cap" if hosted else "cap"
        raise ValueError(f"{name} = {value} exceeds the {which} of {cap}")


def _positive(name: str, value) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or \
            not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")


@dataclass(frozen=True)
class TrainConfig:
    """Settings of one GAN training run.

    loss: a loss name (see ganloss_viz.losses) or a Loss object; target: a target name,
    a 1-D / 2-D spec string or a Target; steps: generator steps (None: the target's
    default, see DEFAULT_STEPS); seed: fixes initialisation, data and noise; device:
    "auto" (CUDA when available, else CPU), "cpu" or "cuda".
    Networks: width (units per hidden layer, 128), depth (hidden layers, 3), activation
    (relu, leaky_relu, tanh, elu), noise_dim (2); batch (256) samples per step.
    Optimisation, None = the loss's defaults: optimizer, lr_g, lr_d, betas, n_critic
    (discriminator steps per generator step), penalty_weight (only for losses with a
    penalty).
    Snapshots: snapshot_every (steps between snapshots; None: about DEFAULT_FRAMES per
    run), points (generator samples per snapshot, fixed noise), grid (side of the 2-D
    grid of discriminator values; 1-D: 4·grid points on a line), metrics_every
    (metrics at every k-th snapshot and at the last), metric_samples (samples the
    metrics use, 2500 as in VEEGAN / PacGAN).
    threads: torch CPU threads during the run (restored after; None: leave torch's
    setting); 1 is fastest for these small networks on a shared CPU.
    hosted: use HOSTED_CAPS instead of CAPS.
    schedule: settings changed mid-run and lone D / G steps (`schedule.Event`s, in
    order of step; see ganloss_viz.train.schedule).
    """

    loss: str | Loss = "ns"
    target: str | Target = "ring8"
    steps: int | None = None
    seed: int = 0
    device: str = "auto"
    width: int = 128
    depth: int = 3
    activation: str = "relu"
    noise_dim: int = 2
    batch: int = 256
    optimizer: str | None = None
    lr_g: float | None = None
    lr_d: float | None = None
    betas: tuple[float, float] | None = None
    n_critic: int | None = None
    penalty_weight: float | None = None
    snapshot_every: int | None = None
    points: int = 500
    grid: int = 48
    metrics_every: int = 1
    metric_samples: int = 2500
    threads: int | None = 1
    hosted: bool = False
    schedule: tuple[Event, ...] = ()

    @property
    def caps(self) -> Caps:
        return HOSTED_CAPS if self.hosted else CAPS

    def loss_object(self) -> Loss:
        """The Loss, with penalty_weight applied when given."""
        loss = get(self.loss)
        if self.penalty_weight is not None and self.penalty_weight != loss.defaults.penalty_weight:
            loss = loss.with_penalty_weight(self.penalty_weight)
        return loss

    def target_object(self) -> Target:
        return get_target(self.target)

    def resolved(self) -> TrainConfig:
        """This config, validated, with every None setting replaced by its default."""
        if not isinstance(self.hosted, bool):
            raise ValueError(f"hosted must be True or False, got {self.hosted!r}")
        loss = self.loss_object()
        target = self.target_object()
        d = loss.defaults
        steps = default_steps(target) if self.steps is None else self.steps
        caps = self.caps
        _int("steps", steps, 1, caps.steps, self.hosted)
        every = self.snapshot_every
        if every is None:
            every = max(1, math.ceil(steps / DEFAULT_FRAMES))
        betas = d.betas if self.betas is None else tuple(float(b) for b in self.betas)
        cfg = replace(self, steps=steps, snapshot_every=every,
                      optimizer=d.optimizer if self.optimizer is None else self.optimizer,
                      lr_g=d.lr_g if self.lr_g is None else self.lr_g,
                      lr_d=d.lr_d if self.lr_d is None else self.lr_d,
                      betas=betas,
                      n_critic=d.n_critic if self.n_critic is None else self.n_critic,
                      penalty_weight=loss.defaults.penalty_weight)
        cfg.validate()
        if cfg.schedule:
            check(replace(cfg, schedule=()), tuple(cfg.schedule))
        return cfg

    def validate(self) -> None:
        """Raise ValueError naming the first bad setting (a resolved config: no None left)."""
        caps, hosted = self.caps, self.hosted
        _int("seed", self.seed, 0)
        if self.device not in DEVICES:
            raise ValueError(f"device must be one of {', '.join(DEVICES)}, got {self.device!r}")
        _int("steps", self.steps, 1, caps.steps, hosted)
        _int("batch", self.batch, 1, caps.batch, hosted)
        _int("width", self.width, 1, caps.width, hosted)
        _int("depth", self.depth, 1, caps.depth, hosted)
        _int("noise_dim", self.noise_dim, 1, caps.noise_dim, hosted)
        _int("points", self.points, 1, caps.points, hosted)
        _int("grid", self.grid, 2, caps.grid, hosted)
        _int("metric_samples", self.metric_samples, 10, caps.metric_samples, hosted)
        _int("metrics_every", self.metrics_every, 1)
        _int("snapshot_every", self.snapshot_every, 1)
        n_snap = self.n_snapshots
        if n_snap > caps.snapshots:
            least = math.ceil(self.steps / (caps.snapshots - 1))
            which = "hosted cap" if hosted else "cap"
            raise ValueError(f"{self.steps} steps with snapshot_every = {self.snapshot_every} "
                             f"make {n_snap} snapshots, over the {which} of {caps.snapshots}; "
                             f"use snapshot_every >= {least}")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation '{self.activation}'; known: "
                             f"{', '.join(ACTIVATIONS)}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, "
                             f"got {self.optimizer!r}")
        _positive("lr_g", self.lr_g)
        _positive("lr_d", self.lr_d)
        if len(self.betas) != 2 or not all(isinstance(b, float) and 0 <= b < 1
                                           for b in self.betas):
            raise ValueError(f"betas must be two numbers in [0, 1), got {self.betas!r}")
        _int("n_critic", self.n_critic, 1, 20)
        if self.threads is not None:
            _int("threads", self.threads, 1)

    @property
    def n_snapshots(self) -> int:
        """Snapshots of a full run: step 0, every snapshot_every steps, and the last step."""
        return 1 + math.ceil(self.steps / self.snapshot_every)

    def to_dict(self) -> dict:
        """The settings as plain data (loss and target by name), e.g. for JSON."""
        out = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name == "loss":
                v = get(v).name
            elif f.name == "target":
                v = get_target(v).name
            elif f.name == "betas" and v is not None:
                v = list(v)
            elif f.name == "schedule":
                v = [ev.to_dict() for ev in v]
            out[f.name] = v
        return out


__all__ = ["CAPS", "DEFAULT_FRAMES", "DEFAULT_STEPS", "DEVICES", "HOSTED_CAPS", "Caps",
           "TrainConfig", "default_steps"]
