"""The optimal discriminator of each loss, against independent references.

The D loss at the optimum (integrated by the library from the loss's own terms) is
compared with the identity evaluated on scipy reference divergences (tests/references.py);
the optimal curves with the closed forms written here; the generator gradients at D* with
scipy quadrature and finite differences, and with Arjovsky & Bottou 2017's identity.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import integrate, stats

from ganloss_viz.losses import LOSSES
from ganloss_viz.optimal import (
    OPTIMAL_LOSSES,
    curve_units,
    optimal,
    optimal_curve,
    vanishing_gradients,
)
from tests.references import cauchy, mixture, normal, reference, uniform

torch.set_num_threads(1)
LN4 = math.log(4.0)
FDIVS = ("kl", "reverse_kl", "pearson", "neyman", "hellinger", "jeffreys", "js", "tv")

PAIRS = {
    "N(0,1)|N(1,1)": (normal(0, 1), normal(1, 1)),
    "bimodal|N(0.5,1)": (mixture([normal(-2, 0.5), normal(2, 0.5)], [0.5, 0.5]), normal(0.5, 1)),
    "U(0,2)|U(1,3)": (uniform(0, 2), uniform(1, 3)),
}


# Infinite by the tails (the scipy reference overflows there instead of saying so).
INFINITE = {("fgan_neyman", "bimodal|N(0.5,1)"):
            "−neyman: ∫ q²/p diverges, P's modes (σ = 0.5) have lighter tails than Q"}


def _expected(name: str, P, Q) -> float:
    """The D loss at the optimum from the published identity, on reference divergences."""
    if name in ("minimax", "ns", "ns_r1"):
        return LN4 - 2 * reference("js", P, Q)
    if name == "lsgan":               # ¼ − Δ/8, Δ = ∫(p − q)²/(p + q) = 2·χ²(P‖(P+Q)/2)
        return 0.25 - 2 * reference("pearson", P, mixture([P, Q], [1, 1])) / 8
    if name == "hinge":
        return 2 - 2 * reference("tv", P, Q)
    if name in ("wgan", "wgan_gp", "wgan_lp"):
        return -reference("w1", P, Q)
    assert name.startswith("fgan_")
    return -reference(name[len("fgan_"):], P, Q)


def test_every_separable_loss_has_an_optimum():
    assert set(OPTIMAL_LOSSES) == {"minimax", "ns", "lsgan", "hinge", "wgan", "wgan_gp",
                                   "wgan_lp", "ns_r1", *(f"fgan_{d}" for d in FDIVS)}


@pytest.mark.parametrize("pair", list(PAIRS))
@pytest.mark.parametrize("name", OPTIMAL_LOSSES)
def test_d_loss_at_the_optimum_is_the_identity(name, pair):
    P, Q = PAIRS[pair]
    r = optimal(name, P.spec, Q.spec)
    want = -math.inf if (name, pair) in INFINITE else _expected(name, P, Q)
    if math.isinf(want):
        assert r.d_loss_at_optimum == want and r.predicted == want
        return
    assert r.d_loss_at_optimum == pytest.approx(want, abs=1e-6)
    assert r.predicted == pytest.approx(want, abs=1e-6)
    assert abs(r.difference) < 1e-6


def test_the_done_when_identities_for_two_unit_normals():
    """N(0,1) vs N(1,1): JS by scipy; TV = 2Φ(½) − 1; W1 = 1; KL = ½; χ² = e − 1."""
    p, q = "normal(0, 1)", "normal(1, 1)"
    js = reference("js", normal(0, 1), normal(1, 1))
    tv = 2 * stats.norm.cdf(0.5) - 1
    cases = {"minimax": LN4 - 2 * js, "hinge": 2 - 2 * tv, "wgan": -1.0, "fgan_kl": -0.5,
             "fgan_reverse_kl": -0.5, "fgan_pearson": -(math.e - 1),
             "fgan_jeffreys": -1.0, "fgan_tv": -tv, "fgan_js": -js}
    for name, want in cases.items():
        r = optimal(name, p, q)
        assert r.d_loss_at_optimum == pytest.approx(want, abs=1e-9), name
        assert r.predicted == pytest.approx(want, abs=1e-9), name
        assert r.method == "quadrature" and r.error < 1e-9, name


def test_an_integral_infinite_by_its_tails():
    """KL(Cauchy‖Normal) = ∞ (p·log(p/q) ~ x²/(πx²)): fgan_kl's D loss there is −∞."""
    r = optimal("fgan_kl", "cauchy(0, 1)", "normal(0, 1)")
    assert r.divergence_value == math.inf
    assert r.d_loss_at_optimum == -math.inf and r.method == "limit"
    r = optimal("fgan_kl", "normal(0, 1)", "cauchy(0, 1)")        # the other way: finite
    assert math.isfinite(r.d_loss_at_optimum) and r.method == "quadrature"
    assert r.d_loss_at_optimum == pytest.approx(-reference("kl", normal(0, 1), cauchy(0, 1)),
                                                abs=1e-6)


def test_result_dict_and_declarations():
    r = optimal("minimax", "normal(0, 1)", "normal(1, 1)")
    d = r.to_dict()
    assert {"loss", "d_loss_at_optimum", "divergence", "divergence_value", "identity"} <= set(d)
    assert d["divergence"] == "js" and "ln 4 − 2·JS" in d["identity"]
    assert d["divergence_value"] == pytest.approx(reference("js", normal(0, 1), normal(1, 1)),
                                                  abs=1e-10)
    # The minimax loss declares JS and the identity ln 4 − 2·JS (not the "gan" value).
    assert LOSSES["minimax"].divergence == "js"
    assert LOSSES["minimax"].optimum_value(0.25) == pytest.approx(LN4 - 0.5)
    assert optimal("lsgan", "normal(0, 1)", "normal(1, 1)").divergence == "pearson"
    for name in ("wgan_gp", "wgan_lp", "ns_r1"):
        assert "penalty is left out" in optimal(name, "normal(0, 1)", "normal(1, 1)").note


def test_two_d_pointwise_optimum():
    """2-D product of normals: JS and TV against the 1-D references (the y factors agree)."""
    p, q = "product(normal(0, 1), normal(0, 1))", "product(normal(1, 1), normal(0, 1))"
    r = optimal("minimax", p, q)
    assert r.d_loss_at_optimum == pytest.approx(LN4 - 2 * reference("js", normal(0, 1),
                                                                    normal(1, 1)), abs=1e-6)
    # The tensor mesh does not break at the kink p = q in 2-D: 1e-5, as the engine's TV.
    r = optimal("hinge", p, q)
    assert r.d_loss_at_optimum == pytest.approx(2 - 2 * (2 * stats.norm.cdf(0.5) - 1), abs=1e-5)
    assert abs(r.difference) < 1e-9


@pytest.mark.parametrize("name, match", [
    ("rsgan", "no known optimal discriminator"), ("ragan", "losses with one: minimax"),
    ("nope", "unknown loss")])
def test_losses_without_an_optimum_are_refused(name, match):
    with pytest.raises(ValueError, match=match):
        optimal(name, "normal(0, 1)", "normal(1, 1)")


def test_bad_pairs_are_refused():
    with pytest.raises(ValueError, match="1-D only"):
        optimal("wgan", "mvnormal()", "mvnormal(loc=[1, 0])")
    with pytest.raises(ValueError, match="same dimension"):
        optimal("minimax", "normal(0, 1)", "mvnormal()")
    with pytest.raises(ValueError, match="shape"):
        optimal_curve("minimax", "normal(0, 1)", "normal(1, 1)", np.zeros((3, 2)))


# --- optimal curves -------------------------------------------------------------------------

X = np.linspace(-4.0, 5.0, 91) + 0.0137


def _pq(x):
    return stats.norm(0, 1).pdf(x), stats.norm(1, 1.5).pdf(x)


def _fprime(div: str, u):
    """T* = f'(u) for our conventions of f (DESIGN.md's divergence table)."""
    return {"kl": 1 + np.log(u), "reverse_kl": -1 / u, "pearson": 2 * (u - 1),
            "neyman": 1 - 1 / u**2, "hellinger": 0.5 * (1 - 1 / np.sqrt(u)),
            "jeffreys": 1 + np.log(u) - 1 / u, "js": 0.5 * np.log(2 * u / (u + 1)),
            "tv": 0.5 * np.sign(u - 1)}[div]


@pytest.mark.parametrize("name", OPTIMAL_LOSSES)
def test_optimal_curve_closed_forms(name):
    p, q = _pq(X)
    got = optimal_curve(name, "normal(0, 1)", "normal(1, 1.5)", X)
    assert got.shape == X.shape and curve_units(name)
    if name in ("minimax", "ns", "ns_r1", "lsgan"):
        np.testing.assert_allclose(got, p / (p + q), rtol=1e-12)
    elif name == "hinge":
        np.testing.assert_array_equal(got, np.sign(p - q))
    elif name.startswith("fgan_"):
        np.testing.assert_allclose(got, _fprime(name[5:], p / q), rtol=1e-9, atol=1e-12)
    else:
        _check_critic(got)


def _check_critic(f):
    """Slope sign(F_Q − F_P) between grid points, and E_P f − E_Q f = W1 (scipy quad)."""
    P, Q = stats.norm(0, 1), stats.norm(1, 1.5)
    slope = np.diff(f) / np.diff(X)
    mid = (X[1:] + X[:-1]) / 2
    want = np.sign(Q.cdf(mid) - P.cdf(mid))
    keep = np.abs(Q.cdf(mid) - P.cdf(mid)) > 1e-3       # a crossing inside: mixed slope
    np.testing.assert_allclose(slope[keep], want[keep], atol=1e-9)
    xs = np.linspace(-40, 40, 8001)
    fx = optimal_curve("wgan", "normal(0, 1)", "normal(1, 1.5)", xs)
    gain = integrate.trapezoid(fx * (P.pdf(xs) - Q.pdf(xs)), xs)
    assert gain == pytest.approx(reference("w1", normal(0, 1), normal(1, 1.5)), abs=1e-6)


# --- vanishing gradients ------------------------------------------------------------------------


def _generator_loss(theta_d: float, theta: float, s: float, saturating: bool) -> float:
    """E_{N(θ, s²)}[log(1 − D*)] or −E[log D*], D* the optimum for Q = N(θ_d, s²) (scipy)."""
    P, Qd, Q = stats.norm(0, s), stats.norm(theta_d, s), stats.norm(theta, s)

    def h(x):
        lr = P.logpdf(x) - Qd.logpdf(x)
        return -np.logaddexp(0, lr) if saturating else np.logaddexp(0, -lr)
    val, _ = integrate.quad(lambda x: Q.pdf(x) * h(x), -np.inf, np.inf, epsabs=1e-14,
                            epsrel=1e-12, limit=400, points=None)
    return val


@pytest.mark.parametrize("scale", [1.0, 0.5])
def test_vanishing_gradients_against_scipy(scale):
    seps = np.array([0.0, 0.5, 1.5, 3.0, 6.0])
    g = vanishing_gradients(seps, scale)
    assert set(g) == {"separation", "saturating", "non_saturating", "kl_minus_2js", "js"}
    h = 1e-4
    for i, t in enumerate(seps):
        for key, sat in (("saturating", True), ("non_saturating", False)):
            fd = (_generator_loss(t, t + h, scale, sat) - _generator_loss(t, t - h, scale, sat)) \
                / (2 * h)
            assert g[key][i] == pytest.approx(fd, abs=1e-6), (key, t)
        assert g["js"][i] == pytest.approx(reference("js", normal(0, scale), normal(t, scale)),
                                           abs=1e-9)


def test_arjovsky_bottou_identity():
    """−∇E_Q log D* = ∇[KL(Q‖P) − 2 JS]; and the saturating gradient is 2·∇JS, which dies."""
    seps = np.linspace(0.0, 8.0, 17)
    g = vanishing_gradients(seps)
    np.testing.assert_allclose(g["non_saturating"], g["kl_minus_2js"], atol=1e-8)
    np.testing.assert_allclose(g["non_saturating"], seps - g["saturating"], atol=1e-8)
    h = 1e-4
    djs = [(reference("js", normal(0, 1), normal(t + h, 1))
            - reference("js", normal(0, 1), normal(t - h, 1))) / (2 * h) for t in seps[1::4]]
    np.testing.assert_allclose(g["saturating"][1::4], 2 * np.array(djs), atol=1e-6)
    assert g["saturating"][-1] < 1e-3 < 7.9 < g["non_saturating"][-1]


@pytest.mark.parametrize("seps, scale, match", [
    ([], 1.0, "non-empty"), ([0.0, math.inf], 1.0, "finite"), ([1.0], 0.0, "scale")])
def test_vanishing_gradients_bad_input(seps, scale, match):
    with pytest.raises(ValueError, match=match):
        vanishing_gradients(np.array(seps), scale)
