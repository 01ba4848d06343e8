"""The Dirac-GAN page's pieces: settings widgets <-> `DiracState`, the verdict, the
field with its gradient-descent paths, and the eigenvalues.

Every number comes from `ganloss_viz.dirac`; figures from `ganloss_viz.figures.dirac`.
The paths and fields are pure functions of the settings, so they are cached by value
(`st.cache_data`, bounded); nothing per-user lives in a global cache.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from ganloss_viz import dirac, dirac_panels
from ganloss_viz.dirac_panels import GRID, VERDICT_TEXT
from ganloss_viz.figures.dirac import FieldPanel, eigen_figure, field_animation, field_figure
from ganloss_viz.figures.style import chart_config
from ganloss_viz.format import fmt
from ganloss_viz.state.dirac import (
    DIRAC_PRESETS,
    MAX_H,
    MAX_START,
    MAX_STEPS,
    MAX_VS,
    PARAM_LIMITS,
    PARAMS,
    DiracState,
    method_default,
    reads,
)
from ganloss_viz.ui.present import sized, text_scale
from ganloss_viz.ui.video_download import video_download
from ganloss_viz.ui.widgets import url_binding

ss = st.session_state
KEY = "dc"
PARAM_LABELS = {"gamma": "γ (penalty / consensus weight)", "sigma": "σ (instance noise)",
                "clip": "clip (WGAN: ψ ∈ [−clip, clip])", "g0": "g0 (WGAN-GP target norm)"}
READING = ("**Reading the eigenvalues.** Left: gradient descent converges locally when every "
           "λ lies in the shaded left half-plane (Re λ < 0); on the imaginary axis it circles. "
           "Right: one step multiplies a small deviation by μ: inside the unit circle it "
           "shrinks, outside it grows.")


def k(name: str) -> str:
    return f"{KEY}.{name}"


# --- URL <-> widgets ----------------------------------------------------------------------


read_url, apply = url_binding(KEY, DiracState)


def _on_method() -> None:
    for name in PARAMS:
        ss[k(name)] = method_default(ss[k("method")], name)
    ss[k("vs")] = [m for m in ss[k("vs")] if m != ss[k("method")]]


def _label(name: str) -> str:
    return f"{dirac.METHODS[name].label} · {name}"


def settings_panel() -> DiracState:
    """Draw the settings; returns the state they show (preset dropped once stale)."""
    for name, value in DiracState().resolved().__dict__.items():    # first visit
        ss.setdefault(k(name), list(value) if name == "vs" else value)
    c_method, c_vs = st.columns([1, 1.4], gap="large")
    with c_method:
        st.selectbox("Method", list(dirac.METHODS), key=k("method"), format_func=_label,
                     on_change=_on_method,
                     help="How the GAN is trained; each entry of ganloss_viz.dirac.METHODS.")
        st.caption(dirac.METHODS[ss[k("method")]].doc)
    with c_vs:
        st.multiselect(f"Side by side (up to {MAX_VS}, same parameters, start and step)",
                       [m for m in dirac.METHODS if m != ss[k("method")]], key=k("vs"),
                       format_func=_label, max_selections=MAX_VS)
    partial = DiracState(method=ss[k("method")], vs=tuple(ss[k("vs")]))
    shown = [n for n in PARAMS if reads(partial, n)]
    cols = st.columns(4 + len(shown))
    for col, name in zip(cols, shown, strict=False):
        low, high = PARAM_LIMITS[name]
        col.number_input(PARAM_LABELS[name], min_value=low, max_value=high, step=0.1,
                         format="%g", key=k(name),
                         help=f"From {low:g} to {high:g}; {_label(ss[k('method')])} "
                              f"defaults to {method_default(ss[k('method')], name):g}.")
    rest = cols[len(shown):]
    rest[0].number_input("θ0 (start)", -MAX_START, MAX_START, step=0.1, format="%g",
                         key=k("theta0"), help="The generator's starting point.")
    rest[1].number_input("ψ0 (start)", -MAX_START, MAX_START, step=0.1, format="%g",
                         key=k("psi0"), help="The discriminator's starting weight.")
    rest[2].number_input(f"step h (≤ {MAX_H:g})", min_value=0.001, max_value=MAX_H, step=0.05,
                         format="%g", key=k("h"), help="The learning rate of both players.")
    rest[3].number_input(f"steps (≤ {MAX_STEPS:,})", min_value=1, max_value=MAX_STEPS, step=50,
                         key=k("steps"))
    state = DiracState(preset=ss[k("preset")], method=ss[k("method")],
                       **{n: float(ss[k(n)]) for n in PARAMS},
                       theta0=float(ss[k("theta0")]), psi0=float(ss[k("psi0")]),
                       h=float(ss[k("h")]), steps=int(ss[k("steps")]), vs=tuple(ss[k("vs")]))
    state = state.without_stale_preset()
    ss[k("preset")] = state.preset
    return state


def preset_info(state: DiracState) -> None:
    if state.preset:
        pr = DIRAC_PRESETS[state.preset]
        st.info(f"**Preset · {pr.title}.** {pr.caption}", icon=":material/slideshow:")


# --- computing (cached by value) -----------------------------------------------------------------


def _params(values: tuple[float, ...]) -> dirac.Params:
    return dirac.Params(**dict(zip(PARAMS, values, strict=True)))


@st.cache_data(max_entries=64, show_spinner=False)
def paths(method: str, values: tuple[float, ...], start: tuple[float, float], h: float,
          steps: int) -> dict[str, np.ndarray]:
    return dirac_panels.paths(method, _params(values), start, h, steps)


@st.cache_data(max_entries=64, show_spinner=False)
def field(method: str, values: tuple[float, ...], extent: float):
    return dirac_panels.field(method, _params(values), extent, GRID)


def eig_text(z: complex) -> str:
    sign = "+" if z.imag >= 0 else "−"
    return f"{fmt(z.real)} {sign} {fmt(abs(z.imag))}i"


def radius_text(path: np.ndarray) -> str:
    r = np.hypot(path[:, 0], path[:, 1])
    return f"{fmt(r[0])} → {fmt(r[-1])}"


# --- the page body ---------------------------------------------------------------------------


def verdict_box(a: dirac.Analysis) -> None:
    label = dirac.METHODS[a.method].label
    eigs = ", ".join(eig_text(z) for z in a.eigenvalues)
    text = f"**{label}: {VERDICT_TEXT[a.verdict]}.** Eigenvalues λ = {eigs}: {a.reason}."
    if a.max_step is not None:
        text += f" Simultaneous GD converges locally for h < {fmt(a.max_step)}."
    if a.converges:
        st.success(text, icon=":material/check_circle:")
    else:
        st.warning(text, icon=":material/cyclone:")


def summary_table(rows: list[tuple[dirac.Analysis, dict[str, np.ndarray]]]) -> None:
    st.table(pd.DataFrame({
        "eigenvalues λ": [", ".join(eig_text(z) for z in a.eigenvalues) for a, _ in rows],
        "verdict": [VERDICT_TEXT[a.verdict] for a, _ in rows],
        "h limit (simultaneous)": ["—" if a.max_step is None else f"< {fmt(a.max_step)}"
                                   for a, _ in rows],
        "‖(θ, ψ)‖ simultaneous": [radius_text(p["simultaneous"]) for _, p in rows],
        "‖(θ, ψ)‖ alternating": [radius_text(p["alternating"]) for _, p in rows],
    }, index=pd.Index([_label(a.method) for a, _ in rows], name="method")))


def results(state: DiracState) -> None:
    """Verdict, field with paths (side by side), eigenvalue planes and a summary table."""
    state = state.resolved()
    p = state.params()
    values = tuple(getattr(p, n) for n in PARAMS)
    start = (state.theta0, state.psi0)
    methods = [state.method, *state.vs]
    analyses = [dirac.analyse(m, p) for m in methods]
    with st.spinner("Running gradient descent …"):
        runs = [paths(m, values, start, state.h, state.steps) for m in methods]
    verdict_box(analyses[0])
    extent = dirac_panels.extent_of(runs, start)
    panels = []
    for m, a, run in zip(methods, analyses, runs, strict=True):
        axis, v_t, v_p = field(m, values, round(extent, 6))
        panels.append(FieldPanel(
            title=dirac_panels.title(m, p, a.verdict), theta=axis, psi=axis, v_theta=v_t,
            v_psi=v_p, paths=run, clip=p.clip if dirac.METHODS[m].clipped else None))
    single = len(panels) == 1
    c_field, c_eig = st.columns([1.15, 1], gap="large") if single else (st.container(),) * 2
    with c_field:
        st.plotly_chart(sized(field_figure(panels, height=680 if single else 520,
                                           text_scale=text_scale())),
                        key=k("field"), width="stretch", config=chart_config("dirac-field"))
        st.caption(f"Arrows: the direction of v(θ, ψ) = (−∂L_G/∂θ, −∂L_D/∂ψ), shading its "
                   f"speed. {state.steps:,} steps of size h = {fmt(state.h, pad=False)} from "
                   f"(θ0, ψ0) = ({fmt(state.theta0, pad=False)}, {fmt(state.psi0, pad=False)}): "
                   "simultaneous GD moves both players at once, alternating GD updates the "
                   "discriminator first, then the generator against the new ψ.")
        video_download("dirac-paths", lambda: field_animation(panels),
                       tuple(sorted(state.to_query_params().items())))
    if not single:
        c_eig, c_table = st.columns([1, 1], gap="large")
    else:
        c_table = st.container()
    with c_eig:
        main = analyses[0]
        spectra = main.step_spectra(state.h)
        st.plotly_chart(sized(eigen_figure(main.eigenvalues, spectra, state.h,
                                           one_sided=main.verdict == "no_jacobian")),
                        key=k("eig"), width="stretch", config=chart_config("dirac-eigenvalues"))
        st.markdown(("One-sided linearisation (ψ > 0 only; the jump at ψ = 0 decides). "
                     if main.verdict == "no_jacobian" else "") + growth_text(spectra, state.h))
        st.caption(READING)
    with c_table:
        st.markdown("**Linearisation at the equilibrium and the paths**")
        summary_table(list(zip(analyses, runs, strict=True)))
        st.caption("Mescheder, Geiger & Nowozin (2018), *Which training methods for GANs do "
                   "actually converge?* Data δ₀, generator δ_θ, discriminator D(x) = ψ·x; "
                   "L = f(ψθ) + f(0) with f(t) = −log(1 + e^(−t)) (f(t) = t for the WGAN).")


def growth_text(spectra: dict[str, np.ndarray], h: float) -> str:
    """How much one step at h scales a small deviation, per mode (the largest |μ|)."""
    parts = []
    for mode, mus in spectra.items():
        rho = float(np.abs(mus).max())
        trend = "grows" if rho > 1 + 1e-12 else "shrinks" if rho < 1 - 1e-12 else "keeps its size"
        parts.append(f"{mode} GD: largest |μ| = {fmt(rho)} (a small deviation {trend})")
    return f"At h = {fmt(h, pad=False)}: " + "; ".join(parts) + "."


__all__ = ["KEY", "apply", "preset_info", "read_url", "results", "settings_panel"]
