"""A Plotly chart that updates in place: the Train page's view and curves.

`st.plotly_chart` hashes the figure into the chart's identity, so every new figure
mounts a new chart, which the browser builds from scratch (100-300 ms on a loaded core):
a live view redrawn that way managed about 2 frames a second (benchmarks/app_speed.py).
`live_chart` sends the figure to one component per key (an iframe, ``chart_frame/``)
that hands it to ``Plotly.react``, which only redraws what changed.

The component's files are served from a folder assembled once per process: our
``chart_frame/index.html`` and the ``plotly.min.js`` that ships with the plotly package
(the same version the rest of the app draws with; no network needed).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from functools import cache
from pathlib import Path

import plotly
import plotly.graph_objects as go
import plotly.io as pio
import streamlit.components.v1 as components

from ganloss_viz.ui.present import sized

FRAME = Path(__file__).with_name("chart_frame")


@cache
def _component():
    root = Path(tempfile.mkdtemp(prefix="ganloss-viz-chart-"))
    shutil.copy(FRAME / "index.html", root / "index.html")
    shutil.copy(Path(plotly.__file__).parent / "package_data" / "plotly.min.js",
                root / "plotly.min.js")
    return components.declare_component("ganloss_viz_live_chart", path=str(root))


def live_chart(fig: go.Figure, key: str, height: int, config: dict) -> None:
    """Draw `fig` (its own height is replaced by `height` pixels) with the Plotly
    `config` (e.g. figures.style.chart_config's), updating the chart already drawn under
    `key` in place; in presentation mode with its text grown (present.sized)."""
    _component()(spec=pio.to_json(sized(fig), validate=False), config=json.dumps(config),
                 height=height, key=key, default=None)


__all__ = ["live_chart"]
