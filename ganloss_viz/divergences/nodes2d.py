"""Node sets in the plane: tensor meshes over two axes' breaks, products of 1-D node
sets, and Gauss-Hermite nodes for Gaussian mixtures.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ..distributions.continuous import MESH_LEVELS_2D
from ..distributions.measure import Measure2D, _cat
from .extensions import _batch_align
from .nodes import Nodes, _carried, _sorted_breaks, line_points, nodes_1d
from .precision import PANEL_NODES

N_PANEL_2D = 8
N_TAIL_2D = 12


def _axis_breaks(P: Measure2D, Q: Measure2D, axis: int) -> torch.Tensor:
    pts = np.concatenate(_batch_align(P.mesh_np(axis, MESH_LEVELS_2D),
                                      Q.mesh_np(axis, MESH_LEVELS_2D)), -1)
    # Merge near-duplicates (ring and grid modes share coordinates): per batch row.
    flat = pts.reshape(-1, pts.shape[-1])
    rows = []
    for r in flat:
        r = np.sort(r)
        tol = 1e-9 * (r[-1] - r[0] + 1.0)
        rows.append(r[np.concatenate([[True], np.diff(r) > tol])])
    k = max(len(r) for r in rows)
    merged = np.stack([np.pad(r, (0, k - len(r)), mode="edge") for r in rows])
    merged = merged.reshape(pts.shape[:-1] + (k,))
    jumps = _cat([P.jumps(axis), Q.jumps(axis)])
    return _carried(_sorted_breaks(merged, jumps), jumps)


MAX_MESH_2D = 400_000


def nodes_2d(P: Measure2D, Q: Measure2D, max_points: int | None = None) -> Nodes | None:
    """Tensor-product node set for the parts of P and Q with a density in the plane.

    None when it would exceed `max_points` (many narrow modes: see the Gauss-Hermite
    partition of unity below).
    """
    n = N_PANEL_2D if PANEL_NODES.get() >= 12 else 5
    bx, by = _axis_breaks(P, Q, 0), _axis_breaks(P, Q, 1)
    size = (bx.shape[-1] * n + 2 * N_TAIL_2D) * (by.shape[-1] * n + 2 * N_TAIL_2D)
    batch_size = int(np.prod(np.broadcast_shapes(bx.shape[:-1], by.shape[:-1])))
    if max_points is not None and size * batch_size > max_points:
        return None
    xs, wx = line_points(bx, n, N_TAIL_2D)
    ys, wy = line_points(by, n, N_TAIL_2D)
    batch = np.broadcast_shapes(xs.shape[:-1], ys.shape[:-1])
    xs, wx = xs.expand(*batch, xs.shape[-1]), wx.expand(*batch, wx.shape[-1])
    ys, wy = ys.expand(*batch, ys.shape[-1]), wy.expand(*batch, wy.shape[-1])
    gx = xs.unsqueeze(-1).expand(*batch, xs.shape[-1], ys.shape[-1])
    gy = ys.unsqueeze(-2).expand(*batch, xs.shape[-1], ys.shape[-1])
    xy = torch.stack([gx, gy], -1).flatten(-3, -2)
    w = (wx.unsqueeze(-1) * wy.unsqueeze(-2)).flatten(-2)
    return Nodes(xy, w, P.log_density(xy), Q.log_density(xy))


def nodes_product(P: Measure2D, Q: Measure2D, n: int | None = None) -> Nodes:
    """Node set of two products: the outer product of the factor node sets (all strata)."""
    nx = nodes_1d(P.factors[0], Q.factors[0], n=n)
    ny = nodes_1d(P.factors[1], Q.factors[1], n=n)

    def outer(a: torch.Tensor, b: torch.Tensor, op) -> torch.Tensor:
        batch = np.broadcast_shapes(a.shape[:-1], b.shape[:-1])
        a, b = a.expand(*batch, a.shape[-1]), b.expand(*batch, b.shape[-1])
        return op(a.unsqueeze(-1), b.unsqueeze(-2)).flatten(-2)

    add = torch.add
    xy = torch.stack([outer(nx.x, ny.x, lambda a, b: a + 0 * b),
                      outer(nx.x, ny.x, lambda a, b: b + 0 * a)], -1)
    return Nodes(xy, outer(nx.w, ny.w, torch.mul), outer(nx.lp, ny.lp, add),
                 outer(nx.lq, ny.lq, add))


N_HERMITE = 48


def nodes_gauss_mixture_2d(P: Measure2D, Q: Measure2D) -> Nodes | None:
    """Node set for two Gaussian mixtures in the plane, by a partition of unity.

    ∫ h = Σ_c ∫ h · r_c / (p + q), r_c the weighted density of component c of P or Q;
    each term is a Gaussian-weighted integral of a smooth function, done by a
    Gauss-Hermite rule in the component's own coordinates (a few hundred points per
    component instead of a tensor mesh over the whole box). None if not applicable.
    """
    gp, gq = P.gaussian_mixture(), Q.gaussian_mixture()
    if gp is None or gq is None:
        return None
    w = _cat([gp[0], gq[0]])
    means = _bcat(gp[1], gq[1], -2)
    covs = _bcat(gp[2], gq[2], -3)
    z, wz = np.polynomial.hermite.hermgauss(N_HERMITE if PANEL_NODES.get() >= 12 else 32)
    zz = torch.as_tensor(np.stack(np.meshgrid(z, z, indexing="ij"), -1).reshape(-1, 2))
    ww = torch.as_tensor(np.outer(wz, wz).reshape(-1) / np.pi)
    a, b, c = covs[..., 0, 0], covs[..., 0, 1], covs[..., 1, 1]
    l00 = torch.sqrt(a)
    l10 = b / l00
    l11 = torch.sqrt(c - l10 * l10)
    s2 = math.sqrt(2.0)
    x0 = means[..., 0:1] + s2 * l00.unsqueeze(-1) * zz[:, 0]
    x1 = means[..., 1:2] + s2 * (l10.unsqueeze(-1) * zz[:, 0] + l11.unsqueeze(-1) * zz[:, 1])
    xy = torch.stack([x0, x1], -1).flatten(-3, -2)                    # (..., C*K, 2)
    lp, lq = P.log_density(xy), Q.log_density(xy)
    ls = torch.logaddexp(lp, lq)
    wc = (w.unsqueeze(-1) * ww).flatten(-2)
    return Nodes(xy, wc * torch.exp(-ls), lp, lq)


def _bcat(a: torch.Tensor, b: torch.Tensor, dim: int) -> torch.Tensor:
    """Concatenate along `dim` (counted from the end) after broadcasting batch shapes."""
    k = -dim
    batch = np.broadcast_shapes(a.shape[:-k], b.shape[:-k])
    return torch.cat([a.expand(*batch, *a.shape[-k:]), b.expand(*batch, *b.shape[-k:])], dim)
