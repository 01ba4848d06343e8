"""The Dirac-GAN page's state: one dataclass, one field table, one URL.

Query parameters: ``method`` (the CLI's name), ``gamma``, ``sigma``, ``clip``, ``g0``
(written and read only for the methods that use them, shown or side by side; unset
ones take the main method's defaults, as the CLI does), ``theta0`` and ``psi0`` (the
start of gradient descent), ``h`` (the step size), ``steps``, ``vs`` (other methods
drawn side by side, same parameters and start), and ``preset=<name>`` (a named view
for talks; explicit keys override it).

Method names and defaults come from `ganloss_viz.dirac`, imported lazily so that
importing this module imports neither torch nor Streamlit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import Any, ClassVar

from .fields import (
    PRESET_FIELD,
    Field,
    PresetState,
    QueryParams,
    int_parser,
    number_text,
    parse_choice,
    parse_float,
    parse_names,
    preset_or,
    state_to_query_params,
    static,
)

MAX_STEPS = 2000          # = ganloss_viz.dirac.MAX_STEPS (checked in the tests)
MAX_H = 2.0               # step size: upper bound (larger steps only show blow-ups)
MAX_START = 10.0          # |θ0|, |ψ0| at most this
MAX_VS = 3                # methods side by side besides the main one
PARAMS = ("gamma", "sigma", "clip", "g0")
PARAM_LIMITS = {"gamma": (0.0, 10.0), "sigma": (0.0, 5.0), "clip": (0.01, 10.0),
                "g0": (0.0, 5.0)}


@dataclass(frozen=True)
class DiracPreset:
    """A named Dirac-GAN view for talks: the method, settings, and a caption."""

    name: str
    title: str
    method: str
    caption: str
    settings: tuple[tuple[str, Any], ...] = ()
    MAIN: ClassVar[tuple[str, ...]] = ("method",)


DIRAC_PRESETS: dict[str, DiracPreset] = {pr.name: pr for pr in (
    DiracPreset("gan-circles", "GAN circles forever", "gan",
                "The unregularised GAN: eigenvalues ±0.5i, a pure rotation. Simultaneous GD "
                "(red) spirals outwards, alternating GD (blue) circles; neither arrives.",
                (("steps", 600),)),
    DiracPreset("r1-converges", "R1 converges", "r1",
                "A gradient penalty γ/2·ψ² on the data damps the rotation: eigenvalues "
                "−γ/2 ± √(γ²/4 − 1/4), both paths spiral into the equilibrium.",
                (("gamma", 0.3), ("vs", ("gan",)))),
    DiracPreset("wgan-gp-no-convergence", "WGAN-GP does not converge", "wgan_gp",
                "The penalty γ(|ψ| − 1)² keeps |ψ| near 1 instead of 0, so θ never stops: "
                "the field jumps at ψ = 0 and the paths cycle around the equilibrium.",
                (("gamma", 0.3), ("steps", 1000), ("vs", ("wgan",)))),
    DiracPreset("instance-noise", "Instance noise converges", "instance_noise",
                "Gaussian noise on real and fake points smooths the discriminator: "
                "eigenvalues −σ²/4 ± √(σ⁴/16 − 1/4), damped for every σ > 0.",
                (("sigma", 1.0), ("vs", ("gan",)))),
    DiracPreset("all-methods", "Four methods side by side", "gan",
                "Same start, same step: the GAN circles, the WGAN circles at twice the speed, "
                "R1 and consensus optimisation spiral in.",
                (("vs", ("wgan", "r1", "consensus")),)),
)}


# --- lazily imported library ------------------------------------------------------------


def methods() -> dict:
    from ganloss_viz.dirac import METHODS
    return METHODS


def method_default(method: str, name: str) -> float:
    """The method's default of parameter `name` (as `Method.params_of` fills it)."""
    from ganloss_viz.dirac import Params
    return float(methods()[method].defaults.get(name, getattr(Params(), name)))


def reads(state: DiracState, name: str) -> bool:
    """Whether parameter `name` matters to the main method or one drawn beside it."""
    return any(name in methods()[m].params for m in (state.method, *state.vs))


# --- the state ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DiracState(PresetState):
    """Everything the Dirac-GAN page shows.

    method: the main method; gamma, sigma, clip, g0: the parameters (None: the main
    method's defaults); theta0, psi0: the start of both trajectories; h: the step
    size; steps: iterations; vs: methods drawn beside it; preset: its origin ("" if none).
    """

    preset: str = ""
    method: str = "gan"
    gamma: float | None = None
    sigma: float | None = None
    clip: float | None = None
    g0: float | None = None
    theta0: float = 1.0
    psi0: float = 1.0
    h: float = 0.1
    steps: int = 400
    vs: tuple[str, ...] = ()

    def resolved(self) -> DiracState:
        """The state with every parameter filled in (the main method's defaults)."""
        return replace(self, **{n: method_default(self.method, n) if getattr(self, n) is None
                                else getattr(self, n) for n in PARAMS})

    def params(self):
        """The `ganloss_viz.dirac.Params` of this state."""
        from ganloss_viz.dirac import Params
        s = self.resolved()
        return Params(**{n: getattr(s, n) for n in PARAMS}).validated()

    def to_query_params(self) -> dict[str, str]:
        return state_to_query_params(self.resolved(), DIRAC_FIELDS)

    @classmethod
    def from_query_params(cls, params: QueryParams) -> tuple[DiracState, list[str]]:
        state, errors = super().from_query_params(params)
        return state.without_stale_preset(), errors


# --- parsers ------------------------------------------------------------------------------


def parse_method(text: str, state: Any = None) -> str:
    return parse_choice(text, methods(), "method")


def bounded(low: float, high: float) -> Callable[[str, Any], float]:
    """A parser of numbers in [low, high] (the bounds are named in the error)."""
    def parse(text: str, state: Any = None) -> float:
        x = parse_float(text)
        if not low <= x <= high:
            raise ValueError(f"must be between {number_text(low)} and {number_text(high)}")
        return x
    return parse


def parse_h(text: str, state: Any = None) -> float:
    x = parse_float(text)
    if not 0 < x <= MAX_H:
        raise ValueError(f"must be > 0 and at most {number_text(MAX_H)}")
    return x


def parse_vs(text: str, state: DiracState) -> tuple[str, ...]:
    names = tuple(n for n in parse_names(text, methods(), "method") if n != state.method)
    if len(names) > MAX_VS:
        raise ValueError(f"at most {MAX_VS} methods beside the main one")
    return names


# --- defaults and relevance --------------------------------------------------------------


def _param_field(name: str) -> Field:
    return Field(name, bounded(*PARAM_LIMITS[name]), number_text,
                 default=preset_or(name, lambda s: method_default(s.method, name), "method"),
                 relevant=lambda s: reads(s, name), ignored=lambda s: not reads(s, name))


def _start_field(name: str) -> Field:
    return Field(name, bounded(-MAX_START, MAX_START), number_text,
                 default=preset_or(name, static(name)))


DIRAC_FIELDS: tuple[Field, ...] = (
    PRESET_FIELD,
    Field("method", parse_method, default=preset_or("method", static("method"))),
    Field("vs", parse_vs, lambda v: ",".join(v), default=preset_or("vs", static("vs")),
          relevant=lambda s: bool(s.vs)),
    *(_param_field(n) for n in PARAMS),
    _start_field("theta0"),
    _start_field("psi0"),
    Field("h", parse_h, number_text, default=preset_or("h", static("h"))),
    Field("steps", int_parser(1, MAX_STEPS), default=preset_or("steps", static("steps"))),
)

DiracState.FIELDS, DiracState.PRESETS = DIRAC_FIELDS, DIRAC_PRESETS

assert {f.name for f in DIRAC_FIELDS} == {f.name for f in fields(DiracState)}

__all__ = ["DIRAC_FIELDS", "DIRAC_PRESETS", "MAX_H", "MAX_START", "MAX_STEPS", "MAX_VS",
           "PARAMS", "PARAM_LIMITS", "DiracPreset", "DiracState", "method_default", "methods"]
