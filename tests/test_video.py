"""`ganloss_viz.video.stills` (an animation's frames as static figures for a room) and the
Dirac-GAN path animation, without a browser."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from ganloss_viz import video
from ganloss_viz.dirac import Params
from ganloss_viz.dirac_panels import panels
from ganloss_viz.figures.dirac import field_animation
from ganloss_viz.figures.train import add_playback


def animation() -> go.Figure:
    """A static line (trace 0) and a moving point (trace 1) over three frames."""
    fig = go.Figure(
        data=[go.Scatter(x=[0, 1], y=[0, 1], name="static", line=dict(color="red")),
              go.Scatter(x=[0], y=[0], name="moving", marker=dict(size=8, color="blue"))],
        layout=dict(height=500, title=dict(text="start", font=dict(size=18)),
                    xaxis=dict(tickfont=dict(size=10)), margin=dict(b=160)))
    fig.frames = [go.Frame(data=[go.Scatter(x=[k], y=[k * k], marker=dict(size=8 + k))],
                           traces=[1], name=str(k), layout=dict(title=dict(text=f"step {k}")))
                  for k in range(3)]
    ticks = add_playback(fig, [0, 1, 2], 0.1, 100, active=0)
    fig.layout.annotations = [dict(text="a note", x=0, y=1), *ticks]
    fig.frames = [go.Frame(f, layout=dict(f.layout.to_plotly_json(),
                                          annotations=[dict(text="a note", x=0, y=1), *ticks]))
                  for f in fig.frames]
    return fig


def test_one_still_per_frame_with_the_frame_merged_in():
    out = video.stills(animation())
    assert len(out) == 3
    for k, still in enumerate(out):
        static, moving = still["data"]
        assert static["name"] == "static" and list(static["x"]) == [0, 1]
        assert list(moving["x"]) == [k] and list(moving["y"]) == [k * k]
        # a frame's marker size replaces the size, the colour set outside it stays
        assert moving["marker"] == {"size": 8 + k, "color": "blue"}
        assert still["layout"]["title"]["text"] == f"step {k}"


def test_stills_are_laid_out_for_a_room():
    layout = video.stills(animation())[0]["layout"]
    assert (layout["width"], layout["height"]) == video.LAYOUT_SIZE
    assert "sliders" not in layout and "updatemenus" not in layout
    # nor the slider's step labels (in the layout and in each frame); other notes stay
    for still in video.stills(animation()):
        assert [a["text"] for a in still["layout"]["annotations"]] == ["a note"]
    assert layout["margin"]["b"] == video.STILL_BOTTOM        # no room kept for controls
    assert layout["title"]["font"]["size"] == round(18 * video.ROOM_SCALE)
    assert layout["xaxis"]["tickfont"]["size"] == video.ROOM_MIN_FONT
    assert layout["font"]["size"] == video.ROOM_FONT


def test_a_long_title_shrinks_to_the_frame_and_a_figure_without_frames_is_one_still():
    fig = go.Figure(go.Scatter(y=[1, 2]), layout=dict(title=dict(text="x" * 200)))
    (still,) = video.stills(fig)
    size = still["layout"]["title"]["font"]["size"]
    assert size == video.TITLE_MIN_FONT
    fig.update_layout(title_text="x" * 100)
    size = video.stills(fig)[0]["layout"]["title"]["font"]["size"]
    assert video.TITLE_MIN_FONT < size < video.ROOM_FONT
    assert size * video.CHAR_WIDTH * 100 <= video.LAYOUT_SIZE[0]


@pytest.mark.parametrize("text, expected", [("1280x720", (1280, 720)),
                                            ("1920×1080", (1920, 1080))])
def test_sizes(text, expected):
    assert video.parse_size(text) == expected


@pytest.mark.parametrize("bad", ["800x600", "1080p", ""])
def test_unknown_sizes_are_refused_by_name(bad):
    with pytest.raises(video.VideoError, match="1280x720 or 1920x1080"):
        video.parse_size(bad)


def test_video_format_comes_from_the_suffix():
    assert video.video_format("a/b.GIF") == "gif" and video.video_format("c.mp4") == "mp4"
    with pytest.raises(video.VideoError, match=r"\.gif or \.mp4"):
        video.video_format("slides.mov")


def test_dirac_animation_draws_each_path_up_to_the_frame_step():
    (panel,) = panels(["gan"], Params(), (1.0, 1.0), 0.1, 30)
    fig = field_animation([panel], frames=7)
    steps = [int(f.name) for f in fig.frames]
    assert steps == [0, 5, 10, 15, 20, 25, 30]
    path = panel.paths["simultaneous"]
    for frame, k in zip(fig.frames, steps, strict=True):
        line, cross = frame.data[0], frame.data[1]
        np.testing.assert_array_equal(line.x, path[:k + 1, 0])
        np.testing.assert_array_equal(cross.y, path[k:k + 1, 1])
        assert frame.layout.title.text == f"step {k} of 30"
    # the traces a frame moves are the paths' lines and crosses, in that order
    moved = [fig.data[i] for i in fig.frames[0].traces]
    assert [t.name for t in moved] == ["simultaneous GD", "simultaneous GD: last iterate",
                                      "alternating GD", "alternating GD: last iterate"]
    assert len(video.stills(fig)) == 7


def test_rich_text_font_sizes_grow_too():
    fig = go.Figure(go.Scatter(y=[1]), layout=dict(annotations=[dict(
        text="<b>ns</b><br><span style='font-size:12px;color:#444'>8/8 modes</span>",
        x=0, y=0, font=dict(size=16))]))
    (ann,) = video.stills(fig)[0]["layout"]["annotations"]
    assert f"font-size:{video.ROOM_MIN_FONT}px;" in ann["text"]
    assert ann["font"]["size"] == round(16 * video.ROOM_SCALE)


def test_a_sweep_plays_as_a_moving_q():
    from scipy.stats import norm

    from ganloss_viz.explore.fitframes import sweep_animation

    theta = np.linspace(-4.0, 4.0, 81)
    values = np.abs(theta)                     # any curve: the figure only draws it
    fig = sweep_animation("normal(0, 1)", "normal(1, 2)", "q.loc", theta, values, "w1",
                          max_frames=9)
    assert len(fig.frames) == 9
    grid = np.asarray(fig.data[0].x)
    curve = next(t for t in fig.data if t.xaxis == "x2" and len(t.x) > 1)
    np.testing.assert_array_equal(curve.x, theta)
    for frame, loc in zip(fig.frames, np.linspace(-4.0, 4.0, 9), strict=True):
        q_density, marker = frame.data
        np.testing.assert_allclose(q_density.y, norm(loc, 2).pdf(grid), rtol=1e-5, atol=1e-7)
        assert marker.x[0] == pytest.approx(loc) and marker.y[0] == pytest.approx(abs(loc))
    assert fig.layout.xaxis2.title.text == "q.loc"


@pytest.mark.parametrize("param, q, message", [
    ("p.loc", "normal(1, 2)", "not a parameter of Q"),
    ("q.loc", "mvnormal(loc=[0, 0], cov=[[1, 0], [0, 1]])", "not a parameter of Q"),
    ("q.loc.0", "mvnormal(loc=[0, 0], cov=[[1, 0], [0, 1]])", "Q must be 1-D"),
])
def test_a_sweep_that_does_not_move_a_1d_q_is_refused(param, q, message):
    from ganloss_viz.explore.fitframes import sweep_animation

    with pytest.raises(ValueError, match=message):
        sweep_animation("normal(0, 1)", q, param, [0.0, 1.0], [0.0, 1.0], "js")


def test_gif_frames_decode_to_the_images_given(tmp_path):
    """Frames written with their unchanged stretches transparent decode (Pillow's reader,
    which composes each frame over the one before) to exactly the images given, when
    these have fewer colours than the palette: a moving square over bands of 60 greys,
    one band recoloured in one frame, a frame repeated."""
    from PIL import Image

    h, w = 90, 160
    bands = np.repeat(np.repeat(np.arange(60, dtype=np.uint8) * 4, 3)[None, :w], h, axis=0)
    images = []
    for k in range(8):
        im = np.stack([bands] * 3, axis=-1).copy()
        im[10 + 5 * k:30 + 5 * k, 20 + 10 * k:60 + 10 * k] = (220, 30, 30)
        if k == 4:
            im[:, 100:103] = (30, 30, 220)
        images.append(im)
    images.insert(6, images[5].copy())
    path = tmp_path / "moving.gif"
    video.write_gif(path, images, fps=10)
    gif = Image.open(path)
    decoded = []
    for i in range(gif.n_frames):
        gif.seek(i)
        decoded.append(np.asarray(gif.convert("RGB")))
    assert len(decoded) == len(images) == 9
    for got, want in zip(decoded, images, strict=True):
        assert np.array_equal(got, want)
