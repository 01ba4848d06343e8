"""Training targets: shapes, determinism, mode centres, and samples against scipy."""

import math

import numpy as np
import pytest
import scipy.stats as st
import torch

from ganloss_viz.targets import TARGETS, Target, get_target

torch.set_num_threads(1)

NAMES = ["ring8", "grid25", "spiral", "swiss_roll", "moons", "circles", "checkerboard",
         "parallel_lines", "bimodal", "trimodal"]


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def test_registry():
    assert list(TARGETS) == NAMES
    for name, t in TARGETS.items():
        assert t.name == name and get_target(name) is t and t.doc
        assert t.dim == (1 if name in ("bimodal", "trimodal") else 2)
    assert get_target(TARGETS["moons"]) is TARGETS["moons"]


@pytest.mark.parametrize("name", NAMES)
def test_shapes_dtype_determinism(name):
    t = TARGETS[name]
    a, b, c = t.sample(500, gen(3)), t.sample(500, gen(3)), t.sample(500, gen(4))
    assert a.shape == (500, t.dim) and a.dtype == torch.float32
    assert torch.isfinite(a).all()
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert t.sample(0, gen()).shape == (0, t.dim)
    assert 0.5 < t.scale < 6
    assert t.scale == t.scale          # cached, stable


def test_sample_argument_checks():
    with pytest.raises(ValueError, match="torch.Generator"):
        TARGETS["ring8"].sample(10, 0)
    with pytest.raises(ValueError, match="integer >= 0"):
        TARGETS["ring8"].sample(-1, gen())


def test_ring8_modes_and_samples():
    t = TARGETS["ring8"]
    ang = 2 * np.pi * np.arange(8) / 8
    np.testing.assert_allclose(t.modes.numpy(), 2 * np.stack([np.cos(ang), np.sin(ang)], 1),
                               atol=1e-6)
    assert t.mode_std == 0.02 and t.spec == "ring(8, 2, 0.02)"
    x = t.sample(8000, gen()).double()
    d = torch.cdist(x, t.modes.double())
    dmin, idx = d.min(1)
    assert (dmin < 0.02 * 5).all()
    counts = np.bincount(idx.numpy(), minlength=8)
    assert np.abs(counts - 1000).max() < 5 * math.sqrt(1000 * 7 / 8)
    # within a mode: isotropic N(0, 0.02^2) offsets
    off = (x - t.modes.double()[idx]).numpy()
    np.testing.assert_allclose(off.std(0), [0.02, 0.02], rtol=0.05)
    assert 2.0 < t.scale < 2.1


def test_grid25_modes():
    t = TARGETS["grid25"]
    got = {tuple(p) for p in t.modes.round().int().tolist()}
    assert got == {(a, b) for a in (-4, -2, 0, 2, 4) for b in (-4, -2, 0, 2, 4)}
    assert t.mode_std == 0.05
    x = t.sample(5000, gen()).double()
    assert (torch.cdist(x, t.modes.double()).min(1).values < 0.25).all()


@pytest.mark.parametrize("name,centres", [("bimodal", [-2, 2]), ("trimodal", [-3, 0, 3])])
def test_1d_mixtures(name, centres):
    t = TARGETS[name]
    np.testing.assert_allclose(t.modes.numpy()[:, 0], centres)
    assert t.mode_std == 0.25 and t.has_density
    x = t.sample(20000, gen()).numpy()[:, 0]
    mix = lambda z: np.mean([st.norm(c, 0.25).cdf(z) for c in centres], 0)  # noqa: E731
    assert st.kstest(x, mix).pvalue > 1e-3
    grid = np.linspace(-6, 6, 12001)
    dens = t.density(torch.tensor(grid)).numpy()
    expected = np.mean([st.norm(c, 0.25).pdf(grid) for c in centres], 0)
    np.testing.assert_allclose(dens, expected, rtol=1e-10, atol=1e-300)
    assert np.trapezoid(dens, grid) == pytest.approx(1.0, abs=1e-9)
    assert t.density(torch.tensor(grid)[:, None]).shape == (12001,)


def test_procedural_geometry():
    x = TARGETS["circles"].sample(4000, gen()).double()
    r = x.norm(dim=1)
    near = torch.minimum((r - 1).abs(), (r - 2).abs())
    assert (near < 0.3).all() and abs(float((r < 1.5).double().mean()) - 0.5) < 0.05

    x = TARGETS["checkerboard"].sample(4000, gen()).double()
    assert (x.abs() <= 2).all()
    cell = torch.floor(x).long()
    assert ((cell[:, 0] + cell[:, 1]) % 2 == 0).all()
    counts = np.unique((cell[:, 0] * 10 + cell[:, 1]).numpy(), return_counts=True)[1]
    assert len(counts) == 8 and counts.min() > 400

    x = TARGETS["swiss_roll"].sample(4000, gen()).double()
    r = x.norm(dim=1)
    assert r.min() > 1.5 * math.pi / 5 - 0.3 and r.max() < 4.5 * math.pi / 5 + 0.3

    x = TARGETS["spiral"].sample(4000, gen()).double()
    assert x.norm(dim=1).max() < 2.3

    x = TARGETS["moons"].sample(4000, gen()).double()
    assert x.abs().max() < 3.6 and x.mean(0).abs().max() < 0.1


def test_parallel_lines():
    t = TARGETS["parallel_lines"]
    x = t.sample(4000, gen()).double()
    assert set(x[:, 0].unique().tolist()) == {-1.0, 1.0}
    assert (x[:, 1].abs() <= 1).all()
    assert abs(float((x[:, 0] > 0).double().mean()) - 0.5) < 0.05
    assert st.kstest(x[:, 1].numpy(), st.uniform(-1, 2).cdf).pvalue > 1e-3
    assert t.modes is None and not t.has_density and t.density(torch.zeros(3, 2)) is None


def test_procedural_targets_have_no_modes_or_density():
    for name in ("spiral", "swiss_roll", "moons", "circles", "checkerboard"):
        t = TARGETS[name]
        assert t.modes is None and t.mode_std is None and t.density(torch.zeros(2, 2)) is None


SPECS_1D = [
    ("normal(1, 2)", st.norm(1, 2)),
    ("gamma(2, 1)", st.gamma(2)),
    ("laplace(-1, 0.5)", st.laplace(-1, 0.5)),
    ("beta(2, 3)", st.beta(2, 3)),
]


@pytest.mark.parametrize("spec,ref", SPECS_1D, ids=[s for s, _ in SPECS_1D])
def test_1d_spec_targets_sample_their_law(spec, ref):
    t = get_target(spec)
    assert t.dim == 1 and t.name == spec and t.spec == spec
    x = t.sample(5000, gen(7)).numpy()[:, 0]
    assert st.kstest(x, ref.cdf).pvalue > 1e-3
    z = np.linspace(*ref.ppf([0.01, 0.99]), 50)
    np.testing.assert_allclose(t.density(torch.tensor(z)).numpy(), ref.pdf(z), rtol=1e-8)


def test_spec_with_an_atom():
    t = get_target("mixture(components=[normal(-2, 0.3), dirac(1)], weights=[1, 3])")
    x = t.sample(8000, gen()).numpy()[:, 0]
    at = x == 1.0
    assert abs(at.mean() - 0.75) < 0.02
    assert st.kstest(x[~at], st.norm(-2, 0.3).cdf).pvalue > 1e-3
    np.testing.assert_allclose(t.modes.numpy()[:, 0], [-2, 1])
    assert t.mode_std == pytest.approx(0.3)


def test_2d_spec_targets():
    t = get_target("mvnormal(loc=[1, 2], cov=[[1, 0.5], [0.5, 2]])")
    x = t.sample(20000, gen()).double().numpy()
    np.testing.assert_allclose(x.mean(0), [1, 2], atol=0.05)
    np.testing.assert_allclose(np.cov(x.T), [[1, 0.5], [0.5, 2]], atol=0.06)
    np.testing.assert_allclose(t.modes.numpy(), [[1, 2]])
    eig = np.linalg.eigvalsh([[1, 0.5], [0.5, 2]]).max()
    assert t.mode_std == pytest.approx(math.sqrt(eig))
    d = t.density(torch.tensor([[1.0, 2.0]])).item()
    assert d == pytest.approx(st.multivariate_normal([1, 2], [[1, 0.5], [0.5, 2]]).pdf([1, 2]))

    # a mixture whose first component is a product law (general sampling path)
    t = get_target("mixture(components=[product(uniform(0, 1), normal(5, 0.1)), "
                   "mvnormal(loc=[-3, 0], cov=[[0.01, 0], [0, 0.01]])], weights=[1, 1])")
    x = t.sample(6000, gen()).double().numpy()
    first = x[:, 1] > 2.5
    assert abs(first.mean() - 0.5) < 0.03
    assert st.kstest(x[first, 0], st.uniform(0, 1).cdf).pvalue > 1e-3
    assert st.kstest(x[~first, 0], st.norm(-3, 0.1).cdf).pvalue > 1e-3
    assert t.modes is None                   # a uniform component: no Gaussian centres

    t = get_target("ring(4, 3, 0.1)")
    np.testing.assert_allclose(t.modes.numpy(), [[3, 0], [0, 3], [-3, 0], [0, -3]], atol=1e-6)


def test_unknown_target_message():
    with pytest.raises(ValueError, match="unknown target 'ring9'; known: ring8, grid25.*spec"):
        get_target("ring9")
    with pytest.raises(ValueError, match="unknown target"):
        get_target("normal(0, -1)")


def test_target_is_a_plain_class():
    t = Target("dots", 2, lambda n, g: torch.ones(n, 2, dtype=torch.float64))
    assert t.sample(3, gen()).dtype == torch.float32 and t.density(torch.zeros(1, 2)) is None
