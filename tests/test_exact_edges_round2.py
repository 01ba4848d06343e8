"""Issue 13, second round: the failure classes the exactness search found after the
first round, each a regression test against a reference that shares no code with the
engine (closed forms written here, scipy quadrature, mpmath).

* a support end next to a quantile a few ulps away (its panel's nodes rounded onto the
  end and dropped part of the Leibniz term), and a kink root found at a support end;
* gradients of bounded divergences near the top of their range (laws almost disjoint),
  which were rounding noise of top − (sum of masses);
* an integrand wider than both laws (√(pq) beside a narrow law) between meshes;
* scales so small or large that a variance or 1/scale² leaves the float range;
* W2 of laws 1e200 apart (its square overflowed) and of scales 1e-154.
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
import torch
from scipy import integrate, stats
from scipy.optimize import brentq

import ganloss_viz as gv

RTOL_GRAD = 1e-6


def close(a: float, b: float, rtol: float) -> bool:
    return abs(a - b) <= rtol * abs(b)


# --- uniform ends a few ulps from a quantile ------------------------------------------

# P = U(a, b) contains Q = U(c, d); c is 2e-5 of the width from a, at 3.19 (5 ulps
# between Q's end and its own 1e-12 quantile).
A, B, C, D = 3.1939780865477556, 3.1963009124237125, 3.194, 3.1962434210512853


def _js_nested(a, b, c, d):
    """JS of U(a, b) ⊇ U(c, d) in closed form (mpmath)."""
    lp, lq = b - a, d - c
    p, q = 1 / lp, 1 / lq
    m = (p + q) / 2
    common = lq * (p * mp.log(p / m) + q * mp.log(q / m)) / 2
    return common + (1 - lq / lp) * mp.log(2) / 2


@pytest.mark.parametrize("shift", [0.0, 0.5, -3.0])
def test_nested_uniforms_tv_and_js_gradients_at_the_ends(shift):
    with mp.workdps(40):
        a, b, c, d = (mp.mpf(x) + shift for x in (A, B, C, D))
    P, Q = f"uniform({float(a)!r}, {float(b)!r})", f"uniform({float(c)!r}, {float(d)!r})"
    tv = gv.divergence("tv", P, Q)
    # TV = 1 − (d − c)/(b − a): ∂/∂c = 1/(b − a)
    assert close(tv.value, float(1 - (d - c) / (b - a)), 1e-12)
    assert close(tv.grad["q.low"], float(1 / (b - a)), RTOL_GRAD)
    assert close(tv.grad["q.high"], float(-1 / (b - a)), RTOL_GRAD)
    js = gv.divergence("js", P, Q)
    with mp.workdps(40):
        assert close(js.value, float(_js_nested(a, b, c, d)), 1e-10)
        ref = mp.diff(lambda t: _js_nested(a, b, t, d), c)
    assert close(js.grad["q.low"], float(ref), RTOL_GRAD)


@pytest.mark.parametrize("h", [0.99, 1.0, 1.01])
def test_tv_gradient_at_an_end_where_the_density_ratio_crosses_one(h):
    # P = U(0, h) against Q = ½U(0, 2) + ½N(½, 1): p > q on (0, h), so TV = 1 − Q(0, h)
    # and ∂TV/∂h = −q(h). The kink search found its root at the end h itself.
    Q = "mixture(components=[uniform(0, 2), normal(0.5, 1)], weights=[0.5, 0.5])"
    r = gv.divergence("tv", f"uniform(0, {h})", Q)
    q_h = 0.25 + 0.5 * stats.norm.pdf(h - 0.5)
    mass = 0.25 * h + 0.5 * (stats.norm.cdf(h - 0.5) - stats.norm.cdf(-0.5))
    assert close(r.value, 1 - mass, 1e-12)
    assert close(r.grad["p.high"], -q_h, RTOL_GRAD)


# --- almost disjoint: the overlap form -------------------------------------------------

@pytest.mark.parametrize("delta", [12.0, 40.0])
def test_almost_disjoint_normals_keep_their_small_gradients(delta):
    P, Q = "normal(0, 1)", f"normal({delta}, 1)"
    # TV = 2Φ(Δ/2) − 1, ∂/∂Δ = φ(Δ/2); H² = 1 − exp(−Δ²/8), ∂/∂Δ = Δ/4·exp(−Δ²/8)
    tv = gv.divergence("tv", P, Q)
    assert close(1 - tv.value, 2 * stats.norm.sf(delta / 2), 1e-6) or delta > 30
    assert close(tv.grad["q.loc"], stats.norm.pdf(delta / 2), RTOL_GRAD)
    h = gv.divergence("hellinger", P, Q)
    assert close(h.grad["q.loc"], delta / 4 * math.exp(-delta**2 / 8), RTOL_GRAD)
    # GAN = −2·(ln 2 − JS): its gradient, that of the overlap, against mpmath

    def overlap(dd):
        def g(x):
            lp = -x**2 / 2 - mp.log(mp.sqrt(2 * mp.pi))
            lq = -(x - dd)**2 / 2 - mp.log(mp.sqrt(2 * mp.pi))
            return mp.exp(lp) * mp.log1p(mp.exp(lq - lp)) + mp.exp(lq) * mp.log1p(mp.exp(lp - lq))
        # the overlap peaks at dd/2 and falls off at rate dd/2: graded breakpoints there
        mid = [dd / 2 + s * mp.mpf(2)**k / dd for k in range(8) for s in (-1, 1)]
        return mp.quad(g, sorted([-mp.inf, -10, 0, dd / 2, dd, dd + 10, mp.inf] + mid))
    gan = gv.divergence("gan", P, Q)
    with mp.workdps(30):
        ref = -mp.diff(overlap, mp.mpf(delta))
    assert close(gan.grad["q.loc"], float(ref), RTOL_GRAD)


# --- √(pq) wider than a narrow law -----------------------------------------------------

@pytest.mark.parametrize("sigma", [1e-3, 1e-4, 1.4380770485153476e-06])
def test_bhattacharyya_beside_a_narrow_lognormal(sigma):
    rate, mu = 3.2491015783991912, -1.489

    def root_pq(z):          # √(p q) dx in the lognormal's own coordinate z
        x = math.exp(mu + sigma * z)
        lp = math.log(rate) - rate * x
        lq_z = -z * z / 2 - 0.5 * math.log(2 * math.pi)
        return math.exp((lp + lq_z + math.log(x * sigma)) / 2)
    bc = integrate.quad(root_pq, -60, 60, epsabs=0, epsrel=1e-13, limit=500)[0]
    P, Q = f"exponential({rate})", f"lognormal({mu}, {sigma})"
    r = gv.divergence("bhattacharyya", P, Q)
    assert abs(r.value + math.log(bc)) <= max(3 * r.error, 1e-11 * abs(math.log(bc)))
    h = gv.divergence("hellinger", P, Q)
    assert abs(h.value - (1 - bc)) <= max(3 * h.error, 1e-11)


# --- scales beyond the float range of their squares ------------------------------------

@pytest.mark.parametrize("s", [1e-200, 1e200, 1e-300])
def test_normals_of_extreme_scale(s):
    # KL(N(0, s)‖N(0, 2s)) = ln 2 + 1/8 − 1/2 whatever s; ∂/∂q.scale = (1/(2s))(1 − 1/4)·...
    P, Q = f"normal(0, {s})", f"normal(0, {2 * s})"
    r = gv.divergence("kl", P, Q)
    assert close(r.value, math.log(2) + 1 / 8 - 0.5, 1e-12)
    # ∂/∂σq [ln σq − ln σp + σp²/(2σq²)] = 1/σq − σp²/σq³ = (1 − 1/4)/(2s)
    assert close(r.grad["q.scale"], 0.75 / (2 * s), 1e-10)
    h = gv.divergence("hellinger", P, Q)
    # H² = 1 − √(2σpσq/(σp² + σq²)) = 1 − √(4/5)
    assert close(h.value, 1 - math.sqrt(0.8), 1e-12)


def test_gamma_and_exponential_of_extreme_rate():
    # KL(Gamma(2, r)‖Exp(3r)) does not depend on r: −ψ... written out with scipy
    from scipy.special import digamma, gammaln
    k, r, lam = 2.0, 1.0, 3.0
    ref = ((k - 1) * digamma(k) - math.log(1 / r) - k - gammaln(k)) - math.log(lam) \
        + lam * k / r
    for scale in (1e-250, 1.0, 1e250):
        out = gv.divergence("kl", f"gamma(2, {r / scale})", f"exponential({lam / scale})")
        assert close(out.value, ref, 1e-12)


# --- W2: overflow of the square, and tiny scales ---------------------------------------

def test_w2_of_laws_1e200_apart_is_finite():
    r = gv.divergence("w2", "normal(0, 1)", "normal(1e200, 2)")
    assert r.value == pytest.approx(1e200, rel=1e-15)
    assert r.grad["q.loc"] == pytest.approx(1.0)
    r = gv.divergence("w2", "laplace(0, 1)", "laplace(1e200, 1)")
    assert r.value == pytest.approx(1e200, rel=1e-12)
    r = gv.divergence("w2", "mvnormal([0, 0], [[1, 0], [0, 1]])",
                      "mvnormal([1e200, 0], [[1, 0], [0, 1]])")
    assert r.value == pytest.approx(1e200, rel=1e-15)


def test_w2_of_laplaces_of_scale_1e154():
    # same location: W2 = |s1 − s2|·√(E Z²) = √2 |s1 − s2| for the standard Laplace
    s1, s2 = 1.96561186580493e-154, 1.9657473636009812e-154
    loc = -70405760658768.56
    r = gv.divergence("w2", f"laplace({loc}, {s1})", f"laplace({loc}, {s2})")
    assert abs(r.value - math.sqrt(2) * (s2 - s1)) <= 1e-6 * math.sqrt(2) * (s2 - s1)
    assert close(r.grad["q.scale"], math.sqrt(2), RTOL_GRAD)
    assert close(r.grad["p.scale"], -math.sqrt(2), RTOL_GRAD)


# --- the tail rule in the plane -------------------------------------------------------

def _thin_cov(angle_deg: float, short_inv: float, long_var: float) -> list[list[float]]:
    """A covariance whose inverse has eigenvalue short_inv along `angle_deg`."""
    t = math.radians(angle_deg)
    c, s = math.cos(t), math.sin(t)
    v1, v2 = 1 / short_inv, long_var          # variances along the two axes
    return [[v1 * c * c + v2 * s * s, (v1 - v2) * c * s],
            [(v1 - v2) * c * s, v1 * s * s + v2 * c * c]]


@pytest.mark.parametrize(("short_inv", "infinite"), [(2.01, True), (1.99, False)])
def test_pearson_of_gaussian_mixtures_in_a_narrow_cone(short_inv, infinite):
    # ∫ p²/q with P = N(0, I) and Q two thin Gaussians: the integrand grows along the
    # directions where 2·1 − uᵀΣ_Q⁻¹u < 0, a cone of ±4° around 7° when the largest
    # eigenvalue of Σ_Q⁻¹ is 2.01 (no probe direction of a 22.5° fan lies in it); with
    # 1.99 it decays in every direction.
    cov = _thin_cov(7.0, short_inv, 10.0)
    Q = (f"mixture(components=[mvnormal([0.5, 0], {cov}), mvnormal([-0.5, 0.2], {cov})], "
         f"weights=[0.5, 0.5])")
    r = gv.divergence("pearson", "mvnormal([0, 0], [[1, 0], [0, 1]])", Q)
    assert math.isinf(r.value) == infinite, r
    n = gv.divergence("neyman", Q, "mvnormal([0, 0], [[1, 0], [0, 1]])")
    assert math.isinf(n.value) == infinite, n


# --- right tails: survival functions, not 1 − F ---------------------------------------

def test_energy_of_a_student_t_of_df_06_keeps_its_far_right_tail():
    # E = 2∫(F − 1{x ≥ 0})² = 4∫_0^∞ S² (symmetric); S ~ C x^-0.6 decays so slowly that
    # the part beyond 1e25, where F rounds to 1, is 1e-6 of the value.
    with mp.workdps(30):
        nu = mp.mpf("0.6")

        def S(x):
            return mp.betainc(nu / 2, mp.mpf(1) / 2, 0, nu / (nu + x * x), regularized=True) / 2
        X = mp.mpf(10) ** 100
        body = mp.quad(lambda x: S(x) ** 2, [0] + [mp.mpf(10) ** k for k in range(-1, 101, 2)])
        C = S(X) * X ** nu                              # S = C x^-ν (1 + O(x^-2)) there
        ref = float(4 * (body + C ** 2 * X ** (1 - 2 * nu) / (2 * nu - 1)))
    r = gv.divergence("energy", "student_t(0.6, 0, 1)", "dirac(0)")
    assert abs(r.value - ref) <= max(3 * r.error, 1e-12 * ref), (r, ref)


def test_w1_gradient_in_a_mixture_weight_of_1e_126():
    # P = mixture(U(0, 2), N(½, 1)) with weights (w0, 2.6e-126) against Q = U(0, 1). At
    # w1 → 0, ∂W1/∂w1 = (1/w0)[∫_{−∞}^0 F_N + ∫_0^2 (x/2 − F_N) + ∫_2^∞ (1 − F_N)]; the
    # last part is where F_P = 1 − 1e-127 rounds to 1.
    w0 = 0.21114108990484587
    N = stats.norm(0.5, 1.0)
    parts = (integrate.quad(N.cdf, -np.inf, 0, epsabs=0, epsrel=1e-12)[0]
             + integrate.quad(lambda x: x / 2 - N.cdf(x), 0, 2, epsabs=0, epsrel=1e-12)[0]
             + integrate.quad(N.sf, 2, np.inf, epsabs=0, epsrel=1e-12)[0])
    P = (f"mixture(components=[uniform(0.0, 2.0), normal(0.5, 1.0)], "
         f"weights=[{w0!r}, 2.6359698563996255e-126])")
    r = gv.divergence("w1", P, "uniform(0.0, 1.0)")
    assert r.value == pytest.approx(0.5, rel=1e-12)
    assert close(r.grad["p.weights.1"], parts / w0, RTOL_GRAD)


def test_w1_gradient_in_a_gamma_rate_with_far_tail_nodes():
    # the CDF's gradient beyond a law's last mesh point came from one panel out to 1e6
    lp, ls, k, rate = -0.12680127847178246, 1.4109966824607227, 7.936954667776517, \
        1.8183976708336123
    FP = stats.lognorm(ls, scale=math.exp(lp)).cdf
    G = stats.gamma(k, scale=1 / rate)

    def integrand(x):            # −sign(F_P − F_Q)·∂F_Q/∂rate, ∂F_Q/∂rate = x q(x)/rate
        return -np.sign(FP(x) - G.cdf(x)) * x * G.pdf(x) / rate
    roots = [brentq(lambda x: FP(x) - G.cdf(x), a, b) for a, b in ((0.5, 3.0), (3.0, 8.0))
             if (FP(a) - G.cdf(a)) * (FP(b) - G.cdf(b)) < 0]
    pts = sorted([0.0] + roots + [60.0])
    ref = sum(integrate.quad(integrand, a, b, epsabs=0, epsrel=1e-12, limit=200)[0]
              for a, b in zip(pts[:-1], pts[1:], strict=True))
    r = gv.divergence("w1", f"lognormal({lp!r}, {ls!r})", f"gamma({k!r}, {rate!r})")
    assert close(r.grad["q.rate"], ref, RTOL_GRAD)


# --- squares that overflow at far separations -------------------------------------------

@pytest.mark.parametrize("delta", [1e10, 1e160, 1e300])
def test_kl_of_cauchys_far_apart_is_finite(delta):
    # log(((γp + γq)² + Δ²)/(4 γp γq)) = 2 log Δ − log 4 + O(Δ^-2)
    r = gv.divergence("kl", "cauchy(0, 1)", f"cauchy({delta}, 1)")
    assert close(r.value, 2 * math.log(delta) - math.log(4), 1e-14)
    assert close(r.grad["q.loc"], 2 / delta, 1e-12)


def test_reverse_kl_of_a_uniform_against_a_student_t_1e257_away():
    # KL(Q‖P) = −log(b − a) − (1/(b − a)) ∫_a^b log p: finite (p's log-density is about
    # −958 there); the Student t's z² overflowed and made it "singular" with error ∞.
    nu, loc, s, a, b = 0.6154877517823522, 2.4456818020004867e+257, 2.870354149698003, \
        0.821, 2.011232911475045
    with mp.workdps(30):
        def lp(x):
            z = (x - mp.mpf(loc)) / s
            return (mp.loggamma((nu + 1) / 2) - mp.loggamma(mp.mpf(nu) / 2)
                    - mp.log(mp.sqrt(nu * mp.pi) * s) - (nu + 1) / 2 * mp.log1p(z * z / nu))

        def kl(lo):
            return -mp.log(b - lo) - mp.quad(lp, [lo, b]) / (b - lo)
        ref, dref = float(kl(mp.mpf(a))), float(mp.diff(kl, mp.mpf(a)))
    r = gv.divergence("reverse_kl", f"student_t({nu!r}, {loc!r}, {s!r})",
                      f"uniform({a!r}, {b!r})")
    assert abs(r.value - ref) <= max(3 * r.error, 1e-12 * ref), (r, ref)
    assert close(r.grad["q.low"], dref, RTOL_GRAD)


# --- CDF gradients in power tails, mixtures that vanish, W2 1e299 apart -------------------

def test_student_t_cdf_gradient_in_its_tails():
    # ∂S/∂scale = p(x)(x − loc)/scale for a location-scale law; summed from the left, the
    # gradient of a survival function of 1e-12 was rounding noise of O(1) terms
    df, loc, sc = 0.5884887898164849, 2.364, 0.12822741373369023
    d = gv.dist(f"student_t({df}, {loc}, {sc})")
    leaves = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True)
              for k, v in d.flat_params().items()}
    M = d.realize(leaves)
    xs = [-1e5, 0.0, 3.0, 1e5, 1e12, 1e20]
    S = M.sf(torch.tensor(xs, dtype=torch.float64))
    for i, x in enumerate(xs):
        (g,) = torch.autograd.grad(S[..., i].sum(), leaves["scale"], retain_graph=True)
        assert close(float(g), stats.t.pdf(x, df, loc, sc) * (x - loc) / sc, 1e-7), x


def test_mixture_weight_gradients_where_every_component_vanishes():
    # below 0 both components (exponential, lognormal) have density 0: logsumexp's 0/0
    # made every weight's gradient NaN; central differences of the engine's own values
    # (exact to 1e-15) are the reference
    Q = "uniform(4.0, 4.107725389310299)"

    def P(w0):
        return (f"mixture(components=[exponential(0.8103293022567944), "
                f"lognormal(1.933, 0.23516144900800104)], weights=[{w0!r}, 0.923443538359711])")
    w0, h = 0.7573214364911043, 1e-5
    for div in ("js", "reverse_kl", "hellinger"):
        g = gv.divergence(div, P(w0), Q).grad["p.weights.0"]
        fd = (gv.divergence(div, P(w0 + h), Q).value
              - gv.divergence(div, P(w0 - h), Q).value) / (2 * h)
        assert math.isfinite(g) and close(g, fd, 1e-6), (div, g, fd)


def test_w2_of_student_ts_1e299_apart():
    r = gv.divergence("w2", "student_t(3.01, 4.486, 5.34)", "student_t(3.02, 9.9e298, 5.27)")
    assert r.value == pytest.approx(9.9e298, rel=1e-12)
