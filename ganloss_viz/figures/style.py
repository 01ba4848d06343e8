"""The look shared by every figure: colours, fonts, a cheap layout.

Figures are built in one `go.Figure(data=..., layout=...)` call with a small explicit
layout instead of a named template: Plotly deep-copies a named template on every
assignment (about 15 ms a figure), which a page that reruns on every click cannot
afford. Streamlit's chart theme supplies the rest in the browser.
"""

from __future__ import annotations

import re
from typing import Any

import plotly.graph_objects as go

P_COLOR = "#1f5fbf"          # P, the data: blue on every figure
Q_COLOR = "#e8710a"          # Q, the model: orange on every figure
INTEGRAND_COLOR = "#6a3d9a"  # the chosen divergence and its integrand: purple
# Divergences compared with the chosen one (never blue or orange: those are P and Q).
COMPARE_COLORS = ("#2a9d4b", "#c62f3e", "#0f8b8d", "#8c564b", "#d6409f")
GRID_COLOR = "#e4e6eb"
ZERO_COLOR = "#8a8f98"
FONT_SIZE = 16               # readable from the back of a lecture hall
TITLE_SIZE = 18
# Presentation mode: chart text grows as the page's text does (16 px body text -> 20 px),
# and none stays under ROOM_MIN_PX, the smallest size read from the back of a room.
ROOM_SCALE = 1.25
ROOM_MIN_PX = 16
# An annotation named so keeps its size in `for_room`: it sits at a pixel offset computed
# from the sizes of the playback controls (figures.train.add_playback's slider labels).
FIXED_TEXT = "step tick"
HOVER = ".6g"                # six significant figures in every hover label
# Tick labels of a math axis as powers of ten (1×10¹¹, 5×10⁻¹³), never Plotly's default
# SI-like suffixes ("100B", "-580f"), which read as units.
PLAIN_NUMBERS: dict[str, Any] = dict(exponentformat="power", separatethousands=False)
# A count of training steps: 10,000 (not "10k", nor 1×10⁴).
STEP_NUMBERS: dict[str, Any] = dict(exponentformat="none", separatethousands=True)


def chart_config(name: str) -> dict[str, Any]:
    """Plotly's configuration of a chart in the app: no logo, and a camera button that
    saves ``ganloss-viz-<name>.png`` at twice its size on screen, sharp on a slide."""
    return {"displaylogo": False,
            "toImageButtonOptions": {"format": "png", "scale": 2,
                                     "filename": f"ganloss-viz-{name}"}}


def rgba(hex_color: str, alpha: float) -> str:
    r, g, b = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, {alpha})"


def axis(title: str | None = None, **extra: Any) -> dict[str, Any]:
    """An axis with a large title, light grid lines, no zero line (unless asked) and
    powers of ten for large and small ticks."""
    out: dict[str, Any] = dict(showgrid=True, gridcolor=GRID_COLOR, zeroline=False,
                               ticks="outside", tickfont=dict(size=FONT_SIZE),
                               automargin=True, **PLAIN_NUMBERS)
    title_font = extra.pop("title_font", None) or {}
    if title is not None:
        out["title"] = dict(text=title, font=dict(size=TITLE_SIZE, **title_font))
    out.update(extra)
    return out


def layout(title: str | None = None, height: int = 430, show_legend: bool = True,
           **extra: Any) -> dict[str, Any]:
    """The common layout: white background, big fonts, a legend above the plot."""
    out: dict[str, Any] = dict(
        template="none", height=height, font=dict(size=FONT_SIZE),
        paper_bgcolor="white", plot_bgcolor="white",
        margin=dict(l=10, r=10, t=60 if title else 30, b=10),
        hovermode="closest", hoverlabel=dict(font=dict(size=FONT_SIZE)),
        showlegend=show_legend,
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0,
                    font=dict(size=FONT_SIZE)),
    )
    if title:
        out["title"] = dict(text=title, font=dict(size=TITLE_SIZE), x=0, xanchor="left")
    out.update(extra)
    return out


def per_step(fig: Any) -> Any:
    """A per-step chart's numbers: steps as 10,000 on its x axes, values as powers of ten
    on its y axes (never Plotly's "10k" or "2B")."""
    fig.update_xaxes(**STEP_NUMBERS)
    fig.update_yaxes(**PLAIN_NUMBERS)
    return fig


ZERO_AT_MOST = 0.5    # the highest place of a shared zero on twin axes (of their height):
                      # opposite-signed series get half the height each


def shared_zero(left: tuple[float, float], right: tuple[float, float]
                ) -> tuple[list[float], list[float]]:
    """Ranges for twin y axes that contain their data ranges `left` and `right` and put
    0 at the same height, so that neither curve seems to cross zero where it does not
    (a density on one axis, a signed output on the other). Each range is widened, never
    narrowed; 0 sits at the larger of the two zero heights (at most ZERO_AT_MOST)."""
    def widened(lo: float, hi: float) -> tuple[float, float]:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
        return (lo, hi) if hi > lo else (lo - 1.0, hi + 1.0)

    ranges = [widened(*left), widened(*right)]
    height = min(max(-lo / (hi - lo) for lo, hi in ranges), ZERO_AT_MOST)
    out = []
    for lo, hi in ranges:
        if -lo / (hi - lo) < height:           # zero too low: room below it
            lo = -height * hi / (1.0 - height)
        elif -lo / (hi - lo) > height:         # zero too high: room above it
            hi = -lo * (1.0 - height) / height
        out.append([lo, hi])
    return out[0], out[1]


# Plotly.js's sizes for text a figure leaves unsized (layout.font.size 12; an axis title
# 1.2 and the figure's title 1.4 times that), made explicit by `for_room`, since
# Streamlit's chart theme would otherwise size that text itself.
_UNSIZED = {"tickfont": 12, "axis title": 14, "title": 17, "legend": 12}
_CONTROLS = ("updatemenus", "sliders")     # laid out in pixels from their own sizes
_NOT_CARTESIAN = {"pie", "sunburst", "treemap", "icicle", "funnelarea", "table", "sankey",
                  "indicator", "parcoords", "parcats"}
# a size given in a text's own markup: "<span style='font-size:12px'>caption</span>"
_MARKUP_SIZE = re.compile(r"font-size:\s*(\d+(?:\.\d+)?)px")


def _room_size(size: Any, scale: float) -> Any:
    if not isinstance(size, int | float) or size < 6:     # arrays, invisible 1-px labels
        return size
    return max(size * scale, ROOM_MIN_PX)


def _grow(node: Any, scale: float) -> None:
    """Scale every font size found in `node` (a layout, trace or frame as a dict) in place."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _CONTROLS:
                continue
            if key.endswith("font") and isinstance(value, dict) and "size" in value:
                value["size"] = _room_size(value["size"], scale)
            elif key == "text" and isinstance(value, str) and "font-size" in value:
                node[key] = _MARKUP_SIZE.sub(
                    lambda m: f"font-size:{_room_size(float(m[1]), scale):g}px", value)
            if key == "annotations" and isinstance(value, list):
                value = [a for a in value if not (isinstance(a, dict)
                                                  and a.get("name") == FIXED_TEXT)]
            _grow(value, scale)
    elif isinstance(node, list) and node and isinstance(node[0], dict):
        for item in node:
            _grow(item, scale)


def _sized(parent: dict, key: str, size: float) -> None:
    font = parent.setdefault(key, {})
    font.setdefault("size", size)


def _fill_unsized(layout: dict, data: list) -> None:
    """Give the main text of a figure (ticks, axis titles, legend, title) explicit sizes
    where it has none, so that `_grow` reaches it."""
    _sized(layout, "font", _UNSIZED["tickfont"])
    cartesian = any(t.get("type", "scatter") not in _NOT_CARTESIAN for t in data)
    axes = [k for k in layout if k.rstrip("0123456789") in ("xaxis", "yaxis")]
    for key in axes or (("xaxis", "yaxis") if cartesian else ()):
        ax = layout.setdefault(key, {})
        _sized(ax, "tickfont", _UNSIZED["tickfont"])
        title = ax.get("title")
        if isinstance(title, dict) and title.get("text"):
            _sized(title, "font", _UNSIZED["axis title"])
    title = layout.get("title")
    if isinstance(title, dict) and title.get("text"):
        _sized(title, "font", _UNSIZED["title"])
    _sized(layout.setdefault("legend", {}), "font", _UNSIZED["legend"])


def for_room(fig: go.Figure, scale: float = ROOM_SCALE) -> go.Figure:
    """A copy of `fig` whose text is `scale` times larger and at least ROOM_MIN_PX
    (presentation mode): titles, ticks, axis titles, legends, annotations, colour bars,
    hover labels, in every animation frame too. The playback controls (play / pause,
    the step slider and its labels) keep their sizes: their places are computed in
    pixels from them. `fig` itself is left as it is (pages share cached figures)."""
    spec = fig.to_dict()
    layout = spec.setdefault("layout", {})
    _fill_unsized(layout, spec["data"])
    _grow(layout, scale)
    for part in (spec["data"], spec.get("frames") or []):
        _grow(part, scale)
    return go.Figure(spec, _validate=False)      # its parts were valid; checking costs 0.3 s
