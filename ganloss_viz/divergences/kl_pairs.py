"""Closed-form KL(P‖Q) between two single continuous 1-D laws: the pairs torch registers.

A pair table in the style of `torch.distributions.kl` (`register_kl`): `_PAIRS` maps
(law class of P, law class of Q) to a private function, registered with `@_pair`.
The formulas are torch's (torch/distributions/kl.py, which cites Gil, Alajaji & Linder
for Laplace and Pareto and Chyzak & Nielsen, arXiv:1905.10965, for Cauchy), checked
against `torch.distributions.kl_divergence` in tests/test_peer_parity.py; where
torch's form cancels near P = Q it is rearranged into non-negative pieces computed to
a few ulp of themselves (`xm`, `em`, `breg` below), so that KL of two nearly equal
laws keeps its relative accuracy. normal/normal (and mvnormal) live in gaussian.py; the
single laws' entropies and moments that the cross-family pairs use, in kl_moments.py.

Rounding bound. Every function returns (value, magnitude[, infinite mask]): the value is
a sum of terms, each computed to a few ulp of its own size (digamma: of its size plus
one, i.e. absolutely near its root), and the magnitude is the sum of those sizes. The
error bound is `ULPS · eps · magnitude`: it is exactly 0 only when every term is exactly
0 (P = Q up to a change of family, e.g. KL(gamma(1, 2)‖exponential(2)) or
KL(uniform(0, 1)‖beta(1, 1))), so "exact" is only claimed when it is.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch

from ..distributions.continuous import (
    BetaLaw,
    CauchyLaw,
    ExponentialLaw,
    GammaLaw,
    GumbelLaw,
    LaplaceLaw,
    LogNormalLaw,
    NormalLaw,
    UniformLaw,
    ratio,
)
from ..distributions.measure import Measure1D
from .kl_moments import EULER, beta_beta, log_mgf_neg, moments, neg_entropy, spread
from .stable import (
    EPS,
    HALF_LOG_2PI,
    ULPS,
    Part,
    breg,
    em,
    exp_part,
    lgamma_part,
    mean_log,
    psi_part,
    safe,
    scaled,
    total,
    xm,
)


class ClosedKL(NamedTuple):
    value: torch.Tensor     # batch-shaped; 0 where infinite
    inf: torch.Tensor       # bool, batch-shaped
    error: torch.Tensor     # rounding bound (detached); 0 where infinite


# --- the pair table ---------------------------------------------------------------------

_PAIRS: dict[tuple[type, type], object] = {}


def _pair(*pairs: tuple[type, type]):
    def deco(fn):
        for key in pairs:
            _PAIRS[key] = fn
        return fn
    return deco


_UNBOUNDED = (NormalLaw, LaplaceLaw, GumbelLaw)
_POSITIVE = (ExponentialLaw, GammaLaw)
_BOUNDED = (UniformLaw, BetaLaw)


@_pair(*[(a, b) for a in _UNBOUNDED for b in _POSITIVE + _BOUNDED],
       *[(a, b) for a in _POSITIVE for b in _BOUNDED])
def _kl_infinity(p, q):
    """P has mass where q = 0 (its support is not inside Q's, whatever the parameters)."""
    return 0.0, 0.0, True


def _rate_ratio(rq: torch.Tensor, rp: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(ρ, s) = ((rq − rp)/rp, rq/rp), their values as written, their gradients both
    through one node, s = e^(log rq − log rp). With ρ and s apart, a rate of 6.6e-174
    (ρ = 8.8e173) sent ∂ρ/∂rp = −inf and +inf from log s down two paths: NaN, where the
    derivative (−1.3e347) is only beyond the float range, −inf (search seed 2054)."""
    s = torch.exp(torch.log(rq) - torch.log(rp))
    rho = ((rq - rp) / rp).detach() + (s - s.detach())
    ratio = (rq / rp).detach() + (s - s.detach())
    return rho, ratio


def _gamma_gamma(kp, rp, kq, rq) -> Part:
    # torch: kq log(rp/rq) + lgamma kq − lgamma kp + (kp − kq)ψ(kp) + (rq − rp) kp/rp,
    # = B(kq ← kp) + kq·(ρ − log1p ρ) + (kp − kq)ρ with ρ = (rq − rp)/rp.
    rho, ratio = _rate_ratio(rq, rp)
    return total(breg(kp, kq - kp, kq), scaled(kq, xm(rho, ratio)), (kp - kq) * rho)


@_pair((UniformLaw, NormalLaw), (ExponentialLaw, NormalLaw), (GammaLaw, NormalLaw),
       (BetaLaw, NormalLaw), (LaplaceLaw, NormalLaw), (GumbelLaw, NormalLaw))
def _kl_any_normal(p, q):
    # −H(P) + log σ + ½ log 2π + (Var P + (E P − μ)²)/(2σ²)
    offset, var = moments(p, q.loc)
    return total(neg_entropy(p), torch.log(q.scale), HALF_LOG_2PI,
                  spread(offset, var, q.scale**2))


@_pair((NormalLaw, GumbelLaw), (ExponentialLaw, GumbelLaw), (GammaLaw, GumbelLaw),
       (UniformLaw, GumbelLaw))
def _kl_any_gumbel(p, q):
    # −H(P) + log β + E z + E e^{−z}, z = (X − μ)/β, E e^{−z} = e^{μ/β} E e^{−X/β}
    t = 1 / q.scale
    offset, _ = moments(p, q.loc)
    return total(neg_entropy(p), torch.log(q.scale), scaled(t, offset),
                  exp_part(total(q.loc * t, log_mgf_neg(p, t))))


@_pair((NormalLaw, LaplaceLaw))
def _kl_normal_laplace(p, q):
    # −H(P) + log 2b + E|X − μ|/b, E|X − μ| = σ√(2/π) e^{−z²/2} + d·erf(z/√2), z = d/σ
    d = p.loc - q.loc
    z = d / p.scale
    mean_abs = (math.sqrt(2 / math.pi) * p.scale * torch.exp(-0.5 * z * z)
                + d * torch.erf(z / math.sqrt(2)))
    return total(neg_entropy(p), torch.log(2 * q.scale), mean_abs / q.scale)


@_pair((ExponentialLaw, ExponentialLaw))
def _kl_exponential_exponential(p, q):
    return xm(*_rate_ratio(q.rate, p.rate))   # r − 1 − log r


@_pair((GammaLaw, GammaLaw), (ExponentialLaw, GammaLaw), (GammaLaw, ExponentialLaw))
def _kl_gamma_gamma(p, q):
    # exponential(λ) = gamma(1, λ)
    kp, kq = (getattr(x, "k", None) for x in (p, q))
    kp = torch.ones_like(p.rate) if kp is None else kp
    kq = torch.ones_like(q.rate) if kq is None else kq
    return _gamma_gamma(kp, p.rate, kq, q.rate)


@_pair((BetaLaw, BetaLaw))
def _kl_beta_beta(p, q):
    return beta_beta(p.a, p.b, q.a, q.b)


@_pair((BetaLaw, ExponentialLaw))
def _kl_beta_exponential(p, q):
    return total(neg_entropy(p), -torch.log(q.rate), q.rate * p.a / (p.a + p.b))


@_pair((BetaLaw, GammaLaw))
def _kl_beta_gamma(p, q):
    # −H(P) + lgamma k − k log r − (k − 1)(ψ(a) − ψ(a + b)) + r·a/(a + b)
    km1 = q.k - 1
    return total(neg_entropy(p), lgamma_part(q.k), -q.k * torch.log(q.rate),
                  psi_part(-km1, p.a), psi_part(km1, p.a + p.b), q.rate * p.a / (p.a + p.b))


@_pair((BetaLaw, UniformLaw))
def _kl_beta_uniform(p, q):
    # KL(P‖uniform(0, 1)) + log(high − low); infinite unless [0, 1] ⊂ [low, high]
    inf = ((q.lo > 0) | (q.hi < 1)).detach()
    excess = safe(inf, (q.hi - 1) - q.lo, 0.0)       # (high − low) − 1 ≥ 0
    return (*total(neg_entropy(p), torch.log1p(excess)), inf)


@_pair((UniformLaw, UniformLaw))
def _kl_uniform_uniform(p, q):
    # log((hq − lq)/(hp − lp)) = log1p(((lp − lq) + (hq − hp))/(hp − lp))
    inf = ((q.lo > p.lo) | (q.hi < p.hi)).detach()
    excess = safe(inf, ((p.lo - q.lo) + (q.hi - p.hi)) / (p.hi - p.lo), 0.0)
    return (*total(torch.log1p(excess)), inf)


def _positive_uniform(p):
    """(low, high, infinite mask) of a uniform P against a Q on [0, ∞) or [0, 1]."""
    inf = (p.lo < 0).detach()
    return safe(inf, p.lo, 1.0), safe(inf, p.hi, 2.0), inf


@_pair((UniformLaw, ExponentialLaw))
def _kl_uniform_exponential(p, q):
    lo, hi, inf = _positive_uniform(p)
    return (*total(q.rate * (lo + hi) / 2, -torch.log((hi - lo) * q.rate)), inf)


@_pair((UniformLaw, GammaLaw))
def _kl_uniform_gamma(p, q):
    # −log w + lgamma k − k log r − (k − 1) E log X + r (lo + hi)/2
    lo, hi, inf = _positive_uniform(p)
    return (*total(-torch.log(hi - lo), lgamma_part(q.k), -q.k * torch.log(q.rate),
                    scaled(1 - q.k, mean_log(lo, hi)), q.rate * (lo + hi) / 2), inf)


@_pair((UniformLaw, BetaLaw))
def _kl_uniform_beta(p, q):
    # −log w − (a − 1) E log X − (b − 1) E log(1 − X) + lnB(a, b)
    inf = ((p.lo < 0) | (p.hi > 1)).detach()
    lo, hi = safe(inf, p.lo, 0.25), safe(inf, p.hi, 0.75)
    return (*total(-torch.log(hi - lo), scaled(1 - q.a, mean_log(lo, hi)),
                    scaled(1 - q.b, mean_log(1 - hi, 1 - lo)), lgamma_part(q.a),
                    lgamma_part(q.b), scaled(-1.0, lgamma_part(q.a + q.b))), inf)


@_pair((LaplaceLaw, LaplaceLaw))
def _kl_laplace_laplace(p, q):
    # torch: −log s + |Δ|/bq + s e^{−t} − 1, s = bp/bq, t = |Δ|/bp
    #      = s (e^{−t} − 1 + t) + (σ − log1p σ), σ = s − 1
    s = p.scale / q.scale
    t = ratio((p.loc - q.loc).abs(), p.scale)     # 1e282 for a scale of 1e-282
    return total(scaled(s, em((-t, t.detach()))),
                  xm((p.scale - q.scale) / q.scale, p.scale / q.scale))


@_pair((GumbelLaw, GumbelLaw))
def _kl_gumbel_gumbel(p, q):
    # torch: −log s + m + γ(s − 1) + exp(lgamma(1 + s) − m) − 1, s = βp/βq, m = Δμ/βq
    #      = (eᵘ − 1 − u) + B(1 + σ ← 1), u = lgamma(2 + σ) − m, σ = s − 1 (ψ(1) = −γ),
    # with lgamma(2 + σ) = σ(1 − γ) + B(2 + σ ← 2) (ψ(2) = 1 − γ)
    sigma = (p.scale - q.scale) / q.scale
    m = (p.loc - q.loc) / q.scale
    one = torch.ones_like(sigma)
    s = p.scale / q.scale
    u = total((1 - EULER) * sigma, breg(2 * one, sigma, 1 + s), -m)
    return total(em(u), breg(one, sigma, s))


@_pair((CauchyLaw, CauchyLaw))
def _kl_cauchy_cauchy(p, q):
    # log(((γp + γq)² + Δ²)/(4 γp γq)) = log1p(((γp − γq)² + Δ²)/(4 γp γq))
    # Far apart (Δ = 1e160: Δ² overflows) or of scales far apart (2.7e194 and 0.57: the
    # squares overflow, and KL, 446.88, was inf "exact") the same as
    # 2 log hypot(γp + γq, Δ) − log 4 − log γp − log γq, halved inside against overflow.
    gap = (p.loc - q.loc).detach().abs() / (p.scale + q.scale).detach()
    ratio = torch.maximum(p.scale / q.scale, q.scale / p.scale).detach()
    near = (gap < 1e100) & (ratio < 1e100)
    d = torch.where(near, p.loc - q.loc, torch.zeros_like(p.loc))
    sp, sq = (torch.where(near, t, torch.ones_like(t)) for t in (p.scale, q.scale))
    # over 2√(γp γq) before squaring: scales of 8e252 and 1e169, though only 1e84 apart,
    # overflowed (γp − γq)² and 4 γp γq, and KL, 191.83, was inf "exact"
    g = 2 * torch.sqrt(sp) * torch.sqrt(sq)
    x = ((sp - sq) / g) ** 2 + (d / g) ** 2
    far = 2 * torch.log(torch.hypot(0.5 * p.scale + 0.5 * q.scale, 0.5 * p.loc - 0.5 * q.loc)) \
        - torch.log(p.scale) - torch.log(q.scale)
    return total(torch.where(near, torch.log1p(x), far))


@_pair((LogNormalLaw, LogNormalLaw))
def _kl_lognormal_lognormal(p, q):
    # KL of the underlying normals: ½(r² − 1 − log r²) + ½(Δμ/σq)², r = σp/σq
    rho = (p.scale - q.scale) / q.scale
    return total(scaled(0.5, xm(rho * (2 + rho), (p.scale / q.scale) ** 2)),
                  0.5 * ((p.loc - q.loc) / q.scale) ** 2)


# --- public -----------------------------------------------------------------------------

def _single_law(M):
    """The law when M is one continuous 1-D law with no atoms, else None."""
    if not isinstance(M, Measure1D) or M.has_atoms or len(M.comps) != 1:
        return None
    if not bool((M.comp_w.detach() == 1).all()):
        return None
    return M.comps[0]


def _unshifted(p, q):
    """The two laws before the engine's common shift (frames.recentred moves P and Q
    together by a detached c; KL does not change). Only a beta remembers c (its frame
    offset): it goes back to BetaLaw(a, b), its partner by c (exact where the shift
    was, i.e. where c and the partner's location are within a factor 2, which the
    choice of c as the narrowest law's centre makes the usual case). Location laws
    among themselves need nothing: their closed forms see only differences."""
    offsets = [law.c for law in (p, q) if isinstance(law, BetaLaw) and bool((law.c != 0).any())]
    if not offsets:
        return p, q
    c = offsets[0]
    if len(offsets) == 2 and not torch.equal(*offsets):
        return None
    out = []
    for law in (p, q):
        if isinstance(law, BetaLaw):
            out.append(BetaLaw(law.a[..., 0], law.b[..., 0]))
        else:
            moved = law.shifted(-c)                   # the law of X + c
            if type(moved) is not type(law):
                return None
            out.append(moved)
    return tuple(out)


def _params(law) -> list[torch.Tensor]:
    return [v for v in vars(law).values() if torch.is_tensor(v)]


def evaluate(P, Q) -> ClosedKL | None:
    """KL(P‖Q) with its infinite mask and rounding bound, or None when the pair has no
    entry here (either side not a single continuous 1-D law, or its families not paired).
    Shapes: the batch shape of the parameters (their trailing 1 squeezed)."""
    p, q = _single_law(P), _single_law(Q)
    fn = None if p is None or q is None else _PAIRS.get((type(p), type(q)))
    laws = None if fn is None else _unshifted(p, q)
    if laws is None:
        return None
    p, q = laws
    out = fn(p, q)                                  # (value, magnitude[, infinite])
    value, mag, inf = out if len(out) == 3 else (*out, None)
    shape = torch.broadcast_shapes(*(t.shape for t in _params(p) + _params(q)))
    value = torch.as_tensor(value, dtype=torch.float64).expand(shape)
    mag = torch.as_tensor(mag, dtype=torch.float64).expand(shape)
    inf = torch.as_tensor(False if inf is None else inf).expand(shape)
    # A value beyond the largest double (e.g. exp(μ/β) of a far Gumbel) is inf as well.
    inf = inf | ~torch.isfinite(value.detach())
    zero = torch.zeros_like(value)
    value = torch.where(inf, zero, value)
    error = torch.where(inf, zero.detach(), ULPS * EPS * mag).detach()
    return ClosedKL(value.squeeze(-1), inf.squeeze(-1), error.squeeze(-1))


def _bound(error: torch.Tensor) -> float:
    return float(error.max()) if error.numel() else 0.0


def kl(P, Q) -> tuple[torch.Tensor, torch.Tensor, float] | None:
    """(value, infinite mask, error bound as a float) of KL(P‖Q), for the catalogue."""
    r = evaluate(P, Q)
    return None if r is None else (r.value, r.inf, _bound(r.error))


def reverse_kl(P, Q) -> tuple[torch.Tensor, torch.Tensor, float] | None:
    """KL(Q‖P), as `kl`."""
    return kl(Q, P)


def jeffreys(P, Q) -> tuple[torch.Tensor, torch.Tensor, float] | None:
    """KL(P‖Q) + KL(Q‖P), as `kl`; None unless both directions have a closed form."""
    a, b = evaluate(P, Q), evaluate(Q, P)
    if a is None or b is None:
        return None
    inf = a.inf | b.inf
    value = torch.where(inf, torch.zeros_like(a.value), a.value + b.value)
    return value, inf, _bound(torch.where(inf, torch.zeros_like(a.error), a.error + b.error))
