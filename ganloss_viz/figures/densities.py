"""Plotly figure builders: plain numpy data in, `go.Figure` out.

Pure functions, no Streamlit and no torch: the pages compute the data with the
library and hand arrays to these builders, and the tests check the traces directly.
P is drawn in blue and Q in orange on every figure.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

P_COLOR = "#1f5fbf"
Q_COLOR = "#e8710a"
INTEGRAND_COLOR = "#6a3d9a"
FONT_SIZE = 16
TEMPLATE = "plotly_white"

Atoms = tuple[Sequence[float], Sequence[float]]            # (locations, masses)
Line2D = tuple[np.ndarray, np.ndarray, float]             # (xs, ys, mass)
Point2D = tuple[float, float, float]                      # (x, y, mass)


def _rgba(hex_color: str, alpha: float) -> str:
    r, g, b = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, {alpha})"


def _layout(fig: go.Figure, title: str | None, height: int) -> go.Figure:
    fig.update_layout(
        template=TEMPLATE, height=height, font=dict(size=FONT_SIZE),
        title=dict(text=title) if title else None,
        margin=dict(l=10, r=10, t=50 if title else 20, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0,
                    font=dict(size=FONT_SIZE)),
        hovermode="closest",
    )
    return fig


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
                      hovertemplate=f"{name}: mass %{{y:.6g}} at x = %{{x:.6g}}<extra></extra>")
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
    fig = go.Figure()
    has_cont = bool(np.any(np.asarray(p_density) > 0) or np.any(np.asarray(q_density) > 0))
    has_atoms = len(p_atoms[0]) > 0 or len(q_atoms[0]) > 0
    spike_axis = "y2" if has_cont else "y"
    for dens, label, color in ((p_density, p_label, P_COLOR), (q_density, q_label, Q_COLOR)):
        dens = np.asarray(dens, float)
        if np.any(dens > 0):
            fig.add_trace(go.Scatter(
                x=x, y=dens, mode="lines", name=label, legendgroup=label,
                line=dict(color=color, width=3), fill="tozeroy",
                fillcolor=_rgba(color, 0.18),
                hovertemplate=f"{label}: density %{{y:.6g}} at x = %{{x:.6g}}<extra></extra>"))
    for atoms, label, color in ((p_atoms, p_label, P_COLOR), (q_atoms, q_label, Q_COLOR)):
        for tr in _spikes(atoms[0], atoms[1], label, color, spike_axis, legend=True):
            fig.add_trace(tr)
    fig.update_xaxes(title_text="x", zeroline=False, range=[float(x[0]), float(x[-1])])
    fig.update_yaxes(title_text="density" if has_cont else "mass", rangemode="tozero")
    if has_cont and has_atoms:
        fig.update_layout(yaxis2=dict(title="point mass", overlaying="y", side="right",
                                      range=[0, 1.05], showgrid=False))
    elif not has_cont:
        fig.update_yaxes(range=[0, 1.1])
    return _layout(fig, title, height)


def integrand_1d(x: np.ndarray, values: np.ndarray, name: str = "q·f(p/q)",
                 title: str | None = None, height: int = 260) -> go.Figure:
    """The pointwise integrand of a divergence on the line (NaN: not drawn).

    For an f-divergence, values = q(x) f(p(x)/q(x)): its signed area is the part of
    D(P ‖ Q) carried where both densities are positive.
    """
    fig = go.Figure(go.Scatter(
        x=x, y=values, mode="lines", name=name, line=dict(color=INTEGRAND_COLOR, width=2.5),
        fill="tozeroy", fillcolor=_rgba(INTEGRAND_COLOR, 0.18), showlegend=False,
        hovertemplate=f"{name} = %{{y:.6g}} at x = %{{x:.6g}}<extra></extra>"))
    fig.update_xaxes(title_text="x", zeroline=False, range=[float(x[0]), float(x[-1])])
    fig.update_yaxes(title_text=name, zeroline=True, zerolinecolor="#888")
    return _layout(fig, title, height)


def _contour(x: np.ndarray, y: np.ndarray, z: np.ndarray, label: str, color: str,
             levels: int) -> go.Contour:
    top = float(np.nanmax(z)) if z.size else 0.0
    step = top / (levels + 1) if top > 0 else 1.0
    return go.Contour(
        x=x, y=y, z=z, name=label, legendgroup=label, showlegend=True, showscale=False,
        contours=dict(coloring="fill", start=step, end=top - step / 2 if top > 0 else 1.0,
                      size=step),
        colorscale=[[0.0, _rgba(color, 0.0)], [1.0, _rgba(color, 0.55)]],
        line=dict(color=color, width=2),
        hovertemplate=f"{label}: density %{{z:.6g}} at (%{{x:.4g}}, %{{y:.4g}})<extra></extra>")


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
    fig = go.Figure()
    for z, label, color in ((p_z, p_label, P_COLOR), (q_z, q_label, Q_COLOR)):
        if z is not None:
            fig.add_trace(_contour(x, y, np.asarray(z, float), label, color, levels))
    for lines, label, color in ((p_lines, p_label, P_COLOR), (q_lines, q_label, Q_COLOR)):
        for i, (xs, ys, mass) in enumerate(lines):
            fig.add_trace(go.Scatter(
                x=xs, y=ys, mode="lines", name=f"{label} (segment)", legendgroup=label,
                showlegend=i == 0, line=dict(color=color, width=6),
                hovertemplate=f"{label}: mass {mass:.6g} on this segment<extra></extra>"))
    for points, label, color in ((p_points, p_label, P_COLOR), (q_points, q_label, Q_COLOR)):
        if len(points):
            px, py, pm = (np.asarray(v, float) for v in zip(*points, strict=True))
            fig.add_trace(go.Scatter(
                x=px, y=py, mode="markers", name=f"{label} (point mass)", legendgroup=label,
                marker=dict(color=color, size=10 + 14 * np.sqrt(pm), symbol="circle",
                            line=dict(color="white", width=2)),
                customdata=pm,
                hovertemplate=f"{label}: mass %{{customdata:.6g}} at (%{{x:.6g}}, %{{y:.6g}})"
                              "<extra></extra>"))
    fig.update_xaxes(title_text="x", range=[float(x[0]), float(x[-1])], zeroline=False)
    fig.update_yaxes(title_text="y", range=[float(y[0]), float(y[-1])], zeroline=False,
                     scaleanchor="x", scaleratio=1)
    return _layout(fig, title, height)
