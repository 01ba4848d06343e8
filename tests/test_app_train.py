"""The Train page under streamlit.testing.v1.AppTest (no browser), and its URL state.

The page's numbers come from the training library (tested in test_train.py and
test_trainer.py); here: the page renders the run's view at step 0, the URL restores
the widgets and reports bad values beside the default that replaced them, each control
(Play, Pause / Resume, Step, Step D, Step G, Slow-mo, Reset, more steps, changes
mid-run) does what it says, and a run ends with the metrics and the replay.
"""

from __future__ import annotations

import base64
import json
import time

import numpy as np
import pytest
import torch
from apptest_pages import open_page
from streamlit.testing.v1 import AppTest

from ganloss_viz.state.train import TRAIN_PRESETS, TrainState, caps
from ganloss_viz.train import HOSTED_CAPS, TrainConfig

RUN_WAIT = 90         # seconds a short run may take to finish on a busy machine
pytestmark = pytest.mark.usefixtures("no_speed_confirmation")


def open_train(query: dict[str, str] | None = None) -> AppTest:
    """The app, switched to the Train page with `query` as its URL parameters."""
    return open_page("app_pages/train.py", query)


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
    assert select(at, "tr.loss") == "ns" and select(at, "tr.target_menu") == "ring8"
    assert at.session_state["tr.device"] == "auto"   # its menu: tests/test_device_menu.py
    n = numbers(at)
    assert n["tr.steps"] == TrainConfig().resolved().steps and n["tr.seed"] == 0
    labels = [x.label for x in at.number_input]
    assert f"Steps (≤ {HOSTED_CAPS.steps:,})" in labels          # caps are shown
    assert f"Width (≤ {HOSTED_CAPS.width})" in labels
    assert at.button(key="tr.play").label == "Play"
    view = charts(at)["generated"]                    # the untrained run, before any press
    assert len(values(view["x"])) == 500 and at.session_state["tr.trainer"].step == 0
    assert dict(at.query_params) == {"loss": ["ns"], "target": ["ring8"],
                                     "steps": [str(n["tr.steps"])], "seed": ["0"]} or \
        {k: v[-1] if isinstance(v, list) else v for k, v in at.query_params.items()} == \
        {"loss": "ns", "target": "ring8", "steps": str(n["tr.steps"]), "seed": "0"}


def test_url_restores_the_widgets():
    at = open_train({"loss": "hinge", "target": "bimodal", "steps": "250", "seed": "5",
                     "width": "64", "depth": "2", "batch": "128", "lr": "0.0005",
                     "lr_d": "0.0007", "device": "cpu"})
    assert not at.error
    assert select(at, "tr.loss") == "hinge" and select(at, "tr.target_menu") == "bimodal"
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
    assert at.button(key="tr.play").label == "Play"


def test_preset_link_shows_its_caption():
    at = open_train({"preset": "ring8-wgan-gp"})
    assert select(at, "tr.loss") == "wgan_gp"
    assert any("WGAN-GP on 8 Gaussians" in i.value for i in at.info)


def values(v) -> list[float]:
    """A trace's array as numbers (Plotly writes numpy arrays as base64 "bdata")."""
    if isinstance(v, dict) and "bdata" in v:
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"]).tolist()
    return list(v)


def specs(at: AppTest) -> list[dict]:
    """Every figure on the page: its Plotly charts and its live charts (the run's view
    and curves, drawn by ganloss_viz.ui.live_chart's component)."""
    out = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    for c in at.get("component_instance"):
        if c.proto.component_name.endswith("live_chart"):
            out.append(json.loads(json.loads(c.proto.json_args)["spec"]))
    return out


def charts(at: AppTest) -> dict[str, dict]:
    """The traces of the page's charts by name (the run's view: "generated", "D(x)", ...)."""
    out = {}
    for spec in specs(at):
        for trace in spec["data"]:
            out.setdefault(trace.get("name"), trace)
    return out


def play_to_end(at: AppTest, key: str = "tr.play"):
    """Press Play (or Resume) and rerun until the run has stopped playing."""
    at.button(key=key).click()
    at.run()
    deadline = time.monotonic() + RUN_WAIT
    while at.session_state["tr.live"] is not None and not at.session_state["tr.live"].done:
        assert time.monotonic() < deadline, "the run did not end"
        time.sleep(0.3)
        at.run()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at.session_state["tr.trainer"]


def test_short_run_ends_with_metrics_and_replay():
    at = open_train({"loss": "ns", "target": "ring8", "steps": "60", "width": "32"})
    tr = play_to_end(at)
    assert tr.step == 60 and tr.finished
    assert not at.error, [e.value for e in at.error]
    result = at.session_state["tr.result"][1]
    assert result.steps == 60 and not result.diverged and result.config.width == 32
    table = at.table[0].value
    shown = dict(zip(table.index, table["value"], strict=True))
    assert shown["modes covered"].endswith("of 8")
    assert shown["steps"] == "60" and shown["status"] == "finished"
    hq = shown["high-quality fraction"]                 # k / 2500 samples: 4 decimals at most,
    assert hq == "0" or len(hq.split(".")[-1]) <= 4     # never padded to false precision
    for name in ("high-quality fraction", "reverse KL of the modes (nats)", "W1 to the target",
                 "seconds to coverage", "steps/s"):
        assert name in shown
    replay = [s for s in specs(at) if s.get("frames") and s["layout"].get("sliders")
              and len(s["frames"]) == len(result.snapshots)]
    assert len(replay) == 1
    assert replay[0]["layout"]["sliders"][0]["steps"][-1]["label"] == "60"
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Animation (standalone HTML)", "Metrics CSV", "Metrics JSON"]
    files = at.session_state["tr.downloads"][1]
    html = files["html"]()                              # made when the button is pressed
    assert "<html>" in html and "Plotly.newPlot" in html
    assert 'src="https://cdn.plot.ly' not in html and len(html) > 1_000_000   # inlined
    assert files["csv"].splitlines()[0] == "metric,value"
    data = json.loads(files["json"])
    assert data["steps"] == 60 and data["metrics"]["modes"] == 8
    assert at.button(key="tr.play").disabled                  # finished: nothing to resume
    at.button(key="tr.more").click()                          # +500 more steps
    at.run()
    assert tr.goal == 560 and not at.button(key="tr.play").disabled
    assert at.button(key="tr.play").label == "Resume"


def test_step_moves_the_counter_by_one_and_the_samples():
    at = open_train({"loss": "ns", "target": "ring8", "steps": "100", "width": "32"})
    before = values(charts(at)["generated"]["x"])
    at.button(key="tr.step").click()
    at.run()
    tr = at.session_state["tr.trainer"]
    assert tr.step == 1 and (tr.d_updates, tr.g_updates) == (1, 1)
    assert values(charts(at)["generated"]["x"]) != before
    assert any("Step 1" in m.value for m in at.markdown)
    at.button(key="tr.step_d").click()
    at.run()
    at.button(key="tr.step_g").click()
    at.run()
    assert tr.step == 1 and (tr.d_updates, tr.g_updates) == (2, 2)
    assert [(e.step, e.name) for e in tr.events] == [(1, "step_d"), (1, "step_g")]
    at.button(key="tr.reset0").click()
    at.run()
    fresh = at.session_state["tr.trainer"]
    assert fresh is not tr and fresh.step == 0 and values(charts(at)["generated"]["x"]) == before


def test_pause_then_resume_equals_an_uninterrupted_run():
    from ganloss_viz.train import train

    at = open_train({"loss": "ns", "target": "ring8", "steps": "3000", "width": "32"})
    at.selectbox(key="tr.speed").set_value("100/s")     # slow enough to pause
    at.run()
    at.button(key="tr.play").click()
    at.run()
    tr = at.session_state["tr.trainer"]
    deadline = time.monotonic() + RUN_WAIT
    while tr.step < 200:                                      # let it train a while
        assert time.monotonic() < deadline
        time.sleep(0.05)
    at.button(key="tr.pause").click()
    at.run()
    while not at.session_state["tr.live"].done:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    at.run()
    paused_at = tr.step
    assert 0 < paused_at < 3000 and not tr.finished
    assert at.button(key="tr.play").label == "Resume"
    assert at.session_state["tr.result"][1].stopped           # the run so far, shown
    assert any("Paused at step" in i.value for i in at.info)
    at.selectbox(key="tr.speed").set_value("full")
    at.run()
    tr = play_to_end(at)
    assert tr.step == 3000
    whole = train(at.session_state["tr.result"][1].config)
    assert torch.equal(tr.state.G.flat, whole.generator.flat)
    assert torch.equal(tr.state.D.flat, whole.discriminator.flat)


def test_change_mid_run_shows_in_curves_and_export():
    at = open_train({"loss": "ns", "target": "ring8", "steps": "200", "width": "32"})
    for _ in range(3):
        at.button(key="tr.step").click()
        at.run()
    at.number_input(key="tr.steer_lr_d").set_value(0.0005)
    at.selectbox(key="tr.steer_loss").set_value("hinge")
    at.button(key="tr.steer").click()
    at.run()
    tr = at.session_state["tr.trainer"]
    assert [(e.step, e.name, e.value) for e in tr.events] == [(3, "loss", "hinge"),
                                                            (3, "lr_d", 0.0005)]
    assert tr.state.loss.name == "hinge"
    tr = play_to_end(at, "tr.play")
    curves = [s for s in specs(at) if s["layout"].get("uirevision") == "curves"][0]
    assert [sh["x0"] for sh in curves["layout"]["shapes"]] == [3]
    assert "lr_d=0.0005" in curves["layout"]["annotations"][0]["text"]
    data = json.loads(at.session_state["tr.downloads"][1]["json"])
    assert data["config"]["schedule"] == [{"step": 3, "loss": "hinge"},
                                          {"step": 3, "lr_d": 0.0005}]
    assert "Schedule: `3: loss=hinge, lr_d=0.0005`" in " ".join(c.value for c in at.caption)
    csv_rows = dict(line.split(",", 1) for line in
                    at.session_state["tr.downloads"][1]["csv"].splitlines()[1:])
    assert csv_rows["schedule"].strip('"') == "3: loss=hinge, lr_d=0.0005"
    at.button(key="tr.reset0").click()                  # a new run: the fields show its own
    at.run()
    assert at.number_input(key="tr.steer_lr_d").value == pytest.approx(0.001)
    assert at.selectbox(key="tr.steer_loss").value == "ns"


def test_slow_motion_step_shows_five_stages():
    at = open_train({"loss": "ns", "target": "ring8", "steps": "50", "width": "32"})
    at.button(key="tr.slow").click()
    at.run()
    assert not at.exception
    assert at.session_state["tr.trainer"].step == 1
    stages = [s for s in specs(at) if len(s.get("frames", [])) == 5]
    assert len(stages) == 1
    labels = [st["label"] for st in stages[0]["layout"]["sliders"][0]["steps"]]
    assert labels == ["Real batch", "Fake batch", "D's update", "G's gradient", "G's update"]


def test_a_long_run_asks_first(monkeypatch):
    import ganloss_viz.ui.train_view as tv

    monkeypatch.setattr(tv, "CONFIRM_SECONDS", 0.0)
    at = open_train({"loss": "ns", "target": "ring8", "steps": "100", "width": "32"})
    at.button(key="tr.play").click()
    at.run()
    assert at.session_state["tr.live"] is None if "tr.live" in at.session_state else True
    assert any("at this machine's measured speed" in w.value for w in at.warning)
    tr = play_to_end(at, "tr.confirm_play")
    assert tr.step == 100


def test_a_drawn_target_trains_and_links():
    spec = "points(x=[-1, 1, 0], y=[0, 0, 1.5], scale=0.1)"
    at = open_train({"loss": "ns", "target": spec, "steps": "30", "width": "32"})
    assert not at.error, [e.value for e in at.error]
    assert select(at, "tr.target_menu") == "draw"
    assert at.session_state["tr.target"].startswith("points(")
    tr = play_to_end(at)
    assert tr.step == 30 and tr.state.target.modes.shape == (3, 2)
    assert at.query_params["target"][-1].startswith("points(") if isinstance(
        at.query_params["target"], list) else at.query_params["target"].startswith("points(")




def test_the_quoted_speed_is_the_live_progress_s_and_never_a_division_by_zero(monkeypatch):
    """Mid-chunk a playing trainer's step has moved on while its seconds have not (0 in
    its first chunk): the page quotes the speed of Play's latest progress, and none at
    all without seconds (a ZeroDivisionError in the live panel before)."""
    from types import SimpleNamespace

    from ganloss_viz.train.record import Progress
    from ganloss_viz.ui import train_panels

    tr = SimpleNamespace(step=400, seconds=0.0)
    job = SimpleNamespace(done=False, progress=None)
    monkeypatch.setattr(train_panels, "ss", {"tr.live": job})
    assert train_panels.speed_text(tr) == ""
    job.progress = Progress(step=400, steps=1000, seconds=0.5, steps_per_s=800.0)
    assert train_panels.speed_text(tr) == " · 800 steps/s"
    job.done = True
    tr.seconds = 2.0
    assert train_panels.speed_text(tr) == " · 200 steps/s"
