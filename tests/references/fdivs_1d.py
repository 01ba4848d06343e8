"""1-D f-divergences, Rényi and Bhattacharyya by quadrature over the Lebesgue decomposition."""

from __future__ import annotations

import math

from .laws import INF, LN2
from .measures import Measure1
from .numerics import _Acc, _exp, _intervals, _lae, _mul, _probe, _q_sq_expm1, _roots, _xr

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
