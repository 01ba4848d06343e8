"""The Dirac-GAN figure builders: plain data in, the right traces out."""

from __future__ import annotations

import numpy as np
import pytest

from ganloss_viz.figures.dirac import (
    ALT_COLOR,
    SIM_COLOR,
    FieldPanel,
    arrow_segments,
    eigen_figure,
    field_figure,
)


def rotation_panel(title: str = "rotation", clip: float | None = None) -> FieldPanel:
    axis = np.linspace(-2, 2, 5)
    th, ps = np.meshgrid(axis, axis)
    path = np.array([[1.0, 0.0], [1.0, 0.1], [0.99, 0.2]])
    return FieldPanel(title, axis, axis, -0.5 * ps, 0.5 * th,
                      {"simultaneous": path, "alternating": path * 0.9}, clip)


def test_arrows_have_one_length_along_the_field_and_skip_zeros():
    axis = np.linspace(-1, 1, 3)
    th, ps = np.meshgrid(axis, axis)
    v_t, v_p = -ps, 2 * th                       # zero only at the centre
    xs, ys = arrow_segments(axis, axis, v_t, v_p, 0.3)
    x, y = xs.reshape(-1, 7), ys.reshape(-1, 7)  # shaft start, tip, barb, gap, tip, barb, gap
    assert len(x) == 8                           # 9 points, the zero of v skipped
    shaft = np.stack([x[:, 1] - x[:, 0], y[:, 1] - y[:, 0]], axis=1)
    assert np.allclose(np.hypot(*shaft.T), 0.3)
    keep = ~((th == 0) & (ps == 0))
    v = np.stack([v_t[keep], v_p[keep]], axis=1)
    unit = v / np.hypot(*v.T)[:, None]
    assert np.allclose(shaft / 0.3, unit)
    mid = np.stack([(x[:, 0] + x[:, 1]) / 2, (y[:, 0] + y[:, 1]) / 2], axis=1)
    assert np.allclose(mid, np.stack([th[keep], ps[keep]], axis=1))  # centred on the point
    assert np.isnan(x[:, 3]).all() and np.isnan(x[:, 6]).all()


def test_field_figure_draws_speed_paths_start_and_equilibrium():
    panel = rotation_panel(clip=0.5)
    fig = field_figure([panel])
    heat = [t for t in fig.data if t.type == "heatmap"]
    assert len(heat) == 1
    assert np.allclose(np.asarray(heat[0].z), np.hypot(panel.v_theta, panel.v_psi))
    by_name = {t.name: t for t in fig.data}
    sim = by_name["simultaneous GD"]
    assert np.allclose(sim.x, [1.0, 1.0, 0.99]) and sim.line.color == SIM_COLOR
    assert by_name["alternating GD"].line.color == ALT_COLOR
    assert (by_name["start"].x[0], by_name["start"].y[0]) == (1.0, 0.0)
    eq = by_name["equilibrium (0, 0)"]
    assert (eq.x[0], eq.y[0]) == (0.0, 0.0)
    clip_lines = sorted(s.y0 for s in fig.layout.shapes)
    assert clip_lines == [-0.5, 0.5]
    assert fig.layout.yaxis.scaleanchor == "x"


def test_field_figure_lays_out_panels():
    four = field_figure([rotation_panel(f"m{i}") for i in range(4)], height=400)
    assert four.layout.height == 800                         # 2 × 2
    assert four.layout.yaxis4.scaleanchor == "x4"
    assert sum(t.name == "simultaneous GD" for t in four.data) == 4
    assert sum(bool(t.showlegend) for t in four.data if t.name == "simultaneous GD") == 1
    three = field_figure([rotation_panel(f"m{i}") for i in range(3)], height=400)
    assert three.layout.height == 400                        # one row
    with pytest.raises(ValueError, match="5 panels"):
        field_figure([rotation_panel()] * 5)


def test_eigen_figure_places_the_eigenvalues():
    lam = [complex(-0.15, 0.47697), complex(-0.15, -0.47697)]
    mus = {"simultaneous": np.array([1.5 + 0.2j, 1.5 - 0.2j]),
           "alternating": np.array([-0.5 + 0.1j, -0.5 - 0.1j])}
    fig = eigen_figure(lam, mus, 0.5)
    by_name = {t.name: t for t in fig.data}
    assert np.allclose(by_name["λ"].x, [-0.15, -0.15])
    assert np.allclose(by_name["λ"].y, [0.47697, -0.47697])
    circle = by_name["|μ| = 1"]
    assert np.allclose(np.hypot(circle.x, circle.y), 1.0)
    sim = by_name["μ, simultaneous GD"]
    assert np.allclose(sim.customdata, np.abs(mus["simultaneous"]))
    assert fig.layout.xaxis2.range[1] >= 1.5 and fig.layout.xaxis2.range[0] <= -1.5
    assert "zoom" not in fig.layout.annotations[1].text


def test_eigen_figure_zooms_on_crowded_steps_and_marks_one_sided():
    mus = {"simultaneous": np.array([1 + 0.05j, 1 - 0.05j]),
           "alternating": np.array([0.99875 + 0.04998j, 0.99875 - 0.04998j])}
    fig = eigen_figure([0.5j, -0.5j], mus, 0.1, one_sided=True)
    lo, hi = fig.layout.xaxis2.range
    assert lo < 0.99875 and hi > 1.0 and hi - lo < 0.5
    assert "zoom" in fig.layout.annotations[1].text
    lam = [t for t in fig.data if t.name.startswith("λ")][0]
    assert "one-sided" in lam.name and lam.marker.symbol == "diamond-open"
