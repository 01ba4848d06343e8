"""Densities of P and Q, and the pointwise integrand of a divergence (1-D and 2-D)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from .style import (
    HOVER,
    INTEGRAND_COLOR,
    P_COLOR,
    Q_COLOR,
    ZERO_COLOR,
    axis,
    layout,
    rgba,
)

Atoms = tuple[Sequence[float], Sequence[float]]            # (locations, masses)
Line2D = tuple[np.ndarray, np.ndarray, float]             # (xs, ys, mass)
Point2D = tuple[float, float, float]                      # (x, y, mass)

# A diverging scale for signed integrands: negative teal, zero white, positive purple.
SIGNED_SCALE = [[0.0, "#0f6e6f"], [0.25, "#7cc4c1"], [0.5, "#ffffff"],
                [0.75, "#b59bd3"], [1.0, INTEGRAND_COLOR]]
# ... and its upper half for non-negative integrands: zero white, positive purple.
POSITIVE_SCALE = [[0.0, "#ffffff"], [0.5, "#b59bd3"], [1.0, INTEGRAND_COLOR]]


def _spikes(locs: Sequence[float], masses: Sequence[float], name: str, color: str,
            yaxis: str, legend: bool) -> list[go.Scatter]:
    """Atoms as vertical spikes from 0 to their mass, with a marker on top."""
    locs, masses = np.asarray(locs, float), np.asarray(masses, float)
    if locs.size == 0:
        return []
    xs = np.column_stack([locs, locs, np.full_like(locs, np.nan)]).ravel()
    ys = np.column_stack([np.zeros_like(masses), masses, np.full_like(masses, np.nan)]).ravel()
    stem = go.Scatter(x=xs, y=ys, mode="lines", line=dict(color=color, width=4),
                      name=f"{name} (point mass)", legendgroup=name, yaxis=yaxis,
                      showlegend=legend, hoverinfo="skip")
    head = go.Scatter(x=locs, y=masses, mode="markers",
                      marker=dict(color=color, size=14, symbol="circle",
                                  line=dict(color="white", width=2)),
                      name=f"{name} atoms", legendgroup=name, yaxis=yaxis, showlegend=False,
                      hovertemplate=f"{name}: mass %{{y:{HOVER}}} at x = %{{x:{HOVER}}}"
                                    "<extra></extra>")
    return [stem, head]


def density_1d(x: np.ndarray, p_density: np.ndarray, q_density: np.ndarray,
               p_atoms: Atoms = ((), ()), q_atoms: Atoms = ((), ()),
               p_label: str = "P", q_label: str = "Q", title: str | None = None,
               height: int = 430) -> go.Figure:
    """Densities of P and Q on the line; atoms as spikes of height = their mass.

    x: grid (N,); p_density, q_density: densities of the continuous parts on x
    (zeros where a law has none); p_atoms, q_atoms: (locations, masses). When a law
    also has a continuous part, the spikes use a right-hand axis "point mass" so
    that densities and masses are never read on the same scale.
    """
    has_cont = bool(np.any(np.asarray(p_density) > 0) or np.any(np.asarray(q_density) > 0))
    has_atoms = len(p_atoms[0]) > 0 or len(q_atoms[0]) > 0
    spike_axis = "y2" if has_cont else "y"
    traces: list[go.Scatter] = []
    for dens, label, color in ((p_density, p_label, P_COLOR), (q_density, q_label, Q_COLOR)):
        dens = np.asarray(dens, float)
        if np.any(dens > 0):
            traces.append(go.Scatter(
                x=x, y=dens, mode="lines", name=label, legendgroup=label,
                line=dict(color=color, width=3), fill="tozeroy",
                fillcolor=rgba(color, 0.18),
                hovertemplate=f"{label}: density %{{y:{HOVER}}} at x = %{{x:{HOVER}}}"
                              "<extra></extra>"))
    for atoms, label, color in ((p_atoms, p_label, P_COLOR), (q_atoms, q_label, Q_COLOR)):
        traces += _spikes(atoms[0], atoms[1], label, color, spike_axis, legend=True)
    yaxis = axis("density" if has_cont else "mass", rangemode="tozero")
    if not has_cont:
        yaxis["range"] = [0, 1.1]
    extra = {}
    if has_cont and has_atoms:
        extra["yaxis2"] = axis("point mass", overlaying="y", side="right", range=[0, 1.05],
                               showgrid=False)
    return go.Figure(data=traces, layout=layout(
        title, height, xaxis=axis("x", range=[float(x[0]), float(x[-1])]), yaxis=yaxis,
        **extra))


def integrand_1d(x: np.ndarray, values: np.ndarray, name: str = "q·f(p/q)",
                 title: str | None = None, height: int = 280,
                 y_title: str | None = None) -> go.Figure:
    """The pointwise integrand of a divergence on the line (NaN: not drawn).

    For an f-divergence, values = q(x) f(p(x)/q(x)): its signed area is the part of
    D(P ‖ Q) carried where both densities are positive. For W1 in 1-D, values =
    |F_P(x) − F_Q(x)|, whose area is W1 itself.
    """
    trace = go.Scatter(
        x=x, y=values, mode="lines", name=name, line=dict(color=INTEGRAND_COLOR, width=3),
        fill="tozeroy", fillcolor=rgba(INTEGRAND_COLOR, 0.18), showlegend=False,
        hovertemplate=f"{name} = %{{y:{HOVER}}} at x = %{{x:{HOVER}}}<extra></extra>")
    return go.Figure(data=[trace], layout=layout(
        title, height, show_legend=False, xaxis=axis("x", range=[float(x[0]), float(x[-1])]),
        yaxis=axis(y_title or name, zeroline=True, zerolinecolor=ZERO_COLOR)))


def _contour(x: np.ndarray, y: np.ndarray, z: np.ndarray, label: str, color: str,
             levels: int, fill: bool = True) -> go.Contour:
    top = float(np.nanmax(z)) if z.size else 0.0
    step = top / (levels + 1) if top > 0 else 1.0
    return go.Contour(
        x=x, y=y, z=z, name=label, legendgroup=label, showlegend=True, showscale=False,
        contours=dict(coloring="fill" if fill else "none", start=step,
                      end=top - step / 2 if top > 0 else 1.0, size=step),
        colorscale=[[0.0, rgba(color, 0.0)], [1.0, rgba(color, 0.55)]],
        line=dict(color=color, width=2),
        hovertemplate=f"{label}: density %{{z:{HOVER}}} at (%{{x:.4g}}, %{{y:.4g}})"
                      "<extra></extra>")


def _masses_2d(label: str, color: str, lines: Sequence[Line2D],
               points: Sequence[Point2D]) -> list[go.Scatter]:
    out: list[go.Scatter] = []
    for i, (xs, ys, mass) in enumerate(lines):
        out.append(go.Scatter(
            x=xs, y=ys, mode="lines", name=f"{label} (segment)", legendgroup=label,
            showlegend=i == 0, line=dict(color=color, width=6),
            hovertemplate=f"{label}: mass {mass:{HOVER}} on this segment<extra></extra>"))
    if len(points):
        px, py, pm = (np.asarray(v, float) for v in zip(*points, strict=True))
        out.append(go.Scatter(
            x=px, y=py, mode="markers", name=f"{label} (point mass)", legendgroup=label,
            marker=dict(color=color, size=10 + 14 * np.sqrt(pm), symbol="circle",
                        line=dict(color="white", width=2)),
            customdata=pm,
            hovertemplate=f"{label}: mass %{{customdata:{HOVER}}} at "
                          f"(%{{x:{HOVER}}}, %{{y:{HOVER}}})<extra></extra>"))
    return out


def _plane_axes(x: np.ndarray, y: np.ndarray, x_title: str = "x",
                y_title: str = "y") -> dict:
    return dict(xaxis=axis(x_title, range=[float(x[0]), float(x[-1])]),
                yaxis=axis(y_title, range=[float(y[0]), float(y[-1])], scaleanchor="x",
                           scaleratio=1))


def density_2d(x: np.ndarray, y: np.ndarray,
               p_z: np.ndarray | None, q_z: np.ndarray | None,
               p_lines: Sequence[Line2D] = (), q_lines: Sequence[Line2D] = (),
               p_points: Sequence[Point2D] = (), q_points: Sequence[Point2D] = (),
               p_label: str = "P", q_label: str = "Q", title: str | None = None,
               levels: int = 6, height: int = 560) -> go.Figure:
    """Densities of P and Q in the plane: filled contours, segments and point masses.

    x (nx,), y (ny,): the grid; p_z, q_z: densities (ny, nx) or None (no density in
    the plane); *_lines: (xs, ys, mass) segments carrying mass (NaN breaks a line);
    *_points: (x, y, mass) point masses. Axes share one scale, so circles look round.
    """
    traces: list = []
    for z, label, color in ((p_z, p_label, P_COLOR), (q_z, q_label, Q_COLOR)):
        if z is not None:
            traces.append(_contour(x, y, np.asarray(z, float), label, color, levels))
    traces += _masses_2d(p_label, P_COLOR, p_lines, p_points)
    traces += _masses_2d(q_label, Q_COLOR, q_lines, q_points)
    return go.Figure(data=traces, layout=layout(title, height, **_plane_axes(x, y)))


def integrand_2d(x: np.ndarray, y: np.ndarray, values: np.ndarray,
                 p_z: np.ndarray | None = None, q_z: np.ndarray | None = None,
                 name: str = "q·f(p/q)", title: str | None = None,
                 height: int = 560, levels: int = 4) -> go.Figure:
    """The pointwise integrand in the plane as a heatmap, P and Q as contour lines.

    values (ny, nx), NaN where undefined (drawn blank). Signed integrands use a
    diverging scale centred on 0; non-negative ones run from white to purple.
    """
    v = np.asarray(values, float)
    finite = v[np.isfinite(v)]
    lo = float(finite.min()) if finite.size else 0.0
    hi = float(finite.max()) if finite.size else 1.0
    signed = lo < -1e-12 * max(abs(hi), 1.0)
    if signed:
        top = max(abs(lo), abs(hi), 1e-300)
        scale, zmin, zmax = SIGNED_SCALE, -top, top
    else:
        scale, zmin, zmax = POSITIVE_SCALE, 0.0, max(hi, 1e-300)
    heat = go.Heatmap(
        x=x, y=y, z=v, colorscale=scale, zmin=zmin, zmax=zmax, name=name, showlegend=False,
        colorbar=dict(title=dict(text=name, side="right"), thickness=18, len=0.85,
                      exponentformat="power"),
        hovertemplate=f"{name} = %{{z:{HOVER}}} at (%{{x:.4g}}, %{{y:.4g}})<extra></extra>")
    traces: list = [heat]
    for z, label, color in ((p_z, "P", P_COLOR), (q_z, "Q", Q_COLOR)):
        if z is not None:
            traces.append(_contour(x, y, np.asarray(z, float), label, color, levels,
                                   fill=False))
    return go.Figure(data=traces, layout=layout(title, height, **_plane_axes(x, y)))
