"""Asymptotic expansions of −log p, to decide analytically whether an integral diverges.

A tail integral ∫ e^{s(t)} dt of a divergence's dominant term (p·log(p/q) for KL,
p²/q for Pearson, ...) converges or not according to how −log p and −log q grow: in a
far tail as t = |x| → ∞, or near a finite support end as u = 1/|x − end| → ∞. Each
law declares that growth as a short sum of terms, ordered by how fast they grow:

    e^{r t}  >  t^d  >  (log t)^2  >  log t  >  log log t  >  constants

(Gumbel's left tail e^{t/s}; a normal's t²/(2s²); Laplace's t/b; a power tail's
(α + 1) log t; a lognormal's (log t)²/(2s²); a beta's (a − 1) log u at 0.) Constants
never decide convergence here, so they are dropped. Coefficients are plain floats of
one parameter row; nothing here is differentiated.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

Key = tuple[int, float]
EXP, POW, LOG2, LOG, LOGLOG = 4, 3, 2, 1, 0


def exp_term(rate: float) -> Key:
    return (EXP, rate)


def pow_term(degree: float) -> Key:
    return (POW, degree)


LOG2_TERM: Key = (LOG2, 2.0)
LOG_TERM: Key = (LOG, 1.0)
LOGLOG_TERM: Key = (LOGLOG, 1.0)


class Growth:
    """A sum of terms coef·basis(t) (keys above), constants dropped."""

    __slots__ = ("terms",)

    def __init__(self, terms: dict[Key, float] | None = None):
        self.terms = {k: c for k, c in (terms or {}).items() if c != 0.0}

    def __add__(self, other: Growth) -> Growth:
        out = dict(self.terms)
        for k, c in other.terms.items():
            out[k] = out.get(k, 0.0) + c
        return Growth(out)

    def scaled(self, a: float) -> Growth:
        return Growth({k: a * c for k, c in self.terms.items()})

    def __sub__(self, other: Growth) -> Growth:
        return self + other.scaled(-1.0)

    def leading(self) -> tuple[Key, float] | None:
        """The fastest-growing term with a non-zero coefficient (None: a constant)."""
        if not self.terms:
            return None
        k = max(self.terms)
        return k, self.terms[k]

    def sign(self) -> int:
        """+1 / −1 where the expansion tends to +∞ / −∞, 0 for a constant."""
        lead = self.leading()
        return 0 if lead is None else (1 if lead[1] > 0 else -1)

    def log_abs(self) -> Growth:
        """log |self| to leading order. A constant (or 0) gives no term: bounded above, and
        with the tail's Jacobian a bounded log-factor never decides convergence here."""
        lead = self.leading()
        if lead is None:
            return Growth()
        (kind, p), _ = lead
        if kind == EXP:
            return Growth({pow_term(1.0): p})
        if kind == POW:
            return Growth({LOG_TERM: p})
        if kind == LOG2:
            return Growth({LOGLOG_TERM: 2.0})
        if kind == LOG:
            return Growth({LOGLOG_TERM: 1.0})
        return Growth()                                   # log log log t: bounded enough


def smaller(a: Growth, b: Growth) -> Growth:
    """The slower-growing of two −log densities: the heavier tail dominates a mixture."""
    return a if (a - b).sign() <= 0 else b


def lightest(parts: Iterable[Growth]) -> Growth:
    """−log of a mixture's density: its heaviest component's (weights add constants)."""
    parts = list(parts)
    out = parts[0]
    for g in parts[1:]:
        out = smaller(out, g)
    return out


def larger(a: Growth, b: Growth) -> Growth:
    return a if (a - b).sign() >= 0 else b


def integral_diverges(s: Growth, far: bool) -> bool:
    """Does ∫ e^{s} diverge, s the log of the integrand in the tail variable?

    far: t = |x| → ∞ (dx = dt); else u = 1/|x − end| → ∞ (dx = du/u²). With the
    Jacobian, the integral is ∫ e^{S} du/u, S = s + log t (far) or s − log u (near), and
    it diverges unless S → −∞ at least like −(1 + ε) log log u.
    """
    S = s + Growth({LOG_TERM: 1.0 if far else -1.0})
    big = Growth({k: c for k, c in S.terms.items() if k[0] >= LOG})
    if big.terms:
        return big.sign() > 0
    return S.terms.get(LOGLOG_TERM, 0.0) >= -1.0


def exp_coef(log_coef: float) -> float:
    """e^{log_coef}, kept finite (a Gumbel's e^{μ/s} for |μ/s| beyond the float range)."""
    return math.exp(max(min(log_coef, 700.0), -700.0))
