"""Divergence explorer: D(P ‖ Q) exactly, how it was computed, its gradient, the densities."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

import ganloss_viz as gv
from ganloss_viz import figures
from ganloss_viz.distributions import dist
from ganloss_viz.format import fmt, fmt_error, method_label
from ganloss_viz.state import DEFAULT_P, DEFAULT_Q, PRESETS, ExplorerState
from ganloss_viz.ui import compute
from ganloss_viz.ui import widgets as w
from ganloss_viz.ui.densities import f_integrand

KEY = "ex"
ss = st.session_state
REGISTRY = gv.DIVERGENCES


def apply(state: ExplorerState) -> None:
    """Push a state (read from the URL) into the widgets."""
    w.set_spec(KEY, "p", state.p)
    w.set_spec(KEY, "q", state.q)
    ss[f"{KEY}.div"] = state.div
    ss[f"{KEY}.alpha"] = state.alpha
    ss[f"{KEY}.bandwidth"] = state.bandwidth
    ss[f"{KEY}.preset"] = state.preset


w.sync_url(KEY, ExplorerState.from_query_params, apply)

st.title("Divergence explorer")
st.markdown("Choose two distributions, :blue[**P**] (the data) and :orange[**Q**] (the "
            "model), and a divergence: its exact value, how it was computed, its gradient "
            "with respect to every parameter, and the densities.")
messages = st.container()

col_in, col_out = st.columns([1, 2.1], gap="large")
with col_in:
    p_spec = w.spec_editor(KEY, "p", ":blue[**P**] · data", DEFAULT_P)
    q_spec = w.spec_editor(KEY, "q", ":orange[**Q**] · model", DEFAULT_Q)
    grad_box = st.container()
with col_out:
    c_pick, c_def = st.columns([1.2, 1.2], gap="medium")
    with c_pick:
        div, div_params = w.divergence_picker(KEY, REGISTRY)
    info = REGISTRY[div]
    with c_def:
        st.latex(w.stacked_latex(info.latex))
        sym = "symmetric" if info.symmetric else "not symmetric"
        st.caption(f"Range {info.range_text} · {info.group} · {sym} · in nats")
    result_box = st.container()
    figure_box = st.container()

state = ExplorerState(
    p=p_spec, q=q_spec, div=div,
    alpha=float(ss.get(f"{KEY}.alpha", ExplorerState.alpha)),
    bandwidth=float(ss.get(f"{KEY}.bandwidth", ExplorerState.bandwidth)),
    preset=ss.get(f"{KEY}.preset", ""),
).without_stale_preset()
ss[f"{KEY}.preset"] = state.preset
w.write_url(KEY, state.to_query_params())

with messages:
    for error in w.url_errors(KEY, state):
        st.error(error)
    if state.preset:
        st.info(f"**Preset · {PRESETS[state.preset].title}.** {PRESETS[state.preset].caption}",
                icon=":material/slideshow:")

P, Q = dist(p_spec), dist(q_spec)
if P.dim != Q.dim:
    with result_box:
        st.error(f"P is {P.dim}-D and Q is {Q.dim}-D: a divergence compares two "
                 "distributions on the same space. Change P or Q.")
    st.stop()

# --- the value -----------------------------------------------------------------------
result = compute.divergence(div, p_spec, q_spec, tuple(sorted(div_params.items())))
with result_box:
    if not result["ok"]:
        st.error(f"**{info.label}** could not be computed for this pair: {result['message']}")
    else:
        c_value, c_method, c_error = st.columns([1.2, 1.5, 1])
        c_value.metric(f"{div}(P ‖ Q)", fmt(result["value"]),
                       help=f"{info.label}, in nats; range {info.range_text}")
        c_method.metric("Method", method_label(result["method"], short=True),
                        help=f"{method_label(result['method'])} (`{result['method']}`)")
        c_error.metric("Error estimate", fmt_error(result["error"], result["method"]),
                       help="Absolute error estimate of the value ('exact' for closed forms).")

# --- the densities -------------------------------------------------------------------
with figure_box:
    if P.dim == 1:
        data = compute.densities_1d(p_spec, q_spec)
        if data["ok"]:
            fig = figures.density_1d(data["x"], data["p_density"], data["q_density"],
                                     data["p_atoms"], data["q_atoms"], height=440)
    else:
        data = compute.densities_2d(p_spec, q_spec)
        if data["ok"]:
            fig = figures.density_2d(data["x"], data["y"], data["p_z"], data["q_z"],
                                     data["p_lines"], data["q_lines"],
                                     data["p_points"], data["q_points"], height=520)
    if data["ok"]:
        st.plotly_chart(fig, width="stretch", config={"displaylogo": False})
    else:
        st.error(f"Could not draw the densities: {data['message']}")
    if P.dim == 1 and data["ok"] and info.f is not None and not info.params:
        values = f_integrand(info.f, data["p_density"], data["q_density"])
        if np.isfinite(values).any() and np.nanmax(np.abs(values)) > 0:
            st.plotly_chart(figures.integrand_1d(data["x"], values), width="stretch",
                            config={"displaylogo": False})
            st.caption(f"Where {div} comes from: the integrand q·f(p/q). Its signed area "
                       "is the part of D where both densities are positive; mass where one "
                       "of them is 0 adds P(q = 0)·f′(∞) + Q(p = 0)·f(0).")

# --- the gradient --------------------------------------------------------------------
with grad_box:
    st.markdown("**Gradient** ∂D/∂θ for every parameter θ of P and Q")
    if result["ok"]:
        values = {f"p.{k}": v for k, v in P.flat_params().items()}
        values |= {f"q.{k}": v for k, v in Q.flat_params().items()}
        rows = [{"parameter θ": name, "value": fmt(values.get(name, float("nan")), pad=False),
                 "∂D/∂θ": fmt(g)} for name, g in result["grad"].items()]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch",
                     height=38 + 35 * len(rows))
        st.caption("Exact, by automatic differentiation; 0 where D is flat or infinite.")

# --- every divergence for this pair ----------------------------------------------------
st.subheader("Every divergence for this pair")
rows = []
names = w.divergence_options(REGISTRY)
progress = st.progress(0.0, text="Computing every divergence…")
for i, name in enumerate(names):
    d = REGISTRY[name]
    params = {k: v for k, v in state.all_params().items() if k in d.params}
    r = compute.divergence(name, p_spec, q_spec, tuple(sorted(params.items())))
    rows.append({
        "": "▶" if name == div else "",
        "divergence": d.label, "name": name,
        "value": fmt(r["value"]) if r["ok"] else "—",
        "method": method_label(r["method"]) if r["ok"] else f"error: {r['message']}",
        "error": fmt_error(r["error"], r["method"]) if r["ok"] else "",
        "range": d.range_text,
        "parameters": ", ".join(f"{k}={fmt(v, pad=False)}" for k, v in params.items()),
    })
    progress.progress((i + 1) / len(names), text=f"Computing every divergence… {name}")
progress.empty()
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch",
             height=38 + 35 * len(rows))
