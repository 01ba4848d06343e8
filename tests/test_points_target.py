"""The `points(x=[...], y=[...], scale=s)` family: a drawn training target.

References are independent of the library: scipy's multivariate normal summed by hand
for the density, the closed-form mean and covariance of an equal-weight Gaussian
mixture for the samples, and the cap / grammar limits as DESIGN.md states them.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.stats import multivariate_normal

import ganloss_viz as gv
from ganloss_viz.distributions import Spec, dist
from ganloss_viz.distributions.composite import MAX_POINTS
from ganloss_viz.distributions.spec import MAX_SPEC_LENGTH
from ganloss_viz.targets import get_target

XS = (-1.5, 0.0, 2.25, 0.5)
YS = (0.5, -2.0, 1.0, 0.5)
SCALE = 0.3
SPEC = "points(x=[-1.5, 0, 2.25, 0.5], y=[0.5, -2, 1, 0.5], scale=0.3)"


def reference_density(xy: np.ndarray, xs, ys, scale: float) -> np.ndarray:
    """(1/k) sum_i N(xy; (x_i, y_i), scale^2 I), one scipy density per centre."""
    cov = scale ** 2 * np.eye(2)
    parts = [multivariate_normal(mean=[x, y], cov=cov).pdf(xy) for x, y in zip(xs, ys, strict=True)]
    return np.mean(parts, axis=0)


def test_density_matches_a_hand_built_scipy_mixture():
    rng = np.random.default_rng(7)
    xy = np.concatenate([rng.uniform(-3, 3, size=(200, 2)),
                         np.column_stack([XS, YS]),                 # at the centres
                         np.array([[0.2, 0.3], [2.25, 1.1]])])
    got = torch.exp(dist(SPEC).realize().log_density(torch.tensor(xy))).numpy()
    np.testing.assert_allclose(got, reference_density(xy, XS, YS, SCALE), rtol=1e-12, atol=1e-300)


def test_target_density_and_modes():
    t = get_target(SPEC)
    assert t.dim == 2 and t.spec == SPEC
    np.testing.assert_allclose(t.modes.numpy(), np.column_stack([XS, YS]), atol=1e-7)
    assert t.mode_std == pytest.approx(SCALE)
    xy = np.array([[0.0, -2.0], [1.0, 1.0]])
    np.testing.assert_allclose(t.density(torch.tensor(xy)).numpy(),
                               reference_density(xy, XS, YS, SCALE), rtol=1e-12)


def test_samples_have_the_mixture_mean_and_covariance():
    """Closed form: mean m = avg c_i; cov = s^2 I + avg (c_i - m)(c_i - m)^T.

    Bounds are 6 standard errors (estimated from the same samples), so with a fixed
    seed the test cannot flake and a wrong centre or scale (an error of even 0.05 in
    one coordinate) fails.
    """
    c = np.column_stack([XS, YS])
    m = c.mean(0)
    cov = SCALE ** 2 * np.eye(2) + (c - m).T @ (c - m) / len(c)
    n = 40_000
    x = get_target(SPEC).sample(n, torch.Generator().manual_seed(0)).double().numpy()
    se_mean = np.sqrt(np.diag(cov) / n)
    assert np.all(np.abs(x.mean(0) - m) <= 6 * se_mean), (x.mean(0), m, se_mean)
    d = x - m                                            # centred at the true mean
    for a, b in ((0, 0), (0, 1), (1, 1)):
        z = d[:, a] * d[:, b]                            # E z = cov[a, b]
        se = z.std(ddof=1) / math.sqrt(n)
        assert abs(z.mean() - cov[a, b]) <= 6 * se, (a, b, z.mean(), cov[a, b], se)


def test_one_point_is_an_isotropic_normal():
    d = dist("points(x=[1], y=[-2], scale=0.5)")
    ref = dist("mvnormal(loc=[1, -2], cov=[[0.25, 0], [0, 0.25]])")
    xy = torch.tensor([[1.0, -2.0], [0.0, 0.0], [2.0, -1.5]], dtype=torch.float64)
    torch.testing.assert_close(d.realize().log_density(xy), ref.realize().log_density(xy))
    assert gv.divergence("kl", d, ref).value == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("text", [
    SPEC,
    "points(x=[0], y=[0], scale=1)",
    "points(x=[0.1, 0.2], y=[0.3, -0.4])",                          # scale by default
    "points([3, -3], [1, 1], 0.05)",                                 # positional
])
def test_round_trip(text):
    d = dist(text)
    assert d.name == "points" and d.dim == 2
    assert dist(d.to_spec()) == d
    assert d.to_spec().startswith("points(x=[")
    assert gv.dist(d.to_spec()).to_spec() == d.to_spec()


def test_flat_parameter_names_follow_the_design():
    d = dist("points(x=[0, 1], y=[2, 3], scale=0.1)")
    assert d.flat_params() == {"x.0": 0.0, "x.1": 1.0, "y.0": 2.0, "y.1": 3.0, "scale": 0.1}
    moved = d.with_params({"y.1": -1.0})
    assert moved.to_spec() == "points(x=[0, 1], y=[2, -1], scale=0.1)"


def _list(values) -> str:
    return "[" + ", ".join(f"{v:.2f}" for v in values) + "]"


def test_the_cap_fits_the_grammar_with_two_decimals():
    """64 points at two decimals, the widest coordinates of a +-9.99 plane, fit the
    spec length limit (and a 65th point is refused, naming the cap)."""
    xs = [-9.99 + 0.01 * i for i in range(MAX_POINTS)]
    text = f"points(x={_list(xs)}, y={_list([-9.99] * MAX_POINTS)}, scale=0.25)"
    assert len(text) <= MAX_SPEC_LENGTH
    d = dist(text)
    assert len(d.values["x"]) == MAX_POINTS == 64
    assert dist(d.to_spec()) == d


@pytest.mark.parametrize("text, fragment", [
    (f"points(x={_list(range(65))}, y={_list([0] * 65)})", "at most 64"),
    ("points(x=[0, 1], y=[0])", "same length"),
    ("points(x=[0, 1, 2], y=[0, 1])", "3 x values, 2 y values"),
    ("points(x=[], y=[])", "'x'"),
    ("points(x=[0], y=[0], scale=0)", "scale"),
    ("points(x=[0], y=[0], scale=-0.1)", "> 0"),
    ("points(x=[0, inf], y=[0, 0])", "finite"),
    ("points(x=[0, 1e999], y=[0, 0])", "finite"),
    ("points(x=[0, nan], y=[0, 0])", "finite"),
    ("points(x=[1, 1], y=[2, 2])", "repeats point 0"),
    ("points(x=0, y=0)", "list of numbers"),
    ("points(x=[0], y=[0], k=3)", "unknown parameter 'k'"),
])
def test_bad_specs_name_the_problem(text, fragment):
    with pytest.raises(ValueError) as e:
        dist(text)
    assert fragment in str(e.value)


def test_the_family_enforces_the_cap_without_the_parser():
    """A Spec built in code skips the grammar's list limit; the family still names its cap."""
    coords = tuple(float(i) for i in range(MAX_POINTS + 1))
    with pytest.raises(ValueError, match=r"1 to 64 points, got 65"):
        dist(Spec("points", (), (("x", coords), ("y", coords))))


def test_non_finite_coordinates_are_refused_on_every_path():
    with pytest.raises(ValueError, match="finite"):
        dist(Spec("points", (), (("x", (0.0, math.inf)), ("y", (0.0, 0.0)))))
    d = dist("points(x=[0, 1], y=[0, 0])")
    with pytest.raises(ValueError, match="finite coordinates"):
        d.with_params({"x.1": math.nan})


def test_get_target_and_a_short_training_run():
    from ganloss_viz.train import train

    t = get_target(SPEC)
    assert t.modes.shape == (4, 2)
    r = train(loss="ns", target=SPEC, steps=20)
    assert r.steps == 20 and not r.diverged
    assert r.metrics["modes"] == 4
    assert 0 <= r.metrics["modes_covered"] <= 4
