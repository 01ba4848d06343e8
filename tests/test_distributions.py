"""Families against scipy.stats: log-densities, CDFs, validation, parameter names."""

import math

import numpy as np
import pytest
import scipy.stats as st
import torch

from ganloss_viz.distributions import FAMILIES, dist

# Support ends themselves (0, 1) are left out: a density there is a matter of convention.
X = np.array([-30.0, -3.0, -0.7, -1e-9, 1e-6, 0.2, 0.5, 0.999, 1.0001, 2.5, 7.0, 40.0])

CASES = [
    ("normal(0.5, 2)", st.norm(0.5, 2)),
    ("laplace(-1, 0.5)", st.laplace(-1, 0.5)),
    ("logistic(0.3, 1.5)", st.logistic(0.3, 1.5)),
    ("cauchy(1, 0.5)", st.cauchy(1, 0.5)),
    ("student_t(3, 0, 2)", st.t(3, 0, 2)),
    ("student_t(0.7, 1, 1)", st.t(0.7, 1, 1)),
    ("gumbel(0, 2)", st.gumbel_r(0, 2)),
    ("uniform(-1, 2)", st.uniform(-1, 3)),
    ("exponential(2)", st.expon(scale=0.5)),
    ("gamma(0.5, 2)", st.gamma(0.5, scale=0.5)),
    ("gamma(3, 0.5)", st.gamma(3, scale=2)),
    ("beta(2, 3)", st.beta(2, 3)),
    ("beta(0.5, 0.7)", st.beta(0.5, 0.7)),
    ("lognormal(0.2, 0.8)", st.lognorm(0.8, scale=math.exp(0.2))),
]


@pytest.mark.parametrize("spec,ref", CASES, ids=[c[0] for c in CASES])
def test_log_density_and_cdf_match_scipy(spec, ref):
    m = dist(spec).realize()
    x = torch.tensor(X, dtype=torch.float64)
    lp = m.log_density(x).numpy()
    expected = ref.logpdf(X)
    inside = np.isfinite(expected)
    np.testing.assert_allclose(lp[inside], expected[inside], rtol=1e-10, atol=1e-10)
    assert np.all(np.isneginf(lp[~inside]))
    np.testing.assert_allclose(m.cdf(x).numpy(), ref.cdf(X), rtol=1e-8, atol=1e-12)


def test_mixture_with_atom_cdf_and_density():
    m = dist("mixture(components=[normal(-2, 0.5), dirac(1)], weights=[1, 3])").realize()
    x = torch.tensor([-2.0, 0.999, 1.0, 5.0], dtype=torch.float64)
    ref = st.norm(-2, 0.5)
    np.testing.assert_allclose(m.cdf(x).numpy(),
                               0.25 * ref.cdf(x.numpy()) + 0.75 * (x.numpy() >= 1), rtol=1e-12)
    np.testing.assert_allclose(m.log_density(x).numpy(), np.log(0.25) + ref.logpdf(x.numpy()))


def test_mvnormal_and_mixture_shapes_against_scipy():
    cov = [[1.0, 0.5], [0.5, 2.0]]
    m = dist("mvnormal(loc=[0, 1], cov=[[1, 0.5], [0.5, 2]])").realize()
    xy = np.array([[0.0, 0.0], [1.0, -2.0], [3.0, 4.0]])
    np.testing.assert_allclose(m.log_density(torch.tensor(xy)).numpy(),
                               st.multivariate_normal([0, 1], cov).logpdf(xy), rtol=1e-12)
    ring = dist("ring(8, 2, 0.02)").realize()
    centres = ring.gaussian_mixture()[1].numpy()
    ang = 2 * np.pi * np.arange(8) / 8
    np.testing.assert_allclose(centres, 2 * np.stack([np.cos(ang), np.sin(ang)], -1), atol=1e-12)
    grid = dist("grid(25, 2, 0.05)").realize()
    g = grid.gaussian_mixture()[1].numpy()
    assert sorted(set(np.round(g[:, 0], 9))) == [-4, -2, 0, 2, 4]
    np.testing.assert_allclose(grid.gaussian_mixture()[2].numpy()[:, 0, 0], 0.0025)


def test_product_density_is_the_product():
    m = dist("product(normal(0, 1), laplace(1, 2))").realize()
    xy = np.array([[0.3, -1.0], [2.0, 5.0]])
    expected = st.norm(0, 1).logpdf(xy[:, 0]) + st.laplace(1, 2).logpdf(xy[:, 1])
    np.testing.assert_allclose(m.log_density(torch.tensor(xy)).numpy(), expected, rtol=1e-12)


def test_spec_round_trip_and_flat_names():
    d = dist("mixture(components=[normal(-2, 0.5), dirac(2)], weights=[0.3, 0.7])")
    assert dist(d.to_spec()) == d
    assert list(d.flat_params()) == ["components.0.loc", "components.0.scale",
                                     "components.1.loc", "weights.0", "weights.1"]
    mv = dist("mvnormal(loc=[1, 2], cov=[[2, 0.3], [0.3, 1]])")
    assert mv.flat_params()["cov.0.1"] == 0.3
    assert mv.with_params({"cov.0.1": 0.1}).values["cov"] == ((2.0, 0.1), (0.1, 1.0))
    assert dist("normal(loc=1)").to_spec() == "normal(1, 1)"


@pytest.mark.parametrize("spec,fragment", [
    ("normal(0, -1)", "scale"),
    ("normal(0, 0)", "scale"),
    ("uniform(1, 0)", "low < high"),
    ("beta(0, 1)", "'a'"),
    ("student_t(loc=0)", "df"),
    ("mvnormal(loc=[0, 0], cov=[[1, 2], [2, 1]])", "positive definite"),
    ("mvnormal(loc=[0, 0], cov=[[1, 0.1], [0.2, 1]])", "symmetric"),
    ("mvnormal(loc=[0], cov=[[1, 0], [0, 1]])", "2 numbers"),
    ("grid(24, 2, 0.05)", "perfect square"),
    ("ring(8.5, 2, 0.02)", "integer"),
    ("mixture(components=[normal(0, 1)], weights=[1, 2])", "one weight per component"),
    ("mixture(components=[normal(0, 1), ring(8, 2, 0.1)], weights=[1, 2])", "all be 1-D"),
    ("product(ring(8, 2, 0.1), normal(0, 1))", "1-D"),
    ("nosuch(1)", "known:"),
    ("normal(0, 1, 2)", "at most 2"),
    ("normal(scale=1, sd=2)", "unknown parameter 'sd'"),
    ("normal(dirac(0), 1)", "must be a number"),
])
def test_bad_specs_name_the_problem(spec, fragment):
    with pytest.raises(ValueError, match=None) as e:
        dist(spec)
    assert fragment in str(e.value)


def test_every_family_has_declared_parameters_with_ui_bounds():
    for name, fam in FAMILIES.items():
        for p in fam.params:
            assert p.constraint.ui_low < p.constraint.ui_high, (name, p.name)


def test_normal_quantile_matches_scipy():
    """The normal quantile used for meshing (torch's ndtri) against scipy's, tails too."""
    import scipy.special as sc

    from ganloss_viz.distributions.continuous import ndtri

    u = np.concatenate([[1e-300, 1e-100, 1e-20, 1e-12], np.linspace(1e-3, 1 - 1e-3, 999),
                        [1 - 1e-12, 1 - 1e-16]])
    np.testing.assert_allclose(ndtri(u), sc.ndtri(u), rtol=1e-14, atol=1e-14)
