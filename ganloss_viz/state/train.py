"""The trainer's state: one dataclass, one field table, one URL (as the explorer's).

Query parameters use the CLI's names: ``loss``, ``target``, ``steps``, ``seed``,
``width``, ``depth``, ``batch``, ``optimizer`` (adam, rmsprop or sgd), ``lr`` (the
generator's learning rate), ``lr_d`` (the discriminator's), ``device``,
and ``preset=<name>`` (a named run for talks; explicit keys override it). loss,
target, steps and seed are always written; the other settings only where they differ
from their default (the preset's, else the loss's or TrainConfig's), so links stay
short and still reproduce the run's settings exactly.

The bounds are the training library's hosted caps (`ganloss_viz.train.HOSTED_CAPS`);
the app runs with ``hosted=True`` unless GANLOSS_VIZ_HOSTED=0 (then `CAPS`). Loss and
target names, defaults and caps are read lazily, so importing this module imports
neither torch nor Streamlit.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import Any, ClassVar

from .fields import (
    PRESET_FIELD,
    Field,
    PresetState,
    at_most,
    differs,
    int_parser,
    number_text,
    parse_choice,
    preset_or,
    static,
)

HOSTED_ENV = "GANLOSS_VIZ_HOSTED"
# The app trains under the library's tighter HOSTED_CAPS (a server shared by strangers)
# unless GANLOSS_VIZ_HOSTED=0 (a local, single-user run: CAPS). Hosts that keep
# settings as secrets (Streamlit Community Cloud) expose root-level secrets as
# environment variables, so the switch can live there too.
HOSTED = os.environ.get(HOSTED_ENV, "1").strip().lower() not in ("0", "false", "no", "off")
CAP_WORD = "hosted cap" if HOSTED else "cap"     # how the page names a bound
# A hosted run (or comparison) stops after this many CPU seconds of its thread and keeps
# what it trained: the queue's waits stay bounded. The default runs take about 12-20 s
# on one core (benchmarks/README.md, load_sessions.py).
HOSTED_CPU_SECONDS = 60.0
MAX_LR = 1.0             # learning rate: upper bound
MAX_SEED = 2**31 - 1
DEVICES = ("auto", "cpu", "cuda")
OPTIMIZERS = ("adam", "rmsprop", "sgd")   # ganloss_viz.losses.base.OPTIMIZERS (checked in tests)
WIDTH, DEPTH, BATCH = 128, 3, 256   # TrainConfig's defaults (checked in the tests)


@dataclass(frozen=True)
class TrainPreset:
    """A named training run for talks: loss, target and other settings, and a caption."""

    name: str
    title: str
    loss: str
    target: str
    caption: str
    settings: tuple[tuple[str, Any], ...] = ()
    MAIN: ClassVar[tuple[str, ...]] = ("loss", "target")


# The known stories of GAN training, each checked on its outcome by
# tests/test_train_stories.py (judged over a window of snapshots: training oscillates).
# Settings measured on seeds 0-4 under emulated CPU kinds (benchmarks/story_margins.py).
TRAIN_PRESETS: dict[str, TrainPreset] = {pr.name: pr for pr in (
    TrainPreset("ring8-ns", "Non-saturating GAN on 8 Gaussians", "ns", "ring8",
                "The classic toy problem: 8 narrow modes on a circle. Watch the generator's "
                "samples (red) spread over the modes while D's landscape (colours) flattens."),
    TrainPreset("ring8-collapse", "Mode collapse: non-saturating GAN at a low learning rate",
                "ns", "ring8",
                "At learning rate 1e-4 the generator piles all its samples next to one or two "
                "modes and hops around the ring as D catches up: mode collapse.",
                (("steps", 2000), ("lr", 1e-4), ("lr_d", 1e-4))),
    TrainPreset("ring8-minimax", "Saturating minimax loss stalls (SGD)", "minimax", "ring8",
                "Goodfellow's log(1 − D(G(z))) with plain SGD: D soon rejects every sample, "
                "D(G(z)) → 0, the generator's gradient norm falls by decades and the samples "
                "freeze.",
                (("steps", 1000), ("optimizer", "sgd"), ("lr", 0.02), ("lr_d", 0.1))),
    TrainPreset("ring8-ns-sgd", "Non-saturating loss learns (same SGD run)", "ns", "ring8",
                "The same run with −log D(G(z)): its gradient is largest exactly when D wins, "
                "so the gradient norm grows and the samples reach the ring.",
                (("steps", 1000), ("optimizer", "sgd"), ("lr", 0.02), ("lr_d", 0.1))),
    TrainPreset("ring8-wgan-gp", "WGAN-GP on 8 Gaussians: covers, but blurry", "wgan_gp",
                "ring8",
                "A critic with a gradient penalty keeps its slope near 1, so the arrows never "
                "vanish: all 8 modes are covered within a few hundred steps, but most samples "
                "stay smeared between the modes (a low high-quality fraction).",
                (("steps", 1500),)),
    TrainPreset("ring8-wgan", "Weight-clipped WGAN: blurry", "wgan", "ring8",
                "Clipping D's weights to ±0.01 makes a critic too smooth to tell a mode from "
                "its surroundings: the samples reach the ring but stay blurry all run."),
    TrainPreset("grid25-r1", "R1 covers all 25 modes of the grid", "ns_r1", "grid25",
                "The non-saturating loss with the R1 penalty on real data: the one loss here "
                "that finds every one of the 25 modes."),
    TrainPreset("grid25-ns", "Non-saturating GAN on the 25-mode grid", "ns", "grid25",
                "Without a penalty the same loss leaves modes of the grid empty: compare with "
                "the R1 preset."),
    TrainPreset("lines-js", "Parallel lines: the JS loss gets no signal", "fgan_js",
                "parallel_lines",
                "Data on two lines x = ±1, the generator a blob between them: the supports do "
                "not overlap, JS is ln 2 wherever G is, and once D is sure the generator's "
                "gradient is ~0: the blob never moves.",
                (("steps", 600), ("optimizer", "sgd"), ("lr", 0.01), ("lr_d", 0.3))),
    TrainPreset("lines-wgan", "Parallel lines: a Wasserstein loss moves", "wgan",
                "parallel_lines",
                "The same target under the weight-clipped WGAN: W1 is the distance to the "
                "lines and its slope never vanishes, so the samples travel onto both lines.",
                (("steps", 600),)),
    TrainPreset("bimodal-ns", "1-D: two modes", "ns", "bimodal",
                "The 1-D view: the histogram of G's samples against the target density, and "
                "D's output (blue) telling the generator where the data lie."),
)}


# --- lazily imported library ------------------------------------------------------------


def caps():
    """The caps the app trains under (the library's HOSTED_CAPS, or CAPS)."""
    from ganloss_viz.train import CAPS, HOSTED_CAPS
    return HOSTED_CAPS if HOSTED else CAPS


def cpu_cap() -> float | None:
    """CPU seconds a run may use: HOSTED_CPU_SECONDS when hosted, else None (no cap)."""
    return HOSTED_CPU_SECONDS if HOSTED else None


def losses() -> dict:
    from ganloss_viz.losses import LOSSES
    return LOSSES


def targets() -> dict:
    from ganloss_viz.targets import TARGETS
    return TARGETS


def default_steps(target: str) -> int:
    from ganloss_viz.targets import get_target
    from ganloss_viz.train import default_steps as steps_of
    return steps_of(get_target(target))


def default_lr(loss: str, net: str = "g") -> float:
    """The loss's default learning rate of the generator (net "g") or discriminator ("d")."""
    d = losses()[loss].defaults
    return float(d.lr_g if net == "g" else d.lr_d)


def default_optimizer(loss: str) -> str:
    """The loss's default optimizer (adam, rmsprop or sgd)."""
    return str(losses()[loss].defaults.optimizer)


def gpu_available() -> bool:
    import torch
    return bool(torch.cuda.is_available())


# --- the state ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainState(PresetState):
    """Everything the trainer's settings panel shows.

    loss, target: names from the registries; steps (None: the target's default), seed;
    width, depth: units per hidden layer and hidden layers of both networks; batch;
    optimizer: adam, rmsprop or sgd (None: the loss's default);
    lr, lr_d: the generator's and the discriminator's learning rates (None: the loss's
    defaults); device: auto, cpu or cuda;
    preset: the preset it came from ("" if none).
    """

    preset: str = ""
    loss: str = "ns"
    target: str = "ring8"
    steps: int | None = None
    seed: int = 0
    width: int = WIDTH
    depth: int = DEPTH
    batch: int = BATCH
    optimizer: str | None = None
    lr: float | None = None
    lr_d: float | None = None
    device: str = "auto"

    def resolved(self) -> TrainState:
        """The state with steps, optimizer and lr filled in from the target and the loss."""
        return replace(self,
                       steps=default_steps(self.target) if self.steps is None else self.steps,
                       optimizer=default_optimizer(self.loss) if self.optimizer is None
                       else self.optimizer,
                       lr=default_lr(self.loss) if self.lr is None else self.lr,
                       lr_d=default_lr(self.loss, "d") if self.lr_d is None else self.lr_d)

    def config(self):
        """The `TrainConfig` of this state (hosted caps; optimizer and lr None = the loss's
        defaults)."""
        from ganloss_viz.train import TrainConfig
        s = self.resolved()
        optimizer = None if s.optimizer == default_optimizer(s.loss) else s.optimizer
        lr_g = None if s.lr == default_lr(s.loss) else s.lr
        lr_d = None if s.lr_d == default_lr(s.loss, "d") else s.lr_d
        return TrainConfig(loss=s.loss, target=s.target, steps=s.steps, seed=s.seed,
                           device=s.device, width=s.width, depth=s.depth, batch=s.batch,
                           optimizer=optimizer, lr_g=lr_g, lr_d=lr_d, hosted=HOSTED)

    def baseline(self) -> TrainState:
        """The state a link with only loss, target (and preset) would give."""
        if self.preset in TRAIN_PRESETS:
            pre = TrainState.from_preset(self.preset)
            if (pre.loss, pre.target) == (self.loss, self.target):
                return pre.resolved()
        return TrainState(loss=self.loss, target=self.target).resolved()

STATIC = TrainState()


# --- parsers ------------------------------------------------------------------------------


def parse_loss(text: str, state: Any = None) -> str:
    return parse_choice(text, losses(), "loss")


def parse_target(text: str, state: Any = None) -> str:
    """A target name, or a drawn target's spec ``points(...)`` (the Train page's Draw)."""
    if text.strip().startswith("points("):
        from ganloss_viz.targets import get_target
        get_target(text.strip())                   # ValueError saying what is wrong
        return text.strip()
    return parse_choice(text, targets(), "target")


def _capped(name: str, low: int = 1) -> Callable[[str, Any], int]:
    """A parser of whole numbers from `low` up to the library's cap of setting `name`."""
    def parse(text: str, state: Any = None) -> int:
        high = getattr(caps(), name)
        try:
            return int_parser(low, high)(text)
        except ValueError as exc:
            raise ValueError(f"{exc}; the {CAP_WORD} is {high}" if "between" in str(exc)
                             else str(exc)) from None
    return parse


def parse_seed(text: str, state: Any = None) -> int:
    return int_parser(0, MAX_SEED)(text)


def parse_optimizer(text: str, state: Any = None) -> str:
    return parse_choice(text, OPTIMIZERS, "optimizer")


parse_lr = at_most(MAX_LR)


def parse_device(text: str, state: Any = None) -> str:
    name = parse_choice(text, DEVICES, "device")
    if name == "cuda" and not gpu_available():
        raise ValueError("no GPU is available on this server")
    return name


# --- defaults and relevance --------------------------------------------------------------


def run_fields(steps_default: Callable[[Any], int]) -> tuple[Field, ...]:
    """The fields of one training run that Train and Compare share, in URL order:
    target, steps (`steps_default(state)` unless a preset sets it), seed and the networks'
    width, depth and batch (written when they differ from the state's baseline)."""
    return (
        Field("target", parse_target, default=preset_or("target", static("target"))),
        Field("steps", _capped("steps"), default=preset_or("steps", steps_default, "target")),
        Field("seed", parse_seed, default=preset_or("seed", static("seed"))),
        *(Field(name, _capped(name), default=preset_or(name, static(name)),
                relevant=differs(name)) for name in ("width", "depth", "batch")),
    )


DEVICE_FIELD = Field("device", parse_device, default=preset_or("device", static("device")),
                     relevant=differs("device"))
TRAIN_FIELDS: tuple[Field, ...] = (
    PRESET_FIELD,
    Field("loss", parse_loss, default=preset_or("loss", static("loss"))),
    *run_fields(lambda s: default_steps(s.target)),
    Field("optimizer", parse_optimizer,
          default=preset_or("optimizer", lambda s: default_optimizer(s.loss), "loss"),
          relevant=differs("optimizer")),
    Field("lr", parse_lr, number_text,
          default=preset_or("lr", lambda s: default_lr(s.loss), "loss"),
          relevant=differs("lr")),
    Field("lr_d", parse_lr, number_text,
          default=preset_or("lr_d", lambda s: default_lr(s.loss, "d"), "loss"),
          relevant=differs("lr_d")),
    DEVICE_FIELD,
)
TrainState.FIELDS, TrainState.PRESETS = TRAIN_FIELDS, TRAIN_PRESETS

assert {f.name for f in TRAIN_FIELDS} == {f.name for f in fields(TrainState)}

__all__ = ["CAP_WORD", "DEVICES", "HOSTED", "HOSTED_CPU_SECONDS", "HOSTED_ENV", "MAX_LR",
           "MAX_SEED", "OPTIMIZERS", "TRAIN_FIELDS", "TRAIN_PRESETS", "TrainPreset",
           "TrainState", "caps", "cpu_cap", "default_lr", "default_optimizer", "default_steps"]
