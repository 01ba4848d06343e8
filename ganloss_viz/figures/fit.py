"""The direct fit, animated: Q descending D(P ‖ Q) frame by frame (Plotly frames).

Each `Track` is one fit (one divergence): Q's density at every frame and D along
every step. The figure shows P (static) and each fitted Q on the left or on top, D
against the step beside or below it with a marker that moves with the frames, and
play / pause buttons with a step slider that run in the browser (no reruns).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import plotly.graph_objects as go

from .densities import Line2D, Point2D, _contour, _masses_2d, _spikes
from .style import HOVER, P_COLOR, ZERO_COLOR, axis, layout, rgba

FRAME_MS = 90            # milliseconds per frame when playing
CONTROLS_Y = 0.13        # play / pause and the slider: this far below the plots (paper)
BUTTONS_PX = 190         # Play and Pause (16 px type) take this much at the slider's left
CURRENT_PX = 31          # the slider's current-step label ("step 120") above its rail
BOTTOM = 150             # pixels below the plots for the axis title and the controls


@dataclass(frozen=True)
class Track:
    """One fit: its divergence, colour, frames and values.

    name: the divergence (``kl``); label: legend text; color: Q's colour for this
    fit; steps (F,): the step shown by each frame; values (S+1,): D after every step
    (inf allowed); densities: Q's density at each frame, (F, N) on the line or
    (F, ny, nx) in the plane; atoms: Q's point masses at each frame, (locations,
    masses) per frame (1-D only; empty if none).
    """

    name: str
    label: str
    color: str
    steps: np.ndarray
    values: np.ndarray
    densities: np.ndarray
    atoms: Sequence[tuple[np.ndarray, np.ndarray]] = field(default_factory=tuple)


def _finite(a) -> np.ndarray:
    a = np.asarray(a, float)
    return np.where(np.isfinite(a), a, np.nan)


def _levels(t: Track, levels: int) -> tuple[float, float, float]:
    """Contour levels fixed across the frames (from the highest density of any frame),
    so that a contour means the same density all along the animation."""
    top = float(np.nanmax(t.densities)) if np.size(t.densities) else 1.0
    step = top / (levels + 1) if top > 0 else 1.0
    return step, top - step / 2, step


def _controls(steps: np.ndarray, redraw: bool) -> dict:
    """Play / pause buttons and a step slider (layout entries)."""
    frame = dict(duration=FRAME_MS, redraw=redraw)
    play = dict(label="▶ Play", method="animate",
                args=[None, dict(frame=frame, transition=dict(duration=0), fromcurrent=True,
                                 mode="immediate")])
    pause = dict(label="❚❚ Pause", method="animate",
                 args=[[None], dict(frame=dict(duration=0, redraw=False), mode="immediate",
                                    transition=dict(duration=0))])
    slider_steps = [dict(method="animate", label=str(int(s)),
                         args=[[str(i)], dict(mode="immediate", transition=dict(duration=0),
                                              frame=dict(duration=0, redraw=redraw))])
                    for i, s in enumerate(steps)]
    # The buttons stand in the slider's left padding, level with its rail, so that neither
    # covers the other: with the slider from 20% of the width, its label "step 0" lay under
    # Pause at 1280x800.
    return dict(
        updatemenus=[dict(type="buttons", direction="left", showactive=False, x=0, y=-CONTROLS_Y,
                          xanchor="left", yanchor="top", pad=dict(t=CURRENT_PX - 6, r=0),
                          buttons=[play, pause], font=dict(size=16))],
        sliders=[dict(active=0, steps=slider_steps, x=0, len=1.0, xanchor="left",
                      y=-CONTROLS_Y, yanchor="top", pad=dict(t=0, b=0, l=BUTTONS_PX),
                      currentvalue=dict(prefix="step ", xanchor="left", font=dict(size=16)))])


def _value_traces(tracks: Sequence[Track], xaxis: str, yaxis: str) -> list[go.Scatter]:
    out = []
    for t in tracks:
        n = len(t.values)
        out.append(go.Scatter(
            x=np.arange(n), y=_finite(t.values), mode="lines", name=t.label,
            legendgroup=t.name, showlegend=False, line=dict(color=t.color, width=3),
            xaxis=xaxis, yaxis=yaxis,
            hovertemplate=f"step %{{x}}: {t.name} = %{{y:{HOVER}}}<extra></extra>"))
    return out


def _marker(t: Track, i: int, xaxis: str, yaxis: str) -> go.Scatter:
    step = int(t.steps[i])
    return go.Scatter(x=[step], y=_finite([t.values[step]]), mode="markers",
                      marker=dict(color=t.color, size=14, line=dict(color="white", width=2)),
                      name=t.label, legendgroup=t.name, showlegend=False, xaxis=xaxis,
                      yaxis=yaxis, hoverinfo="skip")


def fit_animation_1d(x: np.ndarray, p_density: np.ndarray, tracks: Sequence[Track],
                     p_atoms: tuple = ((), ()), title: str | None = None,
                     height: int = 700) -> go.Figure:
    """P and the fitted Q's on the line (top), D against the step (below), animated.

    x (N,): the grid; p_density (N,): P's density (zeros if none); p_atoms: P's
    (locations, masses); tracks: one per divergence, all with the same frames.
    """
    p_density = np.asarray(p_density, float)
    has_cont = bool(p_density.any() or any(np.asarray(t.densities).any() for t in tracks))
    has_atoms = len(p_atoms[0]) > 0 or any(len(a[0]) for t in tracks for a in t.atoms)
    spike_axis = "y3" if has_cont and has_atoms else "y"
    static: list = []
    if p_density.any():
        static.append(go.Scatter(
            x=x, y=p_density, mode="lines", name="P (data)", line=dict(color=P_COLOR, width=3),
            fill="tozeroy", fillcolor=rgba(P_COLOR, 0.18),
            hovertemplate=f"P: density %{{y:{HOVER}}} at x = %{{x:{HOVER}}}<extra></extra>"))
    static += _spikes(p_atoms[0], p_atoms[1], "P", P_COLOR, spike_axis, legend=True)
    static += _value_traces(tracks, "x2", "y2")

    atoms_of = [any(len(a[0]) for a in t.atoms) for t in tracks]

    def moving(i: int, full: bool) -> list:
        """The traces that move; in later frames only what changes (y of a density),
        which keeps the animation light to send (float32, x sent once)."""
        out = []
        for j, t in enumerate(tracks):
            y = np.asarray(t.densities[i], np.float32)
            if full:
                out.append(go.Scatter(
                    x=x, y=y, mode="lines", name=t.label, legendgroup=t.name,
                    line=dict(color=t.color, width=4 if j == 0 else 3.5,
                              dash="solid" if j == 0 else "dash"),
                    hovertemplate=f"{t.label}: density %{{y:{HOVER}}} at x = "
                                  f"%{{x:{HOVER}}}<extra></extra>"))
            else:
                out.append(go.Scatter(y=y))
            if atoms_of[j]:
                locs, masses = t.atoms[i]
                spikes = _spikes(locs, masses, t.label, t.color, spike_axis, legend=False)
                out += spikes or [go.Scatter(x=[], y=[], yaxis=spike_axis, showlegend=False,
                                             hoverinfo="skip", legendgroup=t.name)] * 2
            out.append(_marker(t, i, "x2", "y2") if full else
                       go.Scatter(x=[int(t.steps[i])], y=_finite([t.values[int(t.steps[i])]])))
        return out

    first = moving(0, full=True)
    index = list(range(len(static), len(static) + len(first)))
    frames = [go.Frame(data=moving(i, full=False), traces=index, name=str(i))
              for i in range(len(tracks[0].steps))]
    top = max([float(p_density.max()) if p_density.size else 0.0] +
              [float(np.nanmax(t.densities)) if np.size(t.densities) else 0.0
               for t in tracks])
    extra = {}
    if has_cont and has_atoms:
        extra["yaxis3"] = axis("point mass", overlaying="y", side="right", range=[0, 1.05],
                               showgrid=False)
    n_steps = max(len(t.values) for t in tracks) - 1
    return go.Figure(data=static + first, frames=frames, layout=layout(
        title, height,
        xaxis=axis("x", range=[float(x[0]), float(x[-1])], anchor="y"),
        yaxis=axis("density" if has_cont else "mass", domain=[0.47, 1.0],
                   range=[0, 1.08 * top if has_cont and top > 0 else 1.1]),
        xaxis2=axis("step", anchor="y2", range=[0, max(n_steps, 1)]),
        yaxis2=axis("D(P ‖ Q)", domain=[0.0, 0.3], zeroline=True, zerolinecolor=ZERO_COLOR),
        margin=dict(l=10, r=10, t=60 if title else 30, b=BOTTOM),
        **_controls(tracks[0].steps, redraw=False), **extra))


def fit_animation_2d(x: np.ndarray, y: np.ndarray, p_z: np.ndarray | None,
                     tracks: Sequence[Track], p_lines: Sequence[Line2D] = (),
                     p_points: Sequence[Point2D] = (), title: str | None = None,
                     height: int = 640, levels: int = 5) -> go.Figure:
    """P (filled contours) and each fitted Q (contour lines) in the plane, animated,
    with D against the step on the right."""
    static: list = []
    if p_z is not None:
        static.append(_contour(x, y, np.asarray(p_z, float), "P (data)", P_COLOR, levels))
    static += _masses_2d("P", P_COLOR, p_lines, p_points)
    static += _value_traces(tracks, "x2", "y2")

    def moving(i: int, full: bool) -> list:
        out = []
        for j, t in enumerate(tracks):
            z = np.asarray(t.densities[i], np.float32)
            if full:
                c = _contour(x, y, z, t.label, t.color, levels, fill=False)
                c.line.width = 3
                c.line.dash = "solid" if j == 0 else "dash"
                c.contours.start, c.contours.end, c.contours.size = _levels(t, levels)
                out.append(c)
                out.append(_marker(t, i, "x2", "y2"))
            else:
                out.append(go.Contour(z=z))
                out.append(go.Scatter(x=[int(t.steps[i])],
                                      y=_finite([t.values[int(t.steps[i])]])))
        return out

    first = moving(0, full=True)
    index = list(range(len(static), len(static) + len(first)))
    frames = [go.Frame(data=moving(i, full=False), traces=index, name=str(i))
              for i in range(len(tracks[0].steps))]
    n_steps = max(len(t.values) for t in tracks) - 1
    return go.Figure(data=static + first, frames=frames, layout=layout(
        title, height,
        xaxis=axis("x", range=[float(x[0]), float(x[-1])], domain=[0.0, 0.58], anchor="y"),
        yaxis=axis("y", range=[float(y[0]), float(y[-1])], scaleanchor="x", scaleratio=1,
                   anchor="x"),
        xaxis2=axis("step", domain=[0.68, 1.0], anchor="y2", range=[0, max(n_steps, 1)]),
        yaxis2=axis("D(P ‖ Q)", anchor="x2", zeroline=True, zerolinecolor=ZERO_COLOR),
        margin=dict(l=10, r=10, t=60 if title else 30, b=BOTTOM),
        **_controls(tracks[0].steps, redraw=True)))
