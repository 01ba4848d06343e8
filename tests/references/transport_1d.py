"""1-D W1, W2 and the energy distance from CDFs and quantile functions."""

from __future__ import annotations

import math
import warnings

from .laws import INF, LN2
from .measures import Measure1
from .numerics import _Acc, _intervals, _roots

# ===================================================================== 1-D IPM / OT


def _cdf_diff(P: Measure1, Q: Measure1, x: float) -> float:
    fp, fq = P.cdf(x), Q.cdf(x)
    if fp + fq > 1.0:
        return Q.sf(x) - P.sf(x)
    return fp - fq


def _heavy_translates(P: Measure1, Q: Measure1, order: float) -> float:
    """W_p when neither law has a finite p-th moment: finite only for translates (then
    the quantile functions differ by the shift), which is all this supports."""
    if len(P.parts) == 1 == len(Q.parts) and not (P.atoms or Q.atoms):
        a, b = P.parts[0][2], Q.parts[0][2]
        if a.family == b.family and a.args[:-2] == b.args[:-2]:
            if a["scale"] == b["scale"]:
                return abs(a["loc"] - b["loc"])
            if a.family in ("cauchy", "student_t"):
                # |F_P - F_Q| ~ c |x|^-df with c != 0 for different scales: not integrable
                # when df <= order (cauchy: df = 1).
                return INF
    raise NotImplementedError(f"W{order} between laws without finite moments")


def w1_1d(P: Measure1, Q: Measure1) -> float:
    """W1 = int |F_P - F_Q| dx, split at the atoms and the crossings of F_P - F_Q."""
    if P.finite_moment(1) != Q.finite_moment(1):
        return INF
    if not P.finite_moment(1):
        return _heavy_translates(P, Q, 1)

    def d(x):
        return _cdf_diff(P, Q, x)

    acc = _Acc()
    for a, b in _intervals(P.breakpoints() + Q.breakpoints(), P.hard_points() + Q.hard_points()):
        cuts = [a] + _roots(d, a, b) + [b]
        for c0, c1 in zip(cuts[:-1], cuts[1:], strict=True):
            acc.quad(lambda x: abs(d(x)), c0, c1)
    return acc.result()


def energy_1d(P: Measure1, Q: Measure1) -> float:
    """Energy distance = 2 int (F_P - F_Q)^2 dx (Szekely & Rizzo 2013, eq. for d = 1)."""
    if not (P.finite_moment(1) and Q.finite_moment(1)):
        raise NotImplementedError("energy needs finite first moments")
    acc = _Acc()
    for a, b in _intervals(P.breakpoints() + Q.breakpoints(), P.hard_points() + Q.hard_points()):
        acc.quad(lambda x: _cdf_diff(P, Q, x) ** 2, a, b)
    return 2.0 * acc.result()


def quantile_cost(P: Measure1, Q: Measure1, cost) -> float:
    """int_0^1 cost(F_P^-1(u) - F_Q^-1(u)) du, each half written as
    int_{ln 2}^inf cost(.)(e^-s) e^-s ds (u = e^-s, or 1 - u = e^-s with the upper
    quantiles), split at the levels where a quantile function jumps or kinks."""
    acc = _Acc()
    levels = P.levels() + Q.levels()
    for upper in (False, True):
        ss = {LN2, 3.0, 8.0, 20.0, 50.0, 150.0}
        for lev in levels:
            v = (1.0 - lev) if upper else lev
            if 0.0 < v < 0.5:
                ss.add(-math.log(v))
        ss = sorted(x for x in ss if x < S_MAX)

        def g(s, upper=upper):
            u = math.exp(-s)
            if u == 0.0:
                return 0.0
            with warnings.catch_warnings():     # boost's beta quantile near u = 0
                warnings.simplefilter("ignore", RuntimeWarning)
                c = cost(P.quantile(u, upper) - Q.quantile(u, upper))
            return 0.0 if c == 0.0 else c * u

        # u < e^-230 ~ 1e-100 is left out (scipy quantiles of some laws break down there;
        # the remainder is < 1e-30 for laws with the moments this is used for).
        # with the moments this is used for.
        for a, b in zip(ss, ss[1:] + [S_MAX], strict=True):
            acc.quad(g, a, b)
    return acc.result()


S_MAX = 230.0


def w2_1d(P: Measure1, Q: Measure1) -> float:
    if P.finite_moment(2) != Q.finite_moment(2):
        return INF
    if not P.finite_moment(2):
        return _heavy_translates(P, Q, 2)
    return math.sqrt(quantile_cost(P, Q, lambda d: d * d))
