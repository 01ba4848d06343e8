"""A divergence over a grid of two parameters, from row and column sweeps.

`landscape_grid` evaluates D and both partial derivatives on an nx × ny grid with
the engine's batched `gv.sweep`: one sweep along x per row (D and ∂D/∂x) and one
along y per column (∂D/∂y), 2·n sweeps instead of n² separate evaluations, each
exact (autograd, no finite differences). Points whose parameters the family does not
allow jointly (``low < high``, a positive definite covariance) are left out (NaN).
No Streamlit here: progress goes to an optional callback.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

import ganloss_viz as gv
from ganloss_viz.distributions import dist


@dataclass
class Landscape:
    """x (nx,), y (ny,); z, gx, gy (ny, nx): D, ∂D/∂x, ∂D/∂y (NaN: not allowed or
    failed; gx, gy also NaN where D = ∞); method: the sweeps' method; problems: why
    some points are missing (one sentence each, at most a few)."""

    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    gx: np.ndarray
    gy: np.ndarray
    method: str = ""
    problems: list[str] = field(default_factory=list)


def _set(p: str, q: str, values: dict[str, float]) -> tuple[str, str]:
    """(p, q) spec strings with parameters set: ``{"q.loc": 1.0, "q.scale": 2.0}``."""
    specs = {"p": p, "q": q}
    for side in ("p", "q"):
        updates = {n.partition(".")[2]: float(v) for n, v in values.items()
                   if n.startswith(side + ".")}
        if updates:
            specs[side] = dist(specs[side]).with_params(updates).to_spec()
    return specs["p"], specs["q"]


def allowed_mask(p: str, q: str, lx: str, ly: str, x: np.ndarray, y: np.ndarray
                 ) -> np.ndarray:
    """(ny, nx) booleans: may the two parameters take the values (x_i, y_j) together?"""
    sides = {n.partition(".")[0] for n in (lx, ly)}
    out = np.zeros((len(y), len(x)), dtype=bool)
    specs = {"p": dist(p), "q": dist(q)}
    for j, yv in enumerate(y):
        for i, xv in enumerate(x):
            try:
                for side in sides:
                    updates = {n.partition(".")[2]: float(v)
                               for n, v in ((lx, xv), (ly, yv)) if n.startswith(side + ".")}
                    specs[side].with_params(updates)
            except ValueError:
                continue
            out[j, i] = True
    return out


def landscape_grid(div: str, p: str, q: str, lx: str, ly: str, x: np.ndarray,
                   y: np.ndarray, params: dict[str, float] | None = None,
                   progress: Callable[[float], None] | None = None) -> Landscape:
    """D(P‖Q) and its gradient over parameters `lx` × `ly` at the values x × y.

    div: divergence name; p, q: spec strings; lx, ly: parameter names (``q.loc``,
    ``q.scale``; either side); params: the divergence's parameters; progress: called
    with the fraction done after every sweep.
    """
    params = dict(params or {})
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = allowed_mask(p, q, lx, ly, x, y)
    shape = (len(y), len(x))
    z, gx, gy = (np.full(shape, np.nan) for _ in range(3))
    problems: list[str] = []
    methods: set[str] = set()
    total = len(x) + len(y)

    def note(message: str) -> None:
        if message not in problems and len(problems) < 3:
            problems.append(message)

    for j, yv in enumerate(y):                       # rows: D and ∂D/∂x
        keep = ok[j]
        if keep.any():
            try:
                # start the row from an allowed point of it: the current value of lx
                # may not be allowed together with ly = yv (uniform: low < high)
                pj, qj = _set(p, q, {lx: x[keep][0], ly: yv})
                s = gv.sweep(div, pj, qj, lx, x[keep], **params)
                z[j, keep], gx[j, keep] = s.div_values, s.grads
                methods.add(s.method)
            except ValueError as exc:
                note(f"{ly} = {yv:.6g}: {exc}")
        if progress:
            progress((j + 1) / total)
    for i, xv in enumerate(x):                       # columns: ∂D/∂y
        keep = ok[:, i] & np.isfinite(z[:, i])
        if keep.any():
            try:
                pi, qi = _set(p, q, {lx: xv, ly: y[keep][0]})
                s = gv.sweep(div, pi, qi, ly, y[keep], **params)
                gy[keep, i] = s.grads
            except ValueError as exc:
                note(f"{lx} = {xv:.6g}: {exc}")
        if progress:
            progress((len(y) + i + 1) / total)
    gy[~np.isfinite(z)] = np.nan
    return Landscape(x, y, z, gx, gy, ", ".join(sorted(methods)), problems)
