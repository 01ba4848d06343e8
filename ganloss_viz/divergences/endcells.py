"""End cells: the panels next to a singular support end, taken as one cell of known masses.

A beta(1.98, 0.0034) keeps 9.5 % of its mass within 1e-300 of 1, between the end and
the deepest graded break (`continuous.graded`), and its quantiles lie 2e-308 from 1;
Gauss-Legendre nodes there see an arbitrary part of that mass (the density grows like
d^(b − 1)), and the engine used to count the rest as unseen, with an error of 1e3 times
it (JS, TV, Hellinger not accurate; reverse KL against a logistic inf, truth 290.2).

When the law L singular at the end e has a closed form for its mass within d of e
(`end_log_mass`) and the other laws are regular at e (a finite positive density there,
or none), the panels within d of e (d: the widest break within `end_span_np`, 1e-250 of
the law's unit, where the end's form holds to 1e-250) are one cell E: their nodes are
dropped and one entry of weight 1 carries the two measures' masses in E, L(E) from
`end_log_mass`, the regular measure's as its density at E's midpoint times d (it is
≪ L(E): the ratio is at most that density times d^(1 − s)). Every integrand q·f(p/q)
whose f has a finite limit where the ratio goes (f(0) or f'(∞)) then takes the cell's
value to O(the regular mass); the KL family's log-ratio needs ∫_E l·log l, which for
l = C·u^(s − 1) is L(E)·[log(L(E)/d) + J(s)], J(s) = log s − 1 + 1/s: one J(s) per unit
of mass more than the cell's masses give, so the regular measure's log-mass is lowered
by J(s) (a shift that every other integrand ignores to the same order).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ..distributions.asymptotics import LOG2_TERM, LOG_TERM
from ..distributions.measure import Measure1D
from .powercells import JOINT, end_key
from .stable import EPS

# An end whose mass within the panel is below this is left to the nodes (the unseen-mass
# error term covers it).
CELL_MIN = 1e-18
# The regular measure's mass in the cell must be below e^-GAP of the singular law's.
GAP = 40.0


def regular_at(law, e: torch.Tensor) -> torch.Tensor:
    """Rows where `law`'s density is regular at e (e is not one of its support ends, or
    its density has a finite positive limit there), detached, shaped like e."""
    base = getattr(law, "law", law)         # an AffineLaw (shifted) declares its law's
    ok = torch.ones_like(e, dtype=torch.bool)
    for side, end in ((-1, law.lo), (1, law.hi)):
        if not isinstance(end, torch.Tensor):
            continue
        growth = base.end_growth(side, base.params_np())
        const = np.ones(np.broadcast_shapes(*(np.shape(c) for c in growth.terms.values()))
                        if growth.terms else (), dtype=bool)
        for c in growth.terms.values():
            const = const & (np.asarray(c) == 0)
        at = end.detach() == e
        ok = ok & ~(at & ~torch.as_tensor(const))
    return ok


# The three points of `_decay_shift`, at d/2^k from the end: y 6.9 apart, so that the
# rounding of −log o (2e5 at 1e-300 for a lognormal of σ = 1) costs its curvature 1e-12,
# where neighbours 0.69 apart cost 1e-10 (times E[η²] = 2/s², 5e5 for s = 0.002).
FIT_POINTS = (1, 11, 21)


def _log_polynomial(law) -> bool:
    """Whether −log p at both of `law`'s ends is a polynomial of degree ≤ 2 in
    y = log u = −log|x − end| plus a constant (a lognormal's (y + μ)²/(2σ²) − y + c at
    0; a gamma's or a beta's (s − 1)·y): exact to the end span's 1e-250."""
    base = getattr(law, "law", law)
    v = base.params_np()
    return all(set(base.end_growth(side, v).terms) <= {LOG2_TERM, LOG_TERM} for side in (-1, 1))


def _decay_shift(O: Measure1D, e: torch.Tensor, inward: int, d: torch.Tensor,
                 s: torch.Tensor) -> tuple[torch.Tensor, np.ndarray] | None:
    """(Δ, its rounding per row): Δ = E[−log o] over the cell under the singular law,
    less −log o at the cell's midpoint, for O a single law whose density vanishes or
    blows up at e like a polynomial of degree ≤ 2 in y = −log|x − e| (`_log_polynomial`);
    attached. KL's entry lowers O's log-mass by it, as by J(s).

    In y the singular law's mass in the cell is y_d + Exp(s) (y_d = −log d), so only E[η]
    and E[η²] of η = y − y_mid enter; the polynomial is read from −log o at three points
    of the cell (`FIT_POINTS`), which keeps its gradient in O's parameters. A gamma of
    shape 0.005 keeps 3 % of its mass within 1e-300 of 0, spread over y up to ~1000
    beyond; against a lognormal, −log q there is (log x)²/(2σ²) ≈ 1e5 and growing, and KL
    was 14012 with an error of 32, truth 20953.7. None where the points round to one
    another or a log-density leaves the float range."""
    xs = [e + inward * d / 2 ** i for i in FIT_POINTS]
    gaps = [((x - e) * inward).detach() for x in xs]
    if not (bool((gaps[2] > 0).all()) and bool((gaps[2] < gaps[1]).all())
            and bool((gaps[1] < gaps[0]).all())):
        return None
    f = [-O.log_density(x) for x in xs]
    if not all(bool(torch.isfinite(v.detach()).all()) for v in f):
        return None
    y = [-torch.log(g) for g in gaps]
    b1, b2 = (f[1] - f[0]) / (y[1] - y[0]), (f[2] - f[1]) / (y[2] - y[1])
    alpha = (b2 - b1) / (y[2] - y[0])                 # −log o = f0 + β·η + α·η²
    beta = b1 - alpha * (y[1] - y[0])
    c0 = -torch.log(d) - y[0]                          # the cell's outer edge, in η
    mean = c0 + 1 / s
    square = c0 * c0 + 2 * c0 / s + 2 / (s * s)
    # each −log o to a few ulps of the largest: what the divided differences make of it
    with torch.no_grad():
        df = 4 * EPS * torch.stack([v.abs() for v in f]).amax(0)
        h1, h2 = y[1] - y[0], y[2] - y[1]
        db1, db2 = 2 * df / h1, 2 * df / h2
        da = (db1 + db2) / (h1 + h2)
        rounding = (db1 + da * h1) * mean.abs() + da * square
    return beta * mean + alpha * square, rounding.numpy()


def end_cells(P: Measure1D, Q: Measure1D, x: torch.Tensor, breaks: torch.Tensor,
              bounds: tuple[torch.Tensor, torch.Tensor] | None):
    """The cells of the pair's node set: (keep, entries, masses, error).

    keep: (..., N) bool, False on the nodes inside a cell (their weights are dropped);
    entries: list of (x, w, lp, lq) tensors (..., 1), one per law end (w = 0 on rows
    without a cell); masses: per row (numpy), the singular laws' mass the cells carry;
    error: what the rounding of `_decay_shift` may cost a log-ratio integral (KL's)."""
    keep = torch.ones(x.shape, dtype=torch.bool)
    entries, carried, error = [], np.zeros(()), 0.0
    bd = breaks.detach()
    joint = JOINT.get()
    for M, O, m_is_p in ((P, Q, True), (Q, P, False)):
        for c, law in enumerate(M.comps):
            for side in (-1, 1):
                s = law.end_exponent(side)
                e = law.lo if side < 0 else law.hi
                if s is None or not isinstance(e, torch.Tensor):
                    continue
                # rows where the integrand is not the law's mass there: a power cell's
                j = joint.get(end_key("p" if m_is_p else "q", c, side))
                skip = None if j is None else torch.as_tensor(j.cells)[..., None]
                cell = _one_cell(M, O, c, law, side, s, e.detach(), x, bd, bounds, skip)
                if cell is None:
                    continue
                inside, entry, mass, rounding = cell
                keep = keep & ~inside
                p_entry = entry if m_is_p else (entry[0], entry[1], entry[3], entry[2])
                entries.append(p_entry)
                carried = carried + mass
                error += rounding
    return keep, entries, carried, error


def _one_cell(M, O, c, law, side, s, e, x, bd, bounds, skip):
    inward = -side
    gap = (bd - e) * inward
    # the cell reaches the widest break within the law's end span (quantiles of a beta
    # of b = 0.0034 lie 2e-308 from 1, inside the deepest graded break at 1e-300: all of
    # them go into the cell)
    span = torch.as_tensor(law.end_span_np(), dtype=torch.float64)
    within = (gap > 0) & (gap <= span)
    d = torch.where(within, gap, torch.zeros_like(gap)).amax(-1, keepdim=True)
    if not bool((d > 0).any()):
        return None
    d = torch.where(d > 0, d, torch.ones_like(d))
    lw = torch.log(M.comp_w[..., c:c + 1].clamp(min=1e-300))
    lm_sing = lw + law.end_log_mass(side, d)                         # attached
    use = (s.detach() < 1) & (lm_sing.detach() > math.log(CELL_MIN)) & within.any(
        -1, keepdim=True)
    if skip is not None:
        use = use & ~skip
    if not bool(use.any()):
        return None
    mid = e + inward * d / 2
    if bounds is not None:
        lo, hi = bounds[0].unsqueeze(-1), bounds[1].unsqueeze(-1)
        # the frame that holds the end: a frame whose lower bound lies inside the cell
        # (anchored 9e-255 from a beta's end at 0, bound halfway) would count it twice
        use = use & (mid >= lo) & (mid < hi) & (e >= lo) & (e <= hi)
    # every other law of both measures regular at e
    for k, other in enumerate(M.comps):
        if k != c:
            use = use & regular_at(other, e)
    shift, rounding = None, 0.0
    if len(O.comps) == 1 and _log_polynomial(O.comps[0]):
        regular = regular_at(O.comps[0], e)
        if not bool(regular.all()):
            fit = _decay_shift(O, e, inward, d, s)
            if fit is None:
                return None
            shift = torch.where(regular, torch.zeros_like(fit[0]), fit[0])
            rounding = np.where(regular.numpy(), 0.0, fit[1])[..., 0]
    else:
        for other in O.comps:
            use = use & regular_at(other, e)
    if not bool(use.any()):
        return None
    ld = torch.log(d)
    others = [torch.log(M.comp_w[..., k:k + 1].clamp(min=1e-300)) + M.comps[k].log_prob(mid) + ld
              for k in range(len(M.comps)) if k != c]
    lm = torch.logsumexp(torch.stack(torch.broadcast_tensors(lm_sing, *others)), 0) \
        if others else lm_sing
    lo_ = O.log_density(mid) + ld
    use = use & ~(lo_.detach() > lm.detach() - GAP)
    if not bool(use.any()):
        return None
    sd = s
    jensen = torch.log(sd) - 1 + 1 / sd
    lo_ = lo_ - jensen if shift is None else lo_ - jensen - shift
    step = (x.detach() - e) * inward
    inside = use & (step > 0) & (step < d)
    w = use.to(torch.float64)
    neutral = torch.zeros_like(lm)
    entry = (mid, w, torch.where(use, lm, neutral), torch.where(use, lo_, neutral))
    mass = torch.where(use, lm_sing.detach().exp(), torch.zeros_like(lm)).numpy()[..., 0]
    return inside, entry, mass, float(np.max(mass * rounding, initial=0.0))
