"""Asymptotic expansions of −log p, to decide analytically whether an integral diverges.

A tail integral ∫ e^{s(t)} dt of a divergence's dominant term (p·log(p/q) for KL,
p²/q for Pearson, ...) converges or not according to how −log p and −log q grow: in a
far tail as t = |x| → ∞, or near a finite support end as u = 1/|x − end| → ∞. Each
law declares that growth as a short sum of terms, ordered by how fast they grow:

    e^{r t}  >  t^d  >  (log t)^2  >  log t  >  log log t  >  constants

(Gumbel's left tail e^{t/s}; a normal's t²/(2s²); Laplace's t/b; a power tail's
(α + 1) log t; a lognormal's (log t)²/(2s²); a beta's (a − 1) log u at 0.) Constants
never decide convergence here, so they are dropped. Coefficients are numpy arrays over
the rows of a batch (a sweep), so one pass decides every row; nothing is differentiated.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

Key = tuple[int, float]
EXP, POW, LOG2, LOG, LOGLOG = 4, 3, 2, 1, 0
LOG2_TERM: Key = (LOG2, 2.0)
LOG_TERM: Key = (LOG, 1.0)
LOGLOG_TERM: Key = (LOGLOG, 1.0)


def pow_term(degree: float) -> Key:
    return (POW, degree)


class Growth:
    """A sum of terms coef·basis(t), coefficients shaped (rows,), constants dropped."""

    __slots__ = ("terms",)

    def __init__(self, terms: dict[Key, np.ndarray | float] | None = None):
        self.terms = {k: np.asarray(c, dtype=np.float64) for k, c in (terms or {}).items()}

    @staticmethod
    def exp(rate, coef) -> Growth:
        """coef·e^{rate·t}; rates that differ by row become one term per distinct rate."""
        rate, coef = np.broadcast_arrays(np.asarray(rate, float), np.asarray(coef, float))
        return Growth({(EXP, float(r)): np.where(rate == r, coef, 0.0)
                       for r in np.unique(rate)})

    def __add__(self, other: Growth) -> Growth:
        out = dict(self.terms)
        for k, c in other.terms.items():
            out[k] = out[k] + c if k in out else c
        return Growth(out)

    def scaled(self, a: float) -> Growth:
        # a = 0 is no term at all: KL's form p¹q⁰ scales −log q by 0, and a normal of
        # scale 1e-300 has an infinite coefficient (0·inf = NaN)
        if a == 0:
            return Growth()
        return Growth({k: a * c for k, c in self.terms.items()})

    def __sub__(self, other: Growth) -> Growth:
        return self + other.scaled(-1.0)

    def leading(self, n: int) -> tuple[list[Key], np.ndarray, np.ndarray]:
        """(keys by decreasing growth, index of each row's leading key (−1: none), its
        coefficient) over n rows."""
        keys = sorted(self.terms, reverse=True)
        idx = np.full(n, -1)
        coef = np.zeros(n)
        for i, k in enumerate(keys):
            c = np.broadcast_to(self.terms[k], (n,))
            take = (idx < 0) & (c != 0)
            idx = np.where(take, i, idx)
            coef = np.where(take, c, coef)
        return keys, idx, coef

    def sign(self, n: int) -> np.ndarray:
        """+1 / −1 per row where the expansion tends to +∞ / −∞, 0 for a constant."""
        return np.sign(self.leading(n)[2])

    def log_abs(self, n: int) -> Growth:
        """log |self| to leading order. A constant (or 0) gives no term: bounded above, and
        with the tail's Jacobian a bounded log-factor never decides convergence here."""
        keys, idx, _ = self.leading(n)
        out = Growth()
        for i, (kind, p) in enumerate(keys):
            rows = (idx == i).astype(np.float64)
            if kind == EXP:
                out = out + Growth({pow_term(1.0): rows * p})
            elif kind == POW:
                out = out + Growth({LOG_TERM: rows * p})
            elif kind == LOG2:
                out = out + Growth({LOGLOG_TERM: rows * 2.0})
            elif kind == LOG:
                out = out + Growth({LOGLOG_TERM: rows})
        return out


def where(mask: np.ndarray, a: Growth, b: Growth) -> Growth:
    """Row by row: a where mask, else b."""
    keys = set(a.terms) | set(b.terms)
    return Growth({k: np.where(mask, a.terms.get(k, 0.0), b.terms.get(k, 0.0)) for k in keys})


# A growth beyond any law's: stands for "no density here" in a row, so that it is never
# the heaviest tail of a mixture.
NONE = Growth({(EXP, 1e300): 1.0})


def lightest(parts: Iterable[Growth], n: int) -> Growth:
    """−log of a mixture's density, row by row: its heaviest component's (weights only add
    constants)."""
    parts = list(parts)
    out = parts[0]
    for g in parts[1:]:
        out = where((out - g).sign(n) <= 0, out, g)
    return out


def larger(a: Growth, b: Growth, n: int) -> Growth:
    return where((a - b).sign(n) >= 0, a, b)


def integral_diverges(s: Growth, far: bool, n: int) -> np.ndarray:
    """Per row: does ∫ e^{s} diverge, s the log of the integrand in the tail variable?

    far: t = |x| → ∞ (dx = dt); else u = 1/|x − end| → ∞ (dx = du/u²). With the
    Jacobian, the integral is ∫ e^{S} du/u, S = s + log t (far) or s − log u (near), and
    it diverges unless S → −∞ at least like −(1 + ε) log log u.
    """
    S = s + Growth({LOG_TERM: 1.0 if far else -1.0})
    big = Growth({k: c for k, c in S.terms.items() if k[0] >= LOG})
    sign = big.sign(n)
    loglog = np.broadcast_to(S.terms.get(LOGLOG_TERM, np.zeros(())), (n,))
    return np.where(sign != 0, sign > 0, loglog >= -1.0)


def exp_coef(log_coef) -> np.ndarray:
    """e^{log_coef}, kept finite (a Gumbel's e^{μ/s} for |μ/s| beyond the float range)."""
    return np.exp(np.clip(log_coef, -700.0, 700.0))
