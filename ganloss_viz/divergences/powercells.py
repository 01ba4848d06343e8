"""Power cells: the innermost panel at a graded support end, integrated in closed form.

Graded breaks (`mesh.graded`) reach a support end no nearer than 1e-300 of the law's
unit. Where an integrand is nearly non-integrable there, like d^(v − 1) with v below
~0.06 (Neyman's q²/p of a beta(0.51, ·) in Q goes like d^-0.98 at 0), a share d^v of
its value lies inside that last panel (1.3e-7 here), which its Gauss-Legendre nodes
see only in part; the value's error counted it (`mesh.end_share`), but not the
gradient: ∂/∂a of that share weighs log d ≈ −690, and the beta's ∂/∂a was 1.4e-6
relative off (search seed 2054).

The panel (e, e + d0), d0 the widest break within DEEPEST of the law's end span (the
deepest graded break, or a joint one: `joint_breaks`), becomes one cell: its nodes
(a singular law's quantiles among them) are dropped, and the integrand h read
at the panel's outer end and further out gives its power there, v = 1 + d log h / d log d,
and the cell's integral h(d0)·d0/v, exact for h = C·d^(v − 1) (to the 1e-250 to which
the laws' end forms hold). The reads are attached: ∂v/∂a carries the log-weighted
share into the gradient.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from types import MappingProxyType
from typing import NamedTuple

import numpy as np
import torch

from ..distributions.measure import Measure1D, _cat
from ..distributions.mesh import graded_for, share_within
from .stable import EPS

# The cell's outer end: the widest break within this factor of the span where the law's
# end forms hold (`end_span_np`, 1e-250), which the deepest graded break, 1e-300 of the
# law's unit, is.
DEEPEST = 1e-40


# The integrand is read at d0, d0·RATIO and d0·RATIO²: v from the outer two (their log
# ratio, 18.4, divides the rounding of log h, ~1e-13 at d = 1e-300), and the two halves'
# disagreement measures how far h is from a pure power there.
RATIO = 1e4


@dataclass
class PowerCells:
    """The cells of a node set, K of them side by side: the log-densities at e ± d0·RATIO^j
    for j = 0, 1, 2 (lp[j], lq[j]) and the cells' widths d0, all (..., K); d0 = 0 on rows
    without the cell."""

    lp: tuple[torch.Tensor, ...]
    lq: tuple[torch.Tensor, ...]
    d0: torch.Tensor

    @staticmethod
    def join(parts: list[PowerCells | None]) -> PowerCells | None:
        parts = [c for c in parts if c is not None]
        if not parts:
            return None
        return PowerCells(tuple(_cat([c.lp[j] for c in parts]) for j in range(3)),
                          tuple(_cat([c.lq[j] for c in parts]) for j in range(3)),
                          _cat([c.d0 for c in parts]))


def power_cells(P: Measure1D, Q: Measure1D, x: torch.Tensor, breaks: torch.Tensor,
                keep: torch.Tensor, bounds) -> tuple[torch.Tensor, PowerCells | None, set]:
    """(inside, cells, covered): the nodes inside a cell (their weights are dropped), the
    cells, and which law ends (`end_key`) have one in some row. Only ends that leave a
    share of the integrand inside their deepest break (`_share`) and whose panel no
    end cell (`endcells`) has taken."""
    inside = torch.zeros(x.shape, dtype=torch.bool)
    found, covered = [], set()
    bd = breaks.detach()
    for M, name in ((P, "p"), (Q, "q")):
        for c, law in enumerate(M.comps):
            for side in (-1, 1):
                e = law.lo if side < 0 else law.hi
                if not _share(name, c, law, side) or not isinstance(e, torch.Tensor):
                    continue
                got = _one(P, Q, law, side, e.detach(), x, bd, keep, bounds)
                if got is not None:
                    # the other law's end at the same point: the first cell there is
                    # the end's (Pearson of beta(3, 2) ‖ beta(5.98, 2) counted it twice),
                    # and nodes beyond it stay, though this law's span reaches further
                    mine, cell = got
                    taken = (mine & inside).any(-1, keepdim=True)
                    cell.d0 = torch.where(taken, torch.zeros_like(cell.d0), cell.d0)
                    inside = inside | (mine & ~taken)
                    found.append(cell)
                    covered.add(end_key(name, c, side))
    return inside, PowerCells.join(found), covered


def end_key(name: str, c: int, side: int) -> tuple[str, int, int]:
    """A law end's name, the same in every frame: measure, component, side."""
    return name, c, side


class Joint(NamedTuple):
    """The integrand's own power at an end both measures have, d^(v − 1) (the smallest
    v over the rows): `graded`, its breaks go deeper than either law's own
    (`joint_breaks`); `cells`, the rows (batch-shaped) where a power cell takes its last
    panel (`_share`), not an end cell, whose mass d^E the integrand does not follow."""

    v: float
    graded: bool
    cells: np.ndarray

    def merged(self, other: Joint) -> Joint:
        return Joint(min(self.v, other.v), self.graded or other.graded,
                     self.cells | other.cells)


# {law end: Joint} for the integrand being computed (`analytic.end_decay`); every such
# end at 1 also gets a frame there (`frames._requested`).
JOINT: ContextVar[Mapping] = ContextVar("joint_ends", default=MappingProxyType({}))


@contextlib.contextmanager
def joint_ends(ends: Mapping):
    token = JOINT.set(ends)
    try:
        yield
    finally:
        JOINT.reset(token)


def joint_breaks(P: Measure1D, Q: Measure1D) -> np.ndarray | None:
    """Detached breaks graded toward each law end of `JOINT`, in the unit of the law's
    distance from that end to its median."""
    out = []
    for (name, c, side), (v, graded, _) in JOINT.get().items():
        if not graded:
            continue
        law = (P if name == "p" else Q).comps[c]
        e = (law.lo if side < 0 else law.hi).detach().numpy()
        unit = np.abs(law.quantile_np(np.array([0.5])) - e)
        out.append(e - side * unit * graded_for(v))
    if not out:
        return None
    batch = np.broadcast_shapes(*(o.shape[:-1] for o in out))
    return np.concatenate([np.broadcast_to(o, batch + o.shape[-1:]) for o in out], -1)


def _share(name: str, c: int, law, side: int) -> float:
    """The share of the integrand inside the deepest graded break at a law end: the
    law's own (`end_share_np`) or the joint power's there, where a power cell is to take
    it."""
    joint = JOINT.get().get(end_key(name, c, side))
    cells = joint is not None and bool(joint.cells.any())
    return max(law.end_share_np(side), share_within(joint.v) if cells else 0.0)


def uncovered_share(P: Measure1D, Q: Measure1D, covered: frozenset, unfitted: bool) -> float:
    """The largest share of an integrand left inside a graded end's deepest break
    (`_share`) where no power cell took that panel (any, where a cell could not be
    fitted)."""
    return max((_share(name, c, law, side) for name, M in (("p", P), ("q", Q))
                for c, law in enumerate(M.comps) for side in (-1, 1)
                if unfitted or end_key(name, c, side) not in covered), default=0.0)


def _one(P, Q, law, side, e, x, bd, keep, bounds):
    inward = -side
    gap = (bd - e) * inward
    deepest = torch.as_tensor(law.end_span_np(), dtype=torch.float64) * DEEPEST
    # the widest break within `deepest`: a singular law's quantiles lie closer (2e-308
    # for a beta of a = 0.021), and one panel from there to 1e-300 held 1.7 % of the
    # α-divergence of order −0.5 of beta(0.052, 19.2) ‖ beta(0.021, 6.4), like d^-0.994
    within = (gap > 0) & (gap <= deepest)
    d0 = torch.where(within, gap, torch.zeros_like(gap)).amax(-1, keepdim=True)
    use = d0 > 0
    if bounds is not None:
        # the frame that holds the panel inside the end: an upper end at the frame's own
        # upper bound is its (the frame centred on a beta's 1)
        lo, hi = bounds[0].unsqueeze(-1), bounds[1].unsqueeze(-1)
        use = use & ((e >= lo) & (e < hi) if side < 0 else (e > lo) & (e <= hi))
    step = (x.detach() - e) * inward
    inside = (step > 0) & (step < d0)
    # an end cell took the panel: its nodes are gone already
    use = use & ~(inside & ~keep).any(-1, keepdim=True)
    if not bool(use.any()):
        return None
    d0 = torch.where(use, d0, torch.zeros_like(d0))
    at = [e + inward * torch.where(use, d0, torch.ones_like(d0)) * RATIO ** j for j in range(3)]
    return inside & use, PowerCells(tuple(P.log_density(t) for t in at),
                                     tuple(Q.log_density(t) for t in at), d0)


@dataclass
class CellSum:
    """The cells' integrals summed per row (value; its log where asked for in logs), a
    bound on their error (error: absolute, or relative to the sum in logs), and which
    cells (..., K) could not be fitted (unfitted): h changes sign or is not finite
    between the reads, v ≤ 0, or h is more than 1e-3 from a pure power there. An
    unfitted cell counts h(d0)·d0, and the end's share of the value stays in the error."""

    value: torch.Tensor | float
    error: float
    unfitted: np.ndarray


def _fit(logs: list[torch.Tensor], same: torch.Tensor):
    """(v, its relative error as the cell's, fitted) from log|h| at the three reads."""
    step = math.log(RATIO)
    v = 1 + (logs[2] - logs[0]) / (2 * step)
    with torch.no_grad():
        # rounding: log h to a few ulps of its size, over the reads' log distance; and
        # the halves' disagreement, how far h is from a pure power
        rounding = 4 * EPS * sum(t.abs() for t in logs) / step
        rel = (rounding + (logs[2] - 2 * logs[1] + logs[0]).abs() / step) / v.abs() \
            + 4 * EPS * logs[0].abs()
    ok = same & (v.detach() > 0) & (rel < 1e-3)
    return torch.where(ok, v, torch.ones_like(v)), torch.where(ok, rel, torch.zeros_like(rel)), ok


def cell_sum(h, cells: PowerCells | None) -> CellSum:
    """Σ ∫ h over the cells, h an integrand of the two log-densities (`Integrand`)."""
    if cells is None:
        return CellSum(0.0, 0.0, np.zeros((), dtype=bool))
    hs = [h.value(lp, lq) for lp, lq in zip(cells.lp, cells.lq, strict=True)]
    # signs compared, not products: h near an end where p and q vanish is ~1e-300, and
    # two such reads multiplied are 0 (Pearson of beta(2, 3) ‖ beta(2, 5.98) at 0)
    signs = [torch.sign(t.detach()) for t in hs]
    same = (signs[0] != 0) & (signs[0] == signs[1]) & (signs[1] == signs[2])
    for t in hs:
        same = same & torch.isfinite(t)
    v, rel, ok = _fit([torch.where(same, t.abs(), torch.ones_like(t)).log() for t in hs], same)
    live = cells.d0 > 0
    h0 = torch.where(live & torch.isfinite(hs[0]), hs[0], torch.zeros_like(hs[0]))
    cell = h0 * cells.d0 / v
    error = (cell.detach().abs() * rel).sum(-1)
    return CellSum(cell.sum(-1), float(error.max()), (live & ~ok & (h0 != 0)).detach().numpy())


def log_cell_sum(log_h, cells: PowerCells | None, shape: torch.Size) -> CellSum:
    """log Σ ∫ h over the cells (−inf without one), from log h = log_h(lp, lq) (the
    Chernoff integrand's, which overflows in linear terms); the error is relative."""
    if cells is None:
        return CellSum(torch.full(shape, -math.inf, dtype=torch.float64), 0.0,
                       np.zeros((), dtype=bool))
    logs = [log_h(lp, lq) for lp, lq in zip(cells.lp, cells.lq, strict=True)]
    same = cells.d0 > 0
    for t in logs:
        same = same & torch.isfinite(t)
    v, rel, ok = _fit([torch.where(same, t, torch.zeros_like(t)) for t in logs], same)
    live = (cells.d0 > 0) & torch.isfinite(logs[0])
    t = torch.where(live, torch.where(live, logs[0], torch.zeros_like(logs[0]))
                    + torch.where(live, cells.d0, torch.ones_like(cells.d0)).log() - v.log(),
                    torch.full_like(logs[0], -math.inf))
    total = torch.logsumexp(t, -1)
    with torch.no_grad():
        share = torch.where(live, torch.exp(t - total.unsqueeze(-1)), torch.zeros_like(t))
        error = torch.nan_to_num((share * rel).sum(-1), nan=0.0)
    return CellSum(total, float(error.max()), (live & ~ok).numpy())
