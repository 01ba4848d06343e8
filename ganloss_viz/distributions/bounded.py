"""The families with a finite support end: uniform, exponential, gamma, lognormal, beta.
Gamma and beta declare their density's leading power at a singular end (`end_exponent`,
`end_log_mass`), which the CDF and the engine's end cells use below the finest mesh.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from .asymptotics import LOG2_TERM, LOG_TERM, Growth, pow_term
from .law1d import Continuous1D
from .locscale import _finite_square, _log_half_square
from .mesh import (
    FINEST,
    FLOAT_MAX,
    FLOAT_TINY,
    INF,
    LOG_MAX,
    LOG_SQRT_2PI,
    _np,
    _special,
    end_share,
    graded,
    ndtr,
    ndtri,
)


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
        with np.errstate(over="ignore"):    # (x 1e300 from a narrow uniform: inf, clipped)
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
        # read as it is below 1e-300 too, where a gamma of rate 1e5 has graded breaks (to
        # 1e-305: clamped at 1e-300, its density there was off by 1e5^(k − 1)), but with
        # no gradient in x there, where (k − 1)/x overflows, and not below the smallest
        # normal double: a gamma of shape 0.001 is 1e317 at 5e-324 (beyond the float
        # range; below 2.2e-308 it stays under k/x)
        xs = torch.where(x >= 1e-300, x, x.detach().clamp(min=FLOAT_TINY))
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

    def end_share_np(self, side):
        return end_share(_np(self.k)) if side < 0 else 0.0

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
        with np.errstate(over="ignore"):      # λx past 1.8e308: inf, where F is 1
            return _special().gammainc(_np(self.k), np.clip(x, 0, None) * _np(self.rate))

    def sf_np(self, x):
        with np.errstate(over="ignore"):
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
        # 0 at and below 0, not F(1e-300): for σ = 20 that is Φ(−34.6) = 6e-262, and
        # W2's quantile search sent the levels below it to −1e308 (W2 3.5e3 times too big)
        pos = x > 0
        z = (torch.where(pos, x, torch.ones_like(x)).log() - self.loc) / self.scale
        return torch.where(pos, ndtr(z), torch.zeros_like(z))

    far_log_exact = True

    def log_neg_log_prob(self, x):
        # −log p ≈ z²/2, z = (log x − μ)/σ (log x itself is within ±745)
        lz = (x.clamp(min=1e-300).log() - self.loc).abs().clamp(min=1e-300).log() \
            - self.scale.log()
        return _log_half_square(lz)

    def sf_np(self, x):
        pos = x > 0
        z = (np.log(np.where(pos, x, 1.0)) - _np(self.loc)) / _np(self.scale)
        return np.where(pos, ndtr(torch.as_tensor(-z)).numpy(), 1.0)

    def scaled(self, k):
        return LogNormalLaw((self.loc - math.log(k))[..., 0], self.scale[..., 0])

    def quantile_np(self, u):
        with np.errstate(over="ignore"):      # past 1.8e308: inf, which the mesh drops
            return np.exp(_np(self.loc) + _np(self.scale) * ndtri(u))

    def extra_mesh_np(self):
        """For σ > 1, breaks 1 apart in log x (and at most 1 in z, the standard deviations
        of log x) from z = −2σ − 9 to z = 2σ + 9, within the float range: the quantile mesh
        steps by up to 1.24 in z, more than 1 in log x, where a density like 1/x needs
        panels of ratio e. A moment weighs x^k e^(−z²/2) ∝ e^(−(z − kσ)²/2): W1's ∫S dx
        peaks at z = σ, KL against a normal (E[X²]) at z = 2σ, past the mesh's last level
        (z = 7.03) once σ > 3.5; on the left, Neyman's q²/p against a law positive at 0
        weighs E[1/X], at z = −σ. Without them W1 of lognormal(0, 8) and normal(0, 1) came
        out 4.9e13 ± 3.1e12 for e^32 = 7.9e13, KL of lognormal(0, 5) and normal(0, 1)
        3.6e20 ± 8.7e19 for 2.6e21, and ∂TV/∂μ of lognormal(2.9, 14.2) and a uniform was
        44 % off (the left side's panels spanned e^17). For σ ≤ 1 the mesh and the tail
        map past it suffice (more breaks there moved the tail extensions of a narrow
        lognormal's neighbours): none."""
        mu, s = _np(self.loc), _np(self.scale)
        if not np.any(s > 1):
            return None
        dz = np.minimum(1.0, 1.0 / s)
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            # (a margin of 1 in log x: a break at e^±709.78 rounds to inf or 0); rows of
            # σ ≤ 1 (a batch) get none: their breaks all fall on the mesh's median
            wide = s > 1
            top = np.where(wide, np.minimum(2 * s + 9, (LOG_MAX - 1 - mu) / s), 0.0)
            bottom = np.where(wide, np.maximum(-2 * s - 9, (1 - LOG_MAX - mu) / s), 0.0)
            k = np.nan_to_num(np.ceil((top - bottom) / dz), nan=0.0, posinf=0.0)
            k = int(min(max(float(np.max(k, initial=0.0)), 0.0), _FAR_BREAKS))
            if k == 0:
                return None
            z = np.minimum(bottom + dz * np.arange(0, k + 1), top)
            return np.exp(mu + s * z)

    def far_mass_np(self):
        return float(np.max(np.exp(self.log_beyond_np(FLOAT_MAX)[0])))

    def log_beyond_np(self, m: float) -> tuple[np.ndarray, np.ndarray]:
        """(log P(X > m), log E[X; X > m]) per row: e^(μ + σ²/2) Φ(σ − z), z =
        (log m − μ)/σ, for the share of a moment that lies past a point no node reaches
        (the largest double)."""
        mu, s = _np(self.loc)[..., 0], _np(self.scale)[..., 0]
        z = (math.log(m) - mu) / s
        log_ndtr = _special().log_ndtr
        return log_ndtr(-z), mu + 0.5 * s * s + log_ndtr(s - z)


_FAR_BREAKS = 1500     # log x spans 1420 at most: ≤ 1420 steps of 1 in log x


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

    def vanishing_anchors_np(self) -> list[float]:
        """The end at 1 when the density vanishes there: a frame is centred on it for an
        integrand with a negative power of the density (`frames._requested`)."""
        return [1.0] if bool((_np(self.b) > 1).any()) else []

    def shifted(self, c):
        return BetaLaw(self.a[..., 0], self.b[..., 0], self.c + c)

    def log_prob(self, x):
        c = self.c
        inside = (x > -c) & (x < 1 - c)
        t = torch.where(inside, x, 0.5 - c)
        # Outside the support the logs' arguments are replaced by 1/2: in a frame far away
        # (c = 4e164) 0.5 − c rounds to −c, log(c + t) is −inf there, and its derivative
        # in a, taken before the mask, was −inf · 0 = NaN.
        half = torch.full_like(t, 0.5)
        lx = torch.where(c == 1, torch.log1p(t), torch.log(torch.where(inside, c + t, half)))
        l1mx = torch.where(c == 0, torch.log1p(-t),
                           torch.log(torch.where(inside, (1 - c) - t, half)))
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

    def sf_np(self, x):
        # I_(1−x)(b, a), 1 − x exact near 1: as 1 − F it was 0 within 6e-3 of the end of a
        # beta(3.06, 8.06) (sf below 1.1e-16), and the sign of S_Q − S_P that W1's
        # derivative integrates came from whatever else was there (a gumbel of weight
        # 1e-32: 1e-3 of ∂W1/∂weight lost)
        return _special().betainc(_np(self.b), _np(self.a), np.clip((1 - _np(self.c)) - x, 0, 1))

    def end_share_np(self, side):
        return end_share(_np(self.a if side < 0 else self.b))

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
