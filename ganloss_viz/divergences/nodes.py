"""Quadrature node sets: where and with which weights the engine evaluates densities.

A node set is a list of points with weights and the log-densities of P and Q there,
with respect to a common dominating measure: Gauss-Legendre nodes on panels fitted to
both laws (Lebesgue part) plus one entry per atom (counting part). Every Lebesgue-
decomposed integral of the engine is then a weighted sum over one node set.

Panels break at quantiles of every component of P and Q (detached: moving them does
not change the integral), at support ends and atoms (attached: their motion carries
the Leibniz terms of the gradient) and, for integrands with kinks (|p - q|,
|F_P - F_Q|), at the crossings, found by bisection (detached: the integrand vanishes
there). Tails beyond the outermost break are mapped to (0, 1).

The breaks beyond and between the laws' meshes are `extensions`'; the node sets of the
plane are `nodes2d`'s; the cells at singular support ends `endcells`'.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch

from ..distributions.continuous import MESH_LEVELS
from ..distributions.law1d import LOST_LOG
from ..distributions.measure import Measure1D, _cat, log_or_minus_inf
from ..distributions.mesh import FLOAT_MAX, MESH_LEVELS_HEAVY, absmax
from ..distributions.quadrature import gauss_legendre, tail_map, tail_power
from .endcells import end_cells
from .extensions import (
    PEAK_STEPS,
    _batch_align,
    _fill_gaps,
    _outer_reach,
    _switch_breaks,
    _tail_extensions,
)
from .powercells import PowerCells, joint_breaks, power_cells
from .precision import COARSE_NODES, PANEL_NODES
from .stable import EPS

N_TAIL = 24


@dataclass
class Nodes:
    """Points x (..., N) [or (..., N, 2)], weights w (..., N), log-densities lp, lq."""

    x: torch.Tensor
    w: torch.Tensor
    lp: torch.Tensor
    lq: torch.Tensor
    w_coarse: torch.Tensor | None = None   # weights of a coarser rule on the same points
    breaks: torch.Tensor | None = None     # the panels' ends, attached (1-D line meshes)
    cell_mass: np.ndarray | float = 0.0    # per row, the mass that end cells carry
    cell_error: float = 0.0                # what their log-ratios' rounding may cost
    # ((log(−log p), exact), (log(−log q), exact)) at the nodes where a log-density rounded
    # to −inf inside its support (1-D line meshes; computed only when asked)
    far_log: Callable[[], tuple[tuple[torch.Tensor, bool], ...]] | None = None
    power: PowerCells | None = None        # innermost panels at graded ends (`powercells`)
    covered: frozenset = frozenset()       # the law ends (`end_key`) with such a cell


SNAP_ULPS = 4096
_ENDS = [0, 1, 2, 3, -4, -3, -2, -1]     # a node set's outermost nodes, both rules' in it


def _sorted_breaks(detached: np.ndarray, attached: torch.Tensor) -> torch.Tensor:
    """All breaks, ascending, the detached ones snapped (`_snapped`)."""
    return torch.sort(_cat([_snapped(detached, attached), attached]), dim=-1).values


def _carried(breaks: torch.Tensor, attached: torch.Tensor) -> torch.Tensor:
    """Sorted breaks with the detached ones next to a jump (a support end, an atom) moved
    with it, all copies of that value alike, so that the panels on either side of the jump
    translate rigidly and the next ones out stretch. A panel stretched by its own end
    moves its nodes by their fraction t of the way, and the end's Leibniz term comes out
    of the rule's ∫ t·f′, exact only where the rule resolves f: √(p q) of a normal of
    scale 3e-30 2.6 beyond a uniform's end lies within 1e-60 of it, and ∂Bhattacharyya/
    ∂end came out (1 − (1 − t₁₂)/8) = 0.99885 of itself (search seed 2068). Translated,
    the rule gives Σ w f′ = f(end) − f(neighbour), and the stretched panel beyond, where
    f is smooth, gives back f(neighbour). (Copies of one value move together: a panel of
    width 0 between a moved copy and a still one has weight 0, is left out of the sums,
    and its share of the Leibniz term with it: TV's ∂/∂end then came out half of it.)"""
    if not attached.shape[-1] or not attached.requires_grad:
        return breaks
    d = breaks.detach().contiguous()
    jump = (d.unsqueeze(-1) == attached.detach().unsqueeze(-2)).any(-1)
    move = breaks - d
    k = d.shape[-1]
    # the first break of the next value up and the last of the next value down
    up = torch.searchsorted(d, d, right=True)
    down = torch.searchsorted(d, d, right=False) - 1
    up_c, down_c = up.clamp(max=k - 1), down.clamp(min=0)
    up_jump = (up < k) & torch.gather(jump, -1, up_c)
    down_jump = (down >= 0) & torch.gather(jump, -1, down_c)
    carry = torch.where(up_jump, torch.gather(move, -1, up_c),
                        torch.where(down_jump, torch.gather(move, -1, down_c),
                                    torch.zeros_like(move)))
    return torch.where(jump, breaks, d + carry)


def _snapped(detached: np.ndarray, attached: torch.Tensor) -> torch.Tensor:
    """The detached breaks, each within SNAP_ULPS float spacings of an attached one (a
    normal's median on a uniform's end, a uniform's 1e-12 quantile five ulps from its own
    end, a crossing's graded breaks toward a jump at a support end) made that attached
    break: otherwise the panel beside the end would either not move with it, or be so
    narrow that its nodes round onto the end, fall outside the (open) support, and take
    part of the end's Leibniz term with them."""
    d = torch.as_tensor(np.ascontiguousarray(detached), dtype=torch.float64)
    if not (attached.shape[-1] and d.shape[-1]):
        return d
    batch = np.broadcast_shapes(d.shape[:-1], attached.shape[:-1])
    d = d.expand(*batch, d.shape[-1])
    a = attached.expand(*batch, attached.shape[-1])
    ad = a.detach()
    gap = (d.unsqueeze(-1) - ad.unsqueeze(-2)).abs()                   # (..., K, J)
    tol = SNAP_ULPS * torch.as_tensor(np.spacing(np.abs(ad.numpy())))
    near = gap <= tol.unsqueeze(-2)
    if not bool(near.any()):
        return d
    pick = torch.where(near, gap, torch.full_like(gap, math.inf)).argmin(-1)
    return torch.where(near.any(-1), torch.gather(a, -1, pick), d)


def line_points(breaks: torch.Tensor, n: int, n_tail: int, n_coarse: int | None = None,
                split: int = 1, power: float = 1.0):
    """Nodes and weights covering the line, given sorted breaks (..., K): (x, w[, w_coarse]).

    Ascending; with `n_coarse`, each panel and each tail also carries the nodes of a
    coarser rule (n_coarse points a panel, two thirds of n_tail a tail), and
    w / w_coarse are zero on the other rule's nodes. split: every panel is cut into that
    many equal parts and the tails get that many times the nodes (refinement).
    """
    if split > 1:
        frac = torch.arange(split, dtype=torch.float64) / split
        a, b = breaks[..., :-1], breaks[..., 1:]
        inner = (a.unsqueeze(-1) + (b - a).unsqueeze(-1) * frac).flatten(-2)
        breaks = torch.cat([inner, breaks[..., -1:]], -1)
        n_tail = n_tail * split
    t, pw, pc, u, tw, tc = _layout(n, n_tail, n_coarse, power)
    a = breaks[..., :-1].unsqueeze(-1)
    h = breaks[..., 1:].unsqueeze(-1) - a
    left_scale, right_scale = _edge_widths(breaks.detach())
    x = torch.cat([breaks[..., :1] - left_scale * u.flip(-1), (a + h * t).flatten(-2),
                   breaks[..., -1:] + right_scale * u], -1)
    w = torch.cat([left_scale * tw.flip(-1), (h * pw).flatten(-2), right_scale * tw], -1)
    if n_coarse is None:
        return x, w
    wc = torch.cat([left_scale * tc.flip(-1), (h * pc).flatten(-2), right_scale * tc], -1)
    return x, w, wc


@lru_cache(maxsize=32)
def _layout(n: int, n_tail: int, n_coarse: int | None, power: float):
    """Unit-panel nodes and weights, and the tail map's unit offsets and weights
    (`tail_map`), of both rules merged: (t, w, w_coarse, u, w_tail, w_tail_coarse),
    each rule's weights 0 on the other's nodes (w_coarse None without a coarse rule).
    Cached: a node set is then a few products with the panels' widths, not a tensor per
    rule and part."""
    t, w = gauss_legendre(n)
    u, tw = tail_map(n_tail, power)
    if n_coarse is None:
        return t, w, None, u, tw, None
    tc, wc = gauss_legendre(n_coarse)
    uc, twc = tail_map(2 * n_tail // 3, power)

    def merged(a, b, wa, wb) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        # both rules' points in ascending order (so is then the whole node set: neighbours
        # in it are neighbours on the line), each rule's weights 0 on the other's points
        order = torch.argsort(torch.cat([a, b]))
        return (torch.cat([a, b])[order], torch.cat([wa, torch.zeros_like(wb)])[order],
                torch.cat([torch.zeros_like(wa), wb])[order])

    return (*merged(t, tc, w, wc), *merged(u, uc, tw, twc))


SLIVER = 1.0 / 16     # an outermost panel this much narrower than the next is a sliver


def _edge_widths(breaks: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Length scales of the two tails: the outermost panels of non-zero width (..., 1),
    or the next ones where the outermost is a sliver (two laws a hair apart, 5e-5 here,
    whose meshes nearly coincide: a mixture's two components of weight 1e-191 outermost,
    and the tail beyond, which followed another law of scale 2, integrated over 5e-5
    scales: W1 1.7e-13 off with an error of 1e-14).
    On the detached breaks' array: a few scalars, not a dozen tensor operations."""
    b = breaks.numpy()
    first, last = b[..., 1:2] - b[..., :1], b[..., -1:] - b[..., -2:-1]
    if (first > 0).all() and (last > 0).all():            # the usual case
        if b.shape[-1] > 2:
            second, before = b[..., 2:3] - b[..., 1:2], b[..., -2:-1] - b[..., -3:-2]
            first = np.where(first < SLIVER * second, second, first)
            last = np.where(last < SLIVER * before, before, last)
        return (torch.from_numpy(first + 1e-15 * np.abs(b[..., :1])),
                torch.from_numpy(last + 1e-15 * np.abs(b[..., -1:])))
    gaps = np.diff(b, axis=-1)
    pos = gaps > 0
    first = np.argmax(pos, -1)[..., None]
    last = gaps.shape[-1] - 1 - np.argmax(pos[..., ::-1], -1)[..., None]

    def floor(edge: np.ndarray) -> np.ndarray:
        return 1e-15 * np.abs(edge) + 1e-300

    return (torch.from_numpy(np.take_along_axis(gaps, first, -1).clip(min=0) + floor(b[..., :1])),
            torch.from_numpy(np.take_along_axis(gaps, last, -1).clip(min=0) + floor(b[..., -1:])))


def crossings(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor,
              iters: int = 60) -> torch.Tensor:
    """Detached roots of fn between consecutive nodes x (..., N) where its sign changes.

    Returns (..., C) with C the largest count over the batch; missing entries repeat
    the row's first root (a zero-width panel), or where it has none its middle node (a
    panel of the body cut in two). The first node, once the filler, is a tail node: a
    sweep of a t's index, one row crossing and the next not, put a break there, and a
    panel of 12 nodes from −3e11 to −1.5e9 took W1 2e-4 off. Each root is found to the float
    spacing by false position (`_false_position`), in about ten calls of fn where
    bisection took sixty: W1's sign of F_P − F_Q calls two CDFs, a gamma's a quadrature,
    and the crossing search was four fifths of W1 of a lognormal and a gamma.
    """
    with torch.no_grad():
        xd = x.detach()
        v = fn(xd)
        xd = xd.expand(v.shape)      # shared nodes, batched parameters (a sweep): per row
        change = (torch.sign(v[..., :-1]) * torch.sign(v[..., 1:])) < 0
        count = int(change.sum(-1).max()) if change.numel() else 0
        if count == 0:
            return xd[..., :0]
        # Indices of the sign changes, padded to `count` per batch element.
        order = torch.argsort((~change).to(torch.int8), dim=-1, stable=True)[..., :count]
        valid = torch.gather(change, -1, order)
        lo = torch.gather(xd[..., :-1], -1, order)
        hi = torch.gather(xd[..., 1:], -1, order)
        f_lo = torch.gather(v[..., :-1], -1, order)
        f_hi = torch.gather(v[..., 1:], -1, order)
        root = _false_position(fn, lo, hi, f_lo, f_hi, iters)
        middle = xd[..., xd.shape[-1] // 2:xd.shape[-1] // 2 + 1]
        filler = torch.where(valid[..., :1], root[..., :1], middle)
        return torch.where(valid, root, filler.expand_as(root))


def _false_position(fn, lo: torch.Tensor, hi: torch.Tensor, f_lo: torch.Tensor,
                    f_hi: torch.Tensor, iters: int) -> torch.Tensor:
    """The root in each bracket [lo, hi] where fn changes sign (f_lo, f_hi: its values
    there), to what bisection's `iters` halvings would reach or the float spacing: the
    Illinois variant of false position (the end kept twice has its value halved), with
    a bisection step after any two steps that shrank the bracket by less than half (a
    kink, a flat stretch, or inf and NaN values): at least `iters` halvings in 3·iters
    steps."""
    s_lo = torch.sign(f_lo)
    enough = torch.maximum((hi - lo) * 2.0 ** -iters,
                           2 * torch.maximum(torch.abs(lo), torch.abs(hi)) * EPS)
    halve = torch.zeros_like(lo, dtype=torch.bool)
    kept = torch.zeros_like(lo)                   # +1: lo kept last step, −1: hi, 0: none
    before = hi - lo                              # the width two steps back
    for _ in range(3 * iters):
        width = hi - lo
        live = width > enough
        if not bool(live.any()):
            break
        t = f_lo / (f_lo - f_hi)
        step = halve | ~torch.isfinite(t) | (t <= 0) | (t >= 1)
        mid = torch.where(step, lo + 0.5 * width, lo + t * width)
        f_mid = fn(mid)
        same = torch.sign(f_mid) == s_lo
        # an exact zero or a NaN ends the bracket there (NaN: as bisection did, on hi)
        exact = f_mid == 0
        lo_new = torch.where(live & (same | exact), mid, lo)
        hi_new = torch.where(live & (~same | exact), mid, hi)
        f_lo_new = torch.where(live & same, f_mid, f_lo)
        f_hi_new = torch.where(live & ~same, torch.where(torch.isnan(f_mid), f_hi, f_mid), f_hi)
        # Illinois: the end kept a second time in a row counts half its value
        f_hi_new = torch.where(live & same & (kept < 0), 0.5 * f_hi_new, f_hi_new)
        f_lo_new = torch.where(live & ~same & (kept > 0), 0.5 * f_lo_new, f_lo_new)
        kept = torch.where(live, torch.where(same, -1.0, 1.0), kept)
        halve = (hi_new - lo_new) > 0.5 * before
        before = width
        lo, hi, f_lo, f_hi = lo_new, hi_new, f_lo_new, f_hi_new
    return 0.5 * (lo + hi)


GOLDEN = (math.sqrt(5) - 1) / 2


def peak_breaks(logf: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor,
                breaks: torch.Tensor) -> torch.Tensor:
    """Detached breaks graded around the highest point of `logf` (an integrand's log),
    where it lies inside a panel far wider than the integrand's own length scale there.

    Two laws far apart: √(pq), or min(p, q), peaks between them, where neither law's
    quantiles put panels, and falls off at a rate set by both tails (e^(−20|x − 20|) for
    N(0, 1) and N(40, 1)); one panel across the gap would get the small overlap, and so
    the gradient of JS, TV or Hellinger near their top, wrong by percents. The peak is
    found by golden-section search between the nodes beside the best node; the scale d
    is where logf has dropped by 1; breaks go at peak ± d·2^k inside the panel.
    Returns (..., K) breaks (K = 0 when no peak needs them); rows with fewer are padded
    with their panel's left end (a zero-width panel).
    """
    with torch.no_grad():
        xd = x.detach()
        v = logf(xd)
        xd = xd.expand(v.shape).contiguous()
        v = torch.where(torch.isfinite(v), v, torch.full_like(v, -math.inf))
        j = v.argmax(-1, keepdim=True)
        last = xd.shape[-1] - 1
        lo = torch.gather(xd, -1, (j - 1).clamp(min=0))
        hi = torch.gather(xd, -1, (j + 1).clamp(max=last))
        # Resolved already (the usual case): the nodes beside the best one are within a
        # factor e of it, so the peak is no narrower than the node spacing.
        beside = torch.maximum(torch.gather(v, -1, (j - 1).clamp(min=0)),
                               torch.gather(v, -1, (j + 1).clamp(max=last)))
        if not bool((torch.gather(v, -1, j) - beside > 1.0).any()):
            return xd[..., :0]
        lo0, hi0 = lo, hi
        for _ in range(64):
            m1, m2 = hi - GOLDEN * (hi - lo), lo + GOLDEN * (hi - lo)
            left = logf(m1) < logf(m2)
            lo, hi = torch.where(left, m1, lo), torch.where(left, hi, m2)
        xs = 0.5 * (lo + hi)
        top = logf(xs)
        b = breaks.detach().expand(*xs.shape[:-1], breaks.shape[-1]).contiguous()
        k = torch.searchsorted(b, xs).clamp(1, b.shape[-1] - 1)
        a_end, b_end = torch.gather(b, -1, k - 1), torch.gather(b, -1, k)
        width = b_end - a_end
        # an interior maximum (not one that runs into a singular support end, where the
        # law's own graded mesh serves), inside the meshed part of the line
        margin = 1e-3 * (hi0 - lo0)
        valid = (torch.isfinite(top) & (xs > lo0 + margin) & (xs < hi0 - margin)
                 & (xs > b[..., :1]) & (xs < b[..., -1:]) & (width > 0))
        d = width * 2.0 ** -torch.arange(60, dtype=torch.float64)           # (..., 60)
        drop = top - torch.maximum(logf(xs - d), logf(xs + d))
        d1 = torch.where(drop <= 1.0, d, torch.zeros_like(d)).amax(-1, keepdim=True)
        valid = valid & (d1 > 0) & (d1 < width / 8)
        steps = d1 * 2.0 ** torch.arange(PEAK_STEPS, dtype=torch.float64)
        out = torch.cat([xs, xs - steps, xs + steps], -1)
        inside = valid & (out > a_end) & (out < b_end)
        count = int(inside.sum(-1).max()) if inside.numel() else 0
        order = torch.argsort((~inside).to(torch.int8), dim=-1, stable=True)[..., :count]
        keep = torch.gather(inside, -1, order)
        return torch.where(keep, torch.gather(out, -1, order), a_end.expand_as(keep))


def atom_entries(P: Measure1D, Q: Measure1D) -> tuple[torch.Tensor, torch.Tensor,
                                                      torch.Tensor, torch.Tensor]:
    """Atoms of P and Q as node entries: (loc, weight, log P-mass, log Q-mass).

    Every atom of either measure is one entry; entries at the same location share
    the location's total masses and split its weight, so nothing counts twice.
    """
    loc = _cat([P.atom_loc, Q.atom_loc])
    if loc.shape[-1] == 0:
        return loc, loc, loc, loc
    same = (loc.detach().unsqueeze(-1) == loc.detach().unsqueeze(-2)).to(torch.float64)
    zeros_q = torch.zeros_like(Q.atom_loc)
    zeros_p = torch.zeros_like(P.atom_loc)
    mp = _cat([P.atom_w, zeros_q])
    mq = _cat([zeros_p, Q.atom_w])
    batch = np.broadcast_shapes(same.shape[:-2], mp.shape[:-1], mq.shape[:-1])
    same = same.expand(*batch, *same.shape[-2:])
    mp, mq = mp.expand(*batch, mp.shape[-1]), mq.expand(*batch, mq.shape[-1])
    tp = (same * mp.unsqueeze(-2)).sum(-1)
    tq = (same * mq.unsqueeze(-2)).sum(-1)
    w = 1.0 / same.sum(-1)
    # A location where one measure has no atom has mass 0 there: log -inf, no NaN gradient.
    return loc.expand(*batch, loc.shape[-1]), w, log_or_minus_inf(tp), log_or_minus_inf(tq)


def _breaks_1d(P: Measure1D, Q: Measure1D, kink, peak, n: int,
               bounds: tuple[torch.Tensor, torch.Tensor] | None, reach: bool,
               owned: torch.Tensor | None = None, coarse: bool = False,
               power: float = 1.0) -> torch.Tensor:
    """The panels' ends of a 1-D pair: quantile meshes with their tails' extensions,
    filled gaps, support ends and atoms (attached), kink roots and graded peaks; with
    `reach`, the outer reach of far-apart pairs (`_outer_reach`); with `coarse`, power
    tails' panels halved (`_power_tail_halves`). Kink roots are sought out to where the
    tails' map (of `power`) puts its nodes: two t's of index 1.27 and 1.3 cross at
    2.8e13, past the reach of the plain map (400 outer panels) but not of the
    quadrature's, whose tail then held a crossing (W1 flagged, ± 0.018)."""
    detached = np.concatenate(_batch_align(P.mesh_np(MESH_LEVELS), Q.mesh_np(MESH_LEVELS)), -1)
    if (joint := joint_breaks(P, Q)) is not None:
        detached = np.concatenate(_batch_align(detached, joint), -1)
    if coarse:
        detached = _power_tail_halves(P, Q, detached)
    detached = _finite(detached)
    # the next break beyond a law's tail may be an atom (a jump, attached, not in the
    # mesh): a Dirac of weight 1e-61 at 1.6e5 beside a lognormal of scale 0.39 left one
    # panel from 5 to 1.6e5, which lost 1e-12 of the lognormal's mass (KL 8e-12 off)
    near = _with_atoms(P, Q, detached)
    detached = np.concatenate(_batch_align(detached, _tail_extensions(P, Q, near)), -1)
    if reach:
        detached = np.concatenate(_batch_align(detached, _outer_reach(P, Q, detached)), -1)
        detached = np.concatenate(_batch_align(detached, _switch_breaks(P, Q, detached)), -1)
    if bounds is not None:
        detached = _in_bounds(detached, bounds[0].numpy(), bounds[1].numpy())
    detached = _fill_gaps(detached)
    attached = _cat([P.jumps(), Q.jumps()])
    if owned is not None:
        # support ends and atoms of other frames: breaks here, but detached (see frames.owned)
        attached = torch.where(owned, attached, attached.detach())
    breaks = _sorted_breaks(detached, attached)
    if kink is not None:
        roots = crossings(kink, line_points(breaks, n, N_TAIL, power=power)[0])
        centre = _common_centre(P, Q)
        if roots.shape[-1] and centre is not None:
            roots = torch.from_numpy(_mirrored(roots.numpy(), centre))
        if roots.shape[-1]:
            # a root at a support end (where log p jumps to -inf) snaps onto it as well;
            # one far out in a tail (2.8e13 past a mesh ending at 1.5e9) has its gap
            # filled like any other
            detached = _fill_gaps(np.concatenate(_batch_align(detached, roots.numpy()), -1))
            breaks = _sorted_breaks(detached, attached)
    if peak is not None:
        # probe points: the breaks and their panels' midpoints (cheaper than the nodes)
        bd = breaks.detach()
        probe = torch.sort(torch.cat([bd, 0.5 * (bd[..., 1:] + bd[..., :-1])], -1), -1).values
        extra = peak_breaks(peak, probe, breaks)
        detached = np.concatenate(_batch_align(detached, extra.numpy()), -1)
        breaks = _sorted_breaks(detached, attached)
    # (the sets above are read as values only: the root search, the peak probe)
    return _carried(breaks, attached)


def _common_centre(P: Measure1D, Q: Measure1D) -> np.ndarray | None:
    """The point both measures are symmetric about, where every law of both is a
    symmetric location-scale law at one location and neither has atoms; else None."""
    laws = (*P.comps, *Q.comps)
    if P.has_atoms or Q.has_atoms or not all(getattr(law, "symmetric", False) for law in laws):
        return None
    locs = [law.array("loc") for law in laws]
    if not all(np.array_equal(locs[0], c) for c in locs[1:]):
        return None
    return locs[0]


def _mirrored(roots: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """Kink roots of a pair symmetric about `centre`, made symmetric: each taken to the
    right of it and mirrored. Rounding put a pair's two roots up to ε/δ out of symmetry
    (laplace scales 1 and 1 + 3e-8: 7e-9 of a scale; at scale 3e-77, where the log-densities
    carry log(2s) = −176, 1e-6), and ∂TV/∂loc, exactly 0, took p' times that: −2.1e-9,
    20 % of the value (at 3e-77: −1.5e-7 in units of the scale, 14 times the value)."""
    right = np.where(roots >= centre, roots, 2 * centre - roots)
    return np.concatenate(_batch_align(right, 2 * centre - right), -1)


def _with_atoms(P: Measure1D, Q: Measure1D, pts: np.ndarray) -> np.ndarray:
    """Mesh points and the atoms' locations (detached)."""
    locs = [M.atom_loc.detach().numpy() for M in (P, Q) if M.has_atoms]
    if not locs:
        return pts
    locs = np.concatenate(_batch_align(*locs), -1) if len(locs) > 1 else locs[0]
    return np.concatenate(_batch_align(pts, locs), -1)


# Geometric subdivisions of a power-tailed law's half-decade quantile levels from 1e-6 to
# 1e-2, both tails (`_power_tail_levels`): beyond 1e-6 the panels' share of the integral
# is below 1e-6, and the 8-point rule's 2e-8 of it no longer counts.
def _subdivided(lo: float, hi: float, m: int) -> np.ndarray:
    """The heavy mesh's levels in [lo, hi] cut into m geometric parts, in both tails."""
    levels = MESH_LEVELS_HEAVY[(MESH_LEVELS_HEAVY >= lo) & (MESH_LEVELS_HEAVY <= hi)]
    cuts = levels[:-1, None] * (levels[1:] / levels[:-1])[:, None] ** (np.arange(1, m) / m)
    cuts = cuts.reshape(-1)
    return np.concatenate([cuts, 1 - cuts[::-1]])


# Tail index below which a half-decade of level spans more than twice its distance in x
# (10^(0.5 / alpha) > 2): a Cauchy's panels span √10, and are halved.
HALVED_ALPHA = 0.5 / math.log10(2.0)
# At most this many parts a half-decade (a ratio of 2 down to index 0.1): a Student t of
# index 0.0011 would have asked for 1510, and 200 MB of nodes a pass (search seed 2051)
MAX_PARTS = 16


@lru_cache(maxsize=32)
def _power_tail_levels(parts: int, body: bool) -> np.ndarray:
    """Levels that cut each half-decade of a power tail into `parts` (a ratio of at most 2
    in x for index HALVED_ALPHA/parts). Below index 1 the other levels, 1e-12 to 1e-6 and
    1e-2 to 0.35, span up to 10^(0.5/alpha) as well (28 for a Student t of index 0.33;
    4e4 for index 0.108, whose ∂/∂df came out 1.8e-4 off, search seed 2049): cut too.
    Close mixtures of a t of index 0.33 had derivatives 2.7e-5 off with halves alone
    (seed 2043): they cancel to 1e-7 of their terms, and the far panels carry ∂/∂df's
    log|x|."""
    levels = [_subdivided(1e-6, 1e-2, parts)]
    if body:
        levels += [_subdivided(1e-12, 1e-6, parts), _subdivided(1e-2, 0.35, parts)]
    return np.concatenate(levels)


def _finite(pts: np.ndarray) -> np.ndarray:
    """Mesh points without the quantiles that overflowed (a Cauchy of scale 1e300 has
    its 1e-12 quantile at −3e311): each becomes a copy of its row's largest finite point,
    an empty panel. Breaks at ±inf had made the tail map's nodes nan (inf − inf widths),
    and with them every gradient."""
    finite = np.isfinite(pts)
    if finite.all():
        return pts
    fill = np.where(finite, pts, -np.inf).max(-1, keepdims=True)
    return np.where(finite, pts, np.where(np.isfinite(fill), fill, 0.0))


def _power_tail_halves(P: Measure1D, Q: Measure1D, pts: np.ndarray) -> np.ndarray:
    """Mesh points with the tail panels of power-tailed laws (index below HALVED_ALPHA)
    cut to a ratio of at most 2 in x (halved for a Cauchy), for node sets that carry the
    coarse rule: on a Cauchy's panels of ratio √10 the 12-point rule is exact to ~1e-15,
    but the 8-point one only to 2e-8 of each panel's share, and that disagreement, the
    error estimate, asked an adaptive pass of Hellinger(cauchy ‖ normal). Halved (ratio
    1.8), both agree to 1e-13."""
    extra = [np.atleast_1d(law.quantile_np(_power_tail_levels(
                 min(MAX_PARTS, math.ceil(HALVED_ALPHA / law.tail_alpha)),
                 law.tail_alpha < 1)))
             for law in (*P.comps, *Q.comps) if law.tail_alpha < HALVED_ALPHA]
    if not extra:
        return pts
    return np.concatenate(_batch_align(pts, np.concatenate(_batch_align(*extra), -1)
                                       if len(extra) > 1 else extra[0]), -1)


def nodes_1d(P: Measure1D, Q: Measure1D,
             kink: Callable[[torch.Tensor], torch.Tensor] | None = None,
             peak: Callable[[torch.Tensor], torch.Tensor] | None = None,
             atoms: bool = True, n: int | None = None, coarse: bool = False,
             split: int = 1, bounds: tuple[torch.Tensor, torch.Tensor] | None = None,
             decay: float | None = None,
             refine: tuple[torch.Tensor, np.ndarray] | None = None,
             reach: bool = False, owned: torch.Tensor | None = None,
             cells: bool = False) -> Nodes:
    """The node set of a 1-D pair; `kink(x)` gives a function whose sign changes break panels,
    `peak(x)` an integrand's log whose highest point gets graded panels (`peak_breaks`).

    coarse: also carry the weights of an 8-point rule on the same panels (error estimate).
    split: refinement (every panel cut into that many parts).
    bounds: (lo, hi) of batch shape: only nodes in [lo, hi) count (a frame's share).
    decay: the integrand falls off like |x|^-decay in a power tail (default: like the
    heavier law's density, index + 1); it sets the tails' map.
    refine: (breaks of a node set already built, more detached breaks): the adaptive
    refinement's step (midpoints of its worst panels), without redoing the mesh.
    reach: breaks beyond both ends out to the mesh's span where the laws are far apart,
    for integrands that mix the two laws' tails (f-divergences).
    owned: with bounds, which support ends and atoms (P's jumps, then Q's) the frame
    holds (`frames.owned`); the others are breaks without a gradient here.
    cells: the panel next to a singular support end becomes one cell of known masses
    (`endcells`), for integrands of the two densities.
    """
    n = n or PANEL_NODES.get()
    if atoms and not (P.has_continuous or Q.has_continuous):
        return _atom_nodes(P, Q)                # densities of atoms only: no line mesh
    if decay is None:
        decay = min(P.tails()[0], Q.tails()[0]) + 1.0
    power = tail_power(decay)
    if refine is not None:
        # (its breaks snapped too: a crossing's graded breaks close in on a jump at a
        # uniform's end, and the last ones, an ulp from the end, had taken its Leibniz
        # term: JS's derivative in that end 0.0011 for −0.0142; seed 3002)
        attached = _cat([P.jumps(), Q.jumps()])
        breaks = _carried(torch.sort(_cat([refine[0], _snapped(refine[1], attached)]),
                                     dim=-1).values, attached)
    else:
        breaks = _breaks_1d(P, Q, kink, peak, n, bounds, reach, owned, coarse, power)
    wc = None
    if coarse:
        x, w, wc = line_points(breaks, n, N_TAIL, COARSE_NODES, split, power)
    else:
        x, w = line_points(breaks, n, N_TAIL, split=split, power=power)
    # ascending, and a tail's weights grow outwards: the extremes are among the end nodes;
    # a weight can overflow only at nodes beyond 1e300 (it is at most ~100 times x there)
    if not absmax(x[..., [0, -1]]) < 1e300 and not math.isfinite(absmax(_cat(
            [t[..., _ENDS] if x.shape[-1] > 8 else t for t in (x, w, wc) if t is not None]))):
        # a tail mapped past the float range (a Student t of index 0.095 and scale 3e168):
        # nodes at ±inf carry no mass, weight 0, not inf (inf · 0 = nan in the sums); and
        # so do nodes whose weight overflowed (a Cauchy's tail map from 7.8e304, split in
        # 8: weight inf at x = 1.005e308, where the density is 1e-460)
        finite = torch.isfinite(x.detach()) & torch.isfinite(w.detach())
        if wc is not None:
            finite &= torch.isfinite(wc.detach())
        w = torch.where(finite, w, torch.zeros_like(w))
        wc = None if wc is None else torch.where(finite, wc, torch.zeros_like(wc))
        # and their densities are read at the largest double: at ±inf a Student t's
        # log-density is −inf, and ∂/∂ν of its (ν + 1)/2 · inf made 0 · inf = nan
        x = torch.nan_to_num(x, posinf=FLOAT_MAX, neginf=-FLOAT_MAX)
    if bounds is not None:
        inside = (x.detach() >= bounds[0].unsqueeze(-1)) & (x.detach() < bounds[1].unsqueeze(-1))
        w = torch.where(inside, w, torch.zeros_like(w))
        wc = None if wc is None else torch.where(inside, wc, torch.zeros_like(wc))
    lp, lq = P.log_density(x), Q.log_density(x)
    carried, cell_error, power, covered = 0.0, 0.0, None, frozenset()
    if cells and P.comps and Q.comps:
        keep, entries, carried, cell_error = end_cells(P, Q, x, breaks, bounds)
        inside, power, covered = power_cells(P, Q, x, breaks, keep, bounds)
        if entries or power is not None:
            keep = keep & ~inside
            w = torch.where(keep, w, torch.zeros_like(w))
            wc = None if wc is None else torch.where(keep, wc, torch.zeros_like(wc))
        if entries:
            x, w, lp, lq = (_cat([t] + [e[i] for e in entries])
                            for i, t in enumerate((x, w, lp, lq)))
            wc = None if wc is None else _cat([wc] + [e[1] for e in entries])
    if atoms:
        aloc, aw, alp, alq = atom_entries(P, Q)
        if aloc.shape[-1]:
            x, w, lp, lq = (_cat([x, aloc]), _cat([w, aw]), _cat([lp, alp]), _cat([lq, alq]))
            wc = None if wc is None else _cat([wc, aw])
    return Nodes(x, w, lp, lq, wc, breaks, carried, cell_error,
                 lambda: (P.log_neg_log_density(x), Q.log_neg_log_density(x)), power, covered)



def _in_bounds(pts: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """A frame's mesh points: those inside [lo, hi], and its finite bounds."""
    batch = np.broadcast_shapes(pts.shape[:-1], lo.shape)
    pts = np.broadcast_to(pts, batch + pts.shape[-1:]).reshape(-1, pts.shape[-1])
    lo, hi = np.broadcast_to(lo, batch).reshape(-1), np.broadcast_to(hi, batch).reshape(-1)
    rows = []
    for r, a, b in zip(pts, lo, hi, strict=True):
        ends = [e for e in (a, b) if np.isfinite(e)]
        rows.append(np.sort(np.concatenate([r[(r >= a) & (r <= b)], ends or [0.0]])))
    k = max(len(r) for r in rows)
    out = np.stack([np.pad(r, (0, k - len(r)), mode="edge") for r in rows])
    return out.reshape(batch + (k,))


def join(parts: list[Nodes]) -> Nodes:
    """One node set from several (frames): their nodes side by side."""
    wc = None if parts[0].w_coarse is None else _cat([n.w_coarse for n in parts])
    return Nodes(*(_cat([getattr(n, f) for n in parts]) for f in ("x", "w", "lp", "lq")), wc,
                 cell_mass=sum(n.cell_mass for n in parts),
                 cell_error=sum(n.cell_error for n in parts),
                 far_log=lambda: _joined_far_log(parts),
                 power=PowerCells.join([n.power for n in parts]),
                 covered=frozenset().union(*(n.covered for n in parts)))


def _joined_far_log(parts: list[Nodes]) -> tuple[torch.Tensor, torch.Tensor]:
    bound = [((torch.full_like(n.lp.detach(), LOST_LOG), False),) * 2 for n in parts]
    got = [n.far_log() if n.far_log is not None else b for n, b in zip(parts, bound, strict=True)]
    return tuple((_cat([g[k][0] for g in got]), all(g[k][1] for g in got)) for k in (0, 1))


def _atom_nodes(P: Measure1D, Q: Measure1D) -> Nodes:
    aloc, aw, alp, alq = atom_entries(P, Q)
    return Nodes(aloc, aw, alp, alq)
