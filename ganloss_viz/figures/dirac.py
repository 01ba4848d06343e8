"""Dirac-GAN figures: the gradient vector field with the gradient-descent paths, and
the eigenvalues in the complex plane. Plain numpy data in, `go.Figure` out.

Colours: simultaneous GD red, alternating GD blue, the equilibrium a gold star, the
field grey arrows over a light map of the speed ‖v‖ (one arrow length everywhere, so
the direction reads even where the field is slow).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .style import FONT_SIZE, HOVER, TITLE_SIZE, axis, layout
from .train import add_playback

SIM_COLOR = "#d62728"        # simultaneous gradient descent
ALT_COLOR = "#1f5fbf"        # alternating gradient descent
ARROW_COLOR = "#5f6368"
STAR_COLOR = "#f2b01e"
SPEED_SCALE = [[0.0, "#ffffff"], [1.0, "#dbe4f0"]]
MODE_COLORS = {"simultaneous": SIM_COLOR, "alternating": ALT_COLOR}
MODE_LABELS = {"simultaneous": "simultaneous GD", "alternating": "alternating GD"}
# The field's cost in the browser (benchmarks/page_loads.py, Dirac `all-methods`: four
# panels, 28-48 s to settle in headless Chromium on a loaded 2-core host, now ~5 s) was
# Plotly's automatic margins: with four square (scale-anchored) panels every margin pass
# redrew all of them, about ten times, restyling each iterate's marker each time. So the
# field's axes take fixed margins wide enough for their ticks and titles, and a path
# shows at most PATH_MARKERS iterate dots (Plotly's `maxdisplayed`; hover keeps them all).
PATH_MARKERS = 80
MARGIN_L, MARGIN_B = 90, 70
ANIMATION_FRAMES = 100   # frames of a path animation at most
ANIMATION_MS = 80        # milliseconds per frame while playing
CONTROLS_PX = 90         # play / pause and the slider under the plots
CONTROLS_BELOW = 75      # their top, this many pixels under the plots
VIDEO_HEIGHT = 720       # the path animation is laid out for a 1280×720 frame
AXIS_BELOW_PX = 66       # the eigenvalue planes' tick labels and axis titles under them
LEGEND_ROW_PX = 24       # one legend entry (16 px type)


@dataclass(frozen=True)
class FieldPanel:
    """One method's field on a grid and its paths.

    theta, psi: 1-D grid coordinates; v_theta, v_psi: the field, shape (len(psi),
    len(theta)); paths: mode -> (n, 2) iterates (θ, ψ); clip: draw ψ = ±clip (WGAN);
    title: the panel's heading.
    """

    title: str
    theta: np.ndarray
    psi: np.ndarray
    v_theta: np.ndarray
    v_psi: np.ndarray
    paths: dict[str, np.ndarray] = field(default_factory=dict)
    clip: float | None = None


def arrow_segments(theta: np.ndarray, psi: np.ndarray, v_theta: np.ndarray,
                   v_psi: np.ndarray, length: float) -> tuple[np.ndarray, np.ndarray]:
    """x, y of arrows of one `length` along v (shaft and two barbs, None-separated);
    points where v = 0 get no arrow."""
    tt, pp = np.meshgrid(theta, psi)
    speed = np.hypot(v_theta, v_psi)
    keep = speed > 1e-12 * max(float(speed.max()), 1e-300)
    ux, uy = v_theta[keep] / speed[keep], v_psi[keep] / speed[keep]
    x0, y0 = tt[keep] - 0.5 * length * ux, pp[keep] - 0.5 * length * uy
    x1, y1 = x0 + length * ux, y0 + length * uy
    barb = 0.35 * length
    cos, sin = np.cos(np.pi / 7), np.sin(np.pi / 7)
    bx1 = x1 - barb * (ux * cos - uy * sin)
    by1 = y1 - barb * (uy * cos + ux * sin)
    bx2 = x1 - barb * (ux * cos + uy * sin)
    by2 = y1 - barb * (uy * cos - ux * sin)
    nan = np.full_like(x0, np.nan)
    xs = np.stack([x0, x1, bx1, nan, x1, bx2, nan], axis=1).ravel()
    ys = np.stack([y0, y1, by1, nan, y1, by2, nan], axis=1).ravel()
    return xs, ys


def _panel_traces(panel: FieldPanel, legend: bool) -> list[go.BaseTraceType]:
    speed = np.hypot(panel.v_theta, panel.v_psi)
    cell = min(np.ptp(panel.theta) / max(len(panel.theta) - 1, 1),
               np.ptp(panel.psi) / max(len(panel.psi) - 1, 1))
    xs, ys = arrow_segments(panel.theta, panel.psi, panel.v_theta, panel.v_psi, 0.75 * cell)
    traces: list[go.BaseTraceType] = [
        go.Heatmap(x=panel.theta, y=panel.psi, z=speed, colorscale=SPEED_SCALE,
                   showscale=False, name="speed ‖v‖",
                   hovertemplate=f"θ=%{{x:{HOVER}}}<br>ψ=%{{y:{HOVER}}}<br>"
                                 f"‖v‖=%{{z:{HOVER}}}<extra></extra>"),
        go.Scatter(x=xs, y=ys, mode="lines", line=dict(color=ARROW_COLOR, width=1.3),
                   name="field v(θ, ψ)", hoverinfo="skip", showlegend=legend,
                   legendgroup="field"),
    ]
    for mode, path in panel.paths.items():
        path = np.asarray(path, dtype=float)
        traces.append(go.Scatter(
            x=path[:, 0], y=path[:, 1], mode="lines+markers",
            line=dict(color=MODE_COLORS[mode], width=2.5),
            marker=dict(size=4, maxdisplayed=PATH_MARKERS),
            name=MODE_LABELS[mode], legendgroup=mode, showlegend=legend,
            customdata=np.arange(len(path)),
            hovertemplate=f"{MODE_LABELS[mode]} step %{{customdata}}<br>θ=%{{x:{HOVER}}}<br>"
                          f"ψ=%{{y:{HOVER}}}<extra></extra>"))
        traces.append(go.Scatter(
            x=path[-1:, 0], y=path[-1:, 1], mode="markers", legendgroup=mode,
            marker=dict(color=MODE_COLORS[mode], size=11, symbol="x",
                        line=dict(width=1, color="white")),
            showlegend=False, name=f"{MODE_LABELS[mode]}: last iterate",
            hovertemplate=f"{MODE_LABELS[mode]}, last iterate<br>θ=%{{x:{HOVER}}}<br>"
                          f"ψ=%{{y:{HOVER}}}<extra></extra>"))
    if panel.paths:
        start = np.asarray(next(iter(panel.paths.values())), dtype=float)[0]
        traces.append(go.Scatter(x=[start[0]], y=[start[1]], mode="markers", name="start",
                                 marker=dict(color="black", size=10), showlegend=legend,
                                 legendgroup="start",
                                 hovertemplate=f"start<br>θ=%{{x:{HOVER}}}<br>"
                                               f"ψ=%{{y:{HOVER}}}<extra></extra>"))
    traces.append(go.Scatter(x=[0.0], y=[0.0], mode="markers", name="equilibrium (0, 0)",
                             marker=dict(color=STAR_COLOR, size=20, symbol="star",
                                         line=dict(width=1, color="black")),
                             showlegend=legend, legendgroup="eq",
                             hovertemplate="equilibrium θ = 0, ψ = 0<extra></extra>"))
    return traces


def field_figure(panels: Sequence[FieldPanel], height: int = 560,
                 one_row: bool = False, text_scale: float = 1.0) -> go.Figure:
    """The field of each panel's method with its paths: 1 to 3 panels in a row, 4 in a
    2 × 2 grid, or all in one row (`one_row`: a 16:9 video frame); each panel square,
    `height` per row; fixed margins (see PATH_MARKERS), and room between the rows, made
    `text_scale` times larger for text that will be (style.for_room)."""
    if not 1 <= len(panels) <= 4:
        raise ValueError(f"{len(panels)} panels; draw 1 to 4")
    rows, cols = (2, 2) if len(panels) == 4 and not one_row else (1, len(panels))
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[p.title for p in panels],
                        horizontal_spacing=0.06 if cols > 1 else 0.0,
                        vertical_spacing=0.1 * text_scale if rows > 1 else 0.0)
    for i, panel in enumerate(panels, start=1):
        row, col = (i - 1) // cols + 1, (i - 1) % cols + 1
        for trace in _panel_traces(panel, legend=i == 1):
            fig.add_trace(trace, row=row, col=col)
        if panel.clip is not None:
            for y in (-panel.clip, panel.clip):
                fig.add_hline(y=y, line=dict(color="#7b3294", dash="dash", width=1.5),
                              row=row, col=col)
        fig.update_xaxes(axis("θ (generator)" if row == rows else None,
                              range=[panel.theta[0], panel.theta[-1]],
                              constrain="domain", automargin=False), row=row, col=col)
        fig.update_yaxes(axis("ψ (discriminator)" if col == 1 else None,
                              range=[panel.psi[0], panel.psi[-1]],
                              scaleanchor=f"x{i if i > 1 else ''}", scaleratio=1,
                              constrain="domain", automargin=False), row=row, col=col)
    fig.update_annotations(font_size=FONT_SIZE)
    fig.update_layout(**layout(height=height * rows,
                               margin=dict(l=MARGIN_L * text_scale, r=10, t=110 * text_scale,
                                           b=MARGIN_B * text_scale)))
    fig.update_layout(legend=dict(y=1.0 + 70 * text_scale / (height * rows)))
    return fig


def field_animation(panels: Sequence[FieldPanel], frames: int = ANIMATION_FRAMES) -> go.Figure:
    """`field_figure` with its paths drawn step by step, for a video (1280×720, the
    panels in one row): frame j shows every path up to iterate k_j (k evenly spread
    over 0..steps, at most `frames` frames) and marks iterate k_j with the path's
    cross; the step is the title; play / pause and a step slider below."""
    fig = field_figure(panels, height=VIDEO_HEIGHT, one_row=True)
    paths = [np.asarray(path, dtype=float) for panel in panels for path in panel.paths.values()]
    if not paths:
        raise ValueError("a Dirac-GAN animation needs at least one path")
    n = min(len(p) for p in paths)
    steps = np.unique(np.linspace(0, n - 1, min(frames, n)).round().astype(int))
    moving = [i for i, t in enumerate(fig.data) if t.legendgroup in MODE_COLORS]
    # the traces of each path: its line, then its last-iterate cross (see _panel_traces)
    lines, crosses = moving[0::2], moving[1::2]

    def traces(k: int) -> list[go.Scatter]:
        out = []
        for path in paths:
            out.append(go.Scatter(x=path[:k + 1, 0], y=path[:k + 1, 1]))
            out.append(go.Scatter(x=path[k:k + 1, 0], y=path[k:k + 1, 1]))
        return out

    order = [i for pair in zip(lines, crosses, strict=True) for i in pair]
    fig.frames = [go.Frame(data=traces(int(k)), traces=order, name=str(int(k)),
                           layout=dict(title=dict(text=f"step {int(k)} of {n - 1}")))
                  for k in steps]
    first = traces(int(steps[0]))
    for i, t in zip(order, first, strict=True):
        fig.data[i].update(x=t.x, y=t.y)
    # the step as a title, the legend beside it on the frame's top line (a video has no
    # slider to show the step; the panels' titles sit under them)
    fig.update_layout(title=dict(text=f"step 0 of {n - 1}", x=0.01, xanchor="left", y=0.985,
                                 yanchor="top", font=dict(size=TITLE_SIZE)),
                      legend=dict(yref="container", y=0.985, yanchor="top", x=0.22),
                      margin=dict(t=130, b=MARGIN_B + CONTROLS_PX))
    ticks = add_playback(fig, [int(k) for k in steps], CONTROLS_BELOW / VIDEO_HEIGHT,
                         ANIMATION_MS, active=0)
    fig.layout.annotations = [*fig.layout.annotations, *ticks]
    return fig


def _mu_window(points: np.ndarray) -> tuple[list[float], list[float]]:
    """Axis ranges of the μ-plane: the whole unit circle, or a zoom around the μ's when
    they crowd together (small steps put them all near 1)."""
    spread = float(np.abs(points - points.mean()).max()) if points.size else 1.0
    if points.size and spread < 0.25:
        c, half = points.mean(), max(0.12, 1.6 * spread)
        return [c.real - half, c.real + half], [c.imag - half, c.imag + half]
    reach = max(1.2, 1.1 * float(np.abs(points).max()) if points.size else 1.2)
    return [-reach, reach], [-reach, reach]


def eigen_figure(eigenvalues: Sequence[complex], spectra: dict[str, Sequence[complex]],
                 h: float, one_sided: bool = False, height: int = 470) -> go.Figure:
    """Left: the Jacobian's eigenvalues λ (converges iff all lie left of the imaginary
    axis). Right: the eigenvalues μ of the linearised GD maps at step h (the iterates
    shrink iff all lie inside the unit circle), zoomed in when they crowd together.
    one_sided: λ are those of a one-sided limit (the field has a kink); drawn hollow."""
    mus = {mode: np.asarray(v, dtype=complex) for mode, v in spectra.items()}
    every = np.concatenate(list(mus.values())) if mus else np.zeros(0, dtype=complex)
    mu_x, mu_y = _mu_window(every)
    zoomed = mu_x[1] - mu_x[0] < 2
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.14, subplot_titles=(
        "λ: Jacobian of v<br>at (0, 0)",
        f"μ: one GD step<br>h = {h:.6g}" + (" (zoom)" if zoomed else "")))
    fig.update_annotations(font_size=FONT_SIZE)   # the subplot titles
    lam = np.asarray(eigenvalues, dtype=complex)
    reach = max(1.0, 1.25 * float(np.abs(lam).max()) if lam.size else 1.0)
    fig.add_shape(type="rect", x0=-reach, x1=0, y0=-3 * reach, y1=3 * reach, line_width=0,
                  fillcolor="rgba(42, 157, 75, 0.12)", layer="below", row=1, col=1)
    fig.add_vline(x=0, line=dict(color="#444", width=1.5), row=1, col=1)
    fig.add_hline(y=0, line=dict(color="#bbb", width=1), row=1, col=1)
    fig.add_trace(go.Scatter(
        x=lam.real, y=lam.imag, mode="markers",
        name="λ, one-sided ψ → 0⁺ (v jumps there)" if one_sided else "λ",
        marker=dict(color="#6a3d9a", size=16, symbol="diamond-open" if one_sided else "diamond",
                    line=dict(width=2, color="#6a3d9a" if one_sided else "white")),
        hovertemplate=f"λ = %{{x:{HOVER}}} %{{y:+{HOVER}}}i<extra></extra>"), row=1, col=1)
    # at the plot's bottom left corner, below every λ (|λ| <= reach / 1.25, and the
    # square plot shows at least ±reach both ways), so the label never covers one
    fig.add_annotation(x=0.02, y=0.02, xref="x domain", yref="y domain", xanchor="left",
                       yanchor="bottom", text="Re λ < 0", showarrow=False,
                       font=dict(color="#2a7d3b", size=FONT_SIZE - 2))
    circle = np.exp(1j * np.linspace(0, 2 * np.pi, 721))
    fig.add_trace(go.Scatter(x=circle.real, y=circle.imag, mode="lines", fill="toself",
                             fillcolor="rgba(42, 157, 75, 0.12)", hoverinfo="skip",
                             line=dict(color="#444", width=1.5), name="|μ| = 1"),
                  row=1, col=2)
    for mode, points in mus.items():
        fig.add_trace(go.Scatter(
            x=points.real, y=points.imag, mode="markers", name=f"μ, {MODE_LABELS[mode]}",
            marker=dict(color=MODE_COLORS[mode], size=17 if mode == "simultaneous" else 9,
                        symbol="circle-open" if mode == "simultaneous" else "square",
                        line=dict(width=3 if mode == "simultaneous" else 1,
                                  color=MODE_COLORS[mode])),
            customdata=np.abs(points),
            hovertemplate=f"μ = %{{x:{HOVER}}} %{{y:+{HOVER}}}i<br>|μ| = %{{customdata:.6f}}"
                          "<extra></extra>"), row=1, col=2)
    # at most 4 ticks an axis: each plane is some 130 px wide in a half-page column at
    # 1280x800, where Plotly's five (−1, −0.5, 0, 0.5, 1) stood on end, touching
    fig.update_xaxes(axis("Re λ", range=[-reach, reach], nticks=4), row=1, col=1)
    fig.update_yaxes(axis("Im λ", range=[-reach, reach], scaleanchor="x", scaleratio=1,
                          nticks=4), row=1, col=1)
    fig.update_xaxes(axis("Re μ", range=mu_x, nticks=4), row=1, col=2)
    # The μ-plane's axis on its right: on the left, its tick labels and title lay on the λ
    # plane beside it in a half-page column (1280x800).
    fig.update_yaxes(axis("Im μ", range=mu_y, scaleanchor="x2", scaleratio=1, side="right",
                          nticks=4), row=1, col=2)
    # The legend in a column under the axis titles, in a margin made for it: placed in the
    # plot's own units (y=-0.22) it lay on "Re λ" as soon as its entries wrapped.
    entries = 2 + len(mus)
    fig.update_layout(**layout(height=height + LEGEND_ROW_PX * entries,
                               margin=dict(l=10, r=10, t=64,
                                           b=AXIS_BELOW_PX + LEGEND_ROW_PX * entries)))
    fig.update_layout(legend=dict(orientation="v", yref="container", y=0, yanchor="bottom",
                                  x=0, xanchor="left"))
    return fig


__all__ = ["ALT_COLOR", "FieldPanel", "SIM_COLOR", "arrow_segments", "eigen_figure",
           "field_animation", "field_figure"]
