"""The continuous 1-D families: log-density, CDF, quantiles for meshing, tails.

Each family realises to a `Continuous1D` with float64 parameters shaped (..., 1), so a
batch of parameter values (a sweep) evaluates on points x of shape (..., N) by
broadcasting. Log-densities are written out here (not taken from torch.distributions)
so that they stay finite and differentiable outside the support (-inf there).
"""

from __future__ import annotations

import copy
import math

import numpy as np
import torch

from .asymptotics import LOG2_TERM, LOG_TERM, Growth, exp_coef, pow_term
from .quadrature import panel_nodes, tail_nodes, tail_power

LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
INF = math.inf
# Quantile levels used to mesh a law for quadrature (both tails, geometric near 0 and 1).
_LOW = [1e-12, 1e-9, 1e-6, 1e-4, 1e-3, 1e-2, 0.04, 0.1, 0.2, 0.33]
MESH_LEVELS = np.array(_LOW + [0.5] + [1 - u for u in reversed(_LOW)])
# Power tails need panels no wider than a decade of quantile level.
_HEAVY = [10.0 ** (-k / 2) for k in range(24, 5, -1)] + [3e-3, 1e-2, 3e-2, 0.07, 0.15, 0.25, 0.35]
MESH_LEVELS_HEAVY = np.array(_HEAVY + [0.5] + [1 - u for u in reversed(_HEAVY)])
# A coarser set for 2-D tensor meshes (one per axis).
MESH_LEVELS_2D = np.array([1e-10, 1e-6, 1e-4, 1e-3, 0.01, 0.05, 0.15, 0.3, 0.5,
                           0.7, 0.85, 0.95, 0.99, 0.999, 1 - 1e-4, 1 - 1e-6, 1 - 1e-10])
_CDF_NODES = 24
# The nearest a CDF's mesh goes to a support end e ≠ 0, relative to |e|: node positions
# there are known to 2^-20 of their distance to e (a beta's end at 1 in x).
_RESOLVED = 2.0 ** -32
FINEST = 1e-300


def graded(exponent: np.ndarray) -> np.ndarray:
    """Distances from a support end where a density behaves like d^(exponent − 1) (gamma,
    beta): a geometric sequence of ratio √10 (12-point panels are then exact to ~1e-14 on
    d^c·log d), deep enough that the mass left inside the last one, about d^exponent, is
    below 1e-17, and never below 1e-300."""
    e = float(np.min(exponent))
    decades = int(np.clip(math.ceil(17.0 / max(e, 1e-9)), 16, 300))
    return 10.0 ** -(np.arange(1, 2 * decades + 1, dtype=np.float64) / 2).clip(max=300)


def _np(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().numpy()


def ndtri(u: np.ndarray) -> np.ndarray:
    """The standard normal quantile (torch's, as exact as scipy's `ndtri`)."""
    return torch.special.ndtri(torch.as_tensor(u, dtype=torch.float64)).numpy()


def _special():
    """scipy.special, imported when first needed (Student's t, gamma, beta): its 0.3 s
    import is then not part of the app's first view, two normals."""
    import scipy.special

    return scipy.special


class Continuous1D:
    """A realised continuous law on the line (parameters shaped (..., 1))."""

    lo: torch.Tensor | float = -INF     # support, attached to the parameters
    hi: torch.Tensor | float = INF
    tail_alpha: float = INF             # sf ~ coef * x**-alpha (power tails), else inf
    gaussian: tuple[torch.Tensor, torch.Tensor] | None = None  # (mean, variance)

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    # --- analytic description, for the support and tail rules of the divergence engine
    # (see asymptotics.py); v holds the parameters as arrays over the batch's rows ---

    def params_np(self) -> dict[str, np.ndarray]:
        """Detached parameters, each shaped batch + (1,)."""
        raise NotImplementedError

    def support(self, v: dict[str, np.ndarray]) -> tuple:
        """(low, high) of the support (the density is positive inside), per row."""
        return -INF, INF

    def far_growth(self, side: int, v: dict[str, np.ndarray]) -> Growth:
        """−log p as t = |x| → ∞ on `side` (+1 right, −1 left), where the support is
        unbounded, constants dropped."""
        raise NotImplementedError

    def unresolved_mass_np(self) -> np.ndarray:
        """Mass closer to a singular support end than the finest graded break (1e-300 of
        the scale): what quadrature cannot see there (batch-shaped, usually 0)."""
        return np.zeros(())

    def end_growth(self, side: int, v: dict[str, np.ndarray]) -> Growth:
        """−log p as u = 1/|x − end| → ∞ at the finite support end on `side`, from inside:
        constant (no terms) for a density with a finite positive limit there."""
        return Growth()

    def quantile_np(self, u: np.ndarray) -> np.ndarray:
        """Quantiles (detached) at levels u; shape batch + (len(u),). Used for meshing."""
        raise NotImplementedError

    def centre_width_np(self) -> tuple[np.ndarray, np.ndarray]:
        """(median, interquartile width), detached, shaped batch + (1,): where the law's
        mass is and on what length scale its density varies (for the engine's frames)."""
        q = self.quantile_np(np.array([0.25, 0.5, 0.75]))
        return q[..., 1:2], q[..., 2:3] - q[..., 0:1]

    def shifted(self, c: torch.Tensor) -> Continuous1D:
        """The law of X − c (c detached, batch-shaped (..., 1)). Location families
        override it to move their own parameters, which keeps x − loc exact near a far
        location; the rest evaluate at x + c."""
        return AffineLaw(self, -c, torch.ones_like(c))

    def location(self) -> torch.Tensor | None:
        """The attached parameter equal to this law's centre (`centre_width_np`), batch-
        shaped, for families that have one (loc of the location-scale ones), else None."""
        return None

    def at_origin(self) -> Continuous1D:
        """This law with its location exactly 0 and no gradient path through it (for
        the anchor of a recentred pair, see `frames.recentred`)."""
        raise NotImplementedError

    def scaled(self, k: float) -> Continuous1D | None:
        """The law of X / k (k a power of two) in the family's own parameters, or None
        where the family has no such form (the engine then leaves the pair as it is)."""
        return None

    def char_fn(self, w: torch.Tensor) -> torch.Tensor | None:
        """E exp(i w X) (complex), or None where it has no simple closed form."""
        return None

    def extra_mesh_np(self) -> np.ndarray | None:
        """More mesh points (detached), e.g. graded towards a singular support end."""
        return None

    def end_log_mass(self, side: int, d: torch.Tensor) -> torch.Tensor | None:
        """log of the mass within d > 0 of the finite support end on `side` (−1: low,
        +1: high), attached, from the density's leading power there, for the d's that the
        CDF asks about (beyond its outermost mesh point: 1e-16 of the scale or closer at an
        end at 0, 2^-32 at an end at 1, where the next term is 2e-10 of it). None where
        the family has no such form."""
        return None

    def end_exponent(self, side: int) -> torch.Tensor | None:
        """s (attached, (..., 1)) where the density behaves like C·d^(s − 1) within d of
        the finite support end on `side`, for the families with `end_log_mass` there
        (the mass within d is then C·d^s / s); None elsewhere."""
        return None

    def end_span_np(self) -> np.ndarray:
        """The distance from a finite end within which `end_log_mass` holds to 1e-250
        relative (its next term is O(d) in the law's own unit), batch + (1,)."""
        return np.full((1,), 1e-250)

    def _end_mass(self, side: int, d: torch.Tensor) -> torch.Tensor | None:
        """exp(end_log_mass) where d > 0, else 0 (with a gradient of 0, not 0 · log 0)."""
        ok = d.detach() > 0
        lm = self.end_log_mass(side, torch.where(ok, d, torch.ones_like(d)))
        return None if lm is None else torch.where(ok, lm.exp(), torch.zeros_like(lm))

    def ppf(self, u: torch.Tensor) -> torch.Tensor:
        """Quantiles at levels u, for sampling (attached where the family allows)."""
        return torch.as_tensor(self.quantile_np(u.detach().numpy()), dtype=torch.float64)

    def tail_coef(self) -> np.ndarray:
        """Coefficient c of the power tails sf(x) ~ c |x|^-alpha (both sides)."""
        return np.zeros(())

    def cdf(self, x: torch.Tensor) -> torch.Tensor:
        """CDF: exact values (`cdf_np`) with the derivative with respect to the parameters
        from quadrature of the density on the law's own mesh (for families without a
        differentiable closed form), the short panel from the mesh point below x up to x
        supplying the rest.

        The mesh is the quantiles plus the family's graded points towards a support end
        where the density is singular (`extra_mesh_np`): a gamma of shape 0.33 has
        quantiles 1e-3 and 1e-2 a thousandfold apart in x, and 24 nodes on a panel that
        close to x^(−0.67) left ∂F/∂rate 2e-4 to 7e-2 short (W1's rate derivative then
        7e-6 off). The mass beyond the outermost mesh points comes from the density's
        leading power at a finite end (`end_log_mass`): a beta of shape a = 0.0011 keeps
        43% of its mass below 1e-310, where no node can go, and panels there missed
        ∂F/∂a by 11.9 (W1's derivative in a: −21.3 where the truth is −33.0).
        """
        # power tails: half-decade levels, so that no panel spans a thousandfold in x
        levels = MESH_LEVELS if math.isinf(self.tail_alpha) else MESH_LEVELS_HEAVY
        b_np = self.quantile_np(levels)
        mid_np = b_np[..., len(levels) // 2:len(levels) // 2 + 1]            # the median
        lo = float(torch.as_tensor(self.lo).reshape(-1)[0])
        extra = self.extra_mesh_np()
        if extra is not None:
            hi = float(torch.as_tensor(self.hi).reshape(-1)[0])
            while extra.ndim > b_np.ndim and extra.shape[0] == 1:
                extra = extra[0]            # an unbatched law's extra mesh has an axis of 1
            batch = np.broadcast_shapes(b_np.shape[:-1], extra.shape[:-1])
            b_np = np.broadcast_to(b_np, batch + b_np.shape[-1:])
            extra = np.broadcast_to(extra, batch + extra.shape[-1:])
            # Points that round onto or past an end (1e-300 / rate) would put a node where
            # the density is infinite, and points nearer an end at 1 than 2^-32 (1 −
            # 1e-15) leave a panel's nodes a few ulps apart: they become the median, an
            # empty panel there, and the mass beyond is end_log_mass's.
            ok = np.ones(extra.shape, dtype=bool)
            for end, gap in ((lo, extra - lo), (hi, hi - extra)):
                if math.isfinite(end):
                    ok &= gap > _RESOLVED * abs(end)
            extra = np.where(ok, extra, np.broadcast_to(mid_np, batch + (1,)))
            # quantiles nearer an end than the deepest graded point (betaincinv's 2e-308
            # for a mass of 0.44 below 1e-300) leave that end's mass to end_log_mass: a
            # panel from 2e-308 to 1e-300 is 24 nodes on x^(−0.9989) over 8 decades
            deep_lo = np.where(ok, extra, np.inf).min(-1, keepdims=True)
            deep_hi = np.where(ok, extra, -np.inf).max(-1, keepdims=True)
            b_np = np.clip(b_np, deep_lo if math.isfinite(lo) else None,
                           deep_hi if math.isfinite(hi) else None)
            b_np = np.sort(np.concatenate([b_np, extra], -1), -1)
        b = torch.as_tensor(b_np, dtype=torch.float64)
        mid = torch.as_tensor(mid_np, dtype=torch.float64)
        batch = np.broadcast_shapes(b.shape[:-1], mid.shape[:-1], x.shape[:-1])
        b = b.expand(*batch, b.shape[-1]).contiguous()
        mid = mid.expand(*batch, 1)
        x = x.expand(*batch, x.shape[-1])
        width = (b[..., 1:2] - b[..., :1]).clamp(min=1e-300)
        power = tail_power(self.tail_alpha + 1)       # the density's decay in a power tail
        head = None if math.isinf(lo) else self._end_mass(-1, b[..., :1] - lo)
        if head is None:                                                   # mass below b_0
            if math.isinf(lo):
                hx, hw = tail_nodes(b[..., :1], width, _CDF_NODES, -1, power)
            else:
                hx, hw = panel_nodes(torch.full_like(b[..., :1], lo), b[..., :1], _CDF_NODES)
            head = self._mass(hx, hw, mid)
        px, pw = panel_nodes(b[..., :-1], b[..., 1:], _CDF_NODES)
        inside = mid.unsqueeze(-1)
        masses = self._mass(px, pw, inside)
        cum = torch.cat([head, head + masses.cumsum(-1)], -1)
        at_b = cum - cum.detach()               # the values are cdf_np's: gradients only
        j = torch.searchsorted(b, x.detach().contiguous(), right=True) - 1
        below = j < 0
        jc = j.clamp(min=0)
        start = torch.where(below, torch.full_like(x, lo if not math.isinf(lo) else 0.0),
                            torch.gather(b, -1, jc))
        base = torch.where(below, torch.zeros_like(x), torch.gather(at_b, -1, jc))
        if math.isinf(lo):
            # Far left of an unbounded law: integrate the tail up to x directly.
            # (Other points map from b_0: a tail from x far right would put an inf·0 into
            # the backward pass of a branch that `where` drops.)
            start = torch.where(below, x, start)
            xl = torch.where(below, x, b[..., :1])
            tx, tw = tail_nodes(xl, self._tail_scale(width, xl, b), _CDF_NODES, -1, power)
            base = torch.where(below, self._mass(tx, tw, mid), base)
        end = None if math.isinf(lo) else \
            self._end_mass(-1, torch.where(below, x - lo, torch.zeros_like(x)))
        upto = x
        if end is not None:
            # below b_0 the end's form holds; the panel there is an empty one at b_0 (at
            # x = 5e-313 a beta's density overflows, and inf·0 in the backward pass is NaN)
            upto = torch.where(below, b[..., :1].expand_as(x), x)
            start = torch.where(below, upto, start)
        xx, ww = panel_nodes(start, upto, _CDF_NODES)
        quad = base + (ww * self._lp_panels(xx).exp()).sum(-1)
        if end is not None:
            quad = torch.where(below, end, quad)
        # Above the median: 1 − the mass above x, summed from the right. Summed from the
        # left, its gradient would be that of 1 − 1e-12 as a sum of O(1) terms, noise for
        # a survival function of 1e-12 (and beyond the last mesh point, a panel out to
        # x = 1e25 would resolve nothing of the tail).
        upper = x.detach() >= mid
        if bool(upper.any()):
            hi = float(torch.as_tensor(self.hi).reshape(-1)[0])
            last_b = b[..., -1:]
            right = None if math.isinf(hi) else self._end_mass(+1, hi - last_b)
            if math.isinf(hi):
                last = (b[..., -1:] - b[..., -2:-1]).clamp(min=1e-300)
                rx, rw = tail_nodes(last_b, last, _CDF_NODES, +1, power)
            elif right is None:
                rx, rw = panel_nodes(last_b, torch.full_like(last_b, hi), _CDF_NODES)
            if right is None:
                right = self._mass(rx, rw, mid)                           # mass above b_last
            suffix = torch.cat([right + masses.flip(-1).cumsum(-1).flip(-1), right], -1)
            sf_b = suffix - suffix.detach()
            k = (j + 1).clamp(max=b.shape[-1] - 1)
            end = torch.gather(b, -1, k)
            beyond = j >= b.shape[-1] - 1                   # past the last mesh point
            far = None if math.isinf(hi) else \
                self._end_mass(+1, torch.where(beyond, hi - x, torch.zeros_like(x)))
            if math.isinf(hi):
                xr = torch.where(beyond, x, last_b)
                ux, uw = tail_nodes(xr, self._tail_scale(last, xr, b), _CDF_NODES, +1, power)
            elif far is None:
                ux, uw = panel_nodes(x, torch.full_like(x, hi), _CDF_NODES)
            if far is None:
                far = self._mass(ux, uw, mid)
            # (beyond the last mesh point of a finite end: an empty panel at that point)
            frm = x if math.isinf(hi) else torch.where(beyond, last_b.expand_as(x), x)
            nx, nw = panel_nodes(frm, torch.where(beyond, frm, end), _CDF_NODES)
            near = torch.gather(sf_b, -1, k) + (nw * self._lp_panels(nx).exp()).sum(-1)
            quad = torch.where(upper, 1 - torch.where(beyond, far, near), quad)
        exact = torch.as_tensor(self.cdf_np(x.detach().numpy()), dtype=torch.float64)
        return exact + (quad - quad.detach())

    def _mass(self, x: torch.Tensor, w: torch.Tensor, inside: torch.Tensor) -> torch.Tensor:
        """Σ w·p(x) over a panel's or a tail's nodes, as Σ exp(log w + log p). Far out (a
        tail mapped from x = 1e257) w reaches 1e300 while p underflows: w·p's backward pass
        would be inf · 0 = NaN; on panels next to a singular end (a gamma's graded mesh
        reaches 1e-300 / rate, subnormal for a rate above 1e8) p can overflow while w is
        1e-315.
        Nodes beyond the float range are left out (their mass is below any double),
        evaluated at `inside`, a point of the support, so that no NaN reaches the gradient."""
        ok = torch.isfinite(x.detach()) & torch.isfinite(w.detach()) & (w.detach() > 0)
        xs = torch.where(ok, x, inside.expand_as(x))
        lw = torch.log(torch.where(ok, w, torch.ones_like(w)))
        return torch.where(ok, (lw + self._lp_panels(xs)).exp(), torch.zeros_like(w)).sum(-1)

    def _tail_scale(self, panel: torch.Tensor, x: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """Length scale of the tail beyond x: the outer panel's, or, for a power tail
        (which decays on the scale of x itself), the distance from the median."""
        panel = panel.expand_as(x)
        if math.isinf(self.tail_alpha):
            return panel
        mid = b[..., b.shape[-1] // 2:b.shape[-1] // 2 + 1]
        return torch.maximum(panel, (x.detach() - mid).abs())

    def cdf_np(self, x: np.ndarray) -> np.ndarray:
        """Exact CDF values (detached, scipy); the quadrature above supplies gradients."""
        raise NotImplementedError

    def sf(self, x: torch.Tensor) -> torch.Tensor:
        """P(X > x) with its own digits where it is tiny (1 − F rounds to 0 once F is within
        1e-16 of 1): exact values from `sf_np`, the gradient that of −F."""
        c = self.cdf(x)
        try:
            v = torch.as_tensor(self.sf_np(x.detach().numpy()), dtype=torch.float64)
        except NotImplementedError:
            v = 1 - c.detach()
        return v - (c - c.detach())

    def sf_np(self, x: np.ndarray) -> np.ndarray:
        """Exact survival values (detached), where the family has a stable form."""
        raise NotImplementedError

    def cdf_value(self, x: torch.Tensor) -> torch.Tensor:
        """Detached CDF values, fast: scipy where the family has it, else the formula."""
        try:
            return torch.as_tensor(self.cdf_np(x.detach().numpy()), dtype=torch.float64)
        except NotImplementedError:
            with torch.no_grad():
                return self.cdf(x)

    def _lp_panels(self, x: torch.Tensor) -> torch.Tensor:
        """log_prob on nodes shaped (..., K, n): parameters gain one axis."""
        return self.log_prob(x.flatten(-2)).reshape(x.shape)


class _Ratio(torch.autograd.Function):
    """a / b, whose backward multiplies the incoming gradient first.

    Autograd's own division takes ∂(a/b)/∂b = −((a/b)/b) before the incoming gradient:
    with a scale b of 1e-282 that is −inf at any point a few units away, where the
    density has underflowed and the incoming gradient is 0, and 0·inf = NaN spreads to
    every gradient of the pair. Here the terms g/b and −g·(a/b)/b are summed as
    (g/S)/b·S with S = max |g|, so a gradient that is 0 stays 0 and one that overflows
    is ±inf, not inf − inf = NaN."""

    @staticmethod
    def forward(ctx, a, b):
        r = a / b
        ctx.save_for_backward(r, b)
        ctx.shapes = (a.shape, b.shape)
        return r

    @staticmethod
    def backward(ctx, g):
        r, b = ctx.saved_tensors
        sa, sb = ctx.shapes
        # (an empty batch of nodes, a frame with nothing to integrate, has no maximum)
        big = g.abs().max() if g.numel() else torch.zeros((), dtype=g.dtype)
        scale = torch.where((big > 0) & torch.isfinite(big), big, torch.ones_like(big))
        unit = g / scale                                   # |unit| ≤ 1

        def back(t: torch.Tensor, bt: torch.Tensor) -> torch.Tensor:
            # t·scale/b in the order that overflows only if the result does
            out = torch.where(bt.abs() < 1, (t * scale) / bt, t * (scale / bt))
            return torch.where(t == 0, torch.zeros_like(out), out)

        ga = back(unit, b).sum_to_size(sa) if ctx.needs_input_grad[0] else None
        gb = back((-(unit * r)).sum_to_size(sb), b) if ctx.needs_input_grad[1] else None
        return ga, gb


def ratio(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """a / b with a gradient that stays 0 (not NaN) where nothing depends on it. Plain
    division where its backward term (a/b)/b stays below 1e290 (the usual case, and
    the cheap one: no Python in the backward pass)."""
    r = a / b
    if not r.requires_grad:
        return r                                  # no backward pass: nothing to guard
    if r.numel() and b.numel():
        small = float(b.detach().abs().min())
        if small >= 1e-140 and float(r.detach().abs().max()) < 1e150:
            return r
    return _Ratio.apply(a, b)


def _z(x: torch.Tensor, loc: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    return ratio(x - loc, scale)


def _finite_square(z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
    """z with entries beyond 1e150 (whose square overflows) set to 0, and where they are
    (None if nowhere): the log-density is −inf there with a zero, not NaN, gradient."""
    far = z.detach().abs() > 1e150
    if not bool(far.any()):
        return z, None
    return torch.where(far, torch.zeros_like(z), z), far


def _log1p_sq(z: torch.Tensor, v: torch.Tensor | float = 1.0) -> torch.Tensor:
    """log(1 + z²/v) without z² overflowing (a Cauchy or Student t 1e257 scales away:
    2 log|z| − log v, not log(inf))."""
    big = z.detach().abs() > 1e100
    if not bool(big.any()):
        return torch.log1p(z * z / v)
    zs = torch.where(big, torch.zeros_like(z), z)
    zb = torch.where(big, z, torch.full_like(z, 1e200)).abs()
    far = 2 * torch.log(zb) - torch.log(torch.as_tensor(v, dtype=torch.float64)) \
        + torch.log1p(v / (zb * zb))
    return torch.where(big, far, torch.log1p(zs * zs / v))


class _LocScale(Continuous1D):
    symmetric = True              # about loc (the Gumbel is not)
    def __init__(self, loc: torch.Tensor, scale: torch.Tensor):
        self.loc = loc.unsqueeze(-1)
        self.scale = scale.unsqueeze(-1)

    def params_np(self):
        return {"loc": _np(self.loc), "scale": _np(self.scale)}

    def centre_width_np(self):
        return _np(self.loc), _np(self.scale)

    def shifted(self, c):
        out = copy.copy(self)
        out.loc = self.loc - c
        if self.gaussian is not None:
            out.gaussian = (out.loc, self.gaussian[1])
        return out

    def location(self):
        return self.loc[..., 0]

    def at_origin(self):
        out = copy.copy(self)
        out.loc = torch.zeros_like(self.loc.detach())
        if self.gaussian is not None:
            out.gaussian = (out.loc, self.gaussian[1])
        return out

    def scaled(self, k):
        out = copy.copy(self)
        out.loc, out.scale = self.loc / k, self.scale / k
        if self.gaussian is not None:
            out.gaussian = (out.loc, out.scale ** 2)
        return out

    def quantile_np(self, u):
        return _np(self.loc) + _np(self.scale) * self.std_quantile(u)

    def sf_np(self, x):
        if not self.symmetric:
            raise NotImplementedError
        # symmetric about loc: P(X > x) = F(2 loc − x), whose digits the CDF keeps
        return self.cdf_value(torch.as_tensor(2 * _np(self.loc) - x)).numpy()

    def ppf(self, u):
        z = torch.as_tensor(self.std_quantile(u.detach().numpy()), dtype=torch.float64)
        return self.loc + self.scale * z


class NormalLaw(_LocScale):
    def __init__(self, loc, scale):
        super().__init__(loc, scale)
        self.gaussian = (self.loc, self.scale**2)

    def log_prob(self, x):
        z, far = _finite_square(_z(x, self.loc, self.scale))
        lp = -0.5 * z * z - self.scale.log() - LOG_SQRT_2PI
        return lp if far is None else torch.where(far, torch.full_like(lp, -INF), lp)

    def cdf(self, x):
        return torch.special.ndtr(_z(x, self.loc, self.scale))

    @staticmethod
    def std_quantile(u):
        return ndtri(u)

    def far_growth(self, side, v):
        # (x − μ)²/(2σ²) at x = ±t
        s2 = v["scale"] ** 2
        return Growth({pow_term(2.0): 0.5 / s2, pow_term(1.0): -side * v["loc"] / s2})

    def char_fn(self, w):
        return torch.exp(1j * self.loc * w - 0.5 * (self.scale * w) ** 2)

class LaplaceLaw(_LocScale):
    def log_prob(self, x):
        return -_z(x, self.loc, self.scale).abs() - (2 * self.scale).log()

    def cdf(self, x):
        z = _z(x, self.loc, self.scale)
        return torch.where(z < 0, 0.5 * torch.exp(z.clamp(max=0)),
                           1 - 0.5 * torch.exp(-z.clamp(min=0)))

    @staticmethod
    def std_quantile(u):
        return np.where(u < 0.5, np.log(2 * u), -np.log(2 * (1 - u)))

    def far_growth(self, side, v):
        return Growth({pow_term(1.0): 1.0 / v["scale"]})

    def char_fn(self, w):
        return torch.exp(1j * self.loc * w) / (1 + (self.scale * w) ** 2)

class LogisticLaw(_LocScale):
    def log_prob(self, x):
        a = _z(x, self.loc, self.scale).abs()       # symmetric; exact in both tails
        return -a - 2 * torch.log1p(torch.exp(-a)) - self.scale.log()

    def cdf(self, x):
        return torch.sigmoid(_z(x, self.loc, self.scale))

    @staticmethod
    def std_quantile(u):
        return np.log(u) - np.log1p(-u)

    def far_growth(self, side, v):
        return Growth({pow_term(1.0): 1.0 / v["scale"]})

    def char_fn(self, w):
        a = math.pi * self.scale * w
        safe = torch.where(a == 0, torch.ones_like(a), a)
        ratio = torch.where(a == 0, torch.ones_like(a), safe / torch.sinh(safe))
        return torch.exp(1j * self.loc * w) * ratio

class CauchyLaw(_LocScale):
    tail_alpha = 1.0

    def log_prob(self, x):
        z = _z(x, self.loc, self.scale)
        return -math.log(math.pi) - self.scale.log() - _log1p_sq(z)

    def cdf(self, x):
        z = _z(x, self.loc, self.scale)
        # atan2 keeps far tails accurate: F = atan2(1, -z) / pi.
        return torch.atan2(torch.ones_like(z), -z) / math.pi

    @staticmethod
    def std_quantile(u):
        return np.tan(np.pi * (u - 0.5))

    def far_growth(self, side, v):
        return Growth({LOG_TERM: 2.0})

    def tail_coef(self):
        return _np(self.scale)[..., 0] / math.pi

    def char_fn(self, w):
        return torch.exp(1j * self.loc * w - self.scale * w.abs())

class GumbelLaw(_LocScale):
    """Gumbel (maximum). Far in the left tail e^-z overflows: the density and the CDF are
    0 there and so is their gradient (left to autograd it would be 0·inf = NaN)."""

    def _z_safe(self, x):
        z = _z(x, self.loc, self.scale)
        under = torch.isinf(torch.exp(-z.detach()))
        return torch.where(under, torch.zeros_like(z), z), under

    def log_prob(self, x):
        z, under = self._z_safe(x)
        lp = -(z + torch.exp(-z)) - self.scale.log()
        return torch.where(under, torch.full_like(lp, -math.inf), lp)

    symmetric = False

    def cdf(self, x):
        z, under = self._z_safe(x)
        return torch.where(under, torch.zeros_like(z), torch.exp(-torch.exp(-z)))

    def sf_np(self, x):
        z = (x - _np(self.loc)) / _np(self.scale)
        with np.errstate(over="ignore"):
            return -np.expm1(-np.exp(-z))

    @staticmethod
    def std_quantile(u):
        return -np.log(-np.log(u))

    def far_growth(self, side, v):
        # z + e^{−z}, z = (x − μ)/σ: linear on the right, doubly exponential on the left.
        mu, sigma = v["loc"], v["scale"]
        if side > 0:
            return Growth({pow_term(1.0): 1.0 / sigma})
        return Growth.exp(1.0 / sigma, exp_coef(mu / sigma)) + Growth({pow_term(1.0): -1.0 / sigma})


class StudentTLaw(_LocScale):
    def __init__(self, df, loc, scale):
        super().__init__(loc, scale)
        self.df = df.unsqueeze(-1)
        self.tail_alpha = float(df.detach().min())

    def params_np(self):
        return {**super().params_np(), "df": _np(self.df)}

    def far_growth(self, side, v):
        return Growth({LOG_TERM: v["df"] + 1.0})

    def log_prob(self, x):
        z = _z(x, self.loc, self.scale)
        v = self.df
        return (torch.lgamma((v + 1) / 2) - torch.lgamma(v / 2) - 0.5 * torch.log(v * math.pi)
                - self.scale.log() - (v + 1) / 2 * _log1p_sq(z, v))

    def quantile_np(self, u):
        return _np(self.loc) + _np(self.scale) * _special().stdtrit(_np(self.df), u)

    def cdf_np(self, x):
        return _special().stdtr(_np(self.df), (x - _np(self.loc)) / _np(self.scale))

    def tail_coef(self):
        v = _np(self.df)[..., 0]
        sc = _special()
        c = np.exp(sc.gammaln((v + 1) / 2) - sc.gammaln(v / 2)) / np.sqrt(v * np.pi)
        return c * v ** ((v - 1) / 2) * _np(self.scale)[..., 0] ** v


class UniformLaw(Continuous1D):
    def __init__(self, low, high, width=None):
        self.lo = low.unsqueeze(-1)
        self.hi = high.unsqueeze(-1)
        # the width as given: moved into a frame 1e257 away, hi − lo would round to 0
        self.width = self.hi - self.lo if width is None else width

    def params_np(self):
        return {"low": _np(self.lo), "high": _np(self.hi)}

    def support(self, v):
        return v["low"], v["high"]

    def centre_width_np(self):
        return (_np(self.lo) + _np(self.hi)) / 2, _np(self.hi) - _np(self.lo)

    def shifted(self, c):
        return UniformLaw((self.lo - c)[..., 0], (self.hi - c)[..., 0], self.width)

    def scaled(self, k):
        return UniformLaw((self.lo / k)[..., 0], (self.hi / k)[..., 0], self.width / k)

    def log_prob(self, x):
        inside = (x > self.lo) & (x < self.hi)  # open: zero-width panels at the ends add 0
        lp = -torch.log(self.width)
        return torch.where(inside, lp, torch.full_like(lp, -INF))

    def cdf(self, x):
        return ((x - self.lo) / self.width).clamp(0.0, 1.0)

    def sf_np(self, x):
        return np.clip((_np(self.hi) - x) / _np(self.width), 0.0, 1.0)

    def quantile_np(self, u):
        lo, hi = _np(self.lo), _np(self.hi)
        return lo + (hi - lo) * u

    def char_fn(self, w):
        mid, half = (self.lo + self.hi) / 2, (self.hi - self.lo) / 2
        a = half * w
        safe = torch.where(a == 0, torch.ones_like(a), a)
        sinc = torch.where(a == 0, torch.ones_like(a), torch.sin(safe) / safe)
        return torch.exp(1j * mid * w) * sinc

class _Positive(Continuous1D):
    """Laws on [0, inf): log-density evaluated at a clamped point, -inf below 0."""

    def __init__(self):
        self.lo = torch.zeros(1, dtype=torch.float64)

    def support(self, v):
        return 0.0, INF

    def log_prob(self, x):
        xs = x.clamp(min=1e-300)
        lp = self._lp(xs)
        return torch.where(x > 0, lp, torch.full_like(lp, -INF))


class ExponentialLaw(_Positive):
    def __init__(self, rate):
        super().__init__()
        self.rate = rate.unsqueeze(-1)

    def _lp(self, x):
        return self.rate.log() - self.rate * x

    def params_np(self):
        return {"rate": _np(self.rate)}

    def far_growth(self, side, v):
        return Growth({pow_term(1.0): v["rate"]})

    def cdf(self, x):
        return -torch.expm1(-self.rate * x.clamp(min=0))

    def sf_np(self, x):
        return np.exp(-_np(self.rate) * np.clip(x, 0, None))

    def quantile_np(self, u):
        return -np.log1p(-u) / _np(self.rate)

    def char_fn(self, w):
        return 1 / (1 - 1j * w / self.rate)

    def scaled(self, k):
        return ExponentialLaw((self.rate * k)[..., 0])

class GammaLaw(_Positive):
    def __init__(self, concentration, rate):
        super().__init__()
        self.k = concentration.unsqueeze(-1)
        self.rate = rate.unsqueeze(-1)

    def _lp(self, x):
        k, r = self.k, self.rate
        return k * r.log() + (k - 1) * x.log() - r * x - torch.lgamma(k)

    def params_np(self):
        return {"k": _np(self.k), "rate": _np(self.rate)}

    def far_growth(self, side, v):
        return Growth({pow_term(1.0): v["rate"], LOG_TERM: 1.0 - v["k"]})

    def end_growth(self, side, v):
        return Growth({LOG_TERM: v["k"] - 1.0})            # x^(k−1) at 0

    def quantile_np(self, u):
        return _special().gammaincinv(_np(self.k), u) / _np(self.rate)

    def scaled(self, k):
        return GammaLaw(self.k[..., 0], (self.rate * k)[..., 0])

    def extra_mesh_np(self):
        return graded(_np(self.k))[None, :] / _np(self.rate).reshape(-1, 1)

    def unresolved_mass_np(self):
        return _special().gammainc(_np(self.k), FINEST)[..., 0]

    def end_exponent(self, side):
        return self.k if side < 0 else None

    def end_span_np(self):
        return 1e-250 / _np(self.rate)

    def end_log_mass(self, side, d):
        # F(d) = (λd)^k / Γ(k + 1) · (1 − k λd / (k + 1) + ...); log λ + log d, as λd can
        # underflow to 0 for a d of 1e-320
        return self.k * (torch.log(self.rate) + torch.log(d)) - torch.lgamma(self.k + 1) \
            if side < 0 else None

    def cdf_np(self, x):
        return _special().gammainc(_np(self.k), np.clip(x, 0, None) * _np(self.rate))

    def sf_np(self, x):
        return _special().gammaincc(_np(self.k), np.clip(x, 0, None) * _np(self.rate))

    def char_fn(self, w):
        return torch.exp(-self.k * torch.log(1 - 1j * w / self.rate))

class LogNormalLaw(_Positive):
    def __init__(self, loc, scale):
        super().__init__()
        self.loc = loc.unsqueeze(-1)
        self.scale = scale.unsqueeze(-1)

    def _lp(self, x):
        lx = x.log()
        z, far = _finite_square((lx - self.loc) / self.scale)
        lp = -0.5 * z * z - self.scale.log() - LOG_SQRT_2PI - lx
        return lp if far is None else torch.where(far, torch.full_like(lp, -INF), lp)

    def params_np(self):
        return {"loc": _np(self.loc), "scale": _np(self.scale)}

    def far_growth(self, side, v):
        # (log t − μ)²/(2σ²) + log t
        s2 = v["scale"] ** 2
        return Growth({LOG2_TERM: 0.5 / s2, LOG_TERM: 1.0 - v["loc"] / s2})

    def end_growth(self, side, v):
        # x = 1/u: (log u + μ)²/(2σ²) − log u
        s2 = v["scale"] ** 2
        return Growth({LOG2_TERM: 0.5 / s2, LOG_TERM: v["loc"] / s2 - 1.0})

    def cdf(self, x):
        return torch.special.ndtr((x.clamp(min=1e-300).log() - self.loc) / self.scale)

    def sf_np(self, x):
        z = (np.log(np.clip(x, 1e-300, None)) - _np(self.loc)) / _np(self.scale)
        return torch.special.ndtr(torch.as_tensor(-z)).numpy()

    def scaled(self, k):
        return LogNormalLaw((self.loc - math.log(k))[..., 0], self.scale[..., 0])

    def quantile_np(self, u):
        return np.exp(_np(self.loc) + _np(self.scale) * ndtri(u))


class BetaLaw(Continuous1D):
    """Beta on [0, 1], evaluated at x = c + t for a local coordinate t (c = 0 normally).

    Shifted by c = 1 (`shifted`), 1 − x = −t is exact, so a density singular at 1
    (b < 1) can be integrated down to distances of 1e-300 from that end instead of the
    1e-16 that x itself resolves; the engine's frames do that (`anchors_np`).
    """

    def __init__(self, a, b, offset: torch.Tensor | None = None):
        self.a = a.unsqueeze(-1)
        self.b = b.unsqueeze(-1)
        self.c = torch.zeros(1, dtype=torch.float64) if offset is None else offset
        self.lo = -self.c
        self.hi = 1 - self.c

    def params_np(self):
        return {"a": _np(self.a), "b": _np(self.b)}

    def support(self, v):
        return 0.0, 1.0

    def end_growth(self, side, v):
        return Growth({LOG_TERM: (v["a"] if side < 0 else v["b"]) - 1.0})

    def anchors_np(self) -> list[float]:
        """Points where a frame should be centred: the end at 1 when the density blows
        up there."""
        return [1.0] if bool((_np(self.b) < 1).any()) else []

    def shifted(self, c):
        return BetaLaw(self.a[..., 0], self.b[..., 0], self.c + c)

    def log_prob(self, x):
        c = self.c
        inside = (x > -c) & (x < 1 - c)
        t = torch.where(inside, x, 0.5 - c)
        lx = torch.where(c == 1, torch.log1p(t), torch.log(c + t))
        l1mx = torch.where(c == 0, torch.log1p(-t), torch.log((1 - c) - t))
        a, b = self.a, self.b
        lbeta = torch.lgamma(a) + torch.lgamma(b) - torch.lgamma(a + b)
        lp = (a - 1) * lx + (b - 1) * l1mx - lbeta
        return torch.where(inside, lp, torch.full_like(lp, -INF))

    def quantile_np(self, u):
        sc, a, b, c = _special(), _np(self.a), _np(self.b), _np(self.c)
        u = np.asarray(u, dtype=np.float64)
        low = sc.betaincinv(a, b, np.minimum(u, 0.5)) - c
        high = (1 - c) - sc.betaincinv(b, a, np.minimum(1 - u, 0.5))
        return np.where(u <= 0.5, low, high)

    def extra_mesh_np(self):
        c = _np(self.c)
        return np.concatenate([graded(_np(self.a)) - c, (1 - c) - graded(_np(self.b))], -1)

    def cdf_np(self, x):
        return _special().betainc(_np(self.a), _np(self.b), np.clip(x + _np(self.c), 0, 1))

    def unresolved_mass_np(self):
        sc, a, b = _special(), _np(self.a), _np(self.b)
        return (sc.betainc(a, b, FINEST) + sc.betainc(b, a, FINEST))[..., 0]

    def end_exponent(self, side):
        return self.a if side < 0 else self.b

    def end_log_mass(self, side, d):
        # d^a / (a B(a, b)) · (1 + O(d)) at 0; at 1 the same with a and b swapped
        e = self.a if side < 0 else self.b
        lbeta = torch.lgamma(self.a) + torch.lgamma(self.b) - torch.lgamma(self.a + self.b)
        return e * torch.log(d) - torch.log(e) - lbeta


class AffineLaw(Continuous1D):
    """The law of shift + scale·X for a realised law X (scale > 0, both (..., 1) tensors).

    Used to project 2-D products with an atomic coordinate onto a direction.
    """

    def __init__(self, law: Continuous1D, shift: torch.Tensor, scale: torch.Tensor):
        self.law, self.shift, self.scale = law, shift, scale
        self.tail_alpha = law.tail_alpha
        self.lo = shift + scale * law.lo if isinstance(law.lo, torch.Tensor) else law.lo
        self.hi = shift + scale * law.hi if isinstance(law.hi, torch.Tensor) else law.hi

    def _x(self, t: torch.Tensor) -> torch.Tensor:
        return (t - self.shift) / self.scale

    def log_prob(self, t):
        return self.law.log_prob(self._x(t)) - self.scale.log()

    def cdf(self, t):
        return self.law.cdf(self._x(t))

    def sf(self, t):
        return self.law.sf(self._x(t))

    def cdf_value(self, t):
        return self.law.cdf_value(self._x(t).detach())

    def quantile_np(self, u):
        return _np(self.shift) + _np(self.scale) * self.law.quantile_np(u)

    def end_exponent(self, side):
        return self.law.end_exponent(side)

    def end_span_np(self):
        return _np(self.scale) * self.law.end_span_np()

    def end_log_mass(self, side, d):
        return self.law.end_log_mass(side, d / self.scale)

    def extra_mesh_np(self):
        extra = self.law.extra_mesh_np()
        return None if extra is None else _np(self.shift) + _np(self.scale) * extra

    def tail_coef(self):
        return _np(self.scale)[..., 0] ** self.tail_alpha * self.law.tail_coef()
