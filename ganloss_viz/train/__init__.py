"""The GAN training engine: `train(TrainConfig(...)) -> TrainResult` with snapshots.

`TrainConfig` (config.py) holds every setting with its defaults, validation and caps;
`train` / `run` (trainer.py) run one GAN (a `Trainer`, which can also be paused,
stepped and steered, over engine.py's `RunState`) and record `Snapshot`s into a `TrainResult`
(record.py); optim.py has the flat-vector optimizers the engine uses; `compare`
(compare.py) trains several losses side by side from the same weights, data and noise.

    from ganloss_viz.train import TrainConfig, train
    result = train(TrainConfig(loss="ns", target="ring8", steps=2000, seed=0))
    result.metrics, result.seconds_to_coverage, result.final.samples
"""

from .compare import CompareProgress, CompareResult, compare
from .config import CAPS, DEFAULT_STEPS, HOSTED_CAPS, Caps, TrainConfig, default_steps
from .device import NO_GPU, resolve_device
from .record import HISTORY, Frame, Progress, Snapshot, TrainResult
from .trainer import Trainer, run, train

__all__ = ["CAPS", "DEFAULT_STEPS", "HISTORY", "HOSTED_CAPS", "NO_GPU", "Caps",
           "CompareProgress", "CompareResult", "Frame", "Progress", "Snapshot", "TrainConfig",
           "TrainResult", "Trainer", "compare", "default_steps", "resolve_device", "run", "train"]
