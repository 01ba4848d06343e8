"""K GAN runs trained as one batched computation (the engine of `compare`).

Each run is the run `ganloss_viz.train.run` would make of its config (same initial
weights, data, noise, optimizer and loss), but the K generators and discriminators are
stacked (ganloss_viz.train.stacked.Stack) so every layer of every pass is one batched
matrix product over the runs, and each run's loss acts on its slice of the stacked
(K, rows, 1) outputs (one autograd call for all of them): the steps are the single-run
engine's own (`ganloss_viz.train.step.Steps`), on the stacks.

Runs are reordered internally by n_critic, largest first, so that the runs still doing
critic step j are a prefix of the stack (a view); within one n_critic the runs with a
penalty are kept together (so the penalty pass covers a contiguous range) and the
others, which draw the same data and noise, share one stream of it. Results come back
in the caller's order.

A run draws data and noise exactly as the single-run engine does (RunState.refill):
runs with the same n_critic see the same real batches and noise rows at every step; a
run with a penalty that draws random numbers (WGAN-GP's ε) keeps its own stream
because those draws interleave with its noise.
"""

from __future__ import annotations

import torch

from .engine import RunState
from .optim import make_optimizer
from .stacked import Stack
from .step import Steps


class Stream:
    """One run's data and noise as the single-run engine draws them (its RunState)."""

    def __init__(self, st: RunState, runs: range):
        self.st, self.runs = st, runs

    def next(self) -> tuple[torch.Tensor, torch.Tensor]:
        return self.st.next_batch()


def run_order(states: list[RunState]) -> list[int]:
    """The internal order: n_critic descending; penalty runs last in the first n_critic
    group, first in the next, and so on (so those of two adjacent groups are adjacent)."""
    levels = sorted({st.n_critic for st in states}, reverse=True)
    order = []
    for i, level in enumerate(levels):
        group = [r for r, st in enumerate(states) if st.n_critic == level]
        group.sort(key=lambda r: (states[r].penalty is not None) != (i % 2 == 1))
        order += group
    return order


def _span(flags: list[bool]) -> slice | None:
    """The smallest range covering every True index (None if none)."""
    idx = [i for i, f in enumerate(flags) if f]
    return slice(idx[0], idx[-1] + 1) if idx else None


class Batch:
    """The K runs' stacked networks, optimizers, streams and per-step buffers."""

    def __init__(self, states: list[RunState]):
        self.states = states
        K, st0 = len(states), states[0]
        self.K, self.B, dev = K, st0.batch, st0.device
        self.G = Stack([st.G for st in states])
        self.D = Stack([st.D for st in states])
        opt_g = [make_optimizer(st.cfg.optimizer, self.G.flat[r], st.cfg.lr_g, st.cfg.betas)
                 for r, st in enumerate(states)]
        opt_d = [make_optimizer(st.cfg.optimizer, self.D.flat[r], st.cfg.lr_d, st.cfg.betas)
                 for r, st in enumerate(states)]
        self.steps = Steps(self.G, self.D, states, opt_g, opt_d)
        n_critic = [st.n_critic for st in states]
        self.prefix = [sum(n > j for n in n_critic) for j in range(max(n_critic))]
        self.streams: list[Stream] = []
        for r, st in enumerate(states):
            last = self.streams[-1] if self.streams else None
            if (last is not None and st.penalty is None and last.st.penalty is None
                    and last.st.n_critic == st.n_critic):
                last.runs = range(last.runs.start, r + 1)
            else:
                self.streams.append(Stream(st, range(r, r + 1)))
        pen = [st.penalty is not None for st in states]
        self.pen_spans = [_span(pen[:k]) for k in self.prefix]
        self.real_span = _span([st.g_uses_real for st in states])
        dim, nd = st0.target.dim, st0.cfg.noise_dim
        self.x = torch.empty(K, 2 * self.B, dim, device=dev)     # [real; fake] per run
        self.z = torch.empty(K, self.B, nd, device=dev)
        self.pts = torch.empty(K, self.B, dim, device=dev)       # penalty points
        self.d_val = torch.zeros(K, device=dev)

    def iterate(self, hist_row: torch.Tensor) -> None:
        """One generator step of every run (each after its n_critic D steps)."""
        B = self.B
        for j, k in enumerate(self.prefix):
            for stream in self.streams:
                if stream.runs.start >= k:
                    break
                real, z = stream.next()
                rs = slice(stream.runs.start, stream.runs.stop)
                self.x[rs, :B] = real
                self.z[rs] = z
            fake = self.G.forward_fast(self.z, slice(0, k))
            self.x[:k, B:] = fake
            self.d_step(k, self.pen_spans[j])
        self.g_step(hist_row)

    def d_step(self, k: int, pen: slice | None) -> None:
        """The critic step of the first k runs; `pen`: the range of them with a penalty."""
        B = self.B
        if pen is not None:
            for r in range(pen.start, pen.stop):
                st = self.states[r]
                if st.penalty is None:      # inside the range, no penalty: any finite points
                    self.pts[r] = self.x[r, :B]
                else:
                    self.pts[r] = st.penalty.points(self.x[r, :B], self.x[r, B:], st.noise_gen)
        values = self.steps.d_step(self.x, slice(0, k), None if pen is None else self.pts, pen)
        torch.stack(values, out=self.d_val[:k])

    def g_step(self, hist_row: torch.Tensor) -> None:
        B, span = self.B, self.real_span
        real = None if span is None else self.x[:, :B]
        values, dx = self.steps.g_step(real, self.x[:, B:], span)
        self.steps.record(hist_row, self.d_val, torch.stack(values), dx)

    def params_finite(self) -> list[bool]:
        ok = torch.isfinite(self.G.flat).all(1) & torch.isfinite(self.D.flat).all(1)
        return ok.tolist()

    def sync_networks(self, r: int) -> None:
        """Copy run r's stacked parameters into its RunState's G and D (for snapshots)."""
        self.G.copy_to(r, self.states[r].G)
        self.D.copy_to(r, self.states[r].D)


class Single:
    """One run with Batch's interface, on the single-run engine: a group of one run
    gains nothing from stacking, and its (1, ...) batched passes cost 2-20% more than
    the engine's own (measured with wgan_gp, the run that compare's time hangs on)."""

    K = 1

    def __init__(self, state: RunState):
        self.state = state

    def iterate(self, hist_row: torch.Tensor) -> None:
        self.state.iterate(hist_row[0])

    def params_finite(self) -> list[bool]:
        return [self.state.params_finite()]

    def sync_networks(self, r: int) -> None:
        """Nothing to copy: the run trains its own networks."""


def batch_of(states: list[RunState]) -> Batch | Single:
    """The runs as one Batch, or a Single for one run."""
    return Single(states[0]) if len(states) == 1 else Batch(states)


__all__ = ["Batch", "Single", "Stream", "batch_of", "run_order"]
