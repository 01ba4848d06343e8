"""The Study page under streamlit.testing.v1.AppTest (no browser).

The numbers come from ganloss_viz.study (tested in test_study_*.py); here: the page
opens on the shipped study, a URL restores its filters, a bad URL is reported beside a
working view, a preset sets the filters, and a tiny study run from the page (inside the
hosted caps) replaces the shipped one.
"""

from __future__ import annotations

import time

from apptest_pages import open_page
from streamlit.testing.v1 import AppTest

from ganloss_viz.study import HOSTED_MAX_RUNS

RUN_WAIT = 120


def open_study(query: dict[str, str] | None = None) -> AppTest:
    """The app, switched to the Study page with `query` as its URL parameters."""
    return open_page("app_pages/study.py", query)


def captions(at: AppTest) -> str:
    return " ".join(c.value for c in at.caption)


def test_opens_on_the_shipped_study_with_every_figure():
    at = open_study()
    assert at.title[0].value.startswith("Studies") and not at.error
    assert "the shipped study (studies/losses18)" in captions(at)
    assert len(at.get("plotly_chart")) == 5
    assert dict(at.query_params) == {"source": "shipped", "score": "success",
                                     "criterion": "success"}


def test_url_restores_the_filters():
    at = open_study({"losses": "ns,hinge", "targets": "bimodal", "lr": "0.001",
                     "score": "w1", "criterion": "coverage"})
    assert not at.error
    assert at.multiselect(key="study.losses").value == ["ns", "hinge"]
    assert at.multiselect(key="study.targets").value == ["bimodal"]
    assert at.multiselect(key="study.lr").value == [0.001]
    assert at.query_params["losses"] == "ns,hinge" and at.query_params["score"] == "w1"
    assert at.segmented_control(key="study.criterion").value == "coverage"


def test_bad_url_is_reported_beside_a_working_view():
    at = open_study({"losses": "ns,no_such_loss", "targets": "bimodal,moons", "lr": "nan",
                     "preset": "nope", "score": "fid"})
    errors = " ".join(e.value for e in at.error)
    for needle in ("preset='nope'", "lr='nan'", "score='fid'", "losses='ns,no_such_loss'",
                   "not in the results and were left out of the filter: moons"):
        assert needle in errors, (needle, errors)
    assert at.multiselect(key="study.losses").value == []
    assert at.multiselect(key="study.targets").value == ["bimodal"]
    assert len(at.get("plotly_chart")) == 5
    assert at.query_params["targets"] == "bimodal" and "losses" not in at.query_params
    assert "preset" not in at.query_params


def test_a_preset_sets_the_filters():
    at = open_study({"preset": "study-1d"})
    assert at.multiselect(key="study.targets").value == ["bimodal", "trimodal"]
    assert any("Studies: the 1-D targets" in i.value for i in at.info)
    at.multiselect(key="study.targets").set_value(["bimodal"]).run()
    assert "preset" not in at.query_params            # no longer the preset's view


def test_a_small_study_runs_from_the_page_within_the_hosted_caps():
    at = open_study()
    at.multiselect(key="study.run_losses").set_value(["ns", "hinge"])
    at.number_input(key="study.run_seeds").set_value(HOSTED_MAX_RUNS // 2 + 1)
    at.button(key="study.run").click().run()
    assert any(f"over the hosted cap of {HOSTED_MAX_RUNS}" in e.value for e in at.error)
    at.multiselect(key="study.run_losses").set_value(["ns"])
    at.number_input(key="study.run_seeds").set_value(2)
    at.number_input(key="study.run_steps").set_value(100)
    at.button(key="study.run").click().run()
    deadline = time.monotonic() + RUN_WAIT
    while "a study of 2 runs started on this page" not in captions(at):
        assert time.monotonic() < deadline, "the study did not end"
        assert not at.exception, [e.value for e in at.exception]
        time.sleep(0.3)
        at.run()
    assert at.query_params["source"] == "session"
    assert at.multiselect(key="study.losses").options == ["ns"]
    charts = {c.key for c in at.get("plotly_chart")}
    assert {"study.heat", "study.heat_lr", "study.w1", "study.best"} <= charts
    # 100-step runs rarely reach coverage: then a note stands in for the times' chart
    assert "study.cov" in charts or any("no times to coverage" in i.value for i in at.info)
