"""Explorer state <-> URL query parameters: round trips, defaults, bad values, presets."""

from __future__ import annotations

from dataclasses import fields, replace

import pytest

import ganloss_viz as gv
from ganloss_viz.distributions import dist
from ganloss_viz.state import EXPLORER_FIELDS, PRESETS, ExplorerState

DEFAULT = ExplorerState()


def read(params):
    return ExplorerState.from_query_params(params)


def test_field_table_covers_the_dataclass():
    assert [f.name for f in EXPLORER_FIELDS] == [
        "preset", "p", "q", "div", "alpha", "bandwidth", "view", "vs", "sweep", "range",
        "points", "lx", "ly", "xrange", "yrange", "grid", "steps", "lr", "loss"]
    assert {f.name for f in EXPLORER_FIELDS} == {f.name for f in fields(ExplorerState)}


def test_missing_keys_take_defaults():
    state, errors = read({})
    assert errors == []
    assert state == DEFAULT
    assert state.to_query_params() == {"p": "normal(0, 1)", "q": "normal(1, 2)", "div": "js"}


ROUND_TRIPS = [
    ExplorerState(),
    ExplorerState(p="dirac(0)", q="dirac(3)", div="w1"),
    ExplorerState(p="mixture(components=[normal(-2, 0.5), normal(2, 0.5)], weights=[0.3, 0.7])",
                  q="laplace(0, 1)", div="kl"),
    ExplorerState(p="mvnormal(loc=[0, 1], cov=[[1, 0.5], [0.5, 2]])",
                  q="product(dirac(0), uniform(0, 1))", div="energy"),
    ExplorerState(div="alpha", alpha=-0.75),
    ExplorerState(div="renyi", alpha=2.5),
    ExplorerState(div="mmd", bandwidth=0.25),
]


@pytest.mark.parametrize("state", ROUND_TRIPS, ids=lambda s: s.div)
def test_round_trip(state):
    params = state.to_query_params()
    assert all(isinstance(v, str) for v in params.values())
    back, errors = read(params)
    assert errors == []
    assert back.to_query_params() == params
    assert back == state


def test_only_the_divergence_s_own_parameters_are_written():
    assert "alpha" in ExplorerState(div="alpha").to_query_params()
    assert "alpha" in ExplorerState(div="renyi").to_query_params()
    assert "bandwidth" in ExplorerState(div="mmd").to_query_params()
    params = ExplorerState(div="kl", alpha=3.0, bandwidth=2.0).to_query_params()
    assert set(params) == {"p", "q", "div"}


def test_specs_are_made_canonical():
    state, errors = read({"p": "normal(loc=0,scale=1)", "q": " dirac( 3 ) ", "div": "js"})
    assert errors == []
    assert (state.p, state.q) == ("normal(0, 1)", "dirac(3)")


def test_repeated_key_means_the_last_value():
    state, errors = read({"div": ["kl", "tv"]})
    assert errors == [] and state.div == "tv"


@pytest.mark.parametrize(("params", "field", "words"), [
    ({"p": "normal(0,"}, "p", ["p='normal(0,'", "not valid spec syntax", "p=normal(0, 1)"]),
    ({"q": "normal(0, -1)"}, "q", ["scale", "q=normal(1, 2)"]),
    ({"q": "nosuch(1)"}, "q", ["unknown distribution family", "q=normal(1, 2)"]),
    ({"div": "nope"}, "div", ["div='nope'", "unknown divergence", "div=js"]),
    ({"div": "alpha", "alpha": "abc"}, "alpha", ["alpha='abc'", "not a number", "alpha="]),
    ({"div": "renyi", "alpha": "inf"}, "alpha", ["not a finite number"]),
    ({"div": "mmd", "bandwidth": "-1"}, "bandwidth", ["must be > 0", "bandwidth=1"]),
    ({"preset": "nope"}, "preset", ["preset='nope'", "unknown preset", "ignoring it"]),
])
def test_bad_values_are_replaced_by_defaults(params, field, words):
    state, errors = read(params)
    assert len(errors) == 1, errors
    for word in words:
        assert word in errors[0], (word, errors[0])
    default = getattr(read({k: v for k, v in params.items() if k != field})[0], field)
    assert getattr(state, field) == default
    # everything else still parses
    good = {k: v for k, v in params.items() if k != field}
    assert all(getattr(state, k) == getattr(read(good)[0], k) for k in good)


def test_bad_value_keeps_the_other_fields():
    state, errors = read({"p": "normal(0,", "q": "dirac(3)", "div": "tv"})
    assert len(errors) == 1
    assert (state.p, state.q, state.div) == ("normal(0, 1)", "dirac(3)", "tv")


def test_parameter_of_another_divergence_is_ignored():
    state, errors = read({"div": "js", "alpha": "abc", "bandwidth": "zzz"})
    assert errors == [] and state.div == "js"


def test_parameter_defaults_come_from_the_registry():
    for name in ("alpha", "renyi", "mmd"):
        state, _ = read({"div": name})
        for k, v in gv.DIVERGENCES[name].params.items():
            assert getattr(state, k) == v


@pytest.mark.parametrize("name", list(PRESETS))
def test_presets(name):
    pr = PRESETS[name]
    assert pr.div in gv.DIVERGENCES and pr.caption and pr.title
    assert dist(pr.p).to_spec() == pr.p and dist(pr.q).to_spec() == pr.q   # canonical
    state, errors = read({"preset": name})
    assert errors == []
    assert (state.p, state.q, state.div, state.preset) == (pr.p, pr.q, pr.div, name)
    assert state.matches_preset()
    params = state.to_query_params()
    assert params["preset"] == name and params["p"] == pr.p
    assert read(params) == (state, [])


def test_explicit_keys_override_a_preset_and_drop_it():
    state, errors = read({"preset": "dirac", "q": "dirac(1)"})
    assert errors == []
    assert (state.p, state.q, state.div) == ("dirac(0)", "dirac(1)", "js")
    assert not state.matches_preset()
    assert "preset" not in state.to_query_params()
    assert state.without_stale_preset().preset == ""


def test_bad_value_under_a_preset_falls_back_to_the_preset():
    state, errors = read({"preset": "heavy-tails", "q": "normal(0,"})
    assert len(errors) == 1 and "q=normal(0, 1)" in errors[0]
    assert state.q == PRESETS["heavy-tails"].q


# --- the sections' settings ------------------------------------------------------------------

from ganloss_viz.state import allowed, default_range, parameters  # noqa: E402

SECTION_ROUND_TRIPS = [
    ExplorerState(view="sweep", sweep="q.scale", range=(0.5, 4.0), points=101, vs=("w1", "kl")),
    ExplorerState(view="landscape", lx="q.scale", ly="p.loc", xrange=(0.5, 3.0),
                  yrange=(-2.0, 2.0), grid=11),
    ExplorerState(view="fit", steps=50, lr=0.2, vs=("reverse_kl",)),
    ExplorerState(view="optimal", loss="fgan_kl"),
    ExplorerState(p="uniform(0, 1)", q="uniform(2, 3)", view="sweep", sweep="q.high",
                  range=(2.5, 6.0)),
]


@pytest.mark.parametrize("state", SECTION_ROUND_TRIPS, ids=lambda s: s.view)
def test_section_settings_round_trip(state):
    params = state.to_query_params()
    back, errors = read(params)
    assert errors == []
    assert back.resolved() == state.resolved()
    assert back.to_query_params() == params


def test_automatic_settings_follow_p_and_q():
    s = ExplorerState(p="normal(0, 1)", q="normal(1, 2)").resolved()
    assert (s.sweep, s.lx, s.ly) == ("q.loc", "q.loc", "q.scale")
    assert s.range == (-4.0, 4.0) and s.yrange == (0.25, 8.0)
    s = ExplorerState(p="dirac(0)", q="dirac(3)").resolved()
    assert (s.sweep, s.lx, s.ly) == ("q.loc", "q.loc", "p.loc")      # Q has one parameter
    s = ExplorerState(q="uniform(2, 3)", sweep="q.loc").resolved()   # q.loc is gone
    assert s.sweep == "q.low"


def test_only_settings_that_differ_from_their_default_are_written():
    assert ExplorerState().resolved().to_query_params() == ExplorerState().to_query_params()
    params = ExplorerState(view="sweep", sweep="q.scale").to_query_params()
    assert params["sweep"] == "q.scale" and "range" not in params    # its automatic range
    params = ExplorerState(view="sweep", sweep="q.scale", range=(1.0, 2.0)).to_query_params()
    assert params["range"] == "1,2"


def test_presets_carry_their_sections_and_keep_matching_across_tabs():
    state = ExplorerState.from_preset("js-vanishing")
    assert (state.view, state.sweep, state.range, state.vs) == ("sweep", "q.loc",
                                                               (-10.0, 10.0), ("w1",))
    assert ExplorerState.from_preset("mode-seeking").view == "fit"
    assert ExplorerState.from_preset("js-landscape").view == "landscape"
    assert replace(state, view="value").matches_preset()             # another tab: still it
    assert not replace(state, range=(-5.0, 5.0)).matches_preset()
    params = replace(state, view="fit").to_query_params()
    assert params["preset"] == "js-vanishing" and params["view"] == "fit"
    assert "range" not in params and "vs" not in params              # the preset's


def test_a_preset_range_does_not_leak_to_another_parameter():
    state, errors = read({"preset": "js-vanishing", "sweep": "q.scale"})
    assert errors == [] and state.resolved().range == default_range(
        "normal(0, 1)", "normal(6, 1)", "q.scale")


@pytest.mark.parametrize(("params", "field", "words"), [
    ({"view": "plot"}, "view", ["unknown section", "value, sweep, landscape, fit"]),
    ({"vs": "w1,nope"}, "vs", ["unknown divergence nope"]),
    ({"vs": "kl,js,tv,w1,w2"}, "vs", ["at most 4"]),
    ({"sweep": "q.nope"}, "sweep", ["unknown parameter", "q.loc, q.scale, p.loc, p.scale"]),
    ({"range": "1"}, "range", ["two numbers"]),
    ({"range": "3,1"}, "range", ["below the second"]),
    ({"sweep": "q.scale", "range": "0,2"}, "range", ["q.scale = 0", "> 0"]),
    ({"q": "uniform(2, 3)", "sweep": "q.low", "range": "0,4"}, "range", ["low < high"]),
    ({"points": "2"}, "points", ["between 3 and 401"]),
    ({"points": "abc"}, "points", ["not a whole number"]),
    ({"lx": "q.scale", "ly": "q.scale"}, "ly", ["must differ"]),
    ({"xrange": "a,b"}, "xrange", ["not a number"]),
    ({"grid": "100"}, "grid", ["between 5 and 41"]),
    ({"steps": "501"}, "steps", ["between 1 and 500"]),
    ({"lr": "20"}, "lr", ["at most 10"]),
])
def test_bad_section_values_are_replaced_by_defaults(params, field, words):
    state, errors = read(params)
    assert len(errors) == 1, errors
    for word in words:
        assert word in errors[0], (word, errors[0])
    good = {k: v for k, v in params.items() if k != field}
    assert getattr(state, field) == getattr(read(good)[0], field)


def test_parameters_list_q_first():
    assert parameters("normal(0, 1)", "product(dirac(1), uniform(0, 1))") == (
        "q.x.loc", "q.y.low", "q.y.high", "p.loc", "p.scale")


@pytest.mark.parametrize(("p", "q", "name"), [
    ("normal(0, 1)", "normal(6, 1)", "q.loc"),
    ("normal(0, 1)", "normal(1, 2)", "q.scale"),
    ("uniform(0, 1)", "uniform(2, 3)", "q.low"),
    ("uniform(0, 1)", "uniform(2, 3)", "q.high"),
    ("mvnormal(loc=[0, 0], cov=[[1, 0.8], [0.8, 1]])",
     "mvnormal(loc=[0, 0], cov=[[1, -0.8], [-0.8, 1]])", "q.cov.0.1"),
    ("beta(2, 2)", "beta(1, 3)", "q.a"),
    ("normal(0, 1)", "mixture(components=[normal(-2, 0.5), normal(2, 0.5)], "
     "weights=[0.5, 0.5])", "q.weights.0"),
])
def test_default_ranges_are_allowed_and_contain_the_value(p, q, name):
    lo, hi = default_range(p, q, name)
    assert lo < hi
    assert allowed(p, q, name, lo) is None and allowed(p, q, name, hi) is None
    side, _, flat = name.partition(".")
    v = dist({"p": p, "q": q}[side]).flat_params()[flat]
    assert lo <= v <= hi


def test_default_range_is_centred_on_p():
    assert default_range("normal(0, 1)", "normal(6, 1)", "q.loc") == (-12.0, 12.0)
    lo, hi = default_range("mvnormal(loc=[0, 0], cov=[[1, 0.8], [0.8, 1]])",
                           "mvnormal(loc=[0, 0], cov=[[1, -0.8], [-0.8, 1]])", "q.cov.0.1")
    assert -1 < lo < -0.9 and 0.9 < hi < 1                           # |b| < 1 for PSD
