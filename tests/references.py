"""Independent reference values of the divergences, written with numpy/scipy only.

Nothing here imports `ganloss_viz`: the laws are described by the small `Law` value
type below (which prints the spec strings the library parses) and realised with
`scipy.stats` frozen distributions. The divergences follow the definitions of
DESIGN.md directly:

* 1-D f-divergences: `scipy.integrate.quad` (epsrel=1e-11, limit=500; epsabs=0 except
  a floor of 1e-15 x the total, see `_Acc`) of q f(p/q) written in log space
  (log-densities as in scipy.stats, see `Law1D`), on the region where both densities
  are positive, on intervals split at
  the support ends, at quantiles of both laws (modes, kinks) and at the crossings
  p = q (found with `brentq`); the mutually singular parts follow the Lebesgue
  decomposition D_f = int_{p>0,q>0} q f(p/q) + P(q = 0) lim f(u)/u + Q(p = 0) f(0),
  with Dirac masses as atoms. Infinite values come out as `math.inf`.
* 1-D W1 = int |F_P - F_Q| (split at atoms and at the crossings of F_P - F_Q),
  W2^2 = int_0^1 (F_P^-1(u) - F_Q^-1(u))^2 du, energy = 2 int (F_P - F_Q)^2.
* MMD (Gaussian kernel): closed form for Gaussian mixtures (and Diracs), otherwise
  through characteristic functions, MMD^2 = int |phi_P - phi_Q|^2 w(t) dt where
  w(t) = l/sqrt(2 pi) exp(-l^2 t^2/2) is the kernel's spectral density (Bochner).
* Closed forms from the literature for Gaussians (1-D and 2-D) and a few others.
* 2-D: closed forms, product rules, the definitions for the singular "parallel
  lines" (E h(Y - Y') by quad over the trapezoidal density of Y - Y'), TV between
  Gaussians by an exact inner integral (conditional normal laws) and an outer quad,
  and otherwise adaptive vectorised 2-D Gauss-Kronrod (`scipy.integrate.cubature`;
  cross-checked against `dblquad` with scipy.stats.multivariate_normal densities,
  which is 50-100x slower).

Every numerical value checks its own quadrature error estimate; an integral that
overflows or does not converge raises `DivergentIntegral` (a divergence that is
infinite because of the tails is stated as inf in the test tables, with the reason).

"""

from __future__ import annotations

import functools
import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import integrate, linalg, optimize, special, stats

INF = math.inf
LN2 = math.log(2.0)
QUAD = {"epsabs": 0.0, "epsrel": 1e-11, "limit": 500}

# ===================================================================== law descriptions

PARAMS = {
    "normal": ("loc", "scale"), "laplace": ("loc", "scale"), "logistic": ("loc", "scale"),
    "cauchy": ("loc", "scale"), "gumbel": ("loc", "scale"), "student_t": ("df", "loc", "scale"),
    "uniform": ("low", "high"), "exponential": ("rate",), "gamma": ("concentration", "rate"),
    "beta": ("a", "b"), "lognormal": ("loc", "scale"), "dirac": ("loc",),
    "mixture": ("components", "weights"), "product": ("x", "y"), "mvnormal": ("loc", "cov"),
    "ring": ("k", "radius", "scale"), "grid": ("k", "spacing", "scale"),
}
KEYWORD_FAMILIES = {"mixture", "mvnormal"}
TWO_D = {"product", "mvnormal", "ring", "grid"}


def _num(x: float) -> str:
    x = float(x)
    if x == int(x) and abs(x) < 1e9:
        return str(int(x))
    return repr(x)


def _fmt(v) -> str:
    if isinstance(v, Law):
        return v.spec
    if isinstance(v, tuple):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    if isinstance(v, int):
        return str(v)
    return _num(v)


@dataclass(frozen=True)
class Law:
    """A law as a family name and its argument values in declared order (hashable)."""

    family: str
    args: tuple

    def __getitem__(self, name: str):
        return self.args[PARAMS[self.family].index(name)]

    @property
    def dim(self) -> int:
        if self.family == "mixture":
            return self["components"][0].dim
        return 2 if self.family in TWO_D else 1

    @property
    def spec(self) -> str:
        names = PARAMS[self.family]
        if self.family in KEYWORD_FAMILIES:
            inner = ", ".join(f"{n}={_fmt(v)}" for n, v in zip(names, self.args, strict=True))
        else:
            inner = ", ".join(_fmt(v) for v in self.args)
        return f"{self.family}({inner})"

    def __str__(self) -> str:
        return self.spec

    def flat(self) -> dict[str, float]:
        """Differentiable parameters under the dotted names of DESIGN.md."""
        out: dict[str, float] = {}
        for name, v in zip(PARAMS[self.family], self.args, strict=True):
            if isinstance(v, Law):
                out.update({f"{name}.{k}": x for k, x in v.flat().items()})
            elif isinstance(v, tuple) and v and isinstance(v[0], Law):
                for i, c in enumerate(v):
                    out.update({f"{name}.{i}.{k}": x for k, x in c.flat().items()})
            elif isinstance(v, tuple) and v and isinstance(v[0], tuple):
                for i, j in ((0, 0), (0, 1), (1, 1)):
                    out[f"{name}.{i}.{j}"] = float(v[i][j])
            elif isinstance(v, tuple):
                for i, x in enumerate(v):
                    out[f"{name}.{i}"] = float(x)
            elif isinstance(v, int):
                continue
            else:
                out[name] = float(v)
        return out

    def replace(self, name: str, value: float) -> Law:
        """A copy with one flat parameter replaced (`cov.0.1` moves both off-diagonals)."""
        head, _, rest = name.partition(".")
        i = PARAMS[self.family].index(head)
        v = self.args[i]
        if isinstance(v, Law):
            new = v.replace(rest, value)
        elif isinstance(v, tuple) and v and isinstance(v[0], Law):
            j, _, sub = rest.partition(".")
            new = tuple(c.replace(sub, value) if k == int(j) else c for k, c in enumerate(v))
        elif isinstance(v, tuple) and v and isinstance(v[0], tuple):
            a, b = (int(s) for s in rest.split("."))
            m = [list(r) for r in v]
            m[a][b] = m[b][a] = float(value)
            new = tuple(tuple(r) for r in m)
        elif isinstance(v, tuple):
            new = tuple(float(value) if k == int(rest) else x for k, x in enumerate(v))
        else:
            if rest:
                raise KeyError(name)
            new = float(value)
        args = list(self.args)
        args[i] = new
        return Law(self.family, tuple(args))


def _law(family: str, *args) -> Law:
    return Law(family, tuple(args))


def normal(loc=0.0, scale=1.0) -> Law:
    return _law("normal", float(loc), float(scale))


def laplace(loc=0.0, scale=1.0) -> Law:
    return _law("laplace", float(loc), float(scale))


def logistic(loc=0.0, scale=1.0) -> Law:
    return _law("logistic", float(loc), float(scale))


def cauchy(loc=0.0, scale=1.0) -> Law:
    return _law("cauchy", float(loc), float(scale))


def gumbel(loc=0.0, scale=1.0) -> Law:
    return _law("gumbel", float(loc), float(scale))


def student_t(df, loc=0.0, scale=1.0) -> Law:
    return _law("student_t", float(df), float(loc), float(scale))


def uniform(low=0.0, high=1.0) -> Law:
    return _law("uniform", float(low), float(high))


def exponential(rate=1.0) -> Law:
    return _law("exponential", float(rate))


def gamma(concentration, rate=1.0) -> Law:
    return _law("gamma", float(concentration), float(rate))


def beta(a, b) -> Law:
    return _law("beta", float(a), float(b))


def lognormal(loc=0.0, scale=1.0) -> Law:
    return _law("lognormal", float(loc), float(scale))


def dirac(loc=0.0) -> Law:
    return _law("dirac", float(loc))


def mixture(components, weights) -> Law:
    return _law("mixture", tuple(components), tuple(float(w) for w in weights))


def product(x: Law, y: Law) -> Law:
    return _law("product", x, y)


def mvnormal(loc=(0.0, 0.0), cov=((1.0, 0.0), (0.0, 1.0))) -> Law:
    return _law("mvnormal", tuple(float(v) for v in loc),
                tuple(tuple(float(v) for v in r) for r in cov))


def ring(k=8, radius=2.0, scale=0.02) -> Law:
    return _law("ring", int(k), float(radius), float(scale))


def grid(k=25, spacing=2.0, scale=0.05) -> Law:
    return _law("grid", int(k), float(spacing), float(scale))


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


# ===================================================================== f-divergences


def f_terms(name: str, alpha: float | None = None):
    """(integrand(lp, lq) = q f(p/q), f(0), lim f(u)/u) for the f-divergences of DESIGN.md."""
    def kl(lp, lq):
        return _xr(math.exp(lp), lp - lq)

    def rkl(lp, lq):
        return _xr(math.exp(lq), lq - lp)

    def jeffreys(lp, lq):
        return (math.exp(lp) - math.exp(lq)) * (lp - lq)

    def js(lp, lq):
        lm = _lae(lp, lq) - LN2
        return 0.5 * (_xr(math.exp(lp), lp - lm) + _xr(math.exp(lq), lq - lm))

    def gan(lp, lq):
        ls = _lae(lp, lq)
        return _xr(math.exp(lp), lp - ls) + _xr(math.exp(lq), lq - ls)

    def pearson(lp, lq):       # (p - q)^2 / q = q (p/q - 1)^2
        return _q_sq_expm1(lp, lq, 1.0)

    def neyman(lp, lq):        # (p - q)^2 / p
        return _q_sq_expm1(lq, lp, 1.0)

    def hellinger(lp, lq):     # (sqrt p - sqrt q)^2 / 2 = q (sqrt(p/q) - 1)^2 / 2
        return 0.5 * _q_sq_expm1(lp, lq, 0.5)

    def tv(lp, lq):
        return 0.5 * abs(math.exp(lp) - math.exp(lq))

    if name == "alpha":
        a = float(alpha)
        if a in (0.0, 1.0):
            raise ValueError("alpha must differ from 0 and 1")

        def amari(lp, lq):     # q (u^a - 1 - a (u - 1)) / (a (a - 1)), u = p/q
            r = lp - lq
            if abs(r) <= 1.0:
                return math.exp(lq) * (math.expm1(a * r) - a * math.expm1(r)) / (a * (a - 1.0))
            p, q = math.exp(lp), math.exp(lq)
            return (_exp(a * lp + (1.0 - a) * lq) - q - a * (p - q)) / (a * (a - 1.0))

        return amari, (1.0 / a if a > 0 else INF), (1.0 / (1.0 - a) if a < 1 else INF)
    table = {
        "kl": (kl, 0.0, INF), "reverse_kl": (rkl, INF, 0.0), "jeffreys": (jeffreys, INF, INF),
        "js": (js, 0.5 * LN2, 0.5 * LN2), "gan": (gan, 0.0, 0.0),
        "pearson": (pearson, 1.0, INF), "neyman": (neyman, INF, 1.0),
        "hellinger": (hellinger, 0.5, 0.5), "tv": (tv, 0.5, 0.5),
    }
    return table[name]


F_DIVERGENCES = ("kl", "reverse_kl", "jeffreys", "js", "gan", "pearson", "neyman",
                 "hellinger", "tv", "alpha")


def _walk_1d(P: Measure1, Q: Measure1, integrand):
    """Lebesgue decomposition of (P, Q) on the line.

    Returns (int_{p>0,q>0} integrand(log p, log q) + sum over the common atoms,
    P(q = 0), Q(p = 0), overlap) with overlap = whether P and Q share any mass.
    """
    acc = _Acc()
    sing_p = sing_q = 0.0
    overlap = False
    for a, b in _intervals(P.breakpoints() + Q.breakpoints(), P.hard_points() + Q.hard_points()):
        m = _probe(a, b)
        inp, inq = P.logpdf(m) > -INF, Q.logpdf(m) > -INF
        if inp and inq:
            overlap = True

            def r(x):
                return P.logpdf(x) - Q.logpdf(x)

            def g(x):
                lp, lq = P.logpdf(x), Q.logpdf(x)
                # a node rounded onto a support end (measure zero) contributes nothing
                return integrand(lp, lq) if lp > -INF and lq > -INF else 0.0

            cuts = [a] + _roots(r, a, b) + [b]
            for c0, c1 in zip(cuts[:-1], cuts[1:], strict=True):
                acc.quad(g, c0, c1)
        elif inp:
            sing_p += P.cont_mass(a, b)
        elif inq:
            sing_q += Q.cont_mass(a, b)
    atoms = 0.0
    for loc in set(P.atoms) | set(Q.atoms):
        pa, qa = P.atoms.get(loc, 0.0), Q.atoms.get(loc, 0.0)
        if pa > 0 and qa > 0:
            overlap = True
            atoms += integrand(math.log(pa), math.log(qa))
        elif pa > 0:
            sing_p += pa
        else:
            sing_q += qa
    return acc.result() + atoms, sing_p, sing_q, overlap


def f_divergence_1d(name: str, P: Measure1, Q: Measure1, alpha: float | None = None):
    """D_f(P||Q) = int_{p>0,q>0} q f(p/q) + P(q = 0) lim f(u)/u + Q(p = 0) f(0)."""
    integrand, f0, finf = f_terms(name, alpha)
    both, sing_p, sing_q, _ = _walk_1d(P, Q, integrand)
    return both + _mul(finf, sing_p) + _mul(f0, sing_q)


def power_integral_1d(P: Measure1, Q: Measure1, a: float) -> float:
    """int p^a q^(1-a) (the Renyi / Bhattacharyya integral), inf when a > 1 and P has
    mass where q = 0 (or a < 0 and Q has mass where p = 0)."""
    both, sing_p, sing_q, _ = _walk_1d(P, Q, lambda lp, lq: _exp(a * lp + (1 - a) * lq))
    if (a > 1 and sing_p > 0) or (a < 0 and sing_q > 0):
        return INF
    return both


def renyi_1d(P: Measure1, Q: Measure1, a: float) -> float:
    """Renyi_a = log(I) / (a - 1), I = int p^a q^(1-a) = 1 + a (a - 1) A (A: Amari alpha
    divergence, integrand >= 0): log1p form when I is near 1, I itself otherwise."""
    A = f_divergence_1d("alpha", P, Q, a)
    if A == INF:
        return INF
    x = a * (a - 1.0) * A
    if abs(x) < 0.5:
        return math.log1p(x) / (a - 1.0)
    integral = power_integral_1d(P, Q, a)
    if integral == INF or integral == 0.0:
        return INF
    return math.log(integral) / (a - 1.0)


def bhattacharyya_1d(P: Measure1, Q: Measure1) -> float:
    """-log BC, BC = int sqrt(p q) = 1 - H (H: squared Hellinger, integrand >= 0)."""
    H = f_divergence_1d("hellinger", P, Q)
    if H < 0.5:
        return -math.log1p(-H)
    bc = power_integral_1d(P, Q, 0.5)
    return INF if bc == 0.0 else -math.log(bc)


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


def _gauss_parts_1d(law: Law):
    """[(w, mean, var)] if the law is a mixture of normals and Diracs, else None."""
    if law.family == "normal":
        return [(1.0, law["loc"], law["scale"] ** 2)]
    if law.family == "dirac":
        return [(1.0, law["loc"], 0.0)]
    if law.family == "mixture":
        ws = np.asarray(law["weights"], dtype=float)
        ws = ws / ws.sum()
        out = []
        for w, c in zip(ws, law["components"], strict=True):
            sub = _gauss_parts_1d(c)
            if sub is None:
                return None
            out += [(w * cw, m, v) for cw, m, v in sub]
        return out
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


# ===================================================================== 1-D dispatch


def reference_1d(div: str, P: Law, Q: Law, alpha=None, bandwidth=1.0) -> float:
    """Numerical (quadrature) reference of a divergence between two 1-D laws."""
    mp, mq = measure1(P), measure1(Q)
    if div in F_DIVERGENCES:
        return f_divergence_1d(div, mp, mq, alpha)
    if div == "renyi":
        return renyi_1d(mp, mq, float(alpha))
    if div == "bhattacharyya":
        return bhattacharyya_1d(mp, mq)
    if div == "w1":
        return w1_1d(mp, mq)
    if div == "w2":
        return w2_1d(mp, mq)
    if div == "energy":
        return energy_1d(mp, mq)
    if div == "mmd":
        return mmd_1d(P, Q, bandwidth)
    raise ValueError(div)


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
        ws = np.asarray(law["weights"], dtype=float)
        ws = ws / ws.sum()
        out = []
        for w, c in zip(ws, law["components"], strict=True):
            sub = _gauss_parts_2d(c)
            if sub is None:
                return None
            out += [(w * cw, m, s) for cw, m, s in sub]
        return out
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


def reference_2d(div: str, P: Law, Q: Law, alpha=None, bandwidth=1.0) -> float:
    lines = _line_factors(P, Q)
    if lines is not None:
        return _lines(div, *lines, alpha, bandwidth)
    if (_thin(P) and _dense(Q)) or (_dense(P) and _thin(Q)):
        return _mutually_singular(div, alpha)
    gp, gq = _gauss_parts_2d(P), _gauss_parts_2d(Q)
    if gp is not None and gq is not None:
        if div == "mmd":
            return mmd_closed_2d(P, Q, bandwidth)
        if len(gp) == 1 and len(gq) == 1 and div not in ("js", "gan"):
            return gaussian_closed_2d(div, P, Q, alpha, bandwidth)
    elif P.family == "product" and Q.family == "product" and div not in ("js", "gan", "tv"):
        return _products(div, P, Q, alpha, bandwidth)
    if div in F_DIVERGENCES:
        return f_divergence_2d(div, P, Q, alpha)[0]
    if div == "renyi":
        a = float(alpha)
        A, overlap = f_divergence_2d("alpha", P, Q, a)
        if A == INF or (not overlap and a < 1):
            return INF
        return math.log1p(a * (a - 1.0) * A) / (a - 1.0)
    if div == "bhattacharyya":
        H, overlap = f_divergence_2d("hellinger", P, Q)
        return INF if not overlap else -math.log1p(-H)
    raise NotImplementedError(f"no 2-D reference for {div} between {P} and {Q}")


# ===================================================================== entry point


@functools.lru_cache(maxsize=4096)
def _reference(div: str, P: Law, Q: Law, alpha, bandwidth) -> float:
    if P.dim == 1 and Q.dim == 1:
        return float(reference_1d(div, P, Q, alpha=alpha, bandwidth=bandwidth))
    if P.dim == 2 and Q.dim == 2:
        return float(reference_2d(div, P, Q, alpha=alpha, bandwidth=bandwidth))
    raise ValueError("P and Q must have the same dimension")


def reference(div: str, P: Law, Q: Law, alpha: float | None = None,
              bandwidth: float = 1.0) -> float:
    """The reference value of divergence `div` between P and Q (cached).

    `alpha` is the order of `alpha` and `renyi`; `bandwidth` the MMD kernel width.
    Mathematically infinite values are `math.inf`.
    """
    return _reference(div, P, Q, None if alpha is None else float(alpha), float(bandwidth))
