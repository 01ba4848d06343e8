"""Section "Landscape": D over two parameters, arrows of −∇D, the path of a direct fit."""

from __future__ import annotations

import numpy as np
import streamlit as st

from ganloss_viz import exports, figures
from ganloss_viz.format import fmt, literal, method_label
from ganloss_viz.state import GRID, parameters
from ganloss_viz.ui import compute
from ganloss_viz.ui.present import sized

from .common import (
    Context,
    Download,
    downloads,
    k,
    parameter_picker,
    progress_bar,
    range_inputs,
    step_for,
)


def _path_of(run, lx: str, ly: str) -> tuple[np.ndarray, np.ndarray]:
    fx, fy = lx.partition(".")[2], ly.partition(".")[2]
    return (np.array([t[fx] for t in run.trajectory]),
            np.array([t[fy] for t in run.trajectory]))


@st.cache_resource(show_spinner=False, max_entries=64)
def landscape_figure(key: tuple, fit_key: tuple | None, start: tuple[float, float],
                     target: tuple[float, float] | None):
    """The landscape figure of memoised results (by their keys). Shared, never modified."""
    land = compute.LANDSCAPES.get(key, lambda: None)
    _, div, _, _, lx, ly, *_ = key
    path = None
    if fit_key is not None:
        fit = compute.FITS.get(fit_key, lambda: None)
        if fit and fit["ok"]:
            path = _path_of(fit["run"], lx, ly)
    return figures.landscape(land["x"], land["y"], land["z"], land["gx"], land["gy"], lx, ly,
                             div, path=path, start=start, target=target)


def render(ctx: Context) -> None:
    s = ctx.state
    names = list(parameters(s.p, s.q))
    c_x, c_y, c_grid = st.columns([1.5, 1.5, 1.2], gap="large")
    with c_x:
        lx = parameter_picker(ctx, "lx", "x axis: parameter", names)
        xr = range_inputs("lx", lx, step_for(ctx, lx))
    with c_y:
        ly = parameter_picker(ctx, "ly", "y axis: parameter", [n for n in names if n != lx])
        yr = range_inputs("ly", ly, step_for(ctx, ly))
    with c_grid:
        n = st.slider(f"grid points per axis (≤ {GRID[1]})", GRID[0], GRID[1], key=k("grid"),
                      help=f"An n × n grid, at most {GRID[1]} × {GRID[1]}: 2n batched "
                           "sweeps (rows for ∂D/∂x, columns for ∂D/∂y).")
        both_q = lx.startswith("q.") and ly.startswith("q.")
        st.caption(f"Direct-fit path: {s.steps} steps, learning rate {s.lr:g} (set them "
                   "in *Direct fit*)." if both_q else
                   "The direct fit moves Q only: pick two parameters of Q to see its path.")
    if xr is None or yr is None:
        st.error("A range is empty: 'from' must be below 'to'.")
        return
    key = compute.landscape_key(s.div, s.p, s.q, lx, ly, xr, yr, n, ctx.params)
    update, close = progress_bar(f"Evaluating {s.div} on a {n} × {n} grid…") \
        if key not in compute.LANDSCAPES else (None, lambda: None)
    land = compute.landscape(s.div, s.p, s.q, lx, ly, xr, yr, n, ctx.params, update)
    close()
    if not land["ok"]:
        st.error(f"**{s.div}** could not be evaluated over {lx} × {ly}: {literal(land['message'])}")
        return
    fit_key = None
    if both_q:
        fit_key = compute.fit_key(s.p, s.q, s.div, s.steps, s.lr, ctx.params)
        update, close = progress_bar(f"Fitting Q to P under {s.div} ({s.steps} steps)…") \
            if fit_key not in compute.FITS else (None, lambda: None)
        fit = compute.fit(s.p, s.q, s.div, s.steps, s.lr, ctx.params, update)
        close()
        if not fit["ok"]:
            st.warning(f"No fit path: {literal(fit['message'])}")
            fit_key = None
    fx, fy = lx.partition(".")[2], ly.partition(".")[2]
    p_params = ctx.P.flat_params()
    target = (p_params[fx], p_params[fy]) if both_q and fx in p_params and fy in p_params \
        else None
    fig = landscape_figure(key, fit_key, (ctx.value_of(lx), ctx.value_of(ly)), target)
    st.plotly_chart(sized(fig), width="stretch",
                    config=figures.chart_config(f"landscape-{s.div}"))
    z = land["z"]
    finite = z[np.isfinite(z)]
    lowest = f"lowest {fmt(finite.min())}, highest {fmt(finite.max())}" if finite.size else \
        "no finite value"
    st.caption(
        f"{s.div} over {lx} × {ly} ({n} × {n} points; {lowest}); "
        f"{method_label(land['method'] or 'n/a')}, {land['seconds']:.1f} s. White arrows: "
        "−∇D, the direction of gradient descent, on one common scale (length ∝ |∇D|). "
        "Blank cells: D = ∞ or parameters the family does not allow.")
    for problem in land["problems"]:
        st.caption(f"Left out: {problem}")
    downloads("landscape", [Download(
        "Landscape CSV",
        lambda: exports.landscape_csv(s.div, lx, ly, land["x"], land["y"], land["z"],
                                      land["gx"], land["gy"]),
        f"ganloss-viz-landscape-{s.div}-{lx}-{ly}.csv", "text/csv",
        "One row per grid point: the two parameters, D and both partial derivatives "
        "(empty where the family does not allow the point).")])
