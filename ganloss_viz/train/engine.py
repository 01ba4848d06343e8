"""The training step: `RunState` holds one run's networks, optimizers and streams and
makes its iterations (`ganloss_viz.train.trainer` drives it from a config to a result).

One generator step (an "iteration") is n_critic discriminator steps followed by one
generator step that reuses the last discriminator step's noise (the usual DCGAN /
WGAN loop):

  for each critic step: x ~ target, z ~ N(0, I), D descends d_loss(D(x), D(G(z)))
      (+ the loss's penalty; then its weight clip, if any);
  G descends g_loss(D(G(z)), D(x)) with the updated D.

The step is written for speed (benchmarks/train.py measures it against a plain
PyTorch loop): its discriminator and generator steps are `ganloss_viz.train.step`'s
(the same code trains K runs together in `compare`), on the hand-written forward /
backward of ganloss_viz.models; optimizers act on one flat vector per network
(ganloss_viz.train.optim), data and noise are drawn in blocks of about BLOCK_ROWS rows,
and nothing reads a value back from the device inside the loop: per-step losses and
gradient norms are written into a device tensor and read at snapshots. A penalised
loss on a D with a smooth activation (tanh, elu) takes the autograd path for the
discriminator step. Devices and CPU settings are in `.device`; the growing record of a
run (`Record`) in `.record`.

Finiteness is checked at every snapshot: a non-finite loss, gradient norm, parameter
or generated sample ends the run with diverged=True and the message "diverged at step
N" (N the first step whose recorded loss or gradient norm is not finite, or the
snapshot's step when only a parameter or sample is), keeping the snapshots before it.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from ..losses import Loss
from ..losses.base import soft_cap
from ..metrics import evaluate
from ..models import MLP, make_discriminator, make_generator
from ..targets import Target
from .config import TrainConfig
from .optim import make_optimizer
from .record import Frame, Snapshot
from .step import Steps, descend

BLOCK_ROWS = 1 << 15          # data / noise rows drawn at once
CALLBACK_INTERVAL = 0.2       # seconds between progress callbacks (plus one per snapshot)
STOP_POLL = 0.1               # seconds between should_stop() calls
EXTENT_FACTOR = 1.25          # plot window: EXTENT_FACTOR * target.scale
LATTICE_2D, LATTICE_1D, LATTICE_SPAN = 21, 201, 2.0


class Clock:
    """When a training loop's next progress callback and stop poll are due: at most
    every `callback_every` and `poll_every` seconds, counted from the clock's start."""

    def __init__(self, callback_every: float = CALLBACK_INTERVAL,
                 poll_every: float = STOP_POLL):
        now = time.perf_counter()
        self.every = {"callback": callback_every, "poll": poll_every}
        self.next = {name: now + every for name, every in self.every.items()}

    def _due(self, name: str, now: float) -> bool:
        if now < self.next[name]:
            return False
        self.next[name] = now + self.every[name]
        return True

    def callback_due(self, now: float) -> bool:
        return self._due("callback", now)

    def poll_due(self, now: float) -> bool:
        return self._due("poll", now)


def g_uses_real(loss: Loss) -> bool:
    """Whether the loss's g_loss reads real_out (declared by the loss; see Loss.g_uses_real)."""
    return bool(loss.g_uses_real)


def noise_lattice(noise_dim: int, device) -> tuple[torch.Tensor, tuple[int, ...], str]:
    """The noise points whose image under G is drawn as the generator's "manifold".

    noise_dim 1: LATTICE_1D points on [-2, 2]; otherwise a LATTICE_2D x LATTICE_2D
    lattice of [-2, 2]^2 in the first two noise coordinates, the others 0 (for
    noise_dim > 2 the image of a plane through the noise mean). Returns the points
    (n, noise_dim), the lattice shape and a description.
    """
    if noise_dim == 1:
        z = torch.linspace(-LATTICE_SPAN, LATTICE_SPAN, LATTICE_1D).reshape(-1, 1)
        return z.to(device), (LATTICE_1D,), "G(z) for z on [-2, 2] (201 points)"
    t = torch.linspace(-LATTICE_SPAN, LATTICE_SPAN, LATTICE_2D)
    zy, zx = torch.meshgrid(t, t, indexing="ij")
    z = torch.zeros(LATTICE_2D * LATTICE_2D, noise_dim)
    z[:, 0], z[:, 1] = zx.reshape(-1), zy.reshape(-1)
    text = "G on a 21×21 lattice of [−2, 2]² in noise coordinates 1-2"
    if noise_dim > 2:
        text += f", the other {noise_dim - 2} at 0"
    return z.to(device), (LATTICE_2D, LATTICE_2D), text


class RunState:
    """Everything one run holds: networks, optimizers, random streams, buffers, fixed inputs."""

    def __init__(self, cfg: TrainConfig, device: torch.device):
        self.cfg, self.device = cfg, device
        self.target: Target = cfg.target_object()
        dim = self.target.dim
        seeds = [int(s) for s in np.random.SeedSequence(cfg.seed).generate_state(4)]
        init_gen = torch.Generator().manual_seed(seeds[0])
        self.G: MLP = make_generator(cfg.noise_dim, dim, cfg.width, cfg.depth, cfg.activation,
                                     init_gen, device)
        self.D: MLP = make_discriminator(dim, cfg.width, cfg.depth, cfg.activation, init_gen,
                                         device)
        self.opt_g = make_optimizer(cfg.optimizer, self.G.flat.detach(), cfg.lr_g, cfg.betas)
        self.opt_d = make_optimizer(cfg.optimizer, self.D.flat.detach(), cfg.lr_d, cfg.betas)
        self.steps = Steps(self.G, self.D, [self], [self.opt_g], [self.opt_d])
        self.data_gen = torch.Generator().manual_seed(seeds[1])
        self.noise_gen = torch.Generator(device=device).manual_seed(seeds[2])
        self.batch = cfg.batch
        rows = cfg.batch * cfg.n_critic
        self.block_iters = max(1, BLOCK_ROWS // rows)
        self.pos, self.block_len = 0, 0
        self.real_block = self.noise_block = None
        self.configure(cfg)
        # fixed inputs of the snapshots
        fixed = torch.Generator().manual_seed(seeds[3])
        self.z_fixed = torch.randn(cfg.points, cfg.noise_dim, generator=fixed).to(device)
        self.z_metric = torch.randn(cfg.metric_samples, cfg.noise_dim, generator=fixed).to(device)
        real = self.target.sample(cfg.points, fixed)
        self.real_fixed = real.to(device)
        self.lattice, lattice_shape, lattice_text = noise_lattice(cfg.noise_dim, device)
        self.lattice_shape = lattice_shape
        extent = EXTENT_FACTOR * self.target.scale
        n_axis = cfg.grid if dim == 2 else 4 * cfg.grid
        axis = torch.linspace(-extent, extent, n_axis, dtype=torch.float64)
        if dim == 2:
            gy, gx = torch.meshgrid(axis, axis, indexing="ij")
            pts = torch.stack([gx.reshape(-1), gy.reshape(-1)], 1)
            shape = (cfg.grid, cfg.grid)
        else:
            pts, shape = axis.reshape(-1, 1), (n_axis,)
        self.grid_points, self.grid_shape = pts.to(device, torch.float32), shape
        dens = self.target.density(pts) if self.target.has_density else None
        modes = self.target.modes
        self.frame = Frame(
            dim=dim, extent=float(extent), axis=axis.numpy().astype(np.float32),
            target_density=None if dens is None else dens.reshape(shape).numpy(),
            real=real.numpy(), modes=None if modes is None else modes.numpy(),
            mode_std=self.target.mode_std, manifold=lattice_text)

    def configure(self, cfg: TrainConfig) -> None:
        """Take the steerable settings of `cfg` (ganloss_viz.train.schedule.STEERABLE):
        the loss (with its penalty, weight clip and output cap), the critic steps and
        the learning rates; the networks, optimizer states and random streams go on."""
        self.cfg = cfg
        self.loss: Loss = cfg.loss_object()
        self.n_critic = cfg.n_critic
        self.opt_g.set_lr(cfg.lr_g)
        self.opt_d.set_lr(cfg.lr_d)
        self.g_uses_real = g_uses_real(self.loss)
        self.clip = self.loss.clip
        self.cap = self.loss.output_cap
        self.penalty = self.loss.penalty
        # a penalty (of_gradient(∇_x D) at points(...), losses.penalties.Penalty) on a
        # piecewise-linear D is differentiated by hand (see ganloss_viz.models)
        self.fast_penalty = self.penalty is not None and self.D.piecewise_linear

    # ------------------------------------------------------------------- data

    def refill(self) -> None:
        n = self.block_iters * self.batch * self.n_critic
        self.real_block = self.target.sample(n, self.data_gen).to(self.device)
        self.noise_block = torch.randn(n, self.cfg.noise_dim, generator=self.noise_gen,
                                       device=self.device)
        self.pos, self.block_len = 0, n

    def next_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The next real batch and noise batch of this run's streams (drawn in blocks)."""
        if self.pos >= self.block_len:
            self.refill()
        p, B = self.pos, self.batch
        self.pos = p + B
        return self.real_block[p:p + B], self.noise_block[p:p + B]

    # ------------------------------------------------------------------- steps

    def output(self, v: torch.Tensor) -> torch.Tensor:
        """What the loss sees of D's raw output v: v, or v capped softly (Loss.output_cap)."""
        return v if self.cap is None else soft_cap(v, self.cap)

    def d_step(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        """One discriminator step; returns its loss (without the penalty), on the device."""
        pen = self.penalty
        if pen is not None and not self.fast_penalty:
            return self.d_step_autograd(real, fake)
        points = None if pen is None else pen.points(real, fake, self.noise_gen)
        return self.steps.d_step(torch.cat([real, fake]), points=points)[0]

    def d_step_autograd(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        """`d_step` by torch.autograd through `MLP.forward` (the penalty by its double
        backward): the step of a penalised loss on a smooth D, which the hand-written
        penalty cannot take, and the reference benchmarks/train.py times the step against."""
        B, D, pen = self.batch, self.D, self.penalty
        out = self.output(D(torch.cat([real, fake])))
        value = self.loss.d_loss(out[:B], out[B:])
        total = value if pen is None else value + pen(D, real, fake, generator=self.noise_gen)
        (grad,) = torch.autograd.grad(total, D.flat)
        descend(self.opt_d, grad, D.flat.detach(), self.clip)
        return value.detach()

    def g_step(self, real: torch.Tensor, fake: torch.Tensor, watch: dict | None = None
               ) -> tuple[torch.Tensor, torch.Tensor]:
        """One generator step; `fake` must be the output of the last G.forward_fast.

        Returns the loss, on the device, and its gradient at the fakes (`Steps.g_step`).
        `watch` (a dict) receives "grad", the per-sample gradient of the loss at the fakes.
        """
        (value,), dx = self.steps.g_step(real if self.g_uses_real else None, fake)
        if watch is not None:
            watch["grad"] = dx * dx.shape[0]
        return value, dx

    def iterate(self, hist_row: torch.Tensor, watch: dict | None = None) -> None:
        """One generator step (n_critic D steps first); records into hist_row.

        `watch` (a dict, for a slow-motion view) receives the stages: D's values on the
        grid before and after its steps ("d_before", "d_after"), the last critic step's
        batch ("real", "fake", "z"), the generator loss's gradient at the fakes ("grad")
        and G on the same noise after its step ("moved")."""
        G = self.G
        if watch is not None:
            watch["d_before"] = self.d_grid()
        for _ in range(self.n_critic):
            real, z = self.next_batch()
            fake = G.forward_fast(z)
            d_value = self.d_step(real, fake)
        if watch is not None:
            watch.update(real=real.clone(), z=z.clone(), fake=fake.clone(),
                         d_after=self.d_grid())
        g_value, dx = self.g_step(real, fake, watch)
        self.steps.record(hist_row, d_value, g_value, dx)
        if watch is not None:
            with torch.no_grad():
                watch["moved"] = G(watch["z"])

    def lone_step(self, network: str) -> None:
        """One step of the discriminator ("d") or the generator ("g") alone, on the next
        batch of the run's streams (the app's Step D / Step G)."""
        real, z = self.next_batch()
        fake = self.G.forward_fast(z)
        if network == "d":
            self.d_step(real, fake)
        else:
            self.g_step(real, fake)

    # ------------------------------------------------------------------- snapshots

    def d_grid(self) -> torch.Tensor:
        """What the loss sees of D on the frame's grid (its landscape), grid-shaped."""
        with torch.no_grad():
            return self.output(self.D(self.grid_points)).reshape(self.grid_shape)

    def snapshot(self, step: int, seconds: float, with_metrics: bool) -> Snapshot | None:
        """The run's state now; None when a generated sample is not finite."""
        G, D, loss = self.G, self.D, self.loss
        d_values = self.d_grid()
        with torch.no_grad():
            samples = G(self.z_fixed)
            manifold = G(self.lattice).reshape(*self.lattice_shape, -1)
        if not (bool(torch.isfinite(samples).all()) and bool(torch.isfinite(manifold).all())):
            return None
        x = samples.detach().requires_grad_()
        real_out = self.output(D(self.real_fixed)).detach() if self.g_uses_real else None
        (grad,) = torch.autograd.grad(loss.g_loss(self.output(D(x)), real_out), x)
        grad = grad * x.shape[0]
        metrics = None
        if with_metrics:
            metrics = self.metrics()
            if metrics is None:
                return None
        cpu = lambda t: t.detach().to("cpu", torch.float32).numpy()  # noqa: E731
        return Snapshot(step=step, seconds=seconds, samples=cpu(samples), grad=cpu(grad),
                        d_values=cpu(d_values), manifold=cpu(manifold), metrics=metrics)

    def params_finite(self) -> bool:
        return bool(torch.isfinite(self.G.flat).all()) and bool(torch.isfinite(self.D.flat).all())

    def metrics(self) -> dict | None:
        """The metrics of G's samples at the fixed metric noise; None if one is not finite."""
        with torch.no_grad():
            samples = self.G(self.z_metric)
        if not bool(torch.isfinite(samples).all()):
            return None
        return evaluate(samples.cpu(), self.target)


__all__ = ["BLOCK_ROWS", "CALLBACK_INTERVAL", "STOP_POLL", "Clock", "RunState"]
