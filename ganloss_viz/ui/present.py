"""Presentation mode: ``present=1`` in any page's URL, or the sidebar's toggle.

In presentation mode the sidebar and the pages' settings fold away, text grows for a
room (body text 20 px), and the view's chart moves up to the first screen. It is CSS
only: the pages draw the same elements, and wrap their settings in `settings(name)`,
a keyed container (class ``st-key-settings-<name>``) that the CSS hides. One small
button at the top right (`control`) leaves the mode and brings everything back.

`present` is a parameter of the app's frame, not of a page: `kept()` is what the
pages' own URL syncing (`widgets.write_url`) adds back to the state they write, and
`without_frame()` what it removes before a page parses its URL.
"""

from __future__ import annotations

from collections.abc import Mapping

import plotly.graph_objects as go
import streamlit as st

from ganloss_viz.figures.style import ROOM_SCALE, for_room

PARAM = "present"
ON = frozenset({"1", "true", "yes", "on"})
SLIDE = "slide"         # present=slide: a talk's slide (no title, caption or button)
CONTROL_KEY = "present-control"
TOGGLE_KEY = "shell.present"

# Streamlit's base font is 1rem; the root size scales all text and widgets with it. The
# top-right button is fixed, so it takes no room above the view. At 20 px a wide table
# (Theory's six columns of f-divergence constants, in a talk's slide beside the sidebar)
# can outgrow its column: it scrolls sideways instead of running past the page.
STYLE = """<style>
html { font-size: 20px; }
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"], [data-testid="stSidebarNav"],
[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
[class*="st-key-settings-"], [data-testid="stMain"] [class*=" st-key-ex-"]:not(.st-key-ex-view),
[class*=" st-key-video-"] { display: none !important; }
[data-testid="stMainBlockContainer"] { padding: 0.6rem 1.6rem 2rem 1.6rem !important;
  max-width: none !important; }
[data-testid="stMain"] h1 { font-size: 1.6rem !important; padding: 0 0 0.3rem 0 !important; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li,
[data-testid="stCaptionContainer"] { font-size: 1rem !important; }
[data-testid="stLayoutWrapper"]:has(> [class*="st-key-settings-"]),
[data-testid="stElementContainer"]:has(> .stHtml > style:only-child) { display: none !important; }
[data-testid="stMarkdownContainer"] table { display: block; max-width: 100%; overflow-x: auto; }
[data-testid="stLayoutWrapper"]:has(> .st-key-present-control) { position: fixed; top: 0.4rem;
  right: 0.6rem; z-index: 999990; width: auto !important; }
.st-key-present-control button { opacity: 0.55; min-height: 0; padding: 0.1rem 0.5rem; }
.st-key-present-control button:hover { opacity: 1; }
</style>"""
# A slide of the talk page: the talk page shows the title and the caption above it. Only
# the page's title goes: a section's heading stays, the place a Theory slide scrolls to.
SLIDE_STYLE = """<style>
[data-testid="stMain"] h1, [data-testid="stHeadingWithActionElements"]:has(> h1),
[data-testid="stElementContainer"]:has(h1),
[data-testid="stLayoutWrapper"]:has(> .st-key-present-control),
[data-testid="stLayoutWrapper"]:has(> .st-key-preset-caption) { display: none !important; }
</style>"""


def on(params: Mapping[str, str] | None = None) -> bool:
    """Whether presentation mode is on: ``present=1`` (or true / yes / on) in the URL."""
    return mode(params) != ""


def mode(params: Mapping[str, str] | None = None) -> str:
    """"1" (presentation mode), "slide" (a talk's slide) or "" (off), from the URL."""
    params = st.query_params if params is None else params
    value = str(params.get(PARAM, "")).strip().lower()
    return SLIDE if value == SLIDE else "1" if value in ON else ""


def kept() -> dict[str, str]:
    """The frame's parameters of the current URL that a page's URL syncing keeps."""
    return {PARAM: mode()} if on() else {}


def without_frame(params: Mapping[str, str]) -> dict[str, str]:
    """`params` without the frame's parameters (what a page's own state reads)."""
    return {k: v for k, v in params.items() if k != PARAM}


def caption():
    """The container of a page's preset caption (a talk's slide hides it: the talk page
    shows it above the slide)."""
    return st.container(key="preset-caption")


def settings(name: str):
    """The container of a page's settings: hidden in presentation mode. `name` is a
    short page key (``ex``, ``tr``, ...); the container's class is st-key-settings-<name>."""
    return st.container(key=f"settings-{name}")


def _leave() -> None:
    if PARAM in st.query_params:
        del st.query_params[PARAM]


def _toggled() -> None:
    if st.session_state.get(TOGGLE_KEY):
        st.query_params[PARAM] = "1"
    else:
        _leave()


def style() -> None:
    """In presentation mode: the CSS, and the small button that brings the settings and
    the sidebar back (it leaves presentation mode)."""
    if not on():
        return
    st.html(STYLE)
    if mode() == SLIDE:
        st.html(SLIDE_STYLE)
        return
    with st.container(key=CONTROL_KEY):
        st.button("Settings", icon=":material/tune:", key="present.leave", on_click=_leave,
                  help="Leave presentation mode: show the sidebar and the page's settings.")


def toggle() -> None:
    """The sidebar's switch into presentation mode (it writes ``present=1`` in the URL)."""
    st.session_state[TOGGLE_KEY] = on()
    st.toggle("Presentation mode", key=TOGGLE_KEY, on_change=_toggled,
              help="For a room: the sidebar and the settings fold away, text and charts "
                   "grow. Also `present=1` in any page's URL; the button at the top right "
                   "brings the settings back.")


def text_scale() -> float:
    """How many times larger chart text is drawn (`sized`): for the figure builders
    that make room for their text in pixels."""
    return ROOM_SCALE if on() else 1.0


def sized(fig: go.Figure) -> go.Figure:
    """`fig` as the page should draw it: in presentation mode a copy with its text grown
    for a room (figures.style.for_room), else `fig` itself. Every chart of the app goes
    through here on its way to the browser."""
    return for_room(fig) if on() else fig
