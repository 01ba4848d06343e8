"""The theory page's content (ganloss_viz.theory and its state), without Streamlit.

The tables must be the registries' own strings, one row per entry; the worked examples
are checked against closed forms written here (BCE, binary entropy, Bernoulli KL) and
against scipy (the JS slope of two normals).
"""

from __future__ import annotations

import math
import re
from dataclasses import replace

import numpy as np
import pytest
from scipy import integrate, stats

from ganloss_viz import theory
from ganloss_viz.divergences import DIVERGENCES
from ganloss_viz.divergences.registry import GROUP_F
from ganloss_viz.losses import LOSSES
from ganloss_viz.state.theory import THEORY_FIELDS, THEORY_PRESETS, TheoryState

F_DIVS = [n for n, d in DIVERGENCES.items() if d.group == GROUP_F]


def cells(line: str) -> list[str]:
    """The cells of one Markdown table line: split at pipes that are not escaped."""
    return [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


# --- the f-divergence table -----------------------------------------------------------


def test_every_f_divergence_has_a_row_in_registry_order():
    rows = theory.fdiv_rows()
    assert [r.name for r in rows] == F_DIVS
    assert {"kl", "reverse_kl", "jeffreys", "js", "gan", "pearson", "neyman", "hellinger",
            "tv", "alpha"} <= set(F_DIVS)


@pytest.mark.parametrize("name", F_DIVS)
def test_row_strings_come_from_the_registry(name):
    d = DIVERGENCES[name]
    row = next(r for r in theory.fdiv_rows() if r.name == name)
    assert (row.label, row.f, row.f_conj, row.activation, row.critic, row.range_text) == \
        (d.label, d.f_latex, d.f_conj_latex, d.activation_latex, d.optimal_critic_latex,
         d.range_text)
    assert all((row.f, row.f_conj, row.activation, row.critic))


def test_rendered_table_has_a_row_per_divergence_and_aligned_cells():
    values = {name: f"<{name}>" for name in F_DIVS}
    lines = theory.fdiv_table(theory.fdiv_rows(), values).splitlines()
    assert len(lines) == 2 + len(F_DIVS)
    width = len(cells(lines[0]))
    assert all(len(cells(line)) == width for line in lines)   # |u - 1| must not split a cell
    for line, name in zip(lines[2:], F_DIVS, strict=True):
        row = cells(line)
        d = DIVERGENCES[name]
        assert f"`{name}`" in row[0]
        assert row[1] == "$" + d.f_latex.replace("|", r"\vert ") + "$"
        assert row[-1] == f"<{name}>"


def test_a_divergence_without_latex_is_an_error_not_a_hole():
    broken = dict(DIVERGENCES)
    broken["kl"] = replace(DIVERGENCES["kl"], f_conj_latex="")
    with pytest.raises(ValueError, match="'kl' lacks the LaTeX"):
        theory.fdiv_rows(broken)


@pytest.mark.parametrize("name", F_DIVS)
def test_generators_vanish_at_one_except_the_shifted_gan_value(name):
    import torch

    f1 = float(DIVERGENCES[name].generator()["f"](torch.ones((), dtype=torch.float64)))
    assert f1 == pytest.approx(-math.log(4) if name == "gan" else 0.0, abs=1e-15)


def test_other_divergences_have_no_row():
    names = {r.name for r in theory.fdiv_rows()}
    assert not names & {"w1", "w2", "mmd", "energy", "renyi", "bhattacharyya"}


# --- the loss table ---------------------------------------------------------------------


def test_every_loss_has_a_row_with_its_registry_strings():
    rows = theory.loss_rows()
    assert [r.name for r in rows] == list(LOSSES)
    for r in rows:
        loss = LOSSES[r.name]
        assert (r.minimises, r.divergence, r.identity) == \
            (loss.minimises, loss.divergence, loss.identity)


def test_loss_table_shows_checks_and_reasons():
    rows = theory.loss_rows()[:2]
    checks = {rows[0].name: theory.LiveCheck(1.5, 1.25),
              rows[1].name: theory.LiveCheck(message="no optimum")}
    lines = theory.loss_table(rows, checks).splitlines()
    first, second = cells(lines[2]), cells(lines[3])
    assert first[-3:] == ["1.50000", "1.25000", "0.25"]
    assert second[-3:] == ["no optimum", "—", "—"]
    assert len(first) == len(cells(lines[0]))


def test_live_check_difference_handles_infinities():
    assert theory.LiveCheck(math.inf, math.inf).difference == 0.0
    assert theory.LiveCheck(-math.inf, -math.inf).difference == 0.0
    assert theory.LiveCheck(None, 1.0).difference is None
    assert theory.LiveCheck(2.0, 0.5).difference == 1.5


# --- cross-entropy = entropy + KL ----------------------------------------------------------


def bce_reference(y: float, d: float) -> float:
    return -(y * math.log(d) if y else 0.0) - ((1 - y) * math.log(1 - d) if y < 1 else 0.0)


def kl_reference(y: float, d: float) -> float:
    return sum(a * math.log(a / b) for a, b in ((y, d), (1 - y, 1 - d)) if a > 0)


@pytest.mark.parametrize("y, d", [(1.0, 0.7), (1.0, 0.01), (0.9, 0.7), (0.5, 0.3), (0.0, 0.2)])
def test_bce_is_entropy_plus_kl(y, d):
    ex = theory.bce_example(y, d)
    assert ex.bce == pytest.approx(bce_reference(y, d), rel=1e-12)
    assert ex.kl == pytest.approx(kl_reference(y, d), rel=1e-9, abs=1e-14)
    assert ex.entropy == pytest.approx(stats.bernoulli(y).entropy(), abs=1e-14)
    assert abs(ex.gap) < 1e-12


def test_with_a_hard_label_bce_is_exactly_kl():
    ex = theory.bce_example(1.0, 0.7)
    assert ex.entropy == 0.0
    assert ex.bce == pytest.approx(-math.log(0.7), rel=1e-14)
    assert ex.kl == pytest.approx(ex.bce, rel=1e-12)


def test_bernoulli_specs_and_bad_values():
    assert theory.bernoulli(1.0) == "dirac(1)"
    assert theory.bernoulli(0.0) == "dirac(0)"
    assert theory.binary_entropy(0.5) == pytest.approx(math.log(2), rel=1e-15)
    with pytest.raises(ValueError, match=r"\[0, 1\], got 1.5"):
        theory.bernoulli(1.5)
    with pytest.raises(ValueError, match="strictly between 0 and 1, got 1.0"):
        theory.bce_example(1.0, 1.0)


# --- disjoint supports ---------------------------------------------------------------------


@pytest.mark.parametrize("p, q, gap", [("uniform(0, 1)", "uniform(2, 3)", 2.0),
                                       ("dirac(0)", "dirac(3)", 3.0)])
def test_js_is_flat_at_ln2_and_w1_has_slope_one_for_disjoint_supports(p, q, gap):
    js, w1 = theory.shift_check("js", p, q), theory.shift_check("w1", p, q)
    assert js.value == pytest.approx(math.log(2), rel=1e-12)
    assert js.slope == 0.0
    assert w1.value == pytest.approx(gap, rel=1e-9)
    assert w1.slope == pytest.approx(1.0, rel=1e-9)


def js_normals(theta: float) -> float:
    """JS(N(0, 1) ‖ N(θ, 1)) by scipy quadrature of the definition."""
    def h(x):
        p, q = stats.norm.pdf(x), stats.norm.pdf(x, theta)
        m = (p + q) / 2
        return 0.5 * (p * np.log(p / m) + q * np.log(q / m))
    return integrate.quad(h, -12, 12 + theta, epsabs=1e-13, epsrel=1e-12, limit=200)[0]


def test_slope_of_overlapping_normals_matches_scipy():
    c = theory.shift_check("js", "normal(0, 1)", "normal(1, 1)")
    h = 1e-4
    slope = (js_normals(1 + h) - js_normals(1 - h)) / (2 * h)
    assert c.value == pytest.approx(js_normals(1.0), rel=1e-8)
    assert c.slope == pytest.approx(slope, rel=1e-6)


def test_shift_needs_a_location():
    with pytest.raises(ValueError, match="no location to slide"):
        theory.shift_check("js", "exponential(1)", "exponential(2)")


# --- the state -----------------------------------------------------------------------------


def test_state_defaults_round_trip_and_bad_values():
    assert [f.name for f in THEORY_FIELDS] == ["preset", "p", "q"]
    state, errors = TheoryState.from_query_params({})
    assert (state, errors) == (TheoryState(), [])
    assert state.to_query_params() == {"p": "normal(0, 1)", "q": "normal(1, 2)"}
    state, errors = TheoryState.from_query_params({"p": "laplace(0,2)", "q": "dirac(3)"})
    assert errors == [] and (state.p, state.q) == ("laplace(0, 2)", "dirac(3)")
    assert TheoryState.from_query_params(state.to_query_params())[0] == state
    state, errors = TheoryState.from_query_params({"p": "normal(0, -1)"})
    assert state.p == "normal(0, 1)" and len(errors) == 1
    assert "p='normal(0, -1)'" in errors[0] and "using p=normal(0, 1) instead" in errors[0]


@pytest.mark.parametrize("name", THEORY_PRESETS)
def test_presets_are_valid_url_states(name):
    pr = THEORY_PRESETS[name]
    assert pr.title and pr.caption
    state, errors = TheoryState.from_query_params({"preset": name})
    assert errors == []
    assert state == TheoryState.from_preset(name)
    assert state.to_query_params()["preset"] == name


def test_changing_p_drops_the_preset():
    state, _ = TheoryState.from_query_params({"preset": "disjoint-supports",
                                              "p": "uniform(0, 2)"})
    assert (state.preset, state.p, state.q) == ("", "uniform(0, 2)", "uniform(2, 3)")
    assert "preset" not in state.to_query_params()
    _, errors = TheoryState.from_query_params({"preset": "nope"})
    assert "unknown preset" in errors[0] and "overlapping-normals" in errors[0]
