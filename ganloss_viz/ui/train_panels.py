"""The Train page's view of its run: the state (target, samples, D's landscape, or an
iteration's stages in slow motion) beside its counters and curves, and the wait.

The figures are kept per run and refreshed in place (ganloss_viz.figures.live) and drawn
by a chart that updates itself (`ganloss_viz.ui.live_chart`); `train_view` draws them
while paused and, a few times a second, while a Play runs.
"""

from __future__ import annotations

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
from ganloss_viz.format import fmt, literal
from ganloss_viz.losses import LOSSES
from ganloss_viz.train import Trainer
from ganloss_viz.train.schedule import text as schedule_text
from ganloss_viz.train.trainer import seconds_per_step
from ganloss_viz.ui.background import running, wait_text
from ganloss_viz.ui.live_chart import live_chart
from ganloss_viz.ui.present import sized
from ganloss_viz.ui.target_menu import target_word
from ganloss_viz.ui.train_settings import k

ss = st.session_state
SPEED_AFTER = 50             # steps before the page quotes a run's speed (single steps
                             # and slow motion carry the page's own overhead)
VIEW_PX, CURVES_PX = 470, 330   # heights of the run's view and its curves


def run_title(cfg) -> str:
    return f"{cfg.loss} on {target_word(cfg.target)} · "


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


def _figures(tr: Trainer, snap) -> tuple[go.Figure, go.Figure]:
    """The run's view and curve figures, built once per run, refreshed with `snap`
    (once per draw: a live redraw's cost is these refreshes)."""
    figs = ss.get(k("figs"))
    title = run_title(tr.cfg)
    if figs is None or figs[0] is not tr:
        figs = ss[k("figs")] = (tr, view_figure(tr.state.frame, snap, title, VIEW_PX),
                                curves_figure(CURVES_PX))
    refresh_view(figs[1], tr.state.frame, snap, title)
    refresh_curves(figs[2], tr.rec.snaps, tr.events)
    return figs[1], figs[2]


def speed_text(tr: Trainer) -> str:
    """" · N steps/s" once SPEED_AFTER steps are done. While Play runs, from its latest
    progress: mid-chunk the trainer's step has moved on and its seconds not yet (at
    first they are 0)."""
    job = ss.get(k("live"))
    pace = job.progress if job is not None and not job.done else None
    step, seconds = (pace.step, pace.seconds) if pace is not None else (tr.step, tr.seconds)
    return f" · {step / seconds:,.0f} steps/s" if step >= SPEED_AFTER and seconds > 0 else ""


def status_text(tr: Trainer) -> tuple[str, str]:
    """The run's counters (a headline) and its settings in force (a caption)."""
    d = tr.cfg
    head = f"**Step {tr.step:,}** of {tr.goal:,}{speed_text(tr)}"
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
    view, curves = _figures(tr, snap if snap is not None else tr.rec.snaps[-1])
    with c_fig:
        if stages is not None:
            st.plotly_chart(sized(stages_figure(tr.state.frame, stages, run_title(tr.cfg))),
                            key=k("stages_fig"), width="stretch",
                            config=chart_config("train-slow-motion"))
        elif snap is None:
            st.warning("The generator's samples are not finite: the run has diverged.")
        else:
            live_chart(view, k("view"), VIEW_PX, chart_config("train-live"))
    with c_side:
        head, settings = status_text(tr)
        st.markdown(head)
        st.caption(settings)
        if tr.rec.snaps[-1].d_loss is not None:
            live_chart(curves, k("curves"), CURVES_PX, chart_config("train-curves"))
        else:
            st.caption("The losses and G's gradient norm appear here once the run has "
                       "trained a snapshot's worth of steps; dotted lines will mark each "
                       "change made mid-run.")
        if tr.events:
            st.caption("Schedule: " + literal(schedule_text(tuple(tr.events))))


def paused_view(tr: Trainer):
    """The run's state now, with its metrics, made once per state of the run."""
    key = (id(tr), tr.step, len(tr.events))
    cached = ss.get(k("view_snap"))
    if cached is None or cached[0] != key:
        cached = ss[k("view_snap")] = (key, tr.view() if tr.step or tr.events
                                       else tr.rec.snaps[0])
    return cached[1]


__all__ = ["draw_view", "paused_view", "predicted", "run_title", "status_text"]
