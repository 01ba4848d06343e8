"""The training step, written once: the discriminator and generator steps of one run
(`engine.RunState`, on its two MLPs) or of K runs trained together (`batched.Batch`, on
`stacked.Stack`s of their MLPs).

A discriminator step: D's one pass over the concatenated real and fake batch (each
run's [real; fake] rows), autograd differentiates each run's d_loss with respect to
D's (rows, 1) outputs only (so ANY loss object works), D's hand-written backward turns
that into the parameter gradient; a gradient penalty (R1, GP, LP) on a relu /
leaky-relu D is differentiated by hand too (`ganloss_viz.models.Passes`); then each
run's optimizer steps on its flat vector and its weight clip, if any, applies. A
generator step backpropagates the g_loss through D without D's parameter gradients and
on through G. The passes of `ganloss_viz.models.Passes` run 2-D products for one
network and batched ones for a stack, so the same lines serve both, and one run's step
is made of exactly the operations of plain 2-D code.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch

from ..models import Passes
from .optim import FlatOptimizer

if TYPE_CHECKING:                   # engine imports this module
    from .engine import RunState


def descend(opt: FlatOptimizer, grad: torch.Tensor, param: torch.Tensor,
            clip: float | None) -> None:
    """One optimizer step of `param` along `grad`, then the loss's weight clip, if any."""
    opt.step(grad)
    if clip is not None:
        param.clamp_(-clip, clip)


def _of(seq: Sequence, runs: slice | None) -> Sequence:
    """The entries of `seq` (one per run) of the runs `runs` (None: all)."""
    return seq if runs is None else seq[runs]


class Steps:
    """The steps of the runs that share the networks G and D.

    G, D: one run's MLPs, or Stacks of K runs' MLPs (run r is row r); states: the runs'
    RunStates in that order (each run's loss, output cap, penalty, clip and batch size,
    read at every step, so a steered run's new loss applies at once); opt_g, opt_d: one
    optimizer per run, on its parameters.
    """

    def __init__(self, G: Passes, D: Passes, states: list[RunState], opt_g: list[FlatOptimizer],
                 opt_d: list[FlatOptimizer]):
        self.G, self.D, self.states = G, D, states
        self.opt_g, self.opt_d = opt_g, opt_d
        stacked = D.flat.dim() == 2
        rows = list if stacked else lambda t: [t]
        self.params_d = rows(D.flat.detach())
        self.grads_g, self.grads_d = rows(G.grad), rows(D.grad)
        # each run's part of a pass's output: (rows, out) per run of a (K, rows, out) stack
        self._parts = torch.unbind if stacked else lambda t: (t,)

    def d_step(self, x: torch.Tensor, runs: slice | None = None,
               points: torch.Tensor | None = None,
               pen_runs: slice | None = None) -> list[torch.Tensor]:
        """One discriminator step of the runs `runs` (None: all) on x, each run's [real;
        fake] batch ((2B, dim), or (K, 2B, dim) for a stack of which rows `runs` are read).

        points: where the penalties are evaluated (None: no run in `runs` has one), for
        the runs `pen_runs` (a run there without a penalty is given any finite points and
        skipped). Returns each run's loss (without the penalty), on the device.
        """
        D, states = self.D, _of(self.states, runs)
        B = states[0].batch
        out = D.forward_fast(x, runs).detach().requires_grad_()
        values = []
        for st, part in zip(states, self._parts(out), strict=True):
            seen = st.output(part)
            values.append(st.loss.d_loss(seen[:B], seen[B:]))
        (g,) = torch.autograd.grad(values, out)
        D.backward_fast(g, runs=runs)
        if points is not None:
            D.forward_fast(points, pen_runs)
            gx = D.input_grad_fast(pen_runs).detach().requires_grad_()
            terms = [st.penalty.of_gradient(part) for st, part in
                     zip(_of(self.states, pen_runs), self._parts(gx), strict=True)
                     if st.penalty is not None]
            (r,) = torch.autograd.grad(terms, gx)
            D.penalty_backward_fast(r, pen_runs)
        for st, opt, grad, param in zip(states, _of(self.opt_d, runs), _of(self.grads_d, runs),
                                        _of(self.params_d, runs), strict=True):
            descend(opt, grad, param, st.clip)
        return [v.detach() for v in values]

    def g_step(self, real: torch.Tensor | None, fake: torch.Tensor,
               real_runs: slice | None = None) -> tuple[list[torch.Tensor], torch.Tensor]:
        """One generator step of every run; `fake` must be G's output of its last pass.

        real: D's inputs on real data for the runs `real_runs`, those whose g_loss reads
        D(real) (None: no run's does). Returns each run's loss, on the device, and the
        loss's gradient at the fakes (D's input gradient: a buffer the next pass reuses).
        """
        D, G = self.D, self.G
        reals: list[torch.Tensor | None] = [None] * len(self.states)
        if real is not None:
            parts = self._parts(D.forward_fast(real, real_runs).clone())
            first = 0 if real_runs is None else real_runs.start
            reals[first:first + len(parts)] = parts
        out = D.forward_fast(fake).detach().requires_grad_()
        values = [st.loss.g_loss(st.output(part), st.output(ro) if st.g_uses_real else None)
                  for st, part, ro in zip(self.states, self._parts(out), reals, strict=True)]
        (g,) = torch.autograd.grad(values, out)
        dx = D.backward_fast(g, param_grad=False, input_grad=True)
        G.backward_fast(dx)
        for opt, grad in zip(self.opt_g, self.grads_g, strict=True):
            opt.step(grad)
        return [v.detach() for v in values], dx

    def record(self, row: torch.Tensor, d_loss: torch.Tensor, g_loss: torch.Tensor,
               dx: torch.Tensor) -> None:
        """Write each run's step into `row` (ganloss_viz.train.record.HISTORY's order):
        the losses (0-d for one run, (K,) for a stack), ‖∇θ L_G‖, and Σ_i ‖∇_{x_i} L_G‖
        from dx of `g_step` (the per-sample gradient is B · dx_i, so the mean of its
        norms is this sum)."""
        torch.stack([d_loss, g_loss, torch.linalg.vector_norm(self.G.grad, dim=-1),
                     torch.linalg.vector_norm(dx, dim=-1).sum(-1)], dim=-1, out=row)
