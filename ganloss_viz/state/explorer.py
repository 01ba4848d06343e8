"""The divergence explorer's state: one dataclass, one field table, one URL.

`preset=<name>` is read first and supplies the base values; explicit keys override it
(``?preset=dirac&q=dirac(1)``). The written URL keeps ``preset`` only while the state
still equals that preset's state (the open section aside).

The sections' settings have *automatic* defaults that follow P and Q: an empty
`sweep` means Q's first parameter, a `range` of None means `params.default_range` of
the swept parameter, and so on. `resolved()` fills them in; the URL carries a setting
only where it differs from its default, so links stay short and still reproduce the
view exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import Any

from . import params as pm
from .fields import (
    Field,
    QueryParams,
    at_most,
    int_parser,
    interval_text,
    number_text,
    parse_choice,
    parse_float,
    parse_interval,
    parse_names,
    preset_or,
    state_from_query_params,
    state_to_query_params,
    static,
)
from .presets import PRESETS

DEFAULT_P = "normal(0, 1)"
DEFAULT_Q = "normal(1, 2)"
DEFAULT_DIV = "js"

VIEWS = ("value", "sweep", "landscape", "fit", "optimal")   # the page's sections, in order
MAX_VS = 4                  # divergences compared with the chosen one
POINTS = (3, 401)           # sweep points: bounds
GRID = (5, 41)              # landscape grid points per axis: bounds
STEPS = (1, 500)            # direct-fit steps: bounds
MAX_LR = 10.0               # direct-fit learning rate: upper bound
# The divergence parameters the page keeps, one URL key and state field each: every
# `Param` name in the registry (tests/test_one_record.py checks).
DIV_PARAMS = ("alpha", "bandwidth")
SETTINGS = ("view", "vs", "sweep", "range", "points", "lx", "ly", "xrange", "yrange",
            "grid", "steps", "lr", "loss")


# --- lazily imported library ------------------------------------------------------------


def divergence_registry():
    """The divergence registry (`ganloss_viz.DIVERGENCES`), imported on first use."""
    import ganloss_viz as gv
    return gv.DIVERGENCES


def divergence_params(div: str) -> dict[str, float]:
    """The parameters (name -> default) of divergence `div`; {} if unknown."""
    d = divergence_registry().get(div)
    return dict(d.params) if d is not None else {}


# --- the state ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ExplorerState:
    """Everything the divergence explorer shows.

    p, q, div: the pair and the divergence; alpha, bandwidth: its parameters (used by
    alpha/renyi and mmd); preset: the preset it came from ("" if none).
    view: the open section (value, sweep, landscape, fit).
    vs: divergences overlaid for comparison (sweep) or fitted alongside (fit).
    sweep, range, points: the swept parameter ("" = Q's first), its range (None =
    automatic) and the number of points.
    lx, ly, xrange, yrange, grid: the landscape's two parameters, their ranges and the
    grid size per axis. steps, lr: the direct fit (Adam) from Q's current parameters.
    loss: the GAN loss whose optimal discriminator the "optimal" section shows.
    """

    p: str = DEFAULT_P
    q: str = DEFAULT_Q
    div: str = DEFAULT_DIV
    alpha: float = 0.5
    bandwidth: float = 1.0
    preset: str = ""
    view: str = "value"
    vs: tuple[str, ...] = ()
    sweep: str = ""
    range: tuple[float, float] | None = None
    points: int = 201
    lx: str = ""
    ly: str = ""
    xrange: tuple[float, float] | None = None
    yrange: tuple[float, float] | None = None
    grid: int = 25
    steps: int = 200
    lr: float = 0.05
    loss: str = "minimax"

    def all_params(self) -> dict[str, float]:
        """Every divergence parameter of the state, used or not by `div`."""
        return {name: float(getattr(self, name)) for name in DIV_PARAMS}

    def resolved(self) -> ExplorerState:
        """The state with its automatic settings filled in from P and Q."""
        names = pm.parameters(self.p, self.q)
        sweep = self.sweep if self.sweep in names else names[0]
        lx = self.lx if self.lx in names else names[0]
        ly = self.ly if self.ly in names and self.ly != lx else \
            next(n for n in names if n != lx)
        return replace(
            self, sweep=sweep, lx=lx, ly=ly,
            range=_range_for(self, sweep, self.sweep, self.range),
            xrange=_range_for(self, lx, self.lx, self.xrange),
            yrange=_range_for(self, ly, self.ly, self.yrange))

    def baseline(self) -> ExplorerState:
        """The state a link with only p, q, div (and preset) would give."""
        if self.preset in PRESETS:
            return ExplorerState.from_preset(self.preset)
        return ExplorerState(p=self.p, q=self.q, div=self.div, alpha=self.alpha,
                             bandwidth=self.bandwidth)

    def to_query_params(self) -> dict[str, str]:
        return state_to_query_params(self, EXPLORER_FIELDS)

    @classmethod
    def from_query_params(cls, params: QueryParams) -> tuple[ExplorerState, list[str]]:
        return state_from_query_params(cls, EXPLORER_FIELDS, params)

    @classmethod
    def from_preset(cls, name: str) -> ExplorerState:
        """The state of preset `name` (ValueError if unknown)."""
        pr = PRESETS[parse_preset(name)]
        base = cls(p=pr.p, q=pr.q, div=pr.div, preset=pr.name)
        return replace(base, **{**_div_defaults(base), **dict(pr.settings)})

    def matches_preset(self) -> bool:
        """True while the state still equals its `preset`'s (whichever section is open)."""
        if not self.preset or self.preset not in PRESETS:
            return False
        mine = replace(self.resolved(), preset="", view="")
        theirs = replace(ExplorerState.from_preset(self.preset).resolved(), preset="",
                         view="")
        return mine == theirs

    def without_stale_preset(self) -> ExplorerState:
        """Drop `preset` once the state no longer equals it."""
        return self if self.matches_preset() else replace(self, preset="")


def _range_for(state: ExplorerState, name: str, chosen: str,
               given: tuple[float, float] | None) -> tuple[float, float]:
    """`given` while it belongs to parameter `name`, else name's default range."""
    if given is not None and chosen == name:
        return given
    return pm.default_range(state.p, state.q, name)


def _div_defaults(state: ExplorerState) -> dict[str, float]:
    params = divergence_params(state.div)
    return {k: float(v) for k, v in params.items() if k in DIV_PARAMS}


STATIC = ExplorerState()


# --- parsers ------------------------------------------------------------------------------


def parse_spec_text(text: str, state: Any = None) -> str:
    """A spec string, validated and made canonical (``normal(0,1)`` -> ``normal(0, 1)``)."""
    from ganloss_viz.distributions import dist
    return dist(text).to_spec()


def parse_div(text: str, state: Any = None) -> str:
    name = text.strip()
    known = divergence_registry()
    if name not in known:
        raise ValueError(f"unknown divergence; known: {', '.join(known)}")
    return name


def _div_param(name: str) -> Callable[[str, ExplorerState], float]:
    """A parser of divergence parameter `name`, by the rule the chosen divergence declares
    for it (`ganloss_viz.divergences.registry.Param`)."""
    def parse(text: str, state: ExplorerState) -> float:
        x = parse_float(text)
        param = divergence_registry()[state.div].parameter(name)
        if not param.allowed(x):
            raise ValueError(f"must be {param.rule} for {state.div}")
        return x
    return parse


def parse_preset(text: str, state: Any = None) -> str:
    return parse_choice(text, PRESETS, "preset")


def parse_view(text: str, state: Any = None) -> str:
    return parse_choice(text, VIEWS, "section")


def parse_vs(text: str, state: Any = None) -> tuple[str, ...]:
    names = parse_names(text, divergence_registry(), "divergence")
    if len(names) > MAX_VS:
        raise ValueError(f"at most {MAX_VS} divergences to compare with")
    return names


def _parse_param(text: str, state: ExplorerState) -> str:
    name = text.strip()
    known = pm.parameters(state.p, state.q)
    if name not in known:
        raise ValueError(f"unknown parameter; known: {', '.join(known)}")
    return name


def parse_sweep(text: str, state: ExplorerState) -> str:
    return _parse_param(text, state)


def parse_lx(text: str, state: ExplorerState) -> str:
    return _parse_param(text, state)


def parse_ly(text: str, state: ExplorerState) -> str:
    name = _parse_param(text, state)
    if name == state.resolved().lx:
        raise ValueError(f"the landscape's two parameters must differ (lx is {name})")
    return name


def _range_parser(param: Callable[[ExplorerState], str], jointly: bool):
    """A parser of ``from,to`` whose ends the parameter (from the state) may take."""
    def parse(text: str, state: ExplorerState) -> tuple[float, float]:
        lo, hi = parse_interval(text)
        name = param(state.resolved())
        for x in (lo, hi):
            why = pm.allowed(state.p, state.q, name, x) if jointly else \
                pm.constraint_error(state.p, state.q, name, x)
            if why:
                raise ValueError(why)
        return lo, hi
    return parse


def parse_loss(text: str, state: Any = None) -> str:
    """A GAN loss with a known optimal discriminator (ganloss_viz.optimal, read lazily)."""
    from ganloss_viz.optimal import OPTIMAL_LOSSES
    return parse_choice(text, OPTIMAL_LOSSES, "loss (one with a known optimal discriminator)")


parse_lr = at_most(MAX_LR)


# --- defaults and relevance --------------------------------------------------------------


def _from_preset(attr: str, *needs: str) -> Callable[[ExplorerState], Any]:
    """Default of `attr`: the preset's value when a preset was read (and the fields in
    `needs` still equal the preset's), else the dataclass default."""
    return preset_or(attr, static(attr), *needs)


def _param_default(attr: str) -> Callable[[ExplorerState], float]:
    """Default of a divergence parameter: the preset's, else the registry's."""
    def default(state: ExplorerState) -> float:
        if state.preset:
            pre = ExplorerState.from_preset(state.preset)
            if pre.div == state.div:
                return getattr(pre, attr)
        return float(divergence_params(state.div).get(attr, getattr(STATIC, attr)))
    return default


def _uses(attr: str) -> Callable[[ExplorerState], bool]:
    return lambda state: attr in divergence_params(state.div)


def _unused(attr: str) -> Callable[[ExplorerState], bool]:
    return lambda state: attr not in divergence_params(state.div)


AXIS_OF_RANGE = {"range": "sweep", "xrange": "lx", "yrange": "ly"}


def _differs(attr: str) -> Callable[[ExplorerState], bool]:
    """Written to the URL when the resolved value differs from the baseline's.

    A range is compared with the baseline's range *of the same parameter*: the
    preset's when the preset sweeps that parameter too, else the automatic one.
    """
    def relevant(state: ExplorerState) -> bool:
        mine = state.resolved()
        base = state.baseline()
        axis = AXIS_OF_RANGE.get(attr)
        if axis is not None and getattr(base.resolved(), axis) != getattr(mine, axis):
            base = replace(base, **{axis: getattr(mine, axis), attr: None})
        return getattr(mine, attr) != getattr(base.resolved(), attr)
    return relevant


def _setting(name: str, parse, show=str, needs: tuple[str, ...] = ()) -> Field:
    return Field(name, parse, show, _from_preset(name, *needs), _differs(name))


EXPLORER_FIELDS: tuple[Field, ...] = (
    Field("preset", parse_preset, default=lambda s: "",
          relevant=lambda s: s.matches_preset()),
    Field("p", parse_spec_text, default=_from_preset("p")),
    Field("q", parse_spec_text, default=_from_preset("q")),
    Field("div", parse_div, default=_from_preset("div")),
    *(Field(name, _div_param(name), number_text, _param_default(name), _uses(name),
            _unused(name)) for name in DIV_PARAMS),
    _setting("view", parse_view),
    _setting("vs", parse_vs, ",".join),
    _setting("sweep", parse_sweep, needs=("p", "q")),
    _setting("range", _range_parser(lambda s: s.sweep, jointly=True), interval_text,
             needs=("p", "q", "sweep")),
    _setting("points", int_parser(*POINTS)),
    _setting("lx", parse_lx, needs=("p", "q")),
    _setting("ly", parse_ly, needs=("p", "q")),
    _setting("xrange", _range_parser(lambda s: s.lx, jointly=False), interval_text,
             needs=("p", "q", "lx")),
    _setting("yrange", _range_parser(lambda s: s.ly, jointly=False), interval_text,
             needs=("p", "q", "ly")),
    _setting("grid", int_parser(*GRID)),
    _setting("steps", int_parser(*STEPS)),
    _setting("lr", parse_lr, number_text),
    _setting("loss", parse_loss),
)

ExplorerState.PRESETS = PRESETS

assert {f.name for f in EXPLORER_FIELDS} == {f.name for f in fields(ExplorerState)}
