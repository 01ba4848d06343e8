"""Section "Direct fit": Q descends D(P ‖ Q) from its present parameters, animated."""

from __future__ import annotations

import streamlit as st

from ganloss_viz import exports, figures
from ganloss_viz.distributions import dist
from ganloss_viz.explore.fitframes import fit_animation
from ganloss_viz.format import fmt, literal, text_table
from ganloss_viz.state import MAX_LR, STEPS
from ganloss_viz.ui import compute
from ganloss_viz.ui import widgets as w
from ganloss_viz.ui.present import sized
from ganloss_viz.ui.video_download import video_download

from .common import KEY, Context, Download, compare_picker, downloads, k, progress_bar


@st.cache_resource(show_spinner=False, max_entries=64)
def fit_figure(p: str, keys: tuple[tuple, ...], dim: int):
    """The animation of memoised fits (by their keys), or a message. Shared, never
    modified."""
    runs = [compute.FITS.get(key, lambda: None)["run"] for key in keys]
    try:
        return fit_animation(p, runs, dim)
    except ValueError as exc:
        return str(exc)


def _rounded(spec: str) -> str:
    """The spec with its parameters at 6 significant figures (exact if that is invalid)."""
    d = dist(spec)
    try:
        return d.with_params({n: float(f"{v:.6g}") for n, v in d.flat_params().items()}
                             ).to_spec()
    except ValueError:
        return spec


def _use(spec: str) -> None:
    w.set_spec(KEY, "q", spec)


def render(ctx: Context) -> None:
    s = ctx.state
    c_steps, c_lr, c_vs = st.columns([0.8, 0.8, 2.4], gap="medium")
    with c_steps:
        steps = st.number_input(f"steps (≤ {STEPS[1]})", min_value=STEPS[0],
                                max_value=STEPS[1], step=50, key=k("steps"),
                                help=f"Adam steps on Q's parameters, at most {STEPS[1]} "
                                     "(positive parameters move in log space).")
    with c_lr:
        lr = st.number_input("learning rate", min_value=1e-4, max_value=MAX_LR, step=0.01,
                             format="%g", key=k("lr"))
    with c_vs:
        vs = compare_picker(ctx, "Also fit Q under these divergences, from the same start: "
                                 "KL covers both modes of a mixture, reverse KL picks one.")
    divs = [(s.div, ctx.params)] + [(v, ctx.params_for(v)) for v in vs]
    keys = [compute.fit_key(s.p, s.q, d, int(steps), float(lr), prm) for d, prm in divs]
    todo = [i for i, key in enumerate(keys) if key not in compute.FITS]
    update, close = progress_bar(
        f"Fitting Q to P ({int(steps)} steps × {len(todo)} fits)…") if todo \
        else (None, lambda: None)
    results = []
    for j, (d, prm) in enumerate(divs):
        share = (lambda f, j=j: update((todo.index(j) + f) / len(todo))) \
            if update and j in todo else None
        results.append(compute.fit(s.p, s.q, d, int(steps), float(lr), prm, share))
    close()
    ok = [(key, r) for key, r in zip(keys, results, strict=True) if r["ok"]]
    for (d, _), r in zip(divs, results, strict=True):
        if not r["ok"]:
            st.error(f"**{d}**: the fit failed: {literal(r['message'])}")
    if not ok:
        return
    fig = fit_figure(s.p, tuple(key for key, _ in ok), ctx.P.dim)
    name = f"ganloss-viz-fit-{s.div}"
    files = [Download("Fit CSV", lambda: exports.fit_csv([r["run"] for _, r in ok]),
                      f"{name}.csv", "text/csv",
                      "One row per divergence and step: D(P ‖ Q) and Q's parameters.")]
    if isinstance(fig, str):
        st.info(fig, icon=":material/info:")
    else:
        config = figures.chart_config(f"fit-{s.div}")
        st.plotly_chart(sized(fig), width="stretch", config=config)
        files.insert(0, Download(
            "Animation (standalone HTML)",
            lambda: fig.to_html(include_plotlyjs=True, auto_play=False, config=config),
            f"{name}.html", "text/html",
            "This animation in one file that plays offline in any browser (for slides)."))
    rows = []
    for _, r in ok:
        run = r["run"]
        rows.append({"divergence": run.div, "D at step 0": fmt(run.values[0]),
                     f"D at step {len(run.values) - 1}": fmt(run.value),
                     "fitted Q": _rounded(run.q), "seconds": f"{r['seconds']:.2f}"})
    st.markdown(text_table(rows, right=set(rows[0]) - {"divergence", "fitted Q"}))
    main = ok[0][1]["run"] if ok[0][1]["run"].div == s.div else None
    c_btn, c_cap = st.columns([1, 3])
    if main is not None:
        c_btn.button(f"Make the {s.div} fit the new Q", on_click=_use,
                     args=(_rounded(main.q),), icon=":material/call_made:",
                     help="Replace Q by the fitted Q (a new starting point).")
    c_cap.caption(
        "Direct minimisation of D(P ‖ Q) over Q's parameters by Adam from Q's present "
        "parameters, with exact gradients; press ▶ to replay it (the animation runs in "
        "the browser). A GAN minimises the same divergences only approximately, through "
        "its discriminator.")
    downloads("fit", files)
    if not isinstance(fig, str):
        video_download(f"fit-{s.div}", lambda: fig, tuple(key for key, _ in ok))
