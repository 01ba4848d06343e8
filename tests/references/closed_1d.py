"""Closed forms from the literature for 1-D Gaussians (and Cauchy KL)."""

from __future__ import annotations

import math

from scipy import special

from .laws import INF, Law
from .mmd import mmd_closed_1d
from .numerics import _probe

# ===================================================================== 1-D closed forms


def gaussian_closed_1d(name: str, P: Law, Q: Law, alpha=None, bandwidth=1.0) -> float:
    """Closed forms between P = N(m1, s1^2) and Q = N(m2, s2^2)."""
    m1, s1, m2, s2 = P["loc"], P["scale"], Q["loc"], Q["scale"]
    d = m1 - m2
    v1, v2 = s1 * s1, s2 * s2

    def renyi(a):
        # Renyi divergence of order a (Gil, Alajaji & Linder 2013, Table 2):
        # D_a = a d^2 / (2 s_a^2) + log(s_a / (s1^(1-a) s2^a)) / (1 - a),
        # s_a^2 = a s2^2 + (1 - a) s1^2, infinite unless s_a^2 > 0.
        va = a * v2 + (1 - a) * v1
        if va <= 0:
            return INF
        return a * d * d / (2 * va) + (0.5 * math.log(va) - (1 - a) * math.log(s1)
                                       - a * math.log(s2)) / (1 - a)

    def chi_int(a):             # int p^a q^(1-a) = exp((a - 1) D_a)
        r = renyi(a)
        return INF if r == INF else math.exp((a - 1) * r)

    if name == "kl":            # log(s2/s1) + (s1^2 + d^2) / (2 s2^2) - 1/2
        return math.log(s2 / s1) + (v1 + d * d) / (2 * v2) - 0.5
    if name == "reverse_kl":
        return gaussian_closed_1d("kl", Q, P)
    if name == "jeffreys":
        return gaussian_closed_1d("kl", P, Q) + gaussian_closed_1d("kl", Q, P)
    if name == "bhattacharyya":  # d^2 / (4 (v1 + v2)) + log((v1 + v2) / (2 s1 s2)) / 2
        return d * d / (4 * (v1 + v2)) + 0.5 * math.log((v1 + v2) / (2 * s1 * s2))
    if name == "hellinger":     # 1 - BC = -expm1(-D_B)
        return -math.expm1(-gaussian_closed_1d("bhattacharyya", P, Q))
    if name == "renyi":
        return renyi(float(alpha))
    if name == "alpha":         # (int p^a q^(1-a) - 1) / (a (a - 1))
        a = float(alpha)
        r = renyi(a)
        if r == INF:
            return INF
        return math.expm1((a - 1) * r) / (a * (a - 1))
    if name == "pearson":       # int p^2/q - 1
        c = chi_int(2.0)
        return INF if c == INF else c - 1.0
    if name == "neyman":
        return gaussian_closed_1d("pearson", Q, P)
    if name == "w2":            # sqrt(d^2 + (s1 - s2)^2) (Dowson & Landau 1982)
        return math.hypot(d, s1 - s2)
    if name == "mmd":
        return mmd_closed_1d(P, Q, bandwidth)
    if name == "energy":
        # E|N(d, s^2)| = s sqrt(2/pi) exp(-d^2/(2 s^2)) + d (1 - 2 Phi(-d/s)), E|X-X'| = 2s/sqrt(pi)
        s = math.sqrt(v1 + v2)
        exy = s * math.sqrt(2 / math.pi) * math.exp(-d * d / (2 * s * s)) + d * (
            1 - 2 * special.ndtr(-d / s))
        return 2 * exy - 2 * s1 / math.sqrt(math.pi) - 2 * s2 / math.sqrt(math.pi)
    if name == "tv":
        # p = q at the roots of a quadratic; TV = sum over the pieces where p > q of P - Q.
        a2 = 1 / (2 * v2) - 1 / (2 * v1)
        a1 = m1 / v1 - m2 / v2
        a0 = m2 * m2 / (2 * v2) - m1 * m1 / (2 * v1) + math.log(s2 / s1)
        if a2 == 0:
            roots = [] if a1 == 0 else [-a0 / a1]
        else:
            disc = a1 * a1 - 4 * a2 * a0
            roots = [] if disc < 0 else sorted(
                [(-a1 - math.sqrt(disc)) / (2 * a2), (-a1 + math.sqrt(disc)) / (2 * a2)])
        cuts = [-INF] + roots + [INF]
        tot = 0.0
        for lo, hi in zip(cuts[:-1], cuts[1:], strict=True):
            x = _probe(lo, hi)
            if a2 * x * x + a1 * x + a0 > 0:                        # log p - log q > 0
                tot += (special.ndtr((hi - m1) / s1) - special.ndtr((lo - m1) / s1)
                        - special.ndtr((hi - m2) / s2) + special.ndtr((lo - m2) / s2))
        return float(tot)
    raise NotImplementedError(name)


def cauchy_kl(P: Law, Q: Law) -> float:
    """KL between Cauchy laws (Chyzak & Nielsen 2019):
    log(((g1 + g2)^2 + (m1 - m2)^2) / (4 g1 g2))."""
    m1, g1, m2, g2 = P["loc"], P["scale"], Q["loc"], Q["scale"]
    return math.log(((g1 + g2) ** 2 + (m1 - m2) ** 2) / (4 * g1 * g2))
