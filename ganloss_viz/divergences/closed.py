"""Closed forms, looked up by (divergence, kind of P, kind of Q), as torch's `register_kl`.

A compute function of the catalogue asks `closed(name, P, Q, params)` first and takes
the general path (quadrature, Monte Carlo) only when no closed form applies. The kinds:

* ``gaussian``: each law exactly one non-degenerate Gaussian, 1-D or 2-D
  (`gaussian.single_gaussian`); the form gets ((mean, cov) of P, of Q);
* ``law``: each a single continuous 1-D law of torch's KL registry (`kl_pairs`, which
  keeps its own pair table by law class); the form gets the measures;
* ``mixture``: each a Gaussian mixture (Diracs included); the form gets
  (weights, means, variances) of each and the dimension.

A form returns (value, infinite mask, rounding bound) or None where it does not apply
after all (W1 of two Gaussians of different scales). Adding one is one `@closed_form`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch

from ..distributions.continuous import LogNormalLaw
from ..distributions.locscale import _LocScale
from . import cauchy_forms as CF
from . import gauss_kernels as GK
from . import gaussian as G
from . import kl_moments as KM
from . import kl_pairs as KP
from .stable import EPS, expm1

NO_INF = torch.zeros((), dtype=torch.bool)
Closed = tuple[torch.Tensor, torch.Tensor, float]

FORMS: dict[tuple[str, str, str], Callable[..., Closed | None]] = {}


def closed_form(div: str, kind: str) -> Callable:
    """Register the decorated function as the closed form of `div` between two laws of
    `kind` (``gaussian``, ``law`` or ``mixture``)."""
    def register(fn: Callable[..., Closed | None]) -> Callable[..., Closed | None]:
        FORMS[(div, kind, kind)] = fn
        return fn
    return register


def _gaussians(P, Q):
    gp = G.single_gaussian(P)
    gq = None if gp is None else G.single_gaussian(Q)       # (Q only where P is one)
    return (gp, gq) if gq is not None else None


def _laws(P, Q):
    return (P, Q) if P.dim == 1 else None


def _mixtures(P, Q):
    gp = P.gaussian_mixture()
    gq = None if gp is None else Q.gaussian_mixture()
    return (gp, gq, P.dim) if gq is not None else None


def _lognormals(P, Q):
    """((loc, scale) of P, of Q) when each is exactly one lognormal (not moved), else None."""
    def one(M):
        if M.dim != 1 or M.has_atoms or len(M.comps) != 1 or \
                type(M.comps[0]) is not LogNormalLaw:
            return None
        return M.comps[0].loc[..., 0], M.comps[0].scale[..., 0]
    a, b = one(P), one(Q)
    return (a, b) if a is not None and b is not None else None


KINDS = (("gaussian", _gaussians), ("law", _laws), ("mixture", _mixtures),
         ("lognormal", _lognormals))


def closed(div: str, P, Q, params: dict[str, float]) -> Closed | None:
    """The closed form of `div` between the realised measures P and Q: (value, infinite
    mask, rounding bound), or None when none is registered for their kinds."""
    for kind, pair in KINDS:
        form = FORMS.get((div, kind, kind))
        if form is not None and (laws := pair(P, Q)) is not None:
            out = form(*laws, params)
            if out is not None:
                return out
    return None


# --- Gaussians: KL and the Chernoff coefficient ------------------------------------------


@closed_form("kl", "gaussian")
def _kl(gp, gq, params=None) -> Closed:
    v = G.kl(gp, gq)
    return v, NO_INF, G.rounding(gq[1], gp[1], v)


@closed_form("reverse_kl", "gaussian")
def _reverse_kl(gp, gq, params) -> Closed:
    return _kl(gq, gp)


@closed_form("jeffreys", "gaussian")
def _jeffreys(gp, gq, params) -> Closed:
    a, _, ea = _kl(gp, gq)
    b, _, eb = _kl(gq, gp)
    return a + b, NO_INF, ea + eb


def _chernoff(gp, gq, a: float) -> Closed:
    """(log ∫ p^a q^(1-a), infinite mask, its rounding bound) for two Gaussians."""
    lc, inf = G.log_chernoff(gp, gq, a)
    return lc, inf, G.rounding(gp[1], gq[1], lc, a)


def _expm1_bound(lc: torch.Tensor, error: float) -> float:
    """Rounding bound of expm1(lc) from that of lc."""
    big = torch.where(torch.isfinite(lc), lc.detach(), torch.zeros_like(lc)).max()
    return error * math.exp(min(float(big), 700.0)) * 1.01


@closed_form("log_chernoff", "gaussian")
def _log_chernoff(gp, gq, params) -> Closed:
    return _chernoff(gp, gq, params["alpha"])


@closed_form("pearson", "gaussian")
def _pearson(gp, gq, params=None) -> Closed:
    lc, inf, e = _chernoff(gp, gq, 2.0)
    return expm1(lc), inf, _expm1_bound(lc, e)


@closed_form("neyman", "gaussian")
def _neyman(gp, gq, params) -> Closed:
    return _pearson(gq, gp)


@closed_form("hellinger", "gaussian")
def _hellinger(gp, gq, params) -> Closed:
    lc, inf, e = _chernoff(gp, gq, 0.5)
    return -expm1(lc), inf, _expm1_bound(lc, e)


@closed_form("alpha", "gaussian")
def _alpha(gp, gq, params) -> Closed:
    a = params["alpha"]
    lc, inf, e = _chernoff(gp, gq, a)
    return expm1(lc) / (a * (a - 1)), inf, _expm1_bound(lc, e) / abs(a * (a - 1))


# --- single 1-D laws: torch's KL registry ------------------------------------------------


@closed_form("kl", "law")
def _kl_laws(P, Q, params) -> Closed | None:
    return KP.kl(P, Q)


@closed_form("reverse_kl", "law")
def _reverse_kl_laws(P, Q, params) -> Closed | None:
    return KP.reverse_kl(P, Q)


@closed_form("jeffreys", "law")
def _jeffreys_laws(P, Q, params) -> Closed | None:
    return KP.jeffreys(P, Q)


# --- two Cauchy laws: functions of χ² (cauchy_forms) ------------------------------------


def _ulps(value: torch.Tensor) -> float:
    """Rounding of a value computed to a few ulps of itself."""
    return float(8 * EPS * value.detach().abs().max())


def _cauchy_form(form: Callable[..., torch.Tensor]) -> Callable[..., Closed | None]:
    """A closed form of two Cauchy laws computed to a few ulps of itself (None for
    other pairs)."""
    def closed_cauchy(P, Q, params) -> Closed | None:
        laws = CF.pair(P, Q)
        if laws is None:
            return None
        v = form(*laws)
        return v, NO_INF, _ulps(v)
    return closed_cauchy


closed_form("pearson", "law")(_cauchy_form(CF.chi2))
closed_form("neyman", "law")(_cauchy_form(CF.chi2))      # χ² is the same both ways round
closed_form("tv", "law")(_cauchy_form(CF.tv))


def _log_bc(P, Q) -> tuple[torch.Tensor, float] | None:
    laws = CF.pair(P, Q)
    lb = None if laws is None else CF.log_bc(*laws)
    return None if lb is None else (lb, CF.bc_rounding(lb))


@closed_form("hellinger", "law")
def _hellinger_cauchy(P, Q, params) -> Closed | None:
    out = _log_bc(P, Q)
    if out is None:
        return None
    lb, bound = out               # BC ≤ 1: an error δ in log BC moves 1 − BC by δ·BC ≤ δ
    return CF.hellinger(lb), NO_INF, bound


@closed_form("log_chernoff", "law")
def _log_chernoff_cauchy(P, Q, params) -> Closed | None:
    out = _log_bc(P, Q) if params["alpha"] == 0.5 else None
    return None if out is None else (out[0], NO_INF, out[1])


# --- transport between Gaussians, kernels between Gaussian mixtures ----------------------


@closed_form("w2", "gaussian")
def _w2(gp, gq, params) -> Closed:
    value = G.w2(gp, gq)
    one_d = gp[0].shape[-1] == 1
    return value, NO_INF, 0.0 if one_d else G.w2_error(gp, gq, value)


@closed_form("w1", "gaussian")
def _w1(gp, gq, params) -> Closed | None:
    """|m1 − m2| (its norm in 2-D) when the covariances are equal: a translation."""
    (m1, S1), (m2, S2) = gp, gq
    if not bool((S1 == S2).all()):
        return None
    if m1.shape[-1] == 1:
        return (m1 - m2).abs()[..., 0], NO_INF, 0.0
    return ((m1 - m2) ** 2).sum(-1).sqrt(), NO_INF, 0.0


def _translation(P, Q) -> tuple[torch.Tensor, torch.Tensor] | None:
    """(loc of P − loc of Q, the standard law's mean times scale of P − scale of Q: 0 at
    the point, its derivative in the scales) when P and Q are one location-scale law of
    the same family that differ by their location alone (every row of a batch); else
    None."""
    p, q = KP._single_law(P), KP._single_law(Q)
    if p is None or type(p) is not type(q) or not isinstance(p, _LocScale):
        return None
    vp, vq = p.params_np(), q.params_np()
    if any(not np.array_equal(*np.broadcast_arrays(vp[k], vq[k])) for k in vp if k != "loc"):
        return None
    mean = 0.0 if p.symmetric else KM.EULER          # the Gumbel is the one skewed law
    return (p.loc - q.loc)[..., 0], mean * (p.scale - q.scale)[..., 0]


def _w_translation(P, Q, params) -> Closed | None:
    """W1 = W2 = |Δ| between a law and its translate by Δ: their quantile functions
    differ by Δ everywhere, and ∫ (F(x) − F(x − Δ)) dx = Δ for any law, heavy tails
    included. The scale's first-order term (Δ + (σ_P − σ_Q) z under the integral) adds
    sign(Δ)·E[Z] to ∂/∂σ_P: 0 for the symmetric laws, Euler's γ for the Gumbel; it is 0
    at the point itself. The rounding of Δ: a few ulps of the locations."""
    pair = _translation(P, Q)
    if pair is None:
        return None
    delta, scale_term = pair
    value = delta.abs() + torch.sign(delta.detach()) * scale_term
    locs = P.comps[0].loc.detach().abs() + Q.comps[0].loc.detach().abs()
    bound = 4 * EPS * float((value.detach() + locs[..., 0]).max())
    return value, NO_INF, bound


closed_form("w1", "law")(_w_translation)
closed_form("w2", "law")(_w_translation)


@closed_form("mmd", "mixture")
def _mmd(gp, gq, dim: int, params) -> Closed | None:
    if not (GK.representable(gp) and GK.representable(gq)):
        return None
    fn = GK.mmd_1d if dim == 1 else GK.mmd_2d
    value, bound = fn(gp, gq, params["bandwidth"])
    return value.clamp(min=0.0), NO_INF, bound


@closed_form("energy", "mixture")
def _energy(gp, gq, dim: int, params) -> Closed | None:
    """1-D only: in the plane the mixtures' energy needs a quadrature over directions."""
    if dim != 1 or not (GK.representable(gp) and GK.representable(gq)):
        return None
    value, bound = GK.energy_1d(gp, gq)
    return value.clamp(min=0.0), NO_INF, bound


# --- W2 between two lognormals ----------------------------------------------------------


def _log_sinh(x: torch.Tensor) -> torch.Tensor:
    """log sinh x for x > 0 (no overflow)."""
    return x + torch.log(-torch.expm1(-2 * x)) - math.log(2.0)


def _signed_exp(log_k: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
    """e^log_k · expm1(a), without overflow where a is large."""
    big = a > 1.0
    small = torch.where(big, torch.zeros_like(a), a)
    return torch.where(big, torch.exp(log_k + a.clamp(max=1e300) + torch.log(
        -torch.expm1(-a.clamp(min=1.0)))), torch.exp(log_k) * torch.expm1(small))


def _with_gradient(value, log_k, d, s, s1, s2, leaves):
    """`value` (W2 of two lognormals) whose first derivatives are written out: through
    the formula's logs autograd took ∂W2/∂m2 = W2·(1 − ∂ log B/∂h)/2, a difference of
    two numbers near 1 (3.278e-6 for 3.2765e-6 where W2 = 1.45e8). With C = e^(m1 + m2
    + t²/2), A = e^(2m1 + 2s1²) = C e^a, B = e^(2m2 + 2s2²) = C e^b, where
    a = d + s(3s1 + s2)/2 and b = −d − s(s1 + 3s2)/2 (d = m1 − m2, s = s1 − s2):
    ∂W2/∂m1 = C expm1(a)/W2, ∂W2/∂m2 = C expm1(b)/W2,
    ∂W2/∂s1 = C (2 s1 expm1(a) + s)/W2, ∂W2/∂s2 = C (2 s2 expm1(b) − s)/W2.
    First derivatives only (the engine asks for no more): the value carries them as
    Σ g_i (θ_i − θ_i.detach())."""
    with torch.no_grad():
        a = d + 0.5 * s * (3 * s1 + s2)
        b = -d - 0.5 * s * (s1 + 3 * s2)
        ea, eb = _signed_exp(log_k, a), _signed_exp(log_k, b)
        k = torch.exp(log_k)
        grads = (ea, 2 * s1 * ea + k * s, eb, 2 * s2 * eb - k * s)
        # past the float range (σ = 30: W2 ≈ e^900) the value is inf and so are these:
        # inf · 0 would make it NaN
        grads = tuple(torch.where(torch.isfinite(g), g, torch.zeros_like(g)) for g in grads)
    out = value.detach()
    for g, x in zip(grads, leaves, strict=True):
        out = out + g * (x - x.detach())
    return out


@closed_form("w2", "lognormal")
def _w2_lognormal(lp, lq, params) -> Closed:
    """W2 of lognormal(m1, s1) and lognormal(m2, s2): in 1-D the quantile coupling is
    optimal, X = e^(m1 + s1 Z), Y = e^(m2 + s2 Z), so
    W2² = E(X − Y)² = e^(2m1 + 2s1²) + e^(2m2 + 2s2²) − 2e^(m1 + m2 + (s1 + s2)²/2)
        = 2 e^(m1 + m2 + t²/2) (expm1(s²/2) cosh h + 2 sinh²(h/2)),
    s = s1 − s2, t = s1 + s2, h = m1 − m2 + s·t: non-negative terms, no cancellation near
    P = Q, and in logs, so a W2 of 1e200 does not overflow on the way. The heavy right
    tail (mass at 1e-19 of the top quantile carries the value) is out of any mesh's
    reach: the quadrature was 7.6e-4 off under an error estimate of 2e-4."""
    (m1, s1), (m2, s2) = lp, lq
    s, t = s1 - s2, s1 + s2
    h = (m1 - m2) + s * t
    c = 0.5 * s * s
    ah = h.abs()
    # log(expm1(c) cosh h), log(2 sinh²(h/2)); −inf where c or h is 0 (kept out of the
    # graph there: their derivatives vanish with them)
    cpos, hpos = c > 0, ah > 0
    cs = torch.where(cpos, c, torch.ones_like(c))
    hs = torch.where(hpos, ah, torch.ones_like(ah))
    log_em1 = torch.where(cs < 700, torch.log(torch.expm1(cs.clamp(max=700.0))),
                          cs + torch.log(-torch.expm1(-cs)))
    log_cosh = ah + torch.log1p(torch.exp(-2 * ah)) - math.log(2.0)
    l1 = torch.where(cpos, log_em1 + log_cosh, torch.full_like(c, -math.inf))
    l2 = torch.where(hpos, math.log(2.0) + 2 * _log_sinh(0.5 * hs),
                     torch.full_like(h, -math.inf))
    log_c = m1 + m2 + 0.5 * t * t
    log_w2sq = math.log(2.0) + log_c + torch.logaddexp(l1, l2)
    value = _with_gradient(torch.exp(0.5 * log_w2sq), log_c - 0.5 * log_w2sq,
                           m1 - m2, s, s1, s2, (m1, s1, m2, s2))
    # Rounding: the exponent's terms to an ulp each (relative error of the value, halved
    # by the square root), the bracket's to a few ulps of its terms, and h's absolute
    # error, eps·(|m1 − m2| + |s|·t), through d(2 sinh²(h/2))/dh = sinh h.
    with torch.no_grad():
        expo = (m1.abs() + m2.abs() + t * t + 8).max()
        dh = EPS * ((m1 - m2).abs() + s.abs() * t + ah)
        lb = torch.logaddexp(l1, l2)
        via_h = torch.exp(torch.where(hpos, _log_sinh(hs) - lb, -lb).clamp(max=700.0)) * dh
        rel = 0.5 * (EPS * expo + 8 * EPS * (1 + ah + c) + via_h.max())
        bound = float((rel * value).max())
    return value, NO_INF, bound
