"""The Train page's pieces: settings widgets <-> `TrainState`, the live run, the results.

A run trains in a background thread (`LiveRun`, a `ganloss_viz.ui.background.Job`),
one per user session, held in ``st.session_state`` with its result: nothing is shared
between users. A fragment (`live_panel`) redraws the progress, the latest snapshot, the
loss curves and the generator's gradient norm (the saturating loss's story) a few
times a second, and reruns the page when the run has ended; the page then shows the
replay animation, the metrics, the curves and downloads.
Every number comes from the training library; figures from `ganloss_viz.figures.train`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
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
from ganloss_viz.state.fields import widget_values
from ganloss_viz.state.train import (
    CAP_WORD,
    DEVICES,
    MAX_LR,
    MAX_SEED,
    OPTIMIZERS,
    TRAIN_FIELDS,
    TRAIN_PRESETS,
    TrainState,
    caps,
    cpu_cap,
    default_lr,
    default_optimizer,
    default_steps,
    gpu_available,
)
from ganloss_viz.targets import TARGETS
from ganloss_viz.train import Progress, TrainResult, train
from ganloss_viz.train.device import resolve_device
from ganloss_viz.train.engine import RunState
from ganloss_viz.train.report import metric_rows, metrics_csv, result_json
from ganloss_viz.ui.background import (
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
from ganloss_viz.ui.video_download import video_download

ss = st.session_state
KEY = "tr"
LIVE_EVERY = 0.5          # seconds between redraws of the live view (2 a second: the
                          # redraws share the CPU and the GIL with the training thread)


def k(name: str) -> str:
    return f"{KEY}.{name}"


# --- URL <-> widgets ----------------------------------------------------------------------


def read_url(params) -> tuple[TrainState, list[str]]:
    state, errors = TrainState.from_query_params(params)
    return state.without_stale_preset(), errors


def apply(state: TrainState) -> None:
    """Push a state (read from the URL) into the widgets."""
    for name, value in widget_values(state.resolved(), TRAIN_FIELDS).items():
        ss[k(name)] = value


def _on_loss() -> None:
    ss[k("optimizer")] = default_optimizer(ss[k("loss")])
    ss[k("lr")] = default_lr(ss[k("loss")])
    ss[k("lr_d")] = default_lr(ss[k("loss")], "d")


def _on_target() -> None:
    ss[k("steps")] = default_steps(ss[k("target")])


def device_options() -> list[str]:
    return list(DEVICES) if gpu_available() else [d for d in DEVICES if d != "cuda"]


def device_menu(col, key: str) -> None:
    """The device menu in `col`, drawn only where a GPU exists: without one every run is
    on the CPU, and a menu would offer a choice that changes nothing (a URL's
    ``device=cuda`` is reported once, among the URL's errors)."""
    if gpu_available():
        col.selectbox("Device", device_options(), key=key,
                      help="auto: CUDA when a GPU is available, else the CPU.")


def loss_label(name: str) -> str:
    return f"{LOSSES[name].label} · {name}"


def target_label(name: str) -> str:
    return f"{name} · {TARGETS[name].dim}-D"


def _defaults_text(name: str) -> str:
    d = LOSSES[name].defaults
    lr = fmt(d.lr_g, pad=False) if d.lr_g == d.lr_d else \
        f"G {fmt(d.lr_g, pad=False)}, D {fmt(d.lr_d, pad=False)}"
    parts = [f"optimizer {d.optimizer}", f"learning rate {lr}"]
    if d.optimizer == "adam":
        parts.append(f"betas ({fmt(d.betas[0], pad=False)}, {fmt(d.betas[1], pad=False)})")
    parts.append(f"{d.n_critic} D step{'s' if d.n_critic > 1 else ''} per G step")
    if d.penalty_weight is not None:
        parts.append(f"penalty λ = {fmt(d.penalty_weight, pad=False)}")
    return "Defaults of this loss: " + ", ".join(parts) + "."


def settings_panel() -> TrainState:
    """Draw the settings; returns the state they show (preset dropped once stale)."""
    cap = caps()
    for name, value in TrainState().resolved().__dict__.items():   # first visit
        ss.setdefault(k(name), value)
    if ss[k("device")] not in device_options():
        ss[k("device")] = "auto"
    c_loss, c_target = st.columns(2, gap="large")
    with c_loss:
        st.selectbox("Loss", list(LOSSES), key=k("loss"), format_func=loss_label,
                     on_change=_on_loss, help="The GAN loss: discriminator and generator "
                                              "objectives on the raw output D(x).")
        loss = LOSSES[ss[k("loss")]]
        st.caption(f"**{loss.label}.** {loss.doc}")
        if loss.caveat:
            st.caption(f":orange[:material/warning:] **Known weakness.** {loss.caveat}")
        st.caption(_defaults_text(loss.name))
    with c_target:
        st.selectbox("Target (the data)", list(TARGETS), key=k("target"),
                     format_func=target_label, on_change=_on_target,
                     help="2-D targets show D as a heatmap under the samples; 1-D targets a "
                          "histogram against the true density with the D curve.")
        target = TARGETS[ss[k("target")]]
        st.caption(f"{target.dim}-D · {target.doc}. Default: "
                   f"{default_steps(target.name):,} steps.")
    c_steps, c_seed, c_device = st.columns([1.2, 1, 1])
    c_steps.number_input(f"Steps (≤ {cap.steps:,})", min_value=1, max_value=cap.steps,
                         step=100, key=k("steps"),
                         help=f"Generator steps; the {CAP_WORD} is {cap.steps:,}.")
    c_seed.number_input("Seed", min_value=0, max_value=MAX_SEED, step=1, key=k("seed"),
                        help="Fixes the initialisation, the data and the noise: the same "
                             "settings and seed give the same run on the CPU.")
    device_menu(c_device, k("device"))
    with st.expander("Networks and optimiser"):
        c_w, c_d, c_b, c_opt, c_lr, c_lrd = st.columns(6)
        c_w.number_input(f"Width (≤ {cap.width})", min_value=1, max_value=cap.width, step=16,
                         key=k("width"), help="Units per hidden layer of G and D.")
        c_d.number_input(f"Depth (≤ {cap.depth})", min_value=1, max_value=cap.depth, step=1,
                         key=k("depth"), help="Hidden layers of G and D.")
        c_b.number_input(f"Batch (≤ {cap.batch:,})", min_value=1, max_value=cap.batch,
                         step=32, key=k("batch"), help="Samples per step.")
        c_opt.selectbox("Optimizer", OPTIMIZERS, key=k("optimizer"),
                        help=f"For G and D; this loss's default is "
                             f"{default_optimizer(loss.name)}. sgd is plain gradient "
                             f"descent (no momentum).")
        c_lr.number_input(f"G learning rate (≤ {fmt(MAX_LR, pad=False)})", min_value=1e-7,
                          max_value=MAX_LR, step=1e-4, format="%g", key=k("lr"),
                          help=f"The generator's; this loss's default is "
                               f"{fmt(default_lr(loss.name), pad=False)}.")
        c_lrd.number_input(f"D learning rate (≤ {fmt(MAX_LR, pad=False)})", min_value=1e-7,
                           max_value=MAX_LR, step=1e-4, format="%g", key=k("lr_d"),
                           help=f"The discriminator's; this loss's default is "
                                f"{fmt(default_lr(loss.name, 'd'), pad=False)}.")
        st.caption(f"{CAP_WORD.capitalize()}s: {cap.steps:,} steps, batch {cap.batch:,}, "
                   f"width {cap.width}, depth {cap.depth}, {cap.snapshots} animation frames, "
                   f"{cap.points} points per frame, a {cap.grid}×{cap.grid} grid for D"
                   + (f", {cpu_cap():g} CPU seconds per run." if cpu_cap() else "."))
    state = TrainState(**{name: ss[k(name)] for name in TrainState().__dict__})
    state = replace(state, steps=int(state.steps), seed=int(state.seed),
                    width=int(state.width), depth=int(state.depth), batch=int(state.batch),
                    lr=float(state.lr), lr_d=float(state.lr_d))
    state = state.without_stale_preset()
    ss[k("preset")] = state.preset
    return state


def preset_info(state: TrainState) -> None:
    if state.preset:
        pr = TRAIN_PRESETS[state.preset]
        st.info(f"**Preset · {pr.title}.** {pr.caption}", icon=":material/slideshow:")


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


__all__ = ["KEY", "LiveRun", "apply", "controls", "live_panel", "preset_info", "read_url",
           "results", "settings_panel", "start_run"]
