"""The Compare page's pieces: settings widgets <-> `CompareState` and the live run (the
finished comparison is drawn by `compare_results`).

Built like the Train page (`train_view`, whose helpers it reuses): the comparison
trains in a background thread (`LiveCompare`), one per user session, held in
``st.session_state`` with its result; the thread never calls Streamlit (the library's
callback stores the latest `CompareProgress`, its `should_stop` reads the Stop flag). A
fragment redraws the progress and every run's latest snapshot a few times a second and
reruns the page when the runs end; the page then shows ONE animated grid of the K
replays (one slider), a metrics table with a row per loss, the curves and downloads.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import plotly.graph_objects as go
import streamlit as st

from ganloss_viz.figures.compare import Panel, grid_figure
from ganloss_viz.figures.style import chart_config
from ganloss_viz.format import literal
from ganloss_viz.losses import LOSSES
from ganloss_viz.state.compare import (
    COMPARE_FIELDS,
    COMPARE_PRESETS,
    MAX_LOSSES,
    CompareState,
    compare_steps,
)
from ganloss_viz.state.train import CAP_WORD, MAX_SEED, caps, cpu_cap
from ganloss_viz.train import CompareResult, compare
from ganloss_viz.train.compare import run_configs
from ganloss_viz.train.device import resolve_device
from ganloss_viz.train.engine import RunState
from ganloss_viz.train.trainer import seconds_per_step
from ganloss_viz.ui.background import (
    LIVE_EVERY,
    Job,
    live_job,
    progress_row,
    running,
    session_probe,
    stop_note,
    take_finished,
    training_text,
    wait_text,
)
from ganloss_viz.ui.present import sized
from ganloss_viz.ui.target_menu import draw_section, target_caption, target_menu, target_word
from ganloss_viz.ui.train_settings import device_menu, device_options, network_inputs
from ganloss_viz.ui.widgets import url_binding

ss = st.session_state
KEY = "cmp"
# Metrics the table leaves to the summary line above it (common to the runs trained
# together); the CSV keeps them.
SUMMARY_ONLY = ("loss", "steps", "training seconds", "steps/s", "device")
FIELDS = tuple(f.name for f in COMPARE_FIELDS)
CONFIRM_SECONDS = 60.0       # a comparison predicted to take longer asks first
GRID_KEY = "compare-grid"    # the grid's container: on a phone it scrolls sideways
                             # (shell.STYLE), as four panel titles do not fit in 360 px


def k(name: str) -> str:
    return f"{KEY}.{name}"


# --- URL <-> widgets ----------------------------------------------------------------------


read_url, apply = url_binding(KEY, CompareState)


def _on_target() -> None:
    ss[k("steps")] = compare_steps(ss[k("target")])


WIDE_TITLES = 2     # panels per row that leave room for "label · name" titles


def panel_title(name: str, count: int) -> str:
    """A subplot's title: the loss's label and short name, or only the name where
    `count` panels share a row (the labels would run into each other at 1280 pixels)."""
    return f"{LOSSES[name].label} · {name}" if count <= WIDE_TITLES else name


def settings_panel() -> CompareState | None:
    """Draw the settings; the state they show, or None while no loss is picked."""
    cap = caps()
    for name, value in CompareState().resolved().__dict__.items():   # first visit
        ss.setdefault(k(name), list(value) if name == "losses" else value)
    if ss[k("device")] not in device_options():
        ss[k("device")] = "auto"
    c_losses, c_target = st.columns([2, 1], gap="large")
    with c_losses:
        st.multiselect(f"Losses (1 to {MAX_LOSSES}, in the grid's order)", list(LOSSES),
                       key=k("losses"), max_selections=MAX_LOSSES,
                       help="Every run starts from the same weights and sees the same data "
                            "and noise; each keeps its own loss's optimiser defaults.")
    with c_target:
        target_menu(k, _on_target, "2-D targets show each D as a heatmap under its "
                                   "samples; 1-D targets a histogram against the true "
                                   "density with D's curve; 'draw' places the modes.")
    draw_section(k)
    cpu = f", {cpu_cap():g} CPU seconds" if cpu_cap() else ""
    weak = [n for n in ss[k("losses")] if LOSSES[n].caveat]
    with st.expander(f"About the losses and target · steps, seed and networks (caps: "
                     f"{cap.steps:,} steps, width {cap.width}, depth {cap.depth}, batch "
                     f"{cap.batch:,}{cpu})" + (" · ⚠ known weaknesses" if weak else "")):
        if ss[k("losses")]:
            st.caption(" · ".join(f"**{n}** {LOSSES[n].label}" for n in ss[k("losses")]))
            for n in weak:
                st.caption(f":orange[:material/warning:] **{n}:** {LOSSES[n].caveat}")
        st.caption("Target: " + target_caption(ss[k("target")], compare_steps))
        c_steps, c_seed, c_w, c_d, c_b, c_device = st.columns(6)
        c_steps.number_input(f"Steps (≤ {cap.steps:,})", min_value=1, max_value=cap.steps,
                             step=100, key=k("steps"),
                             help=f"Generator steps of every run; the {CAP_WORD} is "
                                  f"{cap.steps:,}.")
        c_seed.number_input("Seed", min_value=0, max_value=MAX_SEED, step=1, key=k("seed"),
                            help="Fixes the common initial weights, the data and the noise.")
        network_inputs((c_w, c_d, c_b), k, cap)
        device_menu(c_device, k("device"))
    if not ss[k("losses")]:
        return None
    state = CompareState(**{name: ss[k(name)] for name in FIELDS})
    state = replace(state, losses=tuple(state.losses), steps=int(state.steps),
                    seed=int(state.seed), width=int(state.width), depth=int(state.depth),
                    batch=int(state.batch)).without_stale_preset()
    ss[k("preset")] = state.preset
    return state


def preset_info(state: CompareState | None) -> None:
    if state is not None and state.preset:
        pr = COMPARE_PRESETS[state.preset]
        st.info(f"**Preset · {pr.title}.** {pr.caption}", icon=":material/slideshow:")


# --- the live run --------------------------------------------------------------------------


@dataclass(kw_only=True)
class LiveCompare(Job):
    """One comparison in a background thread (see the module docstring)."""

    state: CompareState
    frame: Any = None
    still: tuple[tuple, go.Figure] | None = None    # the live grid of the latest snapshots
    thread_name: ClassVar[str] = "ganloss-viz-compare"

    @property
    def titles(self) -> list[str]:
        return [panel_title(n, len(self.state.losses)) for n in self.state.losses]

    def still_figure(self, snaps) -> go.Figure:
        """The live grid, rebuilt only when a new snapshot arrived."""
        steps = tuple(s.step for s in snaps)
        if self.still is None or self.still[0] != steps:
            fig = grid_figure([Panel(t, self.frame, [s]) for t, s in zip(self.titles, snaps,
                                                                          strict=True)],
                              f"{target_word(self.state.target)} · ", animated=False)
            fig.update_layout(uirevision="live")
            self.still = (steps, fig)
        return self.still[1]

    def compute(self) -> CompareResult:
        s = self.state.resolved()
        cfg = run_configs(s.losses, s.target, s.steps, s.seed, s.settings())[0]
        self.frame = RunState(cfg, resolve_device("cpu")).frame   # the shared stage
        return compare(list(s.losses), s.target, steps=s.steps, seed=s.seed,
                       callback=self.on_progress, should_stop=self.should_stop,
                       **s.settings())


def predicted(state: CompareState) -> float:
    """Seconds the comparison takes on this machine: each run's steps at its measured
    pace (`seconds_per_step`), the runs shared among the cores Compare trains on (one
    when hosted, else up to two). Measured once per state."""
    s = state.resolved()
    cached = ss.get(k("pace"))
    if cached is None or cached[0] != s:
        configs = run_configs(s.losses, s.target, s.steps, s.seed, s.settings())
        total = sum(cfg.resolved().steps * seconds_per_step(cfg) for cfg in configs)
        workers = s.settings()["threads"] or min(2, os.cpu_count() or 1, len(configs))
        cached = ss[k("pace")] = (s, total / workers)
    return cached[1]


def start_run(state: CompareState, confirmed: bool = False) -> None:
    """Compare-button callback: validate the settings and start the runs for this
    session (a comparison predicted over CONFIRM_SECONDS asks first)."""
    if running(k("live")):
        return
    try:
        s = state.resolved()
        run_configs(s.losses, s.target, s.steps, s.seed, s.settings())   # validates
        if s.device != "cpu":
            resolve_device(s.device)
        secs = predicted(s)
    except ValueError as exc:
        ss[k("start_error")] = str(exc)
        return
    except Exception as exc:                # a device that fails to build on: say so
        ss[k("start_error")] = f"the runs could not be built on {state.device}: " \
                               f"{type(exc).__name__}: {exc}"
        return
    if secs > CONFIRM_SECONDS and not confirmed:
        ss[k("confirm")] = secs
        return
    ss[k("start_error")] = ss[k("note")] = ss[k("confirm")] = None
    ss[k("live")] = LiveCompare(state=s, cpu_cap=cpu_cap(), estimate=secs,
                                alive=session_probe()).start()


def collect() -> None:
    """Move a finished comparison's result (or error) into the session's results."""
    live = take_finished(k("live"))
    if live is None:
        return
    note = stop_note(live.stop_reason, live.cpu_cap)
    ss[k("note")] = note if live.result is None else None      # a cancel: nothing trained
    if live.error is not None:
        ss[k("run_error")] = live.error
    elif live.result is not None:
        ss[k("run_error")] = None
        ss[k("result")], ss[k("result_note")] = (live.state, live.result), note
        ss.pop(k("built"), None)


@st.fragment(run_every=LIVE_EVERY)
def live_panel() -> None:
    """The running comparison: progress bar, Stop, steps/s, every run's latest snapshot."""
    live = live_job(k("live"), k("cancel"))
    if live is None:
        return
    p = live.progress
    steps = live.state.resolved().steps
    done, sps, secs = (p.step, p.steps_per_s, p.seconds) if p else (0, 0.0, 0.0)
    progress_row(live, k("live"), k("stop"), done / steps,
                 training_text(f"{len(live.state.losses)} losses on "
                               f"{target_word(live.state.target)} · ",
                               done, steps, sps, secs, live.cpu_cap))
    if p is None or live.frame is None or any(s is None for s in p.snapshots):
        st.caption("Building the networks …")
        return
    with st.container(key=GRID_KEY):
        st.plotly_chart(sized(live.still_figure(p.snapshots)), key=k("live_fig"), width="stretch",
                        config=chart_config("compare-live"))


def start_grid(state: CompareState) -> go.Figure:
    """Every run at step 0 (the common initial weights under each loss's view), made
    once per state: what Compare starts from, on screen before anything is pressed."""
    s = state.resolved()
    cached = ss.get(k("start_grid"))
    if cached is None or cached[0] != s:
        configs = run_configs(s.losses, s.target, s.steps, s.seed, s.settings())
        panels = []
        for name, cfg in zip(s.losses, configs, strict=True):
            run = RunState(cfg.resolved(), resolve_device("cpu"))
            panels.append(Panel(panel_title(name, len(s.losses)), run.frame,
                                [run.snapshot(0, 0.0, with_metrics=True)]))
        fig = grid_figure(panels, f"{target_word(s.target)} · ", animated=False)
        cached = ss[k("start_grid")] = (s, fig)
    return cached[1]


def controls(state: CompareState | None) -> None:
    """The Compare button, start errors, and the live panel while the runs go."""
    collect()
    busy = running(k("live"))
    c_button, c_wait = st.columns([1, 5], vertical_alignment="center")
    c_button.button("Compare", type="primary", icon=":material/play_arrow:", key=k("compare"),
                    on_click=start_run, args=(state,), disabled=busy or state is None,
                    width="stretch")
    if state is None:
        st.warning("Pick at least one loss to compare.", icon=":material/info:")
    elif not busy and not ss.get(k("start_error")):
        try:
            c_wait.caption(f"{len(state.losses)} runs of {state.resolved().steps:,} steps: "
                           f"{wait_text(predicted(state))} at this machine's measured speed.")
        except Exception:                 # noqa: BLE001 (bad settings or device: the grid
            pass                          # below and Compare's error say why)
    if ss.get(k("confirm")) and not busy:
        c1, c2 = st.columns([4, 1], vertical_alignment="center")
        c1.warning(f"These runs take {wait_text(ss[k('confirm')])} at this machine's "
                   f"measured speed.", icon=":material/timer:")
        c2.button("Compare anyway", key=k("confirm_compare"), on_click=start_run,
                  args=(state, True), width="stretch")
    if ss.get(k("start_error")):
        st.error(f"Cannot compare with these settings: {literal(ss[k('start_error')])}")
    if ss.get(k("run_error")):
        st.error(f"The comparison failed: {literal(ss[k('run_error')])}")
    if ss.get(k("note")):
        st.info(ss[k("note")], icon=":material/cancel:")
    if busy:
        live_panel()
    elif state is not None and ss.get(k("result")) is None and not ss.get(k("start_error")):
        try:
            with st.container(key=GRID_KEY):
                st.plotly_chart(sized(start_grid(state)), key=k("start"), width="stretch",
                                config=chart_config("compare-start"))
        except ValueError as exc:
            st.error(f"Cannot compare with these settings: {literal(str(exc))}")


__all__ = ["KEY", "SUMMARY_ONLY", "LiveCompare", "apply", "controls", "k", "panel_title",
           "preset_info", "read_url", "settings_panel", "start_run"]
