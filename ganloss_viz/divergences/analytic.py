"""Support and tail rules, decided from the laws' declarations, not from a mesh.

Two questions decide whether an f-divergence is infinite in 1-D, and no quadrature can
answer them reliably (a normal's mass beyond 9σ is 1e-19, below rounding; a Gumbel's
left tail underflows long before its log-density stops mattering):

* Does P have mass where Q has none (or Q where P has none)? Every continuous law here
  has a positive density on the inside of its support interval, so this is a question
  about intervals and atoms. It is answered exactly.
* Does the integral of the divergence's dominant term diverge in a tail (|x| → ∞) or at
  a finite support end where a density blows up? Answered from the laws' asymptotic
  expansions of −log p (`distributions.asymptotics`).

Both work per parameter row (a sweep's batch), on detached values.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ..distributions.asymptotics import (
    LOG_TERM,
    NONE,
    Growth,
    integral_diverges,
    larger,
    lightest,
    where,
)
from ..distributions.continuous import NormalLaw
from ..distributions.measure import Measure1D
from .frames import centres_widths
from .powercells import Joint, end_key

Row = list[tuple[object, dict[str, float], float, float]]   # (law, params, low, high)


def _batch(P: Measure1D, Q: Measure1D) -> tuple[int, ...]:
    shapes = [M.comp_w.shape[:-1] for M in (P, Q)] + [M.atom_w.shape[:-1] for M in (P, Q)]
    shapes += [M.atom_loc.shape[:-1] for M in (P, Q)]
    for M in (P, Q):
        for law in M.comps:
            shapes += [a.shape[:-1] for a in law.params_np().values()]
    return tuple(np.broadcast_shapes(*shapes))


def _flat(a, batch: tuple[int, ...]) -> np.ndarray:
    a = a.detach().numpy() if isinstance(a, torch.Tensor) else np.asarray(a)
    return np.broadcast_to(a, batch + a.shape[-1:]).reshape(int(np.prod(batch)), a.shape[-1])


class _Rows:
    """Each measure's live components and atoms, row by row of the batch."""

    def __init__(self, M: Measure1D, batch: tuple[int, ...]):
        self.w = _flat(M.comp_w, batch) if M.comps else None
        self.params = [{k: _flat(v, batch)[:, 0] for k, v in law.params_np().items()}
                       for law in M.comps]
        self.laws = M.comps
        self.atom_loc = _flat(M.atom_loc, batch)
        self.atom_w = _flat(M.atom_w, batch)

    def comps(self, i: int) -> Row:
        out = []
        for c, law in enumerate(self.laws):
            if self.w[i, c] > 0:
                v = {k: float(a[i]) for k, a in self.params[c].items()}
                out.append((law, v, *law.support(v)))
        return out

    def atoms(self, i: int) -> set[float]:
        return {float(x) for x, m in zip(self.atom_loc[i], self.atom_w[i], strict=True)
                if m > 0}


def _covered(lo: float, hi: float, intervals: list[tuple[float, float]]) -> bool:
    """Is [lo, hi] inside the union of the intervals (up to finitely many points)?"""
    for a, b in sorted(intervals):
        if a > lo:
            return False
        if b > lo:
            lo = b
        if lo >= hi:
            return True
    return lo >= hi


def _has_mass_outside(A: Row, atoms_a: set[float], B: Row, atoms_b: set[float]) -> bool:
    """Does measure A put mass where measure B has neither density nor atom?"""
    spans = [(lo, hi) for _, _, lo, hi in B]
    if any(not _covered(lo, hi, spans) for _, _, lo, hi in A):
        return True
    return bool(atoms_a - atoms_b)


def _whole_line(M: Measure1D) -> bool:
    """A density on the whole line (every law unbounded both ways) and no atom."""
    return bool(M.comps) and not M.has_atoms and all(
        not isinstance(law.lo, torch.Tensor) and not isinstance(law.hi, torch.Tensor)
        for law in M.comps)


def singular_masses(P: Measure1D, Q: Measure1D) -> tuple[torch.Tensor, torch.Tensor]:
    """(P(q = 0) > 0, Q(p = 0) > 0) per row, exactly."""
    batch = _batch(P, Q)
    if _whole_line(P) and _whole_line(Q):
        none = torch.zeros(batch, dtype=torch.bool)
        return none, none
    rp, rq = _Rows(P, batch), _Rows(Q, batch)
    n = int(np.prod(batch))
    p_only, q_only = np.zeros(n, bool), np.zeros(n, bool)
    for i in range(n):
        A, B = rp.comps(i), rq.comps(i)
        ap, aq = rp.atoms(i), rq.atoms(i)
        p_only[i] = _has_mass_outside(A, ap, B, aq)
        q_only[i] = _has_mass_outside(B, aq, A, ap)
    return torch.as_tensor(p_only.reshape(batch)), torch.as_tensor(q_only.reshape(batch))


def have_common_part(P: Measure1D, Q: Measure1D) -> bool:
    """Do P and Q share any mass (overlapping supports or an atom), in the first row?"""
    batch = _batch(P, Q)
    rp, rq = _Rows(P, batch), _Rows(Q, batch)
    A, B = rp.comps(0), rq.comps(0)
    if any(min(h1, h2) > max(l1, l2) for *_, l1, h1 in A for *_, l2, h2 in B):
        return True
    return bool(rp.atoms(0) & rq.atoms(0))


class _Arrays:
    """Each law's parameters, support ends and liveness as arrays over the rows."""

    def __init__(self, M: Measure1D, batch: tuple[int, ...]):
        n = int(np.prod(batch))
        w = _flat(M.comp_w, batch) if M.comps else np.zeros((n, 0))
        self.laws = []
        for c, law in enumerate(M.comps):
            v = {k: _flat(a, batch)[:, 0] for k, a in law.params_np().items()}
            lo, hi = law.support(v)
            self.laws.append((law, v, np.broadcast_to(lo, (n,)), np.broadcast_to(hi, (n,)),
                              w[:, c] > 0))


def _dominant(forms, diff: bool, gp: Growth, gq: Growth, n: int) -> Growth:
    """log of the integrand's dominant term from −log p = gp and −log q = gq."""
    s = None
    for a, b in forms:
        term = gp.scaled(-a) + gq.scaled(-b)
        s = term if s is None else larger(s, term, n)
    if diff:
        s = s + (gp - gq).log_abs(n)
    return s


def _far(M: _Arrays, side: int, n: int) -> tuple[Growth, np.ndarray]:
    """(−log density as x → side·∞, rows where M has a density out there)."""
    parts, alive = [], np.zeros(n, bool)
    for law, v, lo, hi, live in M.laws:
        if np.isinf(hi if side > 0 else lo).all():
            parts.append(where(live, law.far_growth(side, v), NONE))
            alive |= live
    return (lightest(parts, n) if parts else NONE), alive


def _near(M: _Arrays, e: np.ndarray, side: int, n: int) -> tuple[Growth, np.ndarray]:
    """(−log density just beside e on `side` (+1: above e), rows where M has one)."""
    parts, alive = [], np.zeros(n, bool)
    for law, v, lo, hi, live in M.laws:
        covers = live & ((lo <= e) & (e < hi) if side > 0 else (lo < e) & (e <= hi))
        at_end = (lo == e) if side > 0 else (hi == e)
        g = where(at_end, law.end_growth(-side, v), Growth())
        parts.append(where(covers, g, NONE))
        alive |= covers
    return (lightest(parts, n) if parts else NONE), alive


# A normal's far growth is t²/(2σ²): beyond these scales its coefficient leaves the float
# range (0.5/σ² is 0 for σ = 1e200, and a Cauchy against that normal had a finite KL).
NORMAL_SCALES = (1e-150, 1e150)


def _in_unit(P: Measure1D, Q: Measure1D) -> tuple[Measure1D, Measure1D]:
    """P and Q measured in a unit of length (a power of two) between the laws' widths
    where a normal's scale lies beyond NORMAL_SCALES, else as they are. Whether a tail
    integral diverges does not depend on the unit; the coefficients of the growths do,
    and in this unit they stay in the float range."""
    scales = [law.params_np()["scale"] for M in (P, Q) for law in M.comps
              if isinstance(law, NormalLaw)]
    if not scales:
        return P, Q
    s = np.concatenate([np.ravel(x) for x in scales])
    if s.min() >= NORMAL_SCALES[0] and s.max() <= NORMAL_SCALES[1]:
        return P, Q
    _, w = centres_widths([*P.comps, *Q.comps])
    unit = 2.0 ** round(0.5 * (math.log2(float(w.min())) + math.log2(float(w.max()))))
    Ps, Qs = P.scaled(unit), Q.scaled(unit)
    return (P, Q) if Ps is None or Qs is None else (Ps, Qs)


def _arrays(P: Measure1D, Q: Measure1D) -> tuple[int, _Arrays, _Arrays]:
    """(rows, P's laws, Q's laws) in a common unit, for the tail and end rules."""
    batch = _batch(P, Q)
    P, Q = _in_unit(P, Q)
    return int(np.prod(batch)), _Arrays(P, batch), _Arrays(Q, batch)


def tail_decay(forms, diff: bool, P: Measure1D, Q: Measure1D) -> float | None:
    """The smallest d (over both tails and the rows) for which the dominant term falls off
    like |x|^-d, its leading term in logs being −d·log |x|; None where none is a power.
    KL of a Student t of index 1.18 against a Laplace goes like p·|x|/b, |x|^-1.18, not
    like the density (|x|^-2.18), and the tail map made for the density left 0.45 % of KL
    out (search seed 2061)."""
    if not (P.comps and Q.comps and forms):
        return None
    n, A, B = _arrays(P, Q)
    out = math.inf
    for side in (1, -1):
        (gp, ap), (gq, aq) = _far(A, side, n), _far(B, side, n)
        keys, idx, coef = _dominant(forms, diff, gp, gq, n).leading(n)
        for i, k in enumerate(keys):
            rows = ap & aq & (idx == i) & (coef < 0)
            if k == LOG_TERM and rows.any():
                out = min(out, float(-coef[rows].max()))
    return out if math.isfinite(out) else None


def tails_diverge(forms, diff: bool, P: Measure1D, Q: Measure1D) -> torch.Tensor:
    """Per row: does ∫ of the dominant term diverge in a tail or at a finite end?

    forms: pairs (a, b) of terms p^a q^b (the largest counts); diff: the term is also
    multiplied by |log p − log q| (the KL family).
    """
    batch = _batch(P, Q)
    if not (P.comps and Q.comps):
        return torch.zeros(batch, dtype=torch.bool)
    n, A, B = _arrays(P, Q)
    out = np.zeros(n, bool)
    for side in (1, -1):
        (gp, ap), (gq, aq) = _far(A, side, n), _far(B, side, n)
        if (ap & aq).any():
            out |= ap & aq & integral_diverges(_dominant(forms, diff, gp, gq, n), True, n)
    for _, _, _, s, ok in _at_ends(forms, diff, n, A, B):
        out |= ok & integral_diverges(s, False, n)
    return torch.as_tensor(out.reshape(batch))


def _finite_ends(M: _Arrays) -> list[np.ndarray]:
    return [x for _, _, lo, hi, _ in M.laws for x in (lo, hi) if np.isfinite(x).any()]


def _at_ends(forms, diff: bool, n: int, A: _Arrays, B: _Arrays, ends=None):
    """(e, side, (−log p, −log q), log of the dominant term, all in u = 1/|x − e|, rows
    where both laws have a density beside e) for each finite support end e of either
    measure (or of `ends`) and each side of it (+1: above e)."""
    for e in _finite_ends(A) + _finite_ends(B) if ends is None else ends:
        for side in (1, -1):
            (gp, ap), (gq, aq) = _near(A, e, side, n), _near(B, e, side, n)
            ok = ap & aq & np.isfinite(e)
            if ok.any():
                yield e, side, (gp, gq), _dominant(forms, diff, gp, gq, n), ok


def _own_v(E: np.ndarray, forms) -> np.ndarray:
    """The v a law's own grading assumes at an end where its density goes like d^(E − 1),
    under an integrand with the powers of `forms` (`mesh._decades`, which grades 1e-300
    deep where that is not positive): the largest power of a density that blows up, the
    most negative (where integrable) of one that vanishes."""
    ks = [k for form in forms for k in form] + [1.0]
    blown = max(ks) * (E - 1) + 1
    vanishing = min(ks) * (E - 1) + 1
    own = np.where(E < 1, blown, E)
    own = np.where((E > 1) & (vanishing > 0), np.minimum(own, vanishing), own)
    return np.maximum(own, 1e-9)


def _bounded(M: Measure1D) -> bool:
    """Has a law with a finite support end (those are tensors, infinite ones floats)."""
    return any(isinstance(e, torch.Tensor) for law in M.comps for e in (law.lo, law.hi))


# An integrand like d^(v − 1) keeps d^v of itself within d of the end: more than 1e-17
# within 1e-16 (the reach of a law's own grading and of x beside 1) below this v.
JOINT_V = 17 / 16


def end_decay(forms, diff: bool, P: Measure1D, Q: Measure1D) -> dict[tuple, Joint]:
    """{law end (`powercells.end_key`): `Joint`} where the dominant term goes like
    d^(v − 1) at distance d from an end both measures have, 0 < v < JOINT_V (the
    smallest v over the rows). Each law's own end exponent does not tell it: Pearson's
    p²/q of a beta(10.51, 4.41) against a beta(0.00838, 8.71) goes like d^(6.82 − 7.71) =
    d^-0.89 at 1, where both densities vanish, and 2.7 % of its value lay beyond the 1e-8
    at which either law's grading stopped (search seed 2069); the α-divergence of order
    −1, q²/p, of beta(10.43, 0.233) ‖ beta(5.27, 0.118) goes like d^-0.996 at 1, where the
    end cell of Q took the last panel as if the integrand followed Q's mass (d^0.118),
    and was 5.659 ± 0.001 for 5.997."""
    out: dict = {}
    if not (P.comps and Q.comps and forms and _bounded(P) and _bounded(Q)):
        return out
    batch = _batch(P, Q)
    n, A, B = _arrays(P, Q)
    # only an end of both measures: beside a density with a finite positive limit the
    # integrand's power is the other law's own
    theirs = _finite_ends(B)
    shared = [e for e in _finite_ends(A) if any((e == f).any() for f in theirs)]
    for e, side, growths, s, ok in _at_ends(forms, diff, n, A, B, shared):
        keys, idx, coef = s.leading(n)
        if LOG_TERM not in keys:
            continue
        v = 1 - coef
        rows = ok & (idx == keys.index(LOG_TERM)) & (v > 0) & (v < JOINT_V)
        if not rows.any():
            continue
        E = [np.broadcast_to(g.terms.get(LOG_TERM, 0.0), (n,)) + 1 for g in growths]
        graded = rows & (v < _own_v(E[0], forms)) & (v < _own_v(E[1], forms))
        # an end cell carries a law's mass, d^E: wrong where the integrand is more singular
        cells = rows & (v < np.where(E[0] < 1, E[0], np.inf) - 1e-9) \
            & (v < np.where(E[1] < 1, E[1], np.inf) - 1e-9)
        for name, M in (("p", A), ("q", B)):
            for c, (_, _, lo, hi, live) in enumerate(M.laws):
                at = rows & live & ((lo == e) if side > 0 else (hi == e))
                if at.any():
                    key = end_key(name, c, -side)
                    new = Joint(float(v[at].min()), bool(graded[at].any()),
                                (cells & at).reshape(batch))
                    out[key] = new if key not in out else out[key].merged(new)
    return out
