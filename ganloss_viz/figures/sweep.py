"""D and its derivative along one parameter, with other divergences overlaid."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from ganloss_viz.divergences import DIVERGENCES

from .style import HOVER, Q_COLOR, ZERO_COLOR, axis, layout, shared_zero

TOP = (0.54, 1.0)       # the value panel's vertical extent (paper coordinates)
BOTTOM = (0.0, 0.40)    # the derivative panel's
SCALES_APART = 100.0    # derivatives whose largest sizes differ more get their own axes


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


def _span(traces: Sequence[go.Scatter], yaxis: str, more: Sequence[float] = ()
          ) -> tuple[float, float] | None:
    """The finite y extent of the traces drawn on `yaxis` (their ∞ markers included) and
    of the values `more`, padded by 5% as Plotly pads an automatic range; None if none."""
    ys = [np.asarray(t.y, float) for t in traces if t.yaxis == yaxis and t.y is not None]
    ys.append(np.asarray(more, float))
    ys = np.concatenate([y[np.isfinite(y)] for y in ys])
    if not ys.size:
        return None
    lo, hi = float(ys.min()), float(ys.max())
    pad = 0.05 * (hi - lo) if hi > lo else max(abs(hi), 1.0) * 0.05
    return lo - pad, hi + pad


def _size(arrays: Sequence[np.ndarray]) -> float:
    """The largest finite |value| in `arrays` (0 if none)."""
    sizes = [np.abs(a[np.isfinite(a)]) for a in (np.asarray(v, float) for v in arrays)]
    return max((float(f.max()) for f in sizes if f.size), default=0.0)


def _apart(mains: Sequence[np.ndarray], others: Sequence[np.ndarray]) -> bool:
    """Whether the largest finite sizes of two groups of derivatives differ by more than
    SCALES_APART (a group that is 0 throughout is no scale: a flat line reads right)."""
    a, b = _size(mains), _size(others)
    return a > 0 and b > 0 and max(a, b) > SCALES_APART * min(a, b)


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
    drawn as lines: a row of ▲ markers above a curve says where it is ∞. When the
    chosen divergence's derivative and the others' differ in size by more than
    SCALES_APART (KL's 1e11 beside W1's ±1 drew W1 as a line at 0), the others'
    derivatives move to a right axis whose zero is level with the left one's.
    """
    x = np.asarray(x, float)
    traces: list[go.Scatter] = []
    others = [c for c in curves if not c.main]
    mains = [c for c in curves if c.main]
    split = bool(others and mains) and _apart([c.grads for c in mains],
                                              [c.grads for c in others])
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
            xaxis="x", yaxis="y4" if split and not c.main else "y2",
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
    extra, main_range = {}, {}
    if others:
        names = ", ".join(c.name for c in others)
        # Twin axes share their zero: JS's axis from 0 beside W1's from -0.5 made JS seem
        # to dip below 0 (issue 17).
        left = _span(traces, "y", [ceiling[0]] if ceiling else [])
        right = _span(traces, "y3")
        ranges = {}
        if left is not None and right is not None:
            left_range, right_range = shared_zero(left, right)
            main_range, ranges = dict(range=left_range), dict(range=right_range)
        extra["yaxis3"] = axis(_titled(names, others), overlaying="y", side="right", anchor="x2",
                               showgrid=False, tickmode="auto",
                               title_font=dict(color=others[0].color), **ranges)
    grad_range = {}
    if split:
        left, right = shared_zero(_span(traces, "y2"), _span(traces, "y4"))
        grad_range = dict(range=left)
        extra["yaxis4"] = axis(f"∂/∂{param}: {', '.join(c.name for c in others)}",
                               overlaying="y2", side="right", anchor="x", showgrid=False,
                               tickmode="auto", range=right, zeroline=False,
                               title_font=dict(color=others[0].color))
    return go.Figure(data=traces, layout=layout(
        title, height, hovermode="x unified", shapes=shapes, annotations=annotations,
        xaxis=axis(param, anchor="y2", range=[lo, hi]),
        xaxis2=axis(None, anchor="y", matches="x", showticklabels=False),
        yaxis=axis(_titled(main_name, mains), domain=list(TOP), anchor="x2",
                   title_font=dict(color=mains[0].color) if mains else None, **main_range),
        yaxis2=axis(f"∂D/∂{param}" if not split else f"∂{main_name}/∂{param}",
                    domain=list(BOTTOM), anchor="x", zeroline=True,
                    zerolinecolor=ZERO_COLOR, zerolinewidth=2, **grad_range),
        legend=dict(orientation="h", yanchor="bottom", y=1.06, xanchor="left", x=0),
        **extra))
