"""The divergence registry: one entry per name, with what the UI and theory pages show."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

GROUP_F = "f-divergence"
GROUP_IPM = "IPM / optimal transport"
GROUP_OTHER = "other"


@dataclass(frozen=True)
class Param:
    """A divergence parameter, declared once for the engine, the URL, the widgets and the CLI.

    name: its key (``alpha``: the CLI's ``--param alpha=2``, the URL's ``alpha=2``);
    default; allowed(value) and rule (the allowed values in words, for error messages);
    label and help for the widget; minimum: the widget's lower bound (None: none).
    """

    name: str
    default: float
    allowed: Callable[[float], bool]
    rule: str
    label: str = ""
    help: str = ""
    minimum: float | None = None

    def check(self, value: float, div: str) -> float:
        """`value` as a float; ValueError naming the rule when it is not allowed."""
        if not self.allowed(value):
            raise ValueError(f"parameter {self.name}={value:g} of '{div}' is not allowed; it "
                             f"must be {self.rule}")
        return float(value)


@dataclass(frozen=True)
class Pointwise:
    """Where a divergence comes from, pointwise, for the explorer's integrand chart.

    of: "densities" (values(p, q, params) from the two densities, any shape) or "cdfs"
    (values(F_P, F_Q, params) from the two CDFs, 1-D only); name: the axis title;
    caption(params): how its integral gives the divergence. The f-divergences need none:
    q·f(p/q) comes from their generator.
    """

    of: str
    values: Callable[..., np.ndarray]
    name: str
    caption: Callable[[dict[str, float]], str]


@dataclass(frozen=True)
class Divergence:
    """A named divergence D(P‖Q) and its metadata.

    `compute(P, Q, **params)` works on realised measures and returns
    (value tensor, infinite mask, method, error); `parameters` declares its parameters
    (`params`: their defaults by name); `pointwise` says what the explorer draws as its
    integrand when it is not an f-divergence's q·f(p/q). f-divergences also carry their
    generator f, its conjugate f*, the f-GAN output activation, the optimal critic
    T*(u) = f'(u) at u = p/q, f(0) and f'(inf) = lim f(u)/u, and the LaTeX of the
    four (`f_latex`, ... in u, t and v), which the theory page renders as its table.
    """

    name: str
    label: str
    group: str
    latex: str
    range_text: str
    compute: Callable
    parameters: tuple[Param, ...] = ()
    symmetric: bool = False
    f: Callable[[torch.Tensor], torch.Tensor] | None = None
    f_conj: Callable[[torch.Tensor], torch.Tensor] | None = None
    activation: Callable[[torch.Tensor], torch.Tensor] | None = None
    optimal_critic: Callable[[torch.Tensor], torch.Tensor] | None = None
    f0: float | None = None
    fprime_inf: float | None = None
    at_equality: float = 0.0     # D(P‖P): 0, or f(1) = −ln 4 for the GAN value
    # D grows like |change| away from P = Q (TV, W1, W2): no derivative there
    kink_at_equality: bool = False
    doc: str = ""
    make_generator: Callable[..., dict[str, Callable]] | None = None  # f etc. for params
    f_latex: str = ""                 # f(u)
    f_conj_latex: str = ""            # f*(t), with its domain
    activation_latex: str = ""        # the f-GAN output activation g_f(v)
    optimal_critic_latex: str = ""    # T*(u) = f'(u), u = p/q
    unit: str = "nats"   # what a value counts: "nats" (log-based), "" (a pure number), or
                         # "units of x" (a distance in the sample space)
    pointwise: Pointwise | None = None

    @property
    def params(self) -> dict[str, float]:
        """The parameters' defaults by name."""
        return {p.name: p.default for p in self.parameters}

    def parameter(self, name: str) -> Param | None:
        """The declared parameter `name` (None if the divergence has none of that name)."""
        return next((p for p in self.parameters if p.name == name), None)

    @property
    def bounds(self) -> tuple[float, float]:
        """The range as numbers, read from `range_text` (one source for both)."""
        lo, hi = (_END[t.strip()] for t in self.range_text.strip("[]()").split(","))
        return lo, hi

    def titled(self, name: str | None = None) -> str:
        """An axis title: the name (default: the registry name) with the unit, if any."""
        name = name or self.name
        return f"{name} ({self.unit})" if self.unit else name

    @property
    def unit_phrase(self) -> str:
        """'in nats', 'in units of x' or 'a pure number', for captions."""
        return f"in {self.unit}" if self.unit else "a pure number"

    def generator(self, **params: float) -> dict[str, Callable]:
        """f, f_conj, activation and optimal_critic for these parameters (alpha: its own α)."""
        if self.make_generator is not None:
            return self.make_generator(**{**self.params, **params})
        return dict(f=self.f, f_conj=self.f_conj, activation=self.activation,
                    optimal_critic=self.optimal_critic)


_END = {"0": 0.0, "1": 1.0, "2": 2.0, "∞": math.inf, "ln 2": math.log(2.0),
        "−ln 4": -math.log(4.0)}

DIVERGENCES: dict[str, Divergence] = {}


def register(div: Divergence) -> Divergence:
    DIVERGENCES[div.name] = div
    return div


def get(name: str) -> Divergence:
    """The registered divergence `name`; ValueError listing the known names otherwise."""
    try:
        return DIVERGENCES[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown divergence '{name}'; known: {', '.join(DIVERGENCES)}") from None
