"""Streamlit widget helpers shared by the pages.

* `spec_editor`: a distribution as a spec string, plus a family picker and one number
  input per parameter (bounds from the family's declared constraints) for the simple
  families; both views stay in sync and a bad spec never replaces the last valid one.
* `divergence_picker`: the divergence (grouped) and its parameters; `stacked_latex`
  fits a long definition into a narrow column.
* `sync_url`: page state <-> `st.query_params`, through `ganloss_viz.state`;
  `show_url_errors` reports the URL's bad values.

Widget values live in `st.session_state` under keys ``<prefix>.<...>``; the *model*
(the last valid spec of each side) under ``<prefix>.<side>``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import streamlit as st
import streamlit.components.v1 as components

from ganloss_viz.distributions import FAMILIES, Distribution, Spec, dist
from ganloss_viz.format import literal
from ganloss_viz.state.fields import widget_values
from ganloss_viz.ui import present

ss = st.session_state

SIMPLE_KINDS = ("scalar", "int", "vector", "matrix")
COMPOSITE_EXAMPLES = {
    "mixture": "mixture(components=[normal(-2, 0.5), normal(2, 0.5)], weights=[0.5, 0.5])",
    "product": "product(normal(0, 1), uniform(0, 1))",
}
SPEC_HELP = (
    "A spec string: `family(arg, ...)` with numbers, lists `[...]` or nested specs, "
    "e.g. `normal(0, 1)`, `uniform(low=0, high=2)`, `dirac(3)`, "
    "`mixture(components=[normal(-2, 0.5), normal(2, 0.5)], weights=[0.5, 0.5])`, "
    "`mvnormal(loc=[0, 0], cov=[[1, 0.5], [0.5, 1]])`, `product(dirac(0), uniform(0, 1))`. "
    "Press Enter to apply."
)


# --- families and their parameter widgets ---------------------------------------------


def is_simple(name: str) -> bool:
    """A family whose parameters are all numbers, vectors or matrices (no nested laws)."""
    return all(p.kind in SIMPLE_KINDS for p in FAMILIES[name].params)


def family_options() -> list[str]:
    """Simple 1-D families, simple 2-D families, then the composite ones."""
    simple = [n for n in FAMILIES if is_simple(n)]
    one = [n for n in simple if FAMILIES[n].dim == 1]
    two = [n for n in simple if FAMILIES[n].dim == 2]
    return one + two + [n for n in FAMILIES if not is_simple(n)]


def _family_label(name: str) -> str:
    fam = FAMILIES[name]
    dim = {1: "1-D", 2: "2-D"}.get(fam.dim, "1-D or 2-D")
    return f"{name} · {dim}"


def _entries(param) -> list[tuple[str, str]]:
    """(key suffix, label) of the number inputs of one declared parameter."""
    if param.kind == "vector":
        return [(f"{param.name}.{i}", f"{param.name}[{i}]") for i in range(2)]
    if param.kind == "matrix":
        return [(f"{param.name}.{i}.{j}", f"{param.name}[{i},{j}]")
                for i, j in ((0, 0), (0, 1), (1, 1))]
    return [(param.name, param.name)]


def _entry_values(d: Distribution) -> dict[str, float]:
    """Current value of every number input of a simple distribution."""
    out: dict[str, float] = {}
    for p in d.family.params:
        v = d.values[p.name]
        if p.kind == "vector":
            out.update({f"{p.name}.{i}": float(v[i]) for i in range(2)})
        elif p.kind == "matrix":
            out.update({f"{p.name}.{i}.{j}": float(v[i][j]) for i, j in ((0, 0), (0, 1), (1, 1))})
        else:
            out[p.name] = int(v) if p.kind == "int" else float(v)
    return out


def _clean(x: float) -> float:
    """Drop binary noise from stepping (0.1 + 0.2 -> 0.3)."""
    return float(f"{float(x):.12g}")


def _spec_from_entries(name: str, values: Mapping[str, float]) -> str:
    """Canonical spec of family `name` from number-input values (ValueError if invalid)."""
    kwargs: list[tuple[str, Any]] = []
    for p in FAMILIES[name].params:
        if p.kind == "vector":
            kwargs.append((p.name, tuple(_clean(values[f"{p.name}.{i}"]) for i in range(2))))
        elif p.kind == "matrix":
            a, b, c = (_clean(values[f"{p.name}.{k}"]) for k in ("0.0", "0.1", "1.1"))
            kwargs.append((p.name, ((a, b), (b, c))))
        else:
            kwargs.append((p.name, _clean(values[p.name])))
    return dist(Spec(name, (), tuple(kwargs))).to_spec()


def _fallback(param) -> Any:
    """A valid starting value for a parameter that has no default (df, a, b, ...)."""
    if param.default is not None:
        return param.default
    return 2.0 if param.constraint.check(2.0) else param.constraint.ui_low


def default_spec(name: str, keep: Distribution | None = None) -> str:
    """A valid spec of family `name`, keeping same-named numbers of `keep` when valid."""
    if not is_simple(name):
        return COMPOSITE_EXAMPLES.get(name, f"{name}()")
    values: dict[str, Any] = {}
    for p in FAMILIES[name].params:
        values[p.name] = _fallback(p)
    base = dist(Spec(name, (), tuple((k, _as_spec_value(v)) for k, v in values.items())))
    if keep is not None and is_simple(keep.name):
        shared = {k: v for k, v in keep.flat_params().items() if k in base.flat_params()}
        try:
            return base.with_params(shared).to_spec()
        except ValueError:
            pass
    return base.to_spec()


def _as_spec_value(v: Any) -> Any:
    if isinstance(v, tuple):
        return tuple(_as_spec_value(x) for x in v)
    return float(v)


# --- the spec editor ------------------------------------------------------------------


def _k(prefix: str, side: str, *parts: str) -> str:
    return ".".join((prefix, side, *parts))


def set_spec(prefix: str, side: str, spec: str) -> None:
    """Make `spec` (valid, canonical) the model and show it in every widget of `side`."""
    d = dist(spec)
    ss[_k(prefix, side)] = spec
    ss[_k(prefix, side, "text")] = spec
    ss[_k(prefix, side, "family")] = d.name
    ss[_k(prefix, side, "error")] = None
    if is_simple(d.name):
        for suffix, v in _entry_values(d).items():
            ss[_k(prefix, side, d.name, suffix)] = v


def _on_text(prefix: str, side: str) -> None:
    text = ss.get(_k(prefix, side, "text"), "")
    try:
        spec = dist(text).to_spec()
    except ValueError as exc:
        ss[_k(prefix, side, "error")] = str(exc)
        return
    set_spec(prefix, side, spec)


def _on_family(prefix: str, side: str) -> None:
    name = ss[_k(prefix, side, "family")]
    current = dist(ss[_k(prefix, side)])
    if name != current.name:
        set_spec(prefix, side, default_spec(name, keep=current))


def _on_entry(prefix: str, side: str, name: str) -> None:
    values = {suffix: ss[_k(prefix, side, name, suffix)]
              for p in FAMILIES[name].params for suffix, _ in _entries(p)}
    try:
        spec = _spec_from_entries(name, values)
    except ValueError as exc:
        ss[_k(prefix, side, "error")] = str(exc)
        return
    set_spec(prefix, side, spec)


def _bounds(param, value: float) -> tuple[float, float]:
    """UI bounds from the declared constraint, widened to include the current value."""
    lo, hi = param.constraint.ui_low, param.constraint.ui_high
    return min(lo, value), max(hi, value)


def _step(param) -> float:
    lo, hi = param.constraint.ui_low, param.constraint.ui_high
    return 0.01 if hi - lo <= 1 else 0.1


def spec_editor(prefix: str, side: str, title: str, default: str) -> str:
    """Edit one distribution; returns the model (the last valid canonical spec).

    title: markdown label of the spec input (e.g. ``":blue[**P**] · data"``). The text
    input is the whole truth; for simple families a family picker and one number input
    per parameter (bounded by the declared constraint's UI range) edit it too. A spec
    that does not parse or validate is reported under the input and the last valid
    one stays in use.
    """
    name_of_side = side.upper()
    if _k(prefix, side) not in ss:
        set_spec(prefix, side, default)
    model = ss[_k(prefix, side)]
    st.text_input(title, key=_k(prefix, side, "text"), help=SPEC_HELP,
                  on_change=_on_text, args=(prefix, side))
    error = ss.get(_k(prefix, side, "error"))
    if error:
        st.error(f"**{name_of_side}:** {literal(error)}  \nStill using the last valid "
                 f"{name_of_side} = {literal(model)}.")
    name = dist(model).name
    entries = ([(p, suffix, lab) for p in FAMILIES[name].params for suffix, lab in _entries(p)]
               if is_simple(name) else [])
    inline = len(entries) <= 3
    cols = st.columns([1.7] + [1] * len(entries)) if inline else [st.container()]
    with cols[0]:
        st.selectbox("family", family_options(), key=_k(prefix, side, "family"),
                     format_func=_family_label, on_change=_on_family, args=(prefix, side),
                     help=f"{name}: {FAMILIES[name].doc}" if FAMILIES[name].doc else None)
    if not is_simple(name):
        st.caption(f"`{name}` is composite: edit its components in the spec string.")
        return model
    if inline:
        slots = list(zip(cols[1:], entries, strict=True))
    else:
        slots = []
        for start in range(0, len(entries), 3):
            row = st.columns(3)
            slots += list(zip(row, entries[start:start + 3], strict=False))
    for col, (p, suffix, lab) in slots:
        key = _k(prefix, side, name, suffix)
        lo, hi = _bounds(p, ss[key])
        with col:
            if p.kind == "int":
                st.number_input(lab, min_value=int(lo), max_value=int(hi), step=1, key=key,
                                help=f"{p.doc}; {p.constraint!r}", on_change=_on_entry,
                                args=(prefix, side, name))
            else:
                st.number_input(lab, min_value=float(lo), max_value=float(hi),
                                step=_step(p), format="%g", key=key,
                                help=f"{p.doc or p.name}; {p.constraint!r}",
                                on_change=_on_entry, args=(prefix, side, name))
    return model


# --- the divergence picker ------------------------------------------------------------

GROUP_ORDER = ("f-divergence", "IPM / optimal transport", "other")
GROUP_SHORT = {"f-divergence": "f-div", "IPM / optimal transport": "IPM/OT", "other": "other"}


def divergence_label(registry: Mapping[str, Any], name: str) -> str:
    """``"f-div · Jensen-Shannon (js)"``: the group, the label and the short name."""
    d = registry[name]
    return f"{GROUP_SHORT.get(d.group, d.group)} · {d.label} ({name})"


def stacked_latex(latex: str) -> str:
    r"""Break a definition ``A,\quad B`` onto two centred lines (narrow columns)."""
    parts = [x.strip() for x in latex.split(r",\quad")]
    if len(parts) == 1:
        return latex
    return r"\begin{gathered}" + r",\\ ".join(parts) + r"\end{gathered}"


def divergence_options(registry: Mapping[str, Any]) -> list[str]:
    """Divergence names grouped (f-divergences, IPM / OT, other), registry order within."""
    rank = {g: i for i, g in enumerate(GROUP_ORDER)}
    return sorted(registry, key=lambda n: rank.get(registry[n].group, len(rank)))


def divergence_picker(prefix: str, registry: Mapping[str, Any]) -> tuple[str, dict[str, float]]:
    """Pick a divergence (grouped: f-divergences, IPM / OT, other); edit its parameters.

    Returns (name, {parameter: value}) for the chosen divergence.
    """
    key = f"{prefix}.div"
    st.selectbox("Divergence D(P ‖ Q)", divergence_options(registry), key=key,
                 format_func=lambda n: divergence_label(registry, n),
                 help="Grouped: f-divergences, then IPMs / optimal transport, then others.")
    d = registry[ss[key]]
    params: dict[str, float] = {}
    if d.parameters:
        cols = st.columns(len(d.parameters))
        for col, param in zip(cols, d.parameters, strict=True):
            name = param.name
            pkey = f"{prefix}.{name}"
            if pkey not in ss:
                ss[pkey] = float(param.default)
            lo = None if param.minimum is None else min(param.minimum, ss[pkey])
            with col:
                st.number_input(param.label or name, min_value=lo, step=0.1, format="%g",
                                key=pkey, help=f"{param.help or name} (default "
                                               f"{param.default:g})")
            params[name] = float(ss[pkey])
    return d.name, params


# --- URL state ------------------------------------------------------------------------


def url_binding(prefix: str, cls: type) -> tuple[Callable, Callable]:
    """(read_url, apply) of a page whose state class is a `state.fields.PresetState`:
    read_url parses a URL into (state, errors), dropping a preset the URL no longer
    matches; apply pushes a state's fields into the widgets keyed ``prefix.<field>``."""
    def read_url(params: Mapping[str, str]) -> tuple[Any, list[str]]:
        state, errors = cls.from_query_params(params)
        return state.without_stale_preset(), errors

    def apply(state: Any) -> None:
        for name, value in widget_values(state.resolved(), cls.FIELDS).items():
            ss[f"{prefix}.{name}"] = value
    return read_url, apply


def sync_url(prefix: str, read: Callable[[Mapping[str, str]], tuple[Any, list[str]]],
             apply: Callable[[Any], None]) -> None:
    """Restore the widgets from the URL when it changed from outside.

    The URL differs from what the page last wrote on a first visit, a shared link, or
    a sidebar preset link; then `read` parses it (state, errors) and `apply` pushes the
    state into the widgets. Call it before any widget of the page is drawn. The frame's
    parameters (``present``) are not the page's: they are left out of both.
    """
    current = present.without_frame(st.query_params.to_dict())
    if ss.get(f"{prefix}._url") != current:
        state, errors = read(current)
        apply(state)
        ss[f"{prefix}._url"] = current
        ss[f"{prefix}._url_errors"] = (errors, state)


def show_url_errors(prefix: str, state: Any) -> None:
    """One error box per bad value of the last URL read, while the state is still the
    one read from it. The sentences echo the URL, so they are shown as `literal` text."""
    errors, read_state = ss.get(f"{prefix}._url_errors", ([], None))
    for error in errors if state == read_state else []:
        st.error(literal(error))


def write_url(prefix: str, params: Mapping[str, str]) -> None:
    """Write the state's query parameters (only when they changed), keeping the frame's
    (``present=1``)."""
    params = present.without_frame(params)
    shown = {**params, **present.kept()}
    if st.query_params.to_dict() != shown:
        st.query_params.from_dict(shown)
    ss[f"{prefix}._url"] = params


def scroll_to(anchor: str) -> None:
    """Scroll the page to the element with id `anchor` (a header's anchor) once it is
    drawn: a zero-height component, whose script reaches the page it sits in (Streamlit
    has no scrolling call), leaving the heading's scroll margin (Streamlit's header bar)
    above it. Only the page's own scrolling box moves: `scrollIntoView`
    would scroll the pages around it too, and a talk's slide is a page in a frame (its
    Previous / Next buttons went off the top). `anchor` is one of the app's own anchors,
    never user text."""
    if not re.fullmatch(r"[a-z0-9-]+", anchor):
        raise ValueError(f"not an anchor: {anchor!r}")
    components.html(
        "<script>(() => { let n = 0; const t = setInterval(() => { "
        f"const el = window.parent.document.getElementById('{anchor}'); "
        "if (el && el.getClientRects().length) { let box = el.parentElement; "
        "while (box && !(box.scrollHeight > box.clientHeight && "
        "/auto|scroll/.test(getComputedStyle(box).overflowY))) box = box.parentElement; "
        "box = box || window.parent.document.scrollingElement; "
        "box.scrollTop += el.getBoundingClientRect().top - "
        "parseFloat(getComputedStyle(el).scrollMarginTop || 0) - "
        "(box === window.parent.document.scrollingElement ? 0 : "
        "box.getBoundingClientRect().top); clearInterval(t); } "
        "else if (++n > 100) clearInterval(t); }, 100); })();</script>", height=0)
