"""Divergence explorer: D(P ‖ Q) exactly, how it was computed, its gradient, the
densities; sweeps, landscapes and direct fits in the sections below."""

from __future__ import annotations

import streamlit as st

import ganloss_viz as gv
from ganloss_viz.distributions import Distribution, dist
from ganloss_viz.divergences import Divergence
from ganloss_viz.format import fmt, literal, method_label
from ganloss_viz.state import DEFAULT_P, DEFAULT_Q, PRESETS, VIEWS, ExplorerState
from ganloss_viz.ui import compute, present, sections
from ganloss_viz.ui import widgets as w

KEY = "ex"
REGISTRY = gv.DIVERGENCES


def read_url(params):
    state, errors = ExplorerState.from_query_params(params)
    return state.resolved().without_stale_preset(), errors


def results(state: ExplorerState, P: Distribution, Q: Distribution, info: Divergence,
            params: tuple, box, formula) -> None:
    """The section tabs (only the open one runs), the formula in `formula` and the value
    tiles in `box`. The value section's densities go out first, before the value is
    computed and before the formula: on a cold start the browser draws that chart while
    the server computes the rest (benchmarks/cold_start.py)."""
    tabs = st.tabs([sections.VIEW_LABELS[v] for v in VIEWS], key=f"{KEY}.view",
                   on_change="rerun")
    opened = [(tab, view) for tab, view in zip(tabs, VIEWS, strict=True) if tab.open]
    columns = None
    for tab, view in opened:
        if view == "value":
            with tab:
                columns = sections.value.first_chart(state.p, state.q, P.dim)
    formula.latex(w.stacked_latex(info.latex))
    result = compute.divergence(state.div, state.p, state.q, params)
    with box:
        if not result["ok"]:
            st.error(f"**{info.label}** could not be computed for this pair: "
                     f"{literal(result['message'])}")
        else:
            # The value on a row of its own, the method and the error on the next: three
            # tiles in one row of this column broke "±5.6e-12" after its "e-" at 1280 px.
            c_value = st.container()
            c_method, c_error = st.columns([1.3, 1])
            c_value.metric(f"{state.div}(P ‖ Q)", fmt(result["value"]),
                           help=f"{info.label}, {info.unit_phrase}; range {info.range_text}")
            c_method.metric("Method", method_label(result["method"], short=True),
                            help=f"{method_label(result['method'])} (`{result['method']}`)")
            c_error.metric("Error estimate", sections.value.error_text(result),
                           help="A bound on the absolute error of the value ('exact' for "
                                "closed forms, '—' for an infinite value).")
            sections.value.accuracy_warning(result)
    ctx = sections.Context(state, P, Q, info, params, result, REGISTRY)
    for tab, view in opened:
        with tab:
            if view == "value":
                sections.value.render(ctx, columns)
            else:
                sections.RENDER[view](ctx)


sections.persist()
w.sync_url(KEY, read_url, sections.apply)

st.title("Divergence explorer")
with present.settings("ex-intro"):
    st.markdown("Choose two distributions, :blue[**P**] (the data) and :orange[**Q**] (the "
                "model), and a divergence: its exact value and gradient, then sweep a "
                "parameter, map a landscape, or watch Q descend the divergence.")
messages = st.container()

col_in, col_out = present.settings("ex").columns([1, 1.6], gap="large")
with col_in:
    p_spec = w.spec_editor(KEY, "p", ":blue[**P**] · data", DEFAULT_P)
    q_spec = w.spec_editor(KEY, "q", ":orange[**Q**] · model", DEFAULT_Q)
with col_out:
    div, div_params = w.divergence_picker(KEY, REGISTRY)
    info = REGISTRY[div]
    formula = st.empty()           # filled after the first chart
    sym = "symmetric" if info.symmetric else "not symmetric"
    st.caption(f"{info.label} · range {info.range_text} · {info.group} · {sym} · "
               f"{info.unit_phrase}")
    result_box = st.container()

state = sections.state_from_widgets(p_spec, q_spec, div)
w.write_url(KEY, state.to_query_params())
with messages:
    w.show_url_errors(KEY, state)
    if state.preset:
        pr = PRESETS[state.preset]
        present.caption().info(f"**Preset · {pr.title}.** {pr.caption}",
                               icon=":material/slideshow:")

P, Q = dist(p_spec), dist(q_spec)
if P.dim != Q.dim:
    with result_box:
        st.error(f"P is {P.dim}-D and Q is {Q.dim}-D: a divergence compares two "
                 "distributions on the same space. Change P or Q.")
    formula.latex(w.stacked_latex(info.latex))
else:
    results(state, P, Q, info, tuple(sorted(div_params.items())), result_box, formula)
