"""The Study page's pieces: where the results come from, the filters <-> `StudyState`,
the figures, and a small study run from the page.

The results shown are rows (dicts) of a study (ganloss_viz.study): the study that
ships with the repository (studies/losses18, read once per server: it is the same
for everyone), a Parquet file the user uploaded, or a small study started here; the
last two live in this session's st.session_state only. A study started from the page
runs in a background thread of this process without Ray (`run_study(...,
backend="inline")`), behind the server's admission gate like a training run, with the
hosted caps (HOSTED_MAX_RUNS runs of at most HOSTED_MAX_STEPS steps, the Train page's
CPU-seconds cap) shown beside the form.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import streamlit as st

from ganloss_viz.figures.study import best_of_k_figure, by_loss_boxes, rate_heatmap
from ganloss_viz.figures.style import chart_config
from ganloss_viz.format import literal
from ganloss_viz.losses import LOSSES
from ganloss_viz.state.study import CRITERIA, SCORES, STUDY_PRESETS, StudyState, lr_text
from ganloss_viz.state.train import HOSTED, cpu_cap
from ganloss_viz.study import (
    HOSTED_MAX_RUNS,
    HOSTED_MAX_STEPS,
    MAX_RUNS,
    Study,
    from_dict,
    read_results,
    run_study,
)
from ganloss_viz.study.grid import DEFAULT_STEPS
from ganloss_viz.study.summary import (
    best_of_k,
    filter_rows,
    ordered,
    success_table,
    values_by_loss,
)
from ganloss_viz.targets import TARGETS
from ganloss_viz.ui.background import (
    LIVE_EVERY,
    Job,
    predicted_seconds,
    queued_panel,
    request_stop,
    running,
    session_probe,
    stop_note,
    take_finished,
)
from ganloss_viz.ui.present import sized, text_scale

ss = st.session_state
KEY = "study"
SHIPPED = Path(__file__).resolve().parents[2] / "studies" / "losses18"
CRITERION_TEXT = {"success": "all modes and HQ ≥ 0.5", "coverage": "all modes covered"}


def k(name: str) -> str:
    return f"{KEY}.{name}"


# --- the results ------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=2)
def _shipped(folder: str, stamp: float) -> tuple[list[dict], dict | None]:
    from ganloss_viz.study.store import ResultStore

    return read_results(folder).to_pylist(), ResultStore(folder).declaration()


def shipped() -> tuple[list[dict], dict | None]:
    """The shipped study's rows and declaration (re-read when its files change)."""
    stamp = max((p.stat().st_mtime for p in SHIPPED.glob("*.parquet")), default=0.0)
    return _shipped(str(SHIPPED), stamp)


def session_results() -> tuple[str, list[dict]] | None:
    """(label, rows) of this session's uploaded or page-run study, if any."""
    return ss.get(k("session"))


def upload_panel() -> None:
    """Load a results file (.parquet, as `study --out` writes) into this session."""
    up = st.file_uploader("A study's results file (results.parquet from `study --out DIR`)",
                          type=["parquet"], key=k("upload"))
    if up is None:
        return
    if ss.get(k("uploaded")) == up.file_id:
        return
    ss[k("uploaded")] = up.file_id
    try:
        rows = read_results(up.getvalue()).to_pylist()
    except ValueError as exc:
        ss[k("upload_error")] = str(exc)
        return
    ss[k("upload_error")] = None
    if not rows:
        ss[k("upload_error")] = "the file holds no runs"
        return
    ss[k("session")] = (f"uploaded file {literal(up.name)}", rows)   # a name is user text
    ss[k("source")] = "session"


# --- a small study run from the page ----------------------------------------------------


@dataclass(kw_only=True)
class LiveStudy(Job):
    """A small study in a background thread, without Ray (see the module docstring)."""

    study: Study | None = None
    thread_name: ClassVar[str] = "ganloss-viz-study"

    def compute(self) -> list[dict]:
        with tempfile.TemporaryDirectory(prefix="ganloss-study-") as folder:
            run_study(self.study, folder, backend="inline", callback=self.on_progress,
                      should_stop=self.should_stop)
            return read_results(folder).to_pylist()


def start_study() -> None:
    """Run-button callback: check the form's study and start it for this session."""
    if running(k("live")):
        return
    try:
        study = Study(losses=tuple(ss[k("run_losses")]), targets=tuple(ss[k("run_targets")]),
                      seeds=tuple(range(int(ss[k("run_seeds")]))),
                      steps=int(ss[k("run_steps")]), hosted=HOSTED)
    except ValueError as exc:
        ss[k("start_error")] = str(exc)
        return
    ss[k("start_error")] = ss[k("note")] = None
    configs = [r.config().resolved() for r in study.runs()]
    ss[k("live")] = LiveStudy(study=study, cpu_cap=cpu_cap(),
                              estimate=predicted_seconds(configs),
                              alive=session_probe()).start()


def collect() -> None:
    """Move a finished page-run study's rows into this session's results."""
    live = take_finished(k("live"))
    if live is None:
        return
    ss[k("note")] = stop_note(live.stop_reason, live.cpu_cap)
    if live.error is not None:
        ss[k("run_error")] = live.error
    elif live.result:
        ss[k("run_error")] = None
        n = len(live.result)
        ss[k("session")] = (f"a study of {n} run{'s' * (n != 1)} started on this page",
                            live.result)
        ss[k("source")] = "session"


@st.fragment(run_every=LIVE_EVERY)
def live_panel() -> None:
    """The running study: progress, ETA, Stop."""
    live = ss.get(k("live"))
    if live is None:
        return
    if live.done:
        st.rerun(scope="app")
    if queued_panel(live, k("live"), k("cancel")):
        return
    p = live.progress
    c_bar, c_stop = st.columns([5, 1], vertical_alignment="bottom")
    done, total = (p.done, p.total) if p else (0, len(live.study.runs()))
    eta = p.eta if p else None
    c_bar.progress(done / total if total else 1.0,
                   text=f"Run {done} of {total}"
                        + (f" · about {eta:.0f} s left" if eta is not None else ""))
    c_stop.button("Stop", key=k("stop"), on_click=request_stop, args=(k("live"),),
                  icon=":material/stop:", disabled=live.stop_requested, width="stretch")


def run_panel() -> None:
    """The form of a small study and its live progress."""
    collect()
    cap_runs = HOSTED_MAX_RUNS if HOSTED else MAX_RUNS
    st.caption("Runs in this server's process, one after another, without Ray. "
               + (f"Hosted caps: at most {HOSTED_MAX_RUNS} runs of at most "
                  f"{HOSTED_MAX_STEPS} steps, {cpu_cap():g} CPU seconds each study. "
                  if HOSTED else "")
               + "Larger studies: `python -m ganloss_viz study ... --out DIR`, then load "
                 "DIR/results.parquet above.")
    c1, c2 = st.columns(2)
    c1.multiselect("Losses", list(LOSSES), key=k("run_losses"), default=["ns", "ns_r1"])
    c2.multiselect("Targets", list(TARGETS), key=k("run_targets"), default=["bimodal"])
    c3, c4 = st.columns(2)
    c3.number_input("Seeds (0, 1, …)", 1, cap_runs, value=3, key=k("run_seeds"))
    steps_cap = HOSTED_MAX_STEPS if HOSTED else 50_000
    c4.number_input("Steps per run", 10, steps_cap, value=min(DEFAULT_STEPS, steps_cap) // 2,
                    step=50, key=k("run_steps"))
    busy = running(k("live"))
    st.button("Run the study", type="primary", icon=":material/play_arrow:", key=k("run"),
              on_click=start_study, disabled=busy)
    if ss.get(k("start_error")):
        st.error(f"Cannot run this study: {literal(ss[k('start_error')])}")
    if ss.get(k("run_error")):
        st.error(f"The study failed: {literal(ss[k('run_error')])}")
    if ss.get(k("note")):
        st.info(ss[k("note")], icon=":material/cancel:")
    if busy:
        live_panel()


# --- URL <-> widgets --------------------------------------------------------------------


def read_url(params) -> tuple[StudyState, list[str]]:
    return StudyState.from_query_params(params)


def preset_info(state: StudyState) -> None:
    """The preset's title while the view is still the preset's."""
    if state.preset:
        st.info(f"Preset **{STUDY_PRESETS[state.preset].title}**", icon=":material/slideshow:")


def apply(state: StudyState) -> None:
    """Push a state read from the URL into the widgets; the filters wait for the results
    (`filters`), which say which names exist."""
    ss[k("source")], ss[k("score")] = state.source, state.score
    ss[k("criterion")] = state.criterion
    ss[k("pending")] = state
    ss[k("preset")] = state.preset


def pick_rows() -> tuple[str, list[dict], dict | None]:
    """(label, rows, declaration) of the source chosen (the shipped study when the session
    has no results of its own)."""
    own = session_results()
    if ss.get(k("source")) == "session" and own is None:
        ss[k("source")] = "shipped"
    st.segmented_control("Results", ["shipped", "session"], key=k("source"),
                         format_func={"shipped": "The shipped study",
                                      "session": "This session's study"}.get,
                         disabled=own is None, selection_mode="single")
    if ss.get(k("source")) is None:
        ss[k("source")] = "shipped"
    if ss[k("source")] == "session" and own is not None:
        return own[0], own[1], None
    rows, decl = shipped()
    return "the shipped study (studies/losses18)", rows, decl


def filters(rows: list[dict]) -> StudyState:
    """The filter widgets over the losses, targets and learning rates the rows have; after a
    URL was read, its filters restricted to those (the names left out are reported)."""
    loss_opts = ordered((r["loss"] for r in rows), list(LOSSES))
    target_opts = ordered((r["target"] for r in rows), list(TARGETS))
    lr_opts = sorted({r["lr"] for r in rows}, key=lambda v: (v is not None, v or 0.0))
    pending = ss.pop(k("pending"), None)
    dropped: list[str] = []
    if pending is not None:
        kept, dropped = pending.restricted(loss_opts, target_opts, lr_opts)
        ss[k("losses")], ss[k("targets")], ss[k("lr")] = (list(kept.losses),
                                                         list(kept.targets), list(kept.lr))
    for name, opts in (("losses", loss_opts), ("targets", target_opts), ("lr", lr_opts)):
        ss[k(name)] = [v for v in ss.get(k(name), []) if v in opts]
    c1, c2, c3 = st.columns([3, 2, 2])
    c1.multiselect("Losses (all when empty)", loss_opts, key=k("losses"))
    c2.multiselect("Targets (all when empty)", target_opts, key=k("targets"))
    c3.multiselect("Learning rates (all when empty)", lr_opts, key=k("lr"), format_func=lr_text)
    # drawn beside their charts (`figures`)
    if ss.get(k("score")) not in SCORES:
        ss[k("score")] = "success"
    if ss.get(k("criterion")) not in CRITERIA:
        ss[k("criterion")] = "success"
    state = StudyState(preset=ss.get(k("preset"), ""), source=ss[k("source")],
                       losses=tuple(ss[k("losses")]), targets=tuple(ss[k("targets")]),
                       lr=tuple(ss[k("lr")]), score=ss[k("score")],
                       criterion=ss[k("criterion")]).without_stale_preset()
    ss[k("preset")] = state.preset
    if pending is not None:
        # the URL's errors (widgets.show_url_errors) and the names the results lack, shown
        # while the view is the one this URL opened
        errors = ss.get(f"{KEY}._url_errors", ([], None))[0]
        ss[f"{KEY}._url_errors"] = (errors + dropped, state)
    return state


# --- the figures ------------------------------------------------------------------------


def describe(label: str, rows: list[dict], decl: dict | None) -> str:
    """One line of Markdown on what is shown: source (`label`, Markdown: user text in it
    already made literal), runs, steps, settings, and how far an unfinished study got."""
    steps = sorted({r["steps"] for r in rows})
    nets = sorted({(r["width"], r["depth"], r["batch"]) for r in rows})
    hours = sum(r["cpu_seconds"] for r in rows) / 3600
    text = (f"Showing {label}: {len(rows):,} runs of {', '.join(map(str, steps))} steps "
            f"(width × depth × batch {', '.join('×'.join(map(str, n)) for n in nets)}), "
            f"{hours:.2f} CPU-hours of training in all.")
    planned = len(from_dict(decl).runs()) if decl is not None else 0
    if len(rows) < planned:
        text += f" The study is not finished: {len(rows):,} of {planned:,} runs so far."
    return text


def figures(rows: list[dict], state: StudyState) -> None:
    """Success heatmaps (by target and by learning rate), time to coverage and final W1
    per loss, and the best-of-k curves of the filtered rows."""
    data = filter_rows(rows, state.losses or None, state.targets or None, state.lr or None)
    if not data:
        st.info("No runs match these filters.", icon=":material/filter_alt_off:")
        return
    losses = ordered((r["loss"] for r in data), list(LOSSES))
    targets = ordered((r["target"] for r in data), list(TARGETS))
    st.segmented_control("A run counts as a success when it ends with", CRITERIA,
                         key=k("criterion"), format_func=CRITERION_TEXT.get)
    crit = state.criterion
    rates = {key: (r.k, r.n, *r.interval) for key, r in success_table(data, crit).items()}
    by_lr = success_table([dict(r, target=lr_text(r["lr"])) for r in data], crit)
    lr_cols = [lr_text(v) for v in sorted({r["lr"] for r in data},
                                          key=lambda v: (v is not None, v or 0.0))]
    c1, c2 = st.columns(2)
    c1.plotly_chart(sized(rate_heatmap(losses, targets, rates, "Success rate by target (%)",
                                       "target", show_scale=False)),
                    width="stretch", key=k("heat"), config=chart_config("study-success"))
    c2.plotly_chart(sized(rate_heatmap(losses, lr_cols,
                                       {key: (r.k, r.n, *r.interval) for key, r in by_lr.items()},
                                       "Success rate by learning rate (%)", "learning rate")),
                    width="stretch", key=k("heat_lr"), config=chart_config("study-lr"))
    st.caption("Success: every mode covered (a high-quality sample nearest to it), and in "
               "the stricter sense at least half the samples high-quality (within 3 "
               "standard deviations of a mode), at the end of the run, not diverged "
               "(VEEGAN / PacGAN metrics). Hover a cell for k/n and its 95% Wilson "
               "interval; targets without modes are left out.")
    c3, c4 = st.columns(2)
    to_coverage = values_by_loss(data, "seconds_to_coverage")
    if to_coverage:
        c3.plotly_chart(sized(by_loss_boxes(to_coverage, losses,
                                            "Seconds to coverage (runs that got there)",
                                            "training seconds", log=True)),
                        width="stretch", key=k("cov"), config=chart_config("study-coverage"))
    else:
        c3.info("No run of these reached coverage with HQ ≥ 0.5, so there are no times "
                "to coverage to show.", icon=":material/timer_off:")
    c4.plotly_chart(sized(by_loss_boxes(values_by_loss(data, "w1"), losses,
                                        "Final W1 to the target", "W1 (sliced in 2-D)",
                                        log=True)),
                    width="stretch", key=k("w1"), config=chart_config("study-w1"))
    st.segmented_control("Best-of-k ranks the settings by", SCORES, key=k("score"),
                         format_func={"success": "success rate", "w1": "final W1"}.get)
    curves = best_of_k(data, state.score)
    title = ("success rate" if state.score == "success" else "− mean final W1")
    # two short lines: in one, the title ran 200 px past a phone's chart (the caption
    # below says that the curve is an expectation over random orders)
    st.plotly_chart(sized(best_of_k_figure(curves, losses,
                                           f"Best {title}<br>among k settings tried", title,
                                           text_scale=text_scale())),
                    width="stretch", key=k("best"), config=chart_config("study-best-of-k"))
    st.caption("As in Lucic et al. 2018 (“Are GANs Created Equal?”): each setting's score "
               "is its mean over seeds and targets; the curve is the exact expectation of "
               "the best score among k settings drawn at random. A flat curve: the loss "
               "does not need tuning; a steep one: it depends on the setting.")


__all__ = ["KEY", "apply", "describe", "figures", "filters", "pick_rows", "preset_info",
           "read_url", "run_panel", "upload_panel"]
