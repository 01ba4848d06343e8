"""Issue 13, thirteenth round: the search's own reference, and what fresh seeds found.

* Seed 2047: Rényi (α = 2.5) of normal(−4.944, 0.296) ‖ normal(3.09e12, 58.5) is
  1.395e21, a closed form the engine had right. The search's mpmath reference said ∞:
  its integral ∫p^α q^(1−α) = e^(3.5e21) went past the e^(1e15) where its exponential
  stops, and only integrals far *below* 1 were shifted into range. Integrals beyond
  e^1000 are now shifted too, and the logs' errors are relative errors of the integrals
  (a shifted integral's absolute error meant nothing).
* Seed 2048: any f-divergence of two mixtures of two Cauchy laws raised a TypeError; a
  crash search over mixtures of up to five components found an OverflowError (a law
  beside a Student t at 2e253: a tail extension at +inf passed as a break on the left).
* Seed 2048: Neyman's derivative in a weight of 1e-228 was 1.9e-5 off: χ²'s integrand
  squared torch's expm1, whose derivative is 0 below −37 (the weight's −2/W was lost).
* The crash search also found: W1 and energy against a beta of b = 0.0045 with NaN shape
  derivatives (a node at 1, where the density is inf, in an empty panel: inf·0); a
  mixture weight of exactly 0 gave NaN derivatives without a word (its exponent cap
  rounded: 8.8e18 + (700 − 8.8e18) is 2048, and exp of it inf), and its heavy component
  still made W1 infinite; TV, W1 and W2 at P = Q reported derivatives 0 where they have
  a kink (|change|).
* Seed 2049: JS, Hellinger and TV of a Student t of index 0.108 beside a narrow normal
  had derivatives up to 1.8e-4 off (values to 5e-7): its half-decades of level span
  4e4 in x, and halving them was not enough. Each is now cut to a ratio of 2.
* Seed 2050: Rényi's error left out the log-densities' rounding (two Cauchy laws of
  scale 1.5e35); W1's derivative in a weight of 1.2e-274 was 9.7e-4 off (a beta's
  survival function taken as 1 − F, 0 near its end).
"""

from __future__ import annotations

import math
import os
import sys

import mpmath as mp
import numpy as np
import pytest

import ganloss_viz as gv

sys.path.insert(0, os.path.dirname(__file__))
import mp_reference as R  # noqa: E402


def _renyi_normals(m1, s1, m2, s2, a):
    """Rényi divergence of order a between two normals (Gil, Alajaji and Linder 2013):
    a (m1 − m2)² / (2 s_a²) − log(s_a / (s1^(1−a) s2^a)) / (a − 1),
    s_a² = a s2² + (1 − a) s1², at 60 digits."""
    with mp.workdps(60):
        m1, s1, m2, s2, a = (mp.mpf(v) for v in (m1, s1, m2, s2, a))
        sa2 = a * s2 ** 2 + (1 - a) * s1 ** 2
        return a * (m1 - m2) ** 2 / (2 * sa2) - \
            mp.log(mp.sqrt(sa2) / (s1 ** (1 - a) * s2 ** a)) / (a - 1)


@pytest.mark.parametrize("p, q, a", [
    ((-4.944, 0.296), (3.09e12, 58.5), 2.5),      # seed 2047: e^(3.5e21) inside
    ((0.0, 1.0), (1e9, 3.0), 4.0),
])
def test_the_reference_resolves_renyi_integrals_far_above_1(p, q, a):
    want = _renyi_normals(*p, *q, a)
    ref = R.reference_all(R.normal(*p), R.normal(*q), renyi_alpha=a, divs=("renyi",),
                          grads=False)["renyi"]
    assert ref is not None and ref.value != mp.inf
    assert abs(ref.value - float(want)) <= 1e-15 * float(want), (ref.value, want)
    r = gv.divergence("renyi", f"normal({p[0]!r}, {p[1]!r})", f"normal({q[0]!r}, {q[1]!r})",
                      alpha=a)
    assert abs(r.value - float(want)) <= max(3 * r.error, 1e-12 * float(want)), r



@pytest.mark.parametrize("p, q", [
    (R.mixture([R.cauchy(0.0, 1.0), R.cauchy(1.0, 2.0)], [0.5, 0.5]),
     R.mixture([R.cauchy(0.0, 1.5), R.cauchy(2.0, 1.0)], [0.3, 0.7])),
    (R.cauchy(0.5, 1.0),                       # three power tails, one of index 0.5
     R.mixture([R.cauchy(0.0, 1.0), R.student_t(0.5, 1.0, 2.0)], [0.6, 0.4])),
    # seed 2048: every f-divergence raised (TypeError in the mesh) for this pair
    (R.mixture([R.cauchy(16907969265676.709, 1.267794312477509),
                R.cauchy(16907969265676.19, 1.267810907065128)],
               [0.4309339947423079, 0.3550840501489408]),
     R.mixture([R.cauchy(16907969265676.719, 1.2677944604660991),
                R.cauchy(16907969265676.15, 1.2677944604660991)],
               [0.4309339880671621, 0.3550838537763561])),
])
def test_more_than_two_power_tails_are_meshed(p, q):
    """The coarse rule's mesh halves the tail panels of every power-tailed component; the
    point sets of three or more were aligned by a function that took two, and any
    f-divergence of, say, two mixtures of two Cauchy laws raised a TypeError."""
    refs = R.reference_all(p, q, divs=("kl", "js", "hellinger"), grads=False)
    for div, ref in refs.items():
        assert ref is not None, div
        r = gv.divergence(div, p.spec, q.spec)
        assert abs(r.value - ref.value) <= max(3 * r.error, 1e-12 * ref.value), (div, r, ref)


@pytest.mark.parametrize("p, q", [
    ("mixture(components=[normal(2291648770097.1084, 0.19357358679829548), "
     "student_t(8.651769877598776, 2.047865300911402e+253, 1.6285080039098788e+51)], "
     "weights=[0.8, 3.7e-87])",
     "mixture(components=[normal(-7.088893528881552e+241, 2.1624132561620223e-213), "
     "gumbel(4.058, 4.714930109674949e+126), laplace(-1.3545866589551449e+197, "
     "6.008270927845634)], weights=[0.86, 0.63, 0.99])"),
])
def test_laws_1e253_apart_beside_a_student_t(p, q):
    """Apart by 1e253 on their scales, the overlap is below e^-1000: JS = ln 2, TV = 1,
    squared Hellinger = 1 to the last bit (the search's crash run: OverflowError)."""
    for div, want in (("js", math.log(2.0)), ("tv", 1.0), ("hellinger", 1.0)):
        r = gv.divergence(div, p, q)
        assert abs(r.value - want) <= max(3 * r.error, 1e-15), (div, r)
        assert r.accurate, r


def test_neyman_derivative_in_a_far_weight_of_1e_228():
    """Seed 2048: ∂χ²_N/∂w₀ with Q's uniform of weight 9.9e-228 far from its logistic,
    against the search's reference (mpmath, 40 digits): −2(N + 1)/W, as the identity
    ∂/∂w₀ = (2∫q·c₀/p − 2(N + 1))/W gives with ∫q·c₀/p ≈ 1e-228."""
    P = "cauchy(0.817, 2.570317581127656)"
    Q = ("mixture(components=[uniform(4.281, 11.518052489231023), "
         "logistic(-4.468, 0.0001330820777493194)], "
         "weights=[9.868233063241702e-228, 0.3858229814141956])")
    r = gv.divergence("neyman", P, Q)
    assert abs(r.value - 52866.2108355265) <= max(3 * r.error, 1e-12 * r.value), r
    want = -274049.05037925433
    assert abs(r.grad["q.weights.0"] - want) <= 1e-6 * abs(want), r.grad


@pytest.mark.parametrize("b", [0.004484137330594716, 0.01, 0.05])
def test_w1_shape_derivatives_of_a_beta_piled_at_1(b):
    """W1(normal(0, 1) ‖ beta(a, b)): F_Q < F_P on [0, 1), so ∂W1/∂θ = ∂E[Q]/∂θ with
    E[Q] = a/(a + b): ∂/∂a = b/(a + b)², ∂/∂b = −a/(a + b)²."""
    a = 3.186482858475315
    r = gv.divergence("w1", "normal(0, 1)", f"beta({a!r}, {b!r})")
    for name, want in (("q.a", b / (a + b) ** 2), ("q.b", -a / (a + b) ** 2)):
        assert abs(r.grad[name] - want) <= 1e-6 * abs(want), (name, r.grad)


def test_a_weight_of_zero():
    """A component of weight 0 is not there: the value is the other component's, its own
    parameters have derivative 0, and the weight's derivative (from above only) is named,
    not a number. W1 of two centred normals: |σ₁ − σ₂|·√(2/π)."""
    P, Q = "normal(0, 1)", "mixture(components=[normal(0, 1.1), cauchy(0, 1)], weights=[1.0, 0.0])"
    for div in ("w1", "tv", "js", "neyman", "kl"):
        r = gv.divergence(div, P, Q)
        alone = gv.divergence(div, P, "normal(0, 1.1)")
        assert abs(r.value - alone.value) <= 1e-12 * alone.value + 3 * r.error, (div, r)
        assert r.grad["q.components.1.loc"] == r.grad["q.components.1.scale"] == 0.0, r.grad
        assert r.grad_notes == {"q.weights.1": "zero_weight"}, (div, r.grad_notes)
        assert math.isnan(r.grad["q.weights.1"])
        assert abs(r.grad["q.components.0.scale"] - alone.grad["q.scale"]) <= \
            1e-6 * abs(alone.grad["q.scale"]), (div, r.grad, alone.grad)
    w1 = gv.divergence("w1", P, Q).value
    assert abs(w1 - 0.1 * math.sqrt(2 / math.pi)) <= 1e-12, w1


@pytest.mark.parametrize("div, kinked", [("tv", True), ("w1", True), ("w2", True),
                                         ("js", False), ("energy", False), ("mmd", False)])
def test_derivatives_at_p_equal_q(div, kinked):
    """TV(N(0,1), N(δ,1)) = erf(|δ|/(2√2)), W1 = W2 = |δ|: one-sided derivatives ±c at
    δ = 0, no derivative; JS, energy and MMD² grow like δ²: derivative 0."""
    r = gv.divergence(div, "normal(0, 1)", "normal(0, 1)")
    assert r.value == 0.0
    if kinked:
        assert r.grad_notes == {k: "kink" for k in r.grad}, r.grad_notes
        assert all(math.isnan(g) for g in r.grad.values())
    else:
        assert r.grad_notes == {} and all(g == 0.0 for g in r.grad.values()), r


def test_every_nan_derivative_is_named():
    """A crash-search pair whose Pearson χ² (4e61, not accurate) had NaN derivatives with
    no note. Its log form, now graded like its integral, gives the value to 1e-13 with
    finite derivatives; any NaN left must be named. Reference: mpmath, the beta's part
    ∫ w²b²/q (the gamma's weight, 5e-163, adds nothing) in u = x^v, v = 2a − 1 (b² goes
    like x^(v − 1) at 0)."""
    P = ("mixture(components=[gamma(0.6867905125560134, 1.6701948883963484), "
         "beta(0.5066529881343161, 6.458725969851618)], "
         "weights=[2.9054824489400384e-163, 0.5475602673275647])")
    Q = "student_t(5.797401604548092, 1274183309.1082025, 1.0452654328803304)"
    r = gv.divergence("pearson", P, Q)
    assert all(k in r.grad_notes for k, g in r.grad.items() if math.isnan(g)), r
    with mp.workdps(30):
        a, b = mp.mpf(0.5066529881343161), mp.mpf(6.458725969851618)
        nu, loc, sc = (mp.mpf(t) for t in (5.797401604548092, 1274183309.1082025,
                                             1.0452654328803304))
        w = 1 / (1 + mp.mpf(2.9054824489400384e-163) / mp.mpf(0.5475602673275647))
        v = 2 * a - 1
        c = mp.log(w ** 2 / mp.beta(a, b) ** 2 * mp.sqrt(nu * mp.pi) * sc) \
            + mp.loggamma(nu / 2) - mp.loggamma((nu + 1) / 2)

        def in_u(u):             # f(x)·x^(1 − v)/v at x = u^(1/v)
            x = u ** (1 / v)
            return mp.exp(c + 2 * (b - 1) * mp.log(1 - x)
                          + (nu + 1) / 2 * mp.log(1 + ((x - loc) / sc) ** 2 / nu)) / v

        ref = mp.quad(in_u, [0] + [mp.mpf(10) ** -k for k in range(30, 0, -1)] + [1]) - 1
    assert r.accurate
    assert abs(r.value - ref) <= max(3 * r.error, 1e-12 * ref), (r.value, r.error, ref)


@pytest.mark.parametrize("div, value, grad", [
    ("js", 0.6923344511304012, {"p.scale": -0.0007463522739809843,
                                "p.df": -0.0033771088635234565}),
    ("hellinger", 0.9889715229610744, {"p.scale": -0.0058710099851686645,
                                       "p.df": -0.026565245740032765}),
    ("tv", 0.9997756805156917, {"p.scale": -0.0002276368475166147,
                                "p.df": -0.0010300160006187985}),
])
def test_a_student_t_of_index_0108(div, value, grad):
    """Seed 2049, against the search's reference (mpmath, 40 digits)."""
    r = gv.divergence(div, "student_t(0.10835131085569924, 1.279, 0.10157424672612228)",
                      "normal(-1.178, 0.0018812011509218762)")
    assert abs(r.value - value) <= max(3 * r.error, 1e-12 * value), r
    for name, want in grad.items():
        assert abs(r.grad[name] - want) <= 1e-6 * abs(want), (name, r.grad[name], want)


def test_renyi_error_counts_the_log_densities_rounding():
    """Seed 2050: Rényi (α = 0.2) of two Cauchy laws of scale 1.5e35, 4.1e32 apart, was
    5.1e-15 from the search's reference (mpmath, 40 digits) under an error of 1e-15: the
    log-densities (−82) are known to ε·82 each, which the error now counts."""
    r = gv.divergence("renyi", "cauchy(1.448, 1.5222234193668924e+35)",
                      "cauchy(-4.103771797866258e+32, 1.5222236035154352e+35)", alpha=0.2)
    ref = 3.6339520818082737e-07
    assert abs(r.value - ref) <= max(3 * r.error, 1e-12 * ref), (r.value, r.error)
    assert r.error < 1e-12 * 1e3, r            # still a value to 1e-7 of itself


def test_w1_derivative_in_a_weight_of_1e_274():
    """Seed 2050: W1 of two mixtures of a beta and a gumbel of weight 1.2e-274, whose
    derivative in that weight integrates the sign of S_Q − S_P up to the beta's end. The
    beta's survival function was 1 − F, 0 within 6e-3 of 1, and the sign there came from
    the gumbels instead (5.8210 for 5.8266). Reference: the search's (mpmath, 40 digits)."""
    P = ("mixture(components=[beta(3.064317292724194, 8.057032068247699), "
         "gumbel(3.627, 3.353429261983669)], weights=[0.9234236194371912, "
         "1.2105605747920876e-274])")
    Q = ("mixture(components=[beta(3.062625348839565, 8.057251284483959), "
         "gumbel(3.627060987702364, 3.353100874748595)], weights=[0.9771255564482191, "
         "1.210759038984341e-274])")
    r = gv.divergence("w1", P, Q)
    assert abs(r.value - 0.00011566282656459419) <= max(3 * r.error, 1e-12 * r.value), r
    for name, want in (("p.weights.1", 5.82664907853738), ("q.weights.1", -5.50635455184074)):
        assert abs(r.grad[name] - want) <= 1e-6 * abs(want), (name, r.grad[name])


def test_beta_survival_function_near_its_end():
    """I_(1−x)(b, a) against scipy's beta.sf, where 1 − F has no digits left."""
    from scipy import stats

    import ganloss_viz.distributions as D

    law = D.dist("beta(3.06, 8.06)").realize().comps[0]
    x = np.array([0.5, 0.9, 0.99, 0.999, 1 - 1e-6])
    want = stats.beta(3.06, 8.06).sf(x)
    got = law.sf_np(x)
    assert np.allclose(got, want, rtol=1e-12, atol=0.0), (got, want)
    assert want[-1] < 1e-40


def test_w1_derivatives_beside_a_gamma_of_rate_3e61():
    """Seed 2051: W1 and energy of gamma(5.46, 2.8e61) ‖ gamma(1.43, 1.25) had NaN
    derivatives in the first's shape and rate (named 'failed'): the end-mass form's
    stand-in point had a log-mass of 770 and its masked exp a backward pass of 0·inf.
    Reference: the search's (mpmath, 40 digits)."""
    P = "gamma(5.4647356067668715, 2.776131741160815e+61)"
    Q = "gamma(1.4276889685518435, 1.253100970510055)"
    for div, value, rate in (("w1", 1.1393247648437501, 7.090698371916145e-123),
                             ("energy", 1.291344082679974, 1.752672851199456e-122)):
        r = gv.divergence(div, P, Q)
        assert abs(r.value - value) <= max(3 * r.error, 1e-12 * value), r
        assert r.grad_notes == {}, r.grad_notes
        assert abs(r.grad["p.rate"] - rate) <= 1e-6 * rate, r.grad


def test_a_student_t_of_index_0001_stays_small_and_honest():
    """Seed 2051: two Student t laws of index 0.0011 asked for 1510 cuts a half-decade of
    level (200 MB of nodes a pass, a MemoryError in the search); the cuts stop at 16,
    and what that cannot resolve is said: not accurate."""
    r = gv.divergence("kl", "student_t(0.0011018040773250215, 0.5747311060250984, "
                      "0.3125855956958014)", "student_t(0.0010848850389818282, 0.575, "
                      "0.31364013878123237)")
    assert r.value >= 0 and (r.accurate or r.error > 1e-6), r
