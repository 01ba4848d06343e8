"""Figures of the optimal discriminator and of the vanishing gradients: pure data in."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from ganloss_viz.figures.optimal import (
    NON_SATURATING_COLOR,
    SATURATING_COLOR,
    optimal_d_figure,
    vanishing_figure,
)
from ganloss_viz.figures.style import P_COLOR, Q_COLOR


def test_optimal_d_figure_draws_densities_and_the_curve_on_its_own_axis():
    x = np.linspace(-3, 4, 50)
    p, q = stats.norm(0, 1).pdf(x), stats.norm(1, 1).pdf(x)
    d = p / (p + q)
    d[0] = np.nan
    fig = optimal_d_figure(x, p, q, d, "D*", "D*(x) = p/(p + q)")
    names = [t.name for t in fig.data]
    assert names == ["P", "Q", "D*"]
    assert fig.data[0].line.color == P_COLOR and fig.data[1].line.color == Q_COLOR
    assert fig.data[2].yaxis == "y2"
    np.testing.assert_array_equal(fig.data[2].y[1:], d[1:])
    lo, hi = fig.layout.yaxis2.range
    assert lo < np.nanmin(d) and hi > np.nanmax(d)       # NaN ignored for the range
    assert fig.layout.yaxis2.title.text == "D*(x) = p/(p + q)"


def test_optimal_d_figure_constant_curve_gets_a_range():
    x = np.linspace(0, 1, 5)
    fig = optimal_d_figure(x, np.ones(5), np.ones(5), np.full(5, 0.5), "D*", "D*")
    lo, hi = fig.layout.yaxis2.range
    assert lo < 0.5 < hi


def test_vanishing_figure_traces():
    theta = np.linspace(0, 6, 7)
    sat = theta * np.exp(-theta)
    data = {"separation": theta, "saturating": sat, "non_saturating": theta - sat,
            "kl_minus_2js": theta - sat, "js": np.minimum(theta / 10, np.log(2))}
    fig = vanishing_figure(data, title="at D*")
    by_name = {t.name.split(":")[0]: t for t in fig.data}
    assert by_name["saturating"].line.color == SATURATING_COLOR
    assert by_name["non-saturating"].line.color == NON_SATURATING_COLOR
    np.testing.assert_array_equal(by_name["saturating"].y, sat)
    np.testing.assert_array_equal(fig.data[2].y, theta - sat)
    assert fig.data[3].yaxis == "y2" and fig.layout.title.text == "at D*"
    assert all(np.array_equal(t.x, theta) for t in fig.data)
    assert not fig.layout.shapes
    marked = vanishing_figure(data, at=3.0)
    assert marked.layout.shapes[0].x0 == marked.layout.shapes[0].x1 == 3.0


def test_optimal_d_figure_puts_both_zeros_at_one_height():
    x = np.linspace(-4, 4, 201)
    p, q = np.exp(-x ** 2 / 2) / np.sqrt(2 * np.pi), np.exp(-(x - 1) ** 2 / 2) / np.sqrt(2 * np.pi)
    for curve in (p / (p + q), np.log(p / q)):               # D* of minimax; a signed one
        fig = optimal_d_figure(x, p, q, curve, "D*", "D*(x)")
        y1, y2 = fig.layout.yaxis.range, fig.layout.yaxis2.range
        assert -y1[0] / (y1[1] - y1[0]) == pytest.approx(-y2[0] / (y2[1] - y2[0]))
        assert y1[1] >= p.max() and y2[0] <= curve.min() and y2[1] >= curve.max()


def test_vanishing_figure_puts_js_zero_on_the_gradients_zero_line():
    theta = np.linspace(0, 6, 61)
    sat = -theta * np.exp(-theta)                            # negative gradients
    data = {"separation": theta, "saturating": sat, "non_saturating": theta + sat,
            "kl_minus_2js": theta + sat, "js": np.minimum(theta / 10, np.log(2))}
    lay = vanishing_figure(data).layout
    (a, b), (c, d) = lay.yaxis.range, lay.yaxis2.range
    assert a < 0 < b and c <= 0 < d
    assert -a / (b - a) == pytest.approx(-c / (d - c))
    assert a <= sat.min() and b >= (theta + sat).max() and d >= np.log(2)
