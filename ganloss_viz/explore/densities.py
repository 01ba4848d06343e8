"""Plain numpy data for the density figures, taken from the realised measures.

`densities_1d(p, q)` and `densities_2d(p, q)` evaluate both distributions on one
common grid chosen from their quantiles, atoms and support ends, and return plain
arrays for the pure builders in `ganloss_viz.figures`. No Streamlit here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch

from ganloss_viz.distributions import Distribution, Measure1D

N_1D = 1201          # grid points on the line (plus support ends and atoms)
N_2D = 241           # grid points per axis in the plane
LIGHT_LEVELS = (0.002, 0.998)   # quantile levels that frame a light-tailed law
HEAVY_LEVELS = (0.05, 0.95)     # ... and a power-tailed one (Cauchy, Student's t)
PAD = 0.12                      # padding, as a fraction of the framed width


# --- 1-D -----------------------------------------------------------------------------


@dataclass
class Density1D:
    """Density of the continuous part on `x` and the atoms (locations, masses)."""

    density: np.ndarray
    atom_loc: np.ndarray
    atom_mass: np.ndarray


def _np(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().numpy().astype(float)


def _frame_1d(m: Measure1D) -> list[float]:
    """Points that must be visible: central quantiles, finite support ends, atoms."""
    pts: list[float] = []
    for law in m.comps:
        levels = HEAVY_LEVELS if math.isfinite(law.tail_alpha) else LIGHT_LEVELS
        pts.extend(np.ravel(law.quantile_np(np.array(levels))).tolist())
        for end in (law.lo, law.hi):
            if isinstance(end, torch.Tensor):
                pts.extend(_np(end).ravel().tolist())
    pts.extend(_np(m.atom_loc).ravel().tolist())
    return [x for x in pts if math.isfinite(x)]


def _padded(pts: list[float]) -> tuple[float, float]:
    lo, hi = (min(pts), max(pts)) if pts else (-1.0, 1.0)
    width = hi - lo
    if width <= 0:
        width = max(1.0, abs(lo))
        return lo - width, hi + width
    return lo - PAD * width, hi + PAD * width


def range_1d(*measures: Measure1D) -> tuple[float, float]:
    """A common x-range framing every measure (padded)."""
    return _padded([x for m in measures for x in _frame_1d(m)])


def grid_1d(lo: float, hi: float, *measures: Measure1D, n: int = N_1D) -> np.ndarray:
    """`n` points on [lo, hi] plus each jump (support end, atom) and its neighbours."""
    xs = [np.linspace(lo, hi, n)]
    for m in measures:
        jumps = _np(m.jumps()).ravel()
        jumps = jumps[(jumps >= lo) & (jumps <= hi)]
        xs += [jumps, np.nextafter(jumps, -np.inf), np.nextafter(jumps, np.inf)]
    return np.unique(np.concatenate(xs))


def density_on(m: Measure1D, x: np.ndarray) -> np.ndarray:
    """exp(log-density of the continuous part) at x (0 outside the support)."""
    with torch.no_grad():
        ld = m.log_density(torch.as_tensor(x, dtype=torch.float64))
    with np.errstate(over="ignore"):          # a law of scale 1e-300 peaks at 1e300 and more
        return np.exp(_np(ld))


def densities_1d(p: Distribution, q: Distribution
                 ) -> tuple[np.ndarray, Density1D, Density1D]:
    """(x, P's data, Q's data) on one grid framing both 1-D distributions."""
    mp, mq = p.realize(), q.realize()
    x = grid_1d(*range_1d(mp, mq), mp, mq)
    out = []
    for m in (mp, mq):
        out.append(Density1D(density_on(m, x), _np(m.atom_loc).ravel(),
                             _np(m.atom_w).ravel()))
    return x, out[0], out[1]


def f_integrand(f, p_density: np.ndarray, q_density: np.ndarray) -> np.ndarray:
    """q f(p/q) pointwise for a generator f (torch callable), NaN where undefined.

    0 where both densities vanish; NaN where q = 0 < p (mass singular to Q, counted
    by the divergence separately) or where the value is not finite.
    """
    p_d, q_d = np.asarray(p_density, float), np.asarray(q_density, float)
    out = np.full_like(q_d, np.nan)
    both = (q_d > 0)
    with torch.no_grad(), np.errstate(over="ignore", invalid="ignore"):
        # (densities that overflowed: inf/inf is NaN, "undefined" as above)
        u = torch.as_tensor(np.where(both, p_d / np.where(both, q_d, 1.0), 1.0))
        fu = _np(f(u))
        out[both] = (q_d * fu)[both]
    out[(q_d == 0) & (p_d == 0)] = 0.0
    out[~np.isfinite(out)] = np.nan
    return out


# --- 2-D -----------------------------------------------------------------------------


@dataclass
class Density2D:
    """A 2-D law on a grid: density z (ny, nx) or None, lines and point masses.

    lines: (xs, ys, mass) polylines carrying mass on a segment (a Dirac coordinate
    times a continuous one; NaN breaks a line). points: (x, y, mass) point masses.
    """

    z: np.ndarray | None = None
    lines: list[tuple[np.ndarray, np.ndarray, float]] = field(default_factory=list)
    points: list[tuple[float, float, float]] = field(default_factory=list)


def _frame_2d(m) -> tuple[list[float], list[float]]:
    """Points to frame on each axis for a 2-D measure."""
    if not m.continuous:
        return _frame_1d(m.factors[0]), _frame_1d(m.factors[1])
    xs: list[float] = []
    ys: list[float] = []
    for law in m.comps:
        if hasattr(law, "x") and hasattr(law, "y"):       # product of continuous laws
            xs += _frame_1d(law.x)
            ys += _frame_1d(law.y)
        elif law.gaussian is not None:
            mean, cov = (_np(t) for t in law.gaussian)
            sd = np.sqrt(np.stack([cov[..., 0, 0], cov[..., 1, 1]], -1))
            for k, axis in ((0, xs), (1, ys)):
                axis += np.ravel(mean[..., k] - 3.5 * sd[..., k]).tolist()
                axis += np.ravel(mean[..., k] + 3.5 * sd[..., k]).tolist()
        else:                                             # generic: quantile mesh
            for k, axis in ((0, xs), (1, ys)):
                mesh = np.ravel(law.mesh_np(k))
                axis += np.percentile(mesh, [20, 80]).tolist()
    return xs, ys


def _segments(coord: np.ndarray, dens: np.ndarray) -> np.ndarray:
    """`coord` where the density is visible, NaN elsewhere (breaks the line)."""
    top = dens.max() if dens.size else 0.0
    keep = dens > 1e-3 * top if top > 0 else np.zeros_like(dens, dtype=bool)
    return np.where(keep, coord, np.nan)


def _density_2d(m, x: np.ndarray, y: np.ndarray) -> Density2D:
    if m.continuous:
        gx, gy = np.meshgrid(x, y)
        xy = torch.as_tensor(np.stack([gx.ravel(), gy.ravel()], -1), dtype=torch.float64)
        with torch.no_grad():
            z = np.exp(_np(m.log_density(xy))).reshape(gy.shape)
        return Density2D(z=z)
    fx, fy = m.factors
    dx, dy = density_on(fx, x), density_on(fy, y)
    ax, wx = _np(fx.atom_loc).ravel(), _np(fx.atom_w).ravel()
    ay, wy = _np(fy.atom_loc).ravel(), _np(fy.atom_w).ravel()
    out = Density2D()
    if fx.has_continuous and fy.has_continuous:
        out.z = dy[:, None] * dx[None, :]
    mass_y_cont = 1.0 - float(wy.sum())
    mass_x_cont = 1.0 - float(wx.sum())
    for a, w in zip(ax, wx, strict=True):          # vertical segments x = a
        if fy.has_continuous:
            out.lines.append((np.full_like(y, a), _segments(y, dy), w * mass_y_cont))
    for b, w in zip(ay, wy, strict=True):          # horizontal segments y = b
        if fx.has_continuous:
            out.lines.append((_segments(x, dx), np.full_like(x, b), w * mass_x_cont))
    for a, v in zip(ax, wx, strict=True):
        for b, w in zip(ay, wy, strict=True):
            out.points.append((float(a), float(b), float(v * w)))
    return out


def densities_2d(p: Distribution, q: Distribution, n: int = N_2D
                 ) -> tuple[np.ndarray, np.ndarray, Density2D, Density2D]:
    """(x, y, P's data, Q's data) on one grid framing both 2-D distributions."""
    mp, mq = p.realize(), q.realize()
    (px, py), (qx, qy) = _frame_2d(mp), _frame_2d(mq)
    x0, x1 = _padded(px + qx)
    y0, y1 = _padded(py + qy)
    x, y = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    return x, y, _density_2d(mp, x, y), _density_2d(mq, x, y)
