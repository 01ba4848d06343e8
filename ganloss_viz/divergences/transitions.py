"""Graded breaks around a sharp crossing of the two densities inside a wide panel.

Where log p − log q changes sign, integrands such as JS's turn from following one law
to following the other (log(2p/(p + q)) bends over |log p − log q| ≲ 2). The laws'
quantiles put panels where their mass is, not where they cross: a normal of weight
1e-115 and scale 2677 crosses an exponential near x = 2050, inside a panel 1075 wide
over which log p − log q falls by 139, and 12-point panels that wide left JS's
derivative in that weight 7e-5 off (the value, weighted by 1e-115 there, was right).
The crossing is found by bisection and breaks are graded from the distance d at which
|log p − log q| reaches 1: root, root ± d·2^k inside its panel.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch

from .nodes import crossings

SHARP = 1.0       # |Δ log(p/q)| between neighbouring nodes at a sign change: unresolved
STEPS = 40        # graded breaks on each side of a crossing, at most


def _sharp(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    # (a support end, where one log-density is −inf, is a jump, not a crossing)
    with np.errstate(invalid="ignore", over="ignore"):
        return (a * b < 0) & (np.abs(b - a) > SHARP) & np.isfinite(a - b)


def sharp_crossings(x: torch.Tensor, lr: torch.Tensor) -> bool:
    """Whether log p − log q (`lr`, at the nodes x of one row, in the node set's own
    order) may change sign by more than SHARP between neighbouring nodes: the cheap
    test of every single value (neighbours in that order are mostly neighbours in x;
    `crossing_breaks` sorts)."""
    v = lr.numpy()
    return bool(_sharp(v[:-1], v[1:]).any())


def crossing_breaks(lr: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor,
                    values: torch.Tensor, breaks: torch.Tensor) -> torch.Tensor:
    """Detached breaks graded around each sharp sign change of log p − log q (`lr`;
    `values` at the nodes x) inside the panels whose ends are `breaks`, one row."""
    with torch.no_grad():
        b = breaks.detach().reshape(-1)
        order = torch.argsort(x.detach())
        xs, v = x.detach()[order], values[order]
        sharp = torch.from_numpy(_sharp(v[:-1].numpy(), v[1:].numpy()))
        if not bool(sharp.any()):
            return b[:0]
        # one bracket a row: each row's single sign change, its root by `crossings`
        root = crossings(lr, torch.stack([xs[:-1][sharp], xs[1:][sharp]], -1))[:, 0]
        # the panel each root lies in
        k = torch.searchsorted(b, root).clamp(1, b.shape[-1] - 1)
        a_end, b_end = b[k - 1], b[k]
        # halvings of the panel down to 2^-60 of it, and of 1 where it is wider (a panel
        # 2.7e18 wide with a crossing whose |log p − log q| reaches 1 within 3)
        width = (b_end - a_end).unsqueeze(-1)
        halvings = 60 + max(0, math.ceil(math.log2(max(float(width.max()), 1.0))))
        d = width * 2.0 ** -torch.arange(halvings, dtype=torch.float64)
        r = root.unsqueeze(-1)
        reach = torch.maximum(lr(r - d).abs(), lr(r + d).abs())
        d1 = torch.where(reach <= 1.0, d, torch.zeros_like(d)).amax(-1, keepdim=True)
        steps = d1 * 2.0 ** torch.arange(STEPS, dtype=torch.float64)
        out = torch.cat([r, r - steps, r + steps], -1)
        keep = (d1 > 0) & (out > a_end.unsqueeze(-1)) & (out < b_end.unsqueeze(-1))
        return out[keep]
