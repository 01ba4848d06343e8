"""Lebesgue-decomposed integrals ∫ q f(p/q) over node sets.

D_f = ∫_{p>0,q>0} q f(p/q) + P(q = 0)·f'(inf) + Q(p = 0)·f(0): on each node the
weights of the common part, of P alone and of Q alone are told apart by which
log-density is -inf (outside a support, or an atom of one measure only). Infinite
values from tails are `infinite`'s; the log Chernoff coefficient is `chernoff`'s.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch

from ..distributions.measure import Measure1D, log_or_minus_inf
from ..distributions.mesh import LOG_MAX, absmax
from .analytic import singular_masses, tail_decay
from .fdivs import Integrand, _e
from .frames import Frames, apart, frames, owned
from .infinite import _diverges_1d, _diverges_2d
from .nodes import Nodes, join, nodes_1d
from .nodes2d import MAX_MESH_2D, nodes_2d, nodes_gauss_mixture_2d, nodes_product
from .powercells import cell_sum, uncovered_share
from .precision import EMBEDDED_ERROR
from .stable import EPS
from .transitions import crossing_breaks, sharp_crossings

QUADRATURE = "quadrature"
SINGULAR = "analytic_singular"


def weighted_sum(h: Integrand, n: Nodes, extra_p: torch.Tensor | None = None,
                 extra_q: torch.Tensor | None = None,
                 singular: tuple[torch.Tensor, torch.Tensor] | None = None
                 ) -> tuple[torch.Tensor, torch.Tensor, bool, float | None]:
    """(finite part, infinite mask, has common part, error) of the generalised integral.

    extra_p / extra_q: P-only / Q-only masses known outside the node set. singular:
    whether P(q = 0) > 0 and Q(p = 0) > 0, decided exactly (1-D); without it, from the
    nodes. The error is the disagreement with the node set's coarser rule, when it
    carries one.
    """
    if extra_p is None and extra_q is None and _all_finite(n.lp + n.lq):
        # Both densities positive at every node: no singular parts, no masks.
        v = h.value(n.lp, n.lq)
        cells = cell_sum(h, n.power)
        total = _wsum(n.w, v) + cells.value
        error = None if n.w_coarse is None else cells.error + \
            _gap(total, _wsum(n.w_coarse, v) + cells.value) + _log_rounding(n.w, n.lp, n.lq, v)
        return total, _overflow_inf(total, singular), True, error
    fp, fq = torch.isfinite(n.lp), torch.isfinite(n.lq)
    both = fp & fq
    zero = torch.zeros_like(n.lp)
    lp = torch.where(both, n.lp, zero)
    lq = torch.where(both, n.lq, zero)
    v = torch.where(both, h.value(lp, lq), zero)
    ep = torch.where(both, torch.exp(lp), zero)
    eq = torch.where(both, torch.exp(lq), zero)
    live = n.w > 0
    has_p = (fp & ~fq & live).any(-1)
    has_q = (fq & ~fp & live).any(-1)
    if singular is not None:
        # Exactly singular parts, and where the other density underflowed to 0 (laws
        # 1e300 apart) and the constant is finite, the limit q·f(p/q) → p·f'(∞).
        has_p = singular[0] | (has_p & (not math.isinf(h.fprime_inf)))
        has_q = singular[1] | (has_q & (not math.isinf(h.f0)))
    if extra_p is not None:
        has_p = has_p | (extra_p.detach() > 0)
    if extra_q is not None:
        has_q = has_q | (extra_q.detach() > 0)
    inf = torch.zeros(v.shape[:-1], dtype=torch.bool)
    cells = cell_sum(h, n.power)

    def assemble(w: torch.Tensor) -> torch.Tensor:
        # Mass of P where q = 0 (and of Q where p = 0) as one minus the common part:
        # exact when the parts are singular (its gradient is then 0, not quadrature noise).
        total = _wsum(w, v) + cells.value
        for has, e, c in ((has_p, ep, h.fprime_inf), (has_q, eq, h.f0)):
            common = _wsum(w, e)
            # clamped in value only: a mass of 5e-116 (a normal of weight 1e-115 beside an
            # exponential) rounds to ±2e-16, and the clamp's zero gradient dropped its
            # derivative in that weight (0.35 of JS's −41.2) whenever it rounded below 0
            rest = 1 - common
            rest = rest + (rest.detach().clamp(min=0.0) - rest.detach())
            mass = torch.where(has, rest, torch.zeros_like(common))
            if not math.isinf(c):
                total = total + mass * c
        return total

    total = assemble(n.w)
    for has, e, c, exact in ((has_p, ep, h.fprime_inf, 0), (has_q, eq, h.f0, 1)):
        if math.isinf(c):
            mass = (1 - _wsum(n.w, e)).detach()
            inf = inf | (singular[exact] if singular is not None else has & (mass > 1e-300))
    inf = inf | _overflow_inf(total, singular)
    rough = None if n.w_coarse is None else assemble(n.w_coarse)
    unknown, beyond = False, torch.zeros(total.shape, dtype=torch.bool)
    if singular is not None:
        lost, far = _lost(h, n, fp, fq, singular)
        if bool((lost > 0).any()):
            # the share of the nodes where the other log-density left the float range,
            # from log(−log q) there (`far_log`): added where known, else no error bound
            share, share_rough, beyond = far()
            unknown = share is None
            if unknown:
                # Half the mass or more where the other log-density is below −5e299
                # (two normals of scale 1e-300 at ±1e300, whose KL is 2e1200): beyond
                # the float range too, an overflowed finite value, not 1.
                beyond = beyond | (lost >= 0.5)
            else:
                total = total + share
                rough = None if rough is None else rough + share_rough
            # an overflowed finite value: inf, with no error bound
            total = torch.where(beyond, torch.full_like(total, math.inf), total)
    error = None if rough is None else \
        cells.error + _gap(total, rough) + _log_rounding(n.w, lp, lq, v)
    if unknown or bool(beyond.any()):
        error = math.inf
    return total, inf, bool((both & live).any()), error


def _log_rounding(w: torch.Tensor, lp: torch.Tensor, lq: torch.Tensor, v: torch.Tensor
                  ) -> float:
    """What the log-densities' own rounding costs the sum: each is known to ε·|log p|,
    and the integrand's terms (p·log(p/m) and q·log(q/m) for JS, of opposite signs where
    p ≈ q) move by their size times that. A Cauchy of scale 1e-254 has log p ≈ 585 at its
    centre, and JS of two such mixtures 1 % apart, 6.09e-6, was 4e-14 low under an error
    of 1e-14 (search seed 2045), where the two rules share every rounding."""
    lp, lq = lp.detach(), lq.detach()
    # (a density is below 1e300 even at a singular end: its exp does not overflow)
    size = torch.exp(lp) * lp.abs() + torch.exp(lq) * lq.abs() + v.detach().abs()
    return float(EPS * _wsum(w.detach(), size).abs().max())


# Within this fraction of the top, top − D has lost digits to rounding (and its gradient
# is noise) when computed as D; further down D itself is accurate to 1e-16 of the top.
NEAR_TOP = 1e-6


def _near_top(h: Integrand, n: Nodes, total: torch.Tensor, inf: torch.Tensor,
              error: float | None) -> tuple[torch.Tensor, float | None, float]:
    """Rows within NEAR_TOP of a bounded divergence's top, as top − ∫ g (see
    Integrand.overlap): laws almost disjoint keep the digits of their small overlap, and
    its gradient, instead of the rounding noise of top minus a sum of masses.

    Returns (value, error, the overlap's own relative error: 0 where unused), the last
    for refinement, since the overlap may peak where no law put panels (between them)."""
    if h.overlap is None:
        return total, error, 0.0
    top, log_g = h.overlap
    near = (total.detach() > top * (1 - NEAR_TOP)) & ~inf
    if not bool(near.any()):
        return total, error, 0.0
    lp, lq, w, wc = n.lp, n.lq, n.w, n.w_coarse
    rows = None
    if near.dim() and not bool(near.all()):
        # a sweep with some rows near the top: the overlap on those rows only
        batch = torch.broadcast_shapes(near.shape, lp.shape[:-1], w.shape[:-1])
        rows = torch.nonzero(near.expand(batch).reshape(-1)).squeeze(-1)

        def pick(t):
            return t.expand(*batch, t.shape[-1]).reshape(-1, t.shape[-1]).index_select(0, rows)
        lp, lq, w = pick(lp), pick(lq), pick(w)
        wc = None if wc is None else pick(wc)
    both = torch.isfinite(lp) & torch.isfinite(lq)
    zero = torch.zeros_like(lp)
    lg = torch.where(both, log_g(torch.where(both, lp, zero), torch.where(both, lq, zero)),
                     torch.full_like(lp, -math.inf))
    ov = torch.exp(log_wsum(w, lg))
    rel = 0.0
    if wc is not None:
        gap = (ov - torch.exp(log_wsum(wc, lg))).detach().abs()
        rel = float(torch.where(ov.detach() > 0, gap / ov.detach().abs(),
                                torch.zeros_like(gap)).max())
        error = None if error is None else max(error, float(gap.max()))
    if rows is not None:
        full = torch.zeros(batch.numel(), dtype=ov.dtype).index_put((rows,), ov)
        ov = full.reshape(batch)
    return torch.where(near, top - ov, total), error, rel


def _kink_gauge(n: Nodes, P: Measure1D, Q: Measure1D,
                singular: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
    """A term of value exactly 0 that moves TV's gradient to the side of smaller mass.

    ½∫|p − q| has gradient ∫(1_A − ½)(∂p − ∂q), A = {p > q}; any constant may replace
    the ½, since ∫∂p = ∫∂q = 0. With ½ the quadrature sums terms over the whole line that
    cancel: a normal of scale 2.5e-4 inside a Gumbel of scale 120 has ∂TV/∂(Gumbel's
    location) = −∫_A ∂q = −1.3e-9 from terms of 6e-3, and the value's quadrature error
    (2.8e-10) left it 8.5e-5 off (search seed 2051). Taking 0 or 1 for each side, as its
    mass in A is below or above ½, sums its derivative over the region where it has the
    smaller mass. The term is (½ − c)·∂(Σ w·p), the nodes' mass of P, weights included
    (a uniform's end moves its panels): 0 when the nodes carry all of P, not with end
    cells, mass hidden at a singular end, or atoms, where it adds nothing. Nor for a side
    with a singular part (mass where the other density is 0): `weighted_sum` counts that
    part as 1 − (its common mass), whose gradient already leaves −∫_A ∂q with no ½ to
    move, and the gauge added the quadrature's noise in ∂(Σ w·q) (a lognormal inside a
    normal 1e5 times wider: ∂/∂(normal's location) 1.7 % off, search seed 2057)."""
    live = n.w > 0
    if P.has_atoms or Q.has_atoms or float(np.max(n.cell_mass)) > 0 \
            or float(np.max(unseen(P) + unseen(Q))) > 0:
        return torch.zeros(())
    out = torch.zeros(())
    fp, fq = torch.isfinite(n.lp), torch.isfinite(n.lq)
    in_a = n.lp.detach() > n.lq.detach()
    for lm, sign, alone in ((n.lp, 1.0, singular[0] | (fp & ~fq & live).any(-1)),
                            (n.lq, -1.0, singular[1] | (fq & ~fp & live).any(-1))):
        ok = live & torch.isfinite(lm)
        m = _e(torch.where(ok, lm, torch.full_like(lm, -math.inf)))
        w = torch.where(ok, n.w, torch.zeros_like(n.w))
        wm = w * m
        c = (wm.detach().where(in_a, torch.zeros_like(m)).sum(-1) > 0.5).to(m.dtype)
        move = torch.where(alone, torch.zeros_like(c), 0.5 - c)
        out = out + sign * move * (wm - wm.detach()).sum(-1)
    return out


def _lost(h: Integrand, n: Nodes, fp, fq, singular
          ) -> tuple[torch.Tensor, Callable[[], tuple]]:
    """Per row, the mass at nodes where one log-density left the float range (−inf)
    although its support covers them (a Gumbel's left tail past x ≈ −710 s), for an
    integrand that grows without bound there (KL's p·log(p/q)); and a function of no
    arguments for those nodes' share of the integral (`_far_share`)."""
    with torch.no_grad():
        p_only, q_only = singular
        # (nodes of either rule: the coarse one's carry weight 0 in the fine one's w)
        at_p = fp & ~fq & ~p_only.unsqueeze(-1) & math.isinf(h.fprime_inf)
        at_q = fq & ~fp & ~q_only.unsqueeze(-1) & math.isinf(h.f0)
        lost_p = torch.where(at_p, n.w * n.lp.exp(), 0.0)
        lost_q = torch.where(at_q, n.w * n.lq.exp(), 0.0)
    return torch.maximum(lost_p.sum(-1), lost_q.sum(-1)), lambda: _far_share(h, n, at_p, at_q)


def _far_share(h: Integrand, n: Nodes, at_p: torch.Tensor, at_q: torch.Tensor):
    """(share with the fine weights, with the coarse ones, rows where it passes the float
    range) of the nodes at_p (q rounded to 0 inside its support) and at_q. The share is
    the integrand's dominant form there (`tail_forms`): p^a·(−log q), from the laws'
    log(−log q) (`Nodes.far_log`), or e^(|b|·(−log q)) for a form p^a q^b with b < 0
    (χ²'s p²/q), always beyond. The shares are None where a law only bounds log(−log q)
    from below: that bound still decides which rows are beyond. A normal of weight 1e-213
    at −1.1e270 under a Gumbel of scale 4e-6: −log p = e^{2.8e275} there, and reverse KL
    was 2.4e130 (error inf)."""
    beyond = torch.zeros(at_p.shape[:-1], dtype=torch.bool)
    if n.far_log is None:
        return None, None, beyond
    (far_p, exact_p), (far_q, exact_q) = n.far_log()
    known, logs = True, []
    # per side: its nodes, own log-density, the other's log(−log), exact, forms' powers
    for at, own, far_log, exact, forms in (
            (at_p, n.lp, far_q, exact_q, h.tail_forms),
            (at_q, n.lq, far_p, exact_p, [(b, a) for a, b in h.tail_forms])):
        if not bool(at.any()):
            continue
        if any(b < 0 for _, b in forms):
            beyond = beyond | at.any(-1)
            continue
        powers = [a for a, b in forms if b == 0]
        known = known and exact and h.tail_diff and bool(powers)
        logs.append(torch.where(at, max(powers, default=1.0) * own + far_log,
                                torch.full_like(own, -math.inf)))
    if not logs:
        return None, None, beyond
    size = torch.stack(torch.broadcast_tensors(*logs)).logsumexp(0)        # per node
    with torch.no_grad():
        beyond = beyond | (torch.logsumexp(n.w.log() + size.detach(), -1) > LOG_MAX)
    if not known:
        return None, None, beyond
    safe = torch.where(beyond.unsqueeze(-1), torch.zeros_like(size), size)

    def share(w):
        return None if w is None else torch.where(
            beyond, torch.zeros_like(beyond, dtype=size.dtype),
            torch.exp(torch.logsumexp(torch.log(w) + safe, -1)))
    return share(n.w), share(n.w_coarse), beyond


# Refinement when the embedded error estimate misses its target: every panel cut in 2,
# 4, 8 (an integrand peaked where neither law's quantiles put panels, e.g. p·e^{−5x}).
REFINE = (1, 2, 4, 8)
# ... and until an overlap (see _near_top) is known to this relative accuracy.
OVERLAP_RTOL = 1e-10


def _target(total: torch.Tensor, inf: torch.Tensor) -> float:
    """The accuracy the engine aims at: 1e-10 relative, 1e-14 absolute."""
    finite = torch.where(inf, torch.zeros_like(total), total.detach()).abs()
    return float(1e-10 * finite.max() + 1e-14) if finite.numel() else 1e-14


UNBOUNDED = 1e3        # `per_mass` of an f without finite limits at 0 and ∞


def per_mass(h: Integrand) -> float:
    """A bound on |q·f(p/q)| per unit of p + q: 2|f(1)| + |f(0)| + |f'(∞)| where those are
    finite (a convex f lies below f(0) + u·f'(∞) and above its tangent at 1, whose slope
    is at least f(1) − f(0) and at most f'(∞)); else 1e3, for |log p/q| < 1e3. (It bounds
    the overlaps of `Integrand.overlap` too: √(pq) and min(p, q) are below (p + q)/2.)"""
    zero = torch.zeros(1, dtype=torch.float64)
    c = 2 * abs(float(h.value(zero, zero))) + abs(h.f0) + abs(h.fprime_inf)
    return c if math.isfinite(c) else UNBOUNDED


def unseen(M: Measure1D) -> np.ndarray:
    """Per row, the mass M keeps nearer a singular end than 1e-300 (no node sees it)."""
    if not M.comps:
        return np.zeros(())
    w = M.comp_w.detach().numpy()
    return sum(w[..., c] * law.unresolved_mass_np() for c, law in enumerate(M.comps))


def unresolved_mass(P: Measure1D, Q: Measure1D, carried: np.ndarray | float = 0.0) -> float:
    """The largest mass (over rows) that P and Q keep nearer a singular end than 1e-300,
    less what end cells carry (`endcells`; their cells end at the same graded break)."""
    hidden = unseen(P) + unseen(Q)
    left = hidden - carried
    # (a cell's mass and `unseen` agree to rounding: what is left below 1e-12 of it is 0)
    return float(np.max(np.where(left > 1e-12 * hidden, left, 0.0)))


def _framed_nodes(h: Integrand, P: Measure1D, Q: Measure1D, fr: Frames | None,
                  split: int, refine: tuple[torch.Tensor, np.ndarray] | None = None,
                  decay: float | None = None) -> Nodes:
    """The node set of a 1-D pair, frame by frame (see frames.py) where one is needed;
    decay: how fast the integrand falls off in a power tail (`_decay`)."""
    # Peaks between far laws matter for the small gradients of single values; a sweep
    # (no embedded rule) skips the search, which would double its density calls, and the
    # outer reach, whose breaks (padded to the batch's widest row) doubled a mixture's.
    search = h.peak is not None and EMBEDDED_ERROR.get() and apart(P, Q)

    def one(A, B, **kw):
        kink = (lambda x: A.log_density(x) - B.log_density(x)) if h.kink else None
        peak = (lambda x: h.peak(A.log_density(x), B.log_density(x))) if search else None
        return nodes_1d(A, B, kink=kink, peak=peak, coarse=EMBEDDED_ERROR.get(), split=split,
                        reach=EMBEDDED_ERROR.get(), cells=True, decay=decay, **kw)

    if fr is None:
        n = one(P, Q, refine=refine)
        # one row: a single pair, shaped (N,) or, with a mixture's weights, (1, N)
        if refine is None and h.peak is not None and EMBEDDED_ERROR.get() \
                and n.x.numel() == n.x.shape[-1]:
            x, lr = n.x.reshape(-1), (n.lp - n.lq).detach().reshape(-1)
            if sharp_crossings(x, lr):
                # a crossing of p and q inside a panel far wider than its own length scale
                # (a gamma's tail under a Cauchy of weight 1e-170 and scale 5e18, 950
                # beyond the last node: JS's ∂/∂weight was half its value)
                extra = crossing_breaks(lambda t: P.log_density(t) - Q.log_density(t), x, lr,
                                        n.breaks)
                if extra.numel():
                    n = one(P, Q, refine=(n.breaks, extra.numpy().reshape(
                        n.breaks.shape[:-1] + extra.shape)))
        return n
    parts = []
    for k in range(fr.anchor.shape[-1]):
        c = fr.anchor[..., k]
        parts.append(one(P.shifted(c), Q.shifted(c), atoms=(k == 0),
                         bounds=(fr.lo[..., k] - c, fr.hi[..., k] - c),
                         owned=owned(P, Q, fr, k)))
    return join(parts)


def _decay(h: Integrand, P: Measure1D, Q: Measure1D) -> float | None:
    """How fast the KL family's integrand falls off in a power tail, where the other law's
    −log density grows like a power of x (`tail_decay`); None: like the heavier density."""
    if not h.tail_diff:
        return None
    alpha = min(P.tails()[0], Q.tails()[0])
    if math.isinf(alpha):
        return None
    d = tail_decay(h.tail_forms, True, P, Q)
    return d if d is not None and 1 < d < alpha + 1 else None


def _unseen_share(h: Integrand, P: Measure1D, Q: Measure1D, n: Nodes, total: torch.Tensor,
                  inf: torch.Tensor) -> float:
    """What the nodes cannot see, as an error term: mass nearer a singular end than
    1e-300 (gamma, beta with a shape below ~0.06) or beyond the float range (a Student t
    of scale 1e300) that no end cell carries, at most that mass times the integrand's
    size per unit of mass there (`per_mass`), and the cells' own rounding; the share of
    an integrand with a power of a density above 1 or below 0 left inside an end's
    deepest graded break (`mesh.end_share`) where no power cell (`powercells`) took that
    panel or one could not be fitted; inf for a lognormal's mass beyond 1.8e308
    under an unbounded f (KL against an exponential weighs it by λx there: KL of
    lognormal(0.15, 33.9) ‖ exponential(1.27) is 2.9e249, all of it from x > e^709, and
    it came out 6.7e188 ± 5e186)."""
    laws = (*P.comps, *Q.comps)
    if any(law.far_mass_np() > 0 for law in laws) and per_mass(h) == UNBOUNDED:
        return math.inf
    hidden = unresolved_mass(P, Q, n.cell_mass)
    out = (per_mass(h) * hidden if hidden else 0.0) + n.cell_error
    share = uncovered_share(P, Q, n.covered, bool(cell_sum(h, n.power).unfitted.any()))
    if share:
        out += share * float(torch.where(inf, torch.zeros_like(total), total.detach())
                              .abs().max())
    return out


# The nodes' own masses of P and Q, Σ w·p and Σ w·q, are 1 up to the quadrature's error
# (1e-12 or better), less the mass nearer a singular end than 1e-300 (`unseen`), give or
# take as much again (the nodes reach down to about that distance, not to it: a beta of
# b = 0.0034 keeps 9.5 % of its mass within 1e-300 of 1 and its nodes see 0.4 % less). A
# gap beyond both is mass no node saw (a law whose frame came out empty), whose share of
# the value is unknown: the value then carries no error bound.
MISSED_MASS = 1e-6


def missed_mass(n: Nodes, P: Measure1D, Q: Measure1D) -> float:
    """The largest |1 − unseen − Σ w·m| − unseen over P and Q and the rows (MISSED_MASS)."""
    with torch.no_grad():
        live = n.w > 0
        out = 0.0
        for lm, M in ((n.lp, P), (n.lq, Q)):
            ok = live & torch.isfinite(lm)
            mass = torch.where(ok, n.w * torch.exp(torch.where(ok, lm, torch.zeros_like(lm))),
                               torch.zeros_like(lm)).sum(-1).numpy()
            hidden = unseen(M)
            out = max(out, float(np.max(np.abs(1.0 - hidden - mass) - hidden)))
        return out


KAPPA_OK = 1e-13
# Adaptive steps before the uniform refinement: a single value's panels whose own share
# of the error estimate is large are cut in two (usually a few panels, not all of them).
ADAPTIVE_STEPS = 2


def _worst_midpoints(h: Integrand, n: Nodes, fr: Frames | None,
                     target: float) -> np.ndarray | None:
    """Midpoints of the panels that carry most of the embedded error estimate (a single
    pair in one frame only; else None: the uniform refinement takes over)."""
    if fr is not None or n.breaks is None or n.w_coarse is None or n.x.dim() != 1:
        return None
    with torch.no_grad():
        both = torch.isfinite(n.lp) & torch.isfinite(n.lq)
        zero = torch.zeros_like(n.lp)
        v = torch.where(both, h.value(torch.where(both, n.lp, zero),
                                      torch.where(both, n.lq, zero)), zero)
        d = torch.where(n.w != n.w_coarse, (n.w - n.w_coarse) * v, zero)
        b = n.breaks.detach()
        panel = torch.searchsorted(b, n.x.detach().contiguous(), right=True)   # 0: left tail
        local = torch.zeros(b.shape[-1] + 1, dtype=torch.float64).index_add(
            0, panel, torch.where(torch.isfinite(d), d, zero)).abs()
        inner = local[1:-1]
        bad = torch.nonzero(inner > target / 10).squeeze(-1)
        if bad.numel() == 0 or bad.numel() > inner.numel() // 2:
            return None                     # the tails, or everywhere: refine uniformly
        return (0.5 * (b[bad] + b[bad + 1])).numpy()


def _overflow_inf(total: torch.Tensor, singular) -> torch.Tensor:
    """Where an overflowed sum counts as an infinite value: in the plane, whose tail
    rules probe; not in 1-D, where the singular parts and the tail rules decide
    analytically and an overflow is a finite value too large for the integrand's form
    (the caller takes a log-space form or reports it as not accurate)."""
    if singular is not None:
        return torch.zeros(total.shape, dtype=torch.bool)
    return ~torch.isfinite(total.detach())


def _all_finite(t: torch.Tensor) -> bool:
    """Every entry finite: one min/max pass over the nodes, not a mask and its test."""
    return math.isfinite(absmax(t))


def log_wsum(w: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
    """log Σ w·e^s over the nodes with w > 0 (−inf where there are none)."""
    live = (w > 0) & torch.isfinite(s)
    t = torch.where(live, torch.where(live, w, torch.ones_like(w)).log() + s,
                    torch.full_like(s, -math.inf))
    m = t.detach().amax(-1, keepdim=True)
    m = torch.where(torch.isfinite(m), m, torch.zeros_like(m))
    total = torch.where(live, torch.exp(t - m), torch.zeros_like(t)).sum(-1)
    return log_or_minus_inf(total) + m.squeeze(-1)


def _wsum(w: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Σ w·v where a zero weight (the other rule's node) ignores v, even an overflow
    (a finite v, the usual case, needs no mask: one pass to know it, not three)."""
    if _all_finite(v):
        return (w * v).sum(-1)
    return torch.where(w != 0, w * v, torch.zeros_like(v)).sum(-1)


def _gap(fine: torch.Tensor, rough: torch.Tensor) -> float:
    return float((fine.detach() - rough.detach()).abs().max())


def integral(h: Integrand, P, Q) -> tuple[torch.Tensor, torch.Tensor, str, float | None]:
    """The Lebesgue-decomposed integral of `h` for a 1-D or 2-D pair, with its error
    estimate when the node set carries one (else None)."""
    if P.dim == 1:
        singular = singular_masses(P, Q)
        fr, kappa = frames(P, Q)
        refine, adaptive, level = None, ADAPTIVE_STEPS, 0
        decay = _decay(h, P, Q)
        while True:
            n = _framed_nodes(h, P, Q, fr, REFINE[level], refine, decay)
            total, inf, common, error = weighted_sum(h, n, singular=singular)
            if h.kink:
                total = total + _kink_gauge(n, P, Q, singular)
            total, error, rel = _near_top(h, n, total, inf, error)
            if error is None or not math.isfinite(error) or (
                    error <= _target(total, inf) and rel <= OVERLAP_RTOL):
                break
            mids = _worst_midpoints(h, n, fr, _target(total, inf)) \
                if level == 0 and adaptive and rel <= OVERLAP_RTOL else None
            if mids is not None:
                refine, adaptive = (n.breaks, mids), adaptive - 1
                continue
            level, refine = level + 1, None
            if level == len(REFINE):
                break
        inf = inf | _diverges_1d(h, P, Q)
        if error is not None and fr is not None and missed_mass(n, P, Q) > MISSED_MASS:
            # (frames only: one global frame's panels come from both laws' quantiles)
            error = math.inf
        if error is not None:
            error = error + _unseen_share(h, P, Q, n, total, inf)
        if error is not None and kappa > KAPPA_OK:
            # Positions are known to kappa widths only: the integrand's error is about
            # that many times its log-derivative (a few units where the mass is).
            finite = torch.where(inf, torch.zeros_like(total), total.detach()).abs().max()
            error = max(error, 100 * kappa * (float(finite) + 1.0))
    elif P.continuous and Q.continuous:
        # A tensor mesh is exact to ~1e-12 on smooth integrands; with many narrow
        # modes it would be too large, and Gaussian mixtures go to Gauss-Hermite.
        nodes = (nodes_2d(P, Q, MAX_MESH_2D) or nodes_gauss_mixture_2d(P, Q)
                 or nodes_2d(P, Q))
        total, inf, common, error = weighted_sum(h, nodes)
        total, error, _ = _near_top(h, nodes, total, inf, error)
        inf = inf | _diverges_2d(h, P, Q)
    elif P.factors is not None and Q.factors is not None:
        nodes = nodes_product(P, Q)
        total, inf, common, error = weighted_sum(h, nodes)
        total, error, _ = _near_top(h, nodes, total, inf, error)
        for a in (0, 1):
            inf = inf | _diverges_1d(h, P.factors[a], Q.factors[a])
    else:
        # One side has lines or points, the other only a density: those parts are
        # singular to everything of the other side.
        nodes = nodes_2d(P, Q)
        total, inf, common, error = weighted_sum(h, nodes, 1 - P.continuous_mass(),
                                                 1 - Q.continuous_mass())
        total, error, _ = _near_top(h, nodes, total, inf, error)
        inf = inf | _diverges_2d(h, P, Q)
    return total, inf, (QUADRATURE if common else SINGULAR), error
