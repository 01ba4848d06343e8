"""The comparison figures on hand-made snapshots: what a viewer sees (subplots, frames,
one slider, titles, which snapshot each subplot shows at each step)."""

from __future__ import annotations

import numpy as np
import pytest
from playback import controls_apart

from ganloss_viz.figures.compare import (
    LOSS_COLORS,
    Panel,
    frame_steps,
    grad_figure,
    grid_figure,
    grid_shape,
    losses_figure,
    panel_caption,
)
from ganloss_viz.figures.train import TICK_NAME
from ganloss_viz.train.record import Frame, Snapshot

AXIS = np.linspace(-2.5, 2.5, 12)


def frame(dim: int) -> Frame:
    rng = np.random.default_rng(0)
    density = np.exp(-AXIS**2 / 2) / np.sqrt(2 * np.pi) if dim == 1 else None
    return Frame(dim=dim, extent=2.5, axis=AXIS, target_density=density,
                 real=rng.normal(size=(30, dim)), modes=None, mode_std=None, manifold="")


def snap(step: int, dim: int, shift: float, metrics: dict | None = None) -> Snapshot:
    """A snapshot whose samples all sit at `shift` (+ tiny spread) and D = step + shift."""
    n = 40
    samples = np.full((n, dim), shift) + np.linspace(0, 0.01, n)[:, None]
    d = np.full((len(AXIS), len(AXIS)) if dim == 2 else len(AXIS), float(step) + shift)
    d.flat[0] -= 1.0                                   # a non-flat D
    return Snapshot(step=step, seconds=step / 10, samples=samples, grad=np.zeros((n, dim)),
                    d_values=d, manifold=np.zeros((5, dim)), metrics=metrics)


def run(dim: int, shift: float, steps=(0, 10, 20)) -> list[Snapshot]:
    return [snap(s, dim, shift, {"modes": 8, "modes_covered": s // 10, "hq_fraction": 0.5,
                                 "w1": 0.123456}) for s in steps]


@pytest.mark.parametrize("k, shape", [(1, (1, 1)), (3, (1, 3)), (4, (1, 4)), (5, (2, 3)),
                                      (6, (2, 3)), (8, (2, 4))])
def test_grid_shape(k, shape):
    assert grid_shape(k) == shape


@pytest.mark.parametrize("k", [0, 9])
def test_grid_shape_rejects_too_many(k):
    with pytest.raises(ValueError, match="1 to 8 panels"):
        grid_shape(k)


def test_2d_grid_one_slider_drives_every_subplot():
    panels = [Panel("ns", frame(2), run(2, 0.5)),
              Panel("hinge", frame(2), run(2, -1.0)),
              Panel("wgan_gp", frame(2), run(2, 1.5, steps=(0, 10)))]   # ended at 10
    fig = grid_figure(panels, "ring8 · ")
    layout = fig.layout.to_plotly_json()
    assert sorted(k for k in layout if k.startswith("xaxis")) == ["xaxis", "xaxis2", "xaxis3"]
    assert len(fig.layout.sliders) == 1 and len(fig.layout.updatemenus) == 1
    assert [s.label for s in fig.layout.sliders[0].steps] == ["0", "10", "20"]
    assert [f.name for f in fig.frames] == ["0", "10", "20"]
    # per subplot a heatmap (D) and the generated samples move; the target stays
    kinds = [t.type for t in fig.data]
    assert kinds == ["heatmap", "scatter", "scatter"] * 3
    moving = list(fig.frames[0].traces)
    assert moving == [0, 2, 3, 5, 6, 8]
    last = fig.frames[-1]
    heat = [t for t in last.data if t.type == "heatmap"]
    gen = [t for t in last.data if t.type == "scatter"]
    assert [float(np.max(h.z)) for h in heat] == [20.5, 19.0, 11.5]   # wgan_gp: its step 10
    assert [float(g.x[0]) for g in gen] == [0.5, -1.0, 1.5]
    assert [g.showlegend for g in gen] == [True, False, False]   # the legend survives frames
    texts = [a.text for a in last.layout.annotations]
    assert texts[0].startswith("<b>ns</b>") and "2/8 modes, HQ 0.50 · W1 0.123" in texts[0]
    assert "1/8 modes" in texts[2] and "ended at step 10" in texts[2]
    assert last.layout.title.text == "ring8 · step 20"
    titles = [a for a in fig.layout.annotations if a.name != TICK_NAME]
    assert [a.font.color for a in titles] == list(LOSS_COLORS[:3])
    # the grid opens at the last step, its slider too; play runs from the first frame;
    # the step labels under the slider survive every frame, and the buttons keep clear
    assert fig.layout.sliders[0].active == 2 and fig.layout.title.text == "ring8 · step 20"
    assert [float(np.max(t.z)) for t in fig.data if t.type == "heatmap"] == [20.5, 19.0, 11.5]
    assert fig.layout.updatemenus[0].buttons[0].args[1]["fromcurrent"] is False
    for f in (fig, *fig.frames):
        assert [a.text for a in f.layout.annotations if a.name == TICK_NAME] == ["0", "10", "20"]
    controls_apart(fig)
    # the same square window on every subplot
    for i in ("", "2", "3"):
        assert list(layout[f"xaxis{i}"]["range"]) == [-2.5, 2.5]
        assert list(layout[f"yaxis{i}"]["range"]) == [-2.5, 2.5]
        assert layout[f"yaxis{i}"]["scaleanchor"] == f"x{i}"


def test_play_slows_down_as_panels_are_added():
    def play_duration(k: int) -> int:
        fig = grid_figure([Panel(str(i), frame(2), run(2, 0.0)) for i in range(k)])
        return fig.layout.updatemenus[0].buttons[0].args[1]["frame"]["duration"]
    durations = [play_duration(k) for k in (1, 4, 8)]
    assert durations == sorted(durations) and durations[0] < durations[-1]
    assert durations[0] >= 120                     # never faster than the Train page


def test_1d_grid_histograms_against_the_target_density():
    panels = [Panel("minimax", frame(1), run(1, -2.0)), Panel("ns", frame(1), run(1, 2.0))]
    fig = grid_figure(panels)
    names = [t.name for t in fig.data]
    assert names.count("target density") == 2 and names.count("generated (histogram)") == 2
    bars = [t for t in fig.frames[-1].data if t.type == "bar"]
    for bar, centre in zip(bars, (-2.0, 2.0), strict=True):
        width = bar.width
        assert np.sum(np.asarray(bar.y) * width) == pytest.approx(1.0)   # a density
        assert bar.x[int(np.argmax(bar.y))] == pytest.approx(centre, abs=width)
    d_traces = [t for t in fig.data if t.name == "D(x) (raw output)"]
    assert {t.yaxis for t in d_traces} == {"y2", "y4"}              # D on a right axis
    assert sum(t.showlegend is not False for t in fig.data) == 3    # one legend entry each


def test_1d_grid_twin_axes_share_their_zero_and_one_density_scale():
    """Each panel's density axis and D axis put 0 at one height (D ranges over -3..20 in
    one panel and 1..22 in the other), and every panel keeps the same density scale."""
    panels = [Panel("minimax", frame(1), run(1, -2.0)), Panel("ns", frame(1), run(1, 2.0))]
    lay = grid_figure(panels).layout
    heights, densities = [], set()
    for left, right in (("yaxis", "yaxis2"), ("yaxis3", "yaxis4")):
        (a, b), (c, d) = lay[left].range, lay[right].range
        assert a <= 0 < b and c <= 0 < d
        assert -a / (b - a) == pytest.approx(-c / (d - c))
        heights.append(-a / (b - a))
        densities.add((round(a, 12), round(b, 12)))
    assert len(densities) == 1 and heights[0] > 0        # one scale; room for D below 0


def test_frames_are_thinned_evenly_keeping_both_ends():
    snaps = run(2, 0.0, steps=range(0, 1001, 10))
    steps = frame_steps([Panel("ns", frame(2), snaps)], max_frames=40)
    assert len(steps) == 40 and steps[0] == 0 and steps[-1] == 1000
    gaps = np.diff(steps)
    assert gaps.max() - gaps.min() <= 10


def test_still_grid_shows_the_latest_snapshots_without_controls():
    fig = grid_figure([Panel("ns", frame(2), run(2, 0.5)),
                       Panel("hinge", frame(2), run(2, 1.0))], animated=False)
    assert not fig.frames and not fig.layout.sliders and not fig.layout.updatemenus
    assert float(np.max(fig.data[0].z)) == 20.5 and fig.layout.title.text == "step 20"


def test_grid_rejects_mixed_dimensions_and_empty_runs():
    with pytest.raises(ValueError, match="compare one target"):
        grid_figure([Panel("ns", frame(1), run(1, 0)), Panel("ns", frame(2), run(2, 0))])
    with pytest.raises(ValueError, match="at least one snapshot"):
        grid_figure([Panel("ns", frame(2), [])])


def test_caption_without_modes_or_metrics():
    assert panel_caption(snap(5, 1, 0.0, {"w1": 0.5})) == "W1 0.5"
    assert panel_caption(snap(5, 1, 0.0)) == ""


def test_curves_one_subplot_per_loss_and_one_gradient_axis():
    hist = [{"d_loss": np.ones(50) * i, "g_loss": np.arange(50.0),
             "g_grad_norm": 10.0 ** -np.arange(50.0) * (i + 1)} for i in range(5)]
    names = ["ns", "hinge", "lsgan", "wgan", "minimax"]
    fig = losses_figure(names, hist)
    assert [a.text for a in fig.layout.annotations] == names
    assert len(fig.data) == 10 and {t.name for t in fig.data} == {"D loss", "G loss"}
    assert "D loss" in fig.layout.title.text and "G loss" in fig.layout.title.text
    assert fig.data[2].xaxis == "x2" and list(fig.data[2].y) == [1.0] * 50
    grads = grad_figure(names, hist)
    assert [t.name for t in grads.data] == names and grads.layout.yaxis.type == "log"
    assert grads.data[4].y[3] == pytest.approx(5e-3)


@pytest.mark.parametrize("dim", [1, 2])
def test_grid_and_replay_axes_never_use_si_suffixes(dim):
    """A critic's raw outputs reach 1e9: Plotly's default would label them "1B"."""
    from ganloss_viz.figures.train import replay_figure

    panels = [Panel("wgan", frame(dim), run(dim, 1e9)), Panel("ns", frame(dim), run(dim, 0.0))]
    for fig in (grid_figure(panels), replay_figure(frame(dim), run(dim, 1e9))):
        axes = {name: a for name, a in fig.layout.to_plotly_json().items()
                if name.startswith(("xaxis", "yaxis"))}
        assert axes and all(a.get("exponentformat") == "power" for a in axes.values()), axes
