"""W1, W2 and the energy distance in 1-D, from CDFs and quantiles.

W1 = ∫|F_P - F_Q| (panels broken where the CDFs cross), W2 = (∫_0^1 (F_P^-1 -
F_Q^-1)^2 du)^½ with quantiles found by bisection and differentiated by the implicit
function theorem (dx/dθ = -∂F/∂θ / p), energy = 2∫(F_P - F_Q)^2 (Székely & Rizzo).
Infinite values come from power tails: W_r is infinite when a tail has index <= r and
the two tails differ at leading order. MMD, and the closed forms for Gaussian mixtures
(atoms, ring, grid, products of normals) and the plane's lines and points, are in
`kernels`.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch.utils.checkpoint import checkpoint

from ..distributions.continuous import LogNormalLaw, _np, ndtri
from ..distributions.measure import Measure1D, _cat
from ..distributions.mesh import FLOAT_MAX
from ..distributions.quadrature import panel_nodes
from .frames import centres_widths, frames, owned
from .gaussian import safe_sqrt
from .integrals import REFINE
from .nodes import nodes_1d
from .precision import EMBEDDED_ERROR, PANEL_NODES
from .stable import EPS

_GRADED_U = 10.0 ** -np.arange(1, 31, dtype=np.float64)      # a break every decade
_BIG = 1e308         # the widest bracket a quantile search may take
CHUNK = 8192         # nodes whose CDFs are evaluated at once (`_in_chunks`)
_TOP = 1e-15          # levels above 1 - _TOP are not representable: tails done analytically


# The moment order each distance needs: it is finite only while ∫|F_P − F_Q|^k converges,
# which a power tail of index at most this decides (`tails_infinite`).
TAIL_ORDER = {"w1": 1.0, "w2": 2.0, "energy": 0.5}


def tails_infinite(P: Measure1D, Q: Measure1D, order: float) -> torch.Tensor:
    """True where ∫|F_P - F_Q|^k diverges for a distance whose moments are of `order`."""
    ap, cp = P.tails()
    aq, cq = Q.tails()
    if min(ap, aq) > order:
        return torch.zeros((), dtype=torch.bool)
    # a row whose heaviest components have weight 0 has no such tail (coef 0)
    ap, aq = np.where(np.asarray(cp) > 0, ap, np.inf), np.where(np.asarray(cq) > 0, aq, np.inf)
    same = (ap == aq) & np.isclose(cp, cq, rtol=1e-12, atol=0.0)
    return torch.as_tensor(~np.asarray(same) & (np.minimum(ap, aq) <= order))


def _refined(f, P: Measure1D, Q: Measure1D, power: float, kink=None, tails=None
             ) -> tuple[torch.Tensor, float | None]:
    """∫ f(P, Q, x) dx on the pair's nodes with its error, panels cut 2, 4, 8 times until
    the embedded coarser rule agrees to 1e-10 relative (single values: a sweep, which
    carries no coarse rule, takes one pass and no error). f is |F_P − F_Q|^power: it decays
    like the heavier survival function to that power. Laws far apart are integrated frame
    by frame (frames.py), each in coordinates centred on its anchor: at 1e20 from the
    other law, absolute coordinates would round a unit-scale law's shape away, and with it
    the whole of ∂/∂loc. tails(A, B, nodes, ok, bounds): corrections to both rules' sums
    and an error of its own (`heavy_tails`), or None."""
    decay = power * min(P.tails()[0], Q.tails()[0])
    fr, _ = frames(P, Q)
    pairs = [(P, Q, None, None)] if fr is None else [
        (P.shifted(fr.anchor[..., k]), Q.shifted(fr.anchor[..., k]),
         (fr.lo[..., k] - fr.anchor[..., k], fr.hi[..., k] - fr.anchor[..., k]),
         owned(P, Q, fr, k))
        for k in range(fr.anchor.shape[-1])]
    for split in REFINE:
        total = coarse = closed = 0.0
        last = []
        for A, B, bounds, own in pairs:
            n = nodes_1d(A, B, kink=None if kink is None else (lambda x, A=A, B=B: kink(A, B, x)),
                         atoms=False, coarse=EMBEDDED_ERROR.get(), split=split, decay=decay,
                         bounds=bounds, owned=own)
            # Nodes of a tail mapped past the float range carry no mass, nor do a frame's
            # nodes outside its bounds, weight 0 in both rules (where a CDF 1e166 from
            # the frame's law may be NaN, and NaN · 0 is NaN): left out, evaluated at 0.
            # The weights go in as fractions of a power of two, 2^k ≥ their largest: a
            # weight of 1e257 (a panel across a gap that wide) times a density's inner
            # derivative would overflow the backward pass to inf · 0 = NaN.
            weighted = n.w.detach() != 0
            if n.w_coarse is not None:
                weighted = weighted | (n.w_coarse.detach() != 0)
            ok = torch.isfinite(n.x.detach()) & weighted
            last.append((A, B, n, ok))
            v = _in_chunks(lambda x, A=A, B=B: f(A, B, x),
                           torch.where(ok, n.x, torch.zeros_like(n.x)))
            total = total + _scaled_sum(n.w, v, ok)
            if n.w_coarse is not None:
                coarse = coarse + _scaled_sum(n.w_coarse, v, ok)
            fix = None if tails is None else tails(A, B, n, ok, bounds)
            if fix is not None:
                total, coarse, closed = total + fix[0], coarse + fix[1], closed + fix[2]
        if not EMBEDDED_ERROR.get():
            return total, None
        error = float((total - coarse).detach().abs().max())
        if error <= 1e-10 * float(total.detach().abs().max()) + 1e-14:
            break
    return total, error + closed + _cdf_rounding(last, power)


# Components of a power tail's index below HEAVY take W1's tails in closed form: the
# tails' power maps miss much of it near 1. In a frame of laws far apart, below
# HEAVY_FRAMED: a tail map scaled on another law misses it at any index (a beta beside a t
# of index 1.54 at 1.9e10: ∂W1/∂df half its value). Not everywhere: the t's CDFs at the
# tail nodes cost W1 of t(2.5) ‖ normal 60 % more, for nothing the nodes miss. Above 3
# the closed form's two terms would cancel to ~1/ν of them.
HEAVY, HEAVY_FRAMED = 1.5, 3.0


def heavy_tails(A: Measure1D, B: Measure1D, n, ok: torch.Tensor, bounds
                ) -> tuple[torch.Tensor, torch.Tensor, float] | None:
    """W1's tails past the outermost breaks for components of index in (1, HEAVY), up to
    HEAVY_FRAMED in a frame, whose tails' integrals have a closed form (`stop_loss`: the
    Student t). There the gap |F_A − F_B| decays like |x|^−ν, ν near 1, which no node
    map follows (2/(ν − 1) would be its power, and a t of index 1.0155 keeps a fifth of
    its tail's integral past the largest double: W1 against a t of index 1.112 came out
    192.17 ± 0.24 for 193.34, search seed 2067). Where the gap keeps one sign σ over a
    tail (every node there, and the heaviest tails' balance beyond), its integral is
    σ Σ_c a_c ∫ S_c (a_c: A's weights, B's negated): each such component's quadrature is
    swapped for its closed form in both rules, and the lighter ones stay with the nodes.
    Where the heaviest tails say the sign turns past the last node (a t of index 1.0155
    against one of 1.0156 and scale 1e6 crosses at 1e70683), twice their integral beyond
    that node goes to the error; where the nodes see both signs, no swap, and the whole
    closed form.
    (fine correction, coarse correction, error) of batch shape, or None."""
    limit = HEAVY if bounds is None else HEAVY_FRAMED
    heavy = [(sign * M.comp_w[..., c], law)
             for sign, M in ((1.0, A), (-1.0, B)) for c, law in enumerate(M.comps)
             if hasattr(law, "stop_loss") and law.tail_alpha < limit
             and bool((law.df.detach() > 1).all())]
    if not heavy:
        return None
    fix = fix_c = torch.zeros((), dtype=torch.float64)
    error = 0.0
    for side in (1, -1):
        tail = _tail_part(n, ok, side)
        if tail is None:
            continue
        edge, part, xt, mt = tail
        w, wc = n.w[..., part], None if n.w_coarse is None else n.w_coarse[..., part]
        with torch.no_grad():
            gap = torch.where(mt, cdf_gap(A, B, xt), torch.zeros_like(xt))
        sigma = torch.where((gap >= 0).all(-1), 1.0, -1.0)        # the gap's sign there
        whole = mt.any(-1) & ((gap >= 0).all(-1) | (gap <= 0).all(-1))
        if bounds is not None:
            whole = whole & torch.isinf(bounds[0 if side < 0 else 1])
        # A crossing past the last node (the heaviest tails' balance has the other sign
        # there) leaves the swap off by at most twice the tails' integral beyond it.
        flips = _beyond_sign(heavy, side) * sigma < 0
        reached = torch.where(mt, xt.detach(), edge.detach().expand_as(xt))
        last = reached.amax(-1, keepdim=True) if side > 0 else reached.amin(-1, keepdim=True)
        for a, law in heavy:
            nu = law.df.detach()[..., 0]
            swap = whole & (nu < limit)          # (rows of a sweep may have any index)
            at = torch.cat([edge, xt], -1)       # the edge's and the nodes' CDFs at once
            s = law.sf(at) if side > 0 else law.cdf(at)
            exact = law.stop_loss(edge, side, s[..., :1])[..., 0]
            s = s[..., 1:]
            d = a * (exact - _scaled_sum(w, s, mt))
            # the gap is Σ a_c F_c on the left, −Σ a_c S_c on the right: |gap| = −side σ Σ …
            fix = fix + torch.where(swap, -side * sigma * d, torch.zeros_like(d))
            if wc is not None:
                dc = a * (exact - _scaled_sum(wc, s, mt))
                fix_c = fix_c + torch.where(swap, -side * sigma * dc, torch.zeros_like(dc))
            with torch.no_grad():
                size = (a * exact).abs()
                past = 2 * (a * law.stop_loss(last, side)[..., 0]).abs() if bool(
                    flips.any()) else torch.zeros_like(size)
                # the closed form's two terms, ν/(ν − 1) and 1/(ν − 1) of it, cancel by a
                # factor ν; without the swap (a crossing among the nodes) the tail's whole
                # integral bounds what they may miss
                rounding = 2 * nu * CDF_ULPS * EPS * size
                lost = torch.where(whole, rounding
                                   + torch.where(flips, past, torch.zeros_like(past)), size)
                error += float(torch.where(nu < limit, lost, torch.zeros_like(lost)).max())
    return fix, fix_c, error


def _tail_part(n, ok: torch.Tensor, side: int):
    """(edge, slice, nodes, mask) of a node set's tail past its outermost break on a side
    (the mask: weighted nodes there; the others read at the edge), or None if it has none
    there. The tails' nodes are the first or last of the set."""
    edge = n.breaks[..., -1:] if side > 0 else n.breaks[..., :1]
    out = ok & (side * (n.x.detach() - edge.detach()) > 0)
    k = int(out.sum(-1).max())
    if k == 0:
        return None
    part = slice(n.x.shape[-1] - k, None) if side > 0 else slice(0, k)
    mt = out[..., part]
    return edge, part, torch.where(mt, n.x[..., part], edge.expand_as(mt)), mt


def _beyond_sign(heavy, side: int) -> torch.Tensor:
    """The sign of F_A − F_B far out on a side, from the heaviest of the heavy components
    (c |x|^−ν each, A's counted +, B's −): +1 or −1, 0 where they balance (equal tails,
    decided by lighter terms the nodes do see)."""
    parts = torch.broadcast_tensors(
        *[law.df.detach()[..., 0] for _, law in heavy],
        *[a.detach() * torch.as_tensor(law.tail_coef(), dtype=torch.float64) for a, law in heavy])
    nu, coef = torch.stack(parts[:len(heavy)]), torch.stack(parts[len(heavy):])
    low = torch.where(coef != 0, nu, torch.full_like(nu, math.inf)).amin(0)
    net = torch.where(nu == low, coef, torch.zeros_like(coef)).sum(0)
    scale = torch.where(nu == low, coef.abs(), torch.zeros_like(coef)).sum(0)
    net = torch.where(net.abs() > 1e-12 * scale, net, torch.zeros_like(net))
    # S_A − S_B ~ net |x|^−ν: the gap F_A − F_B is −net on the right, +net on the left
    return torch.sign(net) * -side


CDF_ULPS = 8      # a CDF's rounding, in units of its own size (min(F, 1 − F))


def _cdf_rounding(node_sets, power: float) -> float:
    """What the CDFs' own rounding costs ∫|F_P − F_Q|^power: each is known to a few ulps
    of min(F, 1 − F) (survival functions in upper tails), so the gap to about
    CDF_ULPS·ε·(m_P + m_Q), and the integral to its power-weighted sum over the nodes.
    Two logistics of scale 3.29 a little apart: W1 = 0.00364 came out 5.8e-15 from the
    truth, where the rules' agreement said 1.2e-15."""
    out = 0.0
    with torch.no_grad():
        for A, B, n, ok in node_sets:
            x = torch.where(ok, n.x, torch.zeros_like(n.x)).detach()
            fa, fb = _in_chunks(A.cdf, x), _in_chunks(B.cdf, x)
            size = torch.minimum(fa, 1 - fa) + torch.minimum(fb, 1 - fb)
            slope = power * (fa - fb).abs() ** (power - 1) if power != 1 else 1.0
            term = torch.where(ok, n.w.detach().abs() * slope * size, torch.zeros_like(size))
            out += float(term.sum(-1).max())
    return CDF_ULPS * EPS * out


def _in_chunks(g, x: torch.Tensor) -> torch.Tensor:
    """g(x), elementwise in x's last axis, in chunks of CHUNK nodes whose intermediates are
    recomputed in the backward pass (torch.utils.checkpoint) where x has more: the CDFs
    keep 24 quadrature nodes per point and several tensors of them for the backward pass,
    and a Student t at 4e164 beside a beta has 100 000 nodes at the finest refinement,
    for which that took more than 7 GB (a hosted server has 2.7)."""
    if x.shape[-1] <= CHUNK:
        return g(x)
    return torch.cat([checkpoint(g, part, use_reentrant=False)
                      for part in torch.split(x, CHUNK, dim=-1)], -1)


# Weights more than 2^BAND below a band's largest go to a band of their own.
BAND = 600


def _scaled_sum(w: torch.Tensor, v: torch.Tensor, ok: torch.Tensor) -> torch.Tensor:
    """Σ w·v over the nodes where ok, each weight taken as a fraction of a power of two
    2^k at or above it, so that no backward term w·∂v overflows (see `_refined`); in bands
    of 2^BAND, so that the weights of a law of scale 1.7e-216 beside a panel of width 1e192
    do not underflow to 0 as fractions of the panel's, and take the whole of ∂W1/∂loc
    (which was 0 for a Laplace at 1.6e192 against a normal at −12551)."""
    wd = torch.where(ok, w.detach().abs(), torch.zeros_like(w.detach()))
    zero = torch.zeros_like(v)
    unit = _power_of_two(wd)
    low = torch.where(wd > 0, wd, torch.full_like(wd, math.inf)).amin(-1)
    if bool((low >= unit * 2.0 ** -BAND).all()):                 # one band: the usual case
        return unit * torch.where(ok, w / unit.unsqueeze(-1) * v, zero).sum(-1)
    out = torch.zeros(w.shape[:-1], dtype=w.dtype)
    while True:
        unit = _power_of_two(wd)
        band = (wd > 0) & (wd >= unit.unsqueeze(-1) * 2.0 ** -BAND)
        wb = torch.where(band, w, torch.zeros_like(w))      # (others' w/unit may be inf)
        out = out + unit * torch.where(band, wb / unit.unsqueeze(-1) * v, zero).sum(-1)
        wd = torch.where(band, torch.zeros_like(wd), wd)
        if not bool((wd > 0).any()):
            return out


def _power_of_two(w: torch.Tensor) -> torch.Tensor:
    """Per row, the power of two at or above the largest finite |w| (1 where none), at
    most 2^1023."""
    if w.shape[-1] == 0:
        return torch.ones(w.shape[:-1], dtype=w.dtype)
    big = torch.where(torch.isfinite(w), w.abs(), torch.zeros_like(w)).amax(-1)
    # at most 2^1023: a weight above it (a tail panel out to 1e308 beside a lognormal of
    # σ = 37) made 2^1024 = inf, no band of `_scaled_sum` took it, and its loop ran on
    # until the memory was gone (24 GB)
    return torch.where(big > 0, torch.exp2(torch.ceil(torch.log2(big)).clamp(max=1023.0)),
                       torch.ones_like(big))


def cdf_gap(P: Measure1D, Q: Measure1D, x: torch.Tensor) -> torch.Tensor:
    """F_P − F_Q at x, as S_Q − S_P where both CDFs are past ½: in a right tail F rounds
    to 1 (a Student t's F at 1e25 is 1 − 1e-16) and the difference to 0, while the
    survival functions keep their digits."""
    fp, fq = P.cdf(x), Q.cdf(x)
    upper = (fp.detach() + fq.detach()) > 1
    if not bool(upper.any()):
        return fp - fq
    return torch.where(upper, Q.sf(x) - P.sf(x), fp - fq)


def w1_1d(P: Measure1D, Q: Measure1D) -> tuple[torch.Tensor, float | None]:
    """(∫|F_P − F_Q|, its error), panels broken where the CDFs cross (found on the
    survival functions in right tails, where both CDFs round to 1: a crossing there
    leaves the value alone but sets the sign that ∂/∂θ integrates)."""
    value, error = _refined(lambda A, B, x: cdf_gap(A, B, x).abs(), P, Q, 1.0,
                            kink=_cdf_sign, tails=heavy_tails)
    if error is None:
        return value, None
    bp, bq = _beyond((P,), 1), _beyond((Q,), 1)
    if math.isinf(bp) != math.isinf(bq):
        # one mean beyond the largest double, the other not: W1 ≥ |E X − E Y| is too
        # (lognormal(−4.3, 39.3), mean e^767, against lognormal(3, 5.7) was 1.2e235 ± ∞)
        return torch.full_like(value, math.inf), math.inf
    return value, error + bp + bq


def _beyond(measures: tuple[Measure1D, ...], power: int) -> float:
    """A bound on ∫|F_P − F_Q|^power past the largest double, where no node goes, from
    the measures given (P's and Q's laws): there |F_P − F_Q| ≤ S_P + S_Q = S, and
    ∫S^power ≤ S(M)^(power−1) ∫S with
    ∫_M^∞ S = E[X − M; X > M] ≤ E[X; X > M], in closed form for lognormal components
    (any other law's mass that far out is a power tail's, decided by `tails_infinite`,
    or nothing). W1 of lognormal(0, 30) and normal(0, 1) is e^450 = 2.7e195, from
    log x near 900: the nodes stop at 709.8, and it came out 3.9e185 called accurate."""
    log_mass, log_moment = [], []
    for M in measures:
        w = _np(M.comp_w)
        for c, law in enumerate(M.comps):
            if isinstance(law, LogNormalLaw):
                lm, lx = law.log_beyond_np(FLOAT_MAX)
                with np.errstate(divide="ignore"):
                    lw = np.log(w[..., c])
                log_mass.append(lw + lm)
                log_moment.append(lw + lx)
    if not log_mass:
        return 0.0
    with np.errstate(over="ignore"):
        bound = np.exp(np.logaddexp.reduce(np.stack(np.broadcast_arrays(*log_moment)), 0)
                       + (power - 1) * np.logaddexp.reduce(
                           np.stack(np.broadcast_arrays(*log_mass)), 0))
    return float(np.max(bound))


def _cdf_sign(P: Measure1D, Q: Measure1D, x: torch.Tensor) -> torch.Tensor:
    """F_P − F_Q for the crossing search, from the survival functions only where the
    CDFs tie past ½ (they are costly: a beta's are quadratures of its density)."""
    fp, fq = P.cdf(x), Q.cdf(x)
    gap = fp - fq
    tie = (gap == 0) & (fp > 0.5)
    if not bool(tie.any()):
        return gap
    return torch.where(tie, Q.sf(x) - P.sf(x), gap)


def energy_value_1d(P: Measure1D, Q: Measure1D) -> tuple[torch.Tensor, float | None]:
    """(2∫(F_P − F_Q)², its error)."""
    value, error = _refined(lambda A, B, x: 2 * cdf_gap(A, B, x) ** 2, P, Q, 2.0)
    return value, None if error is None else error + 2 * _beyond((P, Q), 2)


def energy_1d(P: Measure1D, Q: Measure1D) -> torch.Tensor:
    n = nodes_1d(P, Q, atoms=False)
    return 2 * (n.w * (P.cdf(n.x) - Q.cdf(n.x)) ** 2).sum(-1)


def _mesh(M: Measure1D) -> torch.Tensor:
    return torch.sort(_cat([torch.as_tensor(M.mesh_np(), dtype=torch.float64),
                            M.jumps().detach()]), dim=-1).values


def quantile(M: Measure1D, u: torch.Tensor, b: torch.Tensor | None = None) -> torch.Tensor:
    """Generalised inverse CDF at levels u (..., U), differentiable in M's parameters.

    The value comes from bisection (detached) inside the mesh cell that holds u; the
    gradient from the implicit function theorem, dx/dθ = -∂F/∂θ / p, or from the atom.
    """
    with torch.no_grad():
        b = _mesh(M) if b is None else b
        batch = np.broadcast_shapes(b.shape[:-1], u.shape[:-1])
        b = b.expand(*batch, b.shape[-1]).contiguous()
        u = u.expand(*batch, u.shape[-1]).contiguous()
        fb = M.cdf_value(b)
        j = torch.searchsorted(fb, u, right=False)           # first mesh point with F >= u
        # The bracket below or above the mesh: as wide as the mesh (a law of scale 1e-154
        # needs a bracket of its own size for 64 halvings to reach its digits); a mesh of
        # one point (an atom) gets its magnitude.
        width = b[..., -1:] - b[..., :1]
        span = torch.where(width > 0, width, b[..., :1].abs() + 1.0)
        hi = torch.gather(b, -1, j.clamp(max=b.shape[-1] - 1))
        lo = torch.gather(b, -1, (j - 1).clamp(min=0))
        lo = torch.where(j == 0, hi - span, lo)
        beyond = j >= b.shape[-1]
        hi = torch.where(beyond, b[..., -1:] + span, hi)
        lo = torch.where(beyond, b[..., -1:].expand_as(lo), lo)
        for k in range(64):                                  # far tails: widen the bracket
            low_bad = M.cdf_value(lo) >= u
            high_bad = M.cdf_value(hi) < u
            if not (low_bad.any() or high_bad.any()):
                break
            step = span * 2.0 ** min(k, 60)
            # within the float range: laws 1e299 apart would otherwise step to ±inf
            lo = torch.where(low_bad, (lo - step).clamp(min=-_BIG), lo)
            hi = torch.where(high_bad, (hi + step).clamp(max=_BIG), hi)
        for _ in range(64):
            mid = 0.5 * lo + 0.5 * hi          # no overflow near ±1e308
            ge = M.cdf_value(mid) >= u
            hi = torch.where(ge, mid, hi)
            lo = torch.where(ge, lo, mid)
        x = hi
        p = torch.exp(M.log_density(x))
        # Where p = 0 (a level of 0 or 1 that bisection sends out to ±1e20) the CDF's
        # gradient can be 0·inf = NaN, and a masked NaN still poisons the backward pass:
        # the CDF is taken at a mesh point there instead, and its term masked out below.
        inside = b[..., b.shape[-1] // 2].unsqueeze(-1).expand_as(x)
        x_grad = torch.where(p > 0, x, inside)
    F = M.cdf(x_grad)
    safe_p = torch.where(p > 0, p, torch.ones_like(p))
    out = x - torch.where(p > 0, (F - F.detach()) / safe_p, torch.zeros_like(F))
    if M.has_atoms:
        loc = M.atom_loc
        hit = (x.unsqueeze(-1) - loc.detach().unsqueeze(-2)).abs() <= 1e-9 * (
            1 + loc.detach().abs().unsqueeze(-2))
        any_hit = hit.any(-1)
        idx = hit.to(torch.int8).argmax(-1)
        batch = np.broadcast_shapes(loc.shape[:-1], idx.shape[:-1])
        atom_x = torch.gather(loc.expand(*batch, loc.shape[-1]), -1,
                              idx.expand(*batch, idx.shape[-1]))
        out = torch.where(any_hit, atom_x, out)
    return out


def _levels(M: Measure1D) -> torch.Tensor:
    """Attached CDF levels where M's quantile function jumps or kinks (atoms, support ends)."""
    parts = []
    if M.has_atoms:
        f_at = M.cdf(M.atom_loc)
        parts += [f_at, f_at - M.atom_w]
    j = M.jumps()
    if j.shape[-1]:
        parts.append(M.cdf(j))
    return _cat(parts)


def _own_centre(M: Measure1D) -> torch.Tensor:
    """A detached point where M's mass is (its narrowest law's centre; 0 for atoms only),
    of batch shape: M's quantiles are taken relative to it."""
    if not M.comps:
        return torch.zeros(M.atom_loc.shape[:-1], dtype=torch.float64)
    m, w = centres_widths(M.comps)
    c = np.take_along_axis(m, np.argmin(w, -1)[..., None], -1)[..., 0]
    return torch.as_tensor(np.where(np.isfinite(c), c, 0.0), dtype=torch.float64)


def _union_mesh(M: Measure1D, other: Measure1D) -> torch.Tensor:
    """M's mesh with the other law's points that lie within one span of it (a uniform
    nearly equal to the other needs both ends); far points would widen the bisection's
    bracket to the distance between the laws, beyond what 64 halvings resolve."""
    own = _mesh(M)
    lo, hi = own[..., :1], own[..., -1:]
    span = (hi - lo).clamp(min=1e-300)
    return torch.sort(_cat([own, _mesh(other).clamp(lo - span, hi + span)]), dim=-1).values


def w2_1d(P: Measure1D, Q: Measure1D, with_rounding: bool = False):
    """W2 by quadrature over u of (F_P^-1 - F_Q^-1)^2 (with `with_rounding`: and the
    bound of `_level_rounding`).

    The u-panels break at F_P and F_Q of both meshes (so each quantile function is
    smooth on every panel) and at the levels of atoms and support ends. Each law's
    quantiles are found relative to its own centre c (F_P^-1 = c_P + F_{P-c_P}^-1): laws
    1e20 apart would otherwise share one coordinate whose ulp is 1e4 times their scale,
    and the quantiles' gradients would be noise.
    """
    cp, cq = _own_centre(P), _own_centre(Q)
    Ps, Qs = P.shifted(cp), Q.shifted(cq)
    with torch.no_grad():
        b = torch.sort(_cat([_mesh(P), _mesh(Q)]), dim=-1).values
        mesh_levels = _cat([P.cdf_value(b), Q.cdf_value(b)])
        bp, bq = _union_mesh(Ps, Q.shifted(cp)), _union_mesh(Qs, P.shifted(cq))
    # Graded levels towards 0 and 1: heavy tails make (F_P^-1 - F_Q^-1)^2 singular there.
    fixed = torch.as_tensor(np.concatenate([[0.0], _GRADED_U, 1 - _GRADED_U[:15]]))
    br = torch.sort(_cat([fixed, mesh_levels, _levels(P), _levels(Q)]).clamp(0.0, 1 - _TOP),
                    dim=-1).values
    u, w = panel_nodes(br[..., :-1], br[..., 1:], PANEL_NODES.get())
    u, w = u.flatten(-2), w.flatten(-2)
    xp, xq = quantile(Ps, u.detach(), bp), quantile(Qs, u.detach(), bq)
    d = (cp - cq).unsqueeze(-1) + (xp - xq)
    # In units of the largest |d| (detached), so that laws 1e200 apart give a finite W2
    # of 1e200 rather than the square root of an overflowed 1e400.
    # (over nodes of positive weight: a level of exactly 0, a panel of no width, has no
    # quantile, and bisection's stand-in for −inf there made m 1e61 beside a W2 of 1e42)
    live = w.detach() > 0
    # (and a dead node's d is 0: a panel of no width at level 0, a uniform's F at its low
    # end, has nodes whose weights still move with its ends, and the lognormal's stand-in
    # quantile there, −4e250, made their d² inf: ∂W2/∂low inf · 0 = NaN)
    d = torch.where(live, d, torch.zeros_like(d))
    m = d.detach().abs().amax(-1).clamp(min=1e-300)
    logs = _lognormal_tail_logs(P, Q, _TOP)
    if logs:
        # a lognormal tail past every node's |d| sets the unit (within the float range)
        top = torch.stack(torch.broadcast_tensors(*(t.detach() for _, t in logs))).amax(0)
        m = torch.maximum(m, torch.exp((0.5 * top).clamp(max=math.log(FLOAT_MAX))))
    tail = _upper_tail_w2(P, Q, _TOP, m) + sum(
        (sign * torch.exp(t - 2 * m.log()) for sign, t in logs), torch.zeros(()))
    ds = d / m.unsqueeze(-1)
    value = m * safe_sqrt((w * ds * ds).sum(-1) + tail)
    # a lognormal's tail past the float range (E[X²] = e^(2μ + 2σ²) overflowed, or two
    # such that cancel: inf − inf), or its quantiles (lognormal(300, 100): e^1100 at
    # 1 − 1e-15, d/m = inf/inf): a finite W2 beyond the largest double, or not known
    tail = torch.where(torch.isnan(tail), torch.full_like(tail, math.inf), tail)
    value = torch.where(torch.isinf(tail) | torch.isinf(m), torch.full_like(value, math.inf),
                        value)
    if with_rounding:
        return value, _level_rounding(Ps, Qs, u.detach(), w.detach(), d.detach(), m,
                                      value.detach(), xp.detach(), xq.detach())
    return value


def _level_rounding(Ps, Qs, u, w, d, m, value, xp, xq) -> float:
    """Bound on what W2 loses because a level u is a float: near 1 its ulp, 1.1e-16, is
    1% of 1 − u = 1e-14, where a lognormal of σ 4.6 still has 5% of W2² and its quantile
    moves by 6% for that 1% (the u-rule's coarse and fine nodes are rounded alike, so
    their agreement does not see it: W2 was 7.6e-4 off under an estimate of 2e-4).
    Each node's share, |∂(F_P^-1 − F_Q^-1)²/∂u| · ulp(u) = 2|d| (1/p + 1/q) · ulp(u) (an
    ulp for the level's own roundings), summed; W2 moves by that over 2·W2 (at most its
    square root)."""
    with torch.no_grad():
        def slope(M, x):
            lp = M.log_density(x)
            return torch.where(torch.isfinite(lp), torch.exp(-lp.clamp(min=-700.0)),
                               torch.zeros_like(lp))
        ulp = torch.where(u > 0.5, torch.full_like(u, 2.0 ** -53), u * 2.0 ** -53)
        ds = d / m.unsqueeze(-1)
        r2 = (w * 2 * ds.abs() * (slope(Ps, xp) + slope(Qs, xq)) * ulp).sum(-1)   # R2 / m
        r2 = torch.where(torch.isfinite(r2), r2, torch.full_like(r2, math.inf))
        # Σ w·|dx/du| is ∫|dx/du| du, at most the quantiles' span: where a quantile
        # function jumps across a gap between components (a logistic 2e42 from an
        # exponential), 1/p at the nodes in the gap made it e^700 (an error of 1e165 on
        # a W2 of 1.7e42, for what is at most 2·max|d|·ulp·span)
        live = w > 0
        span = sum(torch.where(live, x, -math.inf).amax(-1)
                   - torch.where(live, x, math.inf).amin(-1) for x in (xp, xq))
        r2 = torch.minimum(r2, 2 * ds.abs().amax(-1) * 2.0 ** -53 * span)
        bound = torch.minimum(r2 * m / (2 * value.clamp(min=1e-300)), r2.sqrt() * m.sqrt())
        return float(bound.max()) if bound.numel() else 0.0


def _upper_tail_w2(P: Measure1D, Q: Measure1D, eps: float, m: torch.Tensor) -> torch.Tensor:
    """∫ (F_P^-1 - F_Q^-1)^2 over u in (1 - eps, 1) from the power tails, in units of
    m² (detached, per row).

    Levels this close to 1 are not representable; with sf(x) ~ c x^-a the quantile is
    (c / s)^(1/a) at s = 1 - u, and the integral has a closed form (light tails: 0).
    """
    terms = []
    for M, sign in ((P, 1.0), (Q, -1.0)):
        a, c = M.tails()
        if math.isfinite(a):
            terms.append((sign * np.asarray(c) ** (1 / a), 1 / a))
    total = np.zeros(())
    for ki, ei in terms:
        for kj, ej in terms:
            e = ei + ej                          # ∫_0^eps s^-e ds = eps^(1-e) / (1-e), e < 1
            if e < 1:
                total = total + ki * kj * eps ** (1 - e) / (1 - e)
    return torch.as_tensor(total, dtype=torch.float64) / m / m


def _lognormal_tail_logs(P: Measure1D, Q: Measure1D, eps: float
                         ) -> list[tuple[float, torch.Tensor]]:
    """The same integral for single lognormals, as (sign, log) of its terms: their tail
    is light by the power rule, but the quantile e^(μ + σz) still carries mass past
    1 − 1e-15 (σ = 2.1: W2 was off by 2e-3 with an error of 2e-4). With
    z0 = Φ^-1(1 − eps), ∫ over u > 1 − eps of e^(μi + σi z) e^(μj + σj z) is
    e^(μi + μj + (σi + σj)²/2) Φ(σi + σj − z0). Attached: from σ = 6 on it is most of
    W2 (lognormal(0.3, 8) against a point: 8.4e27, all of it past 1 − 1e-15), and
    detached it left ∂W2/∂μ and ∂W2/∂σ at 0. In logs: for σ = 20, W2 = e^400 while
    E[X²] = e^800 overflows."""
    laws = []
    for M, sign in ((P, 1.0), (Q, -1.0)):
        if len(M.comps) == 1 and not M.has_atoms and isinstance(M.comps[0], LogNormalLaw):
            law = M.comps[0]
            laws.append((sign, law.loc[..., 0], law.scale[..., 0]))
    z0 = float(ndtri(np.array(1.0 - eps)))
    return [(si * sj, mi + mj + 0.5 * (ci + cj) ** 2 + torch.special.log_ndtr(ci + cj - z0))
            for si, mi, ci in laws for sj, mj, cj in laws]


# --- Gaussian mixtures: MMD and energy in closed form -----------------------------------
