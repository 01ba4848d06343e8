"""Closed forms between two Gaussians (1-D or 2-D), written for autograd.

Sources: KL (e.g. Pardo, *Statistical Inference Based on Divergence Measures*, 2006);
the Chernoff coefficient ∫p^a q^(1-a) and Rényi divergence between Gaussians
(Gil, Alajaji & Linder, 2013), from which Hellinger, Bhattacharyya, Pearson and
Neyman chi^2 and the Amari alpha-divergence follow; W2 (Dowson & Landau 1982,
Olkin & Pukelsheim 1982), with tr((S1^½ S2 S1^½)^½) = sqrt(tr(S1 S2) + 2 sqrt(det S1 det S2))
for 2x2 matrices.
"""

from __future__ import annotations

import math

import torch

from ..distributions.exact import det2
from .stable import EPS, xm

Gaussian = tuple[torch.Tensor, torch.Tensor]   # mean (..., d), covariance (..., d, d)


def single_gaussian(M) -> Gaussian | None:
    """(mean, cov) when the measure is exactly one non-degenerate Gaussian, else None."""
    g = M.gaussian_mixture()
    if g is None or g[0].shape[-1] != 1:
        return None
    w, m, v = g
    if not _representable(v):
        return None
    if M.dim == 1:
        if M.has_atoms:
            return None
        return m, v.unsqueeze(-1)
    if getattr(M, "factors", None) is not None and not M.continuous:
        return None
    return m[..., 0, :], v[..., 0, :, :]


# Variances whose products (determinants, traces of S1 S2) stay normal floats: scales
# from 1e-70 to 1e70. Outside, the closed forms would under- or overflow (a normal of
# scale 1e-200 has variance 0 in float64) and quadrature, which works with the scale
# itself, takes over.
VAR_RANGE = (1e-140, 1e140)


def _representable(v: torch.Tensor) -> bool:
    d = v.detach()
    if d.dim() >= 2 and d.shape[-1] == 2 and d.shape[-2] == 2:
        d = torch.diagonal(d, dim1=-2, dim2=-1)
    return bool(((d >= VAR_RANGE[0]) & (d <= VAR_RANGE[1])).all())


def _det(S: torch.Tensor) -> torch.Tensor:
    if S.shape[-1] == 1:
        return S[..., 0, 0]
    return det2(S[..., 0, 0], S[..., 0, 1], S[..., 1, 1])


def _inv(S: torch.Tensor) -> torch.Tensor:
    if S.shape[-1] == 1:
        return 1 / S
    a, b, c, d = S[..., 0, 0], S[..., 0, 1], S[..., 1, 0], S[..., 1, 1]
    det = (a * d - b * c).unsqueeze(-1).unsqueeze(-1)
    adj = torch.stack([torch.stack([d, -b], -1), torch.stack([-c, a], -1)], -2)
    return adj / det


def _quad(S_inv: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    return (v.unsqueeze(-2) @ S_inv @ v.unsqueeze(-1))[..., 0, 0]


def _trace(S: torch.Tensor) -> torch.Tensor:
    return S.diagonal(dim1=-2, dim2=-1).sum(-1)


def _relative(S: torch.Tensor, D: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(tr A, det A) for A = S⁻¹ D, D a small difference of covariances: then
    det(I + c A) = 1 + c tr A + c² det A, with no 1 to cancel."""
    if S.shape[-1] == 1:
        return D[..., 0, 0] / S[..., 0, 0], torch.zeros_like(D[..., 0, 0])
    det_s = _det(S)
    tr = (S[..., 1, 1] * D[..., 0, 0] - 2 * S[..., 0, 1] * D[..., 0, 1]
          + S[..., 0, 0] * D[..., 1, 1]) / det_s
    return tr, _det(D) / det_s


def _x_minus_log1p(y: torch.Tensor, ratio: torch.Tensor) -> torch.Tensor:
    """y − log(1 + y), ratio = 1 + y computed apart (stable.xm: a series near 0)."""
    return xm(y, ratio)[0]


def kl(P: Gaussian, Q: Gaussian) -> torch.Tensor:
    """KL between Gaussians as ½[tr A − log det(I + A) + Δᵀ S2⁻¹ Δ], A = S2⁻¹(S1 − S2):
    tr A − log(1 + tr A + det A) = xm(tr A + det A) − det A keeps its relative accuracy
    as P → Q, where the textbook sum tr(S2⁻¹S1) − d − log det ... cancels."""
    (m1, S1), (m2, S2) = P, Q
    tr, det = _relative(S2, S1 - S2)
    y = tr + det
    ratio = _det(S1) / _det(S2)
    return 0.5 * (_x_minus_log1p(y, ratio) - det + _quad(_inv(S2), m2 - m1))


def rounding(S_ref: torch.Tensor, S_other: torch.Tensor, value: torch.Tensor,
             alpha: float = 1.0) -> float:
    """A bound on the rounding error of `kl` (S_ref = S2) or `log_chernoff` (S_ref = S1):
    the covariances' entries carry a relative error of a few ulps, so y = tr A + det A
    is off by about (d + 2)·eps·(1 + |y|), and the closed form by |y| times that (its
    derivative in y vanishes at 0), plus a few ulps of the value itself."""
    tr, det = _relative(S_ref, S_other - S_ref)
    y = (tr.abs() + det.abs()).detach()
    d = S_ref.shape[-1]
    bound = 4 * EPS * ((d + 2) * (1 + y) * y * max(1.0, abs(alpha)) ** 2
                       + value.detach().abs())
    return float(torch.where(torch.isfinite(bound), bound, torch.zeros_like(bound)).max())


def log_chernoff(P: Gaussian, Q: Gaussian, alpha: float) -> tuple[torch.Tensor, torch.Tensor]:
    """(log ∫ p^a q^(1-a), infinite mask); infinite when a S2 + (1-a) S1 is not PD.

    With B = S1⁻¹(S2 − S1), t = tr B, δ = det B: log det Sa − (1−a) log det S1 − a log det S2
    = log(1 + at + a²δ) − a log(1 + t + δ), written as a(a−1)δ − xm(at + a²δ) + a xm(t + δ)
    so that it does not cancel to nothing as P → Q.
    """
    (m1, S1), (m2, S2) = P, Q
    a = alpha
    Sa = a * S2 + (1 - a) * S1
    det_a = _det(Sa)
    pd = (Sa[..., 0, 0] > 0) & (det_a > 0)
    safe = torch.where(pd.unsqueeze(-1).unsqueeze(-1), Sa, S1)
    t, delta = _relative(S1, S2 - S1)
    det1 = _det(S1)
    ya, y1 = a * t + a * a * delta, t + delta
    ra = torch.where(pd, _det(safe), det1) / det1
    ya = torch.where(pd, ya, torch.zeros_like(ya))
    ra = torch.where(pd, ra, torch.ones_like(ra))
    logs = (a * (a - 1) * delta - _x_minus_log1p(ya, ra)
            + a * _x_minus_log1p(y1, _det(S2) / det1))
    val = a * (a - 1) / 2 * _quad(_inv(safe), m1 - m2) - 0.5 * logs
    return val, ~pd.detach()


def w2(P: Gaussian, Q: Gaussian) -> torch.Tensor:
    """W2 in closed form, computed in units of a power of two near its size (detached):
    laws 1e200 apart give 1e200, not the root of an overflowed 1e400."""
    (m1, S1), (m2, S2) = P, Q
    with torch.no_grad():
        big = torch.maximum((m1 - m2).abs().amax(-1),
                             torch.sqrt(_trace(S1) + _trace(S2))).clamp(min=1e-300)
        unit = torch.exp2(torch.ceil(torch.log2(big)))
    u1, u2 = unit.unsqueeze(-1), unit.unsqueeze(-1).unsqueeze(-1)
    if m1.shape[-1] == 1:
        # √(Δ² + (s1 − s2)²), not s1² + s2² − 2 s1 s2, which cancels as s1 → s2; the
        # scales taken before the unit (a variance of 1e-128 in units of 1e228 is 0,
        # and the root's gradient at 0 was NaN)
        ds = (torch.sqrt(S1[..., 0, 0]) - torch.sqrt(S2[..., 0, 0])) / unit
        d = ((m1 - m2) / u1)[..., 0]
        return unit * safe_sqrt(d * d + ds * ds)
    return unit * _w2_scaled((m1 / u1, S1 / u2 / u2), (m2 / u1, S2 / u2 / u2))


def _w2_scaled(P: Gaussian, Q: Gaussian) -> torch.Tensor:
    (m1, S1), (m2, S2) = P, Q
    d2 = ((m1 - m2) ** 2).sum(-1)
    return safe_sqrt(d2 + _trace(S1) + _trace(S2) - 2 * _bures_cross(S1, S2))


def _bures_cross(S1: torch.Tensor, S2: torch.Tensor) -> torch.Tensor:
    """tr (S1^½ S2 S1^½)^½ for 2x2 matrices."""
    return torch.sqrt(_trace(S1 @ S2) + 2 * torch.sqrt(_det(S1) * _det(S2)))


def w2_error(P: Gaussian, Q: Gaussian, value: torch.Tensor) -> float:
    """A rounding bound for the 2-D W2: tr S1 + tr S2 − 2 tr(...)^½ cancels as P → Q, so
    W2² is known to a few ulps of tr S1 + tr S2, and W2 to that over W2 (or its root)."""
    (_, S1), (_, S2) = P, Q
    if S1.shape[-1] == 1:
        return 0.0
    err_sq = 8 * EPS * (_trace(S1) + _trace(S2)).detach()
    v = value.detach()
    return float((err_sq / (v + err_sq.sqrt())).max())


def safe_sqrt(x: torch.Tensor) -> torch.Tensor:
    """sqrt with a zero (not nan) gradient at 0."""
    pos = x > 0
    return torch.where(pos, torch.sqrt(torch.where(pos, x, torch.ones_like(x))),
                       torch.zeros_like(x))


def expected_abs(mu: torch.Tensor, var: torch.Tensor) -> torch.Tensor:
    """E|Z| for Z ~ N(mu, var) (var may be 0). Beyond 40 standard deviations it is |mu|
    to the last bit (the rest is e^-800), and the variance's branch is kept out of the
    graph: there z² overflows and its gradient, 0·inf, was NaN (normals of scale 1e-64
    some 1e228 apart)."""
    pos = var > 0
    sd = torch.sqrt(torch.where(pos, var, torch.ones_like(var)))
    far = ~pos | (mu.detach().abs() > 40 * sd.detach())
    near_mu = torch.where(far, torch.zeros_like(mu), mu)
    z = near_mu / sd
    val = sd * math.sqrt(2 / math.pi) * torch.exp(-0.5 * z * z) \
        + near_mu * torch.erf(z / math.sqrt(2))
    return torch.where(far, mu.abs(), val)
