"""The study figures are pure functions of plain data: checked on their traces."""

from __future__ import annotations

import math

from ganloss_viz.figures.study import best_of_k_figure, by_loss_boxes, rate_heatmap
from ganloss_viz.study.summary import wilson


def test_rate_heatmap_cells_text_and_hover():
    rates = {("ns", "ring8"): (3, 10, *wilson(3, 10)), ("ns_r1", "bimodal"): (0, 5,
                                                                              *wilson(0, 5))}
    fig = rate_heatmap(["ns", "ns_r1"], ["ring8", "bimodal"], rates, "Success", "target")
    (trace,) = fig.data
    assert [list(r) for r in trace.z] == [[0.3, None], [None, 0.0]]
    assert [list(r) for r in trace.text] == [["30", ""], ["", "0"]]
    lo, hi = wilson(3, 10)
    assert "success 3/10 = 30.0%" in trace.customdata[0][0]
    assert f"95% Wilson interval {100 * lo:.1f}–{100 * hi:.1f}%" in trace.customdata[0][0]
    assert trace.customdata[0][1].endswith("no runs")
    assert (trace.zmin, trace.zmax) == (0, 1)


def test_names_from_a_file_are_escaped():
    evil = "<img src=x onerror=alert(1)>"
    fig = rate_heatmap([evil], ["ring8"], {(evil, "ring8"): (1, 1, *wilson(1, 1))}, "t", "c")
    assert fig.data[0].y == ("&lt;img src=x onerror=alert(1)&gt;",)
    assert "<img" not in fig.data[0].customdata[0][0]
    box = by_loss_boxes({evil: [1.0]}, [evil], "t", "v")
    assert box.data[0].name == "&lt;img src=x onerror=alert(1)&gt;"


def test_boxes_one_row_per_loss_in_order_and_log_drops_nonpositive():
    fig = by_loss_boxes({"ns": [0.5, 2.0, math.inf], "hinge": [0.0, 3.0]},
                        ["hinge", "ns", "wgan"], "W1", "W1", log=True)
    assert [t.name for t in fig.data] == ["hinge", "ns", "wgan"]
    assert [list(t.x) for t in fig.data] == [[3.0], [0.5, 2.0], []]
    assert fig.layout.xaxis.type == "log"


def test_best_of_k_lines():
    fig = best_of_k_figure({"ns": [0.2, 0.4, 0.5], "hinge": [0.1]}, ["hinge", "ns", "lsgan"],
                           "t", "success rate")
    assert [(t.name, list(t.x), list(t.y)) for t in fig.data] == [
        ("hinge", [1], [0.1]), ("ns", [1, 2, 3], [0.2, 0.4, 0.5])]
