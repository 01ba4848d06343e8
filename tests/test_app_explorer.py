"""The explorer page under streamlit.testing.v1.AppTest (no browser)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ganloss_viz.state import PRESETS

APP = Path(__file__).resolve().parents[1] / "app.py"
TIMEOUT = 180


def run(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(query or {})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric_values(at: AppTest) -> list[str]:
    return [m.value for m in at.metric]


def texts(at: AppTest) -> str:
    """Everything a user reads: metrics, markdown, captions, errors, tables."""
    parts = metric_values(at)
    parts += [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [e.value for e in at.error] + [i.value for i in at.info]
    parts += [df.value.to_string() for df in at.dataframe]
    return "\n".join(parts)


def test_default_page_renders():
    at = run()
    assert at.title[0].value == "Divergence explorer"
    assert not at.error
    assert metric_values(at)[0] == "0.128175"          # js(normal(0, 1), normal(1, 2))
    assert at.query_params == {"p": "normal(0, 1)", "q": "normal(1, 2)", "div": "js"}
    assert len(at.get("plotly_chart")) == 2             # densities and js's integrand
    assert at.latex                                     # the definition
    grad = at.dataframe[0].value
    assert list(grad["parameter θ"]) == ["p.loc", "p.scale", "q.loc", "q.scale"]
    everything = at.dataframe[1].value
    assert set(everything["name"]) >= {"kl", "js", "w1", "mmd", "energy", "hellinger"}


def test_url_gives_the_js_value():
    at = run({"p": "normal(0, 1)", "q": "normal(1, 2)", "div": "js"})
    assert "0.128175" in metric_values(at)


def test_two_diracs_js_is_ln2():
    at = run({"p": "dirac(0)", "q": "dirac(3)", "div": "js"})
    assert metric_values(at)[0] == "0.693147"
    assert "0.693147" in texts(at)
    grad = at.dataframe[0].value
    assert set(grad["∂D/∂θ"]) == {"0"}                 # js is flat between two atoms


def test_no_integrand_outside_f_divergences():
    at = run({"div": "w1"})
    assert metric_values(at)[0] == "1.16663"            # scipy: quad |F_P - F_Q|
    assert len(at.get("plotly_chart")) == 1


def test_infinite_value_shows_infinity():
    at = run({"p": "uniform(0, 1)", "q": "uniform(2, 3)", "div": "kl"})
    assert metric_values(at)[0] == "∞"


def test_two_d_pair_renders():
    at = run({"p": "mvnormal(loc=[0, 0], cov=[[1, 0.5], [0.5, 1]])",
              "q": "mvnormal(loc=[1, 0], cov=[[1, 0], [0, 2]])", "div": "kl"})
    assert not at.error
    assert metric_values(at)[0] not in ("", "∞")
    assert len(at.get("plotly_chart")) == 1


def test_bad_spec_shows_an_error_and_the_default_value():
    at = run({"p": "normal(0,", "q": "normal(1, 2)", "div": "js"})
    assert len(at.error) == 1
    assert "p='normal(0,'" in at.error[0].value and "normal(0, 1)" in at.error[0].value
    assert metric_values(at)[0] == "0.128175"
    assert at.query_params["p"] == "normal(0, 1)"        # the URL now holds the default


def test_unknown_divergence_and_bad_alpha():
    at = run({"div": "nope"})
    assert "unknown divergence" in at.error[0].value
    assert metric_values(at)[0] == "0.128175"
    at = run({"div": "alpha", "alpha": "abc"})
    assert "alpha='abc'" in at.error[0].value
    assert metric_values(at)[0] not in ("", "—")


def test_mismatched_dimensions_are_an_error_not_a_traceback():
    at = run({"p": "normal(0, 1)", "q": "ring(8, 2, 0.02)"})
    assert "1-D" in at.error[0].value and "2-D" in at.error[0].value


@pytest.mark.parametrize("name", list(PRESETS))
def test_presets_render(name):
    at = run({"preset": name})
    assert not at.error
    assert at.info and PRESETS[name].caption in at.info[0].value
    assert at.query_params["preset"] == name
    assert metric_values(at)


def test_widgets_write_the_url():
    at = run()
    at.selectbox(key="ex.div").set_value("tv").run()
    assert at.query_params["div"] == "tv"
    at.text_input(key="ex.q.text").input("normal(3,1)").run()
    assert at.query_params["q"] == "normal(3, 1)"
    assert at.text_input(key="ex.q.text").value == "normal(3, 1)"
    assert at.number_input(key="ex.q.normal.loc").value == 3.0
    at.number_input(key="ex.q.normal.loc").set_value(4.0).run()
    assert at.query_params["q"] == "normal(4, 1)"
    at.selectbox(key="ex.p.family").set_value("laplace").run()
    assert at.query_params["p"] == "laplace(0, 1)"
    assert not at.exception


def test_bad_spec_typed_keeps_the_last_valid_one():
    at = run()
    at.text_input(key="ex.p.text").input("normal(0, -1)").run()
    assert at.error and "scale" in at.error[0].value
    assert at.query_params["p"] == "normal(0, 1)"
    assert metric_values(at)[0] == "0.128175"


def test_divergence_parameter_goes_to_the_url():
    at = run({"div": "mmd"})
    at.number_input(key="ex.bandwidth").set_value(0.5).run()
    assert at.query_params["bandwidth"] == "0.5"
    assert not at.error
