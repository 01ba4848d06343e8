"""The Train page's run: the live run and the results (its settings: `train_settings`).

A run trains in a background thread (`LiveRun`, a `ganloss_viz.ui.background.Job`),
one per user session, held in ``st.session_state`` with its result: nothing is shared
between users. A fragment (`live_panel`) redraws the progress, the latest snapshot, the
loss curves and the generator's gradient norm (the saturating loss's story) a few
times a second, and reruns the page when the run has ended; the page then shows the
replay animation, the metrics, the curves and downloads.
Every number comes from the training library; figures from `ganloss_viz.figures.train`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from ganloss_viz.figures.style import chart_config
from ganloss_viz.figures.train import (
    history_figure,
    live_curve_figure,
    live_grad_figure,
    replay_figure,
    still_figure,
)
from ganloss_viz.format import fmt, literal
from ganloss_viz.losses import LOSSES
from ganloss_viz.state.train import (
    TrainState,
    cpu_cap,
)
from ganloss_viz.train import Progress, TrainResult, train
from ganloss_viz.train.device import resolve_device
from ganloss_viz.train.engine import RunState
from ganloss_viz.train.report import metric_rows, metrics_csv, result_json
from ganloss_viz.ui.background import (
    LIVE_EVERY,
    Job,
    live_job,
    predicted_seconds,
    progress_row,
    running,
    session_probe,
    stop_note,
    take_finished,
    training_text,
)
from ganloss_viz.ui.train_settings import k
from ganloss_viz.ui.video_download import video_download

ss = st.session_state


# --- the live run --------------------------------------------------------------------------


@dataclass(kw_only=True)
class LiveRun(Job):
    """One training run in a background thread (see the module docstring)."""

    config: Any
    title: str
    frame: Any = None
    curve: list[tuple[int, float, float, float]] = field(default_factory=list)
    still: tuple[int, go.Figure] | None = None     # the live figure of the latest snapshot
    thread_name: ClassVar[str] = "ganloss-viz-train"

    def still_figure(self, snap) -> go.Figure:
        """The live figure, rebuilt only when a new snapshot arrived."""
        if self.still is None or self.still[0] != snap.step:
            self.still = (snap.step, still_figure(self.frame, snap, self.title))
        return self.still[1]

    def on_progress(self, p: Progress) -> None:
        self.progress = p
        snap = p.snapshot
        if snap is not None and snap.d_loss is not None and \
                (not self.curve or self.curve[-1][0] != snap.step):
            self.curve.append((snap.step, snap.d_loss, snap.g_loss, snap.g_grad_norm))

    def compute(self) -> TrainResult:
        cfg = self.config.resolved()
        # the animation's fixed stage (window, grid, target), as the engine builds it
        self.frame = RunState(cfg, resolve_device("cpu")).frame
        return train(cfg, callback=self.on_progress, should_stop=self.should_stop)


def run_title(cfg) -> str:
    return f"{cfg.loss} on {cfg.target} · "


def start_run(state: TrainState) -> None:
    """Train-button callback: validate the settings and start a run for this session."""
    if running(k("live")):
        return
    cfg = state.config()
    try:
        cfg.resolved()
        if cfg.device != "cpu":
            resolve_device(cfg.device)
    except ValueError as exc:
        ss[k("start_error")] = str(exc)
        return
    ss[k("start_error")] = ss[k("note")] = None
    ss[k("live")] = LiveRun(config=cfg, title=run_title(cfg), cpu_cap=cpu_cap(),
                            estimate=predicted_seconds([cfg.resolved()]),
                            alive=session_probe()).start()


def collect() -> None:
    """Move a finished run's result (or error) into the session's results."""
    live = take_finished(k("live"))
    if live is None:
        return
    note = stop_note(live.stop_reason, live.cpu_cap)
    ss[k("note")] = note if live.result is None else None      # a cancel: nothing trained
    if live.error is not None:
        ss[k("run_error")] = live.error
    elif live.result is not None:
        ss[k("run_error")] = None
        ss[k("result")], ss[k("result_note")] = live.result, note
        ss.pop(k("downloads"), None)


@st.fragment(run_every=LIVE_EVERY)
def live_panel() -> None:
    """The running run: progress bar, Stop, the latest snapshot, loss and gradient-norm
    curves, steps/s."""
    live = live_job(k("live"), k("cancel"))
    if live is None:
        return
    p = live.progress
    steps = live.config.resolved().steps
    done, sps, secs = (p.step, p.steps_per_s, p.seconds) if p else (0, 0.0, 0.0)
    progress_row(live, k("live"), k("stop"), done / steps,
                 training_text(live.title, done, steps, sps, secs, live.cpu_cap))
    if p is None or p.snapshot is None or live.frame is None:
        st.caption("Building the networks …")
        return
    c_fig, c_side = st.columns([1.25, 1], gap="large")
    with c_fig:
        st.plotly_chart(live.still_figure(p.snapshot),
                        key=k("live_fig"), width="stretch",
                        config=chart_config("train-live"))
    with c_side:
        m1, m2, m3 = st.columns(3)
        m1.metric("Step", f"{done:,}")
        m2.metric("Steps/s", fmt(sps, 4) if sps else "—")
        m3.metric("Seconds", f"{secs:.1f}")
        if live.curve:
            st.plotly_chart(live_curve_figure(live.curve), key=k("live_curve"),
                            width="stretch", config=chart_config("train-live-losses"))
            st.plotly_chart(live_grad_figure(live.curve), key=k("live_grad"),
                            width="stretch", config=chart_config("train-live-gradients"))


def controls(state: TrainState) -> None:
    """The Train button, start errors, and the live panel while a run is going."""
    collect()
    busy = running(k("live"))
    st.button("Train", type="primary", icon=":material/play_arrow:", key=k("train"),
              on_click=start_run, args=(state,), disabled=busy)
    if ss.get(k("start_error")):
        st.error(f"Cannot train with these settings: {literal(ss[k('start_error')])}")
    if ss.get(k("run_error")):
        st.error(f"The run failed: {literal(ss[k('run_error')])}")
    if ss.get(k("note")):
        st.info(ss[k("note")], icon=":material/cancel:")
    if busy:
        live_panel()


# --- the finished run -----------------------------------------------------------------------


def _downloads(result: TrainResult, fig: go.Figure, rows) -> dict[str, str]:
    """The download payloads, built once per result."""
    cached = ss.get(k("downloads"))
    if cached is None or cached[0] is not result:
        cached = (result, {
            "html": fig.to_html(include_plotlyjs=True, auto_play=False,
                                config=chart_config("train-replay")),
            "csv": metrics_csv(rows),
            "json": result_json(result.to_dict()),
        })
        ss[k("downloads")] = cached
    return cached[1]


def results() -> None:
    """The session's last finished run: replay, metrics, curves, downloads."""
    result: TrainResult | None = ss.get(k("result"))
    if result is None:
        if not running(k("live")):
            st.caption("Press **Train** to start a run; it updates live and can be stopped. "
                       "The finished run replays as an animation.")
        return
    cfg = result.config
    title = run_title(cfg)
    st.divider()
    st.subheader(f"Replay · {LOSSES[cfg.loss].label} on {cfg.target}")
    summary = (f"{result.steps:,} steps in {result.seconds:.1f} s "
               f"({fmt(result.steps_per_s, 4)} steps/s) on {result.device}; seed {cfg.seed}, "
               f"width {cfg.width}, depth {cfg.depth}, batch {cfg.batch}, {cfg.optimizer}, "
               f"learning rates G {fmt(cfg.lr_g, pad=False)}, D {fmt(cfg.lr_d, pad=False)}.")
    if result.diverged:
        st.warning(f"The run {result.message}: the replay stops at the last finite "
                   f"snapshot. {summary}", icon=":material/warning:")
    elif result.stopped:
        st.info(f"{ss.get(k('result_note')) or 'Stopped early.'} {summary}",
                icon=":material/stop_circle:")
    else:
        st.success(f"Finished. {summary}", icon=":material/check_circle:")
    fig = replay_figure(result.frame, result.snapshots, title)
    st.plotly_chart(fig, key=k("replay"), width="stretch", config=chart_config("train-replay"))
    st.caption("Press ▶ play or drag the step slider. " + (
        "Colours: D's raw output (rescaled per frame); grey: target samples; red: G's "
        "samples; thin lines: G's image of the noise lattice; arrows: −∇ of the generator "
        "loss per sample, on one scale for the whole run." if result.frame.dim == 2 else
        "Red bars: histogram of G's samples; black: the target density; blue: D's raw "
        "output (right axis)."))
    video_download(f"{cfg.loss}-{cfg.target}-seed{cfg.seed}", lambda: fig,
                   (title, result.steps, result.seconds))
    rows = metric_rows(result)
    c_table, c_curves = st.columns([1, 1.6], gap="large")
    with c_table:
        st.markdown("**Metrics** (last snapshot, on "
                    f"{cfg.metric_samples:,} samples)")
        st.table(pd.DataFrame({"value": [r[2] for r in rows]},
                              index=pd.Index([r[0] for r in rows], name="metric")))
        files = _downloads(result, fig, rows)
        stem = f"ganloss-{cfg.loss}-{cfg.target}-seed{cfg.seed}"
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
        st.plotly_chart(history_figure(result.history, ("d_loss", "g_loss"), ("D loss", "G loss"),
                                       "Losses per step"), key=k("losses"), width="stretch",
                        config=chart_config("train-losses"))
        st.plotly_chart(history_figure(result.history, ("g_grad_norm", "fake_grad_norm"),
                                       ("‖∇θ L_G‖ (generator parameters)",
                                        "mean ‖∇x L_G‖ per sample"),
                                       "Generator gradient norms", log=True),
                        key=k("grads"), width="stretch", config=chart_config("train-gradients"))


__all__ = ["LiveRun", "controls", "live_panel", "results", "start_run"]
