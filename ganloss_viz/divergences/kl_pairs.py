"""Closed-form KL(P‖Q) between two single continuous 1-D laws: the pairs torch registers.

A pair table in the style of `torch.distributions.kl` (`register_kl`): `_PAIRS` maps
(law class of P, law class of Q) to a private function, registered with `@_pair`.
The formulas are torch's (torch/distributions/kl.py, which cites Gil, Alajaji & Linder
for Laplace and Pareto and Chyzak & Nielsen, arXiv:1905.10965, for Cauchy), checked
against `torch.distributions.kl_divergence` in tests/test_peer_parity.py; where
torch's form cancels near P = Q it is rearranged into non-negative pieces computed to
a few ulp of themselves (`_xm`, `_em`, `_breg` below), so that KL of two nearly equal
laws keeps its relative accuracy. normal/normal (and mvnormal) live in gaussian.py.

Rounding bound. Every function returns (value, magnitude, infinite mask): the value is
a sum of terms, each computed to a few ulp of its own size (special functions: a few
ulp of their size plus one, i.e. absolute accuracy near their roots), and the
magnitude is the sum of those sizes. The error bound is `ULPS · eps · magnitude`: it
is exactly 0 only when every term is exactly 0 (P = Q up to a change of family, e.g.
KL(gamma(1, 2)‖exponential(2)) or KL(uniform(0, 1)‖beta(1, 1))), so "exact" is only
claimed when it is.
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
)
from ..distributions.measure import Measure1D

EPS = torch.finfo(torch.float64).eps
# Units of eps per unit of magnitude: a handful of roundings per term, and the ulp-level
# error of lgamma / digamma / polygamma (checked against mpmath at 50 digits, where the
# worst case seen was below 4; tests/test_peer_parity.py).
ULPS = 16
EULER = 0.57721566490153286061
HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)

Part = tuple[torch.Tensor, torch.Tensor]        # (value, magnitude)


class ClosedKL(NamedTuple):
    value: torch.Tensor     # batch-shaped; 0 where infinite
    inf: torch.Tensor       # bool, batch-shaped
    error: torch.Tensor     # rounding bound (detached); 0 where infinite


# --- pieces computed to a few ulp of themselves -----------------------------------------

def _total(*parts) -> Part:
    """Sum of terms: tensors or numbers (magnitude |t|) or (value, magnitude) pairs."""
    value, mag = 0.0, 0.0
    for t in parts:
        v, m = t if isinstance(t, tuple) else (t, abs(t.detach() if torch.is_tensor(t) else t))
        value, mag = value + v, mag + m
    return value, mag


def _scaled(c, part: Part) -> Part:
    return c * part[0], abs(c.detach() if torch.is_tensor(c) else c) * part[1]


def _horner(x: torch.Tensor, coefs: list[float]) -> torch.Tensor:
    out = torch.full_like(x, coefs[-1])
    for c in reversed(coefs[:-1]):
        out = out * x + c
    return out


_XM = [(-1) ** n / n for n in range(2, 20)]            # d − log1p d = Σ (−d)ⁿ/n, n ≥ 2
_EM = [1 / math.factorial(n) for n in range(2, 19)]    # eᵘ − 1 − u = Σ uⁿ/n!, n ≥ 2


def _xm(d: torch.Tensor, ratio: torch.Tensor) -> Part:
    """d − log1p(d) ≥ 0 for d = ratio − 1 > −1: its Taylor series where |d| < 0.1, else
    d − log(ratio) (the log of the ratio itself: near d = −1, 1 + d has lost digits)."""
    small = d.abs() < 0.1
    ds = torch.where(small, d, torch.zeros_like(d))
    dl = torch.where(small, torch.ones_like(d), d)
    lr = torch.log(torch.where(small, torch.full_like(ratio, 2.0), ratio))
    series = ds * ds * _horner(ds, _XM)
    mag = torch.where(small, series.abs(), dl.abs() + lr.abs())
    return torch.where(small, series, dl - lr), mag.detach()


def _exp(arg: Part) -> Part:
    """exp of (value, magnitude): an argument good to a few ulp of its magnitude makes
    the result good to that many ulp times the magnitude, relatively."""
    v = torch.exp(arg[0])
    return v, v.detach().abs() * (1 + arg[1])


def _em(u: Part) -> Part:
    """eᵘ − 1 − u ≥ 0 for u given as (value, magnitude): series where |u| < 0.5. The
    input's own uncertainty (its magnitude) propagates through the slope eᵘ − 1."""
    u, umag = u
    small = u.abs() < 0.5
    us = torch.where(small, u, torch.zeros_like(u))
    ul = torch.where(small, torch.ones_like(u), u)
    value = torch.where(small, us * us * _horner(us, _EM), torch.expm1(ul) - ul)
    slope = torch.expm1(u.detach()).abs()
    mag = torch.where(small, value.detach(), torch.expm1(ul).abs().detach() + ul.abs().detach())
    return value, mag + slope * umag


def _trigamma(x: torch.Tensor) -> torch.Tensor:
    """ψ'(x) = ζ(2, x): torch's own polygamma(1, x) is off by up to 5e-10 (relative) on
    [0.5, 4]; the Hurwitz zeta is good to a few ulp, and differentiable in x."""
    return torch.special.zeta(2.0, x)


class _Digamma(torch.autograd.Function):
    """ψ(x) whose derivative is `_trigamma` (torch.digamma's backward is polygamma(1, ·),
    which would cost the gradients of the gamma and beta pairs 9 digits)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.digamma(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * _trigamma(x)


def _digamma(x: torch.Tensor) -> torch.Tensor:
    return _Digamma.apply(x)


def _breg(y: torch.Tensor, d: torch.Tensor, x: torch.Tensor | None = None) -> Part:
    """lgamma(y + d) − lgamma(y) − d·ψ(y) ≥ 0 (y > 0, y + d > 0): the Taylor series
    Σ ψ⁽ⁿ⁻¹⁾(y) dⁿ/n! where |d| ≤ y/10 (each term about a tenth of the last), else
    directly (where the sum no longer cancels down to far below its terms), at x = y + d
    when given (computed more accurately than y + d by the caller)."""
    x = y + d if x is None else x
    y, d, x = torch.broadcast_tensors(y, d, x)
    small = d.abs() <= 0.1 * y
    ds = torch.where(small, d, torch.zeros_like(d))
    series, smag, power = torch.zeros_like(d), torch.zeros_like(d), ds
    for n in range(2, 22):
        power = power * ds / n                      # dⁿ/n!
        term = (_trigamma(y) if n == 2 else torch.polygamma(n - 1, y)) * power
        series, smag = series + term, smag + term.detach().abs()
    dl = torch.where(small, y, d)
    lx, ly, psi = torch.lgamma(torch.where(small, 2 * y, x)), torch.lgamma(y), _digamma(y)
    direct = lx - ly - dl * psi
    dmag = (lx.abs() + ly.abs() + dl.abs() * (psi.abs() + 1) + 2).detach()
    return torch.where(small, series, direct), torch.where(small, smag, dmag)


def _lgamma(x: torch.Tensor) -> Part:
    v = torch.lgamma(x)                 # a few ulp of itself, also near its roots 1 and 2
    return v, v.detach().abs()


def _psi(c: torch.Tensor, x: torch.Tensor) -> Part:
    """c·ψ(x), with ψ's absolute error near its root in the magnitude."""
    v = _digamma(x)
    return c * v, (c.abs() * (v.abs() + 1)).detach()


def _mean_log(lo: torch.Tensor, hi: torch.Tensor) -> Part:
    """E log X for X uniform on [lo, hi], 0 ≤ lo < hi. With m the midpoint and
    c = (hi − lo)/(hi + lo): log m − Σ c²ᵏ/(2k(2k+1)) where c ≤ 0.1 (a narrow interval,
    where the divided difference cancels), else (hi log hi − lo log lo)/(hi − lo) − 1."""
    m, w = (lo + hi) / 2, hi - lo
    c = w / (hi + lo)
    small = c <= 0.1
    cs = torch.where(small, c, torch.zeros_like(c))
    c2 = cs * cs
    series = torch.log(m) - c2 * _horner(c2, [1 / (2 * k * (2 * k + 1)) for k in range(1, 10)])
    xh, xl = torch.special.xlogy(hi, hi), torch.special.xlogy(lo, lo)
    wl = torch.where(small, torch.ones_like(w), w)
    direct = (xh - xl) / wl - 1
    mag = torch.where(small, torch.log(m).abs() + c2,
                      (xh.abs() + xl.abs()) / wl + 1).detach()
    return torch.where(small, series, direct), mag


def _safe(mask: torch.Tensor, x: torch.Tensor, fill: float) -> torch.Tensor:
    """x with `fill` where the value is infinite anyway (keeps NaN out of the graph)."""
    return torch.where(mask, torch.full_like(x, fill), x)


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


def _gamma_gamma(kp, rp, kq, rq) -> Part:
    # torch: kq log(rp/rq) + lgamma kq − lgamma kp + (kp − kq)ψ(kp) + (rq − rp) kp/rp,
    # = B(kq ← kp) + kq·(ρ − log1p ρ) + (kp − kq)ρ with ρ = (rq − rp)/rp.
    rho = (rq - rp) / rp
    return _total(_breg(kp, kq - kp, kq), _scaled(kq, _xm(rho, rq / rp)), (kp - kq) * rho)


def _beta_beta(ap, bp, aq, bq) -> Part:
    # torch: lnB(aq, bq) − lnB(ap, bp) + (ap − aq)ψ(ap) + (bp − bq)ψ(bp) + (sq − sp)ψ(sp)
    # = B(aq ← ap) + B(bq ← bp) − B(sq ← sp), s = a + b.
    da, db = aq - ap, bq - bp
    return _total(_breg(ap, da, aq), _breg(bp, db, bq),
                  _scaled(-1.0, _breg(ap + bp, da + db, aq + bq)))


def _neg_entropy(p) -> Part:
    """−H(P) for the laws that meet other families below."""
    if isinstance(p, BetaLaw):
        one = torch.ones_like(p.a)
        return _beta_beta(p.a, p.b, one, one)        # KL(P‖uniform(0, 1))
    return _NEG_ENTROPY[type(p)](p)


_NEG_ENTROPY = {
    NormalLaw: lambda p: _total(-0.5 - HALF_LOG_2PI, -torch.log(p.scale)),
    LaplaceLaw: lambda p: _total(-1.0, -torch.log(2 * p.scale)),
    GumbelLaw: lambda p: _total(-1.0 - EULER, -torch.log(p.scale)),
    ExponentialLaw: lambda p: _total(torch.log(p.rate), -1.0),
    UniformLaw: lambda p: _total(-torch.log(p.hi - p.lo)),
    GammaLaw: lambda p: _total(_psi(p.k - 1, p.k), -p.k, torch.log(p.rate),
                               _scaled(-1.0, _lgamma(p.k))),
}


def _moments(p, c: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(E X − c, Var X), the difference formed without cancelling the location."""
    if isinstance(p, BetaLaw):
        s = p.a + p.b
        return p.a / s - c, p.a * p.b / (s * s * (s + 1))
    return _MOMENTS[type(p)](p, c)


_MOMENTS = {
    NormalLaw: lambda p, c: (p.loc - c, p.scale**2),
    LaplaceLaw: lambda p, c: (p.loc - c, 2 * p.scale**2),
    GumbelLaw: lambda p, c: ((p.loc - c) + EULER * p.scale, (math.pi * p.scale) ** 2 / 6),
    ExponentialLaw: lambda p, c: (1 / p.rate - c, 1 / p.rate**2),
    UniformLaw: lambda p, c: (((p.lo - c) + (p.hi - c)) / 2, (p.hi - p.lo) ** 2 / 12),
    GammaLaw: lambda p, c: (p.k / p.rate - c, p.k / p.rate**2),
}


@_pair((UniformLaw, NormalLaw), (ExponentialLaw, NormalLaw), (GammaLaw, NormalLaw),
       (BetaLaw, NormalLaw), (LaplaceLaw, NormalLaw), (GumbelLaw, NormalLaw))
def _kl_any_normal(p, q):
    # −H(P) + log σ + ½ log 2π + (Var P + (E P − μ)²)/(2σ²)
    offset, var = _moments(p, q.loc)
    value, mag = _total(_neg_entropy(p), torch.log(q.scale), HALF_LOG_2PI,
                        (var + offset**2) / (2 * q.scale**2))
    return value, mag, None


def _log_mgf_neg(p, t: torch.Tensor) -> torch.Tensor:
    """log E exp(−t X) (t > 0): what E e^{−z} of a Gumbel Q needs."""
    if isinstance(p, NormalLaw):
        return -t * p.loc + 0.5 * (t * p.scale) ** 2
    if isinstance(p, ExponentialLaw):
        return -torch.log1p(t / p.rate)
    if isinstance(p, GammaLaw):
        return -p.k * torch.log1p(t / p.rate)
    w = p.hi - p.lo                                   # uniform
    return -t * p.lo + torch.log(-torch.expm1(-t * w) / (t * w))


@_pair((NormalLaw, GumbelLaw), (ExponentialLaw, GumbelLaw), (GammaLaw, GumbelLaw),
       (UniformLaw, GumbelLaw))
def _kl_any_gumbel(p, q):
    # −H(P) + log β + E z + E e^{−z}, z = (X − μ)/β, E e^{−z} = e^{μ/β} E e^{−X/β}
    t = 1 / q.scale
    offset, _ = _moments(p, q.loc)
    value, mag = _total(_neg_entropy(p), torch.log(q.scale), offset * t,
                        _exp(_total(q.loc * t, _log_mgf_neg(p, t))))
    return value, mag, None


@_pair((NormalLaw, LaplaceLaw))
def _kl_normal_laplace(p, q):
    # −H(P) + log 2b + E|X − μ|/b, E|X − μ| = σ√(2/π) e^{−z²/2} + d·erf(z/√2), z = d/σ
    d = p.loc - q.loc
    z = d / p.scale
    mean_abs = (math.sqrt(2 / math.pi) * p.scale * torch.exp(-0.5 * z * z)
                + d * torch.erf(z / math.sqrt(2)))
    value, mag = _total(_neg_entropy(p), torch.log(2 * q.scale), mean_abs / q.scale)
    return value, mag, None


@_pair((ExponentialLaw, ExponentialLaw))
def _kl_exponential_exponential(p, q):
    value, mag = _xm((q.rate - p.rate) / p.rate, q.rate / p.rate)   # r − 1 − log r
    return value, mag, None


@_pair((GammaLaw, GammaLaw), (ExponentialLaw, GammaLaw), (GammaLaw, ExponentialLaw))
def _kl_gamma_gamma(p, q):
    # exponential(λ) = gamma(1, λ)
    kp, kq = (getattr(x, "k", None) for x in (p, q))
    kp = torch.ones_like(p.rate) if kp is None else kp
    kq = torch.ones_like(q.rate) if kq is None else kq
    value, mag = _gamma_gamma(kp, p.rate, kq, q.rate)
    return value, mag, None


@_pair((BetaLaw, BetaLaw))
def _kl_beta_beta(p, q):
    value, mag = _beta_beta(p.a, p.b, q.a, q.b)
    return value, mag, None


@_pair((BetaLaw, ExponentialLaw))
def _kl_beta_exponential(p, q):
    value, mag = _total(_neg_entropy(p), -torch.log(q.rate), q.rate * p.a / (p.a + p.b))
    return value, mag, None


@_pair((BetaLaw, GammaLaw))
def _kl_beta_gamma(p, q):
    # −H(P) + lgamma k − k log r − (k − 1)(ψ(a) − ψ(a + b)) + r·a/(a + b)
    km1 = q.k - 1
    value, mag = _total(_neg_entropy(p), _lgamma(q.k), -q.k * torch.log(q.rate),
                        _psi(-km1, p.a), _psi(km1, p.a + p.b), q.rate * p.a / (p.a + p.b))
    return value, mag, None


@_pair((BetaLaw, UniformLaw))
def _kl_beta_uniform(p, q):
    # KL(P‖uniform(0, 1)) + log(high − low); infinite unless [0, 1] ⊂ [low, high]
    inf = ((q.lo > 0) | (q.hi < 1)).detach()
    excess = _safe(inf, (q.hi - 1) - q.lo, 0.0)       # (high − low) − 1 ≥ 0
    value, mag = _total(_neg_entropy(p), torch.log1p(excess))
    return value, mag, inf


@_pair((UniformLaw, UniformLaw))
def _kl_uniform_uniform(p, q):
    # log((hq − lq)/(hp − lp)) = log1p(((lp − lq) + (hq − hp))/(hp − lp))
    inf = ((q.lo > p.lo) | (q.hi < p.hi)).detach()
    excess = _safe(inf, ((p.lo - q.lo) + (q.hi - p.hi)) / (p.hi - p.lo), 0.0)
    value, mag = _total(torch.log1p(excess))
    return value, mag, inf


def _positive_uniform(p):
    """(low, high, infinite mask) of a uniform P against a Q on [0, ∞) or [0, 1]."""
    inf = (p.lo < 0).detach()
    return _safe(inf, p.lo, 1.0), _safe(inf, p.hi, 2.0), inf


@_pair((UniformLaw, ExponentialLaw))
def _kl_uniform_exponential(p, q):
    lo, hi, inf = _positive_uniform(p)
    value, mag = _total(q.rate * (lo + hi) / 2, -torch.log((hi - lo) * q.rate))
    return value, mag, inf


@_pair((UniformLaw, GammaLaw))
def _kl_uniform_gamma(p, q):
    # −log w + lgamma k − k log r − (k − 1) E log X + r (lo + hi)/2
    lo, hi, inf = _positive_uniform(p)
    value, mag = _total(-torch.log(hi - lo), _lgamma(q.k), -q.k * torch.log(q.rate),
                        _scaled(1 - q.k, _mean_log(lo, hi)), q.rate * (lo + hi) / 2)
    return value, mag, inf


@_pair((UniformLaw, BetaLaw))
def _kl_uniform_beta(p, q):
    # −log w − (a − 1) E log X − (b − 1) E log(1 − X) + lnB(a, b)
    inf = ((p.lo < 0) | (p.hi > 1)).detach()
    lo, hi = _safe(inf, p.lo, 0.25), _safe(inf, p.hi, 0.75)
    value, mag = _total(-torch.log(hi - lo), _scaled(1 - q.a, _mean_log(lo, hi)),
                        _scaled(1 - q.b, _mean_log(1 - hi, 1 - lo)), _lgamma(q.a),
                        _lgamma(q.b), _scaled(-1.0, _lgamma(q.a + q.b)))
    return value, mag, inf


@_pair((LaplaceLaw, LaplaceLaw))
def _kl_laplace_laplace(p, q):
    # torch: −log s + |Δ|/bq + s e^{−t} − 1, s = bp/bq, t = |Δ|/bp
    #      = s (e^{−t} − 1 + t) + (σ − log1p σ), σ = s − 1
    s = p.scale / q.scale
    t = (p.loc - q.loc).abs() / p.scale
    value, mag = _total(_scaled(s, _em((-t, t.detach()))),
                        _xm((p.scale - q.scale) / q.scale, p.scale / q.scale))
    return value, mag, None


@_pair((GumbelLaw, GumbelLaw))
def _kl_gumbel_gumbel(p, q):
    # torch: −log s + m + γ(s − 1) + exp(lgamma(1 + s) − m) − 1, s = βp/βq, m = Δμ/βq
    #      = (eᵘ − 1 − u) + B(1 + σ ← 1), u = lgamma(2 + σ) − m, σ = s − 1 (ψ(1) = −γ),
    # with lgamma(2 + σ) = σ(1 − γ) + B(2 + σ ← 2) (ψ(2) = 1 − γ)
    sigma = (p.scale - q.scale) / q.scale
    m = (p.loc - q.loc) / q.scale
    one = torch.ones_like(sigma)
    s = p.scale / q.scale
    u = _total((1 - EULER) * sigma, _breg(2 * one, sigma, 1 + s), -m)
    value, mag = _total(_em(u), _breg(one, sigma, s))
    return value, mag, None


@_pair((CauchyLaw, CauchyLaw))
def _kl_cauchy_cauchy(p, q):
    # log(((γp + γq)² + Δ²)/(4 γp γq)) = log1p(((γp − γq)² + Δ²)/(4 γp γq))
    x = ((p.scale - q.scale) ** 2 + (p.loc - q.loc) ** 2) / (4 * p.scale * q.scale)
    value, mag = _total(torch.log1p(x))
    return value, mag, None


@_pair((LogNormalLaw, LogNormalLaw))
def _kl_lognormal_lognormal(p, q):
    # KL of the underlying normals: ½(r² − 1 − log r²) + ½(Δμ/σq)², r = σp/σq
    rho = (p.scale - q.scale) / q.scale
    value, mag = _total(_scaled(0.5, _xm(rho * (2 + rho), (p.scale / q.scale) ** 2)),
                        0.5 * ((p.loc - q.loc) / q.scale) ** 2)
    return value, mag, None


# --- public -----------------------------------------------------------------------------

def _single_law(M):
    """The law when M is one continuous 1-D law with no atoms, else None."""
    if not isinstance(M, Measure1D) or M.has_atoms or len(M.comps) != 1:
        return None
    if not bool((M.comp_w.detach() == 1).all()):
        return None
    law = M.comps[0]
    if isinstance(law, BetaLaw) and bool((law.c != 0).any()):
        return None                                   # a shifted frame, not the law
    return law


def _params(law) -> list[torch.Tensor]:
    return [v for v in vars(law).values() if torch.is_tensor(v)]


def evaluate(P, Q) -> ClosedKL | None:
    """KL(P‖Q) with its infinite mask and rounding bound, or None when the pair has no
    entry here (either side not a single continuous 1-D law, or its families not paired).
    Shapes: the batch shape of the parameters (their trailing 1 squeezed)."""
    p, q = _single_law(P), _single_law(Q)
    fn = None if p is None or q is None else _PAIRS.get((type(p), type(q)))
    if fn is None:
        return None
    value, mag, inf = fn(p, q)
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


def closed_kl(P, Q) -> tuple[torch.Tensor, torch.Tensor] | None:
    """(KL(P‖Q), infinite mask), or None when the pair has no closed form here."""
    r = evaluate(P, Q)
    return None if r is None else (r.value, r.inf)


def closed_kl_error(P, Q) -> torch.Tensor | None:
    """The rounding bound of `closed_kl(P, Q)`: ULPS·eps·(sum of the sizes of the terms
    summed); 0 only where every term is exactly 0 (and where the value is infinite)."""
    r = evaluate(P, Q)
    return None if r is None else r.error


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
