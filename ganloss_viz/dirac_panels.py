"""The Dirac-GAN's pictures as data: for each method, its gradient field on a square window
around the equilibrium and its gradient-descent paths from one start.

Shared by the Dirac page (`ganloss_viz.ui.dirac_view`, which caches the pieces) and the
command line (``dirac --gif/--mp4/--html``), so both draw the same window, titles and
paths. Figures come from `ganloss_viz.figures.dirac`. No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ganloss_viz import dirac
from ganloss_viz.figures.dirac import FieldPanel

GRID = 21                   # field arrows per side
MODES = ("simultaneous", "alternating")
SYMBOLS = {"gamma": "γ", "sigma": "σ", "clip": "clip", "g0": "g0"}
VERDICT_TEXT = {"converges": "converges", "oscillates": "oscillates (does not converge)",
                "diverges": "diverges", "no_jacobian": "does not converge (no Jacobian)"}


def paths(method: str, p: dirac.Params, start: tuple[float, float], h: float,
          steps: int) -> dict[str, np.ndarray]:
    """Simultaneous and alternating gradient descent from `start`: mode -> (steps + 1, 2)."""
    return {mode: dirac.trajectory(method, start, h, steps, mode, p) for mode in MODES}


def extent_of(all_paths: Sequence[dict[str, np.ndarray]], start: tuple[float, float]) -> float:
    """A square window around the equilibrium that holds the paths (within reason)."""
    near = max(abs(start[0]), abs(start[1]), 1.0)
    reach = max(float(np.abs(path).max()) for ps in all_paths for path in ps.values())
    return min(max(1.15 * reach, 1.6 * near), 4.0 * near)


def field(method: str, p: dirac.Params, extent: float, grid: int = GRID
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(axis, v_θ, v_ψ): the method's field on a grid × grid square of half-width `extent`."""
    axis = np.linspace(-extent, extent, grid)
    th, ps = np.meshgrid(axis, axis)
    v_t, v_p = dirac.field_on(method, th, ps, p)
    return axis, v_t, v_p


def title(method: str, p: dirac.Params, verdict: str) -> str:
    """A panel's heading: the method, its parameters, its verdict."""
    params = "".join(f", {SYMBOLS[n]} = {getattr(p, n):g}" for n in dirac.METHODS[method].params)
    return (f"{dirac.METHODS[method].label}<br>{params.lstrip(', ') + ': ' if params else ''}"
            f"{VERDICT_TEXT[verdict].split(' (')[0]}")


def panel(method: str, p: dirac.Params, run: dict[str, np.ndarray], extent: float,
          verdict: str, grid: int = GRID) -> FieldPanel:
    """One method's FieldPanel: its field in the window, its paths `run`, its title."""
    axis, v_t, v_p = field(method, p, extent, grid)
    return FieldPanel(title=title(method, p, verdict), theta=axis, psi=axis, v_theta=v_t,
                      v_psi=v_p, paths=run,
                      clip=p.clip if dirac.METHODS[method].clipped else None)


def panels(methods: Sequence[str], p: dirac.Params, start: tuple[float, float], h: float,
           steps: int, grid: int = GRID) -> list[FieldPanel]:
    """Every method's panel, in one window framing all their paths."""
    runs = [paths(m, p, start, h, steps) for m in methods]
    extent = round(extent_of(runs, start), 6)
    return [panel(m, p, run, extent, dirac.analyse(m, p).verdict, grid)
            for m, run in zip(methods, runs, strict=True)]


__all__ = ["GRID", "MODES", "VERDICT_TEXT", "extent_of", "field", "panel", "panels", "paths",
           "title"]
