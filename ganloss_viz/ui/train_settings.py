"""The Train page's settings: widgets <-> `TrainState` (the URL), the device menu, labels.

Compare reuses the device menu; `train_view` runs what these
settings say.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import streamlit as st

from ganloss_viz.format import fmt
from ganloss_viz.losses import LOSSES
from ganloss_viz.state.train import (
    CAP_WORD,
    DEVICES,
    MAX_LR,
    MAX_SEED,
    OPTIMIZERS,
    TRAIN_PRESETS,
    TrainState,
    caps,
    cpu_cap,
    default_lr,
    default_optimizer,
    default_steps,
    gpu_available,
)
from ganloss_viz.ui.target_menu import draw_section, target_caption, target_menu
from ganloss_viz.ui.widgets import url_binding

ss = st.session_state
KEY = "tr"


def k(name: str) -> str:
    return f"{KEY}.{name}"


# --- URL <-> widgets ----------------------------------------------------------------------


read_url, apply = url_binding(KEY, TrainState)


def _on_loss() -> None:
    ss[k("optimizer")] = default_optimizer(ss[k("loss")])
    ss[k("lr")] = default_lr(ss[k("loss")])
    ss[k("lr_d")] = default_lr(ss[k("loss")], "d")


def _on_target() -> None:
    ss[k("steps")] = default_steps(ss[k("target")])


def device_options() -> list[str]:
    return list(DEVICES) if gpu_available() else [d for d in DEVICES if d != "cuda"]


def network_inputs(columns, key: Callable[[str], str], cap) -> None:
    """Width, depth and batch in three `columns`, capped by `cap` (a TrainCaps): the
    networks' fields of the Train and Compare pages, whose keys `key(name)` makes."""
    c_w, c_d, c_b = columns
    c_w.number_input(f"Width (≤ {cap.width})", min_value=1, max_value=cap.width, step=16,
                     key=key("width"), help="Units per hidden layer of G and D.")
    c_d.number_input(f"Depth (≤ {cap.depth})", min_value=1, max_value=cap.depth, step=1,
                     key=key("depth"), help="Hidden layers of G and D.")
    c_b.number_input(f"Batch (≤ {cap.batch:,})", min_value=1, max_value=cap.batch,
                     step=32, key=key("batch"), help="Samples per step.")


def device_menu(col, key: str) -> None:
    """The device menu in `col`, drawn only where a GPU exists: without one every run is
    on the CPU, and a menu would offer a choice that changes nothing (a URL's
    ``device=cuda`` is reported once, among the URL's errors)."""
    if gpu_available():
        col.selectbox("Device", device_options(), key=key,
                      help="auto: CUDA when a GPU is available, else the CPU.")


def loss_label(name: str) -> str:
    return f"{LOSSES[name].label} · {name}"


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
    """Draw the main settings in one row above the run's view (loss, target, steps, seed;
    the rest: `settings_more`); returns the state all the settings show (preset dropped
    once stale)."""
    cap = caps()
    for name, value in TrainState().resolved().__dict__.items():   # first visit
        ss.setdefault(k(name), value)
    if ss[k("device")] not in device_options():
        ss[k("device")] = "auto"
    c_loss, c_target, c_steps, c_seed, c_device = st.columns([1.6, 1.4, 0.9, 0.7, 0.8])
    c_loss.selectbox("Loss", list(LOSSES), key=k("loss"), format_func=loss_label,
                     on_change=_on_loss, help="The GAN loss: discriminator and generator "
                                              "objectives on the raw output D(x).")
    with c_target:
        target_menu(k, _on_target, "2-D targets show D as a heatmap under the samples; 1-D "
                                   "targets a histogram against the true density with the D "
                                   "curve; 'draw' lets you place the modes yourself.")
    c_steps.number_input(f"Steps (≤ {cap.steps:,})", min_value=1, max_value=cap.steps,
                         step=100, key=k("steps"),
                         help=f"Generator steps; the {CAP_WORD} is {cap.steps:,}.")
    c_seed.number_input("Seed", min_value=0, max_value=MAX_SEED, step=1, key=k("seed"),
                        help="Fixes the initialisation, the data and the noise: the same "
                             "settings and seed give the same run on the CPU.")
    device_menu(c_device, k("device"))
    draw_section(k)
    state = TrainState(**{name: ss[k(name)] for name in TrainState().__dict__})
    state = replace(state, steps=int(state.steps), seed=int(state.seed),
                    width=int(state.width), depth=int(state.depth), batch=int(state.batch),
                    lr=float(state.lr), lr_d=float(state.lr_d))
    state = state.without_stale_preset()
    ss[k("preset")] = state.preset
    return state


def settings_more() -> None:
    """The loss's and target's descriptions, the networks and the optimiser, in an
    expander below the run's view (their values are read by `settings_panel`)."""
    cap = caps()
    loss = LOSSES[ss[k("loss")]]
    with st.expander("About this loss and target · networks and optimiser"):
        st.caption(f"**{loss.label}.** {loss.doc}")
        if loss.caveat:
            st.caption(f":orange[:material/warning:] **Known weakness.** {loss.caveat}")
        st.caption(_defaults_text(loss.name) + " Target: "
                   + target_caption(ss[k("target")], default_steps))
        c_w, c_d, c_b, c_opt, c_lr, c_lrd = st.columns(6)
        network_inputs((c_w, c_d, c_b), k, cap)
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


def preset_info(state: TrainState) -> None:
    if state.preset:
        pr = TRAIN_PRESETS[state.preset]
        st.info(f"**Preset · {pr.title}.** {pr.caption}", icon=":material/slideshow:")


__all__ = ["KEY", "apply", "device_menu", "device_options", "k", "network_inputs", "preset_info",
           "read_url", "settings_more", "settings_panel"]
