"""The Train page's instrument: the run's view at once, Play / Pause / Step / Step D /
Step G / slow motion / Reset / more steps, changes mid-run, and the finished run.

The session holds one `Trainer` (ganloss_viz.train.trainer) for the page's settings,
built as soon as the page shows, so the untrained state at step 0 is on screen before
anything is pressed. Play advances it in a background thread (`Play`, a
`ganloss_viz.ui.background.Job`, one per press) until Pause, the goal, or a stop the
server asks for; a fragment (`live_panel`) redraws the view a few times a second by
refreshing the arrays of figures kept for the run (ganloss_viz.figures.live), drawn by
a chart that updates in place (`ganloss_viz.ui.live_chart`). Steps,
lone steps and changes happen in the script while no Play runs, and each is recorded
in the run's schedule, so a paused, stepped and steered run is remade exactly from its
exported config. Every number comes from the training library.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import ClassVar

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from ganloss_viz.figures.live import (
    curves_figure,
    refresh_curves,
    refresh_view,
    stages_figure,
    view_figure,
)
from ganloss_viz.figures.style import chart_config
from ganloss_viz.figures.train import history_figure, replay_figure
from ganloss_viz.format import fmt, literal
from ganloss_viz.losses import LOSSES
from ganloss_viz.state.train import MAX_LR, TrainState, cpu_cap
from ganloss_viz.train import Trainer, TrainResult
from ganloss_viz.train.device import resolve_device
from ganloss_viz.train.report import metric_rows, metrics_csv, result_json
from ganloss_viz.train.schedule import text as schedule_text
from ganloss_viz.train.trainer import seconds_per_step
from ganloss_viz.ui.background import (
    Job,
    live_job,
    progress_row,
    running,
    session_probe,
    stop_note,
    take_finished,
    wait_text,
)
from ganloss_viz.ui.live_chart import live_chart
from ganloss_viz.ui.target_menu import target_word
from ganloss_viz.ui.train_settings import k
from ganloss_viz.ui.video_download import video_download

ss = st.session_state
CONFIRM_SECONDS = 60.0       # a Play predicted to take longer asks first
SPEEDS = {"full": None, "100/s": 100.0, "20/s": 20.0, "5/s": 5.0}   # steps a second
MORE_STEPS = (500, 1000, 2000)
STEERED = ("loss", "penalty_weight", "lr_g", "lr_d", "n_critic")   # in the order applied
STEER_KEYS = tuple(f"steer_{name}" for name in STEERED)
SPEED_AFTER = 50             # steps before the page quotes a run's speed (single steps
                             # and slow motion carry the page's own overhead)
VIEW_PX, CURVES_PX = 470, 330   # heights of the run's view and its curves
VIEW_EVERY = 0.25            # seconds between redraws of the playing view (4 a second: a
                             # redraw refreshes the arrays of figures kept for the run)


# --- the run ---------------------------------------------------------------------------------


@dataclass(kw_only=True)
class Play(Job):
    """One press of Play: advance the session's Trainer until Pause, the goal or a stop
    the server asks for (see ganloss_viz.ui.background.Job). `pace`: at most that many
    steps a second (None: full speed)."""

    trainer: Trainer
    pace: float | None = None
    thread_name: ClassVar[str] = "ganloss-viz-train"

    def fraction(self) -> float:
        tr = self.trainer
        return tr.step / tr.goal if tr.goal else 1.0

    def compute(self) -> int:
        tr = self.trainer
        if self.pace is None:
            tr.advance(callback=self.on_progress, should_stop=self.should_stop)
            return tr.step
        chunk = max(1, round(self.pace / 10))
        while not tr.finished and not self.should_stop():
            t0 = time.perf_counter()
            tr.advance(until=tr.step + chunk, callback=self.on_progress)
            time.sleep(max(0.0, chunk / self.pace - (time.perf_counter() - t0)))
        return tr.step


def run_title(cfg) -> str:
    return f"{cfg.loss} on {target_word(cfg.target)} · "


def trainer_for(state: TrainState) -> Trainer | None:
    """The session's Trainer for `state`: kept while it has trained or been changed, or
    while its settings are the state's; else a new one at step 0 (None, with the error
    in the session, when the settings are not valid)."""
    tr: Trainer | None = ss.get(k("trainer"))
    try:
        cfg = replace(state.config().resolved(), schedule=())
    except ValueError as exc:
        ss[k("start_error")] = str(exc)
        return tr
    fresh = tr is None or (tr.step == 0 and not tr.events and tr.start != cfg)
    if fresh and not running(k("live")):
        try:
            if cfg.device != "cpu":
                resolve_device(cfg.device)
            tr = Trainer(cfg)
        except ValueError as exc:
            ss[k("start_error")] = str(exc)
            return None
        except Exception as exc:            # a device that fails to build on: say so
            ss[k("start_error")] = f"the run could not be built on {cfg.device}: " \
                                   f"{type(exc).__name__}: {exc}"
            return None
        ss[k("trainer")], ss[k("start_error")] = tr, None
        for name in ("figs", "stages", *STEER_KEYS):     # the old run's figures and fields
            ss.pop(k(name), None)
    return tr


def predicted(tr: Trainer) -> float:
    """Seconds the rest of the run takes at the speed measured for it (its own pace
    once it has trained, else a timing of a few of its steps on this machine)."""
    left = tr.goal - tr.step
    if tr.step >= 20 and tr.seconds > 0:
        return left * tr.seconds / tr.step
    pace = ss.get(k("pace"))
    if pace is None or pace[0] != tr.start:
        pace = ss[k("pace")] = (tr.start, seconds_per_step(tr.start))
    return left * pace[1]


# --- the acts (button callbacks; never while a Play runs) -------------------------------


def _act(fn, *args) -> None:
    tr: Trainer | None = ss.get(k("trainer"))
    if tr is None or running(k("live")):
        return
    try:
        fn(tr, *args)
        ss[k("act_error")] = None
    except ValueError as exc:
        ss[k("act_error")] = str(exc)


def play(confirmed: bool = False) -> None:
    """Play: advance the run in a thread (asks first when it would take long)."""
    tr: Trainer | None = ss.get(k("trainer"))
    if tr is None or running(k("live")) or tr.finished:
        return
    pace = SPEEDS[ss.get(k("speed"), "full")]
    secs = predicted(tr) if pace is None else (tr.goal - tr.step) / pace
    if secs > CONFIRM_SECONDS and not confirmed:
        ss[k("confirm")] = secs
        return
    ss[k("confirm")] = ss[k("note")] = None
    ss.pop(k("stages"), None)
    ss[k("live")] = Play(trainer=tr, pace=pace, cpu_cap=cpu_cap(), estimate=secs,
                         alive=session_probe()).start()


def step_once(tr: Trainer) -> None:
    tr.advance(until=tr.step + 1)
    ss.pop(k("stages"), None)


def slow_step(tr: Trainer) -> None:
    ss[k("stages")] = tr.slow_step()


def lone(tr: Trainer, name: str) -> None:
    tr.apply(name, 1)
    ss.pop(k("stages"), None)


def more(tr: Trainer, n: int) -> None:
    tr.extend(n)


def reset() -> None:
    if running(k("live")):
        return
    for name in ("trainer", "figs", "stages", "act_error", "confirm", "result", *STEER_KEYS):
        ss.pop(k(name), None)


def steer(tr: Trainer) -> None:
    """Apply the 'Change mid-run' fields that differ from the run's settings."""
    for name in STEERED:
        value = ss.get(k(f"steer_{name}"))
        if value is None or (name == "penalty_weight" and tr.state.penalty is None):
            continue
        if name == "n_critic":
            value = int(value)
        elif name != "loss":
            value = float(value)
        tr.apply(name, value)


def collect() -> None:
    """A Play that ended: its error or stop note into the session."""
    job = take_finished(k("live"))
    if job is None:
        return
    if job.error is not None:
        ss[k("act_error")] = job.error
    reason = job.stop_reason if job.stop_reason != "stop" else None
    ss[k("note")] = stop_note(reason, job.cpu_cap)


# --- the view ---------------------------------------------------------------------------------


def _figures(tr: Trainer, snap) -> tuple[go.Figure, go.Figure]:
    """The run's view and curve figures, built once per run, refreshed with `snap`."""
    figs = ss.get(k("figs"))
    title = run_title(tr.cfg)
    if figs is None or figs[0] is not tr:
        figs = ss[k("figs")] = (tr, view_figure(tr.state.frame, snap, title, VIEW_PX),
                                curves_figure(CURVES_PX))
    refresh_view(figs[1], tr.state.frame, snap, title)
    refresh_curves(figs[2], tr.rec.snaps, tr.events)
    return figs[1], figs[2]


def status_text(tr: Trainer) -> tuple[str, str]:
    """The run's counters (a headline) and its settings in force (a caption)."""
    d = tr.cfg
    speed = f" · {tr.step / tr.seconds:,.0f} steps/s" if tr.step >= SPEED_AFTER else ""
    head = f"**Step {tr.step:,}** of {tr.goal:,}{speed}"
    if not tr.finished and not running(k("live")):
        head += f" · the rest takes {wait_text(predicted(tr))} here"
    name = tr.state.loss.name
    return head, (f"D updates {tr.d_updates:,} · G updates {tr.g_updates:,} · "
                  f"{LOSSES[name].label if name in LOSSES else name}, "
                  f"lr G {fmt(d.lr_g, pad=False)}, D {fmt(d.lr_d, pad=False)}, "
                  f"{d.n_critic} D step{'s' if d.n_critic > 1 else ''} per G step")


def draw_view(tr: Trainer, snap, live: bool) -> None:
    """The run's state (left) and its curves and counters (right)."""
    c_fig, c_side = st.columns([1.35, 1], gap="medium")
    stages = None if live else ss.get(k("stages"))
    with c_fig:
        if stages is not None:
            st.plotly_chart(stages_figure(tr.state.frame, stages, run_title(tr.cfg)),
                            key=k("stages_fig"), width="stretch",
                            config=chart_config("train-slow-motion"))
        elif snap is None:
            st.warning("The generator's samples are not finite: the run has diverged.")
        else:
            view, _ = _figures(tr, snap)
            live_chart(view, k("view"), VIEW_PX, chart_config("train-live"))
    with c_side:
        head, settings = status_text(tr)
        st.markdown(head)
        st.caption(settings)
        if tr.rec.snaps[-1].d_loss is not None:
            _, curves = _figures(tr, snap if snap is not None else tr.rec.snaps[-1])
            live_chart(curves, k("curves"), CURVES_PX, chart_config("train-curves"))
        else:
            st.caption("The losses and G's gradient norm appear here once the run has "
                       "trained a snapshot's worth of steps; dotted lines will mark each "
                       "change made mid-run.")
        if tr.events:
            st.caption("Schedule: " + literal(schedule_text(tuple(tr.events))))


@st.fragment(run_every=VIEW_EVERY)
def live_panel() -> None:
    """While Play runs: progress with ETA and Pause, and the view of the latest
    snapshot."""
    job = live_job(k("live"), k("cancel"))
    if job is None:
        return
    tr: Trainer = job.trainer
    left = job.seconds_left()
    with st.container():
        progress_row(job, k("live"), k("pause"), tr.step / tr.goal,
                     f"Training step {tr.step:,} of {tr.goal:,} · {wait_text(left)} left"
                     + (f" (stops at {job.cpu_cap:g} CPU s)" if job.cpu_cap else ""),
                     label="Pause", icon=":material/pause:")
    draw_view(tr, tr.rec.snaps[-1], live=True)


def controls(tr: Trainer) -> None:
    """Play, Step, Step D, Step G, slow motion, speed, more steps and Reset."""
    busy = running(k("live"))
    c = st.columns([1.15, 0.8, 0.85, 0.85, 0.95, 0.9, 1.2, 1.0, 0.7],
                   vertical_alignment="bottom")
    done = tr.finished
    c[0].button("Play" if tr.step == 0 else "Resume", type="primary", key=k("play"),
                icon=":material/play_arrow:", on_click=play, disabled=busy or done,
                width="stretch", help="Train to the goal; Pause keeps everything and "
                                      "Resume goes on from the same step.")
    c[1].button("Step", key=k("step"), on_click=_act, args=(step_once,),
                disabled=busy or done, width="stretch",
                help="One iteration: the critic steps, then one generator step.")
    c[2].button("Step D", key=k("step_d"), on_click=_act, args=(lone, "step_d"),
                disabled=busy or tr.diverged, width="stretch",
                help="One discriminator step alone (recorded in the run's schedule).")
    c[3].button("Step G", key=k("step_g"), on_click=_act, args=(lone, "step_g"),
                disabled=busy or tr.diverged, width="stretch",
                help="One generator step alone (recorded in the run's schedule).")
    c[4].button("Slow-mo", key=k("slow"), on_click=_act, args=(slow_step,),
                disabled=busy or done, width="stretch",
                help="One iteration shown stage by stage: real batch, fake batch, D's "
                     "update, G's gradient, G's update.")
    c[5].button("Reset", key=k("reset0"), on_click=reset, disabled=busy or not
                (tr.step or tr.events), width="stretch",
                help="Back to step 0 with the settings above (a new run).")
    c[6].selectbox("Steps/s", list(SPEEDS), key=k("speed"), disabled=busy,
                   help="Full speed, or slowed down to so many steps a second, to watch "
                        "the samples move.")
    c[7].selectbox("More steps", MORE_STEPS, key=k("more_n"), format_func=lambda n: f"+{n:,}",
                   disabled=busy, help="Raise the run's goal (after it finished, or any time).")
    c[8].button("Add", key=k("more"), on_click=_act, args=(lambda t: more(t, ss[k("more_n")]),),
                disabled=busy or tr.diverged, width="stretch")


def messages(tr: Trainer, state: TrainState) -> None:
    """What the page has to say above the run: settings that need a Reset, a long run's
    confirmation, errors, why a run paused by itself. One container, drawn in every
    state, so that the view below keeps its place (and its chart) when Play starts."""
    with st.container():
        start = replace(state.config().resolved(), schedule=(),
                        snapshot_every=tr.start.snapshot_every) \
            if not ss.get(k("start_error")) else tr.start       # (more steps may thin)
        if (tr.step or tr.events) and start != tr.start:
            c1, c2 = st.columns([4, 1], vertical_alignment="center")
            c1.info("The settings above differ from this run's: **Reset** starts a new run "
                    "with them (steering the loss or learning rates of this run: 'Change "
                    "mid-run' below).", icon=":material/restart_alt:")
            c2.button("Reset", key=k("reset"), on_click=reset, icon=":material/restart_alt:",
                      disabled=running(k("live")), width="stretch")
        if ss.get(k("confirm")):
            secs = ss[k("confirm")]
            c1, c2 = st.columns([4, 1], vertical_alignment="center")
            c1.warning(f"The {tr.goal - tr.step:,} steps left take {wait_text(secs)} at this "
                       f"machine's measured speed for these settings.", icon=":material/timer:")
            c2.button("Play anyway", key=k("confirm_play"), on_click=play, args=(True,),
                      width="stretch")
        for name, kind in (("start_error", "Cannot train with these settings"),
                           ("act_error", "Not done")):
            if ss.get(k(name)):
                st.error(f"{kind}: {literal(ss[k(name)])}")
        if ss.get(k("note")):
            st.info(ss[k("note")], icon=":material/pause_circle:")


def steer_panel(tr: Trainer) -> None:
    """Changes mid-run (while paused): loss, learning rates, critic steps, penalty."""
    if running(k("live")) or tr.diverged:
        return
    with st.expander("Change mid-run: loss, learning rates, D steps, penalty", expanded=False):
        d = tr.cfg
        c = st.columns(5, vertical_alignment="bottom")
        c[0].selectbox("Loss", list(LOSSES), index=list(LOSSES).index(tr.state.loss.name)
                       if tr.state.loss.name in LOSSES else 0, key=k("steer_loss"))
        c[1].number_input("G learning rate", 1e-7, MAX_LR, float(d.lr_g), format="%g",
                          key=k("steer_lr_g"))
        c[2].number_input("D learning rate", 1e-7, MAX_LR, float(d.lr_d), format="%g",
                          key=k("steer_lr_d"))
        c[3].number_input("D steps per G step", 1, 20, int(d.n_critic), key=k("steer_n_critic"))
        if tr.state.penalty is not None:
            c[4].number_input("Penalty weight", 0.0, 1000.0, float(d.penalty_weight or 0.0),
                              format="%g", key=k("steer_penalty_weight"))
        st.button("Apply the changes", key=k("steer"), on_click=_act, args=(steer,),
                  icon=":material/tune:")
        st.caption("The changes apply from this step on and are marked on the curves; "
                   "they are recorded in the run's schedule (JSON export), which remakes "
                   "the run exactly: `python -m ganloss_viz train ... --schedule`.")


def instrument(state: TrainState, details: Callable[[], None]) -> None:
    """The run of the page's settings: controls (or, while it plays, its progress and
    Pause), its view, `details()` (the other settings), changes mid-run, the run so far."""
    collect()
    tr = trainer_for(state)
    if tr is None:
        controls_error()
        return
    messages(tr, state)
    if running(k("live")):
        live_panel()
        details()
        return
    with st.container():                 # the same place as live_panel's: see messages
        with st.container():
            controls(tr)
        draw_view(tr, paused_view(tr), live=False)
    details()
    steer_panel(tr)
    if tr.step:
        finish(tr)


def paused_view(tr: Trainer):
    """The run's state now, with its metrics, made once per state of the run."""
    key = (id(tr), tr.step, len(tr.events))
    cached = ss.get(k("view_snap"))
    if cached is None or cached[0] != key:
        cached = ss[k("view_snap")] = (key, tr.view() if tr.step or tr.events
                                       else tr.rec.snaps[0])
    return cached[1]


def controls_error() -> None:
    if ss.get(k("start_error")):
        st.error(f"Cannot train with these settings: {literal(ss[k('start_error')])}")


def finish(tr: Trainer) -> None:
    """The run so far as a result (replay, metrics, downloads), made once per state."""
    key = (id(tr), tr.step, len(tr.events), tr.goal)
    cached = ss.get(k("result"))
    if cached is None or cached[0] != key:
        ss[k("result")] = (key, tr.so_far())
        ss.pop(k("downloads"), None)
    results(ss[k("result")][1])


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
    st.plotly_chart(fig, key=k("replay"), width="stretch", config=chart_config("train-replay"))
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
        st.plotly_chart(history_figure(result.history, ("d_loss", "g_loss"), ("D loss", "G loss"),
                                       "Losses per step"), key=k("losses"), width="stretch",
                        config=chart_config("train-losses"))
        st.plotly_chart(history_figure(result.history, ("g_grad_norm", "fake_grad_norm"),
                                       ("‖∇θ L_G‖ (generator parameters)",
                                        "mean ‖∇x L_G‖ per sample"),
                                       "Generator gradient norms", log=True),
                        key=k("grads"), width="stretch", config=chart_config("train-gradients"))


__all__ = ["Play", "instrument", "live_panel", "results"]
