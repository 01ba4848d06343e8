"""The direct fit, as data for its animation: Q's density at a few frames.

`fit_run` wraps `gv.fit` (Adam on Q's parameters from Q0) into plain values;
`frames_1d` / `frames_2d` evaluate P once and each fitted Q at the frames' steps on
one grid that frames P, Q0 and every Q along the way; `fit_animation` draws them (the
explorer's "Direct fit" and ``fit --gif/--mp4/--html``). No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

import ganloss_viz as gv
from ganloss_viz.distributions import dist
from ganloss_viz.explore.densities import (
    _density_2d,
    _frame_1d,
    _frame_2d,
    _np,
    _padded,
    density_on,
    grid_1d,
)

MAX_FRAMES = 41          # frames of an animation at most (the slider's stops)
N_1D = 400               # grid points of an animated 1-D frame
N_2D = 61                # grid points per axis of an animated 2-D frame


@dataclass(frozen=True)
class FitRun:
    """One direct fit: the divergence, Q0, the fitted Q, D after every step and Q's
    parameters after every step (steps + 1 of each)."""

    div: str
    q0: str
    q: str
    value: float
    values: tuple[float, ...]
    trajectory: tuple[dict[str, float], ...]


def fit_run(p: str, q0: str, div: str, steps: int, lr: float,
            params: dict[str, float] | None = None,
            progress: Callable[[int, float], None] | None = None) -> FitRun:
    """`gv.fit(p, q0, div, steps, lr, **params)` as plain values (ValueError on bad input)."""
    r = gv.fit(p, q0, div, steps=steps, lr=lr, callback=progress, **(params or {}))
    return FitRun(div, q0, r.q.to_spec(), float(r.value), tuple(float(v) for v in r.values),
                  tuple(dict(t) for t in r.trajectory))


def frame_steps(steps: int, max_frames: int = MAX_FRAMES) -> np.ndarray:
    """The steps shown by the frames: 0, ..., steps, evenly spread, at most `max_frames`."""
    return np.unique(np.round(np.linspace(0, steps, min(steps + 1, max_frames))).astype(int))


def _qs(run: FitRun, at: np.ndarray):
    q0 = dist(run.q0)
    return [q0.with_params(run.trajectory[int(k)]) for k in at]


@dataclass
class Frames1D:
    """x (N,); P's density and atoms; per run: Q's density (F, N) and atoms per frame."""

    x: np.ndarray
    p_density: np.ndarray
    p_atoms: tuple[np.ndarray, np.ndarray]
    densities: list[np.ndarray]
    atoms: list[list[tuple[np.ndarray, np.ndarray]]]


def frames_1d(p: str, runs: Sequence[FitRun], at: np.ndarray, n: int = N_1D) -> Frames1D:
    """P and every run's Q at the steps `at`, on one grid framing all of them."""
    mp = dist(p).realize()
    qs = [[q.realize() for q in _qs(run, at)] for run in runs]
    pts = _frame_1d(mp) + [v for ms in qs for m in ms for v in _frame_1d(m)]
    lo, hi = _padded(pts)
    x = grid_1d(lo, hi, mp, *[m for ms in qs for m in ms], n=n) if n else None
    densities, atoms = [], []
    for ms in qs:
        densities.append(np.stack([density_on(m, x) for m in ms]))
        atoms.append([(_np(m.atom_loc).ravel(), _np(m.atom_w).ravel()) for m in ms])
    return Frames1D(x, density_on(mp, x), (_np(mp.atom_loc).ravel(), _np(mp.atom_w).ravel()),
                    densities, atoms)


@dataclass
class Frames2D:
    """x (nx,), y (ny,); P's density / segments / points; per run: Q's density
    (F, ny, nx) (None if Q has no density in the plane)."""

    x: np.ndarray
    y: np.ndarray
    p_z: np.ndarray | None
    p_lines: list
    p_points: list
    densities: list[np.ndarray | None]


def frames_2d(p: str, runs: Sequence[FitRun], at: np.ndarray, n: int = N_2D) -> Frames2D:
    """P and every run's Q at the steps `at`, on one plane grid framing all of them."""
    mp = dist(p).realize()
    qs = [[q.realize() for q in _qs(run, at)] for run in runs]
    xs, ys = _frame_2d(mp)
    for ms in qs:
        for m in ms:
            fx, fy = _frame_2d(m)
            xs, ys = xs + fx, ys + fy
    (x0, x1), (y0, y1) = _padded(xs), _padded(ys)
    x, y = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    dp = _density_2d(mp, x, y)
    densities: list[np.ndarray | None] = []
    for ms in qs:
        zs = [_density_2d(m, x, y).z for m in ms]
        densities.append(None if any(z is None for z in zs)
                         else np.stack(zs).astype(np.float32))
    return Frames2D(x, y, dp.z, dp.lines, dp.points, densities)


def fit_color(i: int) -> str:
    """Q's colour in the i-th fit: orange for the chosen divergence, then the others'."""
    from ganloss_viz import figures

    return figures.Q_COLOR if i == 0 else \
        figures.COMPARE_COLORS[(i - 1) % len(figures.COMPARE_COLORS)]


def fit_animation(p: str, runs: Sequence[FitRun], dim: int):
    """The animation of the fits `runs` of Q to P (`figures.fit_animation_1d` / `_2d`),
    one frame per shown step; ValueError when a 2-D Q has no density to draw."""
    from ganloss_viz import figures

    at = frame_steps(len(runs[0].values) - 1)
    if dim == 1:
        fr = frames_1d(p, runs, at)
        tracks = [figures.Track(r.div, f"Q fitted by {r.div}", fit_color(i), at,
                                np.asarray(r.values), fr.densities[i],
                                fr.atoms[i]) for i, r in enumerate(runs)]
        return figures.fit_animation_1d(fr.x, fr.p_density, tracks, fr.p_atoms)
    fr = frames_2d(p, runs, at)
    if any(d is None for d in fr.densities):
        raise ValueError("Q has no density in the plane, so the animation cannot draw it.")
    tracks = [figures.Track(r.div, f"Q fitted by {r.div}", fit_color(i), at,
                            np.asarray(r.values), fr.densities[i])
              for i, r in enumerate(runs)]
    return figures.fit_animation_2d(fr.x, fr.y, fr.p_z, tracks, fr.p_lines, fr.p_points)


def sweep_animation(p: str, q: str, param: str, x: Sequence[float], values: Sequence[float],
                    div: str, max_frames: int = MAX_FRAMES):
    """A sweep of one of Q's parameters played as a moving Q: P and Q on the line (top) at
    up to `max_frames` of the swept values `x`, and D(P ‖ Q) against the parameter
    (below) with a marker at the shown value. For talks ("slide Q away from P"); the
    explorer's sweep section and its GIF / MP4. ValueError unless `param` is a parameter
    of a 1-D Q (``q.loc``)."""
    from ganloss_viz import figures

    q0 = dist(q)
    name = param.removeprefix("q.")
    if not param.startswith("q.") or name not in q0.flat_params():
        raise ValueError(f"{param} is not a parameter of Q, so sweeping it does not move Q")
    if q0.dim != 1:
        raise ValueError("a moving Q is drawn on the line: Q must be 1-D")
    theta = np.asarray(x, float)
    start = q0.flat_params()
    run = FitRun(div, q, q, float(values[-1]), tuple(float(v) for v in values),
                 tuple({**start, name: float(t)} for t in theta))
    at = frame_steps(len(theta) - 1, max_frames)
    fr = frames_1d(p, [run], at)
    track = figures.Track(div, f"Q as {param} moves", fit_color(0), at,
                          np.asarray(run.values), fr.densities[0], fr.atoms[0])
    fig = figures.fit_animation_1d(fr.x, fr.p_density, [track], fr.p_atoms)
    # the lower panel against the parameter instead of the step (index i -> theta[i])
    for trace in [*fig.data, *(t for f in fig.frames for t in f.data)]:
        if trace.x is not None and (trace.xaxis == "x2" or len(trace.x) == 1):
            trace.x = theta[np.asarray(trace.x, int)]
    slider = fig.layout.sliders[0]
    fig.update_layout(
        xaxis2=dict(title=dict(text=param), range=[float(theta[0]), float(theta[-1])]),
        sliders=[slider.update(currentvalue=dict(prefix=f"{param} = "),
                               steps=[dict(st.to_plotly_json(), label=f"{theta[k]:.4g}")
                                      for st, k in zip(slider.steps, at, strict=True)])])
    return fig
