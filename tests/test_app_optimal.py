"""The explorer's "Optimal D" section and the vanishing-gradient preset (AppTest).

Numbers come from closed forms written here: TV(N(0,1), N(1,1)) = 2Φ(½) − 1, so the
hinge D loss at its optimum is 2 − 2·TV; at D*, the saturating gradient for
P = N(0,1), Q = N(θ,1) is θ·E_Q[D*] and the non-saturating one θ·E_Q[1 − D*] (scipy).
"""

from __future__ import annotations

import numpy as np
from scipy import integrate, special, stats

from ganloss_viz.format import fmt
from tests.test_app_explorer import chart, metric_values, open_tab, run, texts, trace


def _at_optimum(theta: float) -> tuple[float, float]:
    """(θ·E_Q[D*], θ·E_Q[1 − D*]) for P = N(0, 1), Q = N(θ, 1), D* = p/(p + q)."""
    def d_star(x):
        return special.expit(stats.norm.logpdf(x) - stats.norm.logpdf(x, theta))
    e = integrate.quad(lambda x: stats.norm.pdf(x, theta) * d_star(x), -np.inf, np.inf,
                       epsabs=1e-14, epsrel=1e-12)[0]
    return theta * e, theta * (1 - e)


def test_vanishing_gradient_preset():
    at = run({"preset": "vanishing-gradient"})
    assert not at.error, [e.value for e in at.error]
    assert open_tab(at) == "Optimal D"
    assert at.query_params["preset"] == "vanishing-gradient"
    sat, ns = _at_optimum(3.0)
    values = metric_values(at)
    assert fmt(sat) in values and fmt(ns) in values
    spec = chart(at, 1)
    theta = trace(spec, "saturating: ∂/∂θ E_Q[log(1 − D*)]")["x"]
    assert theta[0] == 0 and theta[-1] == 10
    assert spec["layout"]["shapes"][0]["x0"] == 3.0          # this pair, marked
    text = texts(at)
    assert "ln 4 − 2·JS" in text and "Arjovsky & Bottou" in text


def test_hinge_identity_and_curve_from_the_url():
    at = run({"p": "normal(0, 1)", "q": "normal(1, 1)", "view": "optimal", "loss": "hinge"})
    assert not at.error
    assert at.query_params["loss"] == "hinge" and at.query_params["view"] == "optimal"
    want = 2 - 2 * (2 * stats.norm.cdf(0.5) - 1)
    assert metric_values(at).count(fmt(want)) == 2            # integrated and predicted
    assert "2 − 2·TV(P, Q)" in texts(at)
    curve = trace(chart(at, 0), "raw output v*(x)", "y2")
    x, y = curve["x"], curve["y"]
    p, q = stats.norm.pdf(x), stats.norm.pdf(x, 1)
    np.testing.assert_array_equal(y, np.sign(p - q))


def test_minimax_curve_is_p_over_p_plus_q():
    at = run({"p": "normal(0, 1)", "q": "normal(2, 0.5)", "view": "optimal"})
    assert "loss" not in at.query_params                      # the default, minimax
    curve = trace(chart(at, 0), "D*(x)", "y2")
    p, q = stats.norm.pdf(curve["x"]), stats.norm.pdf(curve["x"], 2, 0.5)
    ok = p + q > 1e-300
    np.testing.assert_allclose(curve["y"][ok], (p / (p + q))[ok], rtol=1e-9, atol=1e-300)


def test_bad_loss_in_the_url_falls_back_to_minimax():
    at = run({"view": "optimal", "loss": "rsgan"})
    assert len(at.error) == 1 and "loss='rsgan'" in at.error[0].value
    assert "minimax" in at.error[0].value
    assert "ln 4 − 2·JS" in texts(at)


def test_two_d_pair_shows_the_identity_without_a_curve():
    at = run({"p": "mvnormal()", "q": "mvnormal(loc=[1, 0])", "view": "optimal",
              "loss": "fgan_kl"})
    assert not at.error
    assert metric_values(at).count(fmt(-0.5)) == 2            # −KL = −‖Δμ‖²/2
    assert "drawn for 1-D pairs" in texts(at)
    # the trained D of fgan_kl is capped: the tab says where that keeps it from D*
    assert "caps D's raw output softly at 10" in texts(at)
