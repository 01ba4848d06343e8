"""MMD (Gaussian kernel) and the energy distance between Gaussian mixtures (Diracs: variance
0), in closed form, each with a bound on its own rounding.

Both are sums over pairs of components, k(P, P) + k(Q, Q) − 2 k(P, Q), of terms near 1
(MMD) or near the laws' spread (energy), and the value is their small difference when P
and Q are close: MMD² of N(0, 1) and N(1e-7, 1) is 1.9e-15 from terms of 0.58, which the
plain sum returned 4 % off and called exact. So:

* MMD's terms are e^(−t) written as expm1(−t) (the −1s cancel: each side's weights sum
  to 1), t = ½ log1p(v/ℓ²) + ½ (μ/ℓ)²/(1 + v/ℓ²), which keeps laws far narrower than ℓ
  (scales of 1e-100: every term 1 − 1e-200) to full relative accuracy;
* two single Gaussians take forms with no cancellation left (`_mmd_two`, `_energy_two`),
  the default pair of the explorer and the usual case of a sweep;
* every value carries a rounding bound: a few ulps of the terms' sizes, which is what a
  sum of terms of that size can promise.

A variance that left the float range (a normal of scale 1e155: σ² = inf) has no closed
form here: the caller's quadrature takes over.
"""

from __future__ import annotations

import math

import torch

from .gaussian import expected_abs
from .stable import EPS, expm1

SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
ULPS = 16           # roundings per term (a handful of operations, each within an ulp)

GaussMix = tuple[torch.Tensor, torch.Tensor, torch.Tensor]   # (weights, means, variances)


def representable(g: GaussMix) -> bool:
    """Whether every variance and mean is a finite float (no σ² overflowed)."""
    return bool(torch.isfinite(g[1].detach()).all() and torch.isfinite(g[2].detach()).all())


def _single(g: GaussMix) -> bool:
    return g[0].shape[-1] == 1


def _pairs_1d(g1: GaussMix, g2: GaussMix):
    w1, m1, v1 = g1
    w2, m2, v2 = g2
    return (w1.unsqueeze(-1) * w2.unsqueeze(-2), m1.unsqueeze(-1) - m2.unsqueeze(-2),
            v1.unsqueeze(-1) + v2.unsqueeze(-2))


def _kernel_sum(ww: torch.Tensor, t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(Σ ww·expm1(−t), its rounding bound) over the pairs (the last two axes)."""
    e = expm1(-t)
    with torch.no_grad():
        slope = torch.where(torch.isfinite(t), torch.exp(-t) * t, torch.zeros_like(t))
        size = ww.abs() * (e.abs() + slope)
    return (ww * e).sum((-1, -2)), size.sum((-1, -2))


def _tighter(value: torch.Tensor, bound: float, two: torch.Tensor, two_bound: torch.Tensor
             ) -> tuple[torch.Tensor, float]:
    """Per row, the two-Gaussian form where its bound is below the general sum's."""
    close = two_bound < bound
    chosen = torch.where(close, two_bound, torch.full_like(two_bound, bound))
    return torch.where(close, two, value), float(chosen.max())


def _signed(k_pp, k_qq, k_pq) -> tuple[torch.Tensor, float]:
    value = k_pp[0] + k_qq[0] - 2 * k_pq[0]
    size = k_pp[1] + k_qq[1] + 2 * k_pq[1]
    return value, ULPS * EPS * float(size.max()) if size.numel() else 0.0


def mmd_1d(gp: GaussMix, gq: GaussMix, ell: float) -> tuple[torch.Tensor, float]:
    """(MMD² with a Gaussian kernel of bandwidth ℓ, rounding bound) on the line."""
    def k(g1, g2):
        ww, mu, var = _pairs_1d(g1, g2)
        x = var / ell / ell
        z = mu / ell
        # pairs beyond 60 kernel widths add e^-1800 = 0 (expm1 = −1 exactly), and leave
        # the graph: z² may overflow there, and its gradient times 0 was 0·inf = NaN
        far = z.detach().abs() > 60 * torch.sqrt(1 + x.detach())
        z = torch.where(far, torch.zeros_like(z), z)
        t = 0.5 * torch.log1p(x) + 0.5 * z * z / (1 + x)
        return _kernel_sum(ww, torch.where(far, torch.full_like(t, math.inf), t))

    value, bound = _signed(k(gp, gp), k(gq, gq), k(gp, gq))
    if _single(gp) and _single(gq):
        two = _mmd_two(gp[1][..., 0], gp[2][..., 0], gq[1][..., 0], gq[2][..., 0], ell)
        value, bound = _tighter(value, bound, *two)
    return value, bound


# Below this |δ| the series of u(δ) (16 terms: δ^32 / δ² < 1e-17 at 0.25); above it the
# direct form, whose cancellation costs at most 2/u(0.25) = 43 ulps.
_SERIES = 0.25
_U_COEF = [2 * math.comb(2 * n, n) / 4 ** n for n in range(2, 34, 2)]
# |δ| above which the two-Gaussian form is not used (the general sum has no cancellation
# to speak of there, and 1 − δ may round to 0)
_TWO_MAX = 0.5


def _u(delta: torch.Tensor) -> torch.Tensor:
    """(1 + δ)^(−1/2) + (1 − δ)^(−1/2) − 2 ≥ 0 for |δ| ≤ _TWO_MAX, to a few ulps."""
    d2 = delta * delta
    series = torch.zeros_like(delta)
    for c in reversed(_U_COEF):
        series = (series + c) * d2
    dc = delta.clamp(-_TWO_MAX, _TWO_MAX)
    direct = torch.rsqrt(1 + dc) + torch.rsqrt(1 - dc) - 2
    return torch.where(delta.abs() < _SERIES, series, direct)


def _mmd_two(m1, v1, m2, v2, ell: float) -> tuple[torch.Tensor, torch.Tensor]:
    """MMD² of N(m1, v1) and N(m2, v2) as e^(−L/2)·(u(δ) − 2 expm1(−D)), two non-negative
    terms: L = log1p((v1 + v2)/ℓ²), S = 1 + (v1 + v2)/ℓ², δ = (v1 − v2)/(ℓ² S),
    D = (m1 − m2)²/(2ℓ² S). With its rounding bound per row (inf where |δ| > _TWO_MAX):
    a few ulps of the value, and δ's own error, v1 − v2 from variances rounded to an ulp,
    through u'(δ)."""
    x = (v1 + v2) / ell / ell
    s = 1 + x
    delta = (v1 - v2) / ell / ell / s
    z = (m1 - m2) / ell
    # beyond 60 kernel widths e^(−D) is 0: D is +inf there, out of the graph (z² may
    # overflow, and its gradient in s, 0·inf, was NaN)
    far = z.detach().abs() > 60 * torch.sqrt(s.detach())
    z = torch.where(far, torch.zeros_like(z), z)
    d = torch.where(far, torch.full_like(z, math.inf), 0.5 * z * z / s)
    scale = torch.exp(-0.5 * torch.log1p(x))
    value = scale * (_u(delta) + -2 * expm1(-d))
    with torch.no_grad():
        dd = delta.abs().clamp(max=_TWO_MAX)
        slope = 0.5 * ((1 - dd) ** -1.5 - (1 + dd) ** -1.5)          # |u'(δ)|
        err_delta = 4 * EPS * (v1 + v2).abs() / ell / ell / s
        bound = ULPS * EPS * value.abs() + scale * slope * err_delta
        bound = torch.where(delta.abs() <= _TWO_MAX, bound, torch.full_like(bound, math.inf))
    return value, bound


def mmd_2d(gp: GaussMix, gq: GaussMix, ell: float) -> tuple[torch.Tensor, float]:
    """(MMD², rounding bound) in the plane: t = ½ log det A + ½ zᵀA⁻¹z with
    A = I + S/ℓ² and z = μ/ℓ, log det A = log1p(a + c + ac − b²) (no cancellation: the
    covariance is positive semi-definite)."""
    def k(g1, g2):
        w1, m1, S1 = g1
        w2, m2, S2 = g2
        ww = w1.unsqueeze(-1) * w2.unsqueeze(-2)
        mu = (m1.unsqueeze(-2) - m2.unsqueeze(-3)) / ell                # (..., M1, M2, 2)
        S = (S1.unsqueeze(-3) + S2.unsqueeze(-4)) / ell / ell
        a, b, c = S[..., 0, 0], S[..., 0, 1], S[..., 1, 1]
        ldet = torch.log1p(a + c + a * c - b * b)
        det = torch.exp(ldet)
        quad = ((1 + c) * mu[..., 0] ** 2 - 2 * b * mu[..., 0] * mu[..., 1]
                + (1 + a) * mu[..., 1] ** 2) / det
        return _kernel_sum(ww, 0.5 * ldet + 0.5 * quad)

    value, bound = _signed(k(gp, gp), k(gq, gq), k(gp, gq))
    if _single(gp) and _single(gq):
        two = _mmd_two_2d(gp[1][..., 0, :], gp[2][..., 0, :, :],
                          gq[1][..., 0, :], gq[2][..., 0, :, :], ell)
        value, bound = _tighter(value, bound, *two)
    return value, bound


def _mmd_two_2d(m1, S1, m2, S2, ell: float) -> tuple[torch.Tensor, torch.Tensor]:
    """MMD² of N(m1, S1) and N(m2, S2) in the plane, in units of ℓ: with M = I + S1 + S2,
    E = S1 − S2 (so I + 2S1 = M + E, I + 2S2 = M − E), det(M ± E) = det M (1 + ρ±),
    ρ± = (±tr(adj(M) E) + det E)/det M, it is det(M)^(−1/2)·(w(ρ+) + w(ρ−) − 2 expm1(−D)),
    w(ρ) = (1 + ρ)^(−1/2) − 1, D = ½ zᵀM⁻¹z: the covariances' difference enters as E,
    not as a difference of determinants. With its rounding bound per row (inf where
    |ρ±| > _TWO_MAX)."""
    A, B = S1 / ell / ell, S2 / ell / ell
    eye = torch.eye(2, dtype=A.dtype)
    M = eye + A + B
    E = A - B
    m00, m01, m10, m11 = M[..., 0, 0], M[..., 0, 1], M[..., 1, 0], M[..., 1, 1]
    e00, e01, e10, e11 = E[..., 0, 0], E[..., 0, 1], E[..., 1, 0], E[..., 1, 1]
    det_m = m00 * m11 - m01 * m10
    cross = (m11 * e00 - m01 * e10 - m10 * e01 + m00 * e11) / det_m
    det_e = (e00 * e11 - e01 * e10) / det_m
    rho_p, rho_q = det_e + cross, det_e - cross
    ok = (rho_p.detach().abs() <= _TWO_MAX) & (rho_q.detach().abs() <= _TWO_MAX)
    zero = torch.zeros_like(rho_p)
    rp, rq = torch.where(ok, rho_p, zero), torch.where(ok, rho_q, zero)
    z = (m1 - m2) / ell
    quad = (m11 * z[..., 0] ** 2 - (m01 + m10) * z[..., 0] * z[..., 1]
            + m00 * z[..., 1] ** 2) / det_m
    far = quad.detach() > 3600.0                  # e^(−1800) = 0: D out of the graph
    d = torch.where(far, torch.full_like(quad, math.inf), 0.5 * torch.where(far, zero, quad))
    scale = torch.rsqrt(det_m)
    # w(b + a) + w(b − a) = (1 + b)^(−1/2)·u(a/(1 + b)) + 2 w(b): the part odd in a,
    # which cancels, is gone (u's series is even), and both terms keep their digits
    a, b = 0.5 * (rp - rq), 0.5 * (rp + rq)
    even = torch.rsqrt(1 + b) * _u(a / (1 + b))
    wb = expm1(-0.5 * torch.log1p(b))
    value = scale * (even + 2 * wb + -2 * expm1(-d))
    with torch.no_grad():
        size = scale * (even.abs() + 2 * wb.abs() + 2 * expm1(-d).abs())
        # E from covariances rounded to an ulp moves ρ± by err_c (through tr(adj(M) E))
        # and err_d (through det E); w(ρ+) + w(ρ−) feels the first only as much as ρ+
        # and ρ− differ (w' − w' ≈ 1.5 (ρ+ − ρ−)): the same covariance twice costs nothing
        slope_p, slope_q = 0.5 * (1 + rp) ** -1.5, 0.5 * (1 + rq) ** -1.5
        entries = (A.abs() + B.abs()).sum((-1, -2))
        err_c = 2 * EPS * entries * M.abs().sum((-1, -2)) / det_m.abs()
        err_d = 4 * EPS * E.abs().sum((-1, -2)) * entries / det_m.abs()
        bound = ULPS * EPS * size + scale * ((slope_p - slope_q).abs() * err_c
                                             + (slope_p + slope_q) * err_d)
        bound = torch.where(ok, bound, torch.full_like(bound, math.inf))
    return value, bound


def energy_1d(gp: GaussMix, gq: GaussMix) -> tuple[torch.Tensor, float]:
    """(energy distance 2E|X − Y| − E|X − X'| − E|Y − Y'|, rounding bound) on the line."""
    def e(g1, g2):
        ww, mu, var = _pairs_1d(g1, g2)
        term = ww * expected_abs(mu, var)
        return term.sum((-1, -2)), term.detach().abs().sum((-1, -2))

    (a, sa), (b, sb), (c, sc) = e(gp, gq), e(gp, gp), e(gq, gq)
    value = 2 * a - b - c
    size = 2 * sa + sb + sc
    bound = ULPS * EPS * float(size.max()) if size.numel() else 0.0
    if _single(gp) and _single(gq):
        two = _energy_two(gp[1][..., 0], gp[2][..., 0], gq[1][..., 0], gq[2][..., 0])
        value, bound = _tighter(value, bound, *two)
    return value, bound


def _energy_two(m1, v1, m2, v2) -> tuple[torch.Tensor, torch.Tensor]:
    """Energy of N(m1, v1) and N(m2, v2), both variances positive, as two non-negative
    terms: 2√V·(h(a) − h(0)) with V = v1 + v2, a = (m1 − m2)/√V and
    h(a) − h(0) = √(2/π)·expm1(−a²/2) + a·erf(a/√2) (E|N(a, 1)| − E|N(0, 1)|), plus
    √(2/π)·(2√V − √2(s1 + s2)) = √(2/π)·2(s1 − s2)²/(2√V + √2(s1 + s2)), s = √v. With
    its rounding bound per row (inf where a variance is 0: an atom): a few ulps of the
    value, and the scales' difference from square roots rounded to an ulp."""
    pos = (v1 > 0) & (v2 > 0)
    one = torch.ones_like(v1)
    v1s, v2s = torch.where(pos, v1, one), torch.where(pos, v2, one)
    big_v = v1s + v2s
    root = torch.sqrt(big_v)
    gap = m1 - m2
    # beyond 40 standard deviations e^(−800) = 0: √V·(h(a) − h(0)) = |Δ| − √(2/π)·√V,
    # without a = Δ/√V in the graph (its derivative in √V, Δ/V, may overflow)
    far = gap.detach().abs() > 40 * root.detach()
    a = torch.where(far, torch.zeros_like(gap), gap) / root
    near = SQRT_2_OVER_PI * expm1(-0.5 * a * a) + a * torch.erf(a / math.sqrt(2))
    lin = torch.where(far, gap.abs() - SQRT_2_OVER_PI * root, root * near)
    s1, s2 = torch.sqrt(v1s), torch.sqrt(v2s)
    spread = SQRT_2_OVER_PI * 2 * (s1 - s2) ** 2 / (2 * root + math.sqrt(2) * (s1 + s2))
    value = 2 * lin + spread
    with torch.no_grad():
        err_s = 2 * EPS * torch.maximum(s1, s2)            # |s1 − s2| from rounded roots
        err_spread = SQRT_2_OVER_PI * 4 * (s1 - s2).abs() * err_s / (2 * root)
        bound = ULPS * EPS * value.abs() + err_spread
        bound = torch.where(pos, bound, torch.full_like(bound, math.inf))
    return value, bound
