"""D and its derivative along one parameter, with other divergences overlaid."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from ganloss_viz.divergences import DIVERGENCES

from .style import HOVER, Q_COLOR, ZERO_COLOR, axis, layout

TOP = (0.54, 1.0)       # the value panel's vertical extent (paper coordinates)
BOTTOM = (0.0, 0.40)    # the derivative panel's


@dataclass(frozen=True)
class Curve:
    """One divergence along the sweep.

    name: short name (``js``); label: legend text; values: D at each point (inf
    allowed); grads: ∂D/∂θ (NaN where D is infinite); color; main: the chosen
    divergence (drawn thicker, and first).
    """

    name: str
    label: str
    values: np.ndarray
    grads: np.ndarray
    color: str
    main: bool = False



def _titled(text: str, curves: Sequence) -> str:
    """An axis title for the curves' values: `text` with their common unit (nats, ...),
    none when they differ or are pure numbers."""
    units = {DIVERGENCES[c.name].unit if c.name in DIVERGENCES else "" for c in curves}
    unit = units.pop() if len(units) == 1 else ""
    return f"{text} ({unit})" if unit else text

def _finite(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a, float)
    return np.where(np.isfinite(a), a, np.nan)


def sweep(x: np.ndarray, curves: Sequence[Curve], param: str,
          current: float | None = None, current_color: str = Q_COLOR,
          ceiling: tuple[float, str] | None = None, title: str | None = None,
          height: int = 640) -> go.Figure:
    """Two stacked panels sharing the x axis: D(θ) above, ∂D/∂θ below.

    x: the values of parameter `param` (``q.loc``); curves: the chosen divergence
    (main) and any overlaid ones; current: the parameter's present value, marked by
    a vertical line in `current_color` (Q orange, P blue); ceiling: (value, text) of
    the chosen divergence's finite upper bound (``(ln 2, "ln 2")`` for js), drawn as
    a dotted line. Values: the main curve on the left axis, the others on a right
    axis (their scales differ); derivatives share one axis. Infinite values are not
    drawn as lines: a row of ▲ markers above a curve says where it is ∞.
    """
    x = np.asarray(x, float)
    traces: list[go.Scatter] = []
    others = [c for c in curves if not c.main]
    mains = [c for c in curves if c.main]
    for c in others + mains:               # the chosen divergence last: drawn on top
        # values: the chosen divergence on the left axis, the others on the right one
        # (their scales differ: JS <= ln 2 while W1 grows without bound); derivatives:
        # all on one axis, so that a vanishing gradient looks like one
        yv = "y" if c.main else "y3"
        width, dash = (5, "solid") if c.main else (3, "dash")
        rank = 1 if c.main else 2 + others.index(c)
        finite = _finite(c.values)
        traces.append(go.Scatter(
            x=x, y=finite, mode="lines", name=c.label, legendgroup=c.name, legendrank=rank,
            line=dict(color=c.color, width=width, dash=dash), xaxis="x2", yaxis=yv,
            hovertemplate=f"{c.name} = %{{y:{HOVER}}}<extra></extra>"))
        inf = ~np.isfinite(np.asarray(c.values, float))
        if inf.any():
            top = np.nanmax(finite) if np.isfinite(finite).any() else 1.0
            traces.append(go.Scatter(
                x=x[inf], y=np.full(int(inf.sum()), top * 1.08 if top > 0 else 1.0),
                mode="markers", name=f"{c.name} = ∞", legendgroup=c.name, legendrank=rank,
                marker=dict(color=c.color, symbol="triangle-up", size=9),
                xaxis="x2", yaxis=yv, hovertemplate=f"{c.name} = ∞<extra></extra>"))
        traces.append(go.Scatter(
            x=x, y=_finite(c.grads), mode="lines", name=c.label, legendgroup=c.name,
            showlegend=False, line=dict(color=c.color, width=width, dash=dash),
            xaxis="x", yaxis="y2",
            hovertemplate=f"∂{c.name}/∂{param} = %{{y:{HOVER}}}<extra></extra>"))
    shapes: list[dict] = []
    annotations: list[dict] = []
    if current is not None and np.isfinite(current):
        shapes.append(dict(type="line", xref="x", yref="paper", x0=current, x1=current,
                           y0=0, y1=1, line=dict(color=current_color, width=2, dash="dot")))
        annotations.append(dict(xref="x", yref="paper", x=current, y=1.0, yanchor="bottom",
                                text=f"now: {param} = {current:.6g}", showarrow=False,
                                font=dict(color=current_color)))
    if ceiling is not None:
        shapes.append(dict(type="line", xref="x2 domain", yref="y", x0=0, x1=1,
                           y0=ceiling[0], y1=ceiling[0],
                           line=dict(color=ZERO_COLOR, width=2, dash="dot")))
        annotations.append(dict(xref="x2 domain", yref="y", x=0.5, y=ceiling[0],
                                xanchor="center", yanchor="bottom", showarrow=False,
                                text=ceiling[1], font=dict(color=ZERO_COLOR)))
    lo, hi = float(x[0]), float(x[-1])
    main_name = mains[0].name if mains else "D"
    extra = {}
    if others:
        names = ", ".join(c.name for c in others)
        extra["yaxis3"] = axis(_titled(names, others), overlaying="y", side="right", anchor="x2",
                               showgrid=False, tickmode="auto",
                               title_font=dict(color=others[0].color))
    return go.Figure(data=traces, layout=layout(
        title, height, hovermode="x unified", shapes=shapes, annotations=annotations,
        xaxis=axis(param, anchor="y2", range=[lo, hi]),
        xaxis2=axis(None, anchor="y", matches="x", showticklabels=False),
        yaxis=axis(_titled(main_name, mains), domain=list(TOP), anchor="x2",
                   title_font=dict(color=mains[0].color) if mains else None),
        yaxis2=axis(f"∂D/∂{param}", domain=list(BOTTOM), anchor="x", zeroline=True,
                    zerolinecolor=ZERO_COLOR, zerolinewidth=2),
        legend=dict(orientation="h", yanchor="bottom", y=1.06, xanchor="left", x=0),
        **extra))
