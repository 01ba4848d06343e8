"""Section "Value & gradient": the densities, the integrand, ∂D/∂θ, every divergence."""

from __future__ import annotations

import numpy as np
import streamlit as st

from ganloss_viz import exports, figures
from ganloss_viz.divergences.smoothness import NOTES
from ganloss_viz.format import fmt, fmt_error, literal, method_label, text_table
from ganloss_viz.ui import compute
from ganloss_viz.ui import widgets as w
from ganloss_viz.ui.present import sized

from .common import Context, Download, downloads


@st.cache_resource(show_spinner=False, max_entries=128)
def density_figure(p: str, q: str, dim: int):
    """The densities of P and Q (shared, never modified: st.plotly_chart copies it)."""
    if dim == 1:
        d = compute.densities_1d(p, q)
        if not d["ok"]:
            return d["message"]
        return figures.density_1d(d["x"], d["p_density"], d["q_density"], d["p_atoms"],
                                  d["q_atoms"], height=440)
    d = compute.densities_2d(p, q)
    if not d["ok"]:
        return d["message"]
    return figures.density_2d(d["x"], d["y"], d["p_z"], d["q_z"], d["p_lines"],
                              d["q_lines"], d["p_points"], d["q_points"], height=540)


EQUAL, SINGULAR = "equal", "singular"


def why_no_integrand(ctx: Context) -> str | None:
    """Why the pair has nothing to integrate, from the same analysis as the value: P = Q
    (the engine's equality rule), or mutually singular (its method says so)."""
    if ctx.P == ctx.Q:
        return EQUAL
    if ctx.result["ok"] and ctx.result["method"] == "analytic_singular":
        return SINGULAR
    return None


@st.cache_resource(show_spinner=False, max_entries=128)
def integrand_figure(div: str, p: str, q: str, dim: int, params: tuple, why: str | None):
    """(figure, caption) of the integrand of `div`, or None when there is none."""
    if why == EQUAL:
        return None, (f"P = Q: the distributions are equal, so {div} takes its value at "
                      "equality (0 for a divergence; −ln 4 for the GAN value) and its "
                      "integrand is q·f(1) = 0 everywhere.")
    it = compute.integrand(div, p, q, params)
    if not it["ok"] or it["values"] is None:
        return None
    if why == SINGULAR:
        return None, (f"Where {div} comes from: P and Q share no mass (disjoint supports, "
                      "atoms at different places), so its integrand is 0 and all of its "
                      "value comes from the singular parts, the mass of P where q = 0 and "
                      "of Q where p = 0.")
    if dim == 1:
        d = compute.densities_1d(p, q)
        fig = figures.integrand_1d(d["x"], it["values"], name=it["name"], height=280)
    else:
        d = compute.densities_2d(p, q)
        fig = figures.integrand_2d(d["x"], d["y"], it["values"], d["p_z"], d["q_z"],
                                   name=it["name"], height=540)
    return fig, it["caption"]


def error_text(r: dict) -> str:
    """The error estimate of a result; none for an infinite value (∞ is exact)."""
    return fmt_error(r["error"], r["method"]) if np.isfinite(r["value"]) else "—"


def accuracy_warning(r: dict) -> None:
    """A warning beside a value whose error bound does not keep its shown digits."""
    if r["ok"] and not r["accurate"]:
        bound = ("no error bound could be given" if not np.isfinite(r["error"])
                 else f"known only to {fmt_error(r['error'], r['method'])}")
        st.warning(f"**Not accurate to the digits shown:** {bound}, and its gradient no "
                   "better. This pair is beyond what the quadrature can resolve in float64.",
                   icon=":material/warning:")


NOTE_SHORT = {"one_sided": "one-sided", "jump": "jumps", "tails": "undefined", "kink": "kink",
              "zero_weight": "one-sided", "overflow": "overflow", "failed": "not computed",
              "inf": "+∞", "-inf": "−∞"}


def gradient_table(ctx: Context) -> None:
    """The gradient's table, in a container that the app's CSS (`shell.STYLE`) lets break
    long parameter names, never numbers."""
    with st.container(key="gradient-table"):
        _gradient_table(ctx)


def _gradient_table(ctx: Context) -> None:
    st.markdown("**Gradient** ∂D/∂θ for every parameter θ of P and Q")
    if not ctx.result["ok"]:
        st.caption("No gradient: the value could not be computed.")
        return
    values = {f"p.{k}": v for k, v in ctx.P.flat_params().items()}
    values |= {f"q.{k}": v for k, v in ctx.Q.flat_params().items()}
    notes = ctx.result["grad_notes"]
    rows = [{"parameter θ": name, "value": fmt(values.get(name, float("nan")), pad=False),
             "∂D/∂θ": NOTE_SHORT.get(notes.get(name), fmt(g))}
            for name, g in ctx.result["grad"].items()]
    st.markdown(text_table(rows, right={"value", "∂D/∂θ"}))
    st.caption("By automatic differentiation; 0 where D is flat or infinite.")
    by_note: dict[str, list[str]] = {}
    for name, note in notes.items():
        by_note.setdefault(note, []).append(f"`{name}`")
    for note, names in by_note.items():       # one caption per reason, not per parameter
        st.caption(f"{', '.join(names)}: {NOTES[note]}.")


def every_divergence(ctx: Context) -> dict[str, dict]:
    """The table of every divergence for the pair, in a container whose numbers never
    wrap (`shell.STYLE`); returns their results by name."""
    with st.container(key="every-divergence"):
        return _every_divergence(ctx)


def _every_divergence(ctx: Context) -> dict[str, dict]:
    st.subheader("Every divergence for this pair")
    s = ctx.state
    results = compute.every_divergence(s.p, s.q, tuple(sorted(s.all_params().items())))
    rows = []
    for name in w.divergence_options(ctx.registry):
        d, r = ctx.registry[name], results[name]
        rows.append({
            "": "▶" if name == s.div else "",
            "divergence": d.label, "name": name,
            "value": fmt(r["value"]) if r["ok"] else "—",
            "method": method_label(r["method"]) if r["ok"] else f"error: {r['message']}",
            "error": error_text(r) if r["ok"] else "",
            "range": d.range_text,
            "parameters": ", ".join(f"{k}={fmt(v, pad=False)}" for k, v in ctx.params_for(name)),
        })
    st.markdown(text_table(rows, right={"value", "error"}))
    return results


def every_divergence_csv(ctx: Context, results: dict[str, dict]) -> str:
    """Every divergence's value, method and error estimate for the pair, with its
    parameters; an empty value where it could not be computed."""
    rows = [(name, ctx.registry[name].label, r["value"] if r["ok"] else float("nan"),
             r["method"] if r["ok"] else f"error: {r['message']}",
             r["error"] if r["ok"] else float("nan"),
             "; ".join(f"{k}={v!r}" for k, v in ctx.params_for(name)))
            for name, r in results.items()]
    return exports.csv_text(["divergence", "label", "value", "method", "error",
                             "parameters"], rows)


def download_files(ctx: Context, results: dict[str, dict]) -> list[Download]:
    """The section's downloads: the chosen divergence's result as the command line's
    JSON, and the table of every divergence."""
    s = ctx.state
    out = []
    if ctx.result["ok"]:
        out.append(Download(
            "Result JSON",
            lambda: exports.divergence_json(s.div, s.p, s.q, dict(ctx.params), ctx.result),
            f"ganloss-viz-{s.div}.json", "application/json",
            "The value, method, error estimate and gradient as `python -m ganloss_viz "
            "divergence --json` prints them, with P, Q and the command itself."))
    out.append(Download("Every divergence CSV", lambda: every_divergence_csv(ctx, results),
                        "ganloss-viz-every-divergence.csv", "text/csv",
                        "The table above at full precision (inf for ∞)."))
    return out


def first_chart(p: str, q: str, dim: int) -> tuple:
    """The section's two columns, with the densities of `p` and `q` drawn in the first.
    The page calls it before it computes the value, so that a cold start sends its
    first chart before the rest of the page (benchmarks/cold_start.py: about 1 s sooner
    on two loaded cores). Returns the columns for `render`."""
    if dim == 1:
        # the gradient table beside the chart needs about 300 px (at 2.3 : 1 it ran 31 px
        # past the page's right edge at 1280x800)
        c_fig, c_side = st.columns([1.75, 1], gap="large")
    else:
        c_fig, c_side = st.columns(2, gap="large")
    with c_fig:
        _chart(density_figure(p, q, dim), "the densities")
        if dim != 1:
            st.caption("P and Q: filled contours of the densities; segments and point "
                       "masses as lines and dots.")
    return c_fig, c_side


def render(ctx: Context, columns: tuple | None = None) -> None:
    """The section below its densities (drawn by `first_chart`, here if `columns` is
    None): the integrand, the gradient, every divergence and the downloads."""
    s, dim = ctx.state, ctx.P.dim
    c_fig, c_side = columns or first_chart(s.p, s.q, dim)
    integ = integrand_figure(s.div, s.p, s.q, dim, ctx.params, why_no_integrand(ctx))
    if dim == 1:
        if integ is not None:
            with c_fig:
                _integrand_chart(*integ)
        with c_side:
            gradient_table(ctx)
    else:
        with c_side:
            if integ is not None:
                _integrand_chart(integ[0], integ[1] + (" Lines: contours of P (blue) and Q "
                                                       "(orange)." if integ[0] else ""))
            elif why_no_integrand(ctx) == SINGULAR:
                st.info(f"Nothing to integrate: P and Q are mutually singular (one lives on "
                        "a line or on points, which the other gives no mass), so "
                        f"{s.div} comes from the singular parts alone: f(0) + f′(∞) for an "
                        "f-divergence, however near or far they are.",
                        icon=":material/info:")
            else:
                st.info(f"No pointwise picture of {s.div} for this pair in 2-D: it needs "
                        "both densities in the plane (f-divergences, Rényi, Bhattacharyya).",
                        icon=":material/info:")
        gradient_table(ctx)
    results = every_divergence(ctx)
    downloads("value", download_files(ctx, results))


def _integrand_chart(fig, caption: str) -> None:
    if fig is not None:
        st.plotly_chart(sized(fig), width="stretch", config=figures.chart_config("integrand"))
    st.caption(caption)


def _chart(fig, what: str) -> None:
    if isinstance(fig, str):
        st.error(f"Could not draw {what}: {literal(fig)}")
    else:
        st.plotly_chart(sized(fig), width="stretch", config=figures.chart_config("densities"))
