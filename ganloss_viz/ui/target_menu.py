"""The target menu of Train and Compare: the named targets and "draw", and the drawing.

A page keeps its target under ``key_of("target")`` (a name, or a drawn target's
``points(...)`` spec, as its URL says); the menu is a separate widget
(``key_of("target_menu")``) showing the name, or "draw" for a drawn target, so that a
link carrying a drawing opens with it. The drawing plane (`draw_section`) comes below
the page's settings row, full width.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from ganloss_viz.targets import TARGETS

DRAW = "draw"                # the menu's entry for a drawn target (points(...))
DEFAULT = "ring8"            # the target once a drawing is cleared

ss = st.session_state


def target_label(name: str) -> str:
    return "draw your own · 2-D" if name == DRAW else f"{name} · {TARGETS[name].dim}-D"


def target_word(target: str) -> str:
    """A target as titles and file names say it: its name, or "drawn" for a drawn
    ``points(...)`` spec (the spec itself is in the run's config and its exports)."""
    return target if target in TARGETS else "drawn"


def target_menu(key_of: Callable[[str], str], on_target: Callable[[], None],
                help: str) -> None:
    """The menu; picking a named target sets the page's target and calls `on_target()`
    (e.g. to reset the default steps); picking "draw" opens the drawing plane."""
    drawn = ss[key_of("target")] not in TARGETS
    ss[key_of("target_menu")] = DRAW if drawn or ss.get(key_of("drawing")) \
        else ss[key_of("target")]

    def chosen() -> None:
        choice = ss[key_of("target_menu")]
        ss[key_of("drawing")] = choice == DRAW
        if choice != DRAW:
            ss[key_of("target")] = choice
            on_target()

    st.selectbox("Target (the data)", [*TARGETS, DRAW], key=key_of("target_menu"),
                 format_func=target_label, on_change=chosen, help=help)


def target_caption(name: str, steps_of: Callable[[str], int]) -> str:
    """The target's dimension, description and default steps (`steps_of`: the page's)."""
    if name in TARGETS:
        t = TARGETS[name]
        return f"{t.dim}-D · {t.doc}. Default: {steps_of(name):,} steps."
    return "2-D · drawn: equal-weight Gaussians at the drawn points (the spec is in the link)."


def draw_section(key_of: Callable[[str], str]) -> None:
    """While the menu says draw: the plane to draw on; the drawing becomes the page's
    target (a ``points(...)`` spec, in the URL like any target). Open when "draw" was
    just chosen, folded when a link brought the drawing (the run's view comes first)."""
    if ss[key_of("target_menu")] != DRAW:
        return
    from ganloss_viz.ui.draw_target import draw_panel

    with st.expander("Draw the target: click to place points, lasso to paint",
                     expanded=bool(ss.get(key_of("drawing")))):
        spec = draw_panel(key_of("draw"), initial=ss[key_of("target")])
    if spec is not None and spec != ss[key_of("target")]:
        ss[key_of("target")] = spec
    elif spec is None and ss[key_of("target")] not in TARGETS:
        ss[key_of("target")] = DEFAULT


__all__ = ["DRAW", "draw_section", "target_caption", "target_label", "target_menu",
           "target_word"]
