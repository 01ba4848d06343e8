"""GIF and MP4 of a 120-frame training replay: seconds per frame and file sizes, both sizes.

Run from the repository root (Debian's chromium installed)::

    .venv/bin/python benchmarks/video.py              # ns on ring8, 120 frames
    .venv/bin/python benchmarks/video.py --frames 40

A short run (width 32, depth 2, batch 64) of ns on ring8 with one snapshot every 2 steps
gives the frames; its replay (`figures.train.replay_figure`, a heatmap of D, the target,
the generator's samples, its lattice and arrows) is written by `ganloss_viz.video` as a
GIF and an MP4 at 1280×720 and 1920×1080. Printed per file: seconds in all (browser start,
drawing, encoding), seconds per frame, megabytes, and the time spent in the browser
alone (`video.render`) against the encoding. The issue's target: a 120-frame replay
under 10 MB. The load average is printed, since this host is shared.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ganloss_viz import video  # noqa: E402
from ganloss_viz.figures.train import replay_figure  # noqa: E402
from ganloss_viz.train import TrainConfig, train  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=120)
    args = ap.parse_args()
    every = 2
    cfg = TrainConfig(loss="ns", target="ring8", steps=every * (args.frames - 1), width=32,
                      depth=2, batch=64, snapshot_every=every).resolved()
    result = train(cfg)
    fig = replay_figure(result.frame, result.snapshots, title="ns on ring8 · ")
    print(f"cores {os.cpu_count()}, load {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"{len(result.snapshots)} frames")
    print(f"{'file':<16} {'total (s)':>10} {'s / frame':>10} {'drawing (s)':>12} "
          f"{'encoding (s)':>13} {'MB':>7}")
    stills = video.stills(fig)
    with tempfile.TemporaryDirectory() as tmp:
        for name in video.SIZES:
            size = video.SIZES[name]
            t0 = time.perf_counter()
            pngs = video.render(stills, size)
            drawn = time.perf_counter() - t0
            for kind in ("mp4", "gif"):
                path = Path(tmp) / f"replay.{kind}"
                t1 = time.perf_counter()
                images = (video._rgb(png, size) for png in pngs)
                (video.write_gif if kind == "gif" else video.write_mp4)(path, images)
                encoded = time.perf_counter() - t1
                total = drawn + encoded
                print(f"{kind + ' ' + name:<16} {total:>10.1f} {total / len(pngs):>10.3f} "
                      f"{drawn:>12.1f} {encoded:>13.1f} {path.stat().st_size / 1e6:>7.2f}",
                      flush=True)
    print(f"load after {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
