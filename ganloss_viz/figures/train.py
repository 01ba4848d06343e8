"""Replay figures of a training run: plain data in (a Frame and Snapshots), go.Figure out.

`replay_figure(frame, snapshots)` is a Plotly animation with one frame per snapshot,
play / pause buttons and a step slider, played entirely in the browser; it opens at the
last snapshot (play runs from the first), the slider labelled with round step numbers:

- 2-D: the discriminator's raw output as a heatmap (colours rescaled per frame: only
  the shape of D is compared across frames, its level is in the hover), the target's
  samples (grey), the generator's samples (fixed noise), the generator's image of
  the noise lattice (thin lines: its "manifold"), and arrows from a subset of the
  samples along -∇_x of the generator loss (the direction G moves them), on one length
  scale for the whole run, so vanishing gradients show as shrinking arrows.
- 1-D: a histogram of the generator's samples (as a density, fixed bins), the target's
  density (when it has one) and the discriminator's raw output on a second y-axis.

`write_replay_html(path, frame, snapshots)` saves a standalone HTML file (plotly.js
inlined, works offline), `write_replays_html` several runs' replays in one file. The
live view's figures (`still_figure`, `live_curve_figure`, `live_grad_figure`) and a
finished run's curves (`history_figure`) are here too. Nothing here imports torch or
streamlit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape

import numpy as np
import plotly.graph_objects as go

from .style import FIXED_TEXT, PLAIN_NUMBERS, ZERO_COLOR, per_step, shared_zero

ARROWS = 120          # arrows drawn per frame (a fixed subset of the samples)
ARROW_FRACTION = 0.12  # the 95th-percentile gradient of the run is drawn this long (× extent)
BINS_1D = 80
FRAME_MS = 120       # play: milliseconds per frame, plus PANEL_MS_* per panel drawn
PANEL_MS_2D, PANEL_MS_1D = 100, 40
CURVE_POINTS = 1500    # per-step curves are averaged down to about this many points
# The play / pause pair sits left of the step slider, level with its rail; the slider's
# rail, ticks and current-step label start SLIDER_PAD_PX right of the plot's left edge,
# past the buttons (BUTTONS_PX wide in Chromium at 12 px: measured at 1280 and 1920 wide).
BUTTONS_PX, SLIDER_PAD_PX = 145, 160
CURRENT_SIZE = 13      # the slider's current-step label ("step 1,020"), px
TICK_LABELS = 6        # at most this many round step numbers under the slider
# Plotly.js's slider geometry (src/components/sliders/constants.js), px below the
# slider's top: the current value (its font's line plus its offset, 10), then the rail
# (20 high), then ticks from 25 to 25 + 7 under the rail's top.
_CURRENT_PX = round(1.3 * CURRENT_SIZE) + 10
_STEP_INSET, _TICKS_PX = 10, 25 + 7
CONTROLS_HEIGHT_PX = _CURRENT_PX + _TICKS_PX + 20   # room the controls need under `below`
TICK_NAME = FIXED_TEXT   # the slider's tick-label annotations (sized with the slider)
REPLAY_BELOW_PX = 45   # the replay's controls start this far under its plot (x-axis title)


def averaged(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(steps, values) of a per-step curve averaged in blocks down to about CURVE_POINTS
    points (a 10,000-step curve would cost the browser more than it shows)."""
    n = len(y)
    block = max(1, math.ceil(n / CURVE_POINTS))
    m = n // block
    if m == 0:
        return np.arange(1, n + 1), y
    xs = np.arange(m) * block + (block + 1) / 2
    return xs, y[: m * block].reshape(m, block).mean(axis=1)


def _title(snap, label: str) -> str:
    parts = [f"{label}step {snap.step}" if label else f"step {snap.step}",
             f"{snap.seconds:.1f} s"]
    if snap.d_loss is not None:
        parts.append(f"D loss {snap.d_loss:.4g}, G loss {snap.g_loss:.4g}")
    m = snap.metrics
    if m:
        if "modes" in m:
            parts.append(f"modes {m['modes_covered']}/{m['modes']}, HQ {m['hq_fraction']:.2f}")
        parts.append(f"W1 {m['w1']:.3g}")
    return " · ".join(parts)


def _segments(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x, y of line segments starts[i] -> ends[i], separated by NaN (Plotly's gaps)."""
    n = len(starts)
    pts = np.full((3 * n, 2), np.nan)
    pts[0::3], pts[1::3] = starts, ends
    return pts[:, 0], pts[:, 1]


def _lattice_lines(manifold: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows and columns of a (L, L, 2) lattice image (or a (L, 2) curve), NaN-separated."""
    if manifold.ndim == 2:
        return manifold[:, 0], manifold[:, 1]
    lines = [manifold[i] for i in range(manifold.shape[0])]
    lines += [manifold[:, j] for j in range(manifold.shape[1])]
    gap = np.full((1, 2), np.nan)
    pts = np.concatenate([np.concatenate([ln, gap]) for ln in lines])
    return pts[:, 0], pts[:, 1]


def _arrow_scale(snapshots: Sequence, extent: float) -> float:
    norms = np.concatenate([np.linalg.norm(s.grad, axis=1) for s in snapshots])
    norms = norms[np.isfinite(norms)]
    ref = float(np.percentile(norms, 95)) if len(norms) else 0.0
    return ARROW_FRACTION * extent / ref if ref > 0 else 0.0


def _frames_2d(frame, snapshots, label):
    scale = _arrow_scale(snapshots, frame.extent)
    idx = np.linspace(0, len(snapshots[0].samples) - 1,
                      min(ARROWS, len(snapshots[0].samples))).astype(int)

    def traces(snap):
        z = snap.d_values
        lo, hi = float(np.nanmin(z)), float(np.nanmax(z))
        if not hi > lo:
            lo, hi = lo - 1.0, hi + 1.0
        start = snap.samples[idx]
        ax, ay = _segments(start, start - scale * snap.grad[idx])
        mx, my = _lattice_lines(snap.manifold)
        return [
            go.Heatmap(x=frame.axis, y=frame.axis, z=z, zmin=lo, zmax=hi, colorscale="RdBu",
                       reversescale=True, showscale=False, name="D(x)",
                       hovertemplate="x %{x:.3f}<br>y %{y:.3f}<br>D %{z:.6g}<extra></extra>"),
            go.Scatter(x=mx, y=my, mode="lines", name="G(noise lattice)",
                       line=dict(color="rgba(40,40,40,0.18)", width=1), hoverinfo="skip"),
            go.Scatter(x=snap.samples[:, 0], y=snap.samples[:, 1], mode="markers",
                       name="generated", marker=dict(color="#d62728", size=4)),
            go.Scatter(x=ax, y=ay, mode="lines", name="−∇ G loss",
                       line=dict(color="#111111", width=1), hoverinfo="skip"),
        ]

    static = go.Scatter(x=frame.real[:, 0], y=frame.real[:, 1], mode="markers", name="target",
                        marker=dict(color="rgba(90,90,90,0.55)", size=4))
    ext = frame.extent
    layout = dict(xaxis=dict(range=[-ext, ext], constrain="domain", title="x"),
                  yaxis=dict(range=[-ext, ext], scaleanchor="x", scaleratio=1, title="y"))
    last = traces(snapshots[-1])
    return [last[0], static] + last[1:], [0, 2, 3, 4], traces, layout


def _frames_1d(frame, snapshots, label):
    ext = frame.extent
    edges = np.linspace(-ext, ext, BINS_1D + 1)
    width = edges[1] - edges[0]
    centres = (edges[:-1] + edges[1:]) / 2

    def traces(snap):
        x = snap.samples[:, 0]
        counts, _ = np.histogram(x[np.isfinite(x)], bins=edges)
        dens = counts / (len(x) * width)
        return [
            go.Bar(x=centres, y=dens, width=width, name="generated (histogram)",
                   marker=dict(color="rgba(214,39,40,0.55)")),
            go.Scatter(x=frame.axis, y=snap.d_values, mode="lines", name="D(x) (raw output)",
                       yaxis="y2", line=dict(color="#1f77b4")),
        ]

    static = []
    if frame.target_density is not None:
        static.append(go.Scatter(x=frame.axis, y=frame.target_density, mode="lines",
                                 name="target density", line=dict(color="#333333", width=2)))
    else:
        static.append(go.Scatter(x=frame.real[:, 0], y=np.zeros(len(frame.real)),
                                 mode="markers", name="target samples",
                                 marker=dict(color="#333333", symbol="line-ns-open", size=10)))
    if frame.target_density is not None:          # room for a histogram a bit too peaked
        top = 1.6 * float(np.max(frame.target_density))
    else:
        top = max(float(np.max(np.histogram(s.samples[:, 0][np.isfinite(s.samples[:, 0])],
                                            bins=edges)[0])) / (len(s.samples) * width)
                  for s in snapshots)
    dmin = min(float(np.nanmin(s.d_values)) for s in snapshots)
    dmax = max(float(np.nanmax(s.d_values)) for s in snapshots)
    pad = 0.05 * (dmax - dmin) if dmax > dmin else 1.0
    dens, d = shared_zero((0.0, 1.1 * top if top > 0 else 1.0), (dmin - pad, dmax + pad))
    layout = dict(xaxis=dict(range=[-ext, ext], title="x"),
                  yaxis=dict(range=dens, title="density"),
                  yaxis2=dict(overlaying="y", side="right", title="D(x)", range=d,
                              showgrid=False, zeroline=True, zerolinecolor=ZERO_COLOR),
                  barmode="overlay")
    return static + traces(snapshots[-1]), [1, 2], traces, layout


def replay_figure(frame, snapshots: Sequence, title: str = "") -> go.Figure:
    """The animated replay of a run (see the module docstring).

    frame: ganloss_viz.train.Frame; snapshots: its Snapshots (at least one); title:
    prefix of every frame's title (e.g. "ns on ring8 · ").
    """
    if not snapshots:
        raise ValueError("a replay needs at least one snapshot")
    build = _frames_2d if frame.dim == 2 else _frames_1d
    data, moving, traces, layout = build(frame, snapshots, title)
    frames = [go.Frame(data=traces(s), traces=moving, name=str(s.step),
                       layout=dict(title=dict(text=_title(s, title))))
              for s in snapshots]
    fig = go.Figure(data=data, frames=frames)
    fig.update_layout(
        title=dict(text=_title(snapshots[-1], title)), template="plotly_white",
        height=700, margin=dict(t=110, b=REPLAY_BELOW_PX + CONTROLS_HEIGHT_PX + 10),
        legend=dict(orientation="h", x=0.0, y=1.02, xanchor="left", yanchor="bottom"),
        **layout)
    fig.update_xaxes(**PLAIN_NUMBERS)       # D's raw outputs reach 1e9: 1×10⁹, never "1B"
    fig.update_yaxes(**PLAIN_NUMBERS)
    plot_px = 700 - 110 - fig.layout.margin.b
    fig.update_layout(annotations=add_playback(fig, [s.step for s in snapshots],
                                               REPLAY_BELOW_PX / plot_px,
                                               play_ms(1, frame.dim)))
    return fig


def play_ms(panels: int, dim: int) -> int:
    """Milliseconds per frame while playing a figure of `panels` panels.

    Every frame redraws the whole figure, and Plotly drops a heatmap whose redraw has
    not finished when the next frame comes (it blanks while playing; the slider is
    unaffected), so the frame time grows with the panels to draw: measured in headless
    Chromium on a loaded 2-core machine, a 6-panel 2-D grid redraws in 0.6-1.3 s and
    a single Train-page heatmap in 0.2-0.7 s; a desktop browser is several times faster.
    """
    return FRAME_MS + (PANEL_MS_2D if dim == 2 else PANEL_MS_1D) * panels


def tick_steps(steps: Sequence[int], most: int = TICK_LABELS) -> list[int]:
    """Round, evenly spaced step numbers spanning `steps` (sorted) to label the slider with.

    The spacing is the smallest 1, 2 or 5 × 10^n that gives at most `most` labels, and
    at least the snapshots' own spacing; the labels are its multiples from steps[0] to
    steps[-1]. Example: snapshots every 17 steps to 1000 -> 0, 200, 400, ..., 1000.
    """
    lo, hi = int(steps[0]), int(steps[-1])
    if hi <= lo:
        return [lo]
    gap = int(np.min(np.diff(steps))) if len(steps) > 1 else 1
    nice = (k * 10**e for e in range(19) for k in (1, 2, 5))
    d = next(d for d in nice if (hi - lo) / d <= most - 1 and d >= gap)
    return list(range(-(-lo // d) * d, hi + 1, d))


def slider_fraction(steps: Sequence[int], step: float) -> float:
    """Where `step` falls along a slider with one tick per entry of `steps` (evenly
    spaced ticks, so between two snapshots in proportion): 0 at the first, 1 at the last."""
    if len(steps) < 2:
        return 0.0
    return float(np.interp(step, steps, np.arange(len(steps)))) / (len(steps) - 1)


def add_playback(fig: go.Figure, steps: Sequence[int], below: float, frame_ms: int,
                 active: int = -1) -> list[dict]:
    """Play / pause and a step slider `below` (paper units) under the plots.

    The slider starts at `active` (an index into `steps`; default the last frame: the
    figure's data must be that frame's); play runs from the first frame at `frame_ms`
    per frame. Frames are
    named by step; the slider's steps carry the exact step numbers (the current value
    reads "step 1,020"), while its own tick labels are hidden, since Plotly labels every
    n-th tick by position (0, 51, 102, ...): round steps (`tick_steps`) are labelled by
    annotations at their place along the rail instead. The buttons stand left of the
    rail, level with it, in the slider's left padding, so neither covers the other.
    Returns the tick annotations: the caller adds them to the layout (and to any
    frame that replaces the layout's annotations)."""
    play = dict(frame=dict(duration=frame_ms, redraw=True), fromcurrent=False,
                mode="immediate", transition=dict(duration=0))
    pause = dict(frame=dict(duration=0, redraw=False), mode="immediate",
                 transition=dict(duration=0))
    fig.update_layout(
        updatemenus=[dict(type="buttons", direction="left", x=0.0, y=-below, xanchor="left",
                          yanchor="top", showactive=False, font=dict(size=12),
                          pad=dict(t=_CURRENT_PX - 3, l=0, r=0, b=0),
                          buttons=[dict(label="▶ play", method="animate", args=[None, play]),
                                   dict(label="❚❚ pause", method="animate",
                                        args=[[None], pause])])],
        sliders=[dict(active=range(len(steps))[active], x=0.0, len=1.0, xanchor="left", y=-below,
                      yanchor="top", pad=dict(t=0, l=SLIDER_PAD_PX, r=0, b=0),
                      currentvalue=dict(prefix="step ", xanchor="left",
                                        font=dict(size=CURRENT_SIZE, color="#333333")),
                      font=dict(size=1, color="rgba(0,0,0,0)"), minorticklen=7,
                      steps=[dict(method="animate", label=f"{s:,}", value=str(s),
                                  args=[[str(s)], dict(mode="immediate",
                                                       frame=dict(duration=0, redraw=True),
                                                       transition=dict(duration=0))])
                             for s in steps])])
    # a tick at fraction f of the rail lies at pad + inset + f * (width - pad - 2 inset)
    # px from the plot's left edge: paper x = f, shifted by pad + inset - f (pad + 2 inset)
    return [dict(text=f"{t:,}", name=TICK_NAME, showarrow=False, xref="paper", yref="paper",
                 x=(f := slider_fraction(steps, t)), y=-below, xanchor="center", yanchor="top",
                 xshift=SLIDER_PAD_PX + _STEP_INSET - f * (SLIDER_PAD_PX + 2 * _STEP_INSET),
                 yshift=-(_CURRENT_PX + _TICKS_PX + 2), font=dict(size=11, color="#444444"))
            for t in tick_steps(steps)]


def write_replay_html(path, frame, snapshots: Sequence, title: str = "") -> None:
    """Write the replay as a standalone HTML file (plotly.js inlined)."""
    replay_figure(frame, snapshots, title).write_html(str(path), include_plotlyjs=True,
                                                      auto_play=False)


def write_replays_html(path, runs: Sequence[tuple[str, object, Sequence]], title: str) -> None:
    """Several replays in one standalone HTML file (plotly.js inlined once).

    runs: (name, frame, snapshots) per run, each drawn with the title prefix "name · ".
    """
    parts = [replay_figure(frame, snapshots, title=f"{name} · ").to_html(
                 full_html=False, include_plotlyjs=(i == 0), auto_play=False)
             for i, (name, frame, snapshots) in enumerate(runs)]
    with open(path, "w", encoding="utf-8") as out:
        out.write(f"<html><head><meta charset='utf-8'><title>{escape(title)}</title></head>"
                  f"<body>{''.join(parts)}</body></html>")


# --- the live view and a finished run's curves ---------------------------------------------


def still_figure(frame, snap, title: str, height: int = 520) -> go.Figure:
    """One snapshot of the replay (no animation controls), for the live view."""
    fig = replay_figure(frame, [snap], title)
    fig.frames = ()
    fig.layout.updatemenus = ()
    fig.layout.sliders = ()
    fig.layout.annotations = [a for a in fig.layout.annotations if a.name != TICK_NAME]
    fig.update_layout(height=height, uirevision="live",
                      margin=dict(t=70, b=30, l=10, r=10), title_font_size=13)
    return fig


def live_curve_figure(curve: Sequence[tuple[int, float, float, float]]) -> go.Figure:
    """The losses so far, means between snapshots: (step, D loss, G loss, ‖∇θ L_G‖) rows."""
    steps = [c[0] for c in curve]
    fig = go.Figure([go.Scatter(x=steps, y=[c[1] for c in curve], name="D loss", mode="lines"),
                     go.Scatter(x=steps, y=[c[2] for c in curve], name="G loss", mode="lines")])
    fig.update_layout(template="plotly_white", height=260, xaxis_title="step",
                      yaxis_title="mean loss between snapshots",
                      margin=dict(t=30, b=40, l=10, r=10),
                      legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0))
    return per_step(fig)


def live_grad_figure(curve: Sequence[tuple[int, float, float, float]]) -> go.Figure:
    """‖∇θ L_G‖ so far on a log axis: a vanishing generator gradient (the saturating
    minimax loss) shows as a curve falling by decades while the run goes on."""
    fig = go.Figure(go.Scatter(x=[c[0] for c in curve], y=[c[3] for c in curve],
                               name="‖∇θ L_G‖", mode="lines", line_color="#7b3294"))
    fig.update_layout(template="plotly_white", height=220, xaxis_title="step",
                      yaxis_title="‖∇θ L_G‖", margin=dict(t=30, b=40, l=10, r=10),
                      title=dict(text="Generator gradient norm", x=0, font_size=13))
    fig.update_yaxes(type="log", dtick=1, exponentformat="power")
    return per_step(fig)


def history_figure(history: Mapping[str, Sequence[float]], names: tuple[str, ...],
                   labels: tuple[str, ...], title: str, log: bool = False) -> go.Figure:
    """Per-step curves of a finished run (`TrainResult.history`), averaged for drawing."""
    fig = go.Figure()
    for name, label in zip(names, labels, strict=True):
        xs, ys = averaged(history[name])
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=label))
    fig.update_layout(template="plotly_white", height=320, title=dict(text=title, x=0),
                      xaxis_title="step", margin=dict(t=50, b=40, l=10, r=10),
                      legend=dict(orientation="h", y=1.0, yanchor="bottom", x=1,
                                  xanchor="right"))
    if log:
        fig.update_yaxes(type="log", dtick=1, exponentformat="power")   # one tick a decade
    return per_step(fig)

