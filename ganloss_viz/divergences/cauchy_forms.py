"""Closed forms between two Cauchy laws, from the χ² divergence alone.

Every f-divergence between Cauchy(μ1, γ1) and Cauchy(μ2, γ2) is a function of
χ² = ((μ1 − μ2)² + (γ1 − γ2)²)/(2 γ1 γ2), the same both ways round (Nielsen and Okamura,
"On f-divergences between Cauchy distributions", IEEE Trans. Inf. Theory, 2023): the pair
is as far apart as Cauchy(0, 1) and Cauchy(0, λ) with λ = s + √(s² − 1), s = 1 + χ².
Here: Pearson = Neyman = χ²; TV = (2/π)·arctan √(χ²/2); and the Bhattacharyya
coefficient BC = ∫√(pq) = 2K(k)/(π√λ), k² = 1 − 1/λ², that is 1/(√λ · agm(1, 1/λ)).

Far apart, the quadrature had to follow √(pq) ∝ 1/|x| over hundreds of decades and
p²/q over the wide law (Pearson of scales 4e297 and 3e124 came out 3e-11 off under an
error of 1.5e-12); these are exact to a few ulps at any distance. χ² is formed from
h/√(γ1 γ2), h = ½·hypot(Δμ, Δγ), so nothing is squared before it is divided.
"""

from __future__ import annotations

import math

import torch

from ..distributions.continuous import CauchyLaw
from .kl_pairs import _single_law
from .stable import EPS, expm1

LOG_2, LOG_PI_2 = math.log(2.0), math.log(math.pi / 2)
# Below λ − 1 = 0.1 (laws close together) log BC is the difference of two terms of about
# (λ − 1)/2, and loses digits in 4/(λ − 1): quadrature keeps those pairs.
NEAR = 0.1
# Beyond χ² = 1e16, agm(1, 1/λ) = π/(2 log 4λ) to 1e-30, and λ = 2χ² to 1e-16.
FAR = 1e16


def pair(P, Q) -> tuple[CauchyLaw, CauchyLaw] | None:
    """The two laws when P and Q are each a single Cauchy law, else None."""
    p, q = _single_law(P), _single_law(Q)
    ok = type(p) is CauchyLaw and type(q) is CauchyLaw
    return (p, q) if ok else None


def _r(p: CauchyLaw, q: CauchyLaw, beyond: float
       ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(r, log r, far): r = ½·hypot(Δμ, Δγ)/√(γ1 γ2), so that χ² = 2r², with r set to 1
    where log r > `beyond` (far; there r may pass the float range, and its inf would
    send 0·inf = nan into every derivative). Δμ is halved first: it may be 2e300."""
    h = torch.hypot(0.5 * p.loc - 0.5 * q.loc, 0.5 * p.scale - 0.5 * q.scale)
    root = torch.sqrt(p.scale) * torch.sqrt(q.scale)
    log_r = (torch.log(h) - torch.log(root))[..., 0]
    far = log_r.detach() > beyond
    r = (torch.where(far[..., None], root, h) / root)[..., 0]
    return r, torch.where(far, log_r, torch.zeros_like(log_r)), far


def chi2(p: CauchyLaw, q: CauchyLaw) -> torch.Tensor:
    """χ² (inf where it passes the float range, r > 9e153)."""
    r, log_r, far = _r(p, q, 354.0)
    return torch.where(far, torch.exp(math.log(2.0) + 2 * log_r), 2 * r * r)


def tv(p: CauchyLaw, q: CauchyLaw) -> torch.Tensor:
    """(2/π)·arctan √(χ²/2), and √(χ²/2) is r: 1 − (2/π)/r far out."""
    r, log_r, far = _r(p, q, 40.0)
    return torch.where(far, 1 - 2 / math.pi * torch.exp(-log_r), 2 / math.pi * torch.atan(r))


def log_bc(p: CauchyLaw, q: CauchyLaw) -> torch.Tensor | None:
    """log BC = −½ log λ − log agm(1, 1/λ), or None where some row has λ − 1 < NEAR.

    Far (χ² > FAR): −½ log λ − log(π/2) + log log 4λ, λ = 2χ² in logs. Between, the AGM
    by its differences c_n = (a_n − b_n)/2, c_{n+1} = c_n²/(2(a_{n+1} + b_{n+1})), and
    log a_∞ = Σ log1p(−c_n/a_n): each step keeps its relative digits."""
    r, log_r, far = _r(p, q, 0.5 * math.log(FAR / 2))
    c2 = 2 * r * r
    t = c2 + torch.sqrt(c2) * torch.sqrt(c2 + 2)                  # λ − 1
    if bool((t.detach() < NEAR).any()):
        return None
    log_lam_far = 2 * LOG_2 + 2 * log_r                           # log 2χ² = log 4r²
    far_value = -0.5 * log_lam_far - LOG_PI_2 + torch.log(math.log(4.0) + log_lam_far)
    lam = 1 + t
    a, b = torch.ones_like(lam), 1 / lam
    c = 0.5 * t / lam
    log_a = torch.zeros_like(lam)
    for _ in range(10):         # from b = 1/(1 + 2·FAR): c below 1e-15 after 8, 1e-59 after 10
        log_a = log_a + torch.log1p(-c / a)
        a, b = a - c, torch.sqrt(a * b)
        c = c * c / (2 * (a + b))
    mid_value = -0.5 * torch.log1p(t) - log_a
    return torch.where(far, far_value, mid_value)


def bc_rounding(value: torch.Tensor) -> float:
    """A bound on the rounding of `log_bc`: a few ulps of its terms, log λ and log log 4λ
    (each below 1420), and of the AGM's ten steps."""
    return float(64 * EPS * (value.detach().abs().max() + 1.0))


def hellinger(log_coefficient: torch.Tensor) -> torch.Tensor:
    """Squared Hellinger 1 − BC from log BC."""
    return -expm1(log_coefficient)
