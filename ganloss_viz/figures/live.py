"""The Train page's live figures, kept between redraws and refreshed in place.

A live view redraws a few times a second while the run trains in the same process, so
its figures are built once per run (`view_figure`, `curves_figure`) and then only
their moving arrays are replaced (`refresh_view`, `refresh_curves`): building a Plotly
figure costs 10-35 ms of the server's CPU, replacing arrays about 0.3 ms
(benchmarks/app_speed.py). `stages_figure` draws one iteration stage by stage (the
slow-motion step). Pure functions of the run's records (ganloss_viz.train).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .style import PLAIN_NUMBERS, per_step, shared_zero
from .train import ARROW_FRACTION, BINS_1D, _lattice_lines, _segments, still_figure

ARROWS_LIVE = 120
CAPTION_CHARS = 64           # a stage's caption wraps at this many characters a line


def view_figure(frame, snap, title: str, height: int = 470) -> go.Figure:
    """The run's state at `snap` (target, G's samples, D's landscape), to be refreshed."""
    fig = still_figure(frame, snap, title, height=height)
    fig.update_layout(margin=dict(t=66, b=28, l=10, r=10), title_y=0.985, title_yref="container")
    refresh_view(fig, frame, snap, title)
    return fig


def view_title(snap, title: str) -> str:
    """'ns on ring8 · step 2,400 · modes 4/8 · HQ 0.31 · W1 0.52': short enough for the
    view's width (the losses are on the curves beside it)."""
    parts = [f"{title}step {snap.step:,}"]
    m = snap.metrics or {}
    if "modes" in m:
        parts.append(f"modes {m['modes_covered']}/{m['modes']} · HQ {m['hq_fraction']:.2f}")
    if "w1" in m:
        parts.append(f"W1 {m['w1']:.3g}")
    return " · ".join(parts)


def _trace(fig: go.Figure, name: str):
    return next((t for t in fig.data if t.name == name), None)


def _landscape_range(z: np.ndarray) -> tuple[float, float]:
    lo, hi = float(np.nanmin(z)), float(np.nanmax(z))
    return (lo - 1.0, hi + 1.0) if not hi > lo else (lo, hi)


def arrows(frame, samples: np.ndarray, grad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Segments from samples along −grad, the 95th-percentile arrow ARROW_FRACTION of
    the window long (at most ARROWS_LIVE arrows, evenly picked)."""
    idx = np.linspace(0, len(samples) - 1, min(ARROWS_LIVE, len(samples))).astype(int)
    norms = np.linalg.norm(grad[idx], axis=1)
    norms = norms[np.isfinite(norms)]
    ref = float(np.percentile(norms, 95)) if len(norms) else 0.0
    scale = ARROW_FRACTION * frame.extent / ref if ref > 0 else 0.0
    start = samples[idx]
    return _segments(start, start - scale * grad[idx])


def refresh_view(fig: go.Figure, frame, snap, title: str) -> go.Figure:
    """Put `snap` into a figure made by `view_figure` (in place; returns it)."""
    with fig.batch_update():
        fig.layout.title.text = view_title(snap, title)
        if frame.dim == 2:
            lo, hi = _landscape_range(snap.d_values)
            _trace(fig, "D(x)").update(z=snap.d_values, zmin=lo, zmax=hi)
            mx, my = _lattice_lines(snap.manifold)
            _trace(fig, "G(noise lattice)").update(x=mx, y=my)
            _trace(fig, "generated").update(x=snap.samples[:, 0], y=snap.samples[:, 1])
            ax, ay = arrows(frame, snap.samples, snap.grad)
            _trace(fig, "−∇ G loss").update(x=ax, y=ay)
        else:
            ext = frame.extent
            edges = np.linspace(-ext, ext, BINS_1D + 1)
            x = snap.samples[:, 0]
            counts, _ = np.histogram(x[np.isfinite(x)], bins=edges)
            _trace(fig, "generated (histogram)").update(
                y=counts / (len(x) * (edges[1] - edges[0])))
            _trace(fig, "D(x) (raw output)").update(y=snap.d_values)
            lo, hi = _landscape_range(snap.d_values)
            pad = 0.05 * (hi - lo)
            dens, d = shared_zero((0.0, fig.layout.yaxis.range[1]), (lo - pad, hi + pad))
            fig.layout.yaxis.range, fig.layout.yaxis2.range = dens, d
    return fig


CURVES = (("d_loss", "D loss", "#1f77b4", 1), ("g_loss", "G loss", "#ff7f0e", 1),
          ("g_grad_norm", "‖∇θ L_G‖", "#7b3294", 2))


def curves_figure(height: int = 330) -> go.Figure:
    """Losses (top) and the generator's gradient norm on a log axis (bottom) against
    the step, empty; `refresh_curves` fills them."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        row_heights=[0.58, 0.42])
    for _, label, colour, row in CURVES:
        fig.add_trace(go.Scatter(x=[], y=[], name=label, mode="lines",
                                 line=dict(color=colour, width=1.6)), row=row, col=1)
    fig.update_layout(template="plotly_white", height=height,
                      margin=dict(t=28, b=36, l=10, r=10), uirevision="curves",
                      legend=dict(orientation="h", y=1.0, yanchor="bottom", x=0))
    fig.update_yaxes(title_text="mean loss", row=1, col=1)
    fig.update_yaxes(title_text="‖∇θ L_G‖", type="log", dtick=1, exponentformat="power",
                     row=2, col=1)
    fig.update_xaxes(title_text="step", row=2, col=1)
    return per_step(fig)


def refresh_curves(fig: go.Figure, snaps: Sequence, events: Sequence) -> go.Figure:
    """The snapshots' means between snapshots, and a dotted line at each change of the
    schedule (`events`: ganloss_viz.train.schedule.Event), labelled with it."""
    rows = [s for s in snaps if s.d_loss is not None]
    steps = [s.step for s in rows]
    with fig.batch_update():
        for trace, (name, _, _, _) in zip(fig.data, CURVES, strict=True):
            trace.update(x=steps, y=[getattr(s, name) for s in rows])
        marks = {}
        for ev in events:
            marks.setdefault(ev.step, []).append(ev.text())
        fig.layout.shapes = [dict(type="line", x0=s, x1=s, y0=0, y1=1, xref="x",
                                  yref="paper", line=dict(color="#555", width=1, dash="dot"))
                             for s in marks]
        fig.layout.annotations = [dict(x=s, y=1, xref="x", yref="paper", yanchor="bottom",
                                       text=", ".join(t)[:40], showarrow=False,
                                       font=dict(size=10, color="#555"))
                                  for s, t in marks.items()]
    return fig


STAGES = (
    ("Real batch", "The critic step's batch of real data (grey) on D's landscape before "
                   "its update."),
    ("Fake batch", "G's samples of the same step (red): what D must tell apart."),
    ("D's update", "D after {n} step{s}: its landscape rises on the data and falls on the "
                   "fakes (blue high, red low)."),
    ("G's gradient", "−∇ of the generator loss at each fake (black): the direction each "
                     "sample is pushed, from the updated D."),
    ("G's update", "G after its step: the fakes (red) moved; the light dots are where they "
                   "were."),
)


def stages_figure(frame, stages, title: str, height: int = 470) -> go.Figure:
    """One iteration (`ganloss_viz.train.trainer.Stages`) as five frames with a caption
    each, stepped by a slider (2-D targets; a 1-D target shows the points on the line)."""
    two_d = frame.dim == 2
    real, fake, moved = stages.real, stages.fake, stages.moved
    y = (lambda a: a[:, 1]) if two_d else (lambda a: np.zeros(len(a)))
    ax, ay = arrows(frame, fake, stages.grad) if two_d else \
        _segments(np.c_[fake[:, 0], np.zeros(len(fake))],
                  np.c_[fake[:, 0] - ARROW_FRACTION * frame.extent *
                        np.sign(stages.grad[:, 0]), np.zeros(len(fake))])
    empty = dict(x=[], y=[])

    def land(z):
        lo, hi = _landscape_range(z)
        if two_d:
            return go.Heatmap(x=frame.axis, y=frame.axis, z=z, zmin=lo, zmax=hi,
                              colorscale="RdBu", reversescale=True, showscale=False,
                              name="D(x)", hoverinfo="skip")
        return go.Scatter(x=frame.axis, y=(z - lo) / (hi - lo) - 0.5, mode="lines",
                          name="D(x) (rescaled)", line=dict(color="#1f77b4"))

    def dots(a, name, colour, size=5):
        return go.Scatter(x=a[:, 0], y=y(a), mode="markers", name=name,
                          marker=dict(color=colour, size=size))

    shown = [
        (stages.d_before, real, None, None, None),
        (stages.d_before, real, fake, None, None),
        (stages.d_after, real, fake, None, None),
        (stages.d_after, real, fake, (ax, ay), None),
        (stages.d_after, real, fake, (ax, ay), moved),
    ]

    def data(z, r, f, arr, m):
        return [land(z), dots(r, "real", "rgba(80,80,80,0.6)"),
                dots(f, "fake", "rgba(214,39,40,0.35)" if m is not None else "#d62728")
                if f is not None else go.Scatter(**empty, mode="markers", name="fake"),
                go.Scatter(x=arr[0], y=arr[1], mode="lines", name="−∇ G loss",
                           line=dict(color="#111", width=1), hoverinfo="skip")
                if arr is not None else go.Scatter(**empty, mode="lines", name="−∇ G loss"),
                dots(m, "fake after G's step", "#d62728")
                if m is not None else go.Scatter(**empty, mode="markers",
                                                 name="fake after G's step")]

    def caption(i):
        head, text = STAGES[i]
        text = text.format(n=stages.n_critic, s="s" if stages.n_critic > 1 else "")
        return (f"{title}step {stages.step:,} · <b>{i + 1}/5 {head}</b><br>"
                + "<br>".join(textwrap.wrap(text, CAPTION_CHARS)))

    frames = [go.Frame(data=data(*shown[i]), name=str(i),
                       layout=dict(title=dict(text=caption(i))))
              for i in range(len(shown))]
    fig = go.Figure(data=data(*shown[-1]), frames=frames)
    ext = frame.extent
    fig.update_layout(
        template="plotly_white", height=height, title=dict(text=caption(4), font_size=12,
                                                           y=0.98, yref="container"),
        margin=dict(t=84, b=70, l=10, r=10), showlegend=False,
        xaxis=dict(range=[-ext, ext], constrain="domain"),
        yaxis=dict(range=[-ext, ext], scaleanchor="x", scaleratio=1) if two_d else
        dict(range=[-0.7, 0.7], showticklabels=False),
        sliders=[dict(active=4, x=0.08, len=0.84, y=0, yanchor="top", pad=dict(t=30),
                      currentvalue=dict(visible=False),
                      steps=[dict(label=STAGES[i][0], method="animate",
                                  args=[[str(i)], dict(mode="immediate",
                                                       frame=dict(duration=0, redraw=True),
                                                       transition=dict(duration=0))])
                             for i in range(5)])])
    fig.update_xaxes(**PLAIN_NUMBERS)
    fig.update_yaxes(**PLAIN_NUMBERS)
    return fig


__all__ = ["curves_figure", "refresh_curves", "refresh_view", "stages_figure", "view_figure"]
