"""Issue 13, eighteenth round: an integrand singular where both densities vanish.

Pearson's p²/q of two betas goes like d^(2(b_P − 1) − (b_Q − 1)) at distance d from 1:
for a beta(10.51, 4.41) against a beta(0.00838, 8.71), d^-0.89, although both densities
vanish there. Each law graded its end for its own exponent (to 1e-8), 2.7 % of the value
lay beyond, and it came out 2.4455e10 ± 6.6e7 for 2.5153e10 (search seed 2069). The
power of the integrand itself at an end both laws share (`analytic.end_decay`) now sets
the grading, the frame at 1, and the power cell of the last panel, which was counted
once per law ending there and not at all at an upper end in the frame centred on it.

A search over beta pairs near that edge for the orders outside [0, 1] (Pearson, Neyman,
α of −1, 1.5 and 3, Rényi of 2 and 3) then found 24 of about 100 out of their bounds:
where both laws blow up at the end, the end cell of the more singular one took the last
panel as if the integrand followed its mass (the α-divergence of order −1 of
beta(10.43, 0.233) ‖ beta(5.27, 0.118), like d^-0.996, 5.659 ± 0.001 for 5.997); where
each law's own grading went deep enough, x beside 1 did not (no frame at 1: Pearson of
beta(3.52, 1.87) ‖ beta(4.97, 3.46), like d^-0.72, 3e-5 of it within 1e-16).

References: the closed form of ∫ p^a q^(1−a) for two betas, B(a·a_P + (1 − a)·a_Q,
a·b_P + (1 − a)·b_Q) · B(a_Q, b_Q)^(a−1) / B(a_P, b_P)^a, in mpmath at 40 digits, and its
derivatives by mpmath's numerical differentiation at that precision.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest

import ganloss_viz as gv

DPS = 40
NAMES = ("p.a", "p.b", "q.a", "q.b")


def _coefficient(a, ap, bp, aq, bq):
    return mp.beta(a * ap + (1 - a) * aq, a * bp + (1 - a) * bq) \
        * mp.beta(aq, bq) ** (a - 1) / mp.beta(ap, bp) ** a


def _pearson(*params):
    return _coefficient(2, *params) - 1


def _spec(a, b) -> str:
    return f"beta({a}, {b})"


def _bounded(value, error, ref):
    assert abs(value - ref) <= max(3 * (error or 0.0), 1e-12 * abs(ref)), (value, error, ref)


# (a_P, b_P, a_Q, b_Q): the integrand's v at the end (d^(v − 1)) in the comment
CASES = [
    (10.51, 4.41, 0.00838, 8.71),    # v = 0.11 at 1 (seed 2069)
    (2, 3, 2, 5.98),                 # 0.02 at 1: share 1e-6 inside 1e-300, a power cell
    (3, 2, 5.98, 2),                 # 0.02 at 0: the cell of P's end and of Q's end, once
    (2, 3, 2, 5.99),                 # 0.01 at 1
    (0.7, 3, 1.2, 5.95),             # 0.05 at 1; 0.2 at 0 where P is singular
    (0.7, 3, 1.38, 3),               # 0.02 at 0 where P is singular (d^-0.3)
    (1.2, 40, 1.3, 79.96),           # 0.04 at 1, a narrow P
]


@pytest.mark.parametrize("params", CASES)
def test_pearson_of_two_betas_vanishing_together(params):
    r = gv.divergence("pearson", _spec(*params[:2]), _spec(*params[2:]))
    with mp.workdps(DPS):
        x = [mp.mpf(v) for v in params]
        ref = _pearson(*x)
        assert r.accurate
        _bounded(r.value, r.error, float(ref))
        assert abs(r.value - ref) <= 1e-12 * abs(ref)
        for i, name in enumerate(NAMES):
            want = mp.diff(lambda t, i=i: _pearson(*(x[:i] + [t] + x[i + 1:])), x[i])
            assert abs(r.grad[name] - want) <= 1e-6 * abs(want), (name, r.grad[name], want)


def test_neyman_mirrors_pearson_where_both_vanish():
    params = CASES[0]
    r = gv.divergence("neyman", _spec(*params[2:]), _spec(*params[:2]))
    with mp.workdps(DPS):
        ref = float(_pearson(*(mp.mpf(v) for v in params)))
    _bounded(r.value, r.error, ref)
    assert abs(r.value - ref) <= 1e-12 * ref


@pytest.mark.parametrize("name, a, params", [
    ("renyi", 3.0, (2, 3, 2, 4.49)),     # p³/q² like d^-0.98 at 1
    ("alpha", 3.0, (2, 3, 2, 4.49)),
    ("renyi", 1.5, (2, 3, 2, 6.96)),     # p^1.5 q^-0.5 like d^-0.98 at 1
    ("alpha", 1.5, (2, 3, 2, 6.96)),
])
def test_orders_above_one_where_both_vanish(name, a, params):
    r = gv.divergence(name, _spec(*params[:2]), _spec(*params[2:]), alpha=a)
    with mp.workdps(DPS):
        c = _coefficient(mp.mpf(a), *(mp.mpf(v) for v in params))
        ref = float(mp.log(c) / (a - 1) if name == "renyi" else (c - 1) / (a * (a - 1)))
    assert r.accurate
    _bounded(r.value, r.error, ref)
    assert abs(r.value - ref) <= 1e-12 * abs(ref)


def test_sweep_toward_the_edge_of_integrability_agrees_with_the_closed_form():
    """A sweep of Q's b from 5.5 to 5.99 (v from 0.5 to 0.01 at 1) point by point."""
    xs = np.array([5.5, 5.8, 5.9, 5.95, 5.98, 5.99])
    s = gv.sweep("pearson", "beta(2, 3)", "beta(2, 5.5)", "q.b", xs)
    with mp.workdps(DPS):
        refs = [float(_pearson(2, 3, 2, mp.mpf(b))) for b in xs]
    for got, ref in zip(s.div_values, refs, strict=True):
        assert abs(got - ref) <= 1e-10 * ref, (got, ref)


@pytest.mark.parametrize("params", [(2, 1, 3.98, 1.5), (3, 2, 5.99, 1)])
def test_pearson_of_two_gammas_vanishing_together_at_0(params):
    """p²/q of gamma(k_P, r_P) ‖ gamma(k_Q, r_Q) goes like x^(2k_P − k_Q − 1) at 0:
    ∫ = r_P^(2k_P) Γ(k_Q) Γ(2k_P − k_Q) / (Γ(k_P)² r_Q^(k_Q) (2r_P − r_Q)^(2k_P − k_Q))."""
    kp, rp, kq, rq = params
    r = gv.divergence("pearson", f"gamma({kp}, {rp})", f"gamma({kq}, {rq})")
    with mp.workdps(DPS):
        kp, rp, kq, rq = (mp.mpf(v) for v in params)
        ref = float(rp ** (2 * kp) * mp.gamma(kq) * mp.gamma(2 * kp - kq)
                    / (mp.gamma(kp) ** 2 * rq ** kq * (2 * rp - rq) ** (2 * kp - kq)) - 1)
    assert r.accurate
    _bounded(r.value, r.error, ref)
    assert abs(r.value - ref) <= 1e-12 * abs(ref)


def _divergence(name, a, x):
    c = _coefficient(a, *x)
    if name == "renyi":
        return mp.log(c) / (a - 1)
    return (c - 1) / (a * (a - 1)) if name == "alpha" else c - 1


@pytest.mark.parametrize("name, a, params", [
    ("alpha", -1, (10.425, 0.232689, 5.2667, 0.118431)),   # both blow up at 1
    ("pearson", 2, (3.51606, 1.86977, 4.9733, 3.45812)),   # both vanish: a frame at 1
    ("renyi", 3, (10.3212, 0.506628, 14.215, 0.757724)),
    ("neyman", -1, (0.438857, 7.57561, 0.223318, 3.79253)),  # both blow up at 0
    ("alpha", 1.5, (0.619687, 0.144506, 1.38544, 0.406915)),
])
def test_two_betas_at_the_edge_of_integrability(name, a, params):
    kw = {"alpha": float(a)} if name in ("alpha", "renyi") else {}
    r = gv.divergence(name, _spec(*params[:2]), _spec(*params[2:]), **kw)
    with mp.workdps(DPS):
        x, A = [mp.mpf(v) for v in params], mp.mpf(a)
        ref = _divergence(name, A, x)
        assert r.accurate
        _bounded(r.value, r.error, float(ref))
        assert abs(r.value - ref) <= 1e-12 * abs(ref)
        for i, k in enumerate(NAMES):
            want = mp.diff(lambda t, i=i: _divergence(name, A, x[:i] + [t] + x[i + 1:]), x[i])
            assert abs(r.grad[k] - want) <= 1e-6 * abs(want), (k, r.grad[k], want)


def test_alpha_of_two_gammas_whose_integrand_overflows_near_0():
    """p³/q² of gamma(6.90243, 5.61872) ‖ gamma(10.3487, 0.125199) goes like x^-0.99 and
    is e^708 near 1e-300: the integral overflows, and the log-space form takes over
    (it was 2.68e38 for 7.67e38, every derivative NaN). Reference: ∫ p^a q^(1−a) of two
    gammas, Γ(k) r_P^(a k_P) r_Q^((1−a) k_Q) / (Γ(k_P)^a Γ(k_Q)^(1−a) r^k), k and r the
    same mixtures of the shapes and rates."""
    params, a = (6.90243, 5.61872, 10.3487, 0.125199), 3
    r = gv.divergence("alpha", "gamma(6.90243, 5.61872)", "gamma(10.3487, 0.125199)",
                      alpha=3.0)

    def alpha(x):
        kp, rp, kq, rq = x
        k, rate = a * kp + (1 - a) * kq, a * rp + (1 - a) * rq
        log_c = (mp.loggamma(k) + a * kp * mp.log(rp) + (1 - a) * kq * mp.log(rq)
                 - a * mp.loggamma(kp) - (1 - a) * mp.loggamma(kq) - k * mp.log(rate))
        return mp.expm1(log_c) / (a * (a - 1))

    with mp.workdps(DPS):
        x = [mp.mpf(v) for v in params]
        ref = alpha(x)
        assert r.accurate
        _bounded(r.value, r.error, float(ref))
        assert abs(r.value - ref) <= 1e-12 * ref
        for i, k in enumerate(("p.concentration", "p.rate", "q.concentration", "q.rate")):
            want = mp.diff(lambda t, i=i: alpha(x[:i] + [t] + x[i + 1:]), x[i])
            assert abs(r.grad[k] - want) <= 1e-6 * abs(want), (k, r.grad[k], want)


def test_two_singular_betas_whose_quantiles_lie_below_the_grading():
    """α of order −0.5 of beta(0.0515515, 19.1889) ‖ beta(0.0211018, 6.39932) goes like
    d^-0.994 at 0, where Q's quantiles lie at 2e-308: the power cell stopped there and one
    panel from 2e-308 to 1e-300 held 1.7 % of the value (5.5935 ± 7e-4 for 5.5961). Its
    cell now reaches the widest break within the end's span; what is left is the three
    powers of the integrand there (d^-0.994, d^-0.979, d^-0.948) read as one, 4e-5 of the
    cell: honest, not accurate."""
    params, a = (0.0515515, 19.1889, 0.0211018, 6.39932), -0.5
    r = gv.divergence("alpha", _spec(*params[:2]), _spec(*params[2:]), alpha=a)
    with mp.workdps(DPS):
        ref = float(_divergence("alpha", mp.mpf(a), [mp.mpf(v) for v in params]))
    _bounded(r.value, r.error, ref)
    assert abs(r.value - ref) <= 1e-4 * ref


def test_sweep_across_rows_whose_ends_need_different_cells():
    """α of order −0.5 of beta(a, 3) ‖ beta(0.03, 3) goes like d^(0.045 − a/2 − 1) at 0:
    where that is more singular than P's own mass (a > 0.03) a power cell takes the last
    panel, elsewhere (a = 0.02) P's end cell. Decided for the whole sweep at once, the
    end cells took every row, and a = 0.08 came out 3.425 for 3.571 (a single value: to
    1e-7); from a = 0.09 on it is infinite."""
    xs = np.array([0.02, 0.04, 0.06, 0.08, 0.1, 0.2])
    s = gv.sweep("alpha", "beta(0.04, 3)", "beta(0.03, 3)", "p.a", xs, alpha=-0.5)
    with mp.workdps(DPS):
        c = [_coefficient(mp.mpf(-0.5), mp.mpf(a), 3, mp.mpf(0.03), 3) for a in xs[:4]]
    for got, ci in zip(s.div_values[:4], c, strict=True):
        ref = float((ci - 1) / 0.75)
        assert abs(got - ref) <= 1e-6 * ref, (got, ref)
    assert all(np.isinf(s.div_values[4:]))
