"""Where the 1-D laws put their quadrature meshes, and the numeric helpers they share.

The quantile levels of a law's mesh (both tails, geometric near 0 and 1; finer for power
tails; coarser per axis in 2-D), the graded distances towards a singular support end,
the CDF's panel size and resolution near an end, the standard normal quantile, and
scipy.special imported when first needed.
"""

from __future__ import annotations

import contextlib
import math
from contextvars import ContextVar
from functools import lru_cache

import numpy as np
import torch

LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
INF = math.inf
FLOAT_MAX = float(np.finfo(np.float64).max)     # the largest double, 1.8e308
FLOAT_TINY = float(np.finfo(np.float64).tiny)   # the smallest normal double, 2.2e-308
LOG_MAX = math.log(FLOAT_MAX)                    # 709.78
# Quantile levels used to mesh a law for quadrature (both tails, geometric near 0 and 1).
_LOW = [1e-12, 1e-9, 1e-6, 1e-4, 1e-3, 1e-2, 0.04, 0.1, 0.2, 0.33]
MESH_LEVELS = np.array(_LOW + [0.5] + [1 - u for u in reversed(_LOW)])
# Power tails need panels no wider than a decade of quantile level.
_HEAVY = [10.0 ** (-k / 2) for k in range(24, 5, -1)] + [3e-3, 1e-2, 3e-2, 0.07, 0.15, 0.25, 0.35]
MESH_LEVELS_HEAVY = np.array(_HEAVY + [0.5] + [1 - u for u in reversed(_HEAVY)])
_STEP_FLOOR = 0.05       # decades of level: 230 levels a side at most


@lru_cache(maxsize=32)
def heavy_levels(alpha: float) -> np.ndarray:
    """Quantile levels of a law whose tails fall off like |x|^-alpha. A decade of level is
    1/alpha decades of x there, so half-decade levels span 10^(0.5/alpha) in x: a
    thousandfold for a Student t of index 0.164, whose 12-point panels then left its
    divergences' derivatives in df 6e-5 off. Below alpha = 0.25 the levels step by
    2·alpha decades (a hundredfold in x) from 1e-12 to 0.35: 1e-10 there."""
    if alpha >= 0.25:
        return MESH_LEVELS_HEAVY
    step = max(2 * alpha, _STEP_FLOOR)
    low = np.union1d(10.0 ** np.arange(-12.0, math.log10(0.35), step), _HEAVY)
    out = np.concatenate([low, [0.5], 1 - low[::-1]])
    out.flags.writeable = False
    return out


# A coarser set for 2-D tensor meshes (one per axis).
MESH_LEVELS_2D = np.array([1e-10, 1e-6, 1e-4, 1e-3, 0.01, 0.05, 0.15, 0.3, 0.5,
                           0.7, 0.85, 0.95, 0.99, 0.999, 1 - 1e-4, 1 - 1e-6, 1 - 1e-10])
_CDF_NODES = 24
# The nearest a CDF's mesh goes to a support end e ≠ 0, relative to |e|: node positions
# there are known to 2^-20 of their distance to e (a beta's end at 1 in x).
_RESOLVED = 2.0 ** -32
FINEST = 1e-300


# The powers of a density that the integrand being meshed for has near a support end:
# Pearson's p²/q has 2 and −1, where p ~ d^(e − 1) makes p² go like d^(2e − 2) and 1/q,
# for a q that vanishes there (e > 1), like d^(1 − e) (`end_power`).
END_POWER: ContextVar[tuple[float, float]] = ContextVar("end_power", default=(1.0, 1.0))


@contextlib.contextmanager
def end_power(*ks: float):
    """Grade support ends for an integrand that goes like a density to the powers ks (the
    largest counts where the density blows up, the smallest, if negative, where it
    vanishes)."""
    token = END_POWER.set((min((*ks, 1.0)), max((*ks, 1.0))))
    try:
        yield
    finally:
        END_POWER.reset(token)


def graded(exponent: np.ndarray) -> np.ndarray:
    """Distances from a support end where a density behaves like d^(exponent − 1) (gamma,
    beta): a geometric sequence of ratio √10 (12-point panels are then exact to ~1e-14 on
    d^c·log d), deep enough that the mass left inside the last one, about d^exponent, is
    below 1e-17, and never below 1e-300. Under `end_power` k the integrand goes like
    d^(k(exponent − 1)), so the depth is set by k(exponent − 1) + 1: Neyman's q²/p of a
    gamma of shape 0.589 keeps 6e-6 of its value within 1e-29 of 0, where the shape alone
    stopped. A negative power k of a density that vanishes there (exponent E > 1) makes
    the integrand go like d^(k(E − 1)): Neyman's q²/p of a beta(1.11, 1.86) against a
    uniform, like d^-0.86, kept 0.7 % of its value within 1e-16 of 1 and was 2.2656 ± 0.002
    for 2.2826 (search seed 2052). Where that power is not integrable the value is
    infinite (decided analytically), and no grading is asked for."""
    return _halves(_decades(exponent))


def _halves(decades: int) -> np.ndarray:
    return 10.0 ** -(np.arange(1, 2 * decades + 1, dtype=np.float64) / 2).clip(max=300)


def _vanishing(exponent: np.ndarray) -> float | None:
    """1 + k(E − 1) for the most negative power k of `end_power` and the largest
    exponent E > 1 (a density that vanishes at the end), where that is integrable."""
    low = END_POWER.get()[0]
    top = float(np.max(exponent))
    e = low * (top - 1) + 1
    return e if low < 0 and top > 1 and e > 0 else None


def _decades(exponent: np.ndarray) -> int:
    e = float(np.min(exponent))
    if e < 1:
        e = END_POWER.get()[1] * (e - 1) + 1
    v = _vanishing(exponent)
    if v is not None:
        e = min(e, v)
    return depth(e)


def depth(v: float) -> int:
    """Decades of grading for an integrand like d^(v − 1) at an end: enough that d^v
    inside the last break is below 1e-17, 16 at least, 300 at most."""
    return int(np.clip(math.ceil(17.0 / max(v, 1e-9)), 16, 300))


def graded_for(v: float) -> np.ndarray:
    """`graded` for an integrand whose own power at the end is d^(v − 1) (in the law's
    unit; `powercells.joint_breaks`)."""
    return _halves(depth(v))


def share_within(v: float) -> float:
    """The share d^v of such an integrand inside its deepest graded break, where above
    1e-17 (v below 0.057), else 0."""
    share = 10.0 ** (-depth(v) * v)
    return share if share > 1e-17 else 0.0


def end_share(exponent: np.ndarray) -> float:
    """The share of an integrand like d^(v − 1) on (0, 1) that lies inside the last graded
    break, d^v there, for the powers of `end_power` above 1 (a density that blows up, v =
    k(e − 1) + 1) or below 0 (one that vanishes, `_vanishing`): above 1e-17 only where
    the grading stops at 1e-300 (v < 0.057). Neyman's q²/p of a beta(1.5, 1.97) against a
    uniform goes like d^-0.97, and 1e-9 of it lies within 1e-300 of 1, which no node
    sees; of a beta(0.51, 1.57) in Q, like d^-0.98 at 0 (search seed 2054)."""
    high = END_POWER.get()[1]
    e = float(np.min(exponent))
    vs = [v for v in (_vanishing(exponent), high * (e - 1) + 1 if high > 1 and e < 1 else None)
          if v is not None and v > 0]
    if not vs:
        return 0.0
    share = 10.0 ** (-_decades(exponent) * min(vs))
    return share if share > 1e-17 else 0.0


def _np(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().numpy()


def absmax(t: torch.Tensor) -> float:
    """max |t| (detached; NaN if t holds one): one reduction, where abs-then-max or a
    mask's any() took two or three passes over the nodes."""
    if not t.numel():
        return 0.0
    lo, hi = torch.aminmax(t.detach())
    a, b = -lo.item(), hi.item()
    return math.nan if math.isnan(a) or math.isnan(b) else max(a, b)


_NDTRI_MEMO: dict[bytes, np.ndarray] = {}
_MEMO_POINTS = 256           # level sets up to this size are remembered (meshes' levels)


def ndtri(u: np.ndarray) -> np.ndarray:
    """The standard normal quantile (torch's, as exact as scipy's `ndtri`).

    The same few level sets (a mesh's quantile levels) come back for every law and
    every value: small ones are remembered, read-only, by their bytes."""
    u = np.asarray(u, dtype=np.float64)
    if u.size > _MEMO_POINTS:
        return torch.special.ndtri(torch.as_tensor(u)).numpy()
    key = u.tobytes() + bytes(str(u.shape), "ascii")
    z = _NDTRI_MEMO.get(key)
    if z is None:
        if len(_NDTRI_MEMO) >= 64:
            _NDTRI_MEMO.clear()
        z = torch.special.ndtri(torch.as_tensor(u)).numpy()
        z.flags.writeable = False
        _NDTRI_MEMO[key] = z
    return z


SQRT_HALF = math.sqrt(0.5)


def ndtr(z: torch.Tensor) -> torch.Tensor:
    """The standard normal CDF, with its own digits in the lower tail, as ½ erfc(−z/√2).

    torch.special.ndtr (2.13, CPU) forms it from erf and keeps only absolute accuracy:
    Φ(−8.354) came out 5.6e-17 (truth 3.3e-17) and Φ(−20) 0, so a lognormal's upper
    tail, integrated over millions, put W1 1.6e-11 off with an error of 2.5e-13."""
    return 0.5 * torch.special.erfc(-z * SQRT_HALF)


def _special():
    """scipy.special, imported when first needed (Student's t, gamma, beta): its 0.3 s
    import is then not part of the app's first view, two normals."""
    import scipy.special

    return scipy.special
