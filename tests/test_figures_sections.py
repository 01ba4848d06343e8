"""The section figures (sweep, landscape, fit animation, 2-D integrand) and the data
behind them, without Streamlit: traces, axes, and numbers against closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

import ganloss_viz as gv
from ganloss_viz import figures
from ganloss_viz.distributions import dist
from ganloss_viz.explore.densities import densities_1d, densities_2d
from ganloss_viz.explore.fitframes import fit_run, frame_steps, frames_1d, frames_2d
from ganloss_viz.explore.integrands import integrand_1d, integrand_2d
from ganloss_viz.explore.landscape import allowed_mask, landscape_grid

BIMODAL = "mixture(components=[normal(-2, 0.5), normal(2, 0.5)], weights=[0.5, 0.5])"


# --- sweep ------------------------------------------------------------------------------


def _curves(x):
    js = figures.Curve("js", "js", np.minimum(np.abs(x) / 4, math.log(2)),
                       np.sign(x) / 4, figures.INTEGRAND_COLOR, main=True)
    kl = figures.Curve("kl", "kl", np.where(np.abs(x) > 2, np.inf, x**2), np.where(
        np.abs(x) > 2, np.nan, 2 * x), figures.COMPARE_COLORS[0])
    return js, kl


def test_sweep_figure_panels_axes_and_infinities():
    x = np.linspace(-3, 3, 61)
    js, kl = _curves(x)
    fig = figures.sweep(x, [js, kl], "q.loc", current=1.0, ceiling=(math.log(2), "ln 2"))
    values = [t for t in fig.data if t.yaxis in ("y", "y3") and t.mode == "lines"]
    grads = [t for t in fig.data if t.yaxis == "y2"]
    assert {t.name for t in values} == {"js", "kl"} and len(grads) == 2
    main = next(t for t in values if t.name == "js")
    assert main.yaxis == "y" and main.line.width > next(t for t in values
                                                       if t.name == "kl").line.width
    assert next(t for t in values if t.name == "kl").yaxis == "y3"    # its own scale
    assert fig.data[-1].name == "js"                                  # drawn on top
    inf = next(t for t in fig.data if t.name == "kl = ∞")
    assert inf.mode == "markers" and len(inf.x) == int(np.sum(np.abs(x) > 2))
    kl_line = next(t for t in values if t.name == "kl")
    assert np.isnan(np.asarray(kl_line.y, float)[0])                  # ∞ is not drawn
    assert fig.layout.yaxis2.title.text == "∂D/∂q.loc"
    assert fig.layout.xaxis.title.text == "q.loc"
    lines = [s for s in fig.layout.shapes]
    assert any(s.x0 == 1.0 and s.yref == "paper" for s in lines)     # Q's value now
    assert any(math.isclose(s.y0, math.log(2)) for s in lines)       # the ceiling
    assert "ln 2" in [a.text for a in fig.layout.annotations]


def test_sweep_twin_value_axes_share_their_zero():
    """JS on the left axis, W1 (far larger) on the right: 0 sits at one height on both
    axes, and each range holds its curve."""
    x = np.linspace(-10, 10, 81)
    js = figures.Curve("js", "js", np.log(2) * (1 - np.exp(-x**2 / 8)), x / 8,
                       figures.INTEGRAND_COLOR, main=True)
    w1 = figures.Curve("w1", "w1", np.abs(x), np.sign(x), figures.COMPARE_COLORS[0])
    fig = figures.sweep(x, [js, w1], "q.loc", ceiling=(math.log(2), "ln 2"))
    (a, b), (c, d) = fig.layout.yaxis.range, fig.layout.yaxis3.range
    assert a < 0 < b and c < 0 < d
    assert math.isclose(-a / (b - a), -c / (d - c), rel_tol=1e-9)
    assert b >= math.log(2) and d >= 10 and a <= 0 and c <= 0


def test_sweep_figure_single_curve_has_no_right_axis():
    x = np.linspace(-1, 1, 5)
    fig = figures.sweep(x, [_curves(x)[0]], "q.loc")
    assert "yaxis3" not in fig.layout.to_plotly_json()
    assert not fig.layout.shapes


# --- landscape --------------------------------------------------------------------------


def test_landscape_arrows_point_down_the_gradient():
    x, y = np.linspace(-2, 2, 9), np.linspace(-1, 1, 5)
    gx_, gy_ = np.meshgrid(x, y)
    z = gx_**2 + 4 * gy_**2
    fig = figures.landscape(x, y, z, 2 * gx_, 8 * gy_, "q.loc", "q.scale", "kl",
                            path=(np.array([2.0, 1.0, 0.0]), np.array([1.0, 0.5, 0.0])),
                            start=(2.0, 1.0), target=(0.0, 0.0))
    heat = fig.data[0]
    assert heat.type == "heatmap" and np.allclose(heat.z, z)
    arrows = next(t for t in fig.data if t.name == "−∇D")
    ax, ay = np.asarray(arrows.x, float), np.asarray(arrows.y, float)
    # each arrow: start, tip, NaN, barb, tip, barb, NaN; the shaft points along −∇D
    for k in range(0, len(ax), 7):
        x0, y0, x1, y1 = ax[k], ay[k], ax[k + 1], ay[k + 1]
        g = np.array([2 * x0, 8 * y0])
        d = np.array([x1 - x0, y1 - y0])
        assert np.linalg.norm(g) > 0
        assert np.isclose(d[0] * g[1] - d[1] * g[0], 0, atol=1e-9)   # parallel
        assert d @ -g > 0
    names = [t.name for t in fig.data]
    assert {"direct fit", "fitted Q", "Q now", "P's values"} <= set(names)
    assert fig.layout.xaxis.title.text == "q.loc"


def test_landscape_caps_colours_and_keeps_hover_values():
    x, y = np.linspace(0, 1, 6), np.linspace(0, 1, 6)
    z = np.add.outer(y, x)                                # 0 .. 2, smooth
    z[0, 0] = 1e6
    z[5, 5] = np.inf
    z[4, 5] = np.nan
    fig = figures.landscape(x, y, z, np.zeros_like(z), np.zeros_like(z), "a", "b", "kl")
    heat = fig.data[0]
    assert heat.zmax < 1e6 and "capped" in heat.colorbar.title.text
    assert heat.customdata[0][0] == "1.00000e6"
    assert heat.customdata[5][5] == "∞" and heat.customdata[4][5] == "not allowed"
    assert all(t.name != "−∇D" for t in fig.data)                    # flat: no arrows


def test_landscape_grid_matches_closed_form_kl_and_its_gradient():
    x, y = np.linspace(-2, 2, 5), np.linspace(0.5, 2, 4)
    g = landscape_grid("kl", "normal(0, 1)", "normal(1, 2)", "q.loc", "q.scale", x, y)
    mu, s = np.meshgrid(x, y)
    np.testing.assert_allclose(g.z, np.log(s) + (1 + mu**2) / (2 * s**2) - 0.5, rtol=1e-12)
    np.testing.assert_allclose(g.gx, mu / s**2, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(g.gy, 1 / s - (1 + mu**2) / s**3, rtol=1e-10)
    assert g.method == "closed_form" and g.problems == []


def test_landscape_grid_leaves_out_what_the_family_forbids():
    x, y = np.linspace(-1, 3, 5), np.linspace(0, 4, 5)
    ok = allowed_mask("uniform(0, 1)", "uniform(2, 3)", "q.low", "q.high", x, y)
    np.testing.assert_array_equal(ok, y[:, None] > x[None, :])        # low < high
    g = landscape_grid("w1", "uniform(0, 1)", "uniform(2, 3)", "q.low", "q.high", x, y)
    assert np.isnan(g.z[~ok]).all() and np.isfinite(g.z[ok]).all()
    # W1 between uniforms in 1-D: ∫|F_P − F_Q|, checked by scipy at one point
    j, i = 3, 1                                                      # low = 0, high = 3
    ref = integrate.quad(lambda t: abs(stats.uniform(0, 1).cdf(t) - stats.uniform(0, 3)
                                       .cdf(t)), -1, 4, points=[0, 1, 3])[0]
    assert math.isclose(g.z[j, i], ref, rel_tol=1e-8)


# --- direct fit -------------------------------------------------------------------------


def test_frame_steps():
    assert list(frame_steps(10)) == list(range(11))
    steps = frame_steps(500)
    assert steps[0] == 0 and steps[-1] == 500 and len(steps) <= 41


def test_fit_frames_and_animation_1d():
    runs = [fit_run(BIMODAL, "normal(0.5, 1)", d, 30, 0.1) for d in ("kl", "reverse_kl")]
    at = frame_steps(30, max_frames=7)
    fr = frames_1d(BIMODAL, runs, at)
    assert fr.densities[0].shape == (len(at), len(fr.x))
    q_last = dist(runs[0].q0).with_params(runs[0].trajectory[30])
    np.testing.assert_allclose(
        fr.densities[0][-1], stats.norm.pdf(fr.x, q_last.flat_params()["loc"],
                                            q_last.flat_params()["scale"]), rtol=1e-9)
    tracks = [figures.Track(r.div, r.div, c, at, np.asarray(r.values), fr.densities[i],
                            fr.atoms[i]) for i, (r, c) in enumerate(
                                zip(runs, ("#e8710a", "#2a9d4b"), strict=True))]
    fig = figures.fit_animation_1d(fr.x, fr.p_density, tracks, fr.p_atoms)
    assert len(fig.frames) == len(at)
    moving = fig.frames[-1].traces
    assert len(moving) == 4                                # a density and a marker per fit
    np.testing.assert_allclose(fig.frames[-1].data[0].y, fr.densities[0][-1], rtol=1e-6)
    assert fig.frames[-1].data[1].x == (30,)               # the marker at the last step
    slider = fig.layout.sliders[0]
    assert [s.label for s in slider.steps] == [str(s) for s in at]
    assert fig.layout.updatemenus[0].buttons[0].label == "▶ Play"


def test_fit_animation_with_atoms_and_2d():
    run = fit_run("dirac(0)", "dirac(2)", "w1", 5, 0.2)
    at = frame_steps(5)
    fr = frames_1d("dirac(0)", [run], at)
    track = figures.Track("w1", "w1", "#e8710a", at, np.asarray(run.values),
                          fr.densities[0], fr.atoms[0])
    fig = figures.fit_animation_1d(fr.x, fr.p_density, [track], fr.p_atoms)
    stems = [t for t in fig.data if t.name == "w1 (point mass)"]
    assert stems and fig.layout.yaxis.title.text == "mass"
    p = "mvnormal(loc=[0, 0], cov=[[1, 0.5], [0.5, 1]])"
    run = fit_run(p, "mvnormal(loc=[1, 1], cov=[[1, 0], [0, 1]])", "kl", 10, 0.1)
    fr = frames_2d(p, [run], frame_steps(10), n=21)
    assert fr.densities[0].shape == (11, 21, 21)
    track = figures.Track("kl", "kl", "#e8710a", frame_steps(10), np.asarray(run.values),
                          fr.densities[0])
    fig = figures.fit_animation_2d(fr.x, fr.y, fr.p_z, [track])
    assert fig.data[0].type == "contour" and len(fig.frames) == 11
    assert fig.layout.yaxis.scaleanchor == "x"


# --- integrands -------------------------------------------------------------------------


def _pair_1d(p, q):
    x, dp, dq = densities_1d(dist(p), dist(q))
    return x, dp.density, dq.density, dist(p).realize(), dist(q).realize()


@pytest.mark.parametrize(("div", "p", "q", "params"), [
    ("w1", "normal(0, 1)", "normal(1, 2)", {}),
    ("w1", "dirac(0)", "uniform(1, 3)", {}),
    ("energy", "normal(0, 1)", "laplace(1, 2)", {}),
])
def test_cdf_integrands_integrate_to_the_value(div, p, q, params):
    x, pd_, qd_, mp, mq = _pair_1d(p, q)
    it = integrand_1d(gv.DIVERGENCES[div], x, pd_, qd_, mp, mq, params)
    value = gv.divergence(div, p, q).value
    assert math.isclose(np.trapezoid(it.values, x), value, rel_tol=2e-3)


def test_renyi_and_bhattacharyya_integrands():
    x, pd_, qd_, mp, mq = _pair_1d("normal(0, 1)", "normal(1, 2)")
    bc = integrand_1d(gv.DIVERGENCES["bhattacharyya"], x, pd_, qd_, mp, mq, {})
    np.testing.assert_allclose(bc.values, np.sqrt(stats.norm.pdf(x) * stats.norm.pdf(x, 1, 2)),
                               rtol=1e-10)
    r = integrand_1d(gv.DIVERGENCES["renyi"], x, pd_, qd_, mp, mq, {"alpha": 2.0})
    np.testing.assert_allclose(r.values, stats.norm.pdf(x)**2 / stats.norm.pdf(x, 1, 2),
                               rtol=1e-9)
    assert integrand_1d(gv.DIVERGENCES["w2"], x, pd_, qd_, mp, mq, {}) is None


def test_alpha_integrand_uses_its_alpha():
    x, pd_, qd_, mp, mq = _pair_1d("normal(0, 1)", "normal(1, 2)")
    a = 2.0
    it = integrand_1d(gv.DIVERGENCES["alpha"], x, pd_, qd_, mp, mq, {"alpha": a})
    p, q = stats.norm.pdf(x), stats.norm.pdf(x, 1, 2)
    u = p / q
    np.testing.assert_allclose(it.values, q * (u**a - 1 - a * (u - 1)) / (a * (a - 1)),
                               rtol=1e-8, atol=1e-300)


def test_integrand_2d_is_a_signed_heatmap_of_q_f():
    p = dist("mvnormal(loc=[0, 0], cov=[[1, 0.8], [0.8, 1]])")
    q = dist("mvnormal(loc=[0, 0], cov=[[1, -0.8], [-0.8, 1]])")
    x, y, dp, dq = densities_2d(p, q, n=121)
    it = integrand_2d(gv.DIVERGENCES["kl"], dp.z, dq.z, {})
    with np.errstate(divide="ignore", invalid="ignore"):
        ref = np.where(dp.z > 0, dp.z * np.log(dp.z / dq.z), 0.0)
    np.testing.assert_allclose(it.values, ref, rtol=1e-8, atol=1e-300)
    area = np.trapezoid(np.trapezoid(it.values, x, axis=1), y)
    assert math.isclose(area, gv.divergence("kl", p, q).value, rel_tol=1e-2)
    fig = figures.integrand_2d(x, y, it.values, dp.z, dq.z)
    heat = fig.data[0]
    assert heat.type == "heatmap" and heat.zmin == -heat.zmax        # signed: centred
    assert [t.type for t in fig.data[1:]] == ["contour", "contour"]
    assert integrand_2d(gv.DIVERGENCES["kl"], None, dq.z, {}) is None
    hel = integrand_2d(gv.DIVERGENCES["hellinger"], dp.z, dq.z, {})
    fig = figures.integrand_2d(x, y, hel.values)
    assert fig.data[0].zmin == 0 and fig.data[0].colorscale[0][1] == "#ffffff"


def test_sweep_derivatives_far_apart_get_their_own_axis():
    """KL's derivative of 1e11 beside W1's ±1: W1's moves to a right axis (else a line at
    0), with its zero level with the left one's; near scales keep one axis."""
    x = np.linspace(-3, 3, 61)
    kl = figures.Curve("kl", "kl", x**2 * 1e11, 2e11 * x, figures.INTEGRAND_COLOR, main=True)
    w1 = figures.Curve("w1", "w1", np.abs(x), np.sign(x), figures.COMPARE_COLORS[0])
    fig = figures.sweep(x, [kl, w1], "q.loc")
    grads = {t.name: t.yaxis for t in fig.data if t.xaxis == "x"}
    assert grads == {"kl": "y2", "w1": "y4"}
    (a, b), (c, d) = fig.layout.yaxis2.range, fig.layout.yaxis4.range
    assert a < 0 < b and c < 0 < d
    assert -a / (b - a) == pytest.approx(-c / (d - c))
    assert fig.layout.yaxis4.overlaying == "y2" and fig.layout.yaxis4.exponentformat == "power"
    js, _ = _curves(x)
    near = figures.sweep(x, [js, w1], "q.loc")            # 1/4 beside 1: one axis
    assert {t.yaxis for t in near.data if t.xaxis == "x"} == {"y2"}
    assert "yaxis4" not in near.layout.to_plotly_json()
