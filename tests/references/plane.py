"""2-D references: product rules, parallel lines, and adaptive cubature."""

from __future__ import annotations

import math

import numpy as np
from scipy import integrate, special

from .closed_2d import _gauss_parts_2d
from .fdivs_1d import F_DIVERGENCES, f_terms
from .laws import INF, Law
from .measures import Measure1, measure1
from .mmd import kernel_mean_1d
from .numerics import DivergentIntegral, _Acc, _mul
from .one_d import reference_1d
from .transport_1d import energy_1d, quantile_cost, w2_1d


def _logpdf1_vec(m: Measure1, x: np.ndarray) -> np.ndarray:
    """Vectorised log-density of the continuous part of a 1-D measure (scipy.stats)."""
    terms = [lw + part.fr.logpdf(x) for lw, (_, part, _) in zip(m.logw, m.parts, strict=True)]
    return special.logsumexp(np.stack(terms), axis=0)


class Density2:
    """A 2-D law with a density: vectorised log-density, its box and its hard edges."""

    def __init__(self, law: Law):
        parts = _gauss_parts_2d(law)
        self.law = law
        if parts is not None:
            self.kind = "gauss"
            self.logw = np.log([w for w, _, _ in parts])
            self.means = np.stack([m for _, m, _ in parts])
            self.precs = np.stack([np.linalg.inv(s) for _, _, s in parts])
            self.lnorm = np.array([-math.log(2 * math.pi) - 0.5 * math.log(np.linalg.det(s))
                                   for _, _, s in parts])
            sd = max(math.sqrt(np.linalg.eigvalsh(s).max()) for _, _, s in parts)
            # mass (and every integrand used here) beyond 14 sd is below e^-98
            self.box = (self.means[:, 0].min() - 14 * sd, self.means[:, 0].max() + 14 * sd,
                        self.means[:, 1].min() - 14 * sd, self.means[:, 1].max() + 14 * sd)
            self.xedges, self.yedges = [], []
        elif law.family == "product":
            self.kind = "product"
            self.mx, self.my = measure1(law["x"]), measure1(law["y"])
            if self.mx.atoms or self.my.atoms:
                raise NotImplementedError("no density: a Dirac coordinate")
            (x0, x1), (y0, y1) = _box1(self.mx), _box1(self.my)
            self.box = (x0, x1, y0, y1)
            self.xedges = self.mx.hard_points() + _kinks(self.mx)
            self.yedges = self.my.hard_points() + _kinks(self.my)
        else:
            raise NotImplementedError(f"2-D density of {law.spec}")

    def logpdf(self, z: np.ndarray) -> np.ndarray:
        """log-density at points z of shape (n, 2)."""
        x, y = z[:, 0], z[:, 1]
        if self.kind == "product":
            return _logpdf1_vec(self.mx, x) + _logpdf1_vec(self.my, y)
        dx = x[:, None] - self.means[None, :, 0]
        dy = y[:, None] - self.means[None, :, 1]
        pr = self.precs
        quadf = (pr[None, :, 0, 0] * dx * dx + 2 * pr[None, :, 0, 1] * dx * dy
                 + pr[None, :, 1, 1] * dy * dy)
        return special.logsumexp(self.logw + self.lnorm - 0.5 * quadf, axis=1)


def _kinks(m: Measure1) -> list[float]:
    """Where a 1-D density has a kink inside its support (the Laplace mode)."""
    return [law["loc"] for _, _, law in m.parts if law.family == "laplace"]


def _box1(m: Measure1):
    """An interval holding all but < 1e-40 of a 1-D law's mass (its support if bounded)."""
    lo = min(max(part.lo, float(part.ppf(1e-40))) for _, part, _ in m.parts)
    hi = max(min(part.hi, float(part.isf(1e-40))) for _, part, _ in m.parts)
    return lo, hi


def f_divergence_2d(name: str, P: Law, Q: Law, alpha=None):
    """(value, overlap) for a 2-D pair with densities.

    `scipy.integrate.cubature` (adaptive, vectorised Gauss-Kronrod 21 x 21, rtol 1e-10;
    1e-7 for tv, whose integrand has a kink along the curve p = q),
    used instead of `dblquad` only for speed, over the rectangles cut by the support
    edges of a box that holds all but < 1e-40 of both laws' mass, integrating at once
    q f(p/q) where both densities are positive, p where q = 0 and q where p = 0.
    """
    dp, dq = Density2(P), Density2(Q)
    scalar, f0, finf = f_terms(name, alpha)
    vec = np.vectorize(scalar, otypes=[float])
    rtol = 1e-7 if name == "tv" else 1e-10

    def g(z):
        lp, lq = dp.logpdf(z), dq.logpdf(z)
        both = (lp > -INF) & (lq > -INF)
        out = np.zeros((z.shape[0], 3))
        if both.any():
            out[both, 0] = vec(lp[both], lq[both])
        out[:, 1] = np.where(lq == -INF, np.exp(lp), 0.0)
        out[:, 2] = np.where(lp == -INF, np.exp(lq), 0.0)
        return out

    x0 = min(dp.box[0], dq.box[0])
    x1 = max(dp.box[1], dq.box[1])
    y0 = min(dp.box[2], dq.box[2])
    y1 = max(dp.box[3], dq.box[3])
    xs = sorted({x0, x1} | {e for e in dp.xedges + dq.xedges if x0 < e < x1})
    ys = sorted({y0, y1} | {e for e in dp.yedges + dq.yedges if y0 < e < y1})
    tot = np.zeros(3)
    err = np.zeros(3)
    for a, b in zip(xs[:-1], xs[1:], strict=True):
        for c, d in zip(ys[:-1], ys[1:], strict=True):
            with np.errstate(over="ignore", invalid="ignore"):
                r = integrate.cubature(g, [a, c], [b, d], rule="gk21", rtol=rtol,
                                       atol=1e-14, max_subdivisions=20000)
            tot += r.estimate
            err += r.error
    if not np.all(np.isfinite(tot)):
        raise DivergentIntegral(f"integrand overflowed ({tot})")
    if np.any(err > 100 * rtol * np.abs(tot) + 1e-12):
        raise RuntimeError(f"2-D quadrature failed: {tot} +- {err}")
    both, sing_p, sing_q = (float(v) for v in tot)
    # masses below 1e-12 are quadrature noise of identically zero integrands
    sing_p = 0.0 if sing_p < 1e-12 else sing_p
    sing_q = 0.0 if sing_q < 1e-12 else sing_q
    overlap = sing_p < 1.0 - 1e-9
    return both + _mul(finf, sing_p) + _mul(f0, sing_q), overlap


def _line_factors(P: Law, Q: Law):
    """(theta_p, theta_q, Py, Qy) when both laws are product(dirac, Y) (or with the Dirac
    second: then the coordinates are swapped), else None."""
    if P.family != "product" or Q.family != "product":
        return None
    for a, b in (("x", "y"), ("y", "x")):
        if P[a].family == "dirac" and Q[a].family == "dirac":
            return P[a]["loc"], Q[a]["loc"], P[b], Q[b]
    return None


def _expect_pair(Y1: Law, Y2: Law, h) -> float:
    """E h(Y1 - Y2) for independent uniform Y1, Y2: D = Y1 - Y2 has the trapezoidal
    density f_D(d) = |[a1, b1] & [a2 + d, b2 + d]| / (L1 L2); one quad, split at its kinks
    and at 0 (where h = |.| or hypot(theta, .) bends)."""
    if Y1.family != "uniform" or Y2.family != "uniform":
        raise NotImplementedError("uniform factors only")
    a1, b1, a2, b2 = Y1["low"], Y1["high"], Y2["low"], Y2["high"]
    norm = (b1 - a1) * (b2 - a2)

    def g(d):
        return max(0.0, min(b1, b2 + d) - max(a1, a2 + d)) / norm * h(d)

    lo, hi = a1 - b2, b1 - a2
    cuts = sorted({lo, hi} | {c for c in (a1 - a2, b1 - b2, 0.0) if lo < c < hi})
    acc = _Acc()
    for c0, c1 in zip(cuts[:-1], cuts[1:], strict=True):
        acc.quad(g, c0, c1)
    return acc.result()


def _mutually_singular(div: str, alpha) -> float:
    """A divergence of the density family between mutually singular laws: the Lebesgue
    decomposition leaves f'(inf) * 1 + f(0) * 1 of an f-divergence, BC = 0."""
    if div in F_DIVERGENCES:
        _, f0, finf = f_terms(div, alpha)
        return f0 + finf
    if div == "hellinger":
        return 1.0
    if div in ("renyi", "bhattacharyya"):
        return INF
    raise NotImplementedError(div)


def _thin(law: Law) -> bool:
    """A product with a coordinate made of point masses only: a line or points, a set
    of area 0 that holds all of the law's mass."""
    return law.family == "product" and any(not measure1(law[a]).parts for a in ("x", "y"))


def _dense(law: Law) -> bool:
    """A law with a density in the plane for all its mass (no line or point)."""
    if _gauss_parts_2d(law) is not None:
        return True
    return law.family == "product" and not (measure1(law["x"]).atoms
                                            or measure1(law["y"]).atoms)


def _lines(div: str, tp: float, tq: float, Py: Law, Qy: Law, alpha, bandwidth) -> float:
    """Divergences between the segments/lines delta_tp x Py and delta_tq x Qy."""
    theta = tp - tq
    if theta == 0.0:
        if div == "energy":
            return energy_1d(measure1(Py), measure1(Qy))
        # The common Dirac factor cancels in every f-divergence / Renyi / OT cost, and
        # the product kernel's x factor is k(0) = 1.
        return reference_1d(div, Py, Qy, alpha=alpha, bandwidth=bandwidth)
    if div in F_DIVERGENCES or div in ("hellinger", "renyi", "bhattacharyya"):
        return _mutually_singular(div, alpha)
    my, ny = measure1(Py), measure1(Qy)
    if div == "w1":
        # Cost sqrt(theta^2 + (y - y')^2) is a convex function of y - y', so the monotone
        # (quantile) coupling is optimal (e.g. Santambrogio 2015, Thm 2.9).
        if my.finite_moment(1) != ny.finite_moment(1):
            return INF
        return quantile_cost(my, ny, lambda d: math.hypot(theta, d))
    if div == "w2":
        return math.sqrt(theta * theta + w2_1d(my, ny) ** 2)
    if div == "mmd":
        kx = math.exp(-theta * theta / (2 * bandwidth ** 2))
        return (kernel_mean_1d(Py, Py, bandwidth) + kernel_mean_1d(Qy, Qy, bandwidth)
                - 2 * kx * kernel_mean_1d(Py, Qy, bandwidth))
    if div == "energy":
        exy = _expect_pair(Py, Qy, lambda d: math.hypot(theta, d))
        exx = _expect_pair(Py, Py, abs)
        eyy = _expect_pair(Qy, Qy, abs)
        return 2 * exy - exx - eyy
    raise NotImplementedError(div)


_PRODUCT_ADDITIVE = ("kl", "reverse_kl", "jeffreys", "bhattacharyya", "renyi")


def _products(div: str, P: Law, Q: Law, alpha, bandwidth) -> float:
    """Product rules for P = Px x Py, Q = Qx x Qy (independent coordinates)."""
    args = {"alpha": alpha, "bandwidth": bandwidth}
    parts = [(P["x"], Q["x"]), (P["y"], Q["y"])]
    if div in _PRODUCT_ADDITIVE:        # additive over independent coordinates
        return sum(reference_1d(div, a, b, **args) for a, b in parts)
    if div == "hellinger":              # BC = BC_x BC_y
        return -math.expm1(-sum(reference_1d("bhattacharyya", a, b) for a, b in parts))
    if div in ("alpha", "pearson", "neyman"):
        # int p^a q^(1-a) = 1 + a (a-1) A is multiplicative (pearson: a = 2, A = chi^2/2;
        # neyman: a = -1, A = chi^2_N / 2)
        a = {"pearson": 2.0, "neyman": -1.0}.get(div, alpha)
        ints = [1 + a * (a - 1) * reference_1d("alpha", x, y, alpha=a) for x, y in parts]
        if INF in ints:
            return INF
        val = (ints[0] * ints[1] - 1) / (a * (a - 1))
        return val if div == "alpha" else 2 * val
    if div == "w2":                     # W2^2 adds over coordinates for product laws
        return math.sqrt(sum(reference_1d("w2", a, b) ** 2 for a, b in parts))
    if div == "mmd":                    # the Gaussian kernel is a product kernel
        def km(A, B):
            return (kernel_mean_1d(A["x"], B["x"], bandwidth)
                    * kernel_mean_1d(A["y"], B["y"], bandwidth))
        return km(P, P) + km(Q, Q) - 2 * km(P, Q)
    raise NotImplementedError(div)
