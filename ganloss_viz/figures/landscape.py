"""D over two parameters: a heatmap, contour lines, arrows of −∇D, the path of a fit."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from ganloss_viz.divergences import DIVERGENCES
from ganloss_viz.format import fmt

from .style import HOVER, P_COLOR, Q_COLOR, axis, layout

MAX_ARROWS = 15         # arrows per axis at most
ARROW_FILL = 0.85       # the longest arrow spans this fraction of the arrow spacing
HEAD = 0.3              # arrowhead length, as a fraction of the arrow
CAP_QUANTILE = 95       # colours saturate above this percentile when the top is far off
COLORSCALE = "Viridis"


def _arrows(x: np.ndarray, y: np.ndarray, gx: np.ndarray, gy: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """Polylines (NaN-separated) of arrows along −∇D on a thinned grid.

    Arrows are drawn in data coordinates (each is a step of gradient descent, scaled
    by one common factor), so their directions are the true descent directions even
    when the two axes have different units; the factor makes the longest arrow span
    `ARROW_FILL` of the spacing between arrows.
    """
    sx = max(1, math.ceil(len(x) / MAX_ARROWS))
    sy = max(1, math.ceil(len(y) / MAX_ARROWS))
    xs, ys = np.meshgrid(x[::sx], y[::sy])
    dx, dy = -gx[::sy, ::sx], -gy[::sy, ::sx]
    ok = np.isfinite(dx) & np.isfinite(dy)
    span_x, span_y = float(x[-1] - x[0]) or 1.0, float(y[-1] - y[0]) or 1.0
    nx, ny = np.where(ok, dx / span_x, 0.0), np.where(ok, dy / span_y, 0.0)
    length = np.hypot(nx, ny)
    top = float(length.max()) if length.size else 0.0
    if top <= 0:
        return np.array([]), np.array([])
    spacing = min(sx / max(len(x) - 1, 1), sy / max(len(y) - 1, 1))
    k = ARROW_FILL * spacing / top
    nx, ny = nx * k, ny * k
    visible = ok & (np.hypot(nx, ny) > 1e-3 * spacing)
    x0, y0 = xs[visible], ys[visible]
    ux, uy = nx[visible], ny[visible]
    # arrowhead: two barbs at ±25 degrees, in normalised coordinates
    c, s = math.cos(math.radians(25)), math.sin(math.radians(25))
    b1x, b1y = -HEAD * (c * ux - s * uy), -HEAD * (s * ux + c * uy)
    b2x, b2y = -HEAD * (c * ux + s * uy), -HEAD * (-s * ux + c * uy)
    tipx, tipy = x0 + ux * span_x, y0 + uy * span_y
    nan = np.full_like(x0, np.nan)
    px = np.column_stack([x0, tipx, nan, tipx + b1x * span_x, tipx, tipx + b2x * span_x, nan])
    py = np.column_stack([y0, tipy, nan, tipy + b1y * span_y, tipy, tipy + b2y * span_y, nan])
    return px.ravel(), py.ravel()


def landscape(x: np.ndarray, y: np.ndarray, z: np.ndarray, gx: np.ndarray,
              gy: np.ndarray, x_name: str, y_name: str, div: str,
              path: tuple[np.ndarray, np.ndarray] | None = None,
              start: tuple[float, float] | None = None,
              target: tuple[float, float] | None = None,
              title: str | None = None, height: int = 640) -> go.Figure:
    """D(x, y) over a grid of two parameters with arrows of −∇D.

    x (nx,), y (ny,): the parameter values (`x_name`, `y_name`, e.g. ``q.loc``,
    ``q.scale``); z (ny, nx): D (inf allowed, NaN where the parameters are not
    allowed; both left blank); gx, gy (ny, nx): ∂D/∂x and ∂D/∂y. path: the
    parameters along a direct fit (drawn in Q orange); start: Q's present parameters;
    target: P's values of the same parameters (the minimum when P and Q share a
    family), as a blue star. When a few huge values would wash out the picture, the
    colours saturate at the 95th percentile (the hover still shows every value).
    """
    z = np.asarray(z, float)
    finite = z[np.isfinite(z)]
    zmin = float(finite.min()) if finite.size else 0.0
    zmax = float(finite.max()) if finite.size else 1.0
    capped = False
    if finite.size > 4:
        cap = float(np.percentile(finite, CAP_QUANTILE))
        if zmax - zmin > 3 * (cap - zmin) and cap > zmin:
            zmax, capped = cap, True
    text = np.vectorize(lambda v: "not allowed" if np.isnan(v) else fmt(v),
                        otypes=[object])(z)
    shown = np.where(np.isfinite(z), z, np.nan)
    bar_title = DIVERGENCES[div].titled() if div in DIVERGENCES else div
    bar_title += ", capped" if capped else ""
    traces: list = [
        go.Heatmap(x=x, y=y, z=shown, zmin=zmin, zmax=zmax, colorscale=COLORSCALE, zsmooth="best",
                   customdata=text, name=div, showlegend=False,
                   colorbar=dict(title=dict(text=bar_title, side="right"), thickness=18,
                                 len=0.9, exponentformat="power"),
                   hovertemplate=f"{x_name} = %{{x:{HOVER}}}<br>{y_name} = %{{y:{HOVER}}}"
                                 f"<br>{div} = %{{customdata}}<extra></extra>"),
        go.Contour(x=x, y=y, z=shown, showscale=False, hoverinfo="skip", name="levels",
                   showlegend=False, contours=dict(coloring="none", start=zmin, end=zmax,
                                                   size=(zmax - zmin) / 12 or 1.0),
                   line=dict(color="rgba(255, 255, 255, 0.55)", width=1)),
    ]
    ax, ay = _arrows(np.asarray(x, float), np.asarray(y, float), np.asarray(gx, float),
                     np.asarray(gy, float))
    if ax.size:
        traces.append(go.Scatter(x=ax, y=ay, mode="lines", name="−∇D",
                                 line=dict(color="white", width=2), hoverinfo="skip"))
    if path is not None and len(path[0]):
        px, py = (np.asarray(v, float) for v in path)
        traces.append(go.Scatter(x=px, y=py, mode="lines", showlegend=False,
                                 line=dict(color="white", width=8), hoverinfo="skip"))
        traces.append(go.Scatter(
            x=px, y=py, mode="lines", name="direct fit", line=dict(color=Q_COLOR, width=4),
            hovertemplate=f"fit: {x_name} = %{{x:{HOVER}}}, {y_name} = %{{y:{HOVER}}}"
                          "<extra></extra>"))
        traces.append(go.Scatter(
            x=px[-1:], y=py[-1:], mode="markers", name="fitted Q",
            marker=dict(color=Q_COLOR, size=16, symbol="diamond",
                        line=dict(color="white", width=2)),
            hovertemplate=f"fitted Q: {x_name} = %{{x:{HOVER}}}, {y_name} = %{{y:{HOVER}}}"
                          "<extra></extra>"))
    if start is not None:
        traces.append(go.Scatter(
            x=[start[0]], y=[start[1]], mode="markers", name="Q now",
            marker=dict(color=Q_COLOR, size=16, line=dict(color="white", width=2)),
            hovertemplate=f"Q now: {x_name} = %{{x:{HOVER}}}, {y_name} = %{{y:{HOVER}}}"
                          "<extra></extra>"))
    if target is not None:
        traces.append(go.Scatter(
            x=[target[0]], y=[target[1]], mode="markers", name="P's values",
            marker=dict(color=P_COLOR, size=22, symbol="star",
                        line=dict(color="white", width=2)),
            hovertemplate=f"P: {x_name} = %{{x:{HOVER}}}, {y_name} = %{{y:{HOVER}}}"
                          "<extra></extra>"))
    return go.Figure(data=traces, layout=layout(
        title, height,
        xaxis=axis(x_name, range=[float(x[0]), float(x[-1])], showgrid=False),
        yaxis=axis(y_name, range=[float(y[0]), float(y[-1])], showgrid=False),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0,
                    bgcolor="rgba(255, 255, 255, 0.8)")))
