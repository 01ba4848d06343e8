"""K MLPs of one architecture as one stacked network: the batched trainer's networks.

`Stack(nets)` copies K `ganloss_viz.models.MLP`s (same sizes and activation) into one
(K, n) parameter tensor `flat` (row r = network r's `flat`, same layout), with per-layer
views W_l (K, out, in) and b_l (K, 1, out). Its forward / backward / penalty passes are
the MLP's own (`ganloss_viz.models.Passes`), which on these 3-D views make every
matrix product a batched one (torch.baddbmm / bmm over the K networks) and act on a
contiguous range of the networks `runs` (a slice of the stack: a view, never a copy).
"""

from __future__ import annotations

import torch

from ..models import MLP, Passes


class Stack(Passes):
    """K networks' parameters stacked into `flat` (K, n); gradients in `grad` (K, n)."""

    def __init__(self, nets: list[MLP]):
        first = nets[0]
        if any(m.sizes != first.sizes or m.activation != first.activation for m in nets):
            raise ValueError("a Stack needs networks of one architecture")
        self.K, self.sizes, self.activation = len(nets), first.sizes, first.activation
        self.flat = torch.stack([m.flat.detach() for m in nets])
        self.grad = torch.zeros_like(self.flat)
        K = self.K
        pairs = list(zip(first._slices, first.shapes, strict=True))
        self._set_views([self.flat[:, a:b].view(K, o, i) for (a, b, _), (o, i) in pairs],
                        [self.flat[:, b:c].unsqueeze(1) for a, b, c in first._slices],
                        [self.grad[:, a:b].view(K, o, i) for (a, b, _), (o, i) in pairs],
                        [self.grad[:, b:c] for a, b, c in first._slices])

    def copy_to(self, r: int, net: MLP) -> None:
        """Write network r's parameters into `net` (an MLP of the same architecture)."""
        net.flat.detach().copy_(self.flat[r])
