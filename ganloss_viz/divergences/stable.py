"""Sums of terms computed to a few ulp of themselves, for closed forms that cancel.

Each function returns a `Part`, (value, magnitude): the value of a term and the size of
the quantities summed to get it, so that a caller can bound the rounding error of a
closed form by ULPS · eps · magnitude (kl_pairs.py). Near P = Q the usual formulas
subtract nearly equal numbers (log r − r + 1, digamma differences); here they are
series or log1p / expm1 forms that keep their relative accuracy.
"""

from __future__ import annotations

import math

import torch

EPS = torch.finfo(torch.float64).eps
# Units of eps per unit of magnitude: a handful of roundings per term, and the ulp-level
# error of lgamma / digamma / polygamma (checked against mpmath at 50 digits, where the
# worst case seen was below 4; tests/test_peer_parity.py).
ULPS = 16
HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)

Part = tuple[torch.Tensor, torch.Tensor]        # (value, magnitude)


def expm1(x: torch.Tensor) -> torch.Tensor:
    """e^x − 1 whose derivative is e^x. torch's backward forms it as expm1(x) + 1, which
    is 0 once expm1 rounds to −1 (x < −37): squared Hellinger 1 − e^(−112) of two far
    normals would have a zero gradient instead of 7.5 e^(−112)."""
    xd = x.detach()
    e = torch.exp(xd)
    fin = torch.isfinite(e) & torch.isfinite(xd)    # beyond ±709: the value, no slope
    zero = torch.zeros_like(xd)
    step = torch.where(fin, x, zero) - torch.where(fin, xd, zero)
    return torch.expm1(xd) + torch.where(fin, e, zero) * step


def total(*parts) -> Part:
    """Sum of terms: tensors or numbers (magnitude |t|) or (value, magnitude) pairs."""
    value, mag = 0.0, 0.0
    for t in parts:
        v, m = t if isinstance(t, tuple) else (t, abs(t.detach() if torch.is_tensor(t) else t))
        value, mag = value + v, mag + m
    return value, mag


def scaled(c, part: Part) -> Part:
    return c * part[0], abs(c.detach() if torch.is_tensor(c) else c) * part[1]


def _horner(x: torch.Tensor, coefs: list[float]) -> torch.Tensor:
    out = torch.full_like(x, coefs[-1])
    for c in reversed(coefs[:-1]):
        out = out * x + c
    return out


_XM = [(-1) ** n / n for n in range(2, 20)]            # d − log1p d = Σ (−d)ⁿ/n, n ≥ 2
_EM = [1 / math.factorial(n) for n in range(2, 19)]    # eᵘ − 1 − u = Σ uⁿ/n!, n ≥ 2


def xm(d: torch.Tensor, ratio: torch.Tensor) -> Part:
    """d − log1p(d) ≥ 0 for d = ratio − 1 > −1: its Taylor series where |d| < 0.1, else
    d − log(ratio) (the log of the ratio itself: near d = −1, 1 + d has lost digits)."""
    small = d.abs() < 0.1
    ds = torch.where(small, d, torch.zeros_like(d))
    dl = torch.where(small, torch.ones_like(d), d)
    lr = torch.log(torch.where(small, torch.full_like(ratio, 2.0), ratio))
    series = ds * ds * _horner(ds, _XM)
    mag = torch.where(small, series.abs(), dl.abs() + lr.abs())
    return torch.where(small, series, dl - lr), mag.detach()


def exp_part(arg: Part) -> Part:
    """exp of (value, magnitude): an argument good to a few ulp of its magnitude makes
    the result good to that many ulp times the magnitude, relatively."""
    v = torch.exp(arg[0])
    return v, v.detach().abs() * (1 + arg[1])


def em(u: Part) -> Part:
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


def digamma(x: torch.Tensor) -> torch.Tensor:
    return _Digamma.apply(x)


def breg(y: torch.Tensor, d: torch.Tensor, x: torch.Tensor | None = None) -> Part:
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
    lx, ly, psi = torch.lgamma(torch.where(small, 2 * y, x)), torch.lgamma(y), digamma(y)
    direct = lx - ly - dl * psi
    dmag = (lx.abs() + ly.abs() + dl.abs() * (psi.abs() + 1) + 2).detach()
    return torch.where(small, series, direct), torch.where(small, smag, dmag)


def lgamma_part(x: torch.Tensor) -> Part:
    v = torch.lgamma(x)                 # a few ulp of itself, also near its roots 1 and 2
    return v, v.detach().abs()


def psi_part(c: torch.Tensor, x: torch.Tensor) -> Part:
    """c·ψ(x), with ψ's absolute error near its root in the magnitude."""
    v = digamma(x)
    return c * v, (c.abs() * (v.abs() + 1)).detach()


def mean_log(lo: torch.Tensor, hi: torch.Tensor) -> Part:
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


_BERNOULLI = [1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6]   # B₂ … B₁₄


def gamma_entropy(x: torch.Tensor) -> Part:
    """H(gamma(x, 1)) = lgamma x + (1 − x)ψ(x) + x, whose terms cancel like x log x: for
    x ≥ 12 its Stirling series ½ log x + ½(1 + log 2π) − 1/(2x) + Σₖ B₂ₖ (1/((2k − 1)
    x²ᵏ⁻¹) − 1/(2k x²ᵏ)), k ≤ 7 (good to 1e-16 from x = 10), else directly."""
    big = x >= 12
    xb = torch.where(big, x, torch.full_like(x, 12.0))
    xs = torch.where(big, torch.ones_like(x), x)
    inv = 1 / xb
    series = 0.5 * torch.log(xb) + 0.5 * (1 + math.log(2 * math.pi)) - 0.5 * inv
    for k, b in enumerate(_BERNOULLI, 1):
        series = series + b * (inv ** (2 * k - 1) / (2 * k - 1) - inv ** (2 * k) / (2 * k))
    lg, psi = torch.lgamma(xs), digamma(xs)
    direct = lg + (1 - xs) * psi + xs
    mag = torch.where(big, 0.5 * torch.log(xb).abs() + 2,
                      lg.abs() + (1 - xs).abs() * (psi.abs() + 1) + xs).detach()
    return torch.where(big, series, direct), mag


def safe(mask: torch.Tensor, x: torch.Tensor, fill: float) -> torch.Tensor:
    """x with `fill` where the value is infinite anyway (keeps NaN out of the graph)."""
    return torch.where(mask, torch.full_like(x, fill), x)


