"""Local frames: integrate near each narrow law in coordinates centred on it.

A float x near 1e17 is only known to ±8, so a law of scale 2 there cannot be integrated
in the global coordinate: its quantile panels collapse and its density is evaluated at
the wrong points (JS read 1.45, above its maximum ln 2). Divergences do not change when
both laws move together, so the engine integrates in frames: each frame is centred on
the narrowest law not yet served (an anchor c), every law is shifted by −c there
(`Measure1D.shifted`, exact for location families), and the frame covers the part of
the line between the midpoints to its neighbours. With
one law far from another, each gets its own frame; with both far from 0 but close to
each other, one shifted frame serves both.

`conditioning` says how many digits the frames keep: the largest |centre − anchor| /
width (times the float epsilon) over the laws; laws that no frame can serve (a gamma of
concentration 1e30 has width 1e15 at 1e30, whatever the frame) make it large, and the
engine then marks the value as not accurate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from ..distributions.continuous import Continuous1D, LogNormalLaw, NormalLaw
from ..distributions.measure import Measure1D, _cat
from ..distributions.mesh import END_POWER, FLOAT_TINY
from .endcells import regular_at
from .powercells import JOINT, end_key

# A law is served by an anchor within RATIO widths of its centre: positions there keep
# about 12 of float64's 16 digits relative to its width.
RATIO = 1e4
MAX_FRAMES = 8
EPS = float(np.finfo(np.float64).eps)


@dataclass(frozen=True)
class Frames:
    """K frames per batch row: anchors c and bounds [lo, hi] (..., K), detached. A frame
    with lo = hi is empty (rows that need fewer frames than others)."""

    anchor: torch.Tensor
    lo: torch.Tensor
    hi: torch.Tensor


def _movable(law) -> bool:
    """Does the law shift its own parameters (else it is evaluated at x + c)?"""
    return type(law).shifted is not Continuous1D.shifted


def _centres_widths(P: Measure1D, Q: Measure1D
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centres, widths (batch + (C,)) and which laws are movable (C,)."""
    laws = [law for M in (P, Q) for law in M.comps]
    m, w = centres_widths(laws)
    movable = np.array([_movable(law) for law in laws])
    return m, w, movable


def centres_widths(laws) -> tuple[np.ndarray, np.ndarray]:
    """The laws' centres and widths (floored at the smallest double), batch + (C,).

    Called several times for every value (recentring, rescaling, frames): arrays of one
    shape (a single value) are joined as they are, and a sweep's (N, 1) beside (1,)
    filled in place; np.broadcast_to on each took 20 µs of a 500 µs sweep."""
    parts = [law.centre_width_np() for law in laws]
    arrs = [a for pair in parts for a in pair]
    shape = arrs[0].shape
    if all(a.shape == shape for a in arrs):
        m = np.concatenate([c for c, _ in parts], -1)
        w = np.concatenate([wd for _, wd in parts], -1)
    elif all(a.shape[-1:] == (1,) and a.ndim <= 2 for a in arrs):
        batch = max((a.shape[:-1] for a in arrs), key=len)
        m = np.empty(batch + (len(parts),))
        w = np.empty(batch + (len(parts),))
        for j, (c, wd) in enumerate(parts):
            m[..., j] = c[..., 0]
            w[..., j] = wd[..., 0]
    else:
        batch = np.broadcast_shapes(*(a.shape[:-1] for a in arrs))
        m = np.concatenate([np.broadcast_to(c, batch + (1,)) for c, _ in parts], -1)
        w = np.concatenate([np.broadcast_to(wd, batch + (1,)) for _, wd in parts], -1)
    return m, np.maximum(w, FLOAT_TINY)


def _requested(P: Measure1D, Q: Measure1D) -> list[tuple[float, float]]:
    """(anchor, width) asked for by the laws themselves (a beta singular at 1), the width
    floored like `centres_widths`: a beta(0.0011, 0.0276) has its quartiles both at 0,
    and their difference, −2e-308, put the cut between frames at 4.5e15, so the frame at
    1 served nothing and the mass within 1e-16 of 1 was integrated where x rounds."""
    out = []
    negative = END_POWER.get()[0] < 0
    joint = JOINT.get()
    for name, M, other in (("p", P, Q), ("q", Q, P)):
        for c, law in enumerate(M.comps):
            anchors = getattr(law, "anchors_np", list)()
            vanishing = getattr(law, "vanishing_anchors_np", list)()
            if negative:
                # a density that vanishes at 1 under an integrand with a negative power
                # of it, beside a law with a positive density there (Neyman's q²/p of a
                # beta(1.11, 1.86) against a uniform, like d^-0.86: 0.7 % of its value
                # lay within 1e-16 of 1 and was 2.2656 ± 0.002 for 2.2826, seed 2052)
                anchors = anchors + [
                    e for e in vanishing
                    if any(bool(regular_at(o, torch.tensor([e], dtype=torch.float64)).any())
                           for o in other.comps)]
            if end_key(name, c, 1) in joint:
                # the integrand keeps a share within 1e-16 of the end, beside another law
                # ending there too (`powercells.JOINT`: p²/q of two betas vanishing at 1
                # at nearly cancelling rates)
                anchors = anchors + [e for e in vanishing if e not in anchors]
            if anchors:
                width = max(float(np.max(law.centre_width_np()[1])), FLOAT_TINY)
                out += [(a, width) for a in anchors]
    return out


def _row_frames(m: np.ndarray, w: np.ndarray, movable: np.ndarray,
                requested: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """(anchor, width) of each frame for one row, ascending: narrowest movable law
    first; the laws that cannot move are served by whatever frame they fall in."""
    served = ~movable | (np.abs(m) <= RATIO * w)
    anchors = [(0.0, float(w.min()))] if served.any() or requested else []
    anchors += [r for r in requested if r[0] != 0.0]
    for j in np.argsort(w, kind="stable"):
        if served[j]:
            continue
        c = float(m[j])
        anchors.append((c, float(w[j])))
        served |= np.abs(m - c) <= RATIO * w
    return sorted(anchors)


def frames(P: Measure1D, Q: Measure1D) -> tuple[Frames | None, float]:
    """The frames for a 1-D pair (None when the global frame serves every law, the usual
    case: no law lies more than RATIO widths from 0), and their `conditioning`."""
    if not (P.comps or Q.comps):
        return None, 0.0
    m, w, movable = _centres_widths(P, Q)
    requested = _requested(P, Q)
    if bool((~movable | (np.abs(m) <= RATIO * w)).all()) and not requested:
        return None, conditioning(m, w, movable, None)
    batch = m.shape[:-1]
    rows = [_row_frames(mr, wr, movable, requested)
            for mr, wr in zip(m.reshape(-1, m.shape[-1]), w.reshape(-1, w.shape[-1]),
                              strict=True)]
    k = min(max(len(r) for r in rows), MAX_FRAMES)
    anchor = np.zeros((len(rows), k))
    lo = np.zeros((len(rows), k))
    hi = np.zeros((len(rows), k))
    for i, r in enumerate(rows):
        r = _merge(r, k)
        cuts = [-np.inf] + [_cut(a, b)
                            for (a, _), (b, _) in zip(r[:-1], r[1:], strict=True)] + [np.inf]
        for j, (c, _) in enumerate(r):
            anchor[i, j], lo[i, j], hi[i, j] = c, cuts[j], cuts[j + 1]
        anchor[i, len(r):] = r[-1][0]              # empty frames: lo = hi = 0 → no nodes
    anchor, lo, hi = (torch.as_tensor(a.reshape(batch + (k,)), dtype=torch.float64)
                      for a in (anchor, lo, hi))
    fr = Frames(anchor, lo, hi)
    return fr, conditioning(m, w, movable, fr)


def _cut(a: float, b: float) -> float:
    """The border between the frames at anchors a < b: their midpoint, where a position
    keeps the same relative precision in either frame. A law with a frame of its own
    lies more than RATIO/2 of its widths from the border. A cut weighted by the widths put
    the border between a Cauchy of scale 3e-100 at 1.17 and one of scale 10 at 2.3e186
    at 6.5e85: beyond it, 100 decades of √(pq) ∝ 1/|x − 1.17| lay within one ulp of the
    wide law's frame (Bhattacharyya 536.137 ± 4e-4, truly 536.029). (a/2 + b/2: b − a
    may overflow.)"""
    return a / 2 + b / 2


def owned(P: Measure1D, Q: Measure1D, fr: Frames, k: int) -> torch.Tensor:
    """Which support ends and atoms (P's `jumps`, then Q's) frame k holds: lo ≤ e < hi,
    decided in the global coordinate, before any shift. A frame's own coordinate may
    round an end of another frame onto its border (a uniform 4 wide at −8e4, seen from
    a frame at −1e30, lies within an ulp of the border 4e10 below it); a panel of that
    frame ending there then carried the end's Leibniz term a second time (W1's
    ∂/∂low came out 0.82 where it is 0.28). Each end moves panels in one frame only."""
    e = _cat([P.jumps(), Q.jumps()]).detach()
    return (e >= fr.lo[..., k].unsqueeze(-1)) & (e < fr.hi[..., k].unsqueeze(-1))


def _merge(r: list[tuple[float, float]], k: int) -> list[tuple[float, float]]:
    """At most k frames: the closest neighbours merge (the wider anchor is dropped)."""
    r = list(r)
    while len(r) > k:
        gaps = [r[j + 1][0] - r[j][0] for j in range(len(r) - 1)]
        j = int(np.argmin(gaps))
        r.pop(j if r[j][1] > r[j + 1][1] else j + 1)
    return r


def conditioning(m: np.ndarray, w: np.ndarray, movable: np.ndarray,
                 fr: Frames | None) -> float:
    """Relative precision of positions, in units of each law's width, in the frames used
    (the largest over laws and rows): about 1e-16 when every law is well served."""
    dist = np.abs(m)
    if fr is not None:
        a = fr.anchor.numpy()
        near = np.abs(m[..., :, None] - a[..., None, :]).min(-1)
        dist = np.where(movable, near, dist)
    return float(np.max((dist + w) * EPS / w))


def logged(P, Q):
    """P and Q as the laws of log X where both are made of lognormals alone (no atoms,
    not moved), else P and Q as they are. Every divergence but the transport ones (W1,
    W2, MMD, energy) is unchanged when one bijection maps both laws, and log X is a
    normal (mixture): a lognormal of σ 4.6 spans e^±30, which x-space panels resolved to
    1e-7 only, and its gradients to 1e-6; in log space the pair is two normals, whose
    closed forms (KL, Hellinger, α, Rényi, ...) and quadrature (JS, TV) are exact. The
    parameters keep their names: lognormal(loc, scale) is exp of normal(loc, scale)."""
    if P.dim != 1 or P.has_atoms or Q.has_atoms or not (P.comps and Q.comps):
        return P, Q
    laws = [*P.comps, *Q.comps]
    if not all(type(law) is LogNormalLaw for law in laws):
        return P, Q

    def log_of(M):
        return Measure1D([NormalLaw(law.loc[..., 0], law.scale[..., 0]) for law in M.comps],
                         M.comp_w, M.atom_loc, M.atom_w)
    return log_of(P), log_of(Q)


def recentred(P, Q):
    """P and Q moved together (every divergence is unchanged) so that one frame at 0
    serves them both, where one anchor can: two laws near 1e12 are then integrated near
    0 by every method (Wasserstein, MMD and energy too, which have no frames of their
    own). Otherwise P and Q as they are."""
    if P.dim != 1 or not (P.comps or Q.comps) or _requested(P, Q) or _singular_end(P, Q):
        return P, Q
    m, w, movable = _centres_widths(P, Q)
    if not movable.all() or bool((np.abs(m) <= RATIO * w).all()):
        return P, Q
    j = np.argmin(w, -1)
    c = np.take_along_axis(m, j[..., None], -1)                        # narrowest law
    if not bool((np.abs(m - c) <= RATIO * w).all()):
        return P, Q
    laws = [*P.comps, *Q.comps]
    k = int(j.flat[0])
    own = laws[k].location() if bool((j == k).all()) else None
    if own is None:
        shift = torch.as_tensor(c[..., 0], dtype=torch.float64)
        return P.shifted(shift), Q.shifted(shift)
    # One anchor law with a location parameter: shift by that parameter itself and pin
    # the anchor at exactly 0. Its location's gradient then flows through the other
    # laws' shifted positions alone; through the anchor's own nodes it would be two
    # sums of terms of 1/scale (4e281 for a Laplace of scale 2e-282) meant to cancel.
    Ps, Qs = P.shifted(own), Q.shifted(own)
    side, i = (Ps, k) if k < len(P.comps) else (Qs, k - len(P.comps))
    side.comps[i] = side.comps[i].at_origin()
    return Ps, Qs


def _singular_end(P: Measure1D, Q: Measure1D) -> bool:
    """Whether a law's density blows up at a support end (a beta's a or b below 1): its
    graded breaks reach 1e-300 from the end only where the end stays at 0 or 1. A beta(
    0.0062, 2.6) beside a uniform(0, 1) was moved by its median, 1e-49, and the half of its
    mass within 1e-49 of 0 fell between two doubles: TV 0.77 ± 0.015 for 0.97."""
    for law in (*P.comps, *Q.comps):
        for side in (-1, 1):
            s = law.end_exponent(side)
            if s is not None and float(s.detach().min()) < 1:
                return True
    return False


EXTREME = 1e100
SPREAD = 1e50
REACH = 1e300


def rescaled(P, Q):
    """P and Q measured in a unit of length (a power of two) between their widths, where
    those lie beyond 1e±100: a divergence that does not change when both laws stretch
    together (every one but the IPMs) is then computed with scales near 1, where closed
    forms and tail rules, which square the scales, stay in the float range."""
    P, Q, _ = rescaled_unit(P, Q)
    return P, Q


def rescaled_unit(P, Q):
    """(P, Q, unit) as `rescaled`, with the unit of length taken (1.0 where none was):
    W1, W2 and the energy distance are lengths, D(P, Q) = unit · D(P/unit, Q/unit)
    exactly, and two gammas of rate 7.7e174 otherwise sent their CDFs' derivatives in
    the rate through 1e-175 · 1e175 products and came back NaN."""
    if P.dim != 1 or not (P.comps or Q.comps):
        return P, Q, 1.0
    m, w, _ = _centres_widths(P, Q)
    lo, hi = float(w.min()), float(w.max())
    if (lo >= 1 / EXTREME and hi <= EXTREME) or hi > SPREAD * lo:
        # in range, or widths too far apart for one unit to bring them all near 1
        return P, Q, 1.0
    unit = 2.0 ** round(0.5 * (math.log2(lo) + math.log2(hi)))
    if float(np.max(np.abs(m))) / unit > REACH:
        # locations that would leave the float range in that unit (laws of width 1e-300
        # at ±1e300): as they are (their frames serve them)
        return P, Q, 1.0
    Ps, Qs = P.scaled(unit), Q.scaled(unit)
    return (P, Q, 1.0) if Ps is None or Qs is None else (Ps, Qs, unit)


APART = 8.0


def apart(P: Measure1D, Q: Measure1D) -> bool:
    """Whether some law of P and some law of Q lie more than APART widths apart (in some
    row): only then can an overlap peak between them, away from both meshes."""
    if not (P.comps and Q.comps):
        return False
    m, w, _ = _centres_widths(P, Q)
    k = len(P.comps)
    gap = np.abs(m[..., :k, None] - m[..., None, k:])
    return bool((gap > APART * (w[..., :k, None] + w[..., None, k:])).any())
