"""Chart text for a room (`figures.style.for_room`, presentation mode): every size grows
by ROOM_SCALE and to at least ROOM_MIN_PX, unsized text too, while the figure handed in
is left as it is and the playback controls keep the sizes their geometry was made for."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest

from ganloss_viz.figures.style import (
    FIXED_TEXT,
    FONT_SIZE,
    ROOM_MIN_PX,
    ROOM_SCALE,
    TITLE_SIZE,
    axis,
    for_room,
    layout,
)


def figure() -> go.Figure:
    fig = go.Figure(go.Scatter(x=[0, 1], y=[0, 1], name="a"), layout=layout(
        "title", xaxis=axis("x"), yaxis2=dict(overlaying="y")))
    fig.update_layout(
        annotations=[dict(text="<span style='font-size:12px'>small</span>", x=0, y=0,
                          font=dict(size=14)),
                     dict(text="10", name=FIXED_TEXT, x=0, y=0, font=dict(size=11))],
        sliders=[dict(steps=[dict(label="1", method="skip")],
                      currentvalue=dict(font=dict(size=13)), font=dict(size=1))],
        updatemenus=[dict(type="buttons", font=dict(size=12), buttons=[dict(label="▶")])])
    fig.frames = [go.Frame(name="1", layout=dict(title=dict(text="t", font=dict(size=18))))]
    return fig


def test_every_text_grows_and_the_controls_keep_their_sizes():
    fig = figure()
    before = fig.to_dict()
    big = for_room(fig).layout
    assert big.title.font.size == pytest.approx(TITLE_SIZE * ROOM_SCALE)
    assert big.xaxis.tickfont.size == pytest.approx(FONT_SIZE * ROOM_SCALE)
    assert big.xaxis.title.font.size == pytest.approx(TITLE_SIZE * ROOM_SCALE)
    assert big.legend.font.size == pytest.approx(FONT_SIZE * ROOM_SCALE)
    assert big.yaxis2.tickfont.size == ROOM_MIN_PX          # unsized: Plotly's 12 px, grown
    assert big.annotations[0].font.size == pytest.approx(14 * ROOM_SCALE)
    assert "font-size:16px" in big.annotations[0].text       # 12 px in markup, grown to 16
    assert big.annotations[1].font.size == 11                 # the slider's step labels
    assert big.sliders[0].currentvalue.font.size == 13
    assert big.sliders[0].font.size == 1
    assert big.updatemenus[0].font.size == 12
    assert for_room(fig).frames[0].layout.title.font.size == pytest.approx(18 * ROOM_SCALE)
    assert fig.to_dict() == before                            # the figure handed in


def test_a_figure_without_layout_gets_readable_text():
    big = for_room(go.Figure(go.Heatmap(z=[[1, 2]]))).layout
    assert big.font.size >= ROOM_MIN_PX
    assert big.xaxis.tickfont.size >= ROOM_MIN_PX and big.yaxis.tickfont.size >= ROOM_MIN_PX
