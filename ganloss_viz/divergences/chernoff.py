"""The log Chernoff coefficient log ∫ p^a q^(1−a) in 1-D and in the plane: Rényi and
Bhattacharyya take it as it is, the power divergences (Pearson, Neyman, α) where their
integrand overflows. In 1-D the sum over nodes is a log-sum-exp, normalised by the
nodes' own masses.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ..distributions.measure import log_or_minus_inf
from .analytic import singular_masses
from .fdivs import chernoff
from .frames import frames
from .infinite import _diverges_1d
from .integrals import (
    KAPPA_OK,
    MISSED_MASS,
    QUADRATURE,
    REFINE,
    SINGULAR,
    _framed_nodes,
    _gap,
    integral,
    log_wsum,
    missed_mass,
    unseen,
)
from .powercells import log_cell_sum, uncovered_share
from .stable import EPS


def log_chernoff(a: float, P, Q) -> tuple[torch.Tensor, torch.Tensor, str, float | None]:
    """(log ∫ p^a q^(1−a), infinite mask, method, error of the log) for a > 0.

    In 1-D the sum over nodes is a log-sum-exp of log w + a·log p + (1 − a)·log q, so
    laws 1e17 apart give a large finite Rényi or Bhattacharyya divergence, not the
    log of an underflowed 0. Singular parts add 0 (a < 1) or make it infinite (a > 1).
    The sum is divided by the nodes' own masses of P and Q, (Σ w p)^a (Σ w q)^(1−a),
    which are 1 up to the quadrature's error: for nearly equal laws that error would
    otherwise be the whole of a divergence of 1e-9.
    """
    h = chernoff(a)
    if P.dim != 1:
        c, inf, method, error = integral(h, P, Q)
        lc = log_or_minus_inf(c)
        rel = None if error is None else error / max(float(c.detach().abs().min()), 1e-300)
        return lc, inf, method, rel
    singular = singular_masses(P, Q)
    fr, kappa = frames(P, Q)
    up, uq = unseen(P), unseen(Q)
    for split in REFINE:
        n = _framed_nodes(h, P, Q, fr, split)
        both = torch.isfinite(n.lp) & torch.isfinite(n.lq)
        s = torch.where(both, a * n.lp + (1 - a) * n.lq, torch.full_like(n.lp, -math.inf))
        cells = log_cell_sum(lambda lp, lq: a * lp + (1 - a) * lq, n.power, s.shape[:-1])
        lc = _normalisedlog_wsum(n.w, s, n.lp, n.lq, a, cells.value)
        error = None if n.w_coarse is None else _gap(
            lc, _normalisedlog_wsum(n.w_coarse, s, n.lp, n.lq, a, cells.value))
        if error is None or not math.isfinite(error) or error <= 1e-10:
            break
    if error is not None and cells.error:
        with torch.no_grad():
            share = float(torch.exp(cells.value - log_wsum(n.w, s).logaddexp(cells.value))
                          .nan_to_num(nan=0.0).max())
        error = error + cells.error * share
    if error is not None and fr is not None and missed_mass(n, P, Q) > MISSED_MASS:
        error = math.inf
    if error is not None and math.isfinite(error):
        error = error + _exponent_rounding(n.w, s, n.lp, n.lq, a)
    if a > 1:
        # P's mass where log q left the float range inside Q's support: p^a q^(1−a) is
        # beyond it there; half of P or more such, the coefficient overflows (inf)
        with torch.no_grad():
            lost = torch.where(torch.isfinite(n.lp) & ~torch.isfinite(n.lq) & (n.w > 0)
                               & ~singular[0].unsqueeze(-1), n.w * n.lp.exp(), 0.0).sum(-1)
        if bool((lost > 0).any()):
            error = math.inf
            lc = torch.where(lost >= 0.5, torch.full_like(lc, math.inf), lc)
    if error is not None and math.isfinite(error) and float(np.max(up + uq)) > 0:
        # The unseen part's share of the coefficient: at most P(E)^a Q(E)^(1−a) (Hölder)
        # for a < 1. For a > 1, where E lies at graded beta and gamma ends, the share of
        # p^a q^(1−a) inside their deepest breaks that no power cell took (`end_share`);
        # elsewhere (a Student t's mass beyond the float range) unbounded.
        c = torch.exp(lc.detach()).clamp(min=1e-300).numpy()
        share = up ** a * uq ** (1 - a) / c if a < 1 else _end_shares(P, Q, n, cells)
        error = error + float(np.max(share))
    inf = _diverges_1d(h, P, Q) | (singular[0] if a > 1 else torch.zeros_like(singular[0]))
    common = bool(torch.isfinite(lc.detach()).any())
    if error is not None and kappa > KAPPA_OK:
        error = max(error, 100 * kappa)
    return lc, inf, (QUADRATURE if common else SINGULAR), error


def _exponent_rounding(w: torch.Tensor, s: torch.Tensor, lp: torch.Tensor,
                       lq: torch.Tensor, a: float) -> float:
    """Rounding of the log coefficient: each node's exponent a·log p + (1 − a)·log q is
    known to ε times its terms' size, weighed by the node's share of the sum, and as much
    again for the normalising masses. Two Cauchy laws of scale 1.5e35 (log p ≈ −82) gave
    a Rényi divergence 5e-15 off under an error of 1e-15 (search seed 2050)."""
    with torch.no_grad():
        live = (w > 0) & torch.isfinite(s)
        t = torch.where(live, torch.log(torch.where(live, w, torch.ones_like(w))) + s,
                        torch.full_like(s, -math.inf))
        share = torch.softmax(t, -1)
        mag = torch.where(live, (a * lp).abs() + ((1 - a) * lq).abs(), torch.zeros_like(s))
        return 2 * EPS * float(torch.nan_to_num((share * mag).sum(-1), nan=0.0).max())


# A node mass further than this from 1 is not quadrature error but mass no node sees (a
# beta with b = 0.02 keeps 1e-6 of it within 1e-300 of 1): dividing by it would count
# that mass as if it were spread like the rest.
MASS_SLACK = 1e-9


def _normalisedlog_wsum(w, s, lp, lq, a: float, cells: torch.Tensor) -> torch.Tensor:
    """log (Σ w e^s + the power cells' e^cells) − a log Σ w p − (1 − a) log Σ w q (see
    `log_chernoff`), each node mass used only where it is 1 up to quadrature error."""
    def log_mass(l):
        m = log_wsum(w, l)
        return torch.where(m.detach().abs() <= MASS_SLACK, m, torch.zeros_like(m))
    return log_wsum(w, s).logaddexp(cells) - a * log_mass(lp) - (1 - a) * log_mass(lq)


def _end_shares(P, Q, n, cells) -> float:
    """For a > 1: the share of the coefficient that graded ends leave unseen
    (`uncovered_share`); inf where a law keeps unseen mass elsewhere than at a graded end
    (a Student t's beyond the float range)."""
    for law in (*P.comps, *Q.comps):
        if float(np.max(law.unresolved_mass_np())) > 0 and all(
                law.end_exponent(side) is None for side in (-1, 1)):
            return math.inf
    return uncovered_share(P, Q, n.covered, bool(cells.unfitted.any()))
