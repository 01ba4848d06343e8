"""High-precision (mpmath) references for the 1-D divergences, sharing no code with the
library (nothing here imports `ganloss_viz`, numpy, scipy or torch).

Every log-density, distribution function, score (d log p / d theta) and tail expansion is
written out below in mpmath. The divergences follow DESIGN.md's definitions directly:

* f-divergences (kl, reverse_kl, jeffreys, js, gan, pearson, neyman, hellinger, tv,
  alpha) by the Lebesgue decomposition
  D = int_{p>0,q>0} q f(p/q) + P(q = 0) f'(inf) + Q(p = 0) f(0)  (+ the atoms' terms);
  renyi = log(int p^a q^(1-a)) / (a - 1) and bhattacharyya = -log int sqrt(pq) from the
  same integrals. Several algebraically different integrands are summed for one value
  (JS directly and through gan = -int [p log(1 + q/p) + q log(1 + p/q)]; BC directly and
  as 1 - hellinger; renyi's integral directly and as 1 + (the alpha integrand)): they must
  agree, which checks the quadrature and the working precision.
* w1 = int |F_P - F_Q|, energy = 2 int (F_P - F_Q)^2 (distribution functions written as
  whichever of F or 1 - F is small, so tails keep their digits).
* w2: closed forms (location-scale pairs of one family, uniforms, exponentials, gammas of
  one shape, lognormals, Diracs), else int_0^1 (F_P^-1 - F_Q^-1)^2 with the quantile
  functions written out (inverted numerically for mixtures, student_t, gamma, beta).
* mmd (Gaussian kernel, bandwidth l): closed form for mixtures of normals and Diracs,
  else int |phi_P - phi_Q|^2 l/sqrt(2 pi) exp(-l^2 t^2 / 2) dt over the characteristic
  functions (Bochner), where they are written out and the laws are not too far apart.

Infinite values are decided analytically, never by a large number: mass of P where q = 0
with f'(inf) = inf (and the mirror), and divergent tails, decided by exact (Fraction)
comparison of the laws' asymptotic expansions of log p at each end of the common
support (terms e^(c u), u^2, u, (log u)^2, log u with u = |x| or 1/distance-to-the-end):
Gumbel's doubly exponential left tail, power tails, beta/gamma/lognormal ends.

Quadrature: a double-exponential rule (tanh-sinh on finite pieces, exp-sinh on the two
tails) written here, on pieces split at every support end, atom, location, a few
scale multiples / quantile-like points of every component, and the crossings p = q
(for TV) or F_P = F_Q (for W1), found by sign changes and bisection. Points are stored
as (anchor, offset): an anchor is an exact parameter (a location or a support end), so
a law 1e300 away from the origin with scale 1e-300 keeps its digits (distances to every
anchor are formed as (anchor difference) + offset). All integrands of one pair are
summed over the same nodes (a vector), values and gradients together.

Gradients: differentiation under the integral sign with the analytic scores (location,
scale, rate, shape and mixture-weight parameters), and central differences of the
high-precision value (step 1e-8 of the parameter's scale, value accurate to ~1e-30) for
parameters that move a support end or an atom (uniform low/high, dirac loc) and, for
w1/energy/w2, for the shape parameters. Parameters where the value is not
differentiable (a support end or atom shared by P and Q) are reported in `nondiff`.

Precision: two passes, at 40 and 28 digits plus the digits that the log-densities' own
size takes where the common support has its mass (a law 1e14 scales away has log q near
-1e19: 16 more digits); a value is returned only when the passes agree to 1e-18, the
quadrature's error estimate is below 1e-18 of it, it lies in the divergence's range and
the internal cross-checks (JS two ways, BC two ways, renyi's integral two ways) agree.
Bhattacharyya / renyi far below e^-100 (and renyi's integral far above e^1000, alpha > 1
at large separations) are integrated in log-shifted form around their peak (found by
golden section, the shift being the peak's height); where the log-integrand is too
large for the precision to resolve the peak they get no reference, the others keep
theirs.

`reference_all(P, Q, alpha=..., renyi_alpha=..., bandwidth=...)` returns a dict
div -> Ref(value, grad, nondiff) or None ("no reference": the two working precisions
disagree, a quadrature did not converge, or the pair is outside what is written here).
A finite value beyond the float range comes back as inf (it overflows float64).

Not written here (None): W2 between mixtures, beta, gamma of different shapes or
student_t laws (no explicit quantile function); MMD where a law is lognormal, beta or
student_t and not every component is a normal or a Dirac, or the laws are far apart on
the bandwidth's scale (more than 200 bandwidths, scales outside 1e-4..1e4 bandwidths).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from fractions import Fraction

import mpmath as mp

INF = math.inf

# ===================================================================== law descriptions

PARAMS = {
    "normal": ("loc", "scale"), "laplace": ("loc", "scale"), "logistic": ("loc", "scale"),
    "cauchy": ("loc", "scale"), "gumbel": ("loc", "scale"), "student_t": ("df", "loc", "scale"),
    "uniform": ("low", "high"), "exponential": ("rate",), "gamma": ("concentration", "rate"),
    "beta": ("a", "b"), "lognormal": ("loc", "scale"), "dirac": ("loc",),
    "mixture": ("components", "weights"),
}
LOCSCALE = ("normal", "laplace", "logistic", "cauchy", "gumbel", "student_t")


def _num(x) -> str:
    return repr(float(x))


@dataclass(frozen=True)
class Law:
    """A 1-D law: family and arguments in declared order. Arguments are floats (they
    may be mpf inside the reference, for central differences)."""

    family: str
    args: tuple

    def __getitem__(self, name: str):
        return self.args[PARAMS[self.family].index(name)]

    @property
    def spec(self) -> str:
        if self.family == "mixture":
            comps = ", ".join(c.spec for c in self.args[0])
            ws = ", ".join(_num(w) for w in self.args[1])
            return f"mixture(components=[{comps}], weights=[{ws}])"
        return f"{self.family}({', '.join(_num(v) for v in self.args)})"

    def __str__(self) -> str:
        return self.spec

    def flat(self) -> dict[str, float]:
        if self.family == "mixture":
            out = {}
            for i, c in enumerate(self.args[0]):
                out.update({f"components.{i}.{k}": v for k, v in c.flat().items()})
            for i, w in enumerate(self.args[1]):
                out[f"weights.{i}"] = w
            return out
        return dict(zip(PARAMS[self.family], self.args, strict=True))

    def replace(self, name: str, value) -> Law:
        if self.family == "mixture":
            head, i, *rest = name.split(".")
            i = int(i)
            comps, ws = list(self.args[0]), list(self.args[1])
            if head == "weights":
                ws[i] = value
            else:
                comps[i] = comps[i].replace(".".join(rest), value)
            return Law("mixture", (tuple(comps), tuple(ws)))
        args = list(self.args)
        args[PARAMS[self.family].index(name)] = value
        return Law(self.family, tuple(args))

    def leaves(self) -> list[Law]:
        return list(self.args[0]) if self.family == "mixture" else [self]


def _law(family, *args) -> Law:
    return Law(family, tuple(float(a) for a in args))


def normal(loc=0.0, scale=1.0):
    return _law("normal", loc, scale)


def laplace(loc=0.0, scale=1.0):
    return _law("laplace", loc, scale)


def logistic(loc=0.0, scale=1.0):
    return _law("logistic", loc, scale)


def cauchy(loc=0.0, scale=1.0):
    return _law("cauchy", loc, scale)


def gumbel(loc=0.0, scale=1.0):
    return _law("gumbel", loc, scale)


def student_t(df, loc=0.0, scale=1.0):
    return _law("student_t", df, loc, scale)


def uniform(low=0.0, high=1.0):
    return _law("uniform", low, high)


def exponential(rate=1.0):
    return _law("exponential", rate)


def gamma(concentration, rate=1.0):
    return _law("gamma", concentration, rate)


def beta(a, b):
    return _law("beta", a, b)


def lognormal(loc=0.0, scale=1.0):
    return _law("lognormal", loc, scale)


def dirac(loc=0.0):
    return _law("dirac", loc)


def mixture(components, weights):
    return Law("mixture", (tuple(components), tuple(float(w) for w in weights)))


# ===================================================================== small helpers


def fr(x) -> Fraction:
    """The exact rational value of a float or an mpf."""
    if isinstance(x, mp.mpf):
        man, exp = x.man_exp          # man is |mantissa|: the sign is apart
        return (-1 if x < 0 else 1) * Fraction(man) * (Fraction(2) ** exp)
    return Fraction(x)


class NoReference(Exception):
    """The reference cannot certify a value here (precision, convergence, scope)."""


class OverBudget(Exception):
    """The pair's reference needs more work than its budget allows (see `reference_all`).

    Work is counted in evaluations of a component's log-density, distribution function,
    quantile or characteristic function, so the same pairs get references on any
    machine, however fast or busy."""


_WORK = {"left": None}


def _spend() -> None:
    """Count one component evaluation against the pair's budget, if it has one."""
    if _WORK["left"] is not None:
        _WORK["left"] -= 1
        if _WORK["left"] < 0:
            raise OverBudget


def _lse(vals):
    vals = [v for v in vals if v != -mp.inf]
    if not vals:
        return -mp.inf
    m = max(vals)
    return m + mp.log(mp.fsum(E(v - m) for v in vals))


@functools.lru_cache(maxsize=16)
def _ln2(prec):
    with mp.workprec(prec):
        return mp.log(2)


def LN2():
    return _ln2(mp.mp.prec)


def _sgn(x) -> int:
    return (x > 0) - (x < 0)


_BIG = 10 ** 15
_GUMBEL_CAP = mp.mpf(10) ** 17


def E(x):
    """exp(x), 0 below e^-1e15 and inf above e^1e15 (mpmath's exponents overflow beyond)."""
    if x < -_BIG:
        return mp.mpf(0)
    if x > _BIG:
        return mp.inf
    return mp.exp(x)


def EM1(x):
    """expm1(x) with the same limits."""
    if x < -_BIG:
        return mp.mpf(-1)
    if x > _BIG:
        return mp.inf
    return mp.expm1(x)


def L1PE(x):
    """log(1 + e^x) for any x."""
    if x > 40:
        return x + mp.log1p(E(-x))
    return mp.log1p(E(x))


def ERFC_HALF(a):
    """erfc(a / sqrt 2) / 2 = P(Z > a) for a >= 0, for any size of a."""
    if a < 10 ** 6:
        return mp.erfc(a / mp.sqrt(2)) / 2
    x2 = a * a
    if x2 / 2 > _BIG:
        return mp.mpf(0)
    ser = mp.fsum((-1) ** n * mp.fac2(2 * n - 1) / x2 ** n for n in range(6))
    return E(-x2 / 2) / (a * mp.sqrt(2 * mp.pi)) * ser


# ===================================================================== points

class Pt:
    """A point anchor + d: the anchor is an exact parameter (mpf), d an mpf offset."""

    __slots__ = ("A", "d")

    def __init__(self, A, d=0):
        self.A = mp.mpf(A)
        self.d = mp.mpf(d)

    def off(self, e):
        """x - e, accurate when e is this point's anchor (or near it)."""
        if e == self.A:
            return self.d
        return (self.A - e) + self.d

    def value(self):
        return self.A + self.d

    def __repr__(self):
        return f"Pt({mp.nstr(self.A, 17)}, {mp.nstr(self.d, 17)})"


def pt_cmp(p, q) -> int:
    if p is None or q is None:
        raise ValueError
    return _sgn((p.A - q.A) + (p.d - q.d))


def pt_sub(b, a):
    """b - a."""
    return (b.A - a.A) + (b.d - a.d)


# ===================================================================== asymptotic expansions
# An expansion of log p as u -> inf is a dict: ("E", c) -> (sign, log|coef|) for
# coef * e^(c u); "U2", "U1", "L2", "L1" -> Fraction coefficients of u^2, u, (log u)^2,
# log u. Constants are dropped (they never decide convergence).

_ORDER = ("U2", "U1", "L2", "L1")


def _keys(*exps):
    es = sorted({k for e in exps for k in e if isinstance(k, tuple)}, key=lambda k: -k[1])
    return es + list(_ORDER)


def exp_scale(e: dict, a) -> dict:
    a = fr(a)
    out = {}
    for k, v in e.items():
        if isinstance(k, tuple):
            if a != 0:
                s, lg = v
                out[k] = (s * _sgn(a), lg + mp.log(abs(mp.mpf(a.numerator) / a.denominator)))
        else:
            out[k] = v * a
    return out


def exp_add(e1: dict, e2: dict) -> dict:
    out = dict(e1)
    for k, v in e2.items():
        if k not in out:
            out[k] = v
        elif isinstance(k, tuple):
            (s1, l1), (s2, l2) = out[k], v
            if s1 == s2:
                out[k] = (s1, max(l1, l2) + mp.log1p(mp.exp(-abs(l1 - l2))))
            else:
                if abs(l1 - l2) < mp.mpf(10) ** (-mp.mp.dps + 8) * (1 + abs(l1)):
                    raise NoReference("exponential tail coefficients cancel")
                out[k] = (s1, l1 + mp.log(-mp.expm1(l2 - l1))) if l1 > l2 else \
                    (s2, l2 + mp.log(-mp.expm1(l1 - l2)))
        else:
            out[k] = out[k] + v
    return out


def _coef_sign(e, k) -> int:
    v = e.get(k, 0)
    if isinstance(k, tuple):
        return v[0] if v else 0
    return _sgn(v)


def exp_cmp(e1: dict, e2: dict) -> int:
    """Sign of (e1 - e2) as u -> inf, ignoring constants."""
    d = exp_add(e1, exp_scale(e2, -1))
    for k in _keys(d):
        s = _coef_sign(d, k)
        if s:
            return s
    return 0


def exp_leading(e: dict):
    for k in _keys(e):
        if _coef_sign(e, k):
            return k
    return None


def converges(G: dict, finite_end: bool, loglog: bool = False) -> bool:
    """Does int e^G du converge at u = inf (finite_end: int e^G(1/d) dd near d = 0)?"""
    if finite_end:
        G = exp_add(G, {"L1": Fraction(-2)})
    for k in _keys(G):
        s = _coef_sign(G, k)
        if not s:
            continue
        if k == "L1":
            return G[k] < -1
        return s < 0
    return False


ABSENT = None   # a component with no mass on that side


# ===================================================================== components

class Comp:
    """A continuous component in mpmath: log-density, scores, CDF, expansions."""

    def __init__(self, law: Law, prefix: str):
        self.fam = law.family
        self.law = law
        self.prefix = prefix
        P = {k: mp.mpf(v) for k, v in zip(PARAMS[self.fam], law.args, strict=True)}
        self.P = P
        f = self.fam
        if f in LOCSCALE:
            self.mu, self.s = P["loc"], P["scale"]
            self.ls = mp.log(self.s)
            self.lo, self.hi = -mp.inf, mp.inf
            if f == "student_t":
                v = P["df"]
                self.c = (mp.loggamma((v + 1) / 2) - mp.loggamma(v / 2)
                          - mp.log(v * mp.pi) / 2 - self.ls)
        elif f == "uniform":
            self.lo, self.hi = P["low"], P["high"]
            self.width = self.hi - self.lo
        elif f in ("exponential", "gamma", "lognormal"):
            self.lo, self.hi = mp.mpf(0), mp.inf
            if f == "gamma":
                k, b = P["concentration"], P["rate"]
                self.c = k * mp.log(b) - mp.loggamma(k)
        elif f == "beta":
            self.lo, self.hi = mp.mpf(0), mp.mpf(1)
            self.c = -(mp.loggamma(P["a"]) + mp.loggamma(P["b"]) - mp.loggamma(P["a"] + P["b"]))
        else:
            raise ValueError(f)

    # names of the parameters whose score is written analytically
    def analytic_params(self, for_cdf: bool = False):
        f = self.fam
        if f in LOCSCALE:
            names = ["loc", "scale"] + ([] if for_cdf else (["df"] if f == "student_t" else []))
        elif f == "uniform":
            names = []
        elif f == "exponential":
            names = ["rate"]
        elif f == "gamma":
            names = ["rate"] if for_cdf else ["concentration", "rate"]
        elif f == "beta":
            names = [] if for_cdf else ["a", "b"]
        elif f == "lognormal":
            names = ["loc", "scale"]
        return names

    def name(self, p: str) -> str:
        return self.prefix + p

    # --- support, break points
    def lo_pt(self):
        return None if self.lo == -mp.inf else Pt(self.lo)

    def hi_pt(self):
        return None if self.hi == mp.inf else Pt(self.hi)

    def splits(self) -> list[Pt]:
        f, P = self.fam, self.P
        if f in LOCSCALE:
            ks = {"normal": (0, 3, -3, 9, -9),
                  "laplace": (0, 4, -4, 20, -20),
                  "logistic": (0, 5, -5, 20, -20),
                  "cauchy": (0, 3, -3, 30, -30),
                  "student_t": (0, 3, -3, 30, -30),
                  "gumbel": (-3, 0, 3, 12, 35)}[f]
            return [Pt(self.mu, self.s * k) for k in ks]
        if f == "uniform":
            return [Pt(self.lo), Pt(self.hi), Pt(self.lo, self.width / 2)]
        if f == "exponential":
            r = P["rate"]
            return [Pt(0)] + [Pt(0, k / r) for k in (1, 5, 20)]
        if f == "gamma":
            k, r = P["concentration"], P["rate"]
            m, sd = k / r, mp.sqrt(k) / r
            pts = [Pt(0), Pt(0, min(m, 1 / r) / 2), Pt(0, m)]
            pts += [Pt(0, m + c * sd) for c in (-2, 3, 12) if m + c * sd > m / 4]
            return pts
        if f == "beta":
            a, b = P["a"], P["b"]
            m = a / (a + b)
            pts = [Pt(0), Pt(1), Pt(0, mp.mpf(0.5))]
            pts.append(Pt(0, m) if m < 0.5 else Pt(1, -(b / (a + b))))
            return pts
        if f == "lognormal":
            mu, s = P["loc"], P["scale"]
            return [Pt(0)] + [Pt(0, mp.exp(mu + s * k)) for k in (0, 3, -3, 10, -10)]
        raise AssertionError(f)

    def scale_hint(self):
        f, P = self.fam, self.P
        if f in LOCSCALE:
            return self.s
        if f == "uniform":
            return self.width
        if f == "exponential":
            return 1 / P["rate"]
        if f == "gamma":
            return mp.sqrt(P["concentration"]) / P["rate"]
        if f == "beta":
            return mp.mpf(0.1)
        return mp.exp(P["loc"]) * P["scale"]

    # --- densities
    def _z(self, x: Pt):
        return x.off(self.mu) / self.s

    def _x0(self, x: Pt):
        return x.off(mp.mpf(0))

    def logpdf(self, x: Pt):
        _spend()
        f, P = self.fam, self.P
        if f in LOCSCALE:
            z = self._z(x)
            if f == "normal":
                return -z * z / 2 - self.ls - mp.log(2 * mp.pi) / 2
            if f == "laplace":
                return -abs(z) - self.ls - mp.log(2)
            if f == "logistic":
                a = abs(z)
                return -a - 2 * mp.log1p(E(-a)) - self.ls
            if f == "cauchy":
                return -mp.log(mp.pi) - self.ls - mp.log1p(z * z)
            if f == "gumbel":
                # -z - e^-z: far in the left tail e^-z is computed up to e^(1e17) (where
                # log p is about -e^(1e17): the density is nil to any precision)
                return -z - mp.exp(min(-z, _GUMBEL_CAP)) - self.ls
            v = P["df"]
            return self.c - (v + 1) / 2 * mp.log1p(z * z / v)
        if f == "uniform":
            return -mp.log(self.width)
        x0 = self._x0(x)
        if f == "exponential":
            return mp.log(P["rate"]) - P["rate"] * x0
        if f == "gamma":
            return self.c + (P["concentration"] - 1) * mp.log(x0) - P["rate"] * x0
        if f == "beta":
            x1 = -x.off(mp.mpf(1))
            return (P["a"] - 1) * mp.log(x0) + (P["b"] - 1) * mp.log(x1) + self.c
        if f == "lognormal":
            lx = mp.log(x0)
            z = (lx - P["loc"]) / P["scale"]
            return -z * z / 2 - lx - mp.log(P["scale"]) - mp.log(2 * mp.pi) / 2
        raise AssertionError(f)

    def scores(self, x: Pt) -> dict:
        """d log p / d theta for the analytic parameters (names without prefix)."""
        f, P = self.fam, self.P
        if f in LOCSCALE:
            z, s = self._z(x), self.s
            if f == "normal":
                return {"loc": z / s, "scale": (z * z - 1) / s}
            if f == "laplace":
                return {"loc": _sgn(z) / s, "scale": (abs(z) - 1) / s}
            if f == "logistic":
                t = mp.tanh(z / 2)
                return {"loc": t / s, "scale": (z * t - 1) / s}
            if f == "cauchy":
                g = 2 * z / (1 + z * z)
                return {"loc": g / s, "scale": (g * z - 1) / s}
            if f == "gumbel":
                e = -mp.expm1(min(-z, _GUMBEL_CAP))
                return {"loc": e / s, "scale": (z * e - 1) / s}
            v = P["df"]
            g = (v + 1) * z / (v + z * z)
            dv = (mp.digamma((v + 1) / 2) - mp.digamma(v / 2) - 1 / v - mp.log1p(z * z / v)
                  + (v + 1) * z * z / (v * (v + z * z))) / 2
            return {"loc": g / s, "scale": (g * z - 1) / s, "df": dv}
        if f == "uniform":
            return {}
        x0 = self._x0(x)
        if f == "exponential":
            return {"rate": 1 / P["rate"] - x0}
        if f == "gamma":
            k, r = P["concentration"], P["rate"]
            return {"concentration": mp.log(r) + mp.log(x0) - mp.digamma(k), "rate": k / r - x0}
        if f == "beta":
            a, b = P["a"], P["b"]
            x1 = -x.off(mp.mpf(1))
            dab = mp.digamma(a + b)
            return {"a": mp.log(x0) - mp.digamma(a) + dab, "b": mp.log(x1) - mp.digamma(b) + dab}
        if f == "lognormal":
            z = (mp.log(x0) - P["loc"]) / P["scale"]
            return {"loc": z / P["scale"], "scale": (z * z - 1) / P["scale"]}
        raise AssertionError(f)

    # --- distribution functions: (F, S) with the smaller one accurate
    def cdf_sf(self, x: Pt):
        _spend()
        f, P = self.fam, self.P
        if f in LOCSCALE:
            z = self._z(x)
            if f == "normal":
                t = ERFC_HALF(abs(z))
            elif f == "laplace":
                t = E(-abs(z)) / 2
            elif f == "logistic":
                t = E(-abs(z)) / (1 + E(-abs(z)))
            elif f == "cauchy":
                t = mp.atan(1 / abs(z)) / mp.pi if z != 0 else mp.mpf(0.5)
            elif f == "student_t":
                v = P["df"]
                w = v / (v + z * z)
                if w < 0.5:
                    t = mp.betainc(v / 2, mp.mpf(0.5), 0, w, regularized=True) / 2
                else:
                    t = (1 - mp.betainc(mp.mpf(0.5), v / 2, 0, z * z / (v + z * z),
                                        regularized=True)) / 2
            else:   # gumbel
                e = E(-z)
                return E(-e), -EM1(-e)
            return (t, 1 - t) if z < 0 else (1 - t, t)
        if f == "uniform":
            if pt_cmp(x, Pt(self.lo)) <= 0:
                return mp.mpf(0), mp.mpf(1)
            if pt_cmp(x, Pt(self.hi)) >= 0:
                return mp.mpf(1), mp.mpf(0)
            return x.off(self.lo) / self.width, -x.off(self.hi) / self.width
        x0 = self._x0(x)
        if x0 <= 0:
            return mp.mpf(0), mp.mpf(1)
        if f == "exponential":
            return -EM1(-P["rate"] * x0), E(-P["rate"] * x0)
        if f == "gamma":
            k, y = P["concentration"], P["rate"] * x0
            if y < k:
                F = mp.gammainc(k, 0, y, regularized=True)
                return F, 1 - F
            S = mp.gammainc(k, y, mp.inf, regularized=True)
            return 1 - S, S
        if f == "beta":
            x1 = -x.off(mp.mpf(1))
            if x1 <= 0:
                return mp.mpf(1), mp.mpf(0)
            a, b = P["a"], P["b"]
            if x0 <= x1:
                F = mp.betainc(a, b, 0, x0, regularized=True)
                return F, 1 - F
            S = mp.betainc(b, a, 0, x1, regularized=True)
            return 1 - S, S
        if f == "lognormal":
            z = (mp.log(x0) - P["loc"]) / P["scale"]
            t = ERFC_HALF(abs(z))
            return (t, 1 - t) if z < 0 else (1 - t, t)
        raise AssertionError(f)

    def dcdf(self, x: Pt, pdf) -> dict:
        """dF/dtheta for the parameters of analytic_params(for_cdf=True)."""
        f, P = self.fam, self.P
        if f in LOCSCALE:
            z = self._z(x)
            return {"loc": -pdf, "scale": -z * pdf}
        x0 = self._x0(x)
        if x0 <= 0:
            return {k: mp.mpf(0) for k in self.analytic_params(True)}
        if f == "exponential":
            return {"rate": x0 * E(-P["rate"] * x0)}
        if f == "gamma":
            return {"rate": x0 * pdf / P["rate"]}
        if f == "lognormal":
            z = (mp.log(x0) - P["loc"]) / P["scale"]
            return {"loc": -x0 * pdf, "scale": -z * x0 * pdf}
        return {}

    # --- asymptotics
    def tail_exp(self, side: int):
        """Expansion of log p as x -> side*inf (u = |x|), or ABSENT."""
        f, L = self.fam, self.law
        if side < 0 and f in ("exponential", "gamma", "beta", "lognormal", "uniform"):
            return ABSENT
        if side > 0 and f in ("beta", "uniform"):
            return ABSENT
        if f == "normal":
            mu, s = fr(L["loc"]), fr(L["scale"])
            return {"U2": -1 / (2 * s * s), "U1": side * mu / (s * s)}
        if f in ("laplace", "logistic"):
            return {"U1": -1 / fr(L["scale"])}
        if f == "cauchy":
            return {"L1": Fraction(-2)}
        if f == "student_t":
            return {"L1": -(fr(L["df"]) + 1)}
        if f == "gumbel":
            b = fr(L["scale"])
            if side > 0:
                return {"U1": -1 / b}
            return {("E", 1 / b): (-1, self.mu / self.s), "U1": 1 / b}
        if f == "exponential":
            return {"U1": -fr(L["rate"])}
        if f == "gamma":
            return {"U1": -fr(L["rate"]), "L1": fr(L["concentration"]) - 1}
        if f == "lognormal":
            mu, s = fr(L["loc"]), fr(L["scale"])
            return {"L2": -1 / (2 * s * s), "L1": mu / (s * s) - 1}
        raise AssertionError(f)

    def end_exp(self, which: str):
        """Expansion of log p at its finite support end ('lo' or 'hi'), u = 1/distance."""
        f, L = self.fam, self.law
        if f in ("uniform", "exponential"):
            return {}
        if f == "gamma":
            return {"L1": 1 - fr(L["concentration"])}
        if f == "beta":
            return {"L1": 1 - fr(L["a"] if which == "lo" else L["b"])}
        if f == "lognormal":
            mu, s = fr(L["loc"]), fr(L["scale"])
            return {"L2": -1 / (2 * s * s), "L1": 1 - mu / (s * s)}
        raise AssertionError(f)

    def power_tail(self, side: int):
        """(alpha, C) with S(u) ~ C u^-alpha in a power tail, else None."""
        f, P = self.fam, self.P
        if f == "cauchy":
            return fr(self.law["scale"]) * 0 + 1, self.s / mp.pi
        if f == "student_t":
            v = P["df"]
            D = mp.exp(mp.loggamma((v + 1) / 2) - mp.loggamma(v / 2) + v / 2 * mp.log(v)
                       + v * self.ls) / mp.sqrt(mp.pi)
            return fr(self.law["df"]), D / v
        return None

    # --- quantiles (explicit families) and moments
    def quantile(self, u, upper=False, derivs=False):
        """F^-1(u), or F^-1(1 - u) when upper (accurate for small u), as a Pt; with derivs
        also {param: dx/dparam}. None where not explicit."""
        _spend()
        f = self.fam
        d = {}
        if f in ("normal", "laplace", "logistic", "cauchy", "gumbel"):
            if f == "gumbel":
                z = -mp.log(-mp.log1p(-u)) if upper else -mp.log(-mp.log(u))
            else:
                if f == "normal":
                    z = mp.sqrt(2) * _erfcinv(2 * u)   # upper quantile z(u) > 0 for u < 1/2
                elif f == "laplace":
                    z = -mp.log(2 * u) if u <= 0.5 else mp.log(2 * (1 - u))
                elif f == "logistic":
                    z = mp.log((1 - u) / u)
                else:
                    z = 1 / mp.tan(mp.pi * u)
                z = z if upper else -z
            x = Pt(self.mu, self.s * z)
            d = {"loc": mp.mpf(1), "scale": z}
        elif f == "uniform":
            x = Pt(self.hi, -u * self.width) if upper else Pt(self.lo, u * self.width)
            d = {"low": u, "high": 1 - u} if upper else {"low": 1 - u, "high": u}
        elif f == "exponential":
            r = self.P["rate"]
            x = Pt(0, -mp.log(u) / r) if upper else Pt(0, -mp.log1p(-u) / r)
            d = {"rate": -x.d / r}
        elif f == "lognormal":
            z = mp.sqrt(2) * _erfcinv(2 * u)
            z = z if upper else -z
            v = mp.exp(self.P["loc"] + self.P["scale"] * z)
            x = Pt(0, v)
            d = {"loc": v, "scale": z * v}
        else:
            return None
        return (x, d) if derivs else x

    def moment2(self):
        """(E X, E X^2) in absolute coordinates, or None when infinite."""
        f, P = self.fam, self.P
        if f in LOCSCALE:
            m1z, m2z = {"normal": (0, 1), "laplace": (0, 2), "logistic": (0, mp.pi ** 2 / 3),
                        "gumbel": (mp.euler, mp.euler ** 2 + mp.pi ** 2 / 6)}.get(f, (None, None))
            if f == "student_t" and P["df"] > 2:
                m1z, m2z = 0, P["df"] / (P["df"] - 2)
            if m1z is None:
                return None
            return self.mu + self.s * m1z, self.mu ** 2 + 2 * self.mu * self.s * m1z + \
                self.s ** 2 * m2z
        if f == "uniform":
            a, b = self.lo, self.hi
            return (a + b) / 2, (a * a + a * b + b * b) / 3
        if f == "exponential":
            r = P["rate"]
            return 1 / r, 2 / r ** 2
        if f == "gamma":
            k, r = P["concentration"], P["rate"]
            return k / r, k * (k + 1) / r ** 2
        if f == "beta":
            a, b = P["a"], P["b"]
            return a / (a + b), a * (a + 1) / ((a + b) * (a + b + 1))
        if f == "lognormal":
            mu, s = P["loc"], P["scale"]
            return mp.exp(mu + s * s / 2), mp.exp(2 * mu + 2 * s * s)
        raise AssertionError(f)

    # --- characteristic function (in coordinates shifted by c), None if not written
    def charfn(self, t, c):
        _spend()
        f, P = self.fam, self.P
        j = mp.mpc(0, 1)
        if f in LOCSCALE:
            ph = mp.expj(t * (self.mu - c))
            s = self.s
            if f == "normal":
                return ph * mp.exp(-(s * t) ** 2 / 2)
            if f == "laplace":
                return ph / (1 + (s * t) ** 2)
            if f == "logistic":
                y = mp.pi * s * t
                return ph * (y / mp.sinh(y) if y != 0 else 1)
            if f == "cauchy":
                return ph * mp.exp(-s * abs(t))
            if f == "gumbel":
                return ph * mp.gamma(1 - j * s * t)
            v = P["df"]
            y = mp.sqrt(v) * s * abs(t)
            if y == 0:
                return ph
            return ph * mp.besselk(v / 2, y) * y ** (v / 2) / (mp.gamma(v / 2) * 2 ** (v / 2 - 1))
        if f == "uniform":
            a, b = self.lo - c, self.hi - c
            if t == 0:
                return mp.mpc(1)
            return (mp.expj(b * t) - mp.expj(a * t)) / (j * t * self.width)
        ph = mp.expj(-t * c)
        if f == "exponential":
            return ph / (1 - j * t / P["rate"])
        if f == "gamma":
            return ph * (1 - j * t / P["rate"]) ** (-P["concentration"])
        return None


def _erfcinv(y):
    """erfc^-1(y) for 0 < y <= 1: Newton on log erfc from a double-precision start."""
    ly = mp.log(y)
    if y > mp.mpf("1e-300"):
        from statistics import NormalDist
        x = mp.mpf(-NormalDist().inv_cdf(float(y) / 2) / math.sqrt(2))
    else:
        x = mp.sqrt(-ly - mp.log(-ly * mp.pi) / 2)
    for _ in range(60):
        if x > 0:
            le = mp.log(mp.erfc(x))
            step = (le - ly) / (-2 * mp.exp(-x * x - le) / mp.sqrt(mp.pi))
        else:
            e = mp.erfc(x)
            step = (e - y) / (-2 * mp.exp(-x * x) / mp.sqrt(mp.pi))
        x -= step
        if abs(step) < mp.mpf(10) ** (-mp.mp.dps - 2) * max(abs(x), 1):
            break
    return x


# ===================================================================== measures

@dataclass
class Atom:
    loc: object          # mpf
    mass: object         # mpf
    index: int           # component index in the mixture (or -1)


class Model:
    """A law as weighted continuous components and atoms, with parameter names."""

    def __init__(self, law: Law, side: str):
        self.law = law
        self.side = side
        if law.family == "mixture":
            comps, ws = law.args
            self.mixture = True
        else:
            comps, ws = (law,), (1.0,)
            self.mixture = False
        ws = [mp.mpf(w) for w in ws]
        self.W = mp.fsum(ws)
        self.cont = []     # (Comp, log weight, weight, index)
        self.atoms = []
        self.ncomp = len(comps)
        self.comp_laws = comps
        self.weights = ws
        for i, (c, w) in enumerate(zip(comps, ws, strict=True)):
            if w == 0:
                continue
            pre = f"{side}.components.{i}." if self.mixture else f"{side}."
            if c.family == "dirac":
                self.atoms.append(Atom(mp.mpf(c.args[0]), w / self.W, i))
            else:
                self.cont.append((Comp(c, pre), mp.log(w / self.W), w / self.W, i))
        # merge atoms at the same place
        self.atom_at = {}
        for a in self.atoms:
            self.atom_at.setdefault(a.loc, []).append(a)

    def weight_names(self):
        return [f"{self.side}.weights.{i}" for i in range(self.ncomp)] if self.mixture else []

    def atom_mass(self, loc):
        return mp.fsum(a.mass for a in self.atom_at.get(loc, []))

    def atom_dmass(self, loc) -> dict:
        """d(mass of the atoms at loc)/d weight_i."""
        if not self.mixture:
            return {}
        m = self.atom_mass(loc)
        idx = {a.index for a in self.atom_at.get(loc, [])}
        return {f"{self.side}.weights.{i}": ((1 if i in idx else 0) * 1 - m) / self.W
                for i in range(self.ncomp)}

    def covering(self, a, b):
        """Continuous components whose support contains the interval (a, b)."""
        out = []
        for item in self.cont:
            c = item[0]
            lo, hi = c.lo_pt(), c.hi_pt()
            if (lo is None or (a is not None and pt_cmp(lo, a) <= 0)) and \
               (hi is None or (b is not None and pt_cmp(b, hi) <= 0)):
                out.append(item)
        return out

    def logpdf(self, x: Pt, cov, want_scores: bool):
        """(log p, {param: d log p / d param}) over the covering components `cov`."""
        if not cov:
            return -mp.inf, {}
        lcs = [c.logpdf(x) for c, _, _, _ in cov]
        lp = _lse([lw + lc for (_, lw, _, _), lc in zip(cov, lcs, strict=True)])
        if not want_scores:
            return lp, {}
        sc = {}
        rel = {}
        for (c, lw, _, i), lc in zip(cov, lcs, strict=True):
            rho = E(lw + lc - lp)
            rel[i] = E(lc - lp)
            if rho == 0:
                for k in c.analytic_params():
                    sc[c.name(k)] = mp.mpf(0)
                continue
            for k, v in c.scores(x).items():
                sc[c.name(k)] = rho * v
        if self.mixture:
            # d log p / d w_j = (p_j / p - 1) / W, written as
            # sum_{i != j} m_i (p_j - p_i) / (W p): no cancellation when m_j is near 1
            m = {i: self.weights[i] / self.W for i in range(self.ncomp)}
            cont = {i for _, _, _, i in self.cont}
            for j in range(self.ncomp):
                rj = rel.get(j, mp.mpf(0))
                tot = mp.mpf(0)
                for i in range(self.ncomp):
                    if i == j or m[i] == 0:
                        continue
                    tot += m[i] * (rj - rel.get(i, mp.mpf(0)) if i in cont else rj)
                sc[f"{self.side}.weights.{j}"] = tot / self.W
        return lp, sc

    def analytic_names(self, for_cdf=False):
        out = []
        for c, _, _, _ in self.cont:
            out += [c.name(k) for k in c.analytic_params(for_cdf)]
        return out + self.weight_names()

    def splits(self):
        pts = []
        for c, _, _, _ in self.cont:
            pts += c.splits()
        pts += [Pt(a.loc) for a in self.atoms]
        return pts

    def ends(self):
        out = []
        for c, _, _, _ in self.cont:
            out += [p for p in (c.lo_pt(), c.hi_pt()) if p is not None]
        return out

    def expansion(self, e, side: int, cov_all=None):
        """Expansion of log p approaching the point e (Pt or None for +-inf) from `side`
        (+1: from the right / x -> -inf when e is None... see callers)."""
        best = ABSENT
        for c, _, _, _ in self.cont:
            if e is None:
                ex = c.tail_exp(-side)       # approaching -inf from the right: side=+1
            else:
                lo, hi = c.lo_pt(), c.hi_pt()
                inside_lo = lo is None or pt_cmp(lo, e) < 0
                inside_hi = hi is None or pt_cmp(e, hi) < 0
                if inside_lo and inside_hi:
                    ex = {}
                elif lo is not None and pt_cmp(lo, e) == 0 and side > 0:
                    ex = c.end_exp("lo")
                elif hi is not None and pt_cmp(hi, e) == 0 and side < 0:
                    ex = c.end_exp("hi")
                else:
                    ex = ABSENT
            if ex is ABSENT:
                continue
            if best is ABSENT or exp_cmp(ex, best) > 0:
                best = ex
        return best

    def power_tail(self, side: int):
        best = None
        for c, _, w, _ in self.cont:
            if c.tail_exp(side) is ABSENT:
                continue
            pt = c.power_tail(side)
            if pt is None:
                continue
            a, C = pt
            if best is None or a < best[0]:
                best = (a, w * C)
            elif a == best[0]:
                best = (a, best[1] + w * C)
        return best

    def has_tail(self, side):
        return any(c.tail_exp(side) is not ABSENT for c, _, _, _ in self.cont)

    def cdf_sf(self, x: Pt, comp_values=False):
        """(F, S) of the whole law at x (atoms: F right-continuous), accurate for the
        smaller of the two; with comp_values also the per-component (F_i, S_i)."""
        Fs, Ss, per = [], [], {}
        for c, _, w, i in self.cont:
            F, S = c.cdf_sf(x)
            Fs.append(w * F)
            Ss.append(w * S)
            per[i] = (F, S)
        for a in self.atoms:
            left = pt_cmp(Pt(a.loc), x) <= 0
            (Fs if left else Ss).append(a.mass)
            per[a.index] = (mp.mpf(1), mp.mpf(0)) if left else (mp.mpf(0), mp.mpf(1))
        F, S = mp.fsum(Fs), mp.fsum(Ss)
        return (F, S, per) if comp_values else (F, S)


# ===================================================================== quadrature
# Double-exponential rules on pieces. A piece is (a, b) with a, b Pt or None (infinite).
# The integrand maps a Pt to a list of mpf (a vector); a piece returns sums and errors.

MAXLEVEL = 7
DEBUG = False
TMAX = 14


@functools.lru_cache(maxsize=200000)
def _ts_node(prec: int, kind: str, t: float):
    with mp.workprec(prec + 20):
        t = mp.mpf(t)
        u = mp.pi / 2 * mp.sinh(t)
        if kind == "ts":
            ep = mp.exp(-2 * abs(u))
            big, small = 1 / (1 + ep), ep / (1 + ep)
            sp, sm = (big, small) if u >= 0 else (small, big)
            w = mp.pi * mp.cosh(t) * sp * sm
            return +sp, +sm, +w
        eu = mp.exp(u)
        return +eu, +(mp.pi / 2 * mp.cosh(t) * eu), None


class Piece:
    def __init__(self, a, b, scale=None):
        self.a, self.b = a, b
        if a is not None and b is not None:
            self.L = pt_sub(b, a)
        else:
            self.L = scale

    def point(self, t):
        """(Pt, weight) for the parameter t of the rule."""
        prec = mp.mp.prec
        if self.a is not None and self.b is not None:
            sp, sm, w = _ts_node(prec, "ts", t)
            da, db = self.L * sp, self.L * sm
            x = Pt(self.a.A, self.a.d + da) if da <= db else Pt(self.b.A, self.b.d - db)
            return x, self.L * w
        eu, w, _ = _ts_node(prec, "es", t)
        if self.b is None:
            return Pt(self.a.A, self.a.d + self.L * eu), self.L * w
        return Pt(self.b.A, self.b.d - self.L * eu), self.L * w

    def sample_points(self):
        if self.a is not None and self.b is not None:
            fr_ = [mp.mpf(v) for v in ("1e-12", "1e-6", "1e-3", "0.02", "0.1", "0.25", "0.4",
                                       "0.5", "0.6", "0.75", "0.9", "0.98", "0.999",
                                       "0.999999", "0.999999999999")]
            out = []
            for f in fr_:
                out.append(Pt(self.a.A, self.a.d + self.L * f) if f <= 0.5 else
                           Pt(self.b.A, self.b.d - self.L * (1 - f)))
            return out
        ks = [mp.mpf(10) ** e for e in (-3, -2, -1, -0.5, 0, 0.3, 0.6, 1, 1.5, 2, 3, 4, 6, 8,
                                        12, 20, 30, 50, 100, 200, 400, 1000, 3000, 10000)]
        if self.b is None:
            return [Pt(self.a.A, self.a.d + self.L * k) for k in ks]
        return [Pt(self.b.A, self.b.d - self.L * k) for k in reversed(ks)]

    def param(self, x: Pt):
        """An increasing coordinate of x on the piece, for bisection."""
        if self.a is not None:
            return x.off(self.a.A) - self.a.d
        return x.off(self.b.A) - self.b.d

    def at(self, s):
        if self.a is not None:
            return Pt(self.a.A, self.a.d + s)
        return Pt(self.b.A, self.b.d + s)


class _PieceRule:
    """The double-exponential rule on one piece, level by level (terms cached)."""

    def __init__(self, piece: Piece, f, n: int):
        self.piece, self.f, self.n = piece, f, n
        self.cache = {}
        tiny = mp.mpf(10) ** (-(mp.mp.dps + 8))
        # truncation of the t range, each direction: up to the last t whose terms are not
        # all negligible (relative to the largest term of each component)
        T = {}
        v0 = self.term(0)
        for sgn in (1, -1):
            mx = [abs(y) for y in v0] if v0 is not None else [mp.mpf(0)] * n
            neg = 0
            t = 0
            while True:
                t += 1
                if t > TMAX:
                    raise NoReference("tail of the quadrature rule not negligible")
                v = self.term(sgn * t)
                if v is None:
                    neg += 1
                else:
                    small = True
                    for i in range(n):
                        a = abs(v[i])
                        if a > mx[i]:
                            mx[i] = a
                        if a > tiny * mx[i]:
                            small = False
                    neg = neg + 1 if small else 0
                if neg >= 2:
                    break
            T[sgn] = t - 1
        self.T = T
        self.h = mp.mpf(1)
        self.level = 0
        S = [mp.mpf(0)] * n
        A = [mp.mpf(0)] * n
        for t in range(-T[-1], T[1] + 1):
            v = self.term(t)
            if v is not None:
                for i in range(n):
                    S[i] += v[i]
                    A[i] += abs(v[i])
        self.S, self.A, self.diff = S, A, None

    def term(self, t):
        if t in self.cache:
            return self.cache[t]
        x, w = self.piece.point(t)
        v = None
        if w != 0:
            vals = self.f(x)
            if vals is not None:
                v = [w * y for y in vals]
        self.cache[t] = v
        return v

    def refine(self):
        n = self.n
        self.level += 1
        self.h = self.h / 2
        newS = [mp.mpf(0)] * n
        newA = [mp.mpf(0)] * n
        step = 2.0 ** -self.level
        track_abs = self.level <= 2
        for j in range(-int(self.T[-1] / step), int(self.T[1] / step) + 1):
            if j % 2 == 0:
                continue
            v = self.term(j * step)
            if v is not None:
                for i in range(n):
                    newS[i] += v[i]
                    if track_abs:
                        newA[i] += abs(v[i])
        S_new = [self.S[i] / 2 + newS[i] * self.h for i in range(n)]
        if track_abs:
            self.A = [self.A[i] / 2 + newA[i] * self.h for i in range(n)]
        # a component that overflowed mpmath's exponent range (e^1e15) is +-inf: the
        # integral is far beyond the float range, nothing to converge
        self.diff = [mp.mpf(0) if mp.isinf(S_new[i]) else abs(S_new[i] - self.S[i])
                     for i in range(n)]
        self.S = S_new
        if any(mp.isnan(x) for x in S_new):
            raise NoReference("quadrature: NaN")


# Default tolerances of the quadratures below.
RTOL = mp.mpf("1e-14")
FLOOR_REL = mp.mpf("1e-24")
FILL_RATIO = mp.mpf(10) ** 4


def integrate_many(jobs, n: int, rtol=RTOL, floor_rel=FLOOR_REL):
    """Vector DE quadrature of the sum over jobs [(piece, f)]: (sums, error estimates).
    Each piece is refined until every component has converged to rtol of its own
    absolute integral, or to floor_rel of the component's total over all pieces (far-tail
    pieces whose contributions are negligible need not converge to their own accuracy).
    Raises NoReference when a piece does not converge."""
    rules = [_PieceRule(pc, f, n) for pc, f in jobs]
    for r in rules:
        r.refine()
    total_abs = [mp.fsum(r.A[i] for r in rules) for i in range(n)]
    floor = [floor_rel * a for a in total_abs]
    S = [mp.mpf(0)] * n
    err = [mp.mpf(0)] * n
    for r in rules:
        while True:
            r.refine()
            if r.level >= 3:
                bad = [i for i in range(n) if not r.diff[i] <= rtol * r.A[i] + floor[i]]
                if not bad:
                    break
                if r.level >= MAXLEVEL:
                    if DEBUG:
                        print("no convergence", r.piece.a, r.piece.b,
                              [(i, mp.nstr(r.diff[i] / r.A[i], 3)) for i in bad])
                    raise NoReference("quadrature did not converge")
        # double-exponential rules square their error each level: the error of S is
        # about diff^2 / A, plus rounding
        for i in range(n):
            S[i] += r.S[i]
            if mp.isinf(r.A[i]):
                continue
            e = r.diff[i] ** 2 / r.A[i] if r.A[i] else mp.mpf(0)
            err[i] += max(min(e, r.diff[i]), r.A[i] * mp.mpf(10) ** (-mp.mp.dps + 4))
    if any(mp.isnan(x) for x in S):
        raise NoReference("quadrature: NaN (opposite overflows)")
    return S, err


def integrate(piece: Piece, f, n: int, rtol=RTOL):
    S, err = integrate_many([(piece, f)], n, rtol)
    return S, None, err


def find_roots(piece: Piece, g, samples=None):
    """Points of the piece where g changes sign (bisection on the piece coordinate)."""
    pts = samples or piece.sample_points()
    vals = []
    for x in pts:
        try:
            vals.append((x, g(x)))
        except (ValueError, ZeroDivisionError):
            continue
    roots = []
    gmax = max((abs(v) for _, v in vals), default=0)
    floor = gmax * mp.mpf(10) ** (-mp.mp.dps - 30)
    for (x0, g0), (x1, g1) in zip(vals[:-1], vals[1:], strict=False):
        if g0 == 0 or g1 == 0 or _sgn(g0) == _sgn(g1):
            continue
        if max(abs(g0), abs(g1)) <= floor:
            continue        # a sign change in rounding noise where the integrand is nil
        s0, s1 = piece.param(x0), piece.param(x1)
        for _ in range(400):
            if s0 > 0 and s1 > 0 and s1 > 4 * s0:
                sm = mp.sqrt(s0 * s1)
            elif s0 < 0 and s1 < 0 and s0 < 4 * s1:
                sm = -mp.sqrt(s0 * s1)
            else:
                sm = (s0 + s1) / 2
            if sm <= s0 or sm >= s1 or abs(s1 - s0) <= mp.mpf(10) ** (-mp.mp.dps + 2) * \
                    max(abs(s0), abs(s1)):
                break
            gm = g(piece.at(sm))
            if gm == 0:
                s0 = s1 = sm
                break
            if _sgn(gm) == _sgn(g0):
                s0, g0 = sm, gm
            else:
                s1 = sm
        roots.append(piece.at((s0 + s1) / 2))
    return roots


# ===================================================================== layout of a pair

def _sorted_unique(pts):
    pts = sorted(pts, key=functools.cmp_to_key(pt_cmp))
    out = []
    for p in pts:
        if not out or pt_cmp(out[-1], p) != 0:
            out.append(p)
    return out


def _intervals(pts):
    """[(None, p0), (p0, p1), ..., (pn, None)] with tail scales."""
    if not pts:
        return [(None, None)]
    out = [(None, pts[0])]
    out += list(zip(pts[:-1], pts[1:], strict=True))
    out.append((pts[-1], None))
    return out


def _tail_scale(pts, left: bool):
    if len(pts) < 2:
        return mp.mpf(1)
    d = pt_sub(pts[1], pts[0]) if left else pt_sub(pts[-1], pts[-2])
    return d if d > 0 else mp.mpf(1)


def make_pieces(intervals, pts, roots_fn=None):
    out = []
    for a, b in intervals:
        if a is None and b is None:
            raise NoReference("no break points")
        if a is None:
            pc = Piece(None, b, _tail_scale(pts, True))
        elif b is None:
            pc = Piece(a, None, _tail_scale(pts, False))
        else:
            pc = Piece(a, b)
        if roots_fn is None:
            out.append(pc)
            continue
        rs = roots_fn(pc)
        if not rs:
            out.append(pc)
            continue
        cuts = [a] + rs + [b]
        for x0, x1 in zip(cuts[:-1], cuts[1:], strict=True):
            if x0 is None:
                out.append(Piece(None, x1, pc.L))
            elif x1 is None:
                out.append(Piece(x0, None, pc.L))
            elif pt_cmp(x0, x1) < 0:
                out.append(Piece(x0, x1))
    return out


# ===================================================================== f-divergences



def _fslots(alpha):
    """f(0), f'(inf) per slot (None where the slot is not an f-divergence)."""
    a = alpha
    return {
        "kl": (0, mp.inf), "reverse_kl": (mp.inf, 0), "jeffreys": (mp.inf, mp.inf),
        "js": (mp.log(2) / 2, mp.log(2) / 2), "pearson": (1, mp.inf), "neyman": (mp.inf, 1),
        "hellinger": (mp.mpf(0.5), mp.mpf(0.5)), "tv": (mp.mpf(0.5), mp.mpf(0.5)),
        "alpha": (1 / a if a > 0 else mp.inf, 1 / (1 - a) if a < 1 else mp.inf),
    }


F_SLOTS = ("kl", "reverse_kl", "jeffreys", "js", "pearson", "neyman", "hellinger", "tv",
           "alpha", "renyiI", "bc")
# value integrands: the slots plus K (gan), renyiJ (I - 1 form), hell -> bc check
V_EXTRA = ("K", "renyiJ")


def _pointwise(lp, lq, aa, ar, Mb=0, Mr=0):
    """Per-node values V (q f(p/q) etc.) and the products pA = p dV/dp, qB = q dV/dq:
    d/dtheta_P of the integrand = pA * score, d/dtheta_Q = qB * score. Written with
    expm1 where p/q is near 1 and as exponentials of log-combinations where it is not."""
    r = lp - lq
    p, q = E(lp), E(lq)
    ln2 = LN2()
    sg = _sgn(r)
    if abs(r) <= 30:
        em1 = mp.expm1(r)
        u = 1 + em1                        # p / q
        eh = mp.expm1(r / 2)
        ea = mp.expm1(aa * r)
        era = mp.expm1(ar * r)
        lm = mp.log1p(1 / u)               # log(1 + q/p)
        lpq = mp.log1p(u)                  # log(1 + p/q)
        g, ga, gr = q * (1 + eh), q * (1 + ea), q * (1 + era)
        em1m = -em1 / u                    # expm1(-r)
        V = {"jeffreys": q * em1 * r, "pearson": q * em1 * em1, "neyman": p * em1m * em1m,
             "hellinger": q * eh * eh / 2, "tv": q * abs(em1) / 2,
             "alpha": q * (ea - aa * em1) / (aa * (aa - 1)), "renyiJ": q * (era - ar * em1)}
        pA = {"pearson": 2 * p * em1, "neyman": p * em1 * (em1 + 2) / (u * u),
              "hellinger": p * eh / (1 + eh) / 2,
              "alpha": p * ((ea - em1) / u) / (aa - 1)}
        qB = {"pearson": -q * em1 * (em1 + 2), "neyman": 2 * q * em1m,
              "hellinger": -q * eh / 2, "alpha": -q * ea / aa}
    else:
        lm = L1PE(-r)
        lpq = L1PE(r)
        g = E((lp + lq) / 2)
        ga = E(aa * lp + (1 - aa) * lq)
        gr = E(ar * lp + (1 - ar) * lq)
        p2q = E(2 * lp - lq)          # p^2 / q
        q2p = E(2 * lq - lp)
        V = {"jeffreys": (p - q) * r, "pearson": p2q - 2 * p + q, "neyman": q2p - 2 * q + p,
             "hellinger": (p + q) / 2 - g, "tv": abs(p - q) / 2,
             "alpha": (ga - q - aa * (p - q)) / (aa * (aa - 1)),
             "renyiJ": gr - q - ar * (p - q)}
        pA = {"pearson": 2 * (p2q - p), "neyman": p - q2p, "hellinger": (p - g) / 2,
              "alpha": (ga - p) / (aa - 1)}
        qB = {"pearson": q - p2q, "neyman": 2 * (q2p - q), "hellinger": (q - g) / 2,
              "alpha": -(ga - q) / aa}
    if Mb:         # bc and renyi's integral, scaled by e^-M when they are astronomically small
        g = E((lp + lq) / 2 - Mb)
    if Mr:
        gr = E(ar * lp + (1 - ar) * lq - Mr)
    V.update({"kl": p * r, "reverse_kl": -q * r, "js": (p * (ln2 - lm) + q * (ln2 - lpq)) / 2,
              "renyiI": gr, "bc": g, "K": p * lm + q * lpq})
    # js: p dV/dp = p (ln 2 - lm) / 2, less the constant p ln2 / 2, whose integral against
    # a score is ln2/2 x (the derivative of the total mass) = 0 once the singular parts'
    # ln2/2 dP0 are dropped with it (fdiv_values). Kept, it integrates to 0 only up to the
    # quadrature's error over all of P's mass: 2e-26 in natural units for a gamma of scale
    # 4e268 against an exponential, whose true GAN gradient is 1e-195 of that.
    pA.update({"kl": p * (r + 1), "reverse_kl": -q, "jeffreys": p * (r + 1) - q,
               "js": -p * lm / 2, "tv": p * sg / 2, "renyiI": ar * gr, "bc": g / 2})
    qB.update({"kl": -p, "reverse_kl": q * (1 - r), "jeffreys": q * (1 - r) - p,
               "js": -q * lpq / 2, "tv": -q * sg / 2, "renyiI": (1 - ar) * gr,
               "bc": g / 2})
    return p, q, V, pA, qB


VKEYS = F_SLOTS + V_EXTRA


def _geometric_fill(pts, ratio=FILL_RATIO):
    """Points between two clusters of break points that are far apart on their own
    scales: a + s_a * ratio^k from the left and b - s_b * ratio^k from the right (s: the
    distance to the cluster's next point), so that no piece spans more than 4 decades
    of distance from a cluster."""
    out = []
    n = len(pts)
    for i in range(n - 1):
        a, b = pts[i], pts[i + 1]
        D = pt_sub(b, a)
        sa = pt_sub(a, pts[i - 1]) if i > 0 else D
        sb = pt_sub(pts[i + 2], b) if i + 2 < n else D
        for s, anchor, sign in ((sa, a, 1), (sb, b, -1)):
            if not s > 0 or D <= ratio * s:
                continue
            d = s * ratio
            while d < D / 2:
                out.append(Pt(anchor.A, anchor.d + sign * d))
                d *= ratio
    # the two tails: the laws' densities change where the distance from the outermost
    # point becomes comparable to the whole span (a far law's own tail takes over)
    if n >= 2:
        span = pt_sub(pts[-1], pts[0])
        for anchor, s, sign in ((pts[0], pt_sub(pts[1], pts[0]), -1),
                                (pts[-1], pt_sub(pts[-1], pts[-2]), 1)):
            if not s > 0:
                continue
            d = s * ratio
            while d < ratio * span:
                out.append(Pt(anchor.A, anchor.d + sign * d))
                d *= ratio
    return out


class Layout:
    """Break points, elementary intervals and their classification for a pair. Where a
    mixture's components take over from each other (w_i p_i = w_j p_j) a point is added:
    with very different weights or slopes the hand-over is sharp on the piece's scale."""

    def __init__(self, MP: Model, MQ: Model, extra_pts=()):
        pts = _sorted_unique(MP.splits() + MQ.splits() + list(extra_pts))
        pts = _sorted_unique(pts + _geometric_fill(pts))
        extra = []
        for M in (MP, MQ):
            if len(M.cont) < 2:
                continue
            for a, b in _intervals(pts):
                cov = M.covering(a, b)
                pc = None
                for i in range(len(cov)):
                    for j in range(i + 1, len(cov)):
                        (ci, lwi, _, _), (cj, lwj, _, _) = cov[i], cov[j]
                        if pc is None:
                            pc = Piece(a, b, _tail_scale(pts, a is None)) \
                                if a is None or b is None else Piece(a, b)

                        def g(x, ci=ci, cj=cj, lwi=lwi, lwj=lwj):
                            return (lwi + ci.logpdf(x)) - (lwj + cj.logpdf(x))
                        extra += find_roots(pc, g)
        self.pts = _sorted_unique(pts + extra)
        self.intervals = _intervals(self.pts)
        self.cls = []
        for a, b in self.intervals:
            self.cls.append((MP.covering(a, b), MQ.covering(a, b)))


def _tail_div(MP, MQ, tail_pieces, G_of):
    for e, side in tail_pieces:
        ep = MP.expansion(e, side)
        eq = MQ.expansion(e, side)
        if ep is ABSENT or eq is ABSENT:
            raise AssertionError("both>0 interval without expansions")
        G, loglog = G_of(ep, eq)
        if not converges(G, finite_end=e is not None, loglog=loglog):
            return True
    return False


def _kl_G(ep, eq):
    """e^G ~ p |log q|: the growth of |log q| joins p's expansion."""
    lead = exp_leading(eq)
    G = dict(ep)
    if lead is None:
        return G, False
    if isinstance(lead, tuple):
        return exp_add(G, {"U1": lead[1]}), False
    if lead == "U2":
        return exp_add(G, {"L1": Fraction(2)}), False
    if lead == "U1":
        return exp_add(G, {"L1": Fraction(1)}), False
    return G, True


def _lin(a, b):
    return lambda ep, eq: (exp_add(exp_scale(ep, a), exp_scale(eq, b)), False)


def fdiv_decisions(MP, MQ, lay, aa, ar):
    """Which divergences are infinite (decided analytically), and the singular structure."""
    tail_pieces, both_any = [], False
    p_sing = q_sing = False
    for (a, b), (cp, cq) in zip(lay.intervals, lay.cls, strict=True):
        if cp and cq:
            both_any = True
            tail_pieces += [(a, +1), (b, -1)]
        elif cp:
            p_sing = True
        elif cq:
            q_sing = True
    shared = False
    for loc in set(MP.atom_at) | set(MQ.atom_at):
        pm, qm = MP.atom_mass(loc), MQ.atom_mass(loc)
        if pm > 0 and qm > 0:
            shared = True
        elif pm > 0:
            p_sing = True
        elif qm > 0:
            q_sing = True
    ms = not both_any and not shared
    td = functools.partial(_tail_div, MP, MQ, tail_pieces)
    kl_tail = td(_kl_G)
    rkl_tail = td(lambda ep, eq: _kl_G(eq, ep))
    aa_f, ar_f = fr(aa), fr(ar)
    f0, fi = _fslots(aa)["alpha"]
    inf = {
        "kl": p_sing or kl_tail, "reverse_kl": q_sing or rkl_tail,
        "jeffreys": p_sing or q_sing or kl_tail or rkl_tail,
        "pearson": p_sing or td(_lin(2, -1)), "neyman": q_sing or td(_lin(-1, 2)),
        "alpha": (p_sing and fi == mp.inf) or (q_sing and f0 == mp.inf)
        or ((aa_f > 1 or aa_f < 0) and td(_lin(aa_f, 1 - aa_f))),
        "js": False, "hellinger": False, "tv": False, "gan": False,
        "renyi": ms or (ar_f > 1 and (p_sing or td(_lin(ar_f, 1 - ar_f)))),
        "bhattacharyya": ms,
    }
    return inf, tail_pieces, ms


def _peak_points(samples, gfun):
    """Where gfun (a log-integrand) peaks over the samples [(piece, [(x, g), ...])]: the
    arg max (golden section between the best sample's neighbours) and points at the
    distances where gfun has dropped by 1, 4, 16 and 64 nats from its maximum on each
    side: break points that resolve a narrow peak inside a long piece."""
    best = None
    for pc, vals in samples:
        for i, (_, g) in enumerate(vals):
            if best is None or g > best[0]:
                best = (g, pc, vals, i)
    if best is None:
        return []
    _, pc, vals, i = best
    s_lo = pc.param(vals[i - 1][0]) if i > 0 else (mp.mpf(0) if pc.a is not None else
                                                   pc.param(vals[0][0]) * 4)
    s_hi = pc.param(vals[i + 1][0]) if i + 1 < len(vals) else (
        pc.L if pc.a is not None and pc.b is not None else pc.param(vals[-1][0]) * 4)
    if pc.a is None and i + 1 >= len(vals):
        s_hi = mp.mpf(0)

    def G(sv):
        if (pc.a is not None and sv < 0) or (pc.b is not None and (
                sv > pc.L if pc.a is not None else sv > 0)):
            return -mp.inf          # outside the piece
        try:
            v = gfun(pc.at(sv))
        except (ValueError, ZeroDivisionError, TypeError):
            return -mp.inf
        return v if isinstance(v, mp.mpf) else -mp.inf
    phi = (mp.sqrt(5) - 1) / 2
    a, b = s_lo, s_hi
    c, d = b - phi * (b - a), a + phi * (b - a)
    gc, gd = G(c), G(d)
    for _ in range(3000):
        if abs(b - a) <= mp.mpf(10) ** (-mp.mp.dps + 5) * max(abs(a), abs(b)) or \
                (abs(gc - gd) < mp.mpf("1e-4") and abs(b - a) < abs(s_hi - s_lo) * 1e-3):
            break
        if gc >= gd:
            b, d, gd = d, c, gc
            c = b - phi * (b - a)
            gc = G(c)
        else:
            a, c, gc = c, d, gd
            d = a + phi * (b - a)
            gd = G(d)
    sx = (a + b) / 2
    gx = G(sx)
    out = [pc.at(sx)]
    for sgn in (1, -1):
        dd = abs(s_hi - s_lo) + 1
        for _ in range(3000):
            if G(sx + sgn * dd) >= gx - 1:
                break
            dd /= 2
        for k in (1, 4, 16, 64):
            sv = sx + sgn * dd * k
            inside = (pc.a is None or sv > 0) and \
                (pc.b is None or (sv < pc.L if pc.a is not None else sv < 0))
            if inside:
                out.append(pc.at(sv))
    return out


_SLOT_OF = {"renyiI": "renyi", "renyiJ": "renyi", "bc": "bhattacharyya", "K": "gan"}


_GSLOT = {"gan": "js", "renyi": "renyiI", "bhattacharyya": "bc"}


def fdiv_values(P: Law, Q: Law, aa, ar, grads, gnames_p=(), gnames_q=()):
    """All f-type divergences (+ renyi, bhattacharyya) of the pair, with the gradients
    in the analytic parameters `gnames_p` / `gnames_q` for the divergences in `grads`
    (a collection of names; True: all; False: none)."""
    if grads is True:
        grads = FDIVS
    gslots = {_GSLOT.get(d, d) for d in (grads or ())}
    grads = bool(gslots)
    MP, MQ = Model(P, "p"), Model(Q, "q")
    aa, ar = mp.mpf(aa), mp.mpf(ar)
    lay = Layout(MP, MQ)
    inf, _, ms = fdiv_decisions(MP, MQ, lay, aa, ar)
    gp = list(gnames_p) if grads else []
    gq = list(gnames_q) if grads else []
    live = [k for k in VKEYS if not inf[_SLOT_OF.get(k, k)]]
    slots = [s for s in F_SLOTS if not inf[_SLOT_OF.get(s, s)] and s in gslots]
    nv = len(live)
    n_both = nv + len(slots) * (len(gp) + len(gq))

    sums = {k: mp.mpf(0) for k in VKEYS}
    gsum = {s: {g: mp.mpf(0) for g in gp + gq} for s in F_SLOTS}
    P0 = Q0 = mp.mpf(0)
    dP0 = {g: mp.mpf(0) for g in gp}
    dQ0 = {g: mp.mpf(0) for g in gq}
    errs = {k: mp.mpf(0) for k in VKEYS}

    # log-shifts for BC and renyi's integral when they are far below e^-100
    gb, grr = [], []
    for (a, b), (cp, cq) in zip(lay.intervals, lay.cls, strict=True):
        if cp and cq:
            pc = make_pieces([(a, b)], lay.pts)[0]
            for x in pc.sample_points():
                lp = MP.logpdf(x, cp, False)[0]
                lq = MQ.logpdf(x, cq, False)[0]
                if lp != -mp.inf and lq != -mp.inf:
                    gb.append((lp + lq) / 2)
                    grr.append(ar * lp + (1 - ar) * lq)
    for loc in set(MP.atom_at) & set(MQ.atom_at):
        lp, lq = mp.log(MP.atom_mass(loc)), mp.log(MQ.atom_mass(loc))
        gb.append((lp + lq) / 2)
        grr.append(ar * lp + (1 - ar) * lq)
    Mb = max(gb) if gb and max(gb) < -100 else 0
    # renyi's integral for alpha > 1 can also be astronomically large (e^2e21 for normals
    # 3e12 scales apart): beyond e^1000 it is shifted down, and its I - 1 form dropped
    Mr = max(grr) if grr and not inf["renyi"] and (max(grr) < -100 or max(grr) > 1000) else 0
    if Mr > 0:
        live = [k for k in live if k != "renyiJ"]
        nv = len(live)
        n_both = nv + len(slots) * (len(gp) + len(gq))
    if Mb or Mr:
        # the astronomically small integrals live in a narrow peak: resolve it
        samples = []
        for (a, b), (cp, cq) in zip(lay.intervals, lay.cls, strict=True):
            if cp and cq:
                pc = make_pieces([(a, b)], lay.pts)[0]
                samples.append((pc, cp, cq))
        extra, tops = [], []
        for c0, c1 in ((mp.mpf(0.5), mp.mpf(0.5)), (ar, 1 - ar)):
            def gfun(x, cp=None, cq=None, c0=c0, c1=c1):
                return c0 * MP.logpdf(x, cp, False)[0] + c1 * MQ.logpdf(x, cq, False)[0]
            sv = []
            for pc, cp, cq in samples:
                f_ = functools.partial(gfun, cp=cp, cq=cq)
                sv.append((pc, [(x, f_(x)) for x in pc.sample_points()]))
            # one piece at a time: the peak's own piece decides
            bestpc = max(sv, key=lambda t: max((g for _, g in t[1]), default=-mp.inf))
            i = sv.index(bestpc)
            g_i = functools.partial(gfun, cp=samples[i][1], cq=samples[i][2])
            peak = _peak_points([bestpc], g_i)
            extra += peak
            tops.append(max([g_i(x) for x in peak], default=-mp.inf))
        # the shifts go to the peak's own height: a sample can lie 1e17 nats below it
        Mb = max(Mb, tops[0]) if Mb else 0
        Mr = max(Mr, tops[1]) if Mr else 0
        lay = Layout(MP, MQ, extra)
        inf, _, ms = fdiv_decisions(MP, MQ, lay, aa, ar)
    jobs, p_jobs, q_jobs = [], [], []
    for (a, b), (cp, cq) in zip(lay.intervals, lay.cls, strict=True):
        if not cp and not cq:
            continue
        if cp and cq:
            if not live:
                continue

            def rdiff(x, cp=cp, cq=cq):
                return MP.logpdf(x, cp, False)[0] - MQ.logpdf(x, cq, False)[0]

            pieces = make_pieces([(a, b)], lay.pts, lambda pc, rdiff=rdiff: find_roots(pc, rdiff))

            def fb(x, cp=cp, cq=cq):
                lp, sp = MP.logpdf(x, cp, grads)
                lq, sq = MQ.logpdf(x, cq, grads)
                if lp == -mp.inf or lq == -mp.inf:
                    return None
                _, _, V, A, B = _pointwise(lp, lq, aa, ar, Mb, Mr)
                out = [V[k] for k in live]
                for s in slots:
                    out += [sp.get(g, 0) * A[s] for g in gp]
                    out += [sq.get(g, 0) * B[s] for g in gq]
                return out

            jobs += [(pc, fb) for pc in pieces]
        else:
            M, cov, names = (MP, cp, gp) if cp else (MQ, cq, gq)

            def fs(x, M=M, cov=cov, names=names):
                lp, sp = M.logpdf(x, cov, grads)
                if lp == -mp.inf:
                    return None
                p = E(lp)
                return [p] + [p * sp.get(g, 0) for g in names]

            (p_jobs if cp else q_jobs).append((make_pieces([(a, b)], lay.pts)[0], fs))
    if p_jobs:
        S, _ = integrate_many(p_jobs, 1 + len(gp))
        P0 = S[0]
        dP0 = dict(zip(gp, S[1:], strict=True))
    if q_jobs:
        S, _ = integrate_many(q_jobs, 1 + len(gq))
        Q0 = S[0]
        dQ0 = dict(zip(gq, S[1:], strict=True))

    # a log-integrand of size 10^k leaves dps - k digits for its variation over the peak
    shifted_failed = any(abs(M) > mp.mpf(10) ** (mp.mp.dps - 25) for M in (Mb, Mr) if M)
    if shifted_failed:
        live = [k for k in live if k not in ("bc", "renyiI", "renyiJ")]
        nv = len(live)
        n_both = nv + len(slots) * (len(gp) + len(gq))
        Mb = Mr = 0
    if jobs:
        if Mb or Mr:
            # the astronomically small integrals apart: their failure costs only them
            sh = [k for k in ("bc", "renyiI", "renyiJ") if k in live]
            main = [i for i, k in enumerate(live) if k not in sh] + \
                list(range(nv, n_both))
            idx = [live.index(k) for k in sh]
            S = [mp.mpf(0)] * n_both
            Er = [mp.mpf(0)] * n_both

            def sub(f, ids):
                return lambda x: (lambda v: None if v is None else [v[i] for i in ids])(f(x))
            Sm, Em = integrate_many([(pc, sub(f, main)) for pc, f in jobs], len(main))
            for i, v, e in zip(main, Sm, Em, strict=True):
                S[i], Er[i] = v, e
            try:
                Ss, Es = integrate_many([(pc, sub(f, idx)) for pc, f in jobs], len(idx))
                for i, v, e in zip(idx, Ss, Es, strict=True):
                    S[i], Er[i] = v, e
            except NoReference:
                shifted_failed = True
        else:
            S, Er = integrate_many(jobs, n_both)
        for i, k in enumerate(live):
            sums[k] += S[i]
            errs[k] += Er[i]
        j = nv
        for s in slots:
            for g in gp + gq:
                gsum[s][g] += S[j]
                j += 1
    # atoms
    for loc in set(MP.atom_at) | set(MQ.atom_at):
        pm, qm = MP.atom_mass(loc), MQ.atom_mass(loc)
        dpm, dqm = MP.atom_dmass(loc), MQ.atom_dmass(loc)
        if pm > 0 and qm > 0:
            _, _, V, A, B = _pointwise(mp.log(pm), mp.log(qm), aa, ar, Mb, Mr)
            for k in live:
                sums[k] += V[k]
            for s in slots:
                for g in gp:
                    gsum[s][g] += dpm.get(g, 0) / pm * A[s]
                for g in gq:
                    gsum[s][g] += dqm.get(g, 0) / qm * B[s]
        elif pm > 0:
            P0 += pm
            for g in gp:
                dP0[g] += dpm.get(g, 0)
        elif qm > 0:
            Q0 += qm
            for g in gq:
                dQ0[g] += dqm.get(g, 0)

    f0fi = _fslots(aa)
    out = {}
    gout = {}
    for s in ("kl", "reverse_kl", "jeffreys", "js", "pearson", "neyman", "hellinger", "tv",
              "alpha"):
        if inf[s]:
            out[s] = mp.inf
            continue
        f0, fi = f0fi[s]
        v = sums[s]
        if P0 and fi:
            v += fi * P0
        if Q0 and f0:
            v += f0 * Q0
        out[s] = v
        if s in gslots:
            g = {}
            # (js: its integrand's score terms leave out ln2/2 p and ln2/2 q, and the
            # singular parts' ln2/2 dP0 and ln2/2 dQ0 with them: see _pointwise)
            fi, f0 = (0, 0) if s == "js" else (fi, f0)
            for n in gp:
                g[n] = gsum[s][n] + (fi * dP0[n] if fi and dP0[n] else 0)
            for n in gq:
                g[n] = gsum[s][n] + (f0 * dQ0[n] if f0 and dQ0[n] else 0)
            gout[s] = g
    # gan through K; JS cross-check
    K = sums["K"]
    out["gan"] = -K
    _agree(out["js"], mp.log(2) - K / 2, "js direct vs via gan", absolute=True)
    if "js" in gout:
        gout["gan"] = {n: 2 * v for n, v in gout["js"].items()}
    # hellinger / bhattacharyya
    H = out["hellinger"]
    BC = sums["bc"]
    if shifted_failed or not ms and not BC > 0 or not inf["renyi"] and \
            not sums["renyiI"] > 0:
        # bhattacharyya and renyi get no reference; the others keep theirs
        out["_failed"] = "BC / renyi's integral: no convergence or underflow"
        out["_err"] = dict(errs)
        return out, gout
    if not Mb:
        _agree(1 - H, BC, "bc vs 1 - hellinger", absolute=True)
    if ms:
        out["bhattacharyya"] = mp.inf
    elif Mb:
        out["bhattacharyya"] = -(mp.log(BC) + Mb)
    else:
        out["bhattacharyya"] = -mp.log(BC) if BC < 0.5 else -mp.log1p(-H)
    if not ms:
        if "bc" in gslots:
            gout["bhattacharyya"] = {n: -v / BC for n, v in gsum["bc"].items()}
    # renyi
    if inf["renyi"]:
        out["renyi"] = mp.inf
    else:
        Id = sums["renyiI"]
        Im1 = sums["renyiJ"] - Q0 + ar * (Q0 - P0)
        if Mr:
            out["renyi"] = (mp.log(Id) + Mr) / (ar - 1)
        else:
            _agree(Id, 1 + Im1, "renyi integral vs 1 + J", absolute=True)
            out["renyi"] = (mp.log(Id) if Id < 0.5 else mp.log1p(Im1)) / (ar - 1)
        if "renyiI" in gslots:
            gout["renyi"] = {n: v / (Id * (ar - 1)) for n, v in gsum["renyiI"].items()}
    # the logs' errors: relative errors of their integrals (which may be shifted by e^M)
    errs["bhattacharyya"] = errs["bc"] / BC if BC > 0 else mp.mpf(0)
    errs["renyi"] = 0 if inf["renyi"] else errs["renyiI"] / (sums["renyiI"] * abs(ar - 1))
    out["_err"] = dict(errs)
    return out, gout


def _agree(a, b, what, absolute=False):
    """Two algebraically equal results of one pass agree to the quadrature's accuracy
    (about 1e-24 of the integrals' sizes; the working precision where that is coarser)."""
    if a == mp.inf or b == mp.inf:
        return
    tol = max(mp.mpf(10) ** (-mp.mp.dps + 12), mp.mpf("1e-20"))
    scale = 1 if absolute else max(abs(a), abs(b))
    if abs(a - b) > tol * max(scale, mp.mpf(10) ** -300):
        raise NoReference(f"internal check failed: {what}: {mp.nstr(a, 20)} vs {mp.nstr(b, 20)}")


# ===================================================================== W1 and energy

def cdf_decisions(MP, MQ):
    """Is W1 / energy infinite? From the power tails of F_P - F_Q (exact comparison)."""
    w1_inf = en_inf = False
    for side in (1, -1):
        tp, tq = MP.power_tail(side), MQ.power_tail(side)
        if tp is None and tq is None:
            continue
        if tp is not None and tq is not None and tp[0] == tq[0]:
            if abs(tp[1] - tq[1]) <= mp.mpf(10) ** (-mp.mp.dps + 8) * tp[1]:
                continue          # same leading tail: the difference is O(u^(-alpha-1))
            lead = tp[0]
        else:
            lead = min(t[0] for t in (tp, tq) if t is not None)
        if lead <= 1:
            w1_inf = True
        if 2 * lead <= 1:
            en_inf = True
    return w1_inf, en_inf


def cdf_values(P: Law, Q: Law, grads, gnames_p=(), gnames_q=()):
    if grads is not True and grads:
        grads = bool({"w1", "energy"} & set(grads))
    MP, MQ = Model(P, "p"), Model(Q, "q")
    lay = Layout(MP, MQ)
    w1_inf, en_inf = cdf_decisions(MP, MQ)
    gp = list(gnames_p) if grads else []
    gq = list(gnames_q) if grads else []
    names = gp + gq

    def D_from(Fp, Sp, Fq, Sq):
        return Fp - Fq if Fp + Fq <= Sp + Sq else Sq - Sp

    def D_of(x):
        return D_from(*MP.cdf_sf(x), *MQ.cdf_sf(x))

    def dF(M, x, names, F, S, per):
        """dF/dtheta for the names (analytic: comps' loc/scale/rate, weights)."""
        out = {}
        for c, _, w, _i in M.cont:
            want = [k for k in c.analytic_params(True) if c.name(k) in names]
            if want:
                inside = (c.lo_pt() is None or pt_cmp(x, c.lo_pt()) > 0) and \
                    (c.hi_pt() is None or pt_cmp(x, c.hi_pt()) < 0)
                pdf = E(c.logpdf(x)) if inside else mp.mpf(0)
                d = c.dcdf(x, pdf)
                for k in want:
                    out[c.name(k)] = w * d[k]
        if M.mixture:
            # dF/dw_j = (F_j - F) / W = sum_{i != j} m_i (F_j - F_i) / W
            vals = {}
            for i in range(M.ncomp):
                if i in per:
                    vals[i] = per[i]
                else:                  # a zero-weight component
                    lawi = M.comp_laws[i]
                    if lawi.family == "dirac":
                        Fi = mp.mpf(1) if pt_cmp(Pt(lawi.args[0]), x) <= 0 else mp.mpf(0)
                        vals[i] = (Fi, 1 - Fi)
                    else:
                        vals[i] = Comp(lawi, "").cdf_sf(x)
            for j in range(M.ncomp):
                n = f"{M.side}.weights.{j}"
                if n not in names:
                    continue
                Fj, Sj = vals[j]
                tot = mp.mpf(0)
                for i in range(M.ncomp):
                    mi = M.weights[i] / M.W
                    if i == j or mi == 0:
                        continue
                    Fi, Si = vals[i]
                    tot += mi * ((Fj - Fi) if Fj + Fi <= Sj + Si else (Si - Sj))
                out[n] = tot / M.W
        return out

    keep = ([0] if not w1_inf else []) + ([1] if not en_inf else [])

    def fv(x):
        Fp, Sp, perp = MP.cdf_sf(x, comp_values=True)
        Fq, Sq, perq = MQ.cdf_sf(x, comp_values=True)
        D = D_from(Fp, Sp, Fq, Sq)
        full = [abs(D), D * D]
        out = [full[k] for k in keep]
        if names:
            dp = dF(MP, x, gp, Fp, Sp, perp)
            dq = dF(MQ, x, gq, Fq, Sq, perq)
            sg = _sgn(D)
            if not w1_inf:
                out += [sg * dp.get(g, 0) for g in gp] + [-sg * dq.get(g, 0) for g in gq]
            if not en_inf:
                out += [2 * D * dp.get(g, 0) for g in gp] + [-2 * D * dq.get(g, 0) for g in gq]
        return out

    out = {"w1": mp.inf, "energy": mp.inf, "_err": {"w1": mp.mpf(0), "energy": mp.mpf(0)}}
    if not keep:
        return out, {}
    n = len(keep) * (1 + len(names))
    pieces = make_pieces(lay.intervals, lay.pts, lambda pc: find_roots(pc, D_of))
    tot, err = integrate_many([(pc, fv) for pc in pieces], n)
    gout = {}
    j = len(keep)
    k = len(names)
    if not w1_inf:
        i0 = keep.index(0)
        out["w1"] = tot[i0]
        out["_err"]["w1"] = err[i0]
        if names:
            gout["w1"] = dict(zip(names, tot[j:j + k], strict=True))
            j += k
    if not en_inf:
        i1 = keep.index(1)
        out["energy"] = 2 * tot[i1]
        out["_err"]["energy"] = 2 * err[i1]
        if names:
            gout["energy"] = {nm: 2 * v for nm, v in zip(names, tot[j:j + k], strict=True)}
    return out, gout


# ===================================================================== W2

def _moments(law: Law):
    M = Model(law, "x")
    m1 = m2 = mp.mpf(0)
    for c, _, w, _ in M.cont:
        mm = c.moment2()
        if mm is None:
            return None
        m1 += w * mm[0]
        m2 += w * mm[1]
    for a in M.atoms:
        m1 += a.mass * a.loc
        m2 += a.mass * a.loc ** 2
    return m1, m2


def w2_closed(P: Law, Q: Law):
    """W2 in closed form where one exists, else None (not written); mp.inf if infinite."""
    fp, fq = P.family, Q.family
    if fp == "dirac" or fq == "dirac":
        (D, X) = (P, Q) if fp == "dirac" else (Q, P)
        a = mp.mpf(D.args[0])
        mom = _moments(X)
        if mom is None:
            return mp.inf
        m1, m2 = mom
        v = m2 - 2 * a * m1 + a * a
        if X.family == "mixture":
            return None
        # Var + (mean - a)^2, written without cancellation for location families
        if X.family in LOCSCALE:
            c = Comp(X, "")
            mm = c.moment2()
            var = mm[1] - mm[0] ** 2 if False else None
            z1, z2 = {"normal": (0, 1), "laplace": (0, 2), "logistic": (0, mp.pi ** 2 / 3),
                      "gumbel": (mp.euler, mp.euler ** 2 + mp.pi ** 2 / 6)}.get(
                X.family, (0, c.P["df"] / (c.P["df"] - 2) if X.family == "student_t" else 0))
            del var
            d = c.mu - a
            v = d * d + 2 * d * c.s * z1 + c.s ** 2 * z2
        return mp.sqrt(max(v, mp.mpf(0)))
    if fp == "mixture" or fq == "mixture":
        return None
    if fp == fq and fp in LOCSCALE:
        cp, cq = Comp(P, ""), Comp(Q, "")
        dm, ds = cp.mu - cq.mu, cp.s - cq.s
        if fp == "student_t" and P.args[0] != Q.args[0]:
            return None
        if ds == 0:
            return abs(dm)
        if fp == "cauchy" or (fp == "student_t" and cp.P["df"] <= 2):
            return mp.inf
        z1, z2 = {"normal": (0, 1), "laplace": (0, 2), "logistic": (0, mp.pi ** 2 / 3),
                  "gumbel": (mp.euler, mp.euler ** 2 + mp.pi ** 2 / 6)}.get(
            fp, (0, cp.P["df"] / (cp.P["df"] - 2) if fp == "student_t" else 0))
        return mp.sqrt(dm * dm + 2 * dm * ds * z1 + ds * ds * z2)
    if fp == fq == "uniform":
        cp, cq = Comp(P, ""), Comp(Q, "")
        da, dw = cp.lo - cq.lo, cp.width - cq.width
        return mp.sqrt(da * da + da * dw + dw * dw / 3)
    if fp == fq == "exponential":
        d = 1 / mp.mpf(P.args[0]) - 1 / mp.mpf(Q.args[0])
        return mp.sqrt(2) * abs(d)
    if fp == fq == "gamma" and P.args[0] == Q.args[0]:
        k = mp.mpf(P.args[0])
        d = 1 / mp.mpf(P.args[1]) - 1 / mp.mpf(Q.args[1])
        return abs(d) * mp.sqrt(k * (k + 1))
    if fp == fq == "lognormal":
        m1, s1 = mp.mpf(P.args[0]), mp.mpf(P.args[1])
        m2, s2 = mp.mpf(Q.args[0]), mp.mpf(Q.args[1])
        # E (e^(m1 + s1 Z) - e^(m2 + s2 Z))^2, written as a sum of positive terms' difference
        a = 2 * m1 + 2 * s1 * s1
        b = 2 * m2 + 2 * s2 * s2
        c = m1 + m2 + (s1 + s2) ** 2 / 2
        v = mp.exp(a) + mp.exp(b) - 2 * mp.exp(c)
        if abs(v) < mp.mpf(10) ** (-mp.mp.dps + 10) * mp.exp(max(a, b)):
            return None
        return mp.sqrt(v)
    return None


def w2_quantile(P: Law, Q: Law, grads=False):
    """int_0^1 (F_P^-1 - F_Q^-1)^2 for single laws with explicit quantiles: (W2, grad) or
    None when not written here. The gradient is (1/W2) int (x_P - x_Q) dx/dtheta du."""
    if P.family in ("mixture", "dirac") or Q.family in ("mixture", "dirac"):
        return None
    cp, cq = Comp(P, "p."), Comp(Q, "q.")
    if cp.quantile(mp.mpf(0.25)) is None or cq.quantile(mp.mpf(0.25)) is None:
        return None
    if _moments(P) is None or _moments(Q) is None:
        # infinite second moment on one side: W2 infinite unless the tails match
        tp = [cp.power_tail(1), cq.power_tail(1)]
        if all(t is not None for t in tp) and tp[0][0] == tp[1][0] and \
                abs(tp[0][1] - tp[1][1]) <= mp.mpf(10) ** (-mp.mp.dps + 8) * tp[0][1]:
            return None
        return mp.inf, {}
    names = [cp.name(k) for k in PARAMS[P.family]] + [cq.name(k) for k in PARAMS[Q.family]]
    names = names if grads else []

    def f(x, upper):
        u = x.off(mp.mpf(0))
        if u <= 0:
            return None
        xp, dp = cp.quantile(u, upper, True)
        xq, dq = cq.quantile(u, upper, True)
        d = pt_sub(xp, xq)
        out = [d * d]
        for n in names:
            k = n.split(".", 1)[1]
            out.append(d * dp[k] if n.startswith("p.") else -d * dq[k])
        return out

    tot = [mp.mpf(0)] * (1 + len(names))
    for upper in (False, True):
        S, _, _ = integrate(Piece(Pt(0), Pt(mp.mpf(0.5))), functools.partial(f, upper=upper),
                            len(tot))
        tot = [a + b for a, b in zip(tot, S, strict=True)]
    w = mp.sqrt(tot[0])
    grad = {n: v / w for n, v in zip(names, tot[1:], strict=True)} if w > 0 else {}
    return w, grad


# ===================================================================== MMD

def _gauss_parts(law: Law):
    """[(weight, mean, var)] for mixtures of normals and Diracs, else None."""
    leaves = law.leaves()
    ws = [mp.mpf(w) for w in law.args[1]] if law.family == "mixture" else [mp.mpf(1)]
    W = mp.fsum(ws)
    out = []
    for c, w in zip(leaves, ws, strict=True):
        if c.family == "normal":
            out.append((w / W, mp.mpf(c.args[0]), mp.mpf(c.args[1]) ** 2))
        elif c.family == "dirac":
            out.append((w / W, mp.mpf(c.args[0]), mp.mpf(0)))
        else:
            return None
    return out


def mmd_closed(P: Law, Q: Law, bw):
    gp, gq = _gauss_parts(P), _gauss_parts(Q)
    if gp is None or gq is None:
        return None
    l2 = mp.mpf(bw) ** 2

    def ek(A, B):
        return mp.fsum(wa * wb * mp.sqrt(l2 / (l2 + va + vb)) *
                       mp.exp(-(ma - mb) ** 2 / (2 * (l2 + va + vb)))
                       for wa, ma, va in A for wb, mb, vb in B)

    # sum_{ij} terms with + for PP, QQ and - for PQ, grouped to avoid cancellation when
    # P and Q are close: computed at working precision, which is checked at two precisions
    return ek(gp, gp) + ek(gq, gq) - 2 * ek(gp, gq)


def mmd_charfn(P: Law, Q: Law, bw):
    MP, MQ = Model(P, "p"), Model(Q, "q")
    bw = mp.mpf(bw)
    scales = [c.scale_hint() for c, _, _, _ in MP.cont + MQ.cont]
    for c, _, _, _ in MP.cont + MQ.cont:
        if c.fam == "student_t" or c.charfn(mp.mpf(1), mp.mpf(0)) is None:
            return None      # (student_t: Bessel K at this precision is too slow)
    # centre: the first location / atom
    centres = []
    for M in (MP, MQ):
        for c, _, _, _ in M.cont:
            if c.fam in LOCSCALE:
                centres.append(c.mu)
            elif c.fam == "uniform":
                centres.append((c.lo + c.hi) / 2)
            else:
                centres.append(mp.mpf(0))
        centres += [a.loc for a in M.atoms]
    c0 = centres[0]
    spread = max(abs(x - c0) for x in centres)
    if spread > 200 * bw or any(s > 1e4 * bw or s < 1e-4 * bw for s in scales):
        return None

    def phi(M, t):
        v = mp.mpc(0)
        for c, _, w, _ in M.cont:
            v += w * c.charfn(t, c0)
        for a in M.atoms:
            v += a.mass * mp.expj(t * (a.loc - c0))
        return v

    def f(x):
        t = x.off(mp.mpf(0))
        d = phi(MP, t) - phi(MQ, t)
        w = bw / mp.sqrt(2 * mp.pi) * mp.exp(-(bw * t) ** 2 / 2)
        return [(d.real ** 2 + d.imag ** 2) * w]

    cuts = [mp.mpf(0)] + [k / bw for k in (0.5, 1, 2, 3, 4, 6, 9)]
    cuts += [k / s for s in scales for k in (0.3, 1, 3)]
    cuts = sorted({c for c in cuts if 0 <= c < 12 / bw})
    if spread > 0:
        # a few oscillations of e^(i t spread) per piece, at most 60 pieces
        step = max(4 * mp.pi / spread, 12 / bw / 60)
        cuts += [step * k for k in range(1, int(12 / bw / step) + 1)]
        cuts = sorted(set(cuts))
    pts = [Pt(0, c) for c in cuts]
    jobs = [(Piece(a, b), f) for a, b in zip(pts[:-1], pts[1:], strict=True)]
    jobs.append((Piece(pts[-1], None, mp.mpf(2) / bw), f))
    S, _ = integrate_many(jobs, 1)
    return 2 * S[0]     # the integrand is even in t


# ===================================================================== entry point

@dataclass
class Ref:
    value: object               # float (inf allowed)
    grad: dict = field(default_factory=dict)     # param -> float (only reliable ones)
    nondiff: set = field(default_factory=set)    # params where D is not differentiable

    @property
    def finite(self):
        return math.isfinite(self.value)


DIVS = ("kl", "reverse_kl", "jeffreys", "js", "gan", "pearson", "neyman", "hellinger", "tv",
        "alpha", "renyi", "bhattacharyya", "w1", "w2", "mmd", "energy")
FDIVS = ("kl", "reverse_kl", "jeffreys", "js", "gan", "pearson", "neyman", "hellinger", "tv",
         "alpha", "renyi", "bhattacharyya")


def _flat_full(P: Law, Q: Law):
    return {**{f"p.{k}": v for k, v in P.flat().items()},
            **{f"q.{k}": v for k, v in Q.flat().items()}}


def _hard_points(law: Law):
    out = []
    for c in law.leaves():
        if c.family == "dirac":
            out.append(c.args[0])
        elif c.family == "uniform":
            out += [c.args[0], c.args[1]]
        elif c.family in ("exponential", "gamma", "lognormal"):
            out.append(0.0)
        elif c.family == "beta":
            out += [0.0, 1.0]
    return out


def _fd_params(P: Law, Q: Law, for_cdf: bool):
    """Parameters differentiated by central differences, with their steps (None: not
    differentiable here, a support end / atom shared with the other law)."""
    out = {}
    hard_p, hard_q = _hard_points(P), _hard_points(Q)
    for side, law, other in (("p", P, hard_q), ("q", Q, hard_p)):
        own = _hard_points(law)
        for name, v in law.flat().items():
            parts = name.split(".")
            leaf = law.leaves()[int(parts[1])] if law.family == "mixture" and \
                parts[0] == "components" else law
            pname = parts[-1]
            fam = leaf.family
            full = f"{side}.{name}"
            if fam == "dirac" or (fam == "uniform" and pname in ("low", "high")):
                others = [x for x in other] + [x for x in own if x != v] + [x for x in own][0:0]
                # the same value elsewhere among the own hard points (another end) counts
                if sum(1 for x in own if x == v) > 1:
                    others.append(v)
                dist = min((abs(v - x) for x in others), default=INF)
                if dist == 0:
                    out[full] = None
                    continue
                scale = leaf.args[1] - leaf.args[0] if fam == "uniform" else \
                    max(abs(v), 1e-300)
                h = 1e-9 * min(scale, dist if math.isfinite(dist) else scale)
                out[full] = h
            elif for_cdf and ((fam == "student_t" and pname == "df")
                              or (fam == "gamma" and pname == "concentration")
                              or (fam == "beta" and pname in ("a", "b"))):
                out[full] = 1e-9 * abs(v)
    return out


def _put_difference(grads: dict, name: str, vp, vm, h) -> None:
    """grads[name] = the central difference (vp − vm)/2h, unless the values' own working
    precision cannot resolve it: W1 of 1.5e180 at 40 digits is known to 1e140, and a
    step of 2e-10 (a uniform's end 0.217 from the lognormal's) saw no change, so that
    ∂W1/∂low, 1/2, came back 0. Then no reference for that entry."""
    d = (vp - vm) / (2 * h)
    blur = (abs(vp) + abs(vm)) * mp.mpf(10) ** (2 - mp.mp.dps) / (2 * h)
    if blur <= mp.mpf("1e-9") * abs(d) + mp.mpf("1e-30"):
        grads[name] = d


def _perturb(P: Law, Q: Law, full: str, value):
    side, name = full.split(".", 1)
    return (P.replace(name, value), Q) if side == "p" else (P, Q.replace(name, value))


def _wants(grads, *names):
    return grads is True or bool(grads and set(names) & set(grads))


def _compute(P, Q, aa, ar, bw, grads, which, full=True):
    """One pass at the current precision. Returns (values, grads, errors, failures).
    `grads`: True, False or the divergences whose gradients are wanted. A gradient
    integral that does not converge costs the gradients, not the values."""
    vals, gr, errs, fails = {}, {}, {}, {}
    flat = _flat_full(P, Q)
    if which & {"f"}:
        fd_names = _fd_params(P, Q, False)
        Mp, Mq = Model(P, "p"), Model(Q, "q")
        gp = [n for n in Mp.analytic_names() if n in flat and n not in fd_names]
        gq = [n for n in Mq.analytic_names() if n in flat and n not in fd_names]
        fgrads = grads if _wants(grads, *FDIVS) else False
        try:
            try:
                v, g = fdiv_values(P, Q, aa, ar, fgrads, gp, gq)
            except NoReference:
                if not fgrads:
                    raise
                fgrads = False
                v, g = fdiv_values(P, Q, aa, ar, False)
            e = v.pop("_err")
            if "_failed" in v:
                msg = v.pop("_failed")
                fails["bhattacharyya"] = fails["renyi"] = msg
            vals.update(v)
            gr.update(g)
            for k in FDIVS:
                errs[k] = e.get(k, mp.mpf(0))
            errs["gan"] = e["K"]
            errs["bhattacharyya"] = e.get("bhattacharyya", e["bc"])
            errs["renyi"] = e.get("renyi", e["renyiI"])
            if fgrads:
                for full_, h in fd_names.items():
                    if h is None:
                        continue
                    x0 = mp.mpf(flat[full_])
                    try:
                        vp, _ = fdiv_values(*_perturb(P, Q, full_, x0 + h), aa, ar, False)
                        vm, _ = fdiv_values(*_perturb(P, Q, full_, x0 - h), aa, ar, False)
                    except NoReference:
                        continue
                    for k in FDIVS:
                        if k in gr and k in vp and k in vm and vp[k] != mp.inf and vm[k] != mp.inf:
                            _put_difference(gr[k], full_, vp[k], vm[k], h)
        except NoReference as ex:
            for k in FDIVS:
                fails[k] = str(ex)
    if which & {"cdf"}:
        fd_names = _fd_params(P, Q, True)
        if not full:      # shape parameters of w1/energy by central differences: costly
            fd_names = {k: h for k, h in fd_names.items() if k in _fd_params(P, Q, False)}
        Mp, Mq = Model(P, "p"), Model(Q, "q")
        gp = [n for n in Mp.analytic_names(True) if n in flat and n not in fd_names]
        gq = [n for n in Mq.analytic_names(True) if n in flat and n not in fd_names]
        cgrads = _wants(grads, "w1", "energy")
        try:
            try:
                v, g = cdf_values(P, Q, cgrads, gp, gq)
            except NoReference:
                if not cgrads:
                    raise
                cgrads = False
                v, g = cdf_values(P, Q, False)
            e = v.pop("_err")
            vals.update(v)
            gr.update(g)
            errs.update(e)
            if cgrads:
                for full_, h in fd_names.items():
                    if h is None:
                        continue
                    x0 = mp.mpf(flat[full_])
                    try:
                        vp, _ = cdf_values(*_perturb(P, Q, full_, x0 + h), False)
                        vm, _ = cdf_values(*_perturb(P, Q, full_, x0 - h), False)
                    except NoReference:
                        continue
                    for k in ("w1", "energy"):
                        if k in gr and vp[k] != mp.inf and vm[k] != mp.inf:
                            _put_difference(gr[k], full_, vp[k], vm[k], h)
        except NoReference as ex:
            fails["w1"] = fails["energy"] = str(ex)
    if "w2" in which:
        wg = _wants(grads, "w2")
        try:
            v = w2_closed(P, Q)
            if v is not None:
                vals["w2"] = v
                if wg and v != mp.inf:
                    gr["w2"] = _fd_grad(w2_closed, P, Q, flat)
            else:
                try:
                    r = w2_quantile(P, Q, wg)
                except NoReference:
                    if not wg:
                        raise
                    r = w2_quantile(P, Q, False)
                if r is None:
                    fails["w2"] = "no closed form / explicit quantiles"
                else:
                    vals["w2"], gr["w2"] = r
            errs["w2"] = mp.mpf(0)
        except NoReference as ex:
            fails["w2"] = str(ex)
    if "mmd" in which:
        try:
            v = mmd_closed(P, Q, bw)
            fn = mmd_closed
            if v is None:
                v = mmd_charfn(P, Q, bw)
                fn = mmd_charfn
            if v is None:
                fails["mmd"] = "no closed form / characteristic functions"
            else:
                vals["mmd"] = v
                errs["mmd"] = mp.mpf(0)
                if _wants(grads, "mmd") and (full or fn is mmd_closed):
                    gr["mmd"] = _fd_grad(lambda P_, Q_: fn(P_, Q_, bw), P, Q, flat)
        except NoReference as ex:
            fails["mmd"] = str(ex)
    return vals, gr, errs, fails


def _leaf(P: Law, Q: Law, full: str):
    side, name = full.split(".", 1)
    law = P if side == "p" else Q
    parts = name.split(".")
    if law.family == "mixture" and parts[0] == "components":
        return law.leaves()[int(parts[1])], parts[-1]
    return law, parts[-1]


def _fd_grad(fn, P, Q, flat):
    """Central differences of a closed form (accurate to the working precision).

    A mixture weight moves the law through w_i / W, so its step is a fraction of the
    weights' total W, not of the weight itself: a weight of 1e-181 beside one of 0.15,
    stepped by 1e-12 of itself, changed the value by 1e-193 of W, below any working
    precision, and the derivative (about -4 for an MMD) came back 0. A weight smaller
    than its step cannot go below 0: it gets the second-order forward difference."""
    out = {}
    fdp = {**_fd_params(P, Q, False)}
    scales = [abs(v) for k, v in flat.items() if k.split(".")[-1] in ("scale",)] or [1.0]
    for full, x in flat.items():
        leaf, pname = _leaf(P, Q, full)
        side, name = full.split(".", 1)
        if full in fdp:
            if fdp[full] is None:
                continue
            h = mp.mpf(fdp[full]) * mp.mpf("1e-3")
        elif name.startswith("weights."):
            law = P if side == "p" else Q
            h = mp.mpf("1e-12") * mp.fsum(mp.mpf(w) for w in law.args[1])
        elif pname == "loc":
            # a step of the law's own scale, not of |loc|: Laplaces at -2.8e9 that are
            # 5e-6 apart have W2 = sqrt(dm^2 + 2 ds^2), whose derivative in loc turns over
            # within |dm|, and a step of 1e-12 |loc| = 2.8e-3 straddled that (0.0019 for
            # 0.9999998). Not below 1e-14 |loc| (10^-26 of it at 40 digits keeps the
            # difference to 1e-14).
            s = leaf.args[-1] if leaf.family in LOCSCALE or leaf.family == "lognormal" else \
                min(scales)
            h = mp.mpf("1e-12") * max(mp.mpf(s), mp.mpf("1e-14") * abs(x))
        else:
            h = mp.mpf("1e-12") * abs(x)
        x0 = mp.mpf(x)
        steps = (1, -1) if x0 - h >= 0 or not name.startswith("weights.") else (0, 1, 2)
        try:
            vs = [fn(*_perturb(P, Q, full, x0 + k * h)) for k in steps]
        except (NoReference, ValueError, ZeroDivisionError):
            continue
        if any(v is None or v == mp.inf for v in vs):
            continue
        out[full] = (vs[0] - vs[1]) / (2 * h) if len(vs) == 2 else \
            (-3 * vs[0] + 4 * vs[1] - vs[2]) / (2 * h)
    return out


def _nondiff(P: Law, Q: Law):
    fd = {**_fd_params(P, Q, False), **_fd_params(P, Q, True)}
    return {k for k, h in fd.items() if h is None}


def _extra_digits(P: Law, Q: Law, weight=1.0) -> int:
    """Digits to add to the working precision: log-densities of size 10^k where the
    common support has its mass (laws far apart on their own scales) leave k fewer
    digits for the differences that the divergences are made of; `weight` (the largest
    factor an order gives a log-density: a log p - (a - 1) log q) multiplies them."""
    with mp.workdps(30):
        MP, MQ = Model(P, "p"), Model(Q, "q")
        lay = Layout(MP, MQ)
        pts = []
        for (a, b), (cp, cq) in zip(lay.intervals, lay.cls, strict=True):
            if not (cp and cq):
                continue
            pc = make_pieces([(a, b)], lay.pts)[0]
            for x in pc.sample_points()[::2]:
                lp, lq = MP.logpdf(x, cp, False)[0], MQ.logpdf(x, cq, False)[0]
                if lp != -mp.inf and lq != -mp.inf:
                    pts.append((max(lp, lq), max(abs(lp), abs(lq))))
        if not pts:
            return 0
        top = max(m for m, _ in pts)
        big = max(v for m, v in pts if m >= top - 200)
        return int(min(60, max(0, int(mp.log10(max(big * weight, 1))) - 3)))


RANGE = {k: (0, mp.inf) for k in DIVS}
RANGE.update({"js": (0, math.log(2)), "gan": (-math.log(4), 0), "hellinger": (0, 1),
              "tv": (0, 1), "mmd": (0, 2)})
DBL_MAX = 1.7976931348623157e308


def _to_float(v):
    if v == mp.inf:
        return INF
    if abs(v) > DBL_MAX:
        return INF if v > 0 else -INF
    return float(v)


def reference_all(P: Law, Q: Law, alpha=0.5, renyi_alpha=0.5, bandwidth=1.0, grads=True,
                  divs=DIVS, dps=(40, 28), check_grads=False, full=True, work=None):
    """References for every divergence in `divs`: dict div -> Ref or None. `grads`:
    True (every divergence), False, or the divergences whose gradients are wanted.

    The pair is computed at the working precisions `dps` (first: the value returned);
    a value is returned only when the passes agree to 1e-18 relative (1e-40 absolute)
    and the quadrature's error estimate is below 1e-18 of the value. `work`: at most
    this many component evaluations (`_spend`) for the pair, else OverBudget is raised;
    `_WORK["spent"]` tells how many were used."""
    which = set()
    if set(divs) & set(FDIVS):
        which.add("f")
    if set(divs) & {"w1", "energy"}:
        which.add("cdf")
    if "w2" in divs:
        which.add("w2")
    if "mmd" in divs:
        which.add("mmd")
    extra = _extra_digits(P, Q, max(1, abs(renyi_alpha), abs(renyi_alpha - 1)) if
                          "renyi" in divs else 1)
    dps = tuple(d + extra for d in dps)
    passes = []
    _WORK["left"] = work
    try:
        for i, d in enumerate(dps):
            with mp.workdps(d):
                passes.append(_compute(P, Q, alpha, renyi_alpha, bandwidth,
                                       grads if (i == 0 or check_grads) else False, which,
                                       full))
    finally:
        _WORK["spent"] = None if work is None else work - _WORK["left"]
        _WORK["left"] = None
    (v0, g0, e0, f0) = passes[0]
    nd = _nondiff(P, Q)
    out = {}
    with mp.workdps(dps[0]):
        for k in divs:
            if any(k in p[3] for p in passes) or any(k not in p[0] for p in passes):
                out[k] = None
                continue
            a = v0[k]
            ok = True
            lo, hi = RANGE[k]
            lo = -mp.log(4) if k == "gan" else lo
            hi = mp.log(2) if k == "js" else hi
            if mp.isnan(a) or a == -mp.inf or a < lo - mp.mpf("1e-30") * (1 + abs(a)) or \
                    a > hi + mp.mpf("1e-30") * (1 + abs(a)):
                if DEBUG:
                    print("reference out of range", k, a)
                out[k] = None
                continue
            for vals, _, _, _ in passes[1:]:
                b = vals[k]
                if (a == mp.inf) != (b == mp.inf):
                    ok = False
                elif a != mp.inf and abs(a - b) > mp.mpf("1e-18") * abs(a) + mp.mpf("1e-40"):
                    ok = False
            if a != mp.inf and e0.get(k, 0) > mp.mpf("1e-18") * abs(a) + mp.mpf("1e-40"):
                ok = False
            if not ok:
                out[k] = None
                continue
            grad = {}
            if a != mp.inf and a != 0:
                for name, gv in g0.get(k, {}).items():
                    if name in nd:
                        continue
                    grad[name] = _to_float(gv)
            out[k] = Ref(_to_float(a), grad, nd)
    return out
