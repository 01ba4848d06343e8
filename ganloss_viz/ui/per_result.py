"""What a page builds once per finished result and keeps in the session: a page reruns on
every click, and its figures and download payloads would otherwise be rebuilt each time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from ganloss_viz.figures.style import chart_config


def built_once(key: str, result: Any, build: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """`build()` for `result`, kept under `key` in the session until the result changes."""
    cached = st.session_state.get(key)
    if cached is None or cached[0] is not result:
        cached = st.session_state[key] = (result, build())
    return cached[1]


def standalone_html(fig: go.Figure, name: str) -> Callable[[], str]:
    """The figure as one HTML file with plotly.js inlined (several MB), made when its
    download button is pressed rather than held in memory beside every result."""
    return lambda: fig.to_html(include_plotlyjs=True, auto_play=False,
                               config=chart_config(name))


__all__ = ["built_once", "standalone_html"]
