"""Figures of a study's results: success-rate heatmaps, per-loss distributions, best-of-k.

Pure functions of plain data (names, numbers, (k, n, low, high) tuples that
ganloss_viz.study.summary computes); no Streamlit, no torch, no pyarrow. Labels that
came from a results file (loss and target names) are escaped before Plotly renders
them, since Plotly reads a subset of HTML in text.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from .style import COMPARE_COLORS, P_COLOR, Q_COLOR, axis, layout

# White (0) to the app's blue (1): a rate reads as the depth of the colour.
RATE_SCALE = [[0.0, "#ffffff"], [0.5, "#8fb3e6"], [1.0, P_COLOR]]
ROW_PX = 30
LEGEND_ROW_PX = 20      # one entry of a vertical legend in 13 px type (24 at 16.25 px)
LINE_COLORS = (P_COLOR, Q_COLOR, *COMPARE_COLORS, "#7f7f7f", "#bcbd22", "#17becf", "#9467bd",
               "#ff9896", "#98df8a", "#c5b0d5", "#c49c94", "#f7b6d2", "#dbdb8d")


def _esc(text: str) -> str:
    return html.escape(str(text), quote=False)


def rate_heatmap(rows: Sequence[str], cols: Sequence[str],
                 rates: Mapping[tuple[str, str], tuple[int, int, float, float]],
                 title: str, col_title: str, show_scale: bool = True) -> go.Figure:
    """A rows × cols heatmap of success rates: rates[(row, col)] = (k, n, low, high),
    k successes of n runs and the 95% Wilson interval; cells with no runs are blank.
    Each cell shows its rate in percent; the hover gives k/n and the interval.
    show_scale: draw the colour bar (two heatmaps side by side need one)."""
    z, text, hover = [], [], []
    for r in rows:
        zr, tr, hr = [], [], []
        for c in cols:
            cell = rates.get((r, c))
            if cell is None:
                zr.append(None)
                tr.append("")
                hr.append(f"{_esc(r)} · {_esc(c)}<br>no runs")
                continue
            k, n, lo, hi = cell
            zr.append(k / n)
            tr.append(f"{100 * k / n:.0f}")
            hr.append(f"{_esc(r)} · {_esc(c)}<br>success {k}/{n} = {100 * k / n:.1f}%"
                      f"<br>95% Wilson interval {100 * lo:.1f}–{100 * hi:.1f}%")
        z.append(zr)
        text.append(tr)
        hover.append(hr)
    trace = go.Heatmap(z=z, x=[_esc(c) for c in cols], y=[_esc(r) for r in rows], zmin=0,
                       name=_esc(col_title),
                       zmax=1, colorscale=RATE_SCALE, text=text, texttemplate="%{text}",
                       customdata=hover, hovertemplate="%{customdata}<extra></extra>",
                       xgap=2, ygap=2, showscale=show_scale,
                       colorbar=dict(title=dict(text="success"), tickformat=".0%",
                                     thickness=14))
    height = max(260, ROW_PX * len(rows) + 140)
    # the columns' labels on top, under the title (which names them: col_title is the
    # hover's and the accessibility name's, not a second title)
    return go.Figure(data=[trace], layout=layout(
        title, height=height, show_legend=False, margin=dict(l=10, r=10, t=95, b=10),
        xaxis=axis(None, side="top", type="category", showgrid=False,
                   tickfont=dict(size=13), tickangle=0),
        yaxis=axis(None, autorange="reversed", type="category", showgrid=False)))


def by_loss_boxes(values: Mapping[str, Sequence[float]], order: Sequence[str], title: str,
                  value_title: str, log: bool = False) -> go.Figure:
    """One horizontal box per loss (in `order`) with every run as a point beside it;
    a loss with no values gets an empty row, so the rows line up with the heatmap."""
    traces = []
    for name in order:
        vals = [v for v in values.get(name, ()) if math.isfinite(v) and (v > 0 or not log)]
        traces.append(go.Box(x=vals, y=[_esc(name)] * len(vals), name=_esc(name),
                             orientation="h", boxpoints="all", jitter=0.4, pointpos=0,
                             marker=dict(size=4, color=P_COLOR, opacity=0.45),
                             line=dict(color=P_COLOR, width=1.5), fillcolor="rgba(0,0,0,0)",
                             hovertemplate=f"{_esc(name)}: %{{x:.4g}}<extra></extra>"))
    height = max(260, ROW_PX * len(order) + 120)
    return go.Figure(data=traces, layout=layout(
        title, height=height, show_legend=False,
        xaxis=axis(value_title, **(dict(type="log", dtick=1) if log else {})),
        yaxis=axis(None, autorange="reversed", type="category",
                   categoryarray=[_esc(n) for n in order], categoryorder="array")))


def best_of_k_figure(curves: Mapping[str, Sequence[float]], order: Sequence[str], title: str,
                     value_title: str, text_scale: float = 1.0) -> go.Figure:
    """Expected best score against the number of settings tried, one line per loss
    (Lucic et al. 2018, Fig. 4): how much a loss's result depends on tuning. The chart
    is tall enough for its legend, one loss a row, with text `text_scale` times larger
    (style.for_room)."""
    traces = []
    for i, name in enumerate(n for n in order if n in curves):
        ys = list(curves[name])
        traces.append(go.Scatter(x=list(range(1, len(ys) + 1)), y=ys, mode="lines+markers",
                                 name=_esc(name),
                                 line=dict(color=LINE_COLORS[i % len(LINE_COLORS)], width=2),
                                 hovertemplate=f"{_esc(name)}: %{{y:.4g}} with %{{x}} "
                                               f"setting(s)<extra></extra>"))
    height = max(460, round(LEGEND_ROW_PX * text_scale) * len(traces) + 100)
    return go.Figure(data=traces, layout=layout(
        title, height=height, xaxis=axis("settings tried", dtick=1), yaxis=axis(value_title),
        legend=dict(orientation="v", x=1.02, y=1, font=dict(size=13))))


__all__ = ["by_loss_boxes", "best_of_k_figure", "rate_heatmap"]
