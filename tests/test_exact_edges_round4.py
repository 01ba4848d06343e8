"""Issue 13, fourth round: the classes the larger exactness search still found, each a
regression test against closed forms or mpmath quadrature that share no code with the
engine.

* A Laplace of scale 2.27e-282 beside one of scale 0.296: Pearson's p²/q overflowed
  (∞ where the truth is 4e287); ∂/∂p.scale of every bounded f-divergence was NaN
  (autograd's ∂(x/s)/∂s = −(x/s)/s is −inf where the incoming gradient is 0); KL's
  was "−inf" where the truth is −4.4e281; ∂/∂p.loc came from two sums of terms of
  1/scale meant to cancel (−1.8e265 for Bhattacharyya, truth 1.69).
* A mixture weight of 5e-199: the derivative of Hellinger in it has its mass where the
  mixture's leading component changes (x = 53.85), past the last quantile of the mesh,
  and was off by 2.1×.
* Pearson of 5e180 (a weight of 1.8e-180): its weight derivative, 9.5e180, was "inf".
"""

from __future__ import annotations

import math

import mpmath as mp
import pytest

import ganloss_viz as gv

MP, BP = 1.945, 2.27e-282          # the narrow Laplace P
MQ, BQ = -2.681, 0.296             # the wide Laplace Q
P_NARROW = f"laplace({MP!r}, {BP!r})"
Q_WIDE = f"laplace({MQ!r}, {BQ!r})"


def _close(a: float, b: float, rel: float = 1e-9) -> bool:
    return math.isclose(a, b, rel_tol=rel)


def kl_laplace(m1, b1, m2, b2):
    """KL(Laplace(m1, b1) ‖ Laplace(m2, b2)), the closed form torch registers."""
    d = abs(m1 - m2)
    return mp.log(b2 / b1) + d / b2 + b1 / b2 * mp.exp(-d / b1) - 1


def test_kl_of_a_laplace_of_scale_1e_282_has_its_finite_scale_derivative():
    with mp.workdps(50):
        args = [mp.mpf(v) for v in (MP, BP, MQ, BQ)]
        ref = kl_laplace(*args)
        dscale = mp.diff(lambda b: kl_laplace(args[0], b, args[2], args[3]), args[1],
                         h=args[1] * mp.mpf("1e-20"))
    r = gv.divergence("kl", P_NARROW, Q_WIDE)
    assert _close(r.value, float(ref), 1e-12)
    assert "p.scale" not in r.grad_notes
    assert _close(r.grad["p.scale"], float(dscale), 1e-9)           # −1/b_p = −4.4e281
    assert _close(r.grad["p.loc"], 1 / BQ, 1e-12)


def pearson_plus_one(mp_, bp, mq, bq):
    """∫ p²/q for a Laplace P far narrower than Q and to its right: 1/q(x) is
    2 b_q e^((x − m_q)/b_q) across all of P's mass (the rest is e^(−Δ/b_p) of it), and
    ∫ p(x)² e^((x − m_p)/b_q) dx = 1 / (b_p (4 − b_p²/b_q²))."""
    return 2 * bq * mp.exp((mp_ - mq) / bq) / (bp * (4 - (bp / bq) ** 2))


def test_pearson_of_a_laplace_of_scale_1e_282_is_finite_with_its_gradient():
    with mp.workdps(50):
        a = [mp.mpf(v) for v in (MP, BP, MQ, BQ)]
        c = pearson_plus_one(*a)
        ref = c - 1
        d_bq = mp.diff(lambda b: pearson_plus_one(a[0], a[1], a[2], b), a[3],
                       h=a[3] * mp.mpf("1e-20"))
    r = gv.divergence("pearson", P_NARROW, Q_WIDE)
    assert _close(r.value, float(ref), 1e-9) and r.value < math.inf      # 3.995e287
    assert abs(r.value - float(ref)) <= 3 * r.error
    assert r.accurate
    assert _close(r.grad["q.loc"], -float(c / BQ))
    assert _close(r.grad["p.loc"], float(c / BQ))        # not "−inf": translation invariance
    assert _close(r.grad["q.scale"], float(d_bq))
    # ∂/∂b_p = −(χ² + 1)/b_p ≈ −1.8e569: beyond the float range, and said so
    assert r.grad_notes.get("p.scale") == "-inf"
    # P narrower than Q can't see Q's tails: Neyman (∫ q²/p) is infinite
    assert gv.divergence("neyman", P_NARROW, Q_WIDE).value == math.inf


def bhattacharyya_coefficient(mp_, bp, mq, bq):
    """∫ √(pq) for the same pair: √q(x) = √q(m_p) e^(−(x − m_p)/(2 b_q)) across P, and
    ∫ √p(x) e^(−u/(2 b_q)) du = (1/√(2 b_p)) (1/(1/(2b_p) + 1/(2b_q)) + 1/(1/(2b_p) −
    1/(2b_q)))."""
    q_at = mp.exp(-(mp_ - mq) / bq) / (2 * bq)
    s, t = 1 / (2 * bp), 1 / (2 * bq)
    return mp.sqrt(q_at) / mp.sqrt(2 * bp) * (1 / (s + t) + 1 / (s - t))


@pytest.mark.parametrize("div", ["bhattacharyya", "hellinger"])
def test_bounded_and_log_divergences_of_a_laplace_of_scale_1e_282_have_gradients(div):
    with mp.workdps(50):
        a = [mp.mpf(v) for v in (MP, BP, MQ, BQ)]
        bc = bhattacharyya_coefficient(*a)
        dbc = {k: mp.diff(lambda v, i=i: bhattacharyya_coefficient(*(a[:i] + [v] + a[i + 1:])),
                          a[i], h=abs(a[i]) * mp.mpf("1e-20"))
               for i, k in enumerate(("p.loc", "p.scale", "q.loc", "q.scale"))}
        # −log BC and 1 − BC
        ref = -mp.log(bc) if div == "bhattacharyya" else 1 - bc
        grads = {k: -d / bc if div == "bhattacharyya" else -d for k, d in dbc.items()}
    r = gv.divergence(div, P_NARROW, Q_WIDE)
    assert abs(r.value - float(ref)) <= max(3 * r.error, 1e-12 * abs(float(ref)))
    for k, g in grads.items():
        assert math.isfinite(r.grad[k]), (k, r.grad)
        assert _close(r.grad[k], float(g), 1e-6), (k, r.grad[k], float(g))


@pytest.mark.parametrize("div", ["js", "gan", "tv", "alpha", "renyi", "w1", "energy"])
def test_no_nan_gradient_beside_a_laplace_of_scale_1e_282(div):
    r = gv.divergence(div, P_NARROW, Q_WIDE)
    assert all(not math.isnan(g) for g in r.grad.values()), r.grad
    # translation invariance: moving both laws together changes nothing
    assert abs(r.grad["p.loc"] + r.grad["q.loc"]) <= 1e-9 * max(abs(r.grad["q.loc"]), 1e-300)


LOGN, GAM = (2.784, 0.12198739785089052), (1.3130966309001069, 9.48251107056416)
W_TINY, W_MAIN = 5.078297727155374e-199, 0.19887725033935533
GUM, GW = (1.63, 0.8666975277763804), (0.15046313249726373, 0.23939247323567348)


def test_hellinger_gradient_in_a_weight_of_5e_minus_199():
    """dH/dw0 = −∫ √q (p0 − p)/(2 W √p) (p = (w0 p0 + w1 p1)/W; Q's atom adds nothing to
    ∫√(pq)), by mpmath on panels with a break at the switch x = 53.85."""
    with mp.workdps(30):
        w0, w1 = mp.mpf(W_TINY), mp.mpf(W_MAIN)
        W = w0 + w1
        mu, s = (mp.mpf(v) for v in LOGN)
        k, rate = (mp.mpf(v) for v in GAM)
        gl, gs = (mp.mpf(v) for v in GUM)
        qw = mp.mpf(GW[0]) / (mp.mpf(GW[0]) + mp.mpf(GW[1]))

        def p0(x):
            return mp.npdf(mp.log(x), mu, s) / x

        def p1(x):
            return rate**k * x ** (k - 1) * mp.exp(-rate * x) / mp.gamma(k)

        def q(x):
            z = (x - gl) / gs
            return qw * mp.exp(-(z + mp.exp(-z))) / gs

        def integrand(x):
            p = (w0 * p0(x) + w1 * p1(x)) / W
            return -mp.sqrt(q(x)) * (p0(x) - p) / (2 * W * mp.sqrt(p))

        switch = mp.findroot(lambda x: mp.log(w0 * p0(x)) - mp.log(w1 * p1(x)), 50)
        cuts = [mp.mpf(v) for v in (1e-30, 1, 16, 40, 50)] + [switch] + \
            [mp.mpf(v) for v in (58, 70, 200, 2000)]
        ref = mp.fsum(mp.quad(integrand, mp.linspace(a, b, 8))
                      for a, b in zip(cuts[:-1], cuts[1:], strict=True))
    P = f"mixture([lognormal{LOGN}, gamma{GAM}], [{W_TINY!r}, {W_MAIN!r}])"
    Q = f"mixture([gumbel{GUM}, dirac(-0.747)], [{GW[0]!r}, {GW[1]!r}])"
    r = gv.divergence("hellinger", P, Q)
    assert _close(r.grad["p.weights.0"], float(ref), 1e-6), (r.grad["p.weights.0"], float(ref))


def test_pearson_of_5e180_has_its_weight_gradients():
    """P uniform on [a, b]; of Q's mixture only the gamma (weight w_b) lies there, so
    χ² + 1 = W/(w_b L²) ∫_a^b dx/g(x) (W = w_a + w_b): ∂/∂w_a = (χ² + 1)/W, and
    ∂/∂w_b = −(χ² + 1) w_a/(W w_b) ≈ −1.5e360, beyond the float range."""
    a, b = 4.231, 10.951801126555466
    wa, wb = 0.5362053682585465, 1.8369075441206297e-180
    k, rate = 0.38604075164261864, 0.26060129955188943
    with mp.workdps(40):
        A, B, WA, WB, K, R = (mp.mpf(v) for v in (a, b, wa, wb, k, rate))
        inv_g = mp.quad(lambda x: mp.gamma(K) / (R**K * x ** (K - 1) * mp.exp(-R * x)), [A, B])
        c = (WA + WB) / (WB * (B - A) ** 2) * inv_g
    P = f"uniform({a!r}, {b!r})"
    Q = (f"mixture([uniform(-994201514571370.2, -994201514565871.1), gamma({k!r}, {rate!r})],"
         f" [{wa!r}, {wb!r}])")
    r = gv.divergence("pearson", P, Q)
    assert _close(r.value, float(c - 1), 1e-9)                          # 5.1e180
    assert "q.weights.0" not in r.grad_notes
    assert _close(r.grad["q.weights.0"], float(c / (WA + WB)), 1e-9)
    assert r.grad_notes.get("q.weights.1") == "-inf"


def test_ipm_scale_gradients_of_normals_of_scale_1e_64_far_apart():
    """Normals of scale 1.5e-64 some 6e228 apart (search seed 2027): closed forms whose
    scale gradients were NaN (a variance of 1e-128 in units of 1e228, and Δ² overflowing
    beside an exp that vanished). Energy: 2E|X − Y| − 2σp/√π − 2σq/√π, whose first term
    is |Δ| to the last bit: ∂/∂σ = −2/√π. MMD (ℓ = 1): k(P, P) = 1/√(1 + 2σ²), so
    ∂/∂σp = −2σp (1 + 2σp²)^(−3/2). W2 = √(Δ² + (σp − σq)²): ∂/∂σp = (σp − σq)/W2."""
    sp, sq, mp_, mq = 1.5168994287304896e-64, 1.5169169156998871e-64, -1.0864653291793283, \
        -6.271157546725168e+228
    P, Q = f"normal({mp_!r}, {sp!r})", f"normal({mq!r}, {sq!r})"
    e = gv.divergence("energy", P, Q)
    assert _close(e.grad["p.scale"], -2 / math.sqrt(math.pi), 1e-12)
    assert _close(e.grad["q.scale"], -2 / math.sqrt(math.pi), 1e-12)
    m = gv.divergence("mmd", P, Q)
    assert m.value == 2.0
    assert _close(m.grad["p.scale"], -2 * sp, 1e-12) and _close(m.grad["q.scale"], -2 * sq, 1e-12)
    w = gv.divergence("w2", P, Q)
    assert _close(w.grad["p.scale"], (sp - sq) / w.value, 1e-6)
    assert _close(w.grad["p.loc"], 1.0, 1e-15)


@pytest.mark.parametrize("p, q", [((-0.571, 0.8841673038672198), (-1.217, 2.1457248075749815)),
                                  ((0.0, 0.5), (0.2, 0.6))])
def test_w2_of_lognormals_keeps_the_tail_past_the_last_level(p, q):
    """Both quantiles are e^(μ + σz) at the same z, so W2² = e^(2μp + 2σp²) +
    e^(2μq + 2σq²) − 2 e^(μp + μq + (σp + σq)²/2). With σ = 2.1 the levels past
    1 − 1e-15 hold 0.1 of W2² = 843: the engine said 29.04285 ± 1.9e-4 (truth 29.04488)
    before their closed form was added (search seed 2027)."""
    with mp.workdps(40):
        (mu1, s1), (mu2, s2) = [(mp.mpf(a), mp.mpf(b)) for a, b in (p, q)]
        ref = mp.sqrt(mp.exp(2 * mu1 + 2 * s1**2) + mp.exp(2 * mu2 + 2 * s2**2)
                      - 2 * mp.exp(mu1 + mu2 + (s1 + s2) ** 2 / 2))
    r = gv.divergence("w2", f"lognormal({p[0]!r}, {p[1]!r})", f"lognormal({q[0]!r}, {q[1]!r})")
    assert abs(r.value - float(ref)) <= max(3 * r.error, 1e-12 * float(ref)), (r.value, r.error)
