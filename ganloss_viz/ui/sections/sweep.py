"""Section "Sweep": D and ∂D/∂θ along one parameter, other divergences overlaid."""

from __future__ import annotations

import math

import streamlit as st

from ganloss_viz import exports, figures
from ganloss_viz.explore.fitframes import sweep_animation
from ganloss_viz.format import literal, method_label
from ganloss_viz.state import POINTS, parameters
from ganloss_viz.ui import compute
from ganloss_viz.ui.present import sized
from ganloss_viz.ui.video_download import video_download

from .common import (
    Context,
    Download,
    compare_picker,
    downloads,
    k,
    parameter_picker,
    range_inputs,
    step_for,
)

CEILINGS = {"ln 2": (math.log(2), "ln 2"), "1": (1.0, "1"), "2": (2.0, "2"), "0": (0.0, "0")}


def ceiling(range_text: str) -> tuple[float, str] | None:
    """The finite upper end of a range text (``[0, ln 2]`` -> (0.693…, "ln 2")), else None."""
    upper = range_text.strip("[]() ").split(",")[-1].strip()
    return CEILINGS.get(upper)


@st.cache_resource(show_spinner=False, max_entries=256)
def sweep_figure(p: str, q: str, param: str, lo: float, hi: float, n: int,
                 divs: tuple[tuple[str, tuple], ...], current: float):
    """(figure, {name: sweep result}) for the divergences `divs` ((name, params), the
    chosen one first). Shared and never modified."""
    import ganloss_viz as gv

    results, curves = {}, []
    for i, (name, params) in enumerate(divs):
        r = compute.sweep(name, p, q, param, lo, hi, n, params)
        results[name] = r
        if not r["ok"]:
            continue
        color = figures.INTEGRAND_COLOR if i == 0 else \
            figures.COMPARE_COLORS[(i - 1) % len(figures.COMPARE_COLORS)]
        info = gv.DIVERGENCES[name]
        curves.append(figures.Curve(name, f"{name} · {info.label}", r["values"], r["grads"],
                                    color, main=i == 0))
    if not curves:
        return None, results
    main = gv.DIVERGENCES[divs[0][0]]
    x = next(r["x"] for r in results.values() if r["ok"])
    color = figures.Q_COLOR if param.startswith("q.") else figures.P_COLOR
    fig = figures.sweep(x, curves, param, current=current, current_color=color,
                        ceiling=ceiling(main.range_text) if results[divs[0][0]]["ok"] else None)
    return fig, results


def render(ctx: Context) -> None:
    s = ctx.state
    c_param, c_range, c_points, c_vs = st.columns([1.35, 1.5, 0.75, 2.2], gap="medium")
    with c_param:
        param = parameter_picker(ctx, "sweep", "Parameter θ", list(parameters(s.p, s.q)))
    with c_range:
        rng = range_inputs("sweep", param, step_for(ctx, param))
    with c_points:
        n = st.number_input(f"points (≤ {POINTS[1]})", min_value=POINTS[0],
                            max_value=POINTS[1], step=50, key=k("points"),
                            help=f"Values of θ between 'from' and 'to', at most {POINTS[1]} "
                                 "(a hosted instance shares 1-2 CPU cores).")
    with c_vs:
        vs = compare_picker(ctx, "Divergences drawn over the chosen one, dashed: JS against "
                                 "W1 shows JS flattening at ln 2 while W1 keeps its slope.")
    if rng is None:
        st.error("The range is empty: 'from' must be below 'to'.")
        return
    divs = ((s.div, ctx.params),) + tuple((v, ctx.params_for(v)) for v in vs)
    with st.spinner(f"Sweeping {param}…"):
        fig, results = sweep_figure(s.p, s.q, param, rng[0], rng[1], int(n), divs,
                                    ctx.value_of(param))
    main = results[s.div]
    if not main["ok"]:
        st.error(f"**{s.div}** could not be swept over {param} ∈ [{rng[0]:g}, {rng[1]:g}]: "
                 f"{literal(main['message'])}")
    for name, r in results.items():
        if name != s.div and not r["ok"]:
            st.warning(f"{name} could not be swept: {literal(r['message'])}")
    if fig is None:
        return
    st.plotly_chart(sized(fig), width="stretch", config=figures.chart_config(f"sweep-{s.div}"))
    if main["ok"]:
        st.caption(
            f"D(P ‖ Q) and its derivative at {int(n)} values of {param}, the other "
            f"parameters fixed; {method_label(main['method'])}, one batched evaluation "
            f"({1000 * main['seconds']:.0f} ms). Derivatives are exact (automatic "
            "differentiation); ▲ marks where a divergence is ∞. The dotted line is "
            f"{param}'s present value.")
    drawn = {name: (r["values"], r["grads"]) for name, r in results.items() if r["ok"]}
    x = next(r["x"] for r in results.values() if r["ok"])
    downloads("sweep", [Download("Sweep CSV", lambda: exports.sweep_csv(param, x, drawn),
                                 f"ganloss-viz-sweep-{s.div}-{param}.csv", "text/csv",
                                 f"One row per value of {param}: D and its derivative for "
                                 "every divergence drawn, at full precision.")])
    if main["ok"] and param.startswith("q.") and ctx.Q.dim == 1:
        video_download(f"sweep-{s.div}-{param}", lambda: sweep_animation(
            s.p, s.q, param, main["x"], main["values"], s.div),
            (s.p, s.q, s.div, param, rng, int(n)))
        st.caption(f"The GIF or MP4 plays the sweep as a moving Q: P and Q on the line, "
                   f"and D against {param} with a marker where Q is.")
