"""Figures of a comparison of GAN losses: plain data (Frames, Snapshots, arrays) in, go.Figure out.

`grid_figure(panels)` draws K runs side by side as ONE Plotly figure with K subplots
and one animation: every frame updates every subplot, so one slider and one play
button drive all the replays at the same training step. A subplot looks like the
Train page's replay without its arrows and noise lattice (the grid has to stay light
enough for a browser): 2-D, the generator's samples (red) over the discriminator's raw
output (RdBu heatmap, colours rescaled per frame) and the target's samples (grey);
1-D, a histogram of the samples against the target density (black) and D's output
(blue, right axis). Each subplot's title is its loss and, per frame, its metrics.

`losses_figure` gives each run's D and G losses (small multiples: the losses' scales
differ by orders of magnitude), `grad_figure` every run's generator gradient norm on
one log axis (where the saturating loss's gradient dies). Nothing here imports torch
or streamlit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .style import PLAIN_NUMBERS, ZERO_AT_MOST, per_step, shared_zero
from .train import BINS_1D, CONTROLS_HEIGHT_PX, add_playback, averaged, play_ms

# One colour per loss, in the grid's order (curves, table); none is the generator's red.
LOSS_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#0f8b8d",
               "#b8860b")
SAMPLE_COLOR = "#d62728"               # G's samples, as on the Train page
TARGET_COLOR = "rgba(90,90,90,0.55)"
MAX_FRAMES = 40       # animation frames of the grid (evenly spaced snapshots, last kept)
GRID_POINTS = 300     # generator samples drawn per subplot and frame
HEAT_CELLS = 48       # D's grid is thinned to at most this many cells a side
WIDE_PX = 1150        # the width the grid is laid out for (a wide page beside the sidebar)
TITLE_SIZE = 15
# The D and G loss curves, in the Train page's colours; named in the figure's title.
CURVES = (("d_loss", "D loss", "#636efa"), ("g_loss", "G loss", "#ef553b"))
CONTROLS_PX = 45      # the play button and the slider sit this far under the plots
BELOW_PX = CONTROLS_PX + CONTROLS_HEIGHT_PX + 10   # the animated grid's bottom margin


class Panel(NamedTuple):
    """One run in the grid: its title (the loss), its Frame and its Snapshots."""

    title: str
    frame: object
    snapshots: Sequence


def grid_shape(k: int) -> tuple[int, int]:
    """(rows, cols) of k subplots: one row up to 4, else two rows (up to 8)."""
    if not 1 <= k <= 8:
        raise ValueError(f"a comparison grid has 1 to 8 panels, got {k}")
    return (1, k) if k <= 4 else (2, math.ceil(k / 2))


def frame_steps(panels: Sequence[Panel], max_frames: int = MAX_FRAMES) -> list[int]:
    """The steps the animation shows: every panel's snapshot steps, thinned evenly to
    `max_frames` (first and last kept)."""
    steps = sorted({s.step for p in panels for s in p.snapshots})
    if len(steps) <= max_frames:
        return steps
    idx = np.unique(np.linspace(0, len(steps) - 1, max_frames).round().astype(int))
    return [steps[i] for i in idx]


def at_step(snapshots: Sequence, step: int):
    """The run's last snapshot at or before `step` (a diverged or stopped run's last
    snapshot stays on screen), or its first."""
    best = snapshots[0]
    for s in snapshots:
        if s.step <= step:
            best = s
    return best


def panel_caption(snap, stopped_at: int | None = None) -> str:
    """The metrics line under a subplot's title: modes, HQ fraction, W1."""
    parts = []
    m = snap.metrics or {}
    if "modes" in m:
        parts.append(f"{m['modes_covered']}/{m['modes']} modes, HQ {m['hq_fraction']:.2f}")
    if "w1" in m:
        parts.append(f"W1 {m['w1']:.3g}")
    if stopped_at is not None:
        parts.append(f"ended at step {stopped_at}")
    return " · ".join(parts)


def _titles(fig_titles: list[dict], panels: Sequence[Panel], step: int) -> list[dict]:
    out = []
    for ann, p in zip(fig_titles, panels, strict=True):
        snap = at_step(p.snapshots, step)
        last = p.snapshots[-1].step
        caption = panel_caption(snap, last if last < step else None)
        small = f"<br><span style='font-size:12px;color:#444'>{caption}</span>"
        text = f"<b>{p.title}</b>" + (small if caption else "")
        out.append(dict(ann, text=text))
    return out


def panel_px(cols: int) -> int:
    """Height of one row of subplots: about square cells on a wide page."""
    return int(min(480, max(300, WIDE_PX / cols)))


def _heat_range(z: np.ndarray) -> tuple[float, float]:
    lo, hi = float(np.nanmin(z)), float(np.nanmax(z))
    return (lo - 1.0, hi + 1.0) if not hi > lo else (lo, hi)


def _sample_index(panels: Sequence[Panel], points: int) -> np.ndarray:
    n = len(panels[0].snapshots[0].samples)
    return np.linspace(0, n - 1, min(points, n)).astype(int)


def _moving_2d(p: Panel, snap, idx) -> list:
    stride = math.ceil(len(p.frame.axis) / HEAT_CELLS)
    axis, z = p.frame.axis[::stride], snap.d_values[::stride, ::stride]
    lo, hi = _heat_range(z)
    s = snap.samples[idx]
    return [
        go.Heatmap(x=axis, y=axis, z=z, zmin=lo, zmax=hi,
                   colorscale="RdBu", reversescale=True, showscale=False, name="D(x)",
                   hovertemplate="x %{x:.3f}<br>y %{y:.3f}<br>D %{z:.6g}<extra></extra>"),
        go.Scatter(x=s[:, 0], y=s[:, 1], mode="markers", name="generated",
                   marker=dict(color=SAMPLE_COLOR, size=3), legendgroup="generated"),
    ]


def _moving_1d(p: Panel, snap, edges) -> list:
    x = snap.samples[:, 0]
    width = edges[1] - edges[0]
    counts, _ = np.histogram(x[np.isfinite(x)], bins=edges)
    return [
        go.Bar(x=(edges[:-1] + edges[1:]) / 2, y=counts / (len(x) * width), width=width,
               name="generated (histogram)", marker=dict(color="rgba(214,39,40,0.55)"),
               legendgroup="generated"),
        go.Scatter(x=p.frame.axis, y=snap.d_values, mode="lines", name="D(x) (raw output)",
                   line=dict(color="#1f77b4"), legendgroup="d"),
    ]


def grid_figure(panels: Sequence[Panel], title: str = "", max_frames: int = MAX_FRAMES,
                points: int = GRID_POINTS, animated: bool = True) -> go.Figure:
    """K replays in one figure, driven by one slider and one play button.

    panels: 1..8 runs on the same target (same Frame window); title: a prefix of the
    figure's title (the step is appended per frame); max_frames: animation frames at
    most; points: generator samples drawn per subplot; animated=False: only the
    panels' last snapshots, no controls (the live view).
    """
    if not panels or any(len(p.snapshots) == 0 for p in panels):
        raise ValueError("every panel of a comparison grid needs at least one snapshot")
    dims = {p.frame.dim for p in panels}
    if len(dims) != 1:
        raise ValueError(f"the panels mix {sorted(dims)}-D runs; compare one target at a time")
    dim = dims.pop()
    rows, cols = grid_shape(len(panels))
    cells = [(i // cols + 1, i % cols + 1) for i in range(len(panels))]
    specs = [[{"secondary_y": dim == 1} for _ in range(cols)] for _ in range(rows)]
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[p.title for p in panels],
                        specs=specs, horizontal_spacing=0.06 if dim == 1 else 0.03,
                        vertical_spacing=0.12)
    steps = frame_steps(panels, max_frames) if animated else \
        [max(p.snapshots[-1].step for p in panels)]
    ext = max(p.frame.extent for p in panels)
    idx = _sample_index(panels, points)
    edges = np.linspace(-ext, ext, BINS_1D + 1)

    def moving(step: int) -> list:
        traces = []
        for i, p in enumerate(panels):
            snap = at_step(p.snapshots, step)
            pair = _moving_2d(p, snap, idx) if dim == 2 else _moving_1d(p, snap, edges)
            for t in pair:
                t.showlegend = i == 0 and t.type != "heatmap"   # one legend entry each
            traces += pair
        return traces

    first = moving(steps[-1])           # the figure opens at its last frame
    moving_index = []
    for i, (p, (r, c)) in enumerate(zip(panels, cells, strict=True)):
        a, b = first[2 * i], first[2 * i + 1]
        if dim == 2:
            fig.add_trace(a, row=r, col=c)
            moving_index.append(len(fig.data) - 1)
            fig.add_trace(go.Scatter(x=p.frame.real[:, 0], y=p.frame.real[:, 1],
                                     mode="markers", name="target", legendgroup="target",
                                     showlegend=i == 0,
                                     marker=dict(color=TARGET_COLOR, size=3)), row=r, col=c)
            fig.add_trace(b, row=r, col=c)
            moving_index.append(len(fig.data) - 1)
        else:
            if p.frame.target_density is not None:
                fig.add_trace(go.Scatter(x=p.frame.axis, y=p.frame.target_density,
                                         mode="lines", name="target density",
                                         legendgroup="target", showlegend=i == 0,
                                         line=dict(color="#333333", width=2)), row=r, col=c)
            fig.add_trace(a, row=r, col=c)
            moving_index.append(len(fig.data) - 1)
            fig.add_trace(b, row=r, col=c, secondary_y=True)
            moving_index.append(len(fig.data) - 1)
    titles = [a.to_plotly_json() for a in fig.layout.annotations]
    for i, ann in enumerate(titles):
        ann["font"] = dict(size=TITLE_SIZE, color=LOSS_COLORS[i])

    def step_title(step: int) -> str:
        return f"{title}step {step:,}"

    _axes(fig, panels, cells, dim, ext, edges)
    fig.update_xaxes(**PLAIN_NUMBERS)       # D's raw outputs reach 1e9: 1×10⁹, never "1B"
    fig.update_yaxes(**PLAIN_NUMBERS)
    fig.update_layout(
        title=dict(text=step_title(steps[-1]), x=0, font=dict(size=18)),
        annotations=_titles(titles, panels, steps[-1]), template="plotly_white",
        height=panel_px(cols) * rows + 120 + (BELOW_PX if animated else 40),
        margin=dict(t=120, b=BELOW_PX if animated else 40, l=10, r=10),
        legend=dict(orientation="h", x=0.5, y=0.985, xanchor="center", yanchor="top",
                    yref="container", font=dict(size=13)),
        barmode="overlay", bargap=0)
    if not animated:
        return fig
    ticks = add_playback(fig, steps, CONTROLS_PX / (panel_px(cols) * rows),
                         play_ms(len(panels), dim))
    fig.layout.annotations = [*fig.layout.annotations, *ticks]
    fig.frames = [go.Frame(data=moving(s), traces=moving_index, name=str(s),
                           layout=dict(title=dict(text=step_title(s)),
                                       annotations=_titles(titles, panels, s) + ticks))
                  for s in steps]
    return fig


def _axes(fig: go.Figure, panels, cells, dim: int, ext: float, edges) -> None:
    """The same window on every subplot (2-D: square cells; 1-D: one density scale)."""
    if dim == 2:
        taken = set(cells)
        for i, (r, c) in enumerate(cells):
            fig.update_xaxes(range=[-ext, ext], constrain="domain",
                             showticklabels=(r + 1, c) not in taken, row=r, col=c)
            fig.update_yaxes(range=[-ext, ext], scaleanchor=f"x{i + 1 if i else ''}",
                             scaleratio=1, constrain="domain", showticklabels=c == 1,
                             row=r, col=c)
        return
    width = edges[1] - edges[0]
    tops = [float(np.max(p.frame.target_density)) for p in panels
            if p.frame.target_density is not None]
    if not tops:
        tops = [float(np.max(np.histogram(s.samples[:, 0][np.isfinite(s.samples[:, 0])],
                                          bins=edges)[0])) / (len(s.samples) * width)
                for p in panels for s in p.snapshots]
    top = 1.6 * max(tops) if max(tops) > 0 else 1.0
    spans = []
    for p in panels:
        lo = min(float(np.nanmin(s.d_values)) for s in p.snapshots)
        hi = max(float(np.nanmax(s.d_values)) for s in p.snapshots)
        pad = 0.05 * (hi - lo) if hi > lo else 1.0
        spans.append((lo - pad, hi + pad))
    # Twin axes share their zero (issue 17): a density's 0 and D's 0 at one height in every
    # panel, the highest that any panel's D needs, so that the panels keep one density
    # scale (the density's tick labels are drawn in the first column only).
    height = min(max(-min(lo, 0.0) / (max(hi, 0.0) - min(lo, 0.0)) for lo, hi in spans),
                 ZERO_AT_MOST)
    density = (-height * top / (1.0 - height), top)      # 0 at that height
    for span, (r, c) in zip(spans, cells, strict=True):
        dens, d = shared_zero(density, span)
        fig.update_xaxes(range=[-ext, ext], row=r, col=c)
        fig.update_yaxes(range=dens, showticklabels=c == 1, row=r, col=c,
                         secondary_y=False)
        fig.update_yaxes(range=d, showgrid=False, row=r, col=c,
                         secondary_y=True, tickfont=dict(color="#1f77b4"))


def losses_figure(titles: Sequence[str], histories: Sequence[dict]) -> go.Figure:
    """Each run's D and G loss per step (averaged down), one subplot per run, own y axis."""
    rows, cols = grid_shape(len(titles))
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=list(titles),
                        horizontal_spacing=0.05, vertical_spacing=0.18)
    for i, h in enumerate(histories):
        r, c = i // cols + 1, i % cols + 1
        for key, name, color in CURVES:
            xs, ys = averaged(np.asarray(h[key]))
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=name, showlegend=False,
                                     line=dict(color=color, width=1.5)),
                          row=r, col=c)
    for i, ann in enumerate(fig.layout.annotations):
        ann.font = dict(size=TITLE_SIZE, color=LOSS_COLORS[i])
    fig.update_xaxes(title_text="step", row=rows)
    fig.update_layout(template="plotly_white", height=260 * rows + 80,
                      title=dict(text="Losses per step · " + " · ".join(
                          f"<span style='color:{color}'>{name}</span>"
                          for _, name, color in CURVES), x=0),
                      margin=dict(t=90, b=40, l=10, r=10))
    return per_step(fig)


def grad_figure(names: Sequence[str], histories: Sequence[dict]) -> go.Figure:
    """Every run's generator gradient norm ‖∇θ L_G‖ per step on one log axis."""
    fig = go.Figure()
    for i, (name, h) in enumerate(zip(names, histories, strict=True)):
        xs, ys = averaged(np.asarray(h["g_grad_norm"]))
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=name,
                                 line=dict(color=LOSS_COLORS[i % len(LOSS_COLORS)], width=2)))
    fig.update_layout(template="plotly_white", height=420,
                      title=dict(text="Generator gradient norm ‖∇θ L_G‖", x=0),
                      xaxis_title="step", margin=dict(t=100, b=40, l=10, r=10),
                      legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0,
                                  xanchor="left"))
    fig.update_yaxes(type="log", dtick=1, exponentformat="power")
    return per_step(fig)


__all__ = ["GRID_POINTS", "LOSS_COLORS", "MAX_FRAMES", "Panel", "at_step", "frame_steps",
           "grad_figure", "grid_figure", "grid_shape", "losses_figure", "panel_caption"]
