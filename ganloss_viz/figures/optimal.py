"""The optimal discriminator over the densities, and the generator's gradient at it.

`optimal_d_figure`: P and Q (left axis) with the optimal D / critic of a loss (right
axis, its own units), so that one sees D* = ½ where the densities cross and its ends
where one density dominates. `vanishing_figure`: the saturating and non-saturating
generator gradients at D* against the separation of P and Q (Arjovsky & Bottou 2017),
with ∇[KL(Q‖P) − 2·JS] overlaid on the non-saturating one and JS on a second axis.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go

from .style import (
    COMPARE_COLORS,
    HOVER,
    INTEGRAND_COLOR,
    P_COLOR,
    Q_COLOR,
    ZERO_COLOR,
    axis,
    layout,
    rgba,
    shared_zero,
)

SATURATING_COLOR = COMPARE_COLORS[1]       # red: the gradient that dies
NON_SATURATING_COLOR = COMPARE_COLORS[0]   # green: the one that does not


def optimal_d_figure(x: np.ndarray, p_density: np.ndarray, q_density: np.ndarray,
                     curve: np.ndarray, curve_name: str, curve_title: str,
                     title: str | None = None, height: int = 420) -> go.Figure:
    """Densities of P and Q (left axis) and the optimal curve (right axis) on the line.

    x: grid (N,); p_density, q_density: densities there; curve: the optimum at x (NaN
    where undefined, not drawn); curve_name: its legend label (e.g. "D*"); curve_title:
    the right axis's title (its units, e.g. "D*(x) = p/(p + q)").
    """
    traces = []
    for dens, label, color in ((p_density, "P", P_COLOR), (q_density, "Q", Q_COLOR)):
        traces.append(go.Scatter(
            x=x, y=np.asarray(dens, float), mode="lines", name=label,
            line=dict(color=color, width=2), fill="tozeroy", fillcolor=rgba(color, 0.12),
            hovertemplate=f"{label}: density %{{y:{HOVER}}} at x = %{{x:{HOVER}}}"
                          "<extra></extra>"))
    traces.append(go.Scatter(
        x=x, y=np.asarray(curve, float), mode="lines", name=curve_name, yaxis="y2",
        line=dict(color=INTEGRAND_COLOR, width=4),
        hovertemplate=f"{curve_name} = %{{y:{HOVER}}} at x = %{{x:{HOVER}}}<extra></extra>"))
    finite = np.asarray(curve, float)[np.isfinite(curve)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    pad = 0.06 * (hi - lo) if hi > lo else 0.5
    dens = np.concatenate([np.asarray(p_density, float), np.asarray(q_density, float)])
    dens = dens[np.isfinite(dens)]
    top = 1.05 * float(dens.max()) if dens.size and dens.max() > 0 else 1.0
    left, right = shared_zero((0.0, top), (lo - pad, hi + pad))     # one zero for both
    return go.Figure(data=traces, layout=layout(
        title, height, xaxis=axis("x", range=[float(x[0]), float(x[-1])]),
        yaxis=axis("density", range=left),
        yaxis2=axis(curve_title, overlaying="y", side="right", showgrid=False,
                    range=right, tickmode="auto", zeroline=True,
                    zerolinecolor=ZERO_COLOR,
                    title_font=dict(color=INTEGRAND_COLOR))))


def vanishing_figure(data: Mapping[str, np.ndarray], title: str | None = None,
                     height: int = 440, at: float | None = None) -> go.Figure:
    """Generator gradients at the optimal D against the separation θ of P and Q.

    data: `ganloss_viz.optimal.vanishing_gradients` output (keys "separation",
    "saturating", "non_saturating", "kl_minus_2js", "js"); at: a separation to mark
    with a vertical line (the pair on the page), or None.
    """
    theta = np.asarray(data["separation"], float)
    curves = (
        ("saturating", "saturating: ∂/∂θ E_Q[log(1 − D*)]", SATURATING_COLOR, "solid", 4),
        ("non_saturating", "non-saturating: ∂/∂θ −E_Q[log D*]", NON_SATURATING_COLOR,
         "solid", 4),
        ("kl_minus_2js", "∂/∂θ [KL(Q‖P) − 2·JS(P‖Q)]", "#222222", "dot", 2),
    )
    traces = [go.Scatter(x=theta, y=np.asarray(data[key], float), mode="lines", name=name,
                         line=dict(color=color, width=width, dash=dash),
                         hovertemplate=f"{name} = %{{y:{HOVER}}} at θ = %{{x:{HOVER}}}"
                                       "<extra></extra>")
              for key, name, color, dash, width in curves]
    traces.append(go.Scatter(
        x=theta, y=np.asarray(data["js"], float), mode="lines", name="JS(P‖Q) (right axis)",
        yaxis="y2", line=dict(color=INTEGRAND_COLOR, width=2, dash="dash"),
        hovertemplate=f"JS = %{{y:{HOVER}}} nats at θ = %{{x:{HOVER}}}<extra></extra>"))
    grads = np.concatenate([np.asarray(data[key], float) for key, *_ in curves])
    grads = grads[np.isfinite(grads)]
    lo, hi = (float(grads.min()), float(grads.max())) if grads.size else (-1.0, 1.0)
    pad = 0.05 * (hi - lo) if hi > lo else 0.5
    js = np.asarray(data["js"], float)
    js_top = max(0.75, 1.05 * float(np.nanmax(js))) if np.isfinite(js).any() else 0.75
    # Twin axes share their zero: JS's 0 at the gradients' zero line, not below it.
    left, right = shared_zero((lo - pad, hi + pad), (0.0, js_top))
    marks = [] if at is None else [dict(
        type="line", xref="x", yref="paper", x0=float(at), x1=float(at), y0=0, y1=1,
        line=dict(color=ZERO_COLOR, width=2, dash="dot"))]
    return go.Figure(data=traces, layout=layout(
        title, height, shapes=marks,
        xaxis=axis("separation θ (Q = N(θ, s²), P = N(0, s²))"),
        yaxis=axis("generator gradient ∂/∂θ", zeroline=True, zerolinecolor=ZERO_COLOR,
                   range=left),
        yaxis2=axis("JS (nats)", overlaying="y", side="right", showgrid=False,
                    range=right, tickmode="auto", title_font=dict(color=INTEGRAND_COLOR))))
