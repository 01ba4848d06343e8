"""Log-space arithmetic, quadrature with its error accounting, and root finding."""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy import integrate, optimize

from .laws import INF, QUAD

# ===================================================================== small helpers


def _lae(a: float, b: float) -> float:
    """log(e^a + e^b) for scalars (either may be -inf)."""
    if a == -INF:
        return b
    if b == -INF:
        return a
    m = max(a, b)
    return m + math.log1p(math.exp(-abs(a - b)))


def _lse(vals) -> float:
    m = max(vals)
    if m == -INF:
        return -INF
    return m + math.log(sum(math.exp(v - m) for v in vals))


def _xr(p: float, r: float) -> float:
    """p * r with 0 * anything = 0."""
    return 0.0 if p == 0.0 else p * r


def _exp(x: float) -> float:
    return math.exp(x) if x < 709.0 else INF


def _q_sq_expm1(lp: float, lq: float, c: float) -> float:
    """q (exp(c (lp - lq)) - 1)^2 without overflow or cancellation: for c r > 1 it is
    exp((1 - 2c) lq + 2c lp) (1 - exp(-c r))^2, with the exponent formed from lp and lq
    directly (lq may be -1e17 in a far Gaussian tail: lq + 2 c r would round badly)."""
    r = lp - lq
    if c * r > 1.0:
        return _exp((1.0 - 2.0 * c) * lq + 2.0 * c * lp) * (-math.expm1(-c * r)) ** 2
    return math.exp(lq) * math.expm1(c * r) ** 2


def _mul(c: float, mass: float) -> float:
    """c * mass with the measure-theory convention inf * 0 = 0."""
    return 0.0 if mass == 0.0 else c * mass


class DivergentIntegral(ArithmeticError):
    """The integrand overflowed or the quadrature did not converge at all: typically a
    divergent integral. The reference certifies no value then (the test tables state
    such infinite values explicitly, with the reason)."""


def _quad(f, a, b, opts):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", integrate.IntegrationWarning)
        return integrate.quad(f, a, b, **opts)


class _Acc:
    """A sum of integrals over pieces, with their error estimates.

    Each piece is integrated by `quad` with epsrel 1e-11 (QUAD, limit 500) and
    epsabs = 1e-15 times a rough first estimate of the sum of |pieces| (epsabs = 0 when
    that is 0): far-tail pieces whose integrand is rounding noise, and whose value is
    negligible, are then not chased down to their own relative accuracy. `result()`
    checks that the summed error estimates are within `rel` of the value (+ `abs_`),
    and raises `DivergentIntegral` on overflow.
    """

    def __init__(self, rel: float = 1e-9, abs_: float = 1e-13):
        self.pieces = []
        self.val = self.err = 0.0
        self.rel, self.abs_ = rel, abs_

    def quad(self, f, a, b, **opts):
        if a != b:
            self.pieces.append((f, a, b, opts or QUAD))

    def result(self) -> float:
        rough = [_quad(f, a, b, {**o, "epsrel": 1e-4, "limit": 8})[0]
                 for f, a, b, o in self.pieces]
        floor = 1e-15 * sum(abs(v) for v in rough)
        self.val = self.err = 0.0
        for f, a, b, o in self.pieces:
            v, e = _quad(f, a, b, {**o, "epsabs": floor if math.isfinite(floor) else 0.0})
            self.val += v
            self.err += e
        if self.val == INF or math.isnan(self.val):
            raise DivergentIntegral(f"integrand overflowed (value {self.val!r})")
        if self.err > 1e-3 * abs(self.val) + 1e-10:
            raise DivergentIntegral(f"quadrature did not converge: value {self.val!r}, "
                                    f"error estimate {self.err!r}")
        if not (math.isfinite(self.val) and self.err <= self.rel * abs(self.val) + self.abs_):
            raise RuntimeError(f"reference quadrature failed: value {self.val!r}, "
                               f"error estimate {self.err!r}")
        return self.val


def _intervals(points, hard=()):
    """(-inf, p0), (p0, p1), ..., (pn, inf) over the finite `hard` points (support ends,
    atoms: all kept) and the other `points` that are not within 1e-12 of a kept one."""
    pts = sorted({float(p) for p in hard if math.isfinite(p)})
    for p in sorted({float(p) for p in points if math.isfinite(p)}):
        if all(abs(p - q) > 1e-12 * max(1.0, abs(p)) for q in pts):
            pts.append(p)
    pts.sort()
    if not pts:
        return [(-INF, INF)]
    out = [(-INF, pts[0])]
    out += list(zip(pts[:-1], pts[1:], strict=True))
    out.append((pts[-1], INF))
    return out


def _probe(a: float, b: float) -> float:
    if a == -INF and b == INF:
        return 0.0
    if a == -INF:
        return b - 1.0 - abs(b)
    if b == INF:
        return a + 1.0 + abs(a)
    return 0.5 * (a + b)


def _roots(g, a: float, b: float, n: int = 32) -> list[float]:
    """Sign changes of g on a grid inside the finite interval (a, b), refined by brentq."""
    if not (math.isfinite(a) and math.isfinite(b)):
        return []
    xs = a + (b - a) * (np.arange(n) + 0.5) / n
    gs = [g(x) for x in xs]
    out = []
    for x0, x1, g0, g1 in zip(xs[:-1], xs[1:], gs[:-1], gs[1:], strict=True):
        if not (math.isfinite(g0) and math.isfinite(g1)):
            continue
        if g0 * g1 < 0:
            out.append(optimize.brentq(g, x0, x1, xtol=1e-15, rtol=4 * np.finfo(float).eps))
    return out


# ===================================================================== 1-D measures

# quantile levels used as break points (both tails)
_LEVELS = (1e-14, 1e-10, 1e-6, 1e-3, 0.02, 0.1, 0.25, 0.5)
