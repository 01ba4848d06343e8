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

Gaussian = tuple[torch.Tensor, torch.Tensor]   # mean (..., d), covariance (..., d, d)


def single_gaussian(M) -> Gaussian | None:
    """(mean, cov) when the measure is exactly one non-degenerate Gaussian, else None."""
    g = M.gaussian_mixture()
    if g is None or g[0].shape[-1] != 1:
        return None
    w, m, v = g
    if M.dim == 1:
        if M.has_atoms:
            return None
        return m, v.unsqueeze(-1)
    if getattr(M, "factors", None) is not None and not M.continuous:
        return None
    return m[..., 0, :], v[..., 0, :, :]


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


def kl(P: Gaussian, Q: Gaussian) -> torch.Tensor:
    (m1, S1), (m2, S2) = P, Q
    d = m1.shape[-1]
    S2i = _inv(S2)
    return 0.5 * (_trace(S2i @ S1) + _quad(S2i, m2 - m1) - d
                  + torch.log(_det(S2)) - torch.log(_det(S1)))


def log_chernoff(P: Gaussian, Q: Gaussian, alpha: float) -> tuple[torch.Tensor, torch.Tensor]:
    """(log ∫ p^a q^(1-a), infinite mask); infinite when a S2 + (1-a) S1 is not PD."""
    (m1, S1), (m2, S2) = P, Q
    Sa = alpha * S2 + (1 - alpha) * S1
    det_a = _det(Sa)
    pd = (Sa[..., 0, 0] > 0) & (det_a > 0)
    safe = torch.where(pd.unsqueeze(-1).unsqueeze(-1), Sa, S1)
    d = m1 - m2
    val = (alpha * (alpha - 1) / 2 * _quad(_inv(safe), d)
           - 0.5 * (torch.log(_det(safe)) - (1 - alpha) * torch.log(_det(S1))
                    - alpha * torch.log(_det(S2))))
    return val, ~pd.detach()


def w2(P: Gaussian, Q: Gaussian) -> torch.Tensor:
    (m1, S1), (m2, S2) = P, Q
    d2 = ((m1 - m2) ** 2).sum(-1)
    if m1.shape[-1] == 1:
        cross = torch.sqrt(S1[..., 0, 0] * S2[..., 0, 0])
    else:
        cross = torch.sqrt(_trace(S1 @ S2) + 2 * torch.sqrt(_det(S1) * _det(S2)))
    sq = d2 + _trace(S1) + _trace(S2) - 2 * cross
    return safe_sqrt(sq)


def safe_sqrt(x: torch.Tensor) -> torch.Tensor:
    """sqrt with a zero (not nan) gradient at 0."""
    pos = x > 0
    return torch.where(pos, torch.sqrt(torch.where(pos, x, torch.ones_like(x))),
                       torch.zeros_like(x))


def expected_abs(mu: torch.Tensor, var: torch.Tensor) -> torch.Tensor:
    """E|Z| for Z ~ N(mu, var) (var may be 0)."""
    pos = var > 0
    sd = torch.sqrt(torch.where(pos, var, torch.ones_like(var)))
    z = mu / sd
    val = sd * math.sqrt(2 / math.pi) * torch.exp(-0.5 * z * z) + mu * torch.erf(z / math.sqrt(2))
    return torch.where(pos, val, mu.abs())
