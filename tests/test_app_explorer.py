"""The explorer page under streamlit.testing.v1.AppTest (no browser).

Numbers checked here come from independent references: closed forms (KL between
normals, W1 between equal-scale normals, moment matching for the KL fit), scipy
values quoted in comments, or published identities (JS of disjoint laws is ln 2).
"""

from __future__ import annotations

import base64
import csv
import io
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from ganloss_viz.state import PRESETS, ExplorerState

APP = Path(__file__).resolve().parents[1] / "app.py"
TIMEOUT = 300
BIMODAL = "mixture(components=[normal(-2, 0.5), normal(2, 0.5)], weights=[0.5, 0.5])"


def run(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(query or {})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric_values(at: AppTest) -> list[str]:
    return [m.value for m in at.metric]


def texts(at: AppTest) -> str:
    """Everything a user reads: metrics, markdown (tables too), captions, errors."""
    parts = metric_values(at)
    parts += [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [e.value for e in at.error] + [i.value for i in at.info]
    return "\n".join(parts)


def _cells(line: str) -> list[str]:
    """The cells of one Markdown table row, unescaped."""
    return [re.sub(r"\\(.)", r"\1", c).strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]


def tables(at: AppTest) -> list[list[dict[str, str]]]:
    """The Markdown tables on the page, in order: rows of {column: text shown}."""
    out = []
    for m in at.markdown:
        lines = m.value.splitlines()
        if len(lines) >= 2 and re.fullmatch(r"\|( *:?-+:? *\|)+", lines[1]):
            head = _cells(lines[0])
            out.append([dict(zip(head, _cells(line), strict=True)) for line in lines[2:]])
    return out


def _array(v):
    if isinstance(v, dict) and "bdata" in v:
        out = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
        if "shape" in v:
            out = out.reshape([int(n) for n in str(v["shape"]).split(",")])
        return out
    return np.asarray(v, dtype=float) if isinstance(v, list) else v


def chart(at: AppTest, i: int = 0) -> dict:
    """The i-th Plotly chart's spec, numpy arrays decoded."""
    spec = json.loads(at.get("plotly_chart")[i].proto.spec)
    for t in spec["data"]:
        for key in ("x", "y", "z"):
            if key in t:
                t[key] = _array(t[key])
    return spec


def trace(spec: dict, name: str, yaxis: str | None = None) -> dict:
    found = [t for t in spec["data"] if t.get("name") == name
             and (yaxis is None or t.get("yaxis", "y") == yaxis)]
    assert found, (name, [t.get("name") for t in spec["data"]])
    return found[0]


def js_normals(theta: float) -> float:
    """JS(N(0, 1) ‖ N(θ, 1)) by scipy quadrature."""
    from scipy import integrate, stats

    def f(x):
        a, b = stats.norm.pdf(x), stats.norm.pdf(x, theta)
        m = (a + b) / 2
        return 0.5 * (a * np.log(a / m) + b * np.log(b / m)) if m > 0 else 0.0

    lo, hi = min(0, theta) - 12, max(0, theta) + 12
    return integrate.quad(f, lo, hi, points=[0, theta / 2, theta], limit=200,
                          epsabs=1e-14, epsrel=1e-12)[0]


def open_tab(at: AppTest) -> str:
    return at.session_state["ex.view"]


# --- the value section (the default) ------------------------------------------------------


def test_default_page_renders():
    at = run()
    assert at.title[0].value == "Divergence explorer"
    assert not at.error
    assert metric_values(at)[0] == "0.128175"          # js(normal(0, 1), normal(1, 2))
    assert at.query_params == {"p": "normal(0, 1)", "q": "normal(1, 2)", "div": "js"}
    assert [t.label for t in at.tabs] == ["Value & gradient", "Sweep", "Landscape",
                                          "Direct fit", "Optimal D"]
    assert open_tab(at) == "Value & gradient"
    assert len(at.get("plotly_chart")) == 2             # densities and js's integrand
    assert at.latex                                     # the definition
    grad, everything = tables(at)
    assert [r["parameter θ"] for r in grad] == ["p.loc", "p.scale", "q.loc", "q.scale"]
    assert {r["name"] for r in everything} >= {"kl", "js", "w1", "mmd", "energy", "hellinger"}
    js = next(r for r in everything if r["name"] == "js")
    assert js[""] == "▶" and js["value"] == "0.128175" and js["range"] == "[0, ln 2]"


def test_first_view_imports_neither_scipy_nor_pandas():
    """The app's first view (two normals, js) draws without scipy, pandas or pyarrow:
    about 0.3 + 0.6 s less before a cold start's first chart (benchmarks/cold_start.py)."""
    code = ("import sys\n"
            "from streamlit.testing.v1 import AppTest\n"
            f"at = AppTest.from_file({str(APP)!r}, default_timeout={TIMEOUT}); at.run()\n"
            "assert not at.exception and at.metric[0].value == '0.128175'\n"
            "heavy = {'scipy', 'pandas', 'pyarrow'}\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & heavy))\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=APP.parent, capture_output=True,
                          text=True, timeout=TIMEOUT, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[-1] == "[]"


def test_url_gives_the_js_value():
    at = run({"p": "normal(0, 1)", "q": "normal(1, 2)", "div": "js"})
    assert "0.128175" in metric_values(at)


def test_two_diracs_js_is_ln2():
    at = run({"p": "dirac(0)", "q": "dirac(3)", "div": "js"})
    assert metric_values(at)[0] == "0.693147"
    assert "0.693147" in texts(at)
    grad = tables(at)[0]
    assert {r["∂D/∂θ"] for r in grad} == {"0"}                 # js is flat between two atoms
    assert "singular parts" in texts(at)                # no overlap: no integrand to draw


def test_equal_distributions_say_so_not_disjoint():
    # P = Q: D = 0 because the distributions are equal (the integrand is q·f(1) = 0),
    # not because they "nowhere overlap".
    at = run({"p": "normal(0, 1)", "q": "normal(0, 1)", "div": "js"})
    assert metric_values(at)[0] == "0"
    shown = texts(at)
    assert "P = Q" in shown and "singular parts" not in shown and "overlap" not in shown


def test_one_sided_derivatives_and_inaccurate_values_are_shown_as_such():
    # KL(U(-1, 1) ‖ U(-1, 1.5)): the shared end -1 has a finite slope one way and ∞ the
    # other; the table says one-sided instead of a number. d/dp.high = -1/2 exactly.
    at = run({"p": "uniform(-1, 1)", "q": "uniform(-1, 1.5)", "div": "kl"})
    grad = {r["parameter θ"]: r["∂D/∂θ"] for r in tables(at)[0]}
    assert grad["p.low"] == grad["q.low"] == "one-sided"
    assert grad["p.high"] == "-0.500000"
    assert not at.warning
    # Beta(0.005, 0.005) keeps ~1e-2 of its mass within 1e-300 of its ends, where no float
    # node reaches: the value is not accurate to its six figures, and the page says so.
    at = run({"p": "beta(0.005, 0.005)", "q": "beta(0.006, 0.005)", "div": "hellinger"})
    assert any("Not accurate" in w.value for w in at.warning)


def test_tv_at_p_equal_q_says_kink_instead_of_0():
    # TV(N(0,1), N(δ,1)) = erf(|δ|/(2√2)): one-sided derivatives ±1/√(2π) at δ = 0
    at = run({"p": "normal(0, 1)", "q": "normal(0, 1)", "div": "tv"})
    grad = {r["parameter θ"]: r["∂D/∂θ"] for r in tables(at)[0]}
    assert set(grad.values()) == {"kink"}, grad
    assert "grows like |change|" in texts(at)


def test_w1_integrand_is_the_gap_between_the_cdfs():
    at = run({"div": "w1"})
    assert metric_values(at)[0] == "1.16663"            # scipy: quad |F_P - F_Q|
    spec = chart(at, 1)
    t = trace(spec, "|F_P − F_Q|")
    area = np.trapezoid(t["y"], t["x"])
    assert math.isclose(area, 1.16663, rel_tol=2e-3)    # most of the area is in view
    assert "|F_P − F_Q|" in texts(at)


def test_no_integrand_for_w2():
    at = run({"div": "w2"})
    assert len(at.get("plotly_chart")) == 1


def test_infinite_value_shows_infinity():
    at = run({"p": "uniform(0, 1)", "q": "uniform(2, 3)", "div": "kl"})
    assert metric_values(at)[0] == "∞"
    assert metric_values(at)[2] == "—"                  # no error bar on ∞


def test_segment_against_a_gaussian_is_mutually_singular():
    at = run({"p": "product(dirac(0), uniform(0, 1))",
              "q": "mvnormal(loc=[0, 0], cov=[[1, 0], [0, 1]])", "div": "js"})
    assert not at.error
    assert metric_values(at)[:3] == ["0.693147", "analytic", "exact"]    # ln 2
    assert "mutually singular" in texts(at)
    rows = {r["name"]: r for r in tables(at)[1]}
    assert rows["tv"]["value"] == "1" and rows["kl"]["value"] == "∞"


def test_two_d_pair_renders_with_an_integrand_heatmap():
    at = run({"p": "mvnormal(loc=[0, 0], cov=[[1, 0.5], [0.5, 1]])",
              "q": "mvnormal(loc=[1, 0], cov=[[1, 0], [0, 2]])", "div": "kl"})
    assert not at.error
    # closed form: KL = ½(tr(S2⁻¹S1) + m'S2⁻¹m − 2 + ln(det S2 / det S1))
    s1, s2 = np.array([[1, 0.5], [0.5, 1]]), np.array([[1, 0], [0, 2]])
    m = np.array([1.0, 0.0])
    inv = np.linalg.inv(s2)
    ref = 0.5 * (np.trace(inv @ s1) + m @ inv @ m - 2 + math.log(np.linalg.det(s2)
                                                                   / np.linalg.det(s1)))
    assert math.isclose(float(metric_values(at)[0]), ref, rel_tol=1e-5)
    assert len(at.get("plotly_chart")) == 2
    assert chart(at, 1)["data"][0]["type"] == "heatmap"


# --- bad input --------------------------------------------------------------------------


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


@pytest.mark.parametrize(("query", "words", "view"), [
    ({"view": "nope"}, ["view='nope'", "unknown section", "view=value"], "Value & gradient"),
    ({"view": "sweep", "points": "1000"}, ["points='1000'", "between 3 and 401"], "Sweep"),
    ({"view": "sweep", "sweep": "q.nope"}, ["sweep='q.nope'", "q.loc"], "Sweep"),
    ({"view": "sweep", "range": "5,1"}, ["range='5,1'", "below"], "Sweep"),
    ({"view": "sweep", "sweep": "q.scale", "range": "-1,2"}, ["q.scale = -1"], "Sweep"),
    ({"view": "sweep", "vs": "w1,bogus"}, ["vs='w1,bogus'", "bogus"], "Sweep"),
    ({"view": "landscape", "lx": "q.loc", "ly": "q.loc"}, ["must differ"], "Landscape"),
    ({"view": "landscape", "grid": "99"}, ["grid='99'", "between 5 and 41"], "Landscape"),
    ({"view": "fit", "steps": "0"}, ["steps='0'", "between 1 and 500"], "Direct fit"),
    ({"view": "fit", "lr": "-1"}, ["lr='-1'", "> 0"], "Direct fit"),
])
def test_bad_section_settings_are_reported_and_replaced(query, words, view):
    at = run(query)
    assert len(at.error) == 1, [e.value for e in at.error]
    for word in words:
        assert word in at.error[0].value, (word, at.error[0].value)
    assert open_tab(at) == view
    assert metric_values(at)[0] == "0.128175"
    assert at.get("plotly_chart")                        # the section still draws


def test_mismatched_dimensions_are_an_error_not_a_traceback():
    at = run({"p": "normal(0, 1)", "q": "ring(8, 2, 0.02)"})
    assert "1-D" in at.error[0].value and "2-D" in at.error[0].value
    assert not at.metric and not at.tabs
    # The run ends normally: the sidebar (drawn after the page) lists every preset.
    links = {x.proto.label for x in at.sidebar.get("page_link")}
    assert {pr.title for pr in PRESETS.values()} <= links


# --- presets --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(PRESETS))
def test_presets_render_and_open_their_section(name):
    at = run({"preset": name})
    assert not at.error, [e.value for e in at.error]
    assert at.info and PRESETS[name].caption in at.info[0].value
    assert at.query_params["preset"] == name
    assert metric_values(at)
    view = ExplorerState.from_preset(name).view
    assert open_tab(at) == {"value": "Value & gradient", "sweep": "Sweep",
                            "landscape": "Landscape", "fit": "Direct fit",
                            "optimal": "Optimal D"}[view]
    assert at.get("plotly_chart")


def test_js_vanishing_sweep_shows_js_flat_and_w1_with_slope_one():
    at = run({"preset": "js-vanishing"})
    spec = chart(at)
    js, w1 = trace(spec, "js · Jensen-Shannon", "y"), \
        trace(spec, "w1 · Wasserstein-1 (earth mover's)", "y3")
    x = js["x"]
    np.testing.assert_allclose(w1["y"], np.abs(x), atol=1e-6)   # W1(N(0,1), N(θ,1)) = |θ|
    for theta in (-10.0, 3.0, 8.0):                             # scipy reference
        i = int(np.argmin(np.abs(x - theta)))
        assert math.isclose(js["y"][i], js_normals(x[i]), rel_tol=1e-7)
    far = np.abs(x) >= 8
    assert np.all(math.log(2) - js["y"][far] < 2e-4)            # saturated at ln 2
    grads = [t for t in spec["data"] if t.get("yaxis") == "y2"]
    g_js = next(t for t in grads if t["name"].startswith("js"))
    g_w1 = next(t for t in grads if t["name"].startswith("w1"))
    assert np.max(np.abs(g_js["y"][far])) < 1e-3                # vanishing gradient
    np.testing.assert_allclose(np.abs(g_w1["y"][far]), 1.0, atol=1e-6)


def test_mode_seeking_fit_covers_and_seeks():
    at = run({"preset": "mode-seeking"})
    table = {r["divergence"]: r for r in tables(at)[0]}
    from ganloss_viz.distributions import dist
    kl = dist(table["kl"]["fitted Q"]).flat_params()
    rkl = dist(table["reverse_kl"]["fitted Q"]).flat_params()
    # min over Gaussians of KL(P‖Q) matches moments: mean 0, variance 0.25 + 4
    assert abs(kl["loc"]) < 1e-3 and math.isclose(kl["scale"], math.sqrt(4.25), rel_tol=1e-3)
    assert math.isclose(rkl["loc"], 2.0, abs_tol=1e-2)          # one mode, ...
    assert math.isclose(rkl["scale"], 0.5, rel_tol=1e-2)        # ... its width
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert 2 <= len(spec["frames"]) <= 41
    assert spec["layout"]["updatemenus"][0]["buttons"][0]["label"] == "▶ Play"


def test_landscape_matches_the_closed_form_kl():
    at = run({"view": "landscape", "div": "kl", "lx": "q.loc", "ly": "q.scale",
              "xrange": "-2,2", "yrange": "0.5,3", "grid": "9"})
    assert not at.error
    heat = chart(at)["data"][0]
    mu, sigma = np.meshgrid(np.linspace(-2, 2, 9), np.linspace(0.5, 3, 9))
    ref = np.log(sigma) + (1 + mu**2) / (2 * sigma**2) - 0.5   # KL(N(0,1) ‖ N(μ,σ))
    np.testing.assert_allclose(np.asarray(heat["z"], float), ref, rtol=1e-10)
    names = [t.get("name") for t in chart(at)["data"]]
    assert {"−∇D", "direct fit", "Q now", "P's values"} <= set(names)


@pytest.mark.parametrize(("query", "labels"), [
    ({}, ["Result JSON", "Every divergence CSV"]),
    ({"view": "sweep"}, ["Sweep CSV"]),
    ({"view": "landscape", "grid": "9"}, ["Landscape CSV"]),
    ({"view": "fit", "steps": "20"}, ["Animation (standalone HTML)", "Fit CSV"]),
])
def test_sections_offer_downloads_and_sharp_chart_images(query, labels):
    at = run(query)
    assert [d.proto.label for d in at.get("download_button")] == labels
    charts = at.get("plotly_chart")
    assert charts
    for c in charts:                      # the camera button saves a 2x PNG for slides
        opts = json.loads(c.proto.config)["toImageButtonOptions"]
        assert opts["scale"] == 2 and opts["format"] == "png"
        assert opts["filename"].startswith("ganloss-viz-")


def test_downloads_of_a_value_that_failed():
    import ganloss_viz as gv
    from ganloss_viz.distributions import dist
    from ganloss_viz.ui.sections.common import Context
    from ganloss_viz.ui.sections.value import download_files

    state, _ = ExplorerState.from_query_params({"div": "kl"})
    failed = {"ok": False, "message": "no closed form"}
    ctx = Context(state, dist(state.p), dist(state.q), gv.DIVERGENCES["kl"], (), failed,
                  gv.DIVERGENCES)
    results = {"kl": failed, "tv": {"ok": True, "value": 0.5, "method": "closed_form",
                                     "error": 0.0}}
    files = download_files(ctx, results)
    assert [f[0] for f in files] == ["Every divergence CSV"]      # no result to save
    rows = list(csv.reader(io.StringIO(files[0][1]())))
    assert rows[0] == ["divergence", "label", "value", "method", "error", "parameters"]
    assert rows[1][:5] == ["kl", gv.DIVERGENCES["kl"].label, "", "error: no closed form", ""]
    assert rows[2][2:5] == ["0.5", "closed_form", "0.0"]


# --- URL state ----------------------------------------------------------------------------


def test_section_settings_round_trip_through_the_url():
    query = {"p": "normal(0, 1)", "q": "normal(1, 2)", "div": "js", "view": "sweep",
             "vs": "w1,kl", "sweep": "q.scale", "range": "0.5,4", "points": "101"}
    at = run(query)
    assert not at.error
    assert at.query_params == query
    assert at.selectbox(key="ex.sweep").value == "q.scale"
    assert at.number_input(key="ex.sweep.lo.q.scale").value == 0.5
    assert at.number_input(key="ex.points").value == 101
    assert list(at.multiselect(key="ex.vs").value) == ["w1", "kl"]
    assert len(chart(at)["data"][0]["x"]) == 101


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


def test_switching_sections_keeps_their_settings():
    at = run({"view": "sweep"})
    at.number_input(key="ex.points").set_value(101).run()
    assert at.query_params["points"] == "101"
    at.session_state["ex.view"] = "Value & gradient"      # a click on another tab
    at.run()
    assert "view" not in at.query_params and at.query_params["points"] == "101"
    at.session_state["ex.view"] = "Sweep"
    at.run()
    assert at.number_input(key="ex.points").value == 101
    assert at.query_params["view"] == "sweep"


def test_fitted_q_button_replaces_q():
    at = run({"view": "fit", "steps": "50", "lr": "0.1"})
    at.button[0].click().run()
    from ganloss_viz.distributions import dist
    q = dist(at.query_params["q"]).flat_params()
    assert q != {"loc": 1.0, "scale": 2.0}
    assert abs(q["loc"]) < 1.0                            # moved towards P = N(0, 1)


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


@pytest.mark.parametrize("view", ["sweep", "landscape"])
def test_changing_q_s_family_moves_the_section_to_its_parameters(view):
    at = run({"view": view})
    at.selectbox(key="ex.q.family").set_value("uniform").run()
    assert not at.exception and not at.error
    key = "ex.sweep" if view == "sweep" else "ex.lx"
    assert at.selectbox(key=key).value == "q.low"
    assert at.get("plotly_chart")
