"""The look shared by every figure: colours, fonts, a cheap layout.

Figures are built in one `go.Figure(data=..., layout=...)` call with a small explicit
layout instead of a named template: Plotly deep-copies a named template on every
assignment (about 15 ms a figure), which a page that reruns on every click cannot
afford. Streamlit's chart theme supplies the rest in the browser.
"""

from __future__ import annotations

from typing import Any

P_COLOR = "#1f5fbf"          # P, the data: blue on every figure
Q_COLOR = "#e8710a"          # Q, the model: orange on every figure
INTEGRAND_COLOR = "#6a3d9a"  # the chosen divergence and its integrand: purple
# Divergences compared with the chosen one (never blue or orange: those are P and Q).
COMPARE_COLORS = ("#2a9d4b", "#c62f3e", "#0f8b8d", "#8c564b", "#d6409f")
GRID_COLOR = "#e4e6eb"
ZERO_COLOR = "#8a8f98"
FONT_SIZE = 16               # readable from the back of a lecture hall
TITLE_SIZE = 18
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

