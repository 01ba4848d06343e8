"""The Train page's run so far: the replay, the metrics, the curves and the downloads."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from ganloss_viz.figures.style import chart_config
from ganloss_viz.figures.train import history_figure, replay_figure
from ganloss_viz.format import fmt
from ganloss_viz.losses import LOSSES
from ganloss_viz.train import TrainResult
from ganloss_viz.train.report import metric_rows, metrics_csv, result_json
from ganloss_viz.ui.per_result import built_once, standalone_html
from ganloss_viz.ui.present import sized
from ganloss_viz.ui.target_menu import target_word
from ganloss_viz.ui.train_panels import run_title
from ganloss_viz.ui.train_settings import k
from ganloss_viz.ui.video_download import video_download


def _downloads(result: TrainResult, fig: go.Figure, rows) -> dict[str, Any]:
    """The download payloads, built once per result (the HTML when it is asked for)."""
    return built_once(k("downloads"), result, lambda: {
        "html": standalone_html(fig, "train-replay"), "csv": metrics_csv(rows),
        "json": result_json(result.to_dict())})


def results(result: TrainResult) -> None:
    """The run so far: replay, metrics, curves, downloads."""
    cfg = result.config
    title = run_title(cfg)
    st.divider()
    st.subheader(f"Replay · {LOSSES[cfg.loss].label} on {target_word(cfg.target)}")
    summary = (f"{result.steps:,} steps in {result.seconds:.1f} s "
               f"({fmt(result.steps_per_s, 4)} steps/s) on {result.device}; seed {cfg.seed}, "
               f"width {cfg.width}, depth {cfg.depth}, batch {cfg.batch}, {cfg.optimizer}, "
               f"learning rates G {fmt(cfg.lr_g, pad=False)}, D {fmt(cfg.lr_d, pad=False)}.")
    if result.diverged:
        st.warning(f"The run {result.message}: the replay stops at the last finite "
                   f"snapshot. {summary}", icon=":material/warning:")
    elif result.stopped:
        st.info(f"Paused at step {result.steps:,} of {cfg.steps:,}: the replay and the "
                f"metrics show the run so far. {summary}", icon=":material/pause_circle:")
    else:
        st.success(f"Finished. {summary}", icon=":material/check_circle:")
    fig = replay_figure(result.frame, result.snapshots, title)
    st.plotly_chart(sized(fig), key=k("replay"), width="stretch",
                    config=chart_config("train-replay"))
    st.caption("Press ▶ play or drag the step slider. " + (
        "Colours: D's raw output (rescaled per frame); grey: target samples; red: G's "
        "samples; thin lines: G's image of the noise lattice; arrows: −∇ of the generator "
        "loss per sample, on one scale for the whole run." if result.frame.dim == 2 else
        "Red bars: histogram of G's samples; black: the target density; blue: D's raw "
        "output (right axis)."))
    video_download(f"{cfg.loss}-{target_word(cfg.target)}-seed{cfg.seed}", lambda: fig,
                   (title, result.steps, result.seconds))
    rows = metric_rows(result)
    c_table, c_curves = st.columns([1, 1.6], gap="large")
    with c_table:
        st.markdown("**Metrics** (last snapshot, on "
                    f"{cfg.metric_samples:,} samples)")
        st.table(pd.DataFrame({"value": [r[2] for r in rows]},
                              index=pd.Index([r[0] for r in rows], name="metric")))
        files = _downloads(result, fig, rows)
        stem = f"ganloss-{cfg.loss}-{target_word(cfg.target)}-seed{cfg.seed}"
        st.download_button("Animation (standalone HTML)", files["html"], f"{stem}.html",
                           "text/html", icon=":material/movie:", key=k("dl_html"),
                           on_click="ignore", width="stretch")
        d1, d2 = st.columns(2)
        d1.download_button("Metrics CSV", files["csv"], f"{stem}.csv", "text/csv",
                           icon=":material/table:", key=k("dl_csv"), on_click="ignore",
                           width="stretch")
        d2.download_button("Metrics JSON", files["json"], f"{stem}.json", "application/json",
                           icon=":material/data_object:", key=k("dl_json"), on_click="ignore",
                           width="stretch")
    with c_curves:
        st.plotly_chart(sized(history_figure(result.history, ("d_loss", "g_loss"),
                                             ("D loss", "G loss"), "Losses per step")),
                        key=k("losses"), width="stretch",
                        config=chart_config("train-losses"))
        st.plotly_chart(sized(history_figure(result.history, ("g_grad_norm", "fake_grad_norm"),
                                       ("‖∇θ L_G‖ (generator parameters)",
                                        "mean ‖∇x L_G‖ per sample"),
                                       "Generator gradient norms", log=True)),
                        key=k("grads"), width="stretch", config=chart_config("train-gradients"))


__all__ = ["results"]
