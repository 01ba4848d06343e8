"""Animations as files for slides: any Plotly animation (a figure with frames) as a GIF or an MP4.

A slide deck cannot embed the app's HTML animations, so every animation the app and the
command line make (training replays, Compare's grid, direct fits, Dirac-GAN paths, a
sweep of Q) can be written as a video. Three steps, each replaceable:

1. `stills(fig)`: the animation as one static figure per frame (pure: plain dicts), each
   frame's traces and layout merged into the figure as Plotly's ``animate`` does, the
   play button and slider removed, laid out at 1280×720 with fonts for the back of a room.
2. `render(stills, size)`: PNG images of them drawn by Plotly's own static export
   (kaleido 1.x, plotly.js in a headless Chromium: the pixels are the browser's). Kaleido
   is given the browser's path (`browser_path`: ``$BROWSER_PATH`` or Debian's
   ``chromium`` on the PATH); it never downloads one.
3. `write_gif` (Pillow) / `write_mp4` (H.264 by the ffmpeg that imageio-ffmpeg's wheel
   ships): frames to a file, at `fps` frames per second.

Why this route (benchmarks/README.md, "Animations to GIF and MP4"): the figures are
Plotly's, so the video shows exactly what the page shows, with no second plotting
library to keep in step; the browser costs about 0.2-0.5 s a frame on this 2-core host,
and a 120-frame replay is a few MB. Both sizes share one layout (1280×720 units;
1920×1080 is the same drawing at scale 1.5), so text keeps its place at either size.
No Streamlit here.
"""

from __future__ import annotations

import asyncio
import copy
import io
import os
import re
import shutil
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go

from .figures.train import TICK_NAME

SIZES: dict[str, tuple[int, int]] = {"1280x720": (1280, 720), "1920x1080": (1920, 1080)}
"""Video sizes (width × height in pixels) by name: the command line's ``--video-size``."""
DEFAULT_SIZE = "1280x720"
LAYOUT_SIZE = (1280, 720)   # every still is laid out at this size, then scaled
DEFAULT_FPS = 10
MAX_FPS = 50                # GIF frame times are whole centiseconds: 50 fps = 2 cs
ROOM_FONT = 22              # px at 1280×720: the default font of a still
ROOM_SCALE = 1.4            # explicit font sizes of the page's figures grow by this much
ROOM_MIN_FONT = 18          # and none stays below this
CHAR_WIDTH = 0.55           # a character's width in units of its font size, with room:
                            # a replay title drawn by kaleido in Debian's Chromium is 0.44
TITLE_SCALE = 1.4           # plotly.js draws a title with no size of its own at 1.4 × the
                            # layout's font size
TITLE_MIN_FONT = 16         # a long title shrinks to fit the frame, not below this
INLINE_SIZE = re.compile(r"font-size:\s*(\d+(?:\.\d+)?)px")
STILL_BOTTOM = 90           # px under the plots of a still: the x axis's ticks and title
FORMATS = ("gif", "mp4")
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# A replay's heatmap changes every pixel of every frame, so a GIF's size is its colours'
# LZW cost (benchmarks/video.py, 120 frames at 1920x1080, median cut: 16.6 MB with 255
# colours, 14.6 with 128, 12.4 with 64, 9.7 with 32, which bands the heatmap and tints
# grey points). The palette is Pillow's "maximum coverage" one: median cut spends its
# colours on the large pale areas and turned the Dirac star and paths to other hues
# (a pixel off by up to 214 of 765 levels), maximum coverage keeps every mark's colour
# (at most 34 off) and is smaller (9.9 MB at 128 colours), banding the heatmap a little.
# Unchanged stretches written transparent: 8.3 MB (runs of >= 64 pixels; every unchanged
# pixel: 9.1 MB, as the scattered transparent ones break the runs of the heatmap).
GIF_COLORS = 128            # 127 colours and the transparent index
GIF_KEEP_RUN = 64           # unchanged pixels in a run this long are left transparent
TABS = 2                    # browser tabs drawing at once (the work is the browser's)

Progress = Callable[[int, int], None]
"""progress(done, total): called after each frame is drawn and after encoding."""


class VideoError(ValueError):
    """A video cannot be made (no browser, bad size or frame rate): one line to show."""


# ----------------------------------------------------------------------------- options


def parse_size(text: str) -> tuple[int, int]:
    """(width, height) of a size name such as ``1920x1080`` (VideoError otherwise)."""
    key = text.strip().lower().replace("×", "x")
    if key not in SIZES:
        raise VideoError(f"video size {text!r} is not offered; choose {' or '.join(SIZES)}")
    return SIZES[key]


def video_format(path: str | Path) -> str:
    """``gif`` or ``mp4`` from a file name's suffix (VideoError otherwise)."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise VideoError(f"{str(path)!r}: a video file name ends in .gif or .mp4")
    return suffix


def check_fps(fps: float) -> float:
    if not 0 < fps <= MAX_FPS:
        raise VideoError(f"frame rate {fps:g} is outside (0, {MAX_FPS}] frames per second")
    return float(fps)


def browser_path() -> str:
    """The Chromium that draws the frames: ``$BROWSER_PATH`` if set (kaleido's own
    variable), else the first of BROWSERS on the PATH. Never a download: with none
    installed this raises VideoError saying what to install."""
    given = os.environ.get("BROWSER_PATH")
    if given:
        if not (os.path.isfile(given) and os.access(given, os.X_OK)):
            raise VideoError(f"BROWSER_PATH={given!r} is not an executable browser")
        return given
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    raise VideoError("GIF and MP4 are drawn by Chromium and none is installed: install "
                     "Debian's chromium package (apt-get install chromium) or set "
                     "BROWSER_PATH to a Chrome or Chromium")


# ----------------------------------------------------------------------------- stills


def _merge(into: dict, update: dict) -> None:
    """Deep-merge `update` into `into` (dicts merge, everything else replaces): how
    Plotly's ``animate`` applies a frame's trace and layout attributes."""
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = copy.deepcopy(value)


def _room_size(size: float) -> int:
    return max(ROOM_MIN_FONT, round(size * ROOM_SCALE))


def _room_fonts(node: Any, parent: str = "") -> Any:
    """Every explicit font size under `node` grown by ROOM_SCALE (at least ROOM_MIN_FONT):
    ``font.size`` attributes and ``font-size:NNpx`` in rich text. Returns `node` (a
    string is returned rewritten)."""
    if isinstance(node, str):
        return INLINE_SIZE.sub(lambda m: f"font-size:{_room_size(float(m[1]))}px", node)
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "size" and parent.endswith("font") and isinstance(value, int | float):
                node[key] = _room_size(value)
            else:
                node[key] = _room_fonts(value, key)
    elif isinstance(node, list):
        node[:] = [_room_fonts(item, parent) for item in node]
    return node


def _fit_title(layout: dict) -> None:
    """Shrink the title's font (not below TITLE_MIN_FONT) until its longest line fits
    the width: the page's titles are written for a wider chart than a 16:9 frame."""
    title = layout.get("title")
    text = title.get("text") if isinstance(title, dict) else None
    if not text:
        return
    longest = max(len(re.sub(r"<[^>]+>", "", line)) for line in re.split(r"<br\s*/?>", text))
    size = title.get("font", {}).get("size") or \
        round(TITLE_SCALE * layout.get("font", {}).get("size", ROOM_FONT))
    fits = int((LAYOUT_SIZE[0] - 80) / (CHAR_WIDTH * max(longest, 1)))
    if fits < size:
        title.setdefault("font", {})["size"] = max(TITLE_MIN_FONT, fits)


def _drop_ticks(layout: dict) -> None:
    """Remove the step slider's tick labels (annotations named TICK_NAME)."""
    if "annotations" in layout:
        layout["annotations"] = [a for a in layout["annotations"]
                                 if a.get("name") != TICK_NAME]


def _for_room(layout: dict) -> None:
    """A page layout made a 1280×720 still: no controls (nor the bottom margin kept for
    them), big type."""
    if layout.get("updatemenus") or layout.get("sliders"):
        margin = layout.setdefault("margin", {})
        margin["b"] = min(margin.get("b", STILL_BOTTOM), STILL_BOTTOM)
    for key in ("updatemenus", "sliders", "height", "width"):
        layout.pop(key, None)
    _drop_ticks(layout)
    _room_fonts(layout)
    layout.setdefault("font", {}).setdefault("size", ROOM_FONT)
    layout["autosize"] = False
    layout["width"], layout["height"] = LAYOUT_SIZE
    layout.setdefault("paper_bgcolor", "white")
    title = layout.get("title")
    if isinstance(title, dict) and title.get("x") == 0:     # flush with the frame's edge
        title["x"] = 0.01


def stills(fig: go.Figure) -> list[dict]:
    """One static figure (a plain dict) per frame of `fig`, in order, as the animation
    shows them: each frame's traces (by its ``traces`` indices, else from the first)
    and layout deep-merged into the figure, then laid out for a room (`_for_room`).
    A figure without frames gives one still."""
    base = fig.to_plotly_json()
    base = {"data": copy.deepcopy(base.get("data", [])),
            "layout": copy.deepcopy(base.get("layout", {}))}
    _for_room(base["layout"])
    frames = [fr.to_plotly_json() for fr in (fig.frames or ())]
    if not frames:
        _fit_title(base["layout"])
        return [base]
    out = []
    state = copy.deepcopy(base)
    for frame in frames:
        data = frame.get("data") or []
        indices = frame.get("traces") or range(len(data))
        for i, trace in zip(indices, data, strict=False):
            _merge(state["data"][i], trace)
        if frame.get("layout"):
            layout = copy.deepcopy(frame["layout"])
            _drop_ticks(layout)
            _room_fonts(layout)
            _merge(state["layout"], layout)
        still = copy.deepcopy(state)
        _fit_title(still["layout"])
        out.append(still)
    return out


# ----------------------------------------------------------------------------- drawing


async def _render(figs: Sequence[dict], scale: float, browser: str,
                  progress: Progress | None, total: int) -> list[bytes]:
    import kaleido

    opts = {"format": "png", "width": LAYOUT_SIZE[0], "height": LAYOUT_SIZE[1],
            "scale": scale}
    done = 0

    async with kaleido.Kaleido(n=min(TABS, len(figs)), mathjax=False, path=browser) as k:
        async def one(f: dict) -> bytes:
            nonlocal done
            png = await k.calc_fig(f, opts=opts)
            done += 1
            if progress is not None:
                progress(done, total)
            return png

        return list(await asyncio.gather(*(one(f) for f in figs)))


def render(figs: Sequence[dict], size: tuple[int, int] = SIZES[DEFAULT_SIZE],
           progress: Progress | None = None, total: int | None = None) -> list[bytes]:
    """PNG images (bytes) of the stills `figs`, `size` pixels each, in order, drawn by
    kaleido in Chromium (`browser_path`); progress(done, total) after each."""
    if size not in SIZES.values():
        raise VideoError(f"video size {size[0]}x{size[1]} is not offered; choose "
                         f"{' or '.join(SIZES)}")
    scale = size[0] / LAYOUT_SIZE[0]
    work = _render(figs, scale, browser_path(), progress, total or len(figs))
    try:
        asyncio.get_running_loop()
    except RuntimeError:                    # the usual case: no event loop in this thread
        return asyncio.run(work)
    with ThreadPoolExecutor(1) as pool:     # called from a running loop (a notebook)
        return pool.submit(asyncio.run, work).result()


def _rgb(png: bytes, size: tuple[int, int]) -> np.ndarray:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as im:
        im = im.convert("RGB")
        if im.size != size:       # kaleido rounds width × scale; keep the promised size
            im = im.resize(size)
        return np.asarray(im)


# ----------------------------------------------------------------------------- encoding


def write_mp4(path: str | Path, images: Iterable[np.ndarray], fps: float = DEFAULT_FPS) -> None:
    """H.264 MP4 (yuv420p, plays in PowerPoint, Keynote, Google Slides and browsers) of
    RGB images (H, W, 3) of one even size, encoded by imageio-ffmpeg's ffmpeg."""
    import imageio_ffmpeg

    images = iter(images)
    first = next(images)
    h, w = first.shape[:2]
    writer = imageio_ffmpeg.write_frames(
        str(path), (w, h), fps=check_fps(fps), codec="libx264", pix_fmt_out="yuv420p",
        macro_block_size=1, quality=None,
        output_params=["-crf", "23", "-preset", "veryfast", "-tune", "animation",
                       "-movflags", "+faststart"])
    writer.send(None)
    try:
        writer.send(np.ascontiguousarray(first))
        for image in images:
            writer.send(np.ascontiguousarray(image))
    finally:
        writer.close()


def write_gif(path: str | Path, images: Iterable[np.ndarray], fps: float = DEFAULT_FPS) -> None:
    """A looping GIF of RGB images on one palette of GIF_COLORS - 1 colours (taken from
    the first, middle and last images, so colours do not flicker between frames), no
    dithering (flat plot colours stay flat and compress well). After the first frame, a
    stretch of at least GIF_KEEP_RUN pixels that did not change is written transparent
    (the frame below shows through): long runs of one index are what LZW packs best.
    GIF frame times are whole centiseconds: 1/fps is rounded to them."""
    from PIL import Image

    frames = [Image.fromarray(np.asarray(im)) for im in images]
    sample = [frames[0], frames[len(frames) // 2], frames[-1]]
    w, h = frames[0].size
    strip = Image.new("RGB", (w, h * len(sample)))
    for i, im in enumerate(sample):
        strip.paste(im, (0, h * i))
    clear = GIF_COLORS - 1                  # the transparent index, after the colours
    palette = strip.quantize(colors=clear, method=Image.Quantize.MAXCOVERAGE)
    indices = [np.asarray(im.quantize(palette=palette, dither=Image.Dither.NONE))
               for im in frames]
    colours = palette.getpalette()[:3 * clear]
    colours += [0, 0, 0] * (256 - clear)
    written = []
    for i, now in enumerate(indices):
        if i:
            now = np.where(_long_runs(now == indices[i - 1], GIF_KEEP_RUN), clear, now)
        im = Image.fromarray(now.astype(np.uint8), "P")
        im.putpalette(colours)
        written.append(im)
    cs = max(1, round(100 / check_fps(fps)))
    written[0].save(str(path), save_all=True, append_images=written[1:], duration=cs * 10,
                    loop=0, optimize=False, disposal=1, transparency=clear)


def _long_runs(mask: np.ndarray, length: int) -> np.ndarray:
    """`mask` with only its runs of at least `length` True pixels in raster order kept
    (the order in which a GIF's LZW reads them)."""
    flat = mask.ravel()
    starts = np.r_[0, np.flatnonzero(np.diff(flat.view(np.int8))) + 1]
    lengths = np.diff(np.r_[starts, flat.size])
    return np.repeat(flat[starts] & (lengths >= length), lengths).reshape(mask.shape)


def write_animation(fig: go.Figure, path: str | Path, size: tuple[int, int] | str = DEFAULT_SIZE,
                    fps: float = DEFAULT_FPS, progress: Progress | None = None) -> int:
    """Write the animation `fig` to `path` (.gif or .mp4, by its suffix) at `size`
    (``"1280x720"`` / ``"1920x1080"`` or the pair) and `fps`; returns the frame count.
    progress(done, total) counts the frames drawn, then one step for the encoding."""
    kind = video_format(path)
    size = parse_size(size) if isinstance(size, str) else tuple(size)
    check_fps(fps)
    figs = stills(fig)
    total = len(figs) + 1
    pngs = render(figs, size, progress, total)
    images = (_rgb(png, size) for png in pngs)
    (write_gif if kind == "gif" else write_mp4)(path, images, fps)
    if progress is not None:
        progress(total, total)
    return len(figs)


def animation_bytes(fig: go.Figure, kind: str, size: tuple[int, int] | str = DEFAULT_SIZE,
                    fps: float = DEFAULT_FPS, progress: Progress | None = None) -> bytes:
    """`write_animation` into memory (for a download button): the file's bytes."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"animation.{kind}"
        write_animation(fig, path, size, fps, progress)
        return path.read_bytes()


__all__ = ["DEFAULT_FPS", "DEFAULT_SIZE", "SIZES", "VideoError", "animation_bytes",
           "browser_path", "parse_size", "render", "stills", "video_format", "write_animation",
           "write_gif", "write_mp4"]
