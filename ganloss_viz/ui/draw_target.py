"""Draw a 2-D training target on a plane; the drawing becomes a `points(...)` spec.

`draw_panel(key)` shows a square plane in Streamlit. With the click tool a click places
a point; with a paint tool a lasso or box drag paints a region (thinned to a few
well-spread points). Undo removes the last stroke, Clear all of them. The result is the spec string
``points(x=[...], y=[...], scale=s)`` (see ``ganloss_viz.distributions.composite``),
so a drawn target is an ordinary target: in the URL, on the CLI (``--target``), in
Compare.

Why a lattice: Plotly reports selections of data points only; a click on empty space
selects nothing. So the plane carries a faint lattice of selectable markers (trace 0);
a click snaps to the nearest node and a lasso selects the nodes inside it. Drawn
points are lattice nodes, written with two decimals, which keeps 64 of them well
inside the spec grammar's length limit.

State lives in ``st.session_state`` under keys prefixed by `key`:
``<key>.strokes`` (list of strokes, each a list of (x, y)), ``<key>.scale``,
``<key>.per_region``, ``<key>.tool`` (a TOOLS key), ``<key>.note`` (what the last
stroke dropped, or None) and ``<key>.chart`` (the chart's selection, owned by
Streamlit).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from ganloss_viz.distributions import Spec, dist
from ganloss_viz.distributions.composite import MAX_POINTS
from ganloss_viz.figures.style import P_COLOR, ZERO_COLOR, axis, chart_config, layout, rgba
from ganloss_viz.ui.present import sized

Point = tuple[float, float]
Stroke = list[Point]

DECIMALS = 2                 # coordinates as written in the spec (and the lattice's grain)
LATTICE_NODES = 25           # nodes per axis: a step of 0.25 on the default [-3, 3]^2
LATTICE_CURVE = 0            # trace index of the lattice: only its nodes can be drawn
DEFAULT_SCALE = 0.1          # std of each drawn mode (the points family's default)
SCALE_RANGE = (0.01, 2.0)
DEFAULT_PER_REGION = 16      # points kept from one painted region
LLOYD_ITERATIONS = 20

# Drawing tools -> Plotly drag modes. Plotly selects a clicked point only outside the
# lasso and box drag modes (there a click clears the selection), so clicks get a drag
# mode of their own: "pan" on fixed axes, where a drag does nothing.
TOOLS = {"click": "pan", "lasso": "lasso", "box": "select"}
TOOL_LABELS = {"click": "place points (click)", "lasso": "paint a region (lasso)",
               "box": "paint a box"}

_STROKES, _SCALE, _PER_REGION, _NOTE, _CHART, _TOOL = (
    "strokes", "scale", "per_region", "note", "chart", "tool")


def _k(key: str, name: str) -> str:
    return f"{key}.{name}"


# --- pure helpers ---------------------------------------------------------------------


def snap(value: float) -> float:
    """`value` rounded to DECIMALS, with -0.0 written as 0 (so "-0" never reaches a spec)."""
    return round(float(value), DECIMALS) + 0.0


def lattice(extent: float, nodes: int = LATTICE_NODES) -> np.ndarray:
    """The selectable nodes: a nodes x nodes grid over [-extent, extent]^2, shape (n², 2).

    Rows run x-major (node i*nodes + j is (t_i, t_j)); coordinates are snapped to
    DECIMALS so a drawn point's text in the spec is short and exact.
    """
    if not (math.isfinite(extent) and extent > 0):
        raise ValueError(f"extent must be a number > 0, got {extent!r}")
    if nodes < 2:
        raise ValueError(f"a lattice needs at least 2 nodes per axis, got {nodes}")
    ticks = [snap(t) for t in np.linspace(-extent, extent, nodes)]
    return np.array([(x, y) for x in ticks for y in ticks], dtype=float)


def _farthest_first(points: np.ndarray, chosen: list[int], k: int) -> list[int]:
    """Extend `chosen` to k indices, each time taking the point farthest from the chosen."""
    d = np.full(len(points), np.inf)
    for i in chosen:
        d = np.minimum(d, np.hypot(*(points - points[i]).T))
    while len(chosen) < k:
        i = int(np.argmax(d))
        chosen.append(i)
        d = np.minimum(d, np.hypot(*(points - points[i]).T))
    return chosen


def thin(points: Sequence[Point] | np.ndarray, k: int) -> np.ndarray:
    """At most k of `points` (m, 2), spread evenly over the region they fill.

    Why: a lasso over the lattice selects hundreds of nodes but a target holds at most
    MAX_POINTS modes, and the first k in selection order would bunch up in one corner.
    Farthest-point seeds (deterministic: the first is the node nearest the centroid)
    refined by a few Lloyd (k-means) iterations place the k modes like cells of equal
    area; each centre then snaps to its nearest input point, so the result is a subset
    of the input (inside a non-convex lasso, on the lattice). Order: as chosen.
    """
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    if k < 1:
        raise ValueError(f"thin needs k >= 1, got {k}")
    if len(pts) <= k:
        return pts.copy()
    start = int(np.argmin(np.hypot(*(pts - pts.mean(0)).T)))
    centres = pts[_farthest_first(pts, [start], k)]
    for _ in range(LLOYD_ITERATIONS):
        d2 = ((pts[:, None, :] - centres[None, :, :]) ** 2).sum(-1)     # (m, k)
        label = d2.argmin(1)
        moved = np.array([pts[label == j].mean(0) if np.any(label == j) else centres[j]
                          for j in range(k)])
        if np.allclose(moved, centres):
            break
        centres = moved
    picked: list[int] = []
    for c in centres:
        i = int(np.argmin(np.hypot(*(pts - c).T)))
        if i not in picked:
            picked.append(i)
    return pts[_farthest_first(pts, picked, k)]


def selected_nodes(selection: Mapping[str, Any] | None) -> tuple[list[Point], bool]:
    """The lattice nodes of a Plotly selection event, and whether it was a region.

    Only trace LATTICE_CURVE counts (a lasso also catches the drawn points' markers);
    entries without finite x and y are skipped; duplicates are dropped, order kept.
    A region is a box or lasso selection (its outline is in ``box`` / ``lasso``).
    """
    if not selection:
        return [], False
    out: list[Point] = []
    seen: set[Point] = set()
    for p in selection.get("points") or []:
        if not isinstance(p, Mapping) or p.get("curve_number", LATTICE_CURVE) != LATTICE_CURVE:
            continue
        x, y = p.get("x"), p.get("y")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                   and math.isfinite(v) for v in (x, y)):
            continue
        pt = (snap(x), snap(y))
        if pt not in seen:
            seen.add(pt)
            out.append(pt)
    region = bool(selection.get("box") or selection.get("lasso"))
    return out, region


def all_points(strokes: Iterable[Sequence[Point]]) -> list[Point]:
    """The drawn points, stroke after stroke."""
    return [tuple(p) for s in strokes for p in s]  # type: ignore[misc]


def add_stroke(strokes: Sequence[Sequence[Point]], new: Sequence[Point], *,
               region: bool = False, per_region: int = DEFAULT_PER_REGION,
               cap: int = MAX_POINTS) -> tuple[list[Stroke], str | None]:
    """`strokes` plus one stroke of the `new` points, and a note on what was dropped.

    Points already drawn are skipped (each point is one mode). A region keeps at most
    `per_region` points (thinned, see `thin`); every stroke stops at the `cap` on the
    total. Returns the strokes unchanged (and a note) when nothing new is left. Pure:
    the input is not modified.
    """
    out = [list(s) for s in strokes]
    drawn = set(all_points(out))
    fresh: list[Point] = []
    for p in new:
        q = (snap(p[0]), snap(p[1]))
        if q not in drawn:
            drawn.add(q)
            fresh.append(q)
    notes: list[str] = []
    if region and len(fresh) > per_region:
        notes.append(f"the region's {len(fresh)} nodes were thinned to {per_region} "
                     "well-spread points")
        fresh = [(float(x), float(y)) for x, y in thin(fresh, per_region)]
    room = cap - len(all_points(out))
    if len(fresh) > room > 0:
        notes.append(f"only {room} of {len(fresh)} new points fit under the cap of "
                     f"{cap} points; Undo or Clear to draw elsewhere")
        fresh = fresh[:room]
    elif fresh and room <= 0:
        notes.append(f"the drawing has the cap of {cap} points already; "
                     "Undo or Clear to draw elsewhere")
        fresh = []
    if fresh:
        out.append(fresh)
    elif new and not notes:
        notes.append("those points are drawn already")
    if not notes:
        return out, None
    text = "; ".join(notes)
    return out, text[0].upper() + text[1:] + "."


def points_spec(points: Sequence[Point], scale: float = DEFAULT_SCALE) -> str | None:
    """The canonical ``points(x=[...], y=[...], scale=s)`` spec of a drawing, or None.

    Validated by the library (``dist``): a bad scale, a repeated point or more than
    MAX_POINTS points raise ValueError like a typed spec would.
    """
    if not points:
        return None
    xs = tuple(float(p[0]) for p in points)
    ys = tuple(float(p[1]) for p in points)
    spec = Spec("points", (), (("x", xs), ("y", ys), ("scale", float(scale))))
    return dist(spec).to_spec()


def strokes_from_spec(spec: str | None) -> tuple[list[Stroke], float | None]:
    """A `points(...)` spec as one stroke and its scale; ([], None) for anything else.

    Lets a panel open on the drawing a link carries; other targets start a blank plane.
    """
    if not spec:
        return [], None
    try:
        d = dist(spec)
    except ValueError:
        return [], None
    if d.name != "points":
        return [], None
    stroke = [(float(x), float(y)) for x, y in zip(d.values["x"], d.values["y"], strict=True)]
    return [stroke], float(d.values["scale"])


def draw_figure(points: Sequence[Point], scale: float = DEFAULT_SCALE, extent: float = 3.0,
                tool: str = "click", nodes: int = LATTICE_NODES, height: int = 460) -> go.Figure:
    """The drawing plane: the lattice (trace 0), the drawn points (trace 1) and a disc of
    radius 2·scale around each (where about 86% of that mode's samples fall).

    Square, fixed axes over [-extent, extent]² (wider when a drawn point lies outside;
    the plot area narrows to a centred square rather than widening the x range). `tool`
    (a TOOLS key) sets the drag mode: clicks place points only in "click". The discs are
    layout shapes below the traces: shapes take no clicks, so they never hide a node.
    """
    if tool not in TOOLS:
        raise ValueError(f"unknown drawing tool {tool!r}; tools: {', '.join(TOOLS)}")
    grid = lattice(extent, nodes)
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    reach = max(extent, float(np.abs(pts).max()) if len(pts) else 0.0) + 2 * scale
    reach = max(reach, extent * 1.04)
    hover = "(%{x}, %{y})<extra></extra>"
    lattice_trace = go.Scatter(
        x=grid[:, 0], y=grid[:, 1], mode="markers", name="canvas", hovertemplate=hover,
        marker=dict(size=7, color=rgba(ZERO_COLOR, 0.22)),
        selected=dict(marker=dict(color=rgba(P_COLOR, 0.6))),
        unselected=dict(marker=dict(opacity=0.22)))
    drawn_trace = go.Scatter(
        x=pts[:, 0], y=pts[:, 1], mode="markers", name="drawn points", hovertemplate=hover,
        marker=dict(size=10, color=P_COLOR, line=dict(width=1, color="white")),
        unselected=dict(marker=dict(opacity=1.0)))
    r = 2 * scale
    discs = [dict(type="circle", xref="x", yref="y", x0=x - r, x1=x + r, y0=y - r, y1=y + r,
                  line=dict(width=0), fillcolor=rgba(P_COLOR, 0.15), layer="below")
             for x, y in pts]
    return go.Figure(
        data=[lattice_trace, drawn_trace],
        layout=layout(height=height, show_legend=False, dragmode=TOOLS[tool],
                      clickmode="event+select", uirevision="draw", shapes=discs,
                      xaxis=axis("x", range=[-reach, reach], zeroline=True,
                                 zerolinecolor=ZERO_COLOR, constrain="domain", fixedrange=True),
                      yaxis=axis("y", range=[-reach, reach], scaleanchor="x", scaleratio=1,
                                 zeroline=True, zerolinecolor=ZERO_COLOR, fixedrange=True)))


# --- Streamlit ------------------------------------------------------------------------


def _on_select(key: str) -> None:
    """Chart callback: one selection event -> one stroke (runs once per event)."""
    ss = st.session_state
    state = ss.get(_k(key, _CHART))
    selection = state.get("selection") if isinstance(state, Mapping) else None
    new, region = selected_nodes(selection)
    if not new:
        return
    strokes, note = add_stroke(ss.get(_k(key, _STROKES), []), new, region=region,
                               per_region=int(ss.get(_k(key, _PER_REGION), DEFAULT_PER_REGION)))
    ss[_k(key, _STROKES)] = strokes
    ss[_k(key, _NOTE)] = note


def _undo(key: str) -> None:
    ss = st.session_state
    ss[_k(key, _STROKES)] = list(ss.get(_k(key, _STROKES), []))[:-1]
    ss[_k(key, _NOTE)] = None


def _clear(key: str) -> None:
    ss = st.session_state
    ss[_k(key, _STROKES)] = []
    ss[_k(key, _NOTE)] = None


def draw_panel(key: str, extent: float = 3.0, *, initial: str | None = None) -> str | None:
    """Draw a 2-D target; returns its ``points(...)`` spec, or None while nothing is drawn.

    key: prefix of every session-state key and widget key of this panel (two panels
    need two keys). extent: the plane shows [-extent, extent]² (drawn points are lattice
    nodes inside it). initial: a spec to open with when the panel is first shown, e.g.
    the target a link carried; used only if it is a ``points(...)`` spec.
    The spec is shown as code (inert text) under the plane, with the point count and
    the cap; the caller decides what to do with it (use it as the target, link it).
    """
    ss = st.session_state
    if _k(key, _STROKES) not in ss:
        strokes, scale = strokes_from_spec(initial)
        ss[_k(key, _STROKES)] = strokes
        if scale is not None and _k(key, _SCALE) not in ss:
            ss[_k(key, _SCALE)] = min(max(scale, SCALE_RANGE[0]), SCALE_RANGE[1])
    ss.setdefault(_k(key, _SCALE), DEFAULT_SCALE)
    ss.setdefault(_k(key, _PER_REGION), DEFAULT_PER_REGION)
    ss.setdefault(_k(key, _TOOL), "click")
    tool = st.radio("tool", list(TOOLS), key=_k(key, _TOOL), horizontal=True,
                    format_func=TOOL_LABELS.__getitem__, label_visibility="collapsed")
    left, right = st.columns(2)
    with left:
        scale = st.number_input(
            f"mode std ({SCALE_RANGE[0]:g} to {SCALE_RANGE[1]:g})", key=_k(key, _SCALE),
            min_value=SCALE_RANGE[0], max_value=SCALE_RANGE[1], step=0.01, format="%g",
            help="Each drawn point is the centre of a Gaussian with this standard deviation.")
    with right:
        st.number_input(
            f"points per painted region (1 to {MAX_POINTS})", key=_k(key, _PER_REGION),
            min_value=1, max_value=MAX_POINTS, step=1,
            help="A lasso or box selects many lattice nodes; they are thinned to this many "
                 "well-spread points.")
    scale = float(f"{scale:.12g}")           # drop binary noise from stepping (0.1 + 0.2)
    points = all_points(ss[_k(key, _STROKES)])
    st.plotly_chart(sized(draw_figure(points, scale, extent, tool)), key=_k(key, _CHART),
                    on_select=functools.partial(_on_select, key),
                    selection_mode=("points", "box", "lasso"), width="stretch",
                    config=chart_config("drawn-target"))
    st.caption("Click a node of the faint lattice to place a point, or choose a paint tool "
               f"and drag over a region. {len(points)} of at most {MAX_POINTS} points.")
    undo, clear = st.columns(2)
    undo.button("Undo", key=_k(key, "undo"), on_click=_undo, args=(key,),
                disabled=not ss[_k(key, _STROKES)], help="Remove the last stroke.",
                width="stretch")
    clear.button("Clear", key=_k(key, "clear"), on_click=_clear, args=(key,),
                 disabled=not ss[_k(key, _STROKES)], help="Remove every drawn point.",
                 width="stretch")
    note = ss.get(_k(key, _NOTE))
    if note:
        st.info(note)
    spec = points_spec(points, scale)
    if spec is not None:
        st.code(spec, language=None, wrap_lines=True)
    return spec
