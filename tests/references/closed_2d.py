"""Closed forms for 2-D Gaussians, and TV between them by an exact inner integral."""

from __future__ import annotations

import math

import numpy as np
from scipy import linalg, special, stats

from .laws import INF, Law
from .mmd import _gauss_kernel_mean, mixture_parts
from .numerics import _Acc, _intervals, _probe, _roots

# ===================================================================== 2-D


def _gauss_parts_2d(law: Law):
    """[(w, mean(2,), cov(2,2))] for Gaussian-mixture laws in 2-D, else None."""
    f = law.family
    if f == "mvnormal":
        return [(1.0, np.asarray(law["loc"], float), np.asarray(law["cov"], float))]
    if f == "product":
        x, y = law["x"], law["y"]
        if x.family == "normal" and y.family == "normal":
            return [(1.0, np.array([x["loc"], y["loc"]]),
                     np.diag([x["scale"] ** 2, y["scale"] ** 2]))]
        return None
    if f in ("ring", "grid"):
        k = law["k"]
        var = law["scale"] ** 2 * np.eye(2)
        if f == "ring":
            ang = 2 * np.pi * np.arange(k) / k
            centres = law["radius"] * np.stack([np.cos(ang), np.sin(ang)], -1)
        else:
            m = math.isqrt(k)
            ticks = (np.arange(m) - (m - 1) / 2) * law["spacing"]
            gx, gy = np.meshgrid(ticks, ticks, indexing="ij")
            centres = np.stack([gx.ravel(), gy.ravel()], -1)
        return [(1.0 / k, c, var) for c in centres]
    if f == "mixture":
        return mixture_parts(law, _gauss_parts_2d)
    return None


def gaussian_closed_2d(name: str, P: Law, Q: Law, alpha=None, bandwidth=1.0) -> float:
    """Closed forms between two 2-D Gaussians N(m1, S1) = P and N(m2, S2) = Q."""
    (_, m1, S1), = _gauss_parts_2d(P)
    (_, m2, S2), = _gauss_parts_2d(Q)
    d = m1 - m2
    det = np.linalg.det

    def renyi(a):
        # Gil, Alajaji & Linder (2013), Table 2 / Pardo (2006):
        # D_a = a/2 d' S_a^-1 d - log(det S_a / (det S1^(1-a) det S2^a)) / (2 (a - 1)),
        # S_a = a S2 + (1 - a) S1, infinite unless S_a is positive definite.
        Sa = a * S2 + (1 - a) * S1
        if np.any(np.linalg.eigvalsh(Sa) <= 0):
            return INF
        return (0.5 * a * d @ np.linalg.solve(Sa, d)
                - (math.log(det(Sa)) - (1 - a) * math.log(det(S1)) - a * math.log(det(S2)))
                / (2 * (a - 1)))

    if name == "kl":
        # KL(N1||N2) = (tr(S2^-1 S1) + d' S2^-1 d - 2 + log(det S2 / det S1)) / 2
        return 0.5 * (np.trace(np.linalg.solve(S2, S1)) + d @ np.linalg.solve(S2, d) - 2
                      + math.log(det(S2) / det(S1)))
    if name == "reverse_kl":
        return gaussian_closed_2d("kl", Q, P)
    if name == "jeffreys":
        return gaussian_closed_2d("kl", P, Q) + gaussian_closed_2d("kl", Q, P)
    if name == "bhattacharyya":
        # D_B = d' S^-1 d / 8 + log(det S / sqrt(det S1 det S2)) / 2, S = (S1 + S2)/2
        # (Bhattacharyya 1943; Kailath 1967)
        S = 0.5 * (S1 + S2)
        return d @ np.linalg.solve(S, d) / 8 + 0.5 * math.log(det(S) / math.sqrt(det(S1)
                                                                                * det(S2)))
    if name == "hellinger":
        return -math.expm1(-gaussian_closed_2d("bhattacharyya", P, Q))
    if name == "renyi":
        return renyi(float(alpha))
    if name in ("alpha", "pearson", "neyman"):
        if name == "neyman":
            return gaussian_closed_2d("pearson", Q, P)
        a = 2.0 if name == "pearson" else float(alpha)
        r = renyi(a)
        if r == INF:
            return INF
        val = math.expm1((a - 1) * r) / (a * (a - 1))     # alpha-divergence
        return 2.0 * val if name == "pearson" else val
    if name == "w2":
        # W2^2 = |d|^2 + tr(S1 + S2 - 2 (S1^1/2 S2 S1^1/2)^1/2)
        # (Dowson & Landau 1982; Olkin & Pukelsheim 1982; Givens & Shortt 1984)
        r1 = linalg.sqrtm(S1).real
        cross = linalg.sqrtm(r1 @ S2 @ r1).real
        return math.sqrt(max(0.0, d @ d + np.trace(S1 + S2 - 2 * cross)))
    if name == "mmd":
        return mmd_closed_2d(P, Q, bandwidth)
    if name == "tv":
        return _tv_gauss_2d(m1, S1, m2, S2)
    raise NotImplementedError(name)


def mmd_closed_2d(P: Law, Q: Law, bandwidth=1.0) -> float:
    A, B = _gauss_parts_2d(P), _gauss_parts_2d(Q)
    return (_gauss_kernel_mean(A, A, bandwidth, 2) + _gauss_kernel_mean(B, B, bandwidth, 2)
            - 2 * _gauss_kernel_mean(A, B, bandwidth, 2))


def _tv_gauss_2d(m1, S1, m2, S2) -> float:
    """TV between 2-D Gaussians: for fixed x, log p - log q is a quadratic in y, so the set
    {p > q} on that line is a union of intervals with exact roots, and the conditional
    laws of y given x are normal: TV = int dx sum_I max(0, +-(P_x(I) - Q_x(I)))."""

    def cond(m, S):
        sx = math.sqrt(S[0, 0])
        b = S[0, 1] / S[0, 0]
        sy = math.sqrt(S[1, 1] - S[0, 1] ** 2 / S[0, 0])
        return sx, b, sy

    c1, c2 = cond(m1, S1), cond(m2, S2)
    L1, L2 = np.linalg.inv(S1), np.linalg.inv(S2)
    k1 = -0.5 * math.log(np.linalg.det(S1))
    k2 = -0.5 * math.log(np.linalg.det(S2))

    def r(x, y):                 # log p - log q (without the common 2 pi)
        z1 = np.array([x, y]) - m1
        z2 = np.array([x, y]) - m2
        return (k1 - 0.5 * z1 @ L1 @ z1) - (k2 - 0.5 * z2 @ L2 @ z2)

    a2 = -0.5 * (L1[1, 1] - L2[1, 1])          # y^2 coefficient (independent of x)

    def coeffs(x):
        r0, rp, rm = r(x, 0.0), r(x, 1.0), r(x, -1.0)
        return a2, 0.5 * (rp - rm), r0       # a y^2 + b y + c (a exact)

    def disc(x):
        a, b, c = coeffs(x)
        return b * b - 4 * a * c

    def h(x):
        a, b, c = coeffs(x)
        if a == 0:
            roots = [] if b == 0 else [-c / b]
        else:
            dd = b * b - 4 * a * c
            roots = [] if dd < 0 else sorted([(-b - math.sqrt(dd)) / (2 * a),
                                              (-b + math.sqrt(dd)) / (2 * a)])
        cuts = [-INF] + roots + [INF]
        px = stats.norm.pdf(x, m1[0], c1[0])
        qx = stats.norm.pdf(x, m2[0], c2[0])
        my1 = m1[1] + c1[1] * (x - m1[0])
        my2 = m2[1] + c2[1] * (x - m2[0])
        tot = 0.0
        for lo, hi in zip(cuts[:-1], cuts[1:], strict=True):
            y = _probe(lo, hi)
            if a * y * y + b * y + c > 0:                           # p > q on (lo, hi)
                mp = px * (special.ndtr((hi - my1) / c1[2]) - special.ndtr((lo - my1) / c1[2]))
                mq = qx * (special.ndtr((hi - my2) / c2[2]) - special.ndtr((lo - my2) / c2[2]))
                tot += mp - mq
        return float(tot)

    # break points: means +- k sd and where the number of roots changes (disc = 0)
    pts = []
    for m, c in ((m1, c1), (m2, c2)):
        pts += [m[0] + k * c[0] for k in (-8, -4, -2, -1, 0, 1, 2, 4, 8)]
    pts += _roots(disc, min(pts), max(pts), n=400)
    acc = _Acc()
    for a, b in _intervals(pts):
        acc.quad(h, a, b)
    return acc.result()
