"""``--html``, ``--gif``, ``--mp4``, ``--video-size`` and ``--fps``: a command's animation to files.

`train`, `compare`, `fit` and `dirac` share these options (DESIGN.md, "Animations to
files"). `requested(args, ...)` checks them before the work starts (a missing folder, a
wrong suffix, no browser for a video: one line, exit 2, nothing computed); `write(...)`
writes the files once the command has its figure, with a progress bar on stderr unless
``--json``, and adds ``"html"`` / ``"gif"`` / ``"mp4"`` (the paths) to the JSON object.
The figure is built only when a file is asked for.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ganloss_viz.cli.progress import ProgressBar


class AnimationFileError(ValueError):
    """A bad ``--html`` / ``--gif`` / ``--mp4`` option (printed as one line, exit 2)."""


def frame_rate(text: str) -> float:
    """``--fps``: frames per second, in (0, 50] (GIF frame times are whole centiseconds)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value <= 50:
        raise argparse.ArgumentTypeError(f"expected frames per second in (0, 50], got {text!r}")
    return value


def add_options(sub: argparse.ArgumentParser, html: bool = True) -> None:
    """``--gif FILE --mp4 FILE --video-size WxH --fps F`` (and ``--html FILE`` unless the
    command declares its own)."""
    if html:
        sub.add_argument("--html", metavar="FILE", default=None,
                         help="also write the animation as a standalone HTML file")
    sub.add_argument("--gif", metavar="FILE", default=None,
                     help="also write the animation as a GIF (drawn by Chromium)")
    sub.add_argument("--mp4", metavar="FILE", default=None,
                     help="also write the animation as an H.264 MP4 (drawn by Chromium)")
    sub.add_argument("--video-size", default="1280x720", metavar="WxH",
                     help="GIF / MP4 size: 1280x720 or 1920x1080 (default: %(default)s)")
    sub.add_argument("--fps", type=frame_rate, default=10.0,
                     help="GIF / MP4 frames per second (default: %(default)s)")


@dataclass(frozen=True)
class Requested:
    """The files asked for (None: not asked), the video size and the frame rate."""

    html: Path | None
    gif: Path | None
    mp4: Path | None
    size: tuple[int, int]
    fps: float

    @property
    def any(self) -> bool:
        return any(p is not None for p in (self.html, self.gif, self.mp4))


def _path(option: str, text: str | None, suffix: str) -> Path | None:
    if text is None:
        return None
    path = Path(text)
    if path.is_dir():
        raise AnimationFileError(f"{option} {text}: is a folder; give a file name, "
                                 f"e.g. animation{suffix}")
    if not path.parent.is_dir():
        raise AnimationFileError(f"{option} {text}: the folder {str(path.parent)!r} "
                                 "does not exist")
    if suffix != ".html" and path.suffix.lower() != suffix:
        raise AnimationFileError(f"{option} {text}: the file name must end in {suffix}")
    return path


def requested(args: argparse.Namespace, html: bool = True) -> Requested:
    """The animation files of `args`, checked before any work (AnimationFileError);
    html=False: the command checks and writes its own ``--html`` (train, compare)."""
    from ganloss_viz import video

    try:
        size, fps = video.parse_size(args.video_size), video.check_fps(args.fps)
        out = Requested(_path("--html", args.html, ".html") if html else None,
                        _path("--gif", args.gif, ".gif"), _path("--mp4", args.mp4, ".mp4"),
                        size, fps)
        if out.gif or out.mp4:
            video.browser_path()
    except video.VideoError as exc:
        raise AnimationFileError(str(exc)) from None
    return out


def _video(fig: Any, path: Path, kind: str, req: Requested, quiet: bool) -> int:
    """One GIF or MP4 of `fig`, with a progress bar (frames drawn) unless `quiet`."""
    from ganloss_viz import video

    if quiet:
        return video.write_animation(fig, path, req.size, req.fps)
    with ProgressBar(1, label=f"{kind} {path.name}") as bar:
        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done)

        return video.write_animation(fig, path, req.size, req.fps, progress)


def write(req: Requested, figure: Callable[[], Any], obj: dict[str, Any], lines: list[str],
          quiet: bool, what: str = "animation") -> None:
    """Write the requested files of the animation `figure()`; record them in `obj` and
    `lines`."""
    targets = [(k, p) for k, p in (("html", req.html), ("gif", req.gif), ("mp4", req.mp4))
               if p is not None]
    if not targets:
        return
    fig = figure()
    for kind, path in targets:
        try:
            if kind == "html":
                fig.write_html(str(path), include_plotlyjs=True, auto_play=False)
            else:
                frames = _video(fig, path, kind, req, quiet)
                lines.append(f"  {what} written to {path} ({frames} frames, "
                             f"{req.size[0]}x{req.size[1]}, {req.fps:g} fps)")
        except OSError as exc:
            raise AnimationFileError(f"--{kind} {path}: cannot write it "
                                     f"({exc.strerror or exc})") from None
        if kind == "html":
            lines.append(f"  {what} written to {path}")
        obj[kind] = str(path)
