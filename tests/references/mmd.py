"""Squared MMD with a Gaussian kernel: closed forms for Gaussian mixtures,
characteristic functions otherwise."""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from .laws import INF, Law
from .numerics import _Acc

# ===================================================================== 1-D MMD


def char_fn(law: Law, t: float) -> complex:
    """Characteristic function E exp(i t X) of a 1-D law (closed forms)."""
    f = law.family
    if f == "mixture":
        ws = np.asarray(law["weights"], dtype=float)
        ws = ws / ws.sum()
        return sum(w * char_fn(c, t) for w, c in zip(ws, law["components"], strict=True))
    if f == "dirac":
        return complex(np.exp(1j * t * law["loc"]))
    if f in ("normal", "laplace", "logistic", "cauchy", "gumbel"):
        mu, s = law["loc"], law["scale"]
        shift = np.exp(1j * t * mu)
        if f == "normal":
            return complex(shift * math.exp(-0.5 * (s * t) ** 2))
        if f == "laplace":
            return complex(shift / (1.0 + (s * t) ** 2))
        if f == "cauchy":
            return complex(shift * math.exp(-s * abs(t)))
        if f == "logistic":             # pi s t / sinh(pi s t)
            z = abs(math.pi * s * t)
            return complex(shift * (1.0 if z == 0 else 2 * z * math.exp(-z) / -math.expm1(-2 * z)))
        return complex(shift * special.gamma(1.0 - 1j * s * t))      # Gumbel (maximum)
    if f == "student_t":                # K_{v/2}(sqrt(v) s|t|) (sqrt(v) s|t|)^{v/2} / ...
        v, mu, s = law["df"], law["loc"], law["scale"]
        z = math.sqrt(v) * s * abs(t)
        base = 1.0 if z == 0 else (special.kv(v / 2, z) * z ** (v / 2)
                                   / (special.gamma(v / 2) * 2 ** (v / 2 - 1)))
        return complex(np.exp(1j * t * mu) * base)
    if f == "uniform":
        a, b = law["low"], law["high"]
        h = 0.5 * t * (b - a)
        return complex(np.exp(0.5j * t * (a + b)) * (1.0 if h == 0 else math.sin(h) / h))
    if f == "exponential":
        return complex(1.0 / (1.0 - 1j * t / law["rate"]))
    if f == "gamma":
        return complex((1.0 - 1j * t / law["rate"]) ** (-law["concentration"]))
    if f == "beta":                     # Kummer's 1F1(a; a + b; i t)
        return complex(special.hyp1f1(law["a"], law["a"] + law["b"], 1j * t))
    raise NotImplementedError(f"no characteristic function for {law.spec}")


def mmd_cf_1d(P: Law, Q: Law, bandwidth: float) -> float:
    """MMD^2 = int |phi_P - phi_Q|^2 w(t) dt, w(t) = l/sqrt(2 pi) exp(-l^2 t^2 / 2), since
    exp(-x^2/(2 l^2)) = int exp(i t x) w(t) dt (Bochner; Sriperumbudur et al. 2010)."""
    lb = float(bandwidth)
    c = lb / math.sqrt(2 * math.pi)

    def g(t):
        return 2.0 * c * math.exp(-0.5 * (lb * t) ** 2) * abs(char_fn(P, t) - char_fn(Q, t)) ** 2

    acc = _Acc()
    cuts = [0.0] + [k / lb for k in (0.5, 1, 2, 4, 8)] + [INF]
    for a, b in zip(cuts[:-1], cuts[1:], strict=True):
        acc.quad(g, a, b)
    return acc.result()


def mixture_parts(law: Law, parts):
    """The Gaussian parts (weight, mean, variance) of a mixture whose components all
    have them (`parts` of each component), weights normalised; None otherwise."""
    ws = np.asarray(law["weights"], dtype=float)
    ws = ws / ws.sum()
    out = []
    for w, c in zip(ws, law["components"], strict=True):
        sub = parts(c)
        if sub is None:
            return None
        out += [(w * cw, m, v) for cw, m, v in sub]
    return out


def _gauss_parts_1d(law: Law):
    """[(w, mean, var)] if the law is a mixture of normals and Diracs, else None."""
    if law.family == "normal":
        return [(1.0, law["loc"], law["scale"] ** 2)]
    if law.family == "dirac":
        return [(1.0, law["loc"], 0.0)]
    if law.family == "mixture":
        return mixture_parts(law, _gauss_parts_1d)
    return None


def _gauss_kernel_mean(A, B, bandwidth: float, dim: int) -> float:
    """E k(X, Y) for Gaussian mixtures: for X ~ N(a, S), Y ~ N(b, T),
    E exp(-|X - Y|^2/(2 l^2)) = l^d det(l^2 I + S + T)^{-1/2} exp(-d'(l^2 I + S + T)^{-1} d / 2),
    d = a - b (the Gaussian convolution identity; e.g. Muandet et al. 2017, Table 3.1)."""
    l2 = float(bandwidth) ** 2
    tot = 0.0
    for wa, ma, sa in A:
        for wb, mb, sb in B:
            if dim == 1:
                s = l2 + sa + sb
                tot += wa * wb * math.sqrt(l2 / s) * math.exp(-0.5 * (ma - mb) ** 2 / s)
            else:
                S = l2 * np.eye(2) + sa + sb
                d = np.asarray(ma) - np.asarray(mb)
                tot += wa * wb * l2 / math.sqrt(np.linalg.det(S)) * math.exp(
                    -0.5 * d @ np.linalg.solve(S, d))
    return tot


def mmd_closed_1d(P: Law, Q: Law, bandwidth: float) -> float:
    A, B = _gauss_parts_1d(P), _gauss_parts_1d(Q)
    return (_gauss_kernel_mean(A, A, bandwidth, 1) + _gauss_kernel_mean(B, B, bandwidth, 1)
            - 2 * _gauss_kernel_mean(A, B, bandwidth, 1))


def kernel_mean_1d(P: Law, Q: Law, bandwidth: float) -> float:
    """E k(X, Y), X ~ P, Y ~ Q independent (closed form for Gaussian mixtures, else CF)."""
    A, B = _gauss_parts_1d(P), _gauss_parts_1d(Q)
    if A is not None and B is not None:
        return _gauss_kernel_mean(A, B, bandwidth, 1)
    lb = float(bandwidth)
    c = lb / math.sqrt(2 * math.pi)

    def g(t):
        return 2.0 * c * math.exp(-0.5 * (lb * t) ** 2) * (
            char_fn(P, t) * char_fn(Q, t).conjugate()).real

    acc = _Acc()
    cuts = [0.0] + [k / lb for k in (0.5, 1, 2, 4, 8)] + [INF]
    for a, b in zip(cuts[:-1], cuts[1:], strict=True):
        acc.quad(g, a, b)
    return acc.result()


def mmd_1d(P: Law, Q: Law, bandwidth: float = 1.0) -> float:
    if _gauss_parts_1d(P) is not None and _gauss_parts_1d(Q) is not None:
        return mmd_closed_1d(P, Q, bandwidth)
    return mmd_cf_1d(P, Q, bandwidth)
