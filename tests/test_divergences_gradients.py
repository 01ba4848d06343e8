"""Gradients of the divergence engine against finite differences of the references.

For every case, every entry of `result.grad` ("p.<param>", "q.<param>") is compared
with a 4-point central difference of the INDEPENDENT reference value
(tests/references.py: scipy quadrature and closed forms), perturbing that one
parameter of the spec (mixture weights are perturbed raw, so the derivative goes
through their normalisation). Tolerance: relative 1e-5 with an absolute floor of 1e-7.
Where the definitions make a gradient exact (singular pairs: js flat at ln 2, w1 = the
distance between the lines or atoms) it is checked exactly as well.
"""

from __future__ import annotations

import math

import pytest
from references import (
    beta,
    cauchy,
    dirac,
    gumbel,
    laplace,
    logistic,
    mixture,
    mvnormal,
    normal,
    product,
    reference,
    student_t,
    uniform,
)

import ganloss_viz as gv

REL, ABS = 1e-5, 1e-7
STEP = 1e-4     # relative step (absolute for parameters of magnitude below 1)


def fd_gradient(div, P, Q, params, name: str) -> float:
    """d reference / d parameter by the 4-point stencil
    (f(x-2h) - 8 f(x-h) + 8 f(x+h) - f(x+2h)) / (12 h)."""
    side, _, flat = name.partition(".")
    law = P if side == "p" else Q
    x = law.flat()[flat]
    h = STEP * max(1.0, abs(x))

    def f(v):
        moved = law.replace(flat, v)
        a, b = (moved, Q) if side == "p" else (P, moved)
        return reference(div, a, b, **params)

    vals = [f(x + k * h) for k in (-2, -1, 1, 2)]
    if any(math.isinf(v) for v in vals):
        raise AssertionError(f"reference infinite near {name} = {x}")
    return (vals[0] - 8 * vals[1] + 8 * vals[2] - vals[3]) / (12 * h)


MIX = mixture([normal(-2, 0.5), normal(2, 0.5)], [0.3, 0.7])
ATOMS_AND_DENSITY = mixture([dirac(0), normal(0, 1)], [0.5, 0.5])
TWO_ATOMS = mixture([dirac(0), dirac(1)], [0.3, 0.7])
SHARED_ATOMS = {(ATOMS_AND_DENSITY, TWO_ATOMS): {"p.components.0.loc", "q.components.0.loc"},
                (TWO_ATOMS, ATOMS_AND_DENSITY): {"p.components.0.loc", "q.components.0.loc"}}
LINES = {theta: (product(dirac(theta), uniform(0, 1)), product(dirac(0), uniform(0, 1)))
         for theta in (0.5, -2.0)}

CASES = [
    ("js", normal(0, 1), normal(1, 2), {}),
    ("w1", normal(0, 1), normal(0.5, 2), {}),
    ("kl", MIX, normal(0, 2), {}),
    ("hellinger", uniform(0, 1), normal(0.3, 1), {}),
    ("tv", normal(0, 1), laplace(0.5, 1), {}),
    ("renyi", normal(0, 1), normal(0.5, 1.2), {"alpha": 2.0}),
    ("alpha", normal(0, 1), normal(0.5, 1.2), {"alpha": -1.0}),
    ("mmd", normal(0, 1), laplace(0.5, 1), {"bandwidth": 0.5}),
    ("energy", normal(0, 1), laplace(0.5, 1), {}),
    ("w2", normal(0, 1), normal(1, 0.5), {}),
    ("kl", student_t(3, 0.5, 1.2), normal(0, 1), {}),
    ("bhattacharyya", beta(2, 2), beta(2, 5), {}),
    ("kl", mvnormal([0, 0], [[1, 0.5], [0.5, 2]]), mvnormal([1, -0.5], [[1.5, -0.3], [-0.3, 0.8]]),
     {}),
    ("w2", mvnormal([0, 0], [[1, 0.5], [0.5, 2]]), mvnormal([1, -0.5], [[1.5, -0.3], [-0.3, 0.8]]),
     {}),
    ("js", *LINES[0.5], {}),
    ("w1", *LINES[0.5], {}),
    ("js", *LINES[-2.0], {}),
    ("w1", *LINES[-2.0], {}),
    ("js", dirac(0), dirac(3), {}),
    ("w1", dirac(0), dirac(3), {}),
    # An atom of one measure with no partner in the other (Q's at 1): its log-mass is
    # -inf for P, which must not turn the weights' gradients into NaN.
    ("js", ATOMS_AND_DENSITY, TWO_ATOMS, {}),
    ("hellinger", ATOMS_AND_DENSITY, TWO_ATOMS, {}),
    ("js", TWO_ATOMS, ATOMS_AND_DENSITY, {}),
    # Gumbel's CDF underflows to 0 far left, where its gradient is 0·inf: W2's
    # quantiles must not carry that NaN into the gradient.
    ("w2", normal(0, 1), gumbel(0, 1), {}),
    ("w2", gumbel(0, 1), gumbel(1, 2), {}),
    # ... and its log-density is -inf there (e^-z overflows), while nodes in a heavy
    # partner's tails carry huge weights: f-divergences' gradients stay finite.
    ("kl", gumbel(0, 1), cauchy(0, 1), {}),
    ("gan", cauchy(0, 1), gumbel(0, 1), {}),
    ("kl", laplace(1, 0.5), gumbel(0, 1), {}),
    ("reverse_kl", logistic(0, 1), gumbel(0, 1), {}),
]


def case_id(case) -> str:
    div, P, Q, params = case
    extra = "".join(f",{k}={v:g}" for k, v in params.items())
    return f"{div}{extra}[{P} || {Q}]"


def _result(div, P, Q, params):
    return gv.divergence(div, P.spec, Q.spec, **params)


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_gradient_matches_reference_differences(case):
    div, P, Q, params = case
    r = _result(div, P, Q, params)
    expected_keys = {f"p.{k}" for k in P.flat()} | {f"q.{k}" for k in Q.flat()}
    assert set(r.grad) == expected_keys
    bad = []
    # An atom of P on an atom of Q: D jumps when either moves; the engine says so.
    shared = {k for k, n in r.grad_notes.items() if n == "jump"}
    assert shared == SHARED_ATOMS.get((P, Q), set()), r.grad_notes
    for name, got in sorted(r.grad.items()):
        if name in shared:
            assert math.isnan(got), name
            continue
        want = fd_gradient(div, P, Q, params, name)
        assert math.isfinite(got), name
        if not abs(got - want) <= max(REL * abs(want), ABS):
            bad.append(f"{name}: expected {want!r}, got {got!r}")
    assert not bad, f"{case_id(case)}: " + "; ".join(bad)


@pytest.mark.parametrize("theta", [0.5, -2.0])
def test_parallel_lines_gradients_are_exact(theta):
    P, Q = LINES[theta]
    js = _result("js", P, Q, {})
    assert js.value == math.log(2)
    assert all(g == 0.0 for g in js.grad.values()), js.grad      # exactly flat
    w1 = _result("w1", P, Q, {})
    assert abs(w1.grad["p.x.loc"] - math.copysign(1.0, theta)) <= 1e-9
    assert abs(w1.grad["q.x.loc"] + math.copysign(1.0, theta)) <= 1e-9


def test_two_diracs_gradients_are_exact():
    js = _result("js", dirac(0), dirac(3), {})
    assert js.grad == {"p.loc": 0.0, "q.loc": 0.0}
    w1 = _result("w1", dirac(0), dirac(3), {})
    assert abs(w1.grad["p.loc"] + 1.0) <= 1e-12 and abs(w1.grad["q.loc"] - 1.0) <= 1e-12


def test_w2_between_gumbels_is_the_location_scale_identity():
    """Same standard shape Z: W2² = (Δμ + Δσ·E Z)² + Δσ²·Var Z, Gumbel: E Z = γ,
    Var Z = π²/6; the gradient in q's loc and scale follows by the chain rule."""
    r = _result("w2", gumbel(0, 1), gumbel(1, 2), {})
    mean, var = 0.5772156649015329, math.pi**2 / 6
    shift = 1 + 1 * mean
    w2 = math.sqrt(shift**2 + var)
    assert abs(r.value - w2) <= 1e-9
    assert abs(r.grad["q.loc"] - shift / w2) <= 1e-8
    assert abs(r.grad["q.scale"] - (shift * mean + var) / w2) <= 1e-8


def test_gradient_at_a_zero_mixture_weight_is_the_one_sided_derivative():
    """P = (1 − a)·N(1, 1) + a·N(0, 1) at a = 0 (weights [1, 0]), Q = N(0, 2²).

    dKL(P‖Q)/da = ∫ (p1 − p0) log(p0/q) = E_p1[g] − E_p0[g] with
    g = −(x − 1)²/2 + x²/8 + ln 2 (the +1 of d(p log p) integrates to 0):
    (−1 + 1/8) − (−1/2 + 2/8) = −0.625; a = w1 / (w0 + w1), da/dw1 = 1 there.
    log w1 would give 0·inf = NaN."""
    r = _result("kl", mixture([normal(1, 1), normal(0, 1)], [1.0, 0.0]), normal(0, 2), {})
    assert abs(r.value - (math.log(2) + 2 / 8 - 0.5)) <= 1e-12       # KL(N(1,1) ‖ N(0,4))
    assert abs(r.grad["p.weights.1"] + 0.625) <= 1e-9
    assert r.grad["p.weights.0"] == pytest.approx(0.0, abs=1e-12)
    assert r.grad["p.components.1.loc"] == pytest.approx(0.0, abs=1e-12)
