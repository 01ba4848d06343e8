"""The Compare page's URL state: parsing, round trips, bad values, presets (no Streamlit)."""

from __future__ import annotations

import pytest

from ganloss_viz.losses import LOSSES
from ganloss_viz.state.compare import (
    COMPARE_PRESETS,
    HOSTED_STEPS_PART,
    MAX_LOSSES,
    CompareState,
    compare_steps,
    parse_losses,
)
from ganloss_viz.targets import TARGETS
from ganloss_viz.train import HOSTED_CAPS, TrainConfig

DEFAULT_LOSSES = "ns,wgan_gp,hinge,ns_r1"


def test_defaults_use_the_library_defaults():
    state, errors = CompareState.from_query_params({})
    assert errors == []
    cfg = TrainConfig(target=state.target).resolved()
    # hosted (the default), a comparison's default steps are a part of the target's
    steps = round(cfg.steps * HOSTED_STEPS_PART)
    assert (state.steps, state.width, state.depth, state.batch) == \
        (steps, cfg.width, cfg.depth, cfg.batch)
    assert state.to_query_params() == {"losses": DEFAULT_LOSSES, "target": "ring8",
                                       "steps": str(steps), "seed": "0"}
    assert compare_steps("bimodal") == 400 and compare_steps("ring8") == 800


def test_round_trip_keeps_order_and_settings():
    query = {"losses": "hinge,ns,fgan_kl", "target": "bimodal", "steps": "300", "seed": "9",
             "width": "64", "depth": "2", "batch": "128", "device": "cpu"}
    state, errors = CompareState.from_query_params(query)
    assert errors == []
    assert state.losses == ("hinge", "ns", "fgan_kl")           # the order given
    assert state.to_query_params() == query
    again, _ = CompareState.from_query_params(state.to_query_params())
    assert again == state
    settings = state.settings()
    assert settings == dict(width=64, depth=2, batch=128, device="cpu", hosted=True, threads=1)
    for name in state.losses:                     # each run is a valid hosted config
        cfg = TrainConfig(loss=name, target=state.target, steps=state.steps, seed=state.seed,
                          **settings).resolved()
        assert (cfg.steps, cfg.seed, cfg.width, cfg.hosted) == (300, 9, 64, True)


@pytest.mark.parametrize("text, why", [
    ("ns,nope", "unknown loss nope"),
    ("ns,hinge,ns", "ns listed more than once"),
    ("", "no loss given"),
    (" , ", "no loss given"),
    (",".join(list(LOSSES)[:MAX_LOSSES + 1]), f"at most 8 losses, got {MAX_LOSSES + 1}"),
])
def test_bad_losses_name_the_problem(text, why):
    with pytest.raises(ValueError, match=why):
        parse_losses(text)
    state, errors = CompareState.from_query_params({"losses": text, "target": "ring8"})
    assert state.losses == tuple(DEFAULT_LOSSES.split(","))
    assert len(errors) == 1 and why in errors[0]
    assert f"using losses={DEFAULT_LOSSES} instead" in errors[0]


def test_eight_losses_and_spaces_are_accepted():
    names = list(LOSSES)[:MAX_LOSSES]
    assert parse_losses(" , ".join(names)) == tuple(names)


def test_each_bad_value_is_replaced_and_reported():
    state, errors = CompareState.from_query_params(
        {"losses": "x", "target": "mars", "steps": str(HOSTED_CAPS.steps + 1), "seed": "-1",
         "width": "0", "batch": "1e9", "preset": "nope"})
    text = "\n".join(errors)
    assert len(errors) == 7
    assert "using target=ring8 instead" in text
    assert f"the hosted cap is {HOSTED_CAPS.steps}" in text and "using steps=800" in text
    assert "using seed=0 instead" in text and "using width=128 instead" in text
    assert "batch='1e9'" in text and "not a whole number" in text
    assert "preset='nope'" in text
    assert state == CompareState().resolved()


def test_presets_are_valid_comparisons_with_captions():
    assert {"classics-ring8", "grid25-r1", "trimodal-1d"} <= set(COMPARE_PRESETS)
    dims = set()
    for name, pr in COMPARE_PRESETS.items():
        assert pr.title and pr.caption.endswith(".")
        state, errors = CompareState.from_query_params({"preset": name})
        assert errors == [] and state.matches_preset()
        assert state.losses == pr.losses and 1 <= len(pr.losses) <= MAX_LOSSES
        assert state.to_query_params()["preset"] == name
        dims.add(TARGETS[state.target].dim)
    assert dims == {1, 2}                           # a 1-D one for the talks
    classics = COMPARE_PRESETS["classics-ring8"]
    assert classics.losses == ("ns", "wgan_gp", "hinge", "lsgan", "ns_r1", "minimax")


def test_preset_goes_stale_when_a_setting_changes():
    state, _ = CompareState.from_query_params({"preset": "classics-ring8", "seed": "3"})
    assert state.losses == COMPARE_PRESETS["classics-ring8"].losses and state.seed == 3
    assert not state.matches_preset()
    assert "preset" not in state.without_stale_preset().to_query_params()
