"""K MLPs of one architecture as one stacked network: the batched trainer's networks.

`Stack(nets)` copies K `ganloss_viz.models.MLP`s (same sizes and activation) into one
(K, n) parameter tensor `flat` (row r = network r's `flat`, same layout), with per-layer
views W_l (K, out, in) and b_l (K, 1, out). Its forward / backward / penalty passes are
those of `MLP.forward_fast`, `backward_fast`, `input_grad_fast` and
`penalty_backward_fast` (see ganloss_viz.models for the chain rule they apply) with
every matrix product a batched one (torch.baddbmm / bmm over the K networks), acting on
a contiguous range of the networks `s` (a slice of the stack: a view, never a copy).

Inputs are full-stack buffers (K, rows, in) of which rows `s` are used, and every
layer's output is kept in a full-stack buffer per row count, so networks outside `s`
keep the activations of their own last pass: a backward over more networks than the
last forward (the generator step after critic steps on a prefix) sees each network's
own last forward.
"""

from __future__ import annotations

import torch

from ..models import ACTIVATIONS, MLP


class Stack:
    """K networks' parameters stacked into `flat` (K, n); gradients in `grad` (K, n)."""

    def __init__(self, nets: list[MLP]):
        first = nets[0]
        if any(m.sizes != first.sizes or m.activation != first.activation for m in nets):
            raise ValueError("a Stack needs networks of one architecture")
        self.K, self.sizes = len(nets), first.sizes
        self.piecewise_linear = first.piecewise_linear
        self._act_, _, self._act_back = ACTIVATIONS[first.activation]
        self.flat = torch.stack([m.flat.detach() for m in nets])
        self.grad = torch.zeros_like(self.flat)
        K = self.K
        self.W, self.WT, self.b, self.gW, self.gb = [], [], [], [], []
        for (a, b, c), (o, i) in zip(first._slices, first.shapes, strict=True):
            self.W.append(self.flat[:, a:b].view(K, o, i))
            self.WT.append(self.W[-1].transpose(1, 2))
            self.b.append(self.flat[:, b:c].unsqueeze(1))
            self.gW.append(self.grad[:, a:b].view(K, o, i))
            self.gb.append(self.grad[:, b:c])
        self.shapes = first.shapes
        self._views: dict[tuple, tuple] = {}
        self._bufs: dict[int, tuple] = {}

    def _params(self, s: slice) -> tuple:
        """(W, W^T, b, ∂W, ∂b) of networks s, per layer (views made once per range)."""
        key = (s.start, s.stop)
        views = self._views.get(key)
        if views is None:
            views = self._views[key] = tuple([t[s] for t in ts] for ts in (
                self.W, self.WT, self.b, self.gW, self.gb))
        return views

    def _scratch(self, rows: int, s: slice) -> tuple:
        """Views for networks s of the per-layer buffers for `rows` rows: outputs, two
        input-gradient buffers (so no activation backward writes over its input), and
        the penalty chain's δ, u / ρ and ρ W^T. Buffers are full-stack, made once."""
        bufs = self._bufs.get(rows)
        if bufs is None:
            dev, K = self.flat.device, self.K
            outs = [torch.empty(K, rows, o, device=dev) for o, _ in self.shapes]
            ins = [torch.empty(K, rows, i, device=dev) for _, i in self.shapes]
            bufs = self._bufs[rows] = (
                outs, ins, [torch.empty_like(t) for t in ins], [torch.empty_like(t) for t in outs],
                [torch.empty_like(t) for t in ins], [torch.empty_like(t) for t in outs])
        key = (rows, s.start, s.stop)
        views = self._views.get(key)
        if views is None:
            views = self._views[key] = tuple([t[s] for t in ts] for ts in bufs)
        return views

    def forward(self, xbuf: torch.Tensor, s: slice) -> torch.Tensor:
        """Outputs (len(s), rows, out) of networks s on xbuf[s] (xbuf: (K, rows, in)).

        Returns a buffer view reused by the next pass with the same row count.
        """
        acts = self._scratch(xbuf.shape[1], s)[0]
        _, WT, b, _, _ = self._params(s)
        h = xbuf[s]
        last = len(self.W) - 1
        for layer in range(last + 1):
            h = torch.baddbmm(b[layer], h, WT[layer], out=acts[layer])
            if layer < last:
                self._act_(h)
        self._x = xbuf
        return h

    def backward(self, grad_out: torch.Tensor, s: slice, param_grad: bool = True,
                 input_grad: bool = False) -> torch.Tensor | None:
        """Backpropagate grad_out (len(s), rows, out) through networks s (their last
        forward); param_grad writes into grad[s]; input_grad returns d/dx (a buffer)."""
        acts, d0, d1, *_ = self._scratch(self._x.shape[1], s)
        W, _, _, gW, gb = self._params(s)
        hs = [self._x[s]] + acts
        d = grad_out
        for layer in range(len(W) - 1, -1, -1):
            if param_grad:
                torch.bmm(d.transpose(1, 2), hs[layer], out=gW[layer])
                torch.sum(d, 1, out=gb[layer])
            if layer == 0 and not input_grad:
                return None
            d = torch.bmm(d, W[layer], out=d0[layer])
            if layer > 0:
                d = self._act_back(d, hs[layer], d1[layer])
        return d

    def input_grad(self, s: slice) -> torch.Tensor:
        """∂ output / ∂ x per row of the last forward of networks s (piecewise-linear,
        one output); keeps the chain for `penalty_backward`."""
        acts, _, _, deltas, us, _ = self._scratch(self._x.shape[1], s)
        W = self._params(s)[0]
        last = len(W) - 1
        deltas[last].fill_(1.0)
        for k in range(last, -1, -1):
            u = torch.bmm(deltas[k], W[k], out=us[k])
            if k > 0:
                self._act_back(u, acts[k - 1], deltas[k - 1])
        return us[0]

    def penalty_backward(self, r: torch.Tensor, s: slice) -> None:
        """Add ∂P/∂flat to grad[s], for r = ∂P/∂g at the last `input_grad` g of networks s."""
        acts, _, _, deltas, rhos, tmp = self._scratch(self._x.shape[1], s)
        _, WT, _, gW, _ = self._params(s)
        last = len(WT) - 1
        rho = r
        for k in range(last + 1):
            gW[k].baddbmm_(deltas[k].transpose(1, 2), rho)
            if k < last:
                t = torch.bmm(rho, WT[k], out=tmp[k])
                rho = self._act_back(t, acts[k], rhos[k + 1])

    def copy_to(self, r: int, net: MLP) -> None:
        """Write network r's parameters into `net` (an MLP of the same architecture)."""
        net.flat.detach().copy_(self.flat[r])
