"""The tail rule in the plane for mixtures of Gaussians, decided from their quadratic forms.

Along a direction u, −log of a Gaussian mixture grows as ½ t² min_i uᵀA_i u (A_i the
inverse covariances: the component widest along u decides the tail). The dominant term
p^a q^b then decays in every direction exactly when

    f(u) = a · min_i uᵀA_i u + b · min_j uᵀB_j u > 0   for all unit u,

and the integral diverges when f(u) ≤ 0 somewhere (0 counts as divergent, as in the
closed forms, where a S_Q + (1 − a) S_P singular gives ∞). f is piecewise a quadratic
form in u, so its minimum over the circle lies at a direction where the active
components switch (uᵀ(A_i − A_k)u = 0) or at an eigenvector of a A_i + b B_j: checking
those finitely many directions is exact, where probing 16 directions misses a divergent
cone narrower than 22.5° (two thin Gaussians against a round one).
"""

from __future__ import annotations

import numpy as np
import torch

Forms = tuple[tuple[float, float], ...]


def _inverse_forms(covs: np.ndarray) -> np.ndarray | None:
    """(..., M, 3) coefficients (a11, a12, a22) of the inverse covariances, or None when
    a component is degenerate (an atom or a line: not a density in the plane)."""
    a, b, c = covs[..., 0, 0], covs[..., 0, 1], covs[..., 1, 1]
    det = a * c - b * b
    if not (np.all(det > 0) and np.all(a > 0)):
        return None
    return np.stack([c / det, -b / det, a / det], -1)


def _quad(forms: np.ndarray, th: np.ndarray) -> np.ndarray:
    """uᵀMu for every form (..., M, 3) and angle (..., K): (..., M, K)."""
    c, s = np.cos(th)[..., None, :], np.sin(th)[..., None, :]
    m11, m12, m22 = (forms[..., k:k + 1] for k in range(3))
    return m11 * c * c + 2 * m12 * c * s + m22 * s * s


def _switches(F: np.ndarray) -> list[np.ndarray]:
    """Angles where two forms of F (..., M, 3) are equal (both roots, nan where none)."""
    out = []
    M = F.shape[-2]
    for i in range(M):
        for k in range(i + 1, M):
            d11, d12, d22 = (F[..., i, n] - F[..., k, n] for n in range(3))
            # (d11 + d22)/2 + R cos(2θ − φ) = 0
            half, R = (d11 + d22) / 2, np.hypot((d11 - d22) / 2, d12)
            phi = np.arctan2(d12, (d11 - d22) / 2)
            with np.errstate(invalid="ignore", divide="ignore"):
                acos = np.arccos(np.clip(-half / np.where(R > 0, R, np.nan), -1, 1))
            acos = np.where(np.abs(half) <= R, acos, np.nan)
            out += [(phi + acos) / 2, (phi - acos) / 2]
    return out


def _eigen_angles(M: np.ndarray) -> list[np.ndarray]:
    """The two eigenvector angles of symmetric 2x2 forms (..., 3)."""
    t = 0.5 * np.arctan2(2 * M[..., 1], M[..., 0] - M[..., 2])
    return [t, t + np.pi / 2]


def gaussian_tails_diverge(forms: Forms, P, Q) -> torch.Tensor | None:
    """Per row, whether ∫ of the largest p^a q^b over `forms` diverges for two mixtures of
    nondegenerate Gaussians in the plane; None when P or Q is not one."""
    gp, gq = P.gaussian_mixture(), Q.gaussian_mixture()
    if gp is None or gq is None:
        return None
    A = _inverse_forms(gp[2].detach().numpy())
    B = _inverse_forms(gq[2].detach().numpy())
    if A is None or B is None:
        return None
    live_a = gp[0].detach().numpy() > 0
    live_b = gq[0].detach().numpy() > 0
    batch = np.broadcast_shapes(A.shape[:-2], B.shape[:-2], live_a.shape[:-1],
                                live_b.shape[:-1])
    A = np.broadcast_to(A, batch + A.shape[-2:])
    B = np.broadcast_to(B, batch + B.shape[-2:])
    live_a = np.broadcast_to(live_a, batch + live_a.shape[-1:])
    live_b = np.broadcast_to(live_b, batch + live_b.shape[-1:])
    out = np.zeros(batch, bool)
    for a, b in forms:
        if a >= 0 and b >= 0:
            continue                      # a product of Gaussian tails: always decays
        cands = [np.broadcast_to(np.linspace(0, np.pi, 8, endpoint=False), batch + (8,))]
        cands += [x[..., None] for x in _switches(A) + _switches(B)]
        for i in range(A.shape[-2]):
            for j in range(B.shape[-2]):
                cands += [x[..., None] for x in _eigen_angles(a * A[..., i, :]
                                                              + b * B[..., j, :])]
        th = np.concatenate([np.broadcast_to(x, batch + x.shape[-1:]) for x in cands], -1)
        th = np.where(np.isnan(th), 0.0, th)
        qa = np.where(live_a[..., None], _quad(A, th), np.inf).min(-2)
        qb = np.where(live_b[..., None], _quad(B, th), np.inf).min(-2)
        f = a * qa + b * qb
        scale = np.abs(a) * qa + np.abs(b) * qb
        out |= (f <= 1e-12 * scale).any(-1)
    return torch.as_tensor(out)
