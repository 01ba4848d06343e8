"""The Train page under streamlit.testing.v1.AppTest (no browser), and its URL state.

The page's numbers come from the training library (tested in test_train.py); here:
the page renders, the URL restores the widgets and reports bad values beside the
default that replaced them, and a short run ends with the metrics and the replay.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ganloss_viz.state.train import TRAIN_PRESETS, TrainState, caps
from ganloss_viz.train import HOSTED_CAPS, TrainConfig

APP = Path(__file__).resolve().parents[1] / "app.py"
TIMEOUT = 120
RUN_WAIT = 90         # seconds a short run may take to finish on a busy machine


def open_train(query: dict[str, str] | None = None) -> AppTest:
    """The app, switched to the Train page with `query` as its URL parameters."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.switch_page("app_pages/train.py")
    at.query_params.clear()
    at.query_params.update(query or {})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def numbers(at: AppTest) -> dict[str, float]:
    return {x.key: x.value for x in at.number_input}


def select(at: AppTest, key: str):
    return at.selectbox(key=key).value


# --- the state (no Streamlit) ----------------------------------------------------------


def test_state_defaults_match_the_library():
    state = TrainState().resolved()
    cfg = TrainConfig().resolved()
    assert (state.loss, state.target, state.steps, state.seed) == \
        (cfg.loss, cfg.target, cfg.steps, cfg.seed)
    assert (state.width, state.depth, state.batch, state.lr, state.lr_d) == \
        (cfg.width, cfg.depth, cfg.batch, cfg.lr_g, cfg.lr_d)
    assert caps() == HOSTED_CAPS


def test_state_round_trips_and_reports_caps():
    state, errors = TrainState.from_query_params(
        {"loss": "wgan_gp", "target": "bimodal", "steps": "150", "seed": "7", "width": "64",
         "lr": "0.002", "lr_d": "0.003"})
    assert errors == []
    again, _ = TrainState.from_query_params(state.to_query_params())
    assert again == state
    cfg = state.config().resolved()
    assert (cfg.loss, cfg.target, cfg.steps, cfg.seed, cfg.width, cfg.lr_g, cfg.lr_d) == \
        ("wgan_gp", "bimodal", 150, 7, 64, 0.002, 0.003)
    _, errors = TrainState.from_query_params({"width": str(HOSTED_CAPS.width + 1)})
    assert len(errors) == 1 and f"cap is {HOSTED_CAPS.width}" in errors[0]
    assert "using width=128 instead" in errors[0]


def test_state_presets_are_valid_runs():
    for name in TRAIN_PRESETS:
        state, errors = TrainState.from_query_params({"preset": name})
        assert errors == [] and state.matches_preset()
        assert state.to_query_params()["preset"] == name
        state.config().resolved()


# --- the page ---------------------------------------------------------------------------


def test_page_renders_with_defaults():
    at = open_train()
    assert at.title[0].value == "Train a GAN"
    assert not at.error
    assert select(at, "tr.loss") == "ns" and select(at, "tr.target") == "ring8"
    assert at.session_state["tr.device"] == "auto"   # its menu: tests/test_device_menu.py
    n = numbers(at)
    assert n["tr.steps"] == TrainConfig().resolved().steps and n["tr.seed"] == 0
    labels = [x.label for x in at.number_input]
    assert f"Steps (≤ {HOSTED_CAPS.steps:,})" in labels          # caps are shown
    assert f"Width (≤ {HOSTED_CAPS.width})" in labels
    assert at.button(key="tr.train").label == "Train"
    assert dict(at.query_params) == {"loss": ["ns"], "target": ["ring8"],
                                     "steps": [str(n["tr.steps"])], "seed": ["0"]} or \
        {k: v[-1] if isinstance(v, list) else v for k, v in at.query_params.items()} == \
        {"loss": "ns", "target": "ring8", "steps": str(n["tr.steps"]), "seed": "0"}


def test_url_restores_the_widgets():
    at = open_train({"loss": "hinge", "target": "bimodal", "steps": "250", "seed": "5",
                     "width": "64", "depth": "2", "batch": "128", "lr": "0.0005",
                     "lr_d": "0.0007", "device": "cpu"})
    assert not at.error
    assert select(at, "tr.loss") == "hinge" and select(at, "tr.target") == "bimodal"
    assert at.session_state["tr.device"] == "cpu"
    n = numbers(at)
    assert (n["tr.steps"], n["tr.seed"], n["tr.width"], n["tr.depth"], n["tr.batch"]) == \
        (250, 5, 64, 2, 128)
    assert n["tr.lr"] == pytest.approx(0.0005) and n["tr.lr_d"] == pytest.approx(0.0007)
    captions = " ".join(c.value for c in at.caption)
    assert "Hinge GAN" in captions and "Lim & Ye" in captions    # label and one-line doc
    assert "Known weakness" not in captions


def test_a_loss_with_a_known_weakness_says_so():
    at = open_train({"loss": "fgan_tv"})
    captions = " ".join(c.value for c in at.caption)
    assert "Known weakness" in captions and "½·tanh(v) saturates" in captions


def test_bad_url_shows_errors_and_still_renders():
    at = open_train({"loss": "nope", "target": "ring8", "steps": "99999999", "seed": "-3",
                     "lr": "abc"})
    errors = " ".join(e.value for e in at.error)
    steps = TrainConfig(target="ring8").resolved().steps        # the library's default
    assert "loss='nope'" in errors and "using loss=ns instead" in errors
    assert "steps='99999999'" in errors and f"using steps={steps} instead" in errors
    assert f"the hosted cap is {HOSTED_CAPS.steps}" in errors
    assert "seed='-3'" in errors and "using seed=0 instead" in errors
    assert "lr='abc'" in errors
    assert "Traceback" not in errors
    assert select(at, "tr.loss") == "ns" and numbers(at)["tr.steps"] == steps
    assert at.button(key="tr.train").label == "Train"


def test_preset_link_shows_its_caption():
    at = open_train({"preset": "ring8-wgan-gp"})
    assert select(at, "tr.loss") == "wgan_gp"
    assert any("WGAN-GP on 8 Gaussians" in i.value for i in at.info)


def test_short_run_ends_with_metrics_and_replay():
    at = open_train({"loss": "ns", "target": "ring8", "steps": "60", "width": "32"})
    at.button(key="tr.train").click()
    at.run()
    deadline = time.monotonic() + RUN_WAIT
    while at.session_state["tr.result"] is None if "tr.result" in at.session_state else True:
        assert time.monotonic() < deadline, "the 60-step run did not finish"
        time.sleep(0.3)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    result = at.session_state["tr.result"]
    assert result.steps == 60 and not result.diverged and result.config.width == 32
    table = at.table[0].value
    shown = dict(zip(table.index, table["value"], strict=True))
    assert shown["modes covered"].endswith("of 8")
    assert shown["steps"] == "60" and shown["status"] == "finished"
    for name in ("high-quality fraction", "reverse KL of the modes (nats)", "W1 to the target",
                 "seconds to coverage", "steps/s"):
        assert name in shown
    charts = {c.proto.id: json.loads(c.proto.spec) for c in at.get("plotly_chart")}
    replay = [s for s in charts.values() if s.get("frames")]
    assert len(replay) == 1
    assert len(replay[0]["frames"]) == len(result.snapshots)
    assert replay[0]["layout"]["sliders"][0]["steps"][-1]["label"] == "60"
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Animation (standalone HTML)", "Metrics CSV", "Metrics JSON"]
    files = at.session_state["tr.downloads"][1]
    html = files["html"]
    assert "<html>" in html and "Plotly.newPlot" in html
    assert 'src="https://cdn.plot.ly' not in html and len(html) > 1_000_000   # inlined
    assert files["csv"].splitlines()[0] == "metric,value"
    data = json.loads(files["json"])
    assert data["steps"] == 60 and data["metrics"]["modes"] == 8


def wait_for_result(at: AppTest):
    deadline = time.monotonic() + RUN_WAIT
    while at.session_state["tr.result"] is None if "tr.result" in at.session_state else True:
        assert time.monotonic() < deadline, "the run did not end"
        time.sleep(0.3)
        at.run()
    return at.session_state["tr.result"]


def test_stop_button_ends_the_run_early():
    at = open_train({"loss": "ns", "target": "ring8", "steps": "5000", "width": "32"})
    at.button(key="tr.train").click()
    at.run()
    assert at.button(key="tr.train").disabled               # one run per session
    at.button(key="tr.stop").click()
    at.run()
    result = wait_for_result(at)
    assert result.stopped and result.steps < 5000
    assert not at.exception and not at.error
    shown = dict(zip(at.table[0].value.index, at.table[0].value["value"], strict=True))
    assert shown["status"] == "stopped early"
    assert any("Stopped early" in i.value for i in at.info)
