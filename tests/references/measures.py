"""1-D laws realised with scipy.stats: densities in log space, atoms, quantiles, CDFs."""

from __future__ import annotations

import functools
import math

import numpy as np
from scipy import optimize, special, stats

from .laws import INF, LN2, Law
from .numerics import _LEVELS, _exp, _lse


def frozen(law: Law):
    """The scipy.stats frozen distribution of a continuous 1-D family."""
    f = law.family
    if f in ("normal", "laplace", "logistic", "cauchy", "gumbel"):
        cls = {"normal": stats.norm, "laplace": stats.laplace, "logistic": stats.logistic,
               "cauchy": stats.cauchy, "gumbel": stats.gumbel_r}[f]
        return cls(law["loc"], law["scale"])
    if f == "student_t":
        return stats.t(law["df"], law["loc"], law["scale"])
    if f == "uniform":
        return stats.uniform(law["low"], law["high"] - law["low"])
    if f == "exponential":
        return stats.expon(scale=1.0 / law["rate"])
    if f == "gamma":
        return stats.gamma(law["concentration"], scale=1.0 / law["rate"])
    if f == "beta":
        return stats.beta(law["a"], law["b"])
    if f == "lognormal":
        return stats.lognorm(law["scale"], scale=math.exp(law["loc"]))
    raise ValueError(f"not a continuous 1-D family: {law.spec}")


_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


class Law1D:
    """A continuous 1-D law: the scipy.stats frozen distribution (quantiles, support,
    pdf) plus the log-density and distribution functions written out with math /
    scipy.special (the frozen methods cost ~50 us a call, too slow inside nested
    adaptive quadrature; the test suite checks these against the frozen ones)."""

    def __init__(self, law: Law):
        self.law = law
        self.fr = frozen(law)
        self.lo, self.hi = (float(v) for v in self.fr.support())
        f = law.family
        self.family = f
        if f in ("normal", "laplace", "logistic", "cauchy", "gumbel", "student_t"):
            self.mu, self.s = law["loc"], law["scale"]
            self.ls = math.log(self.s)
        if f == "student_t":
            v = law["df"]
            self.c = (special.gammaln((v + 1) / 2) - special.gammaln(v / 2)
                      - 0.5 * math.log(v * math.pi) - self.ls)

    def logpdf(self, x: float) -> float:
        f, law = self.family, self.law
        if not (self.lo <= x <= self.hi):
            return -INF
        if f in ("normal", "laplace", "logistic", "cauchy", "gumbel", "student_t"):
            z = (x - self.mu) / self.s
            if f == "normal":
                return -0.5 * z * z - self.ls - _HALF_LOG_2PI
            if f == "laplace":
                return -abs(z) - self.ls - LN2
            if f == "logistic":
                return -abs(z) - 2.0 * math.log1p(math.exp(-abs(z))) - self.ls
            if f == "cauchy":
                return -math.log(math.pi) - self.ls - math.log1p(z * z)
            if f == "gumbel":
                return -z - _exp(-z) - self.ls
            v = law["df"]
            return self.c - 0.5 * (v + 1) * math.log1p(z * z / v)
        if f == "uniform":
            return -math.log(self.hi - self.lo)
        if x <= 0.0 or (f == "beta" and x >= 1.0):
            return float(self.fr.logpdf(x))
        if f == "exponential":
            return math.log(law["rate"]) - law["rate"] * x
        if f == "gamma":
            k, b = law["concentration"], law["rate"]
            return k * math.log(b) + (k - 1) * math.log(x) - b * x - special.gammaln(k)
        if f == "beta":
            a, b = law["a"], law["b"]
            return (a - 1) * math.log(x) + (b - 1) * math.log1p(-x) - special.betaln(a, b)
        if f == "lognormal":
            z = (math.log(x) - law["loc"]) / law["scale"]
            return -0.5 * z * z - math.log(x) - math.log(law["scale"]) - _HALF_LOG_2PI
        raise AssertionError(f)

    def cdf(self, x: float) -> float:
        return self._dist(x, False)

    def sf(self, x: float) -> float:
        return self._dist(x, True)

    def _dist(self, x: float, upper: bool) -> float:
        f, law = self.family, self.law
        if x <= self.lo:
            return 1.0 if upper else 0.0
        if x >= self.hi:
            return 0.0 if upper else 1.0
        if f in ("normal", "laplace", "logistic", "cauchy", "student_t"):
            z = (x - self.mu) / self.s
            z = -z if upper else z             # symmetric laws: sf(z) = cdf(-z)
            if f == "normal":
                return float(special.ndtr(z))
            if f == "laplace":
                return 0.5 * math.exp(z) if z < 0 else 1.0 - 0.5 * math.exp(-z)
            if f == "logistic":
                return float(special.expit(z))
            if f == "cauchy":
                if z < 0:
                    return math.atan2(1.0, -z) / math.pi
                return 1.0 - math.atan2(1.0, z) / math.pi
            return float(special.stdtr(law["df"], z))
        if f == "gumbel":
            e = _exp(-(x - self.mu) / self.s)
            return -math.expm1(-e) if upper else math.exp(-e)
        if f == "uniform":
            return (self.hi - x if upper else x - self.lo) / (self.hi - self.lo)
        if f == "exponential":
            return math.exp(-law["rate"] * x) if upper else -math.expm1(-law["rate"] * x)
        if f == "gamma":
            g = special.gammaincc if upper else special.gammainc
            return float(g(law["concentration"], law["rate"] * x))
        if f == "beta":
            return float(special.betaincc(law["a"], law["b"], x) if upper
                         else special.betainc(law["a"], law["b"], x))
        if f == "lognormal":
            z = (math.log(x) - law["loc"]) / law["scale"]
            return float(special.ndtr(-z if upper else z))
        raise AssertionError(f)

    # quantiles etc. from scipy.stats
    def ppf(self, u):
        return self.fr.ppf(u)

    def isf(self, u):
        return self.fr.isf(u)

    def support(self):
        return self.lo, self.hi

    def median(self) -> float:
        return float(self.fr.median())


def _finite_moment(law: Law, order: float) -> bool:
    if law.family == "cauchy":
        return False
    if law.family == "student_t":
        return order < law["df"]
    return True


class Measure1:
    """A 1-D law as weighted continuous parts (`Law1D`) plus atoms {loc: mass}."""

    def __init__(self, parts, atoms):
        self.parts = [(w, fr, law) for w, fr, law in parts if w > 0]
        self.atoms: dict[float, float] = {}
        for loc, w in atoms:
            if w > 0:
                self.atoms[loc] = self.atoms.get(loc, 0.0) + w
        self.logw = [math.log(w) for w, _, _ in self.parts]

    # --- densities and distribution functions
    def logpdf(self, x: float) -> float:
        if not self.parts:
            return -INF
        return _lse([lw + fr.logpdf(x) for lw, (_, fr, _) in zip(self.logw, self.parts,
                                                                  strict=True)])

    def cdf(self, x: float) -> float:
        return (sum(w * fr.cdf(x) for w, fr, _ in self.parts)
                + sum(w for loc, w in self.atoms.items() if loc <= x))

    def sf(self, x: float) -> float:
        return (sum(w * fr.sf(x) for w, fr, _ in self.parts)
                + sum(w for loc, w in self.atoms.items() if loc > x))

    def cont_mass(self, a: float, b: float) -> float:
        """Mass of the continuous part on (a, b)."""
        tot = 0.0
        for w, fr, _ in self.parts:
            if b <= fr.median():
                tot += w * (fr.cdf(b) - fr.cdf(a))
            else:
                tot += w * (fr.sf(a) - fr.sf(b))
        return float(tot)

    def breakpoints(self) -> list[float]:
        pts = list(self.atoms)
        for _, fr, _ in self.parts:
            lo, hi = fr.support()
            pts += [lo, hi]
            pts += [float(fr.ppf(u)) for u in _LEVELS] + [float(fr.isf(u)) for u in _LEVELS]
        return [p for p in pts if math.isfinite(p)]

    def hard_points(self) -> list[float]:
        """Atoms and support ends: where densities or distribution functions jump."""
        pts = list(self.atoms)
        for _, fr, _ in self.parts:
            pts += [p for p in fr.support() if math.isfinite(p)]
        return pts

    def finite_moment(self, order: float) -> bool:
        return all(_finite_moment(law, order) for _, _, law in self.parts)

    # --- quantiles: lower(u) = F^-1(u); upper(v) = F^-1(1 - v), accurate for small v
    def quantile(self, u: float, upper: bool = False) -> float:
        if len(self.parts) == 1 and not self.atoms:
            fr = self.parts[0][1]
            return float(fr.isf(u) if upper else fr.ppf(u))
        cands = [float(fr.isf(u) if upper else fr.ppf(u)) for _, fr, _ in self.parts]
        cands += list(self.atoms)
        lo, hi = min(cands), max(cands)
        if lo == hi:
            return lo
        lo -= 1e-9 * (1.0 + abs(lo))
        if upper:
            def g(x):
                return u - self.sf(x)
        else:
            def g(x):
                return self.cdf(x) - u
        return optimize.brentq(g, lo, hi, xtol=1e-15, rtol=4 * np.finfo(float).eps)

    def levels(self) -> list[float]:
        """CDF values at the break points where the quantile function may jump or kink."""
        out = []
        for loc in self.atoms:
            out += [self.cdf(loc) - self.atoms[loc], self.cdf(loc)]
        for _, fr, _ in self.parts:
            for e in fr.support():
                if math.isfinite(e):
                    out.append(self.cdf(e))
        return out


@functools.lru_cache(maxsize=512)
def measure1(law: Law) -> Measure1:
    if law.dim != 1:
        raise ValueError(f"not a 1-D law: {law.spec}")
    if law.family == "dirac":
        return Measure1([], [(law["loc"], 1.0)])
    if law.family == "mixture":
        ws = np.asarray(law["weights"], dtype=float)
        ws = ws / ws.sum()
        parts, atoms = [], []
        for w, comp in zip(ws, law["components"], strict=True):
            m = measure1(comp)
            parts += [(w * cw, fr, cl) for cw, fr, cl in m.parts]
            atoms += [(loc, w * cw) for loc, cw in m.atoms.items()]
        return Measure1(parts, atoms)
    return Measure1([(1.0, Law1D(law), law)], [])
