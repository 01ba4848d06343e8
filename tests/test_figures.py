"""The pure figure builders (no Streamlit): traces, axes and data they carry."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
import pytest
from scipy import stats

from ganloss_viz import figures
from ganloss_viz.distributions import dist
from ganloss_viz.explore.densities import densities_1d, densities_2d
from ganloss_viz.format import fmt, fmt_error, method_label, text_table


def names(fig: go.Figure) -> list[str]:
    return [t.name for t in fig.data]


def test_density_1d_two_curves():
    x = np.linspace(-4, 4, 101)
    fig = figures.density_1d(x, stats.norm.pdf(x), stats.norm.pdf(x, 1, 2))
    assert isinstance(fig, go.Figure)
    assert names(fig) == ["P", "Q"]
    assert all(t.type == "scatter" and t.mode == "lines" for t in fig.data)
    np.testing.assert_allclose(fig.data[1].y, stats.norm.pdf(x, 1, 2))
    assert fig.layout.yaxis.title.text == "density"


def test_density_1d_atoms_only_are_spikes_with_markers():
    x = np.linspace(-1, 4, 50)
    zero = np.zeros_like(x)
    fig = figures.density_1d(x, zero, zero, ([0.0], [1.0]), ([3.0], [1.0]))
    stems = [t for t in fig.data if t.mode == "lines"]
    heads = [t for t in fig.data if t.mode == "markers"]
    assert len(stems) == 2 and len(heads) == 2
    # a stem goes from 0 up to the atom's mass at the atom's location
    assert list(stems[1].x[:2]) == [3.0, 3.0] and list(stems[1].y[:2]) == [0.0, 1.0]
    assert list(heads[0].x) == [0.0] and list(heads[0].y) == [1.0]
    assert fig.layout.yaxis.title.text == "mass"
    assert "yaxis2" not in fig.layout.to_plotly_json()   # no second axis without densities


def test_density_1d_mixed_parts_use_a_second_axis_for_masses():
    x = np.linspace(-4, 4, 101)
    fig = figures.density_1d(x, stats.norm.pdf(x), np.zeros_like(x), ([2.0], [0.7]))
    spikes = [t for t in fig.data if "point mass" in (t.name or "") or "atoms" in t.name]
    assert spikes and all(t.yaxis == "y2" for t in spikes)
    assert fig.layout.yaxis2.overlaying == "y"


def test_density_2d_contours_equal_aspect():
    x = y = np.linspace(-3, 3, 31)
    gx, gy = np.meshgrid(x, y)
    z = np.exp(-(gx**2 + gy**2) / 2)
    fig = figures.density_2d(x, y, z, 0.5 * z)
    assert [t.type for t in fig.data] == ["contour", "contour"]
    assert names(fig) == ["P", "Q"]
    assert fig.layout.yaxis.scaleanchor == "x"


def test_density_2d_segments_and_points():
    y = np.linspace(0, 1, 11)
    line = (np.zeros_like(y), y, 1.0)
    fig = figures.density_2d(np.linspace(-1, 2, 5), y, None, None,
                             p_lines=[line], q_points=[(1.0, 0.5, 1.0)])
    assert [t.type for t in fig.data] == ["scatter", "scatter"]
    assert fig.data[0].mode == "lines" and list(fig.data[0].x) == [0.0] * 11
    assert fig.data[1].mode == "markers" and list(fig.data[1].x) == [1.0]


# --- the data behind the figures (measure -> arrays) ------------------------------------


def test_densities_1d_match_scipy():
    x, dp, dq = densities_1d(dist("normal(0, 1)"), dist("laplace(1, 2)"))
    np.testing.assert_allclose(dp.density, stats.norm.pdf(x), rtol=1e-10, atol=1e-300)
    np.testing.assert_allclose(dq.density, stats.laplace.pdf(x, 1, 2), rtol=1e-10)
    assert x.min() < -3 and x.max() > 8          # both laws are framed


def test_densities_1d_atoms_and_support_ends():
    x, dp, dq = densities_1d(dist("dirac(0)"), dist("uniform(2, 3)"))
    assert list(dp.atom_loc) == [0.0] and list(dp.atom_mass) == [1.0]
    assert not dp.density.any()
    assert 2.0 in x and 3.0 in x                   # the jumps are on the grid
    inside = (x > 2) & (x < 3)           # the value at the two ends is a convention
    np.testing.assert_allclose(dq.density[inside], 1.0)
    assert not dq.density[(x < 2) | (x > 3)].any()


def test_densities_1d_mixture_with_atom():
    spec = "mixture(components=[normal(-2, 0.5), dirac(2)], weights=[0.3, 0.7])"
    x, dp, _ = densities_1d(dist(spec), dist("normal(0, 1)"))
    np.testing.assert_allclose(dp.density, 0.3 * stats.norm.pdf(x, -2, 0.5), atol=1e-300,
                               rtol=1e-10)
    assert list(dp.atom_loc) == [2.0]
    assert math.isclose(dp.atom_mass[0], 0.7)


def test_densities_2d_mvnormal_matches_scipy():
    cov = [[1, 0.8], [0.8, 1]]
    x, y, dp, dq = densities_2d(dist(f"mvnormal(loc=[0, 0], cov={cov})"),
                                dist("mvnormal(loc=[1, 0], cov=[[1, 0], [0, 1]])"), n=41)
    gx, gy = np.meshgrid(x, y)
    ref = stats.multivariate_normal([0, 0], cov).pdf(np.dstack([gx, gy]))
    np.testing.assert_allclose(dp.z, ref, rtol=1e-10, atol=1e-300)
    assert dp.lines == [] and dp.points == []


def test_densities_2d_lines_and_points():
    x, y, dp, dq = densities_2d(dist("product(dirac(0), uniform(0, 1))"),
                                dist("product(dirac(1), dirac(0.5))"))
    assert dp.z is None and len(dp.lines) == 1
    xs, ys, mass = dp.lines[0]
    assert np.all(xs == 0.0) and mass == 1.0
    visible = ys[~np.isnan(ys)]
    assert visible.min() >= 0 and visible.max() <= 1
    assert dq.points == [(1.0, 0.5, 1.0)]


def test_figures_from_real_densities():
    x, dp, dq = densities_1d(dist("normal(0, 1)"), dist("dirac(3)"))
    fig = figures.density_1d(x, dp.density, dq.density, (dp.atom_loc, dp.atom_mass),
                             (dq.atom_loc, dq.atom_mass))
    assert names(fig)[0] == "P" and "Q (point mass)" in names(fig)
    x, y, dp, dq = densities_2d(dist("ring(8, 2, 0.02)"), dist("grid(4, 2, 0.1)"), n=51)
    fig = figures.density_2d(x, y, dp.z, dq.z)
    assert [t.type for t in fig.data] == ["contour", "contour"]


# --- number formatting ---------------------------------------------------------------

@pytest.mark.parametrize(("x", "text"), [
    (0.12817540, "0.128175"), (math.log(2), "0.693147"), (math.inf, "∞"), (-math.inf, "−∞"),
    (0.0, "0"), (1.0, "1"), (18.0, "18"), (-1.3862943611198906, "-1.38629"),
    (0.63272, "0.632720"), (0.4000000000000001, "0.400000"), (1234567.5, "1.23457e6"),
    (1.5e-7, "1.50000e-7"), (math.nan, "NaN"),
])
def test_fmt(x, text):
    assert fmt(x) == text


def test_fmt_unpadded_for_typed_numbers():
    assert fmt(0.5, pad=False) == "0.5"
    assert fmt(2.0, pad=False) == "2"
    assert fmt(1.5e-7, pad=False) == "1.5e-7"


def test_fmt_reads_back_with_six_figures():
    for x in (0.1281754, 3.14159265, 2.5e-9, 6.02e23, -7.25):
        assert math.isclose(float(fmt(x)), x, rel_tol=5e-6)


def test_error_and_method_text():
    assert fmt_error(0.0, "closed_form") == "exact"
    assert fmt_error(3.21e-5, "monte_carlo") == "±3.2e-5"
    assert method_label("monte_carlo") == "Monte Carlo"
    assert method_label("closed_form") == "closed form"


def test_f_integrand_integrates_to_the_divergence():
    """The plotted integrand q f(p/q) of JS has the area of scipy's JS integral."""
    from scipy import integrate

    import ganloss_viz as gv
    from ganloss_viz.explore.densities import f_integrand

    p, q = stats.norm(0, 1), stats.norm(1, 2)

    def js(x):
        a, b = p.pdf(x), q.pdf(x)
        m = (a + b) / 2
        return 0.5 * (a * np.log(a / m) + b * np.log(b / m))

    x, dp, dq = densities_1d(dist("normal(0, 1)"), dist("normal(1, 2)"))
    reference = integrate.quad(js, x[0], x[-1], epsabs=1e-13, limit=200)[0]  # plotted range
    values = f_integrand(gv.DIVERGENCES["js"].f, dp.density, dq.density)
    assert np.isfinite(values).all()
    assert math.isclose(np.trapezoid(values, x), reference, rel_tol=1e-5)
    assert math.isclose(reference, 0.128175, rel_tol=2e-3)       # most of JS is in view
    fig = figures.integrand_1d(x, values)
    assert len(fig.data) == 1 and fig.data[0].fill == "tozeroy"


def test_f_integrand_marks_singular_points():
    import ganloss_viz as gv
    from ganloss_viz.explore.densities import f_integrand

    p = np.array([0.0, 1.0, 0.5, 0.0])
    q = np.array([0.0, 0.0, 0.5, 1.0])
    values = f_integrand(gv.DIVERGENCES["kl"].f, p, q)
    assert values[0] == 0.0                      # both zero: nothing there
    assert np.isnan(values[1])                   # q = 0 < p: singular part, not a density
    assert values[2] == 0.0                      # p = q
    assert values[3] == 0.0                      # q f(0) with f(u) = u log u -> 0


def test_text_table_escapes_every_cell():
    rows = [{"": "▶", "name": "reverse_kl", "value": "0.5"},
            {"": "", "name": "a|b *c* [0, ∞] :red[x] $y$", "value": "∞"}]
    text = text_table(rows, right={"value"})
    head, rule, *body = text.splitlines()
    assert head == "|  | name | value |" and rule == "| :--- | :--- | ---: |"
    assert body[0] == "| ▶ | reverse\\_kl | 0.5 |"
    # No syntax character is left bare: | * [ ] : $ all escaped, one cell each.
    assert body[1] == "|  | a\\|b \\*c\\* \\[0, ∞\\] \\:red\\[x\\] \\$y\\$ | ∞ |"
    assert text_table([]) == ""


def test_math_axes_never_use_si_suffixes():
    """Plotly's default tick labels read 1e11 as "100B" and -5.8e-13 as "-580f" (units,
    to a reader): every figure's value axes use powers of ten, step axes 10,000."""
    from ganloss_viz.figures.compare import losses_figure
    from ganloss_viz.figures.train import history_figure

    xs = np.linspace(-3.0, 3.0, 101)
    big = figures.sweep(xs, [figures.Curve("pearson", "Pearson", xs**2 * 1e11, 2e11 * xs,
                                           "#6a3d9a")], "q.loc")
    steps = np.arange(10_000, dtype=float)
    hist = {"d_loss": steps * 1e9, "g_loss": -steps * 1e-13}
    per_step = [history_figure(hist, ("d_loss", "g_loss"), ("D", "G"), "losses"),
                losses_figure(["ns"], [hist])]
    for fig in [big, *per_step]:
        axes = [a for name, a in fig.layout.to_plotly_json().items()
                if name.startswith(("xaxis", "yaxis"))]
        assert axes
        for a in axes:
            assert a.get("exponentformat") in ("power", "none"), a
    for fig in per_step:
        assert {fig.layout[n].exponentformat for n in fig.layout if n.startswith("xaxis")} \
            == {"none"}


@pytest.mark.parametrize(("left", "right"), [
    ((0.0, 2.0), (-3.0, 5.0)), ((0.0, 1.0), (-10.0, -2.0)), ((0.0, 1.0), (0.5, 4.0)),
    ((-1.0, 1.0), (-4.0, 0.5)), ((0.0, 0.0), (1.0, 1.0)), ((0.0, 3.0), (-9.0, 1.0))])
def test_twin_axes_share_their_zero(left, right):
    from ganloss_viz.figures.style import ZERO_AT_MOST, shared_zero
    a, b = shared_zero(left, right)
    for (lo, hi), (dlo, dhi) in ((a, left), (b, right)):
        assert lo <= min(dlo, 0.0) and hi >= max(dhi, 0.0) and hi > lo   # widened only
    za, zb = -a[0] / (a[1] - a[0]), -b[0] / (b[1] - b[0])
    assert za == pytest.approx(zb, abs=1e-12) and 0.0 <= za <= ZERO_AT_MOST


def test_one_d_training_view_puts_zero_of_density_and_d_at_one_height():
    from ganloss_viz.figures.live import refresh_view, view_figure
    from ganloss_viz.figures.train import replay_figure
    from ganloss_viz.train import train
    r = train(loss="ns", target="bimodal", steps=40, width=16, depth=2, batch=64,
              device="cpu", metric_samples=100)
    for fig in (replay_figure(r.frame, r.snapshots), view_figure(r.frame, r.final, "")):
        y1, y2 = fig.layout.yaxis.range, fig.layout.yaxis2.range
        assert -y1[0] / (y1[1] - y1[0]) == pytest.approx(-y2[0] / (y2[1] - y2[0]))
    fig = refresh_view(view_figure(r.frame, r.snapshots[0], ""), r.frame, r.final, "")
    d = r.final.d_values
    assert fig.layout.yaxis2.range[0] <= d.min() and fig.layout.yaxis2.range[1] >= d.max()
