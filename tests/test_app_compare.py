"""The Compare page under streamlit.testing.v1.AppTest (no browser).

The numbers come from the training library (tested in test_compare.py); here: the page
opens from a URL, a bad URL shows errors beside the defaults that replaced them, and a
tiny comparison ends with one animated grid, a table with a row per loss and downloads.
"""

from __future__ import annotations

import json
import time

import pytest
from apptest_pages import open_page
from streamlit.testing.v1 import AppTest

from ganloss_viz.state.compare import COMPARE_PRESETS, HOSTED_STEPS_PART, compare_steps
from ganloss_viz.train import HOSTED_CAPS, TrainConfig

RUN_WAIT = 120        # seconds a tiny comparison may take on a busy machine
pytestmark = pytest.mark.usefixtures("no_speed_confirmation")


def open_compare(query: dict[str, str] | None = None) -> AppTest:
    """The app, switched to the Compare page with `query` as its URL parameters."""
    return open_page("app_pages/compare.py", query)


def numbers(at: AppTest) -> dict[str, float]:
    return {x.key: x.value for x in at.number_input}


def wait_for_result(at: AppTest):
    deadline = time.monotonic() + RUN_WAIT
    while at.session_state["cmp.result"] is None if "cmp.result" in at.session_state \
            else True:
        assert time.monotonic() < deadline, "the comparison did not end"
        time.sleep(0.3)
        at.run()
    return at.session_state["cmp.result"]


def test_url_restores_the_widgets():
    at = open_compare({"losses": "hinge,ns,lsgan", "target": "bimodal", "steps": "250",
                       "seed": "4", "width": "64", "batch": "128", "device": "cpu"})
    assert at.title[0].value == "Compare losses" and not at.error
    assert at.multiselect(key="cmp.losses").value == ["hinge", "ns", "lsgan"]
    assert at.selectbox(key="cmp.target_menu").value == "bimodal"
    n = numbers(at)
    assert (n["cmp.steps"], n["cmp.seed"], n["cmp.width"], n["cmp.batch"]) == (250, 4, 64, 128)
    labels = [x.label for x in at.number_input]
    assert f"Steps (≤ {HOSTED_CAPS.steps:,})" in labels and f"Width (≤ {HOSTED_CAPS.width})" \
        in labels                                                    # caps are shown
    assert at.button(key="cmp.compare").label == "Compare"
    assert "ragan" not in " ".join(c.value for c in at.caption)


def test_step_zero_grid_before_anything_is_pressed_and_a_drawn_target():
    spec = "points(x=[-1, 1], y=[0, 0], scale=0.1)"
    at = open_compare({"losses": "ns,hinge", "target": spec, "steps": "30"})
    assert not at.error, [e.value for e in at.error]
    assert at.selectbox(key="cmp.target_menu").value == "draw"
    assert at.session_state["cmp.target"] == spec                  # the link's drawing kept
    grid = [s for s in (json.loads(c.proto.spec) for c in at.get("plotly_chart"))
            if "step 0" in s["layout"].get("title", {}).get("text", "")]
    assert len(grid) == 1 and not grid[0].get("frames")           # one still grid, step 0
    titles = " ".join(a["text"] for a in grid[0]["layout"]["annotations"])
    assert "ns" in titles and "hinge" in titles and "0/2 modes" in titles


def test_losses_with_a_known_weakness_say_so():
    at = open_compare({"losses": "ns,fgan_tv,ragan"})
    captions = [c.value for c in at.caption]
    assert any("**fgan_tv:**" in c and "saturates" in c for c in captions)
    assert any("**ragan:**" in c and "Seed-dependent" in c for c in captions)
    assert not any("**ns:**" in c for c in captions)


def test_bad_url_shows_errors_not_a_traceback():
    at = open_compare({"losses": "ns,bogus,ns", "target": "mars", "steps": "-5",
                       "width": "100000", "preset": "<script>"})
    errors = " ".join(e.value for e in at.error)
    assert "losses='ns,bogus,ns'" in errors and "unknown loss bogus" in errors
    assert "using losses=ns,wgan_gp,hinge,ns_r1 instead" in errors
    assert "target='mars'" in errors and "using target=ring8 instead" in errors
    steps = compare_steps("ring8")
    assert steps == round(TrainConfig(target="ring8").resolved().steps * HOSTED_STEPS_PART)
    assert "steps='-5'" in errors and f"using steps={steps} instead" in errors
    assert f"the hosted cap is {HOSTED_CAPS.width}" in errors
    assert "preset='<script>'" in errors
    assert "Traceback" not in errors
    assert at.multiselect(key="cmp.losses").value == ["ns", "wgan_gp", "hinge", "ns_r1"]


def test_preset_link_and_empty_selection():
    at = open_compare({"preset": "classics-ring8"})
    assert at.multiselect(key="cmp.losses").value == list(COMPARE_PRESETS["classics-ring8"]
                                                          .losses)
    assert any("The classics on 8 Gaussians" in i.value for i in at.info)
    at.multiselect(key="cmp.losses").set_value([]).run()
    assert not at.exception
    assert at.button(key="cmp.compare").disabled
    assert any("Pick at least one loss" in w.value for w in at.warning)


def test_tiny_comparison_ends_with_grid_and_table():
    at = open_compare({"losses": "ns,hinge", "target": "ring8", "steps": "30", "width": "16",
                       "batch": "64"})
    at.button(key="cmp.compare").click()
    at.run()
    state, result = wait_for_result(at)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert state.losses == ("ns", "hinge") and [r.steps for r in result.runs] == [30, 30]
    table = at.table[0].value
    assert list(table.index) == ["ns", "hinge"]
    assert all(v.endswith("of 8") for v in table["modes covered"])
    assert list(table["status"]) == ["finished", "finished"]
    assert list(table.columns) == ["modes covered", "high-quality fraction",
                                   "reverse KL of the modes (nats)", "W1 to the target",
                                   "seconds to coverage", "status"]
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    grids = [c for c in charts if c.get("frames")]
    assert len(grids) == 1                                  # ONE animated figure
    grid = grids[0]
    assert len(grid["layout"]["sliders"]) == 1
    assert grid["layout"]["sliders"][0]["steps"][-1]["label"] == "30"
    titles = [a["text"].split("<br>")[0] for a in grid["layout"]["annotations"]
              if a["text"].startswith("<b>")]                # the panels (the rest: ticks)
    assert titles == ["<b>Non-saturating GAN · ns</b>", "<b>Hinge GAN · hinge</b>"]
    assert grid["layout"]["sliders"][0]["active"] == len(grid["frames"]) - 1   # opens at the end
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Replay grid (standalone HTML)", "Metrics CSV", "Runs JSON"]
    files = at.session_state["cmp.built"][1]
    assert files["csv"].splitlines()[0].startswith("loss,modes covered,")
    assert [line.split(",")[0] for line in files["csv"].splitlines()[1:]] == ["ns", "hinge"]
    data = json.loads(files["json"])
    assert [r["loss"] for r in data["runs"]] == ["ns", "hinge"]
    assert "Plotly.newPlot" in files["html"]()          # made when the button is pressed


def test_live_grid_then_stop_ends_every_run_early():
    at = open_compare({"losses": "ns,wgan_gp", "target": "ring8", "steps": "5000",
                       "width": "16", "batch": "64"})
    at.button(key="cmp.compare").click()
    at.run()
    assert at.button(key="cmp.compare").disabled                   # one comparison at a time
    deadline = time.monotonic() + RUN_WAIT
    while not any("cmp.live_fig" in c.proto.id for c in at.get("plotly_chart")):
        assert time.monotonic() < deadline, "the live grid never appeared"
        time.sleep(0.3)
        at.run()
    live = [json.loads(c.proto.spec) for c in at.get("plotly_chart")
            if "cmp.live_fig" in c.proto.id][0]
    assert not live.get("frames") and len(live["layout"]["annotations"]) == 2
    at.button(key="cmp.stop").click()
    at.run()
    _, result = wait_for_result(at)
    assert all(r.stopped and r.steps < 5000 for r in result.runs)
    assert not at.exception and not at.error
    assert list(at.table[0].value["status"]) == ["stopped early"] * 2
    assert any("Stopped early" in i.value for i in at.info)


def test_the_wait_is_said_before_and_a_long_comparison_asks_first(monkeypatch):
    import ganloss_viz.ui.compare_view as cv

    at = open_compare({"losses": "ns,hinge", "target": "ring8", "steps": "30", "width": "16",
                       "batch": "64"})
    assert any("2 runs of 30 steps" in c.value and "measured speed" in c.value
               for c in at.caption)
    monkeypatch.setattr(cv, "CONFIRM_SECONDS", 0.0)
    at.button(key="cmp.compare").click()
    at.run()
    assert at.session_state["cmp.live"] is None if "cmp.live" in at.session_state else True
    assert any("These runs take" in w.value for w in at.warning)
    at.button(key="cmp.confirm_compare").click()
    at.run()
    state, result = wait_for_result(at)
    assert [r.steps for r in result.runs] == [30, 30]
