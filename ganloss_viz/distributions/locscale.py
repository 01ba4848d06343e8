"""The location-scale families (normal, Laplace, logistic, Cauchy, Gumbel, Student t)
and the guarded arithmetic their log-densities need at extreme scales: a ratio whose
backward pass stays 0 (not NaN) where nothing depends on it, squares that would overflow.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import torch

from .asymptotics import LOG_TERM, Growth, exp_coef, pow_term
from .law1d import LOST_LOG, Continuous1D
from .mesh import INF, LOG_SQRT_2PI, _np, _special, absmax, ndtr, ndtri


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
        # (a node 1e192 from a law of scale 2e-256 has z = inf: no gradient reaches it, and
        # 0 · inf would make the scale's derivative nan)
        ur = torch.where(unit == 0, torch.zeros_like(unit), unit * r)
        gb = back((-ur).sum_to_size(sb), b) if ctx.needs_input_grad[1] else None
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
        if small >= 1e-140 and absmax(r) < 1e150:
            return r
    return _Ratio.apply(a, b)


def _z(x: torch.Tensor, loc: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    return ratio(x - loc, scale)


def _log_abs_z(x: torch.Tensor, loc: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """log|x − loc| − log scale without x − loc overflowing (halved first); at x = loc
    (never a node whose log-density rounded to −inf) a finite value without a gradient."""
    half = (0.5 * x - 0.5 * loc).abs().clamp(min=1e-300)
    return torch.log(half) + math.log(2.0) - torch.log(scale)


def _log_half_square(log_abs_z: torch.Tensor) -> torch.Tensor:
    """log(z²/2) from log|z|, no smaller than the default bound (LOST_LOG)."""
    return torch.clamp(2 * log_abs_z - math.log(2.0), min=LOST_LOG)


def _finite_square(z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
    """z with entries beyond 1e150 (whose square overflows) set to 0, and where they are
    (None if nowhere): the log-density is −inf there with a zero, not NaN, gradient."""
    if absmax(z) <= 1e150:
        return z, None
    far = z.detach().abs() > 1e150
    return torch.where(far, torch.zeros_like(z), z), far


class _Log1pSq(torch.autograd.Function):
    """log(1 + z²/v), z = (x − loc)/scale, for z far out (|z| beyond 1e100 somewhere):
    2 log|z| − log v + log1p(v/z²) there, with log|z| = log|x − loc| − log scale, so that
    neither z² nor z overflows (a Cauchy of scale 1e-300 at x = 1e100 has z = 1e400: its
    log-density, −1150, came out −inf). Its backward forms each derivative from
    r = z²/(v + z²) ∈ [0, 1]: ∂/∂scale = −2r/scale, ∂/∂x = r/((x − loc)/2), ∂/∂v = −r/v.
    Autograd's chain (g·2z/(1 + z²))·(−z/scale) underflowed in its first factor where g
    is small (the Hellinger of Cauchys of scales 1e∓300 has an overlap of 8.8e-298 that
    scales every g: a third of its ∂/∂scale was lost)."""

    @staticmethod
    def forward(ctx, x, loc, scale, v):
        half = 0.5 * x - 0.5 * loc                        # (x − loc)/2: no overflow
        z = half / scale * 2.0
        big = z.abs() > 1e100
        zz = z * z
        far = 2 * (torch.log(half.abs()) + math.log(2.0) - torch.log(scale)) - torch.log(v) \
            + torch.log1p(v / zz)
        near = torch.log1p(torch.where(big, torch.zeros_like(zz), zz) / v)
        r = 1.0 / (1.0 + v / zz)                          # z = 0: 0; |z| = inf: 1
        ctx.save_for_backward(half, scale, v, r)
        ctx.shapes = (x.shape, loc.shape, scale.shape, v.shape)
        return torch.where(big, far, near)

    @staticmethod
    def backward(ctx, g):
        half, scale, v, r = ctx.saved_tensors
        gr = g * r
        gx = torch.where(half == 0, torch.zeros_like(gr), gr / half)
        grads = (gx, -gx, -2.0 * gr / scale, -gr / v)
        return tuple(t.sum_to_size(shape) if need else None
                     for t, shape, need in zip(grads, ctx.shapes, ctx.needs_input_grad,
                                               strict=True))


def _log1p_sq(x: torch.Tensor, loc: torch.Tensor, scale: torch.Tensor,
              v: torch.Tensor | float = 1.0) -> torch.Tensor:
    """log(1 + z²/v), z = (x − loc)/scale: plainly where |z| stays below 1e100, else by
    `_Log1pSq`, which neither overflows nor underflows there."""
    z = _z(x, loc, scale)
    if absmax(z) <= 1e100:
        return torch.log1p(z * z if isinstance(v, float) and v == 1.0 else z * z / v)
    return _Log1pSq.apply(x, loc, scale, torch.as_tensor(v, dtype=torch.float64))


class _LocScale(Continuous1D):
    symmetric = True              # about loc (the Gumbel is not)
    def __init__(self, loc: torch.Tensor, scale: torch.Tensor):
        self.loc = loc.unsqueeze(-1)
        self.scale = scale.unsqueeze(-1)

    def params_np(self):
        return {"loc": self.array("loc"), "scale": self.array("scale")}

    def centre_width_np(self):
        return self.array("loc"), self.array("scale")

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
        with np.errstate(over="ignore", invalid="ignore"):   # past 1.8e308: ±inf, dropped
            return self.array("loc") + self.array("scale") * self.std_quantile(u)

    def sf_np(self, x):
        if not self.symmetric:
            raise NotImplementedError
        # symmetric about loc: P(X > x) = F(2 loc − x), whose digits the CDF keeps
        return self.cdf_value(torch.as_tensor(2 * self.array("loc") - x)).numpy()

    def ppf(self, u):
        z = torch.tensor(self.std_quantile(u.detach().numpy()), dtype=torch.float64)
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
        return ndtr(_z(x, self.loc, self.scale))

    far_log_exact = True

    def log_neg_log_prob(self, x):
        return _log_half_square(_log_abs_z(x, self.loc, self.scale))     # −log p ≈ z²/2

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
        return -math.log(math.pi) - self.scale.log() - _log1p_sq(x, self.loc, self.scale)

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
        return self.array("scale")[..., 0] / math.pi

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

    far_log_exact = True

    def log_neg_log_prob(self, x):
        # −log p ≈ e^{−z} on the left (log: |z|, itself maybe beyond the float range), z
        # on the right (where only z's own overflow makes log p −inf)
        la = _log_abs_z(x, self.loc, self.scale)
        left = x.detach() < self.loc.detach()
        out = torch.where(left, torch.exp(torch.where(left, la, torch.zeros_like(la))), la)
        return torch.clamp(out, min=LOST_LOG)

    def cdf(self, x):
        z, under = self._z_safe(x)
        return torch.where(under, torch.zeros_like(z), torch.exp(-torch.exp(-z)))

    def sf_np(self, x):
        with np.errstate(over="ignore"):        # z past the float range: sf 0 or 1
            z = (x - self.array("loc")) / self.array("scale")
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

    def extra_mesh_np(self):
        """Below index 1 the density is a spike of width σ√ν on a 1/|x| slope out to σ, and
        the quantile mesh has nothing there (for ν = 0.0034 the 0.65 quantile is 4.5e43
        σ): points at σ√ν·2^k either side (k = −2 to 6; the gap filling goes on from
        them). With the spike in one panel from the median, ∂/∂loc of Bhattacharyya
        against a t of index 2.2 seven units away was 2e-4 off, ∂/∂scale 8 % (search
        seed 2052)."""
        nu = _np(self.df)
        if not bool((nu < 1).any()):
            return None
        steps = np.sqrt(np.minimum(nu, 1.0)) * 2.0 ** np.arange(-2, 7)
        scale, loc = self.array("scale"), self.array("loc")
        return np.concatenate([loc - scale * steps[..., ::-1], loc + scale * steps], -1)

    def unresolved_mass_np(self):
        """Mass beyond the float range (|x| above 1.8e308), where no node can go: a t of
        index 0.0018 keeps a quarter of its mass out there (KL against it came out 6.69
        for 7.34 with an error of 0.013); one of index 0.164, 1e-50."""
        # P(|T| > X) for X far out, from the leading term of the regularised incomplete
        # beta (scipy's stdtr squares X and returns 0 from 1e154 on, for 0.14 here):
        # 0.5·z^(ν/2) / ((ν/2)·B(ν/2, 1/2)) per side, z = ν/X², all in logs
        big = np.finfo(np.float64).max
        df, loc, scale = _np(self.df), self.array("loc"), self.array("scale")
        half = df / 2
        total = 0.0
        with np.errstate(over="ignore"):        # a location of ∓1e308: that edge is inf
            edges = (big - loc, big + loc)
        for edge in edges:
            log_x = np.log(np.maximum(edge, 1e-300)) - np.log(scale)
            log_z = np.log(df) - 2 * log_x
            total = total + 0.5 * np.exp(half * log_z - np.log(half)
                                         - _special().betaln(half, 0.5))
        # below 1e-18 (an index above 0.058) it is under the rounding floor of any value's
        # error (1e3 times it, the f-divergences' allowance, is 1e-15), and taken as 0:
        # a Rényi coefficient of order above 1 has no bound at all once any mass is unseen
        return np.where(total > 1e-18, np.minimum(total, 1.0), 0.0)[..., 0]

    def log_prob(self, x):
        v = self.df
        return (torch.lgamma((v + 1) / 2) - torch.lgamma(v / 2) - 0.5 * torch.log(v * math.pi)
                - self.scale.log() - (v + 1) / 2 * _log1p_sq(x, self.loc, self.scale, v))

    def quantile_np(self, u):
        with np.errstate(over="ignore", invalid="ignore"):   # past 1.8e308: ±inf, dropped
            return self.array("loc") + self.array("scale") * _special().stdtrit(_np(self.df), u)

    def stop_loss(self, x: torch.Tensor, side: int,
                  tail: torch.Tensor | None = None) -> torch.Tensor:
        """The tail's integral beyond x, ∫_x^∞ S (side +1) or ∫_−∞^x F (side −1), for an
        index above 1, in closed form: E[(X − x)+] = σ ν c_ν (1 + z²/ν)^−(ν−1)/2 / (ν − 1)
        − (x − loc) S(x), from the standard t's E[T; T > z] = (ν + z²) f(z) / (ν − 1), and
        its mirror image. W1 takes the tails of an index near 1 from it (`transport.
        heavy_tails`): there |x|^−ν decays too slowly for any node map, and much of the
        integral lies past the largest double. tail: S(x) (side +1) or F(x), if known."""
        v = self.df
        log_k = (self.scale.log() + torch.lgamma((v + 1) / 2) - torch.lgamma(v / 2)
                 - 0.5 * torch.log(v * math.pi) + torch.log(v / (v - 1))
                 - (v - 1) / 2 * _log1p_sq(x, self.loc, self.scale, v))
        if tail is None:
            tail = self.sf(x) if side > 0 else self.cdf(x)
        return torch.exp(log_k) - side * (x - self.loc) * tail

    def cdf_np(self, x):
        """scipy's stdtr, except far out (|z| above 1e100), where it squares z and returns
        0 from 1e154 on (a t of index 1.0155 has F(−1e155) = 1.4e-158): there the leading
        term of the regularised incomplete beta, (ν/z²)^(ν/2) / (ν B(ν/2, ½)), whose next
        term is ν/z² = 1e-200 of it."""
        sc, df = _special(), _np(self.df)
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            z = (x - self.array("loc")) / self.array("scale")
            near = sc.stdtr(df, np.where(np.abs(z) > 1e100, 0.0, z))
            # |z|^−ν by pow (to an ulp; through exp(−ν log|z|) it lost 300 of them at 1e300),
            # by logs only where z itself overflowed
            log_z = np.log(np.abs(0.5 * x - 0.5 * self.array("loc"))) + math.log(2.0) \
                - np.log(self.array("scale"))
            power = np.where(np.isfinite(z), np.abs(z) ** -df, np.exp(-df * log_z))
            far = power * np.exp(df / 2 * np.log(df) - np.log(df) - sc.betaln(df / 2, 0.5))
        return np.where(np.abs(z) > 1e100, np.where(z < 0, far, 1.0 - far), near)

    def tail_coef(self):
        v = _np(self.df)[..., 0]
        sc = _special()
        c = np.exp(sc.gammaln((v + 1) / 2) - sc.gammaln(v / 2)) / np.sqrt(v * np.pi)
        with np.errstate(over="ignore"):           # (a scale of 1e300: inf, not a warning)
            return c * v ** ((v - 1) / 2) * self.array("scale")[..., 0] ** v
