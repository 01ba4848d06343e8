"""The base of the continuous 1-D laws: `Continuous1D` (log-density, CDF by quadrature
with exact values, quantiles for meshing, support and tail declarations) and `AffineLaw`
(the law of shift + scale·X, which `Continuous1D.shifted` returns for families that
cannot move their own parameters).

The families themselves live in `locscale` (normal, Laplace, logistic, Cauchy, Gumbel,
Student t) and `bounded` (uniform, exponential, gamma, lognormal, beta), the mesh levels
in `mesh`; `continuous` gathers them all.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from .asymptotics import Growth
from .mesh import _CDF_NODES, _RESOLVED, INF, MESH_LEVELS, _np, heavy_levels
from .quadrature import panel_nodes, tail_nodes, tail_power

LOST_LOG = math.log(5e299)     # log(−log p) where a log-density has rounded to −inf


class Continuous1D:
    """A realised continuous law on the line (parameters shaped (..., 1))."""

    lo: torch.Tensor | float = -INF     # support, attached to the parameters
    hi: torch.Tensor | float = INF
    tail_alpha: float = INF             # sf ~ coef * x**-alpha (power tails), else inf
    gaussian: tuple[torch.Tensor, torch.Tensor] | None = None  # (mean, variance)

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    # whether log_neg_log_prob is log(−log p) itself, not only a lower bound
    far_log_exact: bool = False

    def log_neg_log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log(−log p(x)) where log_prob rounds to −inf inside the support: how far beyond
        the float range a log-ratio is there. Families whose log-density can underflow give
        it (attached, `far_log_exact`: the terms they drop weigh 1e-290 of −log p ≥ 5e299
        there); by default a lower bound, what the rounding itself says (−log p > 5e299:
        a normal's log-density is −inf once z² would overflow)."""
        return torch.full_like(x.detach(), LOST_LOG)

    def array(self, name: str) -> np.ndarray:
        """The detached array of the tensor attribute `name`, made once while that tensor
        is the attribute (a law's copies, shifted or scaled, hold their own): the
        centres, widths and quantiles of one value asked for it some thirty times."""
        t = getattr(self, name)
        kept = self.__dict__.get("_array_" + name)
        if kept is None or kept[0] is not t:
            kept = (t, t.detach().cpu().numpy())
            kept[1].flags.writeable = False         # shared by every caller: read-only
            self.__dict__["_array_" + name] = kept
        return kept[1]

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

    def far_mass_np(self) -> float:
        """The largest (over rows) mass beyond the largest double whose log-density falls
        faster than a power there (a lognormal's): against it an unbounded f-divergence's
        integrand has no bound per unit of mass (0 for the other families: a power
        tail's mass out there counts in `unresolved_mass_np`)."""
        return 0.0

    def end_share_np(self, side: int) -> float:
        """The share of an integrand with a power of this density above 1 or below 0
        (`end_power`) left inside the last graded break at the support end on `side`
        (`mesh.end_share`): 0 for the families without graded ends."""
        return 0.0

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
        if lm is None:
            return None
        # −inf, not the stand-in d = 1, where d ≤ 0: for a gamma of rate 2.8e61 that one's
        # log-mass is 770, and the masked exp's backward pass 0·inf = NaN (W1's ∂/∂rate)
        return torch.exp(torch.where(ok, lm, torch.full_like(lm, -math.inf)))

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
        # power tails: levels that keep a panel's span in x bounded (`heavy_levels`)
        levels = MESH_LEVELS if math.isinf(self.tail_alpha) else heavy_levels(self.tail_alpha)
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
        quad = base + self._mass(xx, ww, mid)
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
            # (as _mass: an empty panel at the end of a beta of b = 0.0045 holds a node at
            # 1, where p is inf, and inf·0 made ∂W1/∂a NaN)
            near = torch.gather(sf_b, -1, k) + self._mass(nx, nw, mid)
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
        while inside.dim() < x.dim():
            # (a median of batch shape (..., 1) against a tail's nodes (..., 1, n): its
            # batch axis went under the nodes' and a sweep of a t's df crashed W1)
            inside = inside.unsqueeze(-1)
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

    @property
    def far_log_exact(self) -> bool:
        return self.law.far_log_exact

    def log_neg_log_prob(self, t):
        return self.law.log_neg_log_prob(self._x(t))

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

    def end_share_np(self, side):
        return self.law.end_share_np(side)

    def end_log_mass(self, side, d):
        return self.law.end_log_mass(side, d / self.scale)

    def extra_mesh_np(self):
        extra = self.law.extra_mesh_np()
        return None if extra is None else _np(self.shift) + _np(self.scale) * extra

    def tail_coef(self):
        return _np(self.scale)[..., 0] ** self.tail_alpha * self.law.tail_coef()
