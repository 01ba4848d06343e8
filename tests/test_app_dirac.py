"""The Dirac-GAN page under streamlit.testing.v1.AppTest (no browser), and its URL state.

The numbers come from ganloss_viz.dirac (tested in test_dirac.py); here: the state
round-trips through the URL, bad values are reported beside the default that
replaced them, presets load, and every method renders its verdict and eigenvalues.
"""

from __future__ import annotations

import pytest
from apptest_pages import open_page
from streamlit.testing.v1 import AppTest

from ganloss_viz import dirac
from ganloss_viz.state.dirac import DIRAC_PRESETS, MAX_STEPS, DiracState


def open_dirac(query: dict[str, str] | None = None) -> AppTest:
    """The app, switched to the Dirac page with `query` as its URL parameters."""
    return open_page("app_pages/dirac.py", query)


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [m.value for m in at.success] + \
        [m.value for m in at.warning] + [m.value for m in at.info]
    return "\n".join(parts)


# --- the state (no Streamlit) ----------------------------------------------------------


def test_state_caps_match_the_library():
    assert MAX_STEPS == dirac.MAX_STEPS


def test_state_round_trips():
    state, errors = DiracState.from_query_params(
        {"method": "r1", "gamma": "1.5", "theta0": "-0.5", "psi0": "2", "h": "0.05",
         "steps": "300", "vs": "gan,wgan"})
    assert errors == []
    assert (state.method, state.gamma, state.theta0, state.psi0, state.h, state.steps,
            state.vs) == ("r1", 1.5, -0.5, 2.0, 0.05, 300, ("gan", "wgan"))
    q = state.to_query_params()
    assert q["gamma"] == "1.5" and q["vs"] == "gan,wgan" and "sigma" not in q
    assert DiracState.from_query_params(q) == (state, [])


def test_parameter_defaults_follow_the_method():
    state, _ = DiracState.from_query_params({"method": "consensus"})
    assert state.params() == dirac.get("consensus").params_of()
    state, _ = DiracState.from_query_params({"method": "instance_noise"})
    assert state.sigma == dirac.get("instance_noise").params_of().sigma


def test_bad_values_fall_back_and_are_named():
    state, errors = DiracState.from_query_params(
        {"method": "r1", "gamma": "-2", "h": "abc", "steps": "999999", "vs": "gan,foo"})
    assert (state.gamma, state.h, state.steps, state.vs) == (0.3, 0.1, 400, ())
    text = " ".join(errors)
    assert "gamma='-2'" in text and "using gamma=0.3 instead" in text
    assert "h='abc'" in text and "steps='999999'" in text
    assert "unknown method foo" in text and len(errors) == 4
    state, errors = DiracState.from_query_params({"method": "r3"})
    assert state.method == "gan" and "using method=gan instead" in errors[0]


def test_parameters_of_other_methods_are_ignored():
    state, errors = DiracState.from_query_params({"method": "gan", "gamma": "-5", "clip": "x"})
    assert errors == [] and "gamma" not in state.to_query_params()


@pytest.mark.parametrize("name", list(DIRAC_PRESETS))
def test_presets_are_url_states(name):
    state, errors = DiracState.from_query_params({"preset": name})
    assert errors == [] and state.preset == name
    assert state.to_query_params()["preset"] == name
    pr = DIRAC_PRESETS[name]
    assert pr.title and pr.caption and state.method == pr.method


# --- the page --------------------------------------------------------------------------


def test_url_restores_the_widgets_and_shows_the_verdict():
    at = open_dirac({"method": "r1", "gamma": "1"})
    assert at.selectbox(key="dc.method").value == "r1"
    assert at.number_input(key="dc.gamma").value == 1.0
    text = texts(at)
    assert "converges" in text and "λ = -0.500000 + 0i, -0.500000 + 0i" in text
    assert len(at.get("plotly_chart")) == 2


def test_bad_url_shows_an_error_not_a_traceback():
    at = open_dirac({"method": "nope", "sigma": "x"})
    errors = [e.value for e in at.error]
    assert any("method='nope'" in e and "using method=gan instead" in e for e in errors)
    assert at.selectbox(key="dc.method").value == "gan"


@pytest.mark.parametrize("method", list(dirac.METHODS))
def test_each_method_renders(method):
    at = open_dirac({"method": method, "steps": "60"})
    a = dirac.analyse(method)
    box = (at.success if a.converges else at.warning)[0].value
    assert dirac.METHODS[method].label in box
    im = abs(a.eigenvalues[0].imag)
    assert f"{im:.6f}"[:6] in box or f"{im:.6g}" in box


def test_switching_method_resets_parameters_and_url():
    at = open_dirac({"method": "r1", "gamma": "2"})
    at.selectbox(key="dc.method").set_value("consensus").run()
    assert not at.exception
    assert at.number_input(key="dc.gamma").value == dirac.get("consensus").params_of().gamma
    assert at.query_params["method"] in ("consensus", ["consensus"])


def test_preset_link_shows_its_caption():
    at = open_dirac({"preset": "gan-circles"})
    assert DIRAC_PRESETS["gan-circles"].caption in texts(at)
