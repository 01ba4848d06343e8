"""Study summaries against independent references: Wilson intervals against scipy's
binomtest, the exact best-of-k expectation against enumerating every subset, and the
success table and best-of-k curves on hand-made rows whose answers are counted by hand."""

from __future__ import annotations

import itertools
import math
import statistics

import pytest
from scipy.stats import binomtest

from ganloss_viz.study.summary import (
    best_of_k,
    expected_best,
    filter_rows,
    success_table,
    values_by_loss,
    wilson,
)

CASES = [(0, 1), (1, 1), (0, 5), (5, 5), (3, 10), (7, 15), (1, 20), (50, 100), (999, 1000)]


@pytest.mark.parametrize(("k", "n"), CASES)
def test_wilson_matches_scipy(k, n):
    ref = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    lo, hi = wilson(k, n)
    assert lo == pytest.approx(ref.low, abs=1e-12)
    assert hi == pytest.approx(ref.high, abs=1e-12)


@pytest.mark.parametrize(("k", "n"), [(-1, 3), (4, 3), (0, 0)])
def test_wilson_refuses_impossible_counts(k, n):
    with pytest.raises(ValueError, match="0 <= k <= n"):
        wilson(k, n)


@pytest.mark.parametrize("values", [[0.3], [0.1, 0.9], [0.5, 0.2, 0.2, 0.8, 0.0],
                                    [3.0, -1.0, 2.5, 7.0, 7.0, 0.25]])
def test_expected_best_equals_the_mean_over_every_subset(values):
    for k in range(1, len(values) + 1):
        brute = statistics.fmean(max(c) for c in itertools.combinations(values, k))
        assert expected_best(values, k) == pytest.approx(brute, rel=1e-12, abs=1e-15)


def test_expected_best_bounds():
    with pytest.raises(ValueError, match="k must be from 1 to 3"):
        expected_best([1.0, 2.0, 3.0], 4)


def row(loss, target, seed, lr, success, w1=1.0, cov=None, diverged=False):
    return {"loss": loss, "target": target, "seed": seed, "lr": lr, "n_critic": None,
            "penalty_weight": None, "width": 64, "depth": 2, "batch": 128,
            "success": success, "w1": w1, "seconds_to_coverage": cov, "diverged": diverged}


ROWS = [
    row("ns", "ring8", 0, 1e-3, True, 0.1, 2.0), row("ns", "ring8", 1, 1e-3, False, 0.4),
    row("ns", "ring8", 0, 1e-4, False, 0.9), row("ns", "ring8", 1, 1e-4, False, 0.8),
    row("ns", "moons", 0, 1e-3, None, 0.2),                       # no modes: no success
    row("hinge", "ring8", 0, 1e-3, True, 0.05, 1.0), row("hinge", "ring8", 1, 1e-3, True,
                                                         0.06, 1.5),
    row("hinge", "ring8", 0, 1e-4, True, 0.2, 3.0),
    row("hinge", "ring8", 1, 1e-4, False, math.inf, diverged=True),
]


def test_success_table_counts_by_hand():
    table = success_table(ROWS)
    assert set(table) == {("ns", "ring8"), ("hinge", "ring8")}
    assert (table["ns", "ring8"].k, table["ns", "ring8"].n) == (1, 4)
    assert (table["hinge", "ring8"].k, table["hinge", "ring8"].n) == (3, 4)
    assert table["hinge", "ring8"].rate == 0.75
    assert table["hinge", "ring8"].interval == wilson(3, 4)


def test_coverage_counts_every_mode_covered_whatever_the_hq():
    rows = [dict(row("ns", "ring8", 0, 1e-3, False), modes=8, modes_covered=8),
            dict(row("ns", "ring8", 1, 1e-3, False), modes=8, modes_covered=7),
            dict(row("ns", "ring8", 2, 1e-3, False, diverged=True), modes=8, modes_covered=8),
            dict(row("ns", "moons", 0, 1e-3, None), modes=None, modes_covered=None)]
    table = success_table(rows, "coverage")
    assert list(table) == [("ns", "ring8")]
    assert (table["ns", "ring8"].k, table["ns", "ring8"].n) == (1, 3)
    assert success_table(rows)["ns", "ring8"].k == 0
    with pytest.raises(ValueError, match="criterion must be one of success, coverage"):
        success_table(rows, "hq")


def test_best_of_k_by_hand():
    # success: ns has settings lr 1e-3 (rate 1/2) and 1e-4 (rate 0): best of 1 = 1/4,
    # best of 2 = 1/2; hinge: 1 and 1/2 -> 3/4, 1.
    curves = best_of_k(ROWS, "success")
    assert curves["ns"] == pytest.approx([0.25, 0.5])
    assert curves["hinge"] == pytest.approx([0.75, 1.0])
    # w1 (minus the mean final W1 of the finite, not diverged runs): ns 1e-3 -> -0.25
    # (moons' 0.2 counts too: -(0.1 + 0.4 + 0.2) / 3), 1e-4 -> -0.85
    w1 = best_of_k(ROWS, "w1")
    ns_13 = -(0.1 + 0.4 + 0.2) / 3
    assert w1["ns"] == pytest.approx([(ns_13 - 0.85) / 2, ns_13])
    assert w1["hinge"] == pytest.approx([(-0.055 - 0.2) / 2, -0.055])
    with pytest.raises(ValueError, match="score must be"):
        best_of_k(ROWS, "fid")


def test_filters_and_values():
    assert len(filter_rows(ROWS, losses=["ns"])) == 5
    assert len(filter_rows(ROWS, targets=["moons"], lr=[1e-3])) == 1
    assert len(filter_rows(ROWS, lr=[None])) == 0
    assert values_by_loss(ROWS, "seconds_to_coverage") == {"ns": [2.0], "hinge": [1.0, 1.5, 3.0]}
    assert values_by_loss(ROWS, "w1")["hinge"] == [0.05, 0.06, 0.2]      # inf left out
