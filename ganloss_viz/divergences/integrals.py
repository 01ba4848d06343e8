"""Lebesgue-decomposed integrals ∫ q f(p/q) over node sets, and infinity detection.

D_f = ∫_{p>0,q>0} q f(p/q) + P(q = 0)·f'(inf) + Q(p = 0)·f(0): on each node the
weights of the common part, of P alone and of Q alone are told apart by which
log-density is -inf (outside a support, or an atom of one measure only).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ..distributions.measure import Measure1D, Measure2D, _cat
from .fdivs import Integrand
from .nodes import MAX_MESH_2D, Nodes, nodes_1d, nodes_2d, nodes_gauss_mixture_2d, nodes_product
from .precision import EMBEDDED_ERROR

QUADRATURE = "quadrature"
SINGULAR = "analytic_singular"


def weighted_sum(h: Integrand, n: Nodes, extra_p: torch.Tensor | None = None,
                 extra_q: torch.Tensor | None = None
                 ) -> tuple[torch.Tensor, torch.Tensor, bool, float | None]:
    """(finite part, infinite mask, has common part, error) of the generalised integral.

    extra_p / extra_q: P-only / Q-only masses known outside the node set. The error
    is the disagreement with the node set's coarser rule, when it carries one.
    """
    fp, fq = torch.isfinite(n.lp), torch.isfinite(n.lq)
    both = fp & fq
    if extra_p is None and extra_q is None and bool(both.all()):
        # Both densities positive at every node: no singular parts, no masks.
        v = h.value(n.lp, n.lq)
        total = _wsum(n.w, v)
        error = None if n.w_coarse is None else _gap(total, _wsum(n.w_coarse, v))
        return total, ~torch.isfinite(total.detach()), True, error
    zero = torch.zeros_like(n.lp)
    lp = torch.where(both, n.lp, zero)
    lq = torch.where(both, n.lq, zero)
    v = torch.where(both, h.value(lp, lq), zero)
    ep = torch.where(both, torch.exp(lp), zero)
    eq = torch.where(both, torch.exp(lq), zero)
    live = n.w > 0
    has_p = (fp & ~fq & live).any(-1)
    has_q = (fq & ~fp & live).any(-1)
    if extra_p is not None:
        has_p = has_p | (extra_p.detach() > 0)
    if extra_q is not None:
        has_q = has_q | (extra_q.detach() > 0)
    inf = torch.zeros(v.shape[:-1], dtype=torch.bool)

    def assemble(w: torch.Tensor) -> torch.Tensor:
        # Mass of P where q = 0 (and of Q where p = 0) as one minus the common part:
        # exact when the parts are singular (its gradient is then 0, not quadrature noise).
        total = _wsum(w, v)
        for has, e, c in ((has_p, ep, h.fprime_inf), (has_q, eq, h.f0)):
            common = _wsum(w, e)
            mass = torch.where(has, (1 - common).clamp(min=0.0), torch.zeros_like(common))
            if not math.isinf(c):
                total = total + mass * c
        return total

    total = assemble(n.w)
    for has, e, c in ((has_p, ep, h.fprime_inf), (has_q, eq, h.f0)):
        if math.isinf(c):
            mass = (1 - _wsum(n.w, e)).detach()
            inf = inf | (has & (mass > 1e-300))
    inf = inf | ~torch.isfinite(total.detach())
    error = None if n.w_coarse is None else _gap(total, assemble(n.w_coarse))
    return total, inf, bool((both & live).any()), error


def _wsum(w: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Σ w·v where a zero weight (the other rule's node) ignores v, even an overflow."""
    return torch.where(w != 0, w * v, torch.zeros_like(v)).sum(-1)


def _gap(fine: torch.Tensor, rough: torch.Tensor) -> float:
    return float((fine.detach() - rough.detach()).abs().max())


def integral(h: Integrand, P, Q) -> tuple[torch.Tensor, torch.Tensor, str, float | None]:
    """The Lebesgue-decomposed integral of `h` for a 1-D or 2-D pair, with its error
    estimate when the node set carries one (else None)."""
    if P.dim == 1:
        kink = (lambda x: P.log_density(x) - Q.log_density(x)) if h.kink else None
        total, inf, common, error = weighted_sum(h, nodes_1d(P, Q, kink=kink,
                                                              coarse=EMBEDDED_ERROR.get()))
        inf = inf | _diverges_1d(h, P, Q)
    elif P.continuous and Q.continuous:
        # A tensor mesh is exact to ~1e-12 on smooth integrands; with many narrow
        # modes it would be too large, and Gaussian mixtures go to Gauss-Hermite.
        nodes = (nodes_2d(P, Q, MAX_MESH_2D) or nodes_gauss_mixture_2d(P, Q)
                 or nodes_2d(P, Q))
        total, inf, common, error = weighted_sum(h, nodes)
        inf = inf | _diverges_2d(h, P, Q)
    elif P.factors is not None and Q.factors is not None:
        total, inf, common, error = weighted_sum(h, nodes_product(P, Q))
        for a in (0, 1):
            inf = inf | _diverges_1d(h, P.factors[a], Q.factors[a])
    else:
        # One side has lines or points, the other only a density: those parts are
        # singular to everything of the other side.
        total, inf, common, error = weighted_sum(h, nodes_2d(P, Q), 1 - P.continuous_mass(),
                                          1 - Q.continuous_mass())
        inf = inf | _diverges_2d(h, P, Q)
    return total, inf, (QUADRATURE if common else SINGULAR), error


# --- infinite values from tails and from singular endpoints ---------------------------

_R = (1e20, 1e40)


def _grows(s_near: torch.Tensor, s_far: torch.Tensor, log_ratio: float) -> torch.Tensor:
    """x·h(x) (in logs, s) does not decay from `near` to `far`: the integral diverges."""
    ok = torch.isfinite(s_near) & torch.isfinite(s_far)
    return ok & (s_far >= s_near - 1e-3 * log_ratio)


def _diverges_1d(h: Integrand, P: Measure1D, Q: Measure1D) -> torch.Tensor:
    if h.tail_log is None:
        return torch.zeros((), dtype=torch.bool)
    if not (P.has_continuous and Q.has_continuous):
        return torch.zeros((), dtype=torch.bool)      # atoms only on one side: no tails
    with torch.no_grad():
        pts = np.concatenate(_align(P.mesh_np(), Q.mesh_np()), -1)
        lo = torch.as_tensor(pts.min(-1), dtype=torch.float64)
        hi = torch.as_tensor(pts.max(-1), dtype=torch.float64)
        span = hi - lo + 1.0
        out = torch.zeros(lo.shape, dtype=torch.bool)
        log_ratio = math.log(_R[1] / _R[0])

        def s_at(x: torch.Tensor, dist: torch.Tensor) -> torch.Tensor:
            x = x.unsqueeze(-1)
            return (h.tail_log(P.log_density(x), Q.log_density(x)).squeeze(-1)
                    + torch.log(dist))

        for side, edge in ((1, hi), (-1, lo)):
            near = s_at(edge + side * span * _R[0], span * _R[0])
            far = s_at(edge + side * span * _R[1], span * _R[1])
            out = out | _grows(near, far, log_ratio)
        # Densities blowing up at a finite support end (beta, gamma with shape < 1).
        ends = _cat([P.jumps().detach(), Q.jumps().detach()])   # batch shapes broadcast
        if ends.shape[-1]:
            scale = ends.abs().clamp(min=1.0)
            for side in (1, -1):
                x_near, x_far = ends + side * 1e-6 * scale, ends + side * 1e-13 * scale
                d_near, d_far = (x_near - ends).abs(), (x_far - ends).abs()
                lpn, lqn = P.log_density(x_near), Q.log_density(x_near)
                lpf, lqf = P.log_density(x_far), Q.log_density(x_far)
                sn = h.tail_log(lpn, lqn) + torch.log(d_near)
                sf = h.tail_log(lpf, lqf) + torch.log(d_far)
                ratio = torch.log(d_near / d_far.clamp(min=1e-300))
                grows = (torch.isfinite(sn) & torch.isfinite(sf) & (d_far > 0)
                         & (sf >= sn - 1e-3 * ratio))
                out = out | grows.any(-1)
        return out


def _align(a: np.ndarray, b: np.ndarray):
    batch = np.broadcast_shapes(a.shape[:-1], b.shape[:-1])
    return np.broadcast_to(a, batch + a.shape[-1:]), np.broadcast_to(b, batch + b.shape[-1:])


def _diverges_2d(h: Integrand, P: Measure2D, Q: Measure2D) -> torch.Tensor:
    if h.tail_log is None:
        return torch.zeros((), dtype=torch.bool)
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
