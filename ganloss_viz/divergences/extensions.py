"""Breaks beyond and between the laws' quantile meshes, for the 1-D node sets of
`nodes`: each law's tail extensions into a gap, the outer reach of laws far apart, the
switch points of a mixture's minor component, and the filling of wide gaps.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ..distributions.continuous import MESH_LEVELS
from ..distributions.measure import Measure1D
from .frames import centres_widths

PEAK_STEPS = 40          # graded breaks on each side of a peak, at most

_OUTER = np.array([MESH_LEVELS[0], MESH_LEVELS[1], MESH_LEVELS[-2], MESH_LEVELS[-1]])
_DOUBLINGS = np.arange(1, 48)      # breaks 2^j − 1 last panel widths out: 1, 3, 7, ...
MAX_DOUBLINGS = 2100               # a power tail's, from 1e-308 to 1e308 widths
_FACTORS = 2.0 ** _DOUBLINGS - 1.0


def _tail_extensions(P: Measure1D, Q: Measure1D, pts: np.ndarray) -> np.ndarray:
    """Breaks beyond each law's outermost quantiles, at 1, 3, 7, ... times its last panel's
    width, into the gap up to the next break of `pts` (a power tail's, up to the last:
    `_power_reach`). The law's tail decays there over a
    few widths, an integrand such as √(pq) reaches further than the law itself, and the
    next break may belong to another law far away (a lognormal of width 1e-4 beside an
    exponential: one panel across would lose 1e-7 of the Bhattacharyya coefficient).
    All laws at once, on arrays (..., law, point); none (the usual case: the laws' meshes
    overlap, or the gap is the tail map's) costs no more than finding that out."""
    laws = (*P.comps, *Q.comps)
    if not laws:
        return pts[..., :0]
    b = np.stack(np.broadcast_arrays(*(np.atleast_1d(law.quantile_np(_OUTER))
                                       for law in laws)), -2)               # (..., L, 4)
    # a power tail's integrand (√(pq) of a Cauchy under a law 1e194 wide: 1/|x|) has the
    # same share in every doubling out to the last break, however far: as many as needed
    heavy = np.array([law.tail_alpha < math.inf for law in laws])[:, None]
    near = pts[..., None, :]
    exts, oks = [], []
    for side, edge, inner in ((1, b[..., 3:], b[..., 2:3]), (-1, b[..., :1], b[..., 1:2])):
        step, collapsed = _last_step(laws, heavy, edge, inner)
        # only into the gap up to the next break of the mesh (another law's, usually
        # near: then nothing is added); none beyond (±inf) is the tail map's
        beyond = np.where(side * (near - edge) > step / 2, side * near, np.inf)
        nxt = side * beyond.min(-1, keepdims=True)
        j = _DOUBLINGS
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):  # (inf: not wanted)
            if heavy.any():
                nxt, j = _power_reach(heavy, side, edge, step, pts, nxt)
            ext = _doubled(edge, side, step, j)
            if j is not _DOUBLINGS:
                ext = np.where(heavy | (j <= _DOUBLINGS.size), ext, side * np.inf)
            # (+inf on the left had passed as a break before nxt: kl of a Student t at
            # 2e253 beside laws at −7e241 raised on 1875 infinite breaks)
            ok = np.isfinite(nxt) & np.isfinite(ext) & (side * (nxt - ext) > step)
            if collapsed.any():
                # none within 2^26 float spacings of a collapsed law: a panel ending on it
                # rounds its last node onto the law's centre, and weighs the peak density
                # by the panel's width (Q's mass 1e194, MMD inf, in one frame for both)
                ok &= ~collapsed | (side * (ext - edge) > 2.0 ** 26 * np.spacing(np.abs(edge)))
            ends = _support_ends(laws, side)
            if ends is not None:
                ok &= side * (ends - ext) > 0            # not beyond a finite support end
        exts.append(ext)
        oks.append(ok)
    if not (oks[0].any() or oks[1].any()):
        return pts[..., :0]
    ext, ok = np.broadcast_arrays(np.concatenate(exts, -1), np.concatenate(oks, -1))
    batch = ok.shape[:-2]
    ext, ok = ext.reshape(batch + (-1,)), ok.reshape(batch + (-1,))
    if not batch:
        return ext[ok]                            # one row: no padding
    count = int(ok.sum(-1).max())
    order = np.argsort(~ok, axis=-1, kind="stable")[..., :count]
    keep = np.take_along_axis(ok, order, -1)
    pad = np.broadcast_to(pts[..., :1], batch + (1,))
    return np.where(keep, np.take_along_axis(ext, order, -1), pad)


def _last_step(laws, heavy: np.ndarray, edge: np.ndarray, inner: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """(the width of each law's outermost panel, where it collapsed): a law narrower than
    the frame's float spacing (a Cauchy of scale 2e-153 at 2.3, seen from a frame at 0)
    has all its quantiles equal there, yet a power tail reaches across the frame: its
    doublings then start from its own width."""
    with np.errstate(invalid="ignore"):      # quantiles past the float range: inf − inf
        step = np.abs(edge - inner)
    collapsed = heavy & (step <= 1e-12 * np.abs(edge))
    if collapsed.any():
        width = np.stack(np.broadcast_arrays(*(law.centre_width_np()[1] for law in laws)), -2)
        step = np.where(collapsed, width, step)
    return step, collapsed


def _power_reach(heavy, side: int, edge, step, pts, nxt) -> tuple[np.ndarray, np.ndarray]:
    """(how far each law's doublings go, their exponents j): a power tail goes on through
    other laws' panels out to the mesh's last break (a Cauchy of scale 1e-300 at 0 under
    one of scale 1e300 at 1e300, whose quartile rounds to 1.5e284 and whose next break
    is 4.9e299, had √(pq) ∝ 1/x one panel across those 15 decades), with as many
    doublings as that takes (up to MAX_DOUBLINGS). (Under the caller's np.errstate.)"""
    last = side * (side * pts).max(-1, keepdims=True)[..., None]             # (..., 1, 1)
    beyond = heavy & np.isfinite(last) & (side * (last - edge) > step / 2)
    if not beyond.any():
        return nxt, _DOUBLINGS            # the usual case: the power tail's mesh is the widest
    nxt = np.where(beyond, last, nxt)
    span = np.log2(np.abs(nxt / 2 - edge / 2)) + 1.0 - np.log2(step)
    k = int(np.ceil(np.where(heavy & np.isfinite(span), span, 0.0).max()))
    j = np.arange(1, min(k, MAX_DOUBLINGS) + 1) if k > _DOUBLINGS.size else _DOUBLINGS
    return nxt, j


def _doubled(edge: np.ndarray, side: int, step: np.ndarray, j: np.ndarray) -> np.ndarray:
    """edge + side·(2^j − 1)·step, by ldexp beyond the usual 47 doublings: 2^j alone
    overflows past j = 1023, and a Cauchy of scale 1e-300 beside a law at 1e300 needs
    2000. (Under the caller's np.errstate: inf where it overflows.)"""
    if j is _DOUBLINGS:
        return edge + side * step * _FACTORS
    return edge + side * (np.ldexp(step, j) - step)


def _support_ends(laws, side: int) -> np.ndarray | None:
    """The laws' support ends on one side (..., L, 1), ±inf where unbounded; None where
    every law is unbounded there."""
    if _unbounded(laws, side):
        return None
    ends = [e.detach().numpy() if isinstance(e, torch.Tensor) else np.full(1, side * np.inf)
            for e in (law.hi if side > 0 else law.lo for law in laws)]
    return np.stack(np.broadcast_arrays(*ends), -2)


GAP_RATIO = 1000.0
NEAR = 3               # panels on each side of a gap that set its scale (`_fill_gaps`)


def _unbounded(laws, side: int) -> bool:
    return all(not isinstance(end, torch.Tensor)
               for end in (law.hi if side > 0 else law.lo for law in laws))


def _outer_reach(P: Measure1D, Q: Measure1D, pts: np.ndarray) -> np.ndarray:
    """Breaks beyond the mesh's two ends, doubling the end panel's width out to the mesh's
    span, where the span is more than GAP_RATIO end panels (laws far apart) and the
    support is unbounded on that side. Beyond a law far from the other, an integrand that
    mixes the two (√(pq) of heavy tails) keeps the other law's level out to the distance
    between them: a tail map scaled on the end panel alone would miss that mass, and its
    coarse rule with it."""
    s = np.sort(pts, -1)
    if s.shape[-1] < 2:
        return s[..., :0]
    laws = (*P.comps, *Q.comps)
    with np.errstate(over="ignore"):
        span = s[..., -1:] - s[..., :1]                  # (inf from −1e308 to 1e308)
    log_span = np.log2(s[..., -1:] / 2 - s[..., :1] / 2) + 1.0
    parts = []
    for side, edge, step in ((-1, s[..., :1], s[..., 1:2] - s[..., :1]),
                             (1, s[..., -1:], s[..., -1:] - s[..., -2:-1])):
        if not _unbounded(laws, side):
            continue
        step = np.maximum(step, np.abs(edge) * 1e-15 + 1e-300)
        far = log_span > math.log2(GAP_RATIO) + np.log2(step)
        if not far.any():
            continue
        k = min(int(np.ceil(float((log_span - np.log2(step))[far].max()))) + 1, MAX_DOUBLINGS)
        with np.errstate(over="ignore", invalid="ignore"):
            ext = _doubled(edge, side, step, np.arange(1, k + 1))
        ok = far & (side * (ext - edge) <= span) & (np.abs(ext) <= 1e307)
        parts.append(np.where(ok, ext, edge))
    return np.concatenate(parts, -1) if parts else s[..., :0]


def _switch_breaks(P: Measure1D, Q: Measure1D, pts: np.ndarray) -> np.ndarray:
    """Graded breaks where a mixture with a minor component (`MINOR_WEIGHT`), or with
    components of widths far apart (`WIDTH_RATIO`), changes its leading component
    (log w_a p_a = log w_b p_b) inside a panel much wider than the switch, out to
    beyond the mesh's ends (a single pair only). A weight w of 5e-199
    leaves the value untouched there, but the derivative in w weighs p_a/√p ∝ w^(−1/2)
    (Hellinger): its mass sits at the switch (x = 53.9 for a lognormal at 16 beside a
    gamma at 0.1), past the lognormal's last quantile, where the tail map alone put it
    off by a factor 2.1."""
    mixtures = [M for M in (P, Q)
                if len(M.comps) > 1 and (_minor_weight(M) or _widths_apart(M))]
    if not mixtures or pts.ndim != 1 and int(np.prod(pts.shape[:-1])) != 1:
        return pts[..., :0]
    s = np.unique(pts[np.isfinite(pts)])
    if s.size < 2:
        return pts[..., :0]
    out = []
    with torch.no_grad():
        for M in mixtures:
            lw = M.comp_w.detach().reshape(-1).log()

            def terms(t: torch.Tensor, M=M, lw=lw) -> torch.Tensor:
                return torch.stack([lw[c] + law.log_prob(t).reshape(-1)
                                    for c, law in enumerate(M.comps)])

            probe = np.sort(np.concatenate([s, *_outward(s, terms)]))
            x = torch.as_tensor(probe, dtype=torch.float64)
            v = terms(x)
            best, dom = v.max(0)
            live = torch.isfinite(best[:-1]) & torch.isfinite(best[1:]) & (dom[:-1] != dom[1:])
            for i in torch.nonzero(live).reshape(-1).tolist():
                a, b = int(dom[i]), int(dom[i + 1])
                # log(w_a p_a / w_b p_b) falls by this much across the probe panel: the
                # switch is sharp against the panel where it is large
                jump = float((v[a, i] - v[b, i]) - (v[a, i + 1] - v[b, i + 1]))
                if jump > 8:
                    out.append(_graded_switch(terms, (a, b), probe, i, s, jump))
    out = [o for o in out if o.size]
    if not out:
        return pts[..., :0]
    return np.concatenate(out).reshape(pts.shape[:-1] + (-1,))


SWITCH_GRID = 65
# A component's weight share below which its switches are sought: the derivative in a
# weight w grows like w^(−1/2) where the component leads only far out (Hellinger, JS,
# ...). With ordinary shares the mesh's tail map holds it (four sessions of the search's
# mixtures found no such case), and the probing would cost a mixture's single value
# about a quarter of its time.
MINOR_WEIGHT = 1e-3


def _minor_weight(M: Measure1D) -> bool:
    w = M.comp_w.detach()
    return bool((w < MINOR_WEIGHT * w.sum(-1, keepdim=True)).any())


# Components whose widths differ by more than this switch sharply where the narrow one's
# log-density, falling z²/2 against the other's slope, meets it: a normal of scale 3.4e-4
# beside a lognormal leads out to z = 10.8, past its own mesh, and reverse KL's
# derivative in its scale was 1.7e-5 off there (search seed 2045).
WIDTH_RATIO = 10.0


def _widths_apart(M: Measure1D) -> bool:
    _, w = centres_widths(M.comps)
    return bool((w.max(-1) > WIDTH_RATIO * w.min(-1)).any())

# Where the mixture's largest log-term is below this, every node's density is 0 in
# float64 (and its gradient with it): no switch out there can matter.
SWITCH_FLOOR = -1500.0


def _outward(s: np.ndarray, terms) -> list[np.ndarray]:
    """Probe points beyond the mesh's ends, doubling the end panel's width, out to where
    the mixture's density is below SWITCH_FLOOR (e^-1500; 1e307 at most): a normal's
    tail ends after a few doublings, a Cauchy's near 1e300. Found on every 8th point
    first, so that the long runs of a light tail cost little."""
    parts = []
    for side, edge, step in ((-1, s[0], s[1] - s[0]), (1, s[-1], s[-1] - s[-2])):
        step = max(step, abs(edge) * 1e-15, 1e-300)
        k = np.arange(1, int(np.log2(1e307) - np.log2(step)) + 1)
        ext = edge + side * (np.ldexp(step, k) - step)      # 2^k alone would overflow
        ext = ext[np.abs(ext) <= 1e307]
        top = terms(torch.as_tensor(ext[::8], dtype=torch.float64)).max(0).values
        dead = torch.nonzero(~(top > SWITCH_FLOOR)).reshape(-1)
        parts.append(ext[:8 * int(dead[0]) + 1] if dead.numel() else ext)
    return parts


def _graded_switch(terms, pair: tuple[int, int], probe: np.ndarray, i: int, s: np.ndarray,
                   jump: float) -> np.ndarray:
    """The breaks of one switch inside the probe panel i (see `_switch_breaks`): its
    root, found on grids of SWITCH_GRID points until known to 1e-3 of the switch's own
    width 1/slope, then breaks doubling away from it within the panel, and beyond it out
    to 64 widths."""
    a, b = pair
    lo, hi = float(probe[i]), float(probe[i + 1])
    slope = jump / (hi - lo)
    for _ in range(8):
        grid = torch.linspace(lo, hi, SWITCH_GRID, dtype=torch.float64)
        v = terms(grid)
        d = v[a] - v[b]
        k = int(torch.nonzero(d < 0).reshape(-1)[0]) if bool((d < 0).any()) else SWITCH_GRID - 1
        k = max(k, 1)
        lo, hi = float(grid[k - 1]), float(grid[k])
        drop = float(d[k - 1] - d[k])
        if math.isfinite(drop) and drop > 0:
            slope = drop / (hi - lo)
        if (hi - lo) * slope < 1e-3:
            break
    root = 0.5 * (lo + hi)
    steps = 2.0 ** np.arange(PEAK_STEPS) / slope
    grid = np.concatenate([[root], root - steps, root + steps])
    # past a mesh end, the outward probes up to the switch become breaks too
    beyond = probe[((probe > s[-1]) & (probe <= probe[i + 1]))
                   | ((probe < s[0]) & (probe >= probe[i]))]
    # and across the probe panel's ends within 64 switch widths: on the side where the
    # other component leads, the share still falls e-fold per width (a normal of weight
    # 3e-242 taking over from another at x = 45.3: ∂KL/∂weight was 2e-4 off, one panel
    # from 40.5 to 45.1 holding 100 e-folds of it; search seed 2043)
    keep = ((grid > probe[i]) & (grid < probe[i + 1])) | (np.abs(grid - root) <= 64 / slope)
    return np.concatenate([grid[keep], probe[i:i + 2], beyond])


def _fill_gaps(pts: np.ndarray) -> np.ndarray:
    """Mesh points with gaps filled: where two consecutive points are far apart compared
    with the panels beside them (two laws far apart, a frame's bound), breaks doubling
    their distance from each side up to the middle. A law's tail beyond its outermost
    quantile decays over a few widths; one Gauss-Legendre panel across the whole gap
    would miss it. One side alone is filled where the gap is wide against its panels
    only: a narrow law's tail past a wide law's break (a Laplace of scale 0.12 whose
    √q went on past a Student t's median, into the t's next panel of 1e4: Hellinger
    1.1e-10 off under an error of 2.9e-11, search seed 2061)."""
    s = np.sort(pts, -1)
    if s.shape[-1] < 3:
        return s
    g = np.diff(s, axis=-1)
    # The panels beside a gap: the widest of the NEAR panels on each side (0: none). Two
    # laws' meshes that nearly coincide (two Student t's 2 apart, quantiles out to 1e19)
    # leave pairs of points 2 apart between their own panels of 1e18: one panel of 2
    # beside each gap would have it filled with 2 x 62 doublings (2400 breaks, 28 000
    # nodes, gigabytes in W1's CDFs and MMD's kernel matrix).
    pad = np.zeros(g.shape[:-1] + (NEAR,))   # (not g's first NEAR: there may be fewer)
    wide_g = np.concatenate([pad, g, pad], -1)
    n = g.shape[-1]
    left = np.max([wide_g[..., NEAR - k:NEAR - k + n] for k in range(1, NEAR + 1)], 0)
    right = np.max([wide_g[..., NEAR + k:NEAR + k + n] for k in range(1, NEAR + 1)], 0)
    with np.errstate(over="ignore"):        # (a ratio past 1.8e308: no gap is that wide)
        both = g > GAP_RATIO * np.maximum(np.maximum(left, right), 1e-300)
        # one side alone only where it has its NEAR panels: a law's tail, not the stray
        # pair of points at the mesh's end (two components 5e-5 apart, their outermost
        # quantiles a sliver: filled from it, the tail map took its scale from 5e-5)
        j = np.arange(n)
        from_left = (left > 0) & (both | (g > GAP_RATIO * left) & (j >= NEAR))
        from_right = (right > 0) & (both | (g > GAP_RATIO * right) & (j < n - NEAR))
    wide = from_left | from_right
    if not wide.any():
        return s
    batch = s.shape[:-1]
    flat, flat_g = s.reshape(-1, s.shape[-1]), g.reshape(-1, g.shape[-1])
    flat_l, flat_r = left.reshape(flat_g.shape), right.reshape(flat_g.shape)
    flat_fl, flat_fr = from_left.reshape(flat_g.shape), from_right.reshape(flat_g.shape)
    flat_w = wide.reshape(flat_g.shape)
    extras = {}
    for i in np.nonzero(flat_w.any(-1))[0]:
        r, gr, lr, rr = flat[i], flat_g[i], flat_l[i], flat_r[i]
        extra = []
        for j in np.nonzero(flat_w[i])[0]:
            a, b = r[j], r[j + 1]
            mid = a + gr[j] / 2
            for edge, step, side, fill in ((a, lr[j], 1.0, flat_fl[i, j]),
                                           (b, rr[j], -1.0, flat_fr[i, j])):
                if not fill:
                    continue
                step = max(step, abs(edge) * 1e-15)
                while side * (mid - edge) > step:
                    extra.append(edge + side * step)
                    step *= 2.0
        extras[i] = extra
    k = max(len(e) for e in extras.values())
    out = np.concatenate([flat, np.repeat(flat[:, -1:], k, -1)], -1)
    for i, extra in extras.items():
        out[i, flat.shape[-1]:flat.shape[-1] + len(extra)] = extra
    return np.sort(out, -1).reshape(batch + (out.shape[-1],))


def _batch_align(*arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    """Point sets of a batch, broadcast to one batch shape (to be concatenated)."""
    shapes = [a.shape[:-1] for a in arrays]
    if all(s == shapes[0] for s in shapes):
        return arrays                       # the usual case (a single value): as they are
    batch = np.broadcast_shapes(*shapes)
    return tuple(np.broadcast_to(a, batch + a.shape[-1:]) for a in arrays)
