"""Infinite values from tails and from singular support ends: in 1-D decided
analytically (`analytic.tails_diverge`), in the plane exactly for Gaussian mixtures
(`tails2d`) and otherwise by probing the dominant term far out.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ..distributions.measure import Measure1D, Measure2D
from .analytic import tails_diverge
from .fdivs import Integrand
from .tails2d import gaussian_tails_diverge

_R = (1e20, 1e40)


def _grows(s_near: torch.Tensor, s_far: torch.Tensor, log_ratio: float) -> torch.Tensor:
    """x·h(x) (in logs, s) does not decay from `near` to `far`: the integral diverges."""
    ok = torch.isfinite(s_near) & torch.isfinite(s_far)
    return ok & (s_far >= s_near - 1e-3 * log_ratio)


def _diverges_1d(h: Integrand, P: Measure1D, Q: Measure1D) -> torch.Tensor:
    if not h.tail_forms:
        return torch.zeros((), dtype=torch.bool)
    return tails_diverge(h.tail_forms, h.tail_diff, P, Q)


def _align(a: np.ndarray, b: np.ndarray):
    batch = np.broadcast_shapes(a.shape[:-1], b.shape[:-1])
    return np.broadcast_to(a, batch + a.shape[-1:]), np.broadcast_to(b, batch + b.shape[-1:])


def _diverges_2d(h: Integrand, P: Measure2D, Q: Measure2D) -> torch.Tensor:
    """The tail rule in the plane: exact for mixtures of Gaussians (tails2d.py), else a
    probe of the dominant term at radii 1e20 and 1e40 spans in 16 directions."""
    if not h.tail_forms:
        return torch.zeros((), dtype=torch.bool)
    exact = gaussian_tails_diverge(h.tail_forms, P, Q)
    if exact is not None:
        return exact
    with torch.no_grad():
        xs = np.concatenate(_align(P.mesh_np(0), Q.mesh_np(0)), -1)
        ys = np.concatenate(_align(P.mesh_np(1), Q.mesh_np(1)), -1)
        centre = torch.as_tensor(np.stack([(xs.min(-1) + xs.max(-1)) / 2,
                                           (ys.min(-1) + ys.max(-1)) / 2], -1))
        span = torch.as_tensor(np.maximum(xs.max(-1) - xs.min(-1),
                                          ys.max(-1) - ys.min(-1)) + 1.0)
        ang = torch.arange(16, dtype=torch.float64) * (2 * math.pi / 16)
        dirs = torch.stack([ang.cos(), ang.sin()], -1)                   # (16, 2)

        def s_at(r: float) -> torch.Tensor:
            rad = (span * r).unsqueeze(-1).unsqueeze(-1)
            xy = centre.unsqueeze(-2) + rad * dirs
            return (h.tail_log(P.log_density(xy), Q.log_density(xy))
                    + 2 * torch.log(rad.squeeze(-1)))

        grows = _grows(s_at(_R[0]), s_at(_R[1]), 2 * math.log(_R[1] / _R[0]))
        return grows.any(-1)
