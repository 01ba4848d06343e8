"""The Compare page's state: one dataclass, one field table, one URL (as the trainer's).

Query parameters use the CLI's names: ``losses`` (comma-separated, 1 to MAX_LOSSES
distinct loss names, in the order the grid shows them), ``target``, ``steps``,
``seed``, ``width``, ``depth``, ``batch``, ``device``, and ``preset=<name>`` (a named
comparison for talks; explicit keys override it). losses, target, steps and seed are
always written; the network settings only where they differ from their default, so
links stay short. Every run keeps its own loss's optimiser defaults (learning rates,
critic steps, penalty): only the settings above are common to all runs.

Bounds are the training library's hosted caps, read lazily (via `state.train`), so
importing this module imports neither torch nor Streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, ClassVar

from .fields import (
    PRESET_FIELD,
    Field,
    PresetState,
    parse_names,
    preset_or,
    static,
)
from .train import (
    BATCH,
    DEPTH,
    DEVICE_FIELD,
    HOSTED,
    WIDTH,
    default_steps,
    losses,
    run_fields,
)

MAX_LOSSES = 8        # the grid has at most 8 panels (issue 5: "up to 8")
CLASSICS = ("ns", "wgan_gp", "hinge", "lsgan", "ns_r1", "minimax")
# Hosted, a comparison's default steps are this part of the target's: the page's default
# (four losses on ring8, one core: about 26 ms a step, 8.7 times an ns run's) then ends
# in about 20 s like the Train page's default run (benchmarks/README.md).
HOSTED_STEPS_PART = 0.2


def compare_steps(target: str) -> int:
    """A comparison's default steps on `target`: the target's default steps, hosted a
    HOSTED_STEPS_PART of them (in hundreds)."""
    steps = default_steps(target)
    return max(100, int(round(steps * HOSTED_STEPS_PART, -2))) if HOSTED else steps


@dataclass(frozen=True)
class ComparePreset:
    """A named comparison for talks: losses, target, other settings, and a caption."""

    name: str
    title: str
    losses: tuple[str, ...]
    target: str
    caption: str
    settings: tuple[tuple[str, Any], ...] = ()
    MAIN: ClassVar[tuple[str, ...]] = ("losses", "target")


COMPARE_PRESETS: dict[str, ComparePreset] = {pr.name: pr for pr in (
    ComparePreset("classics-ring8", "The classics on 8 Gaussians", CLASSICS, "ring8",
                  "Six losses, one seed, the same data and noise: watch which ones spread "
                  "over all 8 modes, which collapse or circle, and how each "
                  "discriminator's landscape differs."),
    ComparePreset("grid25-r1", "25 Gaussians: does R1 help?", ("ns", "ns_r1", "wgan_gp",
                                                               "hinge"), "grid25",
                  "A harder coverage test: 25 narrow modes on a grid. Count the covered "
                  "modes in the table; the R1 penalty keeps D smooth near the data."),
    ComparePreset("trimodal-1d", "1-D: three modes, four losses",
                  ("ns", "ns_r1", "minimax", "wgan_gp"), "trimodal",
                  "Histograms against the target density, D's curve in blue. At seed 0, "
                  "ns_r1 and minimax spread evenly over the three modes, ns covers them "
                  "unevenly (see the reverse KL of the modes) and WGAN-GP stays on one."),
    ComparePreset("fgan-trimodal", "f-GANs: KL vs reverse KL on 3 modes",
                  ("fgan_kl", "fgan_reverse_kl", "fgan_js", "fgan_hellinger"), "trimodal",
                  "Each f-GAN minimises its own f-divergence: KL(P‖Q) penalises missing "
                  "mass, the reverse KL(Q‖P) misplaced mass."),
)}


@dataclass(frozen=True)
class CompareState(PresetState):
    """Everything the Compare page's settings show.

    losses: 1..MAX_LOSSES distinct loss names (the grid's order); target; steps (None:
    the target's default); seed; width, depth, batch: common to every run; device:
    auto, cpu or cuda; preset: the preset it came from ("" if none).
    """

    preset: str = ""
    losses: tuple[str, ...] = ("ns", "wgan_gp", "hinge", "ns_r1")
    target: str = "ring8"
    steps: int | None = None
    seed: int = 0
    width: int = WIDTH
    depth: int = DEPTH
    batch: int = BATCH
    device: str = "auto"

    def resolved(self) -> CompareState:
        """The state with steps filled in from the target."""
        return self if self.steps is not None else \
            replace(self, steps=compare_steps(self.target))

    def settings(self) -> dict[str, Any]:
        """The TrainConfig settings common to every run, as `compare(losses, target,
        steps, seed, **settings)` keywords (with the app's caps, `train.HOSTED`). A hosted
        app trains the runs on one core (a shared host: the other sessions keep theirs);
        a local one lets `compare` use its default of up to two."""
        return dict(width=self.width, depth=self.depth, batch=self.batch, device=self.device,
                    hosted=HOSTED, threads=1 if HOSTED else None)

    def baseline(self) -> CompareState:
        """What the network settings are compared with: the preset while the state
        still equals it, else the defaults."""
        return CompareState.from_preset(self.preset) if self.matches_preset() else STATIC

STATIC = CompareState()


# --- parsers ------------------------------------------------------------------------------


def parse_losses(text: str, state: Any = None) -> tuple[str, ...]:
    """``"ns,hinge"`` -> ('ns', 'hinge'): 1..MAX_LOSSES distinct known loss names."""
    given = [t.strip() for t in text.split(",") if t.strip()]
    names = parse_names(text, losses(), "loss")
    if not names:
        raise ValueError("no loss given")
    if len(given) != len(names):
        twice = sorted({n for n in given if given.count(n) > 1})
        raise ValueError(f"{', '.join(twice)} listed more than once")
    if len(names) > MAX_LOSSES:
        raise ValueError(f"at most {MAX_LOSSES} losses, got {len(names)}")
    return names


COMPARE_FIELDS: tuple[Field, ...] = (
    PRESET_FIELD,
    Field("losses", parse_losses, ",".join, default=preset_or("losses", static("losses"))),
    *run_fields(lambda s: compare_steps(s.target)),
    DEVICE_FIELD,
)
CompareState.FIELDS, CompareState.PRESETS = COMPARE_FIELDS, COMPARE_PRESETS

assert {f.name for f in COMPARE_FIELDS} == {f.name for f in fields(CompareState)}

__all__ = ["CLASSICS", "COMPARE_FIELDS", "COMPARE_PRESETS", "HOSTED_STEPS_PART", "MAX_LOSSES",
           "ComparePreset", "CompareState", "compare_steps", "parse_losses"]
