"""Section "Optimal D": a GAN loss's optimal discriminator for data P and generator Q,
its D loss there (integrated from the loss's terms) against the identity that names a
divergence, and the generator's vanishing gradients at D* (Arjovsky & Bottou 2017)."""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from ganloss_viz.figures.optimal import optimal_d_figure, vanishing_figure
from ganloss_viz.figures.style import chart_config
from ganloss_viz.format import fmt, fmt_error, literal, method_label
from ganloss_viz.ui import compute
from ganloss_viz.ui.present import sized

from .common import Context, k

SEPARATIONS = np.linspace(0.0, 10.0, 201)


def _fail(exc: ValueError) -> dict[str, Any]:
    return {"ok": False, "message": str(exc)}


@st.cache_data(show_spinner=False, max_entries=512)
def optimum(loss: str, p: str, q: str) -> dict[str, Any]:
    """`ganloss_viz.optimal.optimal(...).to_dict()` with ok, or ok False and the message."""
    from ganloss_viz.optimal import optimal
    try:
        return {"ok": True, **optimal(loss, p, q).to_dict()}
    except ValueError as exc:
        return _fail(exc)


@st.cache_data(show_spinner=False, max_entries=256)
def curve_1d(loss: str, p: str, q: str) -> dict[str, Any]:
    """The densities' grid and densities with the optimal curve on it."""
    from ganloss_viz.optimal import optimal_curve
    d = compute.densities_1d(p, q)
    if not d["ok"]:
        return d
    try:
        return {**d, "curve": optimal_curve(loss, p, q, d["x"])}
    except ValueError as exc:
        return _fail(exc)


@st.cache_data(show_spinner=False, max_entries=64)
def gradients(separations: tuple[float, ...], scale: float) -> dict[str, np.ndarray]:
    from ganloss_viz.optimal import vanishing_gradients
    return vanishing_gradients(np.asarray(separations), scale)


def loss_picker() -> str:
    from ganloss_viz.losses import LOSSES
    from ganloss_viz.optimal import OPTIMAL_LOSSES
    return st.selectbox("GAN loss", OPTIMAL_LOSSES, key=k("loss"),
                        format_func=lambda n: f"{LOSSES[n].label} ({n})",
                        help="Losses whose optimal discriminator is known; the relativistic "
                             "ones have none (their D loss pairs real and fake samples).")


def identity(r: dict[str, Any]) -> None:
    c_loss, c_pred, c_diff = st.columns(3)
    c_loss.metric("D loss at the optimum", fmt(r["d_loss_at_optimum"]),
                  help="E_P[d_real(D*)] + E_Q[d_fake(D*)], integrated from the loss's own "
                       f"per-sample terms ({method_label(r['method'])}, error estimate "
                       f"{fmt_error(r['error'], r['method'])})")
    c_pred.metric("The identity predicts", fmt(r["predicted"]),
                  help=f"{r['identity']}, with {r['divergence']} from the divergence engine")
    c_diff.metric("Difference", fmt(r["difference"]))
    st.markdown(f"**Identity:** {r['identity']}, with **{r['divergence']}** = "
                f"{fmt(r['divergence_value'], pad=False)}.")
    if r["note"]:
        st.caption(r["note"])


def curve_chart(loss: str, p: str, q: str, units: str) -> None:
    c = curve_1d(loss, p, q)
    if not c["ok"]:
        st.error(f"Could not draw the optimal discriminator: {literal(c['message'])}")
        return
    title = units.split(", ")[0]
    fig = optimal_d_figure(c["x"], c["p_density"], c["q_density"], c["curve"],
                           title.split(" = ")[0], title, height=400)
    st.plotly_chart(sized(fig), width="stretch", config=chart_config("optimal-d"))
    st.caption(f"Purple, right axis: {units}. Blue and orange: the densities of P and Q.")


def _normal_pair(ctx: Context) -> tuple[float, float] | None:
    """(separation, common scale) when P and Q are normals of one scale, else None."""
    if ctx.P.name != "normal" or ctx.Q.name != "normal":
        return None
    fp, fq = ctx.P.flat_params(), ctx.Q.flat_params()
    if fp["scale"] != fq["scale"]:
        return None
    return abs(fq["loc"] - fp["loc"]), fp["scale"]


def vanishing(ctx: Context) -> None:
    st.subheader("Vanishing gradients at the optimal D")
    pair = _normal_pair(ctx)
    at, scale = pair if pair is not None else (None, 1.0)
    seps = SEPARATIONS * scale
    data = gradients(tuple(seps), scale)
    st.plotly_chart(sized(vanishing_figure(data, at=at)), width="stretch",
                    config=chart_config("vanishing-gradients"))
    st.caption(f"P = N(0, {fmt(scale, pad=False)}²), Q = N(θ, {fmt(scale, pad=False)}²), the "
               "discriminator held at its optimum D* for each θ. The saturating generator "
               "loss E_Q[log(1 − D*)] has gradient 2·∂JS/∂θ, which dies as JS saturates at "
               "ln 2; the non-saturating −E_Q[log D*] has the gradient of KL(Q‖P) − 2·JS "
               "(dotted; Arjovsky & Bottou 2017, Theorem 2.5), which keeps growing.")
    if at is None:
        st.caption("The dotted vertical line marks this pair when P and Q are normals of "
                   "one scale.")
        return
    here = gradients((at,), scale)
    c_sat, c_ns = st.columns(2)
    c_sat.metric(f"Saturating gradient at θ = {fmt(at, pad=False)}", fmt(here["saturating"][0]))
    c_ns.metric(f"Non-saturating gradient at θ = {fmt(at, pad=False)}",
                fmt(here["non_saturating"][0]))


def render(ctx: Context) -> None:
    s = ctx.state
    loss = loss_picker()
    r = optimum(loss, s.p, s.q)
    if not r["ok"]:
        st.error(f"No optimal discriminator for this pair: {literal(r['message'])}")
    else:
        identity(r)
        if ctx.P.dim == 1:
            curve_chart(loss, s.p, s.q, r["curve_units"])
        else:
            st.info("The optimal discriminator is drawn for 1-D pairs; the identity above is "
                    "checked in 2-D too.", icon=":material/info:")
    vanishing(ctx)
