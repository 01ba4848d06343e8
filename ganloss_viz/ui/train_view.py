"""The Train page's instrument: the run's view at once, Play / Pause / Step / Step D /
Step G / slow motion / Reset / more steps, changes mid-run, and the finished run.

The session holds one `Trainer` (ganloss_viz.train.trainer) for the page's settings,
built as soon as the page shows, so the untrained state at step 0 is on screen before
anything is pressed. Play advances it in a background thread (`Play`, a
`ganloss_viz.ui.background.Job`, one per press) until Pause, the goal, or a stop the
server asks for; a fragment (`live_panel`) redraws the view (`train_panels`) a few
times a second. Steps, lone steps and changes happen in the script while no Play runs,
and each is recorded in the run's schedule, so a paused, stepped and steered run is
remade exactly from its exported config; the run so far is shown by `train_results`.
Every number comes from the training library.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import ClassVar

import streamlit as st

from ganloss_viz.format import literal
from ganloss_viz.losses import LOSSES
from ganloss_viz.state.train import MAX_LR, TrainState, cpu_cap
from ganloss_viz.train import Trainer
from ganloss_viz.train.device import resolve_device
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
from ganloss_viz.ui.train_panels import draw_view, paused_view, predicted
from ganloss_viz.ui.train_results import results
from ganloss_viz.ui.train_settings import k

ss = st.session_state
CONFIRM_SECONDS = 60.0       # a Play predicted to take longer asks first
SPEEDS = {"full": None, "100/s": 100.0, "20/s": 20.0, "5/s": 5.0}   # steps a second
MORE_STEPS = (500, 1000, 2000)
STEERED = ("loss", "penalty_weight", "lr_g", "lr_d", "n_critic")   # in the order applied
STEER_KEYS = tuple(f"steer_{name}" for name in STEERED)
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


__all__ = ["Play", "instrument", "live_panel"]
