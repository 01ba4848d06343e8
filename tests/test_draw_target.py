"""The draw-a-target widget (ganloss_viz.ui.draw_target): pure helpers, then AppTest.

AppTest has no Plotly element, so a selection event is sent the way the browser sends
it: a WidgetState with the chart's id and the selection as JSON (``send_selection``),
which runs the chart's on_select callback exactly as a real lasso or click would.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.testing.v1 import AppTest

from ganloss_viz.distributions import dist
from ganloss_viz.distributions.spec import MAX_SPEC_LENGTH
from ganloss_viz.targets import get_target
from ganloss_viz.ui.draw_target import (
    MAX_POINTS,
    add_stroke,
    all_points,
    draw_figure,
    lattice,
    points_spec,
    selected_nodes,
    snap,
    strokes_from_spec,
    thin,
)

# --- pure helpers ---------------------------------------------------------------------


def test_lattice_covers_the_plane_with_short_coordinates():
    g = lattice(3.0)
    assert g.shape == (25 * 25, 2)
    assert g.min() == -3.0 and g.max() == 3.0
    assert (0.0, 0.0) in {tuple(p) for p in g}
    ticks = np.unique(g[:, 0])
    np.testing.assert_allclose(np.diff(ticks), 0.25)
    assert all(snap(v) == v for v in g.ravel())
    with pytest.raises(ValueError, match="extent"):
        lattice(0.0)
    with pytest.raises(ValueError, match="at least 2"):
        lattice(3.0, nodes=1)


def test_snap_writes_two_decimals_and_no_negative_zero():
    assert snap(0.123456) == 0.12
    assert repr(snap(-0.001)) == "0.0"


def _covering_radius(chosen: np.ndarray, region: np.ndarray) -> float:
    """How far the farthest region node is from its nearest chosen point."""
    d = np.hypot(region[:, None, 0] - chosen[None, :, 0], region[:, None, 1] - chosen[None, :, 1])
    return float(d.min(1).max())


SQUARE = np.array([(x, y) for x in np.arange(10) * 0.25 for y in np.arange(10) * 0.25])


def test_thin_keeps_small_sets_and_picks_k_distinct_input_points():
    small = SQUARE[:5]
    np.testing.assert_array_equal(thin(small, 5), small)
    out = thin(SQUARE, 16)
    assert out.shape == (16, 2)
    assert len({tuple(p) for p in out}) == 16
    assert {tuple(p) for p in out} <= {tuple(p) for p in SQUARE}
    np.testing.assert_array_equal(out, thin(SQUARE, 16))              # deterministic
    with pytest.raises(ValueError, match="k >= 1"):
        thin(SQUARE, 0)


def test_thin_spreads_points_over_the_region():
    """Against a hand-made 4 x 4 sub-grid of the 10 x 10 square (covering radius 0.354):
    ours is within 1.5 times of it; the first 16 nodes (one corner) are 6 times worse."""
    regular = np.array([(x, y) for x in (0.25, 0.75, 1.5, 2.0) for y in (0.25, 0.75, 1.5, 2.0)])
    reference = _covering_radius(regular, SQUARE)
    assert reference == pytest.approx(np.hypot(0.25, 0.25))
    assert _covering_radius(thin(SQUARE, 16), SQUARE) <= 1.5 * reference
    assert _covering_radius(SQUARE[:16], SQUARE) > 6 * reference


def test_thin_stays_inside_a_non_convex_region():
    g = lattice(3.0)
    ring = g[(np.hypot(*g.T) > 1.8) & (np.hypot(*g.T) < 2.5)]
    out = thin(ring, 12)
    r = np.hypot(*out.T)
    assert np.all((r > 1.8) & (r < 2.5))
    angles = np.sort(np.arctan2(out[:, 1], out[:, 0]))
    gaps = np.diff(np.concatenate([angles, angles[:1] + 2 * np.pi]))
    assert gaps.max() < 2 * (2 * np.pi / 12)          # no arc of the ring left empty


def test_selected_nodes_reads_only_the_lattice_trace():
    sel = {"points": [{"curve_number": 0, "x": 0.5, "y": 0.25},
                      {"curve_number": 1, "x": 1.0, "y": 1.0},          # a drawn marker
                      {"curve_number": 0, "x": 0.5, "y": 0.25},         # duplicate
                      {"curve_number": 0, "x": float("nan"), "y": 0.0},
                      {"curve_number": 0, "x": True, "y": 0.0},
                      {"curve_number": 0, "x": -0.004, "y": 2}],
           "point_indices": [], "box": [], "lasso": [{"x": [0, 1, 1], "y": [0, 0, 1]}]}
    pts, region = selected_nodes(sel)
    assert pts == [(0.5, 0.25), (0.0, 2.0)]
    assert region
    assert selected_nodes({"points": [{"curve_number": 0, "x": 1, "y": 2}],
                           "box": [], "lasso": []}) == ([(1.0, 2.0)], False)
    assert selected_nodes(None) == ([], False)
    assert selected_nodes({}) == ([], False)


def test_add_stroke_skips_drawn_points_and_is_pure():
    strokes = [[(0.0, 0.0)]]
    out, note = add_stroke(strokes, [(0.0, 0.0), (1.0, 1.0)])
    assert out == [[(0.0, 0.0)], [(1.0, 1.0)]] and note is None
    assert strokes == [[(0.0, 0.0)]]
    same, note = add_stroke(out, [(1.0, 1.0)])
    assert same == out and "drawn already" in note


def test_add_stroke_thins_a_region_and_respects_the_cap():
    region = [tuple(p) for p in SQUARE]
    out, note = add_stroke([], region, region=True, per_region=9)
    assert len(out) == 1 and len(out[0]) == 9 and "thinned to 9" in note
    clicks, note = add_stroke([], region[:12], region=False, per_region=9)
    assert len(clicks[0]) == 12 and note is None                # clicks are never thinned
    nearly_full = [[(float(i), 5.0) for i in range(MAX_POINTS - 2)]]
    out, note = add_stroke(nearly_full, region, region=True, per_region=16)
    assert len(all_points(out)) == MAX_POINTS
    assert "cap of 64" in note and "only 2 of 16" in note
    full, note = add_stroke(out, [(9.0, 9.0)])
    assert full == out and note.startswith("The drawing has the cap of 64")
    assert "Undo or Clear" in note


def test_points_spec_is_the_library_spec():
    assert points_spec([]) is None
    spec = points_spec([(0.5, -0.25), (-2.0, 1.0)], 0.2)
    assert spec == "points(x=[0.5, -2], y=[-0.25, 1], scale=0.2)"
    d = dist(spec)
    assert d.values["x"] == (0.5, -2.0) and d.values["y"] == (-0.25, 1.0)
    np.testing.assert_allclose(get_target(spec).modes.numpy(), [[0.5, -0.25], [-2.0, 1.0]])
    with pytest.raises(ValueError, match="scale"):
        points_spec([(0.0, 0.0)], 0.0)


def test_a_full_drawing_fits_the_spec_grammar():
    """64 points with the longest texts the default lattice writes ("-2.75") fit the
    grammar's length limit, and parse back."""
    g = lattice(3.0)
    longest = sorted(map(tuple, g), key=lambda p: -len(repr(p)))[:MAX_POINTS]
    spec = points_spec(longest, 0.25)
    assert len(spec) < MAX_SPEC_LENGTH
    assert dist(spec).to_spec() == spec


def test_strokes_from_spec_opens_only_points_specs():
    strokes, scale = strokes_from_spec("points(x=[1, 2], y=[3, 4], scale=0.3)")
    assert strokes == [[(1.0, 3.0), (2.0, 4.0)]] and scale == 0.3
    assert strokes_from_spec("ring(8, 2, 0.02)") == ([], None)
    assert strokes_from_spec("ring8") == ([], None)
    assert strokes_from_spec(None) == ([], None)


def test_draw_figure_shows_lattice_points_and_their_spread():
    fig = draw_figure([(1.0, 0.5), (-2.0, 0.0)], scale=0.2, extent=3.0)
    lattice_trace, drawn = fig.data
    assert len(lattice_trace.x) == 625
    assert list(drawn.x) == [1.0, -2.0] and list(drawn.y) == [0.5, 0.0]
    assert len(fig.layout.shapes) == 2
    disc = fig.layout.shapes[0]
    assert disc.x1 - disc.x0 == pytest.approx(0.8) and disc.y1 - disc.y0 == pytest.approx(0.8)
    assert fig.layout.dragmode == "pan"                 # clicks select only outside lasso/box
    assert fig.layout.xaxis.fixedrange and fig.layout.yaxis.fixedrange
    assert draw_figure([], tool="lasso").layout.dragmode == "lasso"
    assert draw_figure([], tool="box").layout.dragmode == "select"
    with pytest.raises(ValueError, match="tools: click, lasso, box"):
        draw_figure([], tool="pen")
    assert fig.layout.yaxis.scaleanchor == "x"
    assert tuple(fig.layout.xaxis.range) == tuple(fig.layout.yaxis.range)
    assert fig.layout.xaxis.range[1] >= 3.0
    wide = draw_figure([(5.0, 0.0)], scale=0.1, extent=3.0)     # a linked point off the plane
    assert wide.layout.xaxis.range[1] >= 5.2
    assert len(draw_figure([], 0.1).data[1].x) == 0


# --- the widget under AppTest ------------------------------------------------------------


def _app(initial=None):
    import streamlit as st

    from ganloss_viz.ui.draw_target import draw_panel

    spec = draw_panel("drw", initial=initial)
    st.text(f"returned: {spec}")


def _returned(at: AppTest) -> str:
    return at.text[-1].value.removeprefix("returned: ")


def send_selection(at: AppTest, points, *, lasso: bool = False) -> AppTest:
    """Rerun as the browser does after a click (lasso=False) or a lasso over `points`."""
    selection = {"points": [{"curve_number": c, "point_index": 0, "x": x, "y": y}
                            for c, x, y in points],
                 "point_indices": [], "box": [],
                 "lasso": [{"x": [-3, 3, 3], "y": [-3, -3, 3]}] if lasso else []}
    states = at._tree.get_widget_states()
    chart = at.get("plotly_chart")[0]
    states.widgets.append(WidgetState(id=chart.proto.id,
                                      string_value=json.dumps({"selection": selection})))
    return at._run(states)


@pytest.fixture
def at() -> AppTest:
    return AppTest.from_function(_app, default_timeout=60).run()


def test_blank_panel_returns_none(at):
    assert not at.exception
    assert _returned(at) == "None"
    assert len(at.code) == 0
    assert at.button(key="drw.undo").disabled and at.button(key="drw.clear").disabled
    assert len(at.get("plotly_chart")) == 1


def test_a_click_places_a_point_once(at):
    at = send_selection(at, [(0, 0.5, -0.25)])
    assert not at.exception
    spec = "points(x=[0.5], y=[-0.25], scale=0.1)"
    assert _returned(at) == spec
    assert [c.value for c in at.code] == [spec]                     # shown as code
    assert all(spec not in m.value for m in at.markdown)            # never as Markdown
    at.run()                                                        # no new event
    assert _returned(at) == spec


def test_a_lasso_paints_thinned_points_and_undo_clear(at):
    at = send_selection(at, [(0, 2.0, 2.0)])
    at.number_input(key="drw.per_region").set_value(5).run()
    square = [(0, float(x), float(y)) for x, y in SQUARE] + [(1, 2.0, 2.0)]
    at = send_selection(at, square, lasso=True)
    assert not at.exception
    d = dist(_returned(at))
    assert len(d.values["x"]) == 6                                  # 1 click + 5 painted
    assert any("thinned to 5" in i.value for i in at.info)
    at.button(key="drw.undo").click().run()
    assert _returned(at) == "points(x=[2], y=[2], scale=0.1)"
    assert not at.info                                              # the note went with it
    at = send_selection(at, square, lasso=True)
    at.button(key="drw.clear").click().run()
    assert _returned(at) == "None" and len(at.code) == 0


def test_scale_changes_the_spec_and_the_result_trains(at):
    at = send_selection(at, [(0, 1.0, 0.0), (0, -1.0, 0.0)])
    at.number_input(key="drw.scale").set_value(0.25).run()
    spec = _returned(at)
    assert spec == "points(x=[1, -1], y=[0, 0], scale=0.25)"
    t = get_target(spec)
    assert t.mode_std == pytest.approx(0.25) and t.modes.shape == (2, 2)


def test_selecting_only_drawn_markers_adds_nothing(at):
    at = send_selection(at, [(0, 1.0, 1.0)])
    at = send_selection(at, [(1, 1.0, 1.0)])
    assert _returned(at) == "points(x=[1], y=[1], scale=0.1)"


def test_the_cap_is_kept_and_said(at):
    at.session_state["drw.strokes"] = [[(snap(-3 + 0.25 * i), 3.0) for i in range(MAX_POINTS - 1)]]
    at.run()
    at = send_selection(at, [(0, 0.0, 0.0), (0, 0.25, 0.0)], lasso=True)
    assert len(dist(_returned(at)).values["x"]) == MAX_POINTS
    assert any("cap of 64" in i.value for i in at.info)


def test_a_linked_points_target_opens_drawn():
    spec = "points(x=[1, -1.5], y=[0.5, 2], scale=0.3)"
    at = AppTest.from_function(_app, kwargs={"initial": spec}, default_timeout=60).run()
    assert not at.exception
    assert _returned(at) == spec
    assert at.number_input(key="drw.scale").value == 0.3
    other = AppTest.from_function(_app, kwargs={"initial": "ring8"}, default_timeout=60).run()
    assert _returned(other) == "None"
