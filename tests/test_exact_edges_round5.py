"""Issue 13, fifth round: what the larger exactness search (seed 2027) still found, each a
regression test against closed forms or mpmath that share no code with the engine.

* MMD's derivative in a mixture weight of 1.3e-181: the engine's −4.2421 was right and
  the reference's 0 wrong (its central-difference step was 1e-12 of the weight itself,
  which moved the law by 1e-193, below any working precision). Checked here against the
  derivative of the Gaussian-mixture closed form, written out by hand.
* GAN of a gamma of scale 4e268 against an exponential: the engine's gradient of 0 was
  right (the truth is 1e-195 per unit of rate, 4e-464 in natural units) and the
  reference's 8e242 its quadrature error over all of P's mass.
* Gamma and beta CDF derivatives (W1, energy, W2 and every quantile's gradient): panels
  a thousandfold wide next to a singular end, the mass below the first mesh point (44%
  of a beta(0.0011, 0.0276) lies below 1e-310) and the mass within 1e-16 of an end at 1
  were integrated by 24-node rules where they cannot be: W1's rate derivative 7e-6 off,
  a NaN, W1's ∂/∂q.a −21.27 for −33.02. Now graded panels and the density's leading
  power at the end.
* A frame asked for at a beta's singular end had the width −2e-308 (both quartiles at
  0): the cut between frames fell at 4.5e15 and Rényi's and Bhattacharyya's ∂/∂b were
  1.5e-6 to 3.2e-6 off.
"""

from __future__ import annotations

import math
import os
import sys

import mpmath as mp

import ganloss_viz as gv

sys.path.insert(0, os.path.dirname(__file__))
import mp_reference as R  # noqa: E402


def _close(a: float, b: float, rel: float = 1e-9) -> bool:
    return math.isclose(a, b, rel_tol=rel)


# ===================================================================== MMD weights

def _kernel_mean(m1, v1, m2, v2, l2):
    """E exp(−(X − Y)²/(2ℓ²)) for independent X ~ N(m1, v1), Y ~ N(m2, v2) (a variance of
    0 is a Dirac mass)."""
    s = l2 + v1 + v2
    return mp.sqrt(l2 / s) * mp.exp(-(m1 - m2) ** 2 / (2 * s))


def mmd_weight_gradient(parts_p, weights_p, parts_q, bw):
    """∂MMD²/∂w_j for P = Σ w_i N_i / W against a normal or Dirac Q, in closed form.

    MMD² = Σ_ik a_i a_k K_ik with a = (w/W, −1 for Q) and K_ik the kernel's mean over
    components i and k; ∂a_i/∂w_j = (δ_ij − w_i/W)/W, so
    ∂MMD²/∂w_j = (2/W) [(K a)_j − Σ_i (w_i/W) (K a)_i]."""
    l2 = mp.mpf(bw) ** 2
    ws = [mp.mpf(w) for w in weights_p]
    W = mp.fsum(ws)
    comps = list(parts_p) + [parts_q]
    a = [w / W for w in ws] + [mp.mpf(-1)]
    Ka = [mp.fsum(_kernel_mean(*ci, *ck, l2) * ak for ck, ak in zip(comps, a, strict=True))
          for ci in comps]
    mean = mp.fsum(a[i] * Ka[i] for i in range(len(ws)))
    return [2 / W * (Ka[j] - mean) for j in range(len(ws))]


def test_mmd_derivative_in_a_weight_of_1e_minus_181():
    # search seed 2027, pair 4: Q is 5.7e11 away, so ∂MMD²/∂w0 = (2/W)(k(N, δ) − 1) ≈ −4.24
    w = [1.3317906574356633e-181, 0.14768125531693063]
    normal, atom, far, bw = (-0.514, 1.0313766780181752), -0.342, \
        (-570896448775.9506, 13.59793291225213), 0.988
    p = f"mixture(components=[normal({normal[0]!r}, {normal[1]!r}), dirac({atom!r})], " \
        f"weights=[{w[0]!r}, {w[1]!r}])"
    q = f"normal({far[0]!r}, {far[1]!r})"
    with mp.workdps(50):
        parts = [(mp.mpf(normal[0]), mp.mpf(normal[1]) ** 2), (mp.mpf(atom), mp.mpf(0))]
        g = mmd_weight_gradient(parts, w, (mp.mpf(far[0]), mp.mpf(far[1]) ** 2), bw)
        k_na = _kernel_mean(*parts[0], *parts[1], mp.mpf(bw) ** 2)
    # the derivation's shortcut, which the general form must reproduce
    assert _close(float(g[0]), float(2 / mp.fsum(map(mp.mpf, w)) * (k_na - 1)), 1e-12)
    assert -4.25 < float(g[0]) < -4.23
    r = gv.divergence("mmd", p, q, bandwidth=bw)
    assert _close(r.grad["p.weights.0"], float(g[0]), 1e-9)
    assert _close(r.grad["p.weights.1"], float(g[1]), 1e-9)
    # the reference of the search agrees (it gave 0 with the old step)
    P = R.mixture([R.normal(*normal), R.dirac(atom)], w)
    ref = R.reference_all(P, R.normal(*far), bandwidth=bw, grads={"mmd"}, divs=("mmd",))
    assert _close(ref["mmd"].grad["p.weights.0"], float(g[0]), 1e-9)
    assert _close(ref["mmd"].grad["p.weights.1"], float(g[1]), 1e-9)


# ===================================================================== GAN, a vast gamma

def test_gan_gradient_of_a_gamma_of_scale_4e268_against_an_exponential():
    # search seed 2027, pair 6. P's mass is near 1e268, where q underflows any float;
    # the pair interacts only on [0, ~2000], where p ~ 1e-471. The true gradient:
    # ∂GAN/∂θ = −∫ ∂p/∂θ log(1 + q/p) (the other terms cancel), with ∂p/∂λ = (k/λ − x) p.
    # The engine's 0 is right; the reference's 8.1e242 (2e-26 in units of 1/λ) was the
    # quadrature error of ∫ ∂p/∂λ ln2/2 = 0 over all of P's mass, now left out of it.
    k0, lam0, r0 = 1.7566515885795568, 2.7200030330606252e-269, 0.5472835001328096
    with mp.workdps(40):
        k, lam, r = mp.mpf(k0), mp.mpf(lam0), mp.mpf(r0)
        lc = k * mp.log(lam) - mp.loggamma(k)

        def p(x):
            return mp.exp(lc + (k - 1) * mp.log(x) - lam * x)

        def log1p_q_over_p(x):
            return mp.log1p(mp.exp(mp.log(r) - r * x - lc - (k - 1) * mp.log(x) + lam * x))

        def gan(x):         # −[p log(1 + q/p) + q log(1 + p/q)]
            q = r * mp.exp(-r * x)
            return -(p(x) * log1p_q_over_p(x) + q * mp.log1p(p(x) / q))

        nodes = [mp.mpf(x) for x in range(0, 4001, 25)]       # q/p = 1 near x = 1980
        value = mp.quad(gan, nodes)
        d_rate = -mp.quad(lambda x: (k / lam - x) * p(x) * log1p_q_over_p(x), nodes)
    assert mp.mpf("-2.6e-464") < value < mp.mpf("-2.4e-464")
    assert -1.62e-195 < d_rate < -1.60e-195                  # not 8.1e242
    r = gv.divergence("gan", f"gamma({k0!r}, {lam0!r})", f"exponential({r0!r})")
    assert r.accurate and abs(r.value - float(value)) <= 3 * r.error
    # in units of 1/λ (the search's natural unit) every entry is ~1e-464 or less
    assert abs(r.grad["p.rate"] - float(d_rate)) * lam0 <= 1e-300
    assert abs(r.grad["p.concentration"]) <= 1e-300 and abs(r.grad["q.rate"]) <= 1e-300


# ===================================================================== gamma CDF gradients

GP = (0.33050863030501626, 0.30170580670822944)
GQ = (0.3305085948129381, 0.3053160281187485)


def test_w1_of_near_equal_gammas_of_shape_0_33_has_its_rate_gradient():
    # search seed 2027, pair 15. k_P ≥ k_Q and λ_P ≤ λ_Q: P is stochastically larger,
    # F_P ≤ F_Q everywhere, so W1 = E_P − E_Q = k_P/λ_P − k_Q/λ_Q in closed form.
    # The CDF's rate derivative came from 24-node panels across quantiles a thousandfold
    # apart next to x^(−0.67): W1's ∂/∂rate was 6.8e-6 off (−3.6308853 for −3.6309099).
    r = gv.divergence("w1", f"gamma{GP!r}", f"gamma{GQ!r}")
    assert r.accurate
    assert abs(r.value - (GP[0] / GP[1] - GQ[0] / GQ[1])) <= max(3 * r.error, 1e-15)
    assert _close(r.grad["p.rate"], -GP[0] / GP[1] ** 2, 1e-9)
    assert _close(r.grad["q.rate"], GQ[0] / GQ[1] ** 2, 1e-9)
    assert _close(r.grad["p.concentration"], 1 / GP[1], 1e-9)
    assert _close(r.grad["q.concentration"], -1 / GQ[1], 1e-9)


def test_energy_of_near_equal_gammas_of_shape_0_33_has_its_rate_gradient():
    # ∂/∂λ_P 2∫(F_P − F_Q)² = 4∫(F_P − F_Q) ∂F_P/∂λ_P with ∂F/∂λ = x p(x)/λ exactly
    with mp.workdps(30):
        kp, lp, kq, lq = (mp.mpf(v) for v in GP + GQ)

        def F(k, lam, x):
            return mp.gammainc(k, 0, lam * x, regularized=True)

        def dens(k, lam, x):
            return mp.exp(k * mp.log(lam) + (k - 1) * mp.log(x) - lam * x - mp.loggamma(k))

        nodes = [0, mp.mpf("1e-30"), mp.mpf("1e-12"), mp.mpf("1e-6"), mp.mpf("1e-3"),
                 mp.mpf("0.1"), 1, 5, 20, 60, mp.inf]
        value = 2 * mp.quad(lambda x: (F(kp, lp, x) - F(kq, lq, x)) ** 2, nodes)
        d_lp = 4 * mp.quad(lambda x: (F(kp, lp, x) - F(kq, lq, x)) * x * dens(kp, lp, x) / lp,
                           nodes)
        d_lq = -4 * mp.quad(lambda x: (F(kp, lp, x) - F(kq, lq, x)) * x * dens(kq, lq, x) / lq,
                            nodes)
    r = gv.divergence("energy", f"gamma{GP!r}", f"gamma{GQ!r}")
    assert r.accurate and abs(r.value - float(value)) <= max(3 * r.error, 1e-12 * r.value)
    assert _close(r.grad["p.rate"], float(d_lp), 1e-8)       # was 6.9e-6 off
    assert _close(r.grad["q.rate"], float(d_lq), 1e-8)


# ===================================================================== a beta of shape 0.0011

BP = (3.2505277191701047, 0.9087543571245918)
BQ = (0.0011172862241430861, 0.02762943446724329)     # 43% of its mass below 1e-310


def _beta_cdf_gap(A, B):
    """x ↦ F_A(x) − F_B(x), written with survival functions past 1/2 (digits near 1)."""
    def g(x):
        if x < 0.5:
            return mp.betainc(*A, 0, x, regularized=True) - mp.betainc(*B, 0, x, regularized=True)
        return mp.betainc(*B, x, 1, regularized=True) - mp.betainc(*A, x, 1, regularized=True)
    return g


def test_w1_and_energy_of_a_beta_of_shape_0_0011_are_finite_and_right():
    # search seed 2027, pair 14: "the computation failed numerically" (a NaN): the CDF's
    # panel next to 0 put nodes at 5e-313, where x^(−0.9989) overflows
    with mp.workdps(30):
        A, B = [mp.mpf(v) for v in BP], [mp.mpf(v) for v in BQ]
        g = _beta_cdf_gap(A, B)
        cross = mp.findroot(g, (mp.mpf("0.9"), mp.mpf("0.99999")), solver="anderson")
        nodes = sorted({mp.mpf(0), mp.mpf("0.5"), cross, mp.mpf(1)}
                       | {mp.mpf(10) ** -k for k in range(4, 41, 4)}
                       | {1 - mp.mpf(10) ** -k for k in range(1, 40, 4)})
        w1 = mp.quad(lambda x: abs(g(x)), nodes)
        energy = 2 * mp.quad(lambda x: g(x) ** 2, nodes)
    p, q = f"beta{BP!r}", f"beta{BQ!r}"
    for div, ref in (("w1", w1), ("energy", energy)):
        r = gv.divergence(div, p, q)
        assert r.accurate, div
        assert abs(r.value - float(ref)) <= max(3 * r.error, 1e-12 * float(ref)), div
        assert all(math.isfinite(v) for v in r.grad.values()), div


def test_w1_of_a_beta_of_shape_0_0011_has_its_shape_gradients():
    # Q's CDF derivative in a and b missed the mass below the first mesh point (2e-308:
    # 44% of Q) and within 1e-16 of 1, where x rounds: W1's ∂/∂q.a read −21.27 and then
    # −33.032 where the truth is −33.0195. Central differences of the mpmath W1 (30
    # digits, step 1e-10 relative): the crossing F_P = F_Q moves with the parameters, but
    # |F_P − F_Q| vanishes there, so the integral's derivative has no boundary term.
    def w1(q_args):
        with mp.workdps(30):
            g = _beta_cdf_gap([mp.mpf(v) for v in BP], q_args)
            cross = mp.findroot(g, (mp.mpf("0.9"), mp.mpf("0.99999")), solver="anderson")
            nodes = sorted({mp.mpf(0), mp.mpf("0.5"), cross, mp.mpf(1)}
                           | {mp.mpf(10) ** -k for k in range(4, 41, 4)}
                           | {1 - mp.mpf(10) ** -k for k in range(1, 40, 4)})
            return mp.quad(lambda x: abs(g(x)), nodes)

    r = gv.divergence("w1", f"beta{BP!r}", f"beta{BQ!r}")
    with mp.workdps(30):
        x0, h = [mp.mpf(v) for v in BQ], mp.mpf("1e-10")
        for i, name in enumerate(("q.a", "q.b")):
            up, down = list(x0), list(x0)
            up[i], down[i] = x0[i] * (1 + h), x0[i] * (1 - h)
            ref = (w1(up) - w1(down)) / (2 * x0[i] * h)
            assert _close(r.grad[name], float(ref), 1e-8), (name, r.grad[name], ref)


def _log_beta_integral(A, B, t):
    """log ∫ p_A^t p_B^(1−t) for two beta laws: log B(t a_A + (1−t) a_B, t b_A + (1−t) b_B)
    − t log B(a_A, b_A) − (1−t) log B(a_B, b_B)."""
    return (mp.log(mp.beta(t * A[0] + (1 - t) * B[0], t * A[1] + (1 - t) * B[1]))
            - t * mp.log(mp.beta(*A)) - (1 - t) * mp.log(mp.beta(*B)))


def test_renyi_and_bhattacharyya_of_a_beta_of_shape_0_0011_have_their_gradients():
    # search seed 2027, pair 14: ∂/∂b was 1.5e-6 to 3.2e-6 off, the mass within 1e-16 of
    # 1 integrated where x rounds: the frame at 1 had a width of −2e-308 (both quartiles
    # of Q at 0) and served nothing
    p, q = f"beta{BP!r}", f"beta{BQ!r}"
    names = ("p.a", "p.b", "q.a", "q.b")
    for div, t, params in (("bhattacharyya", mp.mpf(0.5), {}), ("renyi", mp.mpf(0.5),
                                                                   {"alpha": 0.5})):
        with mp.workdps(40):
            def D(*v, t=t, div=div):
                lI = _log_beta_integral(v[:2], v[2:], t)
                return -lI if div == "bhattacharyya" else lI / (t - 1)
            x0 = [mp.mpf(v) for v in BP + BQ]
            ref = D(*x0)
            grads = [mp.diff(D, x0, tuple(int(i == j) for j in range(4))) for i in range(4)]
        r = gv.divergence(div, p, q, **params)
        assert r.accurate and abs(r.value - float(ref)) <= max(3 * r.error, 1e-12 * float(ref))
        for name, gref in zip(names, grads, strict=True):
            assert _close(r.grad[name], float(gref), 1e-8), (div, name, r.grad[name], gref)
