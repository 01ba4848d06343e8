"""The Compare page's finished comparison: ONE animated grid of the K replays (one
slider), a metrics table with a row per loss, the curves and the downloads, built once
per result (the grid takes seconds to build and the page reruns on every click)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pandas as pd
import streamlit as st

from ganloss_viz.figures.compare import Panel, grad_figure, grid_figure, losses_figure
from ganloss_viz.figures.style import chart_config
from ganloss_viz.format import fmt
from ganloss_viz.train import CompareResult
from ganloss_viz.train.report import metric_rows, result_json
from ganloss_viz.ui.background import running
from ganloss_viz.ui.compare_view import GRID_KEY, SUMMARY_ONLY, k, panel_title
from ganloss_viz.ui.per_result import built_once, standalone_html
from ganloss_viz.ui.present import sized
from ganloss_viz.ui.target_menu import target_word
from ganloss_viz.ui.video_download import video_download

ss = st.session_state


def comparison_rows(names, result: CompareResult) -> list[dict[str, tuple[Any, str]]]:
    """Per loss: {metric: (raw value, shown text)}, the Train page's metrics of each run."""
    return [{"loss": (name, name), **{m: (raw, text) for m, raw, text in metric_rows(run)}}
            for name, run in zip(names, result.runs, strict=True)]


def comparison_csv(rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(list(rows[0]))
    for row in rows:
        writer.writerow(["" if raw is None else raw for raw, _ in row.values()])
    return out.getvalue()


def _built(names: list[str], target: str, result: CompareResult) -> dict[str, Any]:
    """The figures, table rows and download payloads of a result, built once: the grid
    takes seconds to build, and the page reruns on every click."""

    def build() -> dict[str, Any]:
        grid = grid_figure([Panel(panel_title(n, len(names)), r.frame, r.snapshots)
                            for n, r in zip(names, result.runs, strict=True)],
                           f"{target_word(target)} · ")
        rows = comparison_rows(names, result)
        histories = [r.history for r in result.runs]
        return {"grid": grid, "rows": rows, "losses": losses_figure(names, histories),
                "grads": grad_figure(names, histories),
                "html": standalone_html(grid, "compare-replay"),
                "csv": comparison_csv(rows), "json": result_json(result.to_dict())}

    return built_once(k("built"), result, build)


def _status(names, result: CompareResult) -> None:
    run0 = result.runs[0]
    cfg = run0.config
    steps = sum(r.steps for r in result.runs)
    speed = (f" ({fmt(steps / result.seconds, 4)} steps/s over all runs)"
             if result.seconds > 0 else "")
    summary = (f"{len(names)} losses, {run0.steps:,} steps each, in {result.seconds:.1f} s "
               f"on {run0.device}{speed}; seed {cfg.seed}, width {cfg.width}, depth "
               f"{cfg.depth}, batch {cfg.batch}.")
    diverged = [f"{n} {r.message}" for n, r in zip(names, result.runs, strict=True)
                if r.diverged]
    if diverged:
        st.warning(f"{'; '.join(diverged)}: its replay stays on the last finite snapshot. "
                   f"{summary}", icon=":material/warning:")
    elif any(r.stopped for r in result.runs):
        st.info(f"{ss.get(k('result_note')) or 'Stopped early.'} {summary}",
                icon=":material/stop_circle:")
    else:
        st.success(f"Finished. {summary}", icon=":material/check_circle:")


def results() -> None:
    """The session's last comparison: the replay grid, metrics, curves, downloads."""
    stored = ss.get(k("result"))
    if stored is None:
        if not running(k("live")):
            st.caption("Above: every run at step 0, from the same weights. Press "
                       "**Compare** to train every loss at once; the runs update live and "
                       "can be stopped. The finished runs replay side by side, driven by "
                       "one slider.")
        return
    state, result = stored
    names = list(state.losses)
    st.divider()
    st.subheader(f"Replay · {len(names)} losses on {target_word(state.target)}")
    _status(names, result)
    built = _built(names, state.target, result)
    with st.container(key=GRID_KEY):
        st.plotly_chart(sized(built["grid"]), key=k("replay"), width="stretch",
                        config=chart_config("compare-replay"))
    st.caption("Press ▶ play or drag the step slider: every panel shows the same step. " + (
        "Colours: each D's raw output (rescaled per frame); grey: target samples; red: "
        "G's samples." if result.runs[0].frame.dim == 2 else
        "Red bars: histogram of G's samples; black: the target density; blue: D's raw "
        "output (right axis)."))
    video_download(f"compare-{target_word(state.target)}-seed{state.seed}", lambda: built["grid"],
                   (tuple(names), state.target, state.seed, result.seconds))
    rows = built["rows"]
    st.markdown(f"**Metrics** (last snapshot of each run, on "
                f"{result.runs[0].config.metric_samples:,} samples)")
    table = pd.DataFrame({m: [row[m][1] for row in rows] for m in rows[0]
                          if m not in SUMMARY_ONLY},
                         index=pd.Index(names, name="loss"))
    st.table(table)
    stem = f"ganloss-compare-{target_word(state.target)}-seed{state.seed}"
    d1, d2, d3 = st.columns(3)
    d1.download_button("Replay grid (standalone HTML)", built["html"], f"{stem}.html",
                       "text/html", icon=":material/movie:", key=k("dl_html"),
                       on_click="ignore", width="stretch")
    d2.download_button("Metrics CSV", built["csv"], f"{stem}.csv", "text/csv",
                       icon=":material/table:", key=k("dl_csv"), on_click="ignore",
                       width="stretch")
    d3.download_button("Runs JSON", built["json"], f"{stem}.json", "application/json",
                       icon=":material/data_object:", key=k("dl_json"), on_click="ignore",
                       width="stretch")
    st.plotly_chart(sized(built["losses"]), key=k("loss_curves"), width="stretch",
                    config=chart_config("compare-losses"))
    st.plotly_chart(sized(built["grads"]), key=k("grads"), width="stretch",
                    config=chart_config("compare-gradients"))
    st.caption("Per-step values averaged in blocks. A generator gradient that falls by "
               "decades while the samples are still far from the data is the saturating "
               "loss's vanishing gradient.")


__all__ = ["comparison_csv", "comparison_rows", "results"]
