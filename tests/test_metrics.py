"""Mode metrics on hand-made samples; W1 against scipy and known translations."""

import math

import numpy as np
import pytest
import scipy.stats as st
import torch
from hypothesis import given, settings
from hypothesis import strategies as hs
from hypothesis.extra import numpy as hnp

from ganloss_viz.metrics import coverage_reached, evaluate, mode_metrics, w1_to_target
from ganloss_viz.targets import TARGETS

torch.set_num_threads(1)

MODES = torch.tensor([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])


def test_mode_metrics_hand_made():
    samples = torch.tensor([[0.0, 0.5]] * 4 + [[10.0, 1.0]] * 2
                           + [[5.0, 5.0]]            # 7.07 from every mode: not HQ
                           + [[0.0, 12.9]])          # 2.9 from mode 2: HQ
    m = mode_metrics(samples, MODES, 1.0)
    h = np.array([4, 2, 1]) / 7
    assert m == pytest.approx({"modes": 3, "modes_covered": 3, "hq_fraction": 7 / 8,
                               "reverse_kl_modes": float(np.sum(h * np.log(3 * h)))})
    assert isinstance(m["modes"], int) and isinstance(m["modes_covered"], int)


def test_threshold_is_inclusive_and_scales_with_std():
    on = torch.tensor([[3.0, 0.0]])        # exactly 3 std from mode 0
    assert mode_metrics(on, MODES, 1.0)["hq_fraction"] == 1.0
    assert mode_metrics(on, MODES, 0.999)["hq_fraction"] == 0.0
    assert mode_metrics(on, MODES, 0.5, threshold=6.0)["hq_fraction"] == 1.0


def test_collapse_and_no_quality():
    collapsed = mode_metrics(torch.zeros(50, 2), MODES, 1.0)
    assert collapsed == {"modes": 3, "modes_covered": 1, "hq_fraction": 1.0,
                         "reverse_kl_modes": pytest.approx(math.log(3))}
    lost = mode_metrics(torch.full((50, 2), 50.0), MODES, 1.0)
    assert lost == {"modes": 3, "modes_covered": 0, "hq_fraction": 0.0,
                    "reverse_kl_modes": pytest.approx(math.log(3))}
    balanced = mode_metrics(MODES.repeat(5, 1), MODES, 1.0)
    assert balanced["reverse_kl_modes"] == 0.0 and balanced["modes_covered"] == 3


def test_one_d_and_non_finite_samples():
    m = mode_metrics(torch.tensor([-2.1, 1.9, 2.0, float("nan"), float("inf")]),
                     torch.tensor([[-2.0], [2.0]]), 0.25)
    assert m["modes_covered"] == 2 and m["hq_fraction"] == pytest.approx(3 / 5)


@pytest.mark.parametrize("args,match", [
    ((torch.zeros(4, 1), MODES, 1.0), "1-D but modes are 2-D"),
    ((torch.zeros(4, 2), MODES, 0.0), "std"),
    ((torch.zeros(4, 3), MODES, 1.0), r"shape \(n, 1\) or \(n, 2\)"),
    ((torch.zeros(0, 2), MODES, 1.0), "empty")])
def test_mode_metrics_errors(args, match):
    with pytest.raises(ValueError, match=match):
        mode_metrics(*args)


def test_coverage_reached():
    base = {"modes": 8, "modes_covered": 8, "hq_fraction": 0.5, "reverse_kl_modes": 0.1}
    assert coverage_reached(base)
    assert not coverage_reached({**base, "modes_covered": 7})
    assert not coverage_reached({**base, "hq_fraction": 0.49})
    assert not coverage_reached({"w1": 0.1})


def test_w1_1d_against_scipy():
    g = np.random.default_rng(0)
    for n, m in [(50, 50), (37, 81), (1, 5)]:
        x, y = g.normal(0, 1, n), g.gamma(2, 1, m)
        assert w1_to_target(x, y) == pytest.approx(st.wasserstein_distance(x, y), rel=1e-12)
        assert w1_to_target(torch.tensor(x)[:, None], torch.tensor(y)[:, None]) == \
            pytest.approx(st.wasserstein_distance(x, y), rel=1e-12)
    x = g.normal(size=100)
    assert w1_to_target(x, x + 0.7) == pytest.approx(0.7, rel=1e-12)


def test_sliced_w1_of_a_translation():
    """Each projection of a translate by v moves by v·u: its W1 is |v·u| exactly."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(300, 2, generator=g, dtype=torch.float64)
    v = np.array([0.8, -0.3])
    ang = np.pi * np.arange(64) / 64
    expected = np.mean(np.abs(v[0] * np.cos(ang) + v[1] * np.sin(ang)))
    assert w1_to_target(x, x + torch.tensor(v)) == pytest.approx(expected, rel=1e-12)
    # a random rotation of the fan of directions, from the generator
    a = w1_to_target(x, x + torch.tensor(v), generator=torch.Generator().manual_seed(1))
    delta = torch.rand((), generator=torch.Generator().manual_seed(1)).item()
    ang = np.pi * (np.arange(64) + delta) / 64
    assert a == pytest.approx(np.mean(np.abs(v[0] * np.cos(ang) + v[1] * np.sin(ang))), rel=1e-12)
    assert w1_to_target(x, x) == 0.0
    assert expected == pytest.approx(2 / np.pi * np.linalg.norm(v), rel=1e-3)


def test_w1_unequal_sizes_2d_and_bad_values():
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(200, 2, generator=g), torch.randn(333, 2, generator=g) + 5
    assert w1_to_target(x, y) == pytest.approx(2 / np.pi * 5 * math.sqrt(2), rel=0.1)
    assert w1_to_target(torch.tensor([[0.0, float("inf")]]), x) == math.inf
    with pytest.raises(ValueError, match="NaN"):
        w1_to_target(torch.tensor([[0.0, float("nan")]]), x)
    with pytest.raises(ValueError, match="2-D but target samples are 1-D"):
        w1_to_target(x, torch.zeros(5))


arrays = hnp.arrays(np.float64, hs.integers(1, 12), elements=hs.floats(-100, 100))


@settings(max_examples=60, deadline=None)
@given(arrays, arrays, arrays)
def test_w1_is_a_metric_on_empirical_measures(x, y, z):
    xy, yx = w1_to_target(x, y), w1_to_target(y, x)
    assert xy >= 0 and xy == pytest.approx(yx, rel=1e-12, abs=1e-12)
    assert xy <= w1_to_target(x, z) + w1_to_target(z, y) + 1e-9
    assert w1_to_target(x, x) == 0.0


def test_evaluate_on_targets():
    t = TARGETS["ring8"]
    out = evaluate(t.sample(2500, torch.Generator().manual_seed(1)), t)
    assert set(out) == {"w1", "modes", "modes_covered", "hq_fraction", "reverse_kl_modes"}
    assert out["modes_covered"] == 8 and out["hq_fraction"] > 0.95 and out["w1"] < 0.1
    assert coverage_reached(out)
    collapsed = torch.tensor([[2.0, 0.0]]).repeat(2500, 1)
    bad = evaluate(collapsed, t)
    assert bad["modes_covered"] == 1 and bad["w1"] > 1 and not coverage_reached(bad)
    moons = TARGETS["moons"]
    assert set(evaluate(moons.sample(500, torch.Generator()), moons)) == {"w1"}
