"""``--gif`` / ``--mp4`` on the command line (DESIGN.md, "Animations to files"): the files are
read back by independent readers (Pillow for the GIF, the ffmpeg of imageio-ffmpeg for the
MP4) to check their frame count, pixel size and duration. Drawing needs Debian's chromium."""

from __future__ import annotations

import json
import shutil

import imageio_ffmpeg
import pytest
from PIL import Image

from ganloss_viz import cli

needs_browser = pytest.mark.skipif(
    shutil.which("chromium") is None,
    reason="GIF and MP4 are drawn by Debian's chromium (apt-get install chromium)")

# 3 generator steps, one snapshot per step: 4 frames (steps 0, 1, 2, 3)
TINY = ("train", "--loss", "ns", "--target", "ring8", "--steps", "3", "--width", "8",
        "--depth", "1", "--batch", "16")


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def gif_facts(path) -> tuple[int, tuple[int, int], int]:
    """(frames, (width, height), total duration in ms) as Pillow reads the GIF."""
    with Image.open(path) as im:
        durations = []
        for i in range(im.n_frames):
            im.seek(i)
            durations.append(im.info["duration"])
        return im.n_frames, im.size, sum(durations)


def mp4_facts(path) -> tuple[int, tuple[int, int], float]:
    """(frames, (width, height), seconds) as ffmpeg decodes the MP4."""
    frames, seconds = imageio_ffmpeg.count_frames_and_secs(str(path))
    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    reader.close()
    return frames, tuple(meta["size"]), seconds


@needs_browser
def test_train_writes_a_gif_and_an_mp4_of_its_replay(capsys, tmp_path):
    gif, mp4 = tmp_path / "replay.gif", tmp_path / "replay.mp4"
    code, out, err = run(capsys, *TINY, "--gif", str(gif), "--mp4", str(mp4), "--fps", "5",
                         "--json")
    assert code == 0, err
    obj = json.loads(out)
    assert obj["gif"] == str(gif) and obj["mp4"] == str(mp4)
    assert gif_facts(gif) == (4, (1280, 720), 4 * 200)
    frames, size, seconds = mp4_facts(mp4)
    assert (frames, size) == (4, (1280, 720))
    assert seconds == pytest.approx(4 / 5, abs=0.01)


@needs_browser
def test_fit_mp4_at_1920x1080_and_text_output(capsys, tmp_path):
    mp4 = tmp_path / "fit.mp4"
    code, out, err = run(capsys, "fit", "normal(0, 1)", "normal(2, 1)", "--div", "kl",
                         "--steps", "2", "--mp4", str(mp4), "--video-size", "1920x1080",
                         "--fps", "4")
    assert code == 0, err
    assert f"animation written to {mp4} (3 frames, 1920x1080, 4 fps)" in out
    frames, size, seconds = mp4_facts(mp4)
    assert (frames, size) == (3, (1920, 1080))
    assert seconds == pytest.approx(3 / 4, abs=0.01)


@pytest.mark.parametrize("argv, message", [
    (("--gif", "x.png"), "--gif x.png: the file name must end in .gif"),
    (("--mp4", "/no/such/folder/x.mp4"), "the folder '/no/such/folder' does not exist"),
    (("--mp4", "x.mp4", "--video-size", "800x600"),
     "video size '800x600' is not offered; choose 1280x720 or 1920x1080"),
    (("--gif", "x.gif", "--fps", "0"), "expected frames per second in (0, 50], got '0'"),
])
def test_bad_video_options_exit_2_before_any_work(capsys, tmp_path, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *TINY, *argv)
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_no_browser_is_one_clear_line(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-chromium"))
    code, out, err = run(capsys, "dirac", "--method", "gan", "--gif", str(tmp_path / "d.gif"))
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "is not an executable browser" in err
    assert not (tmp_path / "d.gif").exists()


def test_dirac_writes_an_html_animation(capsys, tmp_path):
    html = tmp_path / "paths.html"
    code, out, err = run(capsys, "dirac", "--method", "r1", "--html", str(html), "--json")
    assert code == 0, err
    assert json.loads(out)["html"] == str(html)
    text = html.read_text(encoding="utf-8")
    assert "Plotly.newPlot(" in text and "Plotly.addFrames(" in text


@needs_browser
def test_replay_titles_of_every_length_are_drawn_whole_inside_the_frame():
    """A training replay's title (every metric in one line; here 75-115 characters) is
    shrunk until the drawn text ends inside the frame: plotly.js draws a title with no
    size of its own at 1.4 × the layout's font, which once cut a replay's title off."""
    import numpy as np

    from ganloss_viz import video
    from ganloss_viz.figures.train import replay_figure
    from ganloss_viz.train import TrainConfig, train

    cfg = TrainConfig(loss="ns", target="ring8", steps=1, width=8, depth=1, batch=16,
                      snapshot_every=1).resolved()
    result = train(cfg)
    prefixes = ["ns on ring8 · ", "wgan_gp on grid25 · ", "fgan_reverse_kl on trimodal · ",
                "fgan_reverse_kl on points(x=[-1, 1], y=[0, 0], scale=0.1) · "]
    figs = [video.stills(replay_figure(result.frame, result.snapshots, title=p))[-1]
            for p in prefixes]
    lengths = [len(f["layout"]["title"]["text"]) for f in figs]
    assert min(lengths) < 90 < max(lengths)
    for n, png in zip(lengths, video.render(figs, (1280, 720)), strict=True):
        ink = video._rgb(png, (1280, 720)).astype(int).sum(axis=2) < 500
        columns = np.where(ink[:70].any(axis=0))[0]       # the title's band
        assert columns.size and 10 < columns.min() and columns.max() < 1280 - 10, \
            (n, columns.min(), columns.max())
