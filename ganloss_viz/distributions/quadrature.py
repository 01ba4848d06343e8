"""Gauss-Legendre rules on panels, shared by CDFs and the divergence engine."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch


@lru_cache(maxsize=16)
def gauss_legendre(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Nodes in (0, 1) and weights summing to 1 (float64), ascending."""
    x, w = np.polynomial.legendre.leggauss(n)
    return (torch.tensor((x + 1) / 2, dtype=torch.float64),
            torch.tensor(w / 2, dtype=torch.float64))


def panel_nodes(a: torch.Tensor, b: torch.Tensor, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Nodes and weights of an n-point rule on each panel [a, b]: (..., K) -> (..., K, n)."""
    t, w = gauss_legendre(n)
    h = (b - a).unsqueeze(-1)
    return a.unsqueeze(-1) + h * t, h * w


def tail_nodes(edge: torch.Tensor, scale: torch.Tensor, n: int, side: int
               ) -> tuple[torch.Tensor, torch.Tensor]:
    """Nodes and weights for [edge, +inf) (side=+1) or (-inf, edge] (side=-1).

    Maps t in (0, 1) to x = edge + side * scale * t / (1 - t); the Jacobian makes
    power-law and Gaussian tails smooth in t.
    """
    t, w = gauss_legendre(n)
    s = scale.unsqueeze(-1)
    x = edge.unsqueeze(-1) + side * s * t / (1 - t)
    return x, s * w / (1 - t) ** 2
