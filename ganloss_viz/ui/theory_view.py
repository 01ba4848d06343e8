"""The Theory page's pieces: the pair P, Q (URL state), its cached live numbers, and the
seven sections of the note, each a statement, its formula and the library's numbers.

The prose lives in `ganloss_viz.ui.theory_text`; the tables in `ganloss_viz.theory`
(rendered from the registries); the numbers come from the divergence engine,
`ganloss_viz.optimal` and the loss registry, cached on spec strings as
`ganloss_viz.ui.compute` does (plain values only, so one process-wide cache is safe).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import streamlit as st
import torch

from ganloss_viz import theory
from ganloss_viz.distributions import dist
from ganloss_viz.divergences import DIVERGENCES
from ganloss_viz.divergences.registry import GROUP_F
from ganloss_viz.figures.style import chart_config
from ganloss_viz.format import fmt, markdown_table
from ganloss_viz.losses import LOSSES
from ganloss_viz.state.theory import DEFAULT_P, DEFAULT_Q, THEORY_PRESETS, TheoryState
from ganloss_viz.ui import compute
from ganloss_viz.ui import theory_text as text
from ganloss_viz.ui import widgets as w
from ganloss_viz.ui.present import sized

ss = st.session_state
KEY = "th"
DISJOINT = (("uniform(0, 1)", "uniform(2, 3)"), ("dirac(0)", "dirac(3)"))
BCE_CASES = ((1.0, 0.7), (1.0, 0.99), (0.9, 0.7), (0.5, 0.7))   # (label y, output D)
SEPARATIONS = np.linspace(0.0, 8.0, 81)   # vanishing gradients: θ for P = N(0,1), Q = N(θ,1)


def k(name: str) -> str:
    return f"{KEY}.{name}"


# --- URL <-> widgets -----------------------------------------------------------------------


def read_url(params) -> tuple[TheoryState, list[str]]:
    return TheoryState.from_query_params(params)


def apply(state: TheoryState) -> None:
    """Push a state (read from the URL) into the widgets; a preset's link opens the page
    at the section it illustrates."""
    w.set_spec(KEY, "p", state.p)
    w.set_spec(KEY, "q", state.q)
    ss[k("preset")] = state.preset
    if state.preset:
        ss[k("scroll_to")] = THEORY_PRESETS[state.preset].section


def pair_panel() -> TheoryState:
    """The P and Q editors side by side; returns the state they show."""
    c_p, c_q = st.columns(2, gap="large")
    with c_p:
        p = w.spec_editor(KEY, "p", ":blue[**P**] · data", DEFAULT_P)
    with c_q:
        q = w.spec_editor(KEY, "q", ":orange[**Q**] · model (the generator)", DEFAULT_Q)
    state = TheoryState(preset=ss.get(k("preset"), ""), p=p, q=q).without_stale_preset()
    ss[k("preset")] = state.preset
    return state


def preset_info(state: TheoryState) -> None:
    if state.preset:
        pr = THEORY_PRESETS[state.preset]
        st.info(f"**Preset · {pr.title}.** {pr.caption}", icon=":material/slideshow:")


# --- cached library calls --------------------------------------------------------------------


def value(div: str, p: str, q: str) -> dict[str, Any]:
    """The engine's value of `div` (the registry's default parameters), cached."""
    return compute.divergence(div, p, q, tuple(DIVERGENCES[div].params.items()))


def shown(r: dict[str, Any]) -> str:
    return fmt(r["value"]) if r["ok"] else "—"


@st.cache_data(show_spinner=False)
def generator_constants() -> str:
    """Table: f(1) of every registered f (the callable at u = 1), f(0), f'(∞), and the
    engine's value for the disjoint pair `DISJOINT[0]`, which is f(0) + f'(∞)."""
    rows = []
    for d in DIVERGENCES.values():
        if d.group != GROUP_F:
            continue
        f1 = float(d.generator()["f"](torch.ones((), dtype=torch.float64)))
        rows.append([f"`{d.name}`", fmt(f1), fmt(d.f0, pad=False), fmt(d.fprime_inf, pad=False),
                     fmt(d.f0 + d.fprime_inf), shown(value(d.name, *DISJOINT[0]))])
    header = ("", "$f(1)$", "$f(0)$", "$f'(\\infty)$", "sum", "engine")
    return markdown_table(header, rows, right=(1, 2, 3, 4, 5))


@st.cache_data(show_spinner=False)
def bce_table() -> str:
    rows = []
    for y, d in BCE_CASES:
        ex = theory.bce_example(y, d)
        rows.append([fmt(y, pad=False), fmt(d, pad=False), fmt(ex.bce), fmt(ex.entropy),
                     fmt(ex.kl), fmt(ex.gap, sig=2)])
    header = ("$y$", "$D$", "BCE$(y, D)$", "$H_b(y)$", "KL", "BCE − H − KL")
    return markdown_table(header, rows, right=(0, 1, 2, 3, 4, 5))


@st.cache_data(show_spinner=False, max_entries=256)
def shift_table(pairs: tuple[tuple[str, str], ...]) -> str:
    """Table: JS and W1 and their slopes as Q slides, for each pair ('—' where Q has no
    location to slide)."""
    rows = []
    for p, q in pairs:
        row = [p, q]
        for div in ("js", "w1"):
            try:
                c = theory.shift_check(div, p, q)
            except ValueError:
                row += ["—", "—"]
                continue
            row += [fmt(c.value), fmt(c.slope)]
        rows.append(row)
    header = ("P", "Q", "JS", "dJS/dθ", "W1", "dW1/dθ")
    return markdown_table(header, rows, right=(2, 3, 4, 5))


@st.cache_data(show_spinner=False, max_entries=4096)
def loss_check(name: str, p: str, q: str) -> theory.LiveCheck:
    """One loss's identity checked for the pair by `ganloss_viz.optimal` (or why not)."""
    from ganloss_viz.optimal import optimal

    try:
        r = optimal(name, p, q)
    except ValueError as exc:
        return theory.LiveCheck(message=_short_reason(str(exc)))
    return theory.LiveCheck(r.d_loss_at_optimum, r.predicted)


def loss_checks(p: str, q: str) -> dict[str, theory.LiveCheck]:
    """Every registered loss's check (each cached on its own)."""
    return {name: loss_check(name, p, q) for name in LOSSES}


def _short_reason(message: str) -> str:
    """The first clause of an error, without its parenthesis (the table cell is narrow)."""
    return message.split(";")[0].split(" (")[0]


@st.cache_data(show_spinner=False, max_entries=16)
def vanishing(separations: tuple[float, ...]) -> dict[str, np.ndarray]:
    from ganloss_viz.optimal import vanishing_gradients

    return vanishing_gradients(np.asarray(separations))


# --- the sections ---------------------------------------------------------------------------


def _live(label: str, x: float | str, help: str | None = None) -> None:
    st.metric(label, x if isinstance(x, str) else fmt(x), help=help)


def _section(number: int, title: str, anchor: str, ratio: tuple[float, float] = (1.45, 1)):
    """The numbered header, and the (prose, live numbers) columns below it."""
    st.header(f"{number}. {title}", anchor=anchor, divider="gray")
    return st.columns(list(ratio), gap="medium")


def fdiv_family(state: TheoryState) -> None:
    left, right = _section(1, "The f-divergence family", "f-divergences", (1, 1))
    with left:
        st.markdown(text.FDIV_INTRO)
        st.latex(text.FDIV_DEFINITION)
        st.markdown(text.FDIV_JENSEN)
    with right:
        st.markdown(text.FDIV_CONVENTIONS)
    # the decomposition and the six-column table need the page's full width
    st.latex(text.FDIV_LEBESGUE)
    st.markdown(text.FDIV_LIVE)
    st.markdown(generator_constants())


def kl_section(state: TheoryState) -> None:
    prose, live = _section(2, "KL: non-negative, zero only at P = Q, and asymmetric", "kl")
    with prose:
        st.latex(text.KL_DEFINITION)
        st.markdown(text.KL_GIBBS)
        st.latex(text.KL_JENSEN)
        st.markdown(text.KL_ASYMMETRY)
    with live:
        st.markdown("**Live, for your P and Q**")
        a, b = value("kl", state.p, state.q), value("kl", state.q, state.p)
        c1, c2 = st.columns(2)
        with c1:
            _live("KL(P ‖ Q)", shown(a))
        with c2:
            _live("KL(Q ‖ P)", shown(b))
        c3, c4 = st.columns(2)
        with c3:
            _live("KL(P ‖ P)", shown(value("kl", state.p, state.p)),
                  help="Zero: the engine's value of KL for P against itself.")
        with c4:
            diff = b["value"] - a["value"] if a["ok"] and b["ok"] and \
                not (math.isinf(a["value"]) and math.isinf(b["value"])) else None
            _live("KL(Q ‖ P) − KL(P ‖ Q)", "—" if diff is None else fmt(diff),
                  help="Non-zero unless the pair is special (e.g. two normals of equal "
                       "scale): KL is not symmetric.")
        if diff == 0.0 or (diff is not None and abs(diff) < 1e-9 * abs(a["value"])):
            st.caption(text.KL_EQUAL)


def js_section(state: TheoryState) -> None:
    prose, live = _section(3, "JS: symmetric and bounded by ln 2 nats", "js")
    with prose:
        st.latex(text.JS_DEFINITION)
        st.markdown(text.JS_BOUNDS)
        st.latex(text.JS_MIXTURE)
    with live:
        st.markdown("**Live, for your P and Q**")
        a, b = value("js", state.p, state.q), value("js", state.q, state.p)
        c1, c2 = st.columns(2)
        with c1:
            _live("JS(P ‖ Q), nats", shown(a))
        with c2:
            _live("JS(Q ‖ P), nats", shown(b))
        c3, c4 = st.columns(2)
        with c3:
            _live("ln 2 (the ceiling)", theory.LN2)
        with c4:
            _live("JS(P ‖ Q), bits", fmt(a["value"] / theory.LN2) if a["ok"] else "—",
                  help="JS / ln 2: in [0, 1] bits.")


def bce_section(state: TheoryState) -> None:
    prose, live = _section(4, "Binary cross-entropy = entropy + KL", "bce")
    with prose:
        st.latex(text.CROSS_ENTROPY)
        st.markdown(text.BCE_POINT_MASS)
        st.markdown(text.BCE_CORRECTION)
        st.markdown(text.BCE_GAN)
        st.latex(text.BCE_GAN_FORMULA)
    with live:
        st.markdown("**Live, for your P and Q:** the minimax D loss at its optimum is the "
                    "labels' entropy, not zero.")
        check = loss_check("minimax", state.p, state.q)
        js = value("js", state.p, state.q)
        c1, c2 = st.columns(2)
        with c1:
            _live("D loss at D*", "—" if check.at_optimum is None else fmt(check.at_optimum),
                  help="Integrated from the loss's own terms at D* = p/(p + q) "
                       "(ganloss_viz.optimal).")
        with c2:
            _live("ln 4 − 2·JS(P ‖ Q)",
                  fmt(theory.LN4 - 2 * js["value"]) if js["ok"] else "—",
                  help="From the divergence engine's JS.")
    # the worked example's six columns need the page's width (a column cut them off)
    st.markdown(text.BCE_TABLE_CAPTION)
    st.markdown(bce_table())


def disjoint_section(state: TheoryState) -> None:
    prose, live = _section(5, "Disjoint supports: JS is stuck at ln 2, its gradient is 0",
                           "disjoint", (1, 1.15))
    with prose:
        st.markdown(text.DISJOINT)
        st.latex(text.DISJOINT_FORMULA)
        st.markdown(text.DISJOINT_LINKS)
    with live:
        st.markdown(text.DISJOINT_LIVE)
    mine = (state.p, state.q)         # six columns: the page's width
    st.markdown(shift_table(tuple(x for x in DISJOINT if x != mine) + (mine,)))


def tables_section(state: TheoryState) -> None:
    st.header("6. The tables, from the registries", anchor="tables", divider="gray")
    st.markdown(text.FDIV_TABLE_INTRO.format(alpha=fmt(DIVERGENCES["alpha"].params["alpha"],
                                                       pad=False)))
    with st.spinner("Computing every f-divergence for this pair…"):
        values = {name: shown(value(name, state.p, state.q)) for name in DIVERGENCES
                  if DIVERGENCES[name].group == GROUP_F}
    st.markdown(theory.fdiv_table(theory.fdiv_rows(), values))
    st.markdown(text.LOSS_TABLE_INTRO)
    with st.spinner("Integrating every loss at its optimal discriminator for this pair…"):
        checks = loss_checks(state.p, state.q)
    st.markdown(theory.loss_table(theory.loss_rows(), checks))


def vanishing_section(state: TheoryState) -> None:
    from ganloss_viz.figures.optimal import vanishing_figure

    st.header("7. Vanishing gradients (Arjovsky & Bottou 2017)", anchor="vanishing",
              divider="gray")
    fig_col, prose = st.columns([1.45, 1], gap="large")
    with fig_col:
        st.plotly_chart(sized(vanishing_figure(vanishing(tuple(SEPARATIONS)))),
                        config=chart_config("vanishing-gradients"))
    with prose:
        st.markdown(text.VANISHING)


SECTIONS = (fdiv_family, kl_section, js_section, bce_section, disjoint_section,
            tables_section, vanishing_section)


def render(state: TheoryState) -> None:
    """Every section for the pair; an error (not a traceback) when P and Q cannot pair."""
    if dist(state.p).dim != dist(state.q).dim:
        st.error(f"P is {dist(state.p).dim}-D and Q is {dist(state.q).dim}-D: a divergence "
                 "compares two distributions on the same space. Change P or Q.")
        return
    st.markdown(text.CONTENTS)
    for section in SECTIONS:
        section(state)
    anchor = ss.pop(k("scroll_to"), None)
    if anchor is not None:
        w.scroll_to(anchor)


__all__ = ["KEY", "apply", "pair_panel", "preset_info", "read_url", "render"]
