"""What the explorer's sections share: the widget keys, the page state <-> widgets,
the context handed to each section, and a few widgets used by several sections.

Widget values live in `st.session_state` under ``ex.<setting>`` (ranges under
``ex.<axis>.lo.<parameter>`` / ``.hi.``, so each parameter keeps its own range). The
sections are lazy tabs: a closed section draws no widgets, and Streamlit forgets the
state of a widget that was not drawn, so `persist()` re-asserts the settings' keys at
the top of every run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

import streamlit as st

from ganloss_viz.state import GRID, MAX_LR, MAX_VS, POINTS, STEPS, VIEWS, ExplorerState
from ganloss_viz.state.explorer import DIV_PARAMS
from ganloss_viz.ui import widgets as w

KEY = "ex"
ss = st.session_state

VIEW_LABELS = {"value": "Value & gradient", "sweep": "Sweep", "landscape": "Landscape",
               "fit": "Direct fit", "optimal": "Optimal D"}
VIEW_OF_LABEL = {label: view for view, label in VIEW_LABELS.items()}
AXES = ("sweep", "lx", "ly")                 # the settings that name a parameter
RANGE_OF = {"sweep": "range", "lx": "xrange", "ly": "yrange"}
PLAIN = ("points", "grid", "steps", "lr", "loss")    # settings with one widget each
PERSIST = tuple(f"{KEY}.{k}" for k in ("view", "vs", *AXES, *PLAIN))
ICONS = {"text/csv": ":material/table:", "application/json": ":material/data_object:",
         "text/html": ":material/movie:"}


def k(name: str) -> str:
    return f"{KEY}.{name}"


def range_keys(axis: str, param: str) -> tuple[str, str]:
    """The session keys of the two ends of `param`'s range on `axis` (sweep, lx, ly)."""
    return k(f"{axis}.lo.{param}"), k(f"{axis}.hi.{param}")


def persist() -> None:
    """Keep the settings of closed sections (Streamlit drops undrawn widgets' state)."""
    for key in list(ss.keys()):
        if key.startswith(PERSIST):
            ss[key] = ss[key]


# --- state <-> widgets ------------------------------------------------------------------


def apply(state: ExplorerState) -> None:
    """Push a state (read from the URL) into every widget, sections included."""
    state = state.resolved()
    w.set_spec(KEY, "p", state.p)
    w.set_spec(KEY, "q", state.q)
    for name in ("div", *DIV_PARAMS, "preset", "vs", *AXES, *PLAIN):
        ss[k(name)] = list(state.vs) if name == "vs" else getattr(state, name)
    ss[k("view")] = VIEW_LABELS[state.view]
    for axis in AXES:
        lo_key, hi_key = range_keys(axis, getattr(state, axis))
        ss[lo_key], ss[hi_key] = getattr(state, RANGE_OF[axis])


def _range(axis: str, param: str) -> tuple[float, float] | None:
    lo_key, hi_key = range_keys(axis, param)
    if lo_key in ss and hi_key in ss and float(ss[lo_key]) < float(ss[hi_key]):
        return float(ss[lo_key]), float(ss[hi_key])
    return None


def state_from_widgets(p: str, q: str, div: str) -> ExplorerState:
    """The page state from the widgets (settings of closed sections included), with its
    automatic settings resolved and pushed back into the widgets that lacked them."""
    base = ExplorerState(
        p=p, q=q, div=div,
        **{name: float(ss.get(k(name), getattr(ExplorerState, name))) for name in DIV_PARAMS},
        preset=ss.get(k("preset"), ""),
        view=VIEW_OF_LABEL.get(ss.get(k("view")), "value"),
        vs=tuple(ss.get(k("vs"), ())),
        **{name: ss[k(name)] for name in PLAIN if k(name) in ss},
        **{name: ss.get(k(name), "") for name in AXES})
    base = replace(base, **{RANGE_OF[a]: _range(a, getattr(base, a)) for a in AXES})
    state = base.resolved()
    for axis in AXES:                        # fill in what the widgets lack
        param = getattr(state, axis)
        ss[k(axis)] = param
        lo_key, hi_key = range_keys(axis, param)
        if lo_key not in ss or hi_key not in ss:
            ss[lo_key], ss[hi_key] = getattr(state, RANGE_OF[axis])
    return state.without_stale_preset()


# --- the context of a section -----------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """What every section gets: the resolved state, the distributions, the registry
    entry of the divergence, its parameters (as a cache key) and its value."""

    state: ExplorerState
    P: Any
    Q: Any
    info: Any
    params: tuple[tuple[str, float], ...]
    result: dict[str, Any]
    registry: Any

    def params_for(self, name: str) -> tuple[tuple[str, float], ...]:
        """The state's parameters that divergence `name` takes."""
        own = self.registry[name].params
        return tuple((k, v) for k, v in sorted(self.state.all_params().items()) if k in own)

    def value_of(self, name: str) -> float:
        """The current value of parameter `name` (``q.loc``) of the pair."""
        side, _, flat = name.partition(".")
        return float({"p": self.P, "q": self.Q}[side].flat_params()[flat])


# --- widgets shared by several sections -------------------------------------------------


def compare_picker(ctx: Context, help: str) -> list[str]:
    """The divergences to compare with (shared by the sweep and the fit)."""
    options = [n for n in w.divergence_options(ctx.registry) if n != ctx.state.div]
    if k("vs") in ss:
        ss[k("vs")] = [n for n in ss[k("vs")] if n in options][:MAX_VS]
    chosen = st.multiselect(f"Compare with (≤ {MAX_VS})", options, key=k("vs"),
                            max_selections=MAX_VS, help=help,
                            format_func=lambda n: f"{ctx.registry[n].label} ({n})")
    return list(chosen)


def parameter_picker(ctx: Context, axis: str, label: str, options: list[str]) -> str:
    """A parameter of P or Q (``q.loc``) for a sweep or a landscape axis."""
    if ss.get(k(axis)) not in options:
        ss[k(axis)] = options[0]
    return st.selectbox(label, options, key=k(axis),
                        format_func=lambda n: f"{n}  (now {ctx.value_of(n):.6g})")


def range_inputs(axis: str, param: str, step: float) -> tuple[float, float] | None:
    """Two number inputs 'from' and 'to' for the range of `param`; None if from ≥ to."""
    lo_key, hi_key = range_keys(axis, param)
    c_lo, c_hi = st.columns(2)
    c_lo.number_input("from", key=lo_key, step=step, format="%g")
    c_hi.number_input("to", key=hi_key, step=step, format="%g")
    return _range(axis, param)


def step_for(ctx: Context, param: str) -> float:
    """A widget step for a parameter's range: about 1/100 of its UI span."""
    side, _, flat = param.partition(".")
    c = {"p": ctx.P, "q": ctx.Q}[side].flat_constraints()[flat]
    span = c.ui_high - c.ui_low
    return 0.01 if span <= 2 else 0.1


def progress_bar(text: str) -> tuple[Callable[[float], None], Callable[[], None]]:
    """(update(fraction), close()) of a progress bar drawn where it is called."""
    bar = st.progress(0.0, text=text)
    last = [0.0]

    def update(fraction: float) -> None:
        if fraction - last[0] >= 0.02 or fraction >= 1.0:   # a few dozen updates at most
            last[0] = fraction
            bar.progress(min(1.0, fraction), text=f"{text} {100 * fraction:.0f}%")

    return update, bar.empty


class Download(NamedTuple):
    """One file a section offers: `make()` returns its text when the button is pressed."""

    label: str
    make: Callable[[], str]
    file_name: str
    mime: str
    help: str


def downloads(section: str, files: Sequence[Download]) -> None:
    """A row of download buttons. A file's text is made only when its button is pressed
    (a fit's animation carries Plotly: several MB); pressing one does not rerun the page."""
    with st.container(horizontal=True):
        for i, f in enumerate(files):
            st.download_button(f.label, f.make, f.file_name, f.mime, help=f.help,
                               key=k(f"download.{section}.{i}"), icon=ICONS[f.mime],
                               on_click="ignore")


__all__ = ["AXES", "GRID", "KEY", "MAX_LR", "POINTS", "STEPS", "VIEWS", "VIEW_LABELS",
           "Context", "Download", "apply", "compare_picker", "downloads", "parameter_picker",
           "persist", "progress_bar", "range_inputs", "state_from_widgets", "step_for"]
